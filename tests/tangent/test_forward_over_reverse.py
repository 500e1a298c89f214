"""Second order by forward over reverse: `sg.hvp` and `sg.hessian` on every
eligible row of the corpus (`functions.py`), the tangent of the generated
adjoint along `v`, checked against second differences of the original
function in float64 (`gradcheck.numerical_hvp`), and against reverse over
reverse (the gradient of the gradient: a second path through srcgrad, held
to a tighter tolerance than the differences allow).

Every row must run forward over reverse, but those in `FALLBACK`, for which
`hvp` goes reverse over reverse, as its docstring says it does."""

from __future__ import annotations

import re

import numpy as np
import pytest
from gradcheck import numerical_hvp
from test_corpus_jvp import JVP_CASES, positions

import srcgrad as sg
from srcgrad.api.higher import _second_derivative
from srcgrad.api.tangent import TangentFunction

# rows forward over reverse does not differentiate, and why
FALLBACK: dict[str, str] = {}
# rows no second derivative of srcgrad takes (forward or reverse over reverse), and why
REFUSED = {
    "slice_squared_then_rebound_in_loop": "the adjoint puts back the elements of `a` that a "
                                          "view read before the loop still refers to",
}


def second_order(case) -> bool:
    """Rows whose first `wrt` parameter is a float64 value: the Hessian in it."""
    args = case.make_args()
    k = positions(case)[0]
    return np.result_type(args[k]) == np.float64 and not case.exact


HVP_CASES = [pytest.param(c, id=c.id) for c in JVP_CASES if second_order(c)]
CPU_IDS = ("quadratic_form", "prod_axis", "while_newton_sqrt", "write_slice",
           "helper_with_control_flow", "log_sum_exp", "softmax", "rosenbrock")
CPU = [pytest.param(c, id=c.id) for c in JVP_CASES if c.id in CPU_IDS and second_order(c)]


def check(case, target):
    args = case.make_args()
    k = positions(case)[0]
    v = np.random.default_rng(4).standard_normal(np.shape(args[k]))
    v = float(v) if np.ndim(args[k]) == 0 else v
    hvp = sg.hvp(case.fn, wrt=k, target=target)
    if case.id in REFUSED:
        with pytest.raises(sg.UnsupportedSyntaxError, match="shares its memory"):
            hvp(*args, v)
        with pytest.raises(sg.UnsupportedSyntaxError, match="shares its memory"):
            _second_derivative(case.fn, k, "python")(*args, grad_ys=v)
        return
    got = hvp(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in args], v)
    forward = isinstance(hvp.generated, TangentFunction)
    if case.id in FALLBACK:
        assert not forward, f"{case.id} runs forward over reverse now: take it off FALLBACK"
    else:
        assert forward, f"{case.id}: hvp fell back to reverse over reverse"
    assert np.shape(got) == np.shape(args[k])
    def along_k(x):  # the function of args[k] alone (the others may be integers)
        return case.fn(*[np.copy(x if j == k else a) if isinstance(a, np.ndarray) else
                         x if j == k else a for j, a in enumerate(args)])

    want = numerical_hvp(along_k, (args[k],), 0, {0: v})
    # second differences lose about 1e-8 of the function's own size (eps = 1e-4, squared)
    out = along_k(args[k])
    size = max(float(np.max(np.abs(np.asarray(o, np.float64)), initial=0))
               for o in (out if isinstance(out, tuple) else (out,)))
    np.testing.assert_allclose(got, want, rtol=1e-4,
                               atol=max(1e-5 * max(1.0, np.abs(want).max()), 1e-7 * size))
    twice = _second_derivative(case.fn, k, "python")(*args, grad_ys=v)
    np.testing.assert_allclose(got, twice, rtol=1e-9, atol=1e-11 * max(1.0, np.abs(twice).max()))


@pytest.mark.parametrize("case", HVP_CASES)
def test_hvp_python(case):
    check(case, "python")


@pytest.mark.parametrize("case", CPU)
def test_hvp_cpu(case):
    check(case, "cpu")


def rosenbrock(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s = s + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def rosenbrock_hessian(x):
    """By hand: the Hessian of the sum of 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2."""
    n = x.size
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 1200.0 * x[i] ** 2 - 400.0 * x[i + 1] + 2.0
        h[i + 1, i + 1] += 200.0
        h[i, i + 1] -= 400.0 * x[i]
        h[i + 1, i] -= 400.0 * x[i]
    return h


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_hessian_of_a_loop(target):
    x = np.array([0.3, -0.5, 0.8, 1.1, -0.9])
    hessian = sg.hessian(rosenbrock, target=target)
    np.testing.assert_allclose(hessian(x), rosenbrock_hessian(x), rtol=1e-12)
    assert isinstance(hessian.generated, TangentFunction)
    src = hessian.source
    # the adjoint's forward and reverse sweeps, each statement beside its tangent
    assert "def rosenbrock_grad_jvp(x, grad_y, dx):" in src
    # the tangent alone, `dbx`; compiled, the gradient's own updates (`bx[i] += ...`),
    # which only the gradient needs, are gone (in Python `unbroadcast(..., bx[i])`
    # still reads bx's elements for their shape)
    assert re.search(r"\n +dbx\[i\] = dbx\[i\] \+ ", src)
    assert src.rstrip().endswith("return (dbx,)")
    if target == "cpu":
        assert not re.search(r"\n +bx\[i\] = ", src)


def saved_in_a_loop(x):
    y = x * 1.0
    for _ in range(3):
        y = np.sin(y) * x
    return np.sum(y * y)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_stacks_of_tangents(target):
    x = np.array([0.3, -0.5, 0.8])
    hessian = sg.hessian(saved_in_a_loop, target=target)
    src = hessian.source
    assert "dy_stack.append(dy)" in src and "dy = dy_stack.pop()" in src
    want = np.column_stack([numerical_hvp(saved_in_a_loop, (x,), 0, {0: e}) for e in np.eye(3)])
    np.testing.assert_allclose(hessian(x), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_jvp_of_a_gradient_function(target):
    """`sg.jvp(sg.grad(f))`: the gradient's tangent, forward over reverse."""
    x = np.array([0.3, -0.5, 0.8, 1.1, -0.9])
    v = np.array([1.0, 0.0, -2.0, 0.5, 0.0])
    gradient = sg.grad(rosenbrock, target=target)
    jvp = sg.jvp(gradient, target=target)
    value, tangent = jvp((x,), (v,))
    assert isinstance(jvp.generated, TangentFunction)
    np.testing.assert_allclose(value, gradient(x), rtol=1e-14)
    np.testing.assert_allclose(tangent, rosenbrock_hessian(x) @ v, rtol=1e-12)
