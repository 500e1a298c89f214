"""`python -m srcgrad show FILE.py:FUNC [--wrt NAME ...] [--target T] [--max-trips N]
[--timings [--args EXPR]]`: print the adjoint source that srcgrad generates for
FUNC; with `--timings`, then what making it took (the records of the `srcgrad`
logger, `backend/observe.py`): the transformation, and with `--args` (FUNC's
arguments, a Python expression evaluated in FILE's namespace) a call's Numba
compile or load from Numba's disk cache.

`python -m srcgrad coverage`: the NumPy, SciPy and `math` functions srcgrad
differentiates, beside those autograd does (when it is installed)."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import sys
from pathlib import Path

from .api.gradient import grad
from .backend.observe import LOGGER, Timing
from .errors import SrcGradError


def _load(spec: str):
    path, sep, func = spec.rpartition(":")
    if not sep or not path:
        raise SystemExit(f"srcgrad: expected FILE.py:FUNC, got {spec!r}")
    file = Path(path)
    if not file.is_file():
        raise SystemExit(f"srcgrad: no such file: {path}")
    sys.path.insert(0, str(file.resolve().parent))
    module_spec = importlib.util.spec_from_file_location(file.stem, file)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[file.stem] = module
    module_spec.loader.exec_module(module)
    fn = getattr(module, func, None)
    if fn is None:
        raise SystemExit(f"srcgrad: {path} defines no {func!r}")
    return getattr(fn, "fn", fn), module


class _Timings(logging.Handler):
    """Collects the `Timing` of each record of the `srcgrad` logger."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.timings: list[Timing] = []

    def emit(self, record: logging.LogRecord) -> None:
        timing = getattr(record, "srcgrad", None)
        if isinstance(timing, Timing):
            self.timings.append(timing)


def _show(df, args: str | None, module, timings: bool) -> None:
    """Print `df`'s source; with `timings`, then (as comments) the time its
    transformation took and, where `args` gives arguments, its compile."""
    handler = _Timings()
    level = LOGGER.level
    if timings:
        LOGGER.addHandler(handler)
        LOGGER.setLevel(logging.INFO)
    try:
        print(df.source, end="")
        if args is not None:
            namespace = dict(vars(module))
            namespace.setdefault("np", importlib.import_module("numpy"))
            try:
                values = eval(f"({args},)", namespace)
            except Exception as exc:
                raise ValueError(f"--args {args!r}: {type(exc).__name__}: {exc}") from None
            df(*values)
    finally:
        if timings:
            LOGGER.removeHandler(handler)
            LOGGER.setLevel(level)
    if not timings:
        return
    print("\n# srcgrad --timings:")
    for timing in handler.timings:
        print(f"#   {timing.describe()}")
    if args is None and df.target != "python":
        print("#   Numba compiles at the first call, for its arguments' types: pass "
              "--args EXPR (FUNC's arguments, e.g. --args 'np.ones(3)') to time it")
    elif not any(t.step == "compile" for t in handler.timings) and df.target != "python":
        print("#   no compile: this process had compiled it already")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m srcgrad")
    commands = parser.add_subparsers(dest="command", required=True)
    show = commands.add_parser("show", help="print the generated adjoint of a function")
    show.add_argument("function", metavar="FILE.py:FUNC")
    show.add_argument("--wrt", nargs="+", default=["0"],
                      help="parameters or locals to differentiate with respect to")
    show.add_argument("--target", default="cpu", choices=["cpu", "python", "cuda"])
    show.add_argument("--max-trips", type=int, default=None, metavar="N",
                      help="target cuda: the most iterations of a loop whose count is not constant")
    show.add_argument("--timings", action="store_true",
                      help="then print how long the transformation took (and with --args, "
                           "Numba's compile or load from its disk cache)")
    show.add_argument("--args", default=None, metavar="EXPR",
                      help="call the gradient with these arguments (a Python expression "
                           "evaluated in FILE's namespace, numpy as np): 'np.ones(3), 2.0'")
    commands.add_parser("coverage", help="list the functions srcgrad differentiates, "
                        "beside autograd's")
    args = parser.parse_args(argv)
    if args.command == "coverage":
        from .api.coverage import report

        print(report())
        return 0
    fn, module = _load(args.function)
    wrt = [int(w) if w.lstrip("-").isdigit() else w for w in args.wrt]
    try:
        df = grad(fn, wrt=wrt[0] if len(wrt) == 1 else tuple(wrt), target=args.target,
                  max_trips=args.max_trips)
        _show(df, args.args, module, args.timings)
    except (SrcGradError, ValueError, TypeError) as exc:
        print(f"srcgrad: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
