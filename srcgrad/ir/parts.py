"""The parts of a statement that passes ask about, each defined once.

- `expression_slots` / `expressions`: the expressions a statement holds
  itself (not those of nested blocks): an `Assign`'s value, a `Store`'s index
  and value, an `Accumulate`'s target and value, an `ExprStmt`'s call, a
  `For`'s bounds, a `While`'s test.  (An `If` tests a variable and an
  `ExitLoop` reads flags, by name: no expression.)
- (Which names of an expression read a variable is `ir.names_in`'s one
  rule: a called global is not one, the object of a method call is.)
- `own_definitions`: the names a statement assigns itself, accumulations
  included, nested blocks not (`ir.defined_names` counts those too).
- `clone`: a copy of an expression that shares no node with it, for a pass
  that writes an expression in a second place.
"""

from __future__ import annotations

import ast
import copy

from .nodes import Accumulate, Assign, ExprStmt, For, Stmt, Store, While

__all__ = ["expression_slots", "expressions", "own_definitions", "clone"]

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
