"""Lanes: statements written once per lane, what the lanes share computed once.

Vector modes carry k derivatives through one sweep: forward mode k tangents
(`tangent/lanes.py`), reverse mode k rows of a Jacobian (`adjoint/lanes.py`).
Both rewrite a body of IR the same way, `widened(body, names, maps,
sharing)`: a statement that mentions one of the laned `names` is written once
per lane with them renamed (`maps[j]`), after the parts of its value that
read none of them (`Sharing`: computed once, into temporaries); control flow
and every other statement stay as they are, once.
"""

from __future__ import annotations

import ast
import copy

from .. import ir
from ..ir import effects
from ..ir.naming import Namer
from ..ir.parts import clone
from .names import rename_names

__all__ = ["LANES", "LANE_STATEMENTS", "Sharing", "mentions", "widened"]

# the most tangents a forward-mode Jacobian carries per sweep
LANES = 8
# each tangent statement is written once per lane, and Numba's compile time grows
# faster than the function's size: a long tangent function gets fewer lanes, so
# that the laned one has about this many statements at most (GradBench's hand
# tracking, 151 statements in one lane: 8 lanes made its first call 90 s, not 33 s)
LANE_STATEMENTS = 320


class Sharing:
    """Takes out of a tangent statement what all its lanes compute alike: the
    largest parts of its value that read no tangent (`np.cos(x)` in
    `dy = np.cos(x) * dx`), computed once before the lanes into a temporary
    (named later from its expression, `optimize/names.py`), so that k lanes
    cost k multiplications, not k cosines (for arrays: k passes over memory
    and allocations fewer)."""

    def __init__(self, namer: Namer, temps: set[str]):
        self.namer = namer
        self.temps = temps

    def shared(self, stmt: ir.Stmt, tangents: set[str]) -> list[ir.Stmt]:
        """The assignments of the parts of `stmt`'s value its lanes share,
        which `stmt` then reads by name."""
        if not isinstance(stmt, ir.Assign) or isinstance(stmt, ir.Pop):
            return []
        out: list[ir.Stmt] = []

        def visit(node: ast.AST) -> None:
            if not isinstance(node, (ast.BinOp, ast.UnaryOp)):
                return  # (a call's arguments stay: it may hand back a view of one)
            for name, child in ast.iter_fields(node):
                if not isinstance(child, ast.expr):
                    continue
                if _worth_sharing(child) and not ir.names_in(child) & tangents:
                    temp = self.namer.temp()
                    self.temps.add(temp)
                    out.append(ir.Assign(stmt.origin, temp, child))
                    setattr(node, name, ast.Name(temp, ast.Load()))
                else:
                    visit(child)

        visit(stmt.value)
        return out


def _worth_sharing(node: ast.expr) -> bool:
    """An operation (not a name or number) with no effect: arithmetic, a pure
    call, over operations of that kind."""
    if not isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Call)):
        return False
    for n in ast.walk(node):
        if isinstance(n, (ast.Lambda, ast.IfExp, ast.BoolOp, ast.NamedExpr)):
            return False
        if isinstance(n, ast.Call) and not effects.pure_call(n):
            return False
    return True


def widened(body: list[ir.Stmt], tangents: set[str], maps: list[dict[str, str]],
            sharing: Sharing) -> list[ir.Stmt]:
    """`body` with every statement that mentions one of `tangents` written
    once per lane (`maps[j]` renames lane j's), after what its lanes share
    (`sharing`); control flow and the other statements as they are, once."""
    out: list[ir.Stmt] = []
    for stmt in body:
        if isinstance(stmt, ir.If):
            out.append(ir.If(stmt.origin, stmt.test,
                             widened(stmt.body, tangents, maps, sharing),
                             widened(stmt.orelse, tangents, maps, sharing)))
        elif isinstance(stmt, ir.For):
            out.append(ir.For(stmt.origin, stmt.var, stmt.start, stmt.stop, stmt.step,
                              widened(stmt.body, tangents, maps, sharing), stmt.trips,
                              stmt.ascending))
        elif isinstance(stmt, ir.While):
            out.append(ir.While(stmt.origin, stmt.test,
                                widened(stmt.body, tangents, maps, sharing), stmt.trips))
        elif mentions(stmt) & tangents:
            out += sharing.shared(stmt, tangents)
            out += [_lane(stmt, m) for m in maps]
        else:
            out.append(stmt)
    return out


def mentions(stmt: ir.Stmt) -> set[str]:
    """The names a statement (no control flow) reads, assigns or writes into."""
    names = ir.used_names(stmt) | ir.defined_names(stmt)
    if isinstance(stmt, ir.Store):
        names.add(stmt.array)
    if isinstance(stmt, ir.Accumulate):
        names |= ir.names_in(stmt.target)
    return names


def _lane(stmt: ir.Stmt, mapping: dict[str, str]) -> ir.Stmt:
    """A copy of `stmt` (no control flow) with its tangents renamed to one lane's."""
    new = copy.copy(stmt)
    for name in ("value", "index", "target"):
        node = getattr(new, name, None)
        if isinstance(node, ast.expr):
            setattr(new, name, rename_names(clone(node), mapping))
    if isinstance(new, ir.Assign):
        new.target = mapping.get(new.target, new.target)
    if isinstance(new, ir.Store):
        new.array = mapping.get(new.array, new.array)
    if isinstance(new, (ir.Pop, ir.PopStore)):
        new.push = None  # (a pop of tangents is paired with no push of the primal's)
    return new
