"""Vector forward mode (srcgrad/tangent/lanes.py): a forward-mode Jacobian
carries up to `LANES` tangents per sweep, each tangent statement written once
per lane and what the lanes share computed once; its columns against central
differences, at sizes that leave lanes empty in the last sweep."""

import re

import numpy as np
import pytest
from frontend import recursive_functions as R
from tangent import forward_functions as F

import srcgrad as sg
from bench.higher import recurrence
from srcgrad.api.jvp import _tangent_alone
from srcgrad.tangent.lanes import LANE_STATEMENTS, LANES, lanes_for

TARGETS = ["python", "cpu"]


def _differences(fn, args, k, eps=1e-6):
    """d fn(args) / d args[k], shaped out.shape + x.shape, by central differences."""
    x = np.asarray(args[k], dtype=np.float64)
    columns = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = eps
        up, down = list(args), list(args)
        up[k], down[k] = x + e.reshape(x.shape), x - e.reshape(x.shape)
        columns.append((np.asarray(fn(*up)) - np.asarray(fn(*down))) / (2 * eps))
    return np.moveaxis(np.array(columns), 0, -1).reshape(np.shape(fn(*args)) + x.shape)


def test_the_lanes_in_the_source():
    tangent = _tangent_alone(recurrence, 0, "python").laned(3)
    source = tangent.source
    assert "def recurrence_jvp(x, a, dx_0, dx_1, dx_2):" in source
    assert "return (d_y_times_tanh_x_0, d_y_times_tanh_x_1, d_y_times_tanh_x_2)" in source
    # the primal once, its tangent three times; what the lanes share (the derivatives
    # of sin and tanh) once
    assert len(re.findall(r"^ +acc = acc \* a \+ ", source, re.MULTILINE)) == 1
    for lane in range(3):
        assert f"dacc_{lane} = dacc_{lane} * a + (dx_{lane}[i] * cos_x_i" in source
    assert "dacc_3" not in source
    assert source.count("= cos(x_i)") == 1
    assert source.count("= tanh(x)") == 1
    assert source.count("1 - tanh_x * tanh_x") == 1


FUNCTIONS = {"recurrence": (recurrence, (0.7,)), "relaxed": (F.relaxed, ()),
             "running": (F.running, None), "tall": (F.tall, ()), "grown": (F.grown, ())}
COMPILED = {"recurrence", "relaxed"}  # (the lanes are the same source on both targets)
JACOBIANS = [pytest.param(*FUNCTIONS[name], n, target, id=f"{name}-{n}-{target}")
             for name in FUNCTIONS for n in (3, LANES + 3) for target in TARGETS
             if target == "python" or name in COMPILED]


@pytest.mark.parametrize("fn,extra,n,target", JACOBIANS)
def test_jacobian_by_lanes_against_differences(fn, extra, n, target):
    x = np.random.default_rng(n).normal(size=n)
    args = (x, *((np.linspace(-1.0, 1.0, n),) if extra is None else extra))
    def fresh():  # (`running` writes into its second argument)
        return [a.copy() if isinstance(a, np.ndarray) else a for a in args]

    got = sg.jacobian(fn, mode="forward", target=target)(*fresh())
    want = _differences(lambda *a: fn(*[v.copy() if isinstance(v, np.ndarray) else v
                                        for v in a]), fresh(), 0)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
    assert _tangent_alone(fn, 0, target).laned(min(n, LANES))._generate().lanes == min(n, LANES)


def test_recursion_keeps_one_lane():
    """A recursive call's jvp returns value and tangent together: not widened."""
    tangent = _tangent_alone(R.ping, 0, "python").laned(4)
    assert tangent._generate().lanes == 1
    x = np.array([0.3, -0.8, 1.1, 0.2, 0.5])
    got = sg.jacobian(R.ping, mode="forward", target="python")(x, 3)
    np.testing.assert_allclose(got, _differences(R.ping, [x, 3], 0), rtol=1e-6, atol=1e-8)


def test_a_long_tangent_function_gets_fewer_lanes():
    """The lanes multiply the tangent statements, and Numba's compile time grows
    with the function: a long one gets fewer (GradBench's hand tracking, 151
    statements in one lane, gets 2), never more than the columns."""
    def source(statements):
        return "def f_jvp(x, dx):\n" + "    # a comment\n" + "    y = x\n" * statements

    assert lanes_for(source(17), 400) == LANES
    assert lanes_for(source(17), 3) == 3
    assert lanes_for(source(151), 26) == LANE_STATEMENTS // 151 < LANES
    assert lanes_for(source(LANE_STATEMENTS + 1), 26) == 1


def _rosenbrock(x):
    s = 0.0
    for i in range(x.size - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def _laned_loops(fn) -> list[int]:
    """The lanes of the tangent functions whose loops over basis vectors were
    compiled for `fn` (or for its gradient)."""
    from srcgrad.api.derived import _LOOPS

    return [owner._generate().lanes for owner, _, _ in _LOOPS.values()
            if getattr(owner, "fn", None) is fn
            or getattr(getattr(owner, "fn", None), "fn", None) is fn]


def test_lanes_from_njit_callers():
    """A Jacobian or a Hessian called from @njit code carries lanes too (its
    size unknown when the caller compiles: as many as a large one takes)."""
    numba = pytest.importorskip("numba")
    forward = sg.jacobian(F.relaxed, mode="forward")
    auto = sg.jacobian(F.relaxed)
    hessian = sg.hessian(_rosenbrock)

    @numba.njit
    def derivatives(x):
        return forward(x), auto(x), hessian(x)

    for n in (1, 3, LANES + 3):
        x = np.random.default_rng(n).normal(size=n)
        jf, ja, h = derivatives(x)
        want = _differences(F.relaxed, (x,), 0)
        np.testing.assert_allclose(jf, want, rtol=1e-6, atol=1e-8)
        if n > 1:  # (auto takes rows where there are fewer: the same numbers)
            np.testing.assert_allclose(ja, want, rtol=1e-6, atol=1e-8)
        grad = sg.grad(_rosenbrock, target="python")
        np.testing.assert_allclose(h, _differences(grad, (x,), 0), rtol=1e-6, atol=1e-6)
    assert max(_laned_loops(F.relaxed)) == LANES
    assert max(_laned_loops(_rosenbrock)) == LANES
