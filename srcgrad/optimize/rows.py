"""A loop that adds into several rows of a cotangent, cut into a loop per row.

The reverse of a 2-D stencil's sweep over a row, `u[i, j] = un[i, j] +
alpha * (un[i + 1, j] + un[i - 1, j] + ...)`, adds into three rows of
`bun` in every pass of its loop over `j`: its own (where the updates of
neighbours in the row are carried in variables, `carry_neighbours`), the
row above and the row below, and it adds into `balpha` as well.  LLVM
vectorises none of it: the three rows may overlap for all it knows, and the
running sum fixes the order of the passes.  A hand-written adjoint sweeps
each row with its own loop; so does this rewrite:

    for j in range(1, m):                   for j in range(1, m):
        b = bu[i, j]                            b = bu[i, j]
        bu[i, j] = 0.0                          balpha = accumulate(balpha, b * ...)
        balpha = accumulate(balpha, b * ...)  for j in range(1, m):
        bun[i - 1, j] += b * alpha              bun[i - 1, j] += bu[i, j] * alpha
        bun[i + 1, j] += b * alpha            for j in range(1, m):
        ... (row i, carried)                    bun[i + 1, j] += bu[i, j] * alpha
                                            for j in range(1, m):
                                                b = bu[i, j]
                                                bu[i, j] = 0.0
                                                ... (row i, carried)

Each new loop computes again the part of the pass its update reads, placed
before the loop it came from.  (Measured on the loop of heat_2d's reverse
sweep, a 250 x 250 field: 96 us a pass as one loop, 58 us as four.)

Which loops: innermost `for` loops of compiled code, of plain assignments,
stores and updates only.  An update moves, with every update into the same
row (its index but the last position, the loop's variable there, plus or
minus a constant), where another row of the same array stays behind: rows
of one array LLVM cannot tell apart (their distance is the length of a row,
known at run time), where two arrays it checks at run time for overlap and
vectorises.  (Moving the update of a vector out of a loop that writes
matrix rows made gesummv, 2mm, trisolv and conv2d 7-24% slower: each
matrix read twice.)
Sums of numbers (`total = accumulate(total, e)`) move with them, into a
loop of their own.

What a moved statement reads must be computed again as it was: the arrays
the loop writes are the adjoint's own (no other name can hold them), an
array it adds into is read nowhere in the loop, and one that a moved
statement reads is written only at that element, after the read, in a pass
that no other pass writes (its index holds the loop's variable); the names
it reads are the loop's variable, names the loop does not assign, or names
assigned once in the pass, before any read, by arithmetic of such (+, -, *,
/, elements): a name carried from pass to pass is not computed again.
Additions into an element come in another order (rounding may differ in
the last bits, as in any sum of the reverse sweep); nothing reads the array
before the loops end.
"""

from __future__ import annotations

import ast
import copy

from .. import ir
from ..analysis.liveness import liveness
from ..ir.parts import expressions
from .accumulators import _offset_of

__all__ = ["distribute_rows"]

_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div)


def distribute_rows(body: list[ir.Stmt], returns: ast.expr, own: set[str]) -> bool:
    """Rewrite `body` in place (see the module's docstring); whether it
    changed.  `own`: arrays no other name can hold."""
    changed = False
    live = None
    for block in list(ir.all_blocks(body)):
        k = 0
        while k < len(block):
            loop = block[k]
            if _plain_loop(loop) and live is None:
                live = liveness(body, ir.names_in(returns))
            pieces = _pieces(loop, live[loop], own) if _plain_loop(loop) else None
            if pieces:
                block[k:k] = pieces
                k += len(pieces)
                changed = True
            k += 1
    return changed


def _plain_loop(stmt: ir.Stmt) -> bool:
    return (type(stmt) is ir.For and stmt.trips is None and len(stmt.body) > 1
            and all(type(s) in (ir.Assign, ir.Store, ir.Accumulate) for s in stmt.body))


class _Pass:
    """What a pass of the loop assigns and reads, for computing again."""

    def __init__(self, loop: ir.For):
        self.loop, self.var = loop, loop.var
        stmts = loop.body
        counts: dict[str, int] = {}
        for s in stmts:
            for name in ir.defined_names(s):
                counts[name] = counts.get(name, 0) + 1
        self.assigned = set(counts)
        # names assigned once, by arithmetic, before any read in the pass
        self.defs: dict[str, int] = {}
        read_before: set[str] = set()
        for k, s in enumerate(stmts):
            read_before |= ir.used_names(s)
            if type(s) is ir.Assign and counts[s.target] == 1 and s.target not in read_before \
                    and s.target != self.var and _arithmetic(s.value):
                self.defs[s.target] = k
        self.writes: dict[str, list[int]] = {}  # array -> positions of its stores and updates
        for k, s in enumerate(stmts):
            array = _written(s)
            if array is not None:
                self.writes.setdefault(array, []).append(k)
        # names added into whole (`x += e`): numbers carried from pass to pass,
        # or an array updated whole, whose elements no moved statement reads
        self.whole = {s.target.id for s in stmts
                      if type(s) is ir.Accumulate and isinstance(s.target, ast.Name)}

    def recomputed(self, exprs: list[ast.expr], at: int) -> list[int] | None:
        """The positions of the assignments that compute again what `exprs`
        (read by the statement at `at`) read, in order; None where that
        cannot be done."""
        needed: set[int] = set()
        todo = [(e, at) for e in exprs]  # (an expression, where the pass reads it)
        loads: list[tuple[ast.Subscript, int]] = []
        while todo:
            expr, where = todo.pop()
            loads += [(node, where) for node in ast.walk(expr)
                      if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load)]
            for name in ir.names_in(expr):
                if name == self.var or name not in self.assigned:
                    continue
                k = self.defs.get(name)
                if k is None or k >= where:
                    return None
                if k not in needed:
                    needed.add(k)
                    todo.append((self.loop.body[k].value, k))
        for load, k in loads:
            if not self._unchanged(load, k):
                return None
        return sorted(needed)

    def _unchanged(self, load: ast.Subscript, k: int) -> bool:
        """Whether `load`, read by the statement at `k`, reads the same value
        when read before the loop's passes: its array written in the loop
        only at that element, after `k`, in a pass of its own."""
        if not isinstance(load.value, ast.Name) or load.value.id in self.whole:
            return False
        writes = self.writes.get(load.value.id, [])
        if not writes:
            return True
        positions = load.slice.elts if isinstance(load.slice, ast.Tuple) else [load.slice]
        if not any(isinstance(p, ast.Name) and p.id == self.var for p in positions):
            return False
        element = ast.dump(load.slice)
        return all(w > k and type(self.loop.body[w]) is ir.Store
                   and ast.dump(self.loop.body[w].index) == element for w in writes)

    def row(self, index: ast.expr) -> str | None:
        """The row an index names (its positions but the last, their names
        spelt out), where its last position is the loop's variable plus or
        minus a constant and no other position reads it; else None."""
        positions = index.elts if isinstance(index, ast.Tuple) else [index]
        last = self._spelt(positions[-1])
        if _offset_of(last, self.var, {}) is None:
            return None
        rest = [self._spelt(p) for p in positions[:-1]]
        if any(self.var in ir.names_in(p) for p in rest):
            return None
        return ast.dump(ast.Tuple(rest, ast.Load()))

    def _spelt(self, expr: ast.expr) -> ast.expr:
        """`expr` with the names the pass assigns once by arithmetic replaced
        by what they hold."""
        if isinstance(expr, ast.Name) and expr.id in self.defs:
            return self._spelt(self.loop.body[self.defs[expr.id]].value)
        expr = copy.deepcopy(expr)
        for node in ast.walk(expr):
            for field, value in ast.iter_fields(node):
                if isinstance(value, ast.Name) and value.id in self.defs:
                    setattr(node, field, self._spelt(value))
        return expr


def _pieces(loop: ir.For, live_after: set[str], own: set[str]) -> list[ir.Stmt] | None:
    """The loops to run before `loop`, taking their statements out of it
    (`live_after`: the names read after it)."""
    p = _Pass(loop)
    if not set(p.writes) <= own:
        return None
    stmts = loop.body
    read_arrays: set[str] = set()  # (names read, arrays among them)
    for s in stmts:
        for expr in expressions(s):
            if type(s) is ir.Accumulate and expr is s.target and isinstance(expr, ast.Subscript):
                expr = expr.slice  # (an update writes its element, reads its index)
            read_arrays |= ir.names_in(expr)
    # (array, row) -> its updates that can move, each with its recomputation
    groups: dict[tuple[str, str | None], list[tuple[int, list[int]]]] = {}
    staying: set[tuple[str, str | None]] = set()
    sums: list[tuple[int, list[int]]] = []
    for k, s in enumerate(stmts):
        array = _written(s)
        if array is not None:
            row = p.row(s.target.slice if type(s) is ir.Accumulate else s.index)
            movable = type(s) is ir.Accumulate and row is not None and array not in read_arrays
            needed = p.recomputed([s.value, s.target.slice], k) if movable else None
            if needed is None:
                staying.add((array, row))
            else:
                groups.setdefault((array, row), []).append((k, needed))
        elif _sum_of_numbers(s, stmts):
            needed = p.recomputed([s.value.args[1]], k)
            if needed is not None:
                sums.append((k, needed))
    if not groups:
        return None
    if not staying:  # every write movable: the last row written stays
        staying.add(max(groups, key=lambda key: max(k for k, _ in groups[key])))
    # rows of an array another row of which stays: LLVM cannot tell them
    # apart (their distance is the row's length), where it can check at run
    # time that two arrays do not overlap
    moving = [key for key in groups if key not in staying
              and any(key[0] == array for array, _ in staying)]
    if not moving:
        return None
    pieces = [groups[key] for key in moving]  # (a row that stays keeps its updates)
    if sums:
        pieces.insert(0, sums)
    moved: set[int] = set()
    loops = []
    for piece in pieces:
        positions = sorted({k for _, needed in piece for k in needed} | {k for k, _ in piece})
        moved |= {k for k, _ in piece}
        loops.append(ir.For(loop.origin, loop.var, copy.deepcopy(loop.start),
                            copy.deepcopy(loop.stop), copy.deepcopy(loop.step),
                            [copy.deepcopy(stmts[k]) for k in positions],
                            ascending=copy.deepcopy(loop.ascending)))
    loop.body = [s for k, s in enumerate(stmts) if k not in moved]
    _drop_unread(loop, live_after)
    return loops


def _drop_unread(loop: ir.For, live_after: set[str]) -> None:
    """Drop the loop's assignments that nothing reads any more: not the
    loop, nor what comes after it."""
    while True:
        read = live_after.union(*(ir.used_names(s) for s in loop.body))
        kept = [s for s in loop.body if not (type(s) is ir.Assign and s.target not in read)]
        if len(kept) == len(loop.body):
            return
        loop.body = kept


def _written(stmt: ir.Stmt) -> str | None:
    """The array a store or an update writes into."""
    if type(stmt) is ir.Store:
        return stmt.array
    if type(stmt) is ir.Accumulate and isinstance(stmt.target, ast.Subscript) \
            and isinstance(stmt.target.value, ast.Name):
        return stmt.target.value.id
    return None


def _sum_of_numbers(stmt: ir.Stmt, stmts: list[ir.Stmt]) -> bool:
    """`total = accumulate(total, e)`, `total` named nowhere else in the loop."""
    if not (type(stmt) is ir.Assign and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Name) and stmt.value.func.id == "accumulate"
            and len(stmt.value.args) == 2 and isinstance(stmt.value.args[0], ast.Name)
            and stmt.value.args[0].id == stmt.target):
        return False
    total = stmt.target
    return not any(s is not stmt and total in (ir.used_names(s) | ir.defined_names(s))
                   for s in stmts) and total not in ir.names_in(stmt.value.args[1])


def _arithmetic(expr: ast.expr) -> bool:
    """Numbers, names, elements and + - * / of them."""
    for node in ast.walk(expr):
        if isinstance(node, ast.BinOp):
            if not isinstance(node.op, _ARITHMETIC):
                return False
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                return False
        elif not isinstance(node, (ast.Name, ast.Constant, ast.Subscript, ast.Tuple,
                                   ast.expr_context, ast.operator, ast.unaryop)):
            return False
    return True
