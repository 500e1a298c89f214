"""Reductions and their cotangents, in Python and compiled.

Replacements: Numba has no `keepdims=`, and no `axis=` on `mean`, `max`,
`min` and `prod`, so generated code calls `reduce_sum`, `reduce_mean`,
`reduce_max`, `reduce_min` and `reduce_prod` instead; under Numba
`keepdims` must be a constant.  `vector_argument` checks that the builtin
`max(x)`, `min(x)` or `math.fsum(x)` is given a 1-D array.

Cotangents: `sum_grad` (a reduced cotangent spread back over the reduced
axes, after summing a broadcast one back to the result's shape),
`reduced_size` (for `mean`), `degrees_of_freedom` (the divisor of `var`
and `std`), `tie_weights` (`max`/`min` split their
cotangent evenly among tied elements), `cumsum_grad`.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.extending import register_jitable
from numba.np.unsafe.ndarray import to_fixed_tuple

from ..errors import NoAdjointError
from .axes import axis_count, axis_mask, static_bool
from .broadcast import reduce_into, sum_to, unbroadcast
from .dtypes import grad_dtype, is_none_type, is_scalar_type, numba_dtype, numba_grad_dtype
from .groups import as_groups, from_groups, kept_shape, reduction_shapes
from .guards import NO_ADJOINT
from .machinecode import cached_jitable, cached_overload, compiled_once

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
    else `row_op` over the rows of `as_groups`, accumulating from `start`
    (in float64 for floats, as NumPy's pairwise sums are about that exact)."""

    @cached_overload(fn)
    def _reduction(a, axis=None, keepdims=False):
        keep = static_bool(keepdims, "keepdims")
        if keep is None:
            return lambda a, axis=None, keepdims=False: numba.literally(keepdims)
        if is_scalar_type(a):
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
            rows = as_groups(a, mask)
            out = np.empty(rows.shape[0], dtype)
            for k in range(rows.shape[0]):
                total = row_op(rows[k], init)
                if mean:
                    total = total / rows.shape[1]
                out[k] = result_type(total)
            return out.reshape(to_fixed_tuple(kept_shape(a.shape, mask, keepdims), rank))

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


# --- sum and mean ------------------------------------------------------------------------------


def sum_grad(dy, x, axis=None, keepdims=False):
    """The cotangent of `x` in `np.sum(x, axis, keepdims=keepdims)`: `dy`
    summed to the result's shape (it may have been broadcast larger), then
    repeated along the reduced axes.  An array shaped like `x` (compiled, a
    read-only view where the sum was over every axis), or a scalar for a
    scalar `x`."""
    if not isinstance(x, np.ndarray):
        return np.sum(dy) if isinstance(dy, np.ndarray) else dy
    _, kept, result = reduction_shapes(x, axis, keepdims)
    summed = unbroadcast(dy, np.broadcast_to(np.zeros((), np.bool_), result))
    return np.array(np.broadcast_to(np.reshape(summed, kept), np.shape(x)))


@compiled_once
def _broadcast_value(value, x):
    """A read-only array of `x`'s shape whose every element is `value`."""
    return np.broadcast_to(value, x.shape)


@cached_overload(sum_grad)
def _sum_grad(dy, x, axis=None, keepdims=False):
    keep = static_bool(keepdims, "keepdims")
    if keep is None:
        return lambda dy, x, axis=None, keepdims=False: numba.literally(keepdims)
    if is_scalar_type(x):
        if isinstance(dy, types.Array):
            return lambda dy, x, axis=None, keepdims=False: dy.sum()
        return lambda dy, x, axis=None, keepdims=False: dy
    if not isinstance(x, types.Array):
        raise TypingError(f"sum_grad: unsupported type {x}")
    ndim = x.ndim
    rank = ndim if keep else ndim - axis_count(axis, ndim)
    dtype = numba_dtype(dy)
    if is_scalar_type(dy) or rank == 0:
        # every element the same: a read-only view of one value, not an array
        # to fill (nothing writes into the cotangent that a rule returns)
        cast = dtype.type
        return lambda dy, x, axis=None, keepdims=False: _broadcast_value(cast(np.sum(dy)), x)

    def impl(dy, x, axis=None, keepdims=False):
        mask = axis_mask(ndim, axis)
        result = to_fixed_tuple(kept_shape(x.shape, mask, keepdims), rank)
        summed = sum_to(dy, result)
        kept = np.ascontiguousarray(summed).reshape(
            to_fixed_tuple(kept_shape(x.shape, mask, True), ndim))
        return reduce_into(np.zeros(x.shape, dtype), kept)

    return impl


def reduced_size(x, axis=None):
    """How many elements of `x` reduce into each element of a reduction over
    `axis`, in `x`'s cotangent dtype."""
    axes, _, _ = reduction_shapes(x, axis, False)
    return grad_dtype(x).type(np.prod([np.shape(x)[d] for d in axes]))


@cached_overload(reduced_size)
def _reduced_size(x, axis=None):
    nptype = numba_grad_dtype(x).type
    if is_scalar_type(x):
        return lambda x, axis=None: nptype(1)
    if is_none_type(axis):
        return lambda x, axis=None: nptype(x.size)

    def impl(x, axis=None):
        mask = axis_mask(x.ndim, axis)
        n = 1
        for d in range(x.ndim):
            if mask[d]:
                n *= x.shape[d]
        return nptype(n)

    return impl


def degrees_of_freedom(x, axis=None, ddof=0):
    """`reduced_size(x, axis) - ddof`, the divisor of `np.var` and `np.std`,
    in `x`'s cotangent dtype (so that a float32 variance stays float32 when
    compiled, where a Python number would widen it)."""
    return grad_dtype(x).type(reduced_size(x, axis) - ddof)


@cached_overload(degrees_of_freedom)
def _degrees_of_freedom(x, axis=None, ddof=0):
    nptype = numba_grad_dtype(x).type
    return lambda x, axis=None, ddof=0: nptype(reduced_size(x, axis) - ddof)


# --- max and min -------------------------------------------------------------------------


def tie_weights(x, ans, axis=None, keepdims=False):
    """Where `x` equals its reduction `ans` (a max or a min), 1 divided by
    how many elements of its group do; 0 elsewhere; nan over a group whose
    extreme is nan (no element equals it), as in JAX.  In `x`'s cotangent
    dtype."""
    dtype = grad_dtype(x)
    if not isinstance(x, np.ndarray):
        return dtype.type(1)
    axes, kept, _ = reduction_shapes(x, axis, keepdims)
    hits = np.equal(x, np.reshape(ans, kept))
    with np.errstate(invalid="ignore"):  # 0 / 0 where the extreme is nan
        return (hits / np.sum(hits, axis=axes, keepdims=True)).astype(dtype)


@cached_overload(tie_weights)
def _tie_weights(x, ans, axis=None, keepdims=False):
    dtype = numba_grad_dtype(x)
    if is_scalar_type(x):
        one = dtype.type(1)
        return lambda x, ans, axis=None, keepdims=False: one

    def impl(x, ans, axis=None, keepdims=False):
        mask = axis_mask(x.ndim, axis)
        rows = as_groups(x, mask)
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
        return from_groups(weights, x, mask)

    return impl


# --- the builtins that iterate an array: max(x), min(x), math.fsum(x) -------------------------

_NOT_VECTOR = (NO_ADJOINT + "max(x), min(x) or math.fsum(x) of a scalar or of an array that is "
               "not 1-D: srcgrad differentiates them of a 1-D array (as np.max, np.min, np.sum)")


def vector_argument(x):
    """`x`, which the builtin `max`, `min` or `math.fsum` iterates: a 1-D
    array (the rows of a matrix, or a scalar, would not reduce as NumPy does)."""
    if np.ndim(x) != 1:
        raise NoAdjointError(_NOT_VECTOR)
    return x


@cached_overload(vector_argument)
def _vector_argument(x):
    if not (isinstance(x, types.Array) and x.ndim == 1):
        raise TypingError(_NOT_VECTOR)
    return lambda x: x


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
        rows = as_groups(summed, mask)
        for k in range(rows.shape[0]):
            acc = zero
            for j in range(rows.shape[1] - 1, -1, -1):
                acc += rows[k, j]
                rows[k, j] = acc
        return from_groups(rows, summed, mask)

    reverse_cumsum = register_jitable(reverse_cumsum)
    if flat:

        def along_flat(dy, x, axis):
            summed = reduce_into(np.zeros(x.size, dtype), np.asarray(dy))
            return reverse_cumsum(summed, np.ones(1, np.bool_)).reshape(x.shape)

        return along_flat

    def along_axis(dy, x, axis):
        summed = reduce_into(np.zeros(x.shape, dtype), np.asarray(dy))
        return reverse_cumsum(summed, axis_mask(x.ndim, axis))

    return along_axis
