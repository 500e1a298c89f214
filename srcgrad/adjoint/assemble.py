"""Putting the two sweeps together from their pieces.

The reverse sweep is built as an `RBlock` per forward block (a chunk of
reverse code per forward statement, a slot per gap, filled by `Saver` with
restores and recomputations); a reversed `if` or loop holds its reversed
blocks as `Nested` placeholders until `assemble_reverse` flattens the whole
tree into plain IR, slot and chunk in reverse order.  `assemble_forward`
gives the forward sweep: each block with the pushes `Saver` put at its gaps.
"""

from __future__ import annotations

from .. import ir
from .saving import BlockInfo, RBlock

__all__ = ["Nested", "assemble_forward", "assemble_reverse"]


class Nested(ir.Stmt):
    """A placeholder for a reversed block inside a reversed If/For."""

    def __init__(self, origin: ir.Origin, rblock: RBlock):
        super().__init__(origin)
        self.rblock = rblock


def assemble_forward(info: BlockInfo, blocks: dict[int, BlockInfo]) -> list[ir.Stmt]:
    """The forward block with the pushes `Saver` put at its gaps."""
    out: list[ir.Stmt] = []
    for k, stmt in enumerate(info.stmts):
        out += info.pushes[k]
        out.append(_with_blocks(stmt, blocks))
    out += info.pushes[len(info.stmts)]
    return out


def _with_blocks(stmt: ir.Stmt, blocks: dict[int, BlockInfo]) -> ir.Stmt:
    def block(stmts):
        return assemble_forward(blocks[id(stmts)], blocks)

    if isinstance(stmt, ir.If):
        return ir.If(stmt.origin, stmt.test, block(stmt.body), block(stmt.orelse))
    if isinstance(stmt, ir.For):
        return ir.For(stmt.origin, stmt.var, stmt.start, stmt.stop, stmt.step, block(stmt.body),
                      stmt.trips)
    if isinstance(stmt, ir.While):
        return ir.While(stmt.origin, stmt.test, block(stmt.body), stmt.trips)
    return stmt


def assemble_reverse(rblock: RBlock) -> list[ir.Stmt]:
    """The reversed block as plain IR: the slot after the last statement
    first, then each statement's chunk followed by the slot before it."""
    out: list[ir.Stmt] = []
    n = len(rblock.chunks)
    out += rblock.slots[n].statements()
    for k in reversed(range(n)):
        for stmt in rblock.chunks[k]:
            out.append(_flatten(stmt))
        out += rblock.slots[k].statements()
    return out


def _flatten(stmt: ir.Stmt) -> ir.Stmt:
    if isinstance(stmt, ir.If):
        return ir.If(stmt.origin, stmt.test, _flatten_block(stmt.body), _flatten_block(stmt.orelse))
    if isinstance(stmt, ir.For):
        return ir.For(stmt.origin, stmt.var, stmt.start, stmt.stop, stmt.step,
                      _flatten_block(stmt.body), stmt.trips, stmt.ascending)
    return stmt


def _flatten_block(stmts: list[ir.Stmt]) -> list[ir.Stmt]:
    out = []
    for stmt in stmts:
        if isinstance(stmt, Nested):
            out += assemble_reverse(stmt.rblock)
        else:
            out.append(_flatten(stmt))
    return out
