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
import scipy.signal
from gradcheck import numerical_gradient, numerical_hvp

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


# --- order statistics ---------------------------------------------------------------------------


def robust_loss(residuals):
    """A median absolute deviation scale and a median-centred Huber-free loss."""
    centre = np.median(residuals, axis=0, keepdims=True)
    scale = np.median(np.abs(residuals - centre)) + 1.0
    return np.sum(((residuals - centre) / scale) ** 2)


def even_median(x):
    """An even count: the mean of the two middle values (each gets half)."""
    return np.median(x) * 3.0


def quantile_band(x, q):
    """An interquantile band (q an array, differentiated too) and a percentile."""
    band = np.quantile(x, q, axis=1)
    return np.sum(band[1] - band[0]) ** 2 + np.percentile(x, 30.0) * np.sum(q)


@pytest.mark.parametrize("target", TARGETS)
def test_order_statistics(target):
    _check(robust_loss, (X,), 0, target)
    _check(even_median, (Y,), 0, target)
    # 4 per row: knots of q at multiples of 1/3, away from 0.1 and 0.8
    _check(quantile_band, (X, np.array([0.1, 0.8])), (0, 1), target)


def test_median_ties_follow_a_stable_sort():
    """At a tie, the share of a rank goes to the element a stable sort puts
    there (JAX's choice): of the two 1.0's around the median of four, the
    first gets the lower middle's half, the second the upper's."""
    x = np.array([3.0, 1.0, 0.0, 1.0])
    got = sg.grad(even_median, target="python")(x)
    np.testing.assert_allclose(got, [0.0, 1.5, 0.0, 1.5])
    x = np.array([1.0, 1.0, 1.0])
    np.testing.assert_allclose(sg.grad(even_median, target="python")(x), [0.0, 3.0, 0.0])


# --- cumulative products --------------------------------------------------------------------------


def survival(hazards):
    """A survival curve from per-step survival probabilities, one row per subject."""
    alive = np.cumprod(1.0 - hazards, axis=1)
    return np.sum(alive * np.arange(1.0, 5.0)) + np.sum(np.cumprod(hazards))


@pytest.mark.parametrize("target", TARGETS)
def test_cumulative_products_with_zeros(target):
    hazards = np.abs(X) / 4.0
    hazards[1, 2] = 1.0  # survival exactly 0 from step 2 on: no division by it
    hazards[0, 0] = 0.0
    _check(survival, (hazards,), 0, target)


# --- covariance and correlation ---------------------------------------------------------------


def covariance_penalty(X, y):
    """Covariances as statistics code writes them: of the rows, of the
    columns (rowvar=False) with another variable, biased, with ddof, of
    one 1-D variable."""
    return (np.sum(np.cov(X) ** 2) + np.sum(np.cov(X, y, rowvar=False) * 0.5)
            + np.sum(np.cov(X, bias=True)) + np.sum(np.cov(X.T, ddof=2))
            + np.cov(y) + np.cov(X[0], X[1])[0, 1])


def correlation_penalty(X, y):
    return np.sum(np.corrcoef(X) ** 3) + np.sum(np.corrcoef(X[0], y)) + np.sum(
        np.corrcoef(X, rowvar=False)[0])


@pytest.mark.parametrize("target", TARGETS)
def test_covariance_and_correlation(target):
    y = RNG.normal(size=3)
    _check(covariance_penalty, (X, y), (0, 1), target)
    _check(correlation_penalty, (X, Y), (0, 1), target)


def one_variable_as_a_matrix(X):
    return np.sum(np.cov(X[:1]))


def weighted_covariance(X):
    return np.sum(np.cov(X, aweights=np.ones(4)))


def single_row_against_rowvar(X):
    return np.sum(np.cov(X[:1], rowvar=False))


def test_covariance_refusals():
    """aweights= is refused by name; one variable as a 2-D array is NumPy's
    0-d result, which compiled code cannot give (its rank would come from a
    shape): it raises there, and runs on target="python".  A 1 x N matrix
    with rowvar=False (one variable to NumPy, against rowvar) raises on
    both targets."""
    with pytest.raises(sg.SrcGradError, match="aweights"):
        sg.grad(weighted_covariance)(X)
    for target in TARGETS:
        with pytest.raises(ValueError, match="rowvar=False of a 1 x N array"):
            sg.grad(single_row_against_rowvar, target=target)(X)
    with pytest.raises(ValueError, match="one variable given as a 2-D array"):
        sg.grad(one_variable_as_a_matrix, target="cpu")(X)
    _check(one_variable_as_a_matrix, (X,), 0, "python")


# --- differences and integrals ----------------------------------------------------------------------


T_POINTS = np.cumsum(RNG.uniform(0.5, 1.0, 4))


def smoothness_penalty(path):
    """A roughness penalty (second differences) and a velocity term along each row."""
    return np.sum(np.diff(path, n=2) ** 2) + np.sum(np.diff(path, axis=0) ** 2) * 0.5


def velocity_energy(path, step):
    """Kinetic energy by central differences, with a differentiable time step."""
    velocity = np.gradient(path, step, axis=1)
    return np.sum(velocity ** 2) + np.sum(np.gradient(path[0]) * path[1])


def integrals(curves, t, dx):
    """The trapezoid rule on sample points t (1-D, along each row) and on a uniform grid."""
    return (np.sum(np.trapezoid(curves ** 2, t) ** 2) + np.trapezoid(np.exp(curves[0]), dx=dx)
            + np.sum(np.trapezoid(curves, axis=0) * t))


@pytest.mark.parametrize("target", TARGETS)
def test_differences_and_integrals(target):
    _check(smoothness_penalty, (X,), 0, target)
    _check(velocity_energy, (X, 0.7), (0, 1), target)
    _check(integrals, (X, T_POINTS, 0.3), (0, 1, 2), target)


# --- convolutions ------------------------------------------------------------------------------------

SIGNAL = RNG.normal(size=9)
KERNEL = np.array([0.25, 0.5, 0.25]) + RNG.normal(size=3) * 0.1


def smoothing_fit(signal, kernel):
    """A smoothing filter fitted to a target, and a matched-filter score."""
    smooth = np.convolve(signal, kernel, mode="same")
    score = np.max(np.correlate(signal, kernel[:2], "valid"))
    return np.sum((smooth - np.sin(np.arange(9.0))) ** 2) + score + np.sum(np.convolve(kernel,
                                                                                      signal))


def scipy_filters(signal, kernel):
    """scipy.signal's convolve and correlate: NumPy's, but 'same' keeps in1's length."""
    return (np.sum(scipy.signal.convolve(signal, kernel, "same") ** 2)
            + np.sum(scipy.signal.convolve(kernel, signal, mode="same") ** 3)
            + np.sum(scipy.signal.correlate(kernel, signal, "same", method="direct") ** 2)
            + np.sum(scipy.signal.correlate(signal, kernel) * signal[0])
            + np.sum(np.cos(scipy.signal.convolve(signal, kernel, "valid"))))


@pytest.mark.parametrize("target", TARGETS)
def test_convolutions(target):
    _check(smoothing_fit, (SIGNAL, KERNEL), (0, 1), target)
    _check(scipy_filters, (SIGNAL, KERNEL), (0, 1), target)


def filter_by_mode(signal, kernel, mode):
    return np.sum(scipy.signal.convolve(signal, kernel, mode))


def test_scipy_signal_refusals():
    with pytest.raises(sg.NoAdjointError, match="mode"):
        sg.grad(filter_by_mode, target="python")(SIGNAL, KERNEL, "same")
    with pytest.raises(sg.NoAdjointError, match="not 1-D"):
        sg.grad(scipy_filters, target="python")(X, X)


# --- polynomials --------------------------------------------------------------------------------------


def polynomial_fit(coefficients, t):
    """A least-squares polynomial fit, differentiable in the sample points too."""
    return np.sum((np.polyval(coefficients, t) - np.cos(t)) ** 2) + np.polyval(coefficients, 0.5)


@pytest.mark.parametrize("target", TARGETS)
def test_polynomials(target):
    _check(polynomial_fit, (np.array([0.3, -1.0, 0.5, 2.0]), X), (0, 1), target)


# --- interpolation ------------------------------------------------------------------------------

KNOTS = np.array([0.0, 1.0, 2.5, 4.0])
TABLE = np.array([1.0, -0.5, 2.0, 0.7])
READINGS = np.array([[-0.5, 0.3, 1.7], [2.2, 3.9, 4.6]])  # below, inside and above the knots


def calibrated_loss(readings, knots, table, low, high):
    """A calibration table looked up (np.interp), with clamped and with given
    ends, and one scalar reading: every argument differentiated."""
    clamped = np.interp(readings, knots, table)
    ended = np.interp(readings * 1.1, knots, table, low, high)
    return (np.sum(np.sin(clamped) + ended ** 2) + np.interp(0.7, knots, table)
            * np.interp(readings[0, 0], knots, table, left=low))


def at_the_knots(x, knots, table):
    """The knots themselves looked up (moving a knot moves its point with it:
    the values stay fp's), beside points between them."""
    return np.sum(np.interp(knots, knots, table) ** 2) * x[0] + np.sum(np.interp(x, knots, table) ** 2)


@pytest.mark.parametrize("target", TARGETS)
def test_interpolation(target):
    _check(calibrated_loss, (READINGS, KNOTS, TABLE, 0.3, -1.2), (0, 1, 2, 3, 4), target)
    _check(at_the_knots, (READINGS[1], KNOTS, TABLE), (0, 1, 2), target)


@pytest.mark.parametrize("target", TARGETS)
def test_interpolation_second_order(target):
    """The gradient in the knots, differentiated again in every argument,
    against second differences of the function."""
    args = (READINGS, KNOTS, TABLE, 0.3, -1.2)
    in_knots = sg.grad(calibrated_loss, wrt=1, target=target)
    direction = RNG.normal(size=KNOTS.shape)
    got = sg.grad(in_knots, wrt=(0, 1, 2, 3, 4), target=target)(*args, grad_ys=direction)
    want = numerical_hvp(calibrated_loss, args, (0, 1, 2, 3, 4), {1: direction})
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def at_the_last_knot(table):
    return np.interp(4.0, KNOTS, table, right=10.0) + np.interp(-1.0, KNOTS, table, left=-3.0)


def test_interpolation_ends():
    """At the last knot the value is fp[-1], whatever `right`; a given `left` takes fp[0]'s place."""
    got = sg.grad(at_the_last_knot, target="python")(TABLE)
    np.testing.assert_array_equal(got, [0.0, 0.0, 0.0, 1.0])


def periodic(x):
    return np.sum(np.interp(x, KNOTS, TABLE, period=4.0))


def complex_table(x):
    return np.sum(np.real(np.interp(x, KNOTS, TABLE * 1j)))


def test_interpolation_refusals():
    with pytest.raises(sg.SrcGradError, match="period"):
        sg.grad(periodic, target="python")(READINGS)
    with pytest.raises(sg.NoAdjointError, match="complex"):
        sg.grad(complex_table, target="python")(READINGS)


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


def differences_and_integrals(x):
    return (np.sum(np.diff(x ** 2) ** 2) + np.trapezoid(np.sin(x), x) + np.sum(np.gradient(x ** 3, 0.5)
            * x))


def filtered_energy(x):
    smooth = np.convolve(x, x[:3] * 0.5, "same")
    return (np.sum(smooth ** 2) + np.sum(np.correlate(x ** 2, x[1:3], "full") * x[0])
            + np.sum(scipy.signal.convolve(x[:2], x ** 2, "same") ** 2))


def polynomial_energy(x):
    return np.sum(np.polyval(x[:3], x) ** 2)


def order_and_products(x):
    return np.median(x) * np.sum(x ** 2) + np.sum(np.cumprod(x) ** 2) + np.quantile(x ** 3, 0.3)


def _with_a_zero(rng):
    x = rng.normal(size=5)
    x[2] = 0.0  # np.cumprod through a zero (no division by the input)
    return x


SECOND_ORDER = [
    (smooth_statistics, lambda rng: rng.normal(size=5)),
    (order_and_products, _with_a_zero),
    (differences_and_integrals, lambda rng: np.sort(rng.normal(size=5))),
    (filtered_energy, lambda rng: rng.normal(size=5)),
    (polynomial_energy, lambda rng: rng.normal(size=5)),
]


# one test per function: each compiles two gradients on cpu (about 10 s), which
# pytest-xdist's workers then share out
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn, draw", SECOND_ORDER, ids=[fn.__name__ for fn, _ in SECOND_ORDER])
def test_second_order(fn, draw, target):
    _check_second_order(fn, draw(np.random.default_rng(333)), target)


# --- refusals ------------------------------------------------------------------------------------


def average_and_total(x, w):
    avg, total = np.average(x, weights=w, returned=True)
    return avg * total


def average_with_mismatched_weights(x, w):
    return np.average(x, weights=w)


def nearest_quantile(x):
    return np.quantile(x, 0.3, method="nearest")


def overwritten_median(x):
    return np.median(x, overwrite_input=True)


def q_loss(x, q):
    return np.quantile(x, q) ** 2


def prepended_diff(x):
    return np.sum(np.diff(x, prepend=0.0))


def second_order_edges(x):
    return np.sum(np.gradient(x, edge_order=2))


def coordinate_spacing(x, t):
    return np.sum(np.gradient(x, t))


def gradient_of_a_matrix(x):
    return np.sum(np.gradient(x))


def test_refusals_of_differences():
    with pytest.raises(sg.SrcGradError, match="prepend"):
        sg.grad(prepended_diff, target="python")(Y)
    with pytest.raises(sg.NoAdjointError, match="edge_order=1"):
        sg.grad(second_order_edges, target="python")(Y)
    with pytest.raises(sg.NoAdjointError, match="coordinate arrays"):
        sg.grad(coordinate_spacing, target="python")(Y, T_POINTS)
    with pytest.raises(sg.NoAdjointError, match="coordinate arrays"):
        sg.grad(coordinate_spacing, target="cpu")(Y, T_POINTS)
    with pytest.raises(sg.NoAdjointError, match="many-dimensional"):
        sg.grad(gradient_of_a_matrix, target="python")(X)


def convolve_matrices(x):
    return np.sum(np.convolve(x, x))


def test_refusals():
    with pytest.raises(sg.NoAdjointError, match="not 1-D"):
        sg.grad(convolve_matrices, target="python")(X)
    with pytest.raises(sg.NoAdjointError, match="method='linear'"):
        sg.grad(nearest_quantile, target="python")(Y)
    with pytest.raises(sg.NoAdjointError, match="overwrite_input"):
        sg.grad(overwritten_median, target="python")(Y)
    # a quantile is differentiated once in q
    second_in_q = sg.grad(sg.grad(q_loss, wrt=1, target="python"), wrt=1, target="python")
    with pytest.raises(sg.NoAdjointError, match="quantile_q_grad"):
        second_in_q(Y, 0.3)
    # the mixed derivative (in x, then q) is written: against central differences
    in_x = sg.grad(q_loss, wrt=0, target="python")
    mixed = sg.grad(in_x, wrt=1, target="python")
    step = 1e-6
    want = np.sum(in_x(Y, 0.3 + step) - in_x(Y, 0.3 - step)) / (2 * step)
    np.testing.assert_allclose(mixed(Y, 0.3), want, rtol=1e-6)
    with pytest.raises(sg.NoAdjointError, match="returned=True"):
        sg.grad(average_and_total, target="python")(Y, W)
    with pytest.raises(sg.NoAdjointError, match="np.average with weights"):
        sg.grad(average_with_mismatched_weights, target="python")(X, W)
