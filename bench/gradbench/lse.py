"""GradBench's `lse` eval: LogSumExp of a vector (`primal`) and its gradient
(`gradient`), from `evals/lse/README.md`: the maximum `a` first, then
`a + log(sum(exp(x_i - a)))`.

The primal is `numba.njit` of the objective; the gradient is srcgrad's.
"""

import math

import numba
import numpy as np

import srcgrad as sg
from bench.gradbench.protocol import measured


def logsumexp(x):
    a = x[0]
    for i in range(1, x.shape[0]):
        if x[i] > a:
            a = x[i]
    total = 0.0
    for i in range(x.shape[0]):
        total += math.exp(x[i] - a)
    return a + math.log(total)


primal_of = numba.njit(logsumexp)
gradient_of = sg.grad(logsumexp, target="cpu")


def _prepare(raw):
    return np.asarray(raw["x"], dtype=np.float64)


def _vector(g):
    return g.tolist()


@measured(_prepare, float)
def primal(x):
    return primal_of(x)


@measured(_prepare, _vector)
def gradient(x):
    return gradient_of(x)


FUNCTIONS = {"primal": primal, "gradient": gradient}


def warm_up():
    x = np.array([0.5, -1.0, 2.0])
    primal_of(x)
    gradient_of(x)
