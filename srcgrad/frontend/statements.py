"""The front end: a checked Python function → structured IR (`ir.Function`).

Guarantees to the passes after it, beyond those of `frontend/expressions.py` for expressions:

- The statements are `Assign`, `Store`, `ExprStmt` (`print`; `Raise` for
  `raise` and a failed `assert`), `If`, `For`, `While` and `ExitLoop`.
  `elif` is a nested `If`; `x += e` is `x = x + e`
  after a `Guard` of kind `UPDATE` (`ir/guards.py`: `analysis/aliasing.py`
  keeps it where another name could see the difference); `a, b = e` assigns
  each name from an atom.
- `return`, `break` and `continue` are gone: each sets a flag
  (`returned`, `break_12`, `continue_12`), the statements after it in its
  block run under `if not <flag>`, and a loop that can be left early ends its
  body with `ExitLoop(flags)`, the one early exit that remains (the reverse
  sweep ignores it: it replays iteration counts instead).
- Every `While` counts its iterations in `trips`; a `For` whose body can
  leave early does too.  The bounds of a `For` are atoms that its body does
  not assign.
- The function's outputs are variables (`Function.results`).
- A call that writes into an argument is gone too: `f(x, out=y)` is
  `_t = f(x)` and the `Store` `y[...,] = _t`; `np.add.at(a, i, b)` (an update
  the registry declares) is `a = scatter_add(a, i, b)`, guarded as `x += e`
  is; any other such call has been refused (`writing_call`).

The lowering is one class built in layers, each in its module:
`expressions.ExpressionLowering` (expressions, calls; `:=` from
`walrus.AssignmentExpressions`), `updates.UpdateLowering` (updates in
place), `inlining.FunctionLowering` (function bodies, inlined calls),
`raising.RaiseLowering` (`raise`, `assert`) and `Lowering` here
(statements, blocks, loops, jumps).
"""

from __future__ import annotations

import ast

from .. import ir, runtime
from ..errors import UnsupportedSyntaxError
from ..ir import effects
from ..ir.guards import GUARD_HELPERS, Guard, GuardKind
from ..ir.naming import Namer
from ..ir.recursion import Recursion
from .assignments import AssignmentLowering
from .expressions import Context
from .flow import (
    assigned_names,
    contains,
    contains_direct,
    is_docstring,
    not_any,
    own_returns,
    return_values,
)
from .growing import FEW_TRIPS, ListTooShort
from .iteration import Loop
from .joins import (
    ShapeChange,
    canonical_form,
    close_loop,
    restore,
    shape_message,
    snapshot,
    touched,
)
from .parse import FunctionSource
from .raising import RaiseLowering
from .static_calls import StaticMethod
from .subset import Scope, local_names
from .values import Func, Obj

__all__ = ["Lowering"]


class Lowering(RaiseLowering, AssignmentLowering):
    """The statement half of the front end (see the module's docstring)."""

    def __init__(self, namer: Namer, reserved: set[str], stacks: bool = False,
                 trees: dict | None = None, has_aux: bool = False, bound: object = None,
                 recursion: Recursion | None = None):
        super().__init__(namer, stacks)
        # the module's recursive functions (`ir/recursion.py`), whose globals it shares
        self.recursion = recursion if recursion is not None else Recursion()
        self.recursion.adopt(namer)
        self.globals = self.recursion.globals
        self.bindings = self.recursion.bindings
        self.has_aux = has_aux  # the function returns (value, aux): aux is not differentiated
        self.bound = bound  # a bound method's object (its `self`), or None
        self.reserved = set(reserved) | self.recursion.names  # (module-level names too)
        self.loops: list[Loop] = []
        self.trees = trees or {}  # parameter position → its container's structure (api/trees.py)

    # --- the function --------------------------------------------------------

    def function(self, src: FunctionSource) -> ir.Function:
        self.origin = src.origin(src.tree)
        try:
            return self._function(src)
        except RecursionError:
            # the lowering recurses along an expression's nesting: a sum of several
            # hundred terms, or calls nested a hundred deep, exhaust Python's stack
            origin = self.origin
            text = origin.text if len(origin.text) <= 60 else origin.text[:57] + "..."
            raise UnsupportedSyntaxError(
                f"'{text}' is nested too deeply for srcgrad to differentiate; split it "
                "into several assignments", origin.file, origin.line) from None

    def _function(self, src: FunctionSource) -> ir.Function:
        tree = src.tree
        rename: dict[str, ast.expr] = {}
        for name in sorted(local_names(tree)):
            ir_name = name if name not in self.reserved else self.namer.fresh(name + "_")
            rename[name] = ast.Name(ir_name, ast.Load())
        args = tree.args
        groups = [[rename[a.arg].id] for a in args.posonlyargs + args.args + args.kwonlyargs]
        if self.bound is not None:  # a method's `self`: a constant object, not a parameter
            rename[_param_name(tree, 0)] = Obj(self.bound)
            groups = groups[1:]
        for k, structure in self.trees.items():
            name = groups[k][0]
            leaves: list[str] = []
            user_k = k + (self.bound is not None)
            rename[_param_name(tree, user_k)] = self.tree_value(structure, name, leaves)
            groups[k] = leaves
        params = [p for group in groups for p in group]
        self.origin = definition = src.origin(tree)
        ret = self.return_info(src, tree, "")
        self.ctx = Context(src, Scope(src, self.bindings), rename, ret, (src.fn,))
        body, values = self.function_body(tree)
        outputs = self.outputs(body, values, tree)
        return ir.Function(
            name=tree.name,
            params=params,
            body=body,
            results=outputs.results,
            aux=outputs.aux,
            result_trees=outputs.trees,
            aux_tree=outputs.aux_tree,
            origin=definition,
            single_result=outputs.single,
            globals=self.globals,
            imports=self.imports,
            bindings=self.bindings,
            temps=self.temps,
            lists=self.lists,
            user_names={name: [atom.id] for name, atom in rename.items()
                        if isinstance(atom, ast.Name)},
            param_groups=groups,
            result_origin=src.origin(own_returns(tree)[-1]),
        )

    # --- blocks and jumps ---------------------------------------------------------

    def block(self, stmts: list[ast.stmt]) -> list[ir.Stmt]:
        """Lower a list of statements; what follows a statement that may jump
        (break, continue, return) runs under `if not <flags>`."""
        saved, self.out = self.out, []
        try:
            for k, stmt in enumerate(stmts):
                if is_docstring(stmt):
                    continue
                self.statement(stmt)
                if isinstance(stmt, (ast.Break, ast.Continue, ast.Return)):
                    break  # the rest of the block never runs
                flags = self._jump_flags(stmt)
                rest = stmts[k + 1:]
                if flags and rest:
                    self.origin = self.ctx.src.origin(rest[0])
                    go = self.namer.fresh(f"go_{self.origin.line}")
                    test = not_any(flags)
                    self.emit_assign(go, test, nondiff=True)
                    guarded = self.joined_if(go, lambda rest=rest: self.out.extend(
                        self.block(rest)), None, emit=False)
                    if guarded.body or guarded.orelse:
                        self.emit(guarded)
                    break
            return self.out
        finally:
            self.out = saved

    def _jump_flags(self, stmt: ast.stmt) -> list[str]:
        """Flags that `stmt` may set: those of break/continue for the
        enclosing loop, and the return flag."""
        flags = []
        loop = self.loops[-1] if self.loops else None
        if loop and loop.break_flag and contains(stmt, ast.Break):
            flags.append(loop.break_flag)
        if loop and loop.continue_flag and contains(stmt, ast.Continue):
            flags.append(loop.continue_flag)
        if self.ctx.ret.flag and contains(stmt, ast.Return, into_loops=True):
            flags.append(self.ctx.ret.flag)
        return flags

    # --- statements -----------------------------------------------------------------

    def statement(self, stmt: ast.stmt) -> None:
        self.origin = self.ctx.src.origin(stmt)
        method = getattr(self, f"_{type(stmt).__name__}", None)
        if method is None:
            raise self.error(stmt, f"'{type(stmt).__name__}' statements cannot be differentiated")
        method(stmt)

    def _Pass(self, stmt: ast.Pass) -> None:
        pass

    def _Expr(self, stmt: ast.Expr) -> None:
        value = stmt.value
        if isinstance(value, ast.Call) and not self.stacks and self.might_be_static(value):
            fn, args, keywords = self.resolve_call(value)
            if isinstance(fn, StaticMethod):
                self.value(value)  # `acc.append(v)`: for what it changes
                return
            if isinstance(fn, Func):  # `push(v)`: for what it changes, maybe returning nothing
                self.call_function(fn, args, keywords, value, statement=True)
                return
        if self.stacks and isinstance(value, ast.Call):
            update = self._block_update(value)
            if update is not None:
                self._AugAssign(update)
                return
            kept = self._generated_effect(value)
            if kept is not None:
                self.emit(kept)
                return
        if isinstance(value, ast.Call):
            fn, args, keywords = self.resolve_call(value)
            if fn is print:
                call = ast.Call(ast.Name("print", ast.Load()), [self.canonical(a) for a in args],
                                [ast.keyword(k.arg, self.canonical(k.value)) for k in keywords])
                self.emit(ir.ExprStmt(self.origin, call))
                return
            if self.is_user_function(fn):
                self.inline_call(fn, args, keywords, value, statement=True)
                return
        if self.writes(value):  # `np.add.at(a, i, b)`, `np.exp(y, out=y)`
            self.operation(value)  # lowers the writes; the value itself is not needed
            return
        # an expression without effect: nothing to run

    def _block_update(self, call: ast.Call) -> ast.AugAssign | None:
        """In a generated adjoint: `add_into(a, index, v)` read back as the
        `a[index] += v` it stands for (`optimize.peephole.route_block_updates`)."""
        if not (isinstance(call.func, ast.Name) and call.func.id == "add_into"
                and len(call.args) == 3 and not call.keywords):
            return None
        fn, _, _ = self.resolve_call(call)
        if fn is not runtime.add_into:
            return None
        array, index, value = call.args
        target = ast.Subscript(array, _as_index(index), ast.Store())
        return ast.copy_location(ast.AugAssign(target, ast.Add(), value), call)

    def _generated_effect(self, call: ast.Call) -> ir.ExprStmt | None:
        """In a generated adjoint: a call kept for its effect on a stack
        (`s.append(v)`, `push_shape(s, x)`) or its check (`refuse_shared`)."""
        func = call.func
        if (isinstance(func, ast.Attribute) and func.attr == "append"
                and isinstance(func.value, ast.Name) and len(call.args) == 1):
            return ir.ExprStmt(self.origin, ast.Call(
                ast.Attribute(self.load(func.value), "append", ast.Load()),
                [self.atom(call.args[0])], []))
        fn, args, keywords = self.resolve_call(call)
        name = getattr(fn, "__name__", None)
        if (name and effects.helper(name).effect and getattr(runtime, name, None) is fn
                and not keywords):
            kept = ast.Call(ast.Name(name, ast.Load()), [self.canonical(a) for a in args], [])
            if name in GUARD_HELPERS:
                return Guard(self.origin, kept, GuardKind.GENERATED)
            return ir.ExprStmt(self.origin, kept)
        if name == "add_at":
            raise self.error(call, "a gradient that scatters with add_at (an index array) "
                             "cannot be differentiated again yet")
        return None

    def _If(self, stmt: ast.If) -> None:
        known = None if self.needs_statements(stmt.test) else self.constant_truth(stmt.test)
        cond = self.condition(stmt.test, self.namer.fresh(f"cond_{self.origin.line}"))
        body = (lambda: self.out.extend(self.block(stmt.body))) if known is not False else None
        orelse = (lambda: self.out.extend(self.block(stmt.orelse))) if known is not True else None
        self.joined_if(cond, body, orelse)

    def range_for(self, stmt: ast.For) -> None:
        args = stmt.iter.args
        if not 1 <= len(args) <= 3:
            raise self.error(stmt, "range() takes one to three positional arguments")
        bounds = [self.atom(a) for a in args]
        if len(bounds) == 1:
            bounds = [ast.Constant(0), bounds[0], ast.Constant(1)]
        elif len(bounds) == 2:
            bounds.append(ast.Constant(1))
        before, out = snapshot(self), len(self.out)
        try:
            self.loop_over(stmt, self.name_target(stmt.target), bounds, None,
                           unroll=all(isinstance(b, ast.Constant) for b in bounds))
        except ShapeChange:  # a short constant range that changes a list: unrolled
            del self.out[out:]
            restore(before)
            items = [ast.Constant(i) for i in range(*[b.value for b in bounds])]
            self.unrolled(stmt, items)

    def loop_over(self, stmt: ast.For, var: str, bounds: list[ast.expr], prologue,
                  unroll: bool = False) -> None:
        """`for var in range(*bounds)`, the body after `prologue()` (which
        takes the loop's items).  A body that changes a list's length grows
        it (`frontend/growing.py`), lowered again; with `unroll` (constant
        bounds), a range of few passes raises ShapeChange for its caller to
        unroll instead."""
        while True:
            state, out, origin = snapshot(self), len(self.out), self.origin
            try:
                self._loop_over(stmt, var, bounds, prologue)
                return
            except (ShapeChange, ListTooShort) as change:
                del self.out[out:]
                restore(state)
                self.origin = origin
                few = unroll and len(range(*[b.value for b in bounds])) <= FEW_TRIPS
                if few or not self.grow_list(change):
                    if unroll:
                        raise
                    raise self.error(stmt, _loop_message(change, origin.line)) from None

    def _loop_over(self, stmt: ast.For, var: str, bounds: list[ast.expr], prologue) -> None:
        origin = self.origin
        assigned = assigned_names(stmt.body, self.ctx.rename)
        fixed = []
        for bound in bounds:  # range() reads its bounds once; keep those values
            if isinstance(bound, ast.Name) and bound.id in assigned:
                bound = self.temp(bound)
            fixed.append(bound)
        leaves = contains_direct(stmt.body, ast.Break) or (
            self.ctx.ret.flag is not None and contains(stmt, ast.Return, into_loops=True))
        trips = self.namer.fresh(f"iters_{origin.line}") if leaves else None
        if trips:
            self.emit_assign(trips, ast.Constant(0), nondiff=True)
        body = self._loop_body(stmt, trips, prologue=prologue)
        self.emit(ir.For(origin, var, *fixed, body, trips))

    def _While(self, stmt: ast.While) -> None:
        if not self.needs_statements(stmt.test) and self.constant_truth(stmt.test) is False:
            return  # it never runs (`while k < n and DEBUG:`): Numba drops it, and so its pushes
        origin = self.origin
        while True:
            state, out = snapshot(self), len(self.out)
            trips = self.namer.fresh(f"iters_{origin.line}")
            self.emit_assign(trips, ast.Constant(0), nondiff=True)
            try:
                self._while(stmt, trips, canonical_form(self, touched(stmt), origin))
                return
            except (ShapeChange, ListTooShort) as change:  # the body grows a list: lowered again
                del self.out[out:]
                restore(state)
                self.origin = origin
                if not self.grow_list(change):
                    raise self.error(stmt, _loop_message(change, origin.line)) from None

    def _while(self, stmt: ast.While, trips: str, forms: dict) -> None:
        origin = self.origin
        if self.needs_statements(stmt.test):
            # the test needs statements: evaluate it before the loop and again
            # at the end of each iteration
            cond = self.condition(stmt.test, self.namer.fresh(f"cond_{origin.line}"))
            body = self._loop_body(stmt, trips, retest=(cond, stmt.test), forms=forms)
            self.emit(ir.While(origin, ast.Name(cond, ast.Load()), body, trips))
            return
        test = self.canonical(stmt.test)
        body = self._loop_body(stmt, trips, forms=forms)
        self.emit(ir.While(origin, test, body, trips))

    def _loop_body(self, stmt: ast.For | ast.While, trips: str | None,
                   retest: tuple[str, ast.expr] | None = None, prologue=None,
                   forms: dict | None = None) -> list[ir.Stmt]:
        origin = self.origin
        if forms is None:
            forms = canonical_form(self, touched(stmt), origin)
        line = origin.line
        break_flag = self.namer.fresh(f"break_{line}") if contains_direct(stmt.body, ast.Break) else None
        continue_flag = (self.namer.fresh(f"continue_{line}")
                         if contains_direct(stmt.body, ast.Continue) else None)
        if break_flag:
            self.emit_assign(break_flag, ast.Constant(False), nondiff=True)
        self.loops.append(Loop(break_flag, continue_flag))
        saved, self.out = self.out, []
        try:
            if trips:
                count = ast.BinOp(ast.Name(trips, ast.Load()), ast.Add(), ast.Constant(1))
                self.emit_assign(trips, count, nondiff=True)
            if continue_flag:
                self.emit_assign(continue_flag, ast.Constant(False), nondiff=True)
            if prologue is not None:
                prologue()
            self.out.extend(self.block(stmt.body))
            exits = [f for f in (break_flag, self.ctx.ret.flag) if f and (
                f == break_flag or contains(stmt, ast.Return, into_loops=True))]
            if retest:
                cond, test = retest
                self.origin = origin
                if exits:
                    go = self.namer.fresh(f"go_{line}")
                    self.emit_assign(go, not_any(exits), nondiff=True)
                    again = self.branch(lambda: self.condition(test, cond))
                    self.emit(ir.If(origin, go, again, []))
                else:
                    self.condition(test, cond)
            self.origin = origin
            close_loop(self, forms, origin)
            if exits:
                self.emit(ir.ExitLoop(origin, exits))
            return self.out
        finally:
            self.out = saved
            self.loops.pop()

    def _Break(self, stmt: ast.Break) -> None:
        self.emit_assign(self.loops[-1].break_flag, ast.Constant(True), nondiff=True)

    def _Continue(self, stmt: ast.Continue) -> None:
        self.emit_assign(self.loops[-1].continue_flag, ast.Constant(True), nondiff=True)

    def _Return(self, stmt: ast.Return) -> None:
        ret = self.ctx.ret
        values = return_values(stmt)
        atoms = [self.atom(v) for v in values]
        for name, atom in zip(ret.results, atoms):
            self.emit_assign(name, atom)
        if ret.flag is not None:
            self.emit_assign(ret.flag, ast.Constant(True), nondiff=True)


def _loop_message(change, line: int) -> str:
    if isinstance(change, ListTooShort):
        return (f"the loop at line {line} reads a list past its end on its first pass (where "
                "Python reads it only after it has grown) and srcgrad cannot grow that list: "
                "it holds lists, dicts or functions")
    return shape_message(change, line)


def _param_name(tree: ast.FunctionDef, k: int) -> str:
    args = tree.args
    return (args.posonlyargs + args.args + args.kwonlyargs)[k].arg


def _as_index(value: ast.expr) -> ast.expr:
    """`slice(lo, hi, step)` as the index `lo:hi:step` (in a tuple too)."""
    if isinstance(value, ast.Tuple):
        return ast.Tuple([_as_index(p) for p in value.elts], ast.Load())
    if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
            and value.func.id == "slice" and len(value.args) == 3 and not value.keywords):
        lo, hi, step = (None if isinstance(a, ast.Constant) and a.value is None else a
                        for a in value.args)
        return ast.Slice(lo, hi, step)
    return value
