"""Aliasing: writes into arrays must not change values the code reads elsewhere.

In NumPy, `y = x` (or `y = x[1:]`, `y = x.T`) makes `y` share `x`'s memory,
so `x[0] = 5` changes `y` too.  The reverse sweep keeps a separate adjoint
for each name and cannot follow such sharing, so srcgrad refuses a write
into an array while another name that may share its memory is still read
afterwards.  Sharing is tracked conservatively (copies, slices and views,
through inlined calls); a write whose sharing partners are all dead by then
is fine and common (`t = x[1:] - x[:-1]` followed by `x[0] = ...`).

Guarantees to the reverse sweep: every `Store` writes into memory that no
other live variable sees.  `alias_classes` is also what `Saver` uses to know
which arrays' contents the reverse sweep reads.
"""

from __future__ import annotations

import ast

import numpy as np

from .. import ir, runtime
from ..errors import UnsupportedSyntaxError
from ..ir.guards import Guard, GuardKind, guard
from ..ir.markers import SUBSCRIPT
from ..ir.points import Point
from ..ir.recursion import RecursiveFunction
from ..runtime.tiling import gather_view
from .liveness import liveness

__all__ = ["alias_classes", "sharing", "memories", "check_stores", "drop_needless_guards", "drop_alias_guards",
           "definitely_defined"]

_VIEWS = {id(f) for f in (np.transpose, np.reshape, np.ravel, np.squeeze, np.expand_dims,
                          np.asarray, np.atleast_1d, np.atleast_2d, np.atleast_3d,
                          np.broadcast_to, np.flip, np.fliplr, np.flipud, np.swapaxes,
                          np.moveaxis, np.diagonal, np.diag, gather_view,
                          # the checks of einsum's operands and of a matrix norm's
                          runtime.operand_of_rank, runtime.matrix_view)}


def alias_classes(fn: ir.Function, certain_only: bool = False) -> dict[str, set[str]]:
    """For each variable, the variables whose values may share memory with it.

    With `certain_only`, only sharing that holds whatever the values are:
    an element read `y[i]` is a copy if `y` has one dimension, and a view
    otherwise, so it counts only without `certain_only`; and a variable
    assigned in several places (both arms of an `if`, `a if c else b`, a loop
    rebinding a parameter) may hold either value, so it links nothing for
    certain.

    Without it, two variables may share memory where they may refer to one
    memory (`memories`): `r = a[0]` on one path and `r = s` on another
    link `r` with `a` and with `s`, not `s` with `a`."""
    if not certain_only:
        return _may_share(fn)
    parent: dict[str, str] = {}

    def find(a: str) -> str:
        while parent.get(a, a) != a:
            a = parent[a]
        return a

    def union(a: str, b: str) -> None:
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb

    for target, source in sharing(fn, certain_only):
        union(target, source)
    classes: dict[str, set[str]] = {}
    for name in list(parent):
        classes.setdefault(find(name), set()).add(name)
    return {name: classes[find(name)] for name in parent}


def _may_share(fn: ir.Function) -> dict[str, set[str]]:
    pairs = sharing(fn)
    refers = memories(fn, pairs)
    names = sorted({n for pair in pairs for n in pair})
    return {a: {b for b in names if refers.get(a, {a}) & refers.get(b, {b})} | {a}
            for a in names}


def memories(fn: ir.Function, pairs: list[tuple[str, str]] | None = None) -> dict[str, set[str]]:
    """For each variable, the memories it may refer to, each named by the
    variable that a parameter, or an assignment that shares nothing (a new
    value), gives memory of its own; a value shared (`sharing`, or `pairs`)
    refers to what its source does."""
    if pairs is None:
        pairs = sharing(fn)
    shared = {id(s) for s in ir.walk(fn.body) if isinstance(s, ir.Assign) and _sources(s, {}, False)}
    memories = {p: {p} for p in fn.params}
    for stmt in ir.walk(fn.body):
        if isinstance(stmt, ir.Assign) and id(stmt) not in shared:
            memories.setdefault(stmt.target, set()).add(stmt.target)
    changed = True
    while changed:
        changed = False
        for target, source in pairs:
            new = memories.get(source, set()) - memories.get(target, set())
            if new:
                memories.setdefault(target, set()).update(new)
                changed = True
    return memories


def sharing(fn: ir.Function, certain_only: bool = False) -> list[tuple[str, str]]:
    """(target, source) for each assignment that may make `target` refer to
    memory `source` refers to (a copy of the name, a view, a pop of a stack
    `source` was pushed onto); `certain_only` as for `alias_classes`."""
    assignments: dict[str, int] = dict.fromkeys(fn.params, 1)  # a parameter has its value
    for stmt in ir.walk(fn.body):
        if isinstance(stmt, ir.Assign):
            assignments[stmt.target] = assignments.get(stmt.target, 0) + 1
    pairs = []
    for stmt in ir.walk(fn.body):
        pushed = isinstance(stmt, ir.Push) and not stmt.shape and isinstance(stmt.saved, ast.Name)
        if pushed and not certain_only:
            pairs.append((stmt.stack, stmt.saved.id))  # what a stack holds may be popped anywhere
        if isinstance(stmt, ir.Assign):
            pairs += [(stmt.target, source)
                      for source in sorted(_sources(stmt, assignments, certain_only))]
    return pairs


def _sources(stmt: ir.Assign, assignments: dict[str, int], certain_only: bool) -> set[str]:
    """The names whose memory the value `stmt` assigns may refer to (see `sharing`)."""
    if certain_only and assignments[stmt.target] > 1:
        return set()
    value = stmt.value
    if isinstance(value, ast.Name):
        return {value.id}
    if stmt.primitive is SUBSCRIPT and isinstance(value.value, ast.Name):
        return {value.value.id} if not certain_only or _slices(value.slice) else set()
    if isinstance(value, ast.Call) and id(stmt.primitive) in _VIEWS and value.args:
        return ir.names_in(value.args[0])
    if isinstance(stmt.primitive, RecursiveFunction) and not certain_only:
        return ir.names_in(value)  # it may return (a view of) an argument
    if isinstance(stmt, ir.Pop) and not stmt.shape and not certain_only:
        return ir.names_in(value)
    return set()


def _shares(stmt: ir.Assign, members: set[str]) -> bool:
    """Whether this assignment makes its target share memory with `members`."""
    value = stmt.value
    if isinstance(value, ast.Name):
        return value.id in members
    if stmt.primitive is SUBSCRIPT and isinstance(value.value, ast.Name):
        return value.value.id in members
    return False


def _slices(index: ast.expr) -> bool:
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    return any(isinstance(p, ast.Slice) or (isinstance(p, ast.Constant) and (
        p.value is None or p.value is Ellipsis)) for p in parts)


def check_stores(fn: ir.Function, aliases: dict[str, set[str]]) -> None:
    """Refuse a write into an array that a live name surely shares; guard it
    at run time where the sharing depends on the values (`old = y[i]`
    shares `y` only if `y` has more than one dimension)."""
    certain = alias_classes(fn, certain_only=True)
    live = liveness(fn.body, set(fn.results) | set(fn.aux))
    defined = definitely_defined(fn)
    guard_after_def: dict[str, str] = {}  # partner → message, guarded where assigned

    def visit(block: list[ir.Stmt]) -> None:
        k = 0
        while k < len(block):
            stmt = block[k]
            for inner in ir.blocks(stmt):
                visit(inner)
            if isinstance(stmt, ir.Store):
                after = live.get(stmt, set())
                partners = sorted((aliases.get(stmt.array, {stmt.array}) - {stmt.array}) & after)
                for other in partners:
                    message = (f"{stmt.origin}: writing into '{stmt.array}' also changes "
                               f"'{other}', which shares its memory and is read later; make a "
                               "copy first (np.copy)")
                    if other in certain.get(stmt.array, set()):
                        raise UnsupportedSyntaxError(message.split(": ", 1)[1],
                                                     stmt.origin.file, stmt.origin.line)
                    if other in defined[Point(block, stmt)]:
                        block.insert(k, guard(stmt.origin, GuardKind.SHARED, message, other,
                                              stmt.array))
                        k += 1
                    else:
                        guard_after_def[other] = message
            k += 1

    def guard_definitions(block: list[ir.Stmt]) -> None:
        k = 0
        while k < len(block):
            stmt = block[k]
            for inner in ir.blocks(stmt):
                guard_definitions(inner)
            if (isinstance(stmt, ir.Assign) and stmt.target in guard_after_def
                    and _shares(stmt, aliases.get(stmt.target, set()))):
                block.insert(k + 1, guard(stmt.origin, GuardKind.AFTER_DEFINITION,
                                          guard_after_def[stmt.target], stmt.target))
                k += 1
            k += 1

    visit(fn.body)
    guard_definitions(fn.body)


def drop_needless_guards(fn: ir.Function, aliases: dict[str, set[str]]) -> None:
    """Keep the guard of an `x += e` only where a name that may share `x`'s
    memory is read afterwards, and there check those names themselves
    (`refuse_shared(y, x, ...)`: do they overlap `x` when it runs?) where
    they surely have a value, `x` being an array where not."""
    live = liveness(fn.body, set(fn.results) | set(fn.aux))
    defined = definitely_defined(fn)

    def replacement(stmt: ir.Stmt, after: set[str], here: set[str]) -> list[ir.Stmt]:
        if not (isinstance(stmt, Guard) and stmt.kind is GuardKind.UPDATE):
            return [stmt]  # (a store's guards: check_stores decided)
        [x] = stmt.names
        if not isinstance(x, ast.Name):
            return []
        # A three-address temporary live here was made by this same statement
        # (`x += e` becomes `_t = x + e; x = _t`), after the guard: not a sharer.
        partners = sorted((aliases.get(x.id, {x.id}) - {x.id} - fn.temps) & after)
        if not partners:
            return []
        if not set(partners) <= here:
            return [stmt]
        return [guard(stmt.origin, GuardKind.SHARED, stmt.message, p, x.id) for p in partners]

    def visit(block: list[ir.Stmt]) -> None:
        kept: list[ir.Stmt] = []
        for k, stmt in enumerate(block):
            after = live.get(block[k + 1], set()) if k + 1 < len(block) \
                else live.get(stmt, set())
            kept += replacement(stmt, after, defined[Point(block, stmt)])
        block[:] = kept
        for stmt in block:
            for inner in ir.blocks(stmt):
                visit(inner)

    visit(fn.body)


def drop_alias_guards(fn: ir.Function) -> None:
    """Drop every aliasing guard (`x += e`'s `refuse_inplace_alias`), for a
    function of scalars (target='cuda'): a scalar shares no memory.  What is
    not a scalar there, `device.check_scalar_function` refuses next."""

    def visit(block: list[ir.Stmt]) -> None:
        block[:] = [stmt for stmt in block if not isinstance(stmt, Guard)]
        for stmt in block:
            for inner in ir.blocks(stmt):
                visit(inner)

    visit(fn.body)


def definitely_defined(fn: ir.Function) -> dict[Point, set[str]]:
    """For each point of each block, the variables that have a value there on
    every path (a loop body may not run)."""
    table: dict[Point, set[str]] = {}

    def block(stmts: list[ir.Stmt], defined: set[str]) -> set[str]:
        for stmt in stmts:
            table[Point(stmts, stmt)] = set(defined)
            if isinstance(stmt, ir.If):
                defined = defined | (block(stmt.body, set(defined)) & block(stmt.orelse,
                                                                             set(defined)))
            elif isinstance(stmt, ir.For):
                block(stmt.body, defined | {stmt.var})
            elif isinstance(stmt, ir.While):
                block(stmt.body, set(defined))
            else:
                defined = defined | ir.defined_names(stmt)
        table[Point(stmts, None)] = set(defined)
        return defined

    block(fn.body, set(fn.params))
    return table
