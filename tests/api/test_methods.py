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


# --- wrt="self": the gradient with respect to the object's array attributes ------------------


class MLP:
    def __init__(self, seed):
        rng = np.random.default_rng(seed)
        self.layers = [Dense(rng.standard_normal((3, 2)), rng.standard_normal(3)),
                       Dense(rng.standard_normal((3, 3)) / 3, rng.standard_normal(3))]
        self.config = {"alpha": 0.3}
        self.depth = 2  # an int: a constant
        self.name = "mlp"

    def loss(self, x, y):
        h = x
        for layer in self.layers:
            h = layer(h)
        return np.sum((h - y) ** 2) * self.config["alpha"]


def _with(model, attributes, path_values):
    """A copy of `model` whose attributes at `paths` hold `values`."""
    import copy
    clone = copy.deepcopy(model)
    for path, value in zip(attributes, path_values):
        *head, last = path
        obj = clone
        for step in head:
            obj = obj[step] if isinstance(step, int) or isinstance(obj, dict) else getattr(obj, step)
        if isinstance(obj, dict):
            obj[last] = value
        else:
            setattr(obj, last, value)
    return clone


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_wrt_self_gives_the_object_s_gradient(target):
    model = MLP(2)
    paths = [("layers", 0, "W"), ("layers", 1, "b"), ("config", "alpha")]
    start = [model.layers[0].W, model.layers[1].b, 0.3]

    def f(W0, b1, alpha, x):
        return _with(model, paths, (W0, b1, alpha)).loss(x, Y)

    grads, gx = sg.grad(model.loss, wrt=("self", 0), target=target)(X, Y)
    want = numerical_gradient(f, (*start, X), (0, 1, 2, 3))
    assert type(grads) is MLP and sorted(vars(grads)) == ["config", "layers"]
    got = (grads.layers[0].W, grads.layers[1].b, grads.config["alpha"], gx)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-8)
    assert grads.layers[1].W.shape == (3, 3)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_wrt_self_reads_the_attributes_at_each_call(target):
    model = Model(3)
    df = sg.grad(model.loss, wrt="self", target=target)
    df(X, Y)
    model.layer.W = model.layer.W + 0.25  # a training step
    model.scale = 2.0

    def f(W, scale):
        return _with(model, [("layer", "W"), ("scale",)], (W, scale)).loss(X, Y)

    grads = df(X, Y)
    want = numerical_gradient(f, (model.layer.W, 2.0), (0, 1))
    np.testing.assert_allclose(grads.layer.W, want[0], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(grads.scale, want[1], rtol=1e-6, atol=1e-8)


def test_wrt_self_refuses_an_object_whose_attributes_changed_kind():
    model = Model(4)
    df = sg.grad(model.loss, wrt="self", target="python")
    df(X, Y)
    model.scale = "half"
    with pytest.raises(ValueError, match="parameter 'self' got"):
        df(X, Y)


def test_wrt_self_is_not_differentiated_again():
    model = Model(5)
    with pytest.raises(sg.SrcGradError, match="bound method's object"):
        sg.grad(sg.grad(model.loss, wrt="self", target="python"), target="python")


# --- classmethods, through the object and through the class ----------------------------------


class Projectile:
    g = 9.81

    @classmethod
    def energy(cls, v, h):
        return 0.5 * v * v + cls.g * h

    @staticmethod
    def drag(v, c):
        return c * v * abs(v)

    def loss(self, v, h):
        return self.energy(v, h) + Projectile.drag(v, 0.1) + Projectile.energy(v * h, 1.0)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_classmethods_through_the_object_and_the_class(target):
    p = Projectile()
    got = sg.grad(p.loss, wrt=(0, 1), target=target)(2.0, 3.0)
    want = numerical_gradient(p.loss, (2.0, 3.0), (0, 1))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
