"""Adjoint rules of `np.convolve` and `np.correlate` of two vectors (modes
'full', 'same' and 'valid'), differentiable in both operands, to any order.

The cotangents (`convolve_grad`, `correlate_grad`, `correlate_v_grad` in
`srcgrad.runtime.convolution`) are bilinear in the result's cotangent and
the other operand, and each one's rule is written with the others and the
convolutions themselves: for `h = convolve_grad(dy, a, v)` (the transpose
of `a -> convolve(a, v)` applied to `dy`), `<c, h> = <convolve(c, v), dy>`,
so the cotangent of `dy` is `convolve(c, v)` and that of `v` is
`convolve_grad(dy, v, c)`; `a` enters only by its length.  Generated code
calls `convolve` and `correlate` (Numba's take no `mode`).
"""

from __future__ import annotations

import numpy as np

from ..runtime import (
    convolve,
    convolve_grad,
    correlate,
    correlate_grad,
    correlate_v_grad,
    shape_of,
    sum_to,
    unbroadcast,
)
from .registry import adjoint, replace


@adjoint(np.convolve, convolve)
def convolve_adjoint(g, ans, a, v, mode="full"):
    return convolve_grad(g, a, v, mode), convolve_grad(g, v, a, mode), None


@adjoint(convolve_grad)
def convolve_grad_adjoint(g, ans, dy, a, v, mode="full"):
    return (sum_to(convolve(unbroadcast(g, a), v, mode), shape_of(dy)), None,
            convolve_grad(dy, v, unbroadcast(g, a), mode), None)


@adjoint(np.correlate, correlate)
def correlate_adjoint(g, ans, a, v, mode="valid"):
    return correlate_grad(g, a, v, mode), correlate_v_grad(g, a, v, mode), None


@adjoint(correlate_grad)
def correlate_grad_adjoint(g, ans, dy, a, v, mode="valid"):
    return (sum_to(correlate(unbroadcast(g, a), v, mode), shape_of(dy)), None,
            correlate_v_grad(dy, unbroadcast(g, a), v, mode), None)


@adjoint(correlate_v_grad)
def correlate_v_grad_adjoint(g, ans, dy, a, v, mode="valid"):
    return (sum_to(correlate(a, unbroadcast(g, v), mode), shape_of(dy)),
            correlate_grad(dy, a, unbroadcast(g, v), mode), None, None)


replace(np.convolve, convolve)
replace(np.correlate, correlate)
