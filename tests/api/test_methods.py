"""Bound methods, `self.layer(x)`, static methods, and an attribute rebound
between calls, on python and cpu, against central differences."""

import numpy as np
import pytest
from gradcheck import numerical_gradient

import srcgrad as sg


class Dense:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def __call__(self, x):
        return np.tanh(self.W @ x + self.b)


class Model:
    def __init__(self, seed):
        rng = np.random.default_rng(seed)
        self.layer = Dense(rng.standard_normal((3, 2)), rng.standard_normal(3))
        self.scale = 0.5

    def _penalty(self, x):
        return self.scale * np.sum(x ** 2)

    @staticmethod
    def doubled(v):
        return v * 2.0

    def loss(self, x, y):
        h = self.layer(x)
        return np.sum((h - y) ** 2) + self._penalty(self.doubled(x))


X = np.array([0.3, -0.5])
Y = np.array([0.1, 0.2, 0.3])


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_gradient_of_a_bound_method(target):
    model = Model(0)
    got = sg.grad(model.loss, wrt=(0, "y"), target=target)(X, Y)
    want = numerical_gradient(model.loss, (X, Y), (0, 1))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_an_attribute_rebound_between_calls_is_seen(target):
    model = Model(1)
    df = sg.grad(model.loss, target=target)
    df(X, Y)
    model.scale = 5.0
    np.testing.assert_allclose(df(X, Y), numerical_gradient(model.loss, (X, Y), 0),
                               rtol=1e-6, atol=1e-8)
