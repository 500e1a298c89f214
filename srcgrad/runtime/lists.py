"""Lists that grow in a loop whose number of passes is known only when the
function runs (`acc.append(v)` in `for i in range(n)`).

The lowering keeps such a list as one variable of the generated code, a
Python list (a reflected list under Numba, whose element type Numba reads
from the first `append`), and writes its operations with these helpers:

- `new_list()`, which generated code spells `[]`;
- `list_append(acc, v, k)`, spelled `acc.append(v)`: `k` is the list's
  length before the append, kept for the reverse sweep, where the
  cotangent of `v` is row `k` of the list's cotangent;
- `list_length(acc)`: `len(acc)`, and `list_index(acc, j)`: `j` counted
  from the start (`-1` is the last element now), helpers of their own so
  that the passes never compute them again in the reverse sweep (the list
  has grown by then);
- `stack_list(acc)`: `np.array(acc)`, the list's elements stacked along a
  new first axis (numbers into a vector).

A list's cotangent is an array of the stacked shape, `(len(acc), ...)`:
`zeros_like` and `pop_shape` (the list's length is read at the reverse
sweep, when the list is whole) give it.  Appends never change an element,
so reading `acc[j]` then or now gives the same value.

`shape_size` and `unravel` walk `np.ndindex(shape)` over a shape known only
when the function runs (`np.ndindex(x.shape)`): a loop over a flat count,
each index a tuple.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.np.unsafe.ndarray import to_fixed_tuple

from .machinecode import cached_overload

__all__ = ["new_list", "list_append", "list_length", "list_index", "stack_list", "list_zeros",
           "shape_size", "unravel", "merged_shape"]


def new_list():
    return []


def list_append(acc, v, k):
    acc.append(v)
    return acc


def list_length(acc):
    return len(acc)


def list_index(acc, j):
    """`j` as an index from the list's start (`acc[-1]` reads the last element
    now; the reverse sweep, when the list has grown, must find the same one)."""
    n = len(acc)
    if not -n <= j < n:
        raise IndexError("list index out of range")
    return j + n if j < 0 else j


def stack_list(acc):
    """The elements of `acc` stacked along a new first axis, as float or
    int arrays (`np.array(acc)`)."""
    return np.array(acc)


def list_zeros(acc):
    """Zeros of the stacked shape of `acc`, in its gradient dtype."""
    stacked = np.asarray(acc)
    dtype = stacked.dtype if np.issubdtype(stacked.dtype, np.floating) else np.float64
    return np.zeros(stacked.shape, dtype)


@cached_overload(list_length)
def _list_length(acc):
    return lambda acc: len(acc)


@cached_overload(list_index)
def _list_index(acc, j):
    def impl(acc, j):
        n = len(acc)
        if not -n <= j < n:
            raise IndexError("list index out of range")
        return j + n if j < 0 else j

    return impl


@cached_overload(stack_list)
def _stack_list(acc):
    if not isinstance(acc, types.List):
        raise TypingError(f"stack_list: a list, not {acc}")
    item = acc.dtype
    if isinstance(item, (types.Number, types.Boolean)):
        def impl(acc):
            out = np.empty(len(acc), item)
            for k in range(len(acc)):
                out[k] = acc[k]
            return out

        return impl
    if isinstance(item, types.Array):
        def impl(acc):
            if len(acc) == 0:
                raise ValueError("np.array() of an empty list of arrays: srcgrad cannot tell "
                                 "the shape of its elements")
            first = acc[0]
            out = np.empty((len(acc),) + first.shape, first.dtype)
            for k in range(len(acc)):
                if acc[k].shape != first.shape:
                    raise ValueError("np.array() of a list of arrays of different shapes")
                out[k] = acc[k]
            return out

        return impl
    raise TypingError(f"stack_list: a list of numbers or arrays, not of {item}")


@cached_overload(list_zeros)
def _list_zeros(acc):
    item = acc.dtype
    if isinstance(item, (types.Number, types.Boolean)):
        dtype = np.float32 if item == types.float32 else np.float64
        return lambda acc: np.zeros(len(acc), dtype)
    if isinstance(item, types.Array):
        dtype = np.float32 if item.dtype == types.float32 else np.float64

        def impl(acc):
            if len(acc) == 0:
                raise ValueError("the cotangent of an empty list of arrays")
            return np.zeros((len(acc),) + acc[0].shape, dtype)

        return impl
    raise TypingError(f"list_zeros: a list of numbers or arrays, not of {item}")


# --- np.ndindex(shape) of a shape known only when the function runs ------------------


def shape_size(shape):
    """How many indices `np.ndindex(shape)` gives."""
    total = 1
    for d in shape:
        total *= d
    return total


def unravel(k, shape):
    """The `k`-th index `np.ndindex(shape)` gives (C order), a tuple."""
    return tuple(int(i) for i in np.unravel_index(k, shape))


@cached_overload(shape_size)
def _shape_size(shape):
    def impl(shape):
        total = 1
        for d in shape:
            total *= d
        return total

    return impl


@cached_overload(unravel)
def _unravel(k, shape):
    if not isinstance(shape, types.UniTuple):
        raise TypingError(f"np.ndindex: a shape, a tuple of ints, not {shape}")
    n = shape.count

    def impl(k, shape):
        out = np.empty(n, np.int64)
        rest = k
        for d in range(n - 1, -1, -1):
            out[d] = rest % shape[d]
            rest //= shape[d]
        return to_fixed_tuple(out, n)

    return impl


def merged_shape(stacked, axis):
    """The shape of `stacked` with its axes `axis` and `axis + 1` merged into
    one (`np.concatenate` of a list's elements, stacked and moved)."""
    shape = np.shape(stacked)
    axis = axis % len(shape)
    return shape[:axis] + (shape[axis] * shape[axis + 1],) + shape[axis + 2:]


@cached_overload(merged_shape)
def _merged_shape(stacked, axis):
    if not isinstance(stacked, types.Array) or stacked.ndim < 2:
        raise TypingError("np.concatenate of a list grown in a loop: its elements must be "
                          "arrays")
    n = stacked.ndim - 1

    def impl(stacked, axis):
        a = axis % stacked.ndim
        out = np.empty(n, np.int64)
        for d in range(n):
            if d < a:
                out[d] = stacked.shape[d]
            elif d == a:
                out[d] = stacked.shape[a] * stacked.shape[a + 1]
            else:
                out[d] = stacked.shape[d + 1]
        return to_fixed_tuple(out, n)

    return impl
