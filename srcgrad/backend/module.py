"""A generated module's text: its header, its import lines, its functions.

A module holds the function srcgrad was asked for (an adjoint, a tangent
function) and, where the user's code recurses, the functions its recursive
calls call (`ir/recursion.py`): each printed on its own (`Printed`, by
`print_function`), then put together under one header whose import lines
cover them all (`module_text`).  `generate_functions` works off a module's
`Recursion` plan: the requests for recursive functions, which generating
one of them may add to, until none is left.

Guarantees to `pipeline.py` and `tangent/build.py`: the text is a module of
top-level functions, the asked-for one first, each headed by a comment; the
import lines are grouped as isort groups them (`math`, `numpy`, srcgrad's
helpers) and import exactly the helpers some function reads.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from .. import ir, runtime
from ..ir.parts import expressions
from ..ir.recursion import Recursion, Request
from .emit import emit_function

__all__ = ["Printed", "print_function", "module_text", "import_lines", "used_names",
           "generate_functions"]


@dataclass
class Printed:
    """One function of a generated module, as text."""

    name: str
    text: str
    used: set[str]  # the names it reads (for the import lines)
    helpers: dict[str, object]  # the globals it may import by name
    # where the compiled text keeps stacks in arrays (optimize/stacks.py): the
    # same function with lists as stacks, which a derivative of higher order reads
    list_text: str | None = None
    list_used: set[str] | None = None
    lanes: int = 0  # the rows form of an adjoint: its lanes (adjoint/lanes.py); 0: not that form
    length: int = 0  # ... and its result's length where the code fixes it; 0: not known


def print_function(name: str, params: list[str], body: list[ir.Stmt], returns: ast.expr,
                   helpers: dict[str, object], listed: list[ir.Stmt] | None = None,
                   comment: tuple[str, ...] = ()) -> Printed:
    """`def name(params): body; return returns` (headed by `comment`'s lines);
    `listed`: its body with lists as stacks, where that differs."""
    text = emit_function(name, params, body, returns, list(comment))
    printed = Printed(name, text, used_names(body, returns), helpers)
    if listed:
        printed.list_text = emit_function(name, params, listed, returns, list(comment))
        printed.list_used = used_names(listed, returns)
    return printed


def module_text(header: list[str], functions: list[Printed], lists: bool = False) -> str:
    """The module of `functions` under the comment lines `header`; with
    `lists`, each function's text with lists as stacks where it has one."""
    helpers: dict[str, object] = {}
    used: set[str] = set()
    texts = []
    for f in functions:
        listed = lists and f.list_text is not None
        helpers.update(f.helpers)
        used |= f.list_used if listed else f.used
        texts.append(f.list_text if listed else f.text)
    lines = [*header, *import_lines(helpers, used), "", ""]
    return "\n".join(lines) + "\n" + "\n\n".join(texts)


def used_names(body: list[ir.Stmt], returns: ast.expr) -> set[str]:
    used = set()
    for stmt in ir.walk(body):
        for node in expressions(stmt):
            used |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    return used | {n.id for n in ast.walk(returns) if isinstance(n, ast.Name)}


def import_lines(helpers: dict[str, object], used: set[str]) -> list[str]:
    """The import lines of the `helpers` that generated code reads (`used`),
    grouped as isort groups them: `math`, then `numpy`, then srcgrad's helpers."""
    by_module: dict[str, list[str]] = {}
    for name, obj in sorted(helpers.items()):
        if name in used and getattr(obj, "__module__", None):
            if getattr(obj, "__name__", name) == name:
                by_module.setdefault(_import_module(name, obj), []).append(name)
    groups = [["import math"] if "math" in used else [],
              ["import numpy as np"] if "np" in used else [],
              [_import_line(module, sorted(names)) for module, names in sorted(by_module.items())]]
    lines: list[str] = []
    for group in filter(None, groups):
        lines += ["", *group] if lines else group
    return lines


def _import_line(module: str, names: list[str], width: int = 99) -> str:
    """`from module import a, b`, wrapped in parentheses as black and isort
    wrap it where it would pass `width` characters."""
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= width:
        return line
    rows, row = [], "   "
    for name in names:
        if len(row) + len(name) + 2 > width:
            rows.append(row)
            row = "   "
        row += f" {name},"
    return "\n".join([f"from {module} import (", *rows, row, ")"])


def _import_module(name: str, obj: object) -> str:
    """Where the generated module imports a helper from: `srcgrad.runtime`,
    the one namespace of run-time helpers, for whatever it exports."""
    return "srcgrad.runtime" if getattr(runtime, name, None) is obj else obj.__module__


def generate_functions(plan: Recursion, main: Printed,
                       build: dict[str, Callable[[Request], Printed]]) -> list[Printed]:
    """The recursive functions `plan` asks for, each printed by `build[kind]`,
    in the order they were asked for (building one may ask for more: a vjp
    asks for its own, with respect to the arguments active in its calls),
    but those that neither `main` nor another one kept calls (a primal whose
    every call the tangent sweep replaced with a call of the jvp)."""
    printed = []
    while (request := plan.next_request()) is not None:
        printed.append(build[request.kind](request))
    kept, reads = set(), set(main.used) | set(main.list_used or ())
    while True:
        new = {f.name for f in printed if f.name in reads} - kept
        if not new:
            return [f for f in printed if f.name in kept]
        kept |= new
        for f in printed:
            if f.name in new:
                reads |= f.used | (f.list_used or set())
