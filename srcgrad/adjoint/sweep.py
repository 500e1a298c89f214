"""The reverse sweep over blocks: each statement, last to first, to its reverse.

`Sweep` carries the three pieces of state the reversal of a statement may
touch, passed explicitly to each module that reverses a kind of statement:

- `facts` (`context.Facts`): what is known of the primal function, read-only;
- `out` (`context.Emitter`): where reverse code goes, with `Saver` behind it;
- `cot` (`cotangents.Cotangents`): the adjoints and which of them are live.

`reverse_block` gives an `RBlock`: one chunk of reverse code per forward
statement, filled by

    Pop (of a value)    stacks.reverse_pop
    Assign              statements.reverse_assign
    Store               stores.reverse_store
    Push (of a value)   stacks.reverse_push
    If                  control.reverse_if
    For, While          control.reverse_loop

(other statements, `ExitLoop`, calls kept for their effect and the pushes
and pops of shapes, have none).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import ir
from .context import Emitter, Facts
from .control import reverse_if, reverse_loop
from .cotangents import Cotangents
from .saving import BlockInfo, RBlock
from .stacks import reverse_pop, reverse_push
from .statements import reverse_assign
from .stores import reverse_store

__all__ = ["Sweep"]


@dataclass(eq=False)
class Sweep:
    facts: Facts
    out: Emitter
    cot: Cotangents

    def reverse_block(self, info: BlockInfo) -> RBlock:
        rblock = RBlock(info)
        info.rev = rblock
        for k in reversed(range(len(info.stmts))):
            self.reverse_statement(info.stmts[k], rblock, k)
        return rblock

    def reverse_statement(self, stmt: ir.Stmt, rblock: RBlock, k: int) -> None:
        out = rblock.chunks[k]
        where = (rblock.info, k + 1)
        if isinstance(stmt, ir.Pop) and not stmt.shape:
            reverse_pop(self, stmt, out, where)
        elif isinstance(stmt, ir.Assign):
            reverse_assign(self, stmt, out, where)
        elif isinstance(stmt, ir.Store):
            reverse_store(self, stmt, out, where)
        elif isinstance(stmt, ir.Push) and not stmt.shape:
            reverse_push(self, stmt, out, where)
        elif isinstance(stmt, ir.If):
            reverse_if(self, stmt, rblock, k)
        elif isinstance(stmt, (ir.For, ir.While)):
            reverse_loop(self, stmt, rblock, k)
