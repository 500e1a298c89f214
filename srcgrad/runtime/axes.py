"""The `axis` and `keepdims` arguments of reductions and shape operations.

`axis_mask(ndim, axis)` names the axes as a boolean array, in Python and in
compiled code (it refuses repeated and out-of-range axes as NumPy does);
`axis_count` and `static_bool` read a Numba-typed `axis` or flag at compile
time, for the implementations that must know the rank of their result.
"""

from __future__ import annotations

import numpy as np
from numba import literal_unroll, types
from numba.core.errors import TypingError

from .dtypes import is_none_type
from .machinecode import cached_jitable, cached_overload

try:
    from numpy.lib.array_utils import normalize_axis_tuple
except ImportError:  # NumPy < 2
    from numpy.core.numeric import normalize_axis_tuple


def axis_mask(ndim: int, axis) -> np.ndarray:
    """Which of `ndim` axes `axis` names (None: all of them; negative
    entries count from the end), as a boolean array."""
    mask = np.zeros(ndim, np.bool_)
    axes = range(ndim) if axis is None else normalize_axis_tuple(axis, ndim)
    mask[list(axes)] = True
    return mask


@cached_jitable
def _mark_axis(mask, k):
    ndim = mask.size
    if not -ndim <= k < ndim:
        raise ValueError("axis is out of bounds for the array")
    if mask[k % ndim]:
        raise ValueError("repeated axis")
    mask[k % ndim] = True


@cached_overload(axis_mask)
def _axis_mask(ndim, axis):
    if is_none_type(axis):
        return lambda ndim, axis: np.ones(ndim, np.bool_)
    if isinstance(axis, types.Integer):

        def single(ndim, axis):
            mask = np.zeros(ndim, np.bool_)
            _mark_axis(mask, axis)
            return mask

        return single
    if isinstance(axis, types.BaseTuple) and all(isinstance(t, types.Integer) for t in axis):

        def several(ndim, axis):
            mask = np.zeros(ndim, np.bool_)
            for k in literal_unroll(axis):
                _mark_axis(mask, k)
            return mask

        return several
    raise TypingError(f"axis must be None, an int or a tuple of ints, not {axis}")


def axis_count(axis, ndim: int) -> int:
    """How many axes a Numba-typed `axis` names (None: all `ndim`), known at
    compile time."""
    if is_none_type(axis):
        return ndim
    if isinstance(axis, types.Integer):
        return 1
    if isinstance(axis, types.BaseTuple):
        return len(axis)
    raise TypingError(f"axis must be None, an int or a tuple of ints, not {axis}")


def static_bool(value, name: str) -> bool | None:
    """The compile-time value of a Numba-typed flag (`keepdims`), or None
    when it is a run-time bool (the caller then asks for `numba.literally`)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, types.Omitted):
        return bool(value.value)
    if isinstance(value, types.BooleanLiteral):
        return value.literal_value
    if isinstance(value, types.Boolean):
        return None
    raise TypingError(f"{name} must be True or False, not {value}")
