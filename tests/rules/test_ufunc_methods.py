"""`reduce` and `accumulate` of `np.add`, `np.multiply`, `np.maximum` and
`np.minimum` (and `np.logaddexp.reduce`) in functions written as users write them (a drawdown, a running
minimum of losses, reductions along axes, a loop over rows): each gradient,
on target="python" and target="cpu", against central differences of the
function (`gradcheck.numerical_gradient`); the running extremes' ties and
NaN by hand, from the chain rule of `y_i = maximum(y_{i-1}, x_i)` with
`np.maximum`'s rule; forward mode and second derivatives against central
differences; then the forms srcgrad refuses, by name."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import assert_gradient, numerical_hvp

import srcgrad as sg
from srcgrad import runtime

TARGETS = ("python", "cpu")
RNG = np.random.default_rng(31)
RETURNS = 0.04 * RNG.normal(size=16)
X = RNG.uniform(0.5, 1.5, (4, 3))
Z = RNG.normal(size=(3, 5))


def max_drawdown_area(r):
    """The area under the drawdown of a compounded return series."""
    wealth = np.cumprod(1.0 + r)
    peak = np.maximum.accumulate(wealth)
    return np.sum((peak - wealth) / peak)


def best_so_far(losses):
    """A running minimum along the rows (axis 0), weighted."""
    return np.sum(np.minimum.accumulate(losses, axis=0) * np.arange(1.0, 6.0).reshape(5, 1))


def reductions(x):
    return (np.sum(np.add.reduce(x) ** 2) + np.sum(np.multiply.reduce(x, 1))
            + np.sum(np.maximum.reduce(x, axis=0, keepdims=True) * x)
            + np.min(np.minimum.reduce(x, axis=1)) + np.sum(np.logaddexp.reduce(x, axis=1)))


def accumulations(x):
    return (np.sum(np.add.accumulate(x, 1) ** 2)
            + np.sum(np.multiply.accumulate(x, axis=-1) * x))


def row_peaks(z):
    """The running maximum of each row, in a loop."""
    total = 0.0
    for i in range(z.shape[0]):
        peaks = np.maximum.accumulate(z[i])
        total += np.sum(peaks * peaks) + peaks[-1]
    return total


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn, args", [
    (max_drawdown_area, (RETURNS,)),
    (best_so_far, (np.ascontiguousarray(Z.T),)),
    (reductions, (X,)),
    (accumulations, (X,)),
    (row_peaks, (Z,)),
], ids=lambda v: getattr(v, "__name__", None) if callable(v) else "")
def test_methods_in_user_functions(fn, args, target):
    assert_gradient(sg.grad(fn, target=target), fn, args, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("compiled", [False, True])
def test_running_extremes_by_hand(compiled):
    """[1, 3, 3, 2, 5]: y = [1, 3, 3, 3, 5].  dy = ones: step 4 takes x_4
    (its 1); step 3 keeps y_2 (x_3 gets 0), so y_2 carries 1 + 1, which the
    tie at step 2 halves between x_2 and y_1; y_1's 1 + 1 goes to x_1 (step 1
    takes it); x_0 keeps dy_0.  Minimum: the same of -x.  A NaN stops the
    cotangent where it enters (y_0 = x_0 keeps its own)."""
    x = np.array([1.0, 3.0, 3.0, 2.0, 5.0])
    dy = np.ones(5)
    if compiled:
        import numba

        grad = numba.njit(lambda dy, x, s: runtime.accumulate_extreme_grad(dy, x, 0, s))
        jvp = numba.njit(lambda h, x, s: runtime.accumulate_extreme_jvp(h, x, 0, s))
        value = numba.njit(lambda x, s: runtime.accumulate_extreme(x, 0, s))
    else:
        def grad(dy, x, s):
            return runtime.accumulate_extreme_grad(dy, x, 0, s)

        def jvp(h, x, s):
            return runtime.accumulate_extreme_jvp(h, x, 0, s)

        def value(x, s):
            return runtime.accumulate_extreme(x, 0, s)

    np.testing.assert_array_equal(value(x, False), [1.0, 3.0, 3.0, 3.0, 5.0])
    np.testing.assert_allclose(grad(dy, x, False), [1.0, 2.0, 1.0, 0.0, 1.0])
    np.testing.assert_allclose(grad(dy, -x, True), [1.0, 2.0, 1.0, 0.0, 1.0])
    h = np.array([1.0, 10.0, 100.0, 1000.0, 10000.0])
    # t = [1, 10, (100 + 10) / 2, 55, 10000]: the transpose of the cotangent above
    np.testing.assert_allclose(jvp(h, x, False), [1.0, 10.0, 55.0, 55.0, 10000.0])
    assert np.dot(jvp(h, x, False), dy) == pytest.approx(np.dot(h, grad(dy, x, False)))
    with_nan = np.array([1.0, np.nan, 2.0])
    assert np.isnan(value(with_nan, False)[2])
    np.testing.assert_allclose(grad(np.ones(3), with_nan, False), [1.0, 0.0, 0.0])


def test_forward_mode_and_second_order():
    """`sg.jvp` of a drawdown against the central difference along a
    direction; the derivative of srcgrad's gradient along a direction
    against central differences of the function (`numerical_hvp`)."""
    direction = RNG.normal(size=RETURNS.shape)
    _, tangent = sg.jvp(max_drawdown_area, target="cpu")((RETURNS,), (direction,))
    step = 1e-6
    want = (max_drawdown_area(RETURNS + step * direction)
            - max_drawdown_area(RETURNS - step * direction)) / (2 * step)
    assert tangent == pytest.approx(want, rel=1e-6)
    for target in TARGETS:
        hvp = sg.hvp(max_drawdown_area, target=target)(RETURNS, direction)
        np.testing.assert_allclose(hvp, numerical_hvp(max_drawdown_area, (RETURNS,), 0,
                                                      {0: direction}), rtol=1e-4, atol=1e-6)


def subtracted(x):
    return np.sum(np.subtract.accumulate(x))


def with_dtype(x):
    return np.sum(np.add.reduce(x, dtype=np.float64))


def with_initial(x):
    return np.sum(np.maximum.reduce(x, initial=0.0))


@pytest.mark.parametrize("fn, words", [
    (subtracted, "np.subtract.accumulate"),
    (with_dtype, "np.add.reduce(array, axis=0, keepdims=False)"),
    (with_initial, "initial"),
])
def test_refused_forms_are_named(fn, words):
    with pytest.raises(sg.SrcGradError) as caught:
        sg.grad(fn)(X)
    assert words in str(caught.value) and "test_ufunc_methods.py" in str(caught.value)
