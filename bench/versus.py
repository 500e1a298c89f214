"""`python -m bench.versus REV`: this tree's srcgrad against the srcgrad of
commit REV, case by case, side by side in one run.

    python -m bench.versus REV [--case SUBSTRING ...] [--rounds N] [--quick]

REV's `srcgrad/` is extracted (`git archive`) into a temporary folder; the
cases and the timing code are this tree's for both.  For every case the two
versions take turns, `--rounds` times each, each turn in a fresh process
(`bench.worker`, no peers), so that a change in the machine's load falls on
both alike.  Reported per case: the median over the rounds of each version's
gradient time (itself a median of repeated calls), the ratio this/REV, and
each version's ratio to the Numba-compiled primal timed in the same process.
Progress goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from .cases import CASES

ROOT = Path(__file__).resolve().parent.parent


def extract(rev: str, into: Path) -> None:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "srcgrad"],
                             check=True, capture_output=True).stdout
    with tempfile.TemporaryFile() as f:
        f.write(archive)
        f.seek(0)
        with tarfile.open(fileobj=f) as tar:
            tar.extractall(into, filter="data")


def one_turn(index: int, srcgrad_root: Path, cache: Path, options, workdir: Path) -> dict | None:
    out = workdir / "turn.json"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(dict.fromkeys([str(srcgrad_root), str(ROOT)])),
               SRCGRAD_CACHE_DIR=str(cache))
    args = [sys.executable, "-m", "bench.worker", str(index), "--out", str(out),
            "--repeats", str(options.repeats)] + (["--quick"] if options.quick else [])
    proc = subprocess.run(args, cwd=workdir, env=env, capture_output=True, text=True,
                          timeout=options.timeout)
    if proc.returncode != 0 or not out.exists():
        print(proc.stderr[-2000:], file=sys.stderr)
        return None
    record = json.loads(out.read_text())
    out.unlink()
    if record.get("srcgrad", {}).get("status") != "ok":
        return None
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.versus")
    parser.add_argument("rev", help="the commit to compare with (e.g. HEAD~3)")
    parser.add_argument("--case", action="append", default=[])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--timeout", type=float, default=900.0)
    options = parser.parse_args(argv)
    chosen = [(k, c) for k, c in enumerate(CASES)
              if not options.case or any(s.lower() in c.name.lower() for s in options.case)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "old").mkdir()
        extract(options.rev, tmp / "old")
        versions = {"rev": (tmp / "old", tmp / "cache-old"), "this": (ROOT, tmp / "cache-this")}
        for index, case in chosen:
            times = {"rev": [], "this": []}
            primal = {"rev": [], "this": []}
            for turn in range(options.rounds):
                for name in ("rev", "this") if turn % 2 == 0 else ("this", "rev"):
                    print(f"versus: {case.name}: {name} ({turn + 1}/{options.rounds})",
                          file=sys.stderr, flush=True)
                    record = one_turn(index, *versions[name], options, tmp)
                    if record is not None:
                        times[name].append(record["srcgrad"]["median_s"])
                        if "median_s" in record.get("primal", {}):
                            primal[name].append(record["primal"]["median_s"])
            rows.append((case.name, times, primal))
    print(f"{'case':40} {options.rev + ' (us)':>14} {'this (us)':>12} {'this/rev':>9}"
          f" {'rev/primal':>11} {'this/primal':>12}")
    ratios = []
    for name, times, primal in rows:
        if not times["rev"] or not times["this"]:
            print(f"{name:40} {'failed':>14}")
            continue
        old, new = statistics.median(times["rev"]), statistics.median(times["this"])
        ratios.append(new / old)
        rel = [f"{statistics.median(times[v]) / statistics.median(primal[v]):.2f}"
               if primal[v] else "n/a" for v in ("rev", "this")]
        print(f"{name:40} {old * 1e6:14.1f} {new * 1e6:12.1f} {new / old:9.3f}"
              f" {rel[0]:>11} {rel[1]:>12}")
    if ratios:
        ratios.sort()
        print(f"this/rev over {len(ratios)} cases: median {statistics.median(ratios):.3f}, "
              f"min {ratios[0]:.3f}, max {ratios[-1]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
