"""The stack of saved shapes: `push_shape` and `pop_shape`.

The forward sweep records the shape of a value that a loop overwrites
(`push_shape(stack, x)`); the reverse sweep takes it back, in reverse order,
as a stand-in of that shape and dtype (`pop_shape(stack, x)`), for the
helpers that read only a shape (`zeros_like`, `unbroadcast`).  Compiled, a
scalar records nothing.

Also what compiled stacks and checkpoints use: `reserve` (room in a stack of
numbers kept as an array, `optimize/stacks.py`), and for the checkpoints of
time loops (`optimize/checkpoints.py`) `checkpoint_every` (how many passes a
segment holds), `value_bytes` (the size of a state) and `restore_state` (a
checkpoint put back in place).
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.np.unsafe.ndarray import to_fixed_tuple

from .arrays import empty_shaped
from .machinecode import cached_jitable, cached_overload, compiled_once
from .memory import huge_pages


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
    huge_pages(grown)
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


# --- checkpoints (optimize/checkpoints.py) ------------------------------------

CHECKPOINT_BYTES = 8 << 20  # a loop whose states, all passes together, pass this is checkpointed


def value_bytes(x):
    """The bytes a checkpoint of `x` holds: an array's, or 8 for a number."""
    return x.nbytes if isinstance(x, np.ndarray) else 8


@cached_overload(value_bytes)
def _value_bytes(x):
    if isinstance(x, types.Array):
        return lambda x: x.nbytes
    return lambda x: 8


@cached_jitable
def checkpoint_every(passes, state_bytes):
    """How many passes of a loop make a segment between checkpoints: all of
    them (the loop taped as it runs, no checkpoint) where `passes` states of
    `state_bytes` fit in `CHECKPOINT_BYTES`, else about the square root of
    `passes`, so that checkpoints and a segment's tape each hold about that
    many states."""
    if passes * state_bytes <= CHECKPOINT_BYTES:
        return max(passes, 1)
    return max(int(np.sqrt(passes)), 1)


def restore_state(a, saved):
    """`a[...] = saved`: a checkpoint put back into the array it was taken
    from, in place (other names may share `a`'s memory).  Compiled, an
    element loop: Numba compiles `a[:] = saved` through its assignment of a
    slice, whose error message alone takes seconds to compile."""
    a[...] = saved


@cached_overload(restore_state)
def _restore_state(a, saved):
    if a.layout == "C" and saved.layout == "C":
        def flat(a, saved):
            into = a.reshape(a.size)
            values = saved.reshape(saved.size)
            for i in range(into.size):
                into[i] = values[i]
        return flat

    def strided(a, saved):
        for index in np.ndindex(a.shape):
            a[index] = saved[index]
    return strided
