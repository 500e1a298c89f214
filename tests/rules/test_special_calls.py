"""SciPy's special functions and `scipy.stats` log-densities end to end, as
statistical code uses them: a Bayesian log-posterior, logistic and softmax
regressions, a Gaussian and a Student-t likelihood, a Poisson GLM, a
multivariate normal, Bessel and incomplete gamma functions; gradients on
target="python" and "cpu" against central differences of the function itself
(SciPy's own values), the values against SciPy's, second order against
differences of the first (and of the function), and the refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numba
import numpy as np
import pytest
import scipy.special
import scipy.stats
from gradcheck import numerical_gradient, numerical_hvp
from scipy import stats
from scipy.special import betaln, expit, gammaln, log_expit, log_softmax, logsumexp
from scipy.stats import multivariate_normal, norm, poisson

import srcgrad as sg
from srcgrad import runtime

TARGETS = ("python", "cpu")
RNG = np.random.default_rng(18)
X = RNG.normal(size=(8, 3))
Y = (RNG.random(8) < 0.5).astype(float)
ONE_HOT = np.eye(3)[RNG.integers(0, 3, 8)]
COUNTS = RNG.integers(0, 6, 8).astype(float)
SUCCESSES, TRIALS = np.array([3.0, 7.0, 1.0, 9.0]), np.array([10.0, 12.0, 4.0, 15.0])


def beta_binomial_log_posterior(log_ab, successes, trials):
    """log p(a, b | data) of a beta-binomial model, a Gamma(2, 1) prior on a and b."""
    a, b = np.exp(log_ab[0]), np.exp(log_ab[1])
    log_choose = gammaln(trials + 1) - gammaln(successes + 1) - gammaln(trials - successes + 1)
    likelihood = np.sum(log_choose + betaln(a + successes, b + trials - successes) - betaln(a, b))
    prior = np.log(a) - a + np.log(b) - b
    return likelihood + prior + log_ab[0] + log_ab[1]


def logistic_log_likelihood(w, x, y):
    z = x @ w
    return np.sum(y * log_expit(z) + (1.0 - y) * log_expit(-z)) - 0.5 * np.sum(w * w)


def softmax_log_likelihood(w, x, one_hot):
    logits = x @ w
    return np.sum(one_hot * logits) - np.sum(logsumexp(logits, axis=1)) \
        + 0.1 * np.sum(one_hot * log_softmax(logits, axis=1))


def gaussian_log_likelihood(params, x):
    mu, log_sigma = params[0], params[1]
    return np.sum(norm.logpdf(x, mu, np.exp(log_sigma)))


def poisson_glm(w, x, counts):
    rate = np.exp(x @ w)
    return np.sum(poisson.logpmf(counts, rate))


END_TO_END = [
    (beta_binomial_log_posterior, lambda: (np.array([0.3, -0.2]), SUCCESSES, TRIALS)),
    (logistic_log_likelihood, lambda: (RNG.normal(size=3), X, Y)),
    (softmax_log_likelihood, lambda: (RNG.normal(size=(3, 3)), X, ONE_HOT)),
    (gaussian_log_likelihood, lambda: (np.array([0.2, 0.3]), X[:, 0])),
    (poisson_glm, lambda: (0.3 * RNG.normal(size=3), X, COUNTS)),
]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn,args", END_TO_END, ids=[f.__name__ for f, _ in END_TO_END])
def test_statistical_models(fn, args, target):
    values = args()
    got = sg.grad(fn, wrt=0, target=target)(*values)
    want = numerical_gradient(fn, values, 0)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


# --- the other distributions, their parameters differentiated; values as SciPy's -------------


def other_densities(x, p):
    cov = np.outer(x[:3], x[:3]) + 2.0 * np.eye(3)
    return (np.sum(scipy.stats.t.logpdf(x, p[1] + 2.0, p[0], p[1]))
            + np.sum(scipy.stats.gamma.logpdf(np.abs(x) + 0.1, p[1] + 1.0, scale=p[1]))
            + np.sum(scipy.stats.beta.logpdf(expit(x), p[1] + 0.5, b=p[1] + 1.5))
            + np.sum(norm.pdf(x, loc=p[0], scale=p[1]) + norm.cdf(x, p[0], p[1]) + norm.logcdf(x))
            + multivariate_normal.logpdf(x[1:], p[:3] * 0.1, cov)
            + np.sum(multivariate_normal.logpdf(np.stack([x[:3], x[1:]]), mean=x[:3], cov=cov))
            + np.sum(scipy.special.multigammaln(p[1] + 3.0, 3) * x)
            + np.sum(scipy.special.softmax(x) * p) + scipy.special.logsumexp(x, b=p))


def test_other_densities_python():
    values = (RNG.normal(size=4), np.array([0.3, 1.7, 0.2, 0.5]))
    value, got = sg.value_and_grad(other_densities, wrt=(0, 1), target="python")(*values)
    assert value == pytest.approx(other_densities(*values), rel=1e-12)
    for g, w in zip(got, numerical_gradient(other_densities, values, (0, 1))):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-7)


def off_the_gamma_support(x):
    return scipy.stats.gamma.logpdf(x[0], 2.0)  # x[0] < 0


def off_the_beta_support(x):
    return scipy.stats.beta.logpdf(x[1], 2.0, 3.0)  # x[1] > 1


def not_a_count(x):
    return poisson.logpmf(2.5, np.exp(x[2]))


def negative_scale(x):
    return norm.logpdf(x[2], 0.0, -1.0)


@pytest.mark.parametrize("fn", [off_the_gamma_support, off_the_beta_support, not_a_count,
                                negative_scale])
def test_values_off_the_supports_are_scipys(fn):
    x = np.array([-0.5, 1.5, 0.5])
    with np.errstate(invalid="ignore"):
        value = sg.value_and_grad(fn, target="python")(x)[0]
        np.testing.assert_array_equal(value, fn(x))  # -inf, or nan


# --- CDFs, survival functions, densities: values as SciPy's, off the supports too ---------------

XS = np.array([-2.5, -0.4, 0.0, 0.3, 0.5, 0.9, 1.0, 1.4, 3.0, 7.0])[:, None]
KS = np.array([-2.0, -1.0, -0.5, 0.0, 0.7, 1.0, 2.0, 3.5, 9.0])[:, None]
LOC_SCALE = [(0.0, 1.0), (0.3, 2.0), (-0.5, 0.5), (0.0, -1.0), (0.0, 0.0)]


def norm_forms(x, loc, scale):
    return np.stack([norm.sf(x, loc, scale), norm.logsf(x, loc, scale)])


def t_forms(x, df, loc, scale):
    return np.stack([stats.t.pdf(x, df, loc, scale), stats.t.logpdf(x, df, loc, scale),
                     stats.t.cdf(x, df, loc, scale), stats.t.logcdf(x, df, loc, scale),
                     stats.t.sf(x, df, loc, scale)])


def gamma_forms(x, a, loc, scale):
    return np.stack([stats.gamma.pdf(x, a, loc, scale), stats.gamma.logpdf(x, a, loc, scale),
                     stats.gamma.cdf(x, a, loc, scale), stats.gamma.logcdf(x, a, loc, scale),
                     stats.gamma.sf(x, a, loc, scale)])


def beta_forms(x, a, b, loc, scale):
    return np.stack([stats.beta.pdf(x, a, b, loc, scale), stats.beta.logpdf(x, a, b, loc, scale),
                     stats.beta.cdf(x, a, b, loc, scale), stats.beta.logcdf(x, a, b, loc, scale),
                     stats.beta.sf(x, a, b, loc, scale)])


def poisson_forms(k, mu, loc):
    return np.stack([poisson.pmf(k, mu, loc), poisson.logpmf(k, mu, loc),
                     poisson.cdf(k, mu, loc), poisson.logcdf(k, mu, loc),
                     poisson.sf(k, mu, loc)])


# shape parameters: valid ones, then 0 and negative ones (nan, as SciPy's)
FORMS = [(norm_forms, XS, ())]
FORMS += [(t_forms, XS, (np.array([3.5, 0.7, 1.0, 0.0, -1.0]),))]
FORMS += [(gamma_forms, XS, (np.array([2.5, 0.5, 1.0, 0.0, -1.0]),))]
FORMS += [(beta_forms, XS, (np.array([2.5, 0.5, 1.0, 0.0, 2.0]),
                            np.array([1.5, 0.7, 1.0, 2.0, -1.0])))]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn,x,shapes", FORMS, ids=[f.__name__ for f, _, _ in FORMS])
def test_distribution_functions_are_scipys(fn, x, shapes, target):
    """pdf, cdf, logcdf, sf of every (x, shape) pair against scipy.stats, for
    several loc and scale, a scale <= 0 (nan) among them: inside the support,
    outside it (0, 1, -inf) and at its ends."""
    with np.errstate(all="ignore"):
        for loc, scale in LOC_SCALE:
            args = (x, *shapes, loc, scale)
            value = sg.value_and_grad(fn, target=target)(*args, grad_ys=np.ones(fn(*args).shape))[0]
            np.testing.assert_allclose(value, fn(*args), rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("target", TARGETS)
def test_poisson_functions_are_scipys(target):
    """pmf, cdf, logcdf, sf at counts, at non-integers (floored: the mass is 0)
    and below 0, of means 0 (valid) and < 0 (nan), shifted by loc."""
    mu = np.array([2.5, 0.3, 0.0, -1.0])
    with np.errstate(all="ignore"):
        for loc in (0.0, 0.5, -1.0):
            value = sg.value_and_grad(poisson_forms, target=target)(
                KS, mu, loc, grad_ys=np.ones((5, KS.size, mu.size)))[0]
            np.testing.assert_allclose(value, poisson_forms(KS, mu, loc), rtol=1e-9, atol=1e-300)


# --- their gradients, in x, loc, scale and (densities, Poisson's mean) the parameters -------------

POINTS = np.array([-0.7, 0.2, 0.55, 0.85, 1.3, 2.2])  # loc 0.1, scale 0.9: off [0, 1] both sides
COUNTED = np.array([-1.0, 0.0, 1.5, 2.0, 4.0, 7.0])
ON_THE_SUPPORTS = np.array([0.25, 0.4, 0.55, 0.7, 0.8, 1.5])


def distribution_functions(x, loc, scale, p):
    return (np.sum(norm.sf(x, loc, scale) + 0.3 * norm.logsf(x, loc, scale))
            + np.sum(stats.t.pdf(x, p[0] + 2.0, loc, scale) + stats.t.cdf(x, 3.5, loc, scale)
                     + stats.t.logcdf(x, 2.5, loc, scale) - 0.5 * stats.t.sf(x, 1.5, loc, scale))
            + np.sum(stats.gamma.pdf(x, p[1] + 1.0, loc, scale)
                     + stats.gamma.cdf(x, 2.5, loc, scale) - 0.7 * stats.gamma.sf(x, 0.8, loc, scale))
            + np.sum(stats.beta.pdf(x, p[1] + 1.0, p[0] + 1.5, loc, scale)
                     + stats.beta.cdf(x, 2.5, 1.5, loc, scale)
                     + 0.4 * stats.beta.sf(x, 0.7, 3.0, loc, scale))
            + np.sum(poisson.pmf(COUNTED, p[2]) + poisson.cdf(COUNTED, p[2] * x + 2.0)
                     - poisson.sf(COUNTED, p[2] + 1.0, loc=-0.5))
            + multivariate_normal.pdf(x[:3], p, np.eye(3) + 0.5))


def log_distribution_functions(x, loc, scale, p):
    """The logs of CDFs, on their supports (-inf off them)."""
    return (np.sum(stats.gamma.logcdf(x, 1.5, loc, scale) + stats.t.logcdf(x, 1.5, loc, scale))
            + np.sum(stats.beta.logcdf(x[1:4], 0.6, 2.0, loc, scale)
                     + poisson.logcdf(COUNTED[1:4], p[2] * x[1:4] + 1.0)))


DISTRIBUTION_ARGS = (POINTS, 0.1, 0.9, np.array([0.4, 0.8, 1.7]))
WRT = (0, 1, 2, 3)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn", [distribution_functions, log_distribution_functions])
def test_distribution_function_gradients(fn, target):
    """First order against central differences: the CDFs' derivative in x is
    the density (0 off the support), the shape parameters of the densities and
    Poisson's mean differentiated."""
    args = (POINTS if fn is distribution_functions else ON_THE_SUPPORTS,) + DISTRIBUTION_ARGS[1:]
    value, got = sg.value_and_grad(fn, wrt=WRT, target=target)(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    for g, w in zip(got, numerical_gradient(fn, args, WRT)):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn", [distribution_functions, log_distribution_functions])
def test_distribution_function_second_order(fn, target):
    args = (POINTS if fn is distribution_functions else ON_THE_SUPPORTS,) + DISTRIBUTION_ARGS[1:]
    first = sg.grad(fn, wrt=0, target=target)
    direction = np.array([0.4, -1.0, 0.7, 0.2, -0.3, 0.6])
    got = sg.grad(first, wrt=WRT, target=target)(*args, grad_ys=direction)
    want = numerical_hvp(fn, args, WRT, {0: direction})
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def incomplete_beta(x, df):
    return np.sum(scipy.special.betainc(2.5, 1.5, x) * scipy.special.betaincc(0.7, 3.0, x * x)
                  + scipy.special.stdtr(df, 4.0 * x - 2.0) * x
                  + scipy.special.pdtr(np.array([0.0, 1.0, 2.5, 4.0]), 3.0 * x)
                  - scipy.special.pdtrc(2.0, x))


@pytest.mark.parametrize("target", TARGETS)
def test_incomplete_beta_and_the_t_and_poisson_cdfs(target):
    x = np.array([0.1, 0.35, 0.6, 0.9])
    value, got = sg.value_and_grad(incomplete_beta, target=target)(x, 3.5)
    assert value == pytest.approx(incomplete_beta(x, 3.5), rel=1e-12)
    np.testing.assert_allclose(got, numerical_gradient(incomplete_beta, (x, 3.5), 0),
                               rtol=1e-6, atol=1e-8)
    direction = np.array([0.3, -1.0, 0.5, 0.2])
    second = sg.grad(sg.grad(incomplete_beta, target=target), target=target)(
        x, 3.5, grad_ys=direction)
    np.testing.assert_allclose(second, numerical_hvp(incomplete_beta, (x, 3.5), 0, {0: direction}),
                               rtol=1e-5, atol=1e-6)


def cdfs_of_float32(x):
    return (scipy.stats.gamma.cdf(x, 2.5, scale=2.0) + scipy.stats.beta.cdf(x, 1.5, 2.0)
            + scipy.stats.t.cdf(x, 3.0) + poisson.cdf(np.array([1.0, 2.0, 3.0, 0.0]), x + 1.0))


@pytest.mark.parametrize("target", TARGETS)
def test_cdfs_of_float32(target):
    x = np.array([0.2, 0.45, 0.7, 0.95], dtype=np.float32)
    got = sg.grad(cdfs_of_float32, target=target)(x, grad_ys=np.ones(4, np.float32))
    assert got.dtype == np.float32
    want = numerical_gradient(cdfs_of_float32, (x.astype(np.float64),), 0, np.ones(4))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def t_cdf_in_df(df, x):
    return np.sum(scipy.stats.t.cdf(x, df))


def gamma_cdf_in_a(a, x):
    return np.sum(scipy.stats.gamma.sf(x, a, scale=2.0))


def beta_cdf_in_b(b, x):
    return np.sum(scipy.stats.beta.cdf(x, 2.0, b))


def betainc_in_a(a, x):
    return np.sum(scipy.special.betainc(a, 2.0, x))


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn,match", [
    (t_cdf_in_df, r"t\.cdf.*parameter 'df'.*degrees of freedom"),
    (gamma_cdf_in_a, r"gamma\.sf.*parameter 'a'.*incomplete gamma"),
    (beta_cdf_in_b, r"beta\.cdf.*parameter 'b'.*incomplete beta"),
    (betainc_in_a, r"betainc.*parameter 'a'.*incomplete beta"),
])
def test_shape_parameters_of_the_cdfs_are_refused(fn, match, target):
    """A CDF's shape parameter that varies is refused, naming the call, never
    taken as constant; its x alone is differentiated."""
    x = np.array([0.2, 0.5, 0.8])
    with pytest.raises(sg.NoAdjointError, match=match):
        sg.grad(fn, wrt=0, target=target)(1.5, x)
    got = sg.grad(fn, wrt=1, target=target)(1.5, x)
    np.testing.assert_allclose(got, numerical_gradient(fn, (1.5, x), 1), rtol=1e-6, atol=1e-8)


# --- stability, second order --------------------------------------------------------------------


def log_sum_exp_of_large(x):
    return logsumexp(x * 1000.0) + np.sum(scipy.special.softmax(x * 1000.0) * x)


@pytest.mark.parametrize("target", TARGETS)
def test_log_sum_exp_does_not_overflow(target):
    x = np.array([1.0, 0.999, 0.5])
    got = sg.grad(log_sum_exp_of_large, target=target)(x)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, numerical_gradient(log_sum_exp_of_large, (x,), 0, eps=1e-7),
                               rtol=1e-4, atol=1e-6)


def second_order_mixture(x):
    return (logsumexp(x) + np.sum(gammaln(x * x + 1.0)) + np.sum(norm.logpdf(x, 0.5, x[0] + 2.0))
            + np.sum(scipy.special.polygamma(2, x + 3.0)))


def second_order_compiled(x):
    return logsumexp(x) + np.sum(gammaln(x * x + 1.0) + scipy.special.log_ndtr(x))


@pytest.mark.parametrize("fn,target", [(second_order_mixture, "python"),
                                       (second_order_compiled, "python"),
                                       (second_order_compiled, "cpu")])
def test_second_order(fn, target):
    x = np.array([0.3, -0.7, 1.1])
    first = sg.grad(fn, target=target)
    second = sg.grad(first, target=target)
    v = np.array([0.4, -1.0, 0.7])
    got = second(x, grad_ys=v)
    want = numerical_gradient(lambda a: np.sum(v * first(a)), (x,), 0)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


# --- Bessel functions, incomplete gamma functions, 1/Γ ----------------------------------------------


def bessel_and_gamma(x, k):
    return (np.sum(scipy.special.jv(1.5, x) ** 2) + np.sum(scipy.special.kv(0, x + 1.0))
            + np.sum(scipy.special.iv(2, x) * scipy.special.yv(0.5, x + 0.5))
            + np.sum(scipy.special.gammainc(2.5, x * k) - scipy.special.gammaincc(0.7, x))
            + np.sum(scipy.special.rgamma(x - 2.0) + scipy.special.j0(x) * scipy.special.y1(x + 1.0))
            + np.sum(scipy.special.j1(x * k) * scipy.special.y0(x) + scipy.special.jn(2, x))
            + np.sum(scipy.special.yn(1, x + 0.5) + scipy.special.ive(1, x - 1.0) * k)
            + np.sum(scipy.special.gammasgn(x - 1.5) * x))


POSITIVE = np.array([0.3, 0.9, 1.7, 2.6])


@pytest.mark.parametrize("target", TARGETS)
def test_bessel_and_gamma(target):
    args = (POSITIVE, 1.3)
    value, got = sg.value_and_grad(bessel_and_gamma, wrt=(0, 1), target=target)(*args)
    assert value == pytest.approx(bessel_and_gamma(*args), rel=1e-12)
    for g, w in zip(got, numerical_gradient(bessel_and_gamma, args, (0, 1))):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("target", TARGETS)
def test_bessel_and_gamma_second_order(target):
    args = (POSITIVE, 1.3)
    first = sg.grad(bessel_and_gamma, wrt=0, target=target)
    direction = np.array([0.4, -1.0, 0.7, 0.2])
    got = sg.grad(first, wrt=(0, 1), target=target)(*args, grad_ys=direction)
    want = numerical_hvp(bessel_and_gamma, args, (0, 1), {0: direction})
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def reciprocal_gamma(x):
    return np.sum(scipy.special.rgamma(x) * np.array([1.0, 2.0, 3.0, 4.0]))


@pytest.mark.parametrize("target", TARGETS)
def test_reciprocal_gamma_at_the_poles_of_gamma(target):
    """1/Γ is entire: at Γ's poles -n its derivative is (-1)^n n!, and its
    second derivative is the limit of ψ's form, against differences."""
    poles = np.array([0.0, -1.0, -2.0, -3.0])
    got = sg.grad(reciprocal_gamma, target=target)(poles)
    np.testing.assert_allclose(got, [1.0, -2.0, 6.0, -24.0], rtol=1e-12)
    direction = np.array([0.5, -0.3, 0.2, 0.1])
    second = sg.grad(sg.grad(reciprocal_gamma, target=target), target=target)(
        poles, grad_ys=direction)
    np.testing.assert_allclose(second, numerical_hvp(reciprocal_gamma, (poles,), 0, {0: direction}),
                               rtol=1e-5, atol=1e-6)


def bessel_in_its_order(v, x):
    return np.sum(scipy.special.jv(v, x))


def gamma_in_a(a, x):
    return np.sum(scipy.special.gammaincc(a, x))


@pytest.mark.parametrize("target", TARGETS)
def test_refused_parameters(target):
    """The order of a Bessel function and the `a` of an incomplete gamma
    function are refused where they vary; constant, the other argument is fine."""
    with pytest.raises(sg.NoAdjointError, match="parameter 'v'.*order of a Bessel function"):
        sg.grad(bessel_in_its_order, wrt=(0, 1), target=target)(1.5, POSITIVE)
    with pytest.raises(sg.NoAdjointError, match="parameter 'a'.*in x only"):
        sg.grad(gamma_in_a, wrt=0, target=target)(1.5, POSITIVE)
    got = sg.grad(bessel_in_its_order, wrt=1, target=target)(1.5, POSITIVE)
    np.testing.assert_allclose(got, numerical_gradient(bessel_in_its_order, (1.5, POSITIVE), 1),
                               rtol=1e-6, atol=1e-8)


# --- refusals --------------------------------------------------------------------------------------


def unknown_special(x):
    return np.sum(scipy.special.struve(1.0, x))


def sign_of_logsumexp(x):
    return logsumexp(x, return_sign=True)[0]


def computed_dimension(x):
    return scipy.special.multigammaln(x[0] + 3.0, int(x[1]))


def mean_missing(x):
    return multivariate_normal.logpdf(x, cov=np.eye(3))


def frozen(x):
    return np.sum(norm(0.0, 1.0).logpdf(x))


def float_order(x):
    return np.sum(scipy.special.polygamma(x[0] * 0.0 + 1.0, x))


@pytest.mark.parametrize("fn,error,match", [
    (unknown_special, sg.NoAdjointError, "struve"),
    (sign_of_logsumexp, sg.NoAdjointError, "return_sign"),
    (computed_dimension, sg.NoAdjointError, "constant integer dimension"),
    (mean_missing, sg.NoAdjointError, "mean vector"),
    (frozen, sg.SrcGradError, "logpdf"),
    (float_order, sg.NoAdjointError, "integer order"),
])
def test_refusals(fn, error, match):
    with pytest.raises(error, match=match):
        sg.grad(fn, target="python")(np.array([0.5, 1.5, 2.0]))


def test_refused_forms_of_the_runtime():
    with pytest.raises(sg.NoAdjointError, match="complex"):
        runtime.gammaln(np.array([1.0 + 1.0j]))
    with pytest.raises(numba.TypingError, match="complex"):
        numba.njit(lambda z: runtime.erf(z))(np.array([1.0 + 1.0j]))
    with pytest.raises(sg.NoAdjointError, match="non-integer order"):
        runtime.expn(1.5, 2.0)
    with pytest.raises(numba.TypingError, match="integer order"):
        numba.njit(lambda x: runtime.polygamma(1.0, x))(2.0)
    with pytest.raises(sg.NoAdjointError, match="d x d covariance"):
        runtime.gaussian_dimension(np.ones(3), np.eye(2))


# --- compiled: SciPy's kernels, their dtypes, and the machine-code cache ----------------------------


def test_compiled_kernels_give_scipys_values():
    x = np.linspace(0.1, 3.0, 12).reshape(3, 4)
    compiled = numba.njit(lambda x: (runtime.gammaln(x), runtime.psi(x.T), runtime.polygamma(3, x),
                                     runtime.ndtri(x / 4.0), runtime.betaln(x, x[0]),
                                     runtime.expn(2, x), runtime.i1e(-x),
                                     runtime.gammaln(np.float32(2.5)), runtime.xlogy(0.0, x)))
    got = compiled(x)
    want = (gammaln(x), scipy.special.psi(x.T), scipy.special.polygamma(3, x),
            scipy.special.ndtri(x / 4.0), betaln(x, x[0]), scipy.special.expn(2, x),
            scipy.special.i1e(-x), gammaln(np.float32(2.5)), scipy.special.xlogy(0.0, x))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-13, atol=0)
    assert got[0].dtype == np.float64
    assert compiled.nopython_signatures[0].return_type.types[7] == numba.float32
    assert numba.njit(lambda x: runtime.expit(x))(x.astype(np.float32)).dtype == np.float32


PROGRAM = textwrap.dedent("""
    import json
    import numpy as np
    from numba.core import event
    from scipy.special import gammaln, logsumexp
    from scipy.stats import norm
    import srcgrad as sg

    def loss(w, x):
        return logsumexp(x @ w) + np.sum(gammaln(w * w + 1.0)) + np.sum(norm.logpdf(x @ w, 0.1, 2.0))

    started = []

    class Listener(event.Listener):
        def on_start(self, ev):
            started.append(ev.data["dispatcher"])

        def on_end(self, ev):
            pass

    event.register("numba:compile", Listener())
    g = sg.grad(loss)(np.array([0.2, -0.4]), np.ones((3, 2)))
    assert np.all(np.isfinite(g))
    print(json.dumps([f"{d.py_func.__module__}:{d.py_func.__qualname__}"
                      for d in started if d.overloads]))
""")


def _compiled_in_a_new_process(directory) -> list[str]:
    directory.mkdir()
    program = directory / "program.py"
    program.write_text(PROGRAM)
    env = dict(os.environ, SRCGRAD_CACHE_DIR=str(directory / "generated"))
    done = subprocess.run([sys.executable, "-W", "error::numba.NumbaWarning", str(program)],
                          env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_second_process_loads_the_special_functions_from_the_cache(tmp_path):
    """SciPy's kernels are called by symbol, not by an address baked into the
    machine code: what calls them is cached on disk and loaded by another
    process (a function Numba cannot cache would warn, an error here)."""
    _compiled_in_a_new_process(tmp_path / "first")
    compiled = _compiled_in_a_new_process(tmp_path / "second")
    assert [name for name in compiled if name.startswith("srcgrad.")] == []
    assert any(":loss_grad" in name for name in compiled)
