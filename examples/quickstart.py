"""A short tour of srcgrad: a function with a loop and a branch, its gradient,
second derivatives, the code srcgrad generated for it, and its speed.

    python examples/quickstart.py
"""

import time
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

import srcgrad as sg

Array = NDArray[np.float64]


def energy(x: Array, k: float) -> float:
    """A chain of springs that break past a stretch of 1.5 (a loop with an `if`)."""
    total = 0.0
    for i in range(x.shape[0] - 1):
        d = x[i + 1] - x[i]
        if abs(d) < 1.5:
            total += 0.5 * k * d * d
        else:
            total += 1.125 * k
    return total


def finite_differences(f: Callable[[Array, float], float], x: Array, k: float,
                       eps: float = 1e-6) -> Array:
    """What one would do without srcgrad: 2n evaluations of `f`."""
    g = np.zeros_like(x)
    for i in range(x.size):
        up = x.copy()
        down = x.copy()
        up[i] += eps
        down[i] -= eps
        g[i] = (f(up, k) - f(down, k)) / (2 * eps)
    return g


def median_time(call: Callable[[], object], repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main() -> None:
    denergy = sg.grad(energy)  # with respect to x, the first parameter
    x = np.cumsum(np.random.default_rng(0).uniform(0.2, 2.0, 200))
    k = 3.0

    g = denergy(x, k)
    print("gradient of the spring energy, first five entries:", g[:5])
    print("largest difference from finite differences:",
          np.max(np.abs(g - finite_differences(energy, x, k))))

    both = sg.value_and_grad(energy, wrt=("x", "k"))
    value, (gx, gk) = both(x, k)
    print(f"energy {value:.4f}, d energy / d k = {gk:.4f} (= energy / k = {value / k:.4f})")

    # second derivatives: srcgrad differentiates its own generated adjoint
    v = np.zeros_like(x)
    v[:3] = 1.0
    hv = sg.hvp(energy)(x, k, v)  # the Hessian times v, without forming the Hessian
    print("Hessian-vector product, first five entries:", hv[:5])
    dg_dk = sg.jacobian(sg.grad(energy), wrt="k")(x, k)  # d gradient / d k
    print(f"d/dk of the gradient's first entry: {dg_dk[0]:.6f} (= gradient / k = {g[0] / k:.6f})")

    print("\nThe generated adjoint (this is the code that runs, compiled by Numba):\n")
    print(denergy.source)

    compiled = median_time(lambda: denergy(x, k))
    numeric = median_time(lambda: finite_differences(energy, x, k), repeats=3)
    print(f"compiled gradient: {compiled * 1e6:9.1f} us per call (n = {x.size})")
    print(f"finite differences over NumPy: {numeric * 1e6:9.1f} us per call "
          f"({numeric / compiled:.0f}x slower, and approximate)")


if __name__ == "__main__":
    main()
