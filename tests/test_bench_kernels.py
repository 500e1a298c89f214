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


def test_the_report_shows_the_malloc_tuned_ratio():
    """`--malloc-tuned`: each kernel's ratio measured again in processes whose
    malloc keeps freed memory, beside the plain one, with its distribution."""
    from bench.report import render_kernels

    def case(name, primal, grad, tuned_primal, tuned_grad):
        return {"case": name, "family": "f", "size": "n 1",
                "primal": {"median_s": primal}, "srcgrad": {"status": "ok", "median_s": grad},
                "tuned_times": {"primal": {"median_s": tuned_primal},
                                 "srcgrad": {"status": "ok", "median_s": tuned_grad}}}

    results = {"command": "python -m bench --suite kernels --malloc-tuned",
               "machine_lines": ["test"], "malloc_tuning": {"MALLOC_TRIM_THRESHOLD_": "1"},
               "cases": [case("a", 1.0, 4.0, 1.0, 2.0), case("b", 2.0, 4.0, 2.0, 3.0)]}
    text = render_kernels(results)
    assert "tuned" in text and "MALLOC_TRIM_THRESHOLD_=1" in text
    row = next(line for line in text.splitlines() if line.startswith("a "))
    assert row.split()[4:6] == ["4.00", "2.00"]  # grad/primal, then tuned
    assert results["distribution"]["time_ratio"]["median"] == 3.0  # 4 and 2
    assert results["distribution"]["tuned_time_ratio"]["median"] == 1.75  # 2 and 1.5
