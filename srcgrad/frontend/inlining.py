"""Function bodies: the differentiated function's, and the user's functions it calls.

A call to one of the user's own functions is inlined: its statements are
lowered in place, in a `Context` of their own, its locals renamed after the
callee (`helper_x`), its read-only parameters replaced by the arguments
themselves, recursion refused.  Both the differentiated function and an
inlined one end in variables holding their results (`ReturnInfo`): a single
final `return` needs nothing; returns that each end their path
(`flow.tail_returns`, after `flow.returns_last`) assign the results; any
other `return` also sets a flag that the code after it tests.
"""

from __future__ import annotations

import ast

from .. import ir
from .expressions import Context, ReturnInfo
from .flow import always_returns, is_docstring, return_values, returns_last, tail_returns
from .parse import FunctionSource, read_function, user_function
from .subset import Scope, check_subset, local_names
from .updates import UpdateLowering

__all__ = ["FunctionLowering"]


class FunctionLowering(UpdateLowering):
    """Lowers function bodies and inlines calls (see the module's docstring);
    `statements.Lowering` adds the statements themselves (`block`)."""

    def function_body(self, tree: ast.FunctionDef) -> tuple[list[ir.Stmt], list[str]]:
        """Lower the body of the current context's function: its statements,
        and the variables holding its results."""
        stmts = [s for s in tree.body if not is_docstring(s)]
        ret = self.ctx.ret
        if ret.flag is None and not any(isinstance(n, ast.Return) for n in ast.walk(tree)):
            return self.block(stmts), []
        if ret.flag is None and ret.results:  # returns in tail positions only
            return self.block(stmts), ret.results
        if ret.flag is None:  # a single `return` as the last statement
            *init, last = stmts
            body = self.block(init)
            saved, self.out = self.out, body
            self.origin = self.ctx.src.origin(last)
            results = [self.result_name(v) for v in return_values(last)]
            self.out = saved
            return body, results
        self.origin = self.ctx.src.origin(tree)
        init = ir.Assign(self.origin, ret.flag, ast.Constant(False), nondiff=True)
        return [init, *self.block(stmts)], ret.results


    def result_name(self, value: ast.expr) -> str:
        atom = self.atom(value)
        if isinstance(atom, ast.Name):
            return atom.id
        return self.temp(atom).id


    def return_info(self, src: FunctionSource, tree: ast.FunctionDef, prefix: str,
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
        first = len(return_values(returns[0]))
        for node in returns[1:]:
            if len(return_values(node)) != first:
                raise src.error(node, "every 'return' must return the same number of values")
        arity = {first}
        body = [s for s in tree.body if not is_docstring(s)]
        if len(returns) == 1 and body and body[-1] is returns[0]:
            return ReturnInfo(None)
        if not always_returns(body):
            raise src.error(tree, f"not every path through '{tree.name}' ends in a 'return'")
        count = arity.pop()
        base = f"{prefix}result"
        results = [self.namer.fresh(base)] if count == 1 else [
            self.namer.fresh(f"{base}_{k}") for k in range(count)]
        tree.body = returns_last(body)
        if tail_returns(tree.body):  # each path ends in its own return: no flag needed
            return ReturnInfo(None, results)
        return ReturnInfo(self.namer.fresh(f"{prefix}returned"), results)


    def single_result(self, tree: ast.FunctionDef) -> bool:
        ret = next(n for n in ast.walk(tree) if isinstance(n, ast.Return))
        return not isinstance(ret.value, ast.Tuple)


    def inline_call(self, fn, args, keywords, call: ast.Call,
                    statement: bool = False) -> list[ast.expr]:
        py_fn = user_function(fn)
        if py_fn in self.ctx.callers:
            chain = " -> ".join(f.__name__ for f in (*self.ctx.callers, py_fn))
            raise self.error(call, f"recursion cannot be differentiated ({chain})")
        caller = self.ctx
        src = read_function(py_fn)
        check_subset(src)
        bound = self.bind_arguments(src, args, keywords, call)
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
            self.ctx.ret = self.return_info(src, src.tree, prefix, statement)
            self.origin = src.origin(src.tree)
            for name, atom in copies:
                self.emit_assign(name, atom)
            body, results = self.function_body(src.tree)
            self.out.extend(body)
        finally:
            self.ctx = caller
            self.origin = saved_origin
        return [ast.Name(r, ast.Load()) for r in results]


    def bind_arguments(self, src: FunctionSource, args, keywords, call) -> dict[str, ast.expr]:
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
