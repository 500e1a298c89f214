"""Functions of one matrix end to end: `np.linalg.slogdet`'s pair unpacked
or indexed, the forms srcgrad refuses, and the tuple temporaries the
lowering reads by element (`analysis/tuples.py`)."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from gradcheck import numerical_gradient

import srcgrad as sg
from srcgrad import runtime

TARGETS = ("python", "cpu")
A = np.array([[-3.0, 0.5, 0.2], [0.4, 2.5, -0.3], [0.1, -0.6, 3.5]])  # det < 0


def sign_times_log(a):
    sign, logdet = np.linalg.slogdet(a)
    return sign * logdet


def log_only(a):
    return np.linalg.slogdet(a)[1] * 2.0


def element_of_a_tuple(a):
    return np.sum((np.sin(a), a * 3.0)[-1] * a)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn", [sign_times_log, log_only, element_of_a_tuple])
def test_tuple_results_read_by_element(fn, target):
    got = sg.grad(fn, target=target)(A)
    np.testing.assert_allclose(got, numerical_gradient(fn, (A,), 0), rtol=1e-6, atol=1e-8)


def kept_pair(a):
    pair = np.linalg.slogdet(a)
    return pair[1]


def upper_factor(a):
    return np.sum(np.linalg.cholesky(a, upper=True))


def test_a_pair_kept_in_a_variable():
    """slogdet's (sign, logabsdet) kept in a name is a static tuple of its parts."""
    got = sg.grad(kept_pair, target="python")(A)
    np.testing.assert_allclose(got, numerical_gradient(kept_pair, (A,), 0), rtol=1e-6, atol=1e-8)


def test_refusals():
    with pytest.raises(sg.UnsupportedSyntaxError, match="upper"):
        sg.grad(upper_factor, target="python")(A @ A.T)
    with pytest.raises(sg.NoAdjointError, match="one square matrix"):
        runtime.det(np.ones((2, 3, 3)))
    with pytest.raises(numba.TypingError, match="one square matrix"):
        numba.njit(lambda a: runtime.inv(a))(np.ones((2, 3, 3)))
    with pytest.raises(sg.NoAdjointError, match="b a vector or a matrix"):
        runtime.solve(np.eye(2), np.ones((2, 2, 2)))
