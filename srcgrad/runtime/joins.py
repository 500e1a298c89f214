"""`np.concatenate` and `np.stack`, and their cotangents: blocks along an axis.

`concat_part(dy, arrays, axis, i)` and `stack_part(...)` are the cotangent
of element `i` of `arrays` (its block of `dy`, summed back to the result's
shape first); `concat_pad` and `stack_pad` put a block back into zeros of
the result's shape, their transposes.  `concatenate` (with `axis=None`) and
`stack` (of scalars) replace NumPy's for forms Numba lacks.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import literal_unroll, types
from numba.core.errors import TypingError
from numba.extending import register_jitable
from numba.np.unsafe.ndarray import to_fixed_tuple

from .axes import normalize_axis_tuple
from .broadcast import sum_to
from .dtypes import is_none_type, is_scalar_type, numba_dtype, weak_result_dtype
from .machinecode import cached_jitable, cached_overload


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
    if not all(is_scalar_type(t) for t in arrays):
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
