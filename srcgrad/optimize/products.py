"""A matrix's cotangent from a matrix-vector product, added in place.

The reverse of `y = W @ x` adds the outer product of `y`'s cotangent and `x`
into `W`'s: `bW += dot_grad_left(by, W, x)`.  In a loop (a recurrent
network's step, a Kalman filter's update, an ODE's linear part) that makes
a matrix for the outer product in every pass and then adds it into `bW`: a
heap allocation and three passes over a matrix where the product itself
made one.  Here, for code Numba compiles, such an update is
`add_dot_grad_left(bW, by, W, x)`, which adds `by[i] * x[j]` into `bW[i, j]`
in place (`runtime/linalg.py`); `x @ W`'s `dot_grad_right` likewise.

Which updates: `t += dot_grad_left(dy, a, b)` with `a` a matrix and `b` and
`dy` vectors (or `dot_grad_right` with `a` and `dy` vectors, `b` a matrix),
where `t` is a matrix the adjoint made that no other name can hold, so that
adding into it element by element changes nothing the product reads.
Derivatives of higher order read the `+=` form.
"""

from __future__ import annotations

import ast

from .. import ir, runtime
from .accumulators import unshared_arrays
from .ranks import Ranks

__all__ = ["outer_products_in_place"]

# the product's cotangent -> (the helper that adds it in place, the positions of
# the vector and the matrix among (dy, a, b))
_IN_PLACE = {runtime.dot_grad_left: ("add_dot_grad_left", 2, 1),
             runtime.dot_grad_right: ("add_dot_grad_right", 1, 2)}


def outer_products_in_place(body: list[ir.Stmt], ranks: Ranks) -> set[str]:
    """Rewrite `body` in place (see the module's docstring); the helpers now
    called."""
    used: set[str] = set()
    own = None
    for block in ir.all_blocks(body):
        for k, stmt in enumerate(block):
            if not (type(stmt) is ir.Accumulate and isinstance(stmt.target, ast.Name)
                    and isinstance(stmt.value, ast.Call) and len(stmt.value.args) == 3
                    and not stmt.value.keywords):
                continue
            found = _IN_PLACE.get(ranks.callee(stmt.value))
            if found is None:
                continue
            helper, vector, matrix = found
            args = stmt.value.args
            total = stmt.target.id
            if [ranks.array_ndim(e) for e in (stmt.target, args[0], args[vector], args[matrix])] \
                    != [2, 1, 1, 2]:
                continue
            if own is None:
                own = unshared_arrays(body, ranks, in_place=True)
            if total not in own:
                continue
            block[k] = ir.ExprStmt(stmt.origin, ast.Call(
                ast.Name(helper, ast.Load()), [ast.Name(total, ast.Load()), *args], []))
            used.add(helper)
    return used
