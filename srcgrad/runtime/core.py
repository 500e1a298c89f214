"""Helpers that generated adjoints call, runnable as NumPy and compiled by Numba.

Each helper is a plain Python function (what `target="python"` runs) with a
Numba implementation registered by `numba.extending.overload`, chosen by the
argument types at compile time (`target="cpu"`).  Both return the same values.
Scalars and arrays are both accepted wherever a user's value can be either:
the generated code does not know which it will meet.

Gradient dtype: a floating value's cotangent keeps its dtype; an integer or
boolean value's cotangent is float64.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.np.numpy_support import as_dtype
from numba.np.unsafe.ndarray import to_fixed_tuple

from ..errors import UnsupportedSyntaxError
from .machinecode import cached_jitable, cached_overload, compiled_once

__all__ = [
    "zeros_like",
    "seed",
    "unbroadcast",
    "new_cotangent",
    "take_cotangent",
    "push_shape",
    "pop_shape",
    "copy_value",
    "grad_dtype",
    "refuse_inplace_alias",
    "refuse_shared",
    "shape_of",
    "add_at",
    "last_writes",
    "store_last",
]

_SEED_MISMATCH = "grad_ys does not match the shape of the function's output"


def grad_dtype(x) -> np.dtype:
    """The dtype of the cotangent of `x`."""
    dtype = np.result_type(x)
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


def _numba_grad_dtype(ty) -> np.dtype:
    dtype = as_dtype(ty.dtype if isinstance(ty, types.Array) else ty)
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


def _is_scalar(ty) -> bool:
    return isinstance(ty, (types.Number, types.Boolean))


# --- zeros_like -------------------------------------------------------------


def zeros_like(x):
    """Zero cotangent for `x`: an array shaped like it, or a scalar zero."""
    dtype = grad_dtype(x)
    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        return dtype.type(0)
    return np.zeros(np.shape(x), dtype)


@cached_overload(zeros_like)
def _zeros_like(x):
    dtype = _numba_grad_dtype(x)
    if _own_float_dtype(x):
        return lambda x: _zeros_as(x)
    if isinstance(x, types.Array):
        return lambda x: np.zeros(x.shape, dtype)
    if _is_scalar(x):
        zero = dtype.type(0)
        return lambda x: zero
    raise TypingError(f"zeros_like: unsupported type {x}")


# --- seed -------------------------------------------------------------------


def seed(grad_y, y):
    """The cotangent that starts the reverse sweep at output `y`.

    `grad_y` is the user's `grad_ys` entry, or None for ones.  The result is a
    fresh value the adjoint may update in place.
    """
    dtype = grad_dtype(y)
    scalar = np.ndim(y) == 0 and not isinstance(y, np.ndarray)
    if grad_y is None:
        return dtype.type(1) if scalar else np.ones(np.shape(y), dtype)
    if np.shape(grad_y) != np.shape(y):
        raise ValueError(_SEED_MISMATCH)
    if scalar:
        return dtype.type(grad_y)
    return np.array(grad_y, dtype=dtype)


@cached_jitable
def _reachable_raise():
    """True, in a way Numba's typing cannot see: a `raise` behind it leaves the
    `return` after it reachable, so the seed keeps its type (after a bare
    `raise` the function returns None, and the adjoint fails to compile where
    it uses the seed, instead of raising the mismatch)."""
    return True


@cached_overload(seed)
def _seed(grad_y, y):
    dtype = _numba_grad_dtype(y)
    none = isinstance(grad_y, (types.NoneType, types.Omitted)) or grad_y is None
    if isinstance(y, types.Array):
        if none:
            if _own_float_dtype(y):
                return lambda grad_y, y: _ones_as(y)
            return lambda grad_y, y: np.ones(y.shape, dtype)
        if isinstance(grad_y, types.Array) and grad_y.ndim == y.ndim:
            cast = _cast_as if _own_float_dtype(y) else _cast_as_float64

            def impl(grad_y, y):
                if grad_y.shape != y.shape:
                    raise ValueError(_SEED_MISMATCH)
                return cast(grad_y, y)

            return impl

        def mismatch(grad_y, y):
            if _reachable_raise():
                raise ValueError(_SEED_MISMATCH)
            return np.ones(y.shape, dtype)

        return mismatch
    if _is_scalar(y):
        one = dtype.type(1)
        if none:
            return lambda grad_y, y: one
        if _is_scalar(grad_y):
            return lambda grad_y, y: dtype.type(grad_y)

        def mismatch_scalar(grad_y, y):
            if _reachable_raise():
                raise ValueError(_SEED_MISMATCH)
            return one

        return mismatch_scalar
    raise TypingError(f"seed: unsupported output type {y}")


# --- unbroadcast --------------------------------------------------------------


# Arrays the helpers below make, each by a function compiled once per machine:
# inline, Numba would compile `np.zeros` (or `np.full`, `astype`...) again in
# every new process, a few tenths of a second each, for every new gradient.
# A float `like` gives the dtype (its gradient dtype is its own).


@compiled_once
def _zeros_as(like):
    return np.zeros(like.shape, like.dtype)


@compiled_once
def _ones_as(like):
    return np.ones(like.shape, like.dtype)


@compiled_once
def _full_as(like, value):
    return np.full(like.shape, value, like.dtype)


@compiled_once
def _full_of_shape(shape, value):
    """`value` (and its dtype) in every element of an array of this shape."""
    return np.full(shape, value)


@compiled_once
def _cast_as(g, like):
    """A new array: `g` in `like`'s dtype."""
    return g.astype(like.dtype)


@compiled_once
def _cast_as_float64(g, like):
    """A new array: `g` in float64, the gradient dtype of an integer `like`."""
    return g.astype(np.float64)


@compiled_once
def _summed_to_shape(g, shape):
    """`g` summed into zeros of this shape, in `g`'s dtype (`_reduce_into`)."""
    return _reduce_into(np.zeros(shape, g.dtype), g)


@compiled_once
def _empty_shaped(shape, like):
    """An uninitialised array of this shape, in `like`'s dtype."""
    return np.empty(shape, like.dtype)


@compiled_once
def _pop_dims(stack, ndim):
    """The last `ndim` ints of `stack`, popped, in the order pushed."""
    dims = np.empty(ndim, np.int64)
    for k in range(ndim - 1, -1, -1):
        dims[k] = stack.pop()
    return dims


@compiled_once
def _push_dims(stack, x):
    for k in range(x.ndim):
        stack.append(x.shape[k])


@compiled_once
def _copy(x):
    return x.copy()


def _own_float_dtype(ty) -> bool:
    """Whether `ty` is a float array, whose gradient dtype is its dtype."""
    return isinstance(ty, types.Array) and isinstance(ty.dtype, types.Float)


def unbroadcast(g, like):
    """`g` summed (or broadcast) to the shape of `like`, as NumPy broadcasting
    would have stretched `like`: summed over leading axes, and over axes where
    `like` has length 1."""
    shape = np.shape(like)
    if np.shape(g) == shape:
        return g
    g = np.asarray(g)
    if g.ndim > len(shape):
        g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    axes = tuple(k for k, n in enumerate(shape) if n == 1 and g.shape[k] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if g.shape != shape:
        g = np.broadcast_to(g, shape)
    if len(shape) == 0 and not isinstance(like, np.ndarray):
        return g[()]
    return g


@cached_jitable
def _next_index(index, shape):
    """Advance the multi-index `index` by one in C order over every axis of
    `shape` but the last (which the caller runs as one loop), like an
    odometer."""
    d = len(index) - 2
    while d >= 0:
        index[d] += 1
        if index[d] < shape[d]:
            return
        index[d] = 0
        d -= 1


@cached_jitable
def _offset(index, steps):
    """Where `index` (its last axis left out) lands with these steps per axis."""
    total = 0
    for d in range(len(index) - 1):
        total += index[d] * steps[d]
    return total


@compiled_once
def _reduce_into(out, g):
    """Add every element of `g` into `out`, where `out`'s shape broadcasts
    with `g`'s; the result has `out`'s shape (axes of `g` that `out` lacks or
    has as length 1 are summed, axes where `g` has length 1 are repeated).
    `out` is C-contiguous.  The innermost axis is one tight loop (a sum when
    `out` is 1 along it); the outer ones advance like an odometer
    (`_next_index`)."""
    gnd = g.ndim
    ond = out.ndim
    nd = max(gnd, ond)
    gflat = np.ascontiguousarray(g).reshape(g.size)
    oflat = out.reshape(out.size)
    if nd == 0:
        oflat[0] += gflat[0]
        return out
    full = np.empty(nd, np.int64)
    gstep = np.zeros(nd, np.int64)
    ostep = np.zeros(nd, np.int64)
    gstride = 1
    ostride = 1
    for d in range(nd - 1, -1, -1):
        gd = g.shape[d - (nd - gnd)] if d >= nd - gnd else 1
        od = out.shape[d - (nd - ond)] if d >= nd - ond else 1
        full[d] = od if gd == 1 else gd  # broadcasting: 1 stretches to any length, 0 too
        if gd != 1:
            gstep[d] = gstride
        if od != 1:
            ostep[d] = ostride
        gstride *= gd
        ostride *= od
    total = 1
    for d in range(nd):
        total *= full[d]
    if total == 0:
        return out
    inner = full[nd - 1]
    gs = gstep[nd - 1]
    os = ostep[nd - 1]
    index = np.zeros(nd, np.int64)
    for _ in range(total // inner):
        gbase = _offset(index, gstep)
        obase = _offset(index, ostep)
        if os == 0:
            acc = oflat[obase]
            for c in range(inner):
                acc += gflat[gbase + c * gs]
            oflat[obase] = acc
        elif os == 1 and gs == 1:  # unit steps: a loop LLVM vectorises
            for c in range(inner):
                oflat[obase + c] += gflat[gbase + c]
        else:
            for c in range(inner):
                oflat[obase + c * os] += gflat[gbase + c * gs]
        _next_index(index, full)
    return out


@cached_overload(unbroadcast)
def _unbroadcast(g, like):
    if _is_scalar(like) or isinstance(like, types.NoneType):  # np.shape(None) == ()
        if isinstance(g, types.Array):
            return lambda g, like: g.sum()
        return lambda g, like: g
    if not isinstance(like, types.Array):
        raise TypingError(f"unbroadcast: unsupported type {like}")
    if _is_scalar(g):
        return lambda g, like: _full_of_shape(like.shape, g)
    if g.ndim == like.ndim:

        def same_rank(g, like):
            if g.shape == like.shape:
                return g
            return _summed_to_shape(g, like.shape)

        return same_rank
    return lambda g, like: _summed_to_shape(g, like.shape)


# --- the first cotangent of a variable ---------------------------------------


def new_cotangent(g, like):
    """A variable's first cotangent: `g` summed (or broadcast) to the shape
    of `like`, as a new value of `like`'s gradient dtype that the adjoint may
    then update in place.  The same as `zeros_like(like)` followed by
    `+= unbroadcast(g, ...)`, without the zeros: a pass over an array fewer,
    and for a scalar no addition to zero (a dependency chain in a loop that
    LLVM may not remove: -0.0 + 0.0 is not -0.0)."""
    dtype = grad_dtype(like)
    if np.ndim(like) == 0 and not isinstance(like, np.ndarray):
        return dtype.type(unbroadcast(g, like))
    out = np.zeros(np.shape(like), dtype)
    out += unbroadcast(g, out)
    return out


def take_cotangent(g, like):
    """`new_cotangent` of a `g` that is fresh (the result of arithmetic,
    referred to nowhere else): compiled, an array `g` that already has
    `like`'s shape and gradient dtype becomes the cotangent itself."""
    return new_cotangent(g, like)


def _new_cotangent_impl(g, like):
    """Numba implementation of `new_cotangent(g, like)` for these types."""
    dtype = _numba_grad_dtype(like)
    if _is_scalar(like):
        cast = dtype.type
        if isinstance(g, types.Array):
            return lambda g, like: cast(g.sum())
        return lambda g, like: cast(g)
    if not isinstance(like, types.Array):
        raise TypingError(f"new_cotangent: unsupported type {like}")
    if not _own_float_dtype(like):  # an integer array: its gradient is float64
        return _new_float_cotangent(g, like, dtype)
    if _is_scalar(g):
        return lambda g, like: _full_as(like, g)
    if g.ndim == like.ndim:

        def same_rank(g, like):
            if g.shape == like.shape:
                return _cast_as(g, like)
            return _reduce_into(_zeros_as(like), g)

        return same_rank
    return lambda g, like: _reduce_into(_zeros_as(like), g)


def _new_float_cotangent(g, like, dtype):
    """`_new_cotangent_impl` for an integer array `like`, whose gradient
    `dtype` (float64) is not its own."""
    if _is_scalar(g):
        return lambda g, like: np.full(like.shape, g, dtype)
    if g.ndim == like.ndim:

        def same_rank(g, like):
            if g.shape == like.shape:
                return g.astype(dtype)
            return _reduce_into(np.zeros(like.shape, dtype), g)

        return same_rank
    return lambda g, like: _reduce_into(np.zeros(like.shape, dtype), g)


@cached_overload(new_cotangent)
def _new_cotangent(g, like):
    return _new_cotangent_impl(g, like)


@cached_overload(take_cotangent)
def _take_cotangent(g, like):
    if (isinstance(g, types.Array) and isinstance(like, types.Array) and g.ndim == like.ndim
            and g.layout == "C" and g.mutable and g.aligned
            and as_dtype(g.dtype) == _numba_grad_dtype(like)):
        # of the type a new cotangent would have: `unbroadcast` returns `g` where it fits
        return lambda g, like: unbroadcast(g, like)
    return _new_cotangent_impl(g, like)


# --- shapes -------------------------------------------------------------------


def shape_of(x) -> tuple:
    """`np.shape(x)`; compiled, a scalar's `()` costs nothing (Numba's
    `np.shape` of a scalar makes an array first)."""
    return np.shape(x)


@cached_overload(shape_of)
def _shape_of(x):
    if isinstance(x, types.Array):
        return lambda x: x.shape
    return lambda x: ()


# --- saved shapes -------------------------------------------------------------


def push_shape(stack, x):
    """Record the shape of `x` on `stack`.  Compiled, the stack is a list of
    ints and a scalar records nothing, so saving the shape of a scalar costs
    nothing (a compiled variable cannot turn from scalar to array); plain
    Python records the shape, or None for a scalar, whose type may change."""
    stack.append(np.shape(x) if isinstance(x, np.ndarray) else None)


def pop_shape(stack, x):
    """Take back what `push_shape` recorded, as a stand-in value of that
    shape and of `x`'s type (an uninitialised array: only its shape and
    dtype are read); a scalar comes back as a zero of `x`'s dtype."""
    shape = stack.pop()
    dtype = np.result_type(x)
    if shape is None:
        return x if not isinstance(x, np.ndarray) else dtype.type(0)
    return np.empty(shape, dtype)


@cached_overload(push_shape)
def _push_shape(stack, x):
    if isinstance(x, types.Array):
        return lambda stack, x: _push_dims(stack, x)
    return lambda stack, x: None


@cached_overload(pop_shape)
def _pop_shape(stack, x):
    if isinstance(x, types.Array):
        ndim = x.ndim

        def impl(stack, x):
            return _empty_shaped(to_fixed_tuple(_pop_dims(stack, ndim), ndim), x)

        return impl
    return lambda stack, x: x


# --- copies of saved values ---------------------------------------------------


def copy_value(x):
    """A copy of `x` if it is an array (a view would change under later
    writes), `x` itself if it is a scalar."""
    if isinstance(x, np.ndarray):
        return x.copy()
    return x


@cached_overload(copy_value)
def _copy_value(x):
    if isinstance(x, types.Array):
        return lambda x: _copy(x)
    return lambda x: x


# --- augmented assignment on a name that shares memory ------------------------------


class InPlaceAliasError(UnsupportedSyntaxError):
    """`x += e` on an array that another live name shares (see analysis/aliasing.py).

    Raised from compiled code too, with one argument, the message, which
    starts with the user's `file:line: `."""

    def __init__(self, message: str):
        where, _, reason = message.partition(": ")
        file, _, line = where.rpartition(":")
        if line.isdigit():
            super().__init__(reason, file, int(line))
        else:
            super().__init__(message)


def refuse_inplace_alias(x, message):
    """Raise if `x` is an array: `x += e` would then change `x` in place, and
    another name that shares its memory, which srcgrad does not follow."""
    if isinstance(x, np.ndarray):
        raise InPlaceAliasError(message)


@cached_overload(refuse_inplace_alias)
def _refuse_inplace_alias(x, message):
    if not isinstance(x, types.Array):
        return lambda x, message: None
    if not isinstance(message, types.StringLiteral):
        return lambda x, message: numba.literally(message)
    text = message.literal_value

    def impl(x, message):
        raise InPlaceAliasError(text)

    return impl


def refuse_shared(x, y, message):
    """Raise if `x` and `y` are arrays whose memory may overlap: a write into
    `y` would then change `x`, which srcgrad does not follow."""
    if isinstance(x, np.ndarray) and isinstance(y, np.ndarray) and np.may_share_memory(x, y):
        raise InPlaceAliasError(message)


@cached_jitable
def _extent(a):
    """The first and one-past-last byte an array may touch."""
    low = a.ctypes.data
    high = low + a.itemsize
    for size, stride in zip(a.shape, a.strides):
        if size == 0:
            return 0, 0
        if stride < 0:
            low += (size - 1) * stride
        else:
            high += (size - 1) * stride
    return low, high


@cached_overload(refuse_shared)
def _refuse_shared(x, y, message):
    if not (isinstance(x, types.Array) and isinstance(y, types.Array)):
        return lambda x, y, message: None
    if not isinstance(message, types.StringLiteral):
        return lambda x, y, message: numba.literally(message)
    text = message.literal_value

    def impl(x, y, message):
        x_low, x_high = _extent(x)
        y_low, y_high = _extent(y)
        if x_low < y_high and y_low < x_high:
            raise InPlaceAliasError(text)

    return impl


# --- writes and reads through index arrays -------------------------------------------
#
# An index reaches these helpers as a value: a tuple whose slices are written
# `slice(None)`, as generated code passes them.  Compiled, an index that holds
# an array (or a mask) goes through `_positions`: the flat position of every
# element it picks, found by picking from an array of positions with the same
# index, so that the helpers pick exactly what Numba's own indexing picks.


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
    scalar = _is_scalar(values)
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
    dtype = _numba_grad_dtype(like)

    def impl(values, index, like):
        out = np.zeros(like.shape, dtype)
        out[index] = values
        return out

    return impl
