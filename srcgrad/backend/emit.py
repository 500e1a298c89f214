"""IR → Python source text, the adjoint as the user reads it and Numba compiles it.

Each run of statements that comes from one line of the user's code is headed
by a comment naming that line (`# model.py:12: y = x * w`, or
`# grad of model.py:12: ...` in the reverse sweep).  Expressions are printed
by `ast.unparse`, so the text is valid Python for every version we support.
"""

from __future__ import annotations

import ast
import copy
import math

from .. import ir
from ..cells import short_place

__all__ = ["emit_function", "emit_block"]

INDENT = "    "


def emit_function(name: str, params: list[str], body: list[ir.Stmt], returns: ast.expr,
                  header: list[str] = ()) -> str:
    lines = list(header)
    lines.append(f"def {name}({', '.join(params)}):")
    lines.extend(emit_block(body, 1))
    lines.append(f"{INDENT}return {unparse(returns)}")
    return "\n".join(lines) + "\n"


def emit_block(body: list[ir.Stmt], depth: int, heading: ir.Origin | None = None) -> list[str]:
    """The lines of `body`; `heading` is the origin of the compound statement
    that holds it, whose comment already stands above."""
    lines: list[str] = []
    last = heading
    pad = INDENT * depth
    for stmt in body:
        if stmt.origin != last:
            lines.append(pad + _comment(stmt.origin))
            last = stmt.origin
        lines.extend(_statement(stmt, depth))
    if not lines:
        lines.append(pad + "pass")
    return lines


def _comment(origin: ir.Origin) -> str:
    where = f"{short_place(origin.file)}:{origin.line}"
    prefix = "grad of " if origin.grad else ""
    return f"# {prefix}{where}: {origin.text}" if origin.text else f"# {prefix}{where}"


class _Parenthesize(ast.NodeTransformer):
    """Negative numbers as unary minus, which `ast.unparse` parenthesizes where
    precedence needs it: it prints `Constant(-0.5) ** 2` as `-0.5 ** 2`, which
    Python reads as `-(0.5 ** 2)`."""

    def visit_Constant(self, node: ast.Constant) -> ast.expr:
        if _negative(node.value):
            return ast.UnaryOp(ast.USub(), ast.Constant(-node.value))
        return node


def unparse(node: ast.AST) -> str:
    if any(type(n) is ast.Constant and _negative(n.value) for n in ast.walk(node)):
        node = _Parenthesize().visit(copy.deepcopy(node))  # (the IR's own nodes unchanged)
    return ast.unparse(node)


def _negative(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and (
        value < 0 or (value == 0 and math.copysign(1.0, value) < 0))


def _statement(stmt: ir.Stmt, depth: int) -> list[str]:
    pad = INDENT * depth
    origin = stmt.origin
    if isinstance(stmt, ir.Assign):
        grown = _list_operation(stmt)
        if grown is not None:
            return [pad + line for line in grown]
        return [pad + unparse(ast.Assign([ast.Name(stmt.target, ast.Store())], stmt.value,
                                             lineno=0))]
    if isinstance(stmt, ir.Store):
        target = ast.Subscript(ast.Name(stmt.array, ast.Load()), stmt.index, ast.Store())
        return [pad + unparse(ast.Assign([target], stmt.value, lineno=0))]
    if isinstance(stmt, ir.Accumulate):
        value, op = stmt.value, ast.Add()
        if isinstance(value, ast.Constant) and type(value.value) is int and value.value < 0:
            value, op = ast.Constant(-value.value), ast.Sub()  # `top -= 1`
        return [pad + unparse(ast.AugAssign(stmt.target, op, value))]
    if isinstance(stmt, ir.Raise):
        return [f"{pad}raise {unparse(stmt.value)}"]
    if isinstance(stmt, ir.ExprStmt):
        return [pad + unparse(stmt.value)]
    if isinstance(stmt, ir.If):
        if not stmt.body:
            return [f"{pad}if not {stmt.test}:", *emit_block(stmt.orelse, depth + 1, origin)]
        lines = [f"{pad}if {stmt.test}:", *emit_block(stmt.body, depth + 1, origin)]
        if stmt.orelse:
            lines += [f"{pad}else:", *emit_block(stmt.orelse, depth + 1, origin)]
        return lines
    if isinstance(stmt, ir.For):
        return [f"{pad}for {stmt.var} in {unparse(range_call(stmt))}:",
                *emit_block(stmt.body, depth + 1, origin)]
    if isinstance(stmt, ir.While):
        return [f"{pad}while {unparse(stmt.test)}:", *emit_block(stmt.body, depth + 1, origin)]
    if isinstance(stmt, ir.ExitLoop):
        if not stmt.flags:
            return [f"{pad}break"]
        return [f"{pad}if {' or '.join(stmt.flags)}:", f"{pad}{INDENT}break"]
    raise TypeError(f"cannot print {stmt!r}")


def _list_operation(stmt: ir.Assign) -> list[str] | None:
    """A list grown in a loop (`srcgrad.runtime.lists`), as the user wrote it:
    `acc = []` and `acc.append(v)`, which Numba types together (an empty
    list's element type is that of its first append in the same function)."""
    call = stmt.value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
        return None
    if call.func.id == "new_list" and not call.args:
        return [f"{stmt.target} = []"]
    if call.func.id == "list_append" and isinstance(call.args[0], ast.Name):
        acc = call.args[0].id
        lines = [f"{acc}.append({unparse(call.args[1])})"]
        return lines if acc == stmt.target else [*lines, f"{stmt.target} = {acc}"]
    return None


def range_call(loop: ir.For) -> ast.Call:
    """`range(...)` with the default start and step left out."""
    args = [loop.start, loop.stop, loop.step]
    if _is_const(loop.step, 1):
        args.pop()
        if _is_const(loop.start, 0):
            args.pop(0)
    return ast.Call(ast.Name("range", ast.Load()), args, [])


def _is_const(node: ast.expr, value: int) -> bool:
    return isinstance(node, ast.Constant) and node.value == value and type(node.value) is int
