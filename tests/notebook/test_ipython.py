"""Functions typed into IPython cells, run by an `InteractiveShell` in this
process (what a Jupyter kernel runs, without the kernel: `test_jupyter.py`
runs a notebook in one).  A cell's function is differentiated from the
cell's text; after a cell is edited and run again, the new definition is;
errors and the generated code name the cell as IPython does (`Cell In[3]`).
Gradients are checked against central differences of the cell's function."""

from __future__ import annotations

import linecache
import os
import pickle

import numpy as np
import pytest
from gradcheck import assert_gradient, numerical_gradient

import srcgrad as sg

pytest.importorskip("IPython", reason="IPython is not installed (pip install '.[notebook]')")

SRCGRAD_DIR = os.path.dirname(sg.__file__)


@pytest.fixture(scope="module")
def shell(ipython_shell):
    return ipython_shell


def run(shell, code: str) -> int:
    """Run `code` as the next cell (raising what it raised); its number N of `In[N]`."""
    result = shell.run_cell(code, store_history=True)
    result.raise_error()
    return result.execution_count


SPRINGS = """def energy(x, k):
    total = 0.0
    for i in range(x.shape[0] - 1):
        d = x[i + 1] - x[i]
        if abs(d) < 1.5:
            total += 0.5 * k * d * d
        else:
            total += {broken} * k
    return total
"""

X = np.array([0.0, 1.0, 2.7, 3.1, 4.0])  # one spring broken (1.7), none at the kink


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_a_function_of_a_cell(shell, target):
    n = run(shell, SPRINGS.format(broken="1.125") + f"denergy = sg.grad(energy, target={target!r})")
    denergy, energy = shell.user_ns["denergy"], shell.user_ns["energy"]
    assert_gradient(denergy, energy, (X, 3.0))
    source = denergy.source
    assert f"(Cell In[{n}]:1)" in source.splitlines()[0]
    assert f"# Cell In[{n}]:4: d = x[i + 1] - x[i]" in source
    assert f"# grad of Cell In[{n}]:6: total += 0.5 * k * d * d" in source


def test_a_cell_edited_and_run_again(shell):
    """The edited cell's function is differentiated, not the one it replaced
    (the same text run again gives the same gradient)."""
    for step in ("x * x * x", "np.sin(x) * x", "x * x * x"):
        cell = f"@sg.grad\ndef df(x):\n    return {step}\n\ndef f(x):\n    return {step}\n"
        run(shell, cell + "g = df(np.array([0.5, 2.0]))")
        want = numerical_gradient(shell.user_ns["f"], (np.array([0.5, 2.0]),))
        np.testing.assert_allclose(shell.user_ns["g"], want, rtol=1e-6)


def test_a_helper_of_another_cell_edited(shell):
    """A gradient made once follows a helper function that a later cell
    redefines (its body is inlined: the rebinding makes it generate again)."""
    run(shell, "def h(x):\n    return helper(x) * 2.0\n\ndh = sg.grad(h)")
    for body in ("x * x", "np.exp(x) / x", "x + 1.0"):
        run(shell, f"def helper(x):\n    return {body}\n\ng = dh(1.5)")
        want = numerical_gradient(shell.user_ns["h"], (1.5,))
        assert shell.user_ns["g"] == pytest.approx(want, rel=1e-6)


def test_a_numba_ufunc_of_a_cell_edited(shell):
    """A Numba ufunc with a rule, redefined with another constant: the
    generated module calls it as a global, and the new one's code is part of
    that module's cache key, so Numba's compiled code of the old one (which it
    would otherwise load from its disk cache) does not run in its place."""
    run(shell, "import numba\n\ndef f(x):\n    return scale(x) * x\n\nvg = sg.value_and_grad(f)")
    for shift in ("1.0", "5.0", "1.0"):
        run(shell, f"""
@numba.vectorize(["float64(float64)"])
def scale(x):
    return x * 2.0 + {shift}

@sg.adjoint(scale)
def _(g, ans, x):
    return g * 2.0

out = vg(3.0)
""")
        value, grad = shell.user_ns["out"]
        f = shell.user_ns["f"]
        assert value == f(3.0)
        assert grad == pytest.approx(numerical_gradient(f, (3.0,)), rel=1e-6)


def test_errors_name_the_cell(shell):
    n = shell.execution_count
    result = shell.run_cell("def g(x):\n    try:\n        y = x\n    except ValueError:\n"
                            "        y = 2 * x\n    return y\n\nsg.grad(g)(1.0)",
                            store_history=True)
    error = result.error_in_exec
    assert isinstance(error, sg.UnsupportedSyntaxError)
    assert str(error) == f"Cell In[{n}]:2: 'try' statements cannot be differentiated"
    assert error.file in linecache.cache and error.line == 2  # the cell's lines, by their key
    # what IPython and Jupyter show: the cell's call and the message, not srcgrad's frames
    shown = error._render_traceback_()
    assert shown[-1] == f"UnsupportedSyntaxError: {error}"
    assert f"  Cell In[{n}], line 8, in <module>" in shown
    assert not any(SRCGRAD_DIR in line for line in shown), shown


def test_a_compile_error_names_the_cell(shell):
    """Numba's failure on the generated code is reported at the cell's line."""
    n = shell.execution_count
    result = shell.run_cell("def s(x):\n    y = np.squeeze(x)\n    return np.sum(y * y)\n\n"
                            "sg.grad(s)(np.ones((1, 3)))", store_history=True)
    error = result.error_in_exec
    assert isinstance(error, sg.CompileError), error
    assert str(error).startswith(f"Cell In[{n}]:2: Numba could not compile"), str(error)
    assert "target='python'" in str(error)


def test_the_source_is_highlighted_in_jupyter(shell):
    n = run(shell, "def f(x):\n    return np.sin(x) * x\n\ndf = sg.grad(f)")
    source = shell.user_ns["df"].source
    assert isinstance(source, str) and source == str(source)
    assert pickle.loads(pickle.dumps(source)) == source
    bundle, _ = shell.display_formatter.format(source)
    assert bundle["text/markdown"] == f"```python\n{source}\n```\n"
    html = bundle["text/html"]
    assert "<span" in html and "def</span>" in html  # highlighted by Pygments
    assert f"Cell In[{n}]:2: return np.sin(x) * x" in html
