"""srcgrad's GradBench tool beside GradBench's own, eval by eval.

    python -m bench.gradbench.compare --gradbench PATH [--evals a,b]
        [--tools srcgrad,jax,pytorch,manual] [--eval-python PY] [--peer-python PY]
        [--quick] [--json OUT] [--markdown OUT] [--timeout S]

runs each eval's driver (GradBench's `gradbench.evals.<eval>.run`, which
validates every output against the hand-written C++ tool) against each tool
with `session.run_session`, at the sizes of `SIZES` (`--quick`: smaller
still), and prints one markdown table: per eval, size, tool and derivative,
whether the outputs were valid, the median objective and derivative times,
their ratio, and srcgrad's first-call cost (the `compile` timing of its
`define`: srcgrad's transformation and Numba's compilation of every
derivative the eval asks for).

The tools:

- `srcgrad`: `python -m bench.gradbench` (this interpreter), where a module
  `bench/gradbench/<eval>.py` exists; with a fresh, empty SRCGRAD_CACHE_DIR
  and NUMBA_CACHE_DIR per session (`--warm-cache`: those of the
  environment), so its `define` is a cold first call.
- `jax`: GradBench's JAX tool through `jax_blocking.py`, which makes every
  timed run wait for JAX's result (`jax.block_until_ready`).
- `pytorch`: GradBench's PyTorch tool, as it is.
- `manual`: GradBench's hand-written C++ (`cpp.py manual` through
  `cpp_prebuilt.py`, which does not rebuild the binaries; build them first).

A peer runs an eval where its directory's `evals.txt` lists it (a status
there, such as `timeout`, is shown beside its rows).  Every tool runs on one
CPU: srcgrad's tool pins itself, the peers run under `taskset` on the same
CPU with OMP, MKL and XLA told to use one thread.  Each session is killed
after `--timeout` seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bench.gradbench.session import ROOT, Session, default_eval_python, run_session

HERE = Path(__file__).resolve().parent

EVALS = ["hello", "gmm", "ba", "ht", "lstm", "kmeans", "llsq", "lse", "ode", "det",
         "particle", "saddle"]
TOOLS = ["srcgrad", "jax", "pytorch", "manual"]

# each eval's objective function and its derivatives (the drivers' `function`s);
# particle and saddle ask only for derivatives (nested, in four mode pairs)
FUNCTIONS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "hello": ("square", ("double",)),
    "gmm": ("objective", ("jacobian",)),
    "ba": ("objective", ("jacobian",)),
    "ht": ("objective", ("jacobian",)),
    "lstm": ("objective", ("jacobian",)),
    "kmeans": ("cost", ("dir",)),
    "llsq": ("primal", ("gradient",)),
    "lse": ("primal", ("gradient",)),
    "ode": ("primal", ("gradient",)),
    "det": ("primal", ("gradient",)),
    "particle": (None, ("rr", "ff", "fr", "rf")),
    "saddle": (None, ("rr", "ff", "fr", "rf")),
}

# the drivers' size options (see each run.py): (default, --quick); sizes a
# 2-core machine runs in a minute or so per tool
SIZES: dict[str, tuple[list[str], list[str]]] = {
    "hello": ([], []),
    "gmm": (["-d", "2", "10", "-k", "5", "10", "-n", "1000"], ["-d", "2", "-k", "5", "-n", "100"]),
    "ba": (["--min", "1", "--max", "2"], ["--min", "1", "--max", "1"]),
    "ht": (["--min", "1", "--max", "2", "--model", "small"],
           ["--min", "1", "--max", "1", "--model", "small"]),
    "lstm": (["-l", "2", "4", "-c", "1024"], ["-l", "2", "-c", "256"]),
    "kmeans": (["-k", "10", "100", "-n", "1000", "-d", "8"], ["-k", "10", "-n", "1000", "-d", "8"]),
    "llsq": (["-n", "64", "256", "1024", "-m", "128"], ["-n", "64", "-m", "128"]),
    "lse": (["-n", "10000", "100000"], ["-n", "1000", "10000"]),
    "ode": (["-n", "1000", "10000", "-s", "10"], ["-n", "1000", "-s", "1"]),
    "det": (["-l", "5", "7", "9"], ["-l", "4", "6"]),
    "particle": ([], []),
    "saddle": ([], []),
}
# JAX compiles in its first timed run, and its next few runs are slow too
# (2-20 times the later ones): enough runs that the median is past them
RUNS = (["--min-runs", "10", "--min-seconds", "0.5"], ["--min-runs", "3", "--min-seconds", "0"])
NO_RUNS = {"hello"}  # its driver takes no options: one run per evaluation

ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
}


def eval_args(eval_name: str, quick: bool = False) -> list[str]:
    """The driver's arguments: sizes, then how many runs."""
    sizes = SIZES[eval_name][1 if quick else 0]
    runs = [] if eval_name in NO_RUNS else RUNS[1 if quick else 0]
    return [*sizes, *runs]


def listed_evals(gradbench: Path, tool: str) -> dict[str, str]:
    """`tools/<tool>/evals.txt`: eval -> status ('' where none is written)."""
    path = gradbench / "tools" / tool / "evals.txt"
    if not path.exists():
        return {}
    listed = {}
    for line in path.read_text().splitlines():
        words = line.split()
        if words:
            listed[words[0]] = " ".join(words[1:])
    return listed


@dataclass
class Tool:
    name: str
    label: str  # how the table names it
    command: list[str]
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)


def tool_for(
    name: str, gradbench: Path, peer_python: str, cpu: int | None = None,
    srcgrad_python: str = sys.executable,
) -> Tool:
    """How one tool is started; `cpu`: the CPU the peers are pinned to."""
    if name == "srcgrad":
        pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
        return Tool(name, "srcgrad", [srcgrad_python, "-m", "bench.gradbench"], ROOT,
                    {"PYTHONPATH": pythonpath})
    pin = ["taskset", "-c", str(cpu)] if cpu is not None else []
    if name == "jax":
        command = [peer_python, str(HERE / "jax_blocking.py")]
        label = "jax (blocking)"
    elif name == "pytorch":
        command = [peer_python, "python/gradbench/gradbench/tools/pytorch/run.py"]
        label = "pytorch"
    elif name == "manual":
        command = [peer_python, str(HERE / "cpp_prebuilt.py"), "manual"]
        label = "manual (C++)"
    else:
        raise ValueError(f"unknown tool {name!r}: one of {', '.join(TOOLS)}")
    return Tool(name, label, [*pin, *command], gradbench, dict(ONE_THREAD))


def available(tool: str, eval_name: str, gradbench: Path) -> tuple[bool, str]:
    """Whether `tool` implements `eval_name`, and the note the table shows."""
    if tool == "srcgrad":
        if (HERE / f"{eval_name}.py").exists():
            return True, ""
        return False, "no module"
    listed = listed_evals(gradbench, tool)
    if eval_name not in listed:
        return False, "not in evals.txt"
    status = listed[eval_name]
    return True, f"evals.txt: {status}" if status else ""


@dataclass
class Result:
    """One eval against one tool: its session, or why none ran."""

    eval: str
    tool: str
    label: str
    args: list[str]
    note: str = ""
    session: Session | None = None
    command: list[str] = field(default_factory=list)


def run_one(
    eval_name: str, tool: Tool, gradbench: Path, args: list[str], eval_python: str,
    timeout: float, warm_cache: bool = False, note: str = "",
) -> Result:
    env = dict(tool.env)
    with tempfile.TemporaryDirectory(prefix="sgcache-compare-") as cache:
        if tool.name == "srcgrad" and not warm_cache:
            env["SRCGRAD_CACHE_DIR"] = cache
            # and Numba's: the eval modules' own njit functions compile cold
            # too, and none loaded from disk calls a generated module of
            # another srcgrad cache (which is not importable there)
            env["NUMBA_CACHE_DIR"] = str(Path(cache) / "numba")
        # coreutils' timeout: a tool stuck in one evaluation is killed, the
        # session sees it exit (status 124)
        command = ["timeout", "-k", "10", str(int(timeout)), *tool.command]
        try:
            session = run_session(gradbench, eval_name, command, args, eval_python,
                                  tool_cwd=tool.cwd, timeout=timeout, tool_env=env)
        except OSError as exc:
            session = Session(failure=f"could not start: {exc}")
    if session.failure and "(status 124)" in session.failure:
        session.failure = f"timed out after {timeout:.0f} s"
    return Result(eval_name, tool.name, tool.label, args, note, session, tool.command)


# --- the table --------------------------------------------------------------


def seconds_text(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def _first_line(error: str | None, limit: int = 200) -> str:
    """The line of a traceback that says what went wrong (its last)."""
    lines = [line.strip() for line in (error or "").strip().splitlines() if line.strip()]
    text = lines[-1] if lines else "failed"
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Row:
    eval: str
    size: str
    tool: str
    valid: str
    objective: float | None = None
    function: str | None = None
    derivative: float | None = None
    runs: int = 0
    compile: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.objective and self.derivative is not None:
            return self.derivative / self.objective
        return None


def _pooled(evaluations) -> tuple[float | None, bool | None, int, str]:
    """Median over every run of these evaluations, all valid?, runs, error."""
    seconds = [s for e in evaluations for s in e.seconds]
    valid = None
    errors = [e.error for e in evaluations if e.error and not (e.success and e.valid)]
    if evaluations:
        valid = all(e.success and e.valid for e in evaluations)
    return (statistics.median(seconds) if seconds else None), valid, len(seconds), (
        errors[0] if errors else "")


def rows(result: Result) -> list[Row]:
    """A result's rows: one per size (the driver's description) and derivative."""
    session = result.session
    if session is None:
        return [Row(result.eval, "-", result.label, "not run", note=result.note)]
    compile_seconds = session.define_seconds.get("compile")
    if not session.defined:
        error = session.failure or _first_line(session.define_error)
        return [Row(result.eval, "-", result.label, "define failed", compile=compile_seconds,
                    note="; ".join(n for n in (result.note, error) if n))]
    objective, derivatives = FUNCTIONS.get(result.eval, (None, ()))
    sizes: list[str] = []
    for e in session.evaluations:
        size = e.description or "-"
        if size not in sizes:
            sizes.append(size)
    out = []
    for size in sizes:
        at_size = [e for e in session.evaluations if (e.description or "-") == size]
        obj_median, obj_valid, _, obj_error = _pooled(
            [e for e in at_size if e.function == objective])
        names = [d for d in derivatives if any(e.function == d for e in at_size)]
        names += sorted({e.function for e in at_size} - set(names) - {objective})
        for name in names or [None]:
            median, valid, runs, error = _pooled([e for e in at_size if e.function == name])
            checks = [v for v in (obj_valid, valid) if v is not None]
            notes = [result.note, obj_error and _first_line(obj_error), error and _first_line(error)]
            out.append(Row(
                result.eval, size, result.label,
                "yes" if checks and all(checks) else "NO",
                objective=obj_median, function=name, derivative=median, runs=runs,
                compile=compile_seconds, note="; ".join(n for n in notes if n),
            ))
    if session.failure:
        out.append(Row(result.eval, "-", result.label, "NO", note=session.failure))
    return out


def table(results: Iterable[Result]) -> str:
    lines = [
        "| eval | size | tool | valid | objective | derivative | time | runs"
        " | derivative / objective | first call (define) | note |",
        "|---|---|---|---|---:|---|---:|---:|---:|---:|---|",
    ]
    for result in results:
        for row in rows(result):
            ratio = f"{row.ratio:.2f}" if row.ratio is not None else "-"
            cells = [row.eval, row.size, row.tool, row.valid, seconds_text(row.objective),
                     row.function or "-", seconds_text(row.derivative),
                     str(row.runs) if row.runs else "-", ratio,
                     seconds_text(row.compile), row.note.replace("|", "\\|")]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def describe(results: list[Result], quick: bool, warm_cache: bool = False) -> str:
    """What ran, how: the lines under the table."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, text=True,
                                capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "?"
    drivers = {}
    for result in results:
        drivers.setdefault(result.eval, result.args)
    lines = [
        f"srcgrad {commit}; {platform.machine()} {platform.system()}, {cpus} CPUs, every tool on one of them"
        f"{'; --quick sizes' if quick else ''}. Times: medians over every run of an"
        " evaluation; first call: srcgrad's `define` `compile` timing"
        f" ({'SRCGRAD_CACHE_DIR as set' if warm_cache else 'a fresh, empty cache'}).",
        "jax (blocking): GradBench's JAX tool, each timed run ending with"
        " `jax.block_until_ready` (bench/gradbench/jax_blocking.py).",
        "manual (C++): GradBench's hand-written C++, binaries built beforehand"
        " (bench/gradbench/cpp_prebuilt.py).",
        "Driver arguments: " + "; ".join(
            f"{name} `{shlex.join(args)}`" if args else f"{name} (none)"
            for name, args in drivers.items()),
    ]
    return "\n\n".join(lines)


def as_json(result: Result) -> dict:
    session = result.session
    data = {"eval": result.eval, "tool": result.tool, "label": result.label,
            "args": result.args, "command": result.command, "note": result.note}
    if session is not None:
        data |= {
            "defined": session.defined, "define_error": session.define_error,
            "define_seconds": session.define_seconds, "failure": session.failure,
            "seconds": session.seconds, "valid": session.valid,
            "evaluations": [
                {"function": e.function, "description": e.description, "success": e.success,
                 "valid": e.valid, "error": e.error, "runs": len(e.seconds),
                 "median_seconds": e.median,
                 "min_seconds": min(e.seconds) if e.seconds else None}
                for e in session.evaluations
            ],
        }
    return data


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gradbench", type=Path, required=True, help="GradBench's checkout")
    parser.add_argument("--evals", default=",".join(EVALS))
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--eval-python", default=None,
                        help="Python with GradBench's package (default: PATH/.venv)")
    parser.add_argument("--peer-python", default=None,
                        help="Python with jax and torch for the peers (default: --eval-python)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one run each")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--markdown", type=Path, default=None)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per session")
    parser.add_argument("--warm-cache", action="store_true",
                        help="srcgrad: keep SRCGRAD_CACHE_DIR (default: a fresh one per session)")
    args = parser.parse_args(argv)
    gradbench = args.gradbench.resolve()
    evals = [e for e in args.evals.split(",") if e]
    tools = [t for t in args.tools.split(",") if t]
    for name in evals:
        if name not in EVALS:
            parser.error(f"unknown eval {name!r}: one of {', '.join(EVALS)}")
    for name in tools:
        if name not in TOOLS:
            parser.error(f"unknown tool {name!r}: one of {', '.join(TOOLS)}")
    eval_python = args.eval_python or default_eval_python(gradbench)
    peer_python = args.peer_python or eval_python
    cpu = sorted(os.sched_getaffinity(0))[0] if hasattr(os, "sched_getaffinity") else None
    if cpu is not None and shutil.which("taskset") is None:
        print("taskset not found: the peers run unpinned", file=sys.stderr)
        cpu = None

    results = []
    for eval_name in evals:
        driver_args = eval_args(eval_name, args.quick)
        for name in tools:
            tool = tool_for(name, gradbench, peer_python, cpu)
            runs, note = available(name, eval_name, gradbench)
            if not runs:
                results.append(Result(eval_name, name, tool.label, driver_args, note))
                continue
            print(f"{eval_name} / {tool.label} ...", end=" ", file=sys.stderr, flush=True)
            started = time.perf_counter()
            result = run_one(eval_name, tool, gradbench, driver_args, eval_python,
                             args.timeout, args.warm_cache, note)
            print(f"{'valid' if result.session.valid else 'NOT VALID'}"
                  f" ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
            results.append(result)

    text = table(results) + "\n\n" + describe(results, args.quick, args.warm_cache) + "\n"
    print(text)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([as_json(r) for r in results], indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
