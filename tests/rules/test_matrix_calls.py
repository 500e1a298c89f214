"""Functions of one matrix end to end: `np.linalg.slogdet`'s pair unpacked
or indexed, the forms srcgrad refuses, and the tuple temporaries the
lowering reads by element (`analysis/tuples.py`); and of stacks of
matrices (`det`, `slogdet`, `inv`, `solve` with NumPy's broadcasting,
`cholesky`), first and second order against differences of the function."""

from __future__ import annotations

import numba
import numpy as np
import pytest
import scipy.linalg
from gradcheck import numerical_gradient, numerical_hvp

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


def scipy_of_a_stack(a):
    return np.sum(scipy.linalg.det(a))


def test_refusals():
    with pytest.raises(sg.UnsupportedSyntaxError, match="upper"):
        sg.grad(upper_factor, target="python")(A @ A.T)
    with pytest.raises(sg.NoAdjointError, match="at least 2-D"):
        runtime.det(np.ones(3))
    with pytest.raises(numba.TypingError, match="at least 2-D"):
        numba.njit(lambda a: runtime.inv(a))(np.ones(3))
    with pytest.raises(sg.NoAdjointError, match="scalar b"):
        runtime.solve(np.eye(2), 1.0)
    # scipy.linalg's functions are written for one matrix
    for target in TARGETS:
        with pytest.raises(sg.NoAdjointError, match="stack of matrices"):
            sg.grad(scipy_of_a_stack, target=target)(STACK)


# --- stacks of matrices ---------------------------------------------------------------------------

RNG = np.random.default_rng(18)
STACK = RNG.uniform(-1.0, 1.0, (2, 3, 3, 3)) + 3.0 * np.eye(3)
STACK[0, 1] *= -1.0  # a negative determinant
SIDES = RNG.uniform(-1.0, 1.0, (3, 3, 2))  # broadcast against STACK's batch
VECTOR = RNG.uniform(-1.0, 1.0, 3)
_B = RNG.uniform(-1.0, 1.0, (2, 3, 3))
SPD = _B @ np.swapaxes(_B, -1, -2) + 3.0 * np.eye(3)


def stacked_functions(a, b, v, s):
    return (0.01 * np.sum(np.linalg.det(a) ** 2) + np.sum(np.linalg.slogdet(a)[1] * 2.0)
            + np.sum(np.sin(np.linalg.inv(a))) + np.sum(np.linalg.solve(a, b) ** 2)
            + np.sum(np.linalg.solve(a, v) ** 3) + np.sum(np.cos(np.linalg.cholesky(s)))
            + np.sum(np.linalg.solve(a[0, 0], b) * b))


@pytest.mark.parametrize("target", TARGETS)
def test_stacks(target):
    args = (STACK, SIDES, VECTOR, SPD)
    value, got = sg.value_and_grad(stacked_functions, wrt=(0, 1, 2, 3), target=target)(*args)
    np.testing.assert_allclose(value, stacked_functions(*args), rtol=1e-12)
    for g, w in zip(got, numerical_gradient(stacked_functions, args, (0, 1, 2, 3))):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-7)


def stacked_second(a, b, s):
    sign, logdet = np.linalg.slogdet(a)
    return (np.sum(sign * logdet) + np.sum(np.linalg.det(a)) + np.sum(np.linalg.inv(a) ** 2)
            + np.sum(np.linalg.solve(a, b) ** 2) + np.sum(np.linalg.cholesky(s) ** 3))


@pytest.mark.parametrize("target", TARGETS)
def test_stacks_second_order(target):
    """The gradient in the stack, differentiated again in each argument,
    against second differences of the function."""
    args = (STACK[:, 0], SIDES[0], SPD)
    in_stack = sg.grad(stacked_second, wrt=0, target=target)
    direction = RNG.normal(size=args[0].shape)
    got = sg.grad(in_stack, wrt=(0, 1, 2), target=target)(*args, grad_ys=direction)
    want = numerical_hvp(stacked_second, args, (0, 1, 2), {0: direction})
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    in_spd = sg.grad(stacked_second, wrt=2, target=target)
    direction = RNG.normal(size=SPD.shape)
    got = sg.grad(in_spd, wrt=2, target=target)(*args, grad_ys=direction)
    np.testing.assert_allclose(got, numerical_hvp(stacked_second, args, 2, {2: direction}),
                               rtol=1e-5, atol=1e-6)
