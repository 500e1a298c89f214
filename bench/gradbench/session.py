"""One GradBench session without GradBench's CLI: an eval process and a tool
process, each message of the eval passed to the tool and each response back,
every line recorded (what GradBench's `gradbench run --eval ... --tool ...`
does, in Python).

    python -m bench.gradbench.session --gradbench PATH --eval lse [-- EVAL ARGS]

runs GradBench's `python -m gradbench.evals.<eval>.run` (with the Python of
--eval-python, by default PATH/.venv/bin/python) in the checkout PATH, against
`python -m bench.gradbench` (or --tool COMMAND, run in --tool-cwd), and prints one line per
evaluation: function, description, valid, median evaluate time.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Evaluation:
    function: str
    description: str | None
    success: bool
    valid: bool | None = None  # the eval's analysis; None where none came
    error: str | None = None
    seconds: list[float] = field(default_factory=list)  # one per run

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None


@dataclass
class Session:
    tool: str | None = None
    defined: bool | None = None
    define_error: str | None = None
    define_seconds: dict[str, float] = field(default_factory=dict)
    evaluations: list[Evaluation] = field(default_factory=list)
    log: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    failure: str | None = None  # a process that died, a timeout

    @property
    def valid(self) -> bool:
        return (
            self.failure is None
            and bool(self.defined)
            and bool(self.evaluations)
            and all(e.success and e.valid for e in self.evaluations)
        )


def default_eval_python(gradbench: Path) -> str:
    venv = gradbench / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def run_session(
    gradbench: Path,
    eval_name: str,
    tool_command: list[str],
    eval_args: list[str] = (),
    eval_python: str | None = None,
    tool_cwd: Path = ROOT,
    timeout: float = 1800.0,
    tool_env: dict | None = None,
) -> Session:
    """Run one eval against one tool; returns what was said and measured."""
    eval_python = eval_python or default_eval_python(gradbench)
    eval_command = [eval_python, "-m", f"gradbench.evals.{eval_name}.run", *eval_args]
    session = Session()
    started = time.perf_counter()
    env = os.environ.copy() | (tool_env or {})
    eval_proc = subprocess.Popen(
        eval_command, cwd=gradbench, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env=os.environ.copy() | {"PYTHONPATH": str(gradbench / "python" / "gradbench")},
    )
    tool_proc = subprocess.Popen(
        tool_command, cwd=tool_cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env=env,
    )
    pending: dict[int, Evaluation] = {}
    try:
        for line in eval_proc.stdout:
            if time.perf_counter() - started > timeout:
                session.failure = f"timed out after {timeout:.0f} s"
                break
            message = json.loads(line)
            session.log.append({"message": message})
            if message["kind"] == "end":
                break
            tool_proc.stdin.write(json.dumps(message) + "\n")
            tool_proc.stdin.flush()
            reply = tool_proc.stdout.readline()
            if not reply:
                session.failure = f"the tool exited (status {tool_proc.wait()})"
                break
            response = json.loads(reply)
            session.log.append({"response": response})
            _record(session, message, response, pending)
            eval_proc.stdin.write(json.dumps(response) + "\n")
            eval_proc.stdin.flush()
    finally:
        for proc in (eval_proc, tool_proc):
            try:
                proc.stdin.close()
            except OSError:
                pass
        for proc in (eval_proc, tool_proc):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    session.seconds = time.perf_counter() - started
    return session


def _record(session: Session, message: dict, response: dict, pending: dict) -> None:
    kind = message["kind"]
    if kind == "start":
        session.tool = response.get("tool")
    elif kind == "define":
        session.defined = bool(response.get("success"))
        session.define_error = response.get("error")
        for timing in response.get("timings") or []:
            session.define_seconds[timing["name"]] = timing["nanoseconds"] / 1e9
    elif kind == "evaluate":
        evaluation = Evaluation(
            function=message["function"],
            description=message.get("description"),
            success=bool(response.get("success")),
            error=response.get("error"),
            seconds=[t["nanoseconds"] / 1e9 for t in response.get("timings") or []
                     if t["name"] == "evaluate"],
        )
        session.evaluations.append(evaluation)
        pending[message["id"]] = evaluation
    elif kind == "analysis":
        evaluation = pending.get(message["of"])
        if evaluation is not None:
            evaluation.valid = bool(message["valid"])
            if message.get("error"):
                evaluation.error = message["error"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gradbench", type=Path, required=True)
    parser.add_argument("--eval", required=True)
    parser.add_argument("--tool", default=f"{shlex.quote(sys.executable)} -m bench.gradbench")
    parser.add_argument("--tool-cwd", type=Path, default=ROOT,
                        help="where the tool runs (GradBench's own tools: the checkout)")
    parser.add_argument("--eval-python", default=None)
    parser.add_argument("--log", type=Path, default=None, help="write every line as JSON")
    parser.add_argument("eval_args", nargs="*")
    args = parser.parse_args(argv)
    session = run_session(
        args.gradbench.resolve(), args.eval, shlex.split(args.tool), args.eval_args,
        args.eval_python, tool_cwd=args.tool_cwd,
    )
    if args.log:
        args.log.write_text("\n".join(json.dumps(line) for line in session.log) + "\n")
    print(f"tool {session.tool}: defined {session.defined}"
          f" {session.define_seconds} {session.define_error or ''}")
    for e in session.evaluations:
        median = f"{e.median * 1e3:.3f} ms" if e.median is not None else "-"
        print(f"{e.function:12} {e.description or '':24} success={e.success}"
              f" valid={e.valid} median={median} runs={len(e.seconds)}")
        if e.error and not e.valid:
            print("   ", e.error[:2000].replace("\n", "\n    "))
    if session.failure:
        print("FAILURE:", session.failure)
    print(f"{'VALID' if session.valid else 'NOT VALID'} in {session.seconds:.1f} s")
    return 0 if session.valid else 1


if __name__ == "__main__":
    sys.exit(main())
