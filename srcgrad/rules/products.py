"""Products of arrays: `np.tensordot`, `np.inner`, `np.vdot`,
`np.linalg.multi_dot` and `np.linalg.matrix_power` (written by the lowering
as registered operations), `np.kron` and `np.cross` (rules of their own).

- `tensordot(a, b, axes)`, `axes` an int or a pair of sequences written as
  constants: the summed axes are moved last in `a` and first in `b`
  (`np.moveaxis`), each operand is reshaped to a matrix (`fold_tail`,
  `fold_head`: constant shapes), one `np.dot` (BLAS) multiplies them, and
  the result is reshaped (`joined_shape`).  `np.inner(a, b)` is
  `tensordot(a, b, ([-1], [-1]))` (operands of one or more axes);
- `vdot(a, b)` of real arrays: `dot(ravel(a), ravel(b))`;
- `multi_dot(arrays)`, a list or tuple written in the call: `np.dot` from
  left to right (first and last operands may be vectors, as NumPy allows);
- `matrix_power(a, n)`, `n` an int constant: products by repeated squaring
  (`n = 0`: the identity, a constant; `n < 0`: powers of `np.linalg.inv(a)`).
  An `n` known at run time (`n >= 0`, one square matrix) goes to the rule
  of `matrix_power`: `sum_k (A^T)^k g (A^T)^(n-1-k)` (`matrix_power_grad`,
  whose rule is itself and `matrix_power_grad2`: second order; the third
  is refused).  Its tangent is `sum_k A^k dA A^(n-1-k)`, `matrix_power_grad`
  of `A.T`; that of `matrix_power_grad` is itself in `dy` and
  `matrix_power_grad2` in `a` (both sum over the words of `n` letters with
  two of them replaced);
- `kron(a, b)` of vectors and matrices: `kron_grad_left` and
  `kron_grad_right` (bilinear, so their rules are `kron` and each other);
- `cross(a, b)` of 3-vectors (stacks broadcast): since `g . (a x b) =
  a . (b x g) = b . (g x a)`, the cotangents are `cross(b, g)` and
  `cross(g, a)`, summed back to each operand's shape: products again, so
  differentiable to any order.

Replacements: `kron`, `cross` (which refuse other ranks and lengths) and
`matrix_power` (Numba's takes no integer matrix).
The helpers live in `srcgrad.runtime.products`, `srcgrad.runtime.kron` and
`srcgrad.runtime.powers`.
"""

from __future__ import annotations

import ast
import inspect

import numpy as np

from ..runtime import (
    cross,
    fold_head,
    fold_tail,
    identity_like,
    joined_shape,
    kron,
    kron_grad_left,
    kron_grad_right,
    matrix_power,
    matrix_power_grad,
    matrix_power_grad2,
    shape_of,
    sum_to,
    unbroadcast,
)
from .registry import Refused, adjoint, expand, nondifferentiable, replace
from .tangents import multilinear, tangent


@adjoint(np.kron, kron)
def kron_adjoint(g, ans, a, b):
    return (kron_grad_left(sum_to(g, np.shape(ans)), a, b),
            kron_grad_right(sum_to(g, np.shape(ans)), a, b))
multilinear(np.kron, kron, params=("a", "b"))


@adjoint(kron_grad_left)
def kron_grad_left_adjoint(g, ans, dy, a, b):
    return (sum_to(kron(unbroadcast(g, a), b), shape_of(dy)), None,
            kron_grad_right(dy, unbroadcast(g, a), b))
multilinear(kron_grad_left, params=("dy", "b"))


@adjoint(kron_grad_right)
def kron_grad_right_adjoint(g, ans, dy, a, b):
    return (sum_to(kron(a, unbroadcast(g, b)), shape_of(dy)),
            kron_grad_left(dy, a, unbroadcast(g, b)), None)
multilinear(kron_grad_right, params=("dy", "a"))


@adjoint(np.cross, cross)
def cross_adjoint(g, ans, a, b):
    return (unbroadcast(cross(b, sum_to(g, np.shape(ans))), a),
            unbroadcast(cross(sum_to(g, np.shape(ans)), a), b))
multilinear(np.cross, cross, params=("a", "b"))


@adjoint(np.linalg.matrix_power, matrix_power)
def matrix_power_adjoint(g, ans, a, n):
    return matrix_power_grad(sum_to(g, np.shape(ans)), a, n), None


@tangent(np.linalg.matrix_power, matrix_power)
def matrix_power_tangent(ans, a, n, da):
    # sum_k A^k dA A^(n-1-k): matrix_power_grad's sum with A.T in place of A
    return matrix_power_grad(da, np.transpose(a), n)


@adjoint(matrix_power_grad)
def matrix_power_grad_adjoint(g, ans, dy, a, n):
    return (sum_to(matrix_power_grad(unbroadcast(g, a), np.transpose(a), n), shape_of(dy)),
            matrix_power_grad2(dy, unbroadcast(g, a), a, n), None)


@tangent(matrix_power_grad)
def matrix_power_grad_tangent(ans, dy, a, n, ddy, da):
    # linear in dy; in a, with B = A.T, the sum over the words of n letters holding dy and
    # dA.T once each and B elsewhere, which is matrix_power_grad2 with h = dA
    return matrix_power_grad(ddy, a, n), matrix_power_grad2(dy, da, a, n)


replace(np.linalg.matrix_power, matrix_power)
replace(np.kron, kron)
replace(np.cross, cross)
nondifferentiable(fold_tail, fold_head, joined_shape, identity_like)


# --- expansions ------------------------------------------------------------------------------


def _ints(node: ast.expr, what: str) -> tuple[int, ...]:
    """The ints of a constant int or a tuple (list) of them."""
    nodes = node.elts if isinstance(node, ast.Tuple) else [node]
    if not all(isinstance(n, ast.Constant) and type(n.value) is int for n in nodes):
        raise Refused(f"{what} must be an int or a sequence of ints written as constants")
    return tuple(n.value for n in nodes)


def _tuple(values) -> ast.expr:
    return ast.Tuple([ast.Constant(v) for v in values], ast.Load())


def _write_tensordot(a, b, axes_a: tuple[int, ...] | None, axes_b: tuple[int, ...] | None,
                     n: int, lowering):
    """`tensordot(a, b)` over the `n` last axes of `a` and first of `b`,
    after moving `axes_a` and `axes_b` there (where given)."""
    call = lowering.emit_call
    if axes_a is not None:
        a = call(np.moveaxis, [a, _tuple(axes_a), _tuple(range(-n, 0))], [])
        b = call(np.moveaxis, [b, _tuple(axes_b), _tuple(range(n))], [])
    count = ast.Constant(n)
    left = call(np.reshape, [a, call(fold_tail, [a, count], [])], [])
    right = call(np.reshape, [b, call(fold_head, [b, count], [])], [])
    product = call(np.dot, [left, right], [])
    return call(np.reshape, [product, call(joined_shape, [a, count, b, count], [])], [])


def _expand_tensordot(arguments: dict, lowering):
    axes = arguments["axes"]
    if isinstance(axes, ast.Constant):
        (n,) = _ints(axes, "axes")
        if n < 0:
            raise Refused("axes must not be negative")
        return _write_tensordot(arguments["a"], arguments["b"], None, None, n, lowering)
    if not (isinstance(axes, ast.Tuple) and len(axes.elts) == 2):
        raise Refused("axes must be an int or a pair of sequences of ints, written as constants")
    axes_a, axes_b = _ints(axes.elts[0], "axes"), _ints(axes.elts[1], "axes")
    if len(axes_a) != len(axes_b):
        raise Refused("the two sequences of axes differ in length")
    return _write_tensordot(arguments["a"], arguments["b"], axes_a, axes_b, len(axes_a),
                            lowering)


def _expand_inner(arguments: dict, lowering):
    return _write_tensordot(arguments["a"], arguments["b"], (-1,), (-1,), 1, lowering)


def _expand_vdot(arguments: dict, lowering):
    a = lowering.emit_call(np.ravel, [arguments["a"]], [])
    b = lowering.emit_call(np.ravel, [arguments["b"]], [])
    return lowering.emit_call(np.dot, [a, b], [])


def _expand_multi_dot(arguments: dict, lowering):
    arrays = arguments["arrays"]
    if not isinstance(arrays, ast.Tuple) or len(arrays.elts) < 2:
        raise Refused("srcgrad differentiates it of a list or tuple of two or more arrays "
                      "written in the call")
    result = arrays.elts[0]
    for x in arrays.elts[1:]:
        result = lowering.emit_call(np.dot, [result, x], [])
    return result


def _expand_matrix_power(arguments: dict, lowering):
    a, n = arguments["a"], arguments["n"]
    if not (isinstance(n, ast.Constant) and type(n.value) is int):
        return None  # the rule of matrix_power, for n >= 0 known at run time
    power = n.value
    if power == 0:
        return lowering.emit_call(identity_like, [a], [])
    if power < 0:
        a, power = lowering.emit_call(np.linalg.inv, [a], []), -power
    result, base = None, a
    while power:
        if power & 1:
            result = base if result is None else lowering.emit_call(np.matmul, [result, base], [])
        power >>= 1
        if power:
            base = lowering.emit_call(np.matmul, [base, base], [])
    if result is a:
        result = lowering.emit_call(np.copy, [a], [])
    return result


def _signature(*names, **defaults) -> inspect.Signature:
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    return inspect.Signature([inspect.Parameter(name, kind) for name in names] + [
        inspect.Parameter(name, kind, default=value) for name, value in defaults.items()])


expand(np.tensordot, _expand_tensordot, _signature("a", "b", axes=2))
expand(np.inner, _expand_inner, _signature("a", "b"))
expand(np.vdot, _expand_vdot, _signature("a", "b"))
expand(np.linalg.multi_dot, _expand_multi_dot, _signature("arrays"))
expand(np.linalg.matrix_power, _expand_matrix_power)
