"""`python -m bench`: srcgrad's compiled gradient against the Numba-compiled
primal and against the peers (autograd, PyTorch, JAX, TensorFlow eager and
tf.function, Tangent), case by case.

    python -m bench [--case SUBSTRING ...] [--peers autograd,torch,jax,tf,tangent]
                    [--quick] [--malloc-tuned] [--json PATH] [--repeats N] ...
    python -m bench --suite kernels [--kernel SUBSTRING ...] [--no-firstcall] [--quick]

--suite kernels runs `bench/kernels.py`'s KERNELS (numerical Python as
written in the wild: stencils, solves, filters, pair loops, integrators,
PolyBench) instead of the cases below, without peers or the memory
measurement.  Per kernel, one fresh worker process checks srcgrad's gradient
against central finite differences on the small inputs (a kernel srcgrad
refuses or gets wrong is reported, and not timed), then times the primal
(`numba.njit`) and the gradient; then two more fresh processes measure the
first calls: `numba.njit`'s compile + first call of the primal, and srcgrad's
"cold" first call (transformation + Numba compilation of the adjoint, with
srcgrad's own helpers already compiled and cached: the worker compiled them
into the run's NUMBA_CACHE_DIR).  Every process is stopped after
--case-timeout seconds (600 by default here) and reported as a timeout.
The table gives both ratios per kernel and their distribution (median, 90th
percentile, max); results in bench/results/kernels.json and kernels.png.

Before timing, srcgrad's gradient of every selected case is checked against
central finite differences on small inputs (`bench/check.py`); a case that
fails is reported and not timed.  Then, per case, one fresh process
(`bench/worker.py`) times, side by side: the primal (`numba.njit`),
srcgrad's gradient (`target="cpu"`) and each peer's gradient, every peer's
gradient first compared with srcgrad's.  Times are medians of repeated runs
after warm-up.  srcgrad's first call (transformation + compilation) is
measured in three more fresh processes (`bench/firstcall.py`): with nothing
cached (fresh), with a new function but srcgrad's own functions cached
(cold), and with the cache the cold one left (warm).  Peak memory of the
gradient of a 10^6-step loop is measured per framework in its own process
(`bench/memory.py`).

Install the peers with `pip install '.[bench]'` after a CPU build of torch
(PyPI's Linux torch wheels pull in the CUDA libraries; with torch already
installed, pip keeps it); a peer that does not import is left out, or shown
n/a when named in --peers.

Results: a printed table on stdout, JSON at --json (default
bench/results/latest.json), a PNG chart of srcgrad's speedup over each peer
next to it (same name, .png), the workers' stderr in a .log beside them;
progress on stderr.

--malloc-tuned: glibc's malloc gives freed memory back to the OS when the
free space at the top of the heap exceeds M_TRIM_THRESHOLD, and serves a
block of M_MMAP_THRESHOLD or more (dynamic, 128 KiB to 32 MiB) with a fresh
mmap that is unmapped when freed.  So a gradient that returns fresh arrays
(srcgrad's of the 10^5-element cases returns two 800 KB arrays per call)
pays page faults, the kernel zeroing every new page, on every call, and so
does any framework that allocates its results the same way.  That is what a
user's process sees, so the main table reports it as measured; with
--malloc-tuned every case runs a second time in a process started with
MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_MMAP_THRESHOLD_=268435456 (256 MiB:
freed memory stays in the heap and is reused), applied equally to every
framework in that process, and the second table shows those times.  With
--suite kernels, each kernel's primal and gradient run a second time so, and
the table adds their ratio ("tuned") and its distribution.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from .cases import CASES, SUITES, suite

MALLOC_TUNING = {"MALLOC_TRIM_THRESHOLD_": "268435456", "MALLOC_MMAP_THRESHOLD_": "268435456"}
DEFAULT_JSON = Path(__file__).parent / "results" / "latest.json"
DEFAULT_KERNELS_JSON = Path(__file__).parent / "results" / "kernels.json"
MEMORY_PEERS = ("srcgrad", "autograd", "torch", "jax")


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def machine_lines(threads: int | None = None) -> list[str]:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            memory = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = []
    for dist in ("srcgrad", "numpy", "numba", "llvmlite", "scipy", "autograd", "torch", "jax",
                 "jaxlib", "tensorflow", "tensorflow-cpu", "tangent-ad", "matplotlib"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pass
    thread_vars = {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                          "MKL_NUM_THREADS", "OPENBLAS_CORETYPE")
               if k in os.environ}
    return [f"{cpu}, {os.cpu_count()} logical CPUs ({usable} usable){memory}; "
            f"{platform.platform()}",
            f"Python {platform.python_version()}; " + ", ".join(versions),
            "threads: Numba code (the primal, srcgrad) runs on one thread, except the matrix "
            "products it hands to BLAS; "
            + (f"PyTorch, TensorFlow, XLA and BLAS limited to {threads} (--threads)" if threads
               else "PyTorch, TensorFlow and XLA use their default thread pools")
            + (f"; set: {thread_vars}" if thread_vars else "")]


def select_cases(patterns: list[str], cases=CASES) -> list[int]:
    if not patterns:
        return list(range(len(cases)))
    chosen = [k for k, c in enumerate(cases)
              if any(p.lower() in c.name.lower() or p.lower() == c.key for p in patterns)]
    if not chosen:
        raise SystemExit(f"no case matches {patterns}; the cases: "
                         + "; ".join(c.name for c in cases))
    return chosen


def select_peers(spec: str | None) -> tuple[list[str], dict[str, str]]:
    """The peer groups to run and, for those not importable, why."""
    from .peers import MODULES, REQUIRES

    if spec is None:
        groups = list(MODULES)
        explicit = False
    else:
        groups = [g.strip() for g in spec.split(",") if g.strip()]
        unknown = [g for g in groups if g not in MODULES]
        if unknown:
            raise SystemExit(f"unknown peers {unknown}; choose from {','.join(MODULES)}")
        explicit = True
    run, missing = [], {}
    for g in groups:
        if importlib.util.find_spec(REQUIRES[g]) is None:
            missing[g] = f"{REQUIRES[g]} is not installed"
            if explicit:  # asked for by name: its columns show n/a with the reason
                run.append(g)
        else:
            run.append(g)
    return run, missing


THREAD_ENV: dict[str, str] = {}


def thread_env(threads: int | None) -> dict[str, str]:
    """The environment that limits every framework to `threads` threads."""
    if not threads:
        return {}
    n = str(threads)
    env = {"OMP_NUM_THREADS": n, "MKL_NUM_THREADS": n, "OPENBLAS_NUM_THREADS": n,
           "TF_NUM_INTRAOP_THREADS": n, "TF_NUM_INTEROP_THREADS": n}
    if threads == 1:
        env["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    return env


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(THREAD_ENV)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("PYTHONWARNINGS", "ignore::SyntaxWarning")  # Tangent's generated code
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "") if env.get(
        "PYTHONPATH") else root
    if extra:
        env.update(extra)
    return env


def run_subprocess(args: list[str], log, env: dict[str, str], timeout: float) -> tuple[int, str]:
    """Run `python -m ...`, forwarding its "bench:" stderr lines as progress and
    writing all its stderr to the log; returns (exit status, stdout)."""
    log.write(f"\n=== {' '.join(args)}\n")
    log.flush()
    proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    import threading

    def pump():
        for line in proc.stderr:
            log.write(line)
            if line.startswith("bench: "):
                progress("    " + line[7:].rstrip())

    # stderr is read by `pump` alone (communicate() would read it too, and
    # close it under the thread); stdout by a second thread
    out: list[str] = []
    threads = [threading.Thread(target=pump, daemon=True),
               threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True)]
    for thread in threads:
        thread.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        proc.kill()
        proc.wait()
    for thread in threads:
        thread.join()
    log.flush()
    return (-9 if timed_out else proc.returncode), "".join(out)


def run_worker(index: int, options, groups: list[str], log, extra_env=None,
               skip: list[str] = ()) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = tmp.name
    args = ["-m", "bench.worker", str(index), "--suite", options.suite, "--out", out,
            "--peers", ",".join(groups),
            "--repeats", str(options.repeats), "--budget", str(options.budget),
            "--call-timeout", str(options.call_timeout), "--rtol", str(options.rtol),
            "--skip", ",".join(skip)]
    if options.quick:
        args.append("--quick")
    if options.suite == "kernels" and not options.no_check:
        args.append("--check")
    case = suite(options.suite)[index]
    try:
        code, _ = run_subprocess(args, log, _env(extra_env), options.case_timeout)
        if code != 0 or os.path.getsize(out) == 0:
            if code == -9:
                return {"case": case.name, "key": case.key, "srcgrad": {
                    "status": "timeout",
                    "reason": f"the worker process took over {options.case_timeout:g} s"}}
            return {"case": case.name, "key": case.key,
                    "srcgrad": {"status": "error",
                                "reason": f"the worker process exited with status {code} "
                                          "(see the .log)"}}
        with open(out) as f:
            return json.load(f)
    finally:
        os.unlink(out)


def srcgrad_fingerprint() -> str:
    """A hash of srcgrad's sources: the generated modules' cache key includes
    it, so a change between the cold and the warm process (srcgrad edited
    while the benchmark runs) makes the warm one compile again."""
    import hashlib

    import srcgrad

    h = hashlib.sha256()
    for path in sorted(Path(srcgrad.__file__).parent.rglob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()


def tuned_run(index: int, options, groups: list[str], log, measured: dict) -> dict:
    """The case again with MALLOC_TUNING.  A peer that took 30 s or more a call
    (or was n/a) in the measured run is not run again: page faults are noise
    there; its measured result is copied, with a note saying so."""
    again_not = {name: p for name, p in measured.get("peers", {}).items()
                 if p.get("status") == "n/a" or p.get("samples") == 0}
    record = run_worker(index, options, groups, log, MALLOC_TUNING, list(again_not))
    for name, p in again_not.items():
        copied = dict(p)
        if p.get("status") != "n/a":
            copied["note"] = "; ".join(filter(None, [
                p.get("note"), "not run again with the malloc tuning (a call takes over 30 s): "
                               "the measured time"]))
        record.setdefault("peers", {})[name] = copied
    if "peers" in record:  # keep the columns' order
        record["peers"] = {c: record["peers"][c] for c in measured.get("peers", {})
                           if c in record["peers"]}
    return record


def run_first_calls(index: int, log) -> dict:
    for _ in range(3):
        before = srcgrad_fingerprint()
        result = _first_calls(index, log)
        if srcgrad_fingerprint() == before:
            return result
        progress("  srcgrad's sources changed during the first-call measurement: again")
    result["error"] = "srcgrad's sources kept changing during the measurement (cache invalidated)"
    return result


def _first_calls(index: int, log) -> dict:
    """Three fresh processes, each with its own empty NUMBA_CACHE_DIR shared by
    the three: `fresh` as on a machine where srcgrad never ran (its own
    functions, `srcgrad.runtime.machinecode`, are compiled too); `cold`, a new
    SRCGRAD_CACHE_DIR: the function is new, srcgrad's are on disk; `warm`,
    the same SRCGRAD_CACHE_DIR again: everything is on disk."""
    result = {}
    with tempfile.TemporaryDirectory(prefix="srcgrad-bench-numba-") as numba_cache, \
            tempfile.TemporaryDirectory(prefix="srcgrad-bench-cache-") as first, \
            tempfile.TemporaryDirectory(prefix="srcgrad-bench-cache-") as second:
        for which, cache in (("fresh", first), ("cold", second), ("warm", second)):
            env = _env({"SRCGRAD_CACHE_DIR": cache, "NUMBA_CACHE_DIR": numba_cache})
            code, stdout = run_subprocess(["-m", "bench.firstcall", str(index)], log, env, 900)
            if code != 0:
                result["error"] = f"{which} first-call process exited with status {code}"
                break
            result[which] = json.loads(stdout.strip().splitlines()[-1])
        code, stdout = run_subprocess(["-m", "bench.firstcall", str(index), "--primal"], log,
                                      _env({"NUMBA_CACHE_DIR": numba_cache}), 900)
        if code == 0:
            result["primal"] = json.loads(stdout.strip().splitlines()[-1])
    return result


def kernel_first_calls(index: int, log, numba_cache: str, timeout: float) -> dict:
    """The kernel's first calls, each in a fresh process on the small inputs:
    `cold`, srcgrad's transformation + compilation with a new SRCGRAD_CACHE_DIR
    and `numba_cache` as NUMBA_CACHE_DIR, where the kernel's worker left
    srcgrad's own compiled helpers; `primal`, numba.njit's compilation + first
    call with an empty NUMBA_CACHE_DIR.  A process that takes over `timeout`
    seconds is stopped: {"status": "timeout"}."""
    result = {}
    with tempfile.TemporaryDirectory(prefix="srcgrad-bench-cache-") as cache, \
            tempfile.TemporaryDirectory(prefix="srcgrad-bench-numba-") as empty:
        for which, extra, env in (
                ("primal", ["--primal"], {"NUMBA_CACHE_DIR": empty}),
                ("cold", [], {"SRCGRAD_CACHE_DIR": cache, "NUMBA_CACHE_DIR": numba_cache})):
            code, stdout = run_subprocess(["-m", "bench.firstcall", str(index), "--suite",
                                           "kernels", *extra], log, _env(env), timeout)
            if code == -9:
                result[which] = {"status": "timeout", "timeout_s": timeout}
            elif code != 0:
                result[which] = {"status": "error", "reason": f"exited with status {code}"}
            else:
                result[which] = dict(json.loads(stdout.strip().splitlines()[-1]), status="ok")
    return result


def run_memory(peers: list[str], steps: int, log) -> dict:
    out = {"steps": steps, "peers": {}}
    for peer in peers:
        progress(f"  memory: {peer}, {steps:,} steps")
        code, stdout = run_subprocess(["-m", "bench.memory", peer, "--steps", str(steps)], log,
                                      _env(), 3600)
        if code != 0:
            out["peers"][peer] = {"error": f"the process exited with status {code} (see the .log)"}
        else:
            out["peers"][peer] = json.loads(stdout.strip().splitlines()[-1])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", choices=SUITES, default="cases",
                        help="cases: bench/cases.py with the peers (default); kernels: "
                             "bench/kernels.py, srcgrad against the primal only")
    parser.add_argument("--case", "--kernel", action="append", default=[],
                        help="run the cases whose name contains this (or whose key is this); "
                             "repeatable; default: all")
    parser.add_argument("--peers", help="comma-separated: autograd,torch,jax,tf,tangent "
                                        "(default: all that import; '' for none; none "
                                        "with --suite kernels)")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and few repeats: a smoke run")
    parser.add_argument("--malloc-tuned", action="store_true",
                        help="also run every case with glibc malloc's thresholds at 256 MiB")
    parser.add_argument("--json", help="write the results here (default "
                        f"{DEFAULT_JSON}, {DEFAULT_KERNELS_JSON} with --suite kernels); the "
                        "PNG and the log go beside it")
    parser.add_argument("--repeats", type=int, help="timed samples per measurement "
                        "(default 21, 3 with --quick)")
    parser.add_argument("--budget", type=float, help="seconds of timed samples per "
                        "measurement, about (default 10, 2 with --suite kernels, 1 with "
                        "--quick)")
    parser.add_argument("--call-timeout", type=float, default=300.0,
                        help="a peer whose single call takes longer is n/a (default %(default)s)")
    parser.add_argument("--case-timeout", type=float,
                        help="seconds for one case's worker process (default 3600); with "
                             "--suite kernels, for each of a kernel's processes, first calls "
                             "too (default 600)")
    parser.add_argument("--rtol", type=float, default=1e-6,
                        help="a peer agrees with srcgrad within this relative error")
    parser.add_argument("--memory-steps", type=int,
                        help="steps of the memory measurement (default 10^6, 10^4 with --quick)")
    parser.add_argument("--threads", type=int,
                        help="limit every framework (BLAS, PyTorch, TensorFlow, XLA) to this many "
                             "threads; default: each framework's own default (srcgrad and the "
                             "primal are single-threaded Numba code either way, but for BLAS)")
    parser.add_argument("--no-check", action="store_true", help="skip the finite-difference check")
    parser.add_argument("--no-first-call", "--no-firstcall", action="store_true",
                        help="skip the first-call (cold/warm cache) measurements")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory measurement")
    options = parser.parse_args(argv)
    kernels = options.suite == "kernels"
    options.repeats = options.repeats or (3 if options.quick else 21)
    options.budget = options.budget or (1.0 if options.quick else 2.0 if kernels else 10.0)
    options.case_timeout = options.case_timeout or (600.0 if kernels else 3600.0)
    if kernels:
        options.peers = "" if options.peers is None else options.peers
        options.no_memory = True
        options.json = options.json or str(DEFAULT_KERNELS_JSON)
    options.json = options.json or str(DEFAULT_JSON)
    memory_steps = options.memory_steps or (10_000 if options.quick else 1_000_000)
    global THREAD_ENV
    THREAD_ENV = thread_env(options.threads)

    cases = suite(options.suite)
    indices = select_cases(options.case, cases)
    groups, missing = select_peers(options.peers)
    from .peers import COLUMNS

    columns = [c for g in groups for c in COLUMNS[g]]
    json_path = Path(options.json)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    log_path = json_path.with_suffix(".log")
    command = "python -m bench " + " ".join(sys.argv[1:] if argv is None else argv)
    results = {"command": command.strip(), "suite": options.suite,
               "started": time.strftime("%Y-%m-%d %H:%M:%S"),
               "machine_lines": machine_lines(options.threads), "columns": columns, "quick": options.quick,
               "peers_missing": missing, "threads": options.threads,
               "srcgrad_fingerprint": srcgrad_fingerprint(),
               "cases": []}
    if options.malloc_tuned:
        results["tuned_cases"] = []
        results["malloc_tuning"] = MALLOC_TUNING
    if not options.no_first_call:
        results["first_calls"] = {}
    for line in results["machine_lines"]:
        progress(line)
    for g, why in missing.items():
        progress(f"peer {g}: {why}" + ("" if g in groups else " (skipped)"))

    def save():
        with open(json_path, "w") as f:
            json.dump(results, f, indent=1, default=float)

    if kernels:
        return run_kernels(options, cases, indices, groups, results, json_path)
    failed_check = {}
    if not options.no_check:
        from .check import check_case

        progress("checking srcgrad against finite differences (small inputs)...")
        for k in indices:
            ok, detail = check_case(CASES[k])
            progress(f"  {'ok  ' if ok else 'FAIL'} {CASES[k].name}: {detail}")
            if not ok:
                failed_check[k] = detail
        results["check"] = {CASES[k].name: failed_check.get(k, "ok") for k in indices}

    with open(log_path, "w") as log:
        for n, k in enumerate(indices, 1):
            case = CASES[k]
            progress(f"[{n}/{len(indices)}] {case.name}")
            if k in failed_check:
                record = {"case": case.name, "key": case.key, "srcgrad": {
                    "status": "error",
                    "reason": f"failed the finite-difference check ({failed_check[k]}): not timed"}}
                results["cases"].append(record)
                if options.malloc_tuned:
                    results["tuned_cases"].append(record)
                continue
            results["cases"].append(run_worker(k, options, groups, log))
            save()
            if options.malloc_tuned:
                progress("  again with the malloc tuning")
                results["tuned_cases"].append(tuned_run(k, options, groups, log,
                                                        results["cases"][-1]))
                save()
            if not options.no_first_call:
                progress("  first call: cold cache, then warm")
                results["first_calls"][case.name] = run_first_calls(k, log)
                save()
        if not options.no_memory:
            mem_peers = [p for p in MEMORY_PEERS if p == "srcgrad" or
                         (p in groups and p not in missing)]
            results["memory"] = run_memory(mem_peers, memory_steps, log)
    return finish(results, json_path)


def save_json(results: dict, json_path: Path) -> None:
    with open(json_path, "w") as f:
        json.dump(results, f, indent=1, default=float)


def finish(results: dict, json_path: Path) -> int:
    """The table on stdout, the JSON and the chart beside it."""
    results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    if srcgrad_fingerprint() != results["srcgrad_fingerprint"]:
        results["srcgrad_changed"] = True
        progress("warning: srcgrad's sources changed while the benchmark ran")
    from .report import chart, chart_kernels, render, render_kernels

    kernels = results.get("suite") == "kernels"
    text = (render_kernels if kernels else render)(results)
    results["table"] = text
    save_json(results, json_path)
    print(text)
    png_path, log_path = json_path.with_suffix(".png"), json_path.with_suffix(".log")
    try:
        (chart_kernels if kernels else chart)(results, str(png_path))
        print(f"\nJSON: {json_path}\nchart: {png_path}\nlog: {log_path}")
    except ImportError as exc:
        print(f"\nJSON: {json_path}\nno chart: {exc} (pip install matplotlib)\nlog: {log_path}")
    return 0


def run_kernels(options, cases, indices: list[int], groups: list[str], results: dict,
                json_path: Path) -> int:
    """--suite kernels: per kernel, the worker (check, then times), then the
    first calls; see the module's docstring."""
    from .kernels import FAMILY, size

    if not options.no_first_call:
        results["first_calls"] = {}
    results["timeout_s"] = options.case_timeout
    log_path = json_path.with_suffix(".log")
    with open(log_path, "w") as log, \
            tempfile.TemporaryDirectory(prefix="srcgrad-bench-numba-") as numba_cache:
        for n, k in enumerate(indices, 1):
            case = cases[k]
            progress(f"[{n}/{len(indices)}] {case.name}")
            record = run_worker(k, options, groups, log, {"NUMBA_CACHE_DIR": numba_cache})
            if options.malloc_tuned and record.get("srcgrad", {}).get("status") == "ok":
                progress("  again with the malloc tuning")
                tuned = run_worker(k, options, groups, log,
                                   {"NUMBA_CACHE_DIR": numba_cache, **MALLOC_TUNING})
                record["tuned_times"] = {side: tuned.get(side, {}) for side in ("primal", "srcgrad")}
            record["family"] = FAMILY.get(case.key, "")
            record["size"] = size(case, options.quick)
            results["cases"].append(record)
            save_json(results, json_path)
            if not options.no_first_call and record["srcgrad"].get("status") == "ok":
                progress("  first calls: numba.njit's, srcgrad's (cold)")
                fc = kernel_first_calls(k, log, numba_cache, options.case_timeout)
                results["first_calls"][case.name] = fc
                save_json(results, json_path)
    return finish(results, json_path)


if __name__ == "__main__":
    raise SystemExit(main())
