"""API-audit recipes of the matrix decompositions: `np.linalg.eigh`, `eigvalsh`,
`svd`, `qr`, `pinv`, `lstsq`, and `scipy.linalg`'s `solve`, `inv`, `det`,
`cholesky`, `eigh`, `solve_triangular`, `solve_sylvester`, `sqrtm` (`cho_factor`, `cho_solve`, `lu_factor`,
`lu_solve` and `solve_banded` have no rule of their own, being expanded always: their
end-to-end tests are in test_decomposition_calls.py).

Matrices are kept well conditioned (`x0 + 4 I` with entries in [-1, 1]);
most are not symmetric, so that reading the one triangle NumPy or SciPy
reads is checked too."""

from __future__ import annotations

from audit_recipes import A, R

SQ = A((3, 3), -1.0, 1.0)
SHIFTED = "x0 + 4.0 * np.eye(3)"
SPD = "x0 @ x0.T + 3.0 * np.eye(3)"

RECIPES = {
    "numpy.linalg.eigh": R([f"np.linalg.eigh({SPD})[0]",
                            f"np.linalg.eigh({SPD})[1] ** 3",
                            f"np.linalg.eigh({SHIFTED}, UPLO='U')[0]"], SQ, cpu=True),
    "numpy.linalg.eigvalsh": R([f"np.linalg.eigvalsh({SHIFTED})",
                                f"np.linalg.eigvalsh({SHIFTED}, 'U')"], SQ),
    "numpy.linalg.svd": R(["np.linalg.svd(x0, full_matrices=False)[0] ** 3",
                           "np.linalg.svd(x0, full_matrices=False)[1]",
                           "np.linalg.svd(x0, full_matrices=False)[2] ** 3",
                           "np.linalg.svd(x0, compute_uv=False)"], A((4, 3)), cpu=True),
    "numpy.linalg.qr": R(["np.linalg.qr(x0)[0] ** 3", "np.linalg.qr(x0)[1]",
                          "np.linalg.qr(x0, mode='r')"], A((4, 3)), cpu=True),
    "numpy.linalg.pinv": R("np.linalg.pinv(x0)", A((3, 4))),
    "numpy.linalg.lstsq": R(["np.linalg.lstsq(x0, x1, rcond=None)[0]",
                             "np.linalg.lstsq(x0, x1)[3]"], A((5, 3)), A((5,)), cpu=True),
    "scipy.linalg.solve": R([f"scipy.linalg.solve({SHIFTED}, x1)",
                             f"scipy.linalg.solve({SHIFTED}, x1, assume_a='sym')",
                             f"scipy.linalg.solve({SHIFTED}, x1, assume_a='pos', lower=True)",
                             f"scipy.linalg.solve({SHIFTED}, x1, transposed=True)"],
                            SQ, A((3,)), cpu=True),
    "scipy.linalg.inv": R([f"scipy.linalg.inv({SHIFTED})",
                           f"scipy.linalg.inv({SHIFTED}, assume_a='pos')"], SQ),
    "scipy.linalg.det": R(f"scipy.linalg.det({SHIFTED})", SQ),
    "scipy.linalg.cholesky": R([f"scipy.linalg.cholesky({SHIFTED})",
                                f"scipy.linalg.cholesky({SHIFTED}, lower=True)"], SQ, cpu=True),
    "scipy.linalg.eigh": R([f"scipy.linalg.eigh({SHIFTED}, eigvals_only=True)",
                            f"scipy.linalg.eigh({SHIFTED}, lower=False, eigvals_only=True)"], SQ),
    "scipy.linalg.solve_triangular": R([f"scipy.linalg.solve_triangular({SHIFTED}, x1)",
                                        f"scipy.linalg.solve_triangular({SHIFTED}, x1, "
                                        "lower=True, trans='T')",
                                        f"scipy.linalg.solve_triangular({SHIFTED}, x1, trans=1, "
                                        "unit_diagonal=True)"], SQ, A((3, 2)), cpu=True),
    # rewritten (no rule of their own): factors, and solves with them
    "scipy.linalg.cho_factor": R(f"scipy.linalg.cho_factor({SPD})[0]", SQ),
    "scipy.linalg.cho_solve": R(f"scipy.linalg.cho_solve(scipy.linalg.cho_factor({SPD}), x1)",
                                SQ, A((3, 2))),
    "scipy.linalg.lu_factor": R(f"scipy.linalg.lu_factor({SHIFTED})[0]", SQ),
    "scipy.linalg.lu_solve": R(f"scipy.linalg.lu_solve(scipy.linalg.lu_factor({SHIFTED}), x1)",
                               SQ, A((3, 2))),
    # the band's diagonal row shifted by 4 (row u of the banded storage)
    "scipy.linalg.solve_banded": R(["scipy.linalg.solve_banded((1, 1), x0 + np.array([[0.0], "
                                    "[4.0], [0.0]]), x1)",
                                    "scipy.linalg.solve_banded((2, 0), x0 + np.array([[4.0], "
                                    "[0.0], [0.0]]), x1[:, 0])"], SQ, A((3, 2)), cpu=True),
    "scipy.linalg.solve_sylvester": R([f"scipy.linalg.solve_sylvester({SHIFTED}, x1 + 3.0 * np.eye(2), x2)",
                                       f"scipy.linalg.solve_sylvester(x1 + 3.0 * np.eye(2), {SHIFTED}.T, x2.T)"],
                                      SQ, A((2, 2), -1.0, 1.0), A((3, 2)), cpu=True),
    "scipy.linalg.sqrtm": R([f"scipy.linalg.sqrtm({SPD})", f"scipy.linalg.sqrtm({SHIFTED}) ** 2"],
                            SQ, cpu=True),
}
