"""The examples of the three seed documents (`shared/seeds/`), with the numbers
the seeds print, on every target.  The expected values are the seeds' own
(TensorFlow's output quoted in the documents), which are also the closed forms
the documents derive: dy/dw1 = [[9, 10]], d(2 x^T x)/dx = 4x, and so on.
The examples themselves live in `examples/seeds.py`, which this test imports,
so that the example file stays true too."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import srcgrad as sg

sys.path.insert(0, str(Path(__file__).parent.parent / "examples"))
import seeds  # noqa: E402

TARGETS = ["python", "cpu"]


def assert_same(got, want, dtype=None):
    assert got is not None
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    if dtype is not None:
        assert np.asarray(got).dtype == dtype


@pytest.mark.parametrize("target", TARGETS)
def test_seed000_matmul(target):
    w1 = np.array([[1.0, 2.0]], np.float32)
    g = sg.grad(seeds.matmul_y, target=target)(w1)
    assert_same(g, [[9.0, 10.0]], np.float32)


@pytest.mark.parametrize("target", TARGETS)
def test_seed000_grad_ys_over_two_outputs(target):
    w = [np.array([1.0, 2.0]) * k for k in range(1, 5)]
    df = sg.grad(seeds.two_outputs, wrt=(0, 1, 2, 3), target=target)
    got = df(*w, grad_ys=(np.array([1.0, 2.0]), np.array([3.0, 4.0])))
    for g, want in zip(got, [[1, 2], [1, 2], [4, 6], [3, 4]]):
        assert_same(g, want)


@pytest.mark.parametrize("target", TARGETS)
def test_seed001_grad_ys_over_two_outputs(target):
    w = [np.arange(3.0) + k for k in range(4)]
    df = sg.grad(seeds.two_outputs, wrt=(0, 1, 2, 3), target=target)
    got = df(*w, grad_ys=(np.array([2.0, 2.0, 3.0]), np.array([3.0, 2.0, 4.0])))
    for g, want in zip(got, [[2, 2, 3], [2, 2, 3], [5, 4, 7], [3, 2, 4]]):
        assert_same(g, want)


@pytest.mark.parametrize("target", TARGETS)
def test_seed000_stop_gradient(target):
    w = [np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([5.0, 6.0])]
    seed_ys = np.array([1.0, 2.0])
    g1, g2, g3 = sg.grad(seeds.stopped, wrt=(0, 1, 2), target=target)(*w, grad_ys=seed_ys)
    assert g1 is None and g2 is None
    assert_same(g3, [1.0, 2.0])
    df = sg.grad(seeds.stopped, wrt=(0, 1, 2), target=target, unconnected_gradients="zero")
    g1, g2, g3 = df(*w, grad_ys=seed_ys)
    assert_same(g1, [0.0, 0.0])
    assert_same(g2, [0.0, 0.0])
    assert_same(g3, [1.0, 2.0])


@pytest.mark.parametrize("target", TARGETS)
def test_seed001_integer_matmul(target):
    """TensorFlow raised for the unconnected w2; srcgrad gives None, and a
    float64 gradient for the integer w1 (TensorFlow's was int32 [[2, 1]])."""
    df = sg.grad(seeds.int_matmul, wrt=(0, 1), target=target)
    g1, g2 = df(np.array([[1, 2]]), np.array([[3, 4]]))
    assert_same(g1, [[2.0, 1.0]], np.float64)
    assert g2 is None
    g1 = sg.grad(seeds.int_matmul, target=target)(np.array([[1, 2]]), np.array([[3, 4]]))
    assert_same(g1, [[2.0, 1.0]], np.float64)


@pytest.mark.parametrize("target", TARGETS)
def test_seed001_stop_gradient_products(target):
    g_w1, g_w2 = sg.grad(seeds.stopped_product, wrt=(0, 1), target=target)(2.0, 2.0)
    assert g_w1 is None and g_w2 == 6.0
    assert sg.grad(seeds.stopped_sum, wrt=(0, 1), target=target)(1.0, 1.0) == (1.0, 1.0)


@pytest.mark.parametrize("target", TARGETS)
def test_seed001_third_derivative(target):
    """tf.gradients three times on tf.pow(a, 2) at a = 1: the first and second
    derivatives are 2a = 2 and 2; the third is 0.0 (SPEC.md: `a` reaches the
    output of the function as written, so it is a number, not None)."""
    first = sg.grad(seeds.square, target=target)
    second = sg.grad(first, target=target)
    assert first(1.0) == 2.0 and second(1.0) == 2.0
    assert sg.grad(second, target=target)(1.0) == 0.0
    assert sg.grad(second, target=target, unconnected_gradients="zero")(1.0) == 0.0


@pytest.mark.parametrize("target", TARGETS)
def test_seed002_two_xtx(target):
    x = np.arange(4, dtype=np.float32).reshape(4, 1)
    assert_same(sg.grad(seeds.two_xtx, target=target)(x), 4 * x, np.float32)


@pytest.mark.parametrize("target", TARGETS)
def test_seed002_tape_on_an_intermediate(target):
    x = np.arange(4, dtype=np.float32).reshape(4, 1)
    dz_dx, dz_dy = sg.grad(seeds.fourth_power, wrt=("x", "y"), target=target)(x)
    assert_same(dz_dx, [[0.0], [4.0], [32.0], [108.0]], np.float32)
    assert_same(dz_dy, [[0.0], [2.0], [8.0], [18.0]], np.float32)


@pytest.mark.parametrize("target", TARGETS)
def test_seed002_stop_gradients(target):
    assert sg.grad(seeds.a_plus_2a, wrt=("a", "b"), target=target)(0.0) == (3.0, 1.0)
    df = sg.grad(seeds.a_plus_2a, wrt=("a", "b"), stop_gradients=("a", "b"), target=target)
    assert df(0.0) == (1.0, 1.0)


@pytest.mark.parametrize("target", TARGETS)
def test_seed002_control_flow(target):
    a = np.array([[0.48800924]], np.float32)
    c = seeds.f(a)
    np.testing.assert_allclose(c, [[1998.8859]], rtol=1e-6)
    g = sg.grad(seeds.f, target=target)(a)
    assert_same(g, [[4096.0]], np.float32)
    assert_same(g, c / a)
