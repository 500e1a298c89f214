"""A loss summed in a loop costs nothing in the forward sweep of a compiled
gradient when nothing reads its value (cleanup's `_drop_unread_scalars`).

`total = 0.0; for ...: total = total + t` is read by the adjoint only for
its shape (`seed`, `new_cotangent`), so the compiled targets generate no
forward loop for it; the "python" target, where `total` could turn into an
array, keeps it.  Every gradient is checked against central finite
differences (`gradcheck.py`), on both targets, and the structure of the
generated source is checked where it must differ.
"""

from __future__ import annotations

import ast

import numpy as np
import pytest
from gradcheck import assert_gradient, numerical_gradient

import srcgrad as sg


def loops_in(source: str) -> int:
    return sum(isinstance(n, (ast.For, ast.While)) for n in ast.walk(ast.parse(source)))


def rosenbrock(x):
    total = 0.0
    for i in range(x.shape[0] - 1):
        a = x[i + 1] - x[i] * x[i]
        b = 1.0 - x[i]
        total += 100.0 * a * a + b * b
    return total


def int_start(x):
    total = 0
    for i in range(x.shape[0]):
        total = total + x[i] * x[i] * x[i]
    return total


def nested(x):
    total = 0.0
    for i in range(x.shape[0]):
        for j in range(i):
            total = total + x[i] * np.sin(x[j])
    return total


def read_by_a_branch(x):
    total = 0.0
    extra = 0.0
    for i in range(x.shape[0]):
        total = total + x[i] * x[i]
        if total > 1.0:
            extra = extra + x[i]
    return extra + 0.5 * total


def two_sums(x):
    s = 0.0
    t = 0.0
    for i in range(x.shape[0]):
        s = s + x[i]
        t = t + s * s
    return t


def reassigned_after(x):
    total = 0.0
    for i in range(x.shape[0]):
        total = total + x[i] * x[i]
    total = total * total
    return total


def while_loop(x):
    total = 0.0
    i = 0
    while i < x.shape[0]:
        total = total + np.exp(x[i])
        i += 2
    return total


def cubes(x):
    total = 0.0
    for i in range(x.shape[0]):
        total = total + x[i] * x[i] * x[i]
    return total


X = np.array([0.3, -1.2, 0.8, 1.5, -0.4, 0.9])
SIMPLE = [rosenbrock, int_start, nested, cubes]
ALL = SIMPLE + [while_loop, read_by_a_branch, two_sums, reassigned_after]


@pytest.mark.parametrize("target", ["python", "cpu"])
@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
def test_gradients_agree_with_finite_differences(fn, target):
    assert_gradient(sg.grad(fn, target=target), fn, (X.copy(),))


@pytest.mark.parametrize("fn", SIMPLE, ids=lambda f: f.__name__)
def test_a_compiled_gradient_has_no_forward_loop(fn):
    """The sum's loop is gone from the compiled gradient (only the reverse
    sweep's loops are left) and stays in the plain Python one."""
    compiled = sg.grad(fn).source
    plain = sg.grad(fn, target="python").source
    assert loops_in(plain) == 2 * loops_in(compiled)
    assert "push_shape" not in compiled and "pop_shape" not in compiled


def test_a_loop_kept_for_another_variable_loses_the_sum():
    """The `while` loop stays (the reverse sweep needs each `i`), the sum in
    it goes."""
    code = ast.unparse(ast.parse(sg.grad(while_loop).source))  # without the comments
    assert loops_in(code) == 2
    forward = code.split("bx = ")[0]  # before the reverse sweep
    assert "exp(" not in forward and "total = total" not in forward


def test_a_value_read_keeps_the_forward_sweep():
    """`total` decides a branch: its value is needed, its loop stays."""
    source = sg.grad(read_by_a_branch).source
    assert loops_in(source) == 2


def test_the_value_is_still_computed_where_it_is_returned():
    value, grad = sg.value_and_grad(rosenbrock)(X.copy())
    assert value == pytest.approx(rosenbrock(X.copy()), rel=1e-12)
    np.testing.assert_allclose(grad, numerical_gradient(rosenbrock, (X.copy(),)), rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_gradient_keeps_the_input_dtype(dtype):
    x = X.astype(dtype)
    for fn in (int_start, rosenbrock):
        g = sg.grad(fn)(x)
        assert g.dtype == dtype
        np.testing.assert_allclose(g, numerical_gradient(fn, (x,)),
                                   rtol=1e-5 if dtype == np.float64 else 1e-3)


def test_grad_ys_scales_the_gradient_and_a_wrong_shape_is_an_error():
    df = sg.grad(rosenbrock)
    want = numerical_gradient(rosenbrock, (X.copy(),))
    np.testing.assert_allclose(df(X.copy(), grad_ys=2.5), 2.5 * want, rtol=1e-5)
    with pytest.raises(ValueError):
        df(X.copy(), grad_ys=np.ones(3))


def test_second_derivative_of_a_summed_loop():
    """The gradient of sum(3 x**2) is 6 x."""
    d2 = sg.grad(sg.grad(cubes))
    np.testing.assert_allclose(d2(X.copy()), 6.0 * X, rtol=1e-10)
