"""Helpers that several rule families call inside their cotangent expressions.

Each helper is a plain NumPy function (what the rule-table tests and
`target="python"` run) with a Numba twin registered by `overload` that
returns the same values, for scalars and arrays alike, with one return type
per argument types.  A helper that a cotangent depends on differentiably has
an adjoint rule of its own here, so that a gradient can be differentiated
again; a piecewise-constant one is declared non-differentiable.

Dtypes follow NumPy 2 with its "weak" Python scalars: a scalar operand never
widens an array's floating dtype (`select(c, float32_array, 0)` is float32).
Under Numba a scalar cannot be told from a Python number, so every scalar
operand is weak there.
"""

from __future__ import annotations

import numpy as np
from numba import literal_unroll, types
from numba.core.errors import TypingError
from numba.np.numpy_support import as_dtype

from ..runtime.core import (
    _full_of_shape,
    _is_scalar,
    _numba_grad_dtype,
    _summed_to_shape,
    copy_value,
    grad_dtype,
    last_writes,
    new_cotangent,
    pop_shape,
    push_shape,
    seed,
    shape_of,
    store_last,
    take_cotangent,
    unbroadcast,
    zeros_like,
)
from ..runtime.machinecode import cached_jitable, cached_overload, compiled_once
from .registry import adjoint, nondifferentiable, replace

try:
    from numpy.lib.array_utils import normalize_axis_tuple
except ImportError:  # NumPy < 2
    from numpy.core.numeric import normalize_axis_tuple

__all__ = ["cast_like", "cast_grad", "cast_grad_as", "select", "greater_share", "safe_reciprocal",
           "sum_to", "axis_mask"]


# --- typing utilities shared by the rule modules --------------------------------


def scalar_if_scalars(result, *inputs):
    """`result` as a scalar when no input is an array (NumPy hands back 0-d
    arrays from `np.where` and friends where Numba's twins return scalars)."""
    if isinstance(result, np.ndarray) and result.ndim == 0:
        if not any(isinstance(v, np.ndarray) for v in inputs):
            return result[()]
    return result


def is_none_type(ty) -> bool:
    """Whether a Numba argument type stands for `None` (passed or defaulted)."""
    if ty is None or isinstance(ty, types.NoneType):
        return True
    return isinstance(ty, types.Omitted) and ty.value is None


def numba_dtype(ty) -> np.dtype:
    """The NumPy dtype of a Numba scalar or array type."""
    return as_dtype(ty.dtype if isinstance(ty, types.Array) else ty)


_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
_PYTHON_SCALAR = {"b": False, "u": 0, "i": 0, "f": 0.0, "c": 0j}


def weak_result_dtype(*tys) -> np.dtype:
    """NumPy 2's result dtype of operands of Numba types `tys`, with scalars
    weak as Python numbers are: a scalar of a lower or equal kind takes the
    arrays' dtype.  Among scalars only, those of the highest kind are strong."""
    dtypes = [numba_dtype(t) for t in tys]
    strong = [isinstance(t, types.Array) for t in tys]
    if not any(strong):
        top = max(_KIND_RANK[d.kind] for d in dtypes)
        strong = [_KIND_RANK[d.kind] == top for d in dtypes]
    return np.result_type(
        *(np.empty(0, d) if s else _PYTHON_SCALAR[d.kind] for d, s in zip(dtypes, strong))
    )


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
    dtype = _numba_grad_dtype(like)
    nptype = dtype.type
    if isinstance(value, types.Array):
        if as_dtype(value.dtype) == dtype:
            return lambda value, like: value
        return lambda value, like: value.astype(dtype)
    if _is_scalar(value):
        return lambda value, like: nptype(value)
    raise TypingError(f"cast_like: unsupported value type {value}")


@adjoint(cast_like, elementwise=True)
def cast_like_adjoint(g, ans, value, like):
    return cast_like(g, value), None


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
    out = _numba_grad_dtype(like)
    if isinstance(g, types.Array):
        return lambda g, like, dtype: np.zeros(g.shape, out)
    nptype = out.type
    return lambda g, like, dtype: nptype(0)


@adjoint(cast_grad, elementwise=True)
def cast_grad_adjoint(g, ans, h, like, dtype):
    return cast_grad(g, h, dtype), None, None


def cast_grad_as(g, like, template):
    """`cast_grad` to the dtype of `template` (`np.full_like(a, v)` has `a`'s
    dtype: an integer `a` makes it constant)."""
    return cast_grad(g, like, np.result_type(template))


@cached_overload(cast_grad_as)
def _cast_grad_as(g, like, template):
    if numba_dtype(template).kind in "fc":
        return lambda g, like, template: cast_grad(g, like, None)
    return lambda g, like, template: cast_grad(g, like, np.int64)  # any integer type


@adjoint(cast_grad_as, elementwise=True)
def cast_grad_as_adjoint(g, ans, h, like, template):
    return cast_grad_as(g, h, template), None, None


# --- select: np.where that keeps scalars scalar -----------------------------------


def select(condition, x, y):
    """`np.where(condition, x, y)`, a scalar when all three are scalars.

    It replaces `np.where` in generated code: Numba's `np.where` returns a
    0-d array for a scalar condition, and widens float32 against a scalar."""
    return scalar_if_scalars(np.where(condition, x, y), condition, x, y)


@cached_overload(select)
def _select(condition, x, y):
    dtype = weak_result_dtype(x, y)
    if _is_scalar(condition) and _is_scalar(x) and _is_scalar(y):
        nptype = dtype.type
        return lambda condition, x, y: nptype(x) if condition else nptype(y)
    if not all(isinstance(v, types.Array) or _is_scalar(v) for v in (condition, x, y)):
        raise TypingError(f"select: unsupported types {condition}, {x}, {y}")
    if np.result_type(numba_dtype(x), numba_dtype(y)) == dtype:
        return lambda condition, x, y: np.where(condition, x, y)
    return lambda condition, x, y: np.where(condition, x, y).astype(dtype)


@adjoint(select, np.where, elementwise=True)
def select_adjoint(g, ans, condition, x, y):
    return None, unbroadcast(select(condition, g, 0), x), unbroadcast(select(condition, 0, g), y)


replace(np.where, select)


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
    if _is_scalar(x) and _is_scalar(y):
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
    nptype = (_numba_grad_dtype(x)).type
    one, zero = nptype(1), nptype(0)
    if _is_scalar(x):
        return lambda x: zero if x == 0 else one / x
    if isinstance(x, types.Array):
        return lambda x: np.where(x == 0, zero, one / x)
    raise TypingError(f"safe_reciprocal: unsupported type {x}")


@adjoint(safe_reciprocal, elementwise=True)
def safe_reciprocal_adjoint(g, ans, x):
    return -g * ans * ans


nondifferentiable(greater_share)


# --- axes of reductions and shape operations -----------------------------------------


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
    if _is_scalar(value):
        return lambda value, shape: _full_of_shape(shape, value)
    if value.ndim == rank:

        def same_rank(value, shape):
            if value.shape == shape:
                return _contiguous(value)
            return _summed_to_shape(value, shape)

        return same_rank
    return lambda value, shape: _summed_to_shape(value, shape)


@compiled_once
def _contiguous(value):
    """`sum_to`'s C-ordered array, compiled once per machine."""
    return np.ascontiguousarray(value)


@adjoint(sum_to)
def sum_to_adjoint(g, ans, value, shape):
    return sum_to(sum_to(g, shape), shape_of(value)), None


# --- the runtime's helpers, which generated adjoints contain ------------------------------------


@adjoint(unbroadcast, new_cotangent, take_cotangent)
def unbroadcast_adjoint(g, ans, value, like):
    return sum_to(unbroadcast(g, like), shape_of(value)), None


@adjoint(copy_value, elementwise=True)
def copy_value_adjoint(g, ans, x):
    return g


@adjoint(seed)
def seed_adjoint(g, ans, grad_y, y):
    return unbroadcast(g, grad_y), None


@adjoint(last_writes)
def last_writes_adjoint(g, ans, b, index):
    return store_last(unbroadcast(g, ans), index, b), None


@adjoint(store_last)
def store_last_adjoint(g, ans, values, index, like):
    return unbroadcast(last_writes(unbroadcast(g, like), index), values), None, None


nondifferentiable(zeros_like, push_shape, pop_shape, grad_dtype)
