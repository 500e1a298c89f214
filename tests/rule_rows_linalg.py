"""Rule-table rows of the matrix decompositions (`srcgrad/rules/decompositions.py`,
`srcgrad/rules/scipy_linalg.py`, `srcgrad/rules/matrix_functions.py`): the parts
of `np.linalg.eigh`, `svd`, `qr`, `lstsq`, `pinv`, and the triangular solves of
`scipy.linalg`, each as the function of one result that the lowering writes
them with; Sylvester equations and matrix square roots.

Domains: symmetric positive definite matrices for eigh (distinct
eigenvalues, well apart); generic matrices for svd and qr (distinct,
nonzero singular values, full rank); matrices with a heavy diagonal for the
triangular solves, the Sylvester equations (no eigenvalue of `a` the
negative of one of `b`) and the square roots (eigenvalues near n, off the
negative real axis; symmetric or not)."""

from __future__ import annotations

import scipy.linalg
from rule_table import Const, Index, Matrix, Real, add, row

from srcgrad import runtime

Q, TALL, WIDE = (3, 3), (4, 3), (3, 4)

add(
    row(runtime.eigh_values, Matrix(Q, spd=True)),
    row(runtime.eigh_values, Matrix((4, 4), spd=True)),
    row(runtime.eigh_vectors, Matrix(Q, spd=True)),
    row(runtime.eigh_vectors, Matrix((4, 4), spd=True)),
    row(runtime.gap_product, Real((3,)), Real(Q)),
)
for shape in (TALL, WIDE):
    add(
        row(runtime.svd_s, Real(shape)),
        row(runtime.svd_u, Real(shape)),
        row(runtime.svd_vt, Real(shape)),
    )
add(
    row(runtime.svd_u, Real(Q), Const(True)),
    row(runtime.svd_vt, Real(Q), Const(True)),
    row(runtime.qr_q, Real(TALL)),
    row(runtime.qr_r, Real(TALL)),
    row(runtime.qr_q, Matrix(Q)),
    row(runtime.qr_r, Matrix(Q)),
    row(runtime.pinv, Real(TALL)),
    row(runtime.pinv, Real(WIDE)),
    row(runtime.lstsq_solution, Real((5, 3)), Real((5,))),
    row(runtime.lstsq_solution, Real(TALL), Real((4, 2))),
    row(runtime.triangular_solve, Matrix(Q), Real((3,)), Const(True), Const(False)),
    row(runtime.triangular_solve, Matrix(Q), Real((3, 2)), Const(False), Const(False)),
    row(runtime.triangular_solve, Matrix(Q), Real((3, 2)), Const(True), Const(True)),
    row(runtime.keep_triangle, Real(Q), Const(True), Const(False)),
    row(runtime.keep_triangle, Real(Q), Const(False), Const(True)),
    row(runtime.lower_factor, Real(Q), Const(True)),
    row(runtime.lower_factor, Real(Q), Const(False)),
    row(runtime.lower_factor_grad, Real(Q), Const(False)),
    row(runtime.banded_matrix, Real((4, 5)), Const(2), Const(1)),
    row(runtime.banded_matrix, Real((1, 3)), Const(0), Const(0)),
    row(runtime.banded_matrix_grad, Real((5, 5)), Const(1), Const(2)),
)
add(row(runtime.singular_reciprocal, Real((3,), 0.5, 3.0)))
add(
    row(runtime.lu_matrix, Real(Q)),  # entries of either sign: the rows are swapped
    row(runtime.lu_matrix, Real((4, 4))),
    row(runtime.pivot_rows, Real((3, 2)), Index((2, 2, 2))),
    row(runtime.pivot_rows, Real((3,)), Index((1, 1, 2))),
    row(runtime.unpivot_rows, Real((3, 2)), Index((2, 2, 2))),
)

# scipy.linalg's own rules (their default forms; every call is expanded into the functions above)
add(
    row(scipy.linalg.solve, Matrix(Q), Real((3,))),
    row(scipy.linalg.solve, Matrix(Q), Real((3, 2))),
    row(scipy.linalg.inv, Matrix(Q)),
    row(scipy.linalg.det, Matrix(Q, sign=True)),
    row(scipy.linalg.cholesky, Matrix(Q, spd=True)),
    row(scipy.linalg.eigh, Matrix(Q, spd=True), eigvals_only=True),
    row(scipy.linalg.solve_triangular, Matrix(Q), Real((3,))),
    row(scipy.linalg.solve_triangular, Matrix(Q), Real((3, 2)), lower=True),
)

# Sylvester equations a x + x b = q, and principal square roots
add(
    row(scipy.linalg.solve_sylvester, Matrix(Q), Matrix((2, 2)), Real((3, 2))),
    row(scipy.linalg.solve_sylvester, Matrix(Q, sign=True), Matrix(Q), Real(Q)),
    row(runtime.sylvester, Matrix((2, 2)), Matrix(Q), Real((2, 3))),
    row(scipy.linalg.sqrtm, Matrix(Q, spd=True)),
    row(scipy.linalg.sqrtm, Matrix((4, 4))),
    row(runtime.sqrtm, Matrix(Q)),
)
