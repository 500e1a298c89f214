"""The compiled runtime helpers against NumPy, the oracle they stand in for.

`unbroadcast(g, like)` sums a cotangent back to the shape of an operand that
broadcasting stretched; compiled, it is a loop of srcgrad's own
(`runtime._reduce_into`), so here it is checked against `np.sum` over the
stretched axes for every kind of stretch, and for operands that are views.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from srcgrad.runtime import unbroadcast

compiled_unbroadcast = numba.njit(lambda g, like: unbroadcast(g, like))

# (shape of the cotangent, shape of the operand): leading axes summed, axes of
# length 1 summed, both, a cotangent smaller than the operand, empty axes.
SHAPES = [
    ((3, 4), (4,)),
    ((3, 4), (1, 4)),
    ((3, 4), (3, 1)),
    ((2, 3, 4), (3, 1)),
    ((2, 3, 4), (1, 1, 4)),
    ((2, 3, 4), (2, 1, 1)),
    ((2, 3, 4), (1, 3, 1)),
    ((5,), (1,)),
    ((5,), (5,)),
    ((3, 1), (1, 4)),
    ((0, 4), (4,)),
    ((2, 3, 0), (3, 1)),
    ((257, 33), (33,)),
]


def numpy_unbroadcast(g, shape):
    """The oracle: sum `g` over what broadcasting added, then stretch it to
    `shape` where `g` is the smaller one."""
    lead = g.ndim - len(shape)
    if lead > 0:
        g = g.sum(axis=tuple(range(lead)))
    axes = tuple(k for k, n in enumerate(shape) if n == 1 and g.shape[k - len(shape) + g.ndim] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return np.broadcast_to(g, shape)


@pytest.mark.parametrize("g_shape, like_shape", SHAPES)
def test_unbroadcast_sums_what_broadcasting_stretched(g_shape, like_shape):
    g = np.random.default_rng(0).normal(size=g_shape)
    like = np.zeros(like_shape)
    got = compiled_unbroadcast(g, like)
    assert got.shape == like_shape
    np.testing.assert_allclose(got, numpy_unbroadcast(g, like_shape), rtol=1e-12, atol=1e-12)


def test_unbroadcast_of_views():
    rng = np.random.default_rng(1)
    strided = rng.normal(size=(4, 6))[:, ::2]
    np.testing.assert_allclose(compiled_unbroadcast(strided, np.zeros(3)), strided.sum(axis=0))
    transposed = rng.normal(size=(4, 6)).T
    np.testing.assert_allclose(compiled_unbroadcast(transposed, np.zeros((1, 4))),
                               transposed.sum(axis=0, keepdims=True))


def test_unbroadcast_to_a_scalar_and_of_a_scalar():
    g = np.arange(6.0).reshape(2, 3)
    assert compiled_unbroadcast(g, 1.0) == pytest.approx(15.0)
    np.testing.assert_array_equal(compiled_unbroadcast(2.5, np.zeros((2, 2))), np.full((2, 2), 2.5))
