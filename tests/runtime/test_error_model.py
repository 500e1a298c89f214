"""srcgrad's compiled helpers divide as NumPy does (inf or nan, never
`ZeroDivisionError`) whatever the error model of the function that first
compiles them.  Numba's cache does not record the model: without this, a
helper first compiled for a user's `@njit` function (Python's model) and
cached raised in generated code later (the mean of an empty axis), and the
reverse."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import srcgrad as sg

FIRST = textwrap.dedent("""
    import numba, numpy as np
    from srcgrad.runtime import reduce_mean

    @numba.njit  # Numba's default: Python's error model
    def column_means(x):
        return reduce_mean(x, 0)

    print(repr([column_means(np.empty((0, 2))).tolist(),
                column_means(np.array([[1.0, 2.0], [3.0, 6.0]])).tolist()]))
""")

THEN = textwrap.dedent("""
    import numpy as np
    import srcgrad as sg

    def f(x):
        return np.sum(np.mean(x, axis=0)) + np.sum(x)

    value, g = sg.value_and_grad(f, target="cpu")(np.empty((0, 2)))
    print(repr([value, g.shape]))
""")


def test_helpers_divide_as_numpy_whoever_compiles_them_first(tmp_path):
    """With a copy of srcgrad whose cache is empty: a user's `@njit` function
    compiles `reduce_mean` first (and caches it); a later process's generated
    code loads it."""
    package = Path(sg.__file__).parent
    shutil.copytree(package, tmp_path / "site" / "srcgrad",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ, SRCGRAD_CACHE_DIR=str(tmp_path / "cache"),
               PYTHONPATH=str(tmp_path / "site"))
    outputs = []
    for k, program in enumerate((FIRST, THEN)):
        path = tmp_path / f"program{k}.py"  # srcgrad reads the function's source from its file
        path.write_text(program)
        run = subprocess.run([sys.executable, str(path)], env=env, capture_output=True,
                             text=True, cwd=tmp_path, timeout=600)
        assert run.returncode == 0, run.stderr
        outputs.append(run.stdout.strip().splitlines()[-1])
    assert outputs == ["[[nan, nan], [2.0, 4.0]]", "[nan, (0, 2)]"]
