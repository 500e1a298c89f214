"""Products end to end: `np.einsum` (written by the lowering as registered
operations, `srcgrad/rules/einsum.py`) in user-looking functions, on
target="python" and target="cpu", against central differences; its values
against `np.einsum` on many subscripts; second order; and the refusals."""

from __future__ import annotations

import ast
import copy
import importlib.util
import zlib

import numba
import numpy as np
import pytest
from gradcheck import numerical_gradient

import srcgrad as sg
from srcgrad import runtime
from srcgrad.rules import registry
from srcgrad.rules.einsum import write_einsum

TARGETS = ("python", "cpu")
RNG = np.random.default_rng(7)


def _check(fn, args, target, rtol=1e-6, atol=1e-8):
    wrt = tuple(range(len(args)))
    got = sg.grad(fn, wrt=wrt, target=target)(*copy.deepcopy(args))
    got = got if isinstance(got, tuple) else (got,)
    for k in wrt:
        np.testing.assert_allclose(got[k], numerical_gradient(fn, args, k), rtol=rtol,
                                   atol=atol, err_msg=f"argument {k}")


# --- user functions ------------------------------------------------------------------------


def bilinear_attention(q, k, v):
    scores = np.einsum("bij,bkj->bik", q, k) / np.sqrt(q.shape[-1])
    weights = np.exp(scores - np.max(scores))
    weights = weights / np.sum(weights, axis=-1, keepdims=True)
    return np.sum(np.einsum("bik,bkd->bid", weights, v) ** 2)


def mahalanobis(x, mu, precision):
    d = x - mu
    return np.sum(np.sqrt(np.einsum("ni,ij,nj->n", d, precision, d)))


def trace_and_diagonal(a):
    return np.einsum("ii", a) * np.sum(np.einsum("ii->i", a) ** 2)


def batched_matvec(a, x):
    return np.sum(np.sin(np.einsum("...ij,...j->...i", a, x)))


EINSUM_CALLS = [
    (bilinear_attention, (RNG.normal(size=(2, 3, 4)), RNG.normal(size=(2, 3, 4)),
                          RNG.normal(size=(2, 3, 2)))),
    (mahalanobis, (RNG.normal(size=(5, 3)), RNG.normal(size=3), np.eye(3) * 2.0 + 0.1)),
    (trace_and_diagonal, (RNG.normal(size=(3, 3)),)),
    (batched_matvec, (RNG.normal(size=(2, 3, 4)), RNG.normal(size=4))),
]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn,args", EINSUM_CALLS, ids=[f.__name__ for f, _ in EINSUM_CALLS])
def test_einsum_in_user_functions(fn, args, target):
    _check(fn, args, target)


# --- many subscripts: values against np.einsum, gradients against differences ------------

SUBSCRIPTS = [
    ("ij,jk->ik", [(3, 4), (4, 5)]), ("ij,jk", [(3, 4), (4, 5)]), ("ii->", [(4, 4)]),
    ("ii->i", [(4, 4)]), ("ii", [(3, 3)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("i,i->", [(4,), (4,)]), ("i,j->ij", [(3,), (4,)]), ("ij,j->i", [(3, 4), (4,)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]), ("i...,i->...", [(3, 2, 5), (3,)]),
    ("ij->", [(3, 4)]), ("ij->j", [(3, 4)]), ("ij->ji", [(3, 4)]), ("ijk,jk->i", [(2, 3, 4), (3, 4)]),
    ("iij->ji", [(3, 3, 2)]), ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("i,ij,j->", [(3,), (3, 4), (4,)]), ("bi,ij,bj->b", [(5, 3), (3, 3), (5, 3)]),
    ("ab,cd->abcd", [(2, 3), (4, 5)]), ("Ba,aC", [(2, 3), (3, 4)]), ("...i->i...", [(2, 3, 4)]),
    ("ij...->...ji", [(2, 3, 4, 5)]), ("i,i,i->i", [(3,), (3,), (3,)]),
    ("ijk,ikl->jl", [(2, 3, 4), (2, 4, 5)]), ("ij,ij->ij", [(3, 4), (3, 4)]),
    ("i...j,j...->...i", [(2, 3, 4), (4, 3)]), ("iji->j", [(3, 2, 3)]),
    ("...,...->...", [(2, 3), (3,)]), ("ij,ij", [(2, 3), (2, 3)]), ("i j , j -> i", [(2, 3), (3,)]),
]


class _NumpyLowering:
    """Runs what the expansion emits on NumPy values, in place of the lowering."""

    def __init__(self, values):
        self.values = values

    def value(self, node):
        return self.values[node.id] if isinstance(node, ast.Name) else ast.literal_eval(node)

    def _keep(self, value):
        name = f"t{len(self.values)}"
        self.values[name] = value
        return ast.Name(name, ast.Load())

    def emit_call(self, fn, args, keywords):
        fn = registry.replacement(fn) or fn
        return self._keep(fn(*map(self.value, args),
                             **{k.arg: self.value(k.value) for k in keywords}))

    def emit_binop(self, left, op, right):
        assert isinstance(op, ast.Mult)
        return self._keep(self.value(left) * self.value(right))


@pytest.mark.parametrize("subscripts,shapes", SUBSCRIPTS, ids=[s for s, _ in SUBSCRIPTS])
def test_einsum_plan_values(subscripts, shapes):
    operands = [RNG.normal(size=s) for s in shapes]
    lowering = _NumpyLowering({f"x{k}": x for k, x in enumerate(operands)})
    names = [ast.Name(f"x{k}", ast.Load()) for k in range(len(operands))]
    got = lowering.value(write_einsum(subscripts, names, lowering))
    want = np.einsum(subscripts, *operands)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def _einsum_function(subscripts, count, tmp_path):
    params = [f"x{k}" for k in range(count)]
    path = tmp_path / "einsum_call.py"
    path.write_text(f"import numpy as np\n\n\ndef f({', '.join(params)}, w):\n"
                    f"    return np.sum(w * np.einsum({subscripts!r}, {', '.join(params)}))\n")
    spec = importlib.util.spec_from_file_location(
        f"einsum_{zlib.crc32(subscripts.encode())}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.f


@pytest.mark.parametrize("subscripts,shapes", SUBSCRIPTS, ids=[s for s, _ in SUBSCRIPTS])
def test_einsum_gradients(subscripts, shapes, tmp_path):
    f = _einsum_function(subscripts, len(shapes), tmp_path)
    operands = [RNG.normal(size=s) for s in shapes]
    w = RNG.normal(size=np.shape(np.einsum(subscripts, *operands)))
    args = operands + [w]
    got = sg.grad(f, wrt=tuple(range(len(shapes))), target="python")(*copy.deepcopy(args))
    got = got if isinstance(got, tuple) else (got,)
    for k in range(len(shapes)):
        np.testing.assert_allclose(got[k], numerical_gradient(f, args, k), rtol=1e-6, atol=1e-8)


SECOND_ORDER = ["ij,jk->ik", "ii->i", "bi,ij,bj->b", "...ij,...j->...i", "ijk,jk->i"]


@pytest.mark.parametrize("subscripts", SECOND_ORDER)
def test_einsum_second_order(subscripts, tmp_path):
    shapes = dict(SUBSCRIPTS)[subscripts] if subscripts in dict(SUBSCRIPTS) else [(2, 3, 4), (4,)]
    f = _einsum_function(subscripts, len(shapes), tmp_path)
    operands = [RNG.normal(size=s) for s in shapes]
    args = operands + [RNG.normal(size=np.shape(np.einsum(subscripts, *operands)))]
    for i in range(len(shapes)):
        first = sg.grad(f, wrt=i, target="python")
        second = sg.grad(first, wrt=i, target="python", unconnected_gradients="zero")
        v = RNG.normal(size=shapes[i])
        got = second(*copy.deepcopy(args), grad_ys=v)

        def along_v(*a, first=first, v=v):
            return np.sum(v * first(*a))

        want = numerical_gradient(along_v, args, i, eps=1e-5)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


# --- refusals ------------------------------------------------------------------------------


def subscripts_in_a_variable(a, spec):
    return np.sum(np.einsum(spec, a))


def interleaved(a, b):
    return np.sum(np.einsum(a, [0, 1], b, [1]))


def lost_ellipsis(a):
    return np.sum(np.einsum("...i->i", a))


def wrong_rank(a):
    return np.sum(np.einsum("ij->i", a))


def test_einsum_refusals():
    a = RNG.normal(size=(2, 3))
    with pytest.raises(sg.NoAdjointError, match="string constant"):
        sg.grad(subscripts_in_a_variable, target="python")(a, "ij->i")
    with pytest.raises(sg.NoAdjointError, match="string constant"):
        sg.grad(interleaved, target="python")(a, a[0])
    with pytest.raises(sg.NoAdjointError, match=r"'\.\.\.'"):
        sg.grad(lost_ellipsis, target="python")(a)
    with pytest.raises(ValueError, match="3 axes where 2 are expected"):
        sg.grad(wrong_rank, target="python")(np.ones((2, 3, 4)))


# --- tensordot, inner, vdot, multi_dot, matrix_power, kron, cross ----------------------------


def torque(r, f):
    """Total torque of forces `f` at points `r` (stacks of 3-vectors)."""
    tau = np.cross(r, f)
    return np.sum(tau ** 2) + np.sum(np.cross(r[0], f))


def markov_chain(logits, start):
    """The state distribution after 4 steps, and the square of the transition matrix."""
    transition = np.exp(logits) / np.sum(np.exp(logits), axis=1, keepdims=True)
    after = start @ np.linalg.matrix_power(transition, 4)
    return np.sum(after * np.arange(3.0)) + np.sum(np.linalg.matrix_power(transition, 2))


def inverse_powers(a):
    return np.sum(np.linalg.matrix_power(a, -2)) + np.sum(np.linalg.matrix_power(a, 0) * a)


def bilinear_layer(x, w, y):
    """`x_i W_ijk y_k` for a 3-tensor `W`, with tensordot in both forms."""
    hidden = np.tensordot(x, w, axes=1)
    scores = np.tensordot(hidden, y, axes=([-1], [0]))
    return np.sum(np.tanh(scores)) + np.sum(np.tensordot(w, w, axes=([0, 2], [0, 2])))


def kernel_features(a, b):
    """Products of vectors and matrices that a kernel method would write."""
    gram = np.inner(a, b)
    return np.sum(gram ** 2) + np.vdot(a, a) + np.sum(np.kron(a, b[0]) ** 2)


def chained(a, b, c, x):
    return np.sum(np.linalg.multi_dot([a, b, c]) ** 2) + np.linalg.multi_dot((x, b, b, x[:4]))


WELL = np.eye(3) * 3.0 + RNG.uniform(-0.5, 0.5, (3, 3))
PRODUCT_CALLS = [
    (torque, (RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3)))),
    (markov_chain, (RNG.normal(size=(3, 3)), np.array([0.2, 0.5, 0.3]))),
    (inverse_powers, (WELL,)),
    (bilinear_layer, (RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4, 2)), RNG.normal(size=2))),
    (kernel_features, (RNG.normal(size=(2, 3)), RNG.normal(size=(4, 3)))),
    (chained, (RNG.normal(size=(2, 4)), RNG.normal(size=(4, 4)), RNG.normal(size=(4, 3)),
               RNG.normal(size=4))),
]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn,args", PRODUCT_CALLS, ids=[f.__name__ for f, _ in PRODUCT_CALLS])
def test_products_in_user_functions(fn, args, target):
    _check(fn, args, target)


@pytest.mark.parametrize("fn,args", PRODUCT_CALLS[:4], ids=[f.__name__ for f, _ in PRODUCT_CALLS[:4]])
def test_products_second_order(fn, args):
    first = sg.grad(fn, target="python")
    v = RNG.normal(size=np.shape(args[0]))
    got = sg.grad(first, target="python", unconnected_gradients="zero")(
        *copy.deepcopy(args), grad_ys=v)

    def along_v(*a):
        return np.sum(v * first(*a))

    np.testing.assert_allclose(got, numerical_gradient(along_v, args, 0, eps=1e-5),
                               rtol=1e-5, atol=1e-7)


def power_at_run_time(a, n):
    return np.sum(np.linalg.matrix_power(a, n))


def axes_at_run_time(a, b, k):
    return np.sum(np.tensordot(a, b, axes=k))


def kron_of_tensors(a, b):
    return np.sum(np.kron(a, b))


def cross_of_planes(a, b):
    return np.sum(np.cross(a, b))


def cross_along_an_axis(a, b):
    return np.sum(np.cross(a, b, axisa=0))


def test_product_refusals():
    a = RNG.normal(size=(3, 3))
    with pytest.raises(sg.NoAdjointError, match="negative n"):
        sg.grad(power_at_run_time, target="python")(a, -1)
    with pytest.raises(sg.NoAdjointError, match="axes must be"):
        sg.grad(axes_at_run_time, target="python")(a, a, 1)
    with pytest.raises(sg.NoAdjointError, match="vectors and matrices"):
        sg.grad(kron_of_tensors, target="python")(np.ones((2, 2, 2)), a)
    with pytest.raises(sg.NoAdjointError, match="3-vectors"):
        sg.grad(cross_of_planes, target="python")(np.ones(2), np.ones(2))
    with pytest.raises(sg.UnsupportedSyntaxError, match="axisa"):
        sg.grad(cross_along_an_axis, target="python")(np.ones((3, 2)), np.ones((2, 3)))


def stationary_after(logits, n):
    """A Markov chain run for `n` steps, `n` known only at run time."""
    transition = np.exp(logits) / np.sum(np.exp(logits), axis=1, keepdims=True)
    return np.sum(np.linalg.matrix_power(transition, n) ** 2)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("n", [0, 1, 4])
def test_matrix_power_of_a_run_time_n(n, target):
    logits = RNG.normal(size=(3, 3))
    got = sg.grad(stationary_after, target=target, unconnected_gradients="zero")(logits, n)
    np.testing.assert_allclose(got, numerical_gradient(stationary_after, (logits, n), 0),
                               rtol=1e-6, atol=1e-8)


def test_matrix_power_of_a_run_time_n_second_order():
    logits = RNG.normal(size=(3, 3))
    first = sg.grad(stationary_after, target="python")
    v = RNG.normal(size=(3, 3))
    got = sg.grad(first, target="python")(logits, 3, grad_ys=v)

    def along_v(x, n):
        return np.sum(v * first(x, n))

    np.testing.assert_allclose(got, numerical_gradient(along_v, (logits, 3), 0, eps=1e-5),
                               rtol=1e-5, atol=1e-7)


def test_matrix_power_of_a_run_time_n_third_order_is_refused():
    logits = RNG.normal(size=(3, 3))
    second = sg.grad(sg.grad(stationary_after, target="python"), target="python")
    with pytest.raises(sg.NoAdjointError, match="matrix_power_grad2"):
        sg.grad(second, target="python")(logits, 3, grad_ys=np.ones((3, 3)))


# --- the replacements, compiled, against NumPy -----------------------------------------------

X3 = RNG.normal(size=(3, 3))
REPLACED = [
    ("kron", lambda a, b: np.kron(a, b), (RNG.normal(size=(2, 3)), RNG.normal(size=(3,)))),
    ("kron32", lambda a, b: np.kron(a, b), (X3.astype(np.float32), X3[0].astype(np.float32))),
    ("cross", lambda a, b: np.cross(a, b), (RNG.normal(size=(2, 1, 3)), RNG.normal(size=(4, 3)))),
    ("matrix_power", lambda a: np.linalg.matrix_power(a, 5), (X3,)),
    ("matrix_power32", lambda a: np.linalg.matrix_power(a, 2), (X3.astype(np.float32),)),
    ("singular_values", lambda a: np.linalg.svd(a, compute_uv=False), (RNG.normal(size=(2, 4, 3)),)),
]
IMPLEMENTATIONS = {"kron": "kron", "cross": "cross", "matrix_power": "matrix_power",
                   "singular_values": "singular_values"}


@pytest.mark.parametrize("name,primal,args", REPLACED, ids=[r[0] for r in REPLACED])
def test_replacements_compiled(name, primal, args):
    impl = getattr(runtime, IMPLEMENTATIONS[name.removesuffix("32")])
    extra = (5,) if name == "matrix_power" else (2,) if name == "matrix_power32" else ()
    compiled = numba.njit(lambda *a: impl(*a))(*args, *extra)
    want = primal(*args)
    assert compiled.shape == want.shape and compiled.dtype == want.dtype
    np.testing.assert_allclose(compiled, want, rtol=1e-5 if want.dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(impl(*args, *extra), want, rtol=1e-12)


def quadratic_form(x, p):
    return np.einsum("i,ij,j->", x, p, x) + np.sum(np.tensordot(x, p, axes=1) ** 3)


def test_hessian_of_einsum_and_tensordot_on_cpu():
    x, p = RNG.normal(size=3), RNG.normal(size=(3, 3))
    got = sg.hessian(quadratic_form, target="cpu")(x, p)
    gradient = sg.grad(quadratic_form, target="python")
    want = np.array([numerical_gradient(lambda x, i=i: gradient(x, p)[i], (x,))
                     for i in range(3)])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
