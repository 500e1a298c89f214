"""Constant folding: arithmetic on literal numbers, as adjoint rules
instantiated with constant operands leave it (`x ** (2 - (2 != 0))` becomes
`x ** 1`, then `x`).

Guarantees: every expression of the body computes the same value as before
(Python's own arithmetic evaluates the literals); an operation that would
raise (`1 / 0`) is left as it is, to raise where it did.
"""

from __future__ import annotations

import ast

from .. import ir
from ..ir.parts import clone, expression_slots

__all__ = ["fold_constants"]


def fold_constants(body: list[ir.Stmt]) -> None:
    """Fold the literal arithmetic of every expression of `body`, in place."""
    for stmt in ir.walk(body):
        for owner, field in expression_slots(stmt):
            setattr(owner, field, _Fold().visit(getattr(owner, field)))


class _Fold(ast.NodeTransformer):
    """Arithmetic on literal numbers, as rules instantiated with constant
    operands produce it (`x ** (2 - (2 != 0))` → `x ** 1` → `x`)."""

    def visit_BinOp(self, node):
        self.generic_visit(node)
        left, right = node.left, node.right
        if _number(left) and _number(right):
            return _evaluate(node)
        if isinstance(node.op, ast.Pow) and _number(right) and right.value == 1 and type(
                right.value) is int:
            return left
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        return _evaluate(node) if _number(node.operand) else node

    def visit_Compare(self, node):
        self.generic_visit(node)
        if _number(node.left) and all(_number(c) for c in node.comparators):
            return _evaluate(node)
        return node


def _number(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float, bool)


def _evaluate(node: ast.expr) -> ast.expr:
    try:
        tree = ast.fix_missing_locations(ast.Expression(clone(node)))
        value = eval(compile(tree, "<fold>", "eval"), {"__builtins__": {}})
    except (ArithmeticError, ValueError):
        return node
    if type(value) is bool:
        value = int(value)  # as Python would use it in arithmetic
    return ast.Constant(value)

