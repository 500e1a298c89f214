"""The adjoint as CUDA device code: scalar operations, no Python objects.

`target="cuda"` differentiates functions of scalars, evaluated elementwise on
the GPU (`backend/cuda.py` launches them).  Two steps, on either side of the reverse
pass:

- `check_scalar_function` (on the IR, before the adjoint is built) raises,
  naming the user's file, line and construct, for what a CUDA thread cannot
  run: an array operation (`np.sum`, `len`, `x.shape`, `np.zeros`), a
  subscript or a write into an array, a global array, and a call that has no
  device form (an `UnsupportedSyntaxError` for the array constructs, a
  `CompileError` for the calls).

- `device_adjoint` (on the cleaned-up adjoint) rewrites it into code that
  Numba-CUDA compiles as a device function, and guarantees to the printer:

  * every call is a `math` function, a builtin of scalars (`abs`, `min`,
    `max`, `float`, `int`, `print`, `range`) or an `np.float32`/`np.float64`
    cast; NumPy's elementwise functions became their `math` twins, and
    srcgrad's helpers (`seed`, `zeros_like`, `unbroadcast`, `select`, ...)
    became the scalar expressions they compute;
  * no list is left: a stack of saved values (`x_stack.append(x)`,
    `x = x_stack.pop()`) is a per-thread `cuda.local.array` of float64 (exact
    for float32, integers and booleans; popped integers and booleans are cast
    back) with an integer top, sized at compile time by the loops around its
    pushes: a `for` over a range of constant bounds runs a known number of
    times; any other loop (`while`, a range with a computed bound) needs the
    `max_trips` option, without which a `CompileError` names the loop and
    says why.  Stacks of shapes, which scalars do not need, are gone;
  * with `max_trips`, the adjoint takes one more parameter, `overflow` (an
    integer array of one element): a stack whose loops ran more than
    `max_trips` times keeps its writes and reads inside its storage, and the
    adjoint stores there the 1-based position of that loop in `loops`, so
    that the caller reports it instead of returning a wrong gradient;
  * the seeds (`grad_y`) default to 1.0, and the adjoint returns what the
    gradient function returns for one element: one gradient, or a tuple in
    `wrt` order (after the function's value with `preserve_result`).
"""

from __future__ import annotations

import ast
import builtins
import inspect
import math
import operator
from dataclasses import dataclass
from functools import cache

import numpy as np

from .. import ir, runtime
from ..errors import CompileError, UnsupportedSyntaxError
from ..frontend.subset import spelling
from ..ir.markers import SUBSCRIPT, TUPLE
from ..ir.naming import Namer
from ..ir.parts import clone, expressions
from ..rules import binary, helpers, unary
from ..runtime import vecmath

__all__ = ["DeviceAdjoint", "DeviceOptions", "Layout", "Leaf", "check_scalar_function",
           "device_adjoint", "MAX_STACK_BYTES"]

MAX_STACK_BYTES = 64 * 1024  # per thread: CUDA allows 512 KiB, but memory traffic grows with it
_SCALARS = "target='cuda' differentiates functions of scalars, evaluated elementwise"


@dataclass(frozen=True)
class Leaf:
    """One scalar of what the device function returns."""

    kind: str  # "value" (an output of the function) or "grad" (a gradient)
    index: int  # which output, which wrt entry
    name: str  # the variable that holds it
    none: bool = False  # an unconnected gradient: always None


Layout = Leaf | tuple  # a Leaf, or a tuple of layouts


@dataclass
class DeviceAdjoint:
    body: list[ir.Stmt]
    params: list[str]  # as printed
    values: list[str]  # the function's parameters
    overflow: str | None  # the overflow array's parameter, with max_trips
    seeds: list[str]  # the grad_y parameters, default 1.0
    returns: ast.expr
    layout: Layout  # the structure of `returns`
    imports: list[str]  # the header's import lines
    loops: list[ir.Origin]  # the loops that max_trips bounds; `overflow` holds a 1-based index


# --- what a CUDA thread can call ---------------------------------------------------------------


def _math(name: str):
    return lambda args: _call(f"math.{name}", *args)


def _if(test: ast.expr, body: ast.expr, orelse: ast.expr) -> ast.expr:
    return ast.IfExp(test, body, orelse)


def _cmp(left: ast.expr, op: ast.cmpop, right: ast.expr) -> ast.expr:
    return ast.Compare(clone(left), [op], [clone(right)])


def _sign(args):
    (x,) = args  # NumPy's sign: 0 at 0, nan at nan
    return _if(_cmp(x, ast.Gt(), _num(0)), _num(1.0),
               _if(_cmp(x, ast.Lt(), _num(0)), _num(-1.0), ast.BinOp(clone(x), ast.Mult(), _num(0.0))))


def _greater_share(args):
    x, y = args
    return _if(_cmp(x, ast.Gt(), y), _num(1.0), _if(_cmp(x, ast.Eq(), y), _num(0.5), _num(0.0)))


def _clip(args):
    value, low, high = args
    if not _is_none(low):
        value = _call("max", value, low)
    if not _is_none(high):
        value = _call("min", value, high)
    return value


def _log_base(args):
    if len(args) == 1:
        return _call("math.log", *args)
    return ast.BinOp(_call("math.log", args[0]), ast.Div(), _call("math.log", args[1]))


def _cbrt(args):
    (x,) = args
    root = ast.BinOp(_call("abs", x), ast.Pow(), ast.BinOp(_num(1.0), ast.Div(), _num(3.0)))
    return _call("math.copysign", root, clone(x))


_NUMPY_TWINS = {
    "sin": "sin", "cos": "cos", "tan": "tan", "arcsin": "asin", "arccos": "acos",
    "arctan": "atan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "arcsinh": "asinh",
    "arccosh": "acosh", "arctanh": "atanh", "exp": "exp", "exp2": "exp2", "expm1": "expm1",
    "log": "log", "log1p": "log1p", "log2": "log2", "log10": "log10", "sqrt": "sqrt",
    "arctan2": "atan2", "hypot": "hypot", "fabs": "fabs", "copysign": "copysign",
    "isnan": "isnan", "isinf": "isinf", "isfinite": "isfinite",
}  # fmt: skip


@cache
def _device_calls() -> dict[int, object]:
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
        add([getattr(np, np_name)], lambda args, f=np_name: _call("float", _call(f"math.{f}", *args)))
    add([np.cbrt, getattr(math, "cbrt", np.cbrt)], _cbrt)
    add([np.square], lambda args: ast.BinOp(args[0], ast.Mult(), clone(args[0])))
    add([np.reciprocal], lambda args: ast.BinOp(_num(1.0), ast.Div(), args[0]))
    add([np.negative], lambda args: ast.UnaryOp(ast.USub(), args[0]))
    add([np.positive, helpers.cast_like], lambda args: args[0])
    add([np.float64, unary.float64], lambda args: _call("float", args[0]))
    add([np.float32, unary.float32], lambda args: _call("np.float32", args[0]))
    add([np.power], lambda args: ast.BinOp(args[0], ast.Pow(), args[1]))
    add([np.abs, unary.absolute, abs], lambda args: _call("abs", args[0]))
    add([np.maximum, np.fmax, max], lambda args: _call("max", *args))
    add([np.minimum, np.fmin, min], lambda args: _call("min", *args))
    add([np.sign], _sign)
    add([np.clip, binary.clip], _clip)
    add([np.where, helpers.select], lambda args: _if(*args))
    add([helpers.greater_share], _greater_share)
    add([helpers.safe_reciprocal], lambda args: _if(_cmp(args[0], ast.Eq(), _num(0)), _num(0.0),
                                                    ast.BinOp(_num(1.0), ast.Div(), clone(args[0]))))
    add([unary.log_base], _log_base)
    for name in ("float", "int", "bool", "round", "print", "range"):
        add([getattr(builtins, name)], lambda args, name=name: _call(name, *args))
    # srcgrad's runtime, on scalars
    add([runtime.zeros_like], lambda args: _num(0.0))
    add([runtime.unbroadcast, runtime.new_cotangent, runtime.take_cotangent, runtime.copy_value,
         runtime.stop_gradient],
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
            fn = _resolve(sub.func, names)
            if fn is None:
                raise CompileError(f"'{ast.unparse(sub.func)}' cannot be called on the GPU: "
                                   f"{_SCALARS}", stmt.origin.file, stmt.origin.line)
            _check_callable(stmt, fn, ast.unparse(sub.func))


def _check_callable(stmt: ir.Stmt, fn: object, name: str) -> None:
    if id(fn) in _device_calls() or any(fn is op for op in _OPERATORS):
        return
    if _is_array_function(fn):
        _refuse(stmt, f"'{name}' is an array operation")
    raise CompileError(f"'{name}' has no CUDA device form: target='cuda' runs the math module's "
                       "functions, NumPy's elementwise functions of scalars, abs, min, max, "
                       "float, int and your own scalar functions",
                       stmt.origin.file, stmt.origin.line)


def _refuse(stmt: ir.Stmt, what: str) -> None:
    raise UnsupportedSyntaxError(f"{what}, which the GPU target cannot run: {_SCALARS} "
                                 f"(in '{stmt.origin.text}')", stmt.origin.file, stmt.origin.line)


def _resolve(func: ast.expr, names: dict[str, object]) -> object | None:
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


# --- the rewrite, on the adjoint -------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceOptions:
    """What `target="cuda"` adds to `transform.Options`."""

    max_trips: int | None = None  # the bound of loops whose trip count is not a constant
    single_wrt: bool = True  # the gradient function returns one gradient, not a tuple


def device_adjoint(body: list[ir.Stmt], returns: ast.Tuple, params: list[str],
                   seed_params: list[str], stacks: set[str], names: dict[str, object],
                   namer: Namer, options: DeviceOptions, preserve_result: bool,
                   single_result: bool) -> DeviceAdjoint:
    """`body` (the cleaned-up adjoint) rewritten for a CUDA thread; `names`
    maps the helpers the body calls by name to the callables."""
    cuda = namer.fresh("cuda")
    shapes = {s for s in stacks if _is_shape_stack(body, s)}
    body = _filter(body, lambda stmt: not _saves_shape(stmt, shapes))
    calls = _DeviceCalls(names)
    calls.rewrite(body)
    returns = calls.visit(returns)
    body = _filter(body, lambda stmt: not _is_pure_expression(stmt))
    overflow = namer.fresh("overflow") if options.max_trips is not None else None
    stacks_pass = _Stacks(body, stacks - shapes, namer, cuda, options.max_trips, overflow)
    body = stacks_pass.rewrite()
    device_params = [*params, *([overflow] if overflow else []),
                     *(f"{p}=1.0" for p in seed_params)]
    used = {n.id for stmt in ir.walk(body) for node in expressions(stmt)
            for n in ast.walk(node) if isinstance(n, ast.Name)}
    third_party = ["import numpy as np"] if "np" in used or stacks_pass.declared else []
    if stacks_pass.declared:
        third_party.append("from numba import cuda" if cuda == "cuda" else
                           f"from numba import cuda as {cuda}")
    imports = ["import math"] if "math" in used else []
    imports += ([""] if imports and third_party else []) + third_party
    layout = _layout(returns, options.single_wrt, preserve_result, single_result)
    return DeviceAdjoint(body, device_params, list(params), overflow, list(seed_params),
                         _layout_expr(layout), layout, imports, stacks_pass.loops)


def _layout(returns: ast.Tuple, single_wrt: bool, preserve_result: bool,
            single_result: bool) -> Layout:
    """What the gradient function returns for one element: the gradient (or a
    tuple of them), after the function's value with `preserve_result`."""
    def leaves(node: ast.Tuple, kind: str, single: bool) -> Layout:
        found = tuple(Leaf(kind, k, ast.unparse(e), _is_none(e)) for k, e in enumerate(node.elts))
        return found[0] if single else found

    if not preserve_result:
        return leaves(returns, "grad", single_wrt)
    return (leaves(returns.elts[0], "value", single_result),
            leaves(returns.elts[1], "grad", single_wrt))


def _layout_expr(layout: Layout) -> ast.expr:
    if isinstance(layout, Leaf):
        return ast.Constant(None) if layout.none else ast.parse(layout.name, mode="eval").body
    return ast.Tuple([_layout_expr(part) for part in layout], ast.Load())


def _filter(body: list[ir.Stmt], keep) -> list[ir.Stmt]:
    """`body` without the statements (nested ones too) that `keep` refuses."""
    kept = [s for s in body if keep(s)]
    for stmt in kept:
        for inner in ir.blocks(stmt):
            inner[:] = _filter(inner, keep)
    return kept


def _is_pure_expression(stmt: ir.Stmt) -> bool:
    """A statement of a value and no call (`seed(grad_y, y)`, kept for its
    shape check, becomes `grad_y`)."""
    return isinstance(stmt, ir.ExprStmt) and not any(
        isinstance(n, ast.Call) for n in ast.walk(stmt.value))


class _DeviceCalls(ast.NodeTransformer):
    """Every call in the body replaced by its device expression."""

    def __init__(self, names: dict[str, object]):
        self.names = names
        self.stmt: ir.Stmt | None = None

    def rewrite(self, body: list[ir.Stmt]) -> None:
        for stmt in list(ir.walk(body)):
            self.stmt = stmt
            for field in ("value", "target", "start", "stop", "step", "test"):
                node = getattr(stmt, field, None)
                if isinstance(node, ast.expr):
                    setattr(stmt, field, self.visit(node))

    def visit_Call(self, node: ast.Call) -> ast.expr:
        self.generic_visit(node)
        func = node.func
        if isinstance(self.stmt, (ir.Push, ir.Pop, ir.PopStore)) and node is self.stmt.value:
            return node  # a stack: `_Stacks` rewrites it
        fn = _resolve(func, self.names)
        build = _device_calls().get(id(fn)) if fn is not None else None
        args = _positional(fn, node)
        if build is None or args is None:
            origin = self.stmt.origin if self.stmt else ir.Origin(None, None, "")
            raise CompileError(f"'{ast.unparse(node)}' has no CUDA device form in srcgrad "
                               f"(generated for '{origin.text}')", origin.file, origin.line)
        return build(args)


def _positional(fn: object, call: ast.Call) -> list[ast.expr] | None:
    """The call's arguments in parameter order (keywords bound by `fn`'s
    signature), or None if they cannot be ordered."""
    if not call.keywords:
        return list(call.args)
    try:
        bound = inspect.signature(fn).bind(*call.args, **{k.arg: k.value for k in call.keywords})
    except (TypeError, ValueError):
        return None
    bound.apply_defaults()
    return [v if isinstance(v, ast.AST) else ast.Constant(v) for v in bound.arguments.values()]


# --- stacks -------------------------------------------------------------------------------------


def _is_shape_stack(body: list[ir.Stmt], stack: str) -> bool:
    return any(isinstance(s, ir.Push) and s.shape and s.stack == stack for s in ir.walk(body))


def _saves_shape(stmt: ir.Stmt, shapes: set[str]) -> bool:
    """A shape stack's creation, push or pop: a scalar needs none (`pop_shape`
    of a scalar gives it back)."""
    if isinstance(stmt, ir.Assign) and stmt.target in shapes:
        return True
    return isinstance(stmt, (ir.Push, ir.Pop)) and stmt.shape and stmt.stack in shapes


class _Stacks:
    """Lists become local arrays (see the module's docstring)."""

    def __init__(self, body: list[ir.Stmt], stacks: set[str], namer: Namer, cuda: str,
                 max_trips: int | None, overflow: str | None):
        self.body = body
        self.stacks = stacks
        self.namer = namer
        self.cuda = cuda
        self.max_trips = max_trips
        self.overflow = overflow
        self.kinds = _kinds(body)
        self.capacity: dict[str, int] = {}
        self.bounded_by: dict[str, ir.Origin] = {}  # stack → innermost loop max_trips bounds
        self.tops = {s: namer.fresh(f"{s}_top") for s in sorted(stacks)}
        self.loops: list[ir.Origin] = []
        self.declared = False

    def rewrite(self) -> list[ir.Stmt]:
        self._size(self.body, 1, None)
        size = 8 * sum(self.capacity.values())
        if size > MAX_STACK_BYTES:
            origin = next(iter(self.bounded_by.values()), self.body[0].origin)
            remedy = "lower max_trips" if self.bounded_by else "run fewer iterations"
            raise CompileError(f"the values that the loops save for the reverse sweep need "
                               f"{size} bytes per GPU thread, more than the "
                               f"{MAX_STACK_BYTES} that target='cuda' allows: {remedy}",
                               origin.file, origin.line)
        body: list[ir.Stmt] = []
        for stmt in self.body:
            if isinstance(stmt, ir.Assign) and stmt.target in self.stacks:
                body.extend(self._declare(stmt))
            else:
                body.append(stmt)
        return self._insert_checks(self._replace(body))

    # sizes: how many pushes the forward sweep makes at most

    def _size(self, block: list[ir.Stmt], trips: int, bounded: ir.Origin | None) -> None:
        for stmt in block:
            stack = _pushed(stmt, self.stacks)
            if stack is not None:
                self.capacity[stack] = self.capacity.get(stack, 0) + trips
                if bounded is not None:
                    self.bounded_by.setdefault(stack, bounded)
            elif isinstance(stmt, ir.If):
                self._size(stmt.body, trips, bounded)
                self._size(stmt.orelse, trips, bounded)
            elif isinstance(stmt, (ir.For, ir.While)) and _pushes_inside(stmt, self.stacks):
                count, inner = _constant_trips(stmt), bounded
                if count is None:
                    count, inner = self._max_trips(stmt), stmt.origin
                self._size(stmt.body, trips * count, inner)

    def _max_trips(self, loop: ir.For | ir.While) -> int:
        if self.max_trips is None:
            kind = "a while loop" if isinstance(loop, ir.While) else \
                "a for loop over a range with a computed bound"
            saved = sorted({ast.unparse(s.value.args[0]) for s in ir.walk(loop.body)
                            if _pushed(s, self.stacks)})
            raise CompileError(
                f"'{loop.origin.text}' is {kind}: target='cuda' keeps the values that its "
                f"iterations save for the reverse sweep ({', '.join(saved)}) in per-thread "
                "storage sized at compile time, and how often this loop runs is not known "
                "then.  Pass max_trips=N to sg.grad to bound it (the gradient call raises "
                "if it runs more often)", loop.origin.file, loop.origin.line)
        if loop.origin not in self.loops:
            self.loops.append(loop.origin)
        return self.max_trips

    # statements

    def _declare(self, init: ir.Assign) -> list[ir.Stmt]:
        stack = init.target
        self.declared = True
        array = _call(f"{self.cuda}.local.array", _num(max(1, self.capacity.get(stack, 0))),
                      ast.Attribute(ast.Name("np", ast.Load()), "float64", ast.Load()))
        return [ir.Assign(init.origin, stack, array),
                ir.Assign(init.origin, self.tops[stack], _num(0))]

    def _slot(self, stack: str) -> ast.expr:
        top = ast.Name(self.tops[stack], ast.Load())
        if stack in self.bounded_by:  # past an overflow, stay inside the array
            return _call("min", top, _num(self.capacity[stack] - 1))
        return top

    def _replace(self, block: list[ir.Stmt]) -> list[ir.Stmt]:
        out: list[ir.Stmt] = []
        for stmt in block:
            for inner in ir.blocks(stmt):
                inner[:] = self._replace(inner)
            stack = _pushed(stmt, self.stacks)
            if stack is not None:
                top = self.tops[stack]
                out.append(ir.Store(stmt.origin, stack, self._slot(stack), stmt.value.args[0]))
                out.append(ir.Assign(stmt.origin, top, _add(top, 1)))
                continue
            stack = _popped(stmt, self.stacks)
            if stack is not None:
                top = self.tops[stack]
                out.append(ir.Assign(stmt.origin, top, _add(top, -1)))
                stmt.value = self._cast(stmt.target, ast.Subscript(
                    ast.Name(stack, ast.Load()), self._slot(stack), ast.Load()))
            out.append(stmt)
        return out

    def _cast(self, name: str, value: ast.expr) -> ast.expr:
        kind = self.kinds.get(name)
        if kind == "bool":
            return _cmp(value, ast.NotEq(), _num(0.0))
        if kind == "int":
            return _call("int", value)
        return value

    def _insert_checks(self, body: list[ir.Stmt]) -> list[ir.Stmt]:
        """At the end of the forward sweep: tell the caller of a stack that
        overflowed, by the loop that max_trips bounded."""
        end = next((k for k, s in enumerate(body) if s.origin.grad), len(body))
        checks: list[ir.Stmt] = []
        for stack in sorted(self.bounded_by):
            loop = self.bounded_by[stack]
            flag = self.namer.fresh(f"{stack}_overflowed")
            top = ast.Name(self.tops[stack], ast.Load())
            checks.append(ir.Assign(loop, flag, _cmp(top, ast.Gt(), _num(self.capacity[stack]))))
            store = ir.Store(loop, self.overflow, _num(0), _num(self.loops.index(loop) + 1))
            checks.append(ir.If(loop, flag, [store], []))
        return body[:end] + checks + body[end:]


def _constant_trips(loop: ir.For | ir.While) -> int | None:
    if isinstance(loop, ir.While):
        return None
    bounds = [loop.start, loop.stop, loop.step]
    if all(isinstance(b, ast.Constant) and type(b.value) is int for b in bounds):
        return len(range(*(b.value for b in bounds)))
    return None


def _pushes_inside(loop: ir.Stmt, stacks: set[str]) -> bool:
    return any(_pushed(s, stacks) for s in ir.walk(loop.body))


def _pushed(stmt: ir.Stmt, stacks: set[str]) -> str | None:
    """The stack of `stack.append(v)`."""
    pushed = isinstance(stmt, ir.Push) and not stmt.shape and stmt.stack in stacks
    return stmt.stack if pushed else None


def _popped(stmt: ir.Stmt, stacks: set[str]) -> str | None:
    """The stack of `v = stack.pop()`."""
    popped = isinstance(stmt, ir.Pop) and not stmt.shape and stmt.stack in stacks
    return stmt.stack if popped else None


# --- kinds of scalars: which variables surely hold booleans or integers --------------------------


def _kinds(body: list[ir.Stmt]) -> dict[str, str]:
    """"bool" or "int" for each variable that holds one after every
    assignment.  A popped value has the kind of what was pushed, so pops do
    not count; a variable that nothing assigns (a parameter) may be a float."""
    sources: dict[str, list[ast.expr | str]] = {}
    for stmt in ir.walk(body):
        if isinstance(stmt, ir.Assign) and not isinstance(stmt, ir.Pop):
            sources.setdefault(stmt.target, []).append(stmt.value)
        elif isinstance(stmt, ir.Accumulate) and isinstance(stmt.target, ast.Name):
            sources.setdefault(stmt.target.id, []).append("float")
        elif isinstance(stmt, ir.For):
            sources.setdefault(stmt.var, []).append("int")
    kinds: dict[str, str | None] = dict.fromkeys(sources)  # None: nothing known yet
    changed = True
    while changed:  # kinds only rise (None → bool → int → float): this ends
        changed = False
        for name, values in sources.items():
            kind = _join(*(v if isinstance(v, str) else _kind(v, kinds) for v in values))
            if kind != kinds[name]:
                kinds[name] = kind
                changed = True
    return {name: kind for name, kind in kinds.items() if kind in ("bool", "int")}


_RANK = {None: 0, "bool": 1, "int": 2, "float": 3}


def _join(*kinds: str | None) -> str | None:
    return max(kinds, key=_RANK.__getitem__, default=None)


def _kind(node: ast.expr, kinds: dict[str, str | None]) -> str | None:
    if isinstance(node, ast.Constant):
        return {bool: "bool", int: "int"}.get(type(node.value), "float")
    if isinstance(node, ast.Name):
        return kinds[node.id] if node.id in kinds else "float"
    if isinstance(node, (ast.Compare, ast.BoolOp)) or (
            isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
        return "bool"
    if isinstance(node, ast.UnaryOp):
        return _join("int", _kind(node.operand, kinds))  # `-flag` is an integer
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult,
                                                            ast.FloorDiv, ast.Mod)):
        return _join("int", _kind(node.left, kinds), _kind(node.right, kinds))
    if isinstance(node, ast.IfExp):
        return _join(_kind(node.body, kinds), _kind(node.orelse, kinds))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id in ("int", "round", "len"):
        return "int"
    return "float"


# --- small builders ---------------------------------------------------------------------------




def _call(dotted: str, *args: ast.expr) -> ast.Call:
    parts = dotted.split(".")
    func: ast.expr = ast.Name(parts[0], ast.Load())
    for part in parts[1:]:
        func = ast.Attribute(func, part, ast.Load())
    return ast.Call(func, list(args), [])


def _num(value) -> ast.Constant:
    return ast.Constant(value)


def _add(name: str, k: int) -> ast.expr:
    op = ast.Add() if k > 0 else ast.Sub()
    return ast.BinOp(ast.Name(name, ast.Load()), op, _num(abs(k)))


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
