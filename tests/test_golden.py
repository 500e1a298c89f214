"""Golden text: the adjoints generated for a few functions, kept in `golden/`,
so that a change to what srcgrad emits shows up in review.  Each golden
adjoint is also run (compiled) and checked against finite differences.

After an intended change to the emitted code, rewrite the files with
`SRCGRAD_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py` and read the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import golden_functions as gf
import numpy as np
import pytest
from gradcheck import assert_gradient

import srcgrad as sg

GOLDEN = Path(__file__).parent / "golden"

CASES = [
    ("weighted_sum", gf.weighted_sum, (0, 1),
     lambda r: (r.uniform(0.5, 1.5, 7), r.uniform(-1.0, 1.0, 7))),
    ("logistic", gf.logistic, 0,
     lambda r: (r.normal(size=3), r.normal(size=(6, 3)), (r.uniform(size=6) > 0.5) * 1.0)),
    ("euler", gf.euler, (0, 1), lambda r: (0.7, 1.3)),
    ("seed_f", gf.seed_f, 0, lambda r: (np.array([[0.48800924]]),)),
]


@pytest.mark.parametrize("name, fn, wrt, make_args", CASES, ids=[c[0] for c in CASES])
def test_golden_source(name, fn, wrt, make_args):
    source = sg.grad(fn, wrt=wrt).source
    path = GOLDEN / f"{name}.py"
    if os.environ.get("SRCGRAD_UPDATE_GOLDEN"):
        path.write_text(source)
    assert source == path.read_text(), f"the adjoint of {name} differs from {path}"


@pytest.mark.parametrize("name, fn, wrt, make_args", CASES, ids=[c[0] for c in CASES])
def test_golden_adjoint_runs(name, fn, wrt, make_args):
    args = make_args(np.random.default_rng(1))
    df = sg.grad(fn, wrt=wrt, target="cpu")
    assert_gradient(df, fn, args, wrt=wrt)
