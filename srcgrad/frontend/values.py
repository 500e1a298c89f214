"""Python values that live only while srcgrad transforms the function.

Lists, tuples and dicts whose length and keys are known when the function
is read, and functions used as values (a nested `def`, a `lambda`, a user's
function passed as an argument, `functools.partial`), are not variables of
the generated code: the lowering keeps them itself, as JAX's tracer keeps
Python containers, and the generated code sees only their elements, each an
IR atom (a name or a constant).

    acc = [x[0], 2 * x[1]]     acc_0 = x[0]... the list is (`_t1`, `_t2`)
    acc.append(y)              → ... and now (`_t1`, `_t2`, `y`)
    s = acc[1] + len(acc)      → s = _t2 + 3

A `Seq` is a list or tuple, a `Record` a dict, named tuple or dataclass, a
`Func` a function value.  Lists and dicts are mutable and may be shared by
several names: they carry an identity (`ident`), and a change through one
name is seen through the others.

Where control flow joins (after an `if`, at the end of a loop body), each
name must hold a value of the same form on every path; elements that differ
are copied into one variable per element (`acc_0`), as SSA's phi would.
"""

from __future__ import annotations

import ast
import itertools
import types
from dataclasses import dataclass, field, replace

__all__ = ["Seq", "Record", "Func", "Obj", "Growing", "Conflict", "Static", "is_static", "leaves", "same_form",
           "rebuild", "describe", "new_ident", "with_ident", "lowered", "is_lowered",
           "is_namedtuple", "is_gradient", "is_derived", "is_tangent_function",
           "makes_gradient"]

_idents = itertools.count(1)


def new_ident() -> int:
    return next(_idents)


@dataclass(frozen=True)
class Seq:
    """A list or tuple: its items are atoms or other static values."""

    items: tuple
    is_list: bool = False
    ident: int = 0  # a list's identity (0 for a tuple)


@dataclass(frozen=True)
class Record:
    """A dict (keys of any constant kind), named tuple or dataclass (field names)."""

    keys: tuple
    items: tuple
    kind: object = dict  # dict, or the named tuple or dataclass type
    ident: int = 0  # a dict's identity

    def get(self, key):
        for k, v in zip(self.keys, self.items):
            if type(k) is type(key) and k == key:
                return v
        raise KeyError(key)

    def set(self, key, value) -> Record:
        if key in self.keys:
            items = tuple(value if k == key else v for k, v in zip(self.keys, self.items))
            return replace(self, items=items)
        return replace(self, keys=(*self.keys, key), items=(*self.items, value))


@dataclass(frozen=True, eq=False)
class Func:
    """A function used as a value: the user's function `fn`, or a nested
    `def`/`lambda` (`tree`, defined in the lowering context `home`, whose
    variables it reads when called, as a closure does), with the arguments
    `functools.partial` bound."""

    name: str
    fn: types.FunctionType | None = None
    tree: ast.FunctionDef | None = None
    home: object = None  # the expressions.Context of a nested def
    defaults: dict = field(default_factory=dict)  # a nested def's defaults, lowered
    args: tuple = ()
    keywords: tuple = ()  # (name, value) pairs


@dataclass(frozen=True, eq=False)
class Obj:
    """The object a bound method was taken from (`model` in `sg.grad(model.loss)`):
    its attributes are read as globals are, constants of the gradient, except
    those in `fields` (with `wrt="self"`: the attributes that are parameters
    of the gradient, as (name, value) pairs)."""

    value: object
    fields: tuple = ()


@dataclass(frozen=True, eq=False)
class Growing:
    """A list that grows in a loop whose number of passes is known only when
    the function runs: one variable of the generated code (`atom`), a list
    there (`srcgrad/runtime/lists.py`).  Every name that shares the list
    holds this same object."""

    atom: ast.Name


@dataclass(frozen=True, eq=False)
class Conflict:
    """A name that holds values of different forms on the paths that join
    here: an error if it is read."""

    message: str


Static = (Seq, Record, Func, Obj, Conflict, Growing)


def is_static(value) -> bool:
    return isinstance(value, Static)


def leaves(value) -> list[tuple[tuple, ast.expr]]:
    """(path, atom) of each element, depth first."""
    if isinstance(value, (Seq, Record)):
        keys = value.keys if isinstance(value, Record) else range(len(value.items))
        return [((k, *path), atom) for k, item in zip(keys, value.items)
                for path, atom in leaves(item)]
    if isinstance(value, (Func, Obj, Conflict, Growing)):
        return []
    return [((), value)]


def same_form(a, b, identity: bool = True) -> bool:
    """Whether two values have the same structure (elements may differ), and
    (with `identity`) are the same lists and dicts."""
    if isinstance(a, Seq) and isinstance(b, Seq):
        return (a.is_list == b.is_list and (a.ident == b.ident or not identity)
                and len(a.items) == len(b.items)
                and all(same_form(x, y, identity) for x, y in zip(a.items, b.items)))
    if isinstance(a, Record) and isinstance(b, Record):
        return (a.kind is b.kind and a.keys == b.keys and (a.ident == b.ident or not identity)
                and all(same_form(x, y, identity) for x, y in zip(a.items, b.items)))
    if isinstance(a, (Func, Obj, Conflict, Growing)) or isinstance(b, (Func, Obj, Conflict, Growing)):
        return a is b
    return not is_static(a) and not is_static(b)


def rebuild(value, atom_of):
    """`value` with each element atom replaced by `atom_of(path, atom)`."""
    def walk(v, path):
        if isinstance(v, (Seq, Record)):
            keys = v.keys if isinstance(v, Record) else range(len(v.items))
            return replace(v, items=tuple(walk(item, (*path, k)) for k, item in zip(keys, v.items)))
        if isinstance(v, (Func, Obj, Conflict, Growing)):
            return v
        return atom_of(path, v)
    return walk(value, ())


def with_ident(value, ident: int, new):
    """`value` with every list or dict of identity `ident` inside it replaced by `new`."""
    if isinstance(value, (Seq, Record)):
        if value.ident == ident and ident:
            return new
        return replace(value, items=tuple(with_ident(v, ident, new) for v in value.items))
    return value


def describe(value) -> str:
    if isinstance(value, Seq):
        kind = "list" if value.is_list else "tuple"
        return f"a {kind} of {len(value.items)}"
    if isinstance(value, Record):
        if value.kind is dict:
            return f"a dict with keys {list(value.keys)}"
        return f"a {getattr(value.kind, '__name__', 'record')}"
    if isinstance(value, Func):
        return f"the function '{value.name}'"
    if isinstance(value, Obj):
        return f"the object {type(value.value).__name__}"
    if isinstance(value, Growing):
        return "a list that grows in a loop"
    return "a value"


_MARK = "srcgrad_lowered"


def lowered(atom: ast.expr) -> ast.expr:
    """`atom` (already lowered) marked so that the lowering takes it as it is."""
    node = ast.Name(atom.id, ast.Load()) if isinstance(atom, ast.Name) else ast.Constant(atom.value)
    setattr(node, _MARK, True)
    return node


def is_lowered(node: ast.AST) -> bool:
    return getattr(node, _MARK, False)


def is_namedtuple(cls) -> bool:
    return isinstance(cls, type) and issubclass(cls, tuple) and hasattr(cls, "_fields")


def makes_gradient(fn) -> bool:
    """Whether `fn` is `sg.grad` or `sg.value_and_grad` (called inside the
    differentiated function, it makes a gradient function to inline)."""
    return getattr(fn, "__module__", "") == "srcgrad.api.gradient" and getattr(
        fn, "__name__", "") in ("grad", "value_and_grad")


def is_derived(fn) -> bool:
    """Whether `fn` is one of srcgrad's derivatives built on generated
    functions (`api.derived.Derived`: jvp, jacobian, hvp, hessian)."""
    return (hasattr(fn, "inline_function") and type(fn).__module__.startswith("srcgrad.api.")
            and callable(getattr(fn, "inlined", None)))


def is_tangent_function(fn) -> bool:
    """Whether `fn` is one of srcgrad's tangent functions (`api.tangent.TangentFunction`)."""
    return type(fn).__name__ == "TangentFunction" and type(fn).__module__.startswith("srcgrad.")


def is_gradient(fn) -> bool:
    """Whether `fn` is one of srcgrad's gradient functions (`api.gradient.GradFunction`)."""
    return type(fn).__name__ == "GradFunction" and type(fn).__module__.startswith("srcgrad.")
