"""Peak memory of one gradient of a 10^6-step scalar loop (the Euler case,
`bench.cases.MEMORY_CASE`), one framework per fresh process:

    python -m bench.memory srcgrad|autograd|torch|jax [--steps N]

Method: resident set size.  The gradient is first made ready without being
measured (srcgrad compiled on a 10-step call, autograd/PyTorch warmed on a
10-step call, JAX compiled ahead of time for the real trip count with
`jit(...).lower(...).compile()`), then the peak RSS of the process's address
space is reset (`echo 5 > /proc/self/clear_refs`), the baseline is VmHWM from
/proc/self/status (then equal to the current RSS), the gradient runs once,
and the result is VmHWM after it minus the baseline: the memory the gradient
added at its peak (its tape or stacks, and its temporaries), as the OS counts
it.  VmHWM is the counter behind getrusage's ru_maxrss, but ru_maxrss also
keeps, across exec, the peak of the process it was forked from (here the
harness, some 400 MB), which clear_refs does not reset: read after a fork it
can only say "no more than the parent had".  tracemalloc is not used: it
does not see Numba's, PyTorch's or XLA's allocations.  Without /proc
(another OS), the baseline is ru_maxrss before the call and `reset` is false
in the output (a warm-up that peaked higher then hides the gradient's peak).

Prints one JSON line on stdout.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

PEERS = ("srcgrad", "autograd", "torch", "jax")


def _peak_kb() -> int:
    """VmHWM (this address space's peak RSS), else ru_maxrss."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _ready(which: str, case, steps: int):
    """The gradient call at `steps` steps, compiled and warmed but not run."""
    args_small = case.make_small()
    args = (*case.make_small()[:2], steps)
    if which == "srcgrad":
        import srcgrad as sg

        df = sg.grad(case.fn, wrt=case.wrt)
        df(*args_small)
        return lambda: df(*args)
    from . import peers

    (peer,) = peers.load(which)
    if which == "jax":
        return peer.prepare(case, args).ahead_of_time()
    peer.prepare(case, args_small).call()
    return peer.prepare(case, args).call


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory")
    parser.add_argument("peer", choices=PEERS)
    parser.add_argument("--steps", type=int, default=1_000_000)
    options = parser.parse_args(argv)
    from .cases import MEMORY_CASE

    call = _ready(options.peer, MEMORY_CASE, options.steps)
    reset = _reset_peak()
    before = _peak_kb()
    start = time.perf_counter()
    call()
    elapsed = time.perf_counter() - start
    after = _peak_kb()
    print(json.dumps({"peer": options.peer, "steps": options.steps, "baseline_kb": before,
                      "peak_kb": after, "delta_mb": (after - before) / 1024, "reset": reset,
                      "time_s": elapsed}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
