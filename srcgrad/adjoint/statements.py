"""The reverse of one assignment: its rule's cotangents, added to its operands.

For `y = f(a, b)` with `y` active and `by` live, the reverse adds the
cotangent that `f`'s rule gives to each active operand, and `by` dies (it
was the adjoint of the value this statement wrote):

    y = f(a, b)        ─►    ba += <rule's cotangent for a, with g = by>
                             bb += <rule's cotangent for b, with g = by>

A copy `y = a` passes `by` on to `a`; a read `y = a[i]` scatters it into
`ba[i]`; a statement whose target is a local `wrt` first keeps the
cotangent it has there (`grad_y = by`).  Rule templates are inlined with
`g`, `ans` and the operands substituted; two equal contributions to one
operand (`x * x`) become one, times 2.  How each contribution reaches its
adjoint (create, accumulate, unbroadcast) is `Cotangents`' business.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from .. import ir
from ..analysis.operations import Operation, OpKind, operation
from ..ir.parts import clone
from ..ir.recursion import RecursiveFunction
from ..rules.registry import Rule
from .syntax import call, is_unbroadcast, substitute

if TYPE_CHECKING:
    from .sweep import Sweep

__all__ = ["reverse_assign"]


def reverse_assign(sweep: Sweep, stmt: ir.Assign, out: list[ir.Stmt], where) -> None:
    cot, facts = sweep.cot, sweep.facts
    target = stmt.target
    if target not in cot.live or not facts.active(target):
        cot.live.discard(target)
        return
    origin = stmt.origin.reverse()
    g = cot.load(target)
    g_exact = cot.exact.get(target, True)
    if target in facts.wrt_locals:
        cot.capture(target, out, where, origin)
    cot.live.discard(target)
    if target in facts.stop:
        return
    op = operation(stmt)
    value = stmt.value
    if op.kind is OpKind.COPY and isinstance(value, ast.Name) and value.id == target:
        cot.live.add(target)  # `y = y`: the cotangent passes through as it is
        return
    if op.kind is OpKind.COPY:
        if isinstance(value, ast.Name):
            cot.contribute(out, value.id, g, g_exact, where, origin)
    elif op.kind is OpKind.SUBSCRIPT:
        cot.scatter(out, value, g, g_exact, where, origin)
    elif op.kind is OpKind.RULE and isinstance(stmt.primitive, RecursiveFunction):
        _recursive_call(sweep, stmt, g, g_exact, out, where, origin)
    elif op.kind is OpKind.RULE:
        _apply_rule(sweep, stmt, op, g, g_exact, out, where, origin)


def _apply_rule(sweep: Sweep, stmt: ir.Assign, op: Operation, g: ast.expr, g_exact: bool,
                out, where, origin) -> None:
    rule: Rule = op.rule
    contributions: list[tuple[str, ast.expr, bool]] = []
    for param, template in zip(rule.params, rule.cotangents):
        if template is None:
            continue
        atom = op.bound[param]
        if param == rule.sequence:
            parts = _expand_sequence(template, param, atom)
        else:
            parts = [(atom, template)]
        for part_atom, part_template in parts:
            if not (isinstance(part_atom, ast.Name) and sweep.facts.active(part_atom.id)):
                continue
            expr = _inline(sweep.out.helpers, rule, part_template, op.bound, g, stmt.target)
            wrapped = is_unbroadcast(expr)
            exact = wrapped or (g_exact if rule.elementwise else True)
            contributions.append((part_atom.id, expr, exact))
    for name, expr, exact in _doubled(contributions):
        if (name == stmt.target and g_exact and isinstance(expr, ast.Name) and expr.id == g.id
                and [c[0] for c in contributions].count(name) == 1):
            # `acc = list_append(acc, v, k)`: the target's cotangent passes on to the
            # value it replaced as it is (a copy per pass would cost the list's length)
            sweep.cot.live.add(name)
            continue
        sweep.cot.contribute(out, name, expr, exact, where, origin)


def _recursive_call(sweep: Sweep, stmt: ir.Assign, g: ast.expr, g_exact: bool, out,
                    where, origin) -> None:
    """`y = f_primal(a, b)`, a call closing a cycle (`ir/recursion.py`): the
    cotangents of its active arguments from `f`'s vjp with respect to them,
    `ba += f_vjp(a, b, by)`, through a tuple where there are several."""
    entry: RecursiveFunction = stmt.primitive
    args = stmt.value.args
    positions = tuple(k for k, a in enumerate(args)
                      if isinstance(a, ast.Name) and sweep.facts.active(a.id))
    if not positions:
        return
    if not g_exact:  # (the vjp's seed has the result's shape)
        g = call("unbroadcast", g, ast.Name(stmt.target, ast.Load()))
        sweep.out.note_helper("unbroadcast")
    vjp = call(entry.plan.vjp(entry, positions), *(clone(a) for a in args), g)
    if len(positions) == 1:
        parts = vjp,
    else:
        both = sweep.facts.namer.fresh(f"{entry.__name__}_cotangents")
        sweep.out.generated.add(both)
        sweep.out.emit(out, ir.Assign(origin, both, vjp), where)
        parts = tuple(ast.Subscript(ast.Name(both, ast.Load()), ast.Constant(k), ast.Load())
                      for k in range(len(positions)))
    for k, part in zip(positions, parts):  # (a gradient the vjp made, referred to nowhere else)
        sweep.cot.contribute(out, args[k].id, part, True, where, origin, fresh=True)


def _inline(helpers: dict[str, object], rule: Rule, template: ast.expr,
            bound: dict[str, ast.expr], g: ast.expr, target: str) -> ast.expr:
    """The rule's template with its parameters, `g` and `ans` substituted;
    the rule module's functions it calls are added to `helpers`."""
    mapping: dict[str, ast.expr] = dict(bound)
    mapping["g"] = g
    mapping["ans"] = ast.Name(target, ast.Load())
    return substitute(template, mapping, rule.function.__globals__, helpers)


def _doubled(contributions: list[tuple[str, ast.expr, bool]]) -> list[tuple[str, ast.expr, bool]]:
    """One operation's contributions with two equal ones to one variable made
    one, times 2 (`x * x`: `g * x * 2` rather than `g * x` added twice; the
    same value, since doubling is exact)."""
    out: list[tuple[str, ast.expr, bool]] = []
    for name, expr, exact in contributions:
        twin = next((k for k, (n, e, _) in enumerate(out)
                     if n == name and ast.dump(e) == ast.dump(expr)), None)
        if twin is None:
            out.append((name, expr, exact))
            continue
        if is_unbroadcast(expr):
            expr.args[0] = ast.BinOp(expr.args[0], ast.Mult(), ast.Constant(2))
        else:
            expr = ast.BinOp(expr, ast.Mult(), ast.Constant(2))
        out[twin] = (name, expr, exact)
    return out


def _expand_sequence(template: ast.expr, param: str, atom: ast.expr) -> list:
    """`[part(g, arrays, axis, i) for i in range(len(arrays))]` → one
    (element atom, expression) per element of the tuple `atom`."""
    if not isinstance(template, ast.ListComp) or not isinstance(atom, ast.Tuple):
        raise TypeError(f"rule for a sequence of {param!r} must be a list comprehension")
    var = template.generators[0].target.id
    parts = []
    for k, element in enumerate(atom.elts):
        class SetIndex(ast.NodeTransformer):
            def visit_Name(self, node, k=k):
                return ast.Constant(k) if node.id == var else node

        parts.append((element, SetIndex().visit(clone(template.elt))))
    return parts
