"""Recursive functions (ir/recursion.py): gradients, value_and_grad, jvp and
forward Jacobians on python and cpu, against central differences in float64
(tests/gradcheck.py), the determinant's also against d det(A)/dA =
det(A) inv(A)^T; second derivatives; the generated functions in `.source`;
and the recursion srcgrad refuses, at the user's line."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from frontend import recursive_functions as fns
from gradcheck import numerical_gradient, numerical_hvp

import srcgrad as sg

TARGETS = ["python", "cpu"]
rng = np.random.default_rng(20)
MATRICES = [rng.standard_normal((n, n)) for n in (1, 2, 3, 5)]


def directional(f, args, k, direction, eps=1e-6):
    """The derivative of `f` at `args` along `direction` in argument `k`, by
    central differences in float64."""
    up, down = list(args), list(args)
    up[k] = args[k] + eps * direction
    down[k] = args[k] - eps * direction
    return (np.asarray(f(*up)) - np.asarray(f(*down))) / (2 * eps)


@pytest.fixture(scope="module", params=TARGETS)
def target(request):
    return request.param


# --- the determinant by minors ------------------------------------------------------------


def test_det_gradient_is_det_times_inverse_transpose(target):
    df = sg.grad(fns.det, target=target)
    for A in MATRICES:
        want = np.linalg.det(A) * np.linalg.inv(A).T
        np.testing.assert_allclose(df(A), want, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(df(A), numerical_gradient(fns.det, (A,)), rtol=1e-6,
                                   atol=1e-8)


def test_det_value_and_grad(target):
    vg = sg.value_and_grad(fns.det, target=target)
    for A in MATRICES:
        value, g = vg(A)
        assert value == pytest.approx(np.linalg.det(A), rel=1e-10, abs=1e-12)
        np.testing.assert_allclose(g, numerical_gradient(fns.det, (A,)), rtol=1e-6, atol=1e-8)


def test_det_jvp_and_forward_jacobian(target):
    jvp = sg.jvp(fns.det, target=target)
    jacobian = sg.jacobian(fns.det, mode="forward", target=target)
    for A in MATRICES:
        V = rng.standard_normal(A.shape)
        value, tangent = jvp((A,), (V,))
        assert value == pytest.approx(np.linalg.det(A), rel=1e-10, abs=1e-12)
        assert tangent == pytest.approx(directional(fns.det, (A,), 0, V), rel=1e-6, abs=1e-8)
        np.testing.assert_allclose(jacobian(A), numerical_gradient(fns.det, (A,)), rtol=1e-6,
                                   atol=1e-8)


def test_det_of_slices_joined_with_hstack(target):
    A = MATRICES[2]
    np.testing.assert_allclose(sg.grad(fns.det_by_slices, target=target)(A),
                               np.linalg.det(A) * np.linalg.inv(A).T, rtol=1e-10)
    value, tangent = sg.jvp(fns.det_by_slices, target=target)((A,), (A,))
    assert tangent == pytest.approx(directional(fns.det_by_slices, (A,), 0, A), rel=1e-6)


def test_recursive_helper_of_a_function_that_does_not_recurse(target):
    A = MATRICES[2]
    np.testing.assert_allclose(sg.grad(fns.loss, target=target)(A),
                               numerical_gradient(fns.loss, (A,)), rtol=1e-6)
    np.testing.assert_allclose(sg.jacobian(fns.loss, mode="forward", target=target)(A),
                               numerical_gradient(fns.loss, (A,)), rtol=1e-6)


def test_det_source_shows_the_generated_recursive_functions():
    source = sg.grad(fns.det, target="cpu").source
    definitions = [line for line in source.splitlines() if line.startswith("def ")]
    assert definitions == ["def det_grad(A, grad_y=None):", "def det_primal(A):",
                           "def det_vjp(A, grad_y=None):"]
    assert "det_primal(minor)" in source  # the values of the recursive calls
    assert "det_vjp(minor, " in source  # their cotangents, recursively
    tangent = sg.jvp(fns.det, target="cpu").source
    assert [line for line in tangent.splitlines() if line.startswith("def ")] == [
        "def det_jvp(A, dA):", "def det_jvp_2(A, dA):"]  # (no primal: unused)
    assert "det_jvp_2(minor, dminor)" in tangent


def test_the_base_case_makes_no_stacks():
    """The vjp runs once per node of the call tree, mostly 1 x 1 minors, which
    save nothing: its stacks are made in the branch that uses them
    (`optimize/stacks.create_where_used`), not at the top of every call."""
    source = sg.grad(fns.det, target="cpu").source
    vjp = source[source.index("def det_vjp("):]
    top = [line for line in vjp.splitlines()[1:] if line.startswith("    ")
           and not line.startswith("     ")]
    assert not [line for line in top if "_stack = " in line or "_top = 0" in line], top
    assert "        minor_stack = []" in vjp or "        minor_stack = np.empty" in vjp


# --- other recursions ---------------------------------------------------------------------


@pytest.mark.parametrize("k", [0, 1, 5])
def test_power(target, k):
    x = 1.3
    assert sg.grad(power_of(k), target=target)(x) == pytest.approx(k * x ** (k - 1) if k else 0.0)
    assert sg.grad(fns.power, target=target)(x, k) == pytest.approx(
        numerical_gradient(fns.power, (x, k)), rel=1e-7)
    value, tangent = sg.jvp(fns.power, target=target)((x, k), (1.0, None))
    assert value == pytest.approx(x ** k)
    assert tangent == pytest.approx(numerical_gradient(fns.power, (x, k)), rel=1e-7)


def power_of(k):
    def fixed(x):
        return fns.power(x, k)

    return fixed


def test_mutual_recursion(target):
    for k in (0, 1, 4, 5):
        want = numerical_gradient(fns.ping, (0.7, k))
        assert sg.grad(fns.ping, target=target)(0.7, k) == pytest.approx(want, rel=1e-6)
        _, tangent = sg.jvp(fns.ping, target=target)((0.7, k), (1.0, None))
        assert tangent == pytest.approx(want, rel=1e-6)
    source = sg.grad(fns.ping, target="python").source
    assert "ping_vjp(" in source and "pong_vjp(" not in source  # pong inlined into ping's


def test_two_differentiated_arguments_keywords_and_defaults(target):
    args = (0.3, 0.7)
    got = sg.grad(fns.scaled_nested_sum, wrt=(0, 1), target=target)(*args)
    want = numerical_gradient(fns.scaled_nested_sum, args, (0, 1))
    np.testing.assert_allclose(got, want, rtol=1e-6)
    _, tangent = sg.jvp(fns.scaled_nested_sum, wrt=1, target=target)(args, (0.5, 2.0))
    assert tangent == pytest.approx(0.5 * want[0] + 2.0 * want[1], rel=1e-6)


def test_depth_from_values(target):
    for x in (0.5, 5.3, 40.0):
        assert sg.grad(fns.halving, target=target)(x) == pytest.approx(
            numerical_gradient(fns.halving, (x,)), rel=1e-6)


def test_array_result(target):
    v = rng.standard_normal(4)
    u = rng.standard_normal(4)
    got = sg.grad(fns.norms, target=target)(v, grad_ys=u)
    np.testing.assert_allclose(got, numerical_gradient(fns.norms, (v,), grad_ys=u), rtol=1e-6)
    _, tangent = sg.jvp(fns.norms, target=target)((v,), (u,))
    np.testing.assert_allclose(tangent, directional(fns.norms, (v,), 0, u), rtol=1e-6)


# --- second order -------------------------------------------------------------------------


def test_hessian_of_det(target):
    A = MATRICES[2]
    H = sg.hessian(fns.det, target=target)(A)
    V = rng.standard_normal(A.shape)
    want = numerical_hvp(fns.det, (A,), 0, {0: V})
    np.testing.assert_allclose(np.tensordot(H, V, 2), want, rtol=1e-5, atol=1e-7)


def test_second_derivative_by_reverse_over_reverse(target):
    second = sg.grad(sg.grad(fns.power, target=target), target=target)
    assert second(1.3, 5) == pytest.approx(20 * 1.3 ** 3)
    x, y = 0.3, 0.7
    hvp = sg.hvp(fns.scaled_nested_sum, target=target)(x, y, 1.0)
    assert hvp == pytest.approx(numerical_hvp(fns.scaled_nested_sum, (x, y), 0, {0: 1.0}),
                                rel=1e-5)


# --- refused ------------------------------------------------------------------------------


def marked_line(fn) -> int:
    lines, first = inspect.getsourcelines(fn)
    return first + next(k for k, text in enumerate(lines) if "# <- error" in text)


@pytest.mark.parametrize("fn, args, message", [
    (fns.recursive_closure, (1.5, 2), "recursion (halve -> halve): a nested function or lambda "
                                      "that calls itself cannot be differentiated"),
    (fns.writes_into_argument, (np.ones(3), 2), "writes into the argument 'a' of the recursive "
                                                "function 'writes_into_argument'"),
    (fns.pair, (1.5, 2), "a recursive function that returns several values"),
    (fns.takes_a_tuple, ((1.5, 0.5), 2), "the argument 'xs' of the recursive function "
                                         "'takes_a_tuple' is a container or a function"),
])
def test_refused_at_the_users_line(target, fn, args, message):
    with pytest.raises(sg.UnsupportedSyntaxError) as info:
        sg.grad(fn, target=target)(*args)
    assert os.path.basename(info.value.file) == "recursive_functions.py"
    assert info.value.line == marked_line(fn)
    assert message in str(info.value)


def test_an_argument_changed_in_place_is_refused_where_it_is_an_array(target):
    df = sg.grad(fns.updates_argument, target=target)
    assert df(1.5, 2) == pytest.approx(numerical_gradient(fns.updates_argument, (1.5, 2)))
    with pytest.raises(sg.UnsupportedSyntaxError, match="changes the argument 'a' of the "
                       "recursive function 'updates_argument' in place"):
        df(np.ones(3), 2)


def test_recursion_on_cuda_is_refused():
    with pytest.raises(sg.UnsupportedSyntaxError, match="recursion \\(power\\) is "
                       "differentiated on the 'cpu' and 'python' targets"):
        _ = sg.grad(fns.power, target="cuda").source


# --- Numba's disk cache ----------------------------------------------------------------------

_TWICE = """
import numpy as np
import srcgrad as sg
from frontend import recursive_functions as fns
print(sg.grad(fns.power, target="cpu")(1.3, 5), sg.grad(fns.loss, target="cpu")(np.eye(2))[0, 0])
"""


def test_a_new_process_compiles_the_recursion_again(tmp_path):
    """Numba loads a function that calls a recursive one back from its disk cache
    broken (a crash): such modules are compiled in each process, and the
    second process, finding the generated files, gets the same results."""
    env = {**os.environ, "SRCGRAD_CACHE_DIR": str(tmp_path),
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]),
                                          str(Path(__file__).parents[2]),
                                          os.environ.get("PYTHONPATH", "")])}
    runs = [subprocess.run([sys.executable, "-c", _TWICE], env=env, capture_output=True,
                           text=True, timeout=300) for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, run.stderr[-2000:]
    assert runs[0].stdout == runs[1].stdout
    assert [float(v) for v in runs[0].stdout.split()] == pytest.approx([5 * 1.3 ** 4, 3.0])
