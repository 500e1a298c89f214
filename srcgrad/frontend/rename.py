"""Give each top-level redefinition of a variable a name of its own.

    x = x.reshape(-1)         →   x_1 = x.reshape(-1)
    y = x * 2                 →   y = x_1 * 2

Guarantees to the next stage: a variable assigned by a statement at the top
level of the function body is assigned nowhere else before it, so values
outside loops and branches are never overwritten (the reverse sweep saves
nothing for them), a parameter keeps the value it was called with, and a
name keeps one type (Numba types a list of saved values by one type).
Assignments inside loops and branches keep the name they find.

Also here: a parameter the function writes into (`x[i] = v`) is copied
first, so that the gradient function never changes its arguments.
"""

from __future__ import annotations

import ast

import numpy as np

from .. import ir
from ..ir.naming import Namer
from ..ir.parts import expressions

__all__ = ["copy_written_parameters", "rename_redefinitions"]


def copy_written_parameters(fn: ir.Function) -> None:
    """Prepend `x = np.copy(x)` for each parameter `x` the body stores into."""
    stored = {stmt.array for stmt in ir.walk(fn.body) if isinstance(stmt, ir.Store)}
    head = []
    for param in fn.params:
        if param in stored:
            copy = ast.Attribute(ast.Name("np", ast.Load()), "copy", ast.Load())
            value = ast.Call(copy, [ast.Name(param, ast.Load())], [])
            head.append(ir.Assign(fn.origin, param, value, primitive=np.copy))
    fn.body[:0] = head


def rename_redefinitions(fn: ir.Function, namer: Namer) -> None:
    current: dict[str, str] = {}
    defined: set[str] = set(fn.params)
    renamed_from: dict[str, str] = {}
    for stmt in fn.body:
        _rename_uses(stmt, current)
        if isinstance(stmt, ir.Assign) and stmt.target in defined and stmt.target not in fn.lists:
            new = namer.fresh(f"{stmt.target}_1")
            renamed_from[new] = renamed_from.get(stmt.target, stmt.target)
            current[renamed_from[new]] = new
            stmt.target = new
        else:
            _rename_targets(stmt, current)
        defined |= ir.defined_names(stmt)
    fn.results = [current.get(r, r) for r in fn.results]
    fn.aux = [current.get(r, r) for r in fn.aux]
    for new, old in renamed_from.items():
        for ir_names in fn.user_names.values():
            if old in ir_names:
                ir_names.append(new)


def _rename_expr(node: ast.expr, current: dict[str, str]) -> None:
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and n.id in current:
            n.id = current[n.id]


def _rename_uses(stmt: ir.Stmt, current: dict[str, str]) -> None:
    """Rename what `stmt` reads (and all that nested statements read and write)."""
    if not current:
        return
    for node in expressions(stmt):
        _rename_expr(node, current)
    if isinstance(stmt, ir.Store):
        stmt.array = current.get(stmt.array, stmt.array)
    elif isinstance(stmt, ir.ExitLoop):
        stmt.flags = [current.get(f, f) for f in stmt.flags]
    elif isinstance(stmt, ir.If):
        stmt.test = current.get(stmt.test, stmt.test)
    for block in ir.blocks(stmt):
        for inner in block:
            _rename_uses(inner, current)
            _rename_targets(inner, current)


def _rename_targets(stmt: ir.Stmt, current: dict[str, str]) -> None:
    if isinstance(stmt, ir.Assign):
        stmt.target = current.get(stmt.target, stmt.target)
    elif isinstance(stmt, ir.For):
        stmt.var = current.get(stmt.var, stmt.var)
        if stmt.trips:
            stmt.trips = current.get(stmt.trips, stmt.trips)
    elif isinstance(stmt, ir.While):
        stmt.trips = current.get(stmt.trips, stmt.trips)
