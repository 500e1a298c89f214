"""Control-flow reversal: `if`, `for` and `while`, replayed backwards.

Nothing is re-evaluated: a reversed `if` tests the condition the forward
sweep computed (saved if it changed since), a reversed loop runs the
recorded number of iterations with its index counting down.  The shapes of
the reversed Python, with `reverse(A)` the reverse of block A:

    if c:                           if c:
        A                ─►             reverse(A)
    else:                           else:
        B                               reverse(B)

    for i in range(n):              for i in range(n - 1, -1, -1):
        A                ─►             reverse(A)

    for i in range(a, b):           for i in range(b - 1, a - 1, -1):
        A                ─►             reverse(A)

    for i in range(a, b, -1):       for i in range(b + 1, a + 1):
        A                ─►             reverse(A)

    for i in range(a, b, s):        for i_k in range(len(range(a, b, s)) - 1, -1, -1):
        A                ─►             i = a + i_k * s
                                        reverse(A)

    while test:                     for _ in range(0, trips, 1):
        A                ─►             reverse(A)

(a loop that may leave early counts its iterations in `trips`, and its
reverse runs that many: `range(trips - 1, -1, -1)`).  Every reversed `for`
also knows its increasing form (`ir.For.ascending`) for `optimize/ordering`.

Where paths join, adjoints live on one path only are zero-filled on the
other (`Cotangents.fill_zeros`): after the branches of an `if`, and around
a loop, whose adjoints live at entry are a fixpoint (`liveness.AdjointLiveness`).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from .. import ir
from ..ir.points import Point
from .assemble import Nested
from .saving import RBlock
from .syntax import call, clone, is_const, minus_one, plus_one

if TYPE_CHECKING:
    from .sweep import Sweep

__all__ = ["reverse_if", "reverse_loop"]


def reverse_if(sweep: Sweep, stmt: ir.If, rblock: RBlock, k: int) -> None:
    cot, facts = sweep.cot, sweep.facts
    info = rblock.info
    before = set(cot.live)
    body = sweep.reverse_block(facts.blocks[id(stmt.body)])
    after_body = set(cot.live)
    cot.live = set(before)
    orelse = sweep.reverse_block(facts.blocks[id(stmt.orelse)])
    after_else = set(cot.live)
    cot.merge_branches(before, after_body, after_else, body, orelse,
                       facts.forward_live[Point.at(info.stmts, k)])
    origin = stmt.origin.reverse()
    rev = ir.If(origin, stmt.test, [Nested(origin, body)], [Nested(origin, orelse)])
    sweep.out.emit(rblock.chunks[k], rev, (info, k + 1))


def reverse_loop(sweep: Sweep, stmt: ir.For | ir.While, rblock: RBlock, k: int) -> None:
    cot, facts = sweep.cot, sweep.facts
    info = rblock.info
    body_info = facts.blocks[id(stmt.body)]
    initial = set(cot.live)
    live_at_body_start = facts.forward_live[Point.at(stmt.body, 0)]
    entry = facts.liveness.around_loop(stmt, initial)
    origin = stmt.origin.reverse()
    for name in sorted(entry - initial):  # cotangents the body carries in a circle
        cot.fill_zeros(rblock, name, k + 1, adjoint_assigned=False)
    cot.live = set(entry)
    body = sweep.reverse_block(body_info)
    carried = cot.live & live_at_body_start
    # the sweep and `AdjointLiveness` must agree: a cotangent the reversed body
    # leaves that the next iteration did not expect would be lost
    assert carried <= entry, f"adjoint liveness missed {sorted(carried - entry)} around a loop"
    for name in sorted(entry - carried):
        cot.fill_zeros(body, name, 0, adjoint_assigned=True)
    cot.live = set(entry)
    if isinstance(stmt, ir.While):
        rev = ir.For(origin, "_", ast.Constant(0), ast.Name(stmt.trips, ast.Load()),
                     ast.Constant(1), [Nested(origin, body)])
    else:
        rev = _reversed_for(sweep, stmt, origin, body)
    sweep.out.emit(rblock.chunks[k], rev, (info, k + 1))


def _reversed_for(sweep: Sweep, stmt: ir.For, origin: ir.Origin, body: RBlock) -> ir.For:
    """The reverse of `for var in range(start, stop, step)` (see the module's
    docstring for its five shapes)."""
    start, stop, step = stmt.start, stmt.stop, stmt.step
    count: ast.expr | None
    if stmt.trips:
        count = ast.Name(stmt.trips, ast.Load())
    elif is_const(step, 1):
        count = None
    else:
        count = call("len", call("range", start, stop, step))
    nested = [Nested(origin, body)]
    if count is None and is_const(start, 0):  # range(stop) backwards
        return _backwards(origin, stmt.var, minus_one(stop), ast.Constant(-1), nested,
                          (stmt.var, ast.Constant(0), clone(stop), ast.Constant(1)))
    if count is None:  # range(start, stop) backwards
        return _backwards(origin, stmt.var, minus_one(stop), minus_one(start), nested,
                          (stmt.var, clone(start), clone(stop), ast.Constant(1)))
    if not stmt.trips and is_const(step, -1):  # range(start, stop, -1) forwards
        return ir.For(origin, stmt.var, plus_one(stop), plus_one(start), ast.Constant(1), nested)
    if is_const(start, 0) and is_const(step, 1):
        return _backwards(origin, stmt.var, minus_one(count), ast.Constant(-1), nested,
                          (stmt.var, ast.Constant(0), clone(count), ast.Constant(1)))
    k = sweep.facts.namer.fresh(f"{stmt.var}_k")
    index = ast.BinOp(clone(start), ast.Add(),
                      ast.BinOp(ast.Name(k, ast.Load()), ast.Mult(), clone(step)))
    set_var = ir.Assign(origin, stmt.var, index, nondiff=True)
    return _backwards(origin, k, minus_one(count), ast.Constant(-1), [set_var, *nested],
                      (k, ast.Constant(0), clone(count), ast.Constant(1)))


def _backwards(origin: ir.Origin, var: str, first: ast.expr, end: ast.expr, body: list[ir.Stmt],
               ascending: tuple[str, ast.expr, ast.expr, ast.expr]) -> ir.For:
    """`for var in range(first, end, -1)`, which knows its increasing order."""
    return ir.For(origin, var, first, end, ast.Constant(-1), body, ascending=ascending)
