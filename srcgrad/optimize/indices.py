"""Indices the compiler is told are never negative, for code Numba compiles.

Numba reads `a[i]` as Python does, `a[i + n]` where `i < 0`: each load and
store through a signed index that LLVM cannot prove non-negative computes
the wrapped address, and a loop LLVM would vectorise with plain vector loads
and stores gathers and scatters its elements one at a time instead.  LLVM
proves it for a loop that counts up from 0, the function's own loops, but
not for the reverse sweep's, which count down, nor for a stack's top, a
counter carried from pass to pass.  Measured on fpu_verlet's reverse loops
(a load of two arrays and a stack, a sum): 3.5 ns an element, 0.24 with the
fact given; a loop that pushes a value each pass: 0.50 ns against 0.18.

`nonneg_index(i)` (`runtime/indices.py`) is `i`, and tells LLVM that
`i >= 0`.  It is written only where that holds by construction:

    for i in range(n - 1, -1, -1):              for i in range(n - 1, -1, -1):
        i = nonneg_index(i)                         (as before)
        b = bv[i]                                   b = bv[i]
        y_top -= 1                                  y_top -= 1
        y = y_stack[nonneg_index(y_top)]            y = y_stack[y_top]

- at every load and store of a stack of numbers (`optimize/stacks.py`) at its
  top: a value is popped only after it was pushed;
- as the first statement of a loop that counts down, where its body indexes
  with its variable and its stop is known to be -1 or more: each of its
  values is above the stop.  Known: an integer constant, the variable of a
  loop around it whose values are known to be no less than some constant
  (one counting up from such a start, or down to such a stop), plus or
  minus a constant (`range(n - 1, i, -1)`, the reverse of `range(i + 1, n)`
  in a triangular solve, inside `range(n - 1, -1, -1)`), and a name set
  from `max(...)` of such a value (`j_stop = max(k, -1)`, where a loop is
  cut at one pass: `optimize/accumulators.py`) that nothing assigns again
  before the loop, nor in a loop around both.

Other indices are left as they are: an index computed from the variable
(`bx[i - 1]`) may be -1, and wraps around as Python's does.
"""

from __future__ import annotations

import ast

from .. import ir
from ..ir.parts import expression_slots, expressions, own_definitions
from .stacks import split_constant

__all__ = ["nonnegative_indices"]


def nonnegative_indices(body: list[ir.Stmt], tops: dict[str, str]) -> bool:
    """Rewrite `body` in place (see the module's docstring); `tops`: each
    array stack's name and the name of its top.  Whether it changed."""
    changed = False
    for stmt in ir.walk(body):
        if (isinstance(stmt, ir.Store) and isinstance(stmt.index, ast.Name)
                and tops.get(stmt.array) == stmt.index.id):
            stmt.index = _said(stmt.index.id)
            changed = True
        for owner, name in expression_slots(stmt):
            changed |= _stack_reads(getattr(owner, name), tops)
    return _loops(body, {}) or changed


def _loops(block: list[ir.Stmt], known: dict[str, int]) -> bool:
    """Say so first in each loop of `block` that counts down to 0 or above
    and indexes with its variable; `known`: the names whose values have a
    known least value where `block` starts, with it (the variables of the
    loops around it, and names set from `max(..., c)`)."""
    changed = False
    known = dict(known)
    for stmt in block:
        defined = ir.defined_names(stmt)
        if isinstance(stmt, ir.For):
            inner = {name: low for name, low in known.items()
                     if name not in defined}  # a later pass may differ
            low = _least_value(stmt, known)
            if low is not None and not _assigned_in(stmt.body, stmt.var):
                inner[stmt.var] = low
                if low >= 0 and _integer(stmt.step) < 0 and _indexes_with(stmt.body, stmt.var):
                    stmt.body.insert(0, ir.Assign(stmt.origin, stmt.var, _said(stmt.var)))
                    changed = True
            changed |= _loops(stmt.body, inner)
        else:
            nested_known = {name: low for name, low in known.items()
                            if name not in defined} if isinstance(stmt, ir.While) else known
            for nested in ir.blocks(stmt):
                changed |= _loops(nested, nested_known)
        if _says_nonnegative(stmt):
            continue  # `i = nonneg_index(i)`: the same value
        low = _least_of_max(stmt, known)
        for name in defined:
            known.pop(name, None)
        if low is not None:
            known[stmt.target] = low
    return changed


def _arguments_of(stmt: ir.Stmt, function: str) -> list[ast.expr] | None:
    """The arguments of `stmt`, where it is `name = function(...)` with no
    keywords; else None."""
    value = getattr(stmt, "value", None)
    if (type(stmt) is ir.Assign and isinstance(value, ast.Call) and not value.keywords
            and isinstance(value.func, ast.Name) and value.func.id == function):
        return value.args
    return None


def _says_nonnegative(stmt: ir.Stmt) -> bool:
    """Whether `stmt` is `i = nonneg_index(i)`."""
    args = _arguments_of(stmt, "nonneg_index")
    return args is not None and len(args) == 1 and isinstance(args[0], ast.Name) \
        and args[0].id == stmt.target


def _least_of_max(stmt: ir.Stmt, known: dict[str, int]) -> int | None:
    """A least value of what `stmt` assigns, where it is `name = max(a, b, ...)`
    and some argument has one (`j_stop = max(k, -1)`)."""
    lows = [low for low in (_at_least(arg, known) for arg in _arguments_of(stmt, "max") or [])
            if low is not None]
    return max(lows) if lows else None


def _least_value(loop: ir.For, known: dict[str, int]) -> int | None:
    """A least value of `loop`'s variable, from a constant step and the
    least value of the bound it starts from (counting up) or stops above
    (counting down); None where there is none to tell."""
    step = _integer(loop.step)
    if step is None or step == 0:
        return None
    if step > 0:
        return _at_least(loop.start, known)
    stop = _at_least(loop.stop, known)
    return None if stop is None else stop + 1


def _at_least(node: ast.expr, known: dict[str, int]) -> int | None:
    """A least value of `node`: an integer constant, a variable of `known`,
    or one of those plus or minus an integer constant; else None."""
    base, constant = split_constant(node)
    if base is None:
        return constant
    if isinstance(base, ast.Name) and base.id in known:
        return known[base.id] + constant
    return None


def _assigned_in(body: list[ir.Stmt], var: str) -> bool:
    return any(var in own_definitions(stmt) for stmt in ir.walk(body))


def _said(name: str) -> ast.Call:
    """`nonneg_index(name)`."""
    return ast.Call(ast.Name("nonneg_index", ast.Load()), [ast.Name(name, ast.Load())], [])


def _stack_reads(expr: ast.expr, tops: dict[str, str]) -> bool:
    """`stack[top]` inside `expr` made `stack[nonneg_index(top)]`; whether any was."""
    changed = False
    for node in ast.walk(expr):
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                and isinstance(node.slice, ast.Name)
                and tops.get(node.value.id) == node.slice.id):
            node.slice = _said(node.slice.id)
            changed = True
    return changed


def _integer(node: ast.expr) -> int | None:
    """The value of an integer constant (`-1` included), else None."""
    base, constant = split_constant(node)
    return constant if base is None else None


def _indexes_with(body: list[ir.Stmt], var: str) -> bool:
    """Whether an index in `body` is `var` itself or holds it as one of its
    parts (`bv[i]`, `A[i, j]`)."""
    for stmt in ir.walk(body):
        if isinstance(stmt, ir.Store) and _holds(stmt.index, var):
            return True
        for expr in expressions(stmt):
            for node in ast.walk(expr):
                if isinstance(node, ast.Subscript) and _holds(node.slice, var):
                    return True
    return False


def _holds(index: ast.expr, var: str) -> bool:
    """Whether `index` is `var` or a tuple with `var` as one of its parts."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    return any(isinstance(p, ast.Name) and p.id == var for p in parts)
