"""`np.linspace` and `np.arange` of float ends, and their cotangents.

`np.linspace(start, stop, num)` is `start * (1 - w) + stop * w` with the
weights `w[k] = k / div` (div = num - 1, or num without the endpoint): its
cotangents are the weighted sums of `g` along the new axis
(`linspace_grad`), whose transpose spreads a cotangent back along it
(`linspace_spread`).  `np.arange(start, stop, step)` is `start + k * step`:
`stop` only sets the length, so it has no derivative (`arange_start_grad`,
`arange_step_grad`).  `linspace` replaces NumPy's: Numba has only its
three-argument form.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError

from .axes import normalize_axis_tuple
from .broadcast import sum_to
from .dtypes import is_none_type, is_scalar_type, numba_grad_dtype
from .elementwise import cast_like
from .machinecode import cached_jitable, cached_overload


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`np.linspace`; replaces it, since Numba has only its three-argument form."""
    return np.linspace(start, stop, num, endpoint, retstep, dtype, axis)


@cached_overload(linspace)
def _linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    if not (is_scalar_type(start) and is_scalar_type(stop)):
        raise TypingError("linspace: compiled, start and stop must be scalars "
                          "(arrays work with target='python')")
    if not (_is_false(retstep) and is_none_type(dtype)):
        raise TypingError("linspace: compiled, retstep and dtype take their defaults only")

    def impl(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
        if axis != 0 and axis != -1:
            raise ValueError("axis is out of bounds for linspace of scalars")
        if num < 0:
            raise ValueError("Number of samples must be non-negative")
        div = num - 1 if endpoint else num
        out = np.empty(num, np.float64)
        step = (stop - start) / div if div > 0 else 0.0
        for k in range(num):
            out[k] = start + k * step
        if endpoint and num > 1:
            out[num - 1] = stop
        return out

    return impl


def _is_false(ty) -> bool:
    """Whether a Numba argument type is the constant False (passed or defaulted)."""
    return _literal(ty) is False


def _literal(ty):
    if isinstance(ty, types.Omitted):
        return ty.value
    if isinstance(ty, types.Literal):
        return ty.literal_value
    return ty  # an omitted argument's default, as the typer sees it


def _linspace_weights(start, stop, num, endpoint, axis, at_stop):
    """(the weights of start or stop, shaped to broadcast along the new axis;
    the ends' broadcast shape; the new axis)."""
    shape = np.broadcast_shapes(np.shape(start), np.shape(stop))
    ax = normalize_axis_tuple(axis, len(shape) + 1)[0]
    div = num - 1 if endpoint else num
    w = np.arange(num) / div if div > 0 else np.zeros(num)
    if not at_stop:
        w = 1.0 - w
    return w.reshape((1,) * ax + (num,) + (1,) * (len(shape) - ax)), shape, ax


def linspace_grad(g, start, stop, num, endpoint, axis, at_stop):
    """The cotangent of `np.linspace`'s start (`at_stop` False) or stop,
    shaped like the two broadcast together."""
    w, shape, ax = _linspace_weights(start, stop, num, endpoint, axis, at_stop)
    g = sum_to(g, shape[:ax] + (num,) + shape[ax:])
    return cast_like(np.sum(g * w, axis=ax), stop if at_stop else start)


def linspace_spread(h, start, stop, num, endpoint, axis, at_stop):
    """The transpose of `linspace_grad`: `h` spread along the new axis with
    the weights, shaped like `np.linspace`'s result."""
    w, shape, ax = _linspace_weights(start, stop, num, endpoint, axis, at_stop)
    return cast_like(np.expand_dims(sum_to(h, shape), ax) * w, h)


@cached_jitable
def _weight(k, div, at_stop):
    w = k / div if div > 0 else 0.0
    return w if at_stop else 1.0 - w


@cached_overload(linspace_grad)
def _linspace_grad(g, start, stop, num, endpoint, axis, at_stop):
    if not (is_scalar_type(start) and is_scalar_type(stop)):
        raise TypingError("linspace_grad: compiled, start and stop must be scalars")
    nptype = numba_grad_dtype(stop if _is_true(at_stop) else start).type

    def impl(g, start, stop, num, endpoint, axis, at_stop):
        if axis != 0 and axis != -1:
            raise ValueError("axis is out of bounds for linspace of scalars")
        row = sum_to(g, (num,))
        div = num - 1 if endpoint else num
        total = 0.0
        for k in range(num):
            total += row[k] * _weight(k, div, at_stop)
        return nptype(total)

    return impl


@cached_overload(linspace_spread)
def _linspace_spread(h, start, stop, num, endpoint, axis, at_stop):
    if not (is_scalar_type(start) and is_scalar_type(stop)):
        raise TypingError("linspace_spread: compiled, start and stop must be scalars")
    dtype = numba_grad_dtype(h)

    def impl(h, start, stop, num, endpoint, axis, at_stop):
        total = sum_to(h, ())
        div = num - 1 if endpoint else num
        out = np.empty(num, dtype)
        for k in range(num):
            out[k] = total * _weight(k, div, at_stop)
        return out

    return impl


def _is_true(ty) -> bool:
    return _literal(ty) is True


def arange_start_grad(g, start, stop):
    """The cotangent of `np.arange`'s `start`: the sum of `g`; zero for
    `np.arange(stop)`, whose one argument binds to `start`."""
    if stop is None:
        return cast_like(0.0, start)
    return cast_like(np.sum(g), start)


@cached_overload(arange_start_grad)
def _arange_start_grad(g, start, stop):
    nptype = numba_grad_dtype(start).type
    if is_none_type(stop):
        return lambda g, start, stop: nptype(0)
    return lambda g, start, stop: nptype(np.sum(g))


def arange_step_grad(row, step):
    """The cotangent of `np.arange`'s `step`, from the cotangent `row` of its
    result: the sum of `row[k] * k` (0.0 where no step was given)."""
    if step is None:
        return 0.0
    return cast_like(np.sum(row * np.arange(np.size(row))), step)


@cached_overload(arange_step_grad)
def _arange_step_grad(row, step):
    if is_none_type(step):
        return lambda row, step: 0.0
    nptype = numba_grad_dtype(step).type

    def impl(row, step):
        total = 0.0
        for k in range(row.size):
            total += row[k] * k
        return nptype(total)

    return impl
