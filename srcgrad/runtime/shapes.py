"""Shape operations that Numba cannot compile as NumPy writes them, and
their cotangents.

Replacements: `reshape` (a non-contiguous array, a scalar), `ravel` (a
scalar), `squeeze` (any; `axis=None` only in Python, since the result's rank
depends on the values of the shape), `expand_dims` (a tuple of axes, a
scalar), `array` (of an array), `ndim`.

Cotangents: `reshape_grad` (every reshape), `transpose_grad`, and the shapes
`squeezed_shape`, `expanded_shape`.  Each first sums a cotangent that was
broadcast larger back to the result's shape.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.np.unsafe.ndarray import to_fixed_tuple

from .axes import axis_count, axis_mask, normalize_axis_tuple
from .broadcast import sum_to
from .dtypes import is_none_type, is_scalar_type
from .machinecode import cached_jitable, cached_overload

# --- reshapes -----------------------------------------------------------------------------


def reshape(a, shape):
    """`np.reshape(a, shape)`; replaces it, since Numba reshapes only
    contiguous arrays."""
    return np.reshape(a, shape)


@cached_overload(reshape)
def _reshape(a, shape):
    if isinstance(a, types.Array):
        return lambda a, shape: np.ascontiguousarray(a).reshape(shape)
    if is_scalar_type(a):
        return lambda a, shape: np.full(1, a).reshape(shape)
    raise TypingError(f"reshape: unsupported type {a}")


def ravel(a):
    """`np.ravel(a)`; replaces it, since Numba has no `np.ravel` of a scalar."""
    return np.ravel(a)


@cached_overload(ravel)
def _ravel(a):
    if is_scalar_type(a):
        return lambda a: np.full(1, a)
    return lambda a: np.ravel(a)


def _resolved_shape(shape, size: int) -> tuple[int, ...]:
    """`shape` (an int or a tuple, with at most one -1) for `size` elements."""
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if -1 in shape:
        known = int(np.prod([n for n in shape if n != -1]))
        shape = tuple(size // known if known and n == -1 else n for n in shape)
    return shape


@cached_jitable
def _resolve(dims, size):
    known = 1
    for n in dims:
        if n != -1:
            known *= n
    for k in range(dims.size):
        if dims[k] == -1:
            dims[k] = size // known if known else 0
    return dims


def reshape_grad(dy, a, shape):
    """The cotangent of `a` in `np.reshape(a, shape)` (and in every other
    reshape: ravel, squeeze, expand_dims): `dy` summed to the result's shape,
    then laid out in `a`'s shape."""
    if not isinstance(a, np.ndarray):
        return np.sum(dy)
    summed = np.asarray(sum_to(dy, _resolved_shape(shape, a.size)))
    return np.reshape(summed, a.shape)


@cached_overload(reshape_grad)
def _reshape_grad(dy, a, shape):
    if is_scalar_type(a):
        return lambda dy, a, shape: np.sum(dy)
    rank = 1 if isinstance(shape, types.Integer) else len(shape)

    def impl(dy, a, shape):
        dims = _resolve(np.array(shape, np.int64).reshape(rank), a.size)
        summed = sum_to(dy, to_fixed_tuple(dims, rank))
        return np.ascontiguousarray(np.asarray(summed)).reshape(a.shape)

    return impl


# --- squeeze and expand_dims ---------------------------------------------------------------------


def squeezed_shape(a, axis):
    """The shape of `np.squeeze(a, axis)`."""
    shape = np.shape(a)
    if axis is None:
        return tuple(n for n in shape if n != 1)
    axes = normalize_axis_tuple(axis, len(shape))
    if any(shape[d] != 1 for d in axes):
        raise ValueError("cannot select an axis to squeeze out which has size not equal to one")
    return tuple(n for d, n in enumerate(shape) if d not in axes)


@cached_jitable
def _squeezed_dims(shape, mask):
    dims = np.empty(len(shape), np.int64)
    n = 0
    for d in range(len(shape)):
        if mask[d]:
            if shape[d] != 1:
                raise ValueError("cannot select an axis to squeeze out which has size not "
                                 "equal to one")
        else:
            dims[n] = shape[d]
            n += 1
    return dims[:n]


@cached_overload(squeezed_shape)
def _squeezed_shape(a, axis):
    if is_none_type(axis):
        raise TypingError("np.squeeze needs an explicit axis under Numba (the rank of its "
                          "result depends on the shape's values); use target='python'")
    rank = a.ndim - axis_count(axis, a.ndim)
    return lambda a, axis: to_fixed_tuple(
        _squeezed_dims(a.shape, axis_mask(a.ndim, axis)), rank)


def squeeze(a, axis=None):
    """`np.squeeze(a, axis)`; replaces it, since Numba has no `np.squeeze`."""
    return np.squeeze(a, axis)


@cached_overload(squeeze)
def _squeeze(a, axis=None):
    if not isinstance(a, types.Array):
        raise TypingError(f"squeeze: unsupported type {a}")
    return lambda a, axis=None: reshape(a, squeezed_shape(a, axis))


def expanded_shape(a, axis):
    """The shape of `np.expand_dims(a, axis)`."""
    shape = np.shape(a)
    axes = normalize_axis_tuple(axis, len(shape) + (1 if np.ndim(axis) == 0 else len(axis)))
    dims = iter(shape)
    return tuple(1 if d in axes else next(dims) for d in range(len(shape) + len(axes)))


@cached_overload(expanded_shape)
def _expanded_shape(a, axis):
    ndim = a.ndim if isinstance(a, types.Array) else 0
    rank = ndim + (1 if isinstance(axis, types.Integer) else len(axis))

    def impl(a, axis):
        mask = axis_mask(rank, axis)
        shape = np.shape(a)
        dims = np.empty(rank, np.int64)
        n = 0
        for d in range(rank):
            if mask[d]:
                dims[d] = 1
            else:
                dims[d] = shape[n]
                n += 1
        return to_fixed_tuple(dims, rank)

    return impl


def expand_dims(a, axis):
    """`np.expand_dims(a, axis)`; replaces it, since Numba takes neither a
    tuple of axes nor a scalar."""
    return np.expand_dims(a, axis)


@cached_overload(expand_dims)
def _expand_dims(a, axis):
    return lambda a, axis: reshape(a, expanded_shape(a, axis))


# --- transpose ----------------------------------------------------------------------------------


def _permutation(ndim: int, axes) -> tuple[int, ...]:
    return tuple(range(ndim))[::-1] if axes is None else normalize_axis_tuple(axes, ndim)


def transpose_grad(dy, a, axes):
    """The cotangent of `a` in `np.transpose(a, axes)`: `dy` summed to the
    result's shape, then transposed back."""
    if not isinstance(a, np.ndarray):
        return np.sum(dy)
    perm = _permutation(a.ndim, axes)
    summed = np.asarray(sum_to(dy, tuple(a.shape[d] for d in perm)))
    return np.transpose(summed, np.argsort(perm))


@cached_overload(transpose_grad)
def _transpose_grad(dy, a, axes):
    if is_scalar_type(a):
        return lambda dy, a, axes: np.sum(dy)
    ndim = a.ndim
    reverse = is_none_type(axes)

    def impl(dy, a, axes):
        perm = np.arange(ndim)[::-1].copy() if reverse else np.array(axes, np.int64) % ndim
        result = np.empty(ndim, np.int64)
        inverse = np.empty(ndim, np.int64)
        for j in range(ndim):
            result[j] = a.shape[perm[j]]
            inverse[perm[j]] = j
        summed = sum_to(dy, to_fixed_tuple(result, ndim))
        return np.transpose(summed, to_fixed_tuple(inverse, ndim))

    return impl


# --- copies and fills ----------------------------------------------------------------------------


def array(object, dtype=None):
    """`np.array(object, dtype)` of one array or scalar; replaces it, since
    Numba has no `np.array` of an array."""
    return np.array(object, dtype)


@cached_overload(array)
def _array(object, dtype=None):
    if isinstance(object, types.Array):
        if is_none_type(dtype):
            return lambda object, dtype=None: object.copy()
        return lambda object, dtype=None: object.astype(dtype)
    if is_none_type(dtype):
        return lambda object, dtype=None: np.array(object)
    return lambda object, dtype=None: np.asarray(object, dtype)


def ndim(a):
    """`np.ndim(a)`; replaces it, since Numba has no `np.ndim`."""
    return np.ndim(a)


@cached_overload(ndim)
def _ndim(a):
    rank = a.ndim if isinstance(a, types.Array) else 0
    return lambda a: rank
