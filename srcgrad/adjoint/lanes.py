"""Vector reverse mode: several rows of a Jacobian from one forward sweep.

The reverse-mode Jacobian of `y = f(x)` takes one adjoint call per row of
`y`, each seeded with one basis vector, and each runs the forward sweep
again.  `rows_form(body, returns, params, seeds, most, namer, number)`
rewrites a finished adjoint (its value-and-gradient form) so that one call
gives `k` rows: the forward sweep, the stacks, the control flow and whatever the
reverse sweep computes from primal values run once, and every statement
that reads or writes a cotangent is written `k` times, once per lane, its
cotangents renamed, as `tangent/lanes.py` widens a tangent sweep:

    by = seed(grad_y, y)            by_0 = seed_row(row_0, y)
    bx = by * np.cos(x)     ─►      by_1 = seed_row(row_1, y)
                                    cos_x = np.cos(x)
                                    bx_0 = by_0 * cos_x
                                    bx_1 = by_1 * cos_x

Lane j starts from the basis vector at the flat index `row_j` of the result
(`runtime.seed_row`: zeros where the index is past the result's size),
which the caller passes, so that the first call needs no sweep before it to
learn the result's shape: it returns the value with its first rows.  This
is Enzyme's and Tapenade's vector reverse mode, the lanes as k variables
per cotangent (Numba compiles them as it compiles one).

Which names are cotangents: the seed's parameter, and whatever a statement
that reads one assigns or writes into (a fixpoint over the body; in an
adjoint of the first order no primal value depends on a cotangent).  The
lanes cannot share a branch or a loop bound that reads a cotangent (a loop
skipped where its cotangent is zero, `optimize/zeros.py`), nor a call whose
writes the effect table does not know (`ir/effects.py`): there, and for a
function of several results, `rows_form` returns None and the caller seeds
one row per call as before.

How many lanes it carries: `most` at most, as many as the result's length
where the code fixes it (`np.array([r0, r1])`: two, the residuals of a
small system), else one (a lane past the result's last row costs a reverse
sweep for nothing), and fewer for a long reverse sweep, whose compile time
grows faster than its length (`optimize.lanes.LANE_STATEMENTS`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from .. import ir, runtime
from ..ir import effects
from ..ir.naming import Namer
from ..ir.parts import clone, expression_slots, expressions
from ..optimize.lanes import LANE_STATEMENTS, Sharing, mentions, widened
from ..optimize.names import derive_names, rename_names, rename_temporaries

__all__ = ["RowsForm", "rows_form"]

# the calls that make a vector of a length fixed in the code, as generated code spells them
_VECTORS = {"stack", "np.array", "np.stack"}


@dataclass
class RowsForm:
    body: list[ir.Stmt]
    returns: ast.expr
    rows: list[str]  # the parameters, the rows' flat indices, in the seed parameter's place
    length: int  # the result's length where the code fixes it, else 0


def rows_form(body: list[ir.Stmt], returns: ast.expr, params: list[str], seeds: list[str],
              most: int, namer: Namer, number: Callable[[ast.expr], bool]) -> RowsForm | None:
    """The adjoint (its value-and-gradient form: `body` and `returns`) in as
    many lanes as it carries, `most` at most (see the module's docstring);
    None where it cannot be widened.  `number(expr)`: whether `expr` is
    known to be a number."""
    if len(seeds) != 1 or not _value_and_gradient(returns):
        return None
    seed = seeds[0]
    cotangents = _cotangents(body, seed)
    if cotangents is None or cotangents & (set(params) | ir.names_in(returns.elts[0])):
        return None
    length = _fixed_length(body, returns.elts[0], number) or 0
    k = 1
    if length:
        laned = sum(1 for stmt in ir.walk(body)
                    if not ir.blocks(stmt) and mentions(stmt) & cotangents)
        k = max(1, min(most, length, LANE_STATEMENTS // max(laned, 1)))
    rows = [namer.fresh(f"row_{j}") for j in range(k)]
    lanes = {name: [namer.fresh(f"{name}_{j}") for j in range(k)]
             for name in sorted(cotangents - {seed})}
    lanes[seed] = rows
    maps = [{name: copies[j] for name, copies in lanes.items()} for j in range(k)]
    shared: set[str] = set()
    body = widened(body, set(lanes), maps, Sharing(namer, shared))
    for stmt in ir.walk(body):
        for node in expressions(stmt):
            for call in ast.walk(node):
                if _seeds(call, rows):
                    call.func = ast.Name("seed_row", ast.Load())
    if length:
        _seed_entries(body)
    value, gradients = returns.elts
    returns = ast.Tuple([value, ast.Tuple([rename_names(clone(gradients), m) for m in maps],
                                          ast.Load())], ast.Load())
    # what the lanes share, named from what it holds (`cos_x`)
    returns = rename_temporaries(body, returns, derive_names(body, shared), set(), namer)
    return RowsForm(body, returns, rows, length)


def _seed_entries(body: list[ir.Stmt]) -> None:
    """A row's seed read only element by element at constant indices (`by[0]`,
    `by[1]`: a result kept as numbers, `frontend/small_arrays.py`) is never
    made: each element read is `seed_entry(row, k, y)`, a one or a zero."""
    seeds: dict[str, ir.Assign] = {}
    for stmt in ir.walk(body):
        if type(stmt) is ir.Assign and isinstance(stmt.value, ast.Call) and \
                isinstance(stmt.value.func, ast.Name) and stmt.value.func.id == "seed_row":
            seeds[stmt.target] = stmt
    kept = set(seeds)
    made = {id(stmt) for stmt in seeds.values()}
    for stmt in ir.walk(body):
        if ir.blocks(stmt) or id(stmt) in made:
            continue
        kept -= ir.defined_names(stmt) | effects.written(stmt)
        for node in expressions(stmt):
            names = [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]
            elements = [n.value.id for n in ast.walk(node) if _element(n)]
            kept -= {name for name in kept if names.count(name) != elements.count(name)}
    if not kept:
        return

    class Entries(ast.NodeTransformer):
        def visit_Subscript(self, node):
            if _element(node) and node.value.id in kept:
                row, y = seeds[node.value.id].value.args
                return ast.Call(ast.Name("seed_entry", ast.Load()),
                                [clone(row), ast.Constant(node.slice.value), clone(y)], [])
            return self.generic_visit(node)

    dropped = {id(seeds[name]) for name in kept}
    for block in ir.all_blocks(body):
        block[:] = [stmt for stmt in block if id(stmt) not in dropped]
    for stmt in ir.walk(body):
        for owner, slot in expression_slots(stmt):
            setattr(owner, slot, Entries().visit(getattr(owner, slot)))


def _element(node: ast.AST) -> bool:
    """`v[k]`, a name read at a constant, non-negative index."""
    return isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and \
        isinstance(node.slice, ast.Constant) and type(node.slice.value) is int and \
        node.slice.value >= 0 and isinstance(node.ctx, ast.Load)


def _value_and_gradient(returns: ast.expr) -> bool:
    """Whether `returns` is `((value,), (gradient, ...))`: one result, kept."""
    return (isinstance(returns, ast.Tuple) and len(returns.elts) == 2
            and all(isinstance(part, ast.Tuple) for part in returns.elts)
            and len(returns.elts[0].elts) == 1)


def _cotangents(body: list[ir.Stmt], seed: str) -> set[str] | None:
    """The names that hold cotangents, reached from `seed`; None where the
    lanes could not share the control flow, or a call that reads a
    cotangent may write where the effect table does not say."""
    found = {seed}
    grown = True
    while grown:
        grown = False
        for stmt in ir.walk(body):
            if ir.blocks(stmt) or not ir.used_names(stmt) & found:
                continue
            made = ir.defined_names(stmt) | effects.written(stmt)
            if not made <= found:
                found |= made
                grown = True
    for stmt in ir.walk(body):
        if ir.blocks(stmt) or isinstance(stmt, ir.ExitLoop):
            if ir.used_names(stmt) & found:
                return None  # a branch, a loop bound or an exit taken per cotangent
        elif ir.used_names(stmt) & found and any(
                _unknown_call(n) for node in expressions(stmt) for n in ast.walk(node)):
            return None
        elif seed in ir.used_names(stmt) and not _only_seeded(stmt, seed):
            return None
    return found


def _unknown_call(node: ast.AST) -> bool:
    """A call that may write into an argument unbeknown to the effect table:
    not a list's method, nor pure, nor srcgrad's run-time helper (those that
    write say so there), so a function of the user's or a recursive vjp."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in ("append", "pop"):
        return False
    if isinstance(func, ast.Name) and func.id in runtime.__all__:
        return False
    return not (effects.pure_call(node) or effects.called_helper(node).name)


def _seeds(node: ast.AST, rows: list[str]) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
        node.func.id == "seed" and bool(node.args) and isinstance(node.args[0], ast.Name) and \
        node.args[0].id in rows


def _only_seeded(stmt: ir.Stmt, seed: str) -> bool:
    """Whether `stmt` reads the seed parameter only as `seed(grad_y, y)`'s first argument."""
    reads = 0
    seeded = 0
    for node in expressions(stmt):
        for n in ast.walk(node):
            if isinstance(n, ast.Name) and n.id == seed:
                reads += 1
            if _seeds(n, [seed]):
                seeded += 1
    return reads == seeded


def _fixed_length(body: list[ir.Stmt], value: ast.Tuple,
                  number: Callable[[ast.expr], bool]) -> int | None:
    """The length of the result where the code makes it a vector of numbers
    of a fixed length (`np.array([a, b])`, or a copy of one), else None."""
    name = value.elts[0]
    definitions: dict[str, list[ir.Assign]] = {}
    for stmt in ir.walk(body):
        if type(stmt) is ir.Assign:
            definitions.setdefault(stmt.target, []).append(stmt)
    seen = set()
    while isinstance(name, ast.Name) and name.id not in seen:
        seen.add(name.id)
        made = definitions.get(name.id, [])
        if len(made) != 1:
            return None
        name = made[0].value
    if isinstance(name, ast.Call) and ast.unparse(name.func) in _VECTORS and \
            len(name.args) == 1 and not name.keywords and \
            isinstance(name.args[0], (ast.Tuple, ast.List)) and \
            all(number(e) for e in name.args[0].elts):
        return len(name.args[0].elts) or None
    return None
