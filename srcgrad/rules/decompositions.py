"""Adjoint rules of NumPy's matrix decompositions: `np.linalg.eigh`,
`eigvalsh`, `svd`, `qr`, `pinv` and `lstsq`, of one matrix (2-D).

The lowering writes a call that returns a tuple as the tuple of its parts
(`w, v = np.linalg.eigh(a)`, `np.linalg.svd(x, full_matrices=False)[1]`),
each a function of `srcgrad.runtime.decompositions` with a rule of its own,
so the gradient of each part goes its own way and a part nobody reads costs
nothing.  The rules are written with products, solves and the maps of
`rules/linalg.py`, which have rules of their own: differentiable again.

- eigh (`UPLO='L'` or `'U'`: NumPy reads that triangle only; `'U'` is the
  lower triangle of the transpose).  With `a = V diag(w) V.T`, `F[i, j] =
  1 / (w[j] - w[i])` off the diagonal (`gap_product`): `w` gives
  `V diag(gw) V.T`, `V` gives `V (F * (V.T gV)) V.T`, each folded onto the
  triangle read (`fold_lower`): the input is taken as the symmetric matrix
  of that triangle, as NumPy takes it.  Where two eigenvalues tie and the
  eigenvectors' cotangent touches them the eigenvectors have no
  derivative: `gap_product` raises.  The eigenvalues alone are fine there.
- svd (`full_matrices=False`; `True` for a square matrix only, where the
  factors are the same; `compute_uv=False`: the singular values).  Townsend
  (2016), with `F[i, j] = 1 / (s[j]**2 - s[i]**2)`: `s` gives
  `U diag(gs) Vt`, `U` gives `U (F * (U.T gU - gU.T U)) S Vt + (I - U U.T)
  gU S^-1 Vt`, `Vt` its mirror.  Tied singular values: as eigh.  A zero
  singular value, which the vectors' rules divide by, raises
  (`singular_reciprocal`); the singular values alone are fine there.
- qr (`mode='reduced'` or `'r'`, at least as many rows as columns, full
  column rank): `M = R gR.T - gQ.T Q`, `gA = (gQ + Q copyltu(M)) R^-T`
  (`copyltu`: `mirror_lower`), split into the part of `Q` and of `R`.
- pinv (default `rcond`, full rank, refused at run time otherwise): with
  `X = pinv(A)`, `gA = -X.T g X.T + (I - A X) g.T X X.T + X.T X g.T (I - X A)`.
- lstsq (`rcond=None`, full column rank): the solution `x`, with `r = b - A x`
  and `z = (A.T A)^-1 gx`, has `gA = r z.T - (A z) x.T`, `gb = A z`.  The
  residuals have no rule (refused where differentiated); the rank is a
  constant; the singular values are `svd_s(a)`, differentiated.

Tangents (forward mode), each beside its adjoint: eigh's, `v_k' dS v_k` and
`V (F * (V' dS V))` (`dS = mirror_lower(dA)`); svd's, with `P = U' dA V`:
`ds = diag(P)`, `dU = U (F * (P S + S P')) + (I - U U') dA V S^-1` and
`dVt` its mirror (`a.T = V S U'`), `F` as above (ties and zero singular
values raise as in reverse); qr's, with `C = Q' dA R^-1` (the sum of the
antisymmetric `Q' dQ` and the upper triangular `dR R^-1`) and `K = triu(C)
+ tril(C, -1).T` (which is `dR R^-1`): `dR = K R`, `dQ = dA R^-1 - Q K`;
pinv's and lstsq's.
"""

from __future__ import annotations

import ast
import inspect

import numpy as np

from ..runtime import (
    dot,
    dot_grad_left,
    eigh_values,
    eigh_vectors,
    fold_lower,
    gap_product,
    keep_triangle,
    lstsq_rank,
    lstsq_residuals,
    lstsq_solution,
    mirror_lower,
    pinv,
    qr_q,
    qr_r,
    singular_reciprocal,
    solve,
    sum_to,
    svd_s,
    svd_u,
    svd_vt,
)
from .registry import Refused, adjoint, expand, nondifferentiable, replace, unsupported
from .tangents import tangent

# --- eigh --------------------------------------------------------------------------------------


@adjoint(eigh_values, np.linalg.eigvalsh, np.linalg.eigh)
def eigh_values_adjoint(g, ans, a, UPLO="L"):
    # np.linalg.eigh and eigvalsh share this rule for their signature only:
    # the lowering writes them with eigh_values and eigh_vectors (`_expand_eigh`)
    return (fold_lower(dot(eigh_vectors(a) * sum_to(g, np.shape(ans)),
                           np.transpose(eigh_vectors(a)))), None)


@tangent(eigh_values, np.linalg.eigvalsh, np.linalg.eigh)
def eigh_values_tangent(ans, a, UPLO, da):
    # the symmetric matrix of a's lower triangle moves by mirror_lower(da): w_k by v_k' ds v_k
    return np.sum(eigh_vectors(a) * dot(mirror_lower(da), eigh_vectors(a)), axis=0)


@adjoint(eigh_vectors)
def eigh_vectors_adjoint(g, ans, a):
    return fold_lower(dot(ans, dot(gap_product(eigh_values(a), dot(
        np.transpose(ans), sum_to(g, np.shape(ans)))), np.transpose(ans))))


@tangent(eigh_vectors)
def eigh_vectors_tangent(ans, a, da):
    return dot(ans, gap_product(eigh_values(a), dot(np.transpose(ans),
                                                    dot(mirror_lower(da), ans))))


@adjoint(gap_product)
def gap_product_adjoint(g, ans, w, x):
    return (np.sum(gap_product(w, gap_product(w, sum_to(g, np.shape(ans)) * x)), axis=1)
            - np.sum(gap_product(w, gap_product(w, sum_to(g, np.shape(ans)) * x)), axis=0),
            gap_product(w, sum_to(g, np.shape(ans))))


@tangent(gap_product)
def gap_product_tangent(ans, w, x, dw, dx):
    return (-gap_product(w, gap_product(w, x))
            * (np.reshape(dw, (1, -1)) - np.reshape(dw, (-1, 1))), gap_product(w, dx))


def _lower_triangle_of(a: ast.expr, uplo: ast.expr, lowering, name: str) -> ast.expr:
    """The matrix whose lower triangle is the triangle `UPLO` names in `a`."""
    if not isinstance(uplo, ast.Constant) or uplo.value not in ("L", "U", "l", "u"):
        raise Refused(f"{name} with UPLO={ast.unparse(uplo)}: srcgrad differentiates "
                      "UPLO='L' or 'U' written as a constant")
    if uplo.value in ("U", "u"):
        return lowering.emit_call(np.transpose, [a], [])
    return a


def _expand_eigh(arguments: dict, lowering):
    """`np.linalg.eigh(a)` as the pair `(eigh_values(a), eigh_vectors(a))`."""
    a = _lower_triangle_of(arguments["a"], arguments["UPLO"], lowering, "np.linalg.eigh")
    values = lowering.emit_call(eigh_values, [a], [])
    vectors = lowering.emit_call(eigh_vectors, [a], [])
    return lowering.emit_tuple([values, vectors])


def _expand_eigvalsh(arguments: dict, lowering):
    a = _lower_triangle_of(arguments["a"], arguments["UPLO"], lowering, "np.linalg.eigvalsh")
    return lowering.emit_call(eigh_values, [a], [])


expand(np.linalg.eigh, _expand_eigh)
expand(np.linalg.eigvalsh, _expand_eigvalsh)

# --- svd ---------------------------------------------------------------------------------------


@adjoint(singular_reciprocal)
def singular_reciprocal_adjoint(g, ans, s):
    return -sum_to(g, np.shape(ans)) * ans * ans


@tangent(singular_reciprocal)
def singular_reciprocal_tangent(ans, s, ds):
    return -ds * ans * ans


@adjoint(svd_s)
def svd_s_adjoint(g, ans, a):
    return dot(svd_u(a) * sum_to(g, np.shape(ans)), svd_vt(a))


@tangent(svd_s)
def svd_s_tangent(ans, a, da):
    return np.sum(svd_u(a) * dot(da, np.transpose(svd_vt(a))), axis=0)


@adjoint(svd_u, np.linalg.svd)
def svd_u_adjoint(g, ans, a, full_matrices=False):
    # np.linalg.svd shares this rule for its signature only (`_expand_svd`)
    return (dot(dot(ans, gap_product(svd_s(a) * svd_s(a),
                                     dot(np.transpose(ans), sum_to(g, np.shape(ans)))
                                     - dot(np.transpose(sum_to(g, np.shape(ans))), ans)))
                * svd_s(a)
                + (sum_to(g, np.shape(ans))
                   - dot(ans, dot(np.transpose(ans), sum_to(g, np.shape(ans)))))
                * singular_reciprocal(svd_s(a)),
                svd_vt(a)), None)


@tangent(svd_u, np.linalg.svd)
def svd_u_tangent(ans, a, full_matrices, da):
    # with P = U' dA V, U' dU is F * (P S + S P') and (I - U U') dU is (I - U U') dA V S^-1
    return (dot(ans, gap_product(svd_s(a) * svd_s(a),
                                 dot(np.transpose(ans), dot(da, np.transpose(svd_vt(a))))
                                 * svd_s(a)
                                 + np.transpose(dot(np.transpose(ans),
                                                    dot(da, np.transpose(svd_vt(a))))
                                                * svd_s(a))))
            + (dot(da, np.transpose(svd_vt(a)))
               - dot(ans, dot(np.transpose(ans), dot(da, np.transpose(svd_vt(a))))))
            * singular_reciprocal(svd_s(a)))


@adjoint(svd_vt)
def svd_vt_adjoint(g, ans, a, full_matrices=False):
    return (dot(svd_u(a) * svd_s(a),
                dot(gap_product(svd_s(a) * svd_s(a),
                                dot(ans, np.transpose(sum_to(g, np.shape(ans))))
                                - dot(sum_to(g, np.shape(ans)), np.transpose(ans))), ans))
            + dot(svd_u(a) * singular_reciprocal(svd_s(a)), sum_to(g, np.shape(ans))
                  - dot(dot(sum_to(g, np.shape(ans)), np.transpose(ans)), ans)), None)


@tangent(svd_vt)
def svd_vt_tangent(ans, a, full_matrices, da):
    # svd_u's of a' = V S U': with Z = dA' U, dV = V (F * (V'Z S + S Z'V)) + (Z - V V'Z) S^-1
    return np.transpose(
        dot(np.transpose(ans), gap_product(svd_s(a) * svd_s(a),
                                           dot(ans, dot(np.transpose(da), svd_u(a))) * svd_s(a)
                                           + np.transpose(dot(ans, dot(np.transpose(da),
                                                                       svd_u(a)))
                                                          * svd_s(a))))
        + (dot(np.transpose(da), svd_u(a))
           - dot(np.transpose(ans), dot(ans, dot(np.transpose(da), svd_u(a)))))
        * singular_reciprocal(svd_s(a)))


def _constant_flag(arguments: dict, name: str) -> bool:
    value = arguments[name]
    if not (isinstance(value, ast.Constant) and isinstance(value.value, (bool, int))):
        raise Refused(f"{name} must be written as a constant True or False")
    return bool(value.value)


def _expand_svd(arguments: dict, lowering):
    """`np.linalg.svd(a)` as `(svd_u(a), svd_s(a), svd_vt(a))`, or `svd_s(a)`."""
    if _constant_flag(arguments, "hermitian"):
        raise Refused("hermitian=True: srcgrad differentiates the general svd (hermitian=False)")
    a = arguments["a"]
    full_matrices = ast.Constant(_constant_flag(arguments, "full_matrices"))
    if not _constant_flag(arguments, "compute_uv"):
        return lowering.emit_call(svd_s, [a], [])
    u = lowering.emit_call(svd_u, [a, full_matrices], [])
    s = lowering.emit_call(svd_s, [a], [])
    vt = lowering.emit_call(svd_vt, [a, full_matrices], [])
    return lowering.emit_tuple([u, s, vt])


expand(np.linalg.svd, _expand_svd, inspect.signature(np.linalg.svd))

# --- qr ----------------------------------------------------------------------------------------


@adjoint(qr_q, np.linalg.qr)
def qr_q_adjoint(g, ans, a, mode="reduced"):
    # np.linalg.qr shares this rule for its signature only (`_expand_qr`)
    return (np.transpose(solve(qr_r(a), np.transpose(sum_to(g, np.shape(ans)) - dot(
        ans, mirror_lower(dot(np.transpose(sum_to(g, np.shape(ans))), ans)))))), None)


@tangent(qr_q, np.linalg.qr)
def qr_q_tangent(ans, a, mode, da):
    # C = Q' dA R^-1 = Q' dQ + dR R^-1, antisymmetric plus upper triangular: with
    # K = triu(C) + tril(C, -1)' = dR R^-1, dQ = dA R^-1 - Q K (and dR = K R)
    return (np.transpose(solve(np.transpose(qr_r(a)), np.transpose(da)))
            - dot(ans, keep_triangle(dot(np.transpose(ans), np.transpose(solve(
                np.transpose(qr_r(a)), np.transpose(da)))), False, False)
                + np.transpose(keep_triangle(dot(np.transpose(ans), np.transpose(solve(
                    np.transpose(qr_r(a)), np.transpose(da)))), True, True))))


@adjoint(qr_r)
def qr_r_adjoint(g, ans, a):
    return np.transpose(solve(ans, np.transpose(dot(qr_q(a), mirror_lower(
        dot(ans, np.transpose(sum_to(g, np.shape(ans)))))))))


@tangent(qr_r)
def qr_r_tangent(ans, a, da):
    # dR = K R, K = triu(C) + tril(C, -1)' for C = Q' dA R^-1 (qr_q's)
    return dot(keep_triangle(dot(np.transpose(qr_q(a)), np.transpose(solve(
        np.transpose(ans), np.transpose(da)))), False, False)
        + np.transpose(keep_triangle(dot(np.transpose(qr_q(a)), np.transpose(solve(
            np.transpose(ans), np.transpose(da)))), True, True)), ans)


def _expand_qr(arguments: dict, lowering):
    """`np.linalg.qr(a)` as `(qr_q(a), qr_r(a))`; `mode='r'` as `qr_r(a)`."""
    a, mode = arguments["a"], arguments["mode"]
    if not isinstance(mode, ast.Constant) or mode.value not in ("reduced", "r"):
        raise Refused(f"mode={ast.unparse(mode)}: srcgrad differentiates mode='reduced' "
                      "(and 'r', R alone)")
    if mode.value == "r":
        return lowering.emit_call(qr_r, [a], [])
    return lowering.emit_tuple([lowering.emit_call(qr_q, [a], []),
                                lowering.emit_call(qr_r, [a], [])])


expand(np.linalg.qr, _expand_qr)

# --- pinv and lstsq ----------------------------------------------------------------------------


@adjoint(pinv, np.linalg.pinv)
def pinv_adjoint(g, ans, a):
    return (-dot(np.transpose(ans), dot(sum_to(g, np.shape(ans)), np.transpose(ans)))
            + dot(np.transpose(sum_to(g, np.shape(ans))), dot(ans, np.transpose(ans)))
            - dot(a, dot(ans, dot(np.transpose(sum_to(g, np.shape(ans))),
                                  dot(ans, np.transpose(ans)))))
            + dot(dot(np.transpose(ans), ans), np.transpose(sum_to(g, np.shape(ans))))
            - dot(dot(dot(dot(np.transpose(ans), ans), np.transpose(sum_to(g, np.shape(ans)))),
                      ans), a))


@tangent(pinv, np.linalg.pinv)
def pinv_tangent(ans, a, da):
    # d pinv = -X dA X + X X' dA' (I - A X) + (I - X A) dA' X' X
    return (-dot(ans, dot(da, ans))
            + dot(dot(ans, np.transpose(ans)), np.transpose(da))
            - dot(dot(dot(ans, np.transpose(ans)), np.transpose(da)), dot(a, ans))
            + dot(np.transpose(da), dot(np.transpose(ans), ans))
            - dot(dot(ans, a), dot(np.transpose(da), dot(np.transpose(ans), ans))))


replace(np.linalg.pinv, pinv)


@adjoint(lstsq_solution, np.linalg.lstsq)
def lstsq_solution_adjoint(g, ans, a, b, rcond=None):
    # np.linalg.lstsq shares this rule for its signature only (`_expand_lstsq`)
    return (dot_grad_left(b - dot(a, ans), a, solve(dot(np.transpose(a), a), sum_to(
        g, np.shape(ans)))) - dot_grad_left(dot(a, solve(dot(np.transpose(a), a), sum_to(
            g, np.shape(ans)))), a, ans),
            dot(a, solve(dot(np.transpose(a), a), sum_to(g, np.shape(ans)))), None)


@tangent(lstsq_solution, np.linalg.lstsq)
def lstsq_solution_tangent(ans, a, b, rcond, da, db):
    # x = (A'A)^-1 A'b: dx = (A'A)^-1 (dA' r - A' dA x + A' db), r = b - A x
    return (solve(dot(np.transpose(a), a), dot(np.transpose(da), b - dot(a, ans))
                  - dot(np.transpose(a), dot(da, ans))),
            solve(dot(np.transpose(a), a), dot(np.transpose(a), db)))


nondifferentiable(lstsq_rank)


def _expand_lstsq(arguments: dict, lowering):
    """`np.linalg.lstsq(a, b)` as `(lstsq_solution(a, b), lstsq_residuals(a, b),
    lstsq_rank(a), svd_s(a))`."""
    rcond = arguments["rcond"]
    if not (isinstance(rcond, ast.Constant) and rcond.value is None):
        raise Refused(f"rcond={ast.unparse(rcond)}: srcgrad differentiates rcond=None "
                      "(of a matrix of full column rank)")
    a, b = arguments["a"], arguments["b"]
    return lowering.emit_tuple([
        lowering.emit_call(lstsq_solution, [a, b], []),
        lowering.emit_call(lstsq_residuals, [a, b], []),
        lowering.emit_call(lstsq_rank, [a], []),
        lowering.emit_call(svd_s, [a], []),
    ])


expand(np.linalg.lstsq, _expand_lstsq)

unsupported(np.linalg.eig, reason="the eigenvalues and eigenvectors of a general (nonsymmetric) "
            "matrix are complex, and srcgrad differentiates real values only; of a symmetric "
            "matrix, np.linalg.eigh (or eigvalsh) gives them real, and srcgrad differentiates it")
