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


@pytest.fixture
def optimised(monkeypatch):
    """Numba's -O3, whatever NUMBA_OPT says (CI's tests run at -O0)."""
    from numba.core import config

    monkeypatch.setattr(config, "OPT", config._OptLevel(3))


def test_a_large_module_is_compiled_with_unswitching_bounded(options, optimised, monkeypatch,
                                                             tmp_path):
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


def test_at_O0_no_module_is_counted(options, monkeypatch, tmp_path):
    """-O0 unswitches no loop: no block is counted, no option set."""
    from numba.core import config

    monkeypatch.setattr(config, "OPT", config._OptLevel(0))
    monkeypatch.setenv("SRCGRAD_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(unswitching, "LARGE", 0)
    counted = []
    monkeypatch.setattr(unswitching, "_large", lambda module: counted.append(module) or True)
    x = np.random.default_rng(1).normal(size=(3, 2, 4))
    got = sg.grad(moved, target="cpu")(x)
    assert options == [] and counted == []
    np.testing.assert_allclose(got, numerical_gradient(moved, (x,), 0), rtol=1e-7, atol=1e-9)


def test_the_count_stops_past_the_bound(monkeypatch):
    class Function:
        def __init__(self, n):
            self.n, self.read = n, 0

        @property
        def blocks(self):
            for _ in range(self.n):
                self.read += 1
                yield None

    class Module:
        functions = [Function(3), Function(10**6), Function(5)]

    monkeypatch.setattr(unswitching, "LARGE", 7)
    assert unswitching._large(Module)
    assert [f.read for f in Module.functions] == [3, 5, 0]
    Module.functions = [Function(3), Function(4)]
    assert not unswitching._large(Module)
