"""The benchmark's kernel suite (`bench/kernels.py`, `python -m bench --suite
kernels`): srcgrad's gradient of every kernel, on its small inputs, against
central finite differences in float64 (`gradcheck.py`), on "python" for all
and on "cpu" for three (each a Numba compilation of its adjoint).

A kernel srcgrad refuses or gets wrong stays in the suite, as it is written:
KNOWN lists each, with the error, as a strict xfail, so that a fix shows up
(as an unexpected pass) and its entry is removed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from gradcheck import assert_gradient

import srcgrad as sg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `bench`, beside tests/

from bench.kernels import KERNELS  # noqa: E402

# kernel name -> (the exception the check raises, why)
KNOWN: dict[str, tuple[type, str]] = {}  # none since batchnorm_loss was fixed (its row: corpus)
CPU = ("holt_smoothing", "lennard_jones", "trisolv")  # a recursion, a row helper, a solve


def _params(names=None):
    out = []
    for case in KERNELS:
        if names is not None and case.name not in names:
            continue
        marks = []
        if case.name in KNOWN:
            raises, why = KNOWN[case.name]
            marks.append(pytest.mark.xfail(strict=True, raises=raises, reason=why))
        out.append(pytest.param(case, id=case.name, marks=marks))
    return out


def test_the_suite():
    assert len(KERNELS) >= 25
    assert len({case.name for case in KERNELS}) == len(KERNELS)
    assert set(KNOWN) | set(CPU) <= {case.name for case in KERNELS}
    for name, (raises, _) in KNOWN.items():  # refusals are srcgrad's own errors
        assert issubclass(raises, (AssertionError, sg.SrcGradError)), name


def _check(case, target):
    args = case.make_small()
    df = sg.grad(case.fn, wrt=case.wrt, target=target)
    assert_gradient(df, case.fn, args, case.wrt, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("case", _params())
def test_kernel_python(case):
    _check(case, "python")


@pytest.mark.parametrize("case", _params(CPU))
def test_kernel_cpu(case):
    _check(case, "cpu")
