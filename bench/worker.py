"""One case, in its own process: the Numba-compiled primal, srcgrad's gradient
and every selected peer's gradient, timed side by side.

    python -m bench.worker CASE_INDEX --out PATH [--suite kernels] [--check] [--quick]
                           [--peers tf,jax] ...

`python -m bench` runs this once per case (and once more with the malloc
tuning, if asked) and reads the JSON it writes.  Progress goes to stderr,
one line per step, starting with "bench:".

srcgrad's gradient is the reference: each peer's gradient is compared with
it (norm-wise relative error per parameter, the largest reported) before the
peer is timed; a peer above `--rtol` is still timed, and marked as
disagreeing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback

import numpy as np

from .cases import SUITES, suite
from .timing import CallTimeout, measure


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def relative_error(got: tuple, want: tuple) -> float:
    """max over parameters of max|got - want| / max|want|."""
    if len(got) != len(want):
        return float("inf")
    worst = 0.0
    for g, w in zip(got, want):
        g = np.asarray(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
        if g.shape != w.shape:
            return float("inf")
        scale = float(np.max(np.abs(w))) if w.size else 0.0
        diff = float(np.max(np.abs(g - w))) if w.size else 0.0
        worst = max(worst, diff / scale if scale > 0 else diff)
    return worst


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


def run_peer(peer, case, args, reference, options) -> dict:
    record = {"peer": peer.name}
    try:
        start = time.perf_counter()
        prepared = peer.prepare(case, args)
        record["prepare_s"] = time.perf_counter() - start
        record["note"] = prepared.note
        timed = measure(prepared.call, options.repeats, options.budget, options.call_timeout,
                        single_call_over_s=max(options.budget, 30.0))
    except CallTimeout as exc:
        return dict(record, status="n/a", reason=f"{exc} (limit --call-timeout)")
    except Exception as exc:
        from .peers import NA

        if isinstance(exc, NA):
            return dict(record, status="n/a", reason=str(exc))
        traceback.print_exc()
        return dict(record, status="n/a", reason=f"{peer.name} raised {_short(exc)}")
    try:
        got = prepared.to_numpy(timed.pop("result"))
        error = relative_error(got, reference)
    except Exception as exc:
        traceback.print_exc()
        got, error = None, float("inf")
        record["compare_error"] = _short(exc)
    record.update(timed, rel_error=error)
    record["status"] = "ok" if error <= options.rtol else "disagree"
    return record


def run_case(case, options, peers) -> dict:
    import numba

    import srcgrad as sg

    record = {"case": case.name, "key": case.key, "quick": options.quick,
              "malloc_tuned": bool(os.environ.get("MALLOC_TRIM_THRESHOLD_"))}
    df = sg.grad(case.fn, wrt=case.wrt)
    primal = numba.njit(case.primal)
    if options.check:  # here rather than in `python -m bench`: one compilation, not two
        from .check import check_outcome

        progress(f"{case.name}: finite-difference check (small inputs)")
        status, detail = check_outcome(case, df, primal)
        record["check"] = {"status": status, "detail": detail}
        progress(f"{case.name}: check {status}: {detail}")
        if status != "ok":
            record["srcgrad"] = {"status": "refused" if status == "refused" else "error",
                                 "reason": detail if status == "refused" else
                                 f"failed the finite-difference check ({status}: {detail}): "
                                 "not timed"}
            return record
    args = case.args(options.quick)
    progress(f"{case.name}: srcgrad")
    try:
        timed = measure(lambda: df(*args), options.repeats, options.budget)
    except Exception as exc:  # srcgrad refused the case or failed: that is the result
        traceback.print_exc()
        record["srcgrad"] = {"status": "error", "reason": _short(exc)}
        return record
    reference = timed.pop("result")
    reference = reference if isinstance(reference, tuple) else (reference,)
    record["srcgrad"] = dict(timed, status="ok")
    progress(f"{case.name}: numba primal")
    try:
        record["primal"] = measure(lambda: primal(*args), options.repeats, options.budget)
        record["primal"].pop("result")
        record["ratio"] = record["srcgrad"]["median_s"] / record["primal"]["median_s"]
    except Exception as exc:
        traceback.print_exc()
        record["primal"] = {"status": "error", "reason": f"numba.njit: {_short(exc)}"}
    record["peers"] = {}
    skip = set(filter(None, options.skip.split(",")))
    for peer in peers:
        if peer.name in skip:
            continue
        progress(f"{case.name}: {peer.name}")
        record["peers"][peer.name] = run_peer(peer, case, args, reference, options)
    return record


def load_peers(groups: list[str]) -> tuple[list, dict]:
    """The peers of the selected groups, and for a group that cannot be
    imported, the reason (its columns then show n/a)."""
    from . import peers as registry

    loaded, missing = [], {}
    for group in groups:
        try:
            loaded.extend(registry.load(group))
        except Exception as exc:
            for column in registry.COLUMNS[group]:
                missing[column] = f"cannot import {registry.REQUIRES[group]}: {_short(exc)}"
    return loaded, missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("case", type=int, help="index into the suite's cases")
    parser.add_argument("--suite", choices=SUITES, default="cases",
                        help="bench.cases.CASES (default) or bench.kernels.KERNELS")
    parser.add_argument("--check", action="store_true",
                        help="check srcgrad's gradient against finite differences on the "
                             "small inputs first; time only a case that passes")
    parser.add_argument("--out", required=True)
    parser.add_argument("--peers", default="")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--budget", type=float, default=10.0,
                        help="seconds of timed samples per measurement, at most (about)")
    parser.add_argument("--call-timeout", type=float, default=300.0)
    parser.add_argument("--rtol", type=float, default=1e-6)
    parser.add_argument("--skip", default="", help="peers (table columns) not to run")
    options = parser.parse_args(argv)
    case = suite(options.suite)[options.case]
    groups = [g for g in options.peers.split(",") if g]
    peers, missing = load_peers(groups)
    record = run_case(case, options, peers)
    for column, reason in missing.items():
        record.setdefault("peers", {})[column] = {"peer": column, "status": "n/a",
                                                  "reason": reason}
    record["versions"] = {p.name: p.version for p in peers}
    if "torch" in sys.modules:
        record["torch_threads"] = sys.modules["torch"].get_num_threads()
    with open(options.out, "w") as out:
        json.dump(record, out, indent=1, default=float)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
