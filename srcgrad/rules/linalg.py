"""Adjoint rules of linear algebra: `np.dot` (operands of at most two
dimensions), `np.matmul` and `@` (those, and stacks of matrices whose batch
axes broadcast), `np.outer`, `np.trace`, and `np.linalg.norm`
(the 2-norm of vectors, the Frobenius norm of matrices: `ord=None`; the
other orders are expanded into operations with rules by `rules.norms`); and of a
matrix or of each matrix of a stack (leading batch axes), `np.linalg.det`,
`slogdet`, `inv`, `solve` (`b` one vector, a matrix, or a stack of
matrices broadcast with `a`'s, as NumPy 2 reads it) and `cholesky` (the
lower factor).

`dot_grad_left(g, a, b)` and `dot_grad_right(g, a, b)` are the cotangents of
`a` and `b` in `np.dot(a, b)` for every combination of scalar, vector and
matrix operands, and in `np.matmul(a, b)` of stacks of matrices
(`g @ swap(b)` and `swap(a) @ g`, summed over the batch axes an operand was
broadcast along); they first sum `g` back to the result's shape (it may have
been broadcast larger).  Their own rules are products again (`product`: dot,
or matmul of stacks), so gradients of gradients work.

Convention: the norm of a zero vector has a zero cotangent (not nan).

The rules of the matrix functions are products, solves and the linear maps
of `srcgrad.runtime.matrices`, all with rules of their own, so they are
differentiable again (to any order).  `A.T` stands for each matrix of a
stack transposed (`np.swapaxes(a, -1, -2)`), and a product for one per
matrix (`product`); `matrix_scale(c, m)` multiplies each matrix by its
number:

- det: `g * det(A) * inv(A).T` (so it refuses a singular matrix, as `inv` does);
- slogdet: the sign is constant; the log of the absolute determinant has
  `g * inv(A).T`.  The lowering writes `np.linalg.slogdet(a)` as the pair
  `(factored_sign(f), factored_logabsdet(f, a))` of `a`'s LU factors `f =
  lu_factors(a)`, to be unpacked or indexed at once, and the rule makes
  `inv(A).T` from those factors (`factored_inverse_t`: LAPACK's `getri`)
  rather than factor `A` again.  (`logabsdet(a)`, with `inv`, is the same
  rule for `np.linalg.slogdet`'s signature);
- inv: `-X.T @ g @ X.T` for `X = inv(A)`;
- solve: with `b` and `x` as columns (`as_columns`: a vector is one),
  `bb = solve(A.T, g)` for `b` (summed over the batch axes it was broadcast
  along), `-bb x.T` for `A`.  The lowering writes `np.linalg.solve(a, b)`
  as `factored_solve(lu_factors(a), a, b)`, and the rule solves with `A.T`
  from the same factors (`factored_solve_t`: LAPACK's `getrs`): each
  cotangent is its own expression, so `bb` is computed twice where both
  are differentiated, but neither factors `A` again;
- cholesky (`L` from the lower triangle of `A`): `S = L^-T Φ(L.T g) L^-1`
  (Φ: the lower triangle, the diagonal halved; two solves with `L.T`), and
  `A`'s cotangent is `S + S.T` below the diagonal, `S`'s own on it and zero
  above (`fold_lower`): NumPy reads only the lower triangle of `A`.

Replacements: `dot` (Numba has no `np.dot` of a scalar, nor of mixed or
integer dtypes), `matmul` for `np.matmul` and `@` (Numba has no `np.matmul`,
and its `@` refuses `x32 @ w64`, `w @ int_array` and stacks of matrices: a
loop over the batch), `norm` (Numba has no
`axis=` or `keepdims=`), `det`, `inv`, `solve`, `cholesky` (Numba's take
one floating matrix of one dtype only: the replacements loop over a stack).

The helpers and replacements named here live in `srcgrad.runtime.linalg`,
`srcgrad.runtime.matrices` and `srcgrad.runtime.norms`.
"""

from __future__ import annotations

import ast
import operator

import numpy as np

from ..ir.markers import TUPLE
from ..runtime import (
    as_columns,
    cholesky,
    det,
    dot,
    dot_grad_left,
    dot_grad_right,
    factored_inverse_t,
    factored_logabsdet,
    factored_sign,
    factored_solve,
    factored_solve_t,
    fold_lower,
    from_columns,
    half_lower,
    inv,
    logabsdet,
    lu_factors,
    matmul,
    matrix_inner,
    matrix_scale,
    mirror_lower,
    norm,
    product,
    reduce_sum,
    safe_reciprocal,
    shape_of,
    single_matrix,
    slogdet_sign,
    solve,
    sum_grad,
    sum_to,
    trace_grad,
    unbroadcast,
    vector_operand,
)
from .registry import adjoint, expand, nondifferentiable, replace
from .tangents import linear, multilinear, tangent


@adjoint(product)
def product_adjoint(g, ans, a, b):
    return dot_grad_left(g, a, b), dot_grad_right(g, a, b)
multilinear(product, params=("a", "b"))


@adjoint(np.dot, dot)
def dot_adjoint(g, ans, a, b):
    return dot_grad_left(g, a, b), dot_grad_right(g, a, b)
multilinear(np.dot, dot, params=("a", "b"))


@adjoint(np.matmul, matmul, operator.matmul)
def matmul_adjoint(g, ans, x1, x2):
    return dot_grad_left(g, x1, x2), dot_grad_right(g, x1, x2)
multilinear(np.matmul, matmul, operator.matmul, params=("x1", "x2"))


@adjoint(dot_grad_left)
def dot_grad_left_adjoint(g, ans, dy, a, b):
    return (
        sum_to(product(unbroadcast(g, a), b), np.shape(dy)),
        None,
        dot_grad_right(dy, unbroadcast(g, a), b),
    )
multilinear(dot_grad_left, params=("dy", "b"))


@adjoint(dot_grad_right)
def dot_grad_right_adjoint(g, ans, dy, a, b):
    return (
        sum_to(product(a, unbroadcast(g, b)), np.shape(dy)),
        dot_grad_left(dy, a, unbroadcast(g, b)),
        None,
    )
multilinear(dot_grad_right, params=("dy", "a"))


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
multilinear(np.outer, params=("a", "b"))


@adjoint(trace_grad)
def trace_grad_adjoint(g, ans, dy, a):
    return sum_to(np.trace(unbroadcast(g, a)), shape_of(dy)), None
linear(trace_grad, params=("dy",))


@adjoint(np.trace)
def trace_adjoint(g, ans, a):
    return trace_grad(g, a)
linear(np.trace, params=("a",))


@adjoint(np.linalg.norm, norm)
def norm_adjoint(g, ans, x, ord=None, axis=None, keepdims=False):
    return sum_grad(g * safe_reciprocal(ans), x, axis, keepdims) * x, None, None, None


@tangent(np.linalg.norm, norm)
def norm_tangent(ans, x, ord, axis, keepdims, dx):
    return reduce_sum(x * dx, axis, keepdims=keepdims) * safe_reciprocal(ans)


replace(np.linalg.norm, norm)


@adjoint(vector_operand)
def vector_operand_adjoint(g, ans, x, axis):
    return unbroadcast(g, x), None
linear(vector_operand, params=("x",))


# --- functions of a matrix, or of each matrix of a stack -----------------------------------------


@adjoint(np.linalg.det, det)
def det_adjoint(g, ans, a):
    return matrix_scale(sum_to(g, shape_of(ans)) * ans, np.swapaxes(inv(a), -1, -2))


@tangent(np.linalg.det, det)
def det_tangent(ans, a, da):
    return matrix_inner(np.swapaxes(inv(a), -1, -2), da) * ans


@adjoint(logabsdet, np.linalg.slogdet)
def logabsdet_adjoint(g, ans, a):
    # np.linalg.slogdet shares this rule for its signature only: the lowering
    # always writes it as (slogdet_sign(a), logabsdet(a)) (`_expand_slogdet`)
    return matrix_scale(sum_to(g, shape_of(ans)), np.swapaxes(inv(a), -1, -2))


@tangent(logabsdet, np.linalg.slogdet)
def logabsdet_tangent(ans, a, da):
    return matrix_inner(np.swapaxes(inv(a), -1, -2), da)


@adjoint(np.linalg.inv, inv)
def inv_adjoint(g, ans, a):
    return -product(np.swapaxes(ans, -1, -2),
                    product(sum_to(g, np.shape(ans)), np.swapaxes(ans, -1, -2)))


@tangent(np.linalg.inv, inv)
def inv_tangent(ans, a, da):
    return -product(ans, product(da, ans))


@adjoint(np.linalg.solve, solve)
def solve_adjoint(g, ans, a, b):
    return (-sum_to(product(solve(np.swapaxes(a, -1, -2), as_columns(sum_to(g, np.shape(ans)), b)),
                            np.swapaxes(as_columns(ans, b), -1, -2)), np.shape(a)),
            sum_to(from_columns(solve(np.swapaxes(a, -1, -2),
                                      as_columns(sum_to(g, np.shape(ans)), b)), b), np.shape(b)))


@tangent(np.linalg.solve, solve)
def solve_tangent(ans, a, b, da, db):
    return -from_columns(solve(a, product(da, as_columns(ans, b))), b), solve(a, db)


@adjoint(np.linalg.cholesky, cholesky)
def cholesky_adjoint(g, ans, a):
    return fold_lower(np.swapaxes(solve(np.swapaxes(ans, -1, -2), np.swapaxes(solve(
        np.swapaxes(ans, -1, -2), half_lower(product(np.swapaxes(ans, -1, -2),
                                                     sum_to(g, np.shape(ans))))), -1, -2)),
        -1, -2))


@tangent(np.linalg.cholesky, cholesky)
def cholesky_tangent(ans, a, da):
    # NumPy reads the lower triangle of `a` alone: it moves by mirror_lower(da)
    return product(ans, half_lower(np.swapaxes(solve(ans, np.swapaxes(
        solve(ans, mirror_lower(da)), -1, -2)), -1, -2)))


@adjoint(half_lower)
def half_lower_adjoint(g, ans, x):
    return half_lower(sum_to(g, np.shape(ans)))
linear(half_lower, params=("x",))


@adjoint(mirror_lower)
def mirror_lower_adjoint(g, ans, x):
    return fold_lower(sum_to(g, np.shape(ans)))
linear(mirror_lower, params=("x",))


@adjoint(fold_lower)
def fold_lower_adjoint(g, ans, x):
    return mirror_lower(sum_to(g, np.shape(ans)))
linear(fold_lower, params=("x",))


@adjoint(matrix_scale)
def matrix_scale_adjoint(g, ans, c, m):
    return (matrix_inner(sum_to(g, np.shape(ans)), m),
            matrix_scale(c, sum_to(g, np.shape(ans))))
multilinear(matrix_scale, params=("c", "m"))


@adjoint(matrix_inner)
def matrix_inner_adjoint(g, ans, x, y):
    return (matrix_scale(sum_to(g, shape_of(ans)), y),
            matrix_scale(sum_to(g, shape_of(ans)), x))
multilinear(matrix_inner, params=("x", "y"))


@adjoint(as_columns)
def as_columns_adjoint(g, ans, x, b):
    return from_columns(sum_to(g, np.shape(ans)), b), None
linear(as_columns, params=("x",))


@adjoint(from_columns)
def from_columns_adjoint(g, ans, x, b):
    return as_columns(sum_to(g, np.shape(ans)), b), None
linear(from_columns, params=("x",))


# --- from LU factors (np.linalg.solve and slogdet: runtime/lapack.py) ---------------------------
# Each function of the factors f = lu_factors(a) takes `a` too, for its rule: the
# cotangent goes to `a`, the factors being a constant of the gradient.


@adjoint(factored_solve)
def factored_solve_adjoint(g, ans, f, a, b):
    return (None,
            -sum_to(product(factored_solve_t(f, a, as_columns(sum_to(g, np.shape(ans)), b)),
                            np.swapaxes(as_columns(ans, b), -1, -2)), np.shape(a)),
            sum_to(from_columns(factored_solve_t(f, a, as_columns(sum_to(g, np.shape(ans)), b)),
                                b), np.shape(b)))


@tangent(factored_solve)
def factored_solve_tangent(ans, f, a, b, da, db):
    return (-from_columns(factored_solve(f, a, product(da, as_columns(ans, b))), b),
            factored_solve(f, a, db))


@adjoint(factored_solve_t)
def factored_solve_t_adjoint(g, ans, f, a, b):
    # y = a.T^-1 b: with w = a^-1 g, a has -y w.T and b has w
    return (None,
            -sum_to(product(as_columns(ans, b), np.swapaxes(factored_solve(
                f, a, as_columns(sum_to(g, np.shape(ans)), b)), -1, -2)), np.shape(a)),
            sum_to(from_columns(factored_solve(f, a, as_columns(sum_to(g, np.shape(ans)), b)),
                                b), np.shape(b)))


@tangent(factored_solve_t)
def factored_solve_t_tangent(ans, f, a, b, da, db):
    return (-from_columns(factored_solve_t(f, a, product(np.swapaxes(da, -1, -2),
                                                         as_columns(ans, b))), b),
            factored_solve_t(f, a, db))


@adjoint(factored_logabsdet)
def factored_logabsdet_adjoint(g, ans, f, a):
    return None, matrix_scale(sum_to(g, shape_of(ans)), factored_inverse_t(f, a))


@tangent(factored_logabsdet)
def factored_logabsdet_tangent(ans, f, a, da):
    return matrix_inner(factored_inverse_t(f, a), da)


@adjoint(factored_inverse_t)
def factored_inverse_t_adjoint(g, ans, f, a):
    # y = inv(a).T: a has -y g.T y
    return None, -product(ans, product(np.swapaxes(sum_to(g, np.shape(ans)), -1, -2), ans))


@tangent(factored_inverse_t)
def factored_inverse_t_tangent(ans, f, a, da):
    return -product(ans, product(np.swapaxes(da, -1, -2), ans))


@adjoint(single_matrix)
def single_matrix_adjoint(g, ans, a):
    return single_matrix(sum_to(g, np.shape(ans)))
linear(single_matrix, params=("a",))


for _primal, _impl in [(np.linalg.det, det), (np.linalg.inv, inv), (np.linalg.solve, solve),
                       (np.linalg.cholesky, cholesky)]:
    replace(_primal, _impl)
nondifferentiable(slogdet_sign, lu_factors, factored_sign)


def _expand_slogdet(arguments: dict, lowering):
    """`np.linalg.slogdet(a)` as the pair of its parts, each a value of its own,
    from `a`'s LU factors (`lu_factors`), which the rule reuses."""
    a = arguments["a"]
    factors = lowering.emit_call(lu_factors, [a], [])
    sign = lowering.emit_call(factored_sign, [factors], [])
    logdet = lowering.emit_call(factored_logabsdet, [factors, a], [])
    return lowering.temp(ast.Tuple([sign, logdet], ast.Load()), TUPLE)


def _expand_solve(arguments: dict, lowering):
    """`np.linalg.solve(a, b)` from `a`'s LU factors, which the rule reuses."""
    a = arguments["a"]
    factors = lowering.emit_call(lu_factors, [a], [])
    return lowering.emit_call(factored_solve, [factors, a, arguments["b"]], [])


expand(np.linalg.slogdet, _expand_slogdet)
expand(np.linalg.solve, _expand_solve)
