"""The last of autograd's functions: `scipy.stats.dirichlet.logpdf`/`pdf`,
`scipy.stats.multivariate_normal.entropy`, NumPy 2's `np.astype`, the
constants `np.result_type` and `np.iscomplexobj`, and the refusals of
`np.linalg.eig` and `np.real_if_close`.  Values against SciPy's, gradients
on target="python" and "cpu" against central differences of the function
itself (SciPy's), second order against differences of the function, and
SciPy's errors where SciPy raises."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import numerical_gradient, numerical_hvp
from scipy.stats import dirichlet, multivariate_normal

import srcgrad as sg

TARGETS = ("python", "cpu")
ALPHA = np.array([1.5, 0.7, 3.0, 1.0])
POINT = np.array([0.2, 0.3, 0.4, 0.1])
POINTS = np.array([[0.2, 0.05, 0.6], [0.3, 0.25, 0.1], [0.4, 0.2, 0.1], [0.1, 0.5, 0.2]])


def check_first_order(fn, args, wrt, target):
    """srcgrad's value is SciPy's, its gradient central differences'."""
    value, got = sg.value_and_grad(fn, wrt=wrt, target=target)(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    want = numerical_gradient(fn, args, wrt)
    for g, w in zip(*((got, want) if isinstance(wrt, tuple) else ((got,), (want,)))):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-7)


def check_second_order(fn, args, first_wrt, direction, target):
    """The gradient in every argument of the derivative along `direction` of
    argument `first_wrt`, against central differences of central differences."""
    first = sg.grad(fn, wrt=first_wrt, target=target)
    wrt = tuple(range(len(args)))
    got = sg.grad(first, wrt=wrt, target=target)(*args, grad_ys=direction)
    for g, w in zip(got, numerical_hvp(fn, args, wrt, {first_wrt: direction})):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


# --- Dirichlet: values as SciPy's ------------------------------------------------------------------


def dirichlet_densities(x, alpha):
    return dirichlet.logpdf(x, alpha) + 0.5 * dirichlet.pdf(x, alpha * 0.5 + 1.0)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("x,alpha", [
    (POINT, ALPHA),
    (POINTS, ALPHA),
    (np.array([0.0, 0.5, 0.5]), np.array([1.0, 2.0, 3.0])),  # x_i = 0 with alpha_i = 1: finite
    (np.array([0.0, 0.5, 0.5]), np.array([2.0, 2.0, 3.0])),  # with alpha_i > 1: -inf
    (np.array([[0.0, 0.3], [1.0, 0.7]]), np.array([1.5, 2.0])),
], ids=["point", "points", "zero-alpha-1", "zero-alpha-2", "columns-with-zero"])
def test_dirichlet_values_are_scipys(x, alpha, target):
    want = dirichlet_densities(x, alpha)
    seed = np.ones(np.shape(want))
    with np.errstate(divide="ignore", invalid="ignore"):
        value = sg.value_and_grad(dirichlet_densities, wrt=1, target=target)(
            x, alpha, grad_ys=seed)[0]
    assert np.shape(value) == np.shape(want)
    np.testing.assert_allclose(value, want, rtol=1e-12)


# --- gradients: in alpha directly, in x along the simplex --------------------------------------------


def on_the_simplex(z, alpha):
    """Points x = softmax(z) (columns), so that differences of z keep x on the
    simplex, where SciPy's logpdf is defined."""
    e = np.exp(z)
    x = e / np.sum(e, axis=0)
    return np.sum(dirichlet.logpdf(x, alpha) * np.array([1.0, -0.5, 2.0])) \
        + dirichlet.pdf(x[:, 0], alpha) + dirichlet.logpdf(x[:, 1], 2.0 * alpha)


Z = np.log(POINTS)


@pytest.mark.parametrize("target", TARGETS)
def test_dirichlet_gradients(target):
    check_first_order(on_the_simplex, (Z, ALPHA), (0, 1), target)


def logpdf_of_the_point(x, alpha):
    return dirichlet.logpdf(x, alpha)


@pytest.mark.parametrize("target", TARGETS)
def test_dirichlet_gradient_in_x_along_the_simplex(target):
    """The gradient in x itself, against differences of SciPy's logpdf along
    directions that keep x on the simplex (entries summing to 0)."""
    got = sg.grad(logpdf_of_the_point, wrt=0, target=target)(POINT, ALPHA)
    for v in (np.array([1.0, -1.0, 0.0, 0.0]), np.array([0.2, 0.3, -0.6, 0.1]),
              np.array([-0.5, 0.0, 0.25, 0.25])):
        h = 1e-6
        want = (dirichlet.logpdf(POINT + h * v, ALPHA)
                - dirichlet.logpdf(POINT - h * v, ALPHA)) / (2 * h)
        assert got @ v == pytest.approx(want, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("target", TARGETS)
def test_dirichlet_second_order(target):
    direction = np.array([[0.4, -1.0, 0.7], [0.2, -0.3, 0.6], [-0.8, 0.5, 0.1], [0.3, 0.3, -0.2]])
    check_second_order(on_the_simplex, (Z, ALPHA), 0, direction, target)
    check_second_order(on_the_simplex, (Z, ALPHA), 1, np.array([0.5, -0.2, 0.3, 1.0]), target)


# --- where SciPy raises, srcgrad raises SciPy's ValueError; forms it refuses ----------------------------


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("x,alpha,match", [
    (np.array([0.2, 0.3, 0.6]), np.array([1.5, 2.0, 3.0]), "simplex"),
    (np.array([-0.1, 0.6, 0.5]), np.array([1.5, 2.0, 3.0]), "greater than or equal to zero"),
    (np.array([1.5, -0.2, -0.3]), np.array([1.5, 2.0, 3.0]), "greater than or equal to zero"),
    (np.array([0.0, 0.5, 0.5]), np.array([0.5, 2.0, 3.0]), "alpha is less than one"),
    (np.array([0.2, 0.3, 0.5]), np.array([0.0, 2.0, 3.0]), "greater than 0"),
    (np.array([0.2, 0.3, 0.5]), np.array([-1.0, 2.0, 3.0]), "greater than 0"),
    (np.array([[0.2, 0.5], [0.8, 0.6]]), np.array([1.5, 2.0]), "simplex"),
], ids=["off-simplex", "negative", "negative-above-one", "zero-alpha-below-1", "alpha-0",
        "alpha-negative", "a-column-off"])
def test_dirichlet_raises_scipys_errors(x, alpha, match, target):
    with pytest.raises(ValueError, match=match):
        dirichlet.logpdf(x, alpha)
    with pytest.raises(ValueError, match=match):
        sg.grad(logpdf_of_the_point, wrt=(0, 1), target=target)(x, alpha)
    with pytest.raises(ValueError, match=match):
        sg.value_and_grad(dirichlet_densities, wrt=1, target=target)(x, alpha)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("x", [POINT[:3], POINTS[:, :1]], ids=["k-1-entries", "one-column"])
def test_dirichlet_forms_srcgrad_refuses(x, target):
    """SciPy reads x of k - 1 entries as the first of k (the last 1 - Σ), and
    squeezes a (k, 1) matrix's one log-density to a number: srcgrad refuses
    both, naming the forms it differentiates, never a value of another shape."""
    dirichlet.logpdf(x, ALPHA)  # SciPy's value
    error = sg.NoAdjointError if target == "python" else ValueError
    with pytest.raises(error, match="as many entries"):
        sg.grad(logpdf_of_the_point, wrt=1, target=target)(x, ALPHA)


def test_dirichlet_alpha_not_a_vector(target="python"):
    with pytest.raises(ValueError, match="one dimensional"):
        dirichlet.logpdf(POINT, ALPHA[None])
    with pytest.raises(ValueError, match="one dimensional"):
        sg.grad(logpdf_of_the_point, wrt=1, target=target)(POINT, ALPHA[None])
    with pytest.raises(sg.NoAdjointError, match="one dimensional"):
        sg.grad(logpdf_of_the_point, wrt=1, target="cpu")(POINT, ALPHA[None])


# --- the multivariate normal's entropy ----------------------------------------------------------------


def entropies(a, mean):
    cov = a @ a.T + np.eye(3)
    return (multivariate_normal.entropy(cov=cov) + 2.0 * multivariate_normal.entropy(mean, cov)
            + multivariate_normal.entropy(None, np.diag(mean) + 0.5 * cov))


A = np.array([[0.6, -0.2, 0.3], [0.1, 0.9, -0.4], [-0.5, 0.2, 0.7]])
MEAN = np.array([0.5, 1.2, 0.8])
COV = np.array([[2.0, 0.3, -0.4], [0.3, 1.5, 0.2], [-0.4, 0.2, 1.1]])


def entropy_of(cov):
    return multivariate_normal.entropy(cov=cov)


@pytest.mark.parametrize("target", TARGETS)
def test_entropy(target):
    check_first_order(entropies, (A, MEAN), (0, 1), target)
    # in cov itself: SciPy (and NumPy's Cholesky) read its lower triangle
    check_first_order(entropy_of, (COV,), 0, target)


@pytest.mark.parametrize("target", TARGETS)
def test_entropy_second_order(target):
    direction = np.array([[0.4, -1.0, 0.7], [0.2, -0.3, 0.6], [-0.8, 0.5, 0.1]])
    check_second_order(entropies, (A, MEAN), 0, direction, target)
    check_second_order(entropies, (A, MEAN), 1, np.array([0.3, -0.6, 1.0]), target)
    check_second_order(entropy_of, (COV,), 0, direction, target)


def entropy_of_a_number(s):
    return multivariate_normal.entropy(cov=2.0)


def entropy_of_a_scalar_cov(s):
    return multivariate_normal.entropy(cov=s * s)


def entropy_of_a_vector(s):
    return multivariate_normal.entropy(cov=s)


def entropy_of_a_wrong_mean(s):
    return multivariate_normal.entropy(np.zeros(2), np.eye(3) * s[0])


@pytest.mark.parametrize("target", TARGETS)
def test_entropy_refusals(target):
    s = np.array([1.5, 2.0, 0.5])
    with pytest.raises(sg.NoAdjointError, match="covariance matrix"):
        sg.grad(entropy_of_a_number, target=target)(s)
    with pytest.raises(sg.NoAdjointError, match="d x d covariance"):
        sg.grad(entropy_of_a_scalar_cov, target=target)(1.5)
    with pytest.raises(sg.NoAdjointError, match="d x d covariance"):
        sg.grad(entropy_of_a_vector, target=target)(s)  # SciPy: diag(s), srcgrad: refused
    with pytest.raises(ValueError, match="mean"):
        entropy_of_a_wrong_mean(s)
    with pytest.raises(ValueError, match="mean"):
        sg.grad(entropy_of_a_wrong_mean, target=target)(s)
    # SciPy gives the entropy of a singular cov (its pseudo-determinant's): srcgrad raises
    singular = np.array([[1.0, 0.0], [0.0, 0.0]])
    assert np.isfinite(entropy_of(singular))
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        sg.grad(entropy_of, target=target)(singular)


# --- np.astype, np.result_type, np.iscomplexobj ---------------------------------------------------------


def casts(x):
    y = np.astype(x, np.float64) * x + np.astype(x, "f8", copy=True) + np.astype(x, int) * x
    if np.iscomplexobj(x):
        y = 2.0 * y
    return np.sum(y * x.astype(np.float64))


@pytest.mark.parametrize("target", TARGETS)
def test_astype(target):
    x = np.array([0.3, 1.7, 2.2, -0.6])
    value, got = sg.value_and_grad(casts, target=target)(x)
    assert value == pytest.approx(casts(x), rel=1e-12)
    np.testing.assert_allclose(got, numerical_gradient(casts, (x,), 0), rtol=1e-6, atol=1e-7)


def cast_to_float32(x):
    return np.sum(np.astype(x * x, np.float32))


@pytest.mark.parametrize("target", TARGETS)
def test_astype_float32(target):
    x = np.array([0.3, 1.7, 2.2])
    got = sg.grad(cast_to_float32, target=target)(x)
    assert got.dtype == np.float64  # x's dtype
    np.testing.assert_allclose(got, numerical_gradient(cast_to_float32, (x,), 0, eps=1e-3),
                               rtol=1e-3)


def with_result_type(x):
    z = np.zeros(x.shape, np.result_type(x, 1.0))
    return np.sum((z + x) * x)


def test_result_type():
    x = np.array([0.3, 1.7, 2.2])
    got = sg.grad(with_result_type, target="python")(x)
    np.testing.assert_allclose(got, numerical_gradient(with_result_type, (x,), 0), rtol=1e-6)


# --- refused, with the reason ------------------------------------------------------------------------


def general_eigenvalues(a):
    w, v = np.linalg.eig(a)
    return np.sum(w)


def real_if_close(a):
    return np.sum(np.real_if_close(a))


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn,match", [
    (general_eigenvalues, r"numpy\.linalg\.eig' is not differentiated.*complex.*np\.linalg\.eigh"),
    (real_if_close, r"numpy\.real_if_close' is not differentiated.*depends on its argument's "
                    r"values"),
])
def test_refused_with_the_reason(fn, match, target):
    with pytest.raises(sg.NoAdjointError, match=match):
        sg.grad(fn, target=target)(np.array([[2.0, 0.5], [0.5, 1.0]]))
