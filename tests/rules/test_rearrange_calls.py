"""Rearrangements end to end: `np.hstack`/`np.vstack` of operands of mixed
ranks, written as at-least ranks and `concatenate` on both targets, and the
forms srcgrad refuses."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from gradcheck import numerical_gradient

import srcgrad as sg
from srcgrad import runtime

TARGETS = ("python", "cpu")
X = np.array([[0.3, -1.2, 0.8], [1.5, 0.1, -0.4]])
v = np.array([0.7, -0.2, 1.1])


def stacked(x, y):
    rows = np.vstack((x, y, y * 2.0))  # a matrix and vectors
    wide = np.hstack([rows, np.flip(rows, 1)])
    return np.sum(np.sin(wide) * np.roll(np.diag(np.diagonal(wide, 1)), 1, axis=0)[0, 0])


@pytest.mark.parametrize("target", TARGETS)
def test_joins_of_mixed_ranks(target):
    got = sg.grad(stacked, wrt=(0, 1), target=target)(X, v)
    want = numerical_gradient(stacked, (X, v), (0, 1))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-8)


def kept_tuple(x):
    parts = (x, x)
    return np.sum(np.hstack(parts))


@pytest.mark.parametrize("target", TARGETS)
def test_a_tuple_kept_in_a_variable(target):
    got = sg.grad(kept_tuple, target=target)(v)
    np.testing.assert_allclose(got, numerical_gradient(kept_tuple, (v,), 0), rtol=1e-6)


def test_refusals():
    with pytest.raises(sg.NoAdjointError, match="int shift"):
        runtime.roll(X, (1, 1), (0, 1))
    with pytest.raises(numba.TypingError, match="int shift"):
        numba.njit(lambda x: runtime.roll(x, 1, (0, 1)))(X)
    with pytest.raises(sg.NoAdjointError, match="of a matrix"):
        runtime.diagonal(np.ones((2, 2, 2)))
