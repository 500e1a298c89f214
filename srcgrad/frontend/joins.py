"""Where paths join: static values (`frontend/values.py`) after branches and loops.

A branch may rebind a name that holds a list, or change the list; after
the branch, the name must hold a value of one form whichever path ran.
`snapshot` records the bindings of every context being lowered, `restore`
puts them back, and `merge` makes one binding of the ends of several paths:
elements that differ between paths are copied, at the end of each path,
into one variable per element (`acc_0`), as SSA's phi would be.  A name
whose forms differ becomes a `Conflict`, an error only if it is read.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from .. import ir
from .values import (
    Conflict,
    Func,
    Record,
    Seq,
    describe,
    is_static,
    leaves,
    new_ident,
    rebuild,
    same_form,
    with_ident,
)

__all__ = ["snapshot", "restore", "merge", "canonical_form", "close_loop", "ShapeChange",
           "touched", "shape_message"]


class ShapeChange(Exception):
    """A loop body changes the form of a static value (`acc.append(v)`)."""

    def __init__(self, name: str, before, after):
        super().__init__(name)
        self.name, self.before, self.after = name, before, after


def _chain(lowering):
    ctx = lowering.ctx
    while ctx is not None:
        yield ctx
        ctx = ctx.caller


def snapshot(lowering) -> list[tuple[object, dict]]:
    return [(ctx, dict(ctx.rename)) for ctx in _chain(lowering)]


def restore(state) -> None:
    for ctx, rename in state:
        ctx.rename.clear()
        ctx.rename.update(rename)


def _same_atom(a, b) -> bool:
    if isinstance(a, ast.Name) and isinstance(b, ast.Name):
        return a.id == b.id
    if isinstance(a, ast.Constant) and isinstance(b, ast.Constant):
        return type(a.value) is type(b.value) and a.value == b.value
    return a is b


def merge(lowering, states: list, outs: list[list[ir.Stmt]], origin: ir.Origin) -> None:
    """Bind each name to one value for the join of the paths that ended in
    `states` (their statements `outs` get the copies)."""
    for k, (ctx, _) in enumerate(states[0]):
        ends = [state[k][1] for state in states]
        merged = {}
        for name in ends[0]:
            values = [end.get(name) for end in ends]
            first = values[0]
            if all(v is first for v in values) or all(
                    not is_static(v) and _same_atom(v, first) for v in values):
                merged[name] = first
                continue
            if is_static(first) and all(same_form(v, first) for v in values):
                merged[name] = _phi(lowering, ctx, name, values, outs, origin)
                continue
            if is_static(first) and all(same_form(v, first, identity=False) for v in values) and (
                    not _shared(ends, name, values)):
                # different lists of one form, each known to this name alone
                merged[name] = _fresh(_phi(lowering, ctx, name, values, outs, origin))
                continue
            forms = " and ".join(sorted({describe(v) for v in values}))
            merged[name] = Conflict(
                f"'{name}' holds {forms} on different paths that join at line {origin.line}; "
                "srcgrad follows lists, tuples and dicts whose form is known when it reads "
                "the function: give the name one form on every path")
        ctx.rename.clear()
        ctx.rename.update(merged)


def _idents(value) -> set[int]:
    if isinstance(value, (Seq, Record)):
        own = {value.ident} if value.ident else set()
        return own.union(*(_idents(v) for v in value.items))
    return set()


def _shared(ends: list[dict], name: str, values: list) -> bool:
    """Whether another name holds one of the lists or dicts of `values`."""
    mine = set().union(*(_idents(v) for v in values))
    return any(mine & _idents(v) for end in ends for other, v in end.items() if other != name)


def _fresh(value):
    """`value` with new identities for its lists and dicts."""
    if isinstance(value, (Seq, Record)):
        items = tuple(_fresh(v) for v in value.items)
        return replace(value, items=items, ident=new_ident() if value.ident else 0)
    return value


def _phi(lowering, ctx, name: str, values: list, outs, origin):
    paths = [dict(leaves(v)) for v in values]

    def atom_of(path, atom):
        atoms = [p[path] for p in paths]
        if all(_same_atom(a, atoms[0]) for a in atoms):
            return atom
        leaf = lowering.leaf_name(name, path, ctx)
        for out, a in zip(outs, atoms):
            if not (isinstance(a, ast.Name) and a.id == leaf):
                out.append(ir.Assign(origin, leaf, a))
        return ast.Name(leaf, ast.Load())

    return rebuild(values[0], atom_of)


def canonical_form(lowering, names, origin: ir.Origin) -> dict:
    """Give each static value held by `names` (that a loop body may change)
    one variable per element, copying what is not there yet; returns the
    forms the body must end with."""
    forms = {}
    for name in sorted(names):
        value = lowering.ctx.rename.get(name)
        if not is_static(value) or isinstance(value, (Func, Conflict)):
            continue

        def atom_of(path, atom, name=name):
            leaf = lowering.leaf_name(name, path)
            if not (isinstance(atom, ast.Name) and atom.id == leaf):
                lowering.emit(ir.Assign(origin, leaf, atom))
            return ast.Name(leaf, ast.Load())

        canonical = rebuild(value, atom_of)
        _rebind(lowering, name, value, canonical)
        forms[name] = canonical
    return forms


def close_loop(lowering, forms: dict, origin: ir.Origin) -> None:
    """At the end of a loop body: each value must have its form at the
    start; elements that changed are copied back into their variables."""
    for name, canonical in forms.items():
        value = lowering.ctx.rename.get(name)
        if not same_form(value, canonical):
            raise ShapeChange(name, canonical, value)
        start = dict(leaves(canonical))
        for path, atom in leaves(value):
            leaf = start[path]
            if not _same_atom(atom, leaf):
                lowering.emit(ir.Assign(origin, leaf.id, atom))
        _rebind(lowering, name, value, canonical)


def _rebind(lowering, name: str, old, new) -> None:
    ident = getattr(old, "ident", 0)
    if ident:
        for ctx in _chain(lowering):
            for key, value in list(ctx.rename.items()):
                if is_static(value):
                    ctx.rename[key] = with_ident(value, ident, new)
    lowering.ctx.rename[name] = new


def touched(loop: ast.For | ast.While) -> set[str]:
    """Names whose static value a loop body may change: those it assigns,
    changes through a method or a subscript, or passes to a call."""
    names = set()
    for node in ast.walk(loop):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Call):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.Name):
                    names.add(arg.id)
            if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
                names.add(node.func.value.id)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            base = node.value
            while isinstance(base, ast.Subscript):
                base = base.value
            if isinstance(base, ast.Name):
                names.add(base.id)
    return names


def shape_message(change: ShapeChange, line: int) -> str:
    return (f"'{change.name}' is {describe(change.before)} when the loop at line {line} starts "
            f"a pass and {describe(change.after)} when it ends one; srcgrad follows lists whose "
            "length is known when it reads the function: loop over a constant range, or fill "
            "an array made with np.zeros(n)")
