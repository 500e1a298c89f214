"""Liveness: which variables' values may still be read, at each statement and gap.

A backward dataflow analysis over the structured IR: a variable is live after
a statement if some path from there reads it before assigning it.  Branches
join by union; a loop's body is analysed until what is live at its head stops
growing (a fixpoint: the sets only grow and are bounded by the function's
names), because what one iteration assigns the next may read.  An
`Accumulate` reads what it adds to; a `Store` reads its array (the rest of
the array's elements flow through).

Guarantees to its users (aliasing, the reverse sweep, ordering, cleanup):
`liveness` has an entry for every statement of the body, nested ones
included; `live_at_gaps` one for every `Point` of every block.
"""

from __future__ import annotations

from .. import ir
from ..ir.points import Point

__all__ = ["liveness", "live_at_gaps"]


def liveness(body: list[ir.Stmt], live_out: set[str],
             unread: dict[int, str] | None = None) -> dict[ir.Stmt, set[str]]:
    """For each statement, the variables live just after it.  `unread` maps
    statements (by id) to a name whose read by that statement does not count
    (the stand-in that `v = pop_shape(stack, v)` reads of `v`'s own type)."""
    after: dict[ir.Stmt, set[str]] = {}
    _live_block(body, set(live_out), after, unread or {}, {})
    return after


def live_at_gaps(body: list[ir.Stmt], live_out: set[str]) -> dict[Point, set[str]]:
    """For each point of each block, the variables whose value there may
    still be read."""
    after = liveness(body, live_out)
    table: dict[Point, set[str]] = {}
    reads: dict[int, frozenset[str]] = {}

    def visit(stmts):
        for stmt in stmts:
            table[Point(stmts, stmt)] = _live_stmt(stmt, set(after[stmt]), {}, {}, reads)
            for inner in ir.blocks(stmt):
                visit(inner)
        table[Point(stmts, None)] = after[stmts[-1]] if stmts else set()

    visit(body)
    for stmt in ir.walk(body):  # an empty block: what is live around its statement
        for inner in ir.blocks(stmt):
            if not inner:
                table[Point(inner, None)] = set(after[stmt]) | ir.used_names(stmt)
    return table


def _live_block(stmts: list[ir.Stmt], live: set[str], after: dict[ir.Stmt, set[str]],
                unread: dict[int, str], reads: dict[int, frozenset[str]]) -> set[str]:
    for stmt in reversed(stmts):
        after[stmt] = set(live) | after.get(stmt, set())
        live = _live_stmt(stmt, live, after, unread, reads)
    return live


def _live_stmt(stmt: ir.Stmt, live: set[str], after, unread: dict[int, str],
               reads: dict[int, frozenset[str]]) -> set[str]:
    """What is live before `stmt`, given what is live after it.  `reads`:
    what each statement reads, by id, filled as it is asked (a loop's body is
    visited once per round of its fixpoint, and the statements do not change
    meanwhile)."""
    if isinstance(stmt, ir.If):
        return {stmt.test} | _live_block(stmt.body, set(live), after, unread, reads) | \
            _live_block(stmt.orelse, set(live), after, unread, reads)
    read = reads.get(id(stmt))
    if read is None:
        read = reads[id(stmt)] = frozenset(
            ir.names_in(stmt.value) - {unread.get(id(stmt))} if isinstance(stmt, ir.Assign)
            else ir.used_names(stmt))
    if isinstance(stmt, (ir.For, ir.While)):
        loop_live = set(live) | read
        while True:
            body_in = _live_block(stmt.body, set(loop_live), after, unread, reads)
            if isinstance(stmt, ir.For):
                body_in.discard(stmt.var)
            grown = loop_live | body_in
            if grown == loop_live:
                return loop_live
            loop_live = grown
    if isinstance(stmt, ir.Assign):
        return (live - {stmt.target}) | read
    return live | read
