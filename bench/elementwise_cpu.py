"""`python -m bench.elementwise_cpu`: elements per second of srcgrad's
elementwise gradient on the CPU (`sg.vectorize(sg.grad(f))`) against the
elementwise forward function (`numba.vectorize` of `f` itself), side by side,
for the targets "cpu" (one core) and "parallel" (every core).

    python -m bench.elementwise_cpu [--n 10000000] [--repeats 5] [--dtype float64]

The functions, of one scalar each:

- `softplus`: `log1p(exp(-|x|)) + max(x, 0)`, a few transcendental calls;
- `grow`: the `while` loop of `bench.gpu` (1 to 6 trips for x in
  [0.5, 9.5]), whose reverse sweep replays the trips from a stack.

The gradient is checked on a sample of elements against central differences
of the forward function, then each ufunc is called once to warm up, and the
time is the median of `--repeats` calls over `--n` elements (the arrays are
allocated by the ufunc, as a user's call does).  Reading `--n` float64
inputs and writing as many outputs moves 16 bytes an element: a rate near the
machine's memory bandwidth over 16 is memory speed.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time

import numba
import numpy as np

import srcgrad as sg


def softplus(x):
    return math.log1p(math.exp(-abs(x))) + max(x, 0.0)


def grow(x):
    y = x
    while y < 10.0:
        y = y * 1.5 + math.sin(y)
    return y


FUNCTIONS = {"softplus": (softplus, -5.0, 5.0), "grow": (grow, 0.5, 9.5)}


def _median_time(ufunc, x, repeats: int) -> float:
    ufunc(x)  # warm-up: compiled, caches filled
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        ufunc(x)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _check(fn, gradient, x) -> None:
    """The gradient at a few elements against central differences of `fn`."""
    sample = x[:: max(1, x.size // 64)].astype(np.float64)
    got = gradient(sample)
    h = 1e-6
    want = np.array([(fn(v + h) - fn(v - h)) / (2 * h) for v in sample])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def run(n: int, repeats: int, dtype) -> list[tuple]:
    rows = []
    for name, (fn, low, high) in FUNCTIONS.items():
        x = np.linspace(low, high, n).astype(dtype)
        signature = f"{np.dtype(dtype).name}({np.dtype(dtype).name})"
        for target in ("cpu", "parallel"):
            forward = numba.vectorize([signature], target=target)(fn)
            gradient = sg.vectorize(sg.grad(fn), target=target)
            _check(fn, gradient, x)
            t_forward = _median_time(forward, x, repeats)
            t_gradient = _median_time(gradient, x, repeats)
            rows.append((name, target, n / t_forward, n / t_gradient))
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dtype", default="float64", choices=("float64", "float32"))
    args = parser.parse_args(argv)
    print(f"{args.n:,} elements of {args.dtype}, median of {args.repeats} calls; "
          f"{os.cpu_count()} cores, numba {numba.__version__}, "
          f"{numba.config.NUMBA_NUM_THREADS} threads")
    print(f"{'function':<10} {'target':<9} {'forward, elem/s':>16} {'gradient, elem/s':>17} "
          f"{'gradient/forward time':>22}")
    for name, target, forward, gradient in run(args.n, args.repeats, np.dtype(args.dtype)):
        print(f"{name:<10} {target:<9} {forward:>16.3e} {gradient:>17.3e} "
              f"{forward / gradient:>22.2f}")


if __name__ == "__main__":
    main()
