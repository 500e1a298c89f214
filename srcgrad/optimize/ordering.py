"""Reversed loops whose iterations are independent run in increasing order.

The reverse sweep of `for i in range(n)` runs `i` from `n - 1` down to 0,
because an iteration's adjoint needs what later iterations left behind.  Many
loops do not carry anything that way: a loss summed over elements
(`total += f(x[i - 1], x[i], x[i + 1])`) gives every iteration the same
cotangent of `total`, and each iteration only adds into the adjoints of the
elements it read.  The order of such iterations changes nothing but the
rounding of those additions, and the increasing order is the one compilers
optimise: LLVM forwards an element added to in one iteration to the next
iteration in a register only when the index goes up (a 1-D stencil's adjoint
runs about twice as fast, measured in `bench`).

A reversed loop (`ir.For.ascending` says how to run it forwards) is run
forwards when its body, as generated, reads nothing that another iteration
writes:

- every name it assigns is either private (assigned before it is read in the
  same iteration) or an invariant cotangent: `b = new_cotangent(c, v)` where
  `c` is a copy of `b` made in the same iteration and `v` is not assigned in
  the loop (`new_cotangent` applied again to its own result gives the same
  value, so every iteration sees one value);
- every adjoint it accumulates into (`bx[i] += ...`, `bk += ...`) is read only
  for its shape (`unbroadcast(g, bx[i])`), never for its value;
- it pops no saved value, pushes nothing, and stores into no array but
  those whose every access in the body takes, at one position of its
  index, the loop variable itself (`bx[i, j]`: the zeroing of a written
  element's cotangent, in a loop over `j`), so that no two iterations touch
  the same element;
- nothing after the loop reads a name it assigns (the last iteration is
  another one in the other order), other than the invariant cotangents.
"""

from __future__ import annotations

import ast

from .. import ir
from ..analysis.liveness import liveness
from ..ir.effects import called_helper, mutated_by_calls, shape_positions
from ..ir.parts import expressions, own_definitions

__all__ = ["run_independent_loops_forward"]

def run_independent_loops_forward(body: list[ir.Stmt], returns: ast.expr) -> None:
    """Run every reversed loop of `body` whose iterations are independent
    in increasing order, in place (inner loops are decided on their own)."""
    live_after = liveness(body, ir.names_in(returns))
    for stmt in ir.walk(body):
        if (isinstance(stmt, ir.For) and stmt.ascending is not None
                and _independent(stmt.body, live_after[stmt], stmt.var)):
            stmt.var, stmt.start, stmt.stop, stmt.step = stmt.ascending
            stmt.ascending = None


def _independent(body: list[ir.Stmt], live_after: set[str], var: str) -> bool:
    own = _own_elements(body, var)
    if any(_has_side_effect(s, own) for s in ir.walk(body)):
        return False
    scan = _Scan()
    scan.block(body, set())
    assigned = set()
    for s in ir.walk(body):  # an accumulation is not an assignment here
        assigned |= set() if isinstance(s, ir.Accumulate) else own_definitions(s)
    invariant = _invariant_cotangents(body, assigned)
    if (assigned - invariant) & live_after:
        return False
    accumulated = scan.accumulated
    if accumulated & assigned:  # an accumulator also assigned: private or carried, not sorted out
        return False
    for name in scan.exposed_values - own:  # an own element is read before it is changed
        if name in accumulated or (name in assigned and name not in invariant):
            return False
    return all(name in accumulated or name not in assigned or name in invariant
               for name in scan.exposed_shapes)


class _Scan:
    """The reads of one iteration that see a value from before it (by whether
    the value or only the shape is read), and the names it accumulates into
    without having assigned them itself."""

    def __init__(self):
        self.exposed_values: set[str] = set()
        self.exposed_shapes: set[str] = set()
        self.accumulated: set[str] = set()

    def block(self, stmts: list[ir.Stmt], defined: set[str]) -> set[str]:
        for stmt in stmts:
            defined = self.statement(stmt, defined)
        return defined

    def statement(self, stmt: ir.Stmt, defined: set[str]) -> set[str]:
        if isinstance(stmt, ir.Assign):
            self.read(stmt.value, defined)
            return defined | {stmt.target}
        if isinstance(stmt, ir.Accumulate):
            self.read(stmt.value, defined)
            target = stmt.target
            if isinstance(target, ast.Subscript):
                self.read(target.slice, defined)
                target = target.value
            if target.id not in defined:
                self.accumulated.add(target.id)
            return defined
        if isinstance(stmt, ir.If):
            self.note(stmt.test, shape_only=False, defined=defined)
            return self.block(stmt.body, set(defined)) & self.block(stmt.orelse, set(defined))
        if isinstance(stmt, ir.Store):  # into an array of `_own_elements`
            self.read(stmt.index, defined)
            self.read(stmt.value, defined)
            return defined
        if isinstance(stmt, ir.For):
            for bound in (stmt.start, stmt.stop, stmt.step):
                self.read(bound, defined)
            # what the inner body reads before assigning comes from outside on the
            # first inner iteration, from the inner loop itself on the others: both
            # count as read from outside, which is the cautious answer
            self.block(stmt.body, defined | {stmt.var})
            return defined
        raise TypeError(stmt)  # `_has_side_effect` let no other statement through

    def read(self, node: ast.expr, defined: set[str]) -> None:
        shapes = shape_positions(node)
        variables = ir.names_in(node)
        for n in ast.walk(node):
            if isinstance(n, ast.Name) and n.id in variables:
                self.note(n.id, shape_only=id(n) in shapes, defined=defined)

    def note(self, name: str, shape_only: bool, defined: set[str]) -> None:
        if name not in defined:
            (self.exposed_shapes if shape_only else self.exposed_values).add(name)


def _has_side_effect(stmt: ir.Stmt, own: set[str]) -> bool:
    """A store (but into an array of `own`), a call kept for its effect, a
    loop of unknown length, an exit, or a call that changes its argument (a
    stack popped or pushed)."""
    if isinstance(stmt, ir.Store):  # an undone write pops its stack: an effect
        return stmt.array not in own or isinstance(stmt, ir.PopStore) or bool(mutated_by_calls(stmt))
    return (isinstance(stmt, (ir.ExprStmt, ir.While, ir.ExitLoop))
            or bool(mutated_by_calls(stmt)))


def _own_elements(body: list[ir.Stmt], var: str) -> set[str]:
    """Arrays of which each iteration of a loop over `var` touches only its
    own elements: every occurrence in `body` is indexed, and every index has
    `var` itself at one same position (`var` is assigned nowhere in `body`,
    so two iterations never meet on an element)."""
    if any(var in own_definitions(s) for s in ir.walk(body)):
        return set()
    positions: dict[str, set[int | None]] = {}
    bare: set[str] = set()

    def index_of(array: str, index: ast.expr) -> None:
        parts = index.elts if isinstance(index, ast.Tuple) else [index]
        at = {k for k, p in enumerate(parts) if isinstance(p, ast.Name) and p.id == var}
        positions.setdefault(array, set()).add(min(at) if len(at) == 1 else None)

    for stmt in ir.walk(body):
        nodes = list(expressions(stmt))
        if isinstance(stmt, ir.Store):
            index_of(stmt.array, stmt.index)
        for node in nodes:
            indexed = set()
            for n in ast.walk(node):
                if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name):
                    index_of(n.value.id, n.slice)
                    indexed.add(id(n.value))
            bare |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and id(n) not in indexed}
    return {a for a, at in positions.items() if a not in bare and len(at) == 1 and None not in at}



def _invariant_cotangents(body: list[ir.Stmt], assigned: set[str]) -> set[str]:
    """Names whose every assignment in `body` is `b = new_cotangent(c, v)`,
    `c` assigned only as copies of `b` and `v` assigned nowhere in `body`."""
    sources: dict[str, list[ast.expr]] = {}
    for s in ir.walk(body):
        if isinstance(s, ir.Assign):
            sources.setdefault(s.target, []).append(s.value)
    out = set()
    for name, values in sources.items():
        if all(_renews(value, name, sources, assigned) for value in values):
            out.add(name)
    return out


def _renews(value: ast.expr, name: str, sources: dict[str, list[ast.expr]],
            assigned: set[str]) -> bool:
    if not (isinstance(value, ast.Call) and called_helper(value).renews
            and len(value.args) == 2
            and all(isinstance(a, ast.Name) for a in value.args)):
        return False
    copy, like = (a.id for a in value.args)
    return like not in assigned and all(
        isinstance(v, ast.Name) and v.id == name for v in sources.get(copy, [None]))
