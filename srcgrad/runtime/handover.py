"""What a gradient function's arguments and results become when it is
called from Numba-compiled code (`api/nopython.py`).

A call from Python converts them in Python (`api/calls.py`: `as_differentiable`
before the adjoint runs, `finish` after it, `Structures._seeds` for
`grad_ys`); a call from the user's `@numba.njit` code runs a generated
*caller* instead, which does the same with these functions, chosen by the
Numba types of the values as those conversions choose by their Python types:

- `differentiable(x)`: an integer array that is differentiated, as float64;
- `finish_gradient(g, like)`: the gradient `g` of the argument `like` in
  `like`'s gradient dtype (float32 stays float32, integers and booleans get
  float64; None, for an unconnected input, stays None);
- `seed_entry(grad_ys, k, n)`: entry `k` of `grad_ys` for a function of `n`
  outputs (None, for ones, where `grad_ys` is None);
- `floating(x)`: an array that is not of floats, as float64 (the argument a
  Hessian or a Jacobian is taken with respect to);
- `tangent_like(t, like)`: the vector `v` of `hvp` (or the 1 of a scalar
  Hessian) as a tangent of `like`: its gradient dtype, its shape checked.

Each is a plain Python function too, for the reader and for `target="python"`
tests; the generated caller is always compiled.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.extending import overload

from .dtypes import grad_dtype, is_none_type, is_scalar_type, numba_grad_dtype
from .machinecode import CACHE, cached_overload

__all__ = ["differentiable", "finish_gradient", "floating", "seed_entry", "tangent_like"]


def differentiable(x):
    """`x` as the adjoint reads a differentiated argument: an integer array as
    float64 (Numba has no integer matrix product)."""
    if isinstance(x, np.ndarray) and x.dtype.kind in "iu":
        return x.astype(np.float64)
    return x


def finish_gradient(g, like):
    """The gradient `g` of the argument `like`, in `like`'s gradient dtype."""
    if g is None:
        return None
    dtype = grad_dtype(like)
    if isinstance(like, np.ndarray):
        return np.asarray(g, dtype=dtype)
    return dtype.type(g)


def seed_entry(grad_ys, k: int, n: int):
    """Entry `k` of the `grad_ys` of a function of `n` outputs (None: ones)."""
    return None if grad_ys is None else grad_ys[k]


def floating(x):
    """An array of another dtype than floats, as float64."""
    if isinstance(x, np.ndarray) and x.dtype.kind != "f":
        return x.astype(np.float64)
    return x


_SHAPES_DIFFER = ("a tangent (hvp's v, a tangent given to jvp) has another shape than the "
                  "argument it goes with")


def tangent_like(t, like):
    """`t` as a tangent of `like`: in its gradient dtype, of its shape."""
    dtype = grad_dtype(like)
    if np.shape(t) != np.shape(like):
        raise ValueError(_SHAPES_DIFFER)
    return np.asarray(t, dtype) if isinstance(like, np.ndarray) else dtype.type(t)


@cached_overload(differentiable)
def _differentiable(x):
    if isinstance(x, types.Array) and isinstance(x.dtype, types.Integer):
        return lambda x: x.astype(np.float64)
    return lambda x: x


@cached_overload(finish_gradient)
def _finish_gradient(g, like):
    if is_none_type(g):
        return lambda g, like: None
    dtype = numba_grad_dtype(like)
    if isinstance(like, types.Array):
        if isinstance(g, types.Array) and np.dtype(str(g.dtype)) == dtype:
            return lambda g, like: g  # the common case: the adjoint's own array
        if isinstance(g, types.Array):
            return lambda g, like: g.astype(dtype)
        raise TypingError(f"srcgrad: the gradient of an array came out as {g}")
    if is_scalar_type(like) and is_scalar_type(g):
        scalar = dtype.type
        return lambda g, like: scalar(g)
    raise TypingError(f"srcgrad: cannot give a gradient of type {g} for an argument of type "
                      f"{like}")


# (typed with the literal positions first: an entry of a tuple of several types)
@overload(seed_entry, prefer_literal=True, jit_options=dict(CACHE))
def _seed_entry(grad_ys, k, n):
    if is_none_type(grad_ys):
        return lambda grad_ys, k, n: None
    if not isinstance(k, types.IntegerLiteral) or not isinstance(n, types.IntegerLiteral):
        return None  # (typed again with the literal positions the caller passes)
    outputs = n.literal_value
    if not isinstance(grad_ys, types.BaseTuple) or len(grad_ys) != outputs:
        raise TypingError(f"srcgrad: grad_ys must be a tuple of {outputs} entries, one per "
                          f"output of the function, not {grad_ys}")
    index = k.literal_value
    return lambda grad_ys, k, n: grad_ys[index]


@cached_overload(floating)
def _floating(x):
    if isinstance(x, types.Array) and not isinstance(x.dtype, types.Float):
        return lambda x: x.astype(np.float64)
    return lambda x: x


@cached_overload(tangent_like)
def _tangent_like(t, like):
    dtype = numba_grad_dtype(like)
    if isinstance(like, types.Array):
        if not isinstance(t, types.Array) or t.ndim != like.ndim:
            raise TypingError(f"srcgrad: a tangent (hvp's v, a tangent given to jvp) is {t}, "
                              f"but the argument it goes with is {like}")

        def impl(t, like):
            if t.shape != like.shape:
                raise ValueError(_SHAPES_DIFFER)
            return t.astype(dtype)

        return impl
    if is_scalar_type(like) and is_scalar_type(t):
        scalar = dtype.type
        return lambda t, like: scalar(t)
    raise TypingError(f"srcgrad: a tangent (hvp's v, a tangent given to jvp) is {t}, but the "
                      f"argument it goes with is {like}")
