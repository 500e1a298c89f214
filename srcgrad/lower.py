"""The front end: a checked Python function → structured IR (`ir.Function`).

Guarantees to the passes after it, beyond those of `anf.py` for expressions:

- The statements are `Assign`, `Store`, `ExprStmt` (`print`), `If`, `For`,
  `While` and `ExitLoop`.  `elif` is a nested `If`; `x += e` is `x = x + e`
  (an aliasing check in `checks.py` makes sure no other name sees the
  difference); `a, b = e` assigns each name from an atom.
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
"""

from __future__ import annotations

import ast
import copy

import numpy as np

from . import ir, runtime
from .anf import SUBSCRIPT, Context, ExpressionLowering, ReturnInfo
from .errors import UnsupportedSyntaxError
from .naming import Namer
from .parse import FunctionSource, read_function, user_function
from .resolve import OPERATORS, Scope, check_subset, local_names
from .rules import registry

__all__ = ["lower_function"]

# runtime helpers that generated adjoints call for their effect
_GENERATED_EFFECTS = {"push_shape", "refuse_inplace_alias", "refuse_shared"}


def lower_function(src: FunctionSource, reserved: set[str]) -> ir.Function:
    """Lower the function `src` to IR.  `reserved` are global names the
    generated module uses (`np`, helper functions): no variable takes them."""
    check_subset(src)
    namer = Namer(set(local_names(src.tree)) | reserved)
    return Lowering(namer, reserved).function(src)


class _Loop:
    def __init__(self, break_flag: str | None, continue_flag: str | None):
        self.break_flag = break_flag
        self.continue_flag = continue_flag


class Lowering(ExpressionLowering):
    def __init__(self, namer: Namer, reserved: set[str], stacks: bool = False):
        super().__init__(namer, stacks)
        self.reserved = reserved
        self.loops: list[_Loop] = []

    # --- the function --------------------------------------------------------

    def function(self, src: FunctionSource) -> ir.Function:
        self.origin = _origin(src, src.tree)
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
        params = [rename[a.arg].id for a in args.posonlyargs + args.args + args.kwonlyargs]
        self.origin = definition = _origin(src, tree)
        ret = self._return_info(src, tree, "")
        self.ctx = Context(src, Scope(src, self.bindings), rename, ret, (src.fn,))
        body, results = self._function_body(tree)
        return ir.Function(
            name=tree.name,
            params=params,
            body=body,
            results=results,
            origin=definition,
            single_result=self._single_result(tree),
            globals=self.globals,
            imports=self.imports,
            bindings=self.bindings,
            temps=self.temps,
            user_names={name: [atom.id] for name, atom in rename.items()},
            result_origin=_origin(src, [n for n in ast.walk(tree) if isinstance(n, ast.Return)][-1]),
        )

    def _function_body(self, tree: ast.FunctionDef) -> tuple[list[ir.Stmt], list[str]]:
        """Lower the body of the current context's function: its statements,
        and the variables holding its results."""
        stmts = [s for s in tree.body if not _is_docstring(s)]
        ret = self.ctx.ret
        if ret.flag is None and not any(isinstance(n, ast.Return) for n in ast.walk(tree)):
            return self.block(stmts), []
        if ret.flag is None and ret.results:  # returns in tail positions only
            return self.block(stmts), ret.results
        if ret.flag is None:  # a single `return` as the last statement
            *init, last = stmts
            body = self.block(init)
            saved, self.out = self.out, body
            self.origin = _origin(self.ctx.src, last)
            results = [self._result_name(v) for v in _return_values(last)]
            self.out = saved
            return body, results
        self.origin = _origin(self.ctx.src, tree)
        init = ir.Assign(self.origin, ret.flag, ast.Constant(False), nondiff=True)
        return [init, *self.block(stmts)], ret.results

    def _result_name(self, value: ast.expr) -> str:
        atom = self.atom(value)
        if isinstance(atom, ast.Name):
            return atom.id
        return self.temp(atom).id

    def _return_info(self, src: FunctionSource, tree: ast.FunctionDef, prefix: str,
                     statement: bool = False) -> ReturnInfo:
        returns = [n for n in ast.walk(tree) if isinstance(n, ast.Return)]
        if not returns and statement:  # a helper called for what it writes into
            return ReturnInfo(None)
        if not returns:
            raise src.error(tree, f"'{tree.name}' returns nothing to differentiate")
        for node in returns:
            if node.value is None:
                raise src.error(node, "'return' without a value: the function must return "
                                "what is differentiated")
        returns.sort(key=lambda n: (n.lineno, n.col_offset))
        first = len(_return_values(returns[0]))
        for node in returns[1:]:
            if len(_return_values(node)) != first:
                raise src.error(node, "every 'return' must return the same number of values")
        arity = {first}
        body = [s for s in tree.body if not _is_docstring(s)]
        if len(returns) == 1 and body and body[-1] is returns[0]:
            return ReturnInfo(None)
        if not _always_returns(body):
            raise src.error(tree, f"not every path through '{tree.name}' ends in a 'return'")
        count = arity.pop()
        base = f"{prefix}result"
        results = [self.namer.fresh(base)] if count == 1 else [
            self.namer.fresh(f"{base}_{k}") for k in range(count)]
        tree.body = _returns_last(body)
        if _tail_returns(tree.body):  # each path ends in its own return: no flag needed
            return ReturnInfo(None, results)
        return ReturnInfo(self.namer.fresh(f"{prefix}returned"), results)

    def _single_result(self, tree: ast.FunctionDef) -> bool:
        ret = next(n for n in ast.walk(tree) if isinstance(n, ast.Return))
        return not isinstance(ret.value, ast.Tuple)

    # --- blocks and jumps ---------------------------------------------------------

    def block(self, stmts: list[ast.stmt]) -> list[ir.Stmt]:
        """Lower a list of statements; what follows a statement that may jump
        (break, continue, return) runs under `if not <flags>`."""
        saved, self.out = self.out, []
        try:
            for k, stmt in enumerate(stmts):
                if _is_docstring(stmt):
                    continue
                self.statement(stmt)
                if isinstance(stmt, (ast.Break, ast.Continue, ast.Return)):
                    break  # the rest of the block never runs
                flags = self._jump_flags(stmt)
                rest = stmts[k + 1:]
                if flags and rest:
                    self.origin = _origin(self.ctx.src, rest[0])
                    go = self.namer.fresh(f"go_{self.origin.line}")
                    test = _not_any(flags)
                    self.emit_assign(go, test, nondiff=True)
                    guarded = self.block(rest)
                    if guarded:
                        self.emit(ir.If(self.origin, go, guarded, []))
                    break
            return self.out
        finally:
            self.out = saved

    def _jump_flags(self, stmt: ast.stmt) -> list[str]:
        """Flags that `stmt` may set: those of break/continue for the
        enclosing loop, and the return flag."""
        flags = []
        loop = self.loops[-1] if self.loops else None
        if loop and loop.break_flag and _contains(stmt, ast.Break):
            flags.append(loop.break_flag)
        if loop and loop.continue_flag and _contains(stmt, ast.Continue):
            flags.append(loop.continue_flag)
        if self.ctx.ret.flag and _contains(stmt, ast.Return, into_loops=True):
            flags.append(self.ctx.ret.flag)
        return flags

    # --- statements -----------------------------------------------------------------

    def statement(self, stmt: ast.stmt) -> None:
        self.origin = _origin(self.ctx.src, stmt)
        method = getattr(self, f"_{type(stmt).__name__}", None)
        if method is None:
            raise self.error(stmt, f"'{type(stmt).__name__}' statements cannot be differentiated")
        method(stmt)

    def _Pass(self, stmt: ast.Pass) -> None:
        pass

    def _Expr(self, stmt: ast.Expr) -> None:
        value = stmt.value
        if self.stacks and isinstance(value, ast.Call):
            kept = self._generated_effect(value)
            if kept is not None:
                self.emit(ir.ExprStmt(self.origin, kept))
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

    def _generated_effect(self, call: ast.Call) -> ast.Call | None:
        """In a generated adjoint: a call kept for its effect on a stack
        (`s.append(v)`, `push_shape(s, x)`) or its check (`refuse_shared`)."""
        func = call.func
        if (isinstance(func, ast.Attribute) and func.attr == "append"
                and isinstance(func.value, ast.Name) and len(call.args) == 1):
            return ast.Call(ast.Attribute(self.load(func.value), "append", ast.Load()),
                            [self.atom(call.args[0])], [])
        fn, args, keywords = self.resolve_call(call)
        name = getattr(fn, "__name__", None)
        if name in _GENERATED_EFFECTS and getattr(runtime, name, None) is fn and not keywords:
            return ast.Call(ast.Name(name, ast.Load()), [self.canonical(a) for a in args], [])
        if name == "add_at":
            raise self.error(call, "a gradient that scatters with add_at (an index array) "
                             "cannot be differentiated again yet")
        return None

    def _Assign(self, stmt: ast.Assign) -> None:
        if len(stmt.targets) == 1:
            self._assign_to(stmt.targets[0], stmt.value)
            return
        value = self.atom(stmt.value)
        for target in stmt.targets:
            self._assign_lowered(target, value)

    def _AnnAssign(self, stmt: ast.AnnAssign) -> None:
        if stmt.value is not None:
            self._assign_to(stmt.target, stmt.value)

    def _AugAssign(self, stmt: ast.AugAssign) -> None:
        target = stmt.target
        if isinstance(target, ast.Name):
            self._update_name(target, lambda current: self._binop(current, stmt.op, stmt.value),
                              f"write '{target.id} = {target.id} ...' or copy that name with "
                              "np.copy")
            return
        assert isinstance(target, ast.Subscript)
        self._update_subscript(target, lambda old: self._binop(old, stmt.op, stmt.value))

    def _update_name(self, target: ast.Name, update, advice: str) -> None:
        """`x = update(x)`, for a statement that changes the array `x` in place."""
        current = self.load(ast.Name(target.id, ast.Load()))
        # NumPy updates an array in place here; srcgrad rebinds the name.  The
        # two differ only if another live name shares the array: checks.py keeps
        # this guard where that may happen and drops it elsewhere.
        message = (f"{self.origin}: '{self.origin.text}' changes the array '{target.id}' "
                   f"in place, and another name that shares its memory is read later; {advice}")
        guard = ast.Call(ast.Name("refuse_inplace_alias", ast.Load()),
                         [_copy_atom(current), ast.Constant(message)], [])
        if not self.stacks:  # a generated adjoint accumulates only into its own arrays
            self.emit(ir.ExprStmt(self.origin, guard))
        value, primitive = update(current)
        name = self._name_target(target)
        if name in ir.names_in(value):  # the reverse sweep needs the old value too
            value, primitive = self.temp(value, primitive), None
        self.emit_assign(name, value, primitive)

    def _update_subscript(self, target: ast.Subscript, update) -> None:
        """`a[i] = update(a[i])`, for a statement that changes `a[i]` in place."""
        array = self._store_target(target.value)
        index = self.index(target.slice)
        old = self.temp(ast.Subscript(ast.Name(array, ast.Load()), index, ast.Load()),
                        primitive=SUBSCRIPT)
        value = self.temp(*update(old))
        self.emit(ir.Store(self.origin, array, copy.deepcopy(index), value))

    # --- calls that write into an argument ---------------------------------------------

    def writing_call(self, fn, args, keywords, write: registry.Write,
                     call: ast.Call) -> tuple[ast.expr, object, bool]:
        """`np.exp(y, out=y)` is `y[...] = np.exp(y)`; `np.add.at(a, i, b)`,
        a declared update, is `a = scatter_add(a, i, b)`; other calls that
        write into an argument are refused."""
        label = ast.unparse(call.func)
        target = write.target
        if target is None:
            raise self.error(call, f"'{label}()' changes its object in place, which cannot be "
                             "differentiated")
        where = ast.unparse(target)
        base = target.value if isinstance(target, ast.Subscript) else target
        if isinstance(base, ast.Name) and not self.ctx.scope.is_local(base.id):
            raise self.error(call, f"'{label}()' writes into '{where}', which is not a local "
                             "variable; srcgrad follows writes into local arrays only")
        if write.out:
            if isinstance(target, ast.Tuple) and len(target.elts) == 1:
                target = target.elts[0]  # a ufunc's `out=(y,)`
            if isinstance(fn, np.ufunc) and fn.nout > 1 or isinstance(target, ast.Tuple):
                raise self.error(call, f"'{label}()' with several 'out' arrays cannot be "
                                 "differentiated; assign its results instead")
            if any(k.arg == "where" for k in keywords):
                raise self.error(call, f"'{label}()' with 'out=' and 'where=' writes some "
                                 f"elements of '{where}' only, which cannot be differentiated; "
                                 "use np.where(...) and assign the result")
            kept = [a for a in args if a is not write.target]
            kept_keywords = [k for k in keywords if k.value is not write.target]
            result = self._as_atom(*self.resolved_call(fn, kept, kept_keywords, call))
            return self._store_result(target, result, call, label)
        if write.update is None:
            raise self.error(call, f"'{label}()' writes into '{where}' in place, which cannot be "
                             "differentiated; compute the new values and assign them instead")
        if not isinstance(target, (ast.Name, ast.Subscript)):
            raise self.error(call, f"'{label}()' writes into '{where}'; srcgrad follows such a "
                             "write only into a variable or a subscript of one")

        def update(current: ast.expr) -> tuple[ast.expr, object]:
            operands = [current if a is write.target else self.argument(a) for a in args]
            named = [ast.keyword(k.arg, current if k.value is write.target
                                 else self.argument(k.value)) for k in keywords]
            return self._call_expr(write.update, operands, named), write.update

        if isinstance(target, ast.Name):
            self._update_name(target, update, "copy that name with np.copy first")
        else:
            self._update_subscript(target, update)
        return ast.Constant(None), None, True  # what such a call returns

    def _as_atom(self, value: ast.expr, primitive, nondiff: bool) -> ast.expr:
        if isinstance(value, (ast.Name, ast.Constant)) and primitive is None and not nondiff:
            return value
        return self.temp(value, primitive, nondiff)

    def _store_result(self, target: ast.expr, result: ast.expr, call: ast.Call,
                      label: str) -> tuple[ast.expr, object, bool]:
        """Write the result of an `out=` call into `target`; the call's value
        is `target` itself, as NumPy returns it."""
        if isinstance(target, ast.Name):
            array = self._store_target(target)
            self.emit(ir.Store(self.origin, array, self.index(ast.Constant(...)), result))
            return ast.Name(array, ast.Load()), None, False
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            array = self._store_target(target.value)
            index = self.index(target.slice)
            self.emit(ir.Store(self.origin, array, index, result))
            return (ast.Subscript(ast.Name(array, ast.Load()), copy.deepcopy(index), ast.Load()),
                    SUBSCRIPT, False)
        raise self.error(call, f"'{label}()' writes its result into '{ast.unparse(target)}'; "
                         "srcgrad follows 'out=' only into a variable or a subscript of one")

    def _binop(self, left: ast.expr, op: ast.operator, right: ast.expr):
        """`left <op> right` with `left` already lowered: (value, primitive)."""
        right = self.atom(right)
        fn = OPERATORS[type(op)]
        if registry.replacement(fn) is not None:
            return self._call_expr(fn, [left, right], []), fn
        return ast.BinOp(left, op, right), fn

    def _assign_to(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self.assign(self._name_target(target), value)
        elif isinstance(target, ast.Subscript):
            array = self._store_target(target.value)
            index = self.index(target.slice)
            self.emit(ir.Store(self.origin, array, index, self.atom(value)))
        elif isinstance(target, (ast.Tuple, ast.List)):
            self._unpack(target.elts, value)
        else:  # check_subset refused the others
            raise self.error(target, "this assignment target cannot be differentiated")

    def _unpack(self, targets: list[ast.expr], value: ast.expr) -> None:
        if isinstance(value, (ast.Tuple, ast.List)):
            if len(value.elts) != len(targets):
                raise self.error(value, f"cannot unpack {len(value.elts)} values into "
                                 f"{len(targets)} names")
            atoms = [self.atom(v) for v in value.elts]
            # all values are read before any target is written, as in `a, b = b, a`
            written = {t.id for t in targets if isinstance(t, ast.Name)}
            atoms = [self.temp(a) if isinstance(a, ast.Name) and a.id in written else a
                     for a in atoms]
        elif isinstance(value, ast.Call) and self.is_user_function(self.resolve_call(value)[0]):
            fn, args, keywords = self.resolve_call(value)
            atoms = self.inline_call(fn, args, keywords, value)
            if len(atoms) != len(targets):
                raise self.error(value, f"cannot unpack {len(atoms)} values into "
                                 f"{len(targets)} names")
        else:
            whole = self.atom(value)
            atoms = [self.temp(ast.Subscript(whole, ast.Constant(k), ast.Load()), SUBSCRIPT)
                     for k in range(len(targets))]
        for target, atom in zip(targets, atoms):
            self._assign_lowered(target, atom)

    def _assign_lowered(self, target: ast.expr, atom: ast.expr) -> None:
        """Assign an atom that is already lowered (an IR name or a constant)."""
        if isinstance(target, ast.Name):
            self.emit_assign(self._name_target(target), atom)
        elif isinstance(target, ast.Subscript):
            array = self._store_target(target.value)
            self.emit(ir.Store(self.origin, array, self.index(target.slice), atom))
        else:  # check_subset refused nested unpacking
            raise self.error(target, "this assignment target cannot be differentiated")

    def _name_target(self, target: ast.Name) -> str:
        atom = self.ctx.rename[target.id]
        if not isinstance(atom, ast.Name):  # a parameter substituted by a constant
            raise self.error(target, f"cannot assign to '{target.id}'")
        return atom.id

    def _store_target(self, node: ast.expr) -> str:
        if not (isinstance(node, ast.Name) and self.ctx.scope.is_local(node.id)):
            raise self.error(node, "only local arrays can be assigned into")
        atom = self.load(node)
        if not isinstance(atom, ast.Name):
            raise self.error(node, f"cannot assign into '{node.id}'")
        return atom.id

    def _If(self, stmt: ast.If) -> None:
        known = None if self.has_user_call(stmt.test) else self.constant_truth(stmt.test)
        cond = self.condition(stmt.test, self.namer.fresh(f"cond_{self.origin.line}"))
        origin = self.origin
        body = self.block(stmt.body) if known is not False else []
        orelse = self.block(stmt.orelse) if known is not True else []
        self.emit(ir.If(origin, cond, body, orelse))

    def _For(self, stmt: ast.For) -> None:
        origin = self.origin
        args = stmt.iter.args
        bounds = [self.atom(a) for a in args]
        if len(bounds) == 1:
            bounds = [ast.Constant(0), bounds[0], ast.Constant(1)]
        elif len(bounds) == 2:
            bounds.append(ast.Constant(1))
        assigned = _assigned_names(stmt.body, self.ctx.rename)
        fixed = []
        for bound in bounds:  # range() reads its bounds once; keep those values
            if isinstance(bound, ast.Name) and bound.id in assigned:
                bound = self.temp(bound)
            fixed.append(bound)
        var = self._name_target(stmt.target)
        leaves = _contains_direct(stmt.body, ast.Break) or (
            self.ctx.ret.flag is not None and _contains(stmt, ast.Return, into_loops=True))
        trips = self.namer.fresh(f"iters_{origin.line}") if leaves else None
        if trips:
            self.emit_assign(trips, ast.Constant(0), nondiff=True)
        body = self._loop_body(stmt, trips)
        self.emit(ir.For(origin, var, *fixed, body, trips))

    def _While(self, stmt: ast.While) -> None:
        if not self.has_user_call(stmt.test) and self.constant_truth(stmt.test) is False:
            return  # it never runs (`while k < n and DEBUG:`): Numba drops it, and so its pushes
        origin = self.origin
        trips = self.namer.fresh(f"iters_{origin.line}")
        self.emit_assign(trips, ast.Constant(0), nondiff=True)
        if self.has_user_call(stmt.test):
            # the test needs statements: evaluate it before the loop and again
            # at the end of each iteration
            cond = self.condition(stmt.test, self.namer.fresh(f"cond_{origin.line}"))
            body = self._loop_body(stmt, trips, retest=(cond, stmt.test))
            self.emit(ir.While(origin, ast.Name(cond, ast.Load()), body, trips))
            return
        test = self.canonical(stmt.test)
        body = self._loop_body(stmt, trips)
        self.emit(ir.While(origin, test, body, trips))

    def _loop_body(self, stmt: ast.For | ast.While, trips: str | None,
                   retest: tuple[str, ast.expr] | None = None) -> list[ir.Stmt]:
        origin = self.origin
        line = origin.line
        break_flag = self.namer.fresh(f"break_{line}") if _contains_direct(stmt.body, ast.Break) else None
        continue_flag = (self.namer.fresh(f"continue_{line}")
                         if _contains_direct(stmt.body, ast.Continue) else None)
        if break_flag:
            self.emit_assign(break_flag, ast.Constant(False), nondiff=True)
        self.loops.append(_Loop(break_flag, continue_flag))
        saved, self.out = self.out, []
        try:
            if trips:
                count = ast.BinOp(ast.Name(trips, ast.Load()), ast.Add(), ast.Constant(1))
                self.emit_assign(trips, count, nondiff=True)
            if continue_flag:
                self.emit_assign(continue_flag, ast.Constant(False), nondiff=True)
            self.out.extend(self.block(stmt.body))
            exits = [f for f in (break_flag, self.ctx.ret.flag) if f and (
                f == break_flag or _contains(stmt, ast.Return, into_loops=True))]
            if retest:
                cond, test = retest
                self.origin = origin
                if exits:
                    go = self.namer.fresh(f"go_{line}")
                    self.emit_assign(go, _not_any(exits), nondiff=True)
                    again = self.branch(lambda: self.condition(test, cond))
                    self.emit(ir.If(origin, go, again, []))
                else:
                    self.condition(test, cond)
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
        values = _return_values(stmt)
        atoms = [self.atom(v) for v in values]
        for name, atom in zip(ret.results, atoms):
            self.emit_assign(name, atom)
        if ret.flag is not None:
            self.emit_assign(ret.flag, ast.Constant(True), nondiff=True)

    # --- inlining the user's functions -------------------------------------------------

    def inline_call(self, fn, args, keywords, call: ast.Call,
                    statement: bool = False) -> list[ast.expr]:
        py_fn = user_function(fn)
        if py_fn in self.ctx.callers:
            chain = " -> ".join(f.__name__ for f in (*self.ctx.callers, py_fn))
            raise self.error(call, f"recursion cannot be differentiated ({chain})")
        caller = self.ctx
        src = read_function(py_fn)
        check_subset(src)
        bound = self._bind_arguments(src, args, keywords, call)
        assigned = {n.id for n in ast.walk(src.tree) if isinstance(n, ast.Name)
                    and isinstance(n.ctx, ast.Store)}
        prefix = f"{src.name}_"
        rename: dict[str, ast.expr] = {}
        copies = []
        for param, atom in bound.items():
            if param in assigned or isinstance(atom, ast.Tuple):
                name = self.namer.fresh(prefix + param)
                rename[param] = ast.Name(name, ast.Load())
                copies.append((name, atom))
            else:
                rename[param] = atom  # read-only parameter: use the argument itself
        for name in sorted(local_names(src.tree) - set(bound)):
            rename[name] = ast.Name(self.namer.fresh(prefix + name), ast.Load())
        saved_origin = self.origin
        self.ctx = Context(src, Scope(src, self.bindings), rename, ReturnInfo(None),
                           (*caller.callers, py_fn))
        try:
            self.ctx.ret = self._return_info(src, src.tree, prefix, statement)
            self.origin = _origin(src, src.tree)
            for name, atom in copies:
                self.emit_assign(name, atom)
            body, results = self._function_body(src.tree)
            self.out.extend(body)
        finally:
            self.ctx = caller
            self.origin = saved_origin
        return [ast.Name(r, ast.Load()) for r in results]

    def _bind_arguments(self, src: FunctionSource, args, keywords, call) -> dict[str, ast.expr]:
        """Lower the arguments of a call to `src`'s function and match them to
        its parameters (defaults included)."""
        a = src.tree.args
        positional = [p.arg for p in a.posonlyargs + a.args]
        if len(args) > len(positional):
            raise self.error(call, f"{src.name}() takes {len(positional)} positional arguments "
                             f"but {len(args)} were given")
        bound: dict[str, ast.expr] = {}
        for name, arg in zip(positional, args):
            bound[name] = self.argument(arg)
        allowed = set(positional[len(a.posonlyargs):]) | {p.arg for p in a.kwonlyargs}
        for kw in keywords:
            if kw.arg not in allowed or kw.arg in bound:
                raise self.error(call, f"{src.name}() got an unexpected or repeated argument "
                                 f"'{kw.arg}'")
            bound[kw.arg] = self.argument(kw.value)
        defaults = dict(zip(positional[len(positional) - len(a.defaults):],
                            src.fn.__defaults__ or ()))
        defaults.update(src.fn.__kwdefaults__ or {})
        for name in positional + [p.arg for p in a.kwonlyargs]:
            if name not in bound:
                if name not in defaults:
                    raise self.error(call, f"{src.name}() is missing the argument '{name}'")
                bound[name] = self.global_value(call, defaults[name])
        return bound


# --- helpers -------------------------------------------------------------------------


def _origin(src: FunctionSource, node: ast.AST) -> ir.Origin:
    line = getattr(node, "lineno", src.tree.lineno)
    return ir.Origin(src.file, line, src.line_text(line))


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(
        stmt.value.value, str)


def _return_values(ret: ast.Return) -> list[ast.expr]:
    if isinstance(ret.value, ast.Tuple):
        return list(ret.value.elts)
    return [ret.value]


def _always_returns(body: list[ast.stmt]) -> bool:
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Return):
        return True
    if isinstance(last, ast.If):
        return _always_returns(last.body) and _always_returns(last.orelse)
    return any(isinstance(s, ast.Return) for s in body)


def _returns_last(stmts: list[ast.stmt]) -> list[ast.stmt]:
    """`if c: ... return a` followed by more code is `if c: ... return a`
    `else:` more code (and the mirror image): each `return` then ends its
    path, and no flag has to tell the code after it not to run."""
    out: list[ast.stmt] = []
    for k, stmt in enumerate(stmts):
        if isinstance(stmt, ast.If):
            rest = stmts[k + 1:]
            body, orelse = stmt.body, stmt.orelse
            if rest and _always_returns(body) and not _always_returns(orelse):
                orelse = orelse + rest
            elif rest and _always_returns(orelse) and not _always_returns(body):
                body = body + rest
            else:
                rest = []
            new = ast.If(stmt.test, _returns_last(body), _returns_last(orelse))
            out.append(ast.copy_location(new, stmt))
            if rest:
                return out
            continue
        out.append(stmt)
    return out


def _tail_returns(stmts: list[ast.stmt]) -> bool:
    """Every `return` in `stmts` ends its path: it is the last statement of
    its block, and only `if`s enclose it."""
    for k, stmt in enumerate(stmts):
        last = k == len(stmts) - 1
        if isinstance(stmt, ast.Return):
            if not last:
                return False
        elif isinstance(stmt, ast.If):
            if _contains(stmt, ast.Return, into_loops=True):
                if not last or not (_tail_returns(stmt.body) and _tail_returns(stmt.orelse)):
                    return False
        elif _contains(stmt, ast.Return, into_loops=True):
            return False
    return True


def _contains(node: ast.AST, kind: type, into_loops: bool = False) -> bool:
    """Whether `node` holds a `kind` statement that belongs to it: breaks and
    continues of inner loops belong to those loops."""
    # iterative, and through statements only (expressions hold no statements): an
    # expression nested too deeply is reported where it is lowered, at its own line
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, kind):
            return True
        for child in ast.iter_child_nodes(current):
            if isinstance(child, ast.expr) or (
                    isinstance(child, (ast.For, ast.While)) and not into_loops):
                continue
            stack.append(child)
    return False


def _contains_direct(body: list[ast.stmt], kind: type) -> bool:
    return any(_contains(s, kind) for s in body)


def _assigned_names(body: list[ast.stmt], rename: dict[str, ast.expr]) -> set[str]:
    out = set()
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                atom = rename.get(node.id)
                if isinstance(atom, ast.Name):
                    out.add(atom.id)
    return out


def _copy_atom(atom: ast.expr) -> ast.expr:
    return ast.Name(atom.id, ast.Load()) if isinstance(atom, ast.Name) else atom


def _not_any(flags: list[str]) -> ast.expr:
    names = [ast.Name(f, ast.Load()) for f in flags]
    inner = names[0] if len(names) == 1 else ast.BoolOp(ast.Or(), names)
    return ast.UnaryOp(ast.Not(), inner)

