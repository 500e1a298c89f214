"""The tangent sweep: each statement of the primal followed by its tangent.

`build_tangent` walks the IR once, in order, and writes beside every
statement that changes an active variable the statement that changes its
tangent (`dx` for `x`):

    y = np.sin(x)        ─►    y = np.sin(x)
                               dy = np.cos(x) * dx
    a[i] = v             ─►    da[i] = dv
                               a[i] = v
    v = a[i]             ─►    v = a[i]
                               dv = da[i]

Control flow is the primal's own (`if`, `for`, `while` and their exit flags
are copied as they are, with the tangent statements inside), so no value
is saved.  A generated adjoint differentiated again (forward over reverse)
has stacks: each stack of active values gets a stack of their tangents,
pushed and popped in step with it (`ds.append(dv)` beside `s.append(v)`).  Only active variables (varied by a `wrt`
parameter and useful to a result, `analysis/activity.py`) have tangents.

Guarantees to `optimize/cleanup.py` and the printer:
- every assignment to an active variable is followed by one to its
  tangent (`zeros_like(y)` where no operand of it varies: a tangent has its
  primal's type on every path, as Numba needs), every store into an active
  array is preceded by one into its tangent (`da[i] = 0.0` for a constant
  value), which changes no primal value;
- an elementwise tangent not known to have its result's shape is
  broadcast to it (`broadcast_like(t, y)`); in a function that stores into
  arrays, a tangent is a value of its own where its primal is (a copy
  where a rule hands back an operand's tangent or a view of it), and shares
  memory where its primal does (the tangent of a view is a view);
- a statement whose target is one of its operands (`y = f(y)`) has its
  tangent first where the tangent does not read y (`dacc.append(dv)` before
  `acc.append(v)`), else reads the old value under a name of its own
  (`y_old = y; y = f(y_old)`), which its tangent reads too;
- the body returns `(y, dy)` (tuples of both for several results; `dy`
  alone without `value`), the tangent of a result that does not vary
  being `zeros_like(y)`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .. import ir
from ..analysis.activity import Activity
from ..analysis.operations import OpKind, operation
from ..frontend.expressions import STACK_POP
from ..ir import effects
from ..ir.markers import SUBSCRIPT
from ..ir.naming import Namer
from ..ir.parts import clone
from ..ir.recursion import RecursiveFunction
from .rules import tangent_expression

__all__ = ["TangentBody", "build_tangent"]


@dataclass
class TangentBody:
    params: list[str]  # the primal's parameters, then the tangents of the wrt ones
    tangent_params: list[str]
    body: list[ir.Stmt]
    returns: ast.expr
    helpers: dict[str, object] = field(default_factory=dict)
    temp_tangents: set[str] = field(default_factory=set)  # tangents of temporaries
    stacks: set[str] = field(default_factory=set)  # the stacks of tangents beside the primal's
    tangents: set[str] = field(default_factory=set)  # every variable that holds a tangent
    recursive: bool = False  # a call closes a cycle (its jvp returns the value beside)


def build_tangent(fn: ir.Function, activity: Activity, wrt: list[str], namer: Namer,
                  aliases: dict[str, set[str]], value: bool = True) -> TangentBody:
    """`aliases`: the names that may share memory with each variable
    (`analysis/aliasing.py`); `value`: return the value beside the tangent
    (else the tangent alone, and cleanup drops what only the value needed)."""
    sweep = _Sweep(fn, activity, namer, aliases)
    tangent_params = [sweep.dot(p) for p in wrt]
    # a parameter not differentiated that an active value is copied from later
    # (`x1 = x1` in a loop that then assigns x1 from x2) starts with a zero tangent
    start = [ir.Assign(fn.origin, sweep.dot(p), sweep.zeros(p))
             for p in fn.params if p not in wrt and sweep.varies(p)]
    body = start + sweep.block(fn.body)
    values = [ast.Name(r, ast.Load()) for r in fn.results]
    dots = [ast.Name(sweep.dot(r), ast.Load()) if sweep.varies(r) else sweep.zeros(r)
            for r in fn.results]
    if not value:
        returns = dots[0] if fn.single_result else ast.Tuple(dots, ast.Load())
    elif fn.single_result:
        returns = ast.Tuple([values[0], dots[0]], ast.Load())
    else:
        returns = ast.Tuple([ast.Tuple(values, ast.Load()), ast.Tuple(dots, ast.Load())],
                            ast.Load())
    temp_tangents = {d for name, d in sweep.names.items() if name in fn.temps}
    return TangentBody(list(fn.params), tangent_params, body, returns, sweep.helpers,
                       temp_tangents, sweep.stacks, set(sweep.names.values()) | sweep.popped,
                       sweep.recursive)


class _Sweep:
    def __init__(self, fn: ir.Function, activity: Activity, namer: Namer,
                 aliases: dict[str, set[str]]):
        self.fn = fn
        self.activity = activity
        self.namer = namer
        self.names: dict[str, str] = {}
        self.helpers: dict[str, object] = {}
        self.same: dict[str, str] = {}  # a kept old value -> the variable it is a value of
        self.stacks: set[str] = set()  # the stacks of tangents
        self.popped: set[str] = set()  # tangents popped only to keep a stack in step
        self.recursive = False
        # the arrays stored into, and all that may share memory with one
        self.stored: set[str] = set()
        for stmt in ir.walk(fn.body):
            if isinstance(stmt, ir.Store):
                self.stored |= aliases.get(stmt.array, {stmt.array})

    # --- names ------------------------------------------------------------------------------

    def varies(self, name: str) -> bool:
        return self.activity.active(self.same.get(name, name))

    def dot(self, name: str) -> str:
        """The name of `name`'s tangent (`dx` for `x`)."""
        name = self.same.get(name, name)
        if name not in self.names:
            self.names[name] = self.namer.fresh("d" + name)
        return self.names[name]

    def dot_if_varied(self, name: str) -> str | None:
        return self.dot(name) if self.varies(name) else None

    def zeros(self, name: str) -> ast.expr:
        return ast.Call(ast.Name("zeros_like", ast.Load()), [ast.Name(name, ast.Load())], [])

    # --- statements -------------------------------------------------------------------------

    def block(self, stmts: list[ir.Stmt]) -> list[ir.Stmt]:
        out: list[ir.Stmt] = []
        for stmt in stmts:
            if isinstance(stmt, ir.Push):
                out.append(stmt)
                out += self.push(stmt)
            elif isinstance(stmt, ir.Pop) and not stmt.shape:
                out.append(stmt)
                out += self.pop(stmt)
            elif isinstance(stmt, ir.Assign):
                out += self.assign(stmt)
            elif isinstance(stmt, ir.PopStore):
                out += self.pop_store(stmt)
                out.append(stmt)
            elif isinstance(stmt, ir.Store):
                # the tangent first: the primal's store may change a view that the
                # tangent's value reads (`y[1:] = y[:-1] * x[1:]`), once cleanup has
                # written the value into the store
                out += self.store(stmt)
                out.append(stmt)
            elif isinstance(stmt, ir.If):
                out.append(ir.If(stmt.origin, stmt.test, self.block(stmt.body),
                                 self.block(stmt.orelse)))
            elif isinstance(stmt, ir.For):
                out.append(ir.For(stmt.origin, stmt.var, stmt.start, stmt.stop, stmt.step,
                                  self.block(stmt.body), stmt.trips, stmt.ascending))
            elif isinstance(stmt, ir.While):
                out.append(ir.While(stmt.origin, stmt.test, self.block(stmt.body), stmt.trips))
            else:  # ExitLoop, ExprStmt (print), Raise, Accumulate: no tangent
                out.append(stmt)
        return out

    def assign(self, stmt: ir.Assign) -> list[ir.Stmt]:
        target = stmt.target
        if not self.varies(target):
            return [stmt]
        if isinstance(stmt.primitive, RecursiveFunction):
            return self.recursive_call(stmt)
        if target in ir.names_in(stmt.value):
            value = self.tangent_value(stmt)
            if target not in ir.names_in(value):  # `acc = list_append(acc, v, k)`
                return [ir.Assign(stmt.origin, self.dot(target), value), stmt]
            # `y = f(y)`: the tangent reads the old y as the operand and the new one
            # as `ans`, so the old value is kept under a name of its own first
            old = self.namer.fresh(f"{target}_old")
            self.same[old] = target
            renamed = ir.Assign(stmt.origin, target, _renamed(stmt.value, target, old),
                                stmt.primitive, stmt.nondiff)
            return [ir.Assign(stmt.origin, old, ast.Name(target, ast.Load())), renamed,
                    ir.Assign(stmt.origin, self.dot(target), self.tangent_value(renamed))]
        return [stmt, ir.Assign(stmt.origin, self.dot(target), self.tangent_value(stmt))]

    def recursive_call(self, stmt: ir.Assign) -> list[ir.Stmt]:
        """`y = f_primal(a, b)`, a call closing a cycle (`ir/recursion.py`): the
        value and the tangent both from `f`'s jvp along the varied arguments,
        `pair = f_jvp(a, b, da)`, `y = pair[0]`, `dy = pair[1]`."""
        entry: RecursiveFunction = stmt.primitive
        self.recursive = True
        args = stmt.value.args
        positions = tuple(k for k, a in enumerate(args)
                          if isinstance(a, ast.Name) and self.varies(a.id))
        if not positions:
            return [stmt, ir.Assign(stmt.origin, self.dot(stmt.target), self.zeros(stmt.target))]
        dots = [ast.Name(self.dot(args[k].id), ast.Load()) for k in positions]
        call = ast.Call(ast.Name(entry.plan.jvp(entry, positions), ast.Load()),
                        [clone(a) for a in args] + dots, [])
        pair = self.namer.fresh(f"{entry.__name__}_and_tangent")

        def part(k: int) -> ast.expr:
            return ast.Subscript(ast.Name(pair, ast.Load()), ast.Constant(k), ast.Load())

        tangent = part(1)
        if self.stored:  # (it may be an argument's tangent itself: `return x`)
            tangent = ast.Call(ast.Name("copy_value", ast.Load()), [tangent], [])
        return [ir.Assign(stmt.origin, pair, call),
                ir.Assign(stmt.origin, stmt.target, part(0), SUBSCRIPT),
                ir.Assign(stmt.origin, self.dot(stmt.target), tangent)]

    def tangent_value(self, stmt: ir.Assign) -> ast.expr:
        op = operation(stmt)
        value = stmt.value
        if op.kind is OpKind.COPY and isinstance(value, ast.Name) and self.varies(value.id):
            return ast.Name(self.dot(value.id), ast.Load())
        if op.kind is OpKind.SUBSCRIPT and isinstance(value.value, ast.Name) \
                and self.varies(value.value.id):
            return ast.Subscript(ast.Name(self.dot(value.value.id), ast.Load()),
                                 clone(value.slice), ast.Load())
        if isinstance(value, ast.List) and not value.elts:  # `s = []`: a stack, made
            return ast.List([], ast.Load())
        if op.kind is OpKind.RULE:
            tangent = tangent_expression(stmt, op, self.dot_if_varied, self.helpers)
            if tangent is not None:
                if tangent.fit:
                    return ast.Call(ast.Name("broadcast_like", ast.Load()),
                                    [tangent.expr, ast.Name(stmt.target, ast.Load())], [])
                if self.stored and not tangent.mirrors and not _fresh(tangent.expr):
                    # a rule may hand back an operand's tangent itself, or a view of it
                    # (`dy = dx` for `y = x + 1.0`), where the primal made a new array:
                    # a store into either must not reach the other
                    return ast.Call(ast.Name("copy_value", ast.Load()), [tangent.expr], [])
                return tangent.expr
        # nothing that varies reaches this value (a constant, a non-differentiable
        # result, an operand that does not vary): its tangent is zero, of its type
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) \
                and value.func.id in ("zeros_like", "new_list"):
            # made afresh: `bx = zeros_like(x)`, `dbx = zeros_like(x)`; a list grown in a
            # loop, `acc = []` (runtime/lists.py), has a list of tangents beside it
            return clone(value)
        return self.zeros(stmt.target)

    # --- stacks (a generated adjoint differentiated again) ---------------------------------
    # A stack of active values has a stack of their tangents beside it, pushed and
    # popped in step: `s.append(v)` is followed by `ds.append(dv)`, `v = s.pop()` by
    # `dv = ds.pop()` (popped even where v's tangent is not needed, to stay in step).

    def push(self, stmt: ir.Push) -> list[ir.Stmt]:
        if stmt.shape or not self.varies(stmt.stack):
            return []
        saved = stmt.saved
        if isinstance(saved, ast.Name) and self.varies(saved.id):
            dsaved: ast.expr = ast.Name(self.dot(saved.id), ast.Load())
        else:
            dsaved = ast.Call(ast.Name("zeros_like", ast.Load()), [clone(saved)], [])
        self.stacks.add(self.dot(stmt.stack))
        call = ast.Call(ast.Attribute(ast.Name(self.dot(stmt.stack), ast.Load()), "append",
                                      ast.Load()), [dsaved], [])
        return [ir.Push(stmt.origin, call)]

    def pop(self, stmt: ir.Pop) -> list[ir.Stmt]:
        if not self.varies(stmt.stack):
            if self.varies(stmt.target):  # (a stack of constants, popped into a varied name)
                return [ir.Assign(stmt.origin, self.dot(stmt.target), self.zeros(stmt.target))]
            return []
        return [ir.Pop(stmt.origin, self.dot(stmt.target), self._popped(stmt.stack),
                       STACK_POP, False)]

    def pop_store(self, stmt: ir.PopStore) -> list[ir.Stmt]:
        """`a[index] = s.pop()`: the reverse sweep puts back elements it saved."""
        stack = stmt.stack
        if self.varies(stmt.array):
            value = self._popped(stack) if self.varies(stack) else ast.Constant(0.0)
            return [ir.PopStore(stmt.origin, self.dot(stmt.array), clone(stmt.index), value)]
        if self.varies(stack):
            top = self.namer.fresh(f"{self.dot(stack)}_top")
            self.popped.add(top)
            return [ir.Pop(stmt.origin, top, self._popped(stack), STACK_POP, False)]
        return []

    def _popped(self, stack: str) -> ast.expr:
        self.stacks.add(self.dot(stack))
        return ast.Call(ast.Attribute(ast.Name(self.dot(stack), ast.Load()), "pop", ast.Load()),
                        [], [])

    def store(self, stmt: ir.Store) -> list[ir.Stmt]:
        if not self.varies(stmt.array):
            return []
        value = stmt.value
        if isinstance(value, ast.Name) and self.varies(value.id):
            dvalue: ast.expr = ast.Name(self.dot(value.id), ast.Load())
        else:
            dvalue = ast.Constant(0.0)
        return [ir.Store(stmt.origin, self.dot(stmt.array), clone(stmt.index), dvalue)]


def _renamed(value: ast.expr, name: str, new: str) -> ast.expr:
    value = clone(value)
    for node in ast.walk(value):
        if isinstance(node, ast.Name) and node.id == name:
            node.id = new
    return value


def _fresh(expr: ast.expr) -> bool:
    """Whether `expr` makes a new value wherever it is an array: arithmetic,
    a NumPy function, a helper `ir.effects` calls fresh."""
    if isinstance(expr, ast.BinOp) or (isinstance(expr, ast.UnaryOp)
                                       and isinstance(expr.op, ast.USub)):
        return True
    if isinstance(expr, ast.Call):
        if isinstance(expr.func, ast.Name):
            return effects.helper(expr.func.id).fresh or expr.func.id == "zeros_like"
        return isinstance(expr.func, ast.Attribute) and expr.func.attr not in (
            "asarray", "reshape", "ravel", "transpose", "squeeze", "broadcast_to")
    return False
