"""The README's examples run, and say what they claim (the README's first
example against its closed form: the seed's f(a) is a * 2**k, so df/da = c / a;
the notebook example's cells in an IPython shell, against central
differences; the typed example is also checked by mypy, in test_typing.py)."""

from __future__ import annotations

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
from gradcheck import numerical_gradient

README = Path(__file__).parents[2] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_the_first_example_runs_and_is_right(tmp_path, capsys):
    block = python_blocks()[0]
    script = tmp_path / "example.py"
    script.write_text(block)
    namespace = runpy.run_path(str(script))
    a = namespace["a"]
    c = namespace["f"].fn(a)
    np.testing.assert_array_equal(namespace["f"](a), c / a)
    printed = capsys.readouterr().out
    # the adjoint the README shows is the one srcgrad prints, line for line
    shown = re.search(r"\n```\n(def f_grad.*?)```", README.read_text(), flags=re.S).group(1)
    assert shown in printed


def test_the_commands_at_the_top_are_the_ci_commands():
    ci = (README.parent / ".ci" / "run").read_text()
    top = README.read_text().split("```bash", 1)[1].split("```", 1)[0]
    test_command = next(line for line in top.splitlines() if "the tests" in line)
    run_part = test_command.split("&&", 1)[1].split("#", 1)[0].strip()
    assert run_part == "python tests/run.py"  # pytest -n auto over the suite's parts
    assert run_part in ci
    # CI installs what the README's command does, and the notebook extra
    install = test_command.split("&&", 1)[0]
    readme_extras = set(install.split('".[', 1)[1].split(']"', 1)[0].split(","))
    ci_extras = set(ci.split('FULL_EXTRAS="', 1)[1].split('"', 1)[0].split(","))
    assert readme_extras | {"notebook"} == ci_extras
    assert 'pip install --quiet ".[$extras]"' in ci


def test_the_container_example_trains(tmp_path, capsys):
    """The dict-of-arrays model of the README: a hundred steps of gradient descent
    with srcgrad's gradients lower the loss (tests/api/test_pytrees.py checks
    such gradients against central differences)."""
    block = next(b for b in python_blocks() if 'params["layers"]' in b)
    script = tmp_path / "trees.py"
    script.write_text(block)
    namespace = runpy.run_path(str(script))
    after = namespace["loss"](namespace["params"], namespace["x"], namespace["y"])
    assert after < 0.5 * namespace["before"]
    assert "loss" in capsys.readouterr().out


def _run_block(tmp_path, marker: str) -> subprocess.CompletedProcess:
    """The README's block containing `marker`, run as a script in a fresh
    process with its own cache directory."""
    block = next(b for b in python_blocks() if marker in b)
    script = tmp_path / "example.py"
    script.write_text(block)
    env = {**os.environ, "SRCGRAD_CACHE_DIR": str(tmp_path / "cache"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(README.parent),
                                                        os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    return out


def test_the_process_pool_example_gives_the_gradients(tmp_path):
    out = _run_block(tmp_path, "ProcessPoolExecutor(2")
    namespace = runpy.run_path(str(tmp_path / "example.py"))  # its loss, not run as __main__
    x = np.linspace(-1.0, 1.0, 50)
    want = [numerical_gradient(namespace["loss"], (np.array([1.0, 0.5]), x, np.sin(s * x)), 0)
            for s in (0.5, 1.0, 1.5, 2.0)]
    got = np.array([float(v) for v in re.findall(r"-?\d+\.?\d*(?:e[-+]\d+)?", out.stdout)])
    got = got.reshape(4, 2)
    np.testing.assert_allclose(got, np.round(want, 4), atol=1e-4)


def test_the_logging_example_logs_as_shown(tmp_path):
    out = _run_block(tmp_path, 'logging.getLogger("srcgrad")')
    assert out.stdout == ""
    lines = out.stderr.splitlines()
    assert lines[0].startswith("srcgrad: energy (example.py:10): transformed for target 'cpu' in ")
    assert lines[1].startswith("srcgrad: energy_grad: Numba cache miss: compiled for "
                               "(array(float64, 1d, C), float64, none) in ")
    assert len(lines) == 2


def test_the_notebook_example_runs_in_ipython(ipython_shell):
    """The two cells of "In Jupyter and IPython", run as cells: the gradient
    the first shows, and the second's display as highlighted Python."""
    cells = [b for b in python_blocks() if b.startswith(("# a notebook cell", "# the next cell"))]
    assert len(cells) == 2
    result = ipython_shell.run_cell(cells[0], store_history=True)
    result.raise_error()
    springs = ipython_shell.user_ns["springs"]
    x = np.array([0.0, 1.0, 3.0])
    np.testing.assert_allclose(result.result, numerical_gradient(springs, (x, 2.0)), rtol=1e-6)
    assert "array([-2., -2.,  4.])" in cells[0]  # what the README says it shows
    np.testing.assert_array_equal(result.result, [-2.0, -2.0, 4.0])
    result = ipython_shell.run_cell(cells[1], store_history=True)
    result.raise_error()
    bundle, _ = ipython_shell.display_formatter.format(result.result)
    assert "def</span>" in bundle["text/html"]
    assert f"Cell In[{result.execution_count - 1}]:" in bundle["text/html"]


def typed_block() -> str:
    return next(b for b in python_blocks() if "denergy: sg.GradFunction" in b)


def test_the_typed_example_runs(tmp_path):
    script = tmp_path / "typed_example.py"
    script.write_text(typed_block())
    namespace = runpy.run_path(str(script))
    x = np.array([0.0, 1.0, 3.0])
    np.testing.assert_allclose(namespace["g"], numerical_gradient(namespace["energy"], (x, 2.0)),
                               rtol=1e-6)
    assert "# [-2. -2.  4.]" in typed_block()
    assert isinstance(namespace["code"], str)



def test_the_njit_example_fits_and_gives_per_sample_gradients(tmp_path, capsys):
    """Gradient descent then Newton's steps inside @njit find the weights the
    data were made with; the per-sample gradients of the prange loop are
    2 (tanh(w x) - y) (1 - tanh(w x)^2) x, derived by hand."""
    block = next(b for b in python_blocks() if "numba.prange" in b)
    script = tmp_path / "njit_example.py"
    script.write_text(block)
    namespace = runpy.run_path(str(script))
    np.testing.assert_allclose(namespace["w"], namespace["w_true"], rtol=1e-12, atol=1e-14)
    x, y = namespace["x"][:, 0], namespace["y"]
    t = np.tanh(0.8 * x)
    np.testing.assert_allclose(namespace["per_sample"](0.8, x, y),
                               2 * (t - y) * (1 - t * t) * x, rtol=1e-12, atol=1e-15)
    capsys.readouterr()


def test_the_vectorize_example_gives_the_sigmoid(tmp_path, capsys):
    block = next(b for b in python_blocks() if "sg.vectorize" in b)
    script = tmp_path / "vectorize_example.py"
    script.write_text(block)
    namespace = runpy.run_path(str(script))
    x = namespace["x"]
    np.testing.assert_allclose(namespace["slope"], 1 / (1 + np.exp(-x)), rtol=1e-12)
    grow, rates, points = namespace["grow"], namespace["rates"], x[:5] + 6.0
    for i, j in np.ndindex(5, 2):  # central differences of grow at each element
        want = numerical_gradient(grow, (float(points[i]), float(rates[j])), (0, 1))
        got = namespace["dx"][i, j], namespace["drate"][i, j]
        np.testing.assert_allclose(got, want, rtol=1e-5)
        assert namespace["y"][i, j] == grow(points[i], rates[j])
    assert "(5, 2) float64" in capsys.readouterr().out
