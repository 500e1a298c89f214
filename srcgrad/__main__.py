"""`python -m srcgrad show FILE.py:FUNC [--wrt NAME ...] [--target T] [--max-trips N]`:
print the adjoint source that srcgrad generates for FUNC.

`python -m srcgrad coverage`: the NumPy, SciPy and `math` functions srcgrad
differentiates, beside those autograd does (when it is installed)."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from .api.gradient import grad
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
    return getattr(fn, "fn", fn)


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
    commands.add_parser("coverage", help="list the functions srcgrad differentiates, "
                        "beside autograd's")
    args = parser.parse_args(argv)
    if args.command == "coverage":
        from .api.coverage import report

        print(report())
        return 0
    fn = _load(args.function)
    wrt = [int(w) if w.lstrip("-").isdigit() else w for w in args.wrt]
    try:
        df = grad(fn, wrt=wrt[0] if len(wrt) == 1 else tuple(wrt), target=args.target,
                  max_trips=args.max_trips)
        print(df.source, end="")
    except (SrcGradError, ValueError, TypeError) as exc:
        print(f"srcgrad: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
