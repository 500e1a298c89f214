"""`sg.vectorize(df)`: a gradient of scalars applied elementwise over broadcast
arrays on the CPU, compiled with Numba's `@vectorize`/`@guvectorize`.

Each element's gradient is checked against central differences of the
function at that element (`gradcheck.py`) or a formula derived by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gradcheck import numerical_gradient

import srcgrad as sg


def grow(x, rate):
    y = x
    while y < 10.0:
        y = y * rate + math.sin(y)
    return y


d_grow = sg.vectorize(sg.grad(grow, wrt=(0, 1)))


def oracle(fn, *arrays, wrt=(0, 1)):
    """Central differences of `fn` at every element of the broadcast arrays."""
    shape = np.broadcast_shapes(*(np.shape(a) for a in arrays))
    values = [np.broadcast_to(np.asarray(a, np.float64), shape) for a in arrays]
    out = [np.empty(shape) for _ in wrt]
    for index in np.ndindex(shape):
        grads = numerical_gradient(fn, [float(v[index]) for v in values], wrt)
        for o, g in zip(out, grads):
            o[index] = g
    return out


def test_several_wrt_over_broadcast_arrays():
    x = np.linspace(0.5, 9.5, 5)[:, None]
    rate = np.array([1.3, 1.5, 2.0])
    gx, grate = d_grow(x, rate)
    assert gx.shape == grate.shape == (5, 3)
    want_x, want_rate = oracle(grow, x, rate)
    np.testing.assert_allclose(gx, want_x, rtol=1e-5)
    np.testing.assert_allclose(grate, want_rate, rtol=1e-5)


def test_dtypes_follow_the_inputs_and_numbers_give_numbers():
    gx, grate = d_grow(np.array([0.5, 3.0], np.float32), 1.5)
    assert gx.dtype == np.float32 and grate.dtype == np.float64
    np.testing.assert_allclose(gx, oracle(grow, [0.5, 3.0], 1.5)[0], rtol=1e-5)
    gx, grate = d_grow(np.array([1, 3]), 1.5)  # an integer input's gradient: float64
    assert gx.dtype == np.float64
    scalar = d_grow(2.0, 1.5)
    assert all(isinstance(g, np.float64) for g in scalar)
    np.testing.assert_allclose(scalar, [float(g) for g in oracle(grow, 2.0, 1.5)], rtol=1e-5)


def softplus(x):
    return math.log1p(math.exp(-abs(x))) + max(x, 0.0)


def test_value_and_grad_on_all_cores_with_grad_ys():
    x = np.linspace(-4.0, 4.0, 1000)  # (not the kink at 0)
    value_and_slope = sg.vectorize(sg.value_and_grad(softplus), target="parallel")
    value, slope = value_and_slope(x, grad_ys=np.full(1000, 2.0))
    np.testing.assert_allclose(value, np.logaddexp(0.0, x), rtol=1e-12)
    np.testing.assert_allclose(slope, 2.0 / (1.0 + np.exp(-x)), rtol=1e-12)  # 2 * sigmoid


def partly(x, y):
    return x * x


def test_an_unconnected_input_gets_none():
    gx, gy = sg.vectorize(sg.grad(partly, wrt=(0, 1)))(np.array([1.0, -3.0]), 2.0)
    np.testing.assert_array_equal(gx, [2.0, -6.0])
    assert gy is None


def of_arrays(x):
    return x[0] * 2.0


def test_refusals_name_the_reason():
    with pytest.raises(ValueError, match="target='python'"):
        sg.vectorize(sg.grad(partly, target="python"))
    with pytest.raises(ValueError, match="do not broadcast together"):
        d_grow(np.ones(3), np.ones(4))
    with pytest.raises(sg.SrcGradError, match="test_elementwise_cpu.py"):
        sg.vectorize(sg.grad(of_arrays))(np.ones(3))


RATE = 2.0


def scaled(x):
    return RATE * x * x


def test_a_rebound_global_is_seen_by_the_next_call():
    global RATE
    dscaled = sg.vectorize(sg.grad(scaled))
    np.testing.assert_array_equal(dscaled(np.array([1.0, 2.0])), [4.0, 8.0])
    RATE = 3.0
    try:
        np.testing.assert_array_equal(dscaled(np.array([1.0, 2.0])), [6.0, 12.0])
    finally:
        RATE = 2.0
