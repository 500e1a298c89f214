"""GradBench's `ode` eval (cmpad's `an_ode`): the ODE `y_0' = x_0`,
`y_i' = x_i y_{i-1}` (i > 0), `y(0) = 0`, solved by `s` steps of the classic
fourth-order Runge-Kutta method from t = 0 to t = 2 (`evals/ode/README.md`
and cmpad's documentation of `an_ode`); `primal` is y(2), `gradient` the
gradient of its last element in `x`.

The README writes the right-hand side as `sum_{j=1}^i x_j y_{i-1}`; cmpad's
definition, its closed-form solution `y_i(t) = t^(i+1) / (i+1)! prod_{j<=i} x_j`
and GradBench's reference outputs are those of `x_i y_{i-1}`, used here.

The primal is `numba.njit` of the solver; the gradient is srcgrad's.
"""

import numba
import numpy as np

import srcgrad as sg
from bench.gradbench.protocol import measured

END_TIME = 2.0


@numba.njit
def rhs(x, y):
    dy = np.empty_like(y)
    dy[0] = x[0]
    for i in range(1, y.shape[0]):
        dy[i] = x[i] * y[i - 1]
    return dy


def solve(x, s):
    h = END_TIME / s
    y = np.zeros(x.shape[0])
    for _ in range(s):
        k1 = rhs(x, y)
        k2 = rhs(x, y + 0.5 * h * k1)
        k3 = rhs(x, y + 0.5 * h * k2)
        k4 = rhs(x, y + h * k3)
        y = y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return y


def last_element(x, s):
    y = solve(x, s)
    return y[y.shape[0] - 1]


primal_of = numba.njit(solve)
gradient_of = sg.grad(last_element, wrt=0, target="cpu")


def _prepare(raw):
    return np.asarray(raw["x"], dtype=np.float64), int(raw["s"])


def _vector(y):
    return y.tolist()


@measured(_prepare, _vector)
def primal(args):
    return primal_of(*args)


@measured(_prepare, _vector)
def gradient(args):
    return gradient_of(*args)


FUNCTIONS = {"primal": primal, "gradient": gradient}


def warm_up():
    x = np.array([0.5, -1.0, 2.0])
    primal_of(x, 2)
    gradient_of(x, 2)
