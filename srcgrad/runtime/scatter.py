"""Writes and reads through index arrays.

- `add_at(a, index, values)`: `np.add.at`, every repeated element adding
  (the cotangent of a read `x[index]`);
- `last_writes(b, index)`, `store_last(values, index, like)`: the cotangent
  of the values a store `y[index] = v` wrote, where a repeated element keeps
  its last write (NumPy's rule), and its adjoint;
- `scatter_add(a, indices, b)`: `np.add.at` as a function of the old value,
  what srcgrad lowers that call to.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError

from .cotangents import zeros_like
from .dtypes import is_scalar_type, numba_grad_dtype
from .guards import copy_value
from .machinecode import cached_jitable, cached_overload

# --- writes and reads through index arrays -------------------------------------------
#
# An index reaches these helpers as a value: a tuple whose slices are written
# `slice(None)`, as generated code passes them.  Compiled, an index that holds
# an array (or a mask) goes through `_positions`: the flat position of every
# element it picks, found by picking from an array of positions with the same
# index, so that the helpers pick exactly what Numba's own indexing picks.


def add_into(a, index, values):
    """`a[index] += values` for an index that picks one element or a block of
    `a` (integers and slices, no index array).  Generated code for the CPU
    writes an update of a row this way: Numba compiles `a[i] += v` of an
    array `v` through its assignment of a slice, whose error message alone
    takes seconds to compile in every new process; this updates the block
    in place instead."""
    a[index] += values


@cached_overload(add_into)
def _add_into(a, index, values):
    if not isinstance(a, types.Array):
        raise TypingError(f"add_into: unsupported type {a}")
    parts = index.types if isinstance(index, types.BaseTuple) else (index,)
    if _holds_array(index):
        raise TypingError(f"add_into: an index array ({index}) is add_at's")
    if len(parts) == a.ndim and all(isinstance(p, types.Integer) for p in parts):

        def element(a, index, values):
            a[index] += values

        return element

    def block(a, index, values):
        view = a[index]
        view += values

    return block


def add_at(a, index, values):
    """`a[index] += values`, where every occurrence of a repeated element of an
    index array adds (NumPy's `np.add.at`): the cotangent of `v = x[index]`
    flows back into `x` this way, and `np.add.at` itself runs this way.  `a`
    changes in place."""
    np.add.at(a, index, values)


@cached_jitable
def _positions(a):
    """The flat (C-order) position of each element of `a`, in `a`'s shape."""
    return np.arange(a.size).reshape(a.shape)


def _holds_array(index) -> bool:
    parts = index.types if isinstance(index, types.BaseTuple) else (index,)
    return any(isinstance(p, types.Array) for p in parts)


@cached_overload(add_at)
def _add_at(a, index, values):
    if not isinstance(a, types.Array):
        raise TypingError(f"add_at: unsupported type {a}")
    if isinstance(values, types.Array) and values.ndim > a.ndim + 1:
        raise TypingError(f"add_at: values of {values.ndim} dimensions do not fit {a}")
    scalar = is_scalar_type(values)
    if isinstance(index, types.Array) and isinstance(index.dtype, types.Boolean) \
            and index.ndim == a.ndim:
        return _add_at_masked(scalar)
    if isinstance(index, types.Array) and isinstance(index.dtype, types.Integer) \
            and index.ndim == 1:
        return _add_at_rows(scalar or values.ndim < a.ndim)
    if not _holds_array(index):  # an element, or a slice: nothing repeats

        def basic(a, index, values):
            a[index] += values

        return basic
    if a.layout != "C":
        raise TypingError(f"add_at: srcgrad compiles a scatter through {index} into a "
                          "C-contiguous array only")

    def general(a, index, values):
        spots = np.ascontiguousarray(_positions(a)[index])
        flat = a.reshape(a.size)
        picked = spots.reshape(spots.size)
        if scalar:
            for k in range(picked.size):
                flat[picked[k]] += values
            return
        spread = np.empty(spots.shape, a.dtype)
        spread[...] = values  # broadcast as NumPy would
        spread = spread.reshape(spread.size)
        for k in range(picked.size):
            flat[picked[k]] += spread[k]

    return general


def _add_at_masked(scalar: bool):
    """`add_at` through a mask of the array's own shape."""
    if scalar:

        def masked_scalar(a, index, values):
            flat = a.reshape(a.size)
            mask = np.ascontiguousarray(index).reshape(index.size)
            for k in range(mask.size):
                if mask[k]:
                    flat[k] += values

        return masked_scalar

    def masked(a, index, values):
        flat = a.reshape(a.size)
        mask = np.ascontiguousarray(index).reshape(index.size)
        picked = np.ascontiguousarray(values).reshape(values.size)
        j = 0
        for k in range(mask.size):
            if mask[k]:
                flat[k] += picked[j]
                j += 1

    return masked


def _add_at_rows(same_for_all: bool):
    """`add_at` through one integer index array, along the first axis:
    `values` has one row per index (or one row for all), or broadcasts to a
    row (`same_for_all`)."""
    if same_for_all:

        def rows_alike(a, index, values):
            for k in range(index.size):
                a[index[k]] += values

        return rows_alike

    def rows(a, index, values):
        n = values.shape[0]
        if n != 1 and n != index.size:
            raise ValueError("add_at: the values do not match the index")
        step = 1 if n != 1 else 0
        for k in range(index.size):
            a[index[k]] += values[k * step]

    return rows


def last_writes(b, index):
    """`b[index]`, except where `index` picks an element more than once: only
    its last pick keeps the value, the others are zero.  With `b` the
    cotangent of `y`, this is the cotangent of the value `v` that
    `y[index] = v` stored: where an index array repeats an element, the last
    write is the one that stays (NumPy's rule), the earlier ones have no
    effect.  A new value, never a view of `b`."""
    picked = b[index]
    if not isinstance(picked, np.ndarray):
        return picked
    ids = np.arange(picked.size).reshape(picked.shape)
    owner = np.empty(np.shape(b), np.intp)
    owner[index] = ids  # NumPy's own order of writes decides which pick is last
    return np.where(owner[index] == ids, picked, picked.dtype.type(0))


@cached_overload(last_writes)
def _last_writes(b, index):
    if not isinstance(b, types.Array):
        raise TypingError(f"last_writes: unsupported type {b}")
    if not _holds_array(index):  # an element or a slice: picked once
        return lambda b, index: copy_value(b[index])
    if isinstance(index, types.Array) and isinstance(index.dtype, types.Boolean):
        return lambda b, index: b[index]  # a mask picks each element once

    def general(b, index):
        picked = np.ascontiguousarray(b[index])
        ids = _positions(picked)
        owner = np.empty(b.shape, np.int64)
        owner[index] = ids
        last = np.ascontiguousarray(owner[index]).reshape(picked.size)
        out = picked.copy()
        flat = out.reshape(out.size)
        for k in range(flat.size):
            if last[k] != k:
                flat[k] = 0
        return out

    return general


def store_last(values, index, like):
    """Zeros shaped like `like`, in its gradient dtype, with `values` stored at
    `index` (where `index` repeats an element, its last value stays): the
    adjoint of `last_writes`, which keeps exactly those."""
    out = zeros_like(like)
    out[index] = values
    return out


@cached_overload(store_last)
def _store_last(values, index, like):
    if not isinstance(like, types.Array):
        raise TypingError(f"store_last: unsupported type {like}")
    dtype = numba_grad_dtype(like)

    def impl(values, index, like):
        out = np.zeros(like.shape, dtype)
        out[index] = values
        return out

    return impl


# --- np.add.at -------------------------------------------------------------------------------


def scatter_add(a, indices, b):
    """`np.add.at(a, indices, b)` as a function: a copy of `a` with `b` added
    at `indices`, where an element that `indices` picks several times gets
    every addition (NumPy's buffered `a[indices] += b` would get one)."""
    out = np.array(a, copy=True)
    add_at(out, indices, b)
    return out


@cached_overload(scatter_add)
def _scatter_add(a, indices, b):
    if not isinstance(a, types.Array):
        raise TypingError(f"np.add.at: srcgrad compiles a scatter into an array, not into {a}")

    def impl(a, indices, b):
        out = a.copy()
        add_at(out, indices, b)
        return out

    return impl
