"""GradBench's `hello` eval: `square(x) = x * x` and its derivative `double`."""

from numba import njit

import srcgrad as sg
from bench.gradbench.protocol import measured


@njit(cache=True)
def square_of(x):
    return x * x


double_of = sg.grad(square_of, target="cpu")


@measured(float, float, repeated=False)
def square(x):
    return square_of(x)


@measured(float, float, repeated=False)
def double(x):
    return double_of(x)


FUNCTIONS = {"square": square, "double": double}


def warm_up():
    square_of(1.0)
    double_of(1.0)
