"""`max(a, b)` and `min(a, b)` of numbers: the reverse sweep reads a byte, not the numbers.

The rule of `m = max(m, x[i])` needs only which operand won, and whether
they tied (where the cotangent is shared evenly, as JAX shares it).  Where
the code overwrites an operand (a running maximum in a loop, an element
relaxed in place: `d[i, j] = min(d[i, j], d[i, k] + d[k, j])`, Floyd and
Warshall's), the reverse sweep had the operands saved, or every overwritten
element restored, eight bytes each, only to compare them again.

Before the adjoint is built (compiled CPU code, `backend/pipeline.py`),
each such call whose value has a derivative becomes a comparison and a pick:

    m_order = order(x_i, m)        # 2: x_i > m, 1: equal, 0: otherwise (a nan)
    m = max_by(m, x_i, m_order)    # max(m, x_i): x_i where m_order is 2, else m

Same values (Python's `max` keeps its first operand unless the second is
greater), and `max_by`'s rule reads `m_order` alone (`rules/binary.py`): a
byte, which the reverse sweep computes again where the operands still hold
their values (`saving._cheap`) and otherwise pops from a stack of bytes
(`optimize/stacks.py`); operands that nothing else reads are then neither
saved nor restored.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable

from .. import ir, runtime
from ..ir.naming import Namer
from ..ir.parts import clone
from .syntax import call

__all__ = ["decide_extremes", "decided_extreme"]

# builtin -> (its decided form, whether the comparison is of the second operand to the first)
_DECIDED = {builtins.max: (runtime.max_by, True), builtins.min: (runtime.min_by, False)}


def decide_extremes(fn: ir.Function, active: Callable[[str], bool], namer: Namer) -> bool:
    """Rewrite `fn`'s calls of the builtins `max` and `min` of two operands
    whose value is `active`, as above; whether any was."""
    changed = False
    for block in list(ir.all_blocks(fn.body)):
        out: list[ir.Stmt] = []
        for k, stmt in enumerate(block):
            decided = _decided(stmt) if isinstance(stmt, ir.Assign) else None
            if decided is not None and active(stmt.target):
                picks, second_first = decided
                x1, x2 = stmt.value.args
                order = namer.fresh(f"{_named(stmt.target, block[k + 1:], fn.temps)}_order")
                compared = (x2, x1) if second_first else (x1, x2)
                out.append(ir.Assign(stmt.origin, order, call("order", *map(clone, compared)),
                                     primitive=runtime.order, nondiff=True))
                stmt.value = call(picks.__name__, x1, x2, ast.Name(order, ast.Load()))
                stmt.primitive = picks
                changed = True
            out.append(stmt)
        block[:] = out
    return changed


def _decided(stmt: ir.Assign):
    """The decided form of `stmt`'s call, where it is one of two operands."""
    value = stmt.value
    try:
        decided = _DECIDED.get(stmt.primitive)
    except TypeError:  # an unhashable callable
        return None
    if decided is None or not isinstance(value, ast.Call) or value.keywords \
            or len(value.args) != 2 or any(isinstance(a, ast.Starred) for a in value.args):
        return None
    return decided


def _named(target: str, after: list[ir.Stmt], temps: set[str]) -> str:
    """What to name the comparison of the call that assigns `target` after:
    the variable or array the value goes to (`m = _t3`, `d[i, j] = _t5`: `m`,
    `d`), else `target` itself where it is no temporary."""
    if target not in temps:
        return target
    if after and isinstance(getattr(after[0], "value", None), ast.Name) \
            and after[0].value.id == target:
        if isinstance(after[0], ir.Assign) and after[0].target not in temps:
            return after[0].target
        if isinstance(after[0], ir.Store) and after[0].array not in temps:
            return after[0].array
    return "extreme"


def decided_extreme(stmt: ir.Stmt) -> bool:
    """Whether `stmt` is a `max` or `min` that `decide_extremes` rewrote."""
    return isinstance(stmt, ir.Assign) and any(stmt.primitive is picks
                                               for picks, _ in _DECIDED.values())
