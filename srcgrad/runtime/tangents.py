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


def basis_like(x, j):
    """The j-th basis vector shaped like `x`, in its gradient dtype (1.0 for a number)."""
    dtype = grad_dtype(x)
    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        return dtype.type(1.0)
    out = np.zeros(np.shape(x), dtype)
    out.flat[j] = 1.0
    return out


@cached_overload(basis_like)
def _basis_like(x, j):
    dtype = numba_grad_dtype(x)
    if isinstance(x, types.Array):
        def impl(x, j):
            out = np.zeros(x.shape, dtype)
            out.reshape(-1)[j] = 1.0
            return out

        return impl
    if is_scalar_type(x):
        nptype = dtype.type
        return lambda x, j: nptype(1.0)
    raise TypingError(f"basis_like: unsupported type {x}")


def jacobian_shaped(matrix, y, x):
    """The Jacobian of y with respect to x from its matrix (rows: y's elements,
    columns: x's), shaped `shape(y) + shape(x)`; a number where both are numbers."""
    if np.ndim(y) == 0 and np.ndim(x) == 0:
        return matrix.reshape(-1)[0]
    return np.reshape(matrix, np.shape(y) + np.shape(x))


@cached_overload(jacobian_shaped)
def _jacobian_shaped(matrix, y, x):
    if not isinstance(matrix, types.Array):
        raise TypingError(f"jacobian_shaped: unsupported type {matrix}")
    if is_scalar_type(y) and is_scalar_type(x):
        return lambda matrix, y, x: matrix.reshape(-1)[0]
    return lambda matrix, y, x: np.ascontiguousarray(matrix).reshape(np.shape(y) + np.shape(x))
