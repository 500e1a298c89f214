"""`python -m srcgrad show FILE.py:FUNC` prints the generated adjoint."""

import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent.parent  # tests/


def run(*args):
    return subprocess.run([sys.executable, "-m", "srcgrad", *args], capture_output=True,
                          text=True, cwd=HERE.parent)


def test_show_prints_the_adjoint_source():
    out = run("show", str(HERE / "bad_functions.py") + ":two_outputs", "--wrt", "x")
    assert out.returncode == 0, out.stderr
    assert "def two_outputs_grad(x, grad_y0=None, grad_y1=None):" in out.stdout
    assert re.search(r"# grad of bad_functions\.py:\d+: return x \* 2\.0, x \* 3\.0", out.stdout)
    compile(out.stdout, "shown", "exec")


def test_show_reports_errors_without_a_traceback():
    out = run("show", str(HERE / "bad_functions.py") + ":uses_try")
    assert out.returncode == 1
    assert "'try' statements cannot be differentiated" in out.stderr
    assert "Traceback" not in out.stderr


def test_show_rejects_a_missing_function():
    out = run("show", str(HERE / "bad_functions.py") + ":nope")
    assert out.returncode != 0
    assert "defines no 'nope'" in out.stderr
