"""`python -m bench.gpu`: srcgrad's `target="cuda"` gradient against JAX, PyTorch
and the memory-bandwidth limit, on one GPU.

    python -m bench.gpu [--n 100000000] [--dtype float32] [--repeats 10]
                        [--peers jax,torch] [--json bench/results/gpu.json]

The function is elementwise, with a `while` loop whose trip count depends on
the element (1 to 6 trips for x in [0.5, 9.5]):

    def grow(x):
        y = x
        while y < 10.0:
            y = y * 1.5 + math.sin(y)
        return y

and the gradient of its sum is taken with respect to a vector of `--n`
elements that lives on the GPU (the result stays there):

- srcgrad: `sg.grad(grow, target="cuda", max_trips=MAX_TRIPS)(x)`, one thread
  per element in a grid-stride loop; the loop's saved values live in a
  per-thread stack of MAX_TRIPS float64 entries.
- JAX: `jit(vmap(grad(f)))`.  JAX cannot reverse-differentiate a
  `lax.while_loop`, so `f` runs MAX_TRIPS iterations of a `lax.fori_loop`
  with the update masked by the condition (`jnp.where(y < 10, ..., y)`): how a
  JAX user writes a bounded while loop that must be differentiated.
- PyTorch: eager autograd over the whole vector, the loop running while any
  element still needs it (`while (y < 10).any()`), each update masked by
  `torch.where`; `torch.autograd.grad(y.sum(), x)`.
- The bandwidth limit: the time to read x and write the gradient once at the
  device's peak memory bandwidth (memory clock × bus width, from the device's
  attributes), and the time a copy kernel that moves the same bytes takes.

Every gradient is first compared with srcgrad's CPU target on a sample of
elements (and the peers with srcgrad on the GPU); times are medians of
`--repeats` calls after a warm-up call, each ending with a device sync.  A
peer that is not installed, or sees no GPU, is reported and skipped.

Under Numba's CUDA simulator (`NUMBA_ENABLE_CUDASIM=1`, no GPU) the script
runs with a small `--n` to test itself (`--peers-anywhere` runs the peers on
the CPU): its figures then mean nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from numba import cuda

import srcgrad as sg

MAX_TRIPS = 16
LOW, HIGH = 0.5, 9.5
SAMPLE = 1000  # elements checked against the CPU target


def grow(x):
    y = x
    while y < 10.0:
        y = y * 1.5 + math.sin(y)
    return y


def median_time(call, repeats: int, sync) -> float:
    call()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@cuda.jit
def copy(src, dst):
    for k in range(cuda.grid(1), src.size, cuda.gridsize(1)):
        dst[k] = src[k]


# --- srcgrad and the limit ------------------------------------------------------------------


def srcgrad_case(x_host: np.ndarray, repeats: int) -> tuple[dict, object]:
    df = sg.grad(grow, target="cuda", max_trips=MAX_TRIPS)
    x = cuda.to_device(x_host)
    grad = df(x).copy_to_host()
    cpu = sg.grad(grow, target="cpu")
    sample = np.linspace(0, x_host.size - 1, min(SAMPLE, x_host.size)).astype(np.int64)
    expected = np.array([cpu(float(x_host[k])) for k in sample])
    tolerance = 1e-5 if x_host.dtype == np.float32 else 1e-12
    error = float(np.max(np.abs(grad[sample] - expected) / np.maximum(1.0, np.abs(expected))))
    seconds = median_time(lambda: df(x), repeats, cuda.synchronize)
    result = {"seconds": seconds, "max_rel_error_vs_cpu": error, "ok": error <= tolerance}
    return result, grad


def bandwidth_limit(n: int, itemsize: int, repeats: int) -> dict:
    """The time to read n inputs and write n gradients at peak bandwidth, and
    the time of a copy kernel moving the same bytes."""
    moved = 2 * n * itemsize
    device = cuda.get_current_device()
    try:
        clock_khz = device.MEMORY_CLOCK_RATE
        bus_bits = device.GLOBAL_MEMORY_BUS_WIDTH
        peak = clock_khz * 1e3 * 2 * bus_bits / 8  # double data rate, bytes per second
    except AttributeError:  # the simulator
        peak = None

    dtype = np.float32 if itemsize == 4 else np.float64
    src = cuda.to_device(np.ones(n, dtype))
    dst = cuda.device_array(n, dtype)
    blocks = min(math.ceil(n / 256), 32 * getattr(device, "MULTIPROCESSOR_COUNT", 1))
    copy_s = median_time(lambda: copy[blocks, 256](src, dst), repeats, cuda.synchronize)
    return {"bytes_moved": moved, "peak_bytes_per_s": peak,
            "seconds_at_peak": moved / peak if peak else None,
            "copy_kernel_seconds": copy_s}


# --- the peers --------------------------------------------------------------------------------


def jax_case(x_host: np.ndarray, reference: np.ndarray, repeats: int, anywhere: bool) -> dict:
    import jax

    if x_host.dtype == np.float64:
        jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax import lax

    gpus = [d for d in jax.devices() if d.platform == "gpu"] or (jax.devices() if anywhere else [])
    if not gpus:
        return {"skipped": "JAX sees no GPU"}

    def f(x):
        def step(_, y):
            return jnp.where(y < 10.0, y * 1.5 + jnp.sin(y), y)

        return lax.fori_loop(0, MAX_TRIPS, step, x)

    g = jax.jit(jax.vmap(jax.grad(f)))
    x = jax.device_put(jnp.asarray(x_host), gpus[0])
    grad = np.asarray(g(x))
    seconds = median_time(lambda: g(x).block_until_ready(), repeats, lambda: None)
    return {"seconds": seconds, **_agreement(grad, reference, x_host.dtype)}


def torch_case(x_host: np.ndarray, reference: np.ndarray, repeats: int, anywhere: bool) -> dict:
    import torch

    gpu = torch.cuda.is_available()
    if not (gpu or anywhere):
        return {"skipped": "PyTorch sees no GPU"}
    x = torch.from_numpy(x_host).to("cuda" if gpu else "cpu")
    sync = torch.cuda.synchronize if gpu else (lambda: None)

    def gradient():
        xs = x.detach().requires_grad_(True)
        y = xs
        while bool((y < 10.0).any()):
            y = torch.where(y < 10.0, y * 1.5 + torch.sin(y), y)
        (g,) = torch.autograd.grad(y.sum(), xs)
        return g

    grad = gradient().cpu().numpy()
    seconds = median_time(gradient, repeats, sync)
    return {"seconds": seconds, **_agreement(grad, reference, x_host.dtype)}


def _agreement(grad: np.ndarray, reference: np.ndarray, dtype) -> dict:
    error = float(np.max(np.abs(grad - reference) / np.maximum(1.0, np.abs(reference))))
    return {"max_rel_error_vs_srcgrad": error, "ok": error <= (1e-4 if dtype == np.float32
                                                                else 1e-10)}


PEERS = {"jax": jax_case, "torch": torch_case}


# --- the report -------------------------------------------------------------------------------


def run(n: int, dtype: str, repeats: int, peers: list[str], anywhere: bool = False) -> dict:
    rng = np.random.default_rng(0)
    x = rng.uniform(LOW, HIGH, n).astype(dtype)
    device = cuda.get_current_device()
    report = {"n": n, "dtype": dtype, "max_trips": MAX_TRIPS, "repeats": repeats,
              "device": str(getattr(device, "name", b"simulator"), "utf-8", "replace")
              if isinstance(getattr(device, "name", None), bytes)
              else str(getattr(device, "name", "simulator"))}
    report["srcgrad"], reference = srcgrad_case(x, repeats)
    report["bandwidth"] = bandwidth_limit(n, x.itemsize, repeats)
    for name in peers:
        try:
            report[name] = PEERS[name](x, reference, repeats, anywhere)
        except ImportError as exc:
            report[name] = {"skipped": f"not installed ({exc})"}
    return report


def table(report: dict) -> str:
    limit = report["bandwidth"]
    base = report["srcgrad"]["seconds"]
    rows = [f"gradient of grow over {report['n']:,} {report['dtype']} elements on "
            f"{report['device']} (median of {report['repeats']})",
            f"{'':28}{'ms':>10}{'time/srcgrad':>14}  check"]

    def row(name, seconds, check=""):
        ratio = f"{seconds / base:.2f}x" if seconds else "n/a"
        ms = f"{seconds * 1e3:.3f}" if seconds else "n/a"
        rows.append(f"{name:28}{ms:>10}{ratio:>14}  {check}")

    row("srcgrad target='cuda'", base, _check(report["srcgrad"], "max_rel_error_vs_cpu"))
    for name in PEERS:
        entry = report.get(name)
        if entry is None:
            continue
        if "skipped" in entry:
            rows.append(f"{name:28}{'skipped':>10}  {entry['skipped']}")
        else:
            row(name, entry["seconds"], _check(entry, "max_rel_error_vs_srcgrad"))
    row("bandwidth limit (peak)", limit["seconds_at_peak"])
    row("copy kernel, same bytes", limit["copy_kernel_seconds"])
    return "\n".join(rows)


def _check(entry: dict, key: str) -> str:
    return f"{'ok' if entry['ok'] else 'MISMATCH'} (max rel error {entry[key]:.1e})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gpu", description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10**8)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--peers", default="jax,torch",
                        help="comma-separated, from: " + ", ".join(PEERS) + " (empty: none)")
    parser.add_argument("--json", type=Path, default=Path("bench/results/gpu.json"))
    parser.add_argument("--peers-anywhere", action="store_true",
                        help="run the peers on the device they find, a CPU if no GPU: to test "
                             "this script without a GPU (the times then mean nothing)")
    args = parser.parse_args(argv)
    peers = [p for p in args.peers.split(",") if p]
    unknown = set(peers) - set(PEERS)
    if unknown:
        parser.error(f"unknown peers: {', '.join(sorted(unknown))}")
    report = run(args.n, args.dtype, args.repeats, peers, args.peers_anywhere)
    print(table(report))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    failed = [k for k, v in report.items() if isinstance(v, dict) and v.get("ok") is False]
    if failed:
        print(f"gradients that disagree: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
