"""A reversed loop whose iterations are independent runs in increasing order
(`srcgrad/ordering.py`); one whose iterations pass anything to each other
keeps the reverse order.

Every gradient is checked against central finite differences
(`gradcheck.py`) on both targets: a loop run forwards that should not have
been gives a wrong gradient there (`carried` is the case where only the order
is wrong).  The direction of the generated loops is checked in the source.
"""

from __future__ import annotations

import ast
import math

import numpy as np
import pytest
from gradcheck import assert_gradient

import srcgrad as sg


def descending_loops(source: str) -> int:
    """How many `for` loops of `source` count down (`range(..., ..., -1)`)."""
    count = 0
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.For) and len(node.iter.args) == 3:
            step = node.iter.args[2]
            if isinstance(step, ast.UnaryOp) and isinstance(step.op, ast.USub):
                count += 1
    return count


# --- iterations independent: run forwards --------------------------------------------------


def stencil(u):
    total = 0.0
    for i in range(1, u.shape[0] - 1):
        d = u[i - 1] - 2.0 * u[i] + u[i + 1]
        total += d * d
    return total


def pairs(x):
    e = 0.0
    for i in range(x.shape[0]):
        for j in range(i + 1, x.shape[0]):
            r = x[i] - x[j]
            e -= 1.0 / (r * r + 0.5)
    return e


def strided(x):
    total = 0.0
    for i in range(x.shape[0] - 1, 0, -2):
        total += x[i] * np.sin(x[i - 1])
    return total


def weighted_squares(w, x):
    s = 0.0
    for i in range(x.shape[0]):
        s += w[i] * x[i] * x[i]
    return s



# --- iterations that pass something on: reverse order ---------------------------------------


def carried(x):
    """s = 0.5 s + x[i]: the cotangent of s halves from one iteration to the
    one before it, and nothing is saved: only the order is left to get wrong."""
    s = 0.0
    for i in range(x.shape[0]):
        s = 0.5 * s + x[i]
    return s


def private_read_after(x):
    y = 0.0
    s = 0.0
    for i in range(x.shape[0]):
        y = x[i] * 3.0
        s += y * x[i]
    return s + y


def both_branches(x):
    """Iterations that do not need each other: `y` (made by an `if`) is read
    in its own iteration only, and on typed targets nothing records its
    shape (a scalar's), so no stack pairs pops with pushes."""
    total = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0:
            y = x[i] * x[i]
        else:
            y = -x[i]
        total += 3.0 * y
    return total


def one_branch(x):
    y = 1.0
    total = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0:
            y = x[i]
        total += y * y
    return total


def stores(x):
    for i in range(1, x.shape[0]):
        x[i] = 0.5 * x[i - 1] + x[i] * x[i]
    return np.sum(x)


FORWARD = [stencil, pairs, strided, both_branches]
REVERSE = [carried, private_read_after, one_branch, stores]

X = np.array([0.3, -1.2, 0.8, 1.5, -0.4, 0.9, 0.25])


@pytest.mark.parametrize("target", ["python", "cpu"])
@pytest.mark.parametrize("fn", FORWARD + REVERSE, ids=lambda f: f.__name__)
def test_gradients_agree_with_finite_differences(fn, target):
    assert_gradient(sg.grad(fn, target=target), fn, (X.copy(),))


@pytest.mark.parametrize("fn", FORWARD, ids=lambda f: f.__name__)
def test_independent_iterations_run_forwards(fn):
    assert descending_loops(sg.grad(fn).source) == 0


@pytest.mark.parametrize("fn", REVERSE, ids=lambda f: f.__name__)
def test_dependent_iterations_run_backwards(fn):
    assert descending_loops(sg.grad(fn).source) >= 1


def test_carried_gradient_is_the_hand_derived_one():
    """d s / d x[i] = 0.5 ** (n - 1 - i)."""
    n = X.shape[0]
    want = 0.5 ** (n - 1 - np.arange(n))
    np.testing.assert_allclose(sg.grad(carried)(X.copy()), want, rtol=1e-14)


def test_two_arguments_and_grad_ys():
    w = np.linspace(-1.0, 2.0, X.shape[0])
    df = sg.grad(weighted_squares, wrt=(0, 1))
    assert descending_loops(df.source) == 0
    assert_gradient(df, weighted_squares, (w, X.copy()), wrt=(0, 1), grad_ys=1.5)


def test_second_derivative_through_a_forward_loop():
    """The stencil's Hessian is constant: the second derivative of its
    gradient's sum is the sum of the Hessian's columns, 2 D^T D 1."""
    n = X.shape[0]
    d = np.zeros((n - 2, n))
    for i in range(n - 2):
        d[i, i:i + 3] = [1.0, -2.0, 1.0]
    want = 2.0 * d.T @ d @ np.ones(n)
    np.testing.assert_allclose(sg.grad(sg.grad(stencil))(X.copy()), want, rtol=1e-12, atol=1e-12)


def carried_down(x):
    """A recurrence run from the last element down, with a step of -1 and a
    stop that is not -1: its reverse runs up."""
    n = x.shape[0]
    s = 0.0
    for i in range(n - 2, 0, -1):
        s = 0.5 * s + math.sin(x[i]) * x[i + 1]
    return s


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_a_descending_loop_reversed_is_a_plain_range(target):
    """The reverse of `range(a, b, -1)` is `range(b + 1, a + 1)`: no counter
    over `len(range(...))`, no index computed from it."""
    df = sg.grad(carried_down, target=target)
    assert_gradient(df, carried_down, (X.copy(),))
    assert "len(range(" not in df.source and "_k" not in df.source
    assert "for i in range(1, n_minus_2 + 1):" in df.source
