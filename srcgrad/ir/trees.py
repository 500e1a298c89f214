"""Containers of arrays as arguments (JAX's pytrees): their structure and leaves.

A parameter that a call passes a dict, named tuple, dataclass, or a tuple
or list holding arrays or other containers is a tree: the gradient function
is generated for its structure (`Tree`), flattened at the call into its
leaves (arrays and numbers, in a fixed order), and a gradient with respect
to it comes back in the same structure, as `jax.grad` gives it.  A flat
tuple or list of numbers stays what srcgrad has always read it as: one array.

A later call whose container has another structure is refused, naming the
parameter and both structures (the gradient was built for the first).

A bound method's object differentiated with `wrt="self"` is a tree of kind
`Attributes`: its leaves are the attributes that hold floating-point arrays,
floats or containers of them (`object_tree`); its gradient is an object of
the same class holding a gradient in each of those attributes and nothing
else (as Equinox gives a module's gradient as a module).
"""

from __future__ import annotations

import dataclasses
import functools
import types
from typing import Any

import numpy as np

__all__ = ["Tree", "Attributes", "tree_of", "object_tree", "is_tree", "flatten", "unflatten"]


@dataclasses.dataclass(frozen=True)
class Attributes:
    """The kind of a bound method's object read as a tree: its class (the
    object itself rides along, for the attributes that stay constants)."""

    cls: type
    obj: Any = dataclasses.field(compare=False, hash=False, repr=False)

    @property
    def __name__(self) -> str:
        return self.cls.__name__


@dataclasses.dataclass(frozen=True)
class Tree:
    """A container's structure: `kind` is "tuple", "list", "dict", or the
    named tuple or dataclass type; `keys` its keys or field names."""

    kind: Any
    keys: tuple
    children: tuple  # a Tree, or None for a leaf

    def describe(self) -> str:
        kind = self.kind if isinstance(self.kind, str) else self.kind.__name__
        inner = ", ".join(f"{k}: {c.describe() if c else 'leaf'}" if not isinstance(k, int)
                          else (c.describe() if c else "leaf") for k, c in
                          zip(self.keys, self.children))
        return f"{kind}({inner})"


def _numbers(value) -> bool:
    return isinstance(value, (bool, int, float, complex, np.number, np.bool_))


def is_tree(value) -> bool:
    if isinstance(value, dict) or dataclasses.is_dataclass(value) and not isinstance(value, type):
        return True
    if isinstance(value, tuple) and hasattr(type(value), "_fields"):
        return True
    if isinstance(value, (tuple, list)):
        return not all(_numbers(v) for v in value)
    return False


def tree_of(value) -> Tree | None:
    """The structure of `value`, or None for a leaf."""
    if not is_tree(value):
        return None
    if isinstance(value, dict):
        keys = tuple(value)
        return Tree("dict", keys, tuple(tree_of(value[k]) for k in keys))
    if dataclasses.is_dataclass(value):
        keys = tuple(f.name for f in dataclasses.fields(value))
        return Tree(type(value), keys, tuple(tree_of(getattr(value, k)) for k in keys))
    if hasattr(type(value), "_fields"):
        return Tree(type(value), tuple(value._fields), tuple(tree_of(v) for v in value))
    kind = "list" if isinstance(value, list) else "tuple"
    return Tree(kind, tuple(range(len(value))), tuple(tree_of(v) for v in value))


def _plain_object(value) -> bool:
    """An instance of a user's class (a model's layer), not a container,
    array, number, function, class or module."""
    return (hasattr(value, "__dict__") and not is_tree(value)
            and not isinstance(value, (type, types.ModuleType, types.FunctionType,
                                       types.MethodType, functools.partial, np.ndarray)))


_CONSTANT = object()  # an attribute that object_tree leaves out: a constant


def _part(value):
    """The tree of a part of a method's object: None for a leaf (a
    floating-point array or a float), _CONSTANT where it holds anything else."""
    if isinstance(value, np.ndarray):
        return None if value.dtype.kind == "f" else _CONSTANT
    if isinstance(value, (float, np.floating)):
        return None
    if _plain_object(value):
        tree = object_tree(value)
        return tree if tree.keys else _CONSTANT
    if not is_tree(value):
        return _CONSTANT
    structure = tree_of(value)
    children = tuple(_part(v) for v in _children(structure, value))
    if any(c is _CONSTANT for c in children):
        return _CONSTANT
    return dataclasses.replace(structure, children=children)


def object_tree(obj) -> Tree:
    """The tree of a bound method's object: its attributes that hold
    floating-point arrays, floats, objects with such attributes, or
    containers of only those, in the order `vars(obj)` lists them."""
    parts = {k: _part(v) for k, v in vars(obj).items()}
    keys = tuple(k for k, part in parts.items() if part is not _CONSTANT)
    return Tree(Attributes(type(obj), obj), keys, tuple(parts[k] for k in keys))


def _children(tree: Tree, value) -> list:
    if isinstance(tree.kind, Attributes):
        return [getattr(value, k) for k in tree.keys]
    if tree.kind == "dict":
        return [value[k] for k in tree.keys]
    if dataclasses.is_dataclass(tree.kind):
        return [getattr(value, k) for k in tree.keys]
    return list(value)


def flatten(tree: Tree | None, value) -> list:
    if tree is None:
        return [value]
    return [leaf for child, v in zip(tree.children, _children(tree, value))
            for leaf in flatten(child, v)]


def unflatten(tree: Tree | None, leaves: list):
    """The container of structure `tree` holding `leaves` (consumed in order)."""
    if tree is None:
        return leaves.pop(0)
    values = [unflatten(child, leaves) for child in tree.children]
    if tree.kind == "dict":
        return dict(zip(tree.keys, values))
    if isinstance(tree.kind, Attributes):
        gradient = object.__new__(tree.kind.cls)
        vars(gradient).update(zip(tree.keys, values))
        return gradient
    if tree.kind == "list":
        return values
    if tree.kind == "tuple":
        return tuple(values)
    if dataclasses.is_dataclass(tree.kind):
        return tree.kind(**dict(zip(tree.keys, values)))
    return tree.kind(*values)
