"""Elementwise helpers and the replacements of elementwise functions.

- `cast_like`, `cast_grad`, `cast_grad_as`: a value in the cotangent dtype
  of another (conversions, and the constants in rules);
- `select`: `np.where` that keeps scalars scalar (replaces `np.where`);
- `greater_share`: the share of a maximum's cotangent that flows to each
  operand (ties split evenly);
- `safe_reciprocal`: `1 / x`, 0 at 0 (a norm's cotangent at the origin);
- replacements Numba needs: `absolute` (builtin `abs` of an array),
  `log_base` (`math.log(x, base)`), `float32`/`float64` (of an array), `clip`.

Each returns the same values in Python and compiled, for scalars and arrays
alike, and keeps a float32 operand float32 (weak Python scalars).
"""

from __future__ import annotations

import math

import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.np.numpy_support import as_dtype

from .dtypes import (
    grad_dtype,
    is_none_type,
    is_scalar_type,
    numba_dtype,
    numba_grad_dtype,
    scalar_if_scalars,
    weak_result_dtype,
)
from .machinecode import cached_overload

# --- cast_like ------------------------------------------------------------------


def cast_like(value, like):
    """`value` (a scalar or an array, whose shape it keeps) in the cotangent
    dtype of `like`: the dtype of `like` if floating, else float64."""
    dtype = grad_dtype(like)
    if isinstance(value, np.ndarray):
        return value.astype(dtype, copy=False)
    return dtype.type(value)


@cached_overload(cast_like)
def _cast_like(value, like):
    dtype = numba_grad_dtype(like)
    nptype = dtype.type
    if isinstance(value, types.Array):
        if as_dtype(value.dtype) == dtype:
            return lambda value, like: value
        return lambda value, like: value.astype(dtype)
    if is_scalar_type(value):
        return lambda value, like: nptype(value)
    raise TypingError(f"cast_like: unsupported value type {value}")


def cast_grad(g, like, dtype):
    """The cotangent of a conversion of `like` to `dtype`: `g` in `like`'s
    cotangent dtype when `dtype` is None or inexact, else zeros (a conversion
    to an integer or bool dtype is piecewise constant).  The lowering marks
    such conversions constant where it knows `dtype`; this decides where
    only the running code knows it (`x.astype(y.dtype)`)."""
    if dtype is None or np.dtype(dtype).kind in "fc":
        return cast_like(g, like)
    if isinstance(g, np.ndarray):
        return np.zeros(g.shape, grad_dtype(like))
    return grad_dtype(like).type(0)


@cached_overload(cast_grad)
def _cast_grad(g, like, dtype):
    if is_none_type(dtype):
        return lambda g, like, dtype: cast_like(g, like)
    if not isinstance(dtype, types.DTypeSpec):
        raise TypingError(f"cast_grad: unsupported dtype {dtype}")
    if isinstance(dtype.dtype, (types.Float, types.Complex)):
        return lambda g, like, dtype: cast_like(g, like)
    out = numba_grad_dtype(like)
    if isinstance(g, types.Array):
        return lambda g, like, dtype: np.zeros(g.shape, out)
    nptype = out.type
    return lambda g, like, dtype: nptype(0)


def cast_grad_as(g, like, template):
    """`cast_grad` to the dtype of `template` (`np.full_like(a, v)` has `a`'s
    dtype: an integer `a` makes it constant)."""
    return cast_grad(g, like, np.result_type(template))


@cached_overload(cast_grad_as)
def _cast_grad_as(g, like, template):
    if numba_dtype(template).kind in "fc":
        return lambda g, like, template: cast_grad(g, like, None)
    return lambda g, like, template: cast_grad(g, like, np.int64)  # any integer type


# --- select: np.where that keeps scalars scalar -----------------------------------


def select(condition, x, y):
    """`np.where(condition, x, y)`, a scalar when all three are scalars.

    It replaces `np.where` in generated code: Numba's `np.where` returns a
    0-d array for a scalar condition, and widens float32 against a scalar."""
    return scalar_if_scalars(np.where(condition, x, y), condition, x, y)


@cached_overload(select)
def _select(condition, x, y):
    dtype = weak_result_dtype(x, y)
    if is_scalar_type(condition) and is_scalar_type(x) and is_scalar_type(y):
        nptype = dtype.type
        return lambda condition, x, y: nptype(x) if condition else nptype(y)
    if not all(isinstance(v, types.Array) or is_scalar_type(v) for v in (condition, x, y)):
        raise TypingError(f"select: unsupported types {condition}, {x}, {y}")
    if np.result_type(numba_dtype(x), numba_dtype(y)) == dtype:
        return lambda condition, x, y: np.where(condition, x, y)
    return lambda condition, x, y: np.where(condition, x, y).astype(dtype)


# --- greater_share: how a maximum's cotangent is split ------------------------------


def greater_share(x, y):
    """1 where `x > y`, 1/2 where `x == y`, 0 where `x < y`: the share of
    `maximum(x, y)`'s cotangent that flows to `x` (JAX splits ties evenly),
    in the broadcast shape and the cotangent dtype of `x` and `y` together.
    A `None` operand (an absent clip bound) loses to everything: the share
    is 1."""
    if x is None or y is None:
        return cast_like(1, y if x is None else x)
    dtype = grad_dtype(np.result_type(x, y))
    half = np.where(np.equal(x, y), dtype.type(0.5), dtype.type(0))
    return scalar_if_scalars(np.where(np.greater(x, y), dtype.type(1), half), x, y)


@cached_overload(greater_share)
def _greater_share(x, y):
    if is_none_type(x):
        return lambda x, y: cast_like(1, y)
    if is_none_type(y):
        return lambda x, y: cast_like(1, x)
    dtype = weak_result_dtype(x, y)
    nptype = (dtype if dtype.kind == "f" else np.dtype(np.float64)).type
    one, half, zero = nptype(1), nptype(0.5), nptype(0)
    if is_scalar_type(x) and is_scalar_type(y):
        return lambda x, y: one if x > y else (half if x == y else zero)
    return lambda x, y: np.where(x > y, one, np.where(x == y, half, zero))


# --- safe_reciprocal ----------------------------------------------------------------


def safe_reciprocal(x):
    """`1 / x`, and 0 where `x == 0`, in `x`'s cotangent dtype: the factor
    that gives a norm or `hypot` a zero cotangent at the origin."""
    array = np.asarray(x)
    out = np.zeros(array.shape, grad_dtype(x))
    np.divide(1, array, out=out, where=array != 0)
    return scalar_if_scalars(out, x)


@cached_overload(safe_reciprocal)
def _safe_reciprocal(x):
    nptype = (numba_grad_dtype(x)).type
    one, zero = nptype(1), nptype(0)
    if is_scalar_type(x):
        return lambda x: zero if x == 0 else one / x
    if isinstance(x, types.Array):
        return lambda x: np.where(x == 0, zero, one / x)
    raise TypingError(f"safe_reciprocal: unsupported type {x}")


def log_base(x, base=math.e):
    """`math.log(x, base)`; replaces it, since Numba has no two-argument form."""
    return math.log(x, base)


@cached_overload(log_base)
def _log_base(x, base=math.e):
    if base is math.e or isinstance(base, types.Omitted):
        return lambda x, base=math.e: math.log(x)
    return lambda x, base=math.e: math.log(x) / math.log(base)


# --- signs ------------------------------------------------------------------------------


def absolute(x):
    """Builtin `abs`; replaces it, since Numba has no `abs` of an array."""
    return abs(x)


@cached_overload(absolute)
def _absolute(x):
    if isinstance(x, types.Array):
        return lambda x: np.abs(x)
    if isinstance(x, (types.Number, types.Boolean)):
        return lambda x: abs(x)
    raise TypingError(f"absolute: unsupported type {x}")


# --- casts: identities, but the cotangent takes the input's dtype back -------------------


def float32(x):
    """`np.float32(x)`; replaces it, since Numba casts only scalars that way."""
    return np.float32(x)


def float64(x):
    """`np.float64(x)`; replaces it, since Numba casts only scalars that way."""
    return np.float64(x)


def _overload_cast(cast, nptype):
    @cached_overload(cast)
    def _cast(x):
        if isinstance(x, types.Array):
            return lambda x: x.astype(nptype)
        if isinstance(x, (types.Number, types.Boolean)):
            return lambda x: nptype(x)
        raise TypingError(f"{nptype.__name__}: unsupported type {x}")


_overload_cast(float32, np.float32)
_overload_cast(float64, np.float64)


def clip(a, a_min, a_max):
    """`np.clip(a, a_min, a_max)`; replaces it, since Numba has no `np.clip`
    of a scalar and none of operands of different dtypes."""
    return np.clip(a, a_min, a_max)


def _clip_below(v, bound):
    """`maximum(v, bound)`, or `v` where `bound` is None (Numba only)."""


def _clip_above(v, bound):
    """`minimum(v, bound)`, or `v` where `bound` is None (Numba only)."""


def _overload_bound(bound_fn, scalar_op, array_op):
    @cached_overload(bound_fn)
    def _bound(v, bound):
        if is_none_type(bound):
            return lambda v, bound: v
        if is_scalar_type(v) and is_scalar_type(bound):
            return lambda v, bound: scalar_op(v, bound)
        return lambda v, bound: array_op(v, bound)


_overload_bound(_clip_below, max, np.maximum)
_overload_bound(_clip_above, min, np.minimum)


@cached_overload(clip)
def _clip(a, a_min, a_max):
    operands = [t for t in (a, a_min, a_max) if not is_none_type(t)]
    if not all(isinstance(t, types.Array) or is_scalar_type(t) for t in operands):
        raise TypingError(f"clip: unsupported types {a}, {a_min}, {a_max}")
    if all(is_scalar_type(t) for t in operands):
        dtype = numba_dtype(a)
        if dtype.kind != "f":
            dtype = np.result_type(*(numba_dtype(t) for t in operands))
        nptype = dtype.type
        return lambda a, a_min, a_max: nptype(_clip_above(_clip_below(a, a_min), a_max))
    dtype = weak_result_dtype(*operands)
    return lambda a, a_min, a_max: np.asarray(_clip_above(_clip_below(a, a_min), a_max)).astype(
        dtype
    )
