"""`python -m bench`: srcgrad's compiled gradient against the Numba-compiled
primal of the same function, side by side in one process.

For each case: the median time of the primal (`numba.njit`), of srcgrad's
gradient (`target="cpu"`), and their ratio (the cheap-gradient bound says a
small constant, about 3), plus the first-call time (transformation and
compilation).  The peers (autograd, PyTorch, JAX, TensorFlow) come with the
benchmark issue; this is the harness they will join.

    python -m bench [--repeats N] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time

import numba
import numpy as np

import srcgrad as sg

from .cases import CASES


def median_seconds(call, repeats: int) -> float:
    call()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def run_case(case, repeats: int) -> dict:
    args = case.make_args()
    primal = numba.njit(case.fn)
    df = sg.grad(case.fn, wrt=case.wrt)
    start = time.perf_counter()
    df(*args)
    first_call = time.perf_counter() - start
    t_primal = median_seconds(lambda: primal(*args), repeats)
    t_grad = median_seconds(lambda: df(*args), repeats)
    return {"case": case.name, "primal_s": t_primal, "grad_s": t_grad,
            "ratio": t_grad / t_primal, "first_call_s": first_call}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--json", help="write the results to this file")
    options = parser.parse_args(argv)
    machine = f"{platform.processor() or platform.machine()}, {platform.python_version()}, " \
              f"numba {numba.__version__}, numpy {np.__version__}"
    print(f"srcgrad {sg.__version__}; {machine}")
    print(f"{'case':34} {'primal':>11} {'gradient':>11} {'ratio':>6} {'first call':>11}")
    results = []
    for k, case in enumerate(CASES, 1):
        if sys.stderr.isatty():
            print(f"[{k}/{len(CASES)}] {case.name}...", end="\r", file=sys.stderr, flush=True)
        r = run_case(case, options.repeats)
        results.append(r)
        print(f"{r['case']:34} {r['primal_s'] * 1e6:9.1f}us {r['grad_s'] * 1e6:9.1f}us "
              f"{r['ratio']:5.2f}x {r['first_call_s']:10.2f}s")
    if options.json:
        with open(options.json, "w") as out:
            json.dump({"machine": machine, "results": results}, out, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
