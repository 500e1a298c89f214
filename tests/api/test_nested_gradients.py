"""Gradients inside gradients: a function that calls a gradient function (made
at module level, or with sg.grad inside it) differentiated again, on python
and cpu, against central differences (GradBench's saddle and particle are
written this way)."""

import numpy as np
import pytest
from gradcheck import numerical_gradient

import srcgrad as sg


def potential(x):
    return np.sum(x ** 4) - np.sum(x ** 2)


force = sg.grad(potential, target="python")


def descend(x0, c):
    x = x0
    for _ in range(5):
        x = x - 0.05 * c * force(x)
    return np.sum(x ** 2)


def coupled(x, y):
    return potential(x) + np.sum(x * y)


def inner_minimum(x, y):
    for _ in range(4):
        x = x - 0.1 * sg.grad(coupled, wrt=0)(x, y)
    return np.sum(x * y) + potential(x)


def outer(y):
    """A gradient of a function that itself calls a gradient: two levels."""
    return np.sum(sg.grad(inner_minimum, wrt=1)(np.array([0.3, -0.7, 1.1]), y) ** 2)


X = np.array([0.3, -0.7, 1.1])
Y = np.array([0.2, 0.1, -0.3])


@pytest.mark.parametrize("target", ["python", "cpu"])
@pytest.mark.parametrize("fn, args, wrt", [
    (descend, (X, 1.2), (0, 1)),
    (inner_minimum, (X, Y), (0, 1)),
    (outer, (Y,), 0),
], ids=["module_level_gradient", "grad_inside", "two_levels"])
def test_gradient_through_a_gradient(fn, args, wrt, target):
    got = sg.grad(fn, wrt=wrt, target=target)(*args)
    want = numerical_gradient(fn, args, wrt)
    for g, w in zip(got if isinstance(wrt, tuple) else [got],
                    want if isinstance(wrt, tuple) else [want]):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-7)
