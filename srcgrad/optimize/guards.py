"""Aliasing guards that every pass of a loop repeats, checked once before it.

A guard (`refuse_shared(y, x, message)`: `y`, read later, must not share
memory with `x`, which the loop writes) placed in a loop's body checks the
same two arrays in every pass when the loop assigns neither name: compiled,
a call and an overlap test per pass of what may be the innermost loop.  Such
a guard runs once, before the loop, where the loop runs at least once (so a
loop that never runs refuses nothing, as before):

    runs_224 = n > 0
    if runs_224:
        refuse_shared(y, sos_section_y, "...")
    for i in range(n):
        ...

Only a guard at the top of the loop's body with no `break` or `raise` before
it in the body moves: it ran in the first pass, and would fail there.

A guard one of whose checked values is a number (by the rank facts of
compiled code) can never fail, a number sharing memory with nothing, and
is dropped (`drop_guards_of_numbers`).
"""

from __future__ import annotations

import ast

from .. import ir
from ..ir.guards import Guard

__all__ = ["drop_guards_of_numbers", "hoist_loop_guards"]


def drop_guards_of_numbers(body: list[ir.Stmt], ranks) -> None:
    """Remove, in place, every guard that checks a value `ranks` proves a
    number (`refuse_shared(nearest, distance, ...)` of two floats)."""
    for block in _blocks(body):
        block[:] = [s for s in block
                    if not (isinstance(s, Guard) and any(ranks.scalar(n) for n in s.names))]


def hoist_loop_guards(body: list[ir.Stmt], namer) -> None:
    """Move each guard of `body`'s `for` loops that the module's docstring
    allows to before its loop, in place (inner loops first, so a guard can
    leave a nest of loops)."""
    for block in _blocks(body):
        k = 0
        while k < len(block):
            stmt = block[k]
            moved = _hoistable(stmt) if isinstance(stmt, ir.For) else []
            if moved:
                stmt.body[:] = [s for s in stmt.body if not any(s is m for m in moved)]
                runs = namer.fresh(f"runs_{stmt.origin.line}")
                before = [ir.Assign(stmt.origin, runs, _nonempty(stmt), nondiff=True),
                          ir.If(stmt.origin, runs, list(moved), [])]
                block[k:k] = before
                k += len(before)
            k += 1


def _blocks(body: list[ir.Stmt]):
    """Every block, inner ones before the blocks holding them."""
    for stmt in body:
        for block in ir.blocks(stmt):
            yield from _blocks(block)
    yield body


def _hoistable(loop: ir.For) -> list[Guard]:
    assigned = ir.defined_names(loop)
    moved = []
    for stmt in loop.body:
        if isinstance(stmt, Guard):
            names = stmt.names
            if all(isinstance(n, ast.Name) and n.id not in assigned for n in names):
                moved.append(stmt)
            continue
        if any(isinstance(s, (ir.ExitLoop, ir.Raise)) for s in ir.walk([stmt])):
            break
    return moved


def _nonempty(loop: ir.For) -> ast.expr:
    """Whether `range(start, stop, step)` has an element."""
    step = loop.step
    if isinstance(step, ast.Constant) and isinstance(step.value, int) and step.value != 0:
        first, last = (loop.stop, loop.start) if step.value > 0 else (loop.start, loop.stop)
        return ast.Compare(_copy(first), [ast.Gt()], [_copy(last)])
    rng = ast.Call(ast.Name("range", ast.Load()), [_copy(loop.start), _copy(loop.stop),
                                                   _copy(step)], [])
    return ast.Compare(ast.Call(ast.Name("len", ast.Load()), [rng], []), [ast.Gt()],
                       [ast.Constant(0)])


def _copy(node: ast.expr) -> ast.expr:
    return ir.parts.clone(node)
