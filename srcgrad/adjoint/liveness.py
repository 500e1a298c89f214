"""Adjoint liveness: which adjoints hold a cotangent, at each point of the reverse sweep.

An analysis of the primal IR, run before any reverse code is written.  It
walks the function as the reverse sweep does (last statement first) and
tracks the set of variables whose adjoint is *live* (holds a cotangent):

- `t = f(a, b)`: if `bt` is live (and `t` active and not stopped), the
  active operands that receive a cotangent become live; `bt` dies either
  way (`t = t` passes it through);
- `a[index] = v`: if `ba` is live, `bv` becomes live (and `ba` stays);
- `s.append(v)`: `bv` becomes live if `s` and `v` are active;
  `v = s.pop()`: `bv` dies;
- `if`: an adjoint is live before the `if` if it is live after both
  branches' reverses, or after one of them and the variable's value before
  the `if` is read (else its cotangent there is zero);
- a loop: the adjoints live around the loop are a fixpoint
  (`around_loop`).  A cotangent can travel through one more variable per
  trip of the body (a chain `b = a; c = b; ...`), so the body is swept
  until the set stops growing.  It only grows, within the adjoints live
  after the loop and the variables live at the body's start, so this ends,
  in at most one sweep more than that bound's size.

The reverse sweep asks `around_loop` for the adjoints it must keep (or
zero-fill) around each reversed loop; what it computes elsewhere agrees
with this analysis statement by statement.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from .. import ir
from ..analysis.operations import OpKind, operation
from ..ir.points import Point

__all__ = ["AdjointLiveness"]


class AdjointLiveness:
    def __init__(self, active: Callable[[str], bool], stop: set[str],
                 forward_live: dict[tuple[int, int], set[str]]):
        self.active = active
        self.stop = stop
        self.forward_live = forward_live  # primal liveness at each point
        self.sweeps = 0  # sweeps of loop bodies done (for tests)

    def block(self, stmts: list[ir.Stmt], live: set[str]) -> set[str]:
        """The adjoints live before `stmts`, given those live after them."""
        live = set(live)
        for k in reversed(range(len(stmts))):
            live = self.statement(stmts, k, live)
        return live

    def statement(self, stmts: list[ir.Stmt], k: int, live: set[str]) -> set[str]:
        stmt = stmts[k]
        if isinstance(stmt, ir.Pop) and not stmt.shape:
            live.discard(stmt.target)
        elif isinstance(stmt, ir.Assign):
            self._assign(stmt, live)
        elif isinstance(stmt, ir.Store):
            if stmt.array in live and self.active(stmt.array):
                self._receives(stmt.value, live)
        elif isinstance(stmt, ir.Push) and not stmt.shape:
            if self.active(stmt.stack):
                self._receives(stmt.saved, live)
        elif isinstance(stmt, ir.If):
            after_body = self.block(stmt.body, live)
            after_else = self.block(stmt.orelse, live)
            read_before = self.forward_live[Point.at(stmts, k)]
            live = (after_body | after_else) & ((after_body & after_else) | read_before)
        elif isinstance(stmt, (ir.For, ir.While)):
            live = self.around_loop(stmt, live)
        return live

    def around_loop(self, loop: ir.For | ir.While, live_after: set[str]) -> set[str]:
        """The adjoints live around `loop` (at the start and the end of each
        reversed iteration), given those live after it: the least fixpoint."""
        live_at_body_start = self.forward_live[Point.at(loop.body, 0)]
        entry = set(live_after)
        bound = len(live_at_body_start - live_after) + 1
        while True:
            self.sweeps += 1
            end = self.block(loop.body, entry) & live_at_body_start  # others are zero here
            if end <= entry:
                return entry
            entry |= end
            bound -= 1
            if bound < 0:
                raise AssertionError("the adjoints live around a loop did not reach a fixpoint")

    def _assign(self, stmt: ir.Assign, live: set[str]) -> None:
        target = stmt.target
        if target not in live or not self.active(target):
            live.discard(target)
            return
        live.discard(target)
        if target in self.stop:
            return
        op = operation(stmt)
        value = stmt.value
        if op.kind is OpKind.COPY:
            self._receives(value, live)  # `t = t` passes the cotangent through
        elif op.kind is OpKind.SUBSCRIPT:
            self._receives(value.value, live)
        elif op.kind is OpKind.RULE:
            for param in op.diff_params():
                atom = op.bound[param]
                for element in atom.elts if param == op.rule.sequence else [atom]:
                    self._receives(element, live)

    def _receives(self, atom: ast.expr, live: set[str]) -> None:
        if isinstance(atom, ast.Name) and self.active(atom.id):
            live.add(atom.id)
