"""Adjoint rules of reductions: `np.sum`, `mean`, `max`/`amax`, `min`/`amin`,
`prod` (each with `axis` None, an int or a tuple, and `keepdims`), and
`cumsum`.

A reduction's cotangent `g` may be broadcast larger than its result (along
new leading axes, or along the result's length-1 axes); every rule first sums
it back to the result's shape, computed from the input's shape, `axis` and
`keepdims` (`sum_grad`), then spreads it over the reduced axes.

Conventions (as JAX):
- `max`/`min` split the cotangent evenly among the elements tied for the
  extremum.
- `prod` multiplies by the product of the *other* elements, never by
  `ans / x`, so inputs with one or several zeros get the right cotangent.

Replacements: Numba has no `keepdims=`, and no `axis=` on `mean`, `max`,
`min` and `prod`, so generated code calls `reduce_sum`, `reduce_mean`,
`reduce_max`, `reduce_min` and `reduce_prod` instead.  Their `keepdims` is
keyword-only, as in NumPy (where `np.sum`'s third positional parameter is
`dtype`, which srcgrad does not accept); under Numba it must be a constant.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.extending import register_jitable
from numba.np.unsafe.ndarray import to_fixed_tuple

from ..runtime.core import (
    _is_scalar,
    _next_index,
    _numba_grad_dtype,
    _offset,
    _reduce_into,
    grad_dtype,
    shape_of,
    unbroadcast,
)
from ..runtime.machinecode import cached_jitable, cached_overload, compiled_once
from .helpers import (
    axis_count,
    axis_mask,
    is_none_type,
    normalize_axis_tuple,
    numba_dtype,
    static_bool,
    sum_to,
)
from .registry import adjoint, nondifferentiable, replace

__all__ = [
    "reduce_sum",
    "reduce_mean",
    "reduce_max",
    "reduce_min",
    "reduce_prod",
    "sum_grad",
    "reduced_size",
    "tie_weights",
    "prod_others",
    "prod_others_vjp",
    "prod_others_vjp2",
    "cumsum_grad",
]


# --- shapes of a reduction -------------------------------------------------------------


def _shapes(x, axis, keepdims):
    """(reduced axes, x's shape with 1 at them, the result's shape)."""
    shape = np.shape(x)
    axes = tuple(range(len(shape))) if axis is None else normalize_axis_tuple(axis, len(shape))
    kept = tuple(1 if d in axes else n for d, n in enumerate(shape))
    result = kept if keepdims else tuple(n for d, n in enumerate(shape) if d not in axes)
    return axes, kept, result


@cached_jitable
def _kept_shape(shape, mask, keepdims):
    """The result's shape as an array: `shape` without the masked axes, or
    with 1 at them if `keepdims`."""
    out = np.empty(len(shape), np.int64)
    n = 0
    for d in range(len(shape)):
        if not mask[d]:
            out[n] = shape[d]
            n += 1
        elif keepdims:
            out[n] = 1
            n += 1
    return out[:n]


@cached_jitable
def _group_steps(shape, mask):
    """(for each axis of `shape`, how far one step along it moves an element
    in the matrix of groups; the number of groups; the size of a group).
    Row k of that matrix holds the elements that reduce into the k-th
    element of the result, in C order."""
    nd = len(shape)
    steps = np.zeros(nd, np.int64)
    outer = 1
    inner = 1
    for d in range(nd - 1, -1, -1):
        if mask[d]:
            steps[d] = inner
            inner *= shape[d]
        else:
            steps[d] = outer
            outer *= shape[d]
    for d in range(nd):
        if not mask[d]:
            steps[d] *= inner
    return steps, outer, inner


@cached_jitable
def _walk(flat, out, shape, steps, gather):
    """Visit the elements of a C-ordered array of `shape` (`flat` if
    `gather`, else `out`) in order, the k-th at offset p (the sum of its
    index times `steps`) of the other one: `out[p] = flat[k]` if `gather`,
    else `out[k] = flat[p]`.  Like `_reduce_into`, the last axis is one
    loop and the others advance like an odometer (`_next_index`); no
    transposed view and no slice assignment, whose Numba implementations take
    seconds to compile."""
    nd = len(shape)
    if flat.size == 0:
        return
    if nd == 0:
        out[0] = flat[0]
        return
    inner = shape[nd - 1]
    step = steps[nd - 1]
    index = np.zeros(nd, np.int64)
    k = 0
    for _ in range(flat.size // inner):
        base = _offset(index, steps)
        if gather:
            for c in range(inner):
                out[base + c * step] = flat[k + c]
        else:
            for c in range(inner):
                out[k + c] = flat[base + c * step]
        k += inner
        _next_index(index, shape)


@cached_jitable
def _in_place(steps, shape):
    """Whether the matrix of groups is `x`'s C order itself (only trailing
    axes reduced)."""
    stride = 1
    for d in range(len(shape) - 1, -1, -1):
        if shape[d] != 1 and steps[d] != stride:
            return False
        stride *= shape[d]
    return True


@compiled_once
def _as_groups(x, mask):
    """`x` as a C-contiguous matrix whose row k holds the elements that
    reduce into the k-th element of the result (a view of `x` where it
    already is that matrix)."""
    steps, outer, inner = _group_steps(x.shape, mask)
    flat = np.ascontiguousarray(x).reshape(x.size)
    if _in_place(steps, x.shape):
        return flat.reshape((outer, inner))
    out = np.empty_like(flat)
    _walk(flat, out, x.shape, steps, True)
    return out.reshape((outer, inner))


@compiled_once
def _from_groups(m, x, mask):
    """The inverse of `_as_groups`: the matrix `m` back in `x`'s layout."""
    steps, _, _ = _group_steps(x.shape, mask)
    flat = np.ascontiguousarray(m).reshape(m.size)
    if _in_place(steps, x.shape):
        return flat.reshape(x.shape)
    out = np.empty_like(flat)
    _walk(flat, out, x.shape, steps, False)
    return out.reshape(x.shape)


# --- the forward reductions, for Numba ---------------------------------------------------
# `keepdims` is an ordinary parameter here, not keyword-only as in NumPy: Numba (0.68)
# cannot bind a call to an overload with a keyword-only parameter.  Generated code
# passes it by keyword.


def reduce_sum(a, axis=None, keepdims=False):
    """`np.sum(a, axis, keepdims=keepdims)`, compiled by Numba in every form."""
    return np.sum(a, axis=axis, keepdims=keepdims)


def reduce_mean(a, axis=None, keepdims=False):
    """`np.mean(a, axis, keepdims=keepdims)`, compiled by Numba in every form."""
    return np.mean(a, axis=axis, keepdims=keepdims)


def reduce_max(a, axis=None, keepdims=False):
    """`np.max(a, axis, keepdims=keepdims)`, compiled by Numba in every form."""
    return np.max(a, axis=axis, keepdims=keepdims)


def reduce_min(a, axis=None, keepdims=False):
    """`np.min(a, axis, keepdims=keepdims)`, compiled by Numba in every form."""
    return np.min(a, axis=axis, keepdims=keepdims)


def reduce_prod(a, axis=None, keepdims=False):
    """`np.prod(a, axis, keepdims=keepdims)`, compiled by Numba in every form."""
    return np.prod(a, axis=axis, keepdims=keepdims)


@cached_jitable
def _row_sum(row, acc):
    for v in row:
        acc += v
    return acc


@cached_jitable
def _row_prod(row, acc):
    for v in row:
        acc *= v
    return acc


@cached_jitable
def _row_max(row, acc):
    if row.size == 0:
        raise ValueError("zero-size array to reduction operation maximum which has no identity")
    acc = row[0]
    for v in row:
        if v > acc or v != v:  # v != v: NaN wins, as in NumPy
            acc = v
    return acc


@cached_jitable
def _row_min(row, acc):
    if row.size == 0:
        raise ValueError("zero-size array to reduction operation minimum which has no identity")
    acc = row[0]
    for v in row:
        if v < acc or v != v:
            acc = v
    return acc


def _overload_reduction(fn, whole, whole_once, row_op, start, mean=False):
    """Numba's twin of the reduction `fn`: NumPy's `whole(a)` over all axes,
    without keepdims (as `whole_once`, the same compiled once per machine),
    else `row_op` over the rows of `_as_groups`, accumulating from `start`
    (in float64 for floats, as NumPy's pairwise sums are about that exact)."""

    @cached_overload(fn)
    def _reduction(a, axis=None, keepdims=False):
        keep = static_bool(keepdims, "keepdims")
        if keep is None:
            return lambda a, axis=None, keepdims=False: numba.literally(keepdims)
        if _is_scalar(a):
            if mean and not isinstance(a, types.Float):
                return lambda a, axis=None, keepdims=False: np.float64(a)
            return lambda a, axis=None, keepdims=False: a
        if not isinstance(a, types.Array):
            raise TypingError(f"{fn.__name__}: unsupported type {a}")
        rank = a.ndim if keep else a.ndim - axis_count(axis, a.ndim)
        if rank == 0:
            return lambda a, axis=None, keepdims=False: whole_once(a)
        dtype = np.asarray(whole(np.ones(1, numba_dtype(a)))).dtype
        result_type = dtype.type
        init = (np.float64 if dtype.kind == "f" else result_type)(start)

        def impl(a, axis=None, keepdims=False):
            mask = axis_mask(a.ndim, axis)
            rows = _as_groups(a, mask)
            out = np.empty(rows.shape[0], dtype)
            for k in range(rows.shape[0]):
                total = row_op(rows[k], init)
                if mean:
                    total = total / rows.shape[1]
                out[k] = result_type(total)
            return out.reshape(to_fixed_tuple(_kept_shape(a.shape, mask, keepdims), rank))

        return impl


@compiled_once
def _sum_all(a):
    return np.sum(a)


@compiled_once
def _mean_all(a):
    return np.mean(a)


@compiled_once
def _max_all(a):
    return np.max(a)


@compiled_once
def _min_all(a):
    return np.min(a)


@compiled_once
def _prod_all(a):
    return np.prod(a)


_overload_reduction(reduce_sum, np.sum, _sum_all, _row_sum, 0)
_overload_reduction(reduce_mean, np.mean, _mean_all, _row_sum, 0, mean=True)
_overload_reduction(reduce_max, np.max, _max_all, _row_max, 0)
_overload_reduction(reduce_min, np.min, _min_all, _row_min, 0)
_overload_reduction(reduce_prod, np.prod, _prod_all, _row_prod, 1)

for _primal, _impl in [(np.sum, reduce_sum), (np.mean, reduce_mean), (np.max, reduce_max),
                       (np.amax, reduce_max), (np.min, reduce_min), (np.amin, reduce_min),
                       (np.prod, reduce_prod)]:
    replace(_primal, _impl)


# --- sum and mean ------------------------------------------------------------------------------


def sum_grad(dy, x, axis, keepdims):
    """The cotangent of `x` in `np.sum(x, axis, keepdims=keepdims)`: `dy`
    summed to the result's shape (it may have been broadcast larger), then
    repeated along the reduced axes.  An array shaped like `x` (compiled, a
    read-only view where the sum was over every axis), or a scalar for a
    scalar `x`."""
    if not isinstance(x, np.ndarray):
        return np.sum(dy) if isinstance(dy, np.ndarray) else dy
    _, kept, result = _shapes(x, axis, keepdims)
    summed = unbroadcast(dy, np.broadcast_to(np.zeros((), np.bool_), result))
    return np.array(np.broadcast_to(np.reshape(summed, kept), np.shape(x)))


@compiled_once
def _broadcast_value(value, x):
    """A read-only array of `x`'s shape whose every element is `value`."""
    return np.broadcast_to(value, x.shape)


@cached_overload(sum_grad)
def _sum_grad(dy, x, axis, keepdims):
    keep = static_bool(keepdims, "keepdims")
    if keep is None:
        return lambda dy, x, axis, keepdims: numba.literally(keepdims)
    if _is_scalar(x):
        if isinstance(dy, types.Array):
            return lambda dy, x, axis, keepdims: dy.sum()
        return lambda dy, x, axis, keepdims: dy
    if not isinstance(x, types.Array):
        raise TypingError(f"sum_grad: unsupported type {x}")
    ndim = x.ndim
    rank = ndim if keep else ndim - axis_count(axis, ndim)
    dtype = numba_dtype(dy)
    if _is_scalar(dy) or rank == 0:
        # every element the same: a read-only view of one value, not an array
        # to fill (nothing writes into the cotangent that a rule returns)
        cast = dtype.type
        return lambda dy, x, axis, keepdims: _broadcast_value(cast(np.sum(dy)), x)

    def impl(dy, x, axis, keepdims):
        mask = axis_mask(ndim, axis)
        result = to_fixed_tuple(_kept_shape(x.shape, mask, keepdims), rank)
        summed = sum_to(dy, result)
        kept = np.ascontiguousarray(summed).reshape(
            to_fixed_tuple(_kept_shape(x.shape, mask, True), ndim))
        return _reduce_into(np.zeros(x.shape, dtype), kept)

    return impl


@adjoint(sum_grad)
def sum_grad_adjoint(g, ans, dy, x, axis, keepdims):
    return (
        sum_to(reduce_sum(unbroadcast(g, x), axis, keepdims=keepdims), np.shape(dy)),
        None,
        None,
        None,
    )


@adjoint(np.sum, reduce_sum)
def sum_adjoint(g, ans, a, axis=None, *, keepdims=False):
    return sum_grad(g, a, axis, keepdims), None, None


def reduced_size(x, axis):
    """How many elements of `x` reduce into each element of a reduction over
    `axis`, in `x`'s cotangent dtype."""
    axes, _, _ = _shapes(x, axis, False)
    return grad_dtype(x).type(np.prod([np.shape(x)[d] for d in axes]))


@cached_overload(reduced_size)
def _reduced_size(x, axis):
    nptype = _numba_grad_dtype(x).type
    if _is_scalar(x):
        return lambda x, axis: nptype(1)
    if is_none_type(axis):
        return lambda x, axis: nptype(x.size)

    def impl(x, axis):
        mask = axis_mask(x.ndim, axis)
        n = 1
        for d in range(x.ndim):
            if mask[d]:
                n *= x.shape[d]
        return nptype(n)

    return impl


@adjoint(np.mean, reduce_mean)
def mean_adjoint(g, ans, a, axis=None, *, keepdims=False):
    return sum_grad(g / reduced_size(a, axis), a, axis, keepdims), None, None


# --- max and min -------------------------------------------------------------------------


def tie_weights(x, ans, axis, keepdims):
    """Where `x` equals its reduction `ans` (a max or a min), 1 divided by
    how many elements of its group do; 0 elsewhere; nan over a group whose
    extreme is nan (no element equals it), as in JAX.  In `x`'s cotangent
    dtype."""
    dtype = grad_dtype(x)
    if not isinstance(x, np.ndarray):
        return dtype.type(1)
    axes, kept, _ = _shapes(x, axis, keepdims)
    hits = np.equal(x, np.reshape(ans, kept))
    with np.errstate(invalid="ignore"):  # 0 / 0 where the extreme is nan
        return (hits / np.sum(hits, axis=axes, keepdims=True)).astype(dtype)


@cached_overload(tie_weights)
def _tie_weights(x, ans, axis, keepdims):
    dtype = _numba_grad_dtype(x)
    if _is_scalar(x):
        one = dtype.type(1)
        return lambda x, ans, axis, keepdims: one

    def impl(x, ans, axis, keepdims):
        mask = axis_mask(x.ndim, axis)
        rows = _as_groups(x, mask)
        extremes = np.ascontiguousarray(np.asarray(ans)).reshape(rows.shape[0])
        weights = np.zeros(rows.shape, dtype)
        for k in range(rows.shape[0]):
            hits = 0
            for j in range(rows.shape[1]):
                if rows[k, j] == extremes[k]:
                    hits += 1
            if hits == 0:  # a nan extreme: nan for the whole group, as 0 / 0 in Python
                for j in range(rows.shape[1]):
                    weights[k, j] = np.nan
            for j in range(rows.shape[1]):
                if rows[k, j] == extremes[k]:
                    weights[k, j] = 1 / hits
        return _from_groups(weights, x, mask)

    return impl


@adjoint(np.max, np.amax, reduce_max, np.min, np.amin, reduce_min)
def max_adjoint(g, ans, a, axis=None, *, keepdims=False):
    return sum_grad(g, a, axis, keepdims) * tie_weights(a, ans, axis, keepdims), None, None


# --- prod ----------------------------------------------------------------------------------


def _groups(x, axis):
    """Python twin of `_as_groups`: (matrix of groups, a function mapping
    such a matrix back to `x`'s layout)."""
    axes, _, _ = _shapes(x, axis, False)
    perm = [d for d in range(x.ndim) if d not in axes] + list(axes)
    moved = np.transpose(x, perm)
    inner = int(np.prod([x.shape[d] for d in axes]))
    rows = moved.reshape(-1, inner) if moved.size else moved.reshape(0, inner)

    def back(m):
        return np.ascontiguousarray(np.transpose(m.reshape(moved.shape), np.argsort(perm)))

    return rows, back


def _exclusive_products(rows):
    """(products of the elements before each one, and after it), row-wise."""
    ones = np.ones((rows.shape[0], 1), rows.dtype)
    before = np.cumprod(np.concatenate([ones, rows[:, :-1]], axis=1), axis=1)
    after = np.cumprod(np.concatenate([ones, rows[:, :0:-1]], axis=1), axis=1)[:, ::-1]
    return before, after


def prod_others(x, axis):
    """For each element of `x`, the product of the other elements of its
    group in a product over `axis` (no division, so zeros are fine)."""
    if not isinstance(x, np.ndarray):
        return grad_dtype(x).type(1)
    rows, back = _groups(x, axis)
    before, after = _exclusive_products(rows)
    return back(before * after)


@cached_jitable
def _prod_others_row(row, out):
    acc = 1
    for j in range(row.size):
        out[j] = acc
        acc *= row[j]
    acc = 1
    for j in range(row.size - 1, -1, -1):
        out[j] *= acc
        acc *= row[j]


@cached_overload(prod_others)
def _prod_others(x, axis):
    if _is_scalar(x):
        one = _numba_grad_dtype(x).type(1)
        return lambda x, axis: one
    dtype = numba_dtype(x)

    def impl(x, axis):
        mask = axis_mask(x.ndim, axis)
        rows = _as_groups(x, mask)
        out = np.empty(rows.shape, dtype)
        for k in range(rows.shape[0]):
            _prod_others_row(rows[k], out[k])
        return _from_groups(out, x, mask)

    return impl


def prod_others_vjp(h, x, axis):
    """The cotangent of `x` in `prod_others(x, axis)` for the cotangent `h`
    (shaped like `x`): at element j, the sum over the other elements i of
    its group of `h[i]` times the product of the elements other than i and j.
    Computed with running products from both ends, without division."""
    if not isinstance(x, np.ndarray):
        return 0 * h
    rows, back = _groups(x, axis)
    hrows, _ = _groups(np.broadcast_to(h, x.shape), axis)
    out = np.zeros(rows.shape, np.result_type(rows, hrows))
    before = np.empty(rows.shape[1], out.dtype)
    for k in range(rows.shape[0]):
        _prod_others_vjp_row(rows[k], hrows[k], out[k], before)
    return back(out)


@cached_jitable
def _prod_others_vjp_row(row, h, out, before):
    # With A(j), B(j) the product of row[:j] and the sum over i < j of h[i]
    # times the product of row[:j] without row[i], and C(j), D(j) the same
    # over row[j+1:], out[j] = B(j) C(j) + A(j) D(j).
    product, partial = 1, 0
    for j in range(row.size):
        before[j] = product
        out[j] = partial
        partial = partial * row[j] + h[j] * product
        product *= row[j]
    product, partial = 1, 0
    for j in range(row.size - 1, -1, -1):
        out[j] = out[j] * product + before[j] * partial
        partial = partial * row[j] + h[j] * product
        product *= row[j]


@cached_overload(prod_others_vjp)
def _prod_others_vjp(h, x, axis):
    if _is_scalar(x):
        return lambda h, x, axis: 0 * h
    dtype = np.result_type(numba_dtype(h), numba_dtype(x))

    def impl(h, x, axis):
        mask = axis_mask(x.ndim, axis)
        rows = _as_groups(x, mask)
        hrows = _as_groups(np.broadcast_to(h, x.shape), mask)
        out = np.zeros(rows.shape, dtype)
        before = np.empty(rows.shape[1], dtype)
        for k in range(rows.shape[0]):
            _prod_others_vjp_row(rows[k], hrows[k], out[k], before)
        return _from_groups(out, x, mask)

    return impl


def prod_others_vjp2(g, h, x, axis):
    """The cotangent of `x` in `prod_others_vjp(h, x, axis)` for the cotangent
    `g`: at element l, the sum over pairs i != j, both other than l, of
    `g[j] h[i]` times the product of the elements other than i, j and l.
    Each l runs `prod_others_vjp`'s row pass without element l: O(n^2) per
    group, which only third derivatives of `np.prod` pay."""
    if not isinstance(x, np.ndarray):
        return 0 * g * h
    rows, back = _groups(x, axis)
    grows, _ = _groups(np.broadcast_to(g, x.shape), axis)
    hrows, _ = _groups(np.broadcast_to(h, x.shape), axis)
    out = np.zeros(rows.shape, np.result_type(rows, grows, hrows))
    for k in range(rows.shape[0]):
        _prod_others_vjp2_row(rows[k], grows[k], hrows[k], out[k])
    return back(out)


@cached_jitable
def _prod_others_vjp2_row(row, g, h, out):
    n = row.size
    rest = np.empty(max(n - 1, 0), out.dtype)
    hrest = np.empty_like(rest)
    inner = np.empty_like(rest)
    before = np.empty_like(rest)
    for skip in range(n):
        m = 0
        for k in range(n):
            if k != skip:
                rest[m] = row[k]
                hrest[m] = h[k]
                m += 1
        _prod_others_vjp_row(rest, hrest, inner, before)
        total = 0 * out[skip]
        m = 0
        for k in range(n):
            if k != skip:
                total += g[k] * inner[m]
                m += 1
        out[skip] = total


@cached_overload(prod_others_vjp2)
def _prod_others_vjp2(g, h, x, axis):
    if _is_scalar(x):
        return lambda g, h, x, axis: 0 * g * h
    dtype = np.result_type(numba_dtype(g), numba_dtype(h), numba_dtype(x))

    def impl(g, h, x, axis):
        mask = axis_mask(x.ndim, axis)
        rows = _as_groups(x, mask)
        grows = _as_groups(np.broadcast_to(g, x.shape), mask)
        hrows = _as_groups(np.broadcast_to(h, x.shape), mask)
        out = np.zeros(rows.shape, dtype)
        for k in range(rows.shape[0]):
            _prod_others_vjp2_row(rows[k], grows[k], hrows[k], out[k])
        return _from_groups(out, x, mask)

    return impl


@adjoint(prod_others_vjp)
def prod_others_vjp_adjoint(g, ans, h, x, axis):
    # symmetric in the pair (i, j): the cotangent of h is prod_others_vjp itself
    return (unbroadcast(prod_others_vjp(sum_to(g, shape_of(x)), x, axis), h),
            prod_others_vjp2(sum_to(g, shape_of(x)), h, x, axis), None)


@adjoint(prod_others)
def prod_others_adjoint(g, ans, x, axis):
    return prod_others_vjp(unbroadcast(g, x), x, axis), None


@adjoint(np.prod, reduce_prod)
def prod_adjoint(g, ans, a, axis=None, *, keepdims=False):
    return sum_grad(g, a, axis, keepdims) * prod_others(a, axis), None, None


# --- cumsum ------------------------------------------------------------------------------------


def cumsum_grad(dy, x, axis):
    """The cotangent of `x` in `np.cumsum(x, axis)`: `dy` summed to the
    result's shape, then summed from the end along `axis` (the flattened
    array when `axis` is None), shaped like `x`."""
    flat = axis is None
    result = (int(np.size(x)),) if flat else np.shape(x)
    summed = np.asarray(unbroadcast(dy, np.broadcast_to(np.zeros((), np.bool_), result)))
    along = 0 if flat else axis
    reverse = np.flip(np.cumsum(np.flip(summed, along), along), along)
    return np.reshape(reverse, np.shape(x)) if isinstance(x, np.ndarray) else reverse[0]


@cached_overload(cumsum_grad)
def _cumsum_grad(dy, x, axis):
    if not isinstance(x, types.Array):
        raise TypingError(f"cumsum_grad: unsupported type {x}")
    dtype = numba_dtype(dy)
    zero = dtype.type(0)
    flat = is_none_type(axis)

    def reverse_cumsum(summed, mask):
        rows = _as_groups(summed, mask)
        for k in range(rows.shape[0]):
            acc = zero
            for j in range(rows.shape[1] - 1, -1, -1):
                acc += rows[k, j]
                rows[k, j] = acc
        return _from_groups(rows, summed, mask)

    reverse_cumsum = register_jitable(reverse_cumsum)
    if flat:

        def along_flat(dy, x, axis):
            summed = _reduce_into(np.zeros(x.size, dtype), np.asarray(dy))
            return reverse_cumsum(summed, np.ones(1, np.bool_)).reshape(x.shape)

        return along_flat

    def along_axis(dy, x, axis):
        summed = _reduce_into(np.zeros(x.shape, dtype), np.asarray(dy))
        return reverse_cumsum(summed, axis_mask(x.ndim, axis))

    return along_axis


@adjoint(cumsum_grad)
def cumsum_grad_adjoint(g, ans, dy, x, axis):
    return sum_to(np.cumsum(unbroadcast(g, x), axis), shape_of(dy)), None, None


@adjoint(np.cumsum)
def cumsum_adjoint(g, ans, a, axis=None):
    return cumsum_grad(g, a, axis), None


nondifferentiable(
    reduced_size, tie_weights, np.argmax, np.argmin, np.argsort, np.count_nonzero
)
