"""A gradient's long work is logged under the `srcgrad` logger
(`srcgrad/backend/observe.py`): the transformation, and each Numba compile
or load from Numba's disk cache; nothing is printed unless logging is
configured; `python -m srcgrad show --timings` prints the same figures."""

from __future__ import annotations

import logging
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import srcgrad as sg
from srcgrad.backend.observe import Timing

ROOT = Path(__file__).parents[2]


def logged_chain(x, k):  # a function of this test alone: its module is compiled here first
    total = 0.0
    for i in range(x.shape[0] - 1):
        d = x[i + 1] - x[i]
        total += 0.25 * k * d * d * d * d
    return total


def logged_scalar(a):
    return math.sin(a) * a


def timings(caplog) -> list[Timing]:
    return [r.srcgrad for r in caplog.records if r.name == "srcgrad" and hasattr(r, "srcgrad")]


def test_a_first_call_logs_its_transformation_and_compile(caplog, monkeypatch, tmp_path):
    monkeypatch.setenv("SRCGRAD_CACHE_DIR", str(tmp_path))
    caplog.set_level(logging.INFO, logger="srcgrad")
    df = sg.grad(logged_chain)
    x = np.linspace(0.0, 1.0, 5)
    df(x, 2.0)
    transform, compile_ = timings(caplog)
    assert transform.step == "transform" and transform.target == "cpu"
    line = logged_chain.__code__.co_firstlineno
    assert transform.function == f"logged_chain (test_logging.py:{line})"
    assert transform.generated == "logged_chain_grad" and transform.lines > 5
    assert compile_.step == "compile" and compile_.cache == "miss" and compile_.seconds > 0
    assert compile_.function == "logged_chain" and "array(float64, 1d, C)" in compile_.signature
    messages = [r.getMessage() for r in caplog.records if r.name == "srcgrad"]
    assert any("transformed for target 'cpu' in" in m for m in messages)
    assert any("logged_chain_grad: Numba cache miss: compiled for (" in m for m in messages)

    # a later call compiles nothing; another process (here: the module imported
    # afresh, so a new dispatcher) loads the compiled code from Numba's cache
    caplog.clear()
    df(x, 3.0)
    assert timings(caplog) == []
    module = sys.modules.pop(df._module.__name__)
    try:
        again = sg.grad(logged_chain)
        np.testing.assert_allclose(again(x, 2.0), df(x, 2.0), rtol=1e-12)
    finally:
        sys.modules[module.__name__] = module
    assert [(t.step, t.cache) for t in timings(caplog)] == [("transform", ""), ("compile", "hit")]


def test_the_python_target_logs_only_the_transformation(caplog):
    caplog.set_level(logging.INFO, logger="srcgrad")
    sg.grad(logged_scalar, target="python")(0.5)
    assert [(t.step, t.target) for t in timings(caplog)] == [("transform", "python")]


def test_debug_logs_the_stages_and_the_file(caplog):
    caplog.set_level(logging.DEBUG, logger="srcgrad")
    sg.grad(logged_scalar, target="python", preserve_result=True)(0.5)
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any("the transformation's stages: front end" in m and "emit" in m for m in messages)
    assert any("srcgrad_generated_logged_scalar_" in m for m in messages)


def test_nothing_is_printed_unless_logging_is_configured(tmp_path):
    code = ("import numpy as np, srcgrad as sg\n"
            "def f(x):\n    return np.sum(x * x)\n"
            "import logging; assert logging.getLogger('srcgrad').handlers\n")
    script = tmp_path / "quiet.py"
    script.write_text(code + "print(sg.grad(f)(np.ones(2)))\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         cwd=ROOT, env=_env(tmp_path))
    assert out.returncode == 0, out.stderr
    assert out.stdout == "[2. 2.]\n" and out.stderr == ""


def _env(cache: Path) -> dict:
    import os

    return {**os.environ, "SRCGRAD_CACHE_DIR": str(cache / "cache"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                         os.environ.get("PYTHONPATH")]))}


def show(tmp_path, *args):
    return subprocess.run([sys.executable, "-m", "srcgrad", "show", *args], capture_output=True,
                          text=True, cwd=ROOT, env=_env(tmp_path))


@pytest.fixture
def model(tmp_path) -> str:
    file = tmp_path / "springs.py"
    file.write_text("def energy(x, k):\n    total = 0.0\n    for i in range(x.shape[0] - 1):\n"
                    "        d = x[i + 1] - x[i]\n        total += 0.5 * k * d * d\n"
                    "    return total\n")
    return f"{file}:energy"


def test_show_timings_prints_the_transformation_and_the_compile(tmp_path, model):
    first = show(tmp_path, model, "--timings", "--args", "np.linspace(0, 1, 4), 2.0")
    assert first.returncode == 0, first.stderr
    compile(first.stdout, "shown", "exec")  # the figures are comments: still Python
    source, timings_part = first.stdout.split("# srcgrad --timings:")
    assert "def energy_grad(x, k" in source
    assert "#   energy (springs.py:1): transformed for target 'cpu' in " in timings_part
    assert "#   energy_grad: Numba cache miss: compiled for (array(float64, 1d, C), float64" \
        in timings_part
    second = show(tmp_path, model, "--timings", "--args", "np.linspace(0, 1, 4), 2.0")
    assert "energy_grad: Numba cache hit: loaded for (" in second.stdout, second.stdout


def test_show_timings_without_arguments_says_how_to_time_the_compile(tmp_path, model):
    out = show(tmp_path, model, "--timings")
    assert out.returncode == 0, out.stderr
    assert "transformed for target 'cpu'" in out.stdout and "pass --args EXPR" in out.stdout
    bad = show(tmp_path, model, "--timings", "--args", "nope(")
    assert bad.returncode == 1 and "--args 'nope('" in bad.stderr


UNCACHEABLE_MODULE = '''
import ctypes
import ctypes.util

_libm = ctypes.CDLL(ctypes.util.find_library("m"))
_cos = _libm.cos
_cos.restype = ctypes.c_double
_cos.argtypes = [ctypes.c_double]


def through_c(x):
    return _cos(x) * 2.0
'''


def test_numbas_warning_that_it_cannot_cache_is_logged_not_shown(tmp_path, caplog, monkeypatch):
    """A ctypes call holds an address of this process, so Numba cannot cache the
    function that makes it and warns (NumbaWarning): srcgrad logs that with
    the compile instead of showing Numba's warning about its generated code;
    other warnings of the compile are shown."""
    import warnings

    import numba

    from srcgrad.backend.observe import observed

    path = tmp_path / "uncacheable_module.py"
    path.write_text(UNCACHEABLE_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    import uncacheable_module

    dispatcher = observed(numba.njit(cache=True)(uncacheable_module.through_c), "through_c",
                          "cpu")
    with caplog.at_level(logging.INFO, logger="srcgrad"), warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning that escapes fails the test
        assert dispatcher(0.5) == pytest.approx(2.0 * math.cos(0.5))
    [timing] = timings(caplog)
    assert timing.cache == "uncacheable" and "cannot cache" in timing.describe()

    def strided_product(a):
        return np.dot(a[:, ::2], a[::2, :])  # Numba's performance warning: not contiguous

    shown = observed(numba.njit(strided_product), "strided_product", "cpu")
    with pytest.warns(numba.NumbaPerformanceWarning):
        shown(np.ones((4, 4)))
