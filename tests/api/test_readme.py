"""The README's examples run, and say what they claim (the README's first
example against its closed form: the seed's f(a) is a * 2**k, so df/da = c / a)."""

from __future__ import annotations

import re
import runpy
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
    test_command = next(line for line in top.splitlines() if "pytest" in line)
    pytest_part = test_command.split("&&", 1)[1].split("#", 1)[0].strip()
    assert pytest_part in ci
    assert 'pip install --quiet ".[test]"' in ci


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
