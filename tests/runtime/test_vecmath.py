"""`srcgrad.runtime.vecmath`: the vectorised exp, log, tanh, sin and cos that generated
code calls on float64 arrays (and exp, log and tanh on numbers in loops), against
NumPy's, over the whole float64 range and at the special values."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from srcgrad.runtime import vecmath


def _compiled(fn):
    return numba.njit(lambda x: fn(x))


COMPILED = {name: _compiled(getattr(vecmath, name)) for name in vecmath.__all__}
NUMPY = {"exp": np.exp, "log": np.log, "tanh": np.tanh, "sin": np.sin, "cos": np.cos}


def ulps(got, want):
    """How many units in the last place `got` is from `want` (0 where both
    are the same nan, inf or number)."""
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    with np.errstate(invalid="ignore"):
        distance = np.abs(got - want) / np.spacing(np.abs(want))
    return np.where(same, 0.0, distance)


def inputs(name):
    rng = np.random.default_rng(7)
    if name == "exp":
        spread = [rng.uniform(-745.2, 709.8, 200_000), rng.uniform(-30.0, 30.0, 200_000),
                  rng.uniform(-1e-3, 1e-3, 10_000)]
        edges = [709.78, 709.782712893384, 709.79, -745.13, -745.14, -708.5, -740.0, 1e-300]
    elif name == "log":
        spread = [np.exp(rng.uniform(-700.0, 700.0, 200_000)), rng.uniform(0.5, 2.0, 200_000),
                  rng.uniform(0.99, 1.01, 10_000)]
        edges = [-1.0, 5e-324, 1e-310, 2.2250738585072014e-308, 1.0, np.finfo(np.float64).max]
    elif name in ("sin", "cos"):
        near = np.pi / 2 * np.arange(-2000, 2001)  # where the reduction cancels most
        spread = [rng.uniform(-10.0, 10.0, 200_000), rng.uniform(-1.6e6, 1.6e6, 200_000),
                  rng.uniform(-1e-3, 1e-3, 10_000), near, np.nextafter(near, np.inf),
                  np.nextafter(near, -np.inf), 10.0 ** rng.uniform(6, 300, 10_000)]
        edges = [np.pi / 4, np.pi / 2, np.pi, 1.5e6, 1.4999999e6, 1e22, 1e-310, 5e-324,
                 np.finfo(np.float64).max]
    else:
        spread = [rng.uniform(-25.0, 25.0, 200_000), rng.uniform(-1.0, 1.0, 200_000),
                  rng.uniform(-1e-5, 1e-5, 10_000), rng.uniform(0.6, 0.65, 10_000)]
        edges = [0.625, -0.625, 22.0, 23.0, -23.0, 1e-310, 5e-324, 1e-9]
    special = [0.0, -0.0, np.inf, -np.inf, np.nan]
    return np.concatenate(spread + [np.array(edges + [-e for e in edges] + special)])


@pytest.mark.parametrize("name", vecmath.__all__)
def test_within_two_ulps_of_numpy(name):
    x = inputs(name)
    with np.errstate(all="ignore"):
        want = NUMPY[name](x)
    got = COMPILED[name](x)
    worst = ulps(got, want)
    assert worst.max() <= 2.0, f"{name}({x[worst.argmax()]!r}) = {got[worst.argmax()]!r}, " \
                               f"NumPy {want[worst.argmax()]!r}"
    assert np.array_equal(np.signbit(got[x == 0]), np.signbit(want[x == 0]))


@pytest.mark.parametrize("name", vecmath.__all__)
def test_shapes_views_and_other_types(name):
    f = COMPILED[name]
    x = np.random.default_rng(1).uniform(0.5, 2.0, size=(6, 8))
    for value in (x, x[:, ::3], x.T, x[2], np.empty((2, 0))):
        got = f(value)
        assert got.shape == value.shape and got.dtype == np.float64
        np.testing.assert_allclose(got, NUMPY[name](value), rtol=1e-15)
    x32 = x.astype(np.float32)  # not float64: Numba's NumPy function, float32 in and out
    assert f(x32).dtype == np.float32
    np.testing.assert_allclose(f(x32), NUMPY[name](x32), rtol=1e-6)
    assert f(1.5) == pytest.approx(NUMPY[name](1.5), rel=1e-15)


@pytest.mark.parametrize("name", vecmath.IN_LOOP)
def test_in_loop_forms_within_two_ulps_of_numpy(name):
    """`exp_in_loop` (`log_in_loop`, `tanh_in_loop`), which generated code
    calls on one number in a loop LLVM vectorises, compiled in such a loop:
    the formula of the array function, within 2 ulp of NumPy's over the same
    inputs; a float32 is NumPy's function (as Numba compiles it)."""
    base = name.split("_")[0]
    helper = getattr(vecmath, name)

    @numba.njit
    def each(xs):
        out = np.empty_like(xs)
        for i in range(xs.shape[0]):
            out[i] = helper(xs[i])
        return out

    x = inputs(base)
    with np.errstate(all="ignore"):
        want = NUMPY[base](x)
    got = each(x)
    worst = ulps(got, want)
    assert worst.max() <= 2.0, f"{name}({x[worst.argmax()]!r}) = {got[worst.argmax()]!r}"
    assert np.array_equal(np.signbit(got[x == 0]), np.signbit(want[x == 0]))
    x32 = np.random.default_rng(3).uniform(0.5, 2.0, 50).astype(np.float32)
    assert each(x32).dtype == np.float32
    np.testing.assert_allclose(each(x32), NUMPY[base](x32), rtol=1e-6)
    assert helper(1.5) == pytest.approx(NUMPY[base](1.5), rel=1e-15)  # (Python: NumPy's)
