"""Lists, tuples, dicts and functions as values, kept by the lowering.

`ContainerLowering` adds to the expression lowering the values of
`frontend/values.py`: what creates them (literals, `list()`, `dict()`,
`zip`, `enumerate`, comprehensions, named tuples, `lambda`, a nested `def`,
`functools.partial`, a user's function named as a value), what reads them
(indexing, `len`, unpacking, attributes of a named tuple, `sum`, NumPy
calls, which receive their elements as a tuple or `np.stack` of them) and
what changes them (`append`, `extend`, `insert`, `pop`, `acc[k] = v`,
`d[key] = v`).  `value(expr)` gives an expression's static value, or the
atom holding it; `atom` refuses a static value where generated code would
need one variable.

A lowered atom can be handed back to the lowering inside new syntax
(`lowered`): it is not looked up again.
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import functools
import re
import types

import numpy as np

from .. import ir
from .growing import ListTooShort
from .objects import ObjectLowering
from .values import (
    Conflict,
    Func,
    Growing,
    Obj,
    Record,
    Seq,
    describe,
    is_lowered,
    is_namedtuple,
    is_static,
    lowered,
    makes_gradient,
    new_ident,
)

__all__ = ["ContainerLowering"]

_CONTAINER_BUILTINS = {id(f) for f in (list, tuple, dict, zip, enumerate, reversed)}


class ContainerLowering(ObjectLowering):
    """Static values in the lowering (see the module's docstring)."""

    # --- which expressions may have a static value --------------------------

    def binding(self, name: str):
        return self.ctx.rename.get(name)

    def might_be_static(self, expr: ast.expr) -> bool:
        if is_lowered(expr) or self.stacks:  # a generated adjoint's lists are its stacks
            return False
        if isinstance(expr, ast.Tuple) and any(isinstance(e, ast.Slice) for e in expr.elts):
            return False  # an index: `a[i, :]`
        if isinstance(expr, (ast.Tuple, ast.List, ast.Dict, ast.Lambda, ast.ListComp,
                             ast.GeneratorExp, ast.DictComp)):
            return True
        if isinstance(expr, ast.Name):
            if self.ctx.scope.is_local(expr.id):
                return is_static(self.binding(expr.id))
            return self._global_static(expr) is not None
        if isinstance(expr, (ast.Subscript, ast.Attribute)):
            return self.might_be_static(expr.value)
        if isinstance(expr, ast.BinOp):
            return self.might_be_static(expr.left) or self.might_be_static(expr.right)
        if isinstance(expr, ast.Starred):
            return True
        if isinstance(expr, ast.Call):
            func = expr.func
            if isinstance(func, ast.Attribute) and self.might_be_static(func.value):
                return True
            if isinstance(func, ast.Name) and self.ctx.scope.is_local(func.id):
                return True
            if isinstance(func, ast.Call):  # `sg.grad(V)(x)`
                return self.might_be_static(func)
            if not (isinstance(func, (ast.Name, ast.Attribute)) and self.ctx.scope.is_global_ref(func)):
                return False
            fn = self.ctx.scope.lookup(func)
            if isinstance(fn, type) and (is_namedtuple(fn) or dataclasses.is_dataclass(fn)):
                return True
            if _classmethod_of_user(self, fn):  # `Physics.energy(v, h)`
                return True
            if fn in (np.array, np.asarray, np.stack, np.concatenate) and expr.args and self.holds_growing(
                    expr.args[0]):
                return True  # `np.stack(acc)` of a list grown in a loop
            if id(fn) in _CONTAINER_BUILTINS or fn is functools.partial or makes_gradient(fn):
                return True
            if fn in (len, sum, builtins.min, builtins.max) and expr.args:
                return any(self.might_be_static(a) for a in expr.args)
            return self.is_user_function(fn)
        return False

    def _global_static(self, expr: ast.expr):
        """A global that is a user function or a container of arrays: its static value."""
        try:
            value = self.ctx.scope.lookup(expr)
        except Exception:  # noqa: BLE001  (an undefined name: reported where it is lowered)
            return None
        if self.is_user_function(value) or _user_partial(value):
            return value
        if isinstance(value, (tuple, list, dict)) and not _numbers(value):
            return value
        if is_namedtuple(type(value)) or (dataclasses.is_dataclass(value)
                                           and not isinstance(value, type)):
            return value
        return None

    # --- values --------------------------------------------------------------

    def value(self, expr: ast.expr):
        """The static value of `expr`, or the atom holding its value."""
        if is_lowered(expr):
            return expr
        if not self.might_be_static(expr):
            return self.plain_atom(expr)
        if isinstance(expr, ast.Name):
            if self.ctx.scope.is_local(expr.id):
                value = self.binding(expr.id)
                if isinstance(value, Conflict):
                    raise self.error(expr, value.message)
                return value
            return self.from_global(expr, self._global_static(expr))
        if isinstance(expr, (ast.Tuple, ast.List)):
            items = []
            for elt in expr.elts:
                if isinstance(elt, ast.Starred):
                    items.extend(self.sequence(elt.value, elt))
                else:
                    items.append(self.value(elt))
            is_list = isinstance(expr, ast.List)
            return Seq(tuple(items), is_list, new_ident() if is_list else 0)
        if isinstance(expr, ast.Dict):
            record = Record((), (), dict, new_ident())
            for key, item in zip(expr.keys, expr.values):
                if key is None:  # `**other`
                    other = self.value(item)
                    if not isinstance(other, Record):
                        raise self.error(item, f"'**{ast.unparse(item)}' is not a dict srcgrad knows")
                    for k, v in zip(other.keys, other.items):
                        record = record.set(k, v)
                else:
                    record = record.set(self.static_key(key), self.value(item))
            return record
        if isinstance(expr, ast.Lambda):
            tree = ast.FunctionDef(name="lambda", args=expr.args, decorator_list=[],
                                   body=[ast.copy_location(ast.Return(expr.body), expr)])
            ast.copy_location(tree, expr)
            return self.nested_function(tree)
        if isinstance(expr, (ast.ListComp, ast.GeneratorExp, ast.DictComp)):
            return self.comprehension(expr)
        if isinstance(expr, ast.Subscript):
            return self.static_subscript(expr)
        if isinstance(expr, ast.Attribute):
            base = self.value(expr.value)
            if isinstance(base, Obj):
                return self.attribute_of(base, expr)
            if isinstance(base, Record) and base.kind is not dict:
                try:
                    return base.get(expr.attr)
                except KeyError:
                    raise self.error(expr, f"'{ast.unparse(expr)}': {describe(base)} has no "
                                     f"field '{expr.attr}'") from None
            if not is_static(base):  # `layers[0].T`: an array's attribute
                return self.plain_atom(ast.Attribute(lowered(base), expr.attr, ast.Load()))
            raise self.error(expr, f"'{ast.unparse(expr)}': {describe(base)} has no attribute "
                             f"'{expr.attr}' srcgrad can read")
        if isinstance(expr, ast.BinOp):
            return self.static_binop(expr)
        if isinstance(expr, ast.Call):
            return self.static_call(expr)
        if isinstance(expr, ast.Starred):
            raise self.error(expr, "a starred expression ('*x') is allowed only in a list, "
                             "a tuple or a call")
        return self.plain_atom(expr)

    def from_global(self, node: ast.expr, value):
        if self.is_user_function(value):
            return Func(getattr(value, "__name__", "fn"), fn=value)
        if (isinstance(value, types.MethodType) and isinstance(value.__self__, type)
                and self.is_user_function(value.__func__)):  # a classmethod: its class first
            fn = self.from_global(node, value.__func__)
            return dataclasses.replace(fn, args=(Obj(value.__self__), *fn.args))
        if _user_partial(value):
            inner = self.from_global(node, value.func)
            args = tuple(self.from_global(node, a) for a in value.args)
            kws = tuple((k, self.from_global(node, v)) for k, v in value.keywords.items())
            return dataclasses.replace(inner, args=inner.args + args, keywords=inner.keywords + kws)
        if isinstance(value, (tuple, list)) and not _numbers(value):
            return Seq(tuple(self.from_global(node, v) for v in value), isinstance(value, list),
                       new_ident() if isinstance(value, list) else 0)
        if isinstance(value, dict):
            return Record(tuple(value), tuple(self.from_global(node, v) for v in value.values()),
                          dict, new_ident())
        if is_namedtuple(type(value)):
            return Record(type(value)._fields, tuple(self.from_global(node, v) for v in value),
                          type(value))
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            names = tuple(f.name for f in dataclasses.fields(value))
            return Record(names, tuple(self.from_global(node, getattr(value, n)) for n in names),
                          type(value))
        return self.global_value(node, value)

    def static_key(self, node: ast.expr):
        key = self.value(node)
        if isinstance(key, ast.Constant):
            return key.value
        raise self.error(node, f"the key '{ast.unparse(node)}' must be a constant for srcgrad "
                         "to follow the dict")

    def sequence(self, expr: ast.expr, where: ast.AST) -> list:
        """The items of something iterated over when the function is read."""
        value = self.value(expr)
        if isinstance(value, Seq):
            return list(value.items)
        if isinstance(value, Record):
            return [ast.Constant(k) for k in value.keys]
        raise self.error(where, f"'{ast.unparse(expr)}' is not a list or tuple of known length")

    def static_subscript(self, expr: ast.Subscript):
        base = self.value(expr.value)
        if not is_static(base):  # an array among static values: index it
            return self.plain_atom(ast.Subscript(lowered(base), expr.slice, ast.Load()))
        if isinstance(base, Record):
            key = self.static_key(expr.slice)
            try:
                return base.get(key)
            except KeyError:
                raise self.error(expr, f"'{ast.unparse(expr)}': no key {key!r}") from None
        if isinstance(base, Growing):  # an element, or a slice of the stacked elements
            if isinstance(expr.slice, ast.Slice):
                return self.plain_atom(ast.Subscript(lowered(self.stack_of(base)), expr.slice,
                                                     ast.Load()))
            index = self.value(expr.slice)
            if is_static(index):
                raise self.error(expr, f"'{ast.unparse(expr)}': the index is {describe(index)}")
            return self.plain_atom(ast.Subscript(lowered(base.atom),
                                                 lowered(self.index_into(base, index)), ast.Load()))
        if not isinstance(base, Seq):
            raise self.error(expr, f"'{ast.unparse(expr)}': {describe(base)} cannot be indexed")
        if isinstance(expr.slice, ast.Slice):
            parts = [None if p is None else self.value(p) for p in
                     (expr.slice.lower, expr.slice.upper, expr.slice.step)]
            if not all(p is None or isinstance(p, ast.Constant) for p in parts):
                raise self.error(expr, f"'{ast.unparse(expr)}': a slice of a list needs constant "
                                 "bounds")
            bounds = slice(*[None if p is None else p.value for p in parts])
            return Seq(base.items[bounds], base.is_list, new_ident() if base.is_list else 0)
        index = self.value(expr.slice)
        if isinstance(index, ast.Constant) and isinstance(index.value, int):
            try:
                return base.items[index.value]
            except IndexError:
                if self.loops and base.is_list and base.ident:  # a list the loop may grow
                    raise ListTooShort(base.ident) from None
                raise self.error(expr, f"'{ast.unparse(expr)}': index {index.value} is out of "
                                 f"range for {describe(base)}") from None
        if is_static(index):
            raise self.error(expr, f"'{ast.unparse(expr)}': the index is {describe(index)}")
        return self.select(base, index, expr)

    def select(self, base: Seq, index: ast.expr, expr: ast.expr) -> ast.expr:
        """`base[index]` for an index known only when the function runs: a
        chain of branches, one per item (items must be single values)."""
        if not base.items and self.loops and base.is_list and base.ident:
            raise ListTooShort(base.ident)  # a list the loop grows: indexed once it is grown
        if not base.items or any(is_static(v) for v in base.items):
            raise self.error(expr, f"'{ast.unparse(expr)}': a computed index into "
                             f"{describe(base)} needs items that are numbers or arrays")
        result = self.namer.temp()
        count = len(base.items)
        wrapped = self.temp(ast.BinOp(index, ast.Mod(), ast.Constant(count)), nondiff=True)
        chain: list[ir.Stmt] = []
        for k in reversed(range(count)):
            branch = [ir.Assign(self.origin, result, base.items[k])]
            if not chain:
                chain = branch
                continue
            cond = self.namer.fresh(f"cond_{self.origin.line}")
            test = ast.Compare(wrapped, [ast.Eq()], [ast.Constant(k)])
            chain = [ir.Assign(self.origin, cond, test, nondiff=True),
                     ir.If(self.origin, cond, branch, chain)]
        self.out.extend(chain)
        return ast.Name(result, ast.Load())

    def static_binop(self, expr: ast.BinOp):
        left, right = self.value(expr.left), self.value(expr.right)
        if isinstance(left, Seq) and isinstance(right, Seq) and isinstance(expr.op, ast.Add):
            return Seq(left.items + right.items, left.is_list, new_ident() if left.is_list else 0)
        if isinstance(expr.op, ast.Mult) and (isinstance(left, Seq) or isinstance(right, Seq)):
            seq, count = (left, right) if isinstance(left, Seq) else (right, left)
            if isinstance(count, ast.Constant) and isinstance(count.value, int):
                return Seq(seq.items * count.value, seq.is_list, new_ident() if seq.is_list else 0)
        if is_static(left) or is_static(right):
            raise self.error(expr, f"'{ast.unparse(expr)}' cannot be differentiated: "
                             f"{describe(left if is_static(left) else right)} is not an array; "
                             "use np.array(...) to make one")
        return self.plain_atom(ast.BinOp(lowered(left), expr.op, lowered(right)))

    # --- what generated code receives ----------------------------------------

    def as_syntax(self, value, where: ast.AST) -> ast.expr:
        """A static list or tuple as a tuple of its atoms (nested), to pass to NumPy."""
        if isinstance(value, Seq):
            return ast.Tuple([self.as_syntax(v, where) for v in value.items], ast.Load())
        if isinstance(value, Growing):  # its elements stacked: np.array(acc), np.sum(acc)
            return self.stack_of(value)
        if is_static(value):
            raise self.error(where, f"'{ast.unparse(where)}' is {describe(value)}, which "
                             "cannot be passed here")
        return value

    def bind_static(self, target: ast.Name, value) -> None:
        """`target = value` for a static value."""
        self.home(target.id)
        self.ctx.rename[target.id] = value

    def name_target(self, target: ast.Name) -> str:
        if is_static(self.ctx.rename.get(target.id)):  # it held a list: now a value again
            self.ctx.rename[target.id] = self.home(target.id)
        return super().name_target(target)

    def home(self, name: str, ctx=None) -> ast.Name:
        """The variable of the generated code for the user's local `name`."""
        ctx = ctx or self.ctx
        if name not in ctx.home:
            current = ctx.rename.get(name)
            ctx.home[name] = (current.id if isinstance(current, ast.Name)
                              else self.namer.fresh(name))
        return ast.Name(ctx.home[name], ast.Load())

    def leaf_name(self, name: str, path: tuple, ctx=None) -> str:
        """The variable that holds the element at `path` of the value of `name`."""
        ctx = ctx or self.ctx
        key = (name, path)
        if key not in ctx.leaves:
            label = re.sub(r"\W", "_", "_".join(str(p) for p in path))
            ctx.leaves[key] = self.namer.fresh(f"{self.home(name, ctx).id}_{label}")
        return ctx.leaves[key]

    def nested_function(self, tree: ast.FunctionDef) -> Func:
        defaults = {}
        a = tree.args
        positional = a.posonlyargs + a.args
        for param, default in zip(positional[len(positional) - len(a.defaults):], a.defaults):
            defaults[param.arg] = self.value(default)
        for param, default in zip(a.kwonlyargs, a.kw_defaults):
            if default is not None:
                defaults[param.arg] = self.value(default)
        return Func(tree.name, tree=tree, home=self.ctx, defaults=defaults)

    def call_function(self, fn, args, keywords, call: ast.Call) -> list:
        raise NotImplementedError  # inlining.FunctionLowering

    def comprehension(self, expr):
        raise NotImplementedError  # iteration.IterationLowering

    def accumulated_sum(self, gen, start) -> ast.expr:
        raise NotImplementedError  # iteration.IterationLowering

    def iterate(self, expr: ast.expr, where: ast.AST) -> list:
        raise NotImplementedError  # iteration.IterationLowering


def _classmethod_of_user(lowering, fn) -> bool:
    return (isinstance(fn, types.MethodType) and isinstance(fn.__self__, type)
            and lowering.is_user_function(fn.__func__))


def _numbers(value) -> bool:
    if isinstance(value, (tuple, list)):
        return all(_numbers(v) for v in value)
    return isinstance(value, (bool, int, float, np.generic)) and np.ndim(value) == 0


def _user_partial(value) -> bool:
    return isinstance(value, functools.partial)

