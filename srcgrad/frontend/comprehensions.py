"""Comprehensions and generators, as the lowering keeps them.

- Over items srcgrad knows when it reads the function (a list, a tuple, a
  range of constants), a comprehension is a list (or tuple, or dict) of
  known length: a static value (`frontend/values.py`).
- Over something of unknown length (an array, a range of computed bounds),
  a list comprehension is a list grown by its loops (`frontend/growing.py`),
  its variables scoped as Python scopes them; a dict comprehension is
  refused.
- `sum(... for i in range(n) if ...)` over computed bounds is a loop that
  accumulates.

`static_items`, `statement` and the loops come from the classes built on
this one (`frontend/iteration.py`, `frontend/statements.py`).
"""

from __future__ import annotations

import ast

from .. import runtime
from .inlining import FunctionLowering
from .joins import restore, snapshot
from .values import Growing, Record, Seq, lowered, new_ident

__all__ = ["ComprehensionLowering"]


class ComprehensionLowering(FunctionLowering):
    """Comprehensions (see the module's docstring)."""

    def comprehension(self, expr):
        state, out = snapshot(self), len(self.out)
        try:
            return self._static_comprehension(expr)
        except _UnknownLength:  # a list grown by a loop (frontend/growing.py)
            del self.out[out:]
            restore(state)
            return self.grown_comprehension(expr)

    def _static_comprehension(self, expr):
        saved = {}
        for gen in expr.generators:
            for node in ast.walk(gen.target):
                if isinstance(node, ast.Name) and node.id not in saved:
                    saved[node.id] = self.ctx.rename.get(node.id)
        results = []
        try:
            self._generate(expr, 0, results)
        finally:
            self.ctx.rename.update(saved)
        if isinstance(expr, ast.DictComp):
            record = Record((), (), dict, new_ident())
            for key, value in results:
                record = record.set(self.constant_of(key, expr), value)
            return record
        return Seq(tuple(results), isinstance(expr, ast.ListComp),
                   new_ident() if isinstance(expr, ast.ListComp) else 0)

    def _generate(self, expr, depth: int, results: list) -> None:
        if depth == len(expr.generators):
            if isinstance(expr, ast.DictComp):
                results.append((self.value(expr.key), self.value(expr.value)))
            else:
                results.append(self.value(expr.elt))
            return
        gen = expr.generators[depth]
        items = self.static_items(gen.iter)
        if items is None:
            if not isinstance(expr, ast.DictComp):
                raise _UnknownLength
            raise self.error(expr, f"a dict comprehension over '{ast.unparse(gen.iter)}', whose "
                             "length srcgrad does not know when it reads the function")
        for item in items:
            self.bind_target(gen.target, item)
            keep = True
            for cond in gen.ifs:
                test = self.value(cond)
                if not isinstance(test, ast.Constant):
                    raise self.error(cond, "a condition in a comprehension must be known when "
                                     "srcgrad reads the function; use np.where(...) instead")
                keep = keep and bool(test.value)
            if keep:
                self._generate(expr, depth + 1, results)

    def grown_comprehension(self, expr: ast.ListComp | ast.GeneratorExp):
        """`[elt for target in iter if cond]` over something of unknown length:
        the loops, appending to a list grown in them (frontend/growing.py)."""
        hidden = f"__items_{self.namer.fresh('c')}"
        self.ctx.scope.locals = self.ctx.scope.locals | {hidden}
        var = self.namer.fresh(f"items_{self.origin.line}")
        self.lists.add(var)
        self.emit_assign(var, self.call_expr(runtime.new_list, [], []), runtime.new_list)
        grown = Growing(ast.Name(var, ast.Load()))
        self.ctx.rename[hidden] = grown
        targets = {n.id for g in expr.generators for n in ast.walk(g.target)
                   if isinstance(n, ast.Name)}
        saved = {name: self.ctx.rename.get(name) for name in targets}
        for name in targets:  # the comprehension's own variables, as Python scopes them
            self.ctx.rename[name] = ast.Name(self.namer.fresh(name), ast.Load())
        append = ast.Attribute(ast.Name(hidden, ast.Load()), "append", ast.Load())
        body: list[ast.stmt] = [ast.Expr(ast.Call(append, [expr.elt], []))]
        for g in reversed(expr.generators):
            for cond in reversed(g.ifs):
                body = [ast.If(cond, body, [])]
            body = [ast.For(g.target, g.iter, body, [])]
        for node in ast.walk(body[0]):
            if isinstance(node, (ast.stmt, ast.expr)) and not hasattr(node, "lineno"):
                ast.copy_location(node, expr)
        try:
            self.statement(body[0])
        finally:
            for name, value in saved.items():
                if value is None:
                    self.ctx.rename.pop(name, None)
                else:
                    self.ctx.rename[name] = value
        return grown

    def accumulated_sum(self, gen: ast.GeneratorExp | ast.ListComp, start) -> ast.expr:
        """`sum(elt for target in iter if cond)` as a loop that accumulates."""
        if len(gen.generators) != 1:
            raise self.error(gen, "sum() of a generator with several 'for' clauses over "
                             "computed lengths cannot be differentiated; write the loops")
        g = gen.generators[0]
        total = f"__sum_{self.namer.fresh('s')}"
        self.ctx.scope.locals = self.ctx.scope.locals | {total}
        self.ctx.rename[total] = ast.Name(self.namer.fresh(f"total_{self.origin.line}"), ast.Load())
        self.emit_assign(self.ctx.rename[total].id, start)
        saved = {n.id: self.ctx.rename.get(n.id) for n in ast.walk(g.target)
                 if isinstance(n, ast.Name)}
        for name in saved:
            self.ctx.rename[name] = ast.Name(self.namer.fresh(name), ast.Load())
        add = ast.Assign([ast.Name(total, ast.Store())], ast.BinOp(
            ast.Name(total, ast.Load()), ast.Add(), gen.elt))
        body = [add]
        for cond in reversed(g.ifs):
            body = [ast.If(cond, body, [])]
        loop = ast.For(g.target, g.iter, body, [])
        for node in (add, loop, *ast.walk(loop)):
            if isinstance(node, (ast.stmt, ast.expr)) and not hasattr(node, "lineno"):
                ast.copy_location(node, gen)
        try:
            self.statement(loop)
        finally:
            self.ctx.rename.update(saved)
        return lowered(self.ctx.rename[total])


class _UnknownLength(Exception):
    """A comprehension's iterable has a length known only when the function runs."""
