"""The parts of a statement that passes ask about, each defined once.

- `expression_slots` / `expressions`: the expressions a statement holds
  itself (not those of nested blocks): an `Assign`'s value, a `Store`'s index
  and value, an `Accumulate`'s target and value, an `ExprStmt`'s call, a
  `For`'s bounds, a `While`'s test.  (An `If` tests a variable and an
  `ExitLoop` reads flags, by name: no expression.)
- `variable_reads`: the names in an expression that read a variable.  A
  called global is not one (`unbroadcast` in `unbroadcast(g, x)`, `np` in
  `np.sin(x)`); the object of a method call is (`s` in `s.pop()`): the same
  rule as `ir.names_in`, which gives the set of their ids.
- `own_definitions`: the names a statement assigns itself, accumulations
  included, nested blocks not (`ir.defined_names` counts those too).
- `clone`: a copy of an expression that shares no node with it, for a pass
  that writes an expression in a second place.
"""

from __future__ import annotations

import ast
import copy

from .nodes import MODULES, Accumulate, Assign, ExprStmt, For, Stmt, Store, While

__all__ = ["expression_slots", "expressions", "variable_reads", "own_definitions", "clone"]

_FIELDS: dict[type, tuple[str, ...]] = {
    Assign: ("value",),
    Store: ("index", "value"),
    Accumulate: ("target", "value"),
    ExprStmt: ("value",),
    For: ("start", "stop", "step"),
    While: ("test",),
}


def expression_slots(stmt: Stmt) -> list[tuple[Stmt, str]]:
    """Where the expressions of `stmt` sit, as (statement, field) pairs, for a
    pass that rewrites them (`setattr(stmt, field, new)`)."""
    for kind, fields in _FIELDS.items():
        if isinstance(stmt, kind):
            return [(stmt, f) for f in fields]
    return []


def expressions(stmt: Stmt) -> list[ast.expr]:
    """The expressions `stmt` holds itself, not counting nested blocks."""
    return [getattr(owner, f) for owner, f in expression_slots(stmt)]


def variable_reads(node: ast.AST | None) -> list[ast.Name]:
    """The `Name` nodes of `node` that read a variable, in `ast.walk` order."""
    if node is None:
        return []
    callees = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Call):
            func = n.func
            if isinstance(func, ast.Name):
                callees.add(id(func))
            else:
                while isinstance(func, ast.Attribute):
                    func = func.value
                if isinstance(func, ast.Name) and func.id in MODULES:
                    callees.add(id(func))
    return [n for n in ast.walk(node) if isinstance(n, ast.Name) and id(n) not in callees]


def own_definitions(stmt: Stmt) -> set[str]:
    """Names a statement assigns itself (an accumulation `x += e` included),
    not counting nested blocks."""
    if isinstance(stmt, Assign):
        return {stmt.target}
    if isinstance(stmt, Accumulate) and isinstance(stmt.target, ast.Name):
        return {stmt.target.id}
    if isinstance(stmt, For):
        return {stmt.var} | ({stmt.trips} if stmt.trips else set())
    if isinstance(stmt, While):
        return {stmt.trips}
    return set()


def clone(node: ast.AST) -> ast.AST:
    """A copy of `node` sharing no AST node with it."""
    return copy.deepcopy(node)
