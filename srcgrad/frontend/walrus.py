"""Assignment expressions (`:=`), and which expressions need statements.

`(n := e)` is lowered where Python evaluates it: `n = e` among the
three-address statements of the enclosing expression, whose value is then
`n`.  The lowering evaluates operands left to right, as Python does, so the
statements come in Python's order; `check_assignment_expressions` (called by
`subset.check_subset`) refuses, at the user's line, the statements where that
would not be enough:

- a name read before the `:=` that assigns it in the same statement
  (`n + (n := 2)` reads the old `n`), but in that `:=`'s own value
  (`x := x / 2`), or assigned twice by `:=` there;
- a `:=` in an assignment's target, or a target that reads a name that a
  `:=` of the value assigns (`a[i] = (i := 2)`): the lowering reads the
  target's index before the value;
- a `:=` in a later operand of a chained comparison (`a < b < (c := e)`),
  which Python evaluates only when the earlier comparisons hold.

`needs_statements` tells the lowering that an expression cannot be kept
whole (as a non-differentiable test or value is): it calls the user's
functions, holds a `:=`, or calls a function that the registry writes as
other operations (`max(a, b, c)`, `math.fsum(x)`).  Such a `while` test is
evaluated again at the end of each iteration, and such an `and`/`or` or
conditional expression becomes branches, so that what it runs runs only
where Python runs it.
"""

from __future__ import annotations

import ast

from ..rules import registry
from .parse import FunctionSource

__all__ = ["AssignmentExpressions", "check_assignment_expressions"]


class AssignmentExpressions:
    """Mixed into `expressions.ExpressionLowering` (which supplies `assign`,
    `name_target`, `has_user_call` and the context)."""

    def assignment_expression(self, expr: ast.NamedExpr) -> ast.Name:
        """`(n := e)`: `n = e` now; the expression's value is `n`."""
        target = self.name_target(expr.target)
        self.assign(target, expr.value)
        return ast.Name(target, ast.Load())

    def needs_statements(self, expr: ast.expr) -> bool:
        """Whether lowering `expr` emits statements that must run where Python
        evaluates it (see the module's docstring)."""
        if self.has_user_call(expr):
            return True
        for node in ast.walk(expr):
            if isinstance(node, ast.NamedExpr):
                return True
            if isinstance(node, ast.Call) and self._expanded(node):
                return True
        return False

    def _expanded(self, call: ast.Call) -> bool:
        func = call.func
        if isinstance(func, ast.Attribute) and not self.ctx.scope.is_global_ref(func):
            return False  # a method of a local array
        if isinstance(func, ast.Name) and self.ctx.scope.is_local(func.id):
            return False  # refused where it is lowered
        fn = self.ctx.scope.lookup(func)
        return registry.expansion_signature(fn) is not None


def check_assignment_expressions(src: FunctionSource, stmt: ast.stmt) -> None:
    """Raise UnsupportedSyntaxError where lowering the `:=` of `stmt` in
    evaluation order would change what it computes (see the module's docstring)."""
    targets, values = _parts(stmt)
    if not any(isinstance(n, ast.NamedExpr) for e in targets + values for n in ast.walk(e)):
        return
    for target in targets:
        for node in ast.walk(target):
            if isinstance(node, ast.NamedExpr):
                raise src.error(node, "an assignment expression (':=') inside an assignment "
                                "target cannot be differentiated; assign it before")
    events: list[tuple[ast.AST, frozenset[str]]] = []
    for value in values:
        _in_order(src, value, frozenset(), events)
    assigned = {e.target.id for e, _ in events if isinstance(e, ast.NamedExpr)}
    seen: set[str] = set()
    for event, inside in events:
        if isinstance(event, ast.NamedExpr):
            name = event.target.id
            if name in seen:
                raise src.error(event, f"'{name}' is assigned twice by ':=' in one statement, "
                                "which cannot be differentiated; split the statement")
            seen.add(name)
        elif event.id in assigned and event.id not in seen and event.id not in inside:
            raise src.error(event, f"'{event.id}' is read before the ':=' that assigns it in the "
                            "same statement, which cannot be differentiated; split the statement")
    for target in targets:
        for node in ast.walk(target):
            read = isinstance(node, ast.Name) and (
                isinstance(node.ctx, ast.Load) or isinstance(stmt, ast.AugAssign))
            if read and node.id in assigned:
                raise src.error(node, f"the target of this assignment reads '{node.id}', which "
                                "':=' assigns in its value: this cannot be differentiated; "
                                "assign it before")


def _parts(stmt: ast.stmt) -> tuple[list[ast.expr], list[ast.expr]]:
    """The statement's own targets and values (not those of nested statements)."""
    if isinstance(stmt, ast.Assign):
        return list(stmt.targets), [stmt.value]
    if isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        return [stmt.target], [stmt.value] if stmt.value is not None else []
    if isinstance(stmt, ast.For):
        return [stmt.target], [stmt.iter]
    return [], [n for n in ast.iter_child_nodes(stmt) if isinstance(n, ast.expr)]


def _in_order(src: FunctionSource, node: ast.AST, inside: frozenset[str],
              events: list[tuple[ast.AST, frozenset[str]]]) -> None:
    """The reads of names and the `:=` of `node`, in the order Python evaluates
    them, each with the names of the `:=` whose value holds it (`x := x / 2`
    reads `x` before it assigns it, and the lowering does too)."""
    if isinstance(node, ast.NamedExpr):
        _in_order(src, node.value, inside | {node.target.id}, events)
        events.append((node, inside))
        return
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        events.append((node, inside))
        return
    if isinstance(node, ast.Compare) and len(node.comparators) > 1:
        for later in node.comparators[1:]:
            for sub in ast.walk(later):
                if isinstance(sub, ast.NamedExpr):
                    raise src.error(sub, "an assignment expression (':=') in a later operand "
                                    "of a chained comparison cannot be differentiated; "
                                    "split the comparison with 'and'")
    for child in ast.iter_child_nodes(node):
        _in_order(src, child, inside, events)
