"""Guards against memory that srcgrad does not follow.

- `copy_value(x)`: a saved array is copied (a view would change under later
  writes); a scalar is itself;
- `refuse_inplace_alias(x, message)`, `refuse_shared(x, y, message)`: raise
  `InPlaceAliasError` (a `message` that starts with the user's `file:line`)
  where an in-place update would change another name's value.
"""

from __future__ import annotations

from typing import TypeVar

import numba
import numpy as np
from numba import types

from ..errors import UnsupportedSyntaxError
from .arrays import copy_array
from .machinecode import cached_jitable, cached_overload

# Leads the message of a helper that refuses its arguments when it runs (or
# when Numba types it): the gradient function reports it as a NoAdjointError
# at the user's line.
NO_ADJOINT = "no adjoint rule for "

T = TypeVar("T")


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
        return lambda x: copy_array(x)
    return lambda x: x


def stop_gradient(x: T) -> T:
    """Return `x` unchanged; srcgrad propagates no gradient through it.

    Generated code keeps the call (`t = stop_gradient(a)`), so that a gradient
    differentiated again still sees where the user cut the gradient off."""
    return x


@cached_overload(stop_gradient)
def _stop_gradient(x):
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
