"""Golden text: the adjoints generated for a few functions, kept in `golden/`,
so that a change to what srcgrad emits shows up in review.  Each golden
adjoint is also run (compiled) and checked against finite differences.

After an intended change to the emitted code, rewrite the files with
`SRCGRAD_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py` and read the diff.
"""

from __future__ import annotations

import os
import re
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
    ("clipped_sum", gf.clipped_sum, 0, lambda r: (r.uniform(0.2, 1.0, 8) * r.choice([-1, 1], 8),)),
    ("decay", gf.decay, (0, 1), lambda r: (r.normal(size=6), 0.8)),
    ("mlp_layer", gf.mlp_layer, (0, 1),
     lambda r: (r.normal(size=(4, 3)) * 0.5, r.normal(size=4), r.normal(size=3))),
    ("newton_sqrt", gf.newton_sqrt, 0, lambda r: (2.5,)),
    ("horner", gf.horner, (0, 1), lambda r: (r.normal(size=5), 0.7)),
    ("entropy", gf.entropy, 0, lambda r: (r.normal(size=5),)),
    ("smooth", gf.smooth, 0, lambda r: (r.normal(size=7),)),
    ("polar", gf.polar, (0, 1), lambda r: (1.3, 0.4)),
]


@pytest.mark.parametrize("name, fn, wrt, make_args", CASES, ids=[c[0] for c in CASES])
def test_golden_source(name, fn, wrt, make_args):
    """The source after the first call, as users read it: generated for the
    arguments' kinds (numbers where the call passed numbers)."""
    df = sg.grad(fn, wrt=wrt)
    df(*make_args(np.random.default_rng(1)))
    _check_text(name, df.source)


@pytest.mark.parametrize("name, fn, wrt, make_args", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("target", ["cpu", "python"])
def test_golden_adjoint_runs(name, fn, wrt, make_args, target):
    args = make_args(np.random.default_rng(1))
    df = sg.grad(fn, wrt=wrt, target=target)
    assert_gradient(df, fn, args, wrt=wrt)


def _check_text(name: str, source: str) -> None:
    # the file name of a generated module carries a digest of srcgrad's own code
    source = re.sub(r"(srcgrad_generated_\w+?_)[0-9a-f]{20}\.py", r"\1DIGEST.py", source)
    path = GOLDEN / f"{name}.py"
    if os.environ.get("SRCGRAD_UPDATE_GOLDEN"):
        path.write_text(source)
    assert source == path.read_text(), f"the adjoint of {name} differs from {path}"


def test_golden_second_derivative():
    """grad of grad: its text, and its values against finite differences of
    the first derivative written by hand."""
    ddf = sg.grad(sg.grad(gf.cubic))
    _check_text("cubic_second", ddf.source)
    for x in (-1.2, 0.3, 2.0):
        assert_gradient(ddf, gf.cubic_derivative, (x,))


def test_golden_cuda_device_form():
    """The CUDA device form's text (made without a GPU), and the same
    function's gradient, run, against finite differences."""
    pytest.importorskip("numba.cuda", reason="numba-cuda is part of the test extra")
    _check_text("damped_cuda", sg.grad(gf.damped, wrt=(0, 1), target="cuda").source)
    for target in ("cpu", "python"):
        assert_gradient(sg.grad(gf.damped, wrt=(0, 1), target=target), gf.damped, (0.3, -0.4),
                        wrt=(0, 1))
