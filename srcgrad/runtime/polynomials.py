"""`np.polyval(p, x)` of a 1-D coefficient array, in Python and compiled,
and its cotangents.

- `polyval(p, x)`: Horner's rule; replaces `np.polyval` (Numba has none);
- `poly_derivative(p)`: the coefficients of the derivative (`np.polyder`,
  one fewer), and `poly_derivative_grad(dc, p)`, its transpose;
- `polyval_p_grad(dy, p, x)`: the cotangent of `p`, `sum(dy x^(N-1-k))`
  for coefficient k (`dy` summed to `x`'s shape first).

`polyval` is linear in `p`, so the cotangent of `polyval_p_grad`'s `dy`
is `polyval` again and that of its `x` uses `poly_derivative`: the rules
of these helpers make `polyval` differentiable to any order in both
operands.  Refused: `p` that is not a 1-D array (a `poly1d`, a list).
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError

from ..errors import NoAdjointError
from .broadcast import sum_to
from .dtypes import is_scalar_type, numba_dtype, numba_grad_dtype
from .guards import NO_ADJOINT
from .machinecode import cached_overload

_COEFFICIENTS = (NO_ADJOINT + "np.polyval with coefficients p that are not a 1-D array: srcgrad "
                 "differentiates it of a 1-D array p")


def _check(p):
    if not isinstance(p, np.ndarray) or p.ndim != 1:
        raise NoAdjointError(_COEFFICIENTS)


def polyval(p, x):
    """`np.polyval(p, x)` of a 1-D array `p`."""
    _check(p)
    return np.polyval(p, x)


def poly_derivative(p):
    """The coefficients of the derivative of the polynomial `p`."""
    _check(p)
    n = p.size
    return p[:-1] * np.arange(n - 1, 0, -1).astype(p.dtype) if n > 1 else p[:0].copy()


def poly_derivative_grad(dc, p):
    """The cotangent of `p` in `poly_derivative(p)`."""
    n = np.size(p)
    out = np.zeros(n, np.result_type(dc, p))
    out[:-1] = np.asarray(sum_to(dc, (max(n - 1, 0),))) * np.arange(n - 1, 0, -1)
    return out


def polyval_p_grad(dy, p, x):
    """The cotangent of `p` in `np.polyval(p, x)`."""
    _check(p)
    dy = sum_to(dy, np.shape(x))
    out = np.zeros(p.size, np.result_type(dy, p, x))
    power = np.ones_like(x, dtype=out.dtype)
    for k in range(p.size - 1, -1, -1):
        out[k] = np.sum(dy * power)
        power = power * x
    return out


def _check_type(p):
    if not (isinstance(p, types.Array) and p.ndim == 1):
        raise TypingError(_COEFFICIENTS)


@cached_overload(polyval)
def _polyval(p, x):
    _check_type(p)
    dtype = np.result_type(numba_dtype(p), numba_grad_dtype(x) if is_scalar_type(x)
                           else numba_dtype(x))
    if is_scalar_type(x):

        def of_scalar(p, x):
            total = dtype.type(0)
            for k in range(p.size):
                total = total * x + p[k]
            return dtype.type(total)

        return of_scalar

    def of_array(p, x):
        total = np.zeros(x.shape, dtype)
        for k in range(p.size):
            total = total * x + p[k]
        return total

    return of_array


@cached_overload(poly_derivative)
def _poly_derivative(p):
    _check_type(p)
    dtype = numba_dtype(p)

    def impl(p):
        n = p.size
        out = np.zeros(max(n - 1, 0), dtype)
        for k in range(n - 1):
            out[k] = p[k] * (n - 1 - k)
        return out

    return impl


@cached_overload(poly_derivative_grad)
def _poly_derivative_grad(dc, p):
    _check_type(p)
    dtype = np.result_type(numba_dtype(dc), numba_dtype(p))

    def impl(dc, p):
        n = p.size
        summed = np.asarray(sum_to(dc, (max(n - 1, 0),)))
        out = np.zeros(n, dtype)
        for k in range(n - 1):
            out[k] = summed[k] * (n - 1 - k)
        return out

    return impl


@cached_overload(polyval_p_grad)
def _polyval_p_grad(dy, p, x):
    _check_type(p)
    dtype = np.result_type(numba_dtype(dy), numba_dtype(p), numba_grad_dtype(x))
    if is_scalar_type(x):

        def of_scalar(dy, p, x):
            total = np.sum(np.asarray(dy))
            out = np.zeros(p.size, dtype)
            power = 1.0
            for k in range(p.size - 1, -1, -1):
                out[k] = total * power
                power = power * x
            return out

        return of_scalar

    def of_array(dy, p, x):
        summed = sum_to(dy, x.shape)
        out = np.zeros(p.size, dtype)
        power = np.ones(x.shape, dtype)
        for k in range(p.size - 1, -1, -1):
            out[k] = np.sum(summed * power)
            power = power * x
        return out

    return of_array
