"""Arrays the helpers make, each by a function compiled once per machine.

Written inline in an `overload` implementation, Numba would compile
`np.zeros` (or `np.full`, `astype`, ...) again in every new process, a few
tenths of a second each, for every new gradient; these functions
(`compiled_once`) are compiled once and loaded from the cache afterwards.
Only Numba implementations call them.
"""

from __future__ import annotations

import numpy as np

from .machinecode import compiled_once
from .memory import HUGE_PAGE, huge_pages, zero_filled


@compiled_once
def zeros_as(like):
    return zero_filled(np.empty(like.shape, like.dtype))


@compiled_once
def ones_as(like):
    return np.ones(like.shape, like.dtype)


@compiled_once
def full_as(like, value):
    out = np.empty(like.shape, like.dtype)
    huge_pages(out)
    out.fill(value)
    return out


@compiled_once
def full_of_shape(shape, value):
    """`value` (and its dtype) in every element of an array of this shape."""
    return np.full(shape, value)


@compiled_once
def cast_as(g, like):
    """A new array: `g` in `like`'s dtype."""
    return g.astype(like.dtype)


@compiled_once
def cast_as_float64(g, like):
    """A new array: `g` in float64, the gradient dtype of an integer `like`."""
    return g.astype(np.float64)


@compiled_once
def empty_shaped(shape, like):
    """An uninitialised array of this shape, in `like`'s dtype."""
    out = np.empty(shape, like.dtype)
    huge_pages(out)
    return out


@compiled_once
def copy_array(x):
    if x.size * x.itemsize < HUGE_PAGE:
        return x.copy()
    out = np.empty(x.shape, x.dtype)  # on huge pages (memory.py)
    huge_pages(out)
    out[...] = x
    return out


@compiled_once
def contiguous(value):
    """`sum_to`'s C-ordered array, compiled once per machine."""
    return np.ascontiguousarray(value)
