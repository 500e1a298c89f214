"""`scipy.linalg`'s matrix functions, written with NumPy's and srcgrad's.

Numba does not compile `scipy.linalg`: the lowering writes each call as
functions with rules of their own (`rules/linalg.py`,
`rules/decompositions.py`, and `triangular_solve` here), so they are
differentiable to any order on every target:

- `solve(a, b)`, `inv(a)`: `assume_a=None` or `'general'`, `transposed`;
  `assume_a='sym'`/`'pos'`/`'her'` read one triangle (`lower`): the matrix
  solved is the symmetric one of that triangle (`mirror_lower`);
- `det(a)`;
- `cholesky(a, lower=False)`: SciPy's default is the upper factor `U`, from
  the upper triangle of `a`: the transpose of NumPy's factor of `a.T`;
- `eigh(a, eigvals_only=True)` (`lower`): the eigenvalues, as
  `np.linalg.eigh`'s.  The eigenvectors are refused: NumPy's driver gives
  them other signs than SciPy's, so their values would not be SciPy's;
- `solve_triangular(a, b, trans, lower, unit_diagonal)`: by substitution
  (`triangular_solve`); `trans=1`/`'T'` solves with the transpose;
- `cho_factor(a, lower)`: the pair `(c, lower)`, `c` the factor in its
  triangle and `a`'s own entries in the other, as SciPy leaves them;
  `cho_solve((c, lower), b)`: two triangular solves with the factor
  (`lower_factor`: `lower` may be a variable);
- `lu_factor(a)`: the pair `(lu_matrix(a), lu_pivots(a))`, pivots constant;
  `lu_solve((lu, piv), b, trans)`: the row swaps (`pivot_rows`) and two
  triangular solves.  With `P a = L U`, the factors' cotangent is
  `P.T L^-T (tril(L.T gL, -1) + triu(gU U.T)) U^-T`; their tangent, with `X =
  L^-1 P da U^-1`, is `dL = L tril(X, -1)`, `dU = triu(X) U`;
- `solve_banded((l, u), ab, b)` (`l`, `u` constant integers, b a vector or
  a matrix): expanded to the dense matrix of the band (`banded_matrix`,
  `a[i, j] = ab[u + i - j, j]`) and `solve`, so O(n³) where SciPy's `gbsv`
  is O(n (l + u)²); the cotangent of `ab` is that of `a` on the band,
  `ab[u + i - j, j] = -(a⁻ᵀ g x.T)[i, j]`, 0 in the entries of `ab` outside
  the band, which SciPy does not read (`banded_matrix_grad`).

`lower`, `trans`, `assume_a` and the like must be constants; `overwrite_a`
and `overwrite_b` must be False (SciPy may write into the argument).  Other
`scipy.linalg` functions have no rule: differentiating them is refused.

`triangular_solve(a, b, lower, unit_diagonal)`, `x` with `T x = b` for `T`
the triangle of `a`: `gb = solve with T.T` (the other triangle of
`a.T`), `ga = -(gb x.T)` kept to the triangle read (`keep_triangle`).
The registered rules of the SciPy functions themselves give their
signatures (what a call binds to) and the cotangents and tangents of their
default forms (`eigh`: with `eigvals_only=True`); every call is expanded,
so forward mode meets the functions written above, not these.  The
functions of pairs (`cho_factor`, `cho_solve`, `lu_factor`, `lu_solve`)
and `solve_banded` have no rule: their calls bind to their own signatures.
"""

from __future__ import annotations

import ast
import inspect

import numpy as np
import scipy.linalg

from ..runtime import (
    banded_matrix,
    banded_matrix_grad,
    cholesky,
    det,
    dot,
    dot_grad_left,
    eigh_values,
    eigh_vectors,
    fold_lower,
    half_lower,
    inv,
    keep_triangle,
    lower_factor,
    lower_factor_grad,
    lu_matrix,
    lu_pivots,
    mirror_lower,
    pivot_rows,
    single_matrix,
    solve,
    sum_to,
    triangular_solve,
    unpivot_rows,
)
from .registry import Refused, adjoint, expand, nondifferentiable
from .tangents import linear, tangent

# --- the substitution ----------------------------------------------------------------------------


@adjoint(triangular_solve)
def triangular_solve_adjoint(g, ans, a, b, lower=False, unit_diagonal=False):
    return (-keep_triangle(dot_grad_left(triangular_solve(
        np.transpose(a), sum_to(g, np.shape(ans)), not lower, unit_diagonal), a, ans),
        lower, unit_diagonal),
        triangular_solve(np.transpose(a), sum_to(g, np.shape(ans)), not lower, unit_diagonal),
        None, None)


@tangent(triangular_solve)
def triangular_solve_tangent(ans, a, b, lower, unit_diagonal, da, db):
    # x = T^-1 b, T the triangle of a solved with: dx = T^-1 (db - dT x)
    return (-triangular_solve(a, dot(keep_triangle(da, lower, unit_diagonal), ans), lower,
                              unit_diagonal),
            triangular_solve(a, db, lower, unit_diagonal))


@adjoint(lower_factor)
def lower_factor_adjoint(g, ans, c, lower):
    return lower_factor_grad(sum_to(g, np.shape(ans)), lower), None
linear(lower_factor, params=("c",))


@adjoint(lower_factor_grad)
def lower_factor_grad_adjoint(g, ans, g_factor, lower):
    return lower_factor(sum_to(g, np.shape(ans)), lower), None
linear(lower_factor_grad, params=("g_factor",))


@adjoint(keep_triangle)
def keep_triangle_adjoint(g, ans, x, lower=False, unit_diagonal=False):
    return keep_triangle(sum_to(g, np.shape(ans)), lower, unit_diagonal), None, None
linear(keep_triangle, params=("x",))


@adjoint(banded_matrix)
def banded_matrix_adjoint(g, ans, ab, lower, upper):
    return banded_matrix_grad(sum_to(g, np.shape(ans)), lower, upper), None, None
linear(banded_matrix, params=("ab",))


@adjoint(banded_matrix_grad)
def banded_matrix_grad_adjoint(g, ans, g_matrix, lower, upper):
    return banded_matrix(sum_to(g, np.shape(ans)), lower, upper), None, None
linear(banded_matrix_grad, params=("g_matrix",))


# --- LU factors ----------------------------------------------------------------------------------


@adjoint(lu_matrix)
def lu_matrix_adjoint(g, ans, a):
    # P a = L U; with gL, gU the parts of g below and on/above the diagonal,
    # ga = P.T L^-T (tril(L.T gL, -1) + triu(gU U.T)) U^-T, L.T gL = tril(L, -1).T gL + gL
    return unpivot_rows(triangular_solve(np.transpose(ans), np.transpose(triangular_solve(
        ans, np.transpose(
            keep_triangle(dot(np.transpose(keep_triangle(ans, True, True)),
                              keep_triangle(sum_to(g, np.shape(ans)), True, True))
                          + keep_triangle(sum_to(g, np.shape(ans)), True, True), True, True)
            + keep_triangle(dot(keep_triangle(sum_to(g, np.shape(ans)), False, False),
                                np.transpose(keep_triangle(ans, False, False))), False, False)),
        False, False)), False, True), lu_pivots(a))


@tangent(lu_matrix)
def lu_matrix_tangent(ans, a, da):
    # P a = L U: with X = L^-1 P dA U^-1, dL = L tril(X, -1) and dU = triu(X) U, packed
    # as lu_factor packs L and U: tril(X, -1) + tril(L, -1) tril(X, -1) + triu(X) U
    return (keep_triangle(np.transpose(triangular_solve(np.transpose(ans), np.transpose(
        triangular_solve(ans, pivot_rows(da, lu_pivots(a)), True, True)), True, False)),
        True, True)
        + dot(keep_triangle(ans, True, True), keep_triangle(np.transpose(triangular_solve(
            np.transpose(ans), np.transpose(triangular_solve(
                ans, pivot_rows(da, lu_pivots(a)), True, True)), True, False)), True, True))
        + dot(keep_triangle(np.transpose(triangular_solve(np.transpose(ans), np.transpose(
            triangular_solve(ans, pivot_rows(da, lu_pivots(a)), True, True)), True, False)),
            False, False), keep_triangle(ans, False, False)))


@adjoint(pivot_rows)
def pivot_rows_adjoint(g, ans, x, piv):
    return unpivot_rows(sum_to(g, np.shape(ans)), piv), None
linear(pivot_rows, params=("x",))


@adjoint(unpivot_rows)
def unpivot_rows_adjoint(g, ans, x, piv):
    return pivot_rows(sum_to(g, np.shape(ans)), piv), None
linear(unpivot_rows, params=("x",))


nondifferentiable(lu_pivots)


# --- the rules of SciPy's functions (their default forms) ---------------------------------------


@adjoint(scipy.linalg.solve)
def scipy_solve_adjoint(g, ans, a, b, lower=False, overwrite_a=False, overwrite_b=False,
                        check_finite=True, assume_a=None, transposed=False):
    return (-dot_grad_left(solve(np.transpose(a), sum_to(g, np.shape(ans))), a, ans),
            solve(np.transpose(a), sum_to(g, np.shape(ans))), None, None, None, None, None, None)


@tangent(scipy.linalg.solve)
def scipy_solve_tangent(ans, a, b, lower, overwrite_a, overwrite_b, check_finite, assume_a,
                        transposed, da, db):
    return -solve(a, dot(da, ans)), solve(a, db)


@adjoint(scipy.linalg.inv)
def scipy_inv_adjoint(g, ans, a, overwrite_a=False, check_finite=True, *, assume_a=None,
                      lower=False):
    return (-dot(np.transpose(ans), dot(sum_to(g, np.shape(ans)), np.transpose(ans))),
            None, None, None, None)


@tangent(scipy.linalg.inv)
def scipy_inv_tangent(ans, a, overwrite_a, check_finite, assume_a, lower, da):
    return -dot(ans, dot(da, ans))


@adjoint(scipy.linalg.det)
def scipy_det_adjoint(g, ans, a, overwrite_a=False, check_finite=True):
    return sum_to(g, ()) * ans * np.transpose(inv(a)), None, None


@tangent(scipy.linalg.det)
def scipy_det_tangent(ans, a, overwrite_a, check_finite, da):
    return ans * np.sum(np.transpose(inv(a)) * da)


@adjoint(scipy.linalg.cholesky)
def scipy_cholesky_adjoint(g, ans, a, lower=False, overwrite_a=False, check_finite=True):
    # the upper factor U of a is the transpose of NumPy's lower factor of a.T
    return (np.transpose(fold_lower(np.transpose(solve(ans, np.transpose(solve(
        ans, half_lower(dot(ans, np.transpose(sum_to(g, np.shape(ans))))))))))),
        None, None, None)


@tangent(scipy.linalg.cholesky)
def scipy_cholesky_tangent(ans, a, lower, overwrite_a, check_finite, da):
    # U = L.T, L NumPy's lower factor of a.T (numpy's cholesky_tangent, transposed):
    # dU = Φ(U^-T dS U^-1).T U, dS the symmetric matrix of dA's upper triangle
    return np.transpose(dot(np.transpose(ans), half_lower(np.transpose(solve(
        np.transpose(ans), np.transpose(solve(np.transpose(ans),
                                              mirror_lower(np.transpose(da)))))))))


@adjoint(scipy.linalg.eigh)
def scipy_eigh_adjoint(g, ans, a, b=None, *, lower=True, eigvals_only=False, overwrite_a=False,
                       overwrite_b=False, type=1, check_finite=True, subset_by_index=None,
                       subset_by_value=None, driver=None):
    # the eigenvalues' (eigvals_only=True, lower=True); `_expand_eigh` writes every call
    return (fold_lower(dot(eigh_vectors(a) * sum_to(g, np.shape(ans)),
                           np.transpose(eigh_vectors(a)))),
            None, None, None, None, None, None, None, None, None, None)


@tangent(scipy.linalg.eigh)
def scipy_eigh_tangent(ans, a, b, lower, eigvals_only, overwrite_a, overwrite_b, type,
                       check_finite, subset_by_index, subset_by_value, driver, da):
    # the eigenvalues' (as np.linalg.eigh's, `eigh_values_tangent`): w_k moves by v_k' dS v_k
    return np.sum(eigh_vectors(a) * dot(mirror_lower(da), eigh_vectors(a)), axis=0)


@adjoint(scipy.linalg.solve_triangular)
def scipy_solve_triangular_adjoint(g, ans, a, b, trans=0, lower=False, unit_diagonal=False,
                                   overwrite_b=False, check_finite=True):
    # of trans=0; `_expand_solve_triangular` writes every call, trans=1 with a.T
    return (-keep_triangle(dot_grad_left(triangular_solve(
        np.transpose(a), sum_to(g, np.shape(ans)), not lower, unit_diagonal), a, ans),
        lower, unit_diagonal),
        triangular_solve(np.transpose(a), sum_to(g, np.shape(ans)), not lower, unit_diagonal),
        None, None, None, None, None)


@tangent(scipy.linalg.solve_triangular)
def scipy_solve_triangular_tangent(ans, a, b, trans, lower, unit_diagonal, overwrite_b,
                                   check_finite, da, db):
    # of trans=0, as `triangular_solve_tangent`: dx = T^-1 (db - dT x)
    return (-triangular_solve(a, dot(keep_triangle(da, lower, unit_diagonal), ans), lower,
                              unit_diagonal),
            triangular_solve(a, db, lower, unit_diagonal))


# --- the expansions ------------------------------------------------------------------------------


def _constant(arguments: dict, name: str, allowed: tuple):
    value = arguments[name]
    if not isinstance(value, ast.Constant) or value.value not in allowed:
        shown = " or ".join(repr(v) for v in allowed)
        raise Refused(f"{name}={ast.unparse(value)}: srcgrad differentiates {name}={shown}, "
                      "written as a constant")
    return value.value


def _no_overwrite(arguments: dict) -> None:
    for name in ("overwrite_a", "overwrite_b"):
        if name in arguments:
            _constant(arguments, name, (False,))


_GENERAL = (None, "gen", "general")
_SYMMETRIC = ("sym", "symmetric", "her", "hermitian", "pos", "positive definite")


def _symmetric_of(a: ast.expr, lower: bool, lowering) -> ast.expr:
    """The symmetric matrix of the triangle of `a` that `lower` names."""
    if lower:
        return lowering.emit_call(mirror_lower, [a], [])
    flipped = lowering.emit_call(np.transpose, [a], [])
    return lowering.emit_call(mirror_lower, [flipped], [])


def _one_matrix(arguments: dict, lowering) -> ast.expr:
    """`a`, checked to be one matrix when the function runs: the functions it
    is written with take stacks of matrices too, but not as SciPy does."""
    return lowering.emit_call(single_matrix, [arguments["a"]], [])


def _operand(arguments: dict, lowering) -> ast.expr:
    """`a` as `assume_a` and `lower` say SciPy reads it."""
    _no_overwrite(arguments)
    assume_a = _constant(arguments, "assume_a", _GENERAL + _SYMMETRIC)
    a = _one_matrix(arguments, lowering)
    if assume_a in _SYMMETRIC:
        return _symmetric_of(a, _constant(arguments, "lower", (False, True)), lowering)
    return a


def _expand_solve(arguments: dict, lowering):
    a = _operand(arguments, lowering)
    if _constant(arguments, "transposed", (False, True)):
        a = lowering.emit_call(np.transpose, [a], [])
    return lowering.emit_call(solve, [a, arguments["b"]], [])


def _expand_inv(arguments: dict, lowering):
    return lowering.emit_call(inv, [_operand(arguments, lowering)], [])


def _expand_det(arguments: dict, lowering):
    _no_overwrite(arguments)
    return lowering.emit_call(det, [_one_matrix(arguments, lowering)], [])


def _upper_factor(a: ast.expr, lowering) -> ast.expr:
    """SciPy's upper Cholesky factor of `a`: NumPy's lower factor of `a.T`, transposed."""
    flipped = lowering.emit_call(np.transpose, [a], [])
    return lowering.emit_call(np.transpose, [lowering.emit_call(cholesky, [flipped], [])], [])


def _expand_cholesky(arguments: dict, lowering):
    _no_overwrite(arguments)
    a = _one_matrix(arguments, lowering)
    if _constant(arguments, "lower", (False, True)):
        return lowering.emit_call(cholesky, [a], [])
    return _upper_factor(a, lowering)


def _expand_eigh(arguments: dict, lowering):
    _no_overwrite(arguments)
    for name in ("b", "subset_by_index", "subset_by_value", "driver"):
        _constant(arguments, name, (None,))
    _constant(arguments, "type", (1,))
    if not _constant(arguments, "eigvals_only", (False, True)):
        raise Refused("its eigenvectors: NumPy's LAPACK driver, which srcgrad runs, gives them "
                      "other signs than SciPy's; use eigvals_only=True, or np.linalg.eigh")
    a = arguments["a"]
    if not _constant(arguments, "lower", (False, True)):
        a = lowering.emit_call(np.transpose, [a], [])
    return lowering.emit_call(eigh_values, [a], [])


_TRANSPOSED = {0: False, "N": False, 1: True, "T": True, 2: True, "C": True}


def _expand_solve_triangular(arguments: dict, lowering):
    _no_overwrite(arguments)
    transposed = _TRANSPOSED[_constant(arguments, "trans", tuple(_TRANSPOSED))]
    lower = _constant(arguments, "lower", (False, True))
    unit = ast.Constant(_constant(arguments, "unit_diagonal", (False, True)))
    a = arguments["a"]
    if transposed:  # the upper triangle of a.T is the lower one of a
        a, lower = lowering.emit_call(np.transpose, [a], []), not lower
    return lowering.emit_call(triangular_solve, [a, arguments["b"], ast.Constant(lower), unit],
                              [])


def _expand_cho_factor(arguments: dict, lowering):
    """`(c, lower)`: the factor in its triangle, `a`'s entries in the other."""
    _no_overwrite(arguments)
    a = _one_matrix(arguments, lowering)
    lower = _constant(arguments, "lower", (False, True))
    factor = (lowering.emit_call(cholesky, [a], []) if lower else _upper_factor(a, lowering))
    rest = lowering.emit_call(keep_triangle, [a, ast.Constant(not lower), ast.Constant(True)],
                              [])
    c = lowering.emit_binop(factor, ast.Add(), rest)
    return lowering.emit_tuple([c, ast.Constant(lower)])


def _expand_cho_solve(arguments: dict, lowering):
    """Two triangular solves with the lower factor `L` that `(c, lower)`
    holds: `L (L.T x) = b` (`lower` may be known at run time only)."""
    _no_overwrite(arguments)
    pair = arguments["c_and_lower"]
    parts = pair.elts if isinstance(pair, ast.Tuple) else lowering.built_tuple(pair)
    if not parts or len(parts) != 2:
        raise Refused("c_and_lower must be the pair (c, lower) that scipy.linalg.cho_factor "
                      "returns, or one written as a tuple")
    factor = lowering.emit_call(lower_factor, list(parts), [])
    flipped = lowering.emit_call(np.transpose, [factor], [])
    y = lowering.emit_call(triangular_solve, [factor, arguments["b"], ast.Constant(True),
                                              ast.Constant(False)], [])
    return lowering.emit_call(triangular_solve, [flipped, y, ast.Constant(False),
                                                 ast.Constant(False)], [])


def _expand_lu_factor(arguments: dict, lowering):
    """`(lu, piv)`: the factors and the row swaps (a constant)."""
    _no_overwrite(arguments)
    a = arguments["a"]
    return lowering.emit_tuple([lowering.emit_call(lu_matrix, [a], []),
                                lowering.emit_call(lu_pivots, [a], [])])


def _expand_lu_solve(arguments: dict, lowering):
    """`U^-1 L^-1 P b`, or `P.T L^-T U^-T b` with `trans`: triangular solves."""
    _no_overwrite(arguments)
    pair = arguments["lu_and_piv"]
    parts = pair.elts if isinstance(pair, ast.Tuple) else lowering.built_tuple(pair)
    if not parts or len(parts) != 2:
        raise Refused("lu_and_piv must be the pair (lu, piv) that scipy.linalg.lu_factor "
                      "returns, or one written as a tuple")
    lu, piv = parts
    b = arguments["b"]
    true, false = ast.Constant(True), ast.Constant(False)
    if not _TRANSPOSED[_constant(arguments, "trans", tuple(_TRANSPOSED))]:
        pivoted = lowering.emit_call(pivot_rows, [b, piv], [])
        y = lowering.emit_call(triangular_solve, [lu, pivoted, true, true], [])
        return lowering.emit_call(triangular_solve, [lu, y, false, false], [])
    flipped = lowering.emit_call(np.transpose, [lu], [])
    y = lowering.emit_call(triangular_solve, [flipped, b, true, false], [])
    z = lowering.emit_call(triangular_solve, [flipped, y, false, true], [])
    return lowering.emit_call(unpivot_rows, [z, piv], [])


for _primal, _expansion in [
        (scipy.linalg.solve, _expand_solve), (scipy.linalg.inv, _expand_inv),
        (scipy.linalg.det, _expand_det), (scipy.linalg.cholesky, _expand_cholesky),
        (scipy.linalg.eigh, _expand_eigh),
        (scipy.linalg.solve_triangular, _expand_solve_triangular)]:
    expand(_primal, _expansion)
# the functions of a pair, whose results or arguments are tuples, have no rule:
# every call is expanded, bound to the function's own signature
def _expand_solve_banded(arguments: dict, lowering):
    """`solve(banded_matrix(ab, l, u), b)`: the dense matrix of the band,
    solved by LAPACK's `gesv` (O(n³), not `gbsv`'s O(n (l + u)²))."""
    _no_overwrite(arguments)
    _constant(arguments, "overwrite_ab", (False,))
    pair = arguments["l_and_u"]
    parts = (pair.elts if isinstance(pair, ast.Tuple) else
             [ast.Constant(v) for v in pair.value] if isinstance(pair, ast.Constant)
             and isinstance(pair.value, tuple) else lowering.built_tuple(pair))
    if not (parts and len(parts) == 2 and all(
            isinstance(p, ast.Constant) and type(p.value) is int and p.value >= 0 for p in parts)):
        raise Refused("l_and_u must be a pair (l, u) of constant non-negative integers")
    a = lowering.emit_call(banded_matrix, [arguments["ab"], *parts], [])
    return lowering.emit_call(solve, [a, arguments["b"]], [])


for _primal, _expansion in [
        (scipy.linalg.cho_factor, _expand_cho_factor), (scipy.linalg.cho_solve, _expand_cho_solve),
        (scipy.linalg.lu_factor, _expand_lu_factor), (scipy.linalg.lu_solve, _expand_lu_solve),
        (scipy.linalg.solve_banded, _expand_solve_banded)]:
    expand(_primal, _expansion, inspect.signature(_primal))
