"""Activity analysis: which variables carry a derivative from `wrt` to the outputs.

A variable is *varied* if its value depends differentiably on a `wrt` input,
*useful* if it influences an output differentiably; it is *active* if both.
Only active variables get an adjoint, and only statements that assign an
active variable get a reverse step.  The analysis is per variable over the
whole function (flow-insensitive), so it can only err on the side of activity.

`stop_gradients` cuts a variable off from what it was computed from, and a
`stop_gradient(x)` call is not differentiable; non-differentiable operations
(comparisons, `len`, `np.floor`, ...) are never varied.

Guarantees to the reverse sweep: every call it meets on an active path has a
rule (else `NoAdjointError` was raised here), no such call varies in a
parameter its rule refuses (`registry.refused`: `NoAdjointError` with the
rule's reason), and tuple values and `and`/`or` on active values were
refused.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .. import ir
from ..errors import NoAdjointError, UnsupportedSyntaxError
from .operations import OpKind, no_adjoint, operand_names, operation

__all__ = ["Activity", "analyse"]


@dataclass
class Activity:
    varied: set[str]
    useful: set[str]

    def active(self, name: str) -> bool:
        return name in self.varied and name in self.useful


def analyse(fn: ir.Function, wrt: list[str], stop: set[str], check: bool = True) -> Activity:
    """The activity of `fn`'s variables; with `check`, refuse what the reverse
    sweep could not differentiate on an active path."""
    assigns = [s for s in ir.walk(fn.body) if isinstance(s, ir.Assign)]
    stores = [s for s in ir.walk(fn.body) if isinstance(s, ir.Store)]
    ops = {id(s): operation(s) for s in assigns}
    flows = []  # (source, target): a cotangent of target flows to source
    for stmt in assigns:
        if stmt.target in stop:
            continue
        for name in operand_names(stmt, ops[id(stmt)]):
            flows.append((name, stmt.target))
    for stmt in stores:
        flows += [(n, stmt.array) for n in ir.names_in(stmt.value)]
    for stmt in ir.walk(fn.body):
        if isinstance(stmt, ir.Push) and not stmt.shape and isinstance(stmt.saved, ast.Name):
            flows.append((stmt.saved.id, stmt.stack))  # `s.append(v)`: s holds v
    varied = _reach(set(wrt), flows)  # what the inputs flow into
    useful = _reach(set(fn.results), [(t, s) for s, t in flows])  # what flows into the results
    activity = Activity(varied, useful)
    if check:
        for stmt in assigns:
            _check(stmt, ops[id(stmt)], activity)
    return activity


def _check(stmt: ir.Assign, op, activity: Activity) -> None:
    if not activity.active(stmt.target):
        if stmt.nondiff:
            _check_boolop(stmt, activity)
        return
    if op.kind is OpKind.OPAQUE and any(activity.varied & ir.names_in(stmt.value)):
        raise no_adjoint(stmt)
    if op.kind is OpKind.RULE and op.rule.refusals:
        _check_refused(stmt, op, activity)
    if op.kind is OpKind.TUPLE:
        raise UnsupportedSyntaxError(
            "a tuple of differentiable values cannot be kept in a variable; unpack it "
            "('a, b = ...') or pass its parts separately", stmt.origin.file, stmt.origin.line)


def _check_refused(stmt: ir.Assign, op, activity: Activity) -> None:
    """A parameter whose cotangent the rule refuses must not vary."""
    for param, reason in op.rule.refusals.items():
        atom = op.bound.get(param)
        elts = atom.elts if isinstance(atom, ast.Tuple) else [atom]
        if any(isinstance(e, ast.Name) and e.id in activity.varied for e in elts):
            raise NoAdjointError(f"'{stmt.origin.text}' is differentiated in its parameter "
                                 f"'{param}', which srcgrad cannot do: {reason}",
                                 stmt.origin.file, stmt.origin.line)


def _check_boolop(stmt: ir.Assign, activity: Activity) -> None:
    """`a or b` returns one of its operands: refuse it on differentiable
    values, whose derivative would silently be dropped."""
    for node in ast.walk(stmt.value):
        if isinstance(node, ast.BoolOp):
            for operand in node.values:
                if isinstance(operand, ast.Name) and operand.id in activity.varied:
                    raise UnsupportedSyntaxError(
                        f"'and'/'or' on the differentiable value '{operand.id}' cannot be "
                        "differentiated; use an if statement", stmt.origin.file, stmt.origin.line)


def _reach(start: set[str], flows: list[tuple[str, str]]) -> set[str]:
    """`start` and every name a chain of `flows` (source, target) leads to
    from it: a fixpoint, run until nothing is added."""
    reached = set(start)
    changed = True
    while changed:
        changed = False
        for source, target in flows:
            if source in reached and target not in reached:
                reached.add(target)
                changed = True
    return reached
