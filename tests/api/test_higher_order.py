"""Derivatives of higher order: `sg.grad` of a gradient function, `hvp`,
`hessian`, `jvp`, `jacobian`.

Oracles: central differences of the lower-order srcgrad result (itself
checked against differences of the function in `test_corpus.py`), and
closed forms derived by hand.
"""

from __future__ import annotations

import copy
import importlib.util
import math
import zlib

import numpy as np
import pytest
from functions import CASES, rosenbrock
from gradcheck import numerical_gradient
from rule_table import ROWS, Const, Derived, Real, Seq, draw

import srcgrad as sg
from srcgrad import runtime
from srcgrad.rules import reductions, registry

TARGETS = ("python", "cpu")

# Second derivatives through the whole corpus (python), and through its
# control-flow rows compiled (cpu: each row compiles two adjoints).
_COMPILED = {"if_elif_else-elif", "if_on_reduction-negative", "conditional_expression-second",
             "while_doubling", "while_newton_sqrt", "for_range_negative_step", "for_break",
             "for_continue", "early_return_if-early", "return_in_for-early", "return_in_while",
             "loop_in_loop_dependent", "if_in_loop", "while_in_for", "for_in_while",
             "return_in_nested_loop", "zero_trip_loops", "data_dependent_trip_count",
             "augmented_write", "element_running_product", "stencil", "cumsum_in_place",
             "helper_with_control_flow", "helper_tuple_in_loop", "helper_early_return_in_loop",
             "float32_scalar_loop", "log_sum_exp", "rosenbrock", "pairwise_distances",
             "written_in_loop_at_computed_index", "seed_f"}


# The first adjoint reads a view (`_t1 = a[:2]`) of an array it then restores
# in place: differentiating that adjoint again is refused with a clear error.
_REFUSED = {"slice_squared_then_rebound_in_loop"}


def _second_order_rows():
    for case in CASES:
        if case.id in _REFUSED:
            continue
        if case.oracle or case.options or case.api != "grad" or case.exact:
            continue
        if case.grad_ys is not None or not isinstance(case.wrt, int):
            continue
        args = case.args_factory(np.random.default_rng(0))
        if not np.issubdtype(np.result_type(args[case.wrt]), np.floating):
            continue
        for target in TARGETS:
            if target in case.targets and (target == "python" or case.id in _COMPILED):
                yield pytest.param(case, target, id=f"{case.id}-{target}")


@pytest.mark.parametrize("case,target", list(_second_order_rows()))
def test_second_order_corpus(case, target):
    """grad(grad(f)) seeded with v: the gradient of <grad f(x), v>."""
    args = case.args_factory(np.random.default_rng(0))
    first = sg.grad(case.fn, wrt=case.wrt, target=target)
    second = sg.grad(first, wrt=case.wrt, target=target, unconnected_gradients="zero")
    g = first(*copy.deepcopy(args))
    v = np.random.default_rng(1).normal(size=np.shape(g))
    v = v if np.ndim(g) else float(v)
    got = second(*copy.deepcopy(args), grad_ys=v)

    def along_v(*a):
        return np.sum(v * np.asarray(first(*a)))

    want = numerical_gradient(along_v, copy.deepcopy(args), case.wrt)
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("case", [c for c in CASES if c.id in _REFUSED], ids=lambda c: c.id)
def test_second_order_refused_clearly(case):
    args = case.args_factory(np.random.default_rng(0))
    second = sg.grad(sg.grad(case.fn, target="python"), target="python")
    with pytest.raises(sg.UnsupportedSyntaxError, match="shares its memory"):
        second(*args)


def exp_sin(x):
    return math.exp(math.sin(x))


def square(a):
    return a**2


def cubic_loop(x, n):
    y = x
    for _ in range(n):
        y = y * x
    return y


def halve_until_small(x):
    y = x * x
    while y > 0.1:
        y = y * 0.5 + 0.01 * y * y
    if y > 0.05:
        return y * x
    return y


@pytest.mark.parametrize("target", TARGETS)
def test_fourth_derivative_of_exp_sin(target):
    d = exp_sin
    for _ in range(4):
        d = sg.grad(d, target=target)
    x = 0.3
    s, c = math.sin(x), math.cos(x)
    # f'''' of e^{sin x}, by hand: (c^4 - 6 s c^2 - 4 c^2 + 3 s^2 + s) e^{sin x}
    want = (c**4 - 6 * s * c**2 - 4 * c**2 + 3 * s**2 + s) * math.exp(s)
    assert d(x) == pytest.approx(want, rel=1e-10)


@pytest.mark.parametrize("target", TARGETS)
def test_seed001_third_derivative_of_square(target):
    """tf.gradients applied three times to tf.pow(a, 2) at a = 1: 2, 2, then
    0.0 (SPEC.md: the input reaches the output of a ** 2 as written, so the
    derivative that became constant on the way is a number, not None)."""
    first = sg.grad(square, target=target)
    second = sg.grad(first, target=target)
    third = sg.grad(second, target=target)
    assert first(1.0) == 2.0
    assert second(1.0) == 2.0
    assert third(1.0) == 0.0
    assert sg.grad(third, target=target)(1.0) == 0.0
    assert sg.grad(second, target=target, unconnected_gradients="zero")(1.0) == 0.0


@pytest.mark.parametrize("target", TARGETS)
def test_third_derivative_through_a_loop(target):
    third = sg.grad(sg.grad(sg.grad(cubic_loop, target=target), target=target), target=target)
    x, n = 0.7, 3  # x ** 4: 24 x
    assert third(x, n) == pytest.approx(24 * x, rel=1e-12)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("x", [0.9, 0.5, 0.2])
def test_second_derivative_through_while_and_return(target, x):
    first = sg.grad(halve_until_small, target=target)
    second = sg.grad(first, target=target)
    h = 1e-6
    want = (first(x + h) - first(x - h)) / (2 * h)
    assert second(x) == pytest.approx(want, rel=1e-5, abs=1e-8)


def two_inputs(x, y):
    return np.sum(np.sin(x) * y * y)


@pytest.mark.parametrize("target", TARGETS)
def test_mixed_partials(target):
    """d/dy of (d/dx f): cos(x) * 2 y, summed against the seed."""
    x, y = np.array([0.3, -0.2]), np.array([1.5, 0.5])
    dx = sg.grad(two_inputs, wrt=0, target=target)
    dxdy = sg.grad(dx, wrt=1, target=target)
    v = np.array([1.0, -2.0])
    np.testing.assert_allclose(dxdy(x, y, grad_ys=v), v * np.cos(x) * 2 * y, rtol=1e-12)


def stopped_product(a, b):
    return np.sum(sg.stop_gradient(a) * b + np.sin(a) * b)


@pytest.mark.parametrize("target", TARGETS)
def test_stop_gradient_holds_in_the_second_derivative(target):
    """d/db f = stop(a) + sin(a); its derivative in a is cos(a), not 1 + cos(a)
    (JAX's answer: a stopped value is a constant at every order)."""
    a, b = np.array([0.4, -1.1]), np.array([2.0, 0.5])
    db = sg.grad(stopped_product, wrt=1, target=target)
    np.testing.assert_allclose(db(a, b), a + np.sin(a), rtol=1e-12)
    v = np.array([1.0, -3.0])
    np.testing.assert_allclose(sg.grad(db, wrt=0, target=target)(a, b, grad_ys=v),
                               v * np.cos(a), rtol=1e-12)


def rosenbrock_hessian(x):
    n = len(x)
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        h[i + 1, i + 1] += 200
        h[i, i + 1] -= 400 * x[i]
        h[i + 1, i] -= 400 * x[i]
    return h


@pytest.mark.parametrize("target", TARGETS)
def test_hessian_and_hvp_of_rosenbrock_loop(target):
    x = np.array([0.3, -0.5, 0.8, 1.1, -0.9])
    v = np.array([0.5, 1.0, -2.0, 0.1, 0.3])
    np.testing.assert_allclose(sg.hessian(rosenbrock, target=target)(x), rosenbrock_hessian(x),
                               rtol=1e-12)
    np.testing.assert_allclose(sg.hvp(rosenbrock, target=target)(x, v),
                               rosenbrock_hessian(x) @ v, rtol=1e-12)


def wide(x):
    y = np.sin(x) * x[0]
    return y[:2] * 2.0


def tall(x):
    return np.array([x[0] * x[1], math.exp(x[0]), x[1] ** 3, x[0] - x[1]])


def _jacobian_by_differences(f, x, h=1e-6):
    columns = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        columns.append((f(x + e) - f(x - e)) / (2 * h))
    return np.stack(columns, axis=-1)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
@pytest.mark.parametrize("f,x", [(wide, np.array([0.3, -0.5, 0.8])),
                                 (tall, np.array([0.4, -1.2]))])
def test_jacobian(target, mode, f, x):
    got = sg.jacobian(f, mode=mode, target=target)(x)
    assert got.shape == f(x).shape + x.shape
    np.testing.assert_allclose(got, _jacobian_by_differences(f, x), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("target", TARGETS)
def test_jvp(target):
    x, t = np.array([0.4, -1.2]), np.array([1.0, 2.0])
    value, tangent = sg.jvp(tall, target=target)((x,), (t,))
    np.testing.assert_allclose(value, tall(x))
    np.testing.assert_allclose(tangent, _jacobian_by_differences(tall, x) @ t, rtol=1e-6)
    # forward mode: the tangent function, each statement beside its tangent
    assert "def tall_jvp(x, dx):" in sg.jvp(tall, target=target).source


def scalar_out(x):
    return np.sum(np.sin(x) * x)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_of_scalar_output_and_scalar_input(target, mode):
    x = np.array([0.3, -0.7, 1.2])
    got = sg.jacobian(scalar_out, mode=mode, target=target)(x)
    assert got.shape == (3,)
    np.testing.assert_allclose(got, np.cos(x) * x + np.sin(x), rtol=1e-12)
    got = sg.jacobian(wide, wrt=0, mode=mode, target=target)(x)  # array in, array out
    np.testing.assert_allclose(got, _jacobian_by_differences(wide, x), rtol=1e-6, atol=1e-8)
    d = sg.jacobian(exp_sin, mode=mode, target=target)(0.3)
    assert np.shape(d) == () and float(d) == pytest.approx(math.cos(0.3) * math.exp(math.sin(0.3)))


def test_hessian_of_a_scalar_input():
    assert sg.hessian(exp_sin)(0.3) == pytest.approx(
        (math.cos(0.3) ** 2 - math.sin(0.3)) * math.exp(math.sin(0.3)), rel=1e-12)


def test_errors():
    with pytest.raises(TypeError, match="one parameter"):
        sg.hessian(two_inputs, wrt=(0, 1))
    with pytest.raises(ValueError, match="mode="):
        sg.jacobian(wide, mode="sideways")
    with pytest.raises(sg.SrcGradError, match="preserve_result"):
        sg.grad(sg.value_and_grad(square))


# --- second order of every rule of the rule table ----------------------------------------------
#
# Each row becomes a function `f(a0, a1, ..., w) = sum(w * primal(a0, a1, ...))`
# (constants written as literals, the primal a global of the file), and
# `grad(grad(f, wrt=i), wrt=i)` seeded with v is checked against central
# differences of the first-order gradient along v, for every differentiable
# argument i.  Rows whose primal rounds to float32 (`lossy`) are left to the
# first-order tests: differences of a float32 rounding are not informative.


def _row_function(row, tmp_path):
    """(f, args, positions of the differentiable arguments) for a row."""
    params, call_args, draws = [], [], []

    def atom(spec):
        if isinstance(spec, Const):
            return _literal(spec.value)
        params.append(f"a{len(params)}")
        draws.append(spec)
        return params[-1]

    names = list(registry.lookup(row.primal).signature.parameters)
    atoms = {}  # a parameter's name -> its atom, for `Derived` arguments
    for name, spec in zip(names, row.args):
        if isinstance(spec, Seq):
            call_args.append("(" + ", ".join(atom(s) for s in spec.specs) + ",)")
        elif isinstance(spec, Derived):
            call_args.append(spec)  # written below, once its argument has its atom
        else:
            call_args.append(atom(spec))
        atoms[name] = call_args[-1]
    derived = {}
    for k, spec in enumerate(call_args):
        if isinstance(spec, Derived):  # made inside the function, from its argument
            derived[spec.fn.__name__] = spec.fn
            call_args[k] = f"{spec.fn.__name__}({atoms[spec.of]})"
    call_args += [f"{k}={_literal(v)}" for k, v in row.kwargs.items()]
    call = f"primal({', '.join(call_args)})"
    path = tmp_path / "row.py"
    path.write_text(f"import numpy as np\n\n\ndef f({', '.join(params + ['w'])}):\n"
                    f"    return np.sum(w * {call})\n\n\ndef value({', '.join(params)}):\n"
                    f"    return {call}\n")
    spec = importlib.util.spec_from_file_location(f"row_{zlib.crc32(row.id.encode())}", path)
    module = importlib.util.module_from_spec(spec)
    module.primal = row.primal
    module.__dict__.update(derived)
    spec.loader.exec_module(module)
    rng = np.random.default_rng(zlib.crc32(row.id.encode()))
    values = [draw(s, rng, np.float64) for s in draws]
    w = rng.standard_normal(np.shape(module.value(*values)))
    differentiable = [k for k, s in enumerate(draws) if isinstance(s, Real) and not s.integer]
    return module.f, values + [float(w) if w.ndim == 0 else w], differentiable


def _literal(value) -> str:
    return f"np.{value.__name__}" if isinstance(value, type) else repr(value)


# The helpers of np.prod's rules each need the next one for one more order:
# prod_others_vjp's own rule calls prod_others_vjp2, which has none (the
# fourth derivative of np.prod is refused, clearly: test below).
# singular_values_grad (the cotangent of the singular values, for the spectral
# and nuclear norms) has no rule: their second derivative is refused
# (tests/rules/test_norm_calls.py).  matrix_power_grad's rule calls
# matrix_power_grad2, which has none: the third derivative of a matrix power
# of a run-time n is refused.
_NO_SECOND_ORDER = {reductions.prod_others_vjp, runtime.singular_values,
                    runtime.matrix_power_grad}


@pytest.mark.parametrize("row", [r for r in ROWS if not r.lossy
                                 and r.primal not in _NO_SECOND_ORDER], ids=lambda r: r.id)
def test_second_order_rule(row, tmp_path):
    f, args, differentiable = _row_function(row, tmp_path)
    for i in differentiable:
        first = sg.grad(f, wrt=i, target="python", unconnected_gradients="zero")
        second = sg.grad(first, wrt=i, target="python", unconnected_gradients="zero")
        v = np.random.default_rng(i).standard_normal(np.shape(args[i]))
        v = float(v) if np.ndim(v) == 0 else v
        got = second(*copy.deepcopy(args), grad_ys=v)

        def along_v(*a, v=v, first=first):
            return np.sum(v * np.asarray(first(*a)))

        want = numerical_gradient(along_v, copy.deepcopy(args), i, eps=1e-5)
        np.testing.assert_allclose(np.asarray(got, dtype=np.float64), want, rtol=1e-4,
                                   atol=1e-6, err_msg=f"argument {i}")


def product_rows(x):
    return np.sum(np.prod(x, axis=1) * np.array([1.0, -2.0]))


@pytest.mark.parametrize("target", TARGETS)
def test_third_derivative_of_prod(target):
    """np.prod's rules need helpers of their own at each order (prod_others,
    prod_others_vjp, prod_others_vjp2): the third order against differences
    of the second, with a zero in the input (no division anywhere)."""
    x = np.array([[0.5, -1.5, 2.0, 0.7], [1.2, 0.0, -0.4, 0.9]])
    u = np.arange(8.0).reshape(2, 4) / 8
    second = sg.grad(sg.grad(product_rows, target=target), target=target)
    third = sg.grad(second, target=target)
    got = third(x, grad_ys=u)  # `third` seeds `second` with ones

    def along_u(y):
        return np.sum(u * second(y))

    want = numerical_gradient(along_u, (x,), 0)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_fourth_derivative_of_prod_is_refused_clearly():
    x = np.array([[0.5, -1.5, 2.0, 0.7], [1.2, 0.3, -0.4, 0.9]])
    d = product_rows
    for _ in range(4):
        d = sg.grad(d, target="python")
    with pytest.raises(sg.NoAdjointError, match="prod_others_vjp2"):
        d(x)


def springs(x, k):
    total = 0.0
    for i in range(x.shape[0] - 1):
        d = x[i + 1] - x[i]
        total += 0.5 * k * d * d
    return total


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_and_jvp_of_a_gradient_function(target, mode):
    """The derived functions take gradient functions too: the Jacobian of a
    gradient is the Hessian; its derivative in k is gradient / k (linear in k)."""
    x = np.array([0.3, -0.5, 0.8, 1.1, -0.9])
    got = sg.jacobian(sg.grad(rosenbrock, target=target), mode=mode, target=target)(x)
    np.testing.assert_allclose(got, rosenbrock_hessian(x), rtol=1e-12)
    gradient = sg.grad(springs, target=target)
    got = sg.jacobian(gradient, wrt="k", mode=mode, target=target)(x, 3.0)
    np.testing.assert_allclose(got, gradient(x, 3.0) / 3.0, rtol=1e-12)
    v = np.array([1.0, 0.0, -2.0, 0.5, 0.0])
    value, tangent = sg.jvp(sg.grad(rosenbrock, target=target), target=target)((x,), (v,))
    np.testing.assert_allclose(tangent, rosenbrock_hessian(x) @ v, rtol=1e-12)


def _bilinear_field(x, y, c):
    return np.array([x[0] * y[1] + c * x[1] ** 2, np.sin(x[1]) * y[0], y[0] * y[1]])


@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
@pytest.mark.parametrize("target", ["python", "cpu"])
def test_jacobian_with_respect_to_several_parameters(mode, target):
    """wrt=(0, 1): the tuple of the Jacobians, as jax.jacfwd(f, argnums=(0, 1)),
    against the hand-derived ones."""
    x, y, c = np.array([0.4, -1.2]), np.array([2.0, 0.5]), 1.5
    jx, jy = sg.jacobian(_bilinear_field, wrt=(0, 1), mode=mode, target=target)(x, y, c)
    np.testing.assert_allclose(jx, [[y[1], 2 * c * x[1]], [0.0, np.cos(x[1]) * y[0]],
                                    [0.0, 0.0]], atol=1e-15)
    np.testing.assert_allclose(jy, [[0.0, x[0]], [np.sin(x[1]), 0.0], [y[1], y[0]]],
                               atol=1e-15)


def _with_default(x, c=2.0):
    return np.sum(np.sin(x) * c) + c * x[0] ** 3


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_derivatives_of_a_function_with_a_default_left_out(target):
    """The generated functions take every parameter: a call that leaves a
    default out gets the function's default (was a TypeError or a Numba
    typing error).  Against the hand-derived Hessian."""
    x = np.array([0.3, -0.8, 1.1])
    h = np.diag(-np.sin(x) * 2.0)
    h[0, 0] += 12.0 * x[0]
    np.testing.assert_allclose(sg.hessian(_with_default, target=target)(x), h, rtol=1e-12)
    np.testing.assert_allclose(sg.hvp(_with_default, target=target)(x, np.ones(3)), h.sum(1),
                               rtol=1e-12)
    gradient = sg.grad(_with_default, target=target)
    for mode in ("forward", "reverse"):
        np.testing.assert_allclose(sg.jacobian(gradient, mode=mode, target=target)(x), h,
                                   rtol=1e-12)
    _, t = sg.jvp(_with_default, target=target)((x,), (np.ones(3),))
    np.testing.assert_allclose(t, np.sum(2.0 * np.cos(x)) + 6.0 * x[0] ** 2, rtol=1e-12)
