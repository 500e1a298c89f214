"""`np.piecewise(x, condlist, funclist)`: functions as arguments.

The one NumPy call srcgrad differentiates whose arguments include
functions (lambdas, the user's functions, NumPy functions, or constants in
their place), which an expansion cannot receive as atoms.  The lowering
writes it before its arguments are lowered: each function applied to all
of `x` (a lambda or the user's function inlined), then a chain of
`np.where`, the last condition outermost since NumPy assigns the pieces in
order; where `funclist` has one function more than `condlist`, it gives
the values where no condition holds, else 0.  A function applied outside
its piece must stay finite there with a finite derivative, since a
nan times the 0 cotangent `np.where` gives it is still nan.

Refused: lists of conditions or functions not written in the call, lists
whose lengths do not fit, keyword arguments passed on to the functions.
"""

from __future__ import annotations

import ast
import inspect

import numpy as np

from ..errors import NoAdjointError
from .values import Func, is_static, lowered

__all__ = ["lower_piecewise"]


def _piecewise(x, condlist, funclist):  # the form srcgrad differentiates
    pass


_SIGNATURE = inspect.signature(_piecewise)


def lower_piecewise(lowering, args: list[ast.expr], keywords: list[ast.keyword],
                    call: ast.Call) -> ast.expr:
    """The atom holding `np.piecewise(*args, **keywords)`, lowered."""

    def refuse(message: str) -> NoAdjointError:
        return lowering.ctx.src.error(call, f"'{ast.unparse(call)}': {message}", NoAdjointError)

    try:
        bound = _SIGNATURE.bind(*args, **{k.arg: k.value for k in keywords})
    except TypeError:
        raise refuse("srcgrad differentiates np.piecewise(x, condlist, funclist)") from None
    x_node, conditions, functions = (bound.arguments[p] for p in ("x", "condlist", "funclist"))
    if not all(isinstance(n, (ast.List, ast.Tuple)) for n in (conditions, functions)):
        raise refuse("srcgrad differentiates it with condlist and funclist written in the call "
                     "as lists")
    count = len(conditions.elts)
    if len(functions.elts) not in (count, count + 1):
        raise refuse("funclist has one function per condition, and maybe one more for the rest")
    x = lowering.atom(x_node)

    def piece(function: ast.expr) -> ast.expr:
        if isinstance(function, ast.Constant):
            return function
        value = lowering.value(function)
        if isinstance(value, Func):
            results = lowering.call_function(value, [lowered(x)], [], call)
            if len(results) != 1 or is_static(results[0]):
                raise refuse(f"'{ast.unparse(function)}' must return one array or number")
            return results[0]
        applied = ast.copy_location(ast.Call(function, [lowered(x)], []), call)
        return lowering.atom(applied)

    result = piece(functions.elts[count]) if len(functions.elts) > count else ast.Constant(0)
    for condition, function in zip(conditions.elts, functions.elts):
        where = lowering.atom(condition)
        result = lowering.emit_call(np.where, [where, piece(function), result], [])
    return result
