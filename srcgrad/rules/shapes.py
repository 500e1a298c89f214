"""Adjoint rules of operations that move elements without arithmetic:
`np.reshape`, `ravel`, `squeeze`, `expand_dims`, `transpose`,
`concatenate`, `stack`, the copies (`np.copy`, `np.array`, `np.asarray`,
`np.ascontiguousarray`), and `np.full`/`np.full_like` (differentiable in
their fill value).

The cotangent `g` of a shape operation may be broadcast larger than its
result; each rule sums it back to the result's shape, computed from the
inputs, before moving it back (`reshape_grad`, `transpose_grad`,
`concat_part`, `stack_part`).  Reshapes of every kind share `reshape_grad`.

`concatenate` and `stack` take a sequence of arrays: their rules give one
cotangent per element (`[concat_part(g, arrays, axis, i) for i in ...]`),
which the transformer expands with `arrays` a tuple of variables, so `i` is
a constant there.

Replacements, for forms Numba cannot compile: `reshape` (a non-contiguous
array, a scalar), `ravel` (a scalar), `squeeze` (any; `axis=None` only in
Python, since the result's rank depends on the values of the shape),
`expand_dims` (a tuple of axes, a scalar), `stack` (a tuple of scalars, as
the transformer makes of `np.array([x, y])`), `concatenate` (`axis=None`),
`array` (of an array).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import literal_unroll, types
from numba.core.errors import TypingError
from numba.extending import register_jitable
from numba.np.unsafe.ndarray import to_fixed_tuple

from ..runtime.core import _is_scalar, _numba_grad_dtype, shape_of, unbroadcast
from ..runtime.machinecode import cached_jitable, cached_overload
from .helpers import (
    axis_count,
    axis_mask,
    cast_grad,
    cast_grad_as,
    cast_like,
    is_none_type,
    normalize_axis_tuple,
    numba_dtype,
    sum_to,
    weak_result_dtype,
)
from .registry import adjoint, nondifferentiable, replace

__all__ = [
    "reshape",
    "ravel",
    "squeeze",
    "expand_dims",
    "stack",
    "concatenate",
    "array",
    "ndim",
    "reshape_grad",
    "transpose_grad",
    "squeezed_shape",
    "expanded_shape",
    "concat_part",
    "concat_pad",
    "stack_part",
    "stack_pad",
]


# --- reshapes -----------------------------------------------------------------------------


def reshape(a, shape):
    """`np.reshape(a, shape)`; replaces it, since Numba reshapes only
    contiguous arrays."""
    return np.reshape(a, shape)


@cached_overload(reshape)
def _reshape(a, shape):
    if isinstance(a, types.Array):
        return lambda a, shape: np.ascontiguousarray(a).reshape(shape)
    if _is_scalar(a):
        return lambda a, shape: np.full(1, a).reshape(shape)
    raise TypingError(f"reshape: unsupported type {a}")


def ravel(a):
    """`np.ravel(a)`; replaces it, since Numba has no `np.ravel` of a scalar."""
    return np.ravel(a)


@cached_overload(ravel)
def _ravel(a):
    if _is_scalar(a):
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
    if _is_scalar(a):
        return lambda dy, a, shape: np.sum(dy)
    rank = 1 if isinstance(shape, types.Integer) else len(shape)

    def impl(dy, a, shape):
        dims = _resolve(np.array(shape, np.int64).reshape(rank), a.size)
        summed = sum_to(dy, to_fixed_tuple(dims, rank))
        return np.ascontiguousarray(np.asarray(summed)).reshape(a.shape)

    return impl


@adjoint(reshape_grad)
def reshape_grad_adjoint(g, ans, dy, a, shape):
    return sum_to(reshape(unbroadcast(g, a), shape), shape_of(dy)), None, None


@adjoint(np.reshape, reshape)
def reshape_adjoint(g, ans, a, shape):
    return reshape_grad(g, a, shape), None


@adjoint(np.ravel, ravel)
def ravel_adjoint(g, ans, a):
    return reshape_grad(g, a, -1)


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


@adjoint(np.squeeze, squeeze)
def squeeze_adjoint(g, ans, a, axis=None):
    return reshape_grad(g, a, squeezed_shape(a, axis)), None


@adjoint(np.expand_dims, expand_dims)
def expand_dims_adjoint(g, ans, a, axis):
    return reshape_grad(g, a, expanded_shape(a, axis)), None


for _primal, _impl in [(np.reshape, reshape), (np.ravel, ravel), (np.squeeze, squeeze),
                       (np.expand_dims, expand_dims)]:
    replace(_primal, _impl)


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
    if _is_scalar(a):
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


@adjoint(transpose_grad)
def transpose_grad_adjoint(g, ans, dy, a, axes):
    return sum_to(np.transpose(unbroadcast(g, a), axes), shape_of(dy)), None, None


@adjoint(np.transpose)
def transpose_adjoint(g, ans, a, axes=None):
    return transpose_grad(g, a, axes), None


# --- concatenate and stack: blocks along an axis -----------------------------------------------


def _along(ndim: int, axis: int, start, stop) -> tuple:
    return (slice(None),) * axis + (slice(start, stop),) + (slice(None),) * (ndim - axis - 1)


def _concat_layout(arrays, axis, index):
    """(result shape, axis, start and stop of block `index`) of
    `np.concatenate(arrays, axis)`."""
    if axis is None:
        sizes = [int(np.size(x)) for x in arrays]
        start = sum(sizes[:index])
        return (sum(sizes),), 0, start, start + sizes[index]
    shape = list(np.shape(arrays[0]))
    ax = normalize_axis_tuple(axis, len(shape))[0]
    lengths = [np.shape(x)[ax] for x in arrays]
    shape[ax] = sum(lengths)
    start = sum(lengths[:index])
    return tuple(shape), ax, start, start + lengths[index]


def concat_part(dy, arrays, axis, index):
    """The cotangent of `arrays[index]` in `np.concatenate(arrays, axis)`:
    its block of `dy`, once `dy` is summed to the result's shape."""
    shape, ax, start, stop = _concat_layout(arrays, axis, index)
    block = np.asarray(sum_to(dy, shape))[_along(len(shape), ax, start, stop)]
    return np.reshape(block, np.shape(arrays[index]))


def concat_pad(h, arrays, axis, index):
    """The transpose of `concat_part`: zeros shaped like the concatenation,
    with `h` in block `index`."""
    shape, ax, start, stop = _concat_layout(arrays, axis, index)
    out = np.zeros(shape, np.result_type(h))
    out[_along(len(shape), ax, start, stop)] = np.reshape(h, out[_along(
        len(shape), ax, start, stop)].shape)
    return out


def _stack_layout(arrays, axis, index):
    """(result shape, axis, start and stop of slot `index`) of
    `np.stack(arrays, axis)`."""
    shape = list(np.shape(arrays[0]))
    ax = normalize_axis_tuple(axis, len(shape) + 1)[0]
    shape.insert(ax, len(arrays))
    return tuple(shape), ax, index, index + 1


def stack_part(dy, arrays, axis, index):
    """The cotangent of `arrays[index]` in `np.stack(arrays, axis)`: its
    slice of `dy`, once `dy` is summed to the result's shape."""
    shape, ax, start, stop = _stack_layout(arrays, axis, index)
    block = np.asarray(sum_to(dy, shape))[_along(len(shape), ax, start, stop)]
    part = np.reshape(block, np.shape(arrays[index]))
    return part if isinstance(arrays[index], np.ndarray) else part[()]


def stack_pad(h, arrays, axis, index):
    """The transpose of `stack_part`: zeros shaped like the stack, with `h`
    in slot `index`."""
    shape, ax, start, stop = _stack_layout(arrays, axis, index)
    out = np.zeros(shape, np.result_type(h))
    out[_along(len(shape), ax, start, stop)] = np.reshape(h, out[_along(
        len(shape), ax, start, stop)].shape)
    return out


@cached_jitable
def _moved_front(ndim, ax):
    """A permutation that brings axis `ax` to the front, and its inverse."""
    perm = np.empty(ndim, np.int64)
    inverse = np.empty(ndim, np.int64)
    perm[0] = ax
    n = 1
    for d in range(ndim):
        if d != ax:
            perm[n] = d
            n += 1
    for j in range(ndim):
        inverse[perm[j]] = j
    return perm, inverse


def _block(g, ax, start, stop):
    """`g[..., start:stop, ...]` along axis `ax`, C-contiguous (Numba only)."""


def _put_block(out, ax, start, stop, h):
    """`out[..., start:stop, ...] = h` along axis `ax` (Numba only)."""


@cached_overload(_block)
def _block_impl(g, ax, start, stop):
    ndim = g.ndim

    def impl(g, ax, start, stop):
        perm, inverse = _moved_front(ndim, ax)
        front = np.transpose(g, to_fixed_tuple(perm, ndim))[start:stop]
        return np.ascontiguousarray(np.transpose(front, to_fixed_tuple(inverse, ndim)))

    return impl


@cached_overload(_put_block)
def _put_block_impl(out, ax, start, stop, h):
    ndim = out.ndim

    def impl(out, ax, start, stop, h):
        perm, inverse = _moved_front(ndim, ax)
        front = np.transpose(out, to_fixed_tuple(perm, ndim))[start:stop]
        front[...] = np.transpose(
            np.asarray(h).reshape(np.transpose(front, to_fixed_tuple(inverse, ndim)).shape),
            to_fixed_tuple(perm, ndim))
        return out

    return impl


def _static_index(index):
    if isinstance(index, types.IntegerLiteral):
        return index.literal_value
    if isinstance(index, types.Integer):
        return None
    raise TypingError(f"the index of a sequence element must be an int, not {index}")


def _element_ndim(arrays) -> int:
    first = arrays[0]
    return first.ndim if isinstance(first, types.Array) else 0


def _overload_concat(fn, pad: bool):
    @cached_overload(fn)
    def _concat(value, arrays, axis, index):
        k = _static_index(index)
        if k is None:
            return lambda value, arrays, axis, index: numba.literally(index)
        flat = is_none_type(axis)
        rank = 1 if flat else _element_ndim(arrays)
        dtype = numba_dtype(value)

        def layout(arrays, axis):
            dims = np.array(np.shape(arrays[0]), np.int64).reshape(rank) if not flat else (
                np.zeros(1, np.int64))
            ax = 0 if flat else (axis % rank)
            start = 0
            total = 0
            j = 0
            for x in literal_unroll(arrays):
                n = x.size if flat else x.shape[ax]
                if j < k:
                    start += n
                total += n
                j += 1
            dims[ax] = total
            block = arrays[k].size if flat else arrays[k].shape[ax]
            return to_fixed_tuple(dims, rank), ax, start, start + block

        layout = register_jitable(layout)
        if pad:

            def pad_impl(value, arrays, axis, index):
                shape, ax, start, stop = layout(arrays, axis)
                return _put_block(np.zeros(shape, dtype), ax, start, stop, value)

            return pad_impl

        def part_impl(value, arrays, axis, index):
            shape, ax, start, stop = layout(arrays, axis)
            block = _block(np.asarray(sum_to(value, shape)), ax, start, stop)
            return block.reshape(np.shape(arrays[k]))

        return part_impl


def _overload_stack(fn, pad: bool):
    @cached_overload(fn)
    def _stack(value, arrays, axis, index):
        k = _static_index(index)
        if k is None:
            return lambda value, arrays, axis, index: numba.literally(index)
        rank = _element_ndim(arrays) + 1
        scalars = rank == 1
        dtype = numba_dtype(value)

        def layout(arrays, axis):
            inner = np.array(np.shape(arrays[0]), np.int64).reshape(rank - 1)
            ax = axis % rank
            dims = np.empty(rank, np.int64)
            dims[ax] = len(arrays)
            dims[:ax] = inner[:ax]
            dims[ax + 1:] = inner[ax:]
            return to_fixed_tuple(dims, rank), ax

        layout = register_jitable(layout)
        if pad:

            def pad_impl(value, arrays, axis, index):
                shape, ax = layout(arrays, axis)
                return _put_block(np.zeros(shape, dtype), ax, k, k + 1, value)

            return pad_impl
        if scalars:

            def scalar_part(value, arrays, axis, index):
                shape, ax = layout(arrays, axis)
                return np.asarray(sum_to(value, shape))[k]

            return scalar_part

        def part_impl(value, arrays, axis, index):
            shape, ax = layout(arrays, axis)
            block = _block(np.asarray(sum_to(value, shape)), ax, k, k + 1)
            return block.reshape(arrays[k].shape)

        return part_impl


_overload_concat(concat_part, pad=False)
_overload_concat(concat_pad, pad=True)
_overload_stack(stack_part, pad=False)
_overload_stack(stack_pad, pad=True)


@adjoint(concat_part)
def concat_part_adjoint(g, ans, dy, arrays, axis, index):
    return (
        sum_to(concat_pad(unbroadcast(g, arrays[index]), arrays, axis, index), np.shape(dy)),
        None,
        None,
        None,
    )


@adjoint(concat_pad)
def concat_pad_adjoint(g, ans, h, arrays, axis, index):
    return concat_part(g, arrays, axis, index), None, None, None


@adjoint(stack_part)
def stack_part_adjoint(g, ans, dy, arrays, axis, index):
    return (
        sum_to(stack_pad(unbroadcast(g, arrays[index]), arrays, axis, index), np.shape(dy)),
        None,
        None,
        None,
    )


@adjoint(stack_pad)
def stack_pad_adjoint(g, ans, h, arrays, axis, index):
    return stack_part(g, arrays, axis, index), None, None, None


def concatenate(arrays, axis=0):
    """`np.concatenate(arrays, axis)`; replaces it, since Numba has no
    `axis=None`."""
    return np.concatenate(arrays, axis)


@cached_overload(concatenate)
def _concatenate(arrays, axis=0):
    if not is_none_type(axis):
        return lambda arrays, axis=0: np.concatenate(arrays, axis)
    dtype = weak_result_dtype(*arrays)

    def flat(arrays, axis=0):
        total = 0
        for x in literal_unroll(arrays):
            total += x.size
        out = np.empty(total, dtype)
        start = 0
        for x in literal_unroll(arrays):
            out[start:start + x.size] = np.ravel(x)
            start += x.size
        return out

    return flat


def stack(arrays, axis=0):
    """`np.stack(arrays, axis)`; replaces it, since Numba stacks only arrays."""
    return np.stack(arrays, axis)


@cached_overload(stack)
def _stack_forward(arrays, axis=0):
    if not isinstance(arrays, types.BaseTuple):
        raise TypingError(f"stack: arrays must be a tuple, not {arrays}")
    if all(isinstance(t, types.Array) for t in arrays):
        return lambda arrays, axis=0: np.stack(arrays, axis)
    if not all(_is_scalar(t) for t in arrays):
        raise TypingError("stack: the elements must be all arrays or all scalars")
    dtype = weak_result_dtype(*(types.Array(t, 1, "C") for t in arrays))
    n = len(arrays)

    def of_scalars(arrays, axis=0):
        if axis != 0 and axis != -1:
            raise ValueError("axis is out of bounds for a stack of scalars")
        out = np.empty(n, dtype)
        j = 0
        for x in literal_unroll(arrays):
            out[j] = x
            j += 1
        return out

    return of_scalars


@adjoint(np.concatenate, concatenate, sequence="arrays")
def concatenate_adjoint(g, ans, arrays, axis=0):
    return [concat_part(g, arrays, axis, i) for i in range(len(arrays))], None


@adjoint(np.stack, stack, sequence="arrays")
def stack_adjoint(g, ans, arrays, axis=0):
    return [stack_part(g, arrays, axis, i) for i in range(len(arrays))], None


replace(np.concatenate, concatenate)
replace(np.stack, stack)


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


@adjoint(np.array, array, np.asarray, elementwise=True)
def array_adjoint(g, ans, object, dtype=None):
    return unbroadcast(cast_grad(g, object, dtype), object), None


@adjoint(np.copy, np.ascontiguousarray, elementwise=True)
def copy_adjoint(g, ans, a):
    return unbroadcast(cast_like(g, a), a)


@adjoint(np.full)
def full_adjoint(g, ans, shape, fill_value, dtype=None):
    return None, unbroadcast(cast_grad(g, fill_value, dtype), fill_value), None


@adjoint(np.full_like)
def full_like_adjoint(g, ans, a, fill_value, dtype=None):
    # (the result has `dtype`, else `a`'s: converted to integers, it is constant)
    return None, unbroadcast(cast_grad_as(g, fill_value, ans), fill_value), None


replace(np.array, array)


def ndim(a):
    """`np.ndim(a)`; replaces it, since Numba has no `np.ndim`."""
    return np.ndim(a)


@cached_overload(ndim)
def _ndim(a):
    rank = a.ndim if isinstance(a, types.Array) else 0
    return lambda a: rank


replace(np.ndim, ndim)

# --- ranges: np.linspace and np.arange of float ends ---------------------------------------------
#
# `np.linspace(start, stop, num)` is `start * (1 - w) + stop * w` with the
# weights `w[k] = k / div` (div = num - 1, or num without the endpoint): its
# cotangents are the weighted sums of `g` along the new axis
# (`linspace_grad`), whose transpose spreads a cotangent back along it
# (`linspace_spread`).  `np.arange(start, stop, step)` is `start + k * step`:
# `stop` only sets the length, so it has no derivative.


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`np.linspace`; replaces it, since Numba has only its three-argument form."""
    return np.linspace(start, stop, num, endpoint, retstep, dtype, axis)


@cached_overload(linspace)
def _linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    if not (_is_scalar(start) and _is_scalar(stop)):
        raise TypingError("linspace: compiled, start and stop must be scalars "
                          "(arrays work with target='python')")
    if not (_is_false(retstep) and is_none_type(dtype)):
        raise TypingError("linspace: compiled, retstep and dtype take their defaults only")

    def impl(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
        if axis != 0 and axis != -1:
            raise ValueError("axis is out of bounds for linspace of scalars")
        if num < 0:
            raise ValueError("Number of samples must be non-negative")
        div = num - 1 if endpoint else num
        out = np.empty(num, np.float64)
        step = (stop - start) / div if div > 0 else 0.0
        for k in range(num):
            out[k] = start + k * step
        if endpoint and num > 1:
            out[num - 1] = stop
        return out

    return impl


def _is_false(ty) -> bool:
    """Whether a Numba argument type is the constant False (passed or defaulted)."""
    return _literal(ty) is False


def _literal(ty):
    if isinstance(ty, types.Omitted):
        return ty.value
    if isinstance(ty, types.Literal):
        return ty.literal_value
    return ty  # an omitted argument's default, as the typer sees it


def _linspace_weights(start, stop, num, endpoint, axis, at_stop):
    """(the weights of start or stop, shaped to broadcast along the new axis;
    the ends' broadcast shape; the new axis)."""
    shape = np.broadcast_shapes(np.shape(start), np.shape(stop))
    ax = normalize_axis_tuple(axis, len(shape) + 1)[0]
    div = num - 1 if endpoint else num
    w = np.arange(num) / div if div > 0 else np.zeros(num)
    if not at_stop:
        w = 1.0 - w
    return w.reshape((1,) * ax + (num,) + (1,) * (len(shape) - ax)), shape, ax


def linspace_grad(g, start, stop, num, endpoint, axis, at_stop):
    """The cotangent of `np.linspace`'s start (`at_stop` False) or stop,
    shaped like the two broadcast together."""
    w, shape, ax = _linspace_weights(start, stop, num, endpoint, axis, at_stop)
    g = sum_to(g, shape[:ax] + (num,) + shape[ax:])
    return cast_like(np.sum(g * w, axis=ax), stop if at_stop else start)


def linspace_spread(h, start, stop, num, endpoint, axis, at_stop):
    """The transpose of `linspace_grad`: `h` spread along the new axis with
    the weights, shaped like `np.linspace`'s result."""
    w, shape, ax = _linspace_weights(start, stop, num, endpoint, axis, at_stop)
    return cast_like(np.expand_dims(sum_to(h, shape), ax) * w, h)


@cached_jitable
def _weight(k, div, at_stop):
    w = k / div if div > 0 else 0.0
    return w if at_stop else 1.0 - w


@cached_overload(linspace_grad)
def _linspace_grad(g, start, stop, num, endpoint, axis, at_stop):
    if not (_is_scalar(start) and _is_scalar(stop)):
        raise TypingError("linspace_grad: compiled, start and stop must be scalars")
    nptype = _numba_grad_dtype(stop if _is_true(at_stop) else start).type

    def impl(g, start, stop, num, endpoint, axis, at_stop):
        if axis != 0 and axis != -1:
            raise ValueError("axis is out of bounds for linspace of scalars")
        row = sum_to(g, (num,))
        div = num - 1 if endpoint else num
        total = 0.0
        for k in range(num):
            total += row[k] * _weight(k, div, at_stop)
        return nptype(total)

    return impl


@cached_overload(linspace_spread)
def _linspace_spread(h, start, stop, num, endpoint, axis, at_stop):
    if not (_is_scalar(start) and _is_scalar(stop)):
        raise TypingError("linspace_spread: compiled, start and stop must be scalars")
    dtype = _numba_grad_dtype(h)

    def impl(h, start, stop, num, endpoint, axis, at_stop):
        total = sum_to(h, ())
        div = num - 1 if endpoint else num
        out = np.empty(num, dtype)
        for k in range(num):
            out[k] = total * _weight(k, div, at_stop)
        return out

    return impl


def _is_true(ty) -> bool:
    return _literal(ty) is True


@adjoint(np.linspace, linspace)
def linspace_adjoint(g, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None,
                     axis=0):
    return (unbroadcast(linspace_grad(g, start, stop, num, endpoint, axis, False), start),
            unbroadcast(linspace_grad(g, start, stop, num, endpoint, axis, True), stop),
            None, None, None, None, None)


@adjoint(linspace_grad)
def linspace_grad_adjoint(g, ans, h, start, stop, num, endpoint, axis, at_stop):
    return (sum_to(linspace_spread(g, start, stop, num, endpoint, axis, at_stop), shape_of(h)),
            None, None, None, None, None, None)


@adjoint(linspace_spread)
def linspace_spread_adjoint(g, ans, h, start, stop, num, endpoint, axis, at_stop):
    return (unbroadcast(linspace_grad(g, start, stop, num, endpoint, axis, at_stop), h),
            None, None, None, None, None, None)


replace(np.linspace, linspace)


def arange_start_grad(g, start, stop):
    """The cotangent of `np.arange`'s `start`: the sum of `g`; zero for
    `np.arange(stop)`, whose one argument binds to `start`."""
    if stop is None:
        return cast_like(0.0, start)
    return cast_like(np.sum(g), start)


@cached_overload(arange_start_grad)
def _arange_start_grad(g, start, stop):
    nptype = _numba_grad_dtype(start).type
    if is_none_type(stop):
        return lambda g, start, stop: nptype(0)
    return lambda g, start, stop: nptype(np.sum(g))


def arange_step_grad(row, step):
    """The cotangent of `np.arange`'s `step`, from the cotangent `row` of its
    result: the sum of `row[k] * k` (0.0 where no step was given)."""
    if step is None:
        return 0.0
    return cast_like(np.sum(row * np.arange(np.size(row))), step)


@cached_overload(arange_step_grad)
def _arange_step_grad(row, step):
    if is_none_type(step):
        return lambda row, step: 0.0
    nptype = _numba_grad_dtype(step).type

    def impl(row, step):
        total = 0.0
        for k in range(row.size):
            total += row[k] * k
        return nptype(total)

    return impl


@adjoint(np.arange)
def arange_adjoint(g, ans, start, stop=None, step=None, dtype=None):
    return (arange_start_grad(g, start, stop), None,
            arange_step_grad(sum_to(g, np.shape(ans)), step), None)


@adjoint(arange_start_grad)
def arange_start_grad_adjoint(g, ans, h, start, stop):
    return sum_to(arange_start_grad(g, g, stop), shape_of(h)), None, None


@adjoint(arange_step_grad)
def arange_step_grad_adjoint(g, ans, row, step):
    return cast_like(sum_to(g, ()) * np.arange(np.size(row)), row), None


nondifferentiable(
    squeezed_shape, expanded_shape,
    np.zeros, np.ones, np.empty, np.zeros_like, np.ones_like, np.empty_like,
    np.eye, np.identity,
    np.shape, np.size, np.ndim, len, range, int, bool, round, slice,
)  # fmt: skip
