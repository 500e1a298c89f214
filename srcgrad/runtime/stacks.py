"""The stack of saved shapes: `push_shape` and `pop_shape`.

The forward sweep records the shape of a value that a loop overwrites
(`push_shape(stack, x)`); the reverse sweep takes it back, in reverse order,
as a stand-in of that shape and dtype (`pop_shape(stack, x)`), for the
helpers that read only a shape (`zeros_like`, `unbroadcast`).  Compiled, a
scalar records nothing.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.np.unsafe.ndarray import to_fixed_tuple

from .arrays import empty_shaped
from .machinecode import cached_jitable, cached_overload, compiled_once


def push_shape(stack, x):
    """Record the shape of `x` on `stack`.  Compiled, the stack is a list of
    ints and a scalar records nothing, so saving the shape of a scalar costs
    nothing (a compiled variable cannot turn from scalar to array); plain
    Python records the shape, or None for a scalar, whose type may change.
    A list grown in a loop (`runtime/lists.py`) records its length."""
    if isinstance(x, list):
        stack.append(len(x))
        return
    stack.append(np.shape(x) if isinstance(x, np.ndarray) else None)


def pop_shape(stack, x):
    """Take back what `push_shape` recorded, as a stand-in value of that
    shape and of `x`'s type (an uninitialised array: only its shape and
    dtype are read); a scalar comes back as a zero of `x`'s dtype.  A list
    comes back as its first elements, as many as it had then (it only grows,
    so they are the elements it had)."""
    shape = stack.pop()
    if isinstance(x, list):
        return x[:shape]
    dtype = np.result_type(x)
    if shape is None:
        return x if not isinstance(x, np.ndarray) else dtype.type(0)
    return np.empty(shape, dtype)


@cached_jitable
def reserve(stack, top, more):
    """`stack` (an array whose first `top` elements are saved values) with
    room for `more` values above them: itself where it has that room, else
    a new array at least twice as long holding the same first `top`.
    Generated code for the CPU keeps numbers saved in loops this way
    (`optimize/stacks.py`), making room once before a loop for all it saves."""
    need = top + more
    if need <= stack.shape[0]:
        return stack
    grown = np.empty(max(need, 2 * stack.shape[0]), stack.dtype)
    grown[:top] = stack[:top]
    return grown


@cached_overload(push_shape)
def _push_shape(stack, x):
    if isinstance(x, types.Array):
        return lambda stack, x: _push_dims(stack, x)
    if isinstance(x, types.List):
        return lambda stack, x: stack.append(len(x))
    return lambda stack, x: None


@cached_overload(pop_shape)
def _pop_shape(stack, x):
    if isinstance(x, types.Array):
        ndim = x.ndim

        def impl(stack, x):
            return empty_shaped(to_fixed_tuple(_pop_dims(stack, ndim), ndim), x)

        return impl
    if isinstance(x, types.List):
        return lambda stack, x: x[:stack.pop()]
    return lambda stack, x: x


# --- copies of saved values ---------------------------------------------------
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
