"""Adjoint rules of linear algebra: `np.dot` (operands of at most two
dimensions), `np.matmul` and `@` (those, and stacks of matrices whose batch
axes broadcast), `np.outer`, `np.trace`, and `np.linalg.norm`
(the 2-norm of vectors, the Frobenius norm of matrices: `ord=None`; a
vector's other orders, expanded into operations with rules).

`dot_grad_left(g, a, b)` and `dot_grad_right(g, a, b)` are the cotangents of
`a` and `b` in `np.dot(a, b)` for every combination of scalar, vector and
matrix operands, and in `np.matmul(a, b)` of stacks of matrices
(`g @ swap(b)` and `swap(a) @ g`, summed over the batch axes an operand was
broadcast along); they first sum `g` back to the result's shape (it may have
been broadcast larger).  Their own rules are products again (`product`: dot,
or matmul of stacks), so gradients of gradients work.

Convention: the norm of a zero vector has a zero cotangent (not nan).

Replacements: `dot` (Numba has no `np.dot` of a scalar, nor of mixed or
integer dtypes), `matmul` for `np.matmul` and `@` (Numba has no `np.matmul`,
and its `@` refuses `x32 @ w64`, `w @ int_array` and stacks of matrices: a
loop over the batch), `norm` (Numba has no
`axis=` or `keepdims=`).

The helpers and replacements named here live in `srcgrad.runtime.linalg` and
`srcgrad.runtime.norms`; the expansion of the other orders of a vector norm,
which the lowering asks for, is here.
"""

from __future__ import annotations

import ast
import math
import operator

import numpy as np

from ..runtime import (
    dot,
    dot_grad_left,
    dot_grad_right,
    matmul,
    norm,
    product,
    safe_reciprocal,
    shape_of,
    sum_grad,
    sum_to,
    trace_grad,
    unbroadcast,
    vector_operand,
)
from ..runtime.norms import NORM_ORDERS
from .registry import Refused, adjoint, expand, replace


@adjoint(product)
def product_adjoint(g, ans, a, b):
    return dot_grad_left(g, a, b), dot_grad_right(g, a, b)


@adjoint(np.dot, dot)
def dot_adjoint(g, ans, a, b):
    return dot_grad_left(g, a, b), dot_grad_right(g, a, b)


@adjoint(np.matmul, matmul, operator.matmul)
def matmul_adjoint(g, ans, x1, x2):
    return dot_grad_left(g, x1, x2), dot_grad_right(g, x1, x2)


@adjoint(dot_grad_left)
def dot_grad_left_adjoint(g, ans, dy, a, b):
    return (
        sum_to(product(unbroadcast(g, a), b), np.shape(dy)),
        None,
        dot_grad_right(dy, unbroadcast(g, a), b),
    )


@adjoint(dot_grad_right)
def dot_grad_right_adjoint(g, ans, dy, a, b):
    return (
        sum_to(product(a, unbroadcast(g, b)), np.shape(dy)),
        dot_grad_left(dy, a, unbroadcast(g, b)),
        None,
    )


replace(np.dot, dot)
replace(np.matmul, matmul)
replace(operator.matmul, matmul)


# --- outer and trace -------------------------------------------------------------------------


@adjoint(np.outer)
def outer_adjoint(g, ans, a, b):
    return (
        np.reshape(dot(sum_to(g, (np.size(a), np.size(b))), np.ravel(b)), np.shape(a)),
        np.reshape(dot(np.ravel(a), sum_to(g, (np.size(a), np.size(b)))), np.shape(b)),
    )


@adjoint(trace_grad)
def trace_grad_adjoint(g, ans, dy, a):
    return sum_to(np.trace(unbroadcast(g, a)), shape_of(dy)), None


@adjoint(np.trace)
def trace_adjoint(g, ans, a):
    return trace_grad(g, a)


@adjoint(np.linalg.norm, norm)
def norm_adjoint(g, ans, x, ord=None, axis=None, keepdims=False):
    return sum_grad(g * safe_reciprocal(ans), x, axis, keepdims) * x, None, None, None


replace(np.linalg.norm, norm)


@adjoint(vector_operand)
def vector_operand_adjoint(g, ans, x, axis):
    return unbroadcast(g, x), None


def _written(ord) -> str:
    """`ord` as the user wrote it (`inf`, not `1e309`)."""
    if isinstance(ord, float) and math.isinf(ord):
        return "inf" if ord > 0 else "-inf"
    return repr(ord)


def _expand_norm(arguments: dict, lowering):
    """`np.linalg.norm(x, ord=p)` of a vector as operations that have rules."""
    ord = arguments["ord"]
    if not isinstance(ord, ast.Constant):
        raise Refused("ord must be a constant (None, 'fro', or a number) for srcgrad to "
                      "choose the norm's adjoint")
    p = ord.value
    if p is None or p == "fro" or (p == 2 and type(p) is not bool):
        return None  # the rule of norm
    if p == 0 and not isinstance(p, str):
        raise Refused("ord=0 counts the nonzero entries, which has no derivative")
    if isinstance(p, bool) or not isinstance(p, (int, float)) or p != p:
        raise Refused(f"np.linalg.norm with ord={_written(p)}: {NORM_ORDERS}")
    axis, keepdims = arguments["axis"], arguments["keepdims"]
    x = lowering.emit_call(vector_operand, [arguments["x"], axis], [])
    magnitude = lowering.emit_call(np.abs, [x], [])
    reduce = [ast.keyword("axis", axis), ast.keyword("keepdims", keepdims)]
    if p in (math.inf, -math.inf):
        return lowering.emit_call(np.max if p > 0 else np.min, [magnitude], reduce)
    if p == 1:
        return lowering.emit_call(np.sum, [magnitude], reduce)
    powered = lowering.emit_binop(magnitude, ast.Pow(), ast.Constant(float(p)))
    total = lowering.emit_call(np.sum, [powered], reduce)
    return lowering.emit_binop(total, ast.Pow(), ast.Constant(1.0 / p))


expand(np.linalg.norm, _expand_norm)
