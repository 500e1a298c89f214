"""Creating cotangents: the seed of the reverse sweep and the first cotangent
of each variable.

- `zeros_like(x)`: a zero cotangent for `x` (a scalar zero, or zeros of its
  shape) in `x`'s gradient dtype;
- `seed(grad_y, y)`: the cotangent that starts the sweep at an output, ones
  or the user's `grad_ys` entry, checked against `y`'s shape;
- `new_cotangent(g, like)`, `take_cotangent(g, like)`: a variable's first
  cotangent, `g` summed to `like`'s shape, as a value the adjoint owns and
  may update in place.

Each returns a fresh value in the gradient dtype of its variable.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.np.numpy_support import as_dtype

from .arrays import cast_as, cast_as_float64, full_as, ones_as, zeros_as
from .broadcast import reduce_into, unbroadcast
from .dtypes import grad_dtype, is_scalar_type, numba_grad_dtype, own_float_dtype
from .lists import list_zeros
from .machinecode import cached_jitable, cached_overload
from .tangents import basis_like

_SEED_MISMATCH = "grad_ys does not match the shape of the function's output"


# --- zeros_like -------------------------------------------------------------


def zeros_like(x):
    """Zero cotangent for `x`: an array shaped like it, or a scalar zero."""
    if isinstance(x, list):  # a list grown in a loop (runtime/lists.py)
        return list_zeros(x)
    dtype = grad_dtype(x)
    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        return dtype.type(0)
    return np.zeros(np.shape(x), dtype)


@cached_overload(zeros_like)
def _zeros_like(x):
    if isinstance(x, types.List):  # a list grown in a loop: zeros of its stacked shape
        return lambda x: list_zeros(x)
    dtype = numba_grad_dtype(x)
    if own_float_dtype(x):
        return lambda x: zeros_as(x)
    if isinstance(x, types.Array):
        return lambda x: np.zeros(x.shape, dtype)
    if is_scalar_type(x):
        zero = dtype.type(0)
        return lambda x: zero
    raise TypingError(f"zeros_like: unsupported type {x}")


# --- seed -------------------------------------------------------------------


def seed(grad_y, y):
    """The cotangent that starts the reverse sweep at output `y`.

    `grad_y` is the user's `grad_ys` entry, or None for ones.  The result is a
    fresh value the adjoint may update in place.
    """
    dtype = grad_dtype(y)
    scalar = np.ndim(y) == 0 and not isinstance(y, np.ndarray)
    if grad_y is None:
        return dtype.type(1) if scalar else np.ones(np.shape(y), dtype)
    if np.shape(grad_y) != np.shape(y):
        raise ValueError(_SEED_MISMATCH)
    if scalar:
        return dtype.type(grad_y)
    return np.array(grad_y, dtype=dtype)


def seed_row(row, y):
    """The cotangent that starts the reverse sweep for row `row` of the
    Jacobian of the output `y` (`adjoint/lanes.py`): the basis vector shaped
    like `y` with a one at the flat index `row` (`basis_like`), zeros where
    `row` is past `y`'s size (the lanes past the last row)."""
    return basis_like(y, row) if 0 <= row < np.size(y) else zeros_like(y)


@cached_overload(seed_row)
def _seed_row(row, y):
    if isinstance(y, types.Array):
        return lambda row, y: basis_like(y, row) if 0 <= row < y.size else zeros_like(y)
    if is_scalar_type(y):
        return lambda row, y: basis_like(y, row) if row == 0 else zeros_like(y)
    raise TypingError(f"seed_row: unsupported output type {y}")


def seed_entry(row, k, y):
    """Element `k` of `seed_row(row, y)` for a vector `y`: a one in `y`'s
    gradient dtype where `k` is the row, else a zero (the seed of a vector
    kept as numbers, `frontend/small_arrays.py`, read without making it)."""
    dtype = grad_dtype(y)
    return dtype.type(1 if row == k else 0)


@cached_overload(seed_entry)
def _seed_entry(row, k, y):
    dtype = numba_grad_dtype(y)
    one, zero = dtype.type(1), dtype.type(0)
    return lambda row, k, y: one if row == k else zero


@cached_jitable
def _reachable_raise():
    """True, in a way Numba's typing cannot see: a `raise` behind it leaves the
    `return` after it reachable, so the seed keeps its type (after a bare
    `raise` the function returns None, and the adjoint fails to compile where
    it uses the seed, instead of raising the mismatch)."""
    return True


@cached_overload(seed)
def _seed(grad_y, y):
    dtype = numba_grad_dtype(y)
    none = isinstance(grad_y, (types.NoneType, types.Omitted)) or grad_y is None
    if isinstance(y, types.Array):
        if none:
            if own_float_dtype(y):
                return lambda grad_y, y: ones_as(y)
            return lambda grad_y, y: np.ones(y.shape, dtype)
        if isinstance(grad_y, types.Array) and grad_y.ndim == y.ndim:
            cast = cast_as if own_float_dtype(y) else cast_as_float64

            def impl(grad_y, y):
                if grad_y.shape != y.shape:
                    raise ValueError(_SEED_MISMATCH)
                return cast(grad_y, y)

            return impl

        def mismatch(grad_y, y):
            if _reachable_raise():
                raise ValueError(_SEED_MISMATCH)
            return np.ones(y.shape, dtype)

        return mismatch
    if is_scalar_type(y):
        one = dtype.type(1)
        if none:
            return lambda grad_y, y: one
        if is_scalar_type(grad_y):
            return lambda grad_y, y: dtype.type(grad_y)

        def mismatch_scalar(grad_y, y):
            if _reachable_raise():
                raise ValueError(_SEED_MISMATCH)
            return one

        return mismatch_scalar
    raise TypingError(f"seed: unsupported output type {y}")


# --- unbroadcast --------------------------------------------------------------


# --- the first cotangent of a variable ---------------------------------------


def new_cotangent(g, like):
    """A variable's first cotangent: `g` summed (or broadcast) to the shape
    of `like`, as a new value of `like`'s gradient dtype that the adjoint may
    then update in place.  The same as `zeros_like(like)` followed by
    `+= unbroadcast(g, ...)`, without the zeros: a pass over an array fewer,
    and for a scalar no addition to zero (a dependency chain in a loop that
    LLVM may not remove: -0.0 + 0.0 is not -0.0).  A list grown in a loop
    (`runtime/lists.py`) has the cotangent of its elements stacked."""
    if isinstance(like, list):
        like = list_zeros(like)
    dtype = grad_dtype(like)
    if np.ndim(like) == 0 and not isinstance(like, np.ndarray):
        return dtype.type(unbroadcast(g, like))
    out = np.zeros(np.shape(like), dtype)
    out += unbroadcast(g, out)
    return out


def take_cotangent(g, like):
    """`new_cotangent` of a `g` that is fresh (the result of arithmetic,
    referred to nowhere else): compiled, an array `g` that already has
    `like`'s shape and gradient dtype becomes the cotangent itself."""
    return new_cotangent(g, like)


def _new_cotangent_impl(g, like):
    """Numba implementation of `new_cotangent(g, like)` for these types."""
    if isinstance(like, types.List):  # a list grown in a loop: its elements stacked
        return lambda g, like: new_cotangent(g, list_zeros(like))
    dtype = numba_grad_dtype(like)
    if is_scalar_type(like):
        cast = dtype.type
        if isinstance(g, types.Array):
            return lambda g, like: cast(g.sum())
        return lambda g, like: cast(g)
    if not isinstance(like, types.Array):
        raise TypingError(f"new_cotangent: unsupported type {like}")
    if not own_float_dtype(like):  # an integer array: its gradient is float64
        return _new_float_cotangent(g, like, dtype)
    if is_scalar_type(g):
        return lambda g, like: full_as(like, g)
    if g.ndim == like.ndim:

        def same_rank(g, like):
            if g.shape == like.shape:
                return cast_as(g, like)
            return reduce_into(zeros_as(like), g)

        return same_rank
    return lambda g, like: reduce_into(zeros_as(like), g)


def _new_float_cotangent(g, like, dtype):
    """`_new_cotangent_impl` for an integer array `like`, whose gradient
    `dtype` (float64) is not its own."""
    if is_scalar_type(g):
        return lambda g, like: np.full(like.shape, g, dtype)
    if g.ndim == like.ndim:

        def same_rank(g, like):
            if g.shape == like.shape:
                return g.astype(dtype)
            return reduce_into(np.zeros(like.shape, dtype), g)

        return same_rank
    return lambda g, like: reduce_into(np.zeros(like.shape, dtype), g)


@cached_overload(new_cotangent)
def _new_cotangent(g, like):
    return _new_cotangent_impl(g, like)


@cached_overload(take_cotangent)
def _take_cotangent(g, like):
    if (isinstance(g, types.Array) and isinstance(like, types.Array) and g.ndim == like.ndim
            and g.layout == "C" and g.mutable and g.aligned
            and as_dtype(g.dtype) == numba_grad_dtype(like)):
        # of the type a new cotangent would have: `unbroadcast` returns `g` where it fits
        return lambda g, like: unbroadcast(g, like)
    return _new_cotangent_impl(g, like)
