"""The cotangent accumulator: create, accumulate, zero-fill, merge at joins.

Like JAX's `GradAccum`, one object owns every adjoint of the sweep and the
four things that can happen to one:

- *create*: the first contribution to `bx` makes it, as a value of its own
  with `x`'s shape and gradient dtype, `bx = new_cotangent(g, x)`
  (`take_cotangent` where `g` is a fresh result that it may keep rather than
  copy), so that it has its final type on every path and later in-place
  `bx += ...` is safe.  The adjoint of a *lazy* temporary is created as a
  plain `b_t1 = g`, which may stay broadcast larger than `_t1`: the rule's
  `unbroadcast` is dropped and applied once where the cotangent reaches a
  variable of known shape (`exact[name]` says whether it is exactly shaped);
- *accumulate*: later contributions add in place, `bx += g`, unbroadcast
  to `bx` where `g` may be larger; a read `v = a[index]` scatters into the
  elements, `ba[index] += g` (or `add_at` for an index array, whose repeated
  entries `+=` would count once);
- *zero-fill*: where paths join, an adjoint that exists on one path only is
  created as zeros on the other (`fill_zeros`);
- *merge*: after a reversed `if`, the adjoints live on either branch
  (`merge_branches`).

`live` is the set of variables whose adjoint holds a cotangent at the point
the sweep has reached; a statement that assigns `x` ends `bx`'s life.
"""

from __future__ import annotations

import ast

from .. import ir
from ..errors import UnsupportedSyntaxError
from ..ir import effects
from ..ir.parts import clone
from ..ir.points import Point
from .context import Emitter, Facts
from .saving import BlockInfo, RBlock
from .syntax import basic_index, call, index_value, is_unbroadcast

__all__ = ["Cotangents"]

Where = tuple[BlockInfo, int]  # the forward gap a reverse statement mirrors


class Cotangents:
    def __init__(self, facts: Facts, out: Emitter):
        self.facts = facts
        self.out = out
        self.names: dict[str, str] = {}  # variable → its adjoint's name
        self.live: set[str] = set()  # variables whose adjoint holds a cotangent now
        self.exact: dict[str, bool] = {}  # lazy temporaries: is the adjoint exactly shaped?
        self.captured: dict[str, str] = {}  # local `wrt` variable → its gradient's name
        self.stacks: dict[str, str] = {}  # a stack of primal values → its stack of cotangents

    def adjoint(self, name: str) -> str:
        """The name of `name`'s adjoint (`bx` for `x`)."""
        if name not in self.names:
            self.names[name] = self.facts.namer.adjoint(name)
            self.out.generated.add(self.names[name])
        return self.names[name]

    def load(self, name: str) -> ast.Name:
        return ast.Name(self.adjoint(name), ast.Load())

    def stack(self, stack: str) -> str:
        """The stack of cotangents that mirrors a stack of primal values."""
        if stack not in self.stacks:
            self.stacks[stack] = self.adjoint(stack)
        return self.stacks[stack]

    def capture(self, name: str, out: list[ir.Stmt], where: Where, origin: ir.Origin) -> None:
        """Keep the cotangent `name` has here: the gradient of a local `wrt`."""
        grad = self.facts.namer.fresh(f"grad_{name}")
        self.out.emit(out, ir.Assign(origin, grad, self.load(name)), where)
        self.captured[name] = grad
        self.out.generated.add(grad)

    # --- create and accumulate --------------------------------------------------------------

    def contribute(self, out: list[ir.Stmt], name: str, expr: ast.expr, exact: bool, where: Where,
                   origin: ir.Origin, fresh: bool = False) -> None:
        """Add the cotangent `expr` to the adjoint of `name` (`fresh`: it is a
        value of its own, which the adjoint may keep rather than copy)."""
        if not self.facts.active(name):
            return
        expr = clone(expr)
        b = self.adjoint(name)
        if name in self.facts.lazy and name not in self.live:
            if is_unbroadcast(expr):
                expr, exact = expr.args[0], False
            self.out.emit(out, ir.Assign(origin, b, expr), where)
            self.live.add(name)
            self.exact[name] = exact
            return
        if name not in self.live:  # the first contribution: a value of the adjoint's own
            if is_unbroadcast(expr):
                expr = expr.args[0]
            helper = "take_cotangent" if fresh or _is_fresh(expr) else "new_cotangent"
            self.out.note_helper(helper)
            self.out.emit(out, ir.Assign(origin, b, call(helper, expr, ast.Name(name, ast.Load()))),
                          where)
            self.live.add(name)
            return
        if is_unbroadcast(expr):
            expr.args[1] = ast.Name(b, ast.Load())
        elif not exact:
            expr = call("unbroadcast", expr, ast.Name(b, ast.Load()))
            self.out.note_helper("unbroadcast")
        self.out.emit(out, ir.Accumulate(origin, ast.Name(b, ast.Store()), expr), where)

    def scatter(self, out: list[ir.Stmt], value: ast.Subscript, g: ast.expr, exact: bool,
                where: Where, origin: ir.Origin) -> None:
        """`v = a[index]`: add v's cotangent `g` into the elements of `ba`."""
        base = value.value
        if not (isinstance(base, ast.Name) and self.facts.active(base.id)):
            return
        b = self.adjoint(base.id)
        if base.id not in self.live:
            self.out.emit(out, ir.Assign(origin, b, self.zeros(base.id)), where)
            self.live.add(base.id)
        target = ast.Subscript(ast.Name(b, ast.Load()), clone(value.slice), ast.Load())
        if not exact:
            g = call("unbroadcast", g, clone(target))
            self.out.note_helper("unbroadcast")
        if basic_index(value.slice, self.facts.ints):
            self.out.emit(out, ir.Accumulate(origin, target, g), where)
        else:
            self.out.note_helper("add_at")
            scattered = call("add_at", ast.Name(b, ast.Load()), index_value(value.slice), g)
            self.out.emit(out, ir.ExprStmt(origin, scattered), where)

    def zeros(self, name: str) -> ast.expr:
        """`zeros_like(name)`: a zero cotangent shaped like the primal value."""
        self.out.note_helper("zeros_like")
        return call("zeros_like", ast.Name(name, ast.Load()))

    # --- zero-fill and merge where paths join -------------------------------------------------

    def fill_zeros(self, rblock: RBlock, name: str, gap: int, adjoint_assigned: bool) -> None:
        """Make `name`'s adjoint exist (as zeros) at a gap where paths join.

        Zeros shaped like the variable, if it surely has a value there.
        Otherwise no later reverse code reads this adjoint on the paths where
        the variable has no value (nothing before could have used it), so any
        value of the right type will do: the adjoint's own, if it surely exists."""
        info = rblock.info
        near = info.stmts[min(gap, len(info.stmts) - 1)] if info.stmts else info.owner
        origin = (near.origin if near is not None else self.facts.fn.origin).reverse()
        if name in self.facts.defined[Point.at(info.stmts, gap)]:
            zeros = self.zeros(name)
        elif adjoint_assigned:
            self.out.note_helper("zeros_like")
            zeros = call("zeros_like", ast.Name(self.adjoint(name), ast.Load()))
        else:
            raise UnsupportedSyntaxError(
                f"'{name}' may have no value here on some paths, and its gradient is needed "
                f"on others; assign '{name}' a value before this statement",
                near.origin.file, near.origin.line)
        self.out.emit(rblock.slots[gap].code, ir.Assign(origin, self.adjoint(name), zeros),
                      (info, gap))

    def merge_branches(self, before: set[str], after_body: set[str], after_else: set[str],
                       body: RBlock, orelse: RBlock, live_before_if: set[str]) -> None:
        """After both branches of a reversed `if`: an adjoint live on one
        branch only is zero-filled on the other, unless the variable's value
        before the `if` is never read (then its cotangent there is zero, and
        it is live after neither)."""
        for name in sorted(after_body ^ after_else):
            if name not in live_before_if:
                continue
            branch = orelse if name in after_body else body
            self.fill_zeros(branch, name, 0, adjoint_assigned=name in before)
        self.live = (after_body | after_else) & ((after_body & after_else) | live_before_if)


def _is_fresh(expr: ast.expr) -> bool:
    """Whether `expr` makes a new value wherever it is an array (arithmetic
    does, and the helpers `ir.effects` calls fresh; a name, or another helper's result, may be
    an array referred to elsewhere)."""
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        return effects.helper(expr.func.id).fresh
    return isinstance(expr, ast.BinOp) or (
        isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub))
