"""Containers of arrays as arguments (JAX's pytrees): their structure and leaves.

A parameter that a call passes a dict, named tuple, dataclass, or a tuple
or list holding arrays or other containers is a tree: the gradient function
is generated for its structure (`Tree`), flattened at the call into its
leaves (arrays and numbers, in a fixed order), and a gradient with respect
to it comes back in the same structure, as `jax.grad` gives it.  A flat
tuple or list of numbers stays what srcgrad has always read it as: one array.

A later call whose container has another structure is refused, naming the
parameter and both structures (the gradient was built for the first).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

__all__ = ["Tree", "tree_of", "is_tree", "flatten", "unflatten"]


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


def _children(tree: Tree, value) -> list:
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
    if tree.kind == "list":
        return values
    if tree.kind == "tuple":
        return tuple(values)
    if dataclasses.is_dataclass(tree.kind):
        return tree.kind(**dict(zip(tree.keys, values)))
    return tree.kind(*values)
