"""The tangent of one operation: `dy` for `y = f(a, b)`, from `f`'s rules.

`tangent_expression` reads the declarations of `rules/tangents.py` (and the
adjoint rule, for an elementwise primitive) and returns the expression of
`dy` in the operands, the result and the tangents of the operands that vary,
or None where no operand varies (the caller writes zeros then).

Guarantees to `forward.py`: the expression has the result's shape, or
`fit` is set (the caller broadcasts it to the result's shape with
`broadcast_like`); a call whose operands vary and whose primitive has no
tangent raises `NoTangentError` at the user's line.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from .. import ir
from ..adjoint.syntax import is_unbroadcast, substitute
from ..analysis.operations import Operation, operation
from ..errors import NoAdjointError
from ..ir import effects
from ..ir.parts import clone
from ..rules import tangents
from ..rules.registry import Rule, lookup

__all__ = ["NoTangentError", "Tangent", "tangent_expression", "no_tangent"]


class NoTangentError(NoAdjointError):
    """A call whose operands vary has an adjoint rule but no tangent rule:
    forward mode cannot differentiate it (`sg.jvp` falls back to the
    transpose of the adjoint)."""


@dataclass
class Tangent:
    expr: ast.expr
    fit: bool  # not known to have the result's shape: broadcast it to the result's
    mirrors: bool = False  # the primitive applied to tangents: shares memory as the primal does


def tangent_expression(stmt: ir.Assign, op: Operation, dot: Callable[[str], str | None],
                       helpers: dict[str, object]) -> Tangent | None:
    """The tangent of `stmt` (a RULE operation); `dot(name)` is the name of
    the tangent of a varied variable, None for one that does not vary."""
    rule: Rule = op.rule
    primitive = stmt.primitive
    explicit = tangents.lookup_tangent(primitive)
    if explicit is not None:
        return _explicit(stmt, op, explicit, dot, helpers)
    declared = tangents.lookup_linear(primitive)
    if declared is not None:
        return _linear(stmt, op, declared, dot)
    if rule.elementwise:
        return _elementwise(stmt, op, dot, helpers)
    if not any(_varied_atoms(op.bound.get(p), dot) for p in op.diff_params()):
        return None  # (what varies is a parameter without a derivative: a shape, `seed`'s y)
    raise no_tangent(stmt)


def no_tangent(stmt: ir.Assign) -> NoTangentError:
    primitive = stmt.primitive
    name = getattr(primitive, "__qualname__", None) or getattr(primitive, "__name__",
                                                                repr(primitive))
    module = getattr(primitive, "__module__", None)
    full = f"{module}.{name}" if module and module != "builtins" else name
    return NoTangentError(
        f"'{full}' has an adjoint rule but no tangent rule, so forward mode cannot "
        f"differentiate it (in '{stmt.origin.text}'); register one with "
        f"@srcgrad.rules.tangents.tangent({name}) on a function (ans, *args, *d_args) "
        "returning each argument's contribution to the tangent of the result",
        stmt.origin.file, stmt.origin.line)


# --- the three kinds ------------------------------------------------------------------------


def _elementwise(stmt, op: Operation, dot, helpers) -> Tangent | None:
    """Diagonal Jacobian: the cotangent template of each varied operand with
    `g` its tangent, without the outer `unbroadcast`."""
    rule = op.rule
    parts = []
    for param, template in zip(rule.params, rule.cotangents):
        atom = op.bound.get(param)
        if template is None or not (isinstance(atom, ast.Name) and dot(atom.id)):
            continue
        if is_unbroadcast(template):
            template = template.args[0]
        if not _elementwise_in_g(template, rule.function.__globals__):
            raise no_tangent(stmt)  # (a cotangent summed over elements: not a diagonal)
        mapping = {**op.bound, "g": ast.Name(dot(atom.id), ast.Load()),
                   "ans": ast.Name(stmt.target, ast.Load())}
        parts.append(substitute(template, mapping, rule.function.__globals__, helpers))
    if not parts:
        return None
    expr = _sum(parts)
    # the sum has the result's shape where every array operand appears in it
    read = ir.names_in(expr)
    operands = [a for p, a in op.bound.items() if isinstance(a, ast.Name)
                and p in rule.params]
    read |= {a.id for a in operands if dot(a.id) in read}
    fit = stmt.target not in read and (any(a.id not in read for a in operands) or not operands)
    return Tangent(expr, fit)


def _elementwise_in_g(template: ast.expr, rule_globals: dict) -> bool:
    """Whether a cotangent template maps `g` element by element: it calls
    no function whose own rule is not elementwise (`fill_cotangent`, which
    sums `g` over the elements a scalar replaced, makes `nan_to_num`'s
    cotangent of its scalar `nan` a sum, not a diagonal)."""
    for node in ast.walk(template):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name):
            callee = rule_globals.get(func.id)
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            module = rule_globals.get(func.value.id)
            callee = getattr(module, func.attr, None) if module is not None else None
        else:
            return False
        rule = lookup(callee) if callee is not None else None
        if rule is not None and not rule.elementwise:
            return False
    return True


def _linear(stmt, op: Operation, declared: tangents.Linear, dot) -> Tangent | None:
    """The primitive applied to the tangents (jointly linear), or the sum of
    it applied with one operand at a time replaced by its tangent."""
    # operands are replaced by identity: a node that stands in two places of the call
    # (the lowering squares `b` as `matmul(b, b)`, one node twice) is copied first, so
    # that `matmul(db, b) + matmul(b, db)` replaces one place at a time
    stmt = dataclasses.replace(stmt, value=clone_keeping_ids(stmt.value, {}))
    op = operation(stmt)
    undeclared = [p for p in op.diff_params() if p not in declared.params]
    if any(_varied_atoms(op.bound.get(p), dot) for p in undeclared):
        raise no_tangent(stmt)  # (differentiable in a parameter it is not linear in)
    varied = [p for p in declared.params if _varied_atoms(op.bound.get(p), dot)]
    if not varied:
        return None
    shape_only = _shape_only(stmt.value, dot)
    if not declared.multi:
        replace = dict(shape_only)
        for param in declared.params:
            atom = op.bound.get(param)
            for element in (atom.elts if isinstance(atom, ast.Tuple) else [atom]):
                if element is not None:
                    replace[id(element)] = _tangent_or_zero(element, dot)
        return Tangent(_replaced(stmt.value, replace), False, mirrors=True)
    parts = []
    for param in varied:
        atom = op.bound[param]
        parts.append(_replaced(stmt.value, {**shape_only,
                                            id(atom): ast.Name(dot(atom.id), ast.Load())}))
    return Tangent(_sum(parts), False, mirrors=len(parts) == 1)


def _shape_only(value: ast.expr, dot) -> dict[int, ast.expr]:
    """The argument of a helper of which only the shape is read (`x` in
    `unbroadcast(g, x)`), where it varies, replaced by its tangent: the same
    shape and dtype, and the tangent then reads no primal array for it."""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)):
        return {}
    k = effects.helper(value.func.id).shape_of
    if k is None or len(value.args) <= k:
        return {}
    atom = value.args[k]
    if isinstance(atom, ast.Name) and dot(atom.id):
        return {id(atom): ast.Name(dot(atom.id), ast.Load())}
    return {}


def _explicit(stmt, op: Operation, rule: tangents.TangentRule, dot, helpers) -> Tangent | None:
    parts = []
    for param, template in rule.contributions.items():
        atom = op.bound.get(param)
        if not (isinstance(atom, ast.Name) and dot(atom.id)):
            continue
        mapping = {p: op.bound[p] for p in rule.params if p in op.bound}
        mapping[rule.tangent_names[param]] = ast.Name(dot(atom.id), ast.Load())
        mapping["ans"] = ast.Name(stmt.target, ast.Load())
        parts.append(substitute(template, mapping, rule.function.__globals__, helpers))
    unruled = [p for p in op.diff_params() if p not in rule.contributions]
    if any(_varied_atoms(op.bound.get(p), dot) for p in unruled):
        raise no_tangent(stmt)
    return Tangent(_sum(parts), False) if parts else None


# --- building expressions -------------------------------------------------------------------


def _varied_atoms(atom: ast.expr | None, dot) -> bool:
    elts = atom.elts if isinstance(atom, ast.Tuple) else [atom]
    return any(isinstance(e, ast.Name) and dot(e.id) for e in elts)


def _tangent_or_zero(atom: ast.expr, dot) -> ast.expr:
    if isinstance(atom, ast.Name):
        if dot(atom.id):
            return ast.Name(dot(atom.id), ast.Load())
        return ast.Call(ast.Name("zeros_like", ast.Load()), [ast.Name(atom.id, ast.Load())], [])
    if isinstance(atom, ast.Constant) and isinstance(atom.value, (int, float)) \
            and not isinstance(atom.value, bool):
        return ast.Constant(0.0)
    return clone(atom)  # None, a string


def _replaced(value: ast.expr, replace: dict[int, ast.expr]) -> ast.expr:
    """A copy of `value` with the nodes whose ids `replace` names replaced."""

    class Replace(ast.NodeTransformer):
        def visit(self, node):
            if id(node) in replace:
                return clone(replace[id(node)])
            return super().visit(node)

    return ast.fix_missing_locations(Replace().visit(clone_keeping_ids(value, replace)))


def clone_keeping_ids(value: ast.expr, replace: dict[int, ast.expr]) -> ast.expr:
    """`value` copied above the nodes to be replaced (which stay the same
    objects, so that `replace` finds them by id)."""

    def copy(node):
        if id(node) in replace or not isinstance(node, ast.AST):
            return node
        fields = {}
        for name, field in ast.iter_fields(node):
            if isinstance(field, list):
                fields[name] = [copy(f) for f in field]
            else:
                fields[name] = copy(field)
        return type(node)(**fields)

    return copy(value)


def _sum(parts: list[ast.expr]) -> ast.expr:
    """The sum of the contributions, two equal ones written once, times 2
    (`dx * x * 2` for `x * x`, as the reverse sweep writes its cotangents)."""
    merged: list[ast.expr] = []
    for part in parts:
        twin = next((k for k, m in enumerate(merged) if ast.dump(m) == ast.dump(part)), None)
        if twin is None:
            merged.append(part)
        else:
            merged[twin] = ast.BinOp(part, ast.Mult(), ast.Constant(2))
    parts = merged
    expr = parts[0]
    for part in parts[1:]:
        expr = ast.BinOp(expr, ast.Add(), part)
    return expr
