"""Vector forward mode: k tangents carried through one sweep, in lanes.

`widen(tangent, k, namer, shared)` rewrites a tangent sweep (`forward.py`) so that
it carries k tangents at once: every statement that reads or writes a
tangent is written k times, once per lane, with its tangents renamed
(`dx` -> `dx_0` ... `dx_{k-1}`), while the primal's statements and its
control flow stay as they are, once:

    y = np.sin(x)                  y = np.sin(x)
    dy = np.cos(x) * dx     ─►     dy_0 = np.cos(x) * dx_0
                                   dy_1 = np.cos(x) * dx_1

So one call computes the value once and k columns of the Jacobian
(`J @ dx_0`, ..., `J @ dx_{k-1}`): an n-column Jacobian takes n/k sweeps
instead of n, each of them a primal and k tangents, with k independent
chains of arithmetic for the processor to overlap.  This is Enzyme's and
Tapenade's vector mode with the k lanes as k scalars (or k arrays) per
value, which Numba compiles as it compiles the primal (a trailing axis of
k would allocate a small array for every scalar operation).  What the
lanes share is computed once before them (`_Sharing`), its temporaries
added to `shared` to be named like the others.  How many lanes a Jacobian
takes is `lanes_for`'s: fewer for a long function.

Guarantees: the function takes the lanes of each tangent parameter in turn
(`x, a, dx_0, ..., dx_{k-1}`) and returns the tuple of the k lanes of its
tangent result (`value=False` only); a stack of tangents has a stack per
lane, pushed and popped in step; a function with a recursive call (whose
jvp returns value and tangent together) is not widened (`widen` returns
None and the caller keeps one lane).
"""

from __future__ import annotations

import ast
import copy

from .. import ir
from ..ir import effects
from ..ir.naming import Namer
from ..ir.parts import clone
from ..optimize.names import rename_names
from .forward import TangentBody

__all__ = ["LANES", "LANE_STATEMENTS", "lanes_for", "widen"]

# the most tangents a forward-mode Jacobian carries per sweep
LANES = 8
# each tangent statement is written once per lane, and Numba's compile time grows
# faster than the function's size: a long tangent function gets fewer lanes, so
# that the laned one has about this many statements at most (GradBench's hand
# tracking, 151 statements in one lane: 8 lanes made its first call 90 s, not 33 s)
LANE_STATEMENTS = 320


def lanes_for(source: str, n: int) -> int:
    """The lanes for an n-column Jacobian whose one-lane tangent function is
    `source`: up to `LANES`, fewer for a long function, never more than n."""
    statements = sum(1 for line in source.splitlines()
                     if line.startswith("    ") and not line.lstrip().startswith("#"))
    return max(1, min(n, LANES, LANE_STATEMENTS // max(statements, 1)))


def widen(tangent: TangentBody, k: int, namer: Namer, shared: set[str]
          ) -> dict[str, list[str]] | None:
    """Widen `tangent` (a sweep returning the tangent alone) to `k` lanes, in
    place; returns each tangent's lane names, or None where it cannot.  The
    temporaries it makes for what the lanes share are added to `shared`."""
    if tangent.recursive or k < 2:
        return None
    lanes = {name: [namer.fresh(f"{name}_{j}") for j in range(k)]
             for name in sorted(tangent.tangents)}
    maps = [{name: copies[j] for name, copies in lanes.items()} for j in range(k)]
    tangent.body = _widened(tangent.body, set(lanes), maps, _Sharing(namer, shared))
    tangent.returns = ast.Tuple([rename_names(clone(tangent.returns), m) for m in maps],
                                ast.Load())
    tangent.tangent_params = [lanes[p][j] for p in tangent.tangent_params for j in range(k)]
    tangent.temp_tangents = {c for t in tangent.temp_tangents for c in lanes.get(t, [t])}
    tangent.stacks = {c for s in tangent.stacks for c in lanes.get(s, [s])}
    tangent.tangents = {c for copies in lanes.values() for c in copies}
    return lanes


class _Sharing:
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


def _widened(body: list[ir.Stmt], tangents: set[str], maps: list[dict[str, str]],
             sharing: _Sharing) -> list[ir.Stmt]:
    out: list[ir.Stmt] = []
    for stmt in body:
        if isinstance(stmt, ir.If):
            out.append(ir.If(stmt.origin, stmt.test,
                             _widened(stmt.body, tangents, maps, sharing),
                             _widened(stmt.orelse, tangents, maps, sharing)))
        elif isinstance(stmt, ir.For):
            out.append(ir.For(stmt.origin, stmt.var, stmt.start, stmt.stop, stmt.step,
                              _widened(stmt.body, tangents, maps, sharing), stmt.trips,
                              stmt.ascending))
        elif isinstance(stmt, ir.While):
            out.append(ir.While(stmt.origin, stmt.test,
                                _widened(stmt.body, tangents, maps, sharing), stmt.trips))
        elif _mentions(stmt) & tangents:
            out += sharing.shared(stmt, tangents)
            out += [_lane(stmt, m) for m in maps]
        else:
            out.append(stmt)
    return out


def _mentions(stmt: ir.Stmt) -> set[str]:
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
