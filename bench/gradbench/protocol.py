"""GradBench's protocol: one JSON message per line on stdin, one response per
line on stdout, with the message's id (GradBench's CONTRIBUTING.md,
"Specification").
"""

from __future__ import annotations

import importlib
import json
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TOOL = "srcgrad"


@dataclass
class Measured:
    """A function of an eval: `prepare` turns the JSON input into arguments
    (not timed), `compute` is timed per run, `finish` turns its result into
    JSON (not timed)."""

    prepare: Callable[[Any], Any]
    compute: Callable[[Any], Any]
    finish: Callable[[Any], Any]
    repeated: bool = True  # False: one run, no min_runs/min_seconds (hello)

    def __call__(self, raw: Any) -> dict:
        prepared = self.prepare(raw)
        timings = []
        runs, elapsed = 0, 0.0
        min_runs = raw.get("min_runs", 1) if self.repeated else 1
        min_seconds = raw.get("min_seconds", 0.0) if self.repeated else 0.0
        while runs < min_runs or elapsed < min_seconds:
            start = time.perf_counter_ns()
            result = self.compute(prepared)
            stop = time.perf_counter_ns()
            timings.append({"name": "evaluate", "nanoseconds": stop - start})
            elapsed += (stop - start) / 1e9
            runs += 1
        return {"success": True, "output": self.finish(result), "timings": timings}


def measured(prepare: Callable[[Any], Any], finish: Callable[[Any], Any], repeated=True):
    """Decorator form of `Measured`: `@measured(prepare, finish)` on compute."""

    def wrap(compute: Callable[[Any], Any]) -> Measured:
        return Measured(prepare, compute, finish, repeated)

    return wrap


def _error(exc: BaseException) -> dict:
    return {"success": False, "error": "".join(traceback.format_exception(exc))}


def _module(name: str):
    return importlib.import_module(f"{__package__}.{name}")


def respond(message: dict) -> dict:
    """The response (without its id) to one message."""
    kind = message["kind"]
    if kind == "start":
        return {"tool": TOOL}
    if kind == "define":
        try:
            start = time.perf_counter_ns()
            module = _module(message["module"])
            imported = time.perf_counter_ns()
            module.warm_up()
            compiled = time.perf_counter_ns()
        except ModuleNotFoundError as exc:
            if exc.name == f"{__package__}.{message['module']}":
                return {"success": False, "error": f"no module {message['module']!r}"}
            return _error(exc)
        except Exception as exc:  # noqa: BLE001 - reported to the eval
            return _error(exc)
        return {
            "success": True,
            "timings": [
                {"name": "import", "nanoseconds": imported - start},
                {"name": "compile", "nanoseconds": compiled - imported},
            ],
        }
    if kind == "evaluate":
        try:
            function = _module(message["module"]).FUNCTIONS[message["function"]]
            return function(message["input"])
        except Exception as exc:  # noqa: BLE001 - reported to the eval
            return _error(exc)
    return {}


def serve(lines=sys.stdin, out=sys.stdout) -> None:
    for line in lines:
        if not line.strip():
            continue
        message = json.loads(line)
        response = {"id": message["id"]} | respond(message)
        out.write(json.dumps(response) + "\n")
        out.flush()
        if message["kind"] == "end":
            return
