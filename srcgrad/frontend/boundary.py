"""The function's boundary: containers of arrays as parameters and as results.

A parameter that the first call passed a container (`ir/trees.py`) is a
static value (`frontend/values.py`) whose elements are parameters of their
own (`params_layers_0_0`): `tree_value`.  A result that is a container (a
dict of outputs, a list, a named tuple) is flattened into outputs, one per
element, with its structure kept for the gradient function to rebuild it
and to read `grad_ys` by: `outputs`.  With `has_aux`, the function returns
`(value, aux)`: `value`'s elements are the outputs, `aux`'s are returned
beside them and not differentiated.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .. import ir
from ..ir.trees import Attributes, Tree
from .iteration import IterationLowering
from .values import Obj, Record, Seq, describe, is_static, leaves, new_ident

__all__ = ["BoundaryLowering", "Outputs"]


@dataclass
class Outputs:
    results: list[str]  # the differentiated outputs, flattened
    trees: list  # per value the function returns: its Tree, or None for one array
    single: bool  # one value returned (`return y`), not a tuple of them
    aux: list[str] = field(default_factory=list)  # has_aux: the aux value, flattened
    aux_tree: Tree | None = None


class BoundaryLowering(IterationLowering):
    """Containers at the function's boundary (see the module's docstring)."""

    def tree_value(self, structure, name: str, leaves: list[str]):
        """A parameter's container as a static value whose elements are new
        parameters (`params_W`), appended to `leaves`."""
        items = []
        for key, child in zip(structure.keys, structure.children):
            label = f"{name}_{key}" if str(key).isidentifier() or isinstance(key, int) else (
                f"{name}_item")
            if child is None:
                leaf = self.namer.fresh(label)
                leaves.append(leaf)
                items.append(ast.Name(leaf, ast.Load()))
            else:
                items.append(self.tree_value(child, label, leaves))
        if isinstance(structure.kind, Attributes):  # wrt="self": the method's object
            return Obj(structure.kind.obj, tuple(zip(structure.keys, items)))
        if structure.kind in ("tuple", "list"):
            return Seq(tuple(items), structure.kind == "list",
                       new_ident() if structure.kind == "list" else 0)
        kind = dict if structure.kind == "dict" else structure.kind
        return Record(tuple(structure.keys), tuple(items), kind,
                      0 if hasattr(kind, "_fields") else new_ident())

    def outputs(self, body: list[ir.Stmt], values: list, tree: ast.FunctionDef) -> Outputs:
        single = self.single_result(tree)
        if len(values) == 1 and isinstance(values[0], Seq) and not values[0].is_list and (
                self.has_aux or not single):
            values, single = list(values[0].items), False  # `out = (y, aux); return out`
        aux_value = None
        if self.has_aux:
            if len(values) != 2:
                raise self.error(tree, f"has_aux=True: '{tree.name}' must return (value, aux)")
            values, aux_value, single = values[:1], values[1], True
        trees = [_tree(v) for v in values]
        results = [name for v in values for name in self._names(body, v)]
        out = Outputs(results, trees, single)
        if aux_value is not None:
            out.aux, out.aux_tree = self._names(body, aux_value), _tree(aux_value)
        return out

    def _names(self, body: list[ir.Stmt], value) -> list[str]:
        """The variables holding the elements of a returned value."""
        if is_static(value) and not isinstance(value, (Seq, Record)):
            raise self.error(self.ctx.src.tree, f"'{self.ctx.src.name}' returns "
                             f"{describe(value)}, which is not a number or an array")
        atoms = [atom for _, atom in leaves(value)] if is_static(value) else [value]
        names = []
        for atom in atoms:
            if isinstance(atom, str):
                names.append(atom)
            elif isinstance(atom, ast.Name):
                names.append(atom.id)
            else:  # a constant
                name = self.namer.temp()
                body.append(ir.Assign(self.origin, name, atom))
                names.append(name)
        return names


def _tree(value) -> Tree | None:
    if isinstance(value, Seq):
        return Tree("list" if value.is_list else "tuple", tuple(range(len(value.items))),
                    tuple(_tree(v) for v in value.items))
    if isinstance(value, Record):
        kind = "dict" if value.kind is dict else value.kind
        return Tree(kind, tuple(value.keys), tuple(_tree(v) for v in value.items))
    return None
