"""Adjoint rules of more elementwise functions: inverse hyperbolic functions,
`sinc`, angle conversions, sign transfers, steps, truncated remainders,
`nan_to_num`, the real and imaginary parts of real values, and the `math`
functions of several values (`math.hypot(a, b, c)`, `math.dist`, `math.prod`).

Like `unary` and `binary`, every rule of an array function is elementwise
(`g` may be broadcast larger than the result) and sums a cotangent back to
its parameter's shape with `unbroadcast`; the `math` twins use `math`.

Conventions:
- `sinc` (`sin(pi x) / (pi x)`) has derivative `(cos(pi x) - sinc(x)) / x`,
  0 at 0 (its true value); its second derivative at exactly 0 comes out 0
  (the true one is `-pi**2 / 3`): `safe_reciprocal` stands in for `1 / x`.
- `copysign(x1, x2)` is `|x1|` with the sign of `x2`: derivative in `x1` is
  `sign(x1) * sign(x2)` (with `abs`'s 1 at `x1 == 0`, and the sign of `x2`
  taken from its sign bit, as `copysign` does); `x2` only chooses a sign,
  which is piecewise constant.
- `heaviside(x1, x2)` is piecewise constant in `x1`; it returns `x2` where
  `x1 == 0`, so `x2` takes the cotangent there (and only there).
- `fmod(x1, x2)` is `x1 - trunc(x1 / x2) * x2` (`np.remainder` and `%` are
  the floor version, in `binary`): derivative 1 in `x1`, `-trunc(x1 / x2)`
  in `x2`.
- `nan_to_num(x, nan=, posinf=, neginf=)`: derivative 1 where `x` is finite,
  0 where an element was replaced; each fill value given takes the cotangent
  of the elements it replaced (`fill_cotangent`).
- `real` and `conj`/`conjugate` of a real value are the identity; `imag` of
  one is 0.  Of a complex value (`np.conj(x * 1j)`) they are refused when
  the gradient runs (`real_part_grad`, `imag_part_grad`): srcgrad has no
  complex cotangents, and `imag` taken for a constant would be silently 0.

Expansions of `math` functions of several values into calls with rules:
`math.hypot(a, b, c, ...)` is `hypot(hypot(a, b), c)...` (of one value,
`fabs`; of none, 0.0), `math.dist(p, q)` of two tuples is the `hypot` of the
differences (of two 1-D arrays, `np.linalg.norm(p - q)`), and
`math.prod(values, start=s)` of a tuple is `s * a * b * ...` (of a 1-D
array, `np.prod`).  Each has a zero cotangent at the origin, like a norm.

Replacements: `heaviside` and `math.fmod` (Numba has neither), in
`srcgrad.runtime.steps`.
"""

from __future__ import annotations

import ast
import inspect
import math

import numpy as np

from ..runtime import (
    cast_like,
    fill_cotangent,
    fmod,
    heaviside,
    imag_part_grad,
    real_part_grad,
    safe_reciprocal,
    unbroadcast,
    vector_argument,
    zeros_like,
)
from .registry import Refused, adjoint, expand, nondifferentiable, replace
from .tangents import linear, tangent

# --- inverse hyperbolic ------------------------------------------------------------------


@adjoint(np.arcsinh, elementwise=True)
def arcsinh_adjoint(g, ans, x):
    return g / np.sqrt(x * x + 1)


@adjoint(np.arccosh, elementwise=True)
def arccosh_adjoint(g, ans, x):
    return g / np.sqrt(x * x - 1)


@adjoint(np.arctanh, elementwise=True)
def arctanh_adjoint(g, ans, x):
    return g / (1 - x * x)


@adjoint(math.asinh, elementwise=True)
def math_asinh_adjoint(g, ans, x):
    return g / math.sqrt(x * x + 1)


@adjoint(math.acosh, elementwise=True)
def math_acosh_adjoint(g, ans, x):
    return g / math.sqrt(x * x - 1)


@adjoint(math.atanh, elementwise=True)
def math_atanh_adjoint(g, ans, x):
    return g / (1 - x * x)


# --- sinc and angle conversions ----------------------------------------------------------


@adjoint(np.sinc, elementwise=True)
def sinc_adjoint(g, ans, x):
    return g * (np.cos(cast_like(math.pi, x) * x) - ans) * safe_reciprocal(x)


@adjoint(np.deg2rad, np.radians, elementwise=True)
def deg2rad_adjoint(g, ans, x):
    return g * cast_like(math.pi / 180, x)


@adjoint(np.rad2deg, np.degrees, elementwise=True)
def rad2deg_adjoint(g, ans, x):
    return g * cast_like(180 / math.pi, x)


@adjoint(math.radians, elementwise=True)
def math_radians_adjoint(g, ans, x):
    return g * (math.pi / 180)


@adjoint(math.degrees, elementwise=True)
def math_degrees_adjoint(g, ans, x):
    return g * (180 / math.pi)


# --- signs and steps ---------------------------------------------------------------------


@adjoint(np.copysign, elementwise=True)
def copysign_adjoint(g, ans, x1, x2):
    return (
        unbroadcast(g * (np.sign(x1) + (x1 == 0)) * np.copysign(cast_like(1, x2), x2), x1),
        None,
    )


@adjoint(math.copysign, elementwise=True)
def math_copysign_adjoint(g, ans, x1, x2):
    return g * (1.0 if x1 >= 0 else -1.0) * math.copysign(1.0, x2), None


@adjoint(np.heaviside, heaviside, elementwise=True)
def heaviside_adjoint(g, ans, x1, x2):
    return None, unbroadcast(g * (x1 == 0), x2)


replace(np.heaviside, heaviside)


# --- truncated remainder: x1 - x2 * trunc(x1 / x2) ---------------------------------------


@adjoint(np.fmod, elementwise=True)
def fmod_adjoint(g, ans, x1, x2):
    return unbroadcast(g, x1), unbroadcast(-g * np.trunc(x1 / x2), x2)


@adjoint(math.fmod, fmod, elementwise=True)
def math_fmod_adjoint(g, ans, x1, x2):
    # (`float`: NumPy's float32 has no `math.trunc`)
    return g, -g * math.trunc(float(x1) / float(x2))


replace(math.fmod, fmod)


# --- nan_to_num, and the parts of a real value --------------------------------------------


@adjoint(np.nan_to_num, elementwise=True)
def nan_to_num_adjoint(g, ans, x, copy=True, nan=0.0, posinf=None, neginf=None):
    return (
        g * np.isfinite(x),
        None,
        fill_cotangent(g, np.isnan(x), nan),
        fill_cotangent(g, np.isposinf(x), posinf),
        fill_cotangent(g, np.isneginf(x), neginf),
    )


@tangent(np.nan_to_num)
def nan_to_num_tangent(ans, x, copy, nan, posinf, neginf, dx, dnan, dposinf, dneginf):
    # each replacement moves the elements it replaced (not elementwise in the scalars)
    return (dx * np.isfinite(x), dnan * np.isnan(x), dposinf * np.isposinf(x),
            dneginf * np.isneginf(x))


@adjoint(fill_cotangent)
def fill_cotangent_adjoint(g, ans, h, replaced, value):
    # `h` may be broadcast larger than `replaced` (nan_to_num is elementwise)
    return cast_like(unbroadcast(g, ans) * replaced, h) + zeros_like(h), None, None
linear(fill_cotangent, params=("h",))


@adjoint(np.real, np.conj, np.conjugate, elementwise=True)
def real_adjoint(g, ans, val):
    return real_part_grad(g, val)


@adjoint(np.imag, elementwise=True)
def imag_adjoint(g, ans, val):
    return imag_part_grad(g, val)


@adjoint(real_part_grad, elementwise=True)
def real_part_grad_adjoint(g, ans, h, val):
    return real_part_grad(g, val), None


@adjoint(imag_part_grad, elementwise=True)
def imag_part_grad_adjoint(g, ans, h, val):
    return imag_part_grad(g, val), None


nondifferentiable(np.isposinf, np.isneginf)


# --- math functions of several values ---------------------------------------------------------

_COORDINATES = inspect.Signature(
    [inspect.Parameter("coordinates", inspect.Parameter.VAR_POSITIONAL)])


def _hypot_of(values: list, lowering):
    """`math.hypot` of the atoms `values`, two at a time."""
    if not values:
        return ast.Constant(0.0)
    if len(values) == 1:
        return lowering.emit_call(math.fabs, values, [])
    result = values[0]
    for value in values[1:]:
        result = lowering.emit_call(math.hypot, [result, value], [])
    return result


def _expand_hypot(arguments, lowering):
    """`math.hypot(a, b, c)` is `hypot(hypot(a, b), c)`."""
    values = arguments["coordinates"]
    return None if len(values) == 2 else _hypot_of(values, lowering)


expand(math.hypot, _expand_hypot, _COORDINATES)


def _expand_dist(arguments, lowering):
    """`math.dist(p, q)`: the `hypot` of the differences of two tuples, the
    norm of the difference of two 1-D arrays."""
    p, q = arguments["p"], arguments["q"]
    if isinstance(p, ast.Tuple) and isinstance(q, ast.Tuple):
        if len(p.elts) != len(q.elts):
            raise Refused("both points must have the same number of coordinates")
        differences = [lowering.emit_binop(a, ast.Sub(), b) for a, b in zip(p.elts, q.elts)]
        return _hypot_of(differences, lowering)
    if isinstance(p, ast.Tuple) or isinstance(q, ast.Tuple):
        raise Refused("srcgrad takes two tuples of numbers or two 1-D arrays")
    vectors = [lowering.emit_call(vector_argument, [v], []) for v in (p, q)]
    difference = lowering.emit_binop(vectors[0], ast.Sub(), vectors[1])
    return lowering.emit_call(np.linalg.norm, [difference], [])


expand(math.dist, _expand_dist, inspect.signature(math.dist))


def _expand_prod(arguments, lowering):
    """`math.prod(values, start=s)`: `s * a * b ...` of a tuple, `s *
    np.prod(x)` of a 1-D array."""
    values, start = arguments["iterable"], arguments["start"]
    if isinstance(values, ast.Tuple):
        factors = list(values.elts)
    else:
        factors = [lowering.emit_call(np.prod, [lowering.emit_call(
            vector_argument, [values], [])], [])]
    if isinstance(start, ast.Constant) and start.value == 1 and factors:
        result, factors = factors[0], factors[1:]  # no `1 * a`
    else:
        result = start
    for factor in factors:
        result = lowering.emit_binop(result, ast.Mult(), factor)
    return result


expand(math.prod, _expand_prod, inspect.signature(math.prod))
