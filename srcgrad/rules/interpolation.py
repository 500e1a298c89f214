"""Adjoint rules of `np.interp(x, xp, fp, left, right)`: differentiable in
every argument (`xp` increasing, `fp` real, both 1-D; `period=` is refused
by the rule's signature).

With `j` the interval `[xp[j], xp[j+1])` that holds `x` (a knot starts its
interval), `w` its width, `s = (fp[j+1] - fp[j]) / w` its slope and `t =
(x - xp[j]) / w` the fraction across it, the value inside the knots is
`fp[j] + s (x - xp[j])`, so there

- `x` has `s`;
- `fp[j]` has `1 - t` and `fp[j+1]` has `t`;
- `xp[j]` has `-s (1 - t)` and `xp[j+1]` has `-s t` (moving both ends and
  `x` together changes nothing: the three add up to 0).

Below `xp[0]` the value is `left` (cotangent 1) or, where it is None,
`fp[0]`; above `xp[-1]` it is `right` or `fp[-1]`; at `xp[-1]` it is
`fp[-1]`: constant in `x` and `xp` there.  So at a knot the derivative in
`x` is the slope of the interval to its right (0 at the last knot and
beyond), as NumPy's value at a knot is the start of that interval's line.

The cotangents are written with `knot` (the value of a vector at each
point's left or right knot) and its transpose `knot_grad`, which have
rules of their own, and the constant masks `interp_mask` and
`unless_given` (`srcgrad.runtime.interpolation`): differentiable to any
order, in every argument.  The tangent is the same sum read forwards (`knot`
of the tangents of `xp` and `fp`), and `knot`, `knot_grad` are linear in
`v`, `dy`.  Where the interval's line does not give the value its width
counts as 1 (`w = xp[j+1] - xp[j] + 1 - inside`), so that nothing divides
by the zero width of repeated knots there.  Generated code
calls `interp` (Numba's `np.interp` takes no `left`, `right`).
"""

from __future__ import annotations

import numpy as np

from ..runtime import (
    interp,
    interp_mask,
    knot,
    knot_grad,
    shape_of,
    sum_to,
    unless_given,
)
from .registry import adjoint, nondifferentiable, replace
from .tangents import linear, tangent


@adjoint(np.interp, interp)
def interp_adjoint(g, ans, x, xp, fp, left=None, right=None):
    # G = sum_to(g, shape_of(x)), inside = interp_mask(x, xp, 0), and with the knots
    # knot(., x, xp, 0) and knot(., x, xp, 1): w, s and t of the docstring
    return (
        sum_to(g, shape_of(x)) * interp_mask(x, xp, 0)
        * (knot(fp, x, xp, 1) - knot(fp, x, xp, 0))
        / (knot(xp, x, xp, 1) - knot(xp, x, xp, 0) + (1 - interp_mask(x, xp, 0))),
        knot_grad(sum_to(g, shape_of(x)) * interp_mask(x, xp, 0)
                  * (knot(fp, x, xp, 1) - knot(fp, x, xp, 0))
                  * ((x - knot(xp, x, xp, 0))
                     / (knot(xp, x, xp, 1) - knot(xp, x, xp, 0) + (1 - interp_mask(x, xp, 0)))
                     - 1)
                  / (knot(xp, x, xp, 1) - knot(xp, x, xp, 0) + (1 - interp_mask(x, xp, 0))),
                  xp, x, xp, 0)
        - knot_grad(sum_to(g, shape_of(x)) * interp_mask(x, xp, 0)
                    * (knot(fp, x, xp, 1) - knot(fp, x, xp, 0)) * (x - knot(xp, x, xp, 0))
                    / (knot(xp, x, xp, 1) - knot(xp, x, xp, 0) + (1 - interp_mask(x, xp, 0)))
                    / (knot(xp, x, xp, 1) - knot(xp, x, xp, 0) + (1 - interp_mask(x, xp, 0))),
                    xp, x, xp, 1),
        knot_grad(sum_to(g, shape_of(x)) * (
            interp_mask(x, xp, 0) * (1 - (x - knot(xp, x, xp, 0)) / (
                knot(xp, x, xp, 1) - knot(xp, x, xp, 0) + (1 - interp_mask(x, xp, 0))))
            + interp_mask(x, xp, 1) * unless_given(left)), fp, x, xp, 0)
        + knot_grad(sum_to(g, shape_of(x)) * (
            interp_mask(x, xp, 0) * (x - knot(xp, x, xp, 0)) / (
                knot(xp, x, xp, 1) - knot(xp, x, xp, 0) + (1 - interp_mask(x, xp, 0)))
            + interp_mask(x, xp, 2) * unless_given(right) + interp_mask(x, xp, 3)),
            fp, x, xp, 1),
        sum_to(sum_to(g, shape_of(x)) * interp_mask(x, xp, 1), ()),
        sum_to(sum_to(g, shape_of(x)) * interp_mask(x, xp, 2), ()),
    )


@tangent(np.interp, interp)
def interp_tangent(ans, x, xp, fp, left, right, dx, dxp, dfp, dleft, dright):
    # inside the knots, fp[j] + s (x - xp[j]) with s and t as above: x moves it by s dx, the
    # knots by -s ((1 - t) dxp[j] + t dxp[j+1]), the values by (1 - t) dfp[j] + t dfp[j+1];
    # outside, dfp[0] (dfp[-1]) where left (right) is None, else dleft (dright)
    return (
        dx * interp_mask(x, xp, 0) * (knot(fp, x, xp, 1) - knot(fp, x, xp, 0))
        / (knot(xp, x, xp, 1) - knot(xp, x, xp, 0) + (1 - interp_mask(x, xp, 0))),
        interp_mask(x, xp, 0) * (knot(fp, x, xp, 1) - knot(fp, x, xp, 0))
        / (knot(xp, x, xp, 1) - knot(xp, x, xp, 0) + (1 - interp_mask(x, xp, 0)))
        * (((x - knot(xp, x, xp, 0))
            / (knot(xp, x, xp, 1) - knot(xp, x, xp, 0) + (1 - interp_mask(x, xp, 0))) - 1)
           * knot(dxp, x, xp, 0)
           - (x - knot(xp, x, xp, 0))
           / (knot(xp, x, xp, 1) - knot(xp, x, xp, 0) + (1 - interp_mask(x, xp, 0)))
           * knot(dxp, x, xp, 1)),
        (interp_mask(x, xp, 0) * (1 - (x - knot(xp, x, xp, 0)) / (
            knot(xp, x, xp, 1) - knot(xp, x, xp, 0) + (1 - interp_mask(x, xp, 0))))
         + interp_mask(x, xp, 1) * unless_given(left)) * knot(dfp, x, xp, 0)
        + (interp_mask(x, xp, 0) * (x - knot(xp, x, xp, 0)) / (
            knot(xp, x, xp, 1) - knot(xp, x, xp, 0) + (1 - interp_mask(x, xp, 0)))
           + interp_mask(x, xp, 2) * unless_given(right) + interp_mask(x, xp, 3))
        * knot(dfp, x, xp, 1),
        dleft * interp_mask(x, xp, 1),
        dright * interp_mask(x, xp, 2),
    )


@adjoint(knot)
def knot_adjoint(g, ans, v, x, xp, side):
    return knot_grad(g, v, x, xp, side), None, None, None
linear(knot, params=("v",))


@adjoint(knot_grad)
def knot_grad_adjoint(g, ans, dy, v, x, xp, side):
    return (sum_to(knot(sum_to(g, np.shape(ans)), x, xp, side), shape_of(dy)),
            None, None, None, None)
linear(knot_grad, params=("dy",))


replace(np.interp, interp)
nondifferentiable(interp_mask, unless_given)
