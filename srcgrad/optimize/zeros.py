"""Reverse loops that add nothing when a cotangent is zero, skipped then.

The reverse sweep of a branch that picks one value among many (the nearest
centroid, the larger of two terms, a clipped or masked element) zeroes the
cotangent of every value the branch did not pick, then still runs the loop
that passes that zero on, element by element:

    if cond_33:                              if cond_33:
        bdistance = bnearest                     bdistance = bnearest
    else:                                    else:
        bdistance = 0.0                          bdistance = 0.0
    for r in range(d):                       bdistance_nonzero = bdistance != 0.0
        difference = c[j, r] - p[i, r]       if bdistance_nonzero:
        bc[j, r] += bdistance * ...              for r in range(d):
                                                     ...

(k-means' cost: one centroid in k is the nearest, so k - 1 of every k inner
loops added zeros, and the gradient took 5 times the function.)  A `for`
loop is guarded by `b != 0.0` when `b` is a number the loop reads and does
not assign, that some assignment of the function sets to zero (where no
branch zeroes it, it is seldom zero, and the guard only costs a line; a
copy of such a number counts too), and the loop does nothing but

- updates `bx += e` and `bx[i] = bx[i] + e` (an `Accumulate`, or a `Store`
  whose value is the element it replaces plus `e`) where `e` is a multiple
  of `b`: `b` itself, a product or quotient with a multiple of `b` as a
  factor (the dividend), a negation, a sum of multiples, or a variable that
  the loop assigns only multiples of (found as a fixpoint, since a
  variable's use may come before its assignment in the text of a loop);
- assignments of variables whose values nothing after the loop reads (the
  primal values recomputed for its own use), and loops of the same kinds.

With `b == 0.0` every update adds zero, and every other assignment is dead
after the loop: skipping it changes nothing, but an update of a non-finite
product (`0.0 * inf`), which the loop would have made NaN and the guard
keeps at its value before.  This runs on the compiled form only: the code a
derivative of higher order reads (its list form) keeps every loop, since
there the tangent of `b` need not be zero where `b` is.
"""

from __future__ import annotations

import ast

from .. import ir
from ..analysis.liveness import liveness

__all__ = ["loops_of_zero_cotangents", "skip_loops_of_zero_cotangents"]


def loops_of_zero_cotangents(body: list[ir.Stmt], returns: ast.expr,
                             ranks) -> dict[int, tuple[ir.For, str]]:
    """The loops (by id) that the module's docstring allows to guard, each with
    the number `b` that guards it; the loops inside one are not looked at."""
    after = liveness(body, ir.names_in(returns))
    zeroed = {s.target for s in ir.walk(body) if type(s) is ir.Assign
              and isinstance(s.value, ast.Constant) and s.value.value == 0
              and type(s.value.value) in (int, float)}
    copies = [(s.target, s.value.id) for s in ir.walk(body)
              if type(s) is ir.Assign and isinstance(s.value, ast.Name)]
    while True:  # and the copies of those (`bsqdist_s = bd`, a helper's own name for it)
        more = {target for target, source in copies if source in zeroed} - zeroed
        if not more:
            break
        zeroed |= more
    found: dict[int, tuple[ir.For, str]] = {}

    def visit(block: list[ir.Stmt]) -> None:
        for stmt in block:
            scale = (_scale(stmt, after.get(stmt, set()), ranks, zeroed)
                     if isinstance(stmt, ir.For) else None)
            if scale is not None:
                found[id(stmt)] = (stmt, scale)
                continue
            for inner in ir.blocks(stmt):
                visit(inner)

    visit(body)
    return found


def skip_loops_of_zero_cotangents(body: list[ir.Stmt], found: dict[int, tuple[ir.For, str]],
                                  namer) -> None:
    """Put each loop `loops_of_zero_cotangents` found under `if b != 0.0:`, in place."""
    for block in _blocks(body):
        for k in reversed(range(len(block))):
            if id(block[k]) not in found:
                continue
            loop, scale = found[id(block[k])]
            flag = namer.fresh(f"{scale}_nonzero")
            test = ast.Compare(ast.Name(scale, ast.Load()), [ast.NotEq()], [ast.Constant(0.0)])
            block[k:k + 1] = [ir.Assign(loop.origin, flag, test, nondiff=True),
                              ir.If(loop.origin, flag, [loop], [])]


def _blocks(body: list[ir.Stmt]) -> list[list[ir.Stmt]]:
    """Every block of `body`, collected before any is changed."""
    out = [body]
    for stmt in ir.walk(body):
        out.extend(ir.blocks(stmt))
    return out


def _scale(loop: ir.For, live_after: set[str], ranks, zeroed: set[str]) -> str | None:
    """The number `b` that every update of `loop` is a multiple of, and that
    some assignment sets to zero (a branch not taken), or None."""
    stmts = list(ir.walk(loop.body))
    for stmt in stmts:
        if type(stmt) not in (ir.Assign, ir.Store, ir.Accumulate, ir.For):
            return None
    assigned = {loop.var}
    for stmt in stmts:
        assigned |= ir.defined_names(stmt)
    # a value an assignment (or a loop index) leaves is read after the loop:
    # skipping the loop would leave the old one there (an update that adds
    # zero leaves its variable as it was, even one also assigned in the loop)
    plain = {loop.var, loop.trips} - {None}
    for stmt in stmts:
        if type(stmt) is ir.Assign:
            plain.add(stmt.target)
        elif type(stmt) is ir.For:
            plain |= {stmt.var, stmt.trips} - {None}
    if plain & live_after:
        return None
    read = set()
    for stmt in stmts:
        read |= ir.used_names(stmt)
    for b in sorted(read - assigned):
        if b in zeroed and b in ranks.scalars and b in ranks.floats and _all_multiples(stmts, b):
            return b
    return None


def _all_multiples(stmts: list[ir.Stmt], b: str) -> bool:
    """Whether every update of `stmts` adds a multiple of `b`."""
    assigns = [s for s in stmts if type(s) is ir.Assign]
    multiples = {b} | {s.target for s in assigns}
    while True:  # the greatest set whose every assignment is a multiple
        kept = {b} | {s.target for s in assigns} - {
            s.target for s in assigns if not _multiple(s.value, multiples)}
        if kept == multiples:
            break
        multiples = kept
    for stmt in stmts:
        if type(stmt) is ir.Accumulate and (
                not _multiple(stmt.value, multiples)
                or isinstance(stmt.target, ast.Name) and stmt.target.id in multiples):
            return False  # (a multiple that also accumulates: kept simple)
        if type(stmt) is ir.Store and not _adds_multiple(stmt, multiples):
            return False
    return True


def _multiple(node: ast.expr, multiples: set[str]) -> bool:
    """Whether `node` is zero wherever every name of `multiples` is."""
    if isinstance(node, ast.Name):
        return node.id in multiples
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _multiple(node.operand, multiples)
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Mult):
            return _multiple(node.left, multiples) or _multiple(node.right, multiples)
        if isinstance(node.op, ast.Div):
            return _multiple(node.left, multiples)
        if isinstance(node.op, (ast.Add, ast.Sub)):
            return _multiple(node.left, multiples) and _multiple(node.right, multiples)
    return False


def _adds_multiple(store: ir.Store, multiples: set[str]) -> bool:
    """`a[i] = a[i] + e` (or `e + a[i]`), e a multiple."""
    value = store.value
    if not (isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add)):
        return False
    element = ast.dump(ast.Subscript(ast.Name(store.array, ast.Load()), store.index, ast.Load()))
    for same, other in ((value.left, value.right), (value.right, value.left)):
        if ast.dump(_loaded(same)) == element and _multiple(other, multiples):
            return True
    return False


def _loaded(node: ast.expr) -> ast.expr:
    """`node` with every context Load, for comparison."""
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        return ast.Subscript(ast.Name(node.value.id, ast.Load()), node.slice, ast.Load())
    return node


