"""Gradients inside gradients: a function that calls a gradient function (made
at module level, or with sg.grad inside it) differentiated again, on python
and cpu, against central differences (GradBench's saddle and particle are
written this way)."""

import numpy as np
import pytest
from gradcheck import numerical_gradient

import srcgrad as sg


def potential(x):
    return np.sum(x ** 4) - np.sum(x ** 2)


force = sg.grad(potential, target="python")


def descend(x0, c):
    x = x0
    for _ in range(5):
        x = x - 0.05 * c * force(x)
    return np.sum(x ** 2)


def coupled(x, y):
    return potential(x) + np.sum(x * y)


def inner_minimum(x, y):
    for _ in range(4):
        x = x - 0.1 * sg.grad(coupled, wrt=0)(x, y)
    return np.sum(x * y) + potential(x)


def outer(y):
    """A gradient of a function that itself calls a gradient: two levels."""
    return np.sum(sg.grad(inner_minimum, wrt=1)(np.array([0.3, -0.7, 1.1]), y) ** 2)


X = np.array([0.3, -0.7, 1.1])
Y = np.array([0.2, 0.1, -0.3])


@pytest.mark.parametrize("target", ["python", "cpu"])
@pytest.mark.parametrize("fn, args, wrt", [
    (descend, (X, 1.2), (0, 1)),
    (inner_minimum, (X, Y), (0, 1)),
    (outer, (Y,), 0),
], ids=["module_level_gradient", "grad_inside", "two_levels"])
def test_gradient_through_a_gradient(fn, args, wrt, target):
    got = sg.grad(fn, wrt=wrt, target=target)(*args)
    want = numerical_gradient(fn, args, wrt)
    for g, w in zip(got if isinstance(wrt, tuple) else [got],
                    want if isinstance(wrt, tuple) else [want]):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-7)


# --- forward-mode and higher derivatives called inside (jvp, jacobian, hvp, hessian) -------------


def field(x, c):
    """A vector field of x (3 -> 2), to take Jacobians of."""
    return np.array([np.sin(x[0]) * x[1] + c * x[2] ** 2, np.exp(0.3 * x[2]) * x[0]])


jacobian_forward = sg.jacobian(field, wrt=0, mode="forward", target="python")
jacobian_reverse = sg.jacobian(field, wrt=0, mode="reverse")
jacobian_auto = sg.jacobian(field, wrt=0)
gradient_forward = sg.jacobian(potential, mode="forward")  # of a scalar: the gradient
field_jvp = sg.jvp(field)
potential_jvp = sg.jvp(potential)
potential_hvp = sg.hvp(potential)
potential_hessian = sg.hessian(potential)


def newton_like(x, c):
    """Steps along the Jacobian's rows: the Jacobian (by forward mode) inside."""
    for _ in range(3):
        J = jacobian_forward(x, c)
        x = x - 0.1 * (J[0] + 0.5 * J[1])
    return np.sum(x ** 2) * c


def rows_and_columns(x, c):
    return np.sum(jacobian_reverse(x, c) * jacobian_auto(x, c)) + np.sum(jacobian_forward(x, c))


def descend_forward(x0, c):
    """`descend` with the force by a forward-mode Jacobian (GradBench's particle, "rf")."""
    x = x0
    for _ in range(5):
        x = x - 0.05 * c * gradient_forward(x)
    return np.sum(x ** 2)


def directional(x, c):
    """jvp inside, both forms: a tuple of primals with a None tangent, and bare."""
    y, dy = field_jvp((x, c), (np.array([1.0, -2.0, 0.5]), None))
    p, dp = potential_jvp(x, x * c)
    return np.sum(y * dy) + p * dp


def curvature(x, c):
    """hvp and hessian inside (forward over reverse, then differentiated again)."""
    H = potential_hessian(x * c)
    return np.sum(H * np.outer(x, x)) + np.sum(potential_hvp(x, x + c) * x)


def seeded(x, c):
    """A gradient called with grad_ys= inside: the vector-Jacobian product."""
    return np.sum(sg.grad(field, wrt=0)(x, c, grad_ys=np.array([c, 1.0])) ** 2)


@pytest.mark.parametrize("target", ["python", "cpu"])
@pytest.mark.parametrize("fn", [newton_like, rows_and_columns, descend_forward, directional,
                                curvature, seeded])
def test_derivatives_called_inside(fn, target):
    args = (X, 1.3)
    want = numerical_gradient(fn, args, (0, 1))
    got = sg.grad(fn, wrt=(0, 1), target=target)(*args)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-7)
    # forward mode over them too: the Jacobian of fn along x, by tangents
    forward = sg.jacobian(fn, wrt=0, mode="forward", target=target)(*args)
    np.testing.assert_allclose(forward, want[0], rtol=1e-5, atol=1e-7)


def wave(t):
    return np.sin(t) * t


wave_derivative = sg.jacobian(wave, mode="forward")


def product_of_slopes(t):
    return wave_derivative(t) * wave_derivative(2.0 * t)


def test_jacobian_of_numbers_inside():
    """A Jacobian of a function of a number is a number: the derivative.
    Oracle: d(t) = sin t + t cos t, d'(t) = 2 cos t - t sin t."""
    t = 0.7

    def d(s):
        return np.sin(s) + s * np.cos(s)

    def dd(s):
        return 2 * np.cos(s) - s * np.sin(s)

    want = dd(t) * d(2 * t) + 2 * d(t) * dd(2 * t)
    for target in ("python", "cpu"):
        np.testing.assert_allclose(sg.grad(product_of_slopes, target=target)(t), want,
                                   rtol=1e-12)


both_jacobians = sg.jacobian(field, wrt=(0, 1), mode="forward")


def through_both(x, c):
    """The tuple of Jacobians (in x and in c) called inside."""
    jx, jc = both_jacobians(x, c)
    return np.sum(jx * jx) + np.sum(jc) * c


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_several_jacobians_called_inside(target):
    args = (X, 1.3)
    want = numerical_gradient(through_both, args, (0, 1))
    got = sg.grad(through_both, wrt=(0, 1), target=target)(*args)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-7)


hessian_by_jacobian = sg.jacobian(sg.grad(potential))


def jacobian_of_a_gradient_inside(x):
    return np.sum(hessian_by_jacobian(x))


def mismatched_jvp_inside(x):
    _, t = potential_jvp((x, 0.3), (x,))
    return t


@pytest.mark.parametrize("fn, message", [
    (jacobian_of_a_gradient_inside, "sg.jacobian of a gradient function cannot be called"),
    (mismatched_jvp_inside, "tangents must have the structure of primals"),
])
def test_refusals_inside_name_the_line(fn, message):
    with pytest.raises(sg.SrcGradError, match=message) as info:
        sg.grad(fn)(X)
    assert "test_nested_gradients.py" in str(info.value)


def clashing(x, j, dx, v, first, matrix=1.5):
    """Parameters named as the written Jacobian's own locals would be."""
    return np.sum(np.sin(x) * j + dx * x ** 2) + v * first * matrix


clashing_forward = sg.jacobian(clashing, mode="forward")
clashing_reverse = sg.jacobian(clashing, mode="reverse")
clashing_hvp = sg.hvp(clashing)
clashing_hessian = sg.hessian(clashing)
clashing_jvp = sg.jvp(clashing)


def through_clashing(x):
    a = np.sum(clashing_forward(x, 2.0, 0.5, 3.0, 1.5) * clashing_reverse(x, 2.0, 0.5, 3.0, 1.5))
    _, t = clashing_jvp((x, 2.0, 0.5, 3.0, 1.5, 1.0), (x * 0.3, None, None, None, None, None))
    return a + t + np.sum(clashing_hvp(x, 2.0, 0.5, 3.0, 1.5, 1.0, x)
                          + clashing_hessian(x, 2.0, 0.5, 3.0, 1.5)[0])


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_parameters_named_like_the_written_locals(target):
    want = numerical_gradient(through_clashing, (X,), 0)
    np.testing.assert_allclose(sg.grad(through_clashing, target=target)(X), want,
                               rtol=1e-6, atol=1e-8)


def fit_loss(w, data):
    return np.sum((np.tanh(data @ w) - 1.0) ** 2)


fit_value_and_grad = sg.value_and_grad(fit_loss)


def unrolled_training(data, rate):
    """value_and_grad inside (unpacked, as a training loop calls it): the
    losses along the way and the weights reached, differentiated in the
    data and the learning rate."""
    w = np.zeros(2) + 0.1
    total = 0.0
    for _ in range(4):
        value, g = fit_value_and_grad(w, data)
        total += value
        w = w - rate * g
    return total + np.sum(w ** 2)


def indexed_value_and_grad(data, rate):
    first = sg.value_and_grad(fit_loss)(np.ones(2) * rate, data)[0]
    return first * fit_value_and_grad(np.ones(2), data)[1][0]


@pytest.mark.parametrize("target", ["python", "cpu"])
@pytest.mark.parametrize("fn", [unrolled_training, indexed_value_and_grad])
def test_value_and_grad_called_inside(fn, target):
    args = (np.array([[0.5, -0.2], [0.1, 0.9], [1.0, 0.3]]), 0.3)
    want = numerical_gradient(fn, args, (0, 1))
    got = sg.grad(fn, wrt=(0, 1), target=target)(*args)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-8)
