"""target="cuda" under Numba's CUDA simulator, from the main test run.

The simulator must be switched on before Numba is first imported, which this
process has done long ago, so `tests/cuda/test_sim.py` runs in a pytest
process of its own, with `NUMBA_ENABLE_CUDASIM=1`; its failures fail this
test, with its report in the message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def test_cuda_target_under_the_simulator(tmp_path):
    pytest.importorskip("numba.cuda", reason="numba-cuda is part of the test extra")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1", SRCGRAD_CACHE_DIR=str(tmp_path / "cache"))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "tests/cuda/test_sim.py"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=900)
    report = run.stdout[-6000:] + run.stderr[-2000:]
    assert run.returncode == 0, report
    assert " passed" in run.stdout and " failed" not in run.stdout, report
