"""Reads of a tuple temporary's elements, made reads of the elements themselves.

The lowering keeps a tuple in a temporary where an expansion gives one
(`np.linalg.slogdet(a)` is `(slogdet_sign(a), logabsdet(a))`) or where an
expression indexes a tuple it builds (`(x * 2, y)[0]`), and reads its
elements by constant subscripts (`s, l = ...` is `s = t[0]; l = t[1]`).
The reverse sweep keeps no tuple of cotangents (the activity analysis
refuses a differentiable tuple held in a variable), so each such read
becomes a copy of the element it names: `t[1]` → `_t2`.

Only temporaries take part, the tuple and its elements alike: each is
assigned once, before anything reads it in the lowering of one statement,
so `t[k]` always holds what the element holds.  A tuple kept in a user's
variable is left as it is (and refused, where it is differentiable).

Guarantees to the next stage (aliasing, activity): no statement reads an
element of a tuple temporary whose elements are temporaries or constants
through a constant subscript; the tuple, which nothing reads any more,
reaches no result, and the cleanup drops it.
"""

from __future__ import annotations

import ast
from collections import Counter

from .. import ir
from ..ir.markers import SUBSCRIPT, TUPLE
from ..ir.parts import clone

__all__ = ["fold_tuple_reads"]


def fold_tuple_reads(fn: ir.Function) -> None:
    assigned = Counter(s.target for s in ir.walk(fn.body) if isinstance(s, ir.Assign))

    def once(node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return True
        return isinstance(node, ast.Name) and node.id in fn.temps and assigned[node.id] == 1

    tuples = {s.target: s.value.elts for s in ir.walk(fn.body)
              if isinstance(s, ir.Assign) and s.primitive is TUPLE and once(ast.Name(s.target))
              and all(once(e) for e in s.value.elts)}
    for stmt in ir.walk(fn.body):
        if not (isinstance(stmt, ir.Assign) and stmt.primitive is SUBSCRIPT):
            continue
        value = stmt.value
        if not (isinstance(value.value, ast.Name) and value.value.id in tuples):
            continue
        index = value.slice
        elts = tuples[value.value.id]
        if isinstance(index, ast.Constant) and type(index.value) is int and (
                -len(elts) <= index.value < len(elts)):
            stmt.value = clone(elts[index.value])
            stmt.primitive = None
