"""Rough edges of the API: globals rebound after the first call, arguments
srcgrad does not take, calls whose arguments do not fit, `jvp`'s tangents,
the 'cuda' target's installation.  Every gradient is checked against finite
differences; every error for its type, the user's file:line and construct,
and the absence of srcgrad's internal names."""

from __future__ import annotations

import inspect
import os
import re

import edge_module
import numpy as np
import pytest
from gradcheck import numerical_gradient

import srcgrad as sg

TARGETS = ["python", "cpu"]

# --- 1. globals rebound after the first call ----------------------------------------------

W = np.array([1.0, 2.0, 3.0])
SCALE = 2.0


def helper(x):
    return x * x


def uses_globals(x):
    return np.sum(SCALE * W * helper(x)) + edge_module.OFFSET * np.sum(edge_module.WEIGHTS * x)


def check(df, f, x):
    """df(x) against finite differences of f at x."""
    np.testing.assert_allclose(df(x), numerical_gradient(f, (x,)), rtol=1e-6, atol=1e-7)


@pytest.fixture
def restore_globals():
    saved = dict(W=W, SCALE=SCALE, helper=helper)
    module = dict(OFFSET=edge_module.OFFSET, WEIGHTS=edge_module.WEIGHTS)
    yield
    globals().update(saved)
    for name, value in module.items():
        setattr(edge_module, name, value)


@pytest.mark.parametrize("target", TARGETS)
def test_rebound_globals_are_seen_by_the_gradient(target, restore_globals):
    global W, SCALE, helper
    df = sg.grad(uses_globals, target=target)
    x = np.array([0.3, -0.7, 1.1])
    check(df, uses_globals, x)
    SCALE = 5.0  # a number, inlined as a constant
    check(df, uses_globals, x)
    W = np.array([4.0, -5.0, 6.0])  # an array, a global of the generated module
    check(df, uses_globals, x)
    edge_module.OFFSET = -3.0  # a module attribute
    edge_module.WEIGHTS = np.array([1.0, 1.0, -4.0])
    check(df, uses_globals, x)

    def cube(v):
        return v * v * v
    helper = cube  # a function the gradient inlined
    check(df, uses_globals, x)
    # the source shown is the code that runs now
    assert "5.0" in df.source and "-3.0" in df.source


@pytest.mark.parametrize("target", TARGETS)
def test_a_global_array_changed_in_place_is_seen(target, restore_globals):
    """Numba freezes a global array's values into compiled code; srcgrad
    notices that the array no longer holds them and compiles again (on
    'python' the generated module reads the array when it runs)."""
    df = sg.grad(uses_globals, target=target)
    x = np.array([0.3, -0.7, 1.1])
    check(df, uses_globals, x)
    W[1] = 10.0
    edge_module.WEIGHTS[2] = -7.0
    check(df, uses_globals, x)
    W[1] = 2.0  # back to the values compiled first
    check(df, uses_globals, x)


CUBIC = False


def branches_on_a_global(x):
    if CUBIC:  # a constant test: the transformation keeps only the branch taken
        return np.sum(edge_module.OFFSET * x * x * x)
    return np.sum(edge_module.OFFSET * x * x)


@pytest.mark.parametrize("target", TARGETS)
def test_a_rebound_flag_is_seen(target, restore_globals):
    global CUBIC
    df = sg.grad(branches_on_a_global, target=target)
    x = np.array([0.5, -1.5])
    try:
        check(df, branches_on_a_global, x)
        CUBIC = True
        check(df, branches_on_a_global, x)
        edge_module.OFFSET = -0.5
        check(df, branches_on_a_global, x)
    finally:
        CUBIC = False


def make_closure(k):
    def scaled(x):
        return k * np.sum(np.sin(x))

    def rebind(value):
        nonlocal k
        k = value

    return scaled, rebind


@pytest.mark.parametrize("target", TARGETS)
def test_a_rebound_closure_variable_is_seen(target):
    f, rebind = make_closure(2.0)
    df = sg.grad(f, target=target)
    x = np.array([0.1, 0.9])
    check(df, f, x)
    rebind(-3.5)
    check(df, f, x)


@pytest.mark.parametrize("target", TARGETS)
def test_second_derivative_sees_a_rebound_global(target, restore_globals):
    global SCALE

    def g(x):
        return SCALE * x * x * x

    d2 = sg.grad(sg.grad(g, target=target), target=target)
    assert d2(2.0) == pytest.approx(6 * SCALE * 2.0)
    SCALE = -1.25
    assert d2(2.0) == pytest.approx(6 * SCALE * 2.0)


def test_two_gradients_over_equal_arrays_keep_their_own(restore_globals):
    """Generated modules are shared by source and values; a gradient must not
    read another gradient's array (equal when loaded, changed since)."""
    global W
    df1 = sg.grad(uses_globals, target="python")
    x = np.array([0.3, -0.7, 1.1])
    check(df1, uses_globals, x)
    first = W
    W = first.copy()  # equal values, another object
    df2 = sg.grad(uses_globals, target="python")
    check(df2, uses_globals, x)
    W[0] = 9.0  # seen by df2 (and by df1, whose W is now this one too)
    check(df2, uses_globals, x)
    check(df1, uses_globals, x)


# --- 2. containers as arguments -----------------------------------------------------------

INTERNAL_NAMES = re.compile(r"\b(_t\d+|reduce_sum|select|sum_grad|unbroadcast|_as_input|"
                            r"asarray|srcgrad/)")


def pair_sum(xs, w):
    a, b = xs
    return np.sum(a * w) + np.sum(b * w)


PAIR_LINE = inspect.getsourcelines(pair_sum)[1]


def assert_names_user_code(exc, line, construct):
    """The error leads with this file and `line`, names `construct`, and
    holds none of srcgrad's internal names."""
    assert isinstance(exc, sg.SrcGradError), type(exc)
    assert os.path.basename(exc.file) == os.path.basename(__file__), str(exc)
    assert exc.line == line, str(exc)
    assert str(exc).startswith(f"{exc.file}:{line}: "), str(exc)
    assert construct in str(exc), str(exc)
    assert not INTERNAL_NAMES.search(str(exc).replace(exc.file, "")), str(exc)


def dict_pair_sum(xs, w):
    return np.sum(xs["a"] * w) + np.sum(xs["b"] * w)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn, value", [
    (pair_sum, (np.array([1.0, -2.0]), np.array([0.5, 3.0, 1.0]))),  # of different shapes
    (pair_sum, [np.array([1.0, -2.0]), np.array([0.5, 3.0])]),
    (dict_pair_sum, {"a": np.array([1.0, -2.0]), "b": np.array([0.5])}),
])
def test_a_container_argument_gets_a_gradient_of_its_structure(fn, value, target):
    """A container of arrays is a pytree: its gradient has its structure, and the
    gradient with respect to w sees its arrays (sum of all their elements)."""
    dxs, dw = sg.grad(fn, wrt=(0, 1), target=target)(value, 2.0)
    assert type(dxs) is type(value)
    leaves = list(value.values()) if isinstance(value, dict) else list(value)
    got = list(dxs.values()) if isinstance(dxs, dict) else list(dxs)
    for g, leaf in zip(got, leaves):
        np.testing.assert_allclose(g, np.full_like(leaf, 2.0))  # d/dleaf of sum(leaf * w)
    assert dw == pytest.approx(sum(np.sum(leaf) for leaf in leaves))


@pytest.mark.parametrize("target", TARGETS)
def test_a_container_of_another_structure_is_refused(target):
    xs = (np.array([1.0, -2.0]), np.array([0.5, 3.0]))
    dw = sg.grad(pair_sum, wrt=1, target=target)
    assert dw(xs, 2.0) == pytest.approx(numerical_gradient(pair_sum, (np.stack(xs), 2.0), 1))
    with pytest.raises(ValueError, match="parameter 'xs' got dict"):
        dw({"a": np.ones(2)}, 2.0)


# --- 2b. np.linalg.norm's orders ---------------------------------------------------------


def norm_of_order(order, axis=None):
    def f(x):
        return np.linalg.norm(x, ord=order, axis=axis) * 1.0
    return f


NORM_LINE = inspect.getsourcelines(norm_of_order)[1] + 2
VECTOR = np.array([0.3, -1.2, 0.7, 2.0])
MATRIX = np.array([[0.3, -1.2, 0.4], [0.7, 2.0, -0.9]])


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("order", [1, 2, 3, 1.5, -1, np.inf, -np.inf, None])
def test_vector_norms_of_every_order(target, order):
    f = norm_of_order(order)
    df = sg.grad(f, target=target)
    np.testing.assert_allclose(df(VECTOR), numerical_gradient(f, (VECTOR,)), rtol=1e-6)
    value, _ = sg.value_and_grad(f, target=target)(VECTOR)
    assert value == pytest.approx(np.linalg.norm(VECTOR, order))
    # along an axis of a matrix: vector norms
    g = norm_of_order(order, axis=1)
    dg = sg.grad(lambda_free_sum(g), target=target)
    np.testing.assert_allclose(dg(MATRIX), numerical_gradient(lambda_free_sum(g), (MATRIX,)),
                               rtol=1e-6)


def lambda_free_sum(g):
    def summed(x):
        return np.sum(g(x) * np.array([1.0, -2.0]))
    return summed


@pytest.mark.parametrize("target", TARGETS)
def test_second_derivative_of_a_p_norm(target):
    f = norm_of_order(3)
    hessian = sg.hessian(f, target=target)(VECTOR)
    gradient = sg.grad(f, target="python")
    by_differences = np.array([numerical_gradient(lambda x, i=i: gradient(x)[i], (VECTOR,))
                               for i in range(VECTOR.size)])
    np.testing.assert_allclose(hessian, by_differences, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("target", TARGETS)
def test_frobenius_norm_of_a_matrix(target):
    f = norm_of_order("fro")
    np.testing.assert_allclose(sg.grad(f, target=target)(MATRIX),
                               numerical_gradient(f, (MATRIX,)), rtol=1e-6)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("order, value, written", [
    # refused when the matrix arrives: without axis=, 2, -2, -1 and p are a vector's
    # orders (a matrix's other orders: tests/rules/test_norm_calls.py)
    (2, MATRIX, "a matrix"),
    (-2, MATRIX, "a matrix"),
    (-1, MATRIX, "a matrix"),
    (3, MATRIX, "a matrix"),
    ("fro", VECTOR, "a vector with ord='fro'"),
])
def test_norms_without_a_rule_are_refused(target, order, value, written):
    with pytest.raises(sg.NoAdjointError) as info:
        sg.grad(norm_of_order(order), target=target)(value)
    assert_names_user_code(info.value, NORM_LINE, "np.linalg.norm(x, ord=order, axis=axis)")
    assert written in str(info.value)


# --- 2c. products of stacks of matrices (batched matmul) --------------------------------


def batched(a, b):
    c = a @ b
    return np.sum(c * c)


def batched_matmul(a, b):
    return np.sum(np.sin(np.matmul(a, b)))


BATCH_SHAPES = [((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)),
                ((2, 1, 3, 4), (5, 4, 2))]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn", [batched, batched_matmul])
@pytest.mark.parametrize("shapes", BATCH_SHAPES, ids=str)
def test_batched_matmul(target, fn, shapes):
    """The batch axes broadcast; each operand's gradient is summed back over
    the batch axes it was broadcast along."""
    rng = np.random.default_rng(3)
    a, b = (rng.normal(size=s) for s in shapes)
    got = sg.grad(fn, wrt=(0, 1), target=target)(a, b)
    want = numerical_gradient(fn, (a, b), (0, 1))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("target", TARGETS)
def test_second_derivative_of_a_batched_matmul(target):
    rng = np.random.default_rng(4)
    a, b, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 2)), rng.normal(size=(2, 3, 4))
    got = sg.hvp(batched, target=target)(a, b, v)
    gradient = sg.grad(batched, target="python")
    eps = 1e-6
    want = (gradient(a + eps * v, b) - gradient(a - eps * v, b)) / (2 * eps)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("target", TARGETS)
def test_a_stack_of_matrices_times_a_vector_is_refused(target):
    a, b = np.ones((2, 3, 4)), np.ones(4)
    with pytest.raises(sg.NoAdjointError) as info:
        sg.grad(batched, target=target)(a, b)
    line = inspect.getsourcelines(batched)[1] + 1
    assert_names_user_code(info.value, line, "c = a @ b")
    assert "3-D and 1-D" in str(info.value)


# --- 3. calls whose arguments do not fit --------------------------------------------------


def sum_where(x, m):
    return np.sum(x, where=m)


def maximum_of_one(x):
    return np.sum(np.maximum(x))


def sine_of_four(x):
    return np.sum(np.sin(x, 3, 4, 5))


def method_sum_where(x, m):
    return x.sum(where=m)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn, construct, reason", [
    (sum_where, "'np.sum(x, where=m)'", "unexpected keyword argument 'where'"),
    (maximum_of_one, "'np.maximum(x)'", "missing a required argument"),
    (sine_of_four, "'np.sin(x, 3, 4, 5)'", "too many positional arguments"),
    (method_sum_where, "'x.sum(where=m)'", "unexpected keyword argument 'where'"),
], ids=lambda v: getattr(v, "__name__", None))
def test_arguments_that_do_not_fit_quote_the_users_call(target, fn, construct, reason):
    x, m = np.array([1.0, 2.0, 3.0]), np.array([True, False, True])
    args = (x, m) if "where" in fn.__name__ else (x,)
    with pytest.raises(sg.SrcGradError) as info:
        sg.grad(fn, target=target)(*args)
    assert_names_user_code(info.value, inspect.getsourcelines(fn)[1] + 1, construct)
    assert reason in str(info.value)


def nonzero_by_where(x):
    count = len(np.where(x > 0)[0])
    positive = np.where(x > 0)[0]
    return np.sum(x[positive] * x[positive]) + count * x[0]


@pytest.mark.parametrize("target", TARGETS)
def test_where_of_one_argument_is_nonzero(target):
    x = np.array([1.0, -1.0, 2.0])
    np.testing.assert_allclose(sg.grad(nonzero_by_where, target=target)(x),
                               numerical_gradient(nonzero_by_where, (x,)), rtol=1e-6)


# --- 4. jvp takes tangents in the structure of the primals ---------------------------------


def two_inputs(x, a):
    return np.sin(x) * a + x[0] * a * a


def _directional(f, primals, tangents, eps=1e-6):
    up = f(*[p + eps * t for p, t in zip(primals, tangents)])
    down = f(*[p - eps * t for p, t in zip(primals, tangents)])
    return (up - down) / (2 * eps)


@pytest.mark.parametrize("target", TARGETS)
def test_jvp_takes_tangents_shaped_like_the_primals(target):
    x, v = np.array([0.3, -0.5, 0.8]), np.array([1.0, 0.5, -2.0])
    a, da = 1.7, -0.4
    value, tangent = sg.jvp(two_inputs, target=target)((x, a), (v, da))
    np.testing.assert_allclose(value, two_inputs(x, a))
    np.testing.assert_allclose(tangent, _directional(two_inputs, (x, a), (v, da)), rtol=1e-7)
    # None (or zeros) for a primal without tangent; one argument may go bare
    _, tangent = sg.jvp(two_inputs, target=target)((x, a), (v, None))
    np.testing.assert_allclose(tangent, _directional(two_inputs, (x, a), (v, 0.0)), rtol=1e-7)

    def g(x):
        return np.sin(x) * x[0]
    _, single = sg.jvp(g, target=target)((x,), (v,))
    _, bare = sg.jvp(g, target=target)(x, v)
    np.testing.assert_allclose(single, _directional(g, (x,), (v,)), rtol=1e-7)
    np.testing.assert_allclose(bare, single)


def test_jvp_refuses_tangents_of_another_structure():
    x, v = np.array([0.3, -0.5, 0.8]), np.array([1.0, 0.5, -2.0])
    with pytest.raises(TypeError, match=r"tangents must have the structure of primals, a "
                                         r"tuple of 2 .* not ndarray"):
        sg.jvp(two_inputs, target="python")((x, 1.0), v)
    with pytest.raises(ValueError, match=r"tangents\[0\] has shape \(2,\)"):
        sg.jvp(two_inputs, target="python")((x, 1.0), (v[:2], 0.0))


# --- 6. target="cuda" without numba-cuda ---------------------------------------------------


def scalar_square(x):
    return x * x


def test_cuda_without_numba_cuda_says_what_to_install(monkeypatch):
    from srcgrad.backend import cuda

    monkeypatch.setattr(cuda, "numba_cuda_installed", lambda: False)
    df = sg.grad(scalar_square, target="cuda")
    assert "def scalar_square_grad" in df.source  # generating the code needs no GPU
    for use in (lambda: df(np.array([1.0, 2.0])), lambda: df.device_function):
        with pytest.raises(sg.SrcGradError) as info:
            use()
        line = inspect.getsourcelines(scalar_square)[1]
        assert_names_user_code(info.value, line, 'pip install "srcgrad[cuda]"')
        assert "numba-cuda" in str(info.value)


# --- a rule registered for one of the user's own functions --------------------------------


def clip_unit(x):
    return min(max(x, 0.0), 1.0)


@sg.adjoint(clip_unit)
def _straight_through(g, ans, x):
    return g  # the gradient passes the clip unchanged (a straight-through estimator)


def clipped_loss(x):
    return clip_unit(x) * 3.0 + x


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_a_rule_for_a_users_function_is_used(target):
    """The user's rule, not the derivative of the function's code (which is
    0 outside [0, 1]): by hand, 3 * 1 + 1 everywhere."""
    df = sg.grad(clipped_loss, target=target)
    for x in (2.0, 0.5, -1.0):
        assert df(x) == pytest.approx(4.0)
    assert "clip_unit(x)" in df.source  # called, not inlined
