"""`python -m bench.check [--suite kernels]`: srcgrad's gradient of every case,
on the case's small inputs, against central finite differences in float64.

The benchmark times a gradient only after this agrees; `python -m bench`
runs it first (unless `--no-check`).  Exit status 1 if any case fails.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from .cases import CASES, MEMORY_CASE, SUITES, suite

EPS = 1e-6
RTOL = 1e-5
ATOL = 1e-7


def _objective(fn, args) -> float:
    """sum(f(args)): what srcgrad's default seed (ones) differentiates."""
    return float(np.sum(np.asarray(fn(*args), dtype=np.float64)))


def finite_differences(fn, args, wrt) -> tuple:
    grads = []
    for k in wrt:
        base = list(args)
        x = base[k]
        if isinstance(x, np.ndarray):
            x = x.astype(np.float64)
            g = np.zeros_like(x)
            flat = x.reshape(-1)
            for j in range(flat.size):
                orig = flat[j]
                step = EPS * max(1.0, abs(orig))
                flat[j] = orig + step
                base[k] = x.copy()
                up = _objective(fn, base)
                flat[j] = orig - step
                base[k] = x.copy()
                down = _objective(fn, base)
                flat[j] = orig
                g.reshape(-1)[j] = (up - down) / (2 * step)
            grads.append(g)
        else:
            x = float(x)
            step = EPS * max(1.0, abs(x))
            base[k] = x + step
            up = _objective(fn, base)
            base[k] = x - step
            down = _objective(fn, base)
            grads.append((up - down) / (2 * step))
    return tuple(grads)


def max_error(got, want) -> float:
    """The largest |got - want| / (ATOL/RTOL + |want|) over all elements,
    scaled so that <= RTOL passes."""
    worst = 0.0
    for g, w in zip(got, want):
        g = np.asarray(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
        if g.shape != w.shape:
            return float("inf")
        err = np.abs(g - w) / (ATOL / RTOL + np.abs(w))
        worst = max(worst, float(np.max(err)) if err.size else 0.0)
    return worst


def check_outcome(case, grad=None, primal=None) -> tuple[str, str]:
    """srcgrad's gradient against finite differences, and the Numba-compiled
    primal against the Python function, on the small inputs.  `grad` and
    `primal` (default: `sg.grad(case.fn, wrt=case.wrt)`, `numba.njit(case.fn)`)
    let a caller that times them afterwards compile them once.

    Returns (status, detail): status "ok"; "refused" (srcgrad raised one of
    its own errors, sg.SrcGradError: it says it cannot differentiate this);
    "error" (srcgrad raised anything else); "wrong" (a gradient, but not the
    finite differences'); or "primal" (numba.njit cannot compile the function,
    or computes another value)."""
    import numba

    import srcgrad as sg

    args = case.make_small()
    try:
        compiled = (primal or numba.njit(case.primal))(*args)
    except Exception as exc:
        return "primal", f"numba.njit cannot compile the primal: {type(exc).__name__}: " \
                         f"{str(exc).strip().splitlines()[0]}"
    if not np.allclose(compiled, case.fn(*args), rtol=1e-12, atol=0):
        return "primal", "numba.njit's primal differs from the Python function's"
    try:
        got = (grad or sg.grad(case.fn, wrt=case.wrt))(*args)
    except Exception as exc:  # a refusal is a result: report it
        status = "refused" if isinstance(exc, sg.SrcGradError) else "error"
        return status, f"srcgrad raised {type(exc).__name__}: {exc}"
    want = finite_differences(case.fn, args, case.wrt)
    err = max_error(got, want)
    return ("ok" if err <= RTOL else "wrong"), f"max relative error {err:.2e}"


def check_case(case) -> tuple[bool, str]:
    """`check_outcome` as (passed, detail)."""
    status, detail = check_outcome(case)
    return status == "ok", detail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.check", description=__doc__.splitlines()[0])
    parser.add_argument("--case", "--kernel", action="append", default=[],
                        help="only cases whose name contains this (repeatable)")
    parser.add_argument("--suite", choices=SUITES, default="cases",
                        help="bench.cases.CASES (default) or bench.kernels.KERNELS")
    options = parser.parse_args(argv)
    pool = CASES + [MEMORY_CASE] if options.suite == "cases" else suite(options.suite)
    cases = [c for c in pool
             if not options.case or any(s.lower() in c.name.lower() for s in options.case)]
    failed = 0
    for case in cases:
        ok, detail = check_case(case)
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {case.name:34} {detail}", file=sys.stderr, flush=True)
    print(f"{len(cases) - failed} passed, {failed} failed", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
