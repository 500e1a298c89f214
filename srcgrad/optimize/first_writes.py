"""The one update of each element of a new zero cotangent, as a store.

PolyBench's gesummv sums `A[i, j] * x[j]` over a matrix, and the reverse
sweep adds into each element of `A`'s cotangent once:

    bA = zeros_like(A)                      bA = zeros_like(A)
    for i in range(n - 1, -1, -1):          for i in range(n - 1, -1, -1):
        ...                                     ...
        for j in range(n):                      for j in range(n):
            bA[i, j] += bt * x[j]                   bA[i, j] = bt * x[j]

Each `+=` loads an element that is still zero.  A large array of zeros is
fresh memory from the operating system: the load maps a shared page of
zeros, and the store after it takes a second page fault to give the page
its own memory.  Stored without the load, the element costs one fault per
page and no load (a 13 MB cotangent is 3,300 pages).

Which updates: `bx[i, j] += e` for compiled code, where `bx` is made once,
as a new array of zeros, at the function's top level, before the top-level
loop that holds the update; nothing else in that loop, nor between the two,
reads or writes `bx` (what comes after the loop may); and every loop around
the update takes a different variable at one position of the index, each
never negative and not assigned in its body, so that each element is
updated once, from zero.  Derivatives of higher order read the `+=` form.
"""

from __future__ import annotations

import ast

from .. import ir
from ..adjoint.saving import _distinct_indices
from .ranks import Ranks

__all__ = ["store_first_updates"]

_ZEROS = {"zeros_like"}
_NUMPY_ZEROS = {"zeros", "zeros_like"}


def store_first_updates(body: list[ir.Stmt], ranks: Ranks) -> bool:
    """Rewrite `body` in place (see the module's docstring); whether it changed."""
    changed = False
    for k, loop in enumerate(body):
        if not isinstance(loop, ir.For):
            continue
        for block, stmt, path in _updates(loop.body, [loop]):
            array = stmt.target.value.id
            if not _made_zero_before(body, k, array) or _references(loop, array) != 1:
                continue
            positions = stmt.target.slice.elts if isinstance(stmt.target.slice, ast.Tuple) \
                else [stmt.target.slice]
            names = [p.id if isinstance(p, ast.Name) else None for p in positions]
            if ranks.array_ndim(ast.Name(array, ast.Load())) != len(positions) or \
                    len(path) != len(names) or \
                    sorted(n for n in names if n) != sorted(s.var for s in path) or \
                    not all(isinstance(s, ir.For) and _distinct_indices(s) for s in path):
                continue
            at = next(j for j, s in enumerate(block) if s is stmt)
            # (the last rewrite before the code is printed: the value need not be an atom)
            block[at] = ir.Store(stmt.origin, array, stmt.target.slice, stmt.value)
            changed = True
    return changed


def _updates(block: list[ir.Stmt], path: list[ir.Stmt]):
    """Each `a[index] += e` in `block` (and the blocks in it), with its block
    and the loops around it (branches of `if` left out: they run a body at
    most once)."""
    for stmt in block:
        if type(stmt) is ir.Accumulate and isinstance(stmt.target, ast.Subscript) and \
                isinstance(stmt.target.value, ast.Name):
            yield block, stmt, path
        elif isinstance(stmt, ir.If):
            for inner in (stmt.body, stmt.orelse):
                yield from _updates(inner, path)
        elif isinstance(stmt, (ir.For, ir.While)):
            yield from _updates(stmt.body, [*path, stmt])


def _made_zero_before(body: list[ir.Stmt], k: int, array: str) -> bool:
    """Whether `array` is assigned once in the function, as a new array of
    zeros, at the top level before `body[k]`, and nothing between reads or
    writes it."""
    defs = [s for s in ir.walk(body) if not ir.blocks(s) and array in ir.defined_names(s)]
    if len(defs) != 1 or not any(s is defs[0] for s in body[:k]):
        return False
    made = defs[0]
    if not (type(made) is ir.Assign and isinstance(made.value, ast.Call)):
        return False
    func = made.value.func
    zeros = (isinstance(func, ast.Name) and func.id in _ZEROS) or (
        isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
        and func.value.id == "np" and func.attr in _NUMPY_ZEROS)
    if not zeros:
        return False
    start = next(j for j, s in enumerate(body) if s is made)
    return all(_references(s, array) == 0 for s in body[start + 1:k])


def _references(stmt: ir.Stmt, array: str) -> int:
    """How many statements in `stmt` (itself included) name `array`."""
    count = 0
    for s in ir.walk([stmt]):
        if ir.blocks(s):  # its header: a loop's bounds, a test
            header = [getattr(s, field, None) for field in ("start", "stop", "step", "test")]
            count += any(array == h if isinstance(h, str) else array in ir.names_in(h)
                         for h in header)
            continue
        if array in (ir.used_names(s) | ir.defined_names(s)) or \
                (type(s) is ir.Store and s.array == array):
            count += 1
    return count
