"""Adjoint rules and expansions of NumPy's signal helpers: `np.diff`,
`np.gradient`, `np.trapezoid` (and `np.convolve`, `np.correlate`: see
`srcgrad.rules.convolution`).

- `np.diff(a, n, axis)` (`n` a constant count, `axis` an int; `prepend=`
  and `append=` are refused by the rule's signature): its cotangent is the
  transpose of the differences (`diff_grad`), whose own cotangent is `diff`
  again, so it is differentiable to any order.  Generated code calls
  `diff` (Numba's takes no `axis`).
- `np.gradient(f, h, axis=)` is expanded into `gradient_along(f, axis)`
  (central differences inside, one-sided at the ends: `edge_order=1`) over
  `uniform_spacing(h)`: one scalar spacing, differentiable too.  Refused:
  several spacings, coordinate arrays (when they run: a scalar is checked
  then), `edge_order=2`, and `axis` None of a many-dimensional `f` (NumPy
  returns a list there).
- `np.trapezoid(y, x=None, dx=1.0, axis=-1)` is expanded into
  `sum(pair_mean(y, axis), axis) * dx`, or with sample points `x` (shaped
  like `y`, or 1-D along `axis`) `sum(pair_mean(y, axis) * diff(x, 1,
  axis), axis)`: differentiable in `y`, `x` and `dx`.

The helpers live in `srcgrad.runtime.signals`.
"""

from __future__ import annotations

import ast
import inspect

import numpy as np

from ..runtime import (
    diff,
    diff_grad,
    gradient_along,
    gradient_along_grad,
    pair_mean,
    pair_mean_grad,
    shape_of,
    sum_to,
    unbroadcast,
    uniform_spacing,
    weights_shape,
)
from .registry import Refused, adjoint, expand, replace
from .tangents import linear


@adjoint(np.diff, diff)
def diff_adjoint(g, ans, a, n=1, axis=-1):
    return diff_grad(g, a, n, axis), None, None
linear(np.diff, diff, params=("a",))


@adjoint(diff_grad)
def diff_grad_adjoint(g, ans, dy, a, n=1, axis=-1):
    return sum_to(diff(unbroadcast(g, a), n, axis), shape_of(dy)), None, None, None
linear(diff_grad, params=("dy",))


@adjoint(pair_mean)
def pair_mean_adjoint(g, ans, a, axis=-1):
    return pair_mean_grad(g, a, axis), None
linear(pair_mean, params=("a",))


@adjoint(pair_mean_grad)
def pair_mean_grad_adjoint(g, ans, dy, a, axis=-1):
    return sum_to(pair_mean(unbroadcast(g, a), axis), shape_of(dy)), None, None
linear(pair_mean_grad, params=("dy",))


@adjoint(gradient_along)
def gradient_along_adjoint(g, ans, f, axis=None):
    return gradient_along_grad(g, f, axis), None
linear(gradient_along, params=("f",))


@adjoint(gradient_along_grad)
def gradient_along_grad_adjoint(g, ans, dy, f, axis=None):
    return sum_to(gradient_along(unbroadcast(g, f), axis), shape_of(dy)), None, None
linear(gradient_along_grad, params=("dy",))


@adjoint(uniform_spacing)
def uniform_spacing_adjoint(g, ans, h):
    return unbroadcast(g, h)
linear(uniform_spacing, params=("h",))


replace(np.diff, diff)


def _constant(atom, value) -> bool:
    return isinstance(atom, ast.Constant) and atom.value == value and type(atom.value) is type(value)


def gradient_form(f, *varargs, axis=None, edge_order=1):
    """The forms of `np.gradient` srcgrad differentiates (its expansion's signature)."""


def _expand_gradient(arguments: dict, lowering):
    spacings = arguments["varargs"]
    if len(spacings) > 1:
        raise Refused("srcgrad differentiates np.gradient with one scalar spacing, not several")
    if not _constant(arguments["edge_order"], 1):
        raise Refused("srcgrad differentiates np.gradient with edge_order=1")
    slopes = lowering.emit_call(gradient_along, [arguments["f"], arguments["axis"]], [])
    if not spacings:
        return slopes
    spacing = lowering.emit_call(uniform_spacing, [spacings[0]], [])
    return lowering.emit_binop(slopes, ast.Div(), spacing)


def _expand_trapezoid(arguments: dict, lowering):
    y, x, axis = arguments["y"], arguments["x"], arguments["axis"]
    heights = lowering.emit_call(pair_mean, [y, axis], [])
    if _constant(x, None):
        area = lowering.emit_call(np.sum, [heights, axis], [])
        return lowering.emit_binop(area, ast.Mult(), arguments["dx"])
    shape = lowering.emit_call(weights_shape, [x, y, axis], [])
    points = lowering.emit_call(np.reshape, [x, shape], [])
    widths = lowering.emit_call(diff, [points, ast.Constant(1), axis], [])
    strips = lowering.emit_binop(heights, ast.Mult(), widths)
    return lowering.emit_call(np.sum, [strips, axis], [])


expand(np.gradient, _expand_gradient, inspect.signature(gradient_form))
expand(np.trapezoid, _expand_trapezoid, inspect.signature(np.trapezoid))
