"""An operation whose operands are the same variable (`x * x`, `x + x`)
gives one contribution, doubled, where the rule gives two equal ones: the
same value (doubling is exact) in one statement.

Oracles: the derivatives written by hand, and central finite differences
(`gradcheck.py`) where the function is less simple.
"""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import assert_gradient

import srcgrad as sg


def square(x):
    return x * x


def twice(x):
    return x + x


def difference(x):
    return x - x + 3.0 * x


def cube(x):
    return x * x * x


def hypot_self(x):
    return np.hypot(x, x)


def summed_squares(x):
    return np.sum(np.multiply(x, x))


X = np.array([0.5, -1.25, 2.0, 0.0, -3.0])
HAND = [
    (square, lambda x: 2 * x),
    (twice, lambda x: np.full_like(x, 2.0)),
    (difference, lambda x: np.full_like(x, 3.0)),
    (cube, lambda x: 3 * x * x),
    (summed_squares, lambda x: 2 * x),
]


@pytest.mark.parametrize("target", ["python", "cpu"])
@pytest.mark.parametrize(("fn", "derivative"), HAND, ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_hand_derived_derivative(fn, derivative, dtype, target):
    x = X.astype(dtype)
    got = sg.grad(fn, target=target)(x)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, derivative(x.astype(np.float64)),
                               rtol=1e-6 if dtype == np.float32 else 1e-15)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_scalars_and_a_norm_like_rule(target):
    assert sg.grad(square, target=target)(-1.5) == -3.0
    x = np.array([0.5, -1.25, 2.0])
    assert_gradient(sg.grad(hypot_self, target=target), hypot_self, (x,))


def test_one_statement_for_a_square():
    code = sg.grad(square).source.split("def square_grad")[1]
    assert code.count("bx") == 2  # assigned once, returned
    assert "* 2" in code
