"""bench/gradbench's protocol against GradBench's specification: a response
per message with its id, define says whether the module exists, evaluate
runs min_runs times and reports one timing per run."""

import io
import json

from bench.gradbench.protocol import serve


def _session(*messages):
    out = io.StringIO()
    serve([json.dumps(m) + "\n" for m in messages], out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_hello_session():
    start, define, square, double, analysis, missing = _session(
        {"id": 0, "kind": "start", "eval": "hello"},
        {"id": 1, "kind": "define", "module": "hello"},
        {"id": 2, "kind": "evaluate", "module": "hello", "function": "square", "input": 3.0},
        {"id": 3, "kind": "evaluate", "module": "hello", "function": "double", "input": 3.0},
        {"id": 4, "kind": "analysis", "of": 3, "valid": True},
        {"id": 5, "kind": "define", "module": "no_such_eval"},
    )
    assert start == {"id": 0, "tool": "srcgrad"}
    assert define["id"] == 1 and define["success"] is True
    assert [t["name"] for t in define["timings"]] == ["import", "compile"]
    assert square["output"] == 9.0
    assert double["output"] == 6.0  # d/dx x^2 = 2x
    assert len(double["timings"]) == 1
    assert analysis == {"id": 4}
    assert missing["id"] == 5 and missing["success"] is False


def test_evaluate_runs_min_runs_times_and_reports_failures():
    from bench.gradbench.protocol import Measured

    calls = []
    measured = Measured(
        prepare=lambda raw: raw["x"], compute=lambda x: calls.append(x) or 2 * x, finish=float
    )
    response = measured({"x": 1.5, "min_runs": 3, "min_seconds": 0})
    assert response["output"] == 3.0 and len(response["timings"]) == 3 and len(calls) == 3

    (failed,) = _session(
        {"id": 7, "kind": "evaluate", "module": "hello", "function": "no_such_function", "input": 1.0}
    )
    assert failed["id"] == 7 and failed["success"] is False and "no_such_function" in failed["error"]
