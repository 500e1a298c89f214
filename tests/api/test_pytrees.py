"""Containers of arrays as parameters (JAX's pytrees): gradients of the same
structure, on python and cpu, against central differences."""

import dataclasses
from collections import namedtuple

import numpy as np
import pytest

import srcgrad as sg

Affine = namedtuple("Affine", ["W", "b"])


@dataclasses.dataclass
class Model:
    w: np.ndarray
    bias: float


def mlp(params, x):
    h = x
    for W, b in params["layers"]:
        h = np.tanh(W @ h + b)
    return params["scale"] * np.sum(h ** 2)


def _layer(p, h):
    return np.tanh(p.W @ h + p.b)


def named_tuple_through_helper(p, x):
    return np.sum(_layer(p, x) ** 2)


def dataclass_model(m, x):
    return np.sum(np.sin(m.w * x) + m.bias ** 2)


def list_with_break(ws, x):
    s = 0.0
    for i, w in enumerate(ws):
        if i == 2:
            break
        s = s + np.sum(np.exp(w * x))
    return s


def tuple_of_arrays(pair, c):
    a, b = pair
    return np.sum(a * b) * c


def _leaves(value):
    if isinstance(value, dict):
        return [leaf for k in value for leaf in _leaves(value[k])]
    if dataclasses.is_dataclass(value):
        return [leaf for f in dataclasses.fields(value) for leaf in _leaves(getattr(value, f.name))]
    if isinstance(value, (tuple, list)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def _replace(value, j, new, count=None):
    """`value` with its j-th leaf replaced by `new`."""
    count = [0] if count is None else count
    if isinstance(value, dict):
        return {k: _replace(v, j, new, count) for k, v in value.items()}
    if dataclasses.is_dataclass(value):
        return type(value)(**{f.name: _replace(getattr(value, f.name), j, new, count)
                              for f in dataclasses.fields(value)})
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*[_replace(v, j, new, count) for v in value])
    if isinstance(value, (tuple, list)):
        return type(value)(_replace(v, j, new, count) for v in value)
    count[0] += 1
    return new if count[0] - 1 == j else value


def finite_differences(fn, args, k, eps=1e-6):
    """The gradient of fn with respect to the container args[k], leaf by leaf."""
    grads = []
    for j, leaf in enumerate(_leaves(args[k])):
        base = np.array(leaf, dtype=np.float64)
        g = np.zeros_like(base)
        for i in np.ndindex(base.shape):
            values = []
            for sign in (1, -1):
                moved = base.copy()
                moved[i] += sign * eps
                new = moved if base.ndim else float(moved)
                call = list(args)
                call[k] = _replace(args[k], j, new)
                values.append(fn(*call))
            g[i] = (values[0] - values[1]) / (2 * eps)
        grads.append(g)
    return grads


rng = np.random.default_rng(3)
X = rng.standard_normal(3)
PARAMS = {"layers": [(rng.standard_normal((4, 3)), rng.standard_normal(4)),
                     (rng.standard_normal((2, 4)), rng.standard_normal(2))], "scale": 0.5}
CASES = [
    (mlp, (PARAMS, X)),
    (named_tuple_through_helper, (Affine(rng.standard_normal((2, 3)), rng.standard_normal(2)), X)),
    (dataclass_model, (Model(rng.standard_normal(3), 0.7), X)),
    (list_with_break, ([rng.standard_normal(3) * 0.3 for _ in range(3)], X)),
    (tuple_of_arrays, ((rng.standard_normal(3), rng.standard_normal(3)), 1.5)),
]


@pytest.mark.parametrize("target", ["python", "cpu"])
@pytest.mark.parametrize("fn, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradient_has_the_structure_of_the_container(fn, args, target):
    got = sg.grad(fn, wrt=0, target=target)(*args)
    assert type(got) is type(args[0])
    got_leaves, want = _leaves(got), finite_differences(fn, args, 0)
    assert len(got_leaves) == len(want)
    for g, w in zip(got_leaves, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-7)


def test_wrt_by_name_and_with_an_array():
    got_params, got_x = sg.grad(mlp, wrt=("params", "x"), target="python")(PARAMS, X)
    assert isinstance(got_params["layers"][1], tuple)
    eps = 1e-6
    fd = np.array([(mlp(PARAMS, X + eps * e) - mlp(PARAMS, X - eps * e)) / (2 * eps)
                   for e in np.eye(3)])
    np.testing.assert_allclose(got_x, fd, rtol=1e-5, atol=1e-7)


def test_another_structure_is_refused_by_name():
    df = sg.grad(mlp, target="python")
    df(PARAMS, X)
    other = {"layers": PARAMS["layers"][:1], "scale": 0.5}
    with pytest.raises(ValueError, match="parameter 'params' got dict"):
        df(other, X)


# --- containers as results, and has_aux ----------------------------------------------------


def loss_with_aux(w, x):
    pred = np.tanh(x @ w)
    return np.sum(pred ** 2), {"pred": pred, "rows": x.shape[0]}


def dict_of_outputs(w):
    return {"wave": np.sin(w), "energy": np.sum(w ** 2)}


def list_of_outputs(w):
    return [w * 2.0, np.cos(w)]


W = np.array([0.3, -0.2])
XS = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.1]])


def _fd(f, w, eps=1e-6):
    return np.array([(f(w + eps * e) - f(w - eps * e)) / (2 * eps) for e in np.eye(w.size)])


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_has_aux_differentiates_the_value_alone(target):
    grads, aux = sg.grad(loss_with_aux, has_aux=True, target=target)(W, XS)
    np.testing.assert_allclose(grads, _fd(lambda w: loss_with_aux(w, XS)[0], W), rtol=1e-6)
    np.testing.assert_allclose(aux["pred"], np.tanh(XS @ W))
    assert aux["rows"] == 3
    (value, aux2), grads2 = sg.value_and_grad(loss_with_aux, has_aux=True, target=target)(W, XS)
    assert value == pytest.approx(loss_with_aux(W, XS)[0])
    np.testing.assert_allclose(grads2, grads)
    np.testing.assert_allclose(aux2["pred"], aux["pred"])


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_outputs_in_a_dict_take_grad_ys_in_the_same_dict(target):
    df = sg.grad(dict_of_outputs, target=target)
    seeds = {"wave": np.array([0.5, -2.0]), "energy": 3.0}
    want = _fd(lambda w: float(np.sum(seeds["wave"] * np.sin(w)) + 3.0 * np.sum(w ** 2)), W)
    np.testing.assert_allclose(df(W, grad_ys=seeds), want, rtol=1e-6)
    np.testing.assert_allclose(df(W), _fd(lambda w: float(np.sum(np.sin(w)) + np.sum(w ** 2)), W),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="grad_ys must have the structure"):
        df(W, grad_ys={"wave": np.ones(2)})


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_a_list_of_outputs_comes_back_as_a_list(target):
    value, grads = sg.value_and_grad(list_of_outputs, target=target)(W)
    assert isinstance(value, list) and len(value) == 2
    np.testing.assert_allclose(value[1], np.cos(W))
    np.testing.assert_allclose(grads, _fd(lambda w: float(np.sum(list_of_outputs(w)[0])
                                                          + np.sum(np.cos(w))), W), rtol=1e-6)
