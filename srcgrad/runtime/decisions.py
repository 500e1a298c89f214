"""The builtins `max` and `min` of two numbers with their comparison kept in a byte.

`adjoint/decisions.py` writes `m = max(m, x_i)` as `m_order = order(x_i, m)`
and `m = max_by(m, x_i, m_order)`, and the reverse sweep reads `m_order`
alone: `order_share(m_order, g)` is the share of the cotangent `g` that goes
to the second operand.

- `order(x, y)`: 2 where `x > y`, 1 where `x == y`, 0 otherwise (`x < y`, or
  a nan), an int8;
- `max_by(x1, x2, decided)`: `max(x1, x2)` where `decided` is `order(x2, x1)`:
  `x2` where it is the greater, else `x1` (Python's `max` keeps the first of
  equals and passes over a nan second operand); `min_by` likewise, `decided`
  being `order(x1, x2)`;
- `order_share(decided, like)`: half of `decided` (0, 1/2 or 1) in the
  cotangent dtype of `like` (`greater_share(x, y)` is `order_share(order(x,
  y), x)`).

Compiled, none is a call: Numba's lowering writes a comparison and a select
into the caller's own code (`lower_builtin`), as it does `nonneg_index`
(`indices.py`): an overload of its own per kind of operand would be a
function more to compile, cache and load on every first call.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir as llvm
from numba import types
from numba.extending import lower_builtin, type_callable

from .dtypes import grad_dtype, numba_grad_dtype

__all__ = ["order", "max_by", "min_by", "order_share"]

_NUMBERS = (types.Boolean, types.Integer, types.Float)  # (`max(x > 0, y)`: a bool counts as 0 or 1)


def order(x, y):
    """2 where `x > y`, 1 where `x == y`, 0 otherwise (see the module's docstring)."""
    return np.int8(2) if x > y else (np.int8(1) if x == y else np.int8(0))


def max_by(x1, x2, decided):
    """`max(x1, x2)` where `decided` is `order(x2, x1)`."""
    return x2 if decided == 2 else x1


def min_by(x1, x2, decided):
    """`min(x1, x2)` where `decided` is `order(x1, x2)`."""
    return x2 if decided == 2 else x1


def order_share(decided, like):
    """Half of `decided` in the cotangent dtype of `like`."""
    return grad_dtype(like).type(0.5 * int(decided))


def _common(context, x, y):
    """Both numbers' type (Numba's unification of the two)."""
    return context.unify_types(types.unliteral(x), types.unliteral(y))


@type_callable(order)
def _type_order(context):
    def typer(x, y):
        if isinstance(x, _NUMBERS) and isinstance(y, _NUMBERS):
            return types.int8
        return None
    return typer


@lower_builtin(order, types.Boolean, types.Boolean)
@lower_builtin(order, types.Boolean, types.Number)
@lower_builtin(order, types.Number, types.Boolean)
@lower_builtin(order, types.Number, types.Number)
def _lower_order(context, builder, signature, args):
    x_type, y_type = signature.args
    common = _common(context.typing_context, x_type, y_type)
    x = context.cast(builder, args[0], x_type, common)
    y = context.cast(builder, args[1], y_type, common)
    if isinstance(common, types.Float):
        greater, equal = builder.fcmp_ordered(">", x, y), builder.fcmp_ordered("==", x, y)
    else:
        compare = builder.icmp_signed if common.signed else builder.icmp_unsigned
        greater, equal = compare(">", x, y), compare("==", x, y)
    byte = llvm.IntType(8)
    return builder.select(greater, llvm.Constant(byte, 2),
                          builder.select(equal, llvm.Constant(byte, 1), llvm.Constant(byte, 0)))


def _type_pick(context):
    def typer(x1, x2, decided):
        if isinstance(x1, _NUMBERS) and isinstance(x2, _NUMBERS) and \
                isinstance(decided, types.Integer):
            return _common(context, x1, x2)
        return None
    return typer


def _lower_pick(context, builder, signature, args):
    x1_type, x2_type, decided_type = signature.args
    common = signature.return_type
    x1 = context.cast(builder, args[0], x1_type, common)
    x2 = context.cast(builder, args[1], x2_type, common)
    two = llvm.Constant(args[2].type, 2)
    return builder.select(builder.icmp_signed("==", args[2], two), x2, x1)


for _pick in (max_by, min_by):
    type_callable(_pick)(_type_pick)
    for _first in (types.Boolean, types.Number):
        for _second in (types.Boolean, types.Number):
            lower_builtin(_pick, _first, _second, types.Integer)(_lower_pick)


@type_callable(order_share)
def _type_order_share(context):
    def typer(decided, like):
        if isinstance(decided, types.Integer) and isinstance(like, (*_NUMBERS, types.Array)):
            return types.float32 if numba_grad_dtype(like) == np.float32 else types.float64
        return None
    return typer


@lower_builtin(order_share, types.Integer, types.Any)
def _lower_order_share(context, builder, signature, args):
    result = context.get_value_type(signature.return_type)
    half = builder.sitofp(args[0], result)
    return builder.fmul(half, llvm.Constant(result, 0.5))
