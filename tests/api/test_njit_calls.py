"""Gradient functions called from the user's own `@numba.njit` code.

Every gradient is checked against an independent oracle (central
differences in float64, `gradcheck.py`, or a formula derived by hand), and
the conventions against the Python call's (one gradient or a tuple, dtypes,
`grad_ys`, `None` for an unconnected input).  A call that nopython code
cannot make raises a Numba TypingError that names srcgrad and the reason.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numba
import numpy as np
import pytest
from gradcheck import numerical_gradient
from numba.core.errors import TypingError

import srcgrad as sg


def scaled_norm(x, y):
    return y * np.sum(x * x) + np.sum(np.sin(x))


d_scaled_norm = sg.grad(scaled_norm, wrt=(0, 1))
value_and_d_x = sg.value_and_grad(scaled_norm)


@numba.njit
def call_both(x, y):
    return d_scaled_norm(x, y), value_and_d_x(x, y=y)


@pytest.mark.parametrize("x, y", [
    (np.array([0.3, -1.2, 2.0]), 1.5),
    (np.array([0.3, -1.2, 2.0], np.float32), 1.5),
    (np.array([1, -2, 3]), 2),
    (np.arange(6.0).reshape(2, 3) / 4, 0.5),
], ids=["float64, float", "float32", "ints", "2-D"])
def test_grad_and_value_and_grad_inside_njit(x, y):
    (gx, gy), (value, vx) = call_both(x, y)
    want_x, want_y = numerical_gradient(scaled_norm, (x.astype(np.float64), y), (0, 1))
    np.testing.assert_allclose(gx, want_x, rtol=1e-5 if x.dtype != np.float32 else 1e-4)
    np.testing.assert_allclose(gy, want_y, rtol=1e-5 if x.dtype != np.float32 else 1e-4)
    np.testing.assert_allclose(value, scaled_norm(x, y), rtol=1e-6)
    np.testing.assert_array_equal(vx, gx)
    # the conventions of the Python call: dtypes, a tuple for several wrt
    py_x, py_y = d_scaled_norm(x, y)
    assert gx.dtype == py_x.dtype == (x.dtype if x.dtype.kind == "f" else np.float64)
    assert type(gy) is type(py_y) is float


def loss(w, target):
    return np.sum((w - target) ** 2) + 0.5 * np.sum(w * w)


dloss = sg.grad(loss)


@numba.njit
def descend(w, target, rate, steps):
    for _ in range(steps):
        w = w - rate * dloss(w, target)
    return w


def test_gradient_descent_in_a_jitted_loop_reaches_the_minimum():
    # d/dw: 2 (w - t) + w = 0  at  w = 2 t / 3
    target = np.array([3.0, -1.5, 0.25])
    w = descend(np.zeros(3), target, 0.1, 300)
    np.testing.assert_allclose(w, 2 * target / 3, rtol=1e-10)


@numba.njit
def descend_with(gradient, w, target, rate, steps):
    for _ in range(steps):
        w = w - rate * gradient(w, target)
    return w


def test_a_gradient_function_passed_as_an_argument():
    target = np.array([3.0, -1.5, 0.25])
    w = descend_with(dloss, np.zeros(3), target, 0.1, 300)
    np.testing.assert_allclose(w, 2 * target / 3, rtol=1e-10)


CACHED = textwrap.dedent("""
    import numba, numpy as np, srcgrad as sg

    def energy(x):
        return np.sum(np.cos(x) * x)

    denergy = sg.grad(energy)

    @numba.njit(cache=True)
    def use(x):
        return denergy(x)

    print(repr(use(np.array([0.5, -1.0])).tolist()))
""")


def test_a_cached_njit_function_that_calls_a_gradient_loads_in_a_new_process(tmp_path):
    """Numba's cache of `use` holds the gradient's machine code; a new process
    loads it before srcgrad has loaded the generated modules it names.

    The processes are a user's: Numba's default optimisation (unoptimised,
    as `tests/run.py` runs the suite, Numba finds `use` uncacheable: "dynamic
    globals"), with a copy of srcgrad, whose machine-code cache, recorded for
    that level, is its own and not the suite's."""
    (tmp_path / "cached_user.py").write_text(CACHED)
    package = Path(sg.__file__).parent
    shutil.copytree(package, tmp_path / "site" / "srcgrad",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_OPT", "NUMBA_CACHE_DIR")}
    env.update(SRCGRAD_CACHE_DIR=str(tmp_path / "cache"),
               PYTHONPATH=os.pathsep.join([str(tmp_path / "site"), str(tmp_path)]))
    outputs = []
    # compiled and cached, then loaded; then loaded by a process whose srcgrad
    # cache directory is another (empty) one, which lacks the modules it names
    for cache in ("cache", "cache", "other"):
        env["SRCGRAD_CACHE_DIR"] = str(tmp_path / cache)
        run = subprocess.run([sys.executable, "-c", "import cached_user"], env=env,
                             capture_output=True, text=True, cwd=tmp_path, timeout=300)
        assert run.returncode == 0, run.stderr
        outputs.append(eval(run.stdout))
    x = np.array([0.5, -1.0])
    np.testing.assert_allclose(outputs, [np.cos(x) - x * np.sin(x)] * 3, rtol=1e-12)
    assert list((tmp_path / "__pycache__").glob("cached_user.use-*.nbc"))


def two_outputs(a, b, unused):
    return a * b, a + math.sin(b)


d_two = sg.grad(two_outputs, wrt=(0, 1, 2))


@numba.njit
def seeded(a, b):
    return d_two(a, b, 1.0, grad_ys=(2.0, 3.0)), d_two(a, b, 1.0)


def test_grad_ys_per_output_and_unconnected_inputs():
    # 2 (a b) + 3 (a + sin b):  d/da = 2 b + 3,  d/db = 2 a + 3 cos b; `unused`: None
    (ga, gb, gu), (ones_a, ones_b, ones_u) = seeded(0.7, -0.4)
    assert (ga, gb, gu) == pytest.approx((2 * -0.4 + 3, 2 * 0.7 + 3 * math.cos(-0.4), None))
    assert (ones_a, ones_b, ones_u) == pytest.approx((-0.4 + 1, 0.7 + math.cos(-0.4), None))


def wave(x):
    return math.sin(x) * x


def through_a_local(x):
    y = x * x
    return np.sum(np.sin(y))


second_derivative = sg.grad(sg.grad(wave))
d_local = sg.grad(through_a_local, wrt=("y", 0))


@numba.njit
def higher_and_local(x, a):
    return second_derivative(x), d_local(a)


def test_a_second_derivative_and_a_local_variable_in_wrt():
    x, a = 0.7, np.array([0.2, 0.5])
    d2, (dy, da) = higher_and_local(x, a)
    assert d2 == pytest.approx(2 * math.cos(x) - x * math.sin(x), rel=1e-14)
    np.testing.assert_allclose(dy, np.cos(a * a), rtol=1e-14)
    np.testing.assert_allclose(da, 2 * a * np.cos(a * a), rtol=1e-14)


def squashed(w, x):
    return math.tanh(w * x) ** 2


d_squashed = sg.grad(squashed)


@numba.njit(parallel=True)
def per_sample(w, xs):
    out = np.empty_like(xs)
    for i in numba.prange(xs.size):
        out[i] = d_squashed(w, xs[i])
    return out


def test_per_sample_gradients_in_a_prange_loop():
    xs = np.linspace(-2.0, 2.0, 101)
    t = np.tanh(0.8 * xs)
    np.testing.assert_allclose(per_sample(0.8, xs), 2 * t * (1 - t * t) * xs, rtol=1e-12,
                               atol=1e-15)


def convex(x):
    return np.sum(np.exp(x)) - np.sum(x * np.arange(1.0, x.size + 1.0)) + np.sum(x * x)


hessian_convex = sg.hessian(convex)
grad_convex = sg.grad(convex)
hvp_convex = sg.hvp(convex)
jacobian_of_grad = sg.jacobian(sg.grad(convex))


@numba.njit
def newton(x, steps):
    for _ in range(steps):
        x = x - np.linalg.solve(hessian_convex(x), grad_convex(x))
    return x


@numba.njit
def second_order(x, v):
    return hessian_convex(x), hvp_convex(x, v), jacobian_of_grad(x)


def test_hessian_hvp_and_jacobian_inside_njit():
    x, v = np.array([0.2, -0.3, 0.9]), np.array([1.0, -2.0, 0.5])
    H, Hv, J = second_order(x, v)
    want = np.diag(np.exp(x) + 2.0)  # the Hessian, by hand
    np.testing.assert_allclose(H, want, rtol=1e-12)
    np.testing.assert_allclose(Hv, want @ v, rtol=1e-12)
    np.testing.assert_allclose(J, want, rtol=1e-12)
    # Newton's method: exp(x_i) + 2 x_i = i, at its root the gradient vanishes
    root = newton(np.zeros(3), 8)
    np.testing.assert_allclose(np.exp(root) + 2 * root, [1.0, 2.0, 3.0], rtol=1e-12)


def square(x):
    return x * x


def with_aux(x):
    return x * x, x


def keyword_only(x, *, scale):
    return scale * x * x


@pytest.mark.parametrize("gradient, reason", [
    (sg.grad(square, target="python"), "target='python'"),
    (sg.grad(with_aux, has_aux=True), "has_aux"),
    (sg.grad(keyword_only), "keyword-only parameter 'scale'"),
    (sg.jvp(square, target="python"), "target='python'"),
], ids=["python target", "has_aux", "keyword-only", "jvp on python"])
def test_calls_nopython_code_cannot_make_are_typing_errors(gradient, reason):
    @numba.njit
    def use(x):
        return gradient(x)

    with pytest.raises(TypingError, match="srcgrad") as info:
        use(1.5)
    assert reason in str(info.value)
    assert "test_njit_calls.py" in str(info.value)  # the user's call


def test_a_container_argument_is_a_typing_error():
    @numba.njit
    def use(x):
        return dloss(x, (1.0, 2.0))

    with pytest.raises(TypingError, match="parameter 'target' got UniTuple"):
        use(np.zeros(2))


def squeezed(x):
    return np.sum(np.squeeze(x) ** 2)


def test_an_adjoint_numba_cannot_compile_names_the_users_line():
    dsqueezed = sg.grad(squeezed)

    @numba.njit
    def use(x):
        return dsqueezed(x)

    with pytest.raises(TypingError) as info:
        use(np.ones((3, 1)))
    message = str(info.value)
    line = squeezed.__code__.co_firstlineno + 1
    assert f"test_njit_calls.py:{line}: Numba could not compile the gradient of squeezed" \
        in message
    assert "target='python'" in message


def with_try(x):
    try:
        return x * x
    except ValueError:
        return x


def test_a_function_outside_the_subset_is_a_typing_error_naming_its_line():
    dwith_try = sg.grad(with_try)

    @numba.njit
    def use(x):
        return dwith_try(x)

    with pytest.raises(TypingError) as info:
        use(1.5)
    line = with_try.__code__.co_firstlineno + 1
    assert f"test_njit_calls.py:{line}: 'try' statements cannot be differentiated" \
        in str(info.value)


def inverse_distance(x, w):
    return 1.0 / np.sqrt(np.sum((x - w) ** 2))


def swing(t, w):
    return np.array([np.sin(t) * w, t * t])


inverse_distance_columns = sg.jacobian(inverse_distance, mode="forward")
inverse_distance_in_w = sg.jacobian(inverse_distance, wrt=1, mode="forward")
swing_columns = sg.jacobian(swing, mode="forward")


@numba.njit
def forward_jacobians(x, w, t):
    return inverse_distance_columns(x, w), inverse_distance_in_w(x, w), swing_columns(t, w)


def test_forward_jacobians_of_numbers_in_nopython_code():
    """mode="forward" from @njit code: of a function returning a number (the
    gradient, shaped like x), with respect to a number (shaped like the
    value), both against hand-derived derivatives."""
    x, w, t = np.array([1.0, 2.0, -0.5]), 0.3, 0.8
    by_x, by_w, by_t = forward_jacobians(x, w, t)
    r = x - w
    np.testing.assert_allclose(by_x, -r / np.sum(r ** 2) ** 1.5, rtol=1e-12)
    np.testing.assert_allclose(by_w, np.sum(r) / np.sum(r ** 2) ** 1.5, rtol=1e-12)
    np.testing.assert_allclose(by_t, [np.cos(t) * w, 2 * t], rtol=1e-12)


swing_both = sg.jacobian(swing, wrt=(0, 1))
inverse_distance_auto = sg.jacobian(inverse_distance)


@numba.njit
def auto_and_tuple_jacobians(x, w, t):
    return inverse_distance_auto(x, w), swing_both(t, w)


def test_auto_and_tuple_jacobians_in_nopython_code():
    """mode="auto" of a function returning a number (its gradient) and a
    tuple wrt (one with respect to a number, by a tangent), from @njit code."""
    x, w, t = np.array([1.0, 2.0, -0.5]), 0.3, 0.8
    by_x, (by_t, by_w) = auto_and_tuple_jacobians(x, w, t)
    r = x - w
    np.testing.assert_allclose(by_x, -r / np.sum(r ** 2) ** 1.5, rtol=1e-12)
    np.testing.assert_allclose(by_t, [np.cos(t) * w, 2 * t], rtol=1e-12)
    np.testing.assert_allclose(by_w, [np.sin(t), 0.0], atol=1e-15)


def rosenbrock(x):
    s = 0.0
    for i in range(x.size - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def scaled_pair(x, a):
    return np.sin(x) * a, np.sum(x * x) * a


jvp_rosenbrock = sg.jvp(rosenbrock)
jvp_scaled = sg.jvp(scaled_pair)


@numba.njit
def directional_derivatives(x, v, a):
    bare = jvp_rosenbrock(x, v)
    along_x = jvp_scaled((x, a), (v, None))
    along_both = jvp_scaled((x, a), (v, 0.5))
    return bare, along_x, along_both


def test_jvp_inside_njit():
    """sg.jvp from @njit code, as jax.jvp: bare or as tuples, a None tangent,
    two outputs; against central differences and hand-derived tangents."""
    x, v, a = np.array([0.3, -0.8, 1.1, 0.4]), np.array([1.0, -0.5, 0.25, 2.0]), 1.7
    (y, dy), ((s, q), (ds, dq)), (_, (ds2, dq2)) = directional_derivatives(x, v, a)
    assert y == pytest.approx(rosenbrock(x), rel=1e-14)
    assert dy == pytest.approx(numerical_gradient(rosenbrock, (x,)) @ v, rel=1e-6)
    np.testing.assert_allclose(s, np.sin(x) * a, rtol=1e-14)
    np.testing.assert_allclose(ds, np.cos(x) * v * a, rtol=1e-14)
    assert dq == pytest.approx(2 * x @ v * a, rel=1e-14)
    np.testing.assert_allclose(ds2, np.cos(x) * v * a + np.sin(x) * 0.5, rtol=1e-14)
    assert dq2 == pytest.approx(2 * x @ v * a + np.sum(x * x) * 0.5, rel=1e-14)
    with pytest.raises(ValueError, match="another shape"):
        directional_derivatives(x, v[:3], a)
