"""Stores into arrays: their reverse, and undoing them.

The reverse of a write `a[index] = v` hands the written elements' cotangent
to `v` and zeroes it (what was there before the write did not reach the
output through these elements):

    a[index] = v       ─►    bv += ba[index]        (`last_writes` for an index array)
                             ba[index] = 0.0

When the reverse sweep reads an array's contents (`Saver`'s value needs),
each write into it is also undone: the forward sweep saves the elements it
overwrites, and the reverse sweep puts them back right after the write's
reverse, so that a saved reference or a recomputed `a[j]` sees the contents
of its time:

    a_old.append(copy_value(a[index]))      # forward, before the write
    a[index] = v
    ...
    a[index] = a_old.pop()                  # reverse, after the write's reverse
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from .. import ir
from .saving import STORE, VALUE, BlockInfo, Saver, stored_after
from .stacks import store_push_pop
from .syntax import basic_index, call, clone, index_value

if TYPE_CHECKING:
    from .sweep import Sweep

__all__ = ["restore_stores", "reverse_store"]


def reverse_store(sweep: Sweep, stmt: ir.Store, out: list[ir.Stmt], where) -> None:
    cot, facts = sweep.cot, sweep.facts
    array = stmt.array
    if array not in cot.live or not facts.active(array):
        return
    origin = stmt.origin.reverse()
    b = cot.load(array)
    elements = ast.Subscript(b, clone(stmt.index), ast.Load())
    value = stmt.value
    if isinstance(value, ast.Name) and facts.active(value.id):
        part = elements
        if not basic_index(stmt.index, facts.ints):
            # an index array may repeat an element: only its last write counts
            part = call("last_writes", clone(b), index_value(stmt.index))
            sweep.out.note_helper("last_writes")
        elif value.id in facts.lazy and value.id not in cot.live:
            part = call("copy_value", elements)
            sweep.out.note_helper("copy_value")
        cot.contribute(out, value.id, clone(part), False, where, origin)
    zero = ir.Store(origin, b.id, clone(stmt.index), ast.Constant(0.0))
    sweep.out.emit(out, zero, where)


def restore_stores(saver: Saver, aliases: dict[str, set[str]]) -> set[str]:
    """Undo, in the reverse sweep, every in-place write into an array whose
    contents the reverse sweep reads at a point that a write into it (or into
    memory it shares) follows; return those arrays.  An array read only
    after its last write (a relaxation sweep whose adjoint is linear in it,
    an array read by the final `return`) still holds those contents in the
    reverse sweep: nothing to save."""
    undone: set[int] = set()
    restored: set[str] = set()
    seen = 0
    needed: set[str] = set()
    while True:  # undoing a write needs its index, which may need more undoing
        while saver.settle_copies() or saver.settle_shapes():
            pass
        for name, info, gap in saver.value_needs[seen:]:
            shared = aliases.get(name, {name})
            if not shared <= needed and stored_after(
                    shared - saver.fresh_since(name, shared, info, gap), info, gap):
                needed |= shared
        seen = len(saver.value_needs)
        todo = [(stmt, info, k) for info in list(saver.blocks.values())
                for k, stmt in enumerate(info.stmts)
                if isinstance(stmt, ir.Store) and stmt.array in needed
                and id(stmt) not in undone]
        if not todo:
            return restored
        for stmt, info, k in todo:
            undone.add(id(stmt))
            _undo_store(saver, stmt, info, k)
            restored.add(stmt.array)


def _undo_store(saver: Saver, stmt: ir.Store, info: BlockInfo, k: int) -> None:
    stack = saver.namer.fresh(f"{stmt.array}_old")
    saver.stacks[(stack, STORE)] = stack
    push, pop = store_push_pop(stmt, stack)
    info.pushes[k].append(push)
    info.rev.slots[k].restores.insert(0, pop)
    # The undo runs right after the reverse of the write: the array and the
    # index must hold the values they had at the write.  The write defines
    # neither, so their values after it (gap k + 1) are those.
    for name in sorted(ir.names_in(stmt.index) | {stmt.array}):
        saver.need(name, VALUE, info, k + 1)
