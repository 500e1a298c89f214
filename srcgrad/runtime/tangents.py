"""Tangents (forward mode) of their primal's type.

- `broadcast_like(t, like)`: a tangent contribution broadcast to the shape
  of `like` (the primal value it is the tangent of) in `like`'s gradient
  dtype, so that a tangent has its primal's type on every path (an operand
  broadcast smaller than the result of `x + c`, `c` a constant array, gives
  `dx` of `x`'s shape).
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError

from .dtypes import grad_dtype, is_scalar_type, numba_grad_dtype
from .machinecode import cached_overload


def broadcast_like(t, like):
    """`t` broadcast to the shape of `like`, in `like`'s gradient dtype."""
    dtype = grad_dtype(like)
    if np.ndim(like) == 0 and not isinstance(like, np.ndarray):
        return dtype.type(t)
    out = np.empty(np.shape(like), dtype)
    out[...] = t
    return out


@cached_overload(broadcast_like)
def _broadcast_like(t, like):
    dtype = numba_grad_dtype(like)
    if isinstance(like, types.Array):
        def impl(t, like):
            out = np.empty(like.shape, dtype)
            out[...] = t
            return out

        return impl
    if is_scalar_type(like) and is_scalar_type(t):
        nptype = dtype.type
        return lambda t, like: nptype(t)
    raise TypingError(f"broadcast_like: unsupported types {t}, {like}")
