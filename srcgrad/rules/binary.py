"""Adjoint rules of elementwise functions of two or three arguments that
broadcast like NumPy: arithmetic (NumPy's, the `operator` module's, `math`'s),
`maximum`/`minimum` and the builtins `max`/`min` of two values, `arctan2`,
`hypot`, `clip`, the remainder `%` (`np.mod`: derivative 1 in `x1`, the
quotient's floor is piecewise constant).  (`np.where` is `select`, in
`helpers`.)

Each cotangent is `unbroadcast(expr, param)`: summed back to the parameter's
shape, a wrapper the transformer may drop where it knows the shapes agree.
The operators share NumPy's rules; they are always called positionally, so
their parameters keep NumPy's names (`x1`, `x2`).

Conventions (as JAX):
- `maximum`, `minimum`, `fmax`, `fmin`, `max`, `min` and `clip` split a
  cotangent evenly between tied operands (`clip` is
  `minimum(maximum(a, a_min), a_max)`, so at `a == a_min` half goes to `a`,
  half to `a_min`).  Where an operand is nan, `maximum`, `minimum` and `clip`
  give both a zero cotangent (JAX); `fmax`/`fmin` and the builtins `max`/`min`
  give it all to the operand they return.
- `power`: the exponent's cotangent is 0 where the base is 0 (no `log(0)`),
  and `x ** 0` has derivative 0 at `x == 0`; an integer exponent gives the
  right derivative at a negative or zero base (`x ** 3` at 0 is 0).
- `hypot` has a zero cotangent at the origin, like a norm.

Replacement: `clip`, since Numba has no `np.clip` of a scalar and none of
arrays of different dtypes.

Expansions (`registry.expand`) of builtins into the operations above: `pow(x,
y)` is `x ** y`, `divmod(x, y)` is `(x // y, x % y)`; `max`/`min` of three
or more values compare two at a time, as Python does (`max(max(a, b), c)`,
each comparison splitting its tie evenly), and of one 1-D array are
`np.max`/`np.min` (`vector_argument` refuses any other argument).

`clip` lives in `srcgrad.runtime.elementwise`.
"""

from __future__ import annotations

import ast
import inspect
import math
import operator

import numpy as np

from ..runtime import (
    cast_like,
    clip,
    greater_share,
    max_by,
    min_by,
    order_share,
    safe_reciprocal,
    unbroadcast,
    vector_argument,
)
from .registry import Refused, adjoint, expand, nondifferentiable, replace

# --- arithmetic ---------------------------------------------------------------------


@adjoint(np.add, operator.add, elementwise=True)
def add_adjoint(g, ans, x1, x2):
    return unbroadcast(g, x1), unbroadcast(g, x2)


@adjoint(np.subtract, operator.sub, elementwise=True)
def subtract_adjoint(g, ans, x1, x2):
    return unbroadcast(g, x1), unbroadcast(-g, x2)


@adjoint(np.multiply, operator.mul, elementwise=True)
def multiply_adjoint(g, ans, x1, x2):
    return unbroadcast(g * x2, x1), unbroadcast(g * x1, x2)


@adjoint(np.divide, np.true_divide, operator.truediv, elementwise=True)
def divide_adjoint(g, ans, x1, x2):
    # `g / x2` appears in both: compiled, it is one division (the quotient,
    # `ans`, would be another where it has to be computed again).
    return unbroadcast(g / x2, x1), unbroadcast(-(g / x2) * x1 / x2, x2)


@adjoint(np.power, operator.pow, elementwise=True)
def power_adjoint(g, ans, x1, x2):
    # `x2 - (x2 != 0)` is `x2 - 1` but 0 for a zero exponent, where the
    # factor `x2` already makes the derivative 0 and `0 ** -1` would make it nan.
    # `cast_like(x1, x1)`: a NumPy scalar, whose `0.0 ** -0.5` is inf, where a
    # Python float's raises ZeroDivisionError.
    return (
        unbroadcast(g * x2 * cast_like(x1, x1) ** (x2 - (x2 != 0)), x1),
        unbroadcast(g * ans * np.log(x1 + (x1 == 0)), x2),
    )


def _expand_pow(arguments, lowering):
    """The builtin `pow(x, y)` is `x ** y`."""
    mod = arguments["mod"]
    if not (isinstance(mod, ast.Constant) and mod.value is None):
        raise Refused("pow(x, y, mod) takes a remainder, which has no derivative")
    return lowering.emit_binop(arguments["base"], ast.Pow(), arguments["exp"])


expand(pow, _expand_pow, inspect.signature(pow))


@adjoint(math.pow, elementwise=True)
def math_pow_adjoint(g, ans, x1, x2):
    # `math.log` raises for a negative base, where NumPy's gives nan.
    return (
        unbroadcast(g * x2 * cast_like(x1, x1) ** (x2 - (x2 != 0)), x1),
        unbroadcast(g * ans * (math.log(x1 + (x1 == 0)) if x1 >= 0 else math.nan), x2),
    )


# --- maximum and minimum ----------------------------------------------------------------


@adjoint(np.maximum, elementwise=True)
def maximum_adjoint(g, ans, x1, x2):
    return unbroadcast(g * greater_share(x1, x2), x1), unbroadcast(g * greater_share(x2, x1), x2)


@adjoint(np.minimum, elementwise=True)
def minimum_adjoint(g, ans, x1, x2):
    return unbroadcast(g * greater_share(x2, x1), x1), unbroadcast(g * greater_share(x1, x2), x2)


# `fmax`/`fmin` ignore a nan operand: the other one, which they return, takes
# the whole cotangent.  (`isnan(x2) > isnan(x1)`: only x2 is nan.)
@adjoint(np.fmax, elementwise=True)
def fmax_adjoint(g, ans, x1, x2):
    return (
        unbroadcast(g * (greater_share(x1, x2) + (np.isnan(x2) > np.isnan(x1))), x1),
        unbroadcast(g * (greater_share(x2, x1) + (np.isnan(x1) > np.isnan(x2))), x2),
    )


@adjoint(np.fmin, elementwise=True)
def fmin_adjoint(g, ans, x1, x2):
    return (
        unbroadcast(g * (greater_share(x2, x1) + (np.isnan(x2) > np.isnan(x1))), x1),
        unbroadcast(g * (greater_share(x1, x2) + (np.isnan(x1) > np.isnan(x2))), x2),
    )


# The builtins return `x1` unless `x2` is strictly greater (`max`) or smaller
# (`min`), so a nan `x2` is passed over: `x1` takes what `x2` does not.
@adjoint(max, elementwise=True)
def builtin_max_adjoint(g, ans, x1, x2):
    return g * (1 - greater_share(x2, x1)), g * greater_share(x2, x1)


@adjoint(min, elementwise=True)
def builtin_min_adjoint(g, ans, x1, x2):
    return g * (1 - greater_share(x1, x2)), g * greater_share(x1, x2)


# The same, with the comparison made by the forward sweep and kept in a byte
# (`adjoint/decisions.py`): `decided` is `order(x2, x1)` for `max_by`,
# `order(x1, x2)` for `min_by`, and the operands are not read.
@adjoint(max_by, min_by, elementwise=True)
def decided_extreme_adjoint(g, ans, x1, x2, decided):
    return g * (1 - order_share(decided, g)), g * order_share(decided, g), None


# `max(a, b, c)` is `max(max(a, b), c)`, the order in which Python compares;
# `max(x)` of a 1-D array is `np.max(x)`.
_VALUES = inspect.Signature([inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL)])


def _expand_extremum(pick, reduction):
    def expansion(arguments, lowering):
        values = arguments["args"]
        if not values:
            raise Refused(f"{pick.__name__}() takes at least one argument")
        if len(values) == 1:
            vector = lowering.emit_call(vector_argument, values, [])
            return lowering.emit_call(reduction, [vector], [])
        if len(values) == 2:
            return None  # the rule of two values
        result = values[0]
        for value in values[1:]:
            result = lowering.emit_call(pick, [result, value], [])
        return result

    return expansion


expand(max, _expand_extremum(max, np.max), _VALUES)
expand(min, _expand_extremum(min, np.min), _VALUES)


@adjoint(np.clip, clip, elementwise=True)
def clip_adjoint(g, ans, a, a_min, a_max):
    return (
        unbroadcast(g * greater_share(a, a_min) * greater_share(a_max, a), a),
        unbroadcast(g * greater_share(a_min, a) * greater_share(a_max, a_min), a_min),
        unbroadcast(g * greater_share(a, a_max), a_max),
    )


replace(np.clip, clip)


# --- angles and lengths -------------------------------------------------------------------


@adjoint(np.arctan2, math.atan2, elementwise=True)
def arctan2_adjoint(g, ans, x1, x2):
    return (
        unbroadcast(g * x2 / (x1 * x1 + x2 * x2), x1),
        unbroadcast(-g * x1 / (x1 * x1 + x2 * x2), x2),
    )


@adjoint(np.hypot, math.hypot, elementwise=True)
def hypot_adjoint(g, ans, x1, x2):
    return (
        unbroadcast(g * x1 * safe_reciprocal(ans), x1),
        unbroadcast(g * x2 * safe_reciprocal(ans), x2),
    )


# --- remainder: x1 - x2 * floor(x1 / x2), with a piecewise-constant quotient ---------------


@adjoint(np.mod, operator.mod, elementwise=True)
def mod_adjoint(g, ans, x1, x2):
    return unbroadcast(g, x1), unbroadcast(-g * (x1 // x2), x2)


def _expand_divmod(arguments, lowering):
    """`divmod(x, y)` is `(x // y, x % y)`."""
    x, y = arguments["x"], arguments["y"]
    quotient = lowering.emit_binop(x, ast.FloorDiv(), y)
    return lowering.emit_tuple([quotient, lowering.emit_binop(x, ast.Mod(), y)])


expand(divmod, _expand_divmod, inspect.signature(divmod))


# --- piecewise constant: no cotangent -------------------------------------------------------

nondifferentiable(
    np.floor_divide, operator.floordiv,
    np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor,
    operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge,
    operator.not_, operator.truth, operator.and_, operator.or_, operator.xor, operator.invert,
)  # fmt: skip
