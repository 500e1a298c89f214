"""Statistics and signal helpers end to end, in functions written as users
write them (a robust loss, a smoothing filter, a numerical integral, a
survival curve, nan-aware means of data with gaps): each gradient, on
target="python" and target="cpu", against central differences of the
function (`gradcheck.numerical_gradient`), and second derivatives against
central differences of srcgrad's own gradient.  Then the forms srcgrad
refuses, by name."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import numerical_gradient

import srcgrad as sg

TARGETS = ("python", "cpu")
RNG = np.random.default_rng(18)
X = RNG.normal(size=(3, 4))
Y = RNG.normal(size=4)
W = RNG.uniform(0.5, 2.0, size=4)
GAPPY = X.copy()
GAPPY[0, 1] = GAPPY[2, 3] = np.nan


def _check(fn, args, wrt, target, rtol=1e-6, atol=1e-8):
    got = sg.grad(fn, wrt=wrt, target=target)(*args)
    want = numerical_gradient(fn, args, wrt)
    if isinstance(wrt, int):
        got, want = (got,), (want,)
    for g, w in zip(got, want):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


# --- softmax-like merges, spreads and weighted means ----------------------------------------


def log_mixture(scores, offsets):
    """A two-component log-likelihood, merged stably."""
    return np.sum(np.logaddexp(scores, offsets) - 0.5 * np.logaddexp2(offsets, 1.0))


def normalised_range(x):
    return np.sum(x / np.ptp(x, axis=0, keepdims=True))


def weighted_score(x, w):
    """Weighted row means (1-D weights along axis 1) and an overall mean."""
    return np.sum(np.average(x, axis=1, weights=w) ** 2) + np.average(x)


def weighted_everywhere(x, w2):
    return np.average(np.sin(x), weights=w2)


@pytest.mark.parametrize("target", TARGETS)
def test_merges_spreads_and_weights(target):
    _check(log_mixture, (X, Y), (0, 1), target)
    _check(normalised_range, (X,), 0, target)
    _check(weighted_score, (X, W), (0, 1), target)
    _check(weighted_everywhere, (X, X * X + 0.5), (0, 1), target)


# --- data with gaps ---------------------------------------------------------------------------


def gappy_summary(data):
    """Means and spreads of data with NaN gaps, each NaN skipped."""
    return (np.nansum(np.nanmean(data, axis=1) ** 2) + np.nanvar(data, axis=1).sum()
            + np.nanstd(data, ddof=1) + np.nanmax(data, axis=0).sum() - np.nanmin(data)
            + np.nanprod(data, axis=1, keepdims=True).sum())


@pytest.mark.parametrize("target", TARGETS)
def test_nan_aware_statistics(target):
    got = sg.grad(gappy_summary, target=target)(GAPPY)
    want = numerical_gradient(gappy_summary, (GAPPY,), 0)
    assert got[0, 1] == 0.0 and got[2, 3] == 0.0  # a NaN entry gets no cotangent
    np.testing.assert_allclose(got, np.nan_to_num(want), rtol=1e-6, atol=1e-8)


# --- second order ------------------------------------------------------------------------------


def _check_second_order(fn, x, target):
    """srcgrad's Hessian of `fn` at the vector `x` against central differences of
    srcgrad's gradient (itself checked against differences of `fn` above)."""
    gradient = sg.grad(fn, target=target)
    got = sg.hessian(fn, target=target)(x)
    step = 1e-6
    columns = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = step
        columns.append((gradient(x + e) - gradient(x - e)) / (2 * step))
    want = np.stack(columns, axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def smooth_statistics(x):
    return (np.sum(np.logaddexp(x, 0.5 * x[::-1])) + np.sum(np.average(x, weights=x * x + 1.0))
            + np.nanvar(x) + np.ptp(x) ** 2)


@pytest.mark.parametrize("target", TARGETS)
def test_second_order(target):
    _check_second_order(smooth_statistics, RNG.normal(size=5), target)


# --- refusals ------------------------------------------------------------------------------------


def average_and_total(x, w):
    avg, total = np.average(x, weights=w, returned=True)
    return avg * total


def average_with_mismatched_weights(x, w):
    return np.average(x, weights=w)


def test_refusals():
    with pytest.raises(sg.NoAdjointError, match="returned=True"):
        sg.grad(average_and_total, target="python")(Y, W)
    with pytest.raises(sg.NoAdjointError, match="np.average with weights"):
        sg.grad(average_with_mismatched_weights, target="python")(X, W)
