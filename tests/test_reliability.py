"""Concurrency and the on-disk cache: no state shared between calls, no stale
or corrupted cache entry ever runs.  Every gradient is checked against its
closed form."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

import srcgrad as sg

ROOT = Path(__file__).parent.parent


def loop_energy(x, k):
    total = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0.0:
            total += k * x[i] * x[i]
        else:
            total -= k * x[i]
    return total


def energy_gradient(x, k):
    """The closed form of loop_energy's gradient with respect to x."""
    return np.where(x > 0.0, 2.0 * k * x, -k)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_threads_share_one_gradient_function(target):
    df = sg.grad(loop_energy, target=target)
    rng = np.random.default_rng(3)
    inputs = [(rng.uniform(-1.0, 1.0, 50), float(k)) for k in range(1, 9)]
    results: dict[int, np.ndarray] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(len(inputs))

    def work(k: int) -> None:
        try:
            start.wait()
            for _ in range(20):
                results[k] = df(*inputs[k])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(inputs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for k, (x, kk) in enumerate(inputs):
        np.testing.assert_allclose(results[k], energy_gradient(x, kk), rtol=1e-12)


MODULE = '''
import numpy as np


def helper(x):
    return {factor} * x * x


def f(x):
    return np.sum(helper(x))
'''

SCRIPT = '''
import sys
import numpy as np
import srcgrad as sg
sys.path.insert(0, sys.argv[1])
import model
g = sg.grad(model.f)(np.array([1.0, 2.0]))
print(repr(g.tolist()))
'''


def run_script(folder: Path, cache: Path, *extra_env) -> subprocess.CompletedProcess:
    env = dict(os.environ, SRCGRAD_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT))
    env.update(extra_env)
    return subprocess.run([sys.executable, "-c", SCRIPT, str(folder)], capture_output=True,
                          text=True, env=env, timeout=300)


def write_model(folder: Path, factor: float) -> None:
    (folder / "model.py").write_text(textwrap.dedent(MODULE.format(factor=factor)))
    for cached in folder.glob("__pycache__/*"):
        cached.unlink()


def test_a_changed_callee_never_runs_a_stale_entry(tmp_path):
    cache = tmp_path / "cache"
    write_model(tmp_path, 2.0)
    first = run_script(tmp_path, cache)
    assert first.returncode == 0, first.stderr
    assert eval(first.stdout) == [4.0, 8.0]  # d/dx 2x^2 = 4x
    write_model(tmp_path, 3.0)  # same f, another helper
    second = run_script(tmp_path, cache)
    assert second.returncode == 0, second.stderr
    assert eval(second.stdout) == [6.0, 12.0]


def test_two_processes_compile_into_one_cache_at_once(tmp_path):
    cache = tmp_path / "cache"
    write_model(tmp_path, 2.0)
    env = dict(os.environ, SRCGRAD_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, str(tmp_path)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert eval(out) == [4.0, 8.0]


def test_an_unusable_cache_directory_falls_back_with_a_warning(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    write_model(tmp_path, 2.0)
    result = run_script(tmp_path, blocker / "cache")
    assert result.returncode == 0, result.stderr
    assert eval(result.stdout) == [4.0, 8.0]
    assert "cannot write to the cache directory" in result.stderr


def test_a_corrupted_cache_is_not_trusted(tmp_path):
    cache = tmp_path / "cache"
    write_model(tmp_path, 2.0)
    assert run_script(tmp_path, cache).returncode == 0
    files = [p for p in cache.rglob("*") if p.is_file()]
    assert any(p.suffix == ".py" for p in files)
    for p in files:  # the generated module and Numba's index and code files
        p.write_bytes(b"garbage\x00" * 7)
    result = run_script(tmp_path, cache)
    assert result.returncode == 0, result.stderr
    assert eval(result.stdout) == [4.0, 8.0]
    assert "ignoring Numba's unreadable cache" in result.stderr
    again = run_script(tmp_path, cache)  # the cache was rebuilt and is good again
    assert again.returncode == 0 and "unreadable" not in again.stderr, again.stderr
    assert eval(again.stdout) == [4.0, 8.0]
