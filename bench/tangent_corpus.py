"""Tangent's own test corpus through srcgrad: `python -m bench.tangent_corpus FILE`.

FILE is `tests/functions.py` of a clone of `google/tangent`, kept outside
this project (it is never copied into it).  The functions run as Tangent's
own tests pick them (`tests/conftest.py` there): every function whose
parameters are exactly `a`, `(a, b)`, `(a, b, c)`, `x`, `sqm` or `(a, n)`
and that Tangent does not blacklist, 91 of them; and, apart, the others
that are plain numerical Python (Tangent's blacklist and its hand-written
tests: `dict_saxpy`, `rnn`, `logistic_regression`, ...).

Each function is differentiated with respect to every float parameter on
`target="python"` and `target="cpu"`, on inputs like Tangent's own, and
checked against central finite differences in float64 of the sum of its
outputs.  Prints a table and the counts; `--json` writes them too.

The file imports `tangent`: a stand-in module of ours provides the few
names its functions use (`Stack`, `push`, `pop` on a list; `trace` and
`insert_grad_of`, which only Tangent's TensorFlow and gradient-editing
tests rely on); nothing of Tangent itself runs.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import inspect
import json
import sys
import types

import numpy as np

SIGNATURES = {("a",), ("a", "b"), ("a", "b", "c"), ("x",), ("sqm",), ("a", "n")}
BLACKLISTED = {  # Tangent's tests/conftest.py leaves these out of its generic tests
    "inlining_contextmanager", "listcomp", "cart2polar", "iterpower_with_nested_def",
    "fn_multiple_return", "insert_grad_of", "_trace_mul", "_nontrace_mul", "active_subscript",
    "init_array_grad_maybe_active",
}
# Functions that are not numerical Python: Tangent's gradient editing, and
# `np.arctan(b, a)`, which NumPy reads as writing into `a` (it raises on floats).
NOT_PYTHON = {"inlining_contextmanager", "cart2polar", "_trace_mul", "tfe_trace_fn",
              "tfe_notrace_fn", "_nontrace_mul"}


def _stand_in() -> types.ModuleType:
    module = types.ModuleType("tangent")

    def push(stack, value, op_id):
        stack.append(value)

    def pop(stack, op_id):
        return stack.pop()

    @contextlib.contextmanager
    def insert_grad_of(var):
        yield var

    module.Stack = list
    module.push = push
    module.pop = pop
    module.trace = lambda fn: fn
    module.insert_grad_of = insert_grad_of
    return module


def load(path: str) -> types.ModuleType:
    sys.modules.setdefault("tangent", _stand_in())
    spec = importlib.util.spec_from_file_location("tangent_functions", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["tangent_functions"] = module
    spec.loader.exec_module(module)
    return module


def _inputs(name: str, params: tuple[str, ...]) -> list[list]:
    """Argument lists like Tangent's own tests (a few of its values each)."""
    rng = np.random.default_rng(0)
    scalars = [-1.5, -0.5, 0.5, 2.0]
    special = {
        "logistic_regression": lambda: [rng.random(3), np.eye(5)[1], rng.standard_normal((3, 5)),
                                        rng.standard_normal(5)],
        "rnn": lambda: [rng.standard_normal((3, 2)), rng.standard_normal((2, 3))],
        "bilinear": lambda: [rng.standard_normal((1, 3)), rng.standard_normal((1, 3)),
                             rng.standard_normal((3, 3)), rng.standard_normal((3, 3)),
                             rng.standard_normal((1, 3))],
        "unpacking_args_saxpy": lambda: [(0.5, -1.5, 2.0)],
        "dict_wrapper": lambda: [(0.5, -1.5, 2.0)],
        "passthru_unpack": lambda: [(0.5, -1.5, 2.0)],
        "passthru_pack": lambda: [0.5, -1.5, 2.0, 1],
        "dict_saxpy": lambda: [{"a": 0.5, "b": -1.5, "c": 2.0}],
        "nested_dict": lambda: [{"i": {"j": 0.5, "k": -1.5}}],
    }
    if name in special:
        return [special[name]()]
    if params == ("x",):
        return [[rng.standard_normal(n)] for n in (3, 5)]
    if params == ("sqm",):
        return [[rng.standard_normal((n, n))] for n in (1, 3)]
    if params == ("a", "n"):
        return [[a, n] for a in (0.5, -1.5) for n in (1, 2, 3)]
    count = len(params)
    return [[scalars[(k + j) % 4] for j in range(count)] for k in range(4)]


def _leaves(value):
    if isinstance(value, dict):
        return [leaf for key in sorted(value) for leaf in _leaves(value[key])]
    if isinstance(value, (tuple, list)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def _rebuild(like, leaves):
    if isinstance(like, dict):
        return {key: _rebuild(like[key], leaves) for key in sorted(like)}
    if isinstance(like, (tuple, list)):
        return type(like)(_rebuild(v, leaves) for v in like)
    return leaves.pop(0)


def _total(fn, args) -> float:
    out = fn(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in args])
    return float(sum(np.sum(np.asarray(v, dtype=np.float64)) for v in _leaves(out)))


def finite_differences(fn, args, positions, eps=1e-6):
    grads = []
    for k in positions:
        leaves = [np.array(v, dtype=np.float64) for v in _leaves(args[k])]
        out = []
        for j, leaf in enumerate(leaves):
            g = np.zeros_like(leaf)
            flat, gflat = leaf.reshape(-1), g.reshape(-1)
            for i in range(flat.size):
                step = eps * max(1.0, abs(flat[i]))
                orig = flat[i]
                values = []
                for sign in (1, -1):
                    flat[i] = orig + sign * step
                    trial = [v if jj != j else (leaf.copy() if leaf.ndim else float(leaf))
                             for jj, v in enumerate(_leaves(args[k]))]
                    call = list(args)
                    call[k] = _rebuild(args[k], trial)
                    values.append(_total(fn, call))
                flat[i] = orig
                gflat[i] = (values[0] - values[1]) / (2 * step)
            out.append(g if leaf.ndim else float(g))
        grads.append(out)
    return grads


def _float_positions(args) -> list[int]:
    return [k for k, a in enumerate(args)
            if not isinstance(a, (int, np.integer)) or isinstance(a, bool)]


def _close(got, want) -> bool:
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return False
    finite = np.isfinite(want)
    if not np.array_equal(finite, np.isfinite(got)):
        return False
    return bool(np.allclose(got[finite], want[finite], rtol=1e-5, atol=1e-6))


def check(fn, target: str) -> str:
    """'ok', or what went wrong (the error's first line, or 'WRONG')."""
    import srcgrad as sg

    params = tuple(inspect.signature(fn).parameters)
    for args in _inputs(fn.__name__, params):
        positions = _float_positions(args)
        try:
            with np.errstate(all="ignore"):
                df = sg.grad(fn, wrt=tuple(positions), target=target)
                got = df(*args)
                want = finite_differences(fn, args, positions)
        except Exception as exc:  # noqa: BLE001  (reported, row by row)
            return f"{type(exc).__name__}: {str(exc).splitlines()[0][:110]}"
        for g, w in zip(got, want):
            got_leaves = _leaves(g)
            if len(got_leaves) != len(w):  # e.g. a tuple of numbers read as an array
                flat = np.concatenate([np.ravel(v) for v in got_leaves])
                same = _close(flat, np.concatenate([np.ravel(v) for v in w]))
                return "right numbers, other structure" if same else f"WRONG at {args!r}"
            if not all(_close(a, b) for a, b in zip(got_leaves, w)):
                return f"WRONG at {args!r}"
    return "ok"


def corpus(module: types.ModuleType) -> tuple[list, list]:
    """Tangent's 91 (as its conftest picks them), and the other plain functions."""
    generic, others = [], []
    for name, fn in vars(module).items():
        if not isinstance(fn, types.FunctionType) or fn.__module__ != module.__name__:
            continue
        if name.startswith("tfe_") or name in NOT_PYTHON:
            continue
        params = tuple(inspect.signature(fn).parameters)
        (generic if params in SIGNATURES and name not in BLACKLISTED else others).append(fn)
    return generic, others


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", help="tests/functions.py of a clone of google/tangent")
    parser.add_argument("--targets", default="python,cpu")
    parser.add_argument("--only", help="a substring of the function names to run")
    parser.add_argument("--json", help="write the results to this file")
    ns = parser.parse_args(argv)
    module = load(ns.file)
    generic, others = corpus(module)
    targets = ns.targets.split(",")
    results = {}
    for group, fns in (("tangent", generic), ("others", others)):
        for fn in fns:
            if ns.only and ns.only not in fn.__name__:
                continue
            row = {t: check(fn, t) for t in targets}
            results[fn.__name__] = {"group": group, **row}
            marks = "  ".join(f"{t}: {row[t]}" for t in targets)
            print(f"{group:8} {fn.__name__:32} {marks}", flush=True)
    for group in ("tangent", "others"):
        rows = [r for r in results.values() if r["group"] == group]
        for t in targets:
            right = sum(r[t] == "ok" for r in rows)
            print(f"{group}: {right}/{len(rows)} right on target={t}")
    if ns.json:
        with open(ns.json, "w") as fh:
            json.dump(results, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
