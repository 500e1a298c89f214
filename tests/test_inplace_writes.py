"""Writes into arrays that a call, or an index array, makes, on the "python"
and "cpu" targets.

- NumPy calls that write into an argument: `np.add.at(a, i, b)` adds `b`
  into `a` at `i`, every repeat of an index adding again; a call with
  `out=y` assigns its result into `y`.  Other calls that write in place
  (`np.copyto`, `x.sort()`, ...) are refused, naming the line.
- Stores through an index array that repeats an element (`y[idx] = x`):
  NumPy's last write wins, and the gradient follows that.
- Reads through a mask or an index array mixed with slices (`A[m, :]`).

The oracle is central finite differences of the function as NumPy runs it
(`gradcheck.py`), and for a few cases the derivative worked out by hand.
"""

from __future__ import annotations

import inspect
import os

import numba
import numpy as np
import pytest
from gradcheck import assert_gradient

import srcgrad as sg
from srcgrad.runtime import add_at, last_writes

TARGETS = ("python", "cpu")
GLOBAL_ARRAY = np.zeros(3)


# --- np.add.at ------------------------------------------------------------------------------


def add_at_repeated(x):
    acc = 2.0 * x
    np.add.at(acc, np.array([0, 0, 2]), x)
    return np.sum(acc * acc)


def spring_forces(pos, i_idx, j_idx):
    d = pos[i_idx] - pos[j_idx]
    r = np.sqrt(np.sum(d * d, axis=1))
    f_ij = (r - 1.0)[:, None] * d / r[:, None]
    F = np.zeros_like(pos)
    np.add.at(F, i_idx, f_ij)
    np.add.at(F, j_idx, -f_ij)
    return np.sum(F * F)


def histogram_weights(w, s):
    counts = np.zeros(4)
    bins = np.array([3, 1, 1, 0, 3, 3])
    np.add.at(counts, bins, w * s)
    np.add.at(counts, bins, s)  # one scalar for every index
    return np.sum(counts ** 3)


def add_at_into_row(x):
    F = np.ones((2, 3))
    np.add.at(F[1], np.array([0, 0, 2]), x)
    return np.sum(F * F * F)


def add_at_in_loop(x):
    acc = np.zeros(3)
    for k in range(3):
        np.add.at(acc, np.array([k, k, 0]), x * k)
        acc = acc * x[k]
    return np.sum(acc * acc)


def add_at_into_parameter(x):
    np.add.at(x, np.array([1, 1]), 0.5)
    return np.sum(x * x * x)


# --- out= -------------------------------------------------------------------------------------


def exp_into_itself(x):
    y = x * 2.0
    np.exp(y, out=y)
    return np.sum(y * x)


def multiply_into_first(y, x):
    y = y * 1.0
    np.multiply(y, x, out=y)
    return np.sum(y * y)


def sin_into_another(x):
    y = np.zeros(3)
    np.sin(x, out=y)
    return np.sum(y * x)


def cumsum_into_another(x):
    y = np.zeros(3)
    np.cumsum(x, out=y)
    return np.sum(y * y)


def out_by_position(x):
    y = np.ones(3)
    np.add(x, y, y)  # a ufunc's third argument is its out
    z = np.zeros(3)
    np.dot(np.outer(y, x), x, z)  # np.dot's third
    return np.sum(z * y)


def out_into_row(x):
    Y = np.ones((2, 3))
    np.exp(x, out=Y[1])
    return np.sum(Y * Y * x)


def out_value_used(x):
    y = np.zeros(3)
    z = np.exp(x, out=y) * 2.0  # the call returns y
    return np.sum(z * y)


# --- stores through an index array that repeats elements -----------------------------------------


def store_repeated(x):
    y = np.zeros(3)
    idx = np.array([0, 1, 1, 2, 2])
    y[idx] = x
    return np.sum(y * y)


def store_repeated_augmented(x, y):
    idx = np.array([0, 1, 1, 2, 2])
    y[idx] += x  # buffered: each element once, the last x it meets
    return np.sum(y * y * y)


def store_repeated_from_itself(y):
    idx = np.array([0, 1, 1, 2, 2])
    y[idx] = y[idx] * 2
    return np.sum(y * y * y)


def store_negative_repeats(x):
    y = np.ones(3)
    y[np.array([0, 2, -1])] = x  # -1 is element 2 again: the last write
    return np.sum(y * y * y)


def store_repeated_columns(X):
    Y = np.zeros((2, 3))
    Y[:, np.array([2, 0, 2])] = X
    return np.sum(Y * Y * Y)


def store_repeated_in_loop(x):
    y = np.zeros(3)
    idx = np.array([1, 1, 0])
    for k in range(2):
        y[idx] = y[idx] + x * (k + 1)
    return np.sum(y * y)


def store_whole(x):
    y = np.zeros(3)
    y[...] = x
    return np.sum(y * y)


# --- reads through a mask or an index array, with slices ----------------------------------------


def read_masked_rows(A, mask):
    return np.sum(A[mask, :] ** 2)


def read_repeated_columns(A, idx):
    return np.sum(A[:, idx] ** 3)


def read_masked_rows_of_slice(A, mask):
    B = A[mask, 1:]
    return np.sum(B * B)


R = np.random.default_rng(7)
POS = R.normal(size=(5, 2))
I_IDX = np.array([0, 1, 2, 3, 0, 1])
J_IDX = np.array([1, 2, 3, 4, 2, 4])
A34 = R.normal(size=(3, 4))
MASK3 = np.array([True, False, True])
X3 = np.array([0.4, -1.1, 0.7])
X5 = np.array([0.6, 1.1, 2.2, 3.3, 3.4])

# (function, arguments, wrt, also on "cpu")
CASES = [
    (add_at_repeated, (np.array([1.0, 2.0, 3.0]),), 0, True),
    (spring_forces, (POS, I_IDX, J_IDX), 0, True),
    (histogram_weights, (np.array([0.5, 1.5, -1.0, 2.0, 0.3, 0.1]), 1.3), (0, 1), True),
    (add_at_into_row, (X3,), 0, False),
    (add_at_in_loop, (X3,), 0, True),
    (add_at_into_parameter, (X3,), 0, False),
    (exp_into_itself, (X3,), 0, True),
    (multiply_into_first, (np.array([1.0, 2.0, 3.0]), X3), (0, 1), False),
    (sin_into_another, (X3,), 0, False),
    (cumsum_into_another, (X3,), 0, True),
    (out_by_position, (X3,), 0, False),
    (out_into_row, (X3,), 0, False),
    (out_value_used, (X3,), 0, False),
    (store_repeated, (X5,), 0, True),
    (store_repeated_augmented, (X5, np.array([1.0, 2.0, 3.0])), (0, 1), False),
    (store_repeated_from_itself, (np.array([1.0, 2.0, 3.0]),), 0, False),
    (store_negative_repeats, (X3,), 0, False),
    (store_repeated_columns, (R.normal(size=(2, 3)),), 0, True),
    (store_repeated_in_loop, (X3,), 0, False),
    (store_whole, (X3,), 0, True),
    (read_masked_rows, (A34, MASK3), 0, True),
    (read_repeated_columns, (A34, np.array([0, 2, 2, 3])), 0, True),
    (read_masked_rows_of_slice, (A34, MASK3), 0, False),
]

PARAMS = [pytest.param(fn, args, wrt, target, id=f"{fn.__name__}-{target}")
          for fn, args, wrt, on_cpu in CASES for target in TARGETS
          if target == "python" or on_cpu]


@pytest.mark.parametrize("fn, args, wrt, target", PARAMS)
def test_gradient_matches_finite_differences(fn, args, wrt, target):
    before = [np.copy(a) for a in args]
    assert_gradient(sg.grad(fn, wrt=wrt, target=target), fn, args, wrt=wrt)
    for old, new in zip(before, args):  # the gradient never changes its arguments
        np.testing.assert_array_equal(old, new)


@pytest.mark.parametrize("target", TARGETS)
def test_add_at_adds_every_repeat(target):
    # acc[0] gets 2 x0, then x0 and x1 (index 0 twice); acc[2] gets 2 x2, then x2:
    # acc = (3 x0 + x1, 2 x1, 3 x2), and d/dx sum(acc^2) follows by hand
    x = np.array([1.0, 2.0, 3.0])
    acc0, acc1, acc2 = 3 * x[0] + x[1], 2 * x[1], 3 * x[2]
    want = [2 * acc0 * 3, 2 * acc0 + 2 * acc1 * 2, 2 * acc2 * 3]
    np.testing.assert_allclose(want, [30.0, 26.0, 54.0])
    np.testing.assert_allclose(sg.grad(add_at_repeated, target=target)(x), want, rtol=1e-12)


@pytest.mark.parametrize("target", TARGETS)
def test_store_through_repeats_keeps_the_last_write(target):
    # y = (x0, x2, x4): NumPy keeps the last value written to each element
    got = sg.grad(store_repeated, target=target)(X5)
    np.testing.assert_allclose(got, [2 * X5[0], 0.0, 2 * X5[2], 0.0, 2 * X5[4]], rtol=1e-12)


def test_second_derivatives_through_repeated_stores():
    # store_repeated: sum(x0^2 + x2^2 + x4^2), Hessian diag(2, 0, 2, 0, 2)
    np.testing.assert_allclose(sg.hessian(store_repeated, target="python")(X5),
                               np.diag([2.0, 0.0, 2.0, 0.0, 2.0]), atol=1e-12)
    # store_repeated_columns: Y[:, 0] = X[:, 1], Y[:, 2] = X[:, 2] (X[:, 0] is overwritten);
    # sum(Y^3) has Hessian-vector product 6 X v on those columns
    X = np.arange(6.0).reshape(2, 3) / 5
    v = R.normal(size=(2, 3))
    want = np.zeros((2, 3))
    want[:, 1:] = 6 * X[:, 1:] * v[:, 1:]
    np.testing.assert_allclose(sg.hvp(store_repeated_columns, target="python")(X, v), want,
                               atol=1e-12)


# --- the helpers themselves, against NumPy ------------------------------------------------------


@numba.njit
def _compiled_add_at(a, index, values):
    add_at(a, index, values)
    return a


@numba.njit
def _compiled_last_writes(b, index):
    return last_writes(b, index)


INDICES = [
    pytest.param(np.array([2, 0, 2, -1]), id="repeats"),
    pytest.param((slice(None), np.array([3, 0, 3])), id="columns"),
    pytest.param((np.array([True, False, True]), slice(1, None)), id="mask-and-slice"),
    pytest.param((1, np.array([0, 0, 2])), id="row-and-repeats"),
]


@pytest.mark.parametrize("index", INDICES)
def test_add_at_compiled_is_numpys_add_at(index):
    shape = np.zeros((3, 4))[index].shape
    values = np.arange(np.prod(shape), dtype=float).reshape(shape) + 0.5
    want = np.ones((3, 4))
    np.add.at(want, index, values)
    np.testing.assert_array_equal(_compiled_add_at(np.ones((3, 4)), index, values), want)


@pytest.mark.parametrize("index", INDICES)
def test_last_writes_keeps_what_numpy_stores(index):
    """Storing the positions 0, 1, 2, ... through `index` tells which
    position's write each element kept: exactly those keep their value."""
    b = np.arange(12.0).reshape(3, 4) + 1.0
    picked = b[index]
    kept = np.full(b.shape, -1)
    kept[index] = np.arange(picked.size).reshape(picked.shape)
    want = np.where(kept[index] == np.arange(picked.size).reshape(picked.shape), picked, 0.0)
    np.testing.assert_array_equal(last_writes(b, index), want)
    np.testing.assert_array_equal(_compiled_last_writes(b, index), want)


# --- refused: calls that write in place without a rule ----------------------------------------


def copyto(x):
    y = np.zeros(3)
    np.copyto(y, x)  # <- error
    return np.sum(y * y)


def put(x):
    y = x * 1.0
    np.put(y, np.array([0]), 2.0)  # <- error
    return np.sum(y * y)


def place(x):
    y = x * 1.0
    np.place(y, y > 1.0, 0.0)  # <- error
    return np.sum(y)


def putmask(x):
    y = x * 1.0
    np.putmask(y, y > 1.0, 0.0)  # <- error
    return np.sum(y)


def fill_diagonal(x):
    y = np.outer(x, x)
    np.fill_diagonal(y, 0.0)  # <- error
    return np.sum(y)


def fill_method(x):
    y = x * 1.0
    y.fill(0.0)  # <- error
    return np.sum(y)


def sort_method(x):
    y = x * 1.0
    y.sort()  # <- error
    return np.sum(y * np.arange(3))


def resize_method(x):
    y = x * 1.0
    y.resize(2)  # <- error
    return np.sum(y)


def shuffle(x):
    y = x * 1.0
    np.random.shuffle(y)  # <- error
    return np.sum(y * np.arange(3))


def multiply_at(x):
    y = x * 1.0
    np.multiply.at(y, np.array([0, 0]), 2.0)  # <- error
    return np.sum(y)


def out_without_rule(x):
    y = np.zeros(3)
    np.float_power(x, 0.5, out=y)  # <- error
    return np.sum(y)


def out_with_where(x):
    y = np.zeros(3)
    np.exp(x, out=y, where=x > 0.0)  # <- error
    return np.sum(y)


def out_pair(x):
    q = np.zeros(3)
    r = np.zeros(3)
    np.divmod(x, 0.5, out=(q, r))  # <- error
    return np.sum(r)


def out_into_global(x):
    np.sin(x, out=GLOBAL_ARRAY)  # <- error
    return np.sum(GLOBAL_ARRAY)


def out_into_shared(x):
    y = x * 2.0
    z = y
    np.exp(y, out=y)  # <- error
    return np.sum(z * x)


def marked_line(fn) -> int:
    lines, first = inspect.getsourcelines(fn)
    return first + next(k for k, text in enumerate(lines) if "# <- error" in text)


@pytest.mark.parametrize("fn, error, words", [
    (copyto, sg.UnsupportedSyntaxError, "'np.copyto()' writes into 'y'"),
    (put, sg.UnsupportedSyntaxError, "'np.put()' writes into 'y'"),
    (place, sg.UnsupportedSyntaxError, "'np.place()' writes into 'y'"),
    (putmask, sg.UnsupportedSyntaxError, "'np.putmask()' writes into 'y'"),
    (fill_diagonal, sg.UnsupportedSyntaxError, "'np.fill_diagonal()' writes into 'y'"),
    (fill_method, sg.UnsupportedSyntaxError, "'.fill()' changes the array in place"),
    (sort_method, sg.UnsupportedSyntaxError, "'.sort()' changes the array in place"),
    (resize_method, sg.UnsupportedSyntaxError, "'.resize()' changes the array in place"),
    (shuffle, sg.UnsupportedSyntaxError, "'np.random.shuffle()' writes into 'y'"),
    (multiply_at, sg.UnsupportedSyntaxError, "'np.multiply.at()' writes into 'y'"),
    (out_without_rule, sg.NoAdjointError, "'numpy.float_power' has no adjoint rule"),
    (out_with_where, sg.UnsupportedSyntaxError, "'out=' and 'where='"),
    (out_pair, sg.UnsupportedSyntaxError, "several 'out' arrays"),
    (out_into_global, sg.UnsupportedSyntaxError, "'GLOBAL_ARRAY', which is not a local"),
    (out_into_shared, sg.UnsupportedSyntaxError, "writing into 'y' also changes 'z'"),
], ids=lambda v: getattr(v, "__name__", ""))
def test_writes_without_a_rule_are_refused_at_their_line(fn, error, words):
    with pytest.raises(error) as info:
        sg.grad(fn, target="python")(X3)
    exc = info.value
    assert os.path.basename(exc.file) == "test_inplace_writes.py"
    assert exc.line == marked_line(fn), str(exc)
    assert words in str(exc), str(exc)


def add_at_into_shared(x):
    acc = x * 2.0
    z = acc
    np.add.at(acc, np.array([0, 0]), x[:2])  # <- error
    return np.sum(z * x)


@pytest.mark.parametrize("target", TARGETS)
def test_add_at_into_an_array_another_name_reads_is_refused(target):
    # NumPy changes z too; srcgrad's rebinding of acc would not: refused when it runs
    with pytest.raises(sg.UnsupportedSyntaxError) as info:
        sg.grad(add_at_into_shared, target=target)(X3)
    assert info.value.line == marked_line(add_at_into_shared)
    assert "changes the array 'acc' in place" in str(info.value)

