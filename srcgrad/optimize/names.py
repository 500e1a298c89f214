"""Names of temporaries derived from what they hold, as a person would name them.

`derive_names(body, temps)` reads the adjoint body before cleanup (where every
three-address temporary still has its one definition) and returns, for the
temporaries it can name, a short name built from their expression, as
Tangent's `naming.py` does: `x_i` for `x[i]`, `sin_x` for `np.sin(x)`,
`x_times_w` for `x * w`, `neg_z` for `-z`, with the names of the temporaries
an expression reads in turn.  A temporary whose expression would give a name
longer than `MAX_LENGTH`, or one with a number that is not a whole one in it,
keeps its old name.

`rename_temporaries(body, returns, bases, adjoints, namer)` then renames, in
the final body, each temporary still there to a fresh name from `namer`
(so never one in use: a user's name, a helper's, another temporary's) and
the adjoint of a temporary to `b` + that name (`bx_i`; `b_x_times_w`).  It changes no value.
"""

from __future__ import annotations

import ast
import math

from .. import ir
from ..ir.naming import Namer

__all__ = ["derive_names", "rename_temporaries", "rename_names", "adjoint_name", "MAX_LENGTH"]

MAX_LENGTH = 16
_WORDS = {"plus", "minus", "times", "over", "pow", "dot", "div", "mod", "neg"}
_OPERATORS = {ast.Add: "plus", ast.Sub: "minus", ast.Mult: "times", ast.Div: "over",
              ast.Pow: "pow", ast.MatMult: "dot", ast.FloorDiv: "div", ast.Mod: "mod"}


# `max_by(a, b, decided)` is `max(a, b)` (adjoint/decisions.py)
_DECIDED = {"max_by": "max", "min_by": "min"}


def derive_names(body: list[ir.Stmt], temps: set[str]) -> dict[str, str]:
    """For each temporary it can name: the name its expression suggests."""
    definitions: dict[str, list[ast.expr]] = {}
    for stmt in ir.walk(body):
        for name in ir.defined_names(stmt) if not ir.blocks(stmt) else ():
            if name in temps:
                value = stmt.value if isinstance(stmt, ir.Assign) else None
                definitions.setdefault(name, []).append(value)
    bases: dict[str, str] = {}
    nameless: set[str] = set()  # temporaries already found to have no name
    naming: set[str] = set()

    def of_temp(name: str) -> str | None:
        if name in bases:
            return bases[name]
        if name in nameless:
            return None
        values = definitions.get(name, [])
        if not values or None in values or name in naming or len(
                {ast.unparse(v) for v in values}) != 1:  # one expression (recomputed alike)
            return None
        naming.add(name)
        base = _describe(values[0], temps, of_temp)
        naming.discard(name)
        if base is not None and len(base) <= MAX_LENGTH and base.isidentifier() \
                and "__" not in base:
            bases[name] = base
            return base
        nameless.add(name)
        return None

    for name in definitions:  # in the order of the code: a chain is named link by link
        of_temp(name)
    return bases


def _describe(node: ast.expr, temps: set[str], of_temp) -> str | None:
    """The words for an expression, or None."""

    def words(n: ast.expr) -> str | None:
        if isinstance(n, ast.Name):
            return of_temp(n.id) if n.id in temps else n.id
        if isinstance(n, ast.Constant):
            value = n.value
            if type(value) in (int, float) and 0 <= value < math.inf and value == int(value):
                return str(int(value))
            return None
        if isinstance(n, ast.Subscript):
            indices = n.slice.elts if isinstance(n.slice, ast.Tuple) else [n.slice]
            parts = [words(n.value)] + [words(i) for i in indices]
            return None if None in parts else "_".join(parts)
        if isinstance(n, ast.Attribute):
            value = words(n.value)
            return None if value is None else f"{value}_{n.attr}"
        if isinstance(n, ast.BinOp) and type(n.op) in _OPERATORS:
            left, right = words(n.left), words(n.right)
            if left is None or right is None:
                return None
            return f"{left}_{_OPERATORS[type(n.op)]}_{right}"
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            operand = words(n.operand)
            return None if operand is None else f"neg_{operand}"
        if isinstance(n, ast.Call) and not n.keywords:
            func = n.func.id if isinstance(n.func, ast.Name) else (
                n.func.attr if isinstance(n.func, ast.Attribute) else None)
            args = n.args
            if func in _DECIDED and len(args) == 3:  # `max(a, b)`, its comparison kept
                func, args = _DECIDED[func], args[:2]
            parts = [func] + [words(a) for a in args]
            return None if None in parts else "_".join(parts)
        return None

    return words(node)


def rename_temporaries(body: list[ir.Stmt], returns: ast.expr, bases: dict[str, str],
                       adjoints: set[str], namer: Namer, prefix: str = "b",
                       also: list[ir.Stmt] = (), lanes: dict[str, list[str]] | None = None
                       ) -> ast.expr:
    """Rename the temporaries of `bases` (and their adjoints `b` + name, of
    `adjoints`; tangents `d` + name in forward mode, `prefix`) that `body`
    still uses; returns `returns` renamed.  `also`: another form of `body`
    (using no other temporaries), renamed alike.  `lanes`: a tangent's
    copies in vector forward mode (`tangent/lanes.py`), renamed with it
    (`d_t3_0`, `d_t3_1` -> `dsin_x_0`, `dsin_x_1`)."""
    lanes = lanes or {}
    used = set()
    for stmt in ir.walk(body):
        used |= ir.defined_names(stmt) | ir.used_names(stmt)
        if isinstance(stmt, ir.Accumulate):
            used |= ir.names_in(stmt.target)
    used |= ir.names_in(returns)
    namer.taken |= used  # whatever made them, no new name is one of them
    mapping: dict[str, str] = {}
    for temp in sorted(bases, key=_number):
        adjoint = prefix + temp
        copies = lanes.get(adjoint, [adjoint])
        live = [c for c in copies if c in used and c in adjoints]
        if temp not in used and not live:
            continue
        new = namer.fresh(bases[temp])
        if temp in used:
            mapping[temp] = new
        if live:
            name = adjoint_name(new, prefix)
            for j, copy in enumerate(copies):
                if copy in live:
                    mapping[copy] = namer.fresh(name if len(copies) == 1 else f"{name}_{j}")
    if not mapping:
        return returns
    for stmt in [*ir.walk(body), *ir.walk(also)]:
        _rename(stmt, mapping)
    return _Rename(mapping).visit(returns)


def rename_names(node: ast.expr, mapping: dict[str, str]) -> ast.expr:
    """`node` with the names of `mapping` renamed (in place where it can)."""
    return _Rename(mapping).visit(node)


def adjoint_name(name: str, prefix: str = "b") -> str:
    """`bx_i` for `x_i`; `b_x_times_w` for `x_times_w`, which `bx_times_w`
    would misread as a product (`dx_i`, `d_x_times_w` for tangents)."""
    words = name.split("_")
    compound = any(w in _WORDS for w in words)
    return (prefix + "_" if compound else prefix) + name


def _number(temp: str) -> tuple[int, str]:
    digits = "".join(c for c in temp if c.isdigit())
    return (int(digits) if digits else 0, temp)


class _Rename(ast.NodeTransformer):
    def __init__(self, mapping: dict[str, str]):
        self.mapping = mapping

    def visit_Name(self, node: ast.Name) -> ast.Name:
        new = self.mapping.get(node.id)
        return node if new is None else ast.Name(new, node.ctx)


def _rename(stmt: ir.Stmt, mapping: dict[str, str]) -> None:
    rename = _Rename(mapping)
    for field in ("value", "index", "target", "start", "stop", "step", "test"):
        node = getattr(stmt, field, None)
        if isinstance(node, ast.expr):
            setattr(stmt, field, rename.visit(node))
    if isinstance(stmt, ir.Assign):
        stmt.target = mapping.get(stmt.target, stmt.target)
    if isinstance(stmt, ir.Store):
        stmt.array = mapping.get(stmt.array, stmt.array)
    if isinstance(stmt, ir.If):
        stmt.test = mapping.get(stmt.test, stmt.test)
    if isinstance(stmt, ir.For):
        stmt.var = mapping.get(stmt.var, stmt.var)
        if stmt.ascending:
            var, start, stop, step = stmt.ascending
            stmt.ascending = (mapping.get(var, var), rename.visit(start), rename.visit(stop),
                              rename.visit(step))
    if isinstance(stmt, ir.ExitLoop):
        stmt.flags = [mapping.get(f, f) for f in stmt.flags]
