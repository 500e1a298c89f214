"""Forward mode through the API: the generated tangent function's shape as
source text (a reader sees each statement beside its tangent), its values
against hand-derived derivatives and finite differences, the fallback to the
transpose of the adjoint, and the forward-mode Jacobian."""

from __future__ import annotations

import re

import forward_functions as F
import numpy as np
import pytest

import srcgrad as sg
from srcgrad.api.gradient import GradFunction
from srcgrad.api.tangent import TangentFunction
from srcgrad.tangent import NoTangentError, transform_tangent

TARGETS = ("python", "cpu")


def code_lines(source: str) -> list[str]:
    """The statements of the generated function, comments and blank lines left out."""
    body = source[source.index("\ndef "):]
    return [line.strip() for line in body.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def test_source_pairs_each_statement_with_its_tangent():
    src = sg.jvp(F.sin_times, target="python").source
    lines = code_lines(src)
    assert lines[0] == "def sin_times_jvp(x, w, dx):"
    assert re.search(r"# forward_functions\.py:\d+: y = np\.sin\(x\) \* w", src)
    # `y = ...` then `dy = ...`: the tangent of y right after y, named from it
    y = next(k for k, line in enumerate(lines) if line.startswith("y = "))
    assert lines[y + 1].startswith("dy = ")
    assert "cos(x)" in lines[y + 1] and "dx" in lines[y + 1]
    assert lines[-1].startswith("return (") and "dreduce_sum_y" in lines[-1]
    assert ".append(" not in src and ".pop(" not in src  # no stacks in forward mode


def test_source_of_loops_branches_and_stores():
    src = sg.jvp(F.running, wrt=0, target="python").source
    lines = code_lines(src)
    assert lines[0] == "def running_jvp(x, a, dx):"
    # the control flow is the primal's own, with the tangents inside
    assert any(line.startswith("for i in range(") for line in lines)
    assert any(line.startswith("if cond_") for line in lines)
    # a store into an array: the tangent's store first, then the primal's
    store = next(k for k, line in enumerate(lines) if re.match(r"a_1\[i\] = ", line))
    assert re.match(r"da_1\[i\] = ", lines[store - 1])
    # the parameter written into is copied, and so is its tangent
    assert "a_1 = np.copy(a)" in lines and "da_1 = zeros_like(a_1)" in lines


@pytest.mark.parametrize("target", TARGETS)
def test_values_against_hand_derived_derivatives(target):
    rng = np.random.default_rng(0)
    x, a, dx, da = (rng.standard_normal(5) for _ in range(4))
    a_before, da_before = a.copy(), da.copy()
    value, tangent = sg.jvp(F.running, target=target)((x, a), (dx, da))
    assert np.array_equal(a, a_before) and np.array_equal(da, da_before)
    # running(x, a) = sum_i [x_i > 0] sin(x_i) a_i + sum_i a'_i x_i, a'_i = a_i or 2 x_i
    pos = x > 0
    want = (np.sum(np.where(pos, np.cos(x) * a * dx + np.sin(x) * da, 0.0))
            + np.sum(np.where(pos, da * x + a * dx, 4.0 * x * dx)))
    np.testing.assert_allclose(tangent, want, rtol=1e-12)
    assert value == pytest.approx(F.running(x, a.copy()), rel=1e-12)


@pytest.mark.parametrize("target", TARGETS)
def test_tuple_outputs_and_a_constant_output(target):
    x, c, dx = np.array([0.5, -1.0]), np.array([2.0, 3.0]), np.array([1.0, -2.0])
    (y1, y2), (t1, t2) = sg.jvp(F.two_outputs, target=target)((x, c), (dx, None))
    np.testing.assert_allclose(t1, dx * c)
    assert t2 == pytest.approx(2 * np.dot(x, dx))
    value, tangent = sg.jvp(F.constant_output, target=target)((x,), (dx,))
    assert np.array_equal(tangent, np.zeros(3)) and tangent.dtype == np.float64


def test_float32_stays_float32():
    x = np.array([0.5, -1.0, 2.0], np.float32)
    w = np.float32(1.5)
    value, tangent = sg.jvp(F.sin_times, target="python")((x, w), (np.ones(3, np.float32), None))
    assert np.result_type(tangent) == np.float32
    assert tangent == pytest.approx(float(np.sum(np.cos(x) * w)), rel=1e-6)


@pytest.mark.parametrize("target", TARGETS)
def test_fallback_where_a_primitive_has_no_tangent_rule(target):
    """The user's `softclip` has an adjoint rule (`sg.adjoint`) and no tangent
    rule (every rule srcgrad ships has one): forward mode refuses it at the
    user's line, and sg.jvp answers by the transpose of the adjoint."""
    with pytest.raises(NoTangentError, match=r"forward_functions\.py:\d+: .*no tangent rule"):
        transform_tangent(F.softclipped, (0,))
    assert issubclass(NoTangentError, sg.NoAdjointError)
    jvp = sg.jvp(F.softclipped, target=target)
    a = np.array([[2.0, 0.3, 0.1], [0.0, 1.0, -0.2], [0.4, 0.0, -1.5]])
    v = np.random.default_rng(3).standard_normal((3, 3))
    value, tangent = jvp((a,), (v,))
    assert isinstance(jvp.generated, GradFunction)
    h = 1e-6
    want = (F.softclipped(a + h * v) - F.softclipped(a - h * v)) / (2 * h)
    np.testing.assert_allclose(tangent, want, rtol=1e-6, atol=1e-8)


def test_a_product_of_one_operand_twice():
    """The lowering writes `np.linalg.matrix_power(a, 2)` as `matmul(a, a)`
    with one node in both places: the tangent replaces one place at a time,
    `da @ a + a @ da` (not `2 da @ da`)."""
    rng = np.random.default_rng(8)
    a, v = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    value, tangent = sg.jvp(F.squared, target="python")((a,), (v,))
    np.testing.assert_allclose(value, a @ a, rtol=1e-12)
    np.testing.assert_allclose(tangent, v @ a + a @ v, rtol=1e-12)


@pytest.mark.parametrize("target", TARGETS)
def test_eigenvalues_in_forward_mode(target):
    jvp = sg.jvp(F.eigenvalues, target=target)
    a = np.array([[2.0, 0.3, 0.1], [0.0, 1.0, -0.2], [0.4, 0.0, -1.5]])
    v = np.random.default_rng(3).standard_normal((3, 3))
    value, tangent = jvp((a,), (v,))
    assert isinstance(jvp.generated, TangentFunction)
    # eigenvalues of a symmetric matrix s move by q_k' ds q_k
    w, q = np.linalg.eigh(a + a.T)
    want = 2.0 * np.einsum("ik,ij,jk->k", q, v + v.T, q)
    np.testing.assert_allclose(tangent, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("mode", ["forward", "auto"])
def test_forward_jacobian(target, mode):
    x = np.array([0.4, -1.2, 0.7])
    jacobian = sg.jacobian(F.tall, mode=mode, target=target)
    got = jacobian(x)
    want = np.concatenate([np.diag(np.cos(x)), np.diag(2 * x),
                           np.array([[-np.sin(x[0]), 0.0, 0.0]])])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    columns = sg.jvp(F.tall, target=target)
    assert isinstance(columns.generated, TangentFunction)
    assert "def tall_jvp(x, dx):" in columns.source


def test_jvp_errors_keep_their_messages():
    jvp = sg.jvp(F.tall, target="python")
    with pytest.raises(TypeError, match="tangents must have the structure of primals"):
        jvp((np.ones(2),), np.ones(2))
    with pytest.raises(ValueError, match=r"tangents\[0\] has shape \(3,\)"):
        jvp((np.ones(2),), (np.ones(3),))


@pytest.mark.parametrize("target", TARGETS)
def test_a_list_grown_in_a_loop(target):
    """A list of tangents grows beside the list (`dacc.append(...)`)."""
    jvp = sg.jvp(F.grown, target=target)
    assert re.search(r"\bd\w*acc\w*\.append\(", jvp.source)
    x, v = np.array([0.4, -1.2, 0.7]), np.array([1.0, 0.5, -2.0])
    value, tangent = jvp((x,), (v,))
    h = 1e-6
    want = (F.grown(x + h * v) - F.grown(x - h * v)) / (2 * h)
    assert isinstance(jvp.generated, TangentFunction)
    assert tangent == pytest.approx(want, rel=1e-7)
    assert value == pytest.approx(F.grown(x), rel=1e-14)
