"""bench/gradbench/compare.py and its two launchers, without GradBench: the
table from recorded sessions, the command lines of each tool, `evals.txt`,
and one session of srcgrad's tool against a stand-in eval driver.  The last
test runs GradBench's own hello eval against its JAX (through
jax_blocking.py) and C++ tools, where a checkout and its environment are on
this machine (SRCGRAD_GRADBENCH, SRCGRAD_GRADBENCH_PYTHON; CI has neither)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
import types
from pathlib import Path

import pytest

from bench.gradbench import compare, cpp_prebuilt, jax_blocking
from bench.gradbench.session import ROOT, Evaluation, Session

GRADBENCH = Path(os.environ.get("SRCGRAD_GRADBENCH", "/work/gradbench"))
GRADBENCH_PYTHON = os.environ.get("SRCGRAD_GRADBENCH_PYTHON", "/work/gbvenv/bin/python")


def _evaluation(function, description, seconds, valid=True, error=None):
    return Evaluation(function, description, success=True, valid=valid, error=error,
                      seconds=seconds)


def _recorded() -> list[compare.Result]:
    lse = Session(tool="srcgrad", defined=True, define_seconds={"import": 0.5, "compile": 2.0},
                  evaluations=[
                      _evaluation("primal", "n=10", [1e-3, 3e-3, 2e-3]),
                      _evaluation("gradient", "n=10", [5e-3, 4e-3, 6e-3]),
                      _evaluation("primal", "n=20", [2e-3]),
                      _evaluation("gradient", "n=20", [9e-3], valid=False,
                                  error="Traceback ...\nFound 1 mismatches | at [0]"),
                  ])
    det = Session(tool="srcgrad", defined=False,
                  define_error="Traceback (most recent call last):\n  ...\n"
                               "srcgrad.errors.UnsupportedSyntaxError: det.py:37: recursion")
    particle = Session(tool="jax", defined=True, evaluations=[
        _evaluation(name, "w=0", [1e-6 * (i + 1)]) for i, name in enumerate(["rr", "ff"])])
    dead = Session(tool="pytorch", defined=True, failure="timed out after 60 s",
                   evaluations=[_evaluation("primal", "n=10", [1e-3])])
    return [
        compare.Result("lse", "srcgrad", "srcgrad", ["-n", "10", "20"], session=lse),
        compare.Result("det", "srcgrad", "srcgrad", [], session=det),
        compare.Result("det", "jax", "jax (blocking)", [], note="not in evals.txt"),
        compare.Result("particle", "jax", "jax (blocking)", [], session=particle),
        compare.Result("lse", "pytorch", "pytorch", [], note="evals.txt: timeout", session=dead),
    ]


def test_rows_from_recorded_sessions():
    lse, det, not_run, particle, dead = (compare.rows(r) for r in _recorded())
    small, large = lse
    assert (small.size, small.valid, small.function) == ("n=10", "yes", "gradient")
    assert small.objective == pytest.approx(2e-3) and small.derivative == pytest.approx(5e-3)
    assert small.ratio == pytest.approx(2.5) and small.runs == 3 and small.compile == 2.0
    assert (large.valid, large.ratio) == ("NO", pytest.approx(4.5))
    assert large.note == "Found 1 mismatches | at [0]"  # the error's last line
    (failed,) = det
    assert failed.valid == "define failed" and failed.note.startswith("srcgrad.errors.Unsupported")
    assert [(r.valid, r.note) for r in not_run] == [("not run", "not in evals.txt")]
    # no objective: one row per derivative, no ratio
    assert [(r.function, r.objective, r.ratio) for r in particle] == [("rr", None, None),
                                                                      ("ff", None, None)]
    assert [r.valid for r in dead] == ["yes", "NO"] and dead[1].note == "timed out after 60 s"


def test_markdown_table():
    text = compare.table(_recorded())
    lines = text.splitlines()
    assert len(lines) == 2 + 2 + 1 + 1 + 2 + 2
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert all(len(line.strip("|").split(" | ")) == len(header) for line in lines[2:])
    assert "| lse | n=10 | srcgrad | yes | 2 ms | gradient | 5 ms | 3 | 2.50 | 2 s |" in text
    assert "mismatches \\| at" in text  # a | in a note does not open a column
    assert "| 1 µs |" in text and "| 2 µs |" in text
    assert compare.seconds_text(1.5) == "1.5 s" and compare.seconds_text(None) == "-"
    notes = compare.describe(_recorded(), quick=True)
    assert "lse `-n 10 20`" in notes and "block_until_ready" in notes


def test_json_summarises_each_evaluation():
    data = json.loads(json.dumps([compare.as_json(r) for r in _recorded()]))
    assert data[0]["define_seconds"]["compile"] == 2.0
    # a summary per evaluation, not every run (the C++ tool makes 10^5 runs)
    assert data[0]["evaluations"][0]["runs"] == 3
    assert data[0]["evaluations"][0]["median_seconds"] == 2e-3
    assert data[0]["evaluations"][0]["min_seconds"] == 1e-3
    assert "evaluations" not in data[2] and data[2]["note"] == "not in evals.txt"


def test_driver_arguments():
    assert set(compare.SIZES) == set(compare.FUNCTIONS) == set(compare.EVALS)
    assert compare.eval_args("hello") == [] == compare.eval_args("hello", quick=True)
    assert compare.eval_args("lse") == ["-n", "10000", "100000", "--min-runs", "10",
                                        "--min-seconds", "0.5"]
    for name in compare.EVALS:
        if name != "hello":
            quick = compare.eval_args(name, quick=True)
            assert quick[-4:] == ["--min-runs", "3", "--min-seconds", "0"]


def test_tool_commands(tmp_path):
    srcgrad = compare.tool_for("srcgrad", tmp_path, "py", cpu=0)
    assert srcgrad.command == [sys.executable, "-m", "bench.gradbench"] and srcgrad.cwd == ROOT
    assert str(ROOT) in srcgrad.env["PYTHONPATH"].split(os.pathsep)
    jax = compare.tool_for("jax", tmp_path, "py", cpu=0)
    assert jax.command == ["taskset", "-c", "0", "py", str(Path(jax_blocking.__file__))]
    assert jax.cwd == tmp_path and jax.label == "jax (blocking)"
    assert "intra_op_parallelism_threads=1" in jax.env["XLA_FLAGS"]
    pytorch = compare.tool_for("pytorch", tmp_path, "py", cpu=1)
    assert pytorch.command == ["taskset", "-c", "1", "py",
                               "python/gradbench/gradbench/tools/pytorch/run.py"]
    assert pytorch.env["OMP_NUM_THREADS"] == "1" == pytorch.env["MKL_NUM_THREADS"]
    manual = compare.tool_for("manual", tmp_path, "py", cpu=None)
    assert manual.command == ["py", str(Path(cpp_prebuilt.__file__)), "manual"]
    with pytest.raises(ValueError, match="unknown tool"):
        compare.tool_for("enzyme", tmp_path, "py")


def test_evals_txt_decides_where_peers_run(tmp_path):
    (tmp_path / "tools" / "pytorch").mkdir(parents=True)
    (tmp_path / "tools" / "pytorch" / "evals.txt").write_text("ba error\ngmm\n\nht timeout\n")
    assert compare.listed_evals(tmp_path, "pytorch") == {"ba": "error", "gmm": "", "ht": "timeout"}
    assert compare.listed_evals(tmp_path, "jax") == {}
    assert compare.available("pytorch", "gmm", tmp_path) == (True, "")
    assert compare.available("pytorch", "ht", tmp_path) == (True, "evals.txt: timeout")
    assert compare.available("pytorch", "det", tmp_path) == (False, "not in evals.txt")
    assert compare.available("srcgrad", "hello", tmp_path) == (True, "")
    assert compare.available("srcgrad", "no_such_eval", tmp_path) == (False, "no module")


def test_cpp_prebuilt_define_checks_the_binary(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = types.SimpleNamespace(tool="manual")
    missing = cpp_prebuilt.define(args=args, module="lse")
    assert missing["success"] is False and "make -C tools/manual bin/lse" in missing["error"]
    binary = tmp_path / "tools" / "manual" / "bin" / "lse"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    assert cpp_prebuilt.define(args=args, module="lse") == {"success": True}


def test_jax_blocking_waits_for_every_timed_result(tmp_path, monkeypatch):
    waited = []
    fake_jax = types.ModuleType("jax")
    fake_jax.block_until_ready = lambda x: waited.append(x) or x
    monkeypatch.setitem(sys.modules, "jax", fake_jax)
    # a stand-in gradbench package: patch() replaces wrap's two decorators
    package = tmp_path / "gradbench"
    (package / "tools" / "jax").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "wrap.py").write_text(textwrap.dedent("""
        def multiple_runs(*, pre, post):
            return lambda f: (lambda raw: post(f(pre(raw))))
        def function(*, pre, post):
            return lambda f: (lambda raw: post(f(pre(raw))))
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("gradbench", "gradbench.wrap"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    assert jax_blocking.patch() == package.resolve() / "tools" / "jax"
    from gradbench import wrap

    timed = wrap.multiple_runs(pre=lambda raw: raw + 1, post=str)(lambda x: x * 2)
    assert timed(3) == "8" and waited == [8]
    assert wrap.function(pre=int, post=float)(lambda x: -x)("5") == -5.0 and waited == [8, -5]
    jax_blocking.patch()  # a second patch does not wrap twice
    wrap.function(pre=int, post=float)(lambda x: x)("1")
    assert waited == [8, -5, 1]
    for name in ("gradbench", "gradbench.wrap"):
        sys.modules.pop(name, None)


STAND_IN_DRIVER = '''
import json, sys

def send(message):
    print(json.dumps(message), flush=True)
    return json.loads(sys.stdin.readline())

send({"id": 0, "kind": "start", "eval": "hello"})
if send({"id": 1, "kind": "define", "module": "hello"})["success"]:
    x, i = 1.0, 2
    for _ in range(2):
        y = send({"id": i, "kind": "evaluate", "module": "hello", "function": "square",
                  "input": x})["output"]
        send({"id": i + 1, "kind": "analysis", "of": i, "valid": y == x * x})
        x2 = send({"id": i + 2, "kind": "evaluate", "module": "hello", "function": "double",
                   "input": y})["output"]
        send({"id": i + 3, "kind": "analysis", "of": i + 2, "valid": x2 == 2 * y})
        x, i = x2, i + 4
print(json.dumps({"id": i, "kind": "end"}), flush=True)
'''


def _stand_in_checkout(root: Path) -> Path:
    """A directory laid out as GradBench's checkout, whose hello driver is a
    short script speaking the protocol (run_session starts
    `python -m gradbench.evals.hello.run` there)."""
    evals = root / "python" / "gradbench" / "gradbench" / "evals" / "hello"
    evals.mkdir(parents=True)
    for package in (evals.parent.parent, evals.parent, evals):
        (package / "__init__.py").write_text("")
    (evals / "run.py").write_text(STAND_IN_DRIVER)
    return root


@pytest.mark.skipif(shutil.which("timeout") is None, reason="needs coreutils' timeout")
def test_srcgrad_tool_in_a_session_against_a_stand_in_driver(tmp_path):
    checkout = _stand_in_checkout(tmp_path)
    tool = compare.tool_for("srcgrad", checkout, sys.executable)
    result = compare.run_one("hello", tool, checkout, [], sys.executable, timeout=120)
    session = result.session
    assert session.failure is None and session.valid, session.log
    assert [e.function for e in session.evaluations] == ["square", "double"] * 2
    (row,) = compare.rows(result)
    assert row.valid == "yes" and row.runs == 2 and row.compile > 0


@pytest.mark.skipif(shutil.which("timeout") is None, reason="needs coreutils' timeout")
def test_a_tool_that_never_answers_is_killed(tmp_path):
    checkout = _stand_in_checkout(tmp_path)
    silent = compare.Tool("silent", "silent", ["sleep", "60"], tmp_path)
    result = compare.run_one("hello", silent, checkout, [], sys.executable, timeout=2)
    assert result.session.failure == "timed out after 2 s"
    assert compare.rows(result)[0].valid == "define failed"


needs_gradbench = pytest.mark.skipif(
    not (GRADBENCH / "python" / "gradbench").is_dir() or not Path(GRADBENCH_PYTHON).exists()
    or shutil.which("timeout") is None,
    reason=f"needs GradBench's checkout ({GRADBENCH}, SRCGRAD_GRADBENCH) and a Python with"
           f" its package, jax and its C++ tool built ({GRADBENCH_PYTHON},"
           " SRCGRAD_GRADBENCH_PYTHON)",
)


@needs_gradbench
def test_gradbench_hello_against_jax_and_manual(tmp_path, capsys):
    out = tmp_path / "compare.json"
    compare.main(["--gradbench", str(GRADBENCH), "--evals", "hello", "--tools", "jax,manual",
                  "--eval-python", GRADBENCH_PYTHON, "--quick", "--json", str(out),
                  "--timeout", "120"])
    results = {r["tool"]: r for r in json.loads(out.read_text())}
    assert results["jax"]["valid"] and results["manual"]["valid"], results
    assert len(results["jax"]["evaluations"]) == 8
    assert "| hello | - | jax (blocking) | yes |" in capsys.readouterr().out
