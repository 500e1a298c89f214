"""The objects of the user's classes, as the lowering keeps them.

A bound method's object (`model` in `sg.grad(model.loss)`), an object one
of its attributes holds (`self.layer`), a class whose classmethod is called:
each is a static value `Obj` (`frontend/values.py`).  Its attributes are
read as globals are, constants of the gradient checked before each call
(`frontend/bindings.py`), except those that `wrt="self"` makes parameters
(`Obj.fields`); its methods, `__call__` included, are the user's functions,
transformed with the object bound first.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import types

import numpy as np

from .bindings import binding_of_attribute
from .static_expressions import StaticExpressionLowering
from .values import Func, Obj, describe

__all__ = ["ObjectLowering"]

_MISSING = object()


class ObjectLowering(StaticExpressionLowering):
    """Attributes and methods of objects (see the module's docstring);
    `from_global` comes from the class built on this one."""

    def attribute_of(self, obj: Obj, node: ast.Attribute):
        """`self.w` in a bound method: read as a global is (and checked before
        each call, like one: rebinding `model.w` makes the gradient again);
        with `wrt="self"`, its differentiated attributes are parameters."""
        for name, field_value in obj.fields:
            if name == node.attr:
                return field_value
        value = getattr(obj.value, node.attr, _MISSING)
        if value is _MISSING:
            raise self.error(node, f"'{ast.unparse(node)}' is not defined")
        self.ctx.scope._record(binding_of_attribute(obj.value, node.attr, value))
        if isinstance(value, types.MethodType) and value.__self__ is obj.value:
            fn = self.from_global(node, value.__func__)
            if isinstance(fn, Func):
                return dataclasses.replace(fn, args=(obj, *fn.args))
        if not isinstance(value, np.ndarray) and _attribute_object(value):
            return Obj(value)
        return self.from_global(node, value)

    def method_of(self, obj: Obj, name: str, node: ast.AST) -> Func:
        """`obj.name` as a function of the user's, `obj` bound first (`__call__`
        for a call of the object itself)."""
        method = getattr(type(obj.value), name, None)
        if isinstance(method, staticmethod):
            method = method.__func__
        if not self.is_user_function(method):
            raise self.error(node, f"'{ast.unparse(node)}': {describe(obj)} has no method "
                             f"'{name}' srcgrad can transform")
        fn = self.from_global(node, method)
        return dataclasses.replace(fn, args=(obj, *fn.args))


def _attribute_object(value) -> bool:
    """An object whose attributes a method reads in turn (`self.layer.W`): an
    instance of a class of the user's, not a number, array, container or function."""
    return (hasattr(value, "__dict__") and not isinstance(
        value, (type, types.ModuleType, types.FunctionType, types.MethodType, functools.partial)))
