"""Adjoint rules of `np.polyval(p, x)` (`p` a 1-D array, `x` a scalar or an
array), differentiable in both operands to any order.

The cotangent of `x` is `g` times the derivative polynomial at `x`
(`polyval(poly_derivative(p), x)`); that of `p` is `polyval_p_grad`, the
powers of `x` read by `g`.  Since `polyval` is linear in `p`, the rules of
the helpers are written with `polyval`, `poly_derivative` and their
transposes (see `srcgrad.runtime.polynomials`).  Generated code calls
`polyval` (Numba has no `np.polyval`).  Their tangents are these maps again.
"""

from __future__ import annotations

import numpy as np

from ..runtime import (
    poly_derivative,
    poly_derivative_grad,
    polyval,
    polyval_p_grad,
    shape_of,
    sum_to,
    unbroadcast,
)
from .registry import adjoint, replace
from .tangents import linear, tangent


@adjoint(np.polyval, polyval)
def polyval_adjoint(g, ans, p, x):
    return polyval_p_grad(g, p, x), unbroadcast(g * polyval(poly_derivative(p), x), x)


@tangent(np.polyval, polyval)
def polyval_tangent(ans, p, x, dp, dx):
    return polyval(dp, x), dx * polyval(poly_derivative(p), x)


@adjoint(poly_derivative)
def poly_derivative_adjoint(g, ans, p):
    return poly_derivative_grad(g, p)
linear(poly_derivative, params=("p",))


@adjoint(poly_derivative_grad)
def poly_derivative_grad_adjoint(g, ans, dc, p):
    return sum_to(poly_derivative(unbroadcast(g, p)), shape_of(dc)), None
linear(poly_derivative_grad, params=("dc",))


@adjoint(polyval_p_grad)
def polyval_p_grad_adjoint(g, ans, dy, p, x):
    return (sum_to(polyval(unbroadcast(g, p), x), shape_of(dy)), None,
            unbroadcast(sum_to(dy, shape_of(x)) * polyval(poly_derivative(unbroadcast(g, p)), x),
                        x))


@tangent(polyval_p_grad)
def polyval_p_grad_tangent(ans, dy, p, x, ddy, dx):
    # coefficient k holds sum(dy x^(N-1-k)): x moves it by (N-1-k) sum(dy dx x^(N-2-k)), the
    # powers of the derivative's coefficients (poly_derivative) scaled back (its transpose)
    return (polyval_p_grad(ddy, p, x),
            poly_derivative_grad(polyval_p_grad(dy * dx, poly_derivative(p), x), p))


replace(np.polyval, polyval)
