"""Calls that make or change static values (`frontend/values.py`).

`StaticCallLowering` lowers, for `containers.ContainerLowering` which
builds on it: `len`, `sum`, `min`/`max` of a known list; `list()`,
`tuple()`, `dict()`, `zip`, `enumerate`, `reversed` of known items; named
tuple and dataclass constructors; `functools.partial`; the user's
functions (inlined, see `inlining.py`); and the methods of known lists and
dicts (`append`, `extend`, `insert`, `pop`, `copy`, `keys`, `values`,
`items`, `get`, `update`).  A change to a list or dict is seen through every
name that shares it (`change`).
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import functools
import types

import numpy as np

from .growing import GrowingLowering
from .values import (
    Func,
    Growing,
    Record,
    Seq,
    describe,
    is_namedtuple,
    is_static,
    lowered,
    makes_gradient,
    new_ident,
    with_ident,
)

__all__ = ["StaticCallLowering", "StaticMethod"]


@dataclasses.dataclass(frozen=True)
class StaticMethod:
    """`acc.append` and the like: a method of a static list or dict."""

    receiver: ast.expr
    name: str


class StaticCallLowering(GrowingLowering):
    """Calls on static values (see the module's docstring); `value`,
    `sequence`, `iterate`, `static_key` and `call_function` come from the
    classes built on it."""

    # --- calls -----------------------------------------------------------------

    def static_call(self, call: ast.Call):
        fn, args, keywords = self.resolve_call(call)
        if (isinstance(fn, types.MethodType) and isinstance(fn.__self__, type)
                and self.is_user_function(fn.__func__)):  # a classmethod: its class first
            fn = self.from_global(call, fn)
        if isinstance(fn, StaticMethod):
            return self.static_method(fn, args, keywords, call)
        if isinstance(fn, Func) or self.is_user_function(fn):
            results = self.call_function(fn, args, keywords, call)
            return results[0] if len(results) == 1 else Seq(tuple(results))
        if fn is len and len(args) == 1:
            value = self.value(args[0])
            if isinstance(value, (Seq, Record)):
                return ast.Constant(len(value.items))
            if isinstance(value, Growing):
                return self.length_of(value)
            return self.plain_atom(ast.Call(call.func, [lowered(value)], []))
        if makes_gradient(fn):
            return self.gradient_value(fn, args, keywords, call)
        if fn is functools.partial:
            inner = self.value(args[0])
            if not isinstance(inner, Func):
                raise self.error(call, "functools.partial of something srcgrad cannot inline")
            bound = tuple(self.value(a) for a in args[1:])
            kws = tuple((k.arg, self.value(k.value)) for k in keywords)
            return dataclasses.replace(inner, args=inner.args + bound,
                                       keywords=inner.keywords + kws)
        if fn in (np.array, np.asarray, np.stack) and len(args) == 1 and not keywords and (
                self.holds_growing(args[0])):
            return self.stack_of(self.value(args[0]))  # a new array already
        if fn is np.concatenate and args and self.holds_growing(args[0]):
            return self.growing_concatenate(args, keywords, call)
        if fn in (sum, builtins.min, builtins.max) and args and self.holds_growing(args[0]):
            return self.growing_reduction(fn, args, call)
        if fn is sum:
            if isinstance(args[0], (ast.GeneratorExp, ast.ListComp)) and self.static_items(
                    args[0].generators[0].iter) is None:
                start = self.atom(args[1]) if len(args) > 1 else ast.Constant(0)
                return self.accumulated_sum(args[0], start)
            items = self.sequence(args[0], call)
            total = self.value(args[1]) if len(args) > 1 else ast.Constant(0)
            for item in items:
                total = self.plain_atom(ast.BinOp(lowered(total), ast.Add(), lowered(item)))
            return total
        if fn in (builtins.min, builtins.max) and len(args) == 1:
            items = self.sequence(args[0], call)
            return self.plain_atom(ast.Call(call.func, [lowered(v) for v in items], []))
        if fn in (list, tuple):
            items = tuple(self.iterate(args[0], call)) if args else ()
            return Seq(items, fn is list, new_ident() if fn is list else 0)
        if fn is dict:
            record = Record((), (), dict, new_ident())
            if args:
                for pair in self.iterate(args[0], call):
                    if not (isinstance(pair, Seq) and len(pair.items) == 2):
                        raise self.error(call, "dict() of something other than key, value pairs")
                    record = record.set(self.constant_of(pair.items[0], call), pair.items[1])
            for k in keywords:
                record = record.set(k.arg, self.value(k.value))
            return record
        if fn in (zip, enumerate, reversed):
            return Seq(tuple(self.iterate(call, call)))
        if isinstance(fn, type) and (is_namedtuple(fn) or dataclasses.is_dataclass(fn)):
            return self.construct(fn, args, keywords, call)
        return self.library_call(call)

    def gradient_value(self, make, args, keywords, call: ast.Call) -> Func:
        """`sg.grad(V, wrt=...)` inside the differentiated function: the gradient
        function, made now (of a function of the user's module, with constant
        options), to be inlined where it is called."""
        target = self.value(args[0]) if len(args) == 1 else None
        if not (isinstance(target, Func) and target.fn is not None and not target.args):
            raise self.error(call, f"'{ast.unparse(call)}': srcgrad differentiates a gradient "
                             "made inside the function of a function defined at module level")
        options = {}
        for k in keywords:
            value = self.value(k.value)
            if isinstance(value, Seq) and all(isinstance(v, ast.Constant) for v in value.items):
                value = tuple(v.value for v in value.items)
            elif isinstance(value, ast.Constant):
                value = value.value
            else:
                raise self.error(call, f"'{ast.unparse(call)}': the option '{k.arg}' must be a "
                                 "constant")
            options[k.arg] = value
        options.setdefault("target", "python")
        return Func(f"{target.name}_grad", fn=make(target.fn, **options))

    def constant_of(self, value, where: ast.AST):
        if isinstance(value, ast.Constant):
            return value.value
        raise self.error(where, "a dict key must be a constant")

    def construct(self, cls: type, args, keywords, call: ast.Call) -> Record:
        names = cls._fields if is_namedtuple(cls) else tuple(
            f.name for f in dataclasses.fields(cls) if f.init)
        values = dict(zip(names, (self.value(a) for a in args)))
        for k in keywords:
            values[k.arg] = self.value(k.value)
        missing = [n for n in names if n not in values]
        defaults = getattr(cls, "_field_defaults", {}) if is_namedtuple(cls) else {
            f.name: f.default for f in dataclasses.fields(cls)
            if f.default is not dataclasses.MISSING}
        for name in missing:
            if name not in defaults:
                raise self.error(call, f"{cls.__name__}() is missing '{name}'")
            values[name] = self.global_value(call, defaults[name])
        return Record(names, tuple(values[n] for n in names), cls,
                      0 if is_namedtuple(cls) else new_ident())

    def static_method(self, method: StaticMethod, args, keywords, call: ast.Call):
        base = self.value(method.receiver)
        name = method.name
        if isinstance(base, Growing):
            if keywords:
                raise self.error(call, f"'.{name}()' takes no keywords here")
            return self.growing_method(base, name, args, call)
        if isinstance(base, Record) and base.kind is dict:
            if name == "keys":
                return Seq(tuple(ast.Constant(k) for k in base.keys))
            if name == "values":
                return Seq(base.items)
            if name == "items":
                return Seq(tuple(Seq((ast.Constant(k), v)) for k, v in zip(base.keys, base.items)))
            if name == "get":
                key = self.static_key(args[0])
                if key in base.keys:
                    return base.get(key)
                return self.value(args[1]) if len(args) > 1 else ast.Constant(None)
            if name == "copy":
                return dataclasses.replace(base, ident=new_ident())
            if name == "update" and len(args) == 1:
                other = self.value(args[0])
                for k, v in zip(other.keys, other.items):
                    base = base.set(k, v)
                self.change(method.receiver, base)
                return ast.Constant(None)
        if isinstance(base, Seq):
            items = list(base.items)
            if name == "copy":
                return Seq(tuple(items), True, new_ident())
            if name in ("append", "extend", "insert", "pop") and not base.is_list:
                raise self.error(call, f"a tuple has no '.{name}()'")
            if name == "append" and len(args) == 1:
                items.append(self.value(args[0]))
            elif name == "extend" and len(args) == 1:
                items.extend(self.sequence(args[0], call))
            elif name == "insert" and len(args) == 2:
                items.insert(self.constant_of(self.value(args[0]), call), self.value(args[1]))
            elif name == "pop" and len(args) <= 1:
                where = self.constant_of(self.value(args[0]), call) if args else -1
                if not items:
                    raise self.error(call, "pop from an empty list")
                popped = items.pop(where)
                self.change(method.receiver, Seq(tuple(items), True, base.ident))
                return popped
            else:
                raise self.error(call, f"the list method '.{name}()' cannot be differentiated")
            self.change(method.receiver, Seq(tuple(items), True, base.ident))
            return ast.Constant(None)
        raise self.error(call, f"'{ast.unparse(call.func)}()' on {describe(base)} cannot be "
                         "differentiated")

    def change(self, target: ast.expr, new) -> None:
        """The list or dict `target` now holds `new`: so do all names that share it."""
        if not isinstance(target, ast.Name) or not self.ctx.scope.is_local(target.id):
            if isinstance(target, (ast.Subscript, ast.Attribute)):
                old = self.value(target)
                if getattr(old, "ident", 0):
                    self.share(old.ident, new)
                    return
            raise self.error(target, f"'{ast.unparse(target)}' is changed in place; srcgrad "
                             "follows such changes on local lists and dicts")
        old = self.binding(target.id)
        if getattr(old, "ident", 0):
            self.share(old.ident, new)
        else:
            self.ctx.rename[target.id] = new

    def share(self, ident: int, new) -> None:
        ctx = self.ctx
        while ctx is not None:
            for name, value in list(ctx.rename.items()):
                if is_static(value):
                    ctx.rename[name] = with_ident(value, ident, new)
            ctx = ctx.caller

