"""Adjoint rules of `np.interp(x, xp, fp, left, right)`, differentiable in
`x` and `fp` (`xp`, `left` and `right` constants: a differentiable one is
refused when the gradient runs, by `refuse_interp_gradient`; `period=` is
refused by the rule's signature).

Conventions (see `srcgrad.runtime.interpolation`): the derivative in `x`
at a knot is the slope of the interval to its right; at and beyond
`xp[-1]`, and below `xp[0]`, it is 0.  The cotangent of `fp` is shared
between the two knots around each `x` (all of it to `fp[0]` or `fp[-1]`
outside the range when `left` or `right` is None).  `interp_fp_grad` and
`interp_fp_jvp` are each other's transposes, so second derivatives follow
(mixed ones in `x` and `fp` through `interp_slope_grad`; the third order is
refused: that has no rule).  Generated code calls `interp`.
"""

from __future__ import annotations

import numpy as np

from ..runtime import (
    interp,
    interp_fp_grad,
    interp_fp_jvp,
    interp_slope,
    interp_slope_grad,
    refuse_interp_gradient,
    shape_of,
    sum_to,
    unbroadcast,
)
from .registry import adjoint, replace


@adjoint(np.interp, interp)
def interp_adjoint(g, ans, x, xp, fp, left=None, right=None):
    return (sum_to(g, shape_of(x)) * interp_slope(x, xp, fp), refuse_interp_gradient(xp),
            interp_fp_grad(g, x, xp, fp, left, right), refuse_interp_gradient(left),
            refuse_interp_gradient(right))


@adjoint(interp_slope)
def interp_slope_adjoint(g, ans, x, xp, fp):
    return None, refuse_interp_gradient(xp), interp_slope_grad(g, x, xp, fp)


@adjoint(interp_fp_grad)
def interp_fp_grad_adjoint(g, ans, dy, x, xp, fp, left=None, right=None):
    return (sum_to(interp_fp_jvp(unbroadcast(g, fp), x, xp, left, right), shape_of(dy)),
            sum_to(dy, shape_of(x)) * interp_slope(x, xp, unbroadcast(g, fp)),
            refuse_interp_gradient(xp), None, None, None)


@adjoint(interp_fp_jvp)
def interp_fp_jvp_adjoint(g, ans, h, x, xp, left=None, right=None):
    return (unbroadcast(interp_fp_grad(g, x, xp, h, left, right), h),
            sum_to(g, shape_of(x)) * interp_slope(x, xp, h), refuse_interp_gradient(xp), None,
            None)


replace(np.interp, interp)
