"""The benchmark cases: plain NumPy/`math` functions as a Numba user writes them.

Each case gives the function, its arguments (at the benchmark's size and at
a small size for `--quick` and for the finite-difference check in
`bench/check.py`), and the parameters to differentiate.  The same function
is compiled with `numba.njit` for the primal time, and differentiated by
srcgrad for the gradient time (where Numba cannot compile the function, a
SciPy call, `numpy_form` is the same computation in NumPy, compiled for the
primal time in its place).  `key` names the function for the peers
(`bench/peers/`): each peer writes its own idiomatic version of it, and two
cases with the same key differ only in size.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.special


@dataclass(frozen=True)
class Case:
    name: str
    key: str
    fn: Callable
    make_args: Callable[[], tuple]
    make_small: Callable[[], tuple]
    wrt: tuple[int, ...] = (0,)
    numpy_form: Callable | None = None

    def args(self, quick: bool = False) -> tuple:
        return self.make_small() if quick else self.make_args()

    @property
    def primal(self) -> Callable:
        """What `numba.njit` compiles for the primal time."""
        return self.numpy_form or self.fn


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


def damped_oscillator(x0, v0, c, k, t_end):
    """x'' = -k x - c x', semi-implicit Euler with a fixed step until t reaches
    t_end: the trip count is decided by the loop's own test, not by a range."""
    h = 1e-3
    x = x0
    v = v0
    t = 0.0
    while t < t_end:
        a = -k * x - c * v
        v = v + h * a
        x = x + h * v
        t = t + h
    return 0.5 * v * v + 0.5 * k * x * x


def rk4_lotka_volterra(x0, y0, a, b, c, d, n):
    """Predator-prey x' = a x - b x y, y' = d x y - c y over t in [0, 10],
    classical RK4 with n steps, written out in scalar math."""
    h = 10.0 / n
    x = x0
    y = y0
    for _ in range(n):
        k1x = a * x - b * x * y
        k1y = d * x * y - c * y
        x2 = x + 0.5 * h * k1x
        y2 = y + 0.5 * h * k1y
        k2x = a * x2 - b * x2 * y2
        k2y = d * x2 * y2 - c * y2
        x3 = x + 0.5 * h * k2x
        y3 = y + 0.5 * h * k2y
        k3x = a * x3 - b * x3 * y3
        k3y = d * x3 * y3 - c * y3
        x4 = x + h * k3x
        y4 = y + h * k3y
        k4x = a * x4 - b * x4 * y4
        k4y = d * x4 * y4 - c * y4
        x = x + h / 6.0 * (k1x + 2.0 * k2x + 2.0 * k3x + k4x)
        y = y + h / 6.0 * (k1y + 2.0 * k2y + 2.0 * k3y + k4y)
    return x * y


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


def nbody_energy(pos, m):
    """Softened gravitational potential energy of n bodies: a double loop
    over the pairs i < j."""
    n = pos.shape[0]
    e = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            dx = pos[i, 0] - pos[j, 0]
            dy = pos[i, 1] - pos[j, 1]
            dz = pos[i, 2] - pos[j, 2]
            r = math.sqrt(dx * dx + dy * dy + dz * dz + 0.01)
            e -= m[i] * m[j] / r
    return e


def logistic_loss(w, X, y):
    z = X @ w
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def mlp_loss(W1, b1, W2, b2, X, Y):
    """One tanh hidden layer, softmax cross-entropy against one-hot Y.  The
    log-sum-exp is shifted by the largest logit of the batch: Numba's np.max
    takes no axis= (nor keepdims=), and any shift gives the same loss."""
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    zmax = np.max(z)
    lse = np.log(np.sum(np.exp(z - zmax), axis=1)) + zmax
    return (np.sum(lse) - np.sum(Y * z)) / X.shape[0]


def gauss_sine(x):
    return np.sum(np.sin(x) * np.exp(-x * x))


def log_determinant(a):
    """log |det a| by np.linalg.slogdet (one LU factorization)."""
    sign, logdet = np.linalg.slogdet(a)
    return logdet


def solve_energy(a, b):
    """The squared norm of the solution of a linear system with many right-hand sides."""
    x = np.linalg.solve(a, b)
    return np.sum(x * x)


def log_sum_exp(x):
    return scipy.special.logsumexp(x)


def log_sum_exp_numpy(x):
    """SciPy's log-sum-exp in NumPy (the largest element taken out), for Numba."""
    top = np.max(x)
    return np.log(np.sum(np.exp(x - top))) + top


def _rng():
    return np.random.default_rng(0)


def _uniform(n):
    return _rng().uniform(size=n)


def _logistic_args(rows, cols):
    rng = _rng()
    return (rng.normal(size=cols) * 0.1, rng.normal(size=(rows, cols)),
            (rng.uniform(size=rows) > 0.5).astype(np.float64))


def _matrix(n):
    """A well-conditioned n-by-n matrix: normal entries, a heavy diagonal."""
    return _rng().normal(size=(n, n)) + 2.0 * np.sqrt(n) * np.eye(n)


def _solve_args(n, rhs):
    return _matrix(n), np.random.default_rng(1).normal(size=(n, rhs))


def _nbody_args(n):
    rng = _rng()
    return rng.normal(size=(n, 3)), rng.uniform(0.5, 1.5, size=n)


def _mlp_args(batch, inputs, hidden, outputs):
    rng = _rng()
    W1 = rng.normal(size=(inputs, hidden)) / math.sqrt(inputs)
    b1 = rng.normal(size=hidden) * 0.1
    W2 = rng.normal(size=(hidden, outputs)) / math.sqrt(hidden)
    b2 = rng.normal(size=outputs) * 0.1
    X = rng.normal(size=(batch, inputs))
    Y = np.eye(outputs)[rng.integers(0, outputs, size=batch)]
    return W1, b1, W2, b2, X, Y


CASES = [
    Case("seed f(a): while + if", "seed_f", seed_f,
         lambda: (np.array([[0.48800924]]),), lambda: (np.array([[0.48800924]]),)),
    Case("Euler ODE, 1e3 steps", "euler", euler_decay,
         lambda: (0.5, 1.3, 1000), lambda: (0.5, 1.3, 20), (0, 1)),
    Case("Euler ODE, 1e5 steps", "euler", euler_decay,
         lambda: (0.5, 1.3, 100_000), lambda: (0.5, 1.3, 200), (0, 1)),
    Case("damped oscillator, while t<10", "oscillator", damped_oscillator,
         lambda: (1.0, 0.0, 0.3, 4.0, 10.0), lambda: (1.0, 0.0, 0.3, 4.0, 0.05),
         (0, 1, 2, 3)),
    Case("RK4 Lotka-Volterra, 1e4 steps", "rk4", rk4_lotka_volterra,
         lambda: (10.0, 5.0, 1.1, 0.4, 0.4, 0.1, 10_000),
         lambda: (10.0, 5.0, 1.1, 0.4, 0.4, 0.1, 50), (0, 1, 2, 3, 4, 5)),
    Case("weighted sum of squares, 1e5", "wsos", weighted_sum_of_squares,
         lambda: (_uniform(100_000), _uniform(100_000)), lambda: (_uniform(7), _uniform(7)),
         (0, 1)),
    Case("1-D stencil, 1e5", "stencil", stencil,
         lambda: (_uniform(100_000),), lambda: (_uniform(9),)),
    Case("Rosenbrock loop, 1000-D", "rosenbrock", rosenbrock,
         lambda: (_uniform(1000),), lambda: (_uniform(8),)),
    Case("n-body energy, 100 bodies", "nbody", nbody_energy,
         lambda: _nbody_args(100), lambda: _nbody_args(5), (0, 1)),
    Case("logistic regression 1e4 x 100", "logistic", logistic_loss,
         lambda: _logistic_args(10_000, 100), lambda: _logistic_args(20, 4)),
    Case("MLP 256x128x256x10, softmax CE", "mlp", mlp_loss,
         lambda: _mlp_args(256, 128, 256, 10), lambda: _mlp_args(6, 4, 5, 3), (0, 1, 2, 3)),
    Case("sum(sin(x) exp(-x^2)), 1e6", "gauss_sine", gauss_sine,
         lambda: (_rng().normal(size=1_000_000),), lambda: (_rng().normal(size=11),)),
    Case("np.linalg.slogdet, 200x200", "slogdet", log_determinant,
         lambda: (_matrix(200),), lambda: (_matrix(5),)),
    Case("np.linalg.solve, 200x200, 50 right-hand sides", "solve", solve_energy,
         lambda: _solve_args(200, 50), lambda: _solve_args(5, 3), (0, 1)),
    Case("scipy.special.logsumexp, 1e6", "logsumexp", log_sum_exp,
         lambda: (_rng().normal(size=1_000_000),), lambda: (_rng().normal(size=11),),
         numpy_form=log_sum_exp_numpy),
]

# The 10^6-step scalar loop whose gradient's peak memory is measured
# (`bench/memory.py`): the Euler case, one million steps.
MEMORY_CASE = Case("Euler ODE, 1e6 steps", "euler", euler_decay,
                   lambda: (0.5, 1.3, 1_000_000), lambda: (0.5, 1.3, 10), (0, 1))

SUITES = ("cases", "kernels")


def suite(name: str = "cases") -> list[Case]:
    """The cases of `python -m bench --suite NAME`: this module's CASES, or
    bench.kernels.KERNELS."""
    if name == "kernels":
        from .kernels import KERNELS

        return KERNELS
    if name != "cases":
        raise ValueError(f"unknown suite {name!r}; choose from {', '.join(SUITES)}")
    return CASES
