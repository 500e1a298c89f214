"""LLVM's loop unswitching is bounded for large modules while srcgrad compiles
(srcgrad/backend/unswitching.py), and only then: the user's own compiles and
small modules are optimised as Numba optimises them, and gradients compiled
with the bound are still right."""

import numba
import numpy as np
import pytest
from gradcheck import numerical_gradient

import srcgrad as sg
from srcgrad.backend import unswitching


@pytest.fixture
def options(monkeypatch):
    """The LLVM options set, in order, while the test runs."""
    import llvmlite.binding as ll

    seen = []
    real = ll.set_option

    def record(name, option):
        seen.append(option)
        real(name, option)

    monkeypatch.setattr(ll, "set_option", record)
    return seen


def moved(x):
    y = np.moveaxis(x, 0, 2)
    return np.sum(np.sin(y[:, :, 1:]) * y[:, :, :-1] ** 2)


def test_a_large_module_is_compiled_with_unswitching_bounded(options, monkeypatch, tmp_path):
    monkeypatch.setenv("SRCGRAD_CACHE_DIR", str(tmp_path))  # compiled here, not loaded
    monkeypatch.setattr(unswitching, "LARGE", 0)  # every module counts as large
    x = np.random.default_rng(0).normal(size=(3, 2, 4))
    got = sg.grad(moved, target="cpu")(x)
    assert "-unswitch-threshold=1" in options
    # each bounded optimisation is followed by LLVM's default again
    assert options[-1] == "-unswitch-threshold=50"
    assert options.count("-unswitch-threshold=1") == options.count("-unswitch-threshold=50")
    np.testing.assert_allclose(got, numerical_gradient(moved, (x,), 0), rtol=1e-7, atol=1e-9)


def test_the_users_own_compiles_are_left_alone(options, monkeypatch):
    monkeypatch.setattr(unswitching, "LARGE", 0)
    unswitching._install()

    @numba.njit
    def user_loop(a):
        total = 0.0
        for v in a:
            total += v if v > 0 else -v
        return total

    assert user_loop(np.array([1.0, -2.0])) == 3.0
    assert options == []


def test_a_small_module_is_optimised_as_numba_does(options, monkeypatch, tmp_path):
    monkeypatch.setenv("SRCGRAD_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(unswitching, "LARGE", 10**9)

    def cubic(x):
        return x ** 3 + 2.0 * x

    assert sg.grad(cubic, target="cpu")(2.0) == pytest.approx(14.0)
    assert options == []
