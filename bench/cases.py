"""The benchmark cases: plain NumPy/`math` functions as a Numba user writes them.

Each case gives the function, its arguments, and the parameters to
differentiate.  The same function is compiled with `numba.njit` for the
primal time, and differentiated by srcgrad for the gradient time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Case:
    name: str
    fn: Callable
    make_args: Callable[[], tuple]
    wrt: tuple[int, ...] = (0,)


def seed_f(a):
    """Seed 002's f: a data-dependent `while`, then an `if`."""
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
    if np.sum(b) > 0:
        c = b
    else:
        c = 100 * b
    return c


def euler_decay(x0, k, n):
    """x' = -k sin(x), integrated with n explicit Euler steps."""
    x = x0
    h = 1.0 / n
    for _ in range(n):
        x = x - h * k * math.sin(x)
    return x


def weighted_sum_of_squares(w, x):
    s = 0.0
    for i in range(x.shape[0]):
        s += w[i] * x[i] * x[i]
    return s


def stencil(u):
    total = 0.0
    for i in range(1, u.shape[0] - 1):
        d = u[i - 1] - 2.0 * u[i] + u[i + 1]
        total += d * d
    return total


def rosenbrock(x):
    total = 0.0
    for i in range(x.shape[0] - 1):
        a = x[i + 1] - x[i] * x[i]
        b = 1.0 - x[i]
        total += 100.0 * a * a + b * b
    return total


def logistic_loss(w, X, y):
    z = X @ w
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def _rng():
    return np.random.default_rng(0)


CASES = [
    Case("seed f(a): while + if", seed_f, lambda: (np.array([[0.48800924]]),)),
    Case("Euler ODE, 1e3 steps", euler_decay, lambda: (0.5, 1.3, 1000), (0, 1)),
    Case("Euler ODE, 1e5 steps", euler_decay, lambda: (0.5, 1.3, 100_000), (0, 1)),
    Case("weighted sum of squares, 1e5", weighted_sum_of_squares,
         lambda: (_rng().uniform(size=100_000), _rng().uniform(size=100_000)), (0, 1)),
    Case("1-D stencil, 1e5", stencil, lambda: (_rng().uniform(size=100_000),)),
    Case("Rosenbrock loop, 1000-D", rosenbrock, lambda: (_rng().uniform(size=1000),)),
    Case("logistic regression 1e4 x 100", logistic_loss,
         lambda: (_rng().normal(size=100) * 0.1, _rng().normal(size=(10_000, 100)),
                  (_rng().uniform(size=10_000) > 0.5).astype(np.float64))),
]
