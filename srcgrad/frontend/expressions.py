"""Expressions → three-address form, with every call resolved.

`ExpressionLowering` turns one user expression into `ir.Assign` statements
whose values are single operations on atoms (`ast.Name`, `ast.Constant`):

    y = np.sin(x * w) * z      →   _t1 = x * w
                                   _t2 = np.sin(_t1)
                                   y = _t2 * z

Guarantees to the passes after it:

- An `Assign` value is one of: an atom (a copy); `a <op> b` or `-a` with
  `primitive` the `operator` function; a call `f(atoms...)` (tuples of atoms
  allowed as arguments) with `primitive` the callable it resolved to; a
  subscript `a[index]` (`primitive` is `SUBSCRIPT`) whose index holds atoms,
  slices of atoms, `None` and `...`; a tuple of atoms (`primitive` is
  `TUPLE`); or, with `nondiff=True`, a whole expression without derivative
  (comparisons, `and`/`or`, `x.shape`, `len(x)`, `np.zeros(n)`,
  `stop_gradient(x)`), which keeps short-circuit evaluation.
- Calls are spelled as the generated module imports them (`np.linalg.norm`,
  `math.exp`, a helper's plain name); methods are rewritten as NumPy
  functions (`x.sum(0)` → `np.sum(x, 0)`), `x.T` as `np.transpose(x)`, and
  `np.array([a, b])` of variables as `np.stack((a, b))`.
- Calls to the user's own functions are inlined (their statements appear in
  place, their locals renamed after the callee); a call that closes a cycle
  (recursion) stays a call, of a function generated for it (`recursion.py`).
- Free names that hold numbers become constants; other global values become
  globals of the generated module (`globals`).  Every global, closure or
  module-attribute read is recorded in `bindings` (see `frontend/bindings.py`).
- A call whose arguments do not fit its rule (or the function generated
  code calls in its place) is refused here, quoting the user's call; an
  `expansion` of the registry may write a call as other operations
  (`np.linalg.norm(x, ord=3)` as `np.sum(np.abs(x) ** 3.0) ** (1 / 3)`).

Calls are lowered by `calls.CallLowering`, which `ExpressionLowering` inherits.
"""

from __future__ import annotations

import ast
import copy
import sys
import types
from dataclasses import dataclass, field

import numpy as np

from .. import ir
from ..errors import UnsupportedSyntaxError
from ..ir.markers import SUBSCRIPT, TUPLE, Marker
from ..ir.naming import Namer
from ..rules import registry
from .bindings import Binding
from .calls import STOP, CallLowering, dotted, stop_gradient
from .parse import FunctionSource
from .subset import OPERATORS, Scope, spelling
from .walrus import AssignmentExpressions

__all__ = ["ExpressionLowering", "Context", "ReturnInfo", "STOP", "stop_gradient", "STACK_NEW",
           "STACK_POP", "copy_atom"]


# In a generated adjoint, differentiated again (`Lowering(stacks=True)`): a list
# used as a stack, `s = []`, `s.append(v)`, `v = s.pop()`.
STACK_NEW = Marker("STACK_NEW")  # primitive of `[]` (or `[0]`, a stack of shapes)
STACK_POP = Marker("STACK_POP")  # primitive of `s.pop()`
# the attributes of an array that are values, and the function each one means
_ATTRIBUTE_FUNCTIONS = {"T": np.transpose, "real": np.real, "imag": np.imag}


@dataclass
class ReturnInfo:
    """How `return` is lowered in the function being lowered."""

    flag: str | None  # set to True by an early `return`; None for one final return
    results: list[str] = field(default_factory=list)  # variables of an early return


@dataclass
class Context:
    """One function being lowered (the differentiated one, or an inlined callee)."""

    src: FunctionSource
    scope: Scope
    rename: dict[str, object]  # user local name → IR atom, or a static value (values.py)
    ret: ReturnInfo
    callers: tuple[object, ...]  # the chain of inlined functions, for recursion
    caller: Context | None = None  # the context that inlined this one
    home: dict[str, str] = field(default_factory=dict)  # local name → its IR variable
    leaves: dict[tuple, str] = field(default_factory=dict)  # (name, path) → element variable


class ExpressionLowering(CallLowering, AssignmentExpressions):
    """The expression half of the lowering; `statements.Lowering` adds statements."""

    def __init__(self, namer: Namer, stacks: bool = False):
        self.namer = namer
        self.stacks = stacks  # accept lists used as stacks (generated adjoints only)
        self.out: list[ir.Stmt] = []
        self.ctx: Context
        self.origin: ir.Origin
        self.globals: dict[str, object] = {}  # injected into the generated module
        self.imports: dict[str, object] = {}  # imported by the generated module
        self.bindings: list[Binding] = []  # the user's global reads (see frontend/bindings.py)
        self.temps: set[str] = set()
        self.lists: set[str] = set()  # lists grown in loops (frontend/growing.py)
        self.stacked_lists: set[str] = set()  # their elements stacked (growing.stack_of)

    # --- emitting ----------------------------------------------------------

    def error(self, node: ast.AST, message: str) -> UnsupportedSyntaxError:
        return self.ctx.src.error(node, message)

    def emit(self, stmt: ir.Stmt) -> None:
        self.out.append(_as_push_or_pop(stmt) if self.stacks else stmt)

    def emit_assign(self, target: str, value: ast.expr, primitive=None, nondiff=False) -> None:
        self.emit(ir.Assign(self.origin, target, value, primitive, nondiff))

    def temp(self, value: ast.expr, primitive=None, nondiff=False) -> ast.Name:
        name = self.namer.temp()
        self.temps.add(name)
        self.emit_assign(name, value, primitive, nondiff)
        return ast.Name(name, ast.Load())

    # --- atoms and operations ------------------------------------------------

    def atom(self, expr: ast.expr) -> ast.expr:
        """Lower `expr` and return an atom holding its value."""
        if isinstance(expr, ast.Constant):
            return expr
        if isinstance(expr, ast.Name) or self._is_global_value(expr):
            return self.load(expr)
        if (isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub)
                and isinstance(expr.operand, ast.Constant)
                and type(expr.operand.value) in (int, float)):
            return ast.Constant(-expr.operand.value)  # `-1`, as the printer writes it
        value, primitive, nondiff = self.operation(expr)
        if isinstance(value, (ast.Name, ast.Constant)) and primitive is None and not nondiff:
            return value
        return self.temp(value, primitive, nondiff)

    def assign(self, target: str, expr: ast.expr) -> None:
        """Lower `target = expr`, the operation assigned straight to `target`.

        An operation that reads its own target (`b = b * 2`) goes through a
        temporary, so that no statement reads the variable it writes: the
        reverse sweep needs both values."""
        value, primitive, nondiff = self.operation(expr)
        if not nondiff and primitive is not None and target in ir.names_in(value):
            value, primitive = self.temp(value, primitive), None
        self.emit_assign(target, value, primitive, nondiff)

    def operation(self, expr: ast.expr) -> tuple[ast.expr, object, bool]:
        """The one operation computing `expr`, its operands lowered to atoms.

        Returns (value, primitive, nondiff)."""
        if isinstance(expr, ast.Constant):
            return expr, None, False
        if isinstance(expr, ast.Name) or self._is_global_value(expr):
            return self.load(expr), None, False
        if self.stacks and isinstance(expr, ast.List) and all(
                isinstance(e, ast.Constant) for e in expr.elts):
            return expr, STACK_NEW, True
        if self.stacks and _stack_method(expr, "pop", 0):
            return ast.Call(ast.Attribute(self.load(expr.func.value), "pop", ast.Load()), [],
                            []), STACK_POP, False
        if isinstance(expr, ast.NamedExpr):
            return self.assignment_expression(expr), None, False
        if isinstance(expr, ast.BoolOp) and self.needs_statements(expr):
            return self._boolop_as_branches(expr), None, True
        if self.is_nondiff(expr):
            return self.canonical(expr), None, True
        if isinstance(expr, ast.BinOp):
            left, right = self.atom(expr.left), self.atom(expr.right)
            fn = OPERATORS[type(expr.op)]
            if registry.replacement(fn) is not None:  # `a @ b` where Numba's `@` falls short
                return self.call_expr(fn, [left, right], []), fn, False
            return ast.BinOp(left, expr.op, right), fn, False
        if isinstance(expr, ast.UnaryOp):
            operand = self.atom(expr.operand)
            return ast.UnaryOp(expr.op, operand), OPERATORS[type(expr.op)], False
        if isinstance(expr, ast.IfExp):
            return self._ifexp_as_branches(expr), None, False
        if isinstance(expr, ast.Call):
            return self.call(expr)
        if isinstance(expr, ast.Subscript):
            base = self.atom(expr.value)
            return ast.Subscript(base, self.index(expr.slice), ast.Load()), SUBSCRIPT, False
        if isinstance(expr, ast.Attribute):  # .T, .real and .imag are differentiable
            operand = self.atom(expr.value)
            fn = _ATTRIBUTE_FUNCTIONS[expr.attr]
            return self.call_expr(fn, [operand], []), fn, False
        if isinstance(expr, (ast.Tuple, ast.List)):
            return ast.Tuple([self.atom(e) for e in expr.elts], ast.Load()), TUPLE, False
        raise self.error(expr, f"the expression '{ast.unparse(expr)}' cannot be differentiated")

    def index(self, node: ast.expr) -> ast.expr:
        """A subscript's index with its parts lowered to atoms.  `a[...]` is
        written `a[...,]`, the same in NumPy, and a form Numba also reads."""
        if isinstance(node, ast.Constant) and node.value is Ellipsis:
            return ast.Tuple([node], ast.Load())
        return self._index_part(node)

    def _index_part(self, node: ast.expr) -> ast.expr:
        if isinstance(node, ast.Slice):
            parts = [None if p is None else self.atom(p) for p in (node.lower, node.upper, node.step)]
            return ast.Slice(*parts)
        if isinstance(node, ast.Tuple):
            return ast.Tuple([self._index_part(e) for e in node.elts], ast.Load())
        if isinstance(node, ast.Constant):
            return node
        return self.atom(node)

    # --- names ---------------------------------------------------------------

    def _is_global_value(self, expr: ast.expr) -> bool:
        return isinstance(expr, ast.Attribute) and self.ctx.scope.is_global_ref(expr) and not (
            isinstance(expr.value, ast.Name) and self.ctx.scope.is_local(expr.value.id)
        )

    def load(self, expr: ast.expr) -> ast.expr:
        """The atom for a variable, or for a global read (a number becomes a
        constant, an array a global of the generated module)."""
        if isinstance(expr, ast.Name) and self.ctx.scope.is_local(expr.id):
            atom = self.ctx.rename.get(expr.id)
            if atom is None:
                raise self.error(expr, f"name '{expr.id}' is used before it is assigned")
            return copy_atom(atom)
        value = self.ctx.scope.lookup(expr)
        return self.global_value(expr, value)

    def global_value(self, node: ast.expr, value: object) -> ast.expr:
        if isinstance(value, (bool, int, float, str, type(None))):
            return ast.Constant(value)
        if isinstance(value, np.generic) and np.ndim(value) == 0:
            return ast.Constant(value.item())
        if isinstance(value, tuple) and all(isinstance(v, (bool, int, float)) for v in value):
            return ast.Constant(value)
        if isinstance(value, np.ndarray):
            return ast.Name(self.global_name(value, ast.unparse(node)), ast.Load())
        spelled = spelling(value)
        if spelled is not None:
            return dotted(spelled)
        if isinstance(value, types.ModuleType):
            raise self.error(node, f"the module '{ast.unparse(node)}' cannot be used as a value")
        raise self.error(node, f"'{ast.unparse(node)}' ({type(value).__name__}) cannot be used "
                         "as a value in differentiated code")

    def global_name(self, value: object, hint: str) -> str:
        for name, existing in self.globals.items():
            if existing is value:
                return name
        name = self.namer.fresh(hint.replace(".", "_"))
        self.globals[name] = value
        return name

    def callable_expr(self, fn: object) -> ast.expr:
        """How the generated module calls `fn`: NumPy/`math` by their dotted
        names, srcgrad's own functions by the name it imports them under, any
        other callable as a global of the module."""
        spelled = spelling(fn)
        if spelled is not None:
            return dotted(spelled)
        if _importable(fn) and fn.__module__.startswith("srcgrad."):
            self.imports[fn.__name__] = fn
            return ast.Name(fn.__name__, ast.Load())
        return ast.Name(self.global_name(fn, getattr(fn, "__name__", "fn")), ast.Load())

    def constant_truth(self, test: ast.expr) -> bool | None:
        """The truth of a test made of constants only (literals, global
        numbers, arithmetic, comparisons and `and`/`or`/`not` on them), else
        None; `c or x` with a true constant `c` is true, `c and x` with a false
        one false.  Numba drops the branch such a test never takes; srcgrad
        drops it first, so that no stack is left pushed only in code Numba
        removed."""
        if isinstance(test, ast.BoolOp):
            known = [self.constant_truth(v) for v in test.values]
            decisive = isinstance(test.op, ast.Or)  # the value that decides `or`
            if decisive in known:
                return decisive
            return (not decisive) if all(k is not None for k in known) else None
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            known = self.constant_truth(test.operand)
            return None if known is None else not known
        allowed = (ast.Constant, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.Name,
                   ast.operator, ast.unaryop, ast.cmpop, ast.boolop, ast.expr_context)
        folded = ast.fix_missing_locations(copy.deepcopy(test))
        for node in ast.walk(folded):
            if not isinstance(node, allowed):
                return None
            if isinstance(node, ast.Constant) and type(node.value) not in (bool, int, float):
                return None
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and not (
                    isinstance(node.right, ast.Constant) and abs(node.right.value) <= 64):
                return None  # `10 ** 10 ** 10` would take forever
        values = {}
        for n in ast.walk(folded):
            if isinstance(n, ast.Name):
                if self.ctx.scope.is_local(n.id):
                    return None
                values[n.id] = self.ctx.scope.lookup(n)  # a global: Numba freezes it
                if type(values[n.id]) not in (bool, int, float):
                    return None
        try:
            value = eval(compile(ast.Expression(folded), "<test>", "eval"),
                         {"__builtins__": {}, **values})
        except Exception:  # noqa: BLE001  (a test Python would fail on: leave it to run)
            return None
        return bool(value) if type(value) in (bool, int, float) else None

    def condition(self, test: ast.expr, name: str) -> str:
        """Lower an `if`/`while` test into the variable `name`."""
        self.assign(name, test)
        return name

    # --- branches inside expressions -------------------------------------------------

    def _ifexp_as_branches(self, expr: ast.IfExp) -> ast.Name:
        cond = self.condition(expr.test, self.namer.fresh(f"cond_{self.origin.line}"))
        result = self.namer.temp()
        body = self.branch(lambda: self.assign(result, expr.body))
        orelse = self.branch(lambda: self.assign(result, expr.orelse))
        self.emit(ir.If(self.origin, cond, body, orelse))
        return ast.Name(result, ast.Load())

    def _boolop_as_branches(self, expr: ast.BoolOp) -> ast.Name:
        """`a and b` with calls to the user's functions, lowered to branches so
        that `b` is evaluated only when Python would evaluate it."""
        result = self.namer.temp()
        self.assign(result, expr.values[0])
        for value in expr.values[1:]:
            test = ast.Name(result, ast.Load())
            if isinstance(expr.op, ast.Or):
                test = ast.UnaryOp(ast.Not(), test)
            cond = self.namer.fresh(f"cond_{self.origin.line}")
            self.emit_assign(cond, test, nondiff=True)
            body = self.branch(lambda v=value: self.assign(result, v))
            self.emit(ir.If(self.origin, cond, body, []))
        return ast.Name(result, ast.Load())

    def branch(self, lower) -> list[ir.Stmt]:
        saved, self.out = self.out, []
        try:
            lower()
            return self.out
        finally:
            self.out = saved


def _importable(fn: object) -> bool:
    module = sys.modules.get(getattr(fn, "__module__", None) or "")
    name = getattr(fn, "__name__", None)
    return module is not None and name is not None and getattr(module, name, None) is fn


def copy_atom(node: ast.expr) -> ast.expr:
    """A new node for an atom (a name or a constant), to use in a second place."""
    if isinstance(node, ast.Name):
        return ast.Name(node.id, ast.Load())
    return ast.Constant(node.value) if isinstance(node, ast.Constant) else node


def _stack_method(expr: ast.expr, method: str, nargs: int) -> bool:
    """Whether `expr` is `name.method(...)` with `nargs` positional arguments."""
    return (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute)
            and expr.func.attr == method and isinstance(expr.func.value, ast.Name)
            and len(expr.args) == nargs and not expr.keywords)


def _as_push_or_pop(stmt: ir.Stmt) -> ir.Stmt:
    """In a generated adjoint read back from its source: a push or a pop of
    its stacks as the typed statement later passes recognise (`ir.Push`,
    `ir.Pop`; unlinked, since the text does not say which push a pop pairs
    with).  This is the one place that reads them by their names."""
    value = getattr(stmt, "value", None)
    shape_call = (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                  and len(value.args) == 2 and isinstance(value.args[0], ast.Name))
    if type(stmt) is ir.ExprStmt:
        if _stack_method(value, "append", 1):  # `s.append(v)`
            return ir.Push(stmt.origin, value)
        if shape_call and value.func.id == "push_shape":  # `push_shape(s, x)`
            return ir.Push(stmt.origin, value, shape=True)
    if type(stmt) is ir.Assign:
        if stmt.primitive is STACK_POP:  # `v = s.pop()`
            return ir.Pop(stmt.origin, stmt.target, value, stmt.primitive, stmt.nondiff)
        if shape_call and value.func.id == "pop_shape":  # `x = pop_shape(s, x)`
            return ir.Pop(stmt.origin, stmt.target, value, stmt.primitive, stmt.nondiff,
                          shape=True)
    return stmt
