"""`for` over anything Python iterates.

- Over a list, tuple or dict that srcgrad knows when it reads the function
  (`for w, b in layers`, `zip` and `enumerate` of them, `range` of
  constants), the loop is unrolled: its body is lowered once per item,
  with `break`, `continue` and `return` as flags that guard the passes
  after them.
- Over arrays (`for row in A`, `enumerate(x, start=1)`, `zip(x, y)`,
  `reversed(x)`), over `reversed(range(...))` and `np.ndindex(n, m)`, it
  becomes a loop over `range` whose body first takes the items
  (`row = A[k]`); a known list among arrays in a `zip` is indexed by a
  chain of branches.
- Comprehensions: `frontend/comprehensions.py`.
"""

from __future__ import annotations

import ast

import numpy as np

from .. import ir, runtime
from ..ir.markers import SUBSCRIPT
from .comprehensions import ComprehensionLowering
from .flow import contains, contains_direct, not_any
from .joins import merge, restore, snapshot
from .values import Growing, Record, Seq, is_static

__all__ = ["IterationLowering", "Loop"]

_MAX_UNROLL = 256


class IterationLowering(ComprehensionLowering):
    """Loops over iterables and comprehensions (see the module's docstring)."""

    # --- what is iterated --------------------------------------------------------

    def builtin(self, func: ast.expr):
        if isinstance(func, (ast.Name, ast.Attribute)) and self.ctx.scope.is_global_ref(func):
            try:
                return self.ctx.scope.lookup(func)
            except Exception:  # noqa: BLE001  (reported where it is lowered)
                return None
        return None

    def static_items(self, expr: ast.expr) -> list | None:
        """The items of `expr` if they are known now, else None."""
        fn = self.builtin(expr.func) if isinstance(expr, ast.Call) else None
        if fn is not None and (not expr.keywords or fn is enumerate):
            if fn is range:
                bounds = [self.value(a) for a in expr.args]
                if all(isinstance(b, ast.Constant) and isinstance(b.value, int) for b in bounds):
                    return [ast.Constant(i) for i in range(*[b.value for b in bounds])]
                return None
            if fn is zip:
                parts = [self.static_items(a) for a in expr.args]
                if any(p is None for p in parts):
                    return None
                return [Seq(tuple(group)) for group in zip(*parts)]
            if fn is enumerate:
                inner = self.static_items(expr.args[0])
                start = self._start(expr)
                if inner is None or not isinstance(start, ast.Constant):
                    return None
                return [Seq((ast.Constant(start.value + k), item)) for k, item in enumerate(inner)]
            if fn is reversed:
                inner = self.static_items(expr.args[0])
                return None if inner is None else inner[::-1]
        if self.might_be_static(expr):
            value = self.value(expr)
            if isinstance(value, Seq):
                return list(value.items)
            if isinstance(value, Record) and value.kind is dict:
                return [ast.Constant(k) for k in value.keys]
            if isinstance(value, Record):
                return list(value.items)
        return None

    def _start(self, call: ast.Call):
        start = [k.value for k in call.keywords if k.arg == "start"]
        if len(call.args) > 1:
            start = [call.args[1]]
        return self.value(start[0]) if start else ast.Constant(0)

    def iterate(self, expr: ast.expr, where: ast.AST) -> list:
        items = self.static_items(expr)
        if items is None:
            raise self.error(where, f"'{ast.unparse(expr)}' has a length srcgrad does not know "
                             "when it reads the function; here it needs a list or tuple")
        return items

    # --- for ------------------------------------------------------------------------

    def _For(self, stmt: ast.For) -> None:
        it = stmt.iter
        fn = self.builtin(it.func) if isinstance(it, ast.Call) else None
        if fn is range and isinstance(stmt.target, ast.Name) and not it.keywords:
            self.range_for(stmt)
            return
        items = self.static_items(it)
        if items is not None:
            if len(items) > _MAX_UNROLL:
                raise self.error(stmt, f"a loop over {len(items)} known items is more than "
                                 f"srcgrad unrolls ({_MAX_UNROLL}); loop over range(len(...))")
            self.unrolled(stmt, items)
            return
        self.array_for(stmt)

    def unrolled(self, stmt: ast.For, items: list) -> None:
        origin = self.origin
        line = origin.line
        break_flag = self.namer.fresh(f"break_{line}") if contains_direct(stmt.body, ast.Break) else None
        continue_flag = (self.namer.fresh(f"continue_{line}")
                         if contains_direct(stmt.body, ast.Continue) else None)
        exits = [f for f in (break_flag,) if f]
        if self.ctx.ret.flag is not None and contains(stmt, ast.Return, into_loops=True):
            exits.append(self.ctx.ret.flag)
        if break_flag:
            self.emit_assign(break_flag, ast.Constant(False), nondiff=True)
        self.loops.append(Loop(break_flag, continue_flag))
        try:
            for k, item in enumerate(items):
                def one(item=item):
                    if continue_flag:
                        self.emit_assign(continue_flag, ast.Constant(False), nondiff=True)
                    self.bind_target(stmt.target, item)
                    self.out.extend(self.block(stmt.body))
                self.origin = origin
                if k == 0 or not exits:
                    one()
                    continue
                go = self.namer.fresh(f"go_{line}")
                self.emit_assign(go, not_any(exits), nondiff=True)
                self.joined_if(go, one, None)
        finally:
            self.loops.pop()

    def expanded_tuple(self, value):
        """The tuple of parts a call's expansion has just built into `value`
        (`np.split(x, 4)`), as a static tuple; else `value`."""
        parts = None if is_static(value) else self.built_tuple(value)
        return value if parts is None else Seq(tuple(parts))

    def array_for(self, stmt: ast.For) -> None:
        """A loop over arrays (and known lists among them): a loop over range."""
        it = stmt.iter
        fn = self.builtin(it.func) if isinstance(it, ast.Call) else None
        origin = self.origin
        if fn is reversed and isinstance(it.args[0], ast.Call) and self.builtin(
                it.args[0].func) is range:
            self.reversed_range(stmt, it.args[0])
            return
        if fn is np.ndindex:
            self.ndindex_for(stmt, it)
            return
        if fn is None:
            value = self.iterated_value(it)
            if isinstance(value, Seq):  # `for piece in np.split(x, 4)`
                self.unrolled(stmt, list(value.items))
                return
            lengths, item_at = self.items_of(value, it, stmt)
        else:
            lengths, item_at = self.iteration(it, stmt)
        count = lengths[0]
        for other in lengths[1:]:
            count = self.temp(ast.Call(ast.Name("min", ast.Load()), [count, other], []),
                              nondiff=True)
        index = self.namer.fresh(f"k_{origin.line}")

        def prologue():
            self.bind_target(stmt.target, item_at(ast.Name(index, ast.Load())))

        self.loop_over(stmt, index, [ast.Constant(0), count, ast.Constant(1)], prologue)

    def iteration(self, expr: ast.expr, stmt: ast.For):
        """How a loop over range takes the items of `expr`: (the lengths
        that bound it, whose minimum is its count, computed before it; a
        function of the loop's index, called in its body, giving the item).
        `enumerate`, `zip` and `reversed` nest (`enumerate(zip(x, y))`,
        `zip(enumerate(x), y)`, `zip(reversed(x), y)`) down to arrays and
        known lists."""
        fn = self.builtin(expr.func) if isinstance(expr, ast.Call) else None
        if fn is enumerate:
            start = self._start(expr)
            lengths, inner = self.iteration(expr.args[0], stmt)

            def numbered(k):
                position = k if isinstance(start, ast.Constant) and start.value == 0 else \
                    self.temp(ast.BinOp(k, ast.Add(), start), nondiff=True)
                return Seq((position, inner(k)))
            return lengths, numbered
        if fn is zip:
            parts = [self.iteration(a, stmt) for a in expr.args]
            return ([n for lengths, _ in parts for n in lengths],
                    lambda k: Seq(tuple(item(k) for _, item in parts)))
        if fn is reversed:
            source = expr.args[0]
            if isinstance(source, ast.Call) and self.builtin(source.func) in (enumerate, zip):
                raise self.error(stmt, f"'{ast.unparse(expr)}': Python cannot reverse "
                                 f"{self.builtin(source.func).__name__}(...)")
            lengths, inner = self.iteration(source, stmt)
            last = self.temp(ast.BinOp(lengths[0], ast.Sub(), ast.Constant(1)), nondiff=True)
            return lengths, lambda k: inner(self.temp(ast.BinOp(last, ast.Sub(), k),
                                                      nondiff=True))
        return self.items_of(self.iterated_value(expr), expr, stmt)

    def iterated_value(self, expr: ast.expr):
        """The value of an iterated expression: a list grown in a loop as its
        stack, the parts of a split as a static tuple."""
        value = self.value(expr)
        return self.stack_of(value) if isinstance(value, Growing) else self.expanded_tuple(value)

    def items_of(self, value, expr: ast.expr, stmt: ast.For):
        """`iteration` of an array or a known list (`value`, of `expr`)."""
        if isinstance(value, Seq):
            return [ast.Constant(len(value.items))], lambda k: self.select(value, k, stmt.iter)
        if is_static(value):
            raise self.error(stmt, f"'{ast.unparse(expr)}' cannot be iterated over")
        length = self.temp(ast.Call(ast.Name("len", ast.Load()), [value], []), nondiff=True)
        return [length], lambda k: self.temp(ast.Subscript(value, k, ast.Load()), SUBSCRIPT)

    def reversed_range(self, stmt: ast.For, inner: ast.Call) -> None:
        bounds = [self.atom(a) for a in inner.args]
        if len(bounds) == 1:
            bounds = [ast.Constant(0), bounds[0]]
        start, stop = bounds[0], bounds[1]
        step = bounds[2] if len(bounds) > 2 else ast.Constant(1)
        n = self.temp(ast.Call(ast.Name("len", ast.Load()), [ast.Call(
            ast.Name("range", ast.Load()), [start, stop, step], [])], []), nondiff=True)
        last = self.temp(ast.BinOp(start, ast.Add(), ast.BinOp(
            ast.BinOp(n, ast.Sub(), ast.Constant(1)), ast.Mult(), step)), nondiff=True)
        end = self.temp(ast.BinOp(start, ast.Sub(), step), nondiff=True)
        back = self.temp(ast.UnaryOp(ast.USub(), step), nondiff=True)
        if isinstance(stmt.target, ast.Name):
            self.loop_over(stmt, self.name_target(stmt.target), [last, end, back], None)
            return
        raise self.error(stmt, "the variable of a loop over reversed(range(...)) must be a name")

    def ndindex_for(self, stmt: ast.For, it: ast.Call) -> None:
        if len(it.args) == 1 and self.static_items(it.args[0]) is None:
            self.ndindex_of_shape(stmt, self.atom(it.args[0]))
            return
        dims = self.iterate(it.args[0], it) if len(it.args) == 1 else [self.value(a) for a in it.args]
        if any(is_static(d) for d in dims):
            raise self.error(it, "np.ndindex() takes the sizes of the dimensions")
        total = ast.Constant(1)
        for d in dims:
            total = self.temp(ast.BinOp(total, ast.Mult(), d), nondiff=True)
        index = self.namer.fresh(f"k_{self.origin.line}")

        def prologue():
            rest = ast.Name(index, ast.Load())
            parts = []
            for d in reversed(dims):
                parts.append(self.temp(ast.BinOp(rest, ast.Mod(), d), nondiff=True))
                rest = self.temp(ast.BinOp(rest, ast.FloorDiv(), d), nondiff=True)
            self.bind_target(stmt.target, Seq(tuple(reversed(parts))))

        self.loop_over(stmt, index, [ast.Constant(0), total, ast.Constant(1)], prologue)

    def ndindex_of_shape(self, stmt: ast.For, shape: ast.expr) -> None:
        """`for idx in np.ndindex(x.shape)`, a shape whose rank srcgrad does not
        know when it reads the function: a loop over the flat count, `idx` a
        tuple made from the flat position (runtime/lists.py)."""
        total = self.temp(self.call_expr(runtime.shape_size, [shape], []), runtime.shape_size,
                          nondiff=True)
        index = self.namer.fresh(f"k_{self.origin.line}")

        def prologue():
            flat = ast.Name(index, ast.Load())
            idx = self.temp(self.call_expr(runtime.unravel, [flat, shape], []), runtime.unravel,
                            nondiff=True)
            self.bind_target(stmt.target, idx)

        self.loop_over(stmt, index, [ast.Constant(0), total, ast.Constant(1)], prologue)

    def bind_target(self, target: ast.expr, value) -> None:
        """`target = value` for a value already lowered (an atom or a static value)."""
        if isinstance(target, ast.Name):
            if is_static(value):
                self.bind_static(target, value)
            else:
                self.emit_assign(self.name_target(target), value)
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, Seq) or isinstance(value, Record):
                items = list(value.items)
            elif is_static(value):
                raise self.error(target, f"cannot unpack into '{ast.unparse(target)}'")
            else:  # `divmod(a, b)`: the atoms its expansion built, else each element
                items = self.built_tuple(value) or [
                    self.temp(ast.Subscript(value, ast.Constant(k), ast.Load()), SUBSCRIPT)
                    for k in range(len(target.elts))]
            if len(items) != len(target.elts):
                raise self.error(target, f"cannot unpack {len(items)} values into "
                                 f"{len(target.elts)} names")
            for elt, item in zip(target.elts, items):
                self.bind_target(elt, item)
            return
        self.assign_lowered(target, value)

    # --- branches that join --------------------------------------------------

    def joined_if(self, cond: str, lower_body, lower_orelse, emit: bool = True):
        """`if cond:` with bodies lowered by the callables (or nothing), the
        static values of both paths joined after it."""
        origin = self.origin
        before = snapshot(self)
        body = self.branch(lower_body) if lower_body else []
        after_body = snapshot(self)
        restore(before)
        orelse = self.branch(lower_orelse) if lower_orelse else []
        after_orelse = snapshot(self)
        merge(self, [after_body, after_orelse], [body, orelse], origin)
        stmt = ir.If(origin, cond, body, orelse)
        if emit:
            self.emit(stmt)
        return stmt


class Loop:
    """A loop being lowered: the flags its `break` and `continue` set."""

    def __init__(self, break_flag: str | None, continue_flag: str | None):
        self.break_flag = break_flag
        self.continue_flag = continue_flag
