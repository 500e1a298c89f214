"""Matrix decompositions end to end, in functions written as users write them:
a Gaussian log-likelihood by Cholesky factor and triangular solves, a
Gaussian-process fit by `cho_factor`/`cho_solve`, a PCA reconstruction by
`eigh`, a nuclear norm by `svd`, least squares by `lstsq`, `qr` and `pinv`,
solves by `lu_factor`/`lu_solve`, Sylvester equations and square roots;
gradients on target="python" and "cpu" against central differences, one
second derivative, and the forms srcgrad refuses (at compile time, or when
the gradient runs: tied eigenvalues, rank-deficient matrices)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from gradcheck import numerical_gradient, numerical_hvp
from scipy.linalg import cho_factor, cho_solve, solve_triangular

import srcgrad as sg

TARGETS = ("python", "cpu")
RNG = np.random.default_rng(7)
B = RNG.uniform(-1.0, 1.0, (3, 3))
COV = B @ B.T + 3.0 * np.eye(3)  # symmetric positive definite, distinct eigenvalues
X = RNG.uniform(-2.0, 2.0, (5, 3))  # tall, full column rank, distinct singular values
Y = RNG.uniform(-1.0, 1.0, 5)
V = RNG.uniform(-1.0, 1.0, 3)
PIVOTED = np.array([[0.1, 0.2, 3.0], [0.3, 2.5, 0.1], [3.2, 0.1, 0.4]])  # rows swapped


def gaussian_loglik(cov, x):
    chol = scipy.linalg.cholesky(cov, lower=True)
    z = solve_triangular(chol, x, lower=True)
    return -0.5 * np.sum(z * z) - np.sum(np.log(np.diag(chol)))


def gp_fit(k, y):
    factor = cho_factor(k)
    alpha = cho_solve(factor, y)
    return np.dot(y, alpha) + np.sum(np.log(np.diag(factor[0])))


def gp_fit_lower(k, y):
    c, lower = cho_factor(k, lower=True)
    return np.dot(y, cho_solve((c, lower), y))


def pca_reconstruction(x):
    centred = x - np.mean(x, axis=0)
    w, v = np.linalg.eigh(centred.T @ centred)
    top = v[:, 1:]
    residual = centred - centred @ top @ top.T
    return np.sum(residual ** 2) + 0.1 * np.sum(w)


def top_eigenvalue(a):
    return np.linalg.eigh(a)[0][-1] + np.sum(np.linalg.eigvalsh(a, UPLO="U") ** 2)


def nuclear_norm(x):
    return np.sum(np.linalg.svd(x, compute_uv=False))


def low_rank_error(x):
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    rank_two = (u[:, :2] * s[:2]) @ vt[:2]
    return np.sum((x - rank_two) ** 2) + np.sum(u[0] ** 3) + np.sum(vt[:, 0] ** 3)


def least_squares_fit(a, y):
    coef = np.linalg.lstsq(a, y, rcond=None)[0]
    return np.sum((a @ coef) * y) + np.sum(coef ** 2)


def least_squares_parts(a, y):
    coef, residuals, rank, s = np.linalg.lstsq(a, y, rcond=None)
    return np.sum(coef ** 2) * rank + np.sum(np.log(s))


def projection(a, y):
    q, r = np.linalg.qr(a)
    return np.sum((q @ (q.T @ y)) ** 2) + np.sum(np.log(np.abs(np.diag(r))))


def pseudo_inverse(a, y):
    return np.sum(np.linalg.pinv(a) @ y) + np.sum(np.sin(np.linalg.pinv(a.T)))


def lu_solves(a, v):
    lu, piv = scipy.linalg.lu_factor(a)
    x = scipy.linalg.lu_solve((lu, piv), v)
    return np.sum(x ** 2) + np.sum(np.log(np.abs(np.diag(lu)))) + np.sum(
        scipy.linalg.lu_solve(scipy.linalg.lu_factor(a), v, trans=1))


def scipy_solves(a, v):
    sym = scipy.linalg.solve(a, v, assume_a="pos")
    general = scipy.linalg.solve(a + np.eye(3), v)
    return (np.sum(sym * general) + scipy.linalg.det(a) + np.sum(scipy.linalg.inv(a))
            + np.sum(scipy.linalg.eigh(a, eigvals_only=True) ** 2)
            + np.sum(scipy.linalg.cholesky(a)))


def sylvester_and_roots(a, b, q):
    """A Lyapunov-like equation and two principal square roots (of a
    non-symmetric and of a symmetric positive definite matrix)."""
    x = scipy.linalg.solve_sylvester(a, b, q)
    root = scipy.linalg.sqrtm(a)
    return (np.sum(x ** 2) + np.sum(np.sin(root))
            + np.sum(scipy.linalg.sqrtm(a @ a.T) * b[0, 0]))


SHIFTED = B + 3.0 * np.eye(3)  # not symmetric; eigenvalues near 3
SMALL = RNG.uniform(-1.0, 1.0, (2, 2)) + 2.0 * np.eye(2)
RHS = RNG.uniform(-1.0, 1.0, (3, 2))

CASES = [
    (gaussian_loglik, (COV, V)),
    (sylvester_and_roots, (SHIFTED, SMALL, RHS)),
    (gp_fit, (COV, V)),
    (gp_fit_lower, (COV, V)),
    (pca_reconstruction, (X,)),
    (top_eigenvalue, (COV,)),
    (nuclear_norm, (X,)),
    (nuclear_norm, (X.T.copy(),)),
    (low_rank_error, (X,)),
    (least_squares_fit, (X, Y)),
    (least_squares_parts, (X, Y)),
    (projection, (X, Y)),
    (pseudo_inverse, (X, Y)),
    (scipy_solves, (COV, V)),
    (lu_solves, (PIVOTED, V)),
]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn, args", CASES, ids=[f"{c[0].__name__}{c[1][0].shape}" for c in CASES])
def test_gradient(fn, args, target):
    wrt = tuple(range(len(args)))
    value, got = sg.value_and_grad(fn, wrt=wrt, target=target)(*args)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-10)
    want = numerical_gradient(fn, args, wrt)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("fn, args", [(gaussian_loglik, (COV, V)), (low_rank_error, (X,)),
                                      (projection, (X, Y))])
def test_second_derivative(fn, args):
    """The rules are written with functions that have rules: differentiable again."""
    first = sg.grad(fn, wrt=0, target="python")
    direction = RNG.standard_normal(args[0].shape)
    got = sg.grad(first, wrt=0, target="python")(*args, grad_ys=direction)

    def along(*a):
        return np.sum(direction * first(*a))

    np.testing.assert_allclose(got, numerical_gradient(along, args, 0, eps=1e-5),
                               rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("target", TARGETS)
def test_sylvester_and_roots_second_order(target):
    """Sylvester solves differentiated again, in every argument, against
    second differences of the function."""
    args = (SHIFTED, SMALL, RHS)
    first = sg.grad(sylvester_and_roots, wrt=0, target=target)
    direction = RNG.standard_normal(SHIFTED.shape)
    got = sg.grad(first, wrt=(0, 1, 2), target=target)(*args, grad_ys=direction)
    want = numerical_hvp(sylvester_and_roots, args, (0, 1, 2), {0: direction})
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def root_of(a):
    return np.sum(scipy.linalg.sqrtm(a))


@pytest.mark.parametrize("target", TARGETS)
def test_square_roots_off_the_negative_axis_only(target):
    """A negative eigenvalue (a complex root) and a zero one (no derivative) are refused."""
    with pytest.raises(sg.NoAdjointError, match="negative real axis"):
        sg.grad(root_of, target=target)(np.array([[1.0, 2.0], [3.0, -4.0]]))
    with pytest.raises(sg.NoAdjointError, match="negative real axis"):
        sg.grad(root_of, target=target)(np.diag([0.0, 1.0]))


# --- ties: the vectors have no derivative, the values do --------------------------------------


def first_eigenvector(a):
    w, v = np.linalg.eigh(a)
    return np.sum(v[:, 0] * np.array([1.0, 2.0, 3.0]))


def eigenvalues_only(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w ** 2) + np.sum(v * 0.0)  # v's cotangent is zero: no tie matters


def eigenvector_lengths(a):
    return np.sum(np.linalg.eigh(a)[1] ** 2)  # invariant under rotations inside the tie


def left_singular_vector(x):
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    return np.sum(u[:, 0] * np.array([1.0, 2.0, 3.0, 4.0]))


TIED = np.diag([2.0, 2.0, 5.0])  # eigenvalues 2, 2, 5
TIED_SVD = np.vstack([np.diag([3.0, 3.0, 1.0]), np.zeros((1, 3))])


@pytest.mark.parametrize("target", TARGETS)
def test_tied_values_raise_where_the_vectors_are_differentiated(target):
    with pytest.raises(sg.NoAdjointError, match="tie"):
        sg.grad(first_eigenvector, target=target)(TIED)
    with pytest.raises(sg.NoAdjointError, match="tie"):
        sg.grad(left_singular_vector, target=target)(TIED_SVD)


@pytest.mark.parametrize("target", TARGETS)
def test_tied_values_are_fine_without_the_vectors(target):
    got = sg.grad(eigenvalues_only, target=target)(TIED)
    # sum(w ** 2) is the squared Frobenius norm: 2 a on the diagonal of a diagonal matrix
    np.testing.assert_allclose(got, np.diag([4.0, 4.0, 10.0]), atol=1e-12)
    lengths = sg.grad(eigenvector_lengths, target=target)(TIED)
    np.testing.assert_allclose(lengths, np.zeros((3, 3)), atol=1e-12)


# --- refusals ---------------------------------------------------------------------------------


def full_factors(x):
    u, s, vt = np.linalg.svd(x)
    return np.sum(u) + np.sum(s) + np.sum(vt)


def hermitian_svd(x):
    return np.sum(np.linalg.svd(x, hermitian=True)[1])


def complete_qr(x):
    return np.sum(np.linalg.qr(x, mode="complete")[0])


def wide_qr(x):
    return np.sum(np.linalg.qr(x)[1])


def pinv_sum(x):
    return np.sum(np.linalg.pinv(x))


def lstsq_sum(a, y):
    return np.sum(np.linalg.lstsq(a, y, rcond=None)[0])


def lstsq_residuals(a, y):
    return np.sum(np.linalg.lstsq(a, y, rcond=None)[1])


def lstsq_cut_off(a, y):
    return np.sum(np.linalg.lstsq(a, y, rcond=1e-3)[0])


def scipy_eigenvectors(a):
    return np.sum(scipy.linalg.eigh(a)[1])


def overwritten(a):
    return np.sum(scipy.linalg.inv(a, overwrite_a=True))


def lu_of_a_stack(a):
    return np.sum(scipy.linalg.lu_factor(a)[0])


def general_eigenvalues(a):
    return np.sum(np.linalg.eigvalsh(a, UPLO=SIDE))


SIDE = "X"


def test_refused_forms_name_the_call():
    refused = [
        (hermitian_svd, (COV,), "hermitian"),
        (complete_qr, (X,), "mode"),
        (lstsq_residuals, (X, Y), "lstsq_residuals"),
        (lstsq_cut_off, (X, Y), "rcond"),
        (scipy_eigenvectors, (COV,), "eigenvectors"),
        (overwritten, (COV,), "overwrite_a"),
        (general_eigenvalues, (COV,), "UPLO"),
    ]
    for fn, args, what in refused:
        with pytest.raises(sg.SrcGradError, match=what):
            sg.grad(fn, wrt=tuple(range(len(args))), target="python")(*args)


RANK_ONE = np.outer([1.0, 2.0, 3.0, 4.0], [1.0, -1.0, 0.5])


@pytest.mark.parametrize("target", TARGETS)
def test_refused_when_the_gradient_runs(target):
    with pytest.raises(sg.NoAdjointError, match="full_matrices=True"):
        sg.grad(full_factors, target=target)(X)
    with pytest.raises(sg.NoAdjointError, match="fewer rows"):
        sg.grad(wide_qr, target=target)(X.T.copy())
    with pytest.raises(sg.NoAdjointError, match="full rank"):
        sg.grad(pinv_sum, target=target)(RANK_ONE)
    with pytest.raises(sg.NoAdjointError, match="full column rank"):
        sg.grad(lstsq_sum, wrt=(0, 1), target=target)(RANK_ONE, Y[:4])
    with pytest.raises(sg.NoAdjointError, match="one square matrix"):
        sg.grad(lu_of_a_stack, target=target)(np.ones((2, 3, 3)))


def singular_vectors(x):
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    return np.sum(u[:, 0] ** 3) + np.sum(vt[0] ** 3)


def largest_singular_value(x):
    return np.linalg.svd(x, compute_uv=False)[0]


def test_zero_singular_values_raise_where_the_vectors_are_differentiated():
    with pytest.raises(sg.NoAdjointError, match="singular value is zero"):
        sg.grad(singular_vectors, target="python")(RANK_ONE)
    # the singular values alone: the largest of a rank-one matrix u v^T has u v^T / |u||v|
    got = sg.grad(largest_singular_value, target="python")(RANK_ONE)
    u, v = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, -1.0, 0.5])
    np.testing.assert_allclose(got, np.outer(u, v) / np.linalg.norm(u) / np.linalg.norm(v),
                               atol=1e-12)


def test_full_factors_of_a_square_matrix():
    got = sg.grad(full_factors, target="python")(COV + B)
    np.testing.assert_allclose(got, numerical_gradient(full_factors, (COV + B,), 0),
                               rtol=1e-5, atol=1e-7)


# --- scipy.linalg.solve_banded ----------------------------------------------------------------------

BAND = RNG.uniform(-1.0, 1.0, (4, 6))  # l = 2, u = 1: row 1 is the diagonal
BAND[1] += 4.0
BAND_RHS = RNG.uniform(-1.0, 1.0, (6, 2))


def banded_vector(ab, b):
    return np.sum(scipy.linalg.solve_banded((2, 1), ab, b) ** 2)


def banded_matrix(ab, b):
    l_and_u = (2, 1)
    x = scipy.linalg.solve_banded(l_and_u, ab, b)
    return np.sum(np.sin(x)) + np.sum(scipy.linalg.solve_banded((0, 0), ab[1:2] + 1.0, x))


BANDED = [(banded_vector, (BAND, BAND_RHS[:, 0].copy())), (banded_matrix, (BAND, BAND_RHS))]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn, args", BANDED, ids=[c[0].__name__ for c in BANDED])
def test_solve_banded(fn, args, target):
    """In ab and b against central differences, to second order; the entries
    of ab outside the band, which SciPy does not read, get 0."""
    value, got = sg.value_and_grad(fn, wrt=(0, 1), target=target)(*args)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12)
    for g, w in zip(got, numerical_gradient(fn, args, (0, 1))):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-8)
    assert got[0][0, 0] == 0 and got[0][3, -1] == 0 and got[0][2, -1] == 0
    first = sg.grad(fn, wrt=0, target=target)
    direction = RNG.standard_normal(BAND.shape)
    second = sg.grad(first, wrt=(0, 1), target=target)(*args, grad_ys=direction)
    for g, w in zip(second, numerical_hvp(fn, args, (0, 1), {0: direction})):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def banded_of_float32(ab, b):
    return np.sum(scipy.linalg.solve_banded((2, 1), ab, b))


@pytest.mark.parametrize("target", TARGETS)
def test_solve_banded_of_float32(target):
    args = (BAND.astype(np.float32), BAND_RHS.astype(np.float32))
    got = sg.grad(banded_of_float32, wrt=(0, 1), target=target)(*args)
    assert all(g.dtype == np.float32 for g in got)
    want = numerical_gradient(banded_of_float32, (BAND, BAND_RHS), (0, 1))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)


def banded_of_variable_bandwidth(ab, b):
    return np.sum(scipy.linalg.solve_banded((int(b[0] > 0) + 1, 1), ab, b))


def banded_of_wrong_shape(ab, b):
    return np.sum(scipy.linalg.solve_banded((1, 1), ab, b))


def test_solve_banded_refusals():
    with pytest.raises(sg.NoAdjointError, match="l_and_u"):
        sg.grad(banded_of_variable_bandwidth, target="python")(BAND, BAND_RHS[:, 0].copy())
    with pytest.raises(ValueError, match="ab.shape"):
        sg.grad(banded_of_wrong_shape, target="python")(BAND, BAND_RHS[:, 0].copy())
