"""`np.linalg.norm` of every order end to end (`srcgrad/rules/norms.py`):
values against NumPy and gradients against central differences, on
target="python" and target="cpu"; second order of the orders written with
rules; the conventions at kinks; the refusals."""

from __future__ import annotations

import importlib.util
import zlib

import numpy as np
import pytest
from gradcheck import numerical_gradient

import srcgrad as sg

TARGETS = ("python", "cpu")
RNG = np.random.default_rng(11)

# (ord, axis, keepdims, shape), as written in the call
NORMS = [
    ("None", "None", "False", (3, 4)), ("'nuc'", "None", "False", (3, 4)),
    ("'nuc'", "(0, 2)", "True", (3, 2, 4)), ("2", "(0, 1)", "False", (3, 4)),
    ("-2", "(1, 0)", "False", (3, 4)), ("2", "(-2, -1)", "True", (2, 3, 4)),
    ("1", "None", "False", (3, 4)), ("1", "None", "False", (4,)), ("1", "None", "True", (4,)),
    ("-1", "(0, 1)", "False", (3, 4)), ("-1", "None", "False", (4,)), ("np.inf", "None", "True", (3, 4)),
    ("np.inf", "None", "False", (4,)), ("np.inf", "(1, 0)", "False", (3, 4)),
    ("1", "(0, 2)", "True", (3, 2, 4)), ("-1", "(2, 0)", "False", (3, 2, 4)),
    ("-2", "None", "False", (4,)), ("3", "-1", "False", (3, 4)), ("-1.5", "None", "False", (5,)),
    ("0.5", "0", "False", (3, 4)), ("2", "None", "False", (4,)),
    ("'fro'", "(0, 1)", "True", (3, 4)),
]
CPU_NORMS = [n for n in NORMS if n[0] in ("'nuc'", "1", "np.inf") or n[1] == "(0, 1)"]


def _norm_function(ord, axis, keepdims, tmp_path):
    call = f"np.linalg.norm(x, {ord}, {axis}, {keepdims})"
    source = f"import numpy as np\n\n\ndef f(x, w):\n    return np.sum(w * {call})\n"
    path = tmp_path / "norm_call.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"norm_{zlib.crc32(source.encode())}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.f


def _case(ord, axis, keepdims, shape):
    x = RNG.normal(size=shape)
    value = np.linalg.norm(x, eval(ord, {"np": np}), eval(axis), eval(keepdims))
    return x, value, RNG.normal(size=np.shape(value))


def _check_norm(norm, target, tmp_path):
    ord, axis, keepdims, shape = norm
    f = _norm_function(ord, axis, keepdims, tmp_path)
    x, value, w = _case(*norm)
    got_value, got = sg.value_and_grad(f, target=target)(x.copy(), w)
    np.testing.assert_allclose(got_value, np.sum(w * value), rtol=1e-10)
    np.testing.assert_allclose(got, numerical_gradient(f, (x, w), 0), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("norm", NORMS, ids=[",".join(n[:3]) + str(n[3]) for n in NORMS])
def test_norms_python(norm, tmp_path):
    _check_norm(norm, "python", tmp_path)


@pytest.mark.parametrize("norm", CPU_NORMS, ids=[",".join(n[:3]) + str(n[3]) for n in CPU_NORMS])
def test_norms_cpu(norm, tmp_path):
    _check_norm(norm, "cpu", tmp_path)


# --- second order: the orders written with rules --------------------------------------------

SECOND_ORDER = [("1", "None", "False", (3, 4)), ("np.inf", "(1, 0)", "False", (3, 4)),
                ("-1.5", "None", "False", (5,)), ("np.inf", "1", "True", (3, 4)), ("-1", "(0, 1)", "False", (3, 4))]


@pytest.mark.parametrize("norm", SECOND_ORDER, ids=[",".join(n[:3]) for n in SECOND_ORDER])
def test_norm_second_order(norm, tmp_path):
    f = _norm_function(*norm[:3], tmp_path)
    x, _, w = _case(*norm)
    first = sg.grad(f, target="python")
    v = RNG.normal(size=x.shape)
    got = sg.grad(first, target="python", unconnected_gradients="zero")(x.copy(), w, grad_ys=v)

    def along_v(x, w):
        return np.sum(v * first(x, w))

    want = numerical_gradient(along_v, (x, w), 0, eps=1e-5)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def nuclear_regulariser(w, x, y):
    """Least squares with a nuclear-norm and a Frobenius penalty."""
    residual = x @ w - y
    return (np.sum(residual ** 2) + 0.1 * np.linalg.norm(w, "nuc")
            + 0.05 * np.linalg.norm(w, "fro") ** 2)


def spectral_margin(a):
    return np.linalg.norm(a, 2, axis=(0, 1)) - np.linalg.norm(a, -2, axis=(0, 1))


def induced_norms(a):
    return np.linalg.norm(a, 1) * np.linalg.norm(a, np.inf) + np.linalg.norm(a, -1, (0, 1))


@pytest.mark.parametrize("target", TARGETS)
def test_regularisers(target):
    w, x, y = RNG.normal(size=(3, 2)), RNG.normal(size=(5, 3)), RNG.normal(size=(5, 2))
    got = sg.grad(nuclear_regulariser, target=target)(w, x, y)
    np.testing.assert_allclose(got, numerical_gradient(nuclear_regulariser, (w, x, y), 0),
                               rtol=1e-6, atol=1e-8)
    a = RNG.normal(size=(4, 3))
    for fn in (spectral_margin, induced_norms):
        np.testing.assert_allclose(sg.grad(fn, target=target)(a),
                                   numerical_gradient(fn, (a,), 0), rtol=1e-6, atol=1e-8)


# --- kinks and ties -------------------------------------------------------------------------


def count(x):
    return np.linalg.norm(x, 0) * np.sum(x)


def inf_norm(x):
    return np.linalg.norm(x, np.inf)


def column_norm(a):
    return np.linalg.norm(a, 1)


def spectral(a):
    return np.linalg.norm(a, 2, axis=(0, 1))


@pytest.mark.parametrize("target", TARGETS)
def test_kinks(target):
    x = np.array([0.0, 1.5, -2.0, 0.0])
    # the count of nonzero entries is a constant: only np.sum(x) carries a derivative
    np.testing.assert_allclose(sg.grad(count, target=target)(x), np.full(4, 2.0))
    # a tie of the largest magnitude shares the cotangent, as np.max's rule does
    tie = np.array([2.0, -1.0, -2.0])
    np.testing.assert_allclose(sg.grad(inf_norm, target=target)(tie), [0.5, 0.0, -0.5])
    # a tie of the column sums: shared between the tied columns; |x| at 0 has
    # derivative 1, as np.abs's rule (JAX's convention)
    a = np.array([[1.0, -2.0], [1.0, 0.0]])
    np.testing.assert_allclose(sg.grad(column_norm, target=target)(a),
                               [[0.5, -0.5], [0.5, 0.5]])
    # distinct singular values: the outer product of the leading singular vectors
    b = np.diag([3.0, 1.0])
    np.testing.assert_allclose(sg.grad(spectral, target=target)(b), [[1.0, 0.0], [0.0, 0.0]],
                               atol=1e-12)


# --- refusals -------------------------------------------------------------------------------


def nuclear(a):
    return np.linalg.norm(a, "nuc")


def two_of_a_matrix(a):
    return np.linalg.norm(a, 2)


def order_in_a_variable(a, p):
    return np.linalg.norm(a, p)


def zero_of_a_matrix(a):
    return np.linalg.norm(a, 0, axis=(0, 1))


def test_refusals():
    a = RNG.normal(size=(3, 3))
    with pytest.raises(sg.NoAdjointError, match="singular_values_grad"):
        sg.hessian(nuclear, target="python")(a)
    with pytest.raises(sg.NoAdjointError, match=r"axis=\(0, 1\)"):
        sg.grad(two_of_a_matrix, target="python")(a)
    with pytest.raises(sg.NoAdjointError, match="constant"):
        sg.grad(order_in_a_variable, target="python")(a, 1)
    with pytest.raises(sg.NoAdjointError, match="NumPy has none"):
        sg.grad(zero_of_a_matrix, target="python")(a)
    with pytest.raises(ValueError, match="3 axes where 2"):
        sg.grad(nuclear, target="python")(np.ones((2, 3, 3)))
