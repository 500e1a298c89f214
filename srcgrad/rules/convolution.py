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

`scipy.signal.convolve(in1, in2, mode, method)` and `correlate` of two real
vectors are NumPy's in modes 'full' and 'valid' (whichever is the longer);
in 'same' they keep `len(in1)` values of the full result, centred
(`centred_index`), where NumPy keeps `max(len(in1), len(in2))`.  The
lowering writes them so: NumPy's function, then for 'same' a `gather` of
the full result.  `mode` and `method` ('auto', 'direct' or 'fft': the same
values to rounding) must be written as constants.
"""

from __future__ import annotations

import ast
import inspect

import numpy as np
import scipy.signal

from ..runtime import (
    centred_index,
    convolve,
    convolve_grad,
    correlate,
    correlate_grad,
    correlate_v_grad,
    gather,
    shape_of,
    sum_to,
    unbroadcast,
)
from .registry import Refused, adjoint, expand, nondifferentiable, replace
from .tangents import multilinear


@adjoint(np.convolve, convolve)
def convolve_adjoint(g, ans, a, v, mode="full"):
    return convolve_grad(g, a, v, mode), convolve_grad(g, v, a, mode), None
multilinear(np.convolve, convolve, params=("a", "v"))


@adjoint(convolve_grad)
def convolve_grad_adjoint(g, ans, dy, a, v, mode="full"):
    return (sum_to(convolve(unbroadcast(g, a), v, mode), shape_of(dy)), None,
            convolve_grad(dy, v, unbroadcast(g, a), mode), None)
multilinear(convolve_grad, params=("dy", "v"))


@adjoint(np.correlate, correlate)
def correlate_adjoint(g, ans, a, v, mode="valid"):
    return correlate_grad(g, a, v, mode), correlate_v_grad(g, a, v, mode), None
multilinear(np.correlate, correlate, params=("a", "v"))


@adjoint(correlate_grad)
def correlate_grad_adjoint(g, ans, dy, a, v, mode="valid"):
    return (sum_to(correlate(unbroadcast(g, a), v, mode), shape_of(dy)), None,
            correlate_v_grad(dy, unbroadcast(g, a), v, mode), None)
multilinear(correlate_grad, params=("dy", "v"))


@adjoint(correlate_v_grad)
def correlate_v_grad_adjoint(g, ans, dy, a, v, mode="valid"):
    return (sum_to(correlate(a, unbroadcast(g, v), mode), shape_of(dy)),
            correlate_grad(dy, a, unbroadcast(g, v), mode), None, None)
multilinear(correlate_v_grad, params=("dy", "a"))


replace(np.convolve, convolve)
replace(np.correlate, correlate)


# --- scipy.signal's, of two vectors ------------------------------------------------------------


def _constant(arguments: dict, name: str, allowed: tuple) -> str:
    value = arguments[name]
    if not (isinstance(value, ast.Constant) and value.value in allowed):
        raise Refused(f"{name}={ast.unparse(value)}: srcgrad differentiates {name} "
                      f"{', '.join(map(repr, allowed))}, written as a constant")
    return value.value


def _expand_signal(numpy_fn):
    def expand_signal(arguments: dict, lowering):
        mode = _constant(arguments, "mode", ("full", "valid", "same"))
        _constant(arguments, "method", ("auto", "direct", "fft"))
        in1, in2 = arguments["in1"], arguments["in2"]
        if mode != "same":
            return lowering.emit_call(numpy_fn, [in1, in2, ast.Constant(mode)], [])
        full = lowering.emit_call(numpy_fn, [in1, in2, ast.Constant("full")], [])
        return lowering.emit_call(gather, [full, lowering.emit_call(centred_index, [in1, in2], [])],
                                  [])

    return expand_signal


for _primal, _numpy_fn in [(scipy.signal.convolve, np.convolve),
                           (scipy.signal.correlate, np.correlate)]:
    expand(_primal, _expand_signal(_numpy_fn), inspect.signature(_primal))
nondifferentiable(centred_index)
