"""Small builders and tests of Python syntax that the adjoint modules share.

Nothing here knows about cotangents or the IR's blocks: these are the words
the reverse sweep writes with (`call("zeros_like", x)`, `minus_one(n)`) and
the facts it reads off an index (`basic_index`: `+=` adds each element once).
"""

from __future__ import annotations

import ast

from ..ir import effects
from ..ir.parts import clone

__all__ = ["basic_index", "call", "clone", "index_value", "is_const", "is_unbroadcast",
           "minus_one", "substitute"]


def call(name: str, *args: ast.expr) -> ast.Call:
    """`name(*args)`."""
    return ast.Call(ast.Name(name, ast.Load()), list(args), [])


def is_const(node: ast.expr, value: int) -> bool:
    """Whether `node` is the integer literal `value`."""
    return isinstance(node, ast.Constant) and type(node.value) is int and node.value == value


def minus_one(node: ast.expr) -> ast.expr:
    """`node - 1`, folded where `node` is a literal."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return ast.Constant(node.value - 1)
    return ast.BinOp(clone(node), ast.Sub(), ast.Constant(1))


def plus_one(node: ast.expr) -> ast.expr:
    """`node + 1`, folded where `node` is a literal or `x - 1`."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return ast.Constant(node.value + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) and is_const(node.right, 1):
        return clone(node.left)
    return ast.BinOp(clone(node), ast.Add(), ast.Constant(1))


def is_unbroadcast(expr: ast.expr) -> bool:
    """Whether `expr` is `unbroadcast(g, x)`: `g` summed to the shape of `x`
    and nothing more (`ir.effects`, `sums_to`)."""
    return (isinstance(expr, ast.Call) and len(expr.args) == 2 and not expr.keywords
            and effects.called_helper(expr).sums_to == 1)


def basic_index(index: ast.expr, ints: set[str]) -> bool:
    """An index made of integers and slices only (no index arrays, whose
    repeated entries `+=` would count once); `ints` are the variables that
    surely hold integers."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    for part in parts:
        if isinstance(part, ast.Slice):
            continue
        if isinstance(part, ast.Constant) and (part.value is None or part.value is Ellipsis
                                               or type(part.value) is int):
            continue
        if isinstance(part, ast.Name) and part.id in ints:
            continue
        return False
    return True


def index_value(index: ast.expr) -> ast.expr:
    """A subscript's index as a value that a helper can take: its slices
    as `slice(...)` calls (`a[m, :]` → `add_at(ba, (m, slice(None)), g)`)."""
    if isinstance(index, ast.Slice):
        parts = [index.lower, index.upper, index.step]
        if index.step is None:  # `slice(a, b)`; `slice(b)` alone would be the stop
            parts = [index.upper] if index.lower is None else parts[:2]
        return call("slice", *(ast.Constant(None) if p is None else clone(p) for p in parts))
    if isinstance(index, ast.Tuple):
        return ast.Tuple([index_value(e) for e in index.elts], ast.Load())
    return clone(index)


def substitute(template: ast.expr, mapping: dict[str, ast.expr], rule_globals: dict,
               helpers: dict[str, object]) -> ast.expr:
    """A rule's template (an adjoint's or a tangent's) with its parameters
    replaced by `mapping`; the functions of the rule's module that it calls
    are added to `helpers`, for the generated module to import."""

    class Substitute(ast.NodeTransformer):
        def visit_Name(self, node):
            if node.id in mapping:
                return clone(mapping[node.id])
            return node

    expr = Substitute().visit(clone(template))
    for node in ast.walk(template):
        if isinstance(node, ast.Name) and node.id not in mapping:
            value = rule_globals.get(node.id)
            if value is not None and callable(value) and not isinstance(value, type(ast)):
                helpers.setdefault(node.id, value)
    return ast.fix_missing_locations(expr)
