"""The reverse sweep's sums into numbers, in any order, for code Numba compiles.

A loop of the reverse sweep that adds into a number in every pass (`balpha
+= b * A[i, k]`, `bmean += -bd`) is a chain of additions, each waiting for
the one before, and LLVM keeps the chain in order: IEEE addition is not
associative.  The function's own loop has no such chain, or one LLVM treats
the same way.  Each such update becomes `balpha = accumulate(balpha, b *
A[i, k])`, an addition LLVM may reorder (`runtime/sums.py`), so that the loop
vectorises with partial sums.

Which updates: every `+=` into a number (a cotangent, or one that
`optimize/accumulators.py` keeps an element's additions in) inside a loop.
A counter's `top += 1` is not a sum of floats and stays.  A gradient that is
differentiated again is read in the form with `+=` (`backend/pipeline.py`).
"""

from __future__ import annotations

import ast

from .. import ir
from .ranks import Ranks

__all__ = ["sums_in_any_order"]


def sums_in_any_order(body: list[ir.Stmt], ranks: Ranks) -> bool:
    """Rewrite `body` in place (see the module's docstring); whether it changed."""
    numbers = _numbers(body, ranks)
    changed = False
    for block in ir.all_blocks(body):
        if block is body:
            continue  # (outside loops, one addition is not a chain; its blocks are visited)
        for k, stmt in enumerate(block):
            if (type(stmt) is ir.Accumulate and isinstance(stmt.target, ast.Name)
                    and stmt.target.id in numbers and _in_loop(body, block)
                    and not (isinstance(stmt.value, ast.Constant)
                             and type(stmt.value.value) is int)):
                total = stmt.target.id
                block[k] = ir.Assign(stmt.origin, total, ast.Call(
                    ast.Name("accumulate", ast.Load()),
                    [ast.Name(total, ast.Load()), stmt.value], []))
                changed = True
    return changed


def _numbers(body: list[ir.Stmt], ranks: Ranks) -> set[str]:
    """The names that hold numbers: those `ranks` knows, and those every
    assignment of which is a number (`bA_i_k = bA[i, k]`, `bx_i_sum = 0.0`,
    made after `ranks` by `optimize/accumulators.py`)."""
    assigned: dict[str, bool] = {}
    for stmt in ir.walk(body):
        if type(stmt) is ir.Assign:
            assigned[stmt.target] = assigned.get(stmt.target, True) and ranks.scalar(stmt.value)
        elif not ir.blocks(stmt):
            for name in ir.defined_names(stmt):
                if not isinstance(stmt, ir.Accumulate):
                    assigned[name] = False
    return {name for name in assigned if ranks.scalar(ast.Name(name, ast.Load()))} | {
        name for name, number in assigned.items() if number}


def _in_loop(body: list[ir.Stmt], block: list[ir.Stmt]) -> bool:
    """Whether `block` is (inside) the body of a loop of `body`."""
    for stmt in ir.walk(body):
        if isinstance(stmt, (ir.For, ir.While)) and any(b is block for b in ir.all_blocks(stmt.body)):
            return True
    return False
