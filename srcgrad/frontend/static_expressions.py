"""The expression lowering's entry points, with static values in them.

`StaticExpressionLowering` routes every expression that may have a static
value (`frontend/values.py`) to `value` before the plain lowering sees it:
`atom` refuses a list where generated code needs one variable, `argument`
and `canonical` pass a known list as a tuple of its atoms, `resolve_call`
finds a nested function or a list's method, and a tuple passed where a
NumPy rule reads an array (`np.sum((a, b))`) becomes `np.stack` of its
items, as NumPy reads it.
"""

from __future__ import annotations

import ast

import numpy as np

from .static_calls import StaticCallLowering, StaticMethod
from .values import (
    Conflict,
    Func,
    Growing,
    Obj,
    Record,
    Seq,
    describe,
    is_derived,
    is_gradient,
    is_lowered,
    is_static,
    is_tangent_function,
    lowered,
)

__all__ = ["StaticExpressionLowering"]

_ARRAY_ATTRIBUTES = {"T", "shape", "size", "ndim", "dtype", "real", "imag"}


class StaticExpressionLowering(StaticCallLowering):
    """See the module's docstring; `might_be_static`, `value` and
    `as_syntax` come from `containers.ContainerLowering`."""

    def atom(self, expr: ast.expr) -> ast.expr:
        if is_lowered(expr):
            return lowered(expr)
        if self.might_be_static(expr):
            value = self.value(expr)
            if is_static(value):
                raise self.error(expr, f"'{ast.unparse(expr)}' is {describe(value)}, where "
                                 "generated code needs a number or an array; index it, unpack "
                                 "it, or make an array of it with np.array(...)")
            return value
        return super().atom(expr)

    def plain_atom(self, expr: ast.expr) -> ast.expr:
        return super().atom(expr)

    def operation(self, expr: ast.expr):
        if is_lowered(expr):
            return lowered(expr), None, False
        if self.might_be_static(expr):
            return self.atom(expr), None, False
        if (isinstance(expr, ast.Attribute) and expr.attr not in _ARRAY_ATTRIBUTES
                and not self.ctx.scope.is_global_ref(expr)):
            raise self.error(expr, f"the attribute '.{expr.attr}' cannot be differentiated")
        return super().operation(expr)

    def load(self, expr: ast.expr) -> ast.expr:
        if isinstance(expr, ast.Name) and self.ctx.scope.is_local(expr.id):
            value = self.binding(expr.id)
            if isinstance(value, Conflict):
                raise self.error(expr, value.message)
            if is_static(value):
                raise self.error(expr, f"'{expr.id}' is {describe(value)}, where generated "
                                 "code needs a number or an array")
        return super().load(expr)

    def canonical(self, expr: ast.expr) -> ast.expr:
        if is_lowered(expr):
            return lowered(expr)
        if self.might_be_static(expr):
            return self.as_syntax(self.value(expr), expr)
        return super().canonical(expr)

    def argument(self, node: ast.expr) -> ast.expr:
        if self.might_be_static(node):
            return self.as_syntax(self.value(node), node)
        return super().argument(node)

    def call(self, call: ast.Call):
        if self.might_be_static(call):
            value = self.static_call(call)
            if is_static(value):
                raise self.error(call, f"'{ast.unparse(call)}' gives {describe(value)}: assign "
                                 "it to a name, unpack it or index it")
            return value, None, False
        return super().call(call)

    def library_call(self, call: ast.Call):
        return self.as_atom(*super().call(call))

    def resolve_call(self, call: ast.Call):
        func = call.func
        if isinstance(func, ast.Name) and self.ctx.scope.is_local(func.id):
            value = self.binding(func.id)
            if isinstance(value, Func):
                return value, list(call.args), list(call.keywords)
            if isinstance(value, Obj):  # `layer(h)`: the object's __call__
                return self.method_of(value, "__call__", call), list(call.args), list(
                    call.keywords)
            raise self.error(call, f"'{func.id}' is {describe(value)}, which cannot be called")
        if isinstance(func, ast.Attribute) and _pure(func.value) and self.might_be_static(
                func.value):
            value = self.value(func.value)
            if isinstance(value, (Seq, Record, Growing)):
                return StaticMethod(func.value, func.attr), list(call.args), list(call.keywords)
            if isinstance(value, Obj):
                method = self.attribute_of(value, func)
                if isinstance(method, Obj):  # `self.layer(x)`: the object's __call__
                    method = self.method_of(method, "__call__", func)
                if not isinstance(method, Func):
                    raise self.error(call, f"'{ast.unparse(func)}' is not a method srcgrad can "
                                     "transform")
                return method, list(call.args), list(call.keywords)
            if isinstance(value, Func):
                raise self.error(call, f"'{ast.unparse(func)}' cannot be called")
        if isinstance(func, ast.Call) and self.might_be_static(func):  # `sg.grad(V)(x)`
            value = self.value(func)
            if isinstance(value, Func):
                return value, list(call.args), list(call.keywords)
        if isinstance(func, ast.Subscript) and _pure(func) and self.might_be_static(func):
            value = self.value(func)
            if isinstance(value, Func):
                return value, list(call.args), list(call.keywords)
        return super().resolve_call(call)

    def is_user_function(self, fn: object) -> bool:
        return (isinstance(fn, (Func, StaticMethod)) or is_gradient(fn) or is_derived(fn)
                or is_tangent_function(fn)
                or super().is_user_function(fn))

    def has_user_call(self, expr: ast.expr) -> bool:
        for node in ast.walk(expr):
            if isinstance(node, (ast.Lambda, ast.ListComp, ast.GeneratorExp, ast.DictComp)):
                return True
            if isinstance(node, ast.Name) and self.ctx.scope.is_local(node.id) and is_static(
                    self.binding(node.id)):
                return True
        return super().has_user_call(expr)

    def resolved_call(self, fn, args, keywords, call):
        if (fn in (np.array, np.asarray) and args and not isinstance(args[0], (ast.List, ast.Tuple))
                and self.might_be_static(args[0])):
            value = self.value(args[0])
            if isinstance(value, Seq):
                args = [_literal(value), *args[1:]]
        return super().resolved_call(fn, args, keywords, call)

    def array_operands(self, fn, atoms: list, keywords: list) -> tuple[list, list]:
        """A tuple passed where a rule reads an array (`np.sum((a, b))`) as
        `np.stack` of its items, as NumPy reads it."""
        from ..rules import registry
        rule = registry.lookup(fn)
        if rule is None:
            return atoms, keywords
        try:
            bound = rule.signature.bind(*atoms, **{k.arg: k.value for k in keywords})
        except TypeError:
            return atoms, keywords
        arrays = {name for name, cot in zip(rule.params, rule.cotangents)
                  if cot is not None and name != rule.sequence}
        changed = {}
        for name, value in bound.arguments.items():
            if name in arrays and isinstance(value, ast.Tuple) and any(
                    isinstance(n, ast.Name) for n in ast.walk(value)):
                changed[id(value)] = self.stacked(value)
        atoms = [changed.get(id(a), a) for a in atoms]
        keywords = [ast.keyword(k.arg, changed.get(id(k.value), k.value)) for k in keywords]
        return atoms, keywords

    def stacked(self, items: ast.Tuple) -> ast.expr:
        parts = [self.stacked(e) if isinstance(e, ast.Tuple) else e for e in items.elts]
        return self.temp(self.call_expr(np.stack, [ast.Tuple(parts, ast.Load())], []), np.stack)


def _pure(expr: ast.expr) -> bool:
    """Whether finding the value of `expr` emits nothing (names, constant indexes, fields)."""
    while isinstance(expr, (ast.Subscript, ast.Attribute)):
        if isinstance(expr, ast.Subscript) and not isinstance(expr.slice, ast.Constant):
            return False
        expr = expr.value
    return isinstance(expr, ast.Name)


def _literal(value: Seq) -> ast.List:
    return ast.List([_literal(v) if isinstance(v, Seq) else lowered(v) for v in value.items],
                    ast.Load())
