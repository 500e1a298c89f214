"""What a CUDA thread can call, and the check that the function calls nothing else.

`check_scalar_function` (on the IR, before the adjoint is built) raises,
naming the user's file, line and construct, for what a CUDA thread cannot
run (see `backend/device.py`).  `device_calls()` maps each function the
adjoint may call (by `id`) to a builder of the scalar expression a thread
computes instead: NumPy's elementwise functions to their `math` twins,
srcgrad's helpers (`seed`, `zeros_like`, `unbroadcast`, `select`, ...) to
what they compute on scalars.  The small AST builders at the end are shared
with `device.py` and `device_stacks.py`.
"""


import ast
import builtins
import math
import operator
from functools import cache

import numpy as np

from .. import ir, runtime
from ..errors import CompileError, UnsupportedSyntaxError
from ..frontend.subset import spelling
from ..ir.markers import SUBSCRIPT, TUPLE
from ..ir.parts import clone, expressions
from ..rules import binary, helpers, unary
from ..runtime import vecmath

__all__ = ["SCALARS", "check_scalar_function", "device_calls", "resolve", "call", "compare", "num", "plus", "is_none"]

SCALARS = "target='cuda' differentiates functions of scalars, evaluated elementwise"


# --- what a CUDA thread can call ---------------------------------------------------------------


def _math(name: str):
    return lambda args: call(f"math.{name}", *args)


def _if(test: ast.expr, body: ast.expr, orelse: ast.expr) -> ast.expr:
    return ast.IfExp(test, body, orelse)


def compare(left: ast.expr, op: ast.cmpop, right: ast.expr) -> ast.expr:
    return ast.Compare(clone(left), [op], [clone(right)])


def _sign(args):
    (x,) = args  # NumPy's sign: 0 at 0, nan at nan
    return _if(compare(x, ast.Gt(), num(0)), num(1.0),
               _if(compare(x, ast.Lt(), num(0)), num(-1.0), ast.BinOp(clone(x), ast.Mult(), num(0.0))))


def _greater_share(args):
    x, y = args
    return _if(compare(x, ast.Gt(), y), num(1.0), _if(compare(x, ast.Eq(), y), num(0.5), num(0.0)))


def _clip(args):
    value, low, high = args
    if not is_none(low):
        value = call("max", value, low)
    if not is_none(high):
        value = call("min", value, high)
    return value


def _log_base(args):
    if len(args) == 1:
        return call("math.log", *args)
    return ast.BinOp(call("math.log", args[0]), ast.Div(), call("math.log", args[1]))


def _cbrt(args):
    (x,) = args
    root = ast.BinOp(call("abs", x), ast.Pow(), ast.BinOp(num(1.0), ast.Div(), num(3.0)))
    return call("math.copysign", root, clone(x))


_NUMPY_TWINS = {
    "sin": "sin", "cos": "cos", "tan": "tan", "arcsin": "asin", "arccos": "acos",
    "arctan": "atan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "arcsinh": "asinh",
    "arccosh": "acosh", "arctanh": "atanh", "exp": "exp", "exp2": "exp2", "expm1": "expm1",
    "log": "log", "log1p": "log1p", "log2": "log2", "log10": "log10", "sqrt": "sqrt",
    "arctan2": "atan2", "hypot": "hypot", "fabs": "fabs", "copysign": "copysign",
    "isnan": "isnan", "isinf": "isinf", "isfinite": "isfinite",
}  # fmt: skip


@cache
def device_calls() -> dict[int, object]:
    """id(callable) → a function of the argument nodes that gives the device
    expression, for every callable a device adjoint may contain."""
    table: dict[int, object] = {}

    def add(objs, build):
        for obj in objs:
            table[id(obj)] = build

    for np_name, math_name in _NUMPY_TWINS.items():
        if hasattr(math, math_name):
            add([getattr(np, np_name)], _math(math_name))
    for name in vecmath.__all__:  # what generated code calls for np.exp, np.log, np.tanh
        add([getattr(vecmath, name)], _math(name))
    for name in dir(math):
        obj = getattr(math, name)
        if callable(obj) and name != "cbrt":
            add([obj], _math(name))
    for np_name in ("floor", "ceil", "trunc"):  # NumPy's are floats, math's integers
        add([getattr(np, np_name)], lambda args, f=np_name: call("float", call(f"math.{f}", *args)))
    add([np.cbrt, getattr(math, "cbrt", np.cbrt)], _cbrt)
    add([np.square], lambda args: ast.BinOp(args[0], ast.Mult(), clone(args[0])))
    add([np.reciprocal], lambda args: ast.BinOp(num(1.0), ast.Div(), args[0]))
    add([np.negative], lambda args: ast.UnaryOp(ast.USub(), args[0]))
    add([np.positive, helpers.cast_like], lambda args: args[0])
    add([np.float64, unary.float64], lambda args: call("float", args[0]))
    add([np.float32, unary.float32], lambda args: call("np.float32", args[0]))
    add([np.power], lambda args: ast.BinOp(args[0], ast.Pow(), args[1]))
    add([np.abs, unary.absolute, abs], lambda args: call("abs", args[0]))
    add([np.maximum, np.fmax, max], lambda args: call("max", *args))
    add([np.minimum, np.fmin, min], lambda args: call("min", *args))
    add([np.sign], _sign)
    add([np.clip, binary.clip], _clip)
    add([np.where, helpers.select], lambda args: _if(*args))
    add([helpers.greater_share], _greater_share)
    add([helpers.safe_reciprocal], lambda args: _if(compare(args[0], ast.Eq(), num(0)), num(0.0),
                                                    ast.BinOp(num(1.0), ast.Div(), clone(args[0]))))
    add([unary.log_base], _log_base)
    for name in ("float", "int", "bool", "round", "print", "range"):
        add([getattr(builtins, name)], lambda args, name=name: call(name, *args))
    # srcgrad's runtime, on scalars
    add([runtime.zeros_like], lambda args: num(0.0))
    add([runtime.unbroadcast, runtime.new_cotangent, runtime.take_cotangent, runtime.copy_value,
         runtime.stop_gradient, runtime.broadcast_like],
        lambda args: args[0])
    add([runtime.seed], lambda args: args[0])
    return table


_OPERATORS = (operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
              operator.neg, operator.pos, operator.floordiv, operator.mod)


def _is_array_function(fn: object) -> bool:
    if fn is len or fn is operator.matmul:
        return True
    return getattr(fn, "__module__", "").startswith("numpy") and not isinstance(fn, np.ufunc)


# --- the check, on the IR ------------------------------------------------------------------------


def check_scalar_function(fn: ir.Function) -> None:
    """Raise for anything in `fn` that a CUDA thread cannot run (see the module's docstring)."""
    arrays = {name for name, value in fn.globals.items() if isinstance(value, np.ndarray)}
    names = {**fn.imports, **fn.globals}
    for stmt in ir.walk(fn.body):
        if isinstance(stmt, ir.Raise):
            raise UnsupportedSyntaxError(
                f"'{stmt.origin.text}': 'raise' and 'assert' cannot run on the GPU target (a "
                "CUDA thread does not raise exceptions); check the arguments before the call, "
                "or use target='cpu'", stmt.origin.file, stmt.origin.line)
        if isinstance(stmt, ir.Store):
            _refuse(stmt, f"'{stmt.origin.text}' writes into an array")
        if isinstance(stmt, ir.Assign) and stmt.primitive is SUBSCRIPT:
            _refuse(stmt, f"the subscript '{ast.unparse(stmt.value)}' reads an array")
        if isinstance(stmt, ir.Assign) and stmt.primitive not in (None, SUBSCRIPT, TUPLE):
            _check_callable(stmt, stmt.primitive, spelling(stmt.primitive)
                            or getattr(stmt.primitive, "__name__", repr(stmt.primitive)))
        for node in expressions(stmt):
            _check_expression(stmt, node, names, arrays)


def _check_expression(stmt: ir.Stmt, node: ast.expr, names: dict, arrays: set[str]) -> None:
    for sub in ast.walk(node):  # the innermost construct first: `x.shape` in `x.shape[0]`
        if isinstance(sub, ast.Attribute) and _dotted_root(sub) not in ir.MODULES:
            _refuse(stmt, f"'{ast.unparse(sub)}' is an array attribute")
        if isinstance(sub, ast.Name) and sub.id in arrays:
            _refuse(stmt, f"'{sub.id}' is a global array")
    for sub in ast.walk(node):
        if isinstance(sub, ast.Subscript):
            _refuse(stmt, f"the subscript '{ast.unparse(sub)}' reads an array")
        if isinstance(sub, ast.Call):
            fn = resolve(sub.func, names)
            if fn is None:
                raise CompileError(f"'{ast.unparse(sub.func)}' cannot be called on the GPU: "
                                   f"{SCALARS}", stmt.origin.file, stmt.origin.line)
            _check_callable(stmt, fn, ast.unparse(sub.func))


def _check_callable(stmt: ir.Stmt, fn: object, name: str) -> None:
    if id(fn) in device_calls() or any(fn is op for op in _OPERATORS):
        return
    if _is_array_function(fn):
        _refuse(stmt, f"'{name}' is an array operation")
    raise CompileError(f"'{name}' has no CUDA device form: target='cuda' runs the math module's "
                       "functions, NumPy's elementwise functions of scalars, abs, min, max, "
                       "float, int and your own scalar functions",
                       stmt.origin.file, stmt.origin.line)


def _refuse(stmt: ir.Stmt, what: str) -> None:
    raise UnsupportedSyntaxError(f"{what}, which the GPU target cannot run: {SCALARS} "
                                 f"(in '{stmt.origin.text}')", stmt.origin.file, stmt.origin.line)


def resolve(func: ast.expr, names: dict[str, object]) -> object | None:
    """The callable a call's function node names in generated code."""
    if isinstance(func, ast.Name):
        if func.id in names:
            return names[func.id]
        return getattr(builtins, func.id, None)
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name) or func.id not in ir.MODULES:
        return None
    obj = np if func.id == "np" else math
    for part in reversed(parts):
        obj = getattr(obj, part, None)
    return obj


def _dotted_root(node: ast.Attribute) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


# --- small builders ---------------------------------------------------------------------------




def call(dotted: str, *args: ast.expr) -> ast.Call:
    parts = dotted.split(".")
    func: ast.expr = ast.Name(parts[0], ast.Load())
    for part in parts[1:]:
        func = ast.Attribute(func, part, ast.Load())
    return ast.Call(func, list(args), [])


def num(value) -> ast.Constant:
    return ast.Constant(value)


def plus(name: str, k: int) -> ast.expr:
    op = ast.Add() if k > 0 else ast.Sub()
    return ast.BinOp(ast.Name(name, ast.Load()), op, num(abs(k)))


def is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
