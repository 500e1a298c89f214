"""Operations that copy elements to new places, as reads at flat positions.

`np.tile`, `np.repeat`, `np.pad` (modes 'constant', 'edge', 'reflect',
'symmetric', 'wrap'), `np.rot90`, `np.broadcast_to`, `np.ravel(order='F')`,
`np.take`, `np.take_along_axis`, the pieces of `np.split` and
`np.array_split`, `np.sort` and `np.partition` all put each element of the
result at a place read from the operand.  srcgrad writes each of them as

    gather(a, index)        # np.ravel(a)[index], in index's shape

where `index` holds, for every element of the result, the flat (C-order)
position in `a` it comes from (-1: none, a constant of `np.pad`).  The
helpers that find `index` (`tile_index`, `pad_index`, `sort_index`, ...)
apply the NumPy function itself to the array of `a`'s positions, so that
they place elements exactly as NumPy does; their results are constants of
the gradient.  Compiled, they run that same NumPy code in Numba's object
mode: once per call, on integers, a small cost beside the arithmetic, and
every argument form NumPy takes works alike on both targets.

`gather_grad(dy, a, index)` is the cotangent of `a`: `dy` summed to
`index`'s shape, added up at the positions it was read from (an element
read twice gets both).  `gather` and `gather_grad` are each other's
transposes, so gradients of any order are gathers and scatters again.

`gather_view` is `gather` standing for a NumPy call that returns a view of
`a` (`np.rot90`, `np.split`'s pieces): the aliasing check knows it as one,
so that a write into its result, which in NumPy would change `a`, is refused.
"""

from __future__ import annotations

import numpy as np
from numba import objmode, types
from numba.core.errors import TypingError

from .broadcast import sum_to
from .dtypes import is_none_type, is_scalar_type, numba_dtype
from .machinecode import cached_jitable, cached_overload
from .scatter import add_at

# --- reads at flat positions, and their cotangents -------------------------------------------


def gather(a, index):
    """`np.ravel(a)[index]` in `index`'s shape, with 0 where `index` is -1."""
    flat = np.ravel(a)
    outside = index < 0
    if not outside.any():
        return flat[index]
    return np.where(outside, flat.dtype.type(0), flat[np.where(outside, 0, index)])


def gather_view(a, index):
    """`gather(a, index)` for a NumPy call whose result is a view of `a`."""
    return gather(a, index)


def gather_grad(dy, a, index):
    """The cotangent of `a` in `gather(a, index)`: `dy` summed to `index`'s
    shape, added up into zeros shaped like `a` at the positions `index`
    names (a new array; a scalar for a scalar `a`)."""
    part = np.asarray(sum_to(dy, np.shape(index)))
    inside = index >= 0
    out = np.zeros(np.size(a), part.dtype)
    np.add.at(out, index[inside], part[inside])
    return out.reshape(np.shape(a)) if isinstance(a, np.ndarray) else out[0]


def _flat(a):
    """`a` as a contiguous 1-D array (a scalar as one element)."""
    return np.ravel(a)


@cached_overload(_flat)
def _flat_compiled(a):
    if is_scalar_type(a):
        return lambda a: np.full(1, a)
    if isinstance(a, types.Array):
        return lambda a: np.ascontiguousarray(a).reshape(a.size)
    raise TypingError(f"gather: unsupported operand {a}")


def _overload_gather(fn):
    @cached_overload(fn)
    def _gather(a, index):
        if not isinstance(index, types.Array) or index.ndim == 0:
            raise TypingError(f"gather: the index must be an array of 1 or more axes, not {index}")
        dtype = numba_dtype(a)

        def impl(a, index):
            flat = _flat(a)
            positions = np.ascontiguousarray(index).reshape(index.size)
            out = np.empty(index.size, dtype)
            for k in range(index.size):
                j = positions[k]
                out[k] = flat[j] if j >= 0 else 0
            return out.reshape(index.shape)

        return impl


_overload_gather(gather)
_overload_gather(gather_view)


@cached_jitable
def _added_up(dy, size, index):
    """`dy` summed to `index`'s shape, added up at the positions it names
    into `size` zeros."""
    part = np.ascontiguousarray(sum_to(dy, index.shape)).reshape(index.size)
    positions = np.ascontiguousarray(index).reshape(index.size)
    out = np.zeros(size, part.dtype)
    for k in range(index.size):
        j = positions[k]
        if j >= 0:
            out[j] += part[k]
    return out


@cached_overload(gather_grad)
def _gather_grad(dy, a, index):
    if not isinstance(index, types.Array) or index.ndim == 0:
        raise TypingError(f"gather_grad: the index must be an array of 1 or more axes, not {index}")
    if is_scalar_type(a):
        return lambda dy, a, index: _added_up(dy, 1, index)[0]
    return lambda dy, a, index: _added_up(dy, a.size, index).reshape(a.shape)


# --- where each element comes from ---------------------------------------------------------


def positions(a):
    """The flat position of each element of `a`, in `a`'s shape."""
    return np.arange(np.size(a), dtype=np.intp).reshape(np.shape(a))


def _index(picked) -> np.ndarray:
    return np.ascontiguousarray(picked, dtype=np.intp)


def tile_index(a, reps):
    """Where each element of `np.tile(a, reps)` comes from."""
    return _index(np.tile(positions(a), reps))


def repeat_index(a, repeats, axis=None):
    """Where each element of `np.repeat(a, repeats, axis)` comes from."""
    return _index(np.repeat(positions(a), repeats, axis))


PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def pad_index(array, pad_width, mode):
    """Where each element of `np.pad(array, pad_width, mode)` comes from;
    -1 for the constants of mode 'constant'."""
    if mode == "constant":
        return _index(np.pad(positions(array), pad_width, "constant", constant_values=-1))
    return _index(np.pad(positions(array), pad_width, mode))


def rot90_index(m, k, axes):
    """Where each element of `np.rot90(m, k, axes)` comes from."""
    return _index(np.rot90(positions(m), k, axes))


def broadcast_index(array, shape):
    """Where each element of `np.broadcast_to(array, shape)` comes from."""
    return _index(np.broadcast_to(positions(array), shape))


def fortran_index(a):
    """Where each element of `np.ravel(a, order='F')` comes from."""
    return _index(np.ravel(positions(a), order="F"))


def take_index(a, indices, axis):
    """Where each element of `np.take(a, indices, axis)` comes from."""
    return _index(np.take(positions(a), indices, axis))


def take_along_index(arr, indices, axis):
    """Where each element of `np.take_along_axis(arr, indices, axis)` comes from."""
    return _index(np.take_along_axis(positions(arr), indices, axis))


_SPLITS = {"split": np.split, "array_split": np.array_split}
_FIXED_AXIS_SPLITS = {"hsplit": np.hsplit, "vsplit": np.vsplit, "dsplit": np.dsplit}


def split_index(ary, sections, axis, piece, how):
    """Where each element of piece `piece` of `np.split(ary, sections, axis)`
    comes from, or of the split of NumPy that `how` names: `array_split`,
    or `hsplit`, `vsplit`, `dsplit`, which choose their axis (`axis` unread)
    and check `ary`'s rank as NumPy does."""
    if how in _FIXED_AXIS_SPLITS:
        return _index(_FIXED_AXIS_SPLITS[how](positions(ary), sections)[piece])
    return _index(_SPLITS[how](positions(ary), sections, axis)[piece])


# Compiled, each helper runs its Python self in object mode: the typer gives
# the rank of the index it returns.


def _ndim(ty) -> int:
    return ty.ndim if isinstance(ty, types.Array) else 0


def _length(ty) -> int:
    return len(ty) if isinstance(ty, types.BaseTuple) else 1


def _index_type(rank: int):
    if rank == 0:
        raise TypingError("srcgrad reads no elements at a 0-d index: pass an array of indices")
    return types.Array(types.intp, rank, "C")


@cached_overload(tile_index)
def _tile_index(a, reps):
    out = _index_type(max(_ndim(a), _length(reps)))

    def impl(a, reps):
        with objmode(index=out):
            index = tile_index(a, reps)
        return index

    return impl


@cached_overload(repeat_index)
def _repeat_index(a, repeats, axis=None):
    out = _index_type(1 if is_none_type(axis) else _ndim(a))

    def impl(a, repeats, axis=None):
        with objmode(index=out):
            index = repeat_index(a, repeats, axis)
        return index

    return impl


@cached_overload(pad_index)
def _pad_index(array, pad_width, mode):
    out = _index_type(_ndim(array))

    def impl(array, pad_width, mode):
        with objmode(index=out):
            index = pad_index(array, pad_width, mode)
        return index

    return impl


@cached_overload(rot90_index)
def _rot90_index(m, k, axes):
    out = _index_type(_ndim(m))

    def impl(m, k, axes):
        with objmode(index=out):
            index = rot90_index(m, k, axes)
        return index

    return impl


@cached_overload(broadcast_index)
def _broadcast_index(array, shape):
    out = _index_type(_length(shape))

    def impl(array, shape):
        with objmode(index=out):
            index = broadcast_index(array, shape)
        return index

    return impl


@cached_overload(fortran_index)
def _fortran_index(a):
    out = _index_type(1)

    def impl(a):
        with objmode(index=out):
            index = fortran_index(a)
        return index

    return impl


@cached_overload(take_index)
def _take_index(a, indices, axis):
    rank = _ndim(indices) if is_none_type(axis) else _ndim(a) - 1 + _ndim(indices)
    out = _index_type(rank)

    def impl(a, indices, axis):
        with objmode(index=out):
            index = take_index(a, indices, axis)
        return index

    return impl


@cached_overload(take_along_index)
def _take_along_index(arr, indices, axis):
    out = _index_type(_ndim(indices))

    def impl(arr, indices, axis):
        with objmode(index=out):
            index = take_along_index(arr, indices, axis)
        return index

    return impl


@cached_overload(split_index)
def _split_index(ary, sections, axis, piece, how):
    out = _index_type(_ndim(ary))

    def impl(ary, sections, axis, piece, how):
        with objmode(index=out):
            index = split_index(ary, sections, axis, piece, how)
        return index

    return impl


# --- the operands of np.column_stack, and np.subtract.at -----------------------------------


def column_shape(a):
    """The shape `np.column_stack` gives its operand `a` before joining:
    a vector as a column, a matrix as it is."""
    shape = np.shape(a)
    if len(shape) == 2:
        return shape
    if len(shape) == 1:
        return (shape[0], 1)
    return (1, 1) if not shape else shape[:2]  # (NumPy refuses more than 2 axes)


@cached_overload(column_shape)
def _column_shape(a):
    rank = _ndim(a)
    if rank == 0:
        return lambda a: (1, 1)
    if rank == 1:
        return lambda a: (a.shape[0], 1)
    if rank == 2:
        return lambda a: a.shape
    raise TypingError(f"np.column_stack of an array of {rank} axes")


def scatter_subtract(a, indices, b):
    """`np.subtract.at(a, indices, b)` as a function: a copy of `a` with `b`
    subtracted at `indices`, once for every time `indices` picks an element."""
    out = np.array(a, copy=True)
    add_at(out, indices, -np.asarray(b))
    return out


@cached_overload(scatter_subtract)
def _scatter_subtract(a, indices, b):
    if not isinstance(a, types.Array):
        raise TypingError(f"np.subtract.at: srcgrad compiles a scatter into an array, not into {a}")

    def impl(a, indices, b):
        out = a.copy()
        add_at(out, indices, -b)
        return out

    return impl
