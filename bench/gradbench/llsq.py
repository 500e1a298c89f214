"""GradBench's `llsq` eval (cmpad's `llsq_obj`): the linear least squares
objective `y(x) = 1/2 sum_i (s_i - x_0 - x_1 t_i - x_2 t_i^2 - ...)^2` with
`t_i = -1 + 2 i / (n - 1)` and `s_i = sign(t_i)` (`evals/llsq/README.md`),
its value (`primal`) and its gradient in `x` (`gradient`).

The primal is `numba.njit` of the objective; the gradient is srcgrad's.
"""

import numba
import numpy as np

import srcgrad as sg
from bench.gradbench.protocol import measured


def least_squares(x, n):
    total = 0.0
    for i in range(n):
        t = -1.0 + i * 2.0 / (n - 1)
        residual = np.sign(t)
        power = 1.0
        for j in range(x.shape[0]):
            residual -= x[j] * power
            power *= t
        total += residual * residual
    return 0.5 * total


primal_of = numba.njit(least_squares)
gradient_of = sg.grad(least_squares, wrt=0, target="cpu")


def _prepare(raw):
    return np.asarray(raw["x"], dtype=np.float64), int(raw["n"])


@measured(_prepare, float)
def primal(args):
    return primal_of(*args)


@measured(_prepare, lambda g: g.tolist())
def gradient(args):
    return gradient_of(*args)


FUNCTIONS = {"primal": primal, "gradient": gradient}


def warm_up():
    x = np.array([0.5, -1.0, 2.0])
    primal_of(x, 4)
    gradient_of(x, 4)
