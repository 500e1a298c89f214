"""`np.linalg.norm` of every order: the lowering writes each order other
than the 2-norm and the Frobenius norm (whose rule is in `linalg`) as
registered operations, so most are differentiable to any order.

Vectors (`axis` an int, or None for a vector): `p` a number: `sum(|x|**p)
**(1/p)` (negative `p` too); 1: `sum(|x|)`; inf, -inf: `max(|x|)`,
`min(|x|)`; 0: the count of nonzero entries (`count_nonzero_norm`, a
constant: its derivative is 0 wherever it has one).

Matrices (`axis` a pair, or None for a matrix), over the pair's axes:
1, -1: the largest (smallest) sum of `|x|` down a column; inf, -inf: the
largest (smallest) sum along a row.  Without `axis`, 1, inf and -inf go
through `matrix_view`, which makes a vector a column, whose orders 1, inf
and -inf are the vector's: one formula for both ranks.  2, -2, 'nuc': the
largest, smallest and sum of the singular values (`singular_values`),
whose cotangent `U diag(g) V^T` (`singular_values_grad`) holds for distinct
singular values; at ties it is the subgradient of LAPACK's basis.  Those
three are differentiable once: the second derivative is refused (the SVD's
own derivative has no rule).  Forward mode moves them by `u_i' dA v_i`
(`singular_values_jvp`, the transpose, no rule either).  Without `axis`
the orders 2, -2 and -1 (whose vector and matrix meanings differ) are read
as a vector's (a matrix is refused with a hint to pass `axis=(0, 1)`),
'nuc' as a matrix's.

Kinks, as NumPy-based autograd and JAX: the norm of a zero vector has a
zero cotangent (the rule of `linalg`); `|x|` at 0 has derivative 1 (the
rule of `np.abs`, JAX's `select(x >= 0, 1, -1)`); a tie of the largest (smallest) entry of an inf-norm or
of the column (row) sums of a matrix 1- or inf-norm shares the cotangent
equally among the tied entries (the rule of `np.max`/`np.min`).

Refused: `ord`, `axis` or `keepdims` not written as constants (`ord=-np.inf`
written in the call is an expression, computed at run time: a global or
enclosing name bound to `-np.inf` is a constant), `ord=0` and
other numbers `p` of a matrix (NumPy has none), strings other than 'fro'
and 'nuc'.
"""

from __future__ import annotations

import ast
import math

import numpy as np

from ..runtime import (
    count_nonzero_norm,
    kept_shape,
    matrix_view,
    operand_of_rank,
    reshape_grad,
    singular_values,
    singular_values_grad,
    singular_values_jvp,
    sum_to,
    vector_operand,
)
from ..runtime.norms import NORM_ORDERS
from .registry import Refused, adjoint, expand, nondifferentiable
from .tangents import linear, tangent


@adjoint(singular_values)
def singular_values_adjoint(g, ans, a):
    return singular_values_grad(sum_to(g, np.shape(ans)), a)


@tangent(singular_values)
def singular_values_tangent(ans, a, da):
    return singular_values_jvp(da, a)


@adjoint(matrix_view)
def matrix_view_adjoint(g, ans, x):
    return reshape_grad(g, x, np.shape(ans))
linear(matrix_view, params=("x",))


nondifferentiable(count_nonzero_norm, kept_shape)


def _written(ord) -> str:
    """`ord` as the user wrote it (`inf`, not `1e309`)."""
    if isinstance(ord, float) and math.isinf(ord):
        return "inf" if ord > 0 else "-inf"
    return repr(ord)


def _constant(node, what: str):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Tuple) and all(isinstance(e, ast.Constant) for e in node.elts):
        return tuple(e.value for e in node.elts)
    raise Refused(f"{what} must be a constant for srcgrad to choose the norm's adjoint")


def _expand_norm(arguments: dict, lowering):
    """`np.linalg.norm(x, ord, axis, keepdims)` as operations that have rules."""
    p = _constant(arguments["ord"], "ord (None, 'fro', 'nuc', or a number)")
    axis = _constant(arguments["axis"], "axis")
    keepdims = _constant(arguments["keepdims"], "keepdims")
    if p is None or p == "fro" or (p == 2 and type(p) is not bool and not _pair(axis)):
        return None  # the rule of norm
    if isinstance(p, bool) or not isinstance(p, (int, float, str)) or p != p:
        raise Refused(f"np.linalg.norm with ord={_written(p)}: {NORM_ORDERS}")
    if p == "nuc" or (_pair(axis) and p in (2, -2)):
        return _spectral(arguments["x"], p, axis, keepdims, lowering)
    if isinstance(p, str):
        raise Refused(f"np.linalg.norm with ord={_written(p)}: {NORM_ORDERS}")
    matrix_sums = p in (1, -1, math.inf, -math.inf) and _pair(axis)
    if matrix_sums or (p in (1, math.inf, -math.inf) and axis is None):
        return _sums(arguments["x"], p, axis, keepdims, lowering)
    if _pair(axis):
        raise Refused(f"np.linalg.norm with ord={_written(p)} of a matrix (NumPy has none)")
    return _vector(arguments["x"], p, arguments["axis"], arguments["keepdims"], lowering)


def _pair(axis) -> bool:
    return isinstance(axis, tuple) and len(axis) == 2


def _vector(x, p, axis, keepdims, lowering):
    """A vector norm of order `p` (not 2) along `axis`."""
    x = lowering.emit_call(vector_operand, [x, axis], [])
    reduce = [ast.keyword("axis", axis), ast.keyword("keepdims", keepdims)]
    if p == 0:
        return lowering.emit_call(count_nonzero_norm, [x], reduce)
    magnitude = lowering.emit_call(np.abs, [x], [])
    if p in (math.inf, -math.inf):
        return lowering.emit_call(np.max if p > 0 else np.min, [magnitude], reduce)
    if p == 1:
        return lowering.emit_call(np.sum, [magnitude], reduce)
    powered = lowering.emit_binop(magnitude, ast.Pow(), ast.Constant(float(p)))
    total = lowering.emit_call(np.sum, [powered], reduce)
    return lowering.emit_binop(total, ast.Pow(), ast.Constant(1.0 / p))


def _tuple(values) -> ast.expr:
    return ast.Tuple([ast.Constant(v) for v in values], ast.Load())


def _sums(x, p, axis, keepdims, lowering):
    """The matrix orders 1, -1 (column sums), inf, -inf (row sums)."""
    whole = axis is None
    if whole:
        x, axis = lowering.emit_call(matrix_view, [x], []), (0, 1)
    rows, columns = axis
    summed = rows if p in (1, -1) else columns
    magnitude = lowering.emit_call(np.abs, [x], [])
    sums = lowering.emit_call(np.sum, [magnitude], [
        ast.keyword("axis", ast.Constant(summed)), ast.keyword("keepdims", ast.Constant(True))])
    keep = bool(keepdims) and not whole
    pick = np.max if p > 0 else np.min
    result = lowering.emit_call(pick, [sums], [
        ast.keyword("axis", _tuple(axis)), ast.keyword("keepdims", ast.Constant(keep))])
    if whole and keepdims:
        return lowering.emit_call(np.reshape, [result, lowering.emit_call(kept_shape, [x], [])],
                                  [])
    return result


def _spectral(x, p, axis, keepdims, lowering):
    """The matrix orders 2, -2 and 'nuc' from the singular values."""
    call = lowering.emit_call
    if axis is None:  # a matrix, as NumPy checks
        x = call(operand_of_rank, [x, ast.Constant(2), ast.Constant(False)], [])
        axis = (0, 1)
    else:
        x = call(np.moveaxis, [x, _tuple(axis), _tuple((-2, -1))], [])
    values = call(singular_values, [x], [])
    reduce = {2: np.max, -2: np.min, "nuc": np.sum}[p]
    if not keepdims:
        return call(reduce, [values], [ast.keyword("axis", ast.Constant(-1))])
    result = call(reduce, [values], [ast.keyword("axis", ast.Constant(-1)),
                                     ast.keyword("keepdims", ast.Constant(True))])
    result = call(np.expand_dims, [result, ast.Constant(-1)], [])
    return call(np.moveaxis, [result, _tuple((-2, -1)), _tuple(axis)], [])


expand(np.linalg.norm, _expand_norm)
