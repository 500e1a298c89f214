"""What every piece of the reverse sweep shares: read-only facts, and the emitter.

`Facts` holds what is known about the primal function before the sweep
starts and does not change while it runs: its blocks (`saving.index_blocks`),
the activity of its variables, which names surely hold integers (an index
made of them is "basic": `ba[i] += g` adds each element once), which values
are definitely defined and live at each gap, which temporaries are *lazy*
(read once, in their own block, never indexed: their adjoint may stay
broadcast larger than the temporary), and the adjoint liveness around loops
(`liveness.AdjointLiveness`).

`Emitter` is where reverse statements go: `emit` appends one to a chunk of
reverse code and tells `Saver` which primal values it reads at that point
(its value, or only its shape), and `note_helper` records each runtime helper
the generated module must import.  Names the sweep made up (adjoints,
captured gradients) are not primal reads: the cotangent accumulator adds them
to `generated` when it names them.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .. import ir, runtime
from ..analysis.activity import Activity
from ..analysis.aliasing import definitely_defined
from ..analysis.liveness import live_at_gaps
from ..ir.effects import shape_positions
from ..ir.naming import Namer
from ..ir.parts import expressions
from ..ir.points import Point
from .liveness import AdjointLiveness
from .saving import SHAPE, VALUE, BlockInfo, Saver, index_blocks

__all__ = ["Emitter", "Facts", "gather_facts", "int_names", "lazy_temps", "primal_reads"]


@dataclass(frozen=True)
class Facts:
    """The primal function and what the sweep knows about it (read-only)."""

    fn: ir.Function
    activity: Activity
    namer: Namer
    aliases: dict[str, set[str]]  # names that may share memory
    blocks: dict[int, BlockInfo]
    stop: set[str]  # variables whose cotangent does not flow further back
    wrt_locals: set[str]  # local variables whose gradient is asked for
    ints: set[str]
    defined: dict[Point, set[str]]  # definitely defined at each point
    forward_live: dict[Point, set[str]]  # live at each point
    lazy: set[str]
    liveness: AdjointLiveness  # the adjoints live around each loop

    def active(self, name: str) -> bool:
        return self.activity.active(name)


def gather_facts(fn: ir.Function, activity: Activity, namer: Namer, aliases: dict[str, set[str]],
                 stop: set[str], wrt_locals: set[str]) -> Facts:
    blocks = index_blocks(fn.body)
    forward_live = live_at_gaps(fn.body, set(fn.results) | set(fn.aux))
    return Facts(fn, activity, namer, aliases, blocks, stop, wrt_locals, int_names(fn),
                 definitely_defined(fn), forward_live, lazy_temps(fn, blocks),
                 AdjointLiveness(activity.active, stop, forward_live))


@dataclass(eq=False)
class Emitter:
    saver: Saver
    helpers: dict[str, object] = field(default_factory=dict)  # globals the module imports
    generated: set[str] = field(default_factory=lambda: {"_"})  # names that are not primal

    def emit(self, out: list[ir.Stmt], stmt: ir.Stmt, where: tuple[BlockInfo, int]) -> None:
        """Append a reverse statement and register the primal values it reads."""
        out.append(stmt)
        info, gap = where
        for name, kind in primal_reads(stmt, self.generated):
            self.saver.need(name, kind, info, gap)

    def note_helper(self, *names: str) -> None:
        for name in names:
            self.helpers[name] = getattr(runtime, name)


def lazy_temps(fn: ir.Function, blocks: dict[int, BlockInfo]) -> set[str]:
    """Temporaries read once, in the block that assigns them, and never
    indexed or written into: their adjoint may stay broadcast-larger."""
    reads: dict[str, int] = {}
    where: dict[str, int] = {}
    indexed: set[str] = set()
    for info in blocks.values():
        for stmt in info.stmts:
            for name in ir.used_names(stmt):
                reads[name] = reads.get(name, 0) + 1
                where.setdefault(name, id(info.stmts))
            if isinstance(stmt, ir.Assign) and isinstance(stmt.value, ast.Subscript):
                if isinstance(stmt.value.value, ast.Name):
                    indexed.add(stmt.value.value.id)
            if isinstance(stmt, ir.Store):
                indexed.add(stmt.array)
    defined_in = {}
    for info in blocks.values():
        for stmt in info.stmts:
            if isinstance(stmt, ir.Assign):
                defined_in[stmt.target] = id(info.stmts)
    return {t for t in fn.temps if reads.get(t) == 1 and t not in indexed
            and where.get(t) == defined_in.get(t) and t not in fn.results}


def int_names(fn: ir.Function) -> set[str]:
    """Variables that surely hold integers: loop indices, counters, lengths,
    and the bounds of a `range` (which takes nothing else)."""
    ints: set[str] = set()
    for stmt in ir.walk(fn.body):
        if isinstance(stmt, ir.For):
            ints.add(stmt.var)
            ints |= {b.id for b in (stmt.start, stmt.stop, stmt.step) if isinstance(b, ast.Name)}
        if isinstance(stmt, (ir.For, ir.While)) and stmt.trips:
            ints.add(stmt.trips)
    changed = True
    while changed:
        changed = False
        for stmt in ir.walk(fn.body):
            if isinstance(stmt, ir.Assign) and stmt.target not in ints:
                if _is_int_expr(stmt.value, ints):
                    ints.add(stmt.target)
                    changed = True
    # a name assigned anything else is not surely an integer
    for stmt in ir.walk(fn.body):
        if isinstance(stmt, ir.Assign) and stmt.target in ints and not _is_int_expr(stmt.value, ints):
            ints.discard(stmt.target)
    return ints


def _is_int_expr(node: ast.expr, ints: set[str]) -> bool:
    if isinstance(node, ast.Constant):
        return type(node.value) is int
    if isinstance(node, ast.Name):
        return node.id in ints
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult,
                                                              ast.FloorDiv, ast.Mod)):
        return _is_int_expr(node.left, ints) and _is_int_expr(node.right, ints)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _is_int_expr(node.operand, ints)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id == "list_index":  # an index into a list grown in a loop
            return _is_int_expr(node.args[1], ints)
        return node.func.id in ("len", "int", "list_length")
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
        return node.value.attr == "shape"
    return False


def primal_reads(stmt: ir.Stmt, skip: set[str]) -> list[tuple[str, str]]:
    """The primal variables a reverse statement reads, each with whether it
    needs the value or only the shape (`zeros_like(x)`, `unbroadcast(g, x)`)."""
    reads: list[tuple[str, str]] = []
    if isinstance(stmt, ir.If):
        return [(stmt.test, VALUE)]
    nodes = expressions(stmt)
    shape_only = set().union(*(shape_positions(node) for node in nodes))
    callee_ids = set()
    for node in nodes:
        for n in ast.walk(node):
            if isinstance(n, ast.Call):
                func = n.func
                while isinstance(func, ast.Attribute):
                    func = func.value
                callee_ids.add(id(func))
    for node in nodes:
        for n in ast.walk(node):
            if isinstance(n, ast.Name) and id(n) not in callee_ids and n.id not in skip:
                reads.append((n.id, SHAPE if id(n) in shape_only else VALUE))
    return reads
