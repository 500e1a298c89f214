"""Summing a cotangent back to the shape of its variable.

- `unbroadcast(g, like)`: `g` summed over the axes NumPy broadcasting
  stretched `like` along (leading axes, axes of length 1), or broadcast to
  `like`'s shape; `g` itself where the shapes agree;
- `sum_to(value, shape)`: the same to a shape given as a tuple;
- `shape_of(x)`: `np.shape(x)`, free for a scalar when compiled.

Compiled, the summing is one kernel (`reduce_into`), generic over ranks and
strides, which the reductions share.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError

from .arrays import contiguous, full_of_shape
from .dtypes import is_scalar_type
from .machinecode import cached_jitable, cached_overload, compiled_once


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


@compiled_once
def summed_to_shape(g, shape):
    """`g` summed into zeros of this shape, in `g`'s dtype (`reduce_into`)."""
    return reduce_into(np.zeros(shape, g.dtype), g)


@cached_jitable
def next_index(index, shape):
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
def flat_offset(index, steps):
    """Where `index` (its last axis left out) lands with these steps per axis."""
    total = 0
    for d in range(len(index) - 1):
        total += index[d] * steps[d]
    return total


@compiled_once
def reduce_into(out, g):
    """Add every element of `g` into `out`, where `out`'s shape broadcasts
    with `g`'s; the result has `out`'s shape (axes of `g` that `out` lacks or
    has as length 1 are summed, axes where `g` has length 1 are repeated).
    `out` is C-contiguous.  The innermost axis is one tight loop (a sum when
    `out` is 1 along it); the outer ones advance like an odometer
    (`next_index`)."""
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
        if gd != od and gd != 1 and od != 1:
            raise ValueError("operands could not be broadcast together")
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
        gbase = flat_offset(index, gstep)
        obase = flat_offset(index, ostep)
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
        next_index(index, full)
    return out


@cached_overload(unbroadcast)
def _unbroadcast(g, like):
    if is_scalar_type(like) or isinstance(like, types.NoneType):  # np.shape(None) == ()
        if isinstance(g, types.Array):
            return lambda g, like: g.sum()
        return lambda g, like: g
    if not isinstance(like, types.Array):
        raise TypingError(f"unbroadcast: unsupported type {like}")
    if is_scalar_type(g):
        return lambda g, like: full_of_shape(like.shape, g)
    if g.ndim == like.ndim:

        def same_rank(g, like):
            if g.shape == like.shape:
                return g
            return summed_to_shape(g, like.shape)

        return same_rank
    return lambda g, like: summed_to_shape(g, like.shape)


# --- the first cotangent of a variable ---------------------------------------


def shape_of(x) -> tuple:
    """`np.shape(x)`; compiled, a scalar's `()` costs nothing (Numba's
    `np.shape` of a scalar makes an array first)."""
    return np.shape(x)


@cached_overload(shape_of)
def _shape_of(x):
    if isinstance(x, types.Array):
        return lambda x: x.shape
    return lambda x: ()


# --- sum_to: unbroadcast to a shape given as a tuple ------------------------------------------


def sum_to(value, shape):
    """`value` summed, or broadcast, to `shape`, the way `unbroadcast` sums
    a cotangent to its variable's shape: over leading axes, and over axes
    where `shape` has length 1; repeated along axes that `value` lacks or
    has as length 1.  A scalar for `shape == ()`.

    (In Python `unbroadcast` cannot yet broadcast to more dimensions, which
    the rules of the helpers below need.)"""
    shape = tuple(shape)
    if np.shape(value) == shape:
        return value
    summed = np.asarray(value)
    extra = summed.ndim - len(shape)
    if extra > 0:
        summed = summed.sum(axis=tuple(range(extra)))
    elif extra < 0:
        summed = summed.reshape((1,) * -extra + summed.shape)
    axes = tuple(k for k, n in enumerate(shape) if n == 1 and summed.shape[k] != 1)
    if axes:
        summed = summed.sum(axis=axes, keepdims=True)
    if summed.shape != shape:
        summed = np.broadcast_to(summed, shape).copy()
    return summed[()] if shape == () else summed


@cached_overload(sum_to)
def _sum_to(value, shape):
    if not isinstance(shape, types.BaseTuple):
        raise TypingError(f"sum_to: the shape must be a tuple, not {shape}")
    rank = len(shape)
    if rank == 0:
        if isinstance(value, types.Array):
            return lambda value, shape: value.sum()
        return lambda value, shape: value
    if is_scalar_type(value):
        return lambda value, shape: full_of_shape(shape, value)
    if value.ndim == rank:

        def same_rank(value, shape):
            if value.shape == shape:
                return contiguous(value)
            return summed_to_shape(value, shape)

        return same_rank
    return lambda value, shape: summed_to_shape(value, shape)
