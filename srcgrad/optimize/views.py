"""The cotangent of a view added straight into its base's, for code Numba compiles.

A helper called on rows of an array (`distance(pos[i], pos[j])` in a pair
loop) has its operands' cotangents made as new arrays, filled element by
element, then added into the base's cotangent:

    b_t2 = zeros_like(_t2)          # _t2 = pos[i]
    for k in ...:
        b_t2[k] += d
    add_into(bpos, i, b_t2)

Compiled, that is a heap allocation and a pass over the row for every pair.
The row of `bpos` is itself an array of that shape (a view: `i` an integer,
or a slice), and adding into it element by element gives what adding the
finished row gives, so the cotangent can be that view:

    b_t2 = bpos[i]
    for k in ...:
        b_t2[k] += d

This holds when, between the cotangent's making and its adding:

- it is only added into, element by element (`b_t2[k] += v`), and appears
  nowhere else in the function (nothing reads it before or after);
- the base's cotangent is only added into (`bpos[...] += v`, `add_into`,
  `add_at`, or through another view made here), never read, stored into
  or assigned, so no statement sees the earlier additions; no other name
  that may refer to it is used;
- the index's names keep their values, no `break` leaves the block (the
  addition would have been skipped), and the view is `x[index]` of the
  array `x` whose `zeros_like` the base's cotangent is, `x` assigned at
  most once in the function (so both have its shape), and the view is an
  array of one or more axes (`Ranks`: integers and slices, fewer integers
  than `x` has axes), not an element.

Views that overlap (`i == j`) are harmless: every write is an addition.  A
derivative of higher order differentiates the form without views (the
pipeline keeps a copy), as writes into views are what srcgrad refuses.
"""

from __future__ import annotations

import ast
from collections import Counter

from .. import ir
from ..ir.parts import clone, expressions, own_definitions
from .accumulators import _ADDS_INTO
from .ranks import Ranks

__all__ = ["view_cotangents"]

_ZEROS_LIKE = frozenset({"zeros_like"})


def view_cotangents(body: list[ir.Stmt], returns: ast.expr, ranks: Ranks,
                    apply: bool = True) -> set[str]:
    """Rewrite `body` in place (see the module's docstring); the base
    cotangents it made views of (with `apply=False`, nothing is changed and
    one is named where any can be).  A later pass must not keep an element
    of one of those in a variable: a view may add into that element
    meanwhile."""
    counts = _occurrences(body, returns)
    defs: dict[str, list[ir.Stmt]] = {}
    for stmt in ir.walk(body):
        for name in own_definitions(stmt):
            defs.setdefault(name, []).append(stmt)
    views: dict[str, set[str]] = {}  # a base cotangent -> the views of it made here
    made: set[int] = set()  # the assignments of those views (they read no value)
    for block in list(ir.all_blocks(body)):
        k = 0
        while k < len(block):
            match = _candidate(block, k, defs, counts, views, made, ranks)
            if match is None:
                k += 1
                continue
            p, cotangent, base, index = match
            if not apply:
                return {base}
            block[p] = ir.Assign(block[p].origin, cotangent,
                                 ast.Subscript(ast.Name(base, ast.Load()), clone(index),
                                               ast.Load()))
            made.add(id(block[p]))
            del block[k]
            views.setdefault(base, set()).add(cotangent)
    return set(views)


def _candidate(block, k, defs, counts, views, made, ranks):
    """(position of the making, the cotangent, the base's cotangent, the
    index) where `block[k]` adds a view's cotangent that can be the view."""
    stmt = block[k]
    if not (type(stmt) is ir.ExprStmt and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Name) and stmt.value.func.id == "add_into"
            and len(stmt.value.args) == 3 and not stmt.value.keywords
            and all(isinstance(a, ast.Name) for a in (stmt.value.args[0], stmt.value.args[2]))):
        return None
    base, cotangent = stmt.value.args[0].id, stmt.value.args[2].id
    index = _subscript_index(stmt.value.args[1])
    if base == cotangent or len(defs.get(cotangent, ())) != 1:
        return None
    making = defs[cotangent][0]
    p = next((j for j in range(k) if block[j] is making), None)
    if p is None or not isinstance(making, ir.Assign) or not _zeros_like(making.value):
        return None
    view = making.value.args[0]
    primal = _base_primal(base, defs)
    if primal is None or not isinstance(view, ast.Name) or \
            not _is_view_of(view.id, primal, index, defs):
        return None
    if not ranks.array_ndim(ast.Subscript(ast.Name(primal, ast.Load()), index, ast.Load())):
        return None  # an element (a number, not a view) or an index that may be an array
    between = block[p + 1:k]
    if _mentions_count(block[p:k + 1], cotangent) != counts.get(cotangent, 0):
        return None  # used outside its making, its updates and its adding
    if ir.names_in(index) & set().union(*(ir.defined_names(s) for s in between), set()):
        return None
    if any(_leaves(s) for s in between):
        return None
    own_views = views.get(base, set())
    others = _aliases(base, defs) - own_views - {cotangent}
    for s in ir.walk(between):
        if id(s) in made:
            continue
        if base in own_definitions(s) or cotangent in own_definitions(s):
            return None
        if not _only_adds(s, {cotangent, base, *own_views}, others):
            return None
    return p, cotangent, base, index


def _subscript_index(index: ast.expr) -> ast.expr:
    """`add_into`'s index as a subscript writes it (`slice(1, 3, None)` as `1:3`)."""
    if isinstance(index, ast.Tuple):
        return ast.Tuple([_subscript_index(e) for e in index.elts], ast.Load())
    if isinstance(index, ast.Call) and isinstance(index.func, ast.Name) and \
            index.func.id == "slice" and not index.keywords and 1 <= len(index.args) <= 3:
        parts = [None if isinstance(a, ast.Constant) and a.value is None else clone(a)
                 for a in index.args]
        if len(parts) == 1:
            parts = [None, parts[0]]
        return ast.Slice(*parts + [None] * (3 - len(parts)))
    return index


def _zeros_like(value: ast.expr) -> bool:
    return (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
            and value.func.id in _ZEROS_LIKE and len(value.args) == 1 and not value.keywords)


def _base_primal(base: str, defs) -> str | None:
    """`x` where every assignment of `base` is `zeros_like(x)`, one `x`."""
    made = defs.get(base, ())
    if not made or not all(isinstance(s, ir.Assign) and _zeros_like(s.value)
                           and isinstance(s.value.args[0], ast.Name) for s in made):
        return None
    primals = {s.value.args[0].id for s in made}
    return primals.pop() if len(primals) == 1 else None


def _is_view_of(view: str, primal: str, index: ast.expr, defs) -> bool:
    """Whether every assignment of `view` is `primal[index]`, `primal`
    assigned at most once."""
    if len(defs.get(primal, ())) > 1:
        return False
    made = defs.get(view, ())
    text = ast.dump(index)
    return bool(made) and all(
        isinstance(s, ir.Assign) and isinstance(s.value, ast.Subscript)
        and isinstance(s.value.value, ast.Name) and s.value.value.id == primal
        and ast.dump(s.value.slice) == text for s in made)


def _aliases(base: str, defs) -> set[str]:
    """Names assigned from an expression that reads `base` (they may refer to it)."""
    return {name for name, made in defs.items()
            if any(isinstance(s, ir.Assign) and base in ir.names_in(s.value) for s in made)}


def _leaves(stmt: ir.Stmt) -> bool:
    """Whether `stmt` may leave the block it is in (a `break` not inside a loop of its own)."""
    if isinstance(stmt, ir.ExitLoop):
        return True
    if isinstance(stmt, ir.If):
        return any(_leaves(s) for s in stmt.body + stmt.orelse)
    return False


def _only_adds(stmt: ir.Stmt, targets: set[str], others: set[str]) -> bool:
    """Whether `stmt` touches the names `targets` only to add into them, and
    `others` not at all."""
    if isinstance(stmt, ir.Accumulate) and isinstance(stmt.target, ast.Subscript) and \
            isinstance(stmt.target.value, ast.Name) and stmt.target.value.id in targets:
        reads = ir.names_in(stmt.target.slice) | ir.names_in(stmt.value)
        return not reads & (targets | others)
    if type(stmt) is ir.ExprStmt and isinstance(stmt.value, ast.Call) and \
            isinstance(stmt.value.func, ast.Name) and stmt.value.func.id in _ADDS_INTO and \
            stmt.value.args and isinstance(stmt.value.args[0], ast.Name) and \
            stmt.value.args[0].id in targets:
        rest = stmt.value.args[1:] + [kw.value for kw in stmt.value.keywords]
        return not set().union(*(ir.names_in(a) for a in rest), set()) & (targets | others)
    if isinstance(stmt, ir.Store) and stmt.array in targets | others:
        return False
    touched = ir.used_names(stmt) | own_definitions(stmt)
    return not touched & (targets | others)


def _names(stmt: ir.Stmt) -> list[str]:
    """Each name `stmt` itself (not its nested blocks) holds, once per occurrence."""
    names = [n.id for expr in expressions(stmt) for n in ast.walk(expr)
             if isinstance(n, ast.Name)]
    if isinstance(stmt, ir.Assign):
        names.append(stmt.target)
    if isinstance(stmt, ir.Store):
        names.append(stmt.array)
    if isinstance(stmt, ir.If):
        names.append(stmt.test)
    return names


def _mentions_count(body: list[ir.Stmt], name: str) -> int:
    return sum(_names(s).count(name) for s in ir.walk(body))


def _occurrences(body: list[ir.Stmt], returns: ast.expr) -> Counter[str]:
    counts = Counter(name for stmt in ir.walk(body) for name in _names(stmt))
    counts.update(n.id for n in ast.walk(returns) if isinstance(n, ast.Name))
    return counts
