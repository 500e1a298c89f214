"""The public API's type hints satisfy a type checker: `mypy --strict` on
`examples/`, on `typed_api.py` (every public function, as typed user code
calls it, and misuses mypy must report) and on the README's typed example.  Run when mypy is installed (the
`test` extra): about 20 s with no mypy cache, 2 s with one (`.mypy_cache/`)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import srcgrad as sg

ROOT = Path(__file__).parents[2]


def test_the_package_says_it_is_typed():
    assert (Path(sg.__file__).parent / "py.typed").is_file()
    assert '"py.typed"' in (ROOT / "pyproject.toml").read_text()  # shipped in the wheel


def test_mypy_strict_accepts_the_examples_and_typed_uses(tmp_path):
    """examples/, typed_api.py and the README's typed example."""
    pytest.importorskip("mypy", reason="mypy is not installed (pip install '.[test]')")
    readme = (ROOT / "README.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", readme, flags=re.S)
                 if "denergy: sg.GradFunction" in b)
    (tmp_path / "readme_typed.py").write_text(block)
    command = [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
               "--cache-dir", str(ROOT / ".mypy_cache"), "examples",
               str(Path("tests", "api", "typed_api.py")), str(tmp_path / "readme_typed.py")]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
