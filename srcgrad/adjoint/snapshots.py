"""Elements that later passes of a loop write, read from a copy made before it.

trmm multiplies in place, row by row: pass `i` writes row `i` of `B` and
reads the rows below it, which later passes write,

    for i in range(m):
        for j in range(n):
            for k in range(i + 1, m):
                B[i, j] += A[k, i] * B[k, j]

The reverse sweep of pass `i` needs `B[k, j]` as pass `i` read it, and by
then the later passes have overwritten it: the adjoint saved every element
it read, `m * n * m / 2` numbers (4.8 million at 200 x 240), where the array
has `m * n`.  Those elements still hold what they held before the loop (no
earlier pass wrote them: every pass writes only its own row), so the read
can be of a copy of the array made before the loop, `B_before = np.copy(B)`,
that nothing writes: the reverse sweep reads it again where it needs it, and
the copy's cotangent goes into `B`'s where it was made.

Which reads: `t = a[..., k, ...]` inside a loop nested in a `for` loop over
`i` that counts up from a non-negative constant and writes `a` (or memory
it shares) only at `a[..., i, ...]`, in that position, where `k` is always
above `i`: the variable of a loop inside it that starts above `i`
(`range(i + 1, m)`, the read inside it), or a name the pass sets to `i`
plus a positive constant before the statement that holds the read (a
Gauss-Seidel sweep's `a[i + 1, j]`); a name set in a branch, or after the
read, may hold an earlier pass's value, and is not counted.  The copy costs
one array per run of the loop; it is made only where some such read runs in
an inner loop, more than once per pass, and a derivative needs its value
(`_value_needed`).
"""

from __future__ import annotations

import ast

import numpy as np

from .. import ir
from ..ir.markers import SUBSCRIPT
from ..ir.naming import Namer
from .saving import _leading_names, _positions, _writes_own_elements, distinct_indices

__all__ = ["read_unwritten_from_copies"]


def read_unwritten_from_copies(fn: ir.Function, aliases: dict[str, set[str]],
                               namer: Namer) -> bool:
    """Rewrite the reads described above; whether any was."""
    changed = False
    for block in list(ir.all_blocks(fn.body)):
        k = 0
        while k < len(block):
            stmt = block[k]
            before = _copies_before(stmt, aliases, namer, fn.body, fn.lists) \
                if isinstance(stmt, ir.For) else []
            block[k:k] = before
            k += len(before) + 1
            changed = changed or bool(before)
    return changed


def _copies_before(loop: ir.For, aliases: dict[str, set[str]], namer: Namer,
                   function: list[ir.Stmt], lists: set[str]) -> list[ir.Stmt]:
    """The copies to make before `loop`, its reads rewritten to them."""
    if not (distinct_indices(loop) and loop.step.value > 0):
        return []
    counts: dict[str, int] = {}  # how many statements of the loop assign each name
    for s in ir.walk(loop.body):
        for name in ir.defined_names(s) if not ir.blocks(s) else ir.parts.own_definitions(s):
            counts[name] = counts.get(name, 0) + 1
    copies = []
    for array in sorted(ir.stored_arrays(loop)):
        if array in counts or array in lists:
            continue  # (rebound in the loop; a Python list)
        shared = aliases.get(array, {array}) | {array}
        reads = []
        for position in range(_rank_hint(loop, array)):
            if not _writes_own_elements(loop, array, shared, position):
                continue
            reads += [stmt for stmt, above in _element_reads(loop, array, counts, function)
                      if _position_above(stmt, position, above)
                      and _value_needed(stmt.target, loop.body)]
        if not reads:
            continue
        copy = namer.fresh(f"{array}_before")
        for stmt in reads:
            stmt.value.value = ast.Name(copy, ast.Load())
        call = ast.Call(ast.Attribute(ast.Name("np", ast.Load()), "copy", ast.Load()),
                        [ast.Name(array, ast.Load())], [])
        copies.append(ir.Assign(loop.origin, copy, call, np.copy))
    return copies


def _rank_hint(loop: ir.For, array: str) -> int:
    """How many leading positions the writes into `array` in `loop` index."""
    return max((len(_leading_names(_positions(s.index))) for s in ir.walk(loop.body)
                if isinstance(s, ir.Store) and s.array == array), default=0)


def _offset(node: ast.expr, shifted: dict[str, int]) -> int | None:
    """`node` as the loop's variable plus a whole constant, through `shifted`."""
    if isinstance(node, ast.Name):
        return shifted.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)) and \
            isinstance(node.left, ast.Name) and node.left.id in shifted and \
            isinstance(node.right, ast.Constant) and type(node.right.value) is int:
        c = node.right.value if isinstance(node.op, ast.Add) else -node.right.value
        return shifted[node.left.id] + c
    return None


def _element_reads(loop: ir.For, array: str, counts: dict[str, int],
                   function: list[ir.Stmt]):
    """(statement, the names always above the loop's variable `i` there) of
    each read `t = array[...]` at atoms inside an inner loop of `loop`, whose
    `t` is read only after it in its block (a view of a row, `t = B[k]`,
    then sees the same elements in the copy: nothing writes into row `k` in
    this pass).  Above `i`: a name the pass sets once to `i` plus a positive
    constant, in a block that holds the read, before it (so that the read
    sees this pass's value); the variable of a loop around the read that
    starts above `i` (`range(i + 1, m)`) or counts down to a stop at or
    above it, its bounds read so."""

    def visit(block: list[ir.Stmt], shifts: dict[str, int], above: frozenset[str], inner: bool):
        shifts = dict(shifts)
        for k, stmt in enumerate(block):
            if inner and type(stmt) is ir.Assign and stmt.primitive is SUBSCRIPT and \
                    isinstance(stmt.value, ast.Subscript) and \
                    isinstance(stmt.value.value, ast.Name) and stmt.value.value.id == array and \
                    all(isinstance(p, (ast.Name, ast.Constant))
                        for p in _positions(stmt.value.slice)) \
                    and _used_only_after(stmt.target, block, k, function):
                yield stmt, above | {n for n, d in shifts.items() if d > 0}
            if type(stmt) is ir.Assign and counts.get(stmt.target) == 1:
                d = _offset(stmt.value, shifts)
                if d is not None:
                    shifts[stmt.target] = d
            if isinstance(stmt, ir.For):
                yield from visit(stmt.body, shifts, above | _runs_above(stmt, shifts, counts), True)
            else:
                for nested in ir.blocks(stmt):
                    yield from visit(nested, shifts, above, inner)

    yield from visit(loop.body, {loop.var: 0}, frozenset(), False)


def _runs_above(inner: ir.For, shifts: dict[str, int], counts: dict[str, int]) -> set[str]:
    """{its variable} for a loop whose variable is always above `i`, else {}."""
    if counts.get(inner.var) != 1 or inner.trips is not None or not (
            isinstance(inner.step, ast.Constant) and type(inner.step.value) is int):
        return set()
    if any(inner.var in ir.defined_names(t) for t in ir.walk(inner.body)):
        return set()
    if inner.step.value > 0:
        d = _offset(inner.start, shifts)
        return {inner.var} if d is not None and d > 0 else set()
    if inner.step.value < 0:
        d = _offset(inner.stop, shifts)
        return {inner.var} if d is not None and d >= 0 else set()
    return set()


def _used_only_after(name: str, block: list[ir.Stmt], k: int,
                     function: list[ir.Stmt]) -> bool:
    """Whether `name`, assigned by statement `k` of `block`, is assigned nowhere
    else and read only by the statements after it there (and theirs)."""
    after = {id(s) for s in ir.walk(block[k + 1:])}
    for stmt in ir.walk(function):
        if stmt is block[k]:
            continue
        if name in ir.defined_names(stmt) and not ir.blocks(stmt):
            return False
        if name in ir.used_names(stmt) and id(stmt) not in after:
            return False
    return True


def _value_needed(name: str, body: list[ir.Stmt]) -> bool:
    """Whether a derivative may need the value of `name`: it, or a sum or
    difference of it (or a multiple of it by a constant), is an operand of
    anything but such sums and the writes into arrays.  (A Gauss-Seidel
    sweep adds its neighbours: its reverse sweep reads none of them, and a
    copy would only cost.)"""
    pending, seen = [name], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for stmt in ir.walk(body):
            if isinstance(stmt, ir.Store):
                if current in ir.names_in(stmt.index):
                    return True
                continue
            if current not in ir.used_names(stmt):
                continue
            if type(stmt) is ir.Assign and _linear(stmt.value):
                pending.append(stmt.target)
            else:
                return True
    return False


def _linear(value: ast.expr) -> bool:
    """A sum or difference of atoms, a negation, a copy, or an atom times (or
    over) a constant."""
    if isinstance(value, (ast.Name, ast.Constant)):
        return True
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, (ast.USub, ast.UAdd)):
        return isinstance(value.operand, (ast.Name, ast.Constant))
    if isinstance(value, ast.BinOp):
        atoms = all(isinstance(v, (ast.Name, ast.Constant)) for v in (value.left, value.right))
        if isinstance(value.op, (ast.Add, ast.Sub)):
            return atoms
        if isinstance(value.op, ast.Mult):
            return atoms and (isinstance(value.left, ast.Constant)
                              or isinstance(value.right, ast.Constant))
        if isinstance(value.op, ast.Div):
            return atoms and isinstance(value.right, ast.Constant)
    return False


def _position_above(stmt: ir.Assign, position: int, above: frozenset[str]) -> bool:
    names = _leading_names(_positions(stmt.value.slice))
    return len(names) > position and names[position] in above
