"""The whole test suite, in parts: `python tests/run.py [pytest options]`.

Each part is one `python -m pytest -q -n auto --dist worksteal --durations=15`
(the options given are passed on to each; the slowest tests listed, where CI's
time goes; a worker that runs out of tests takes some of the other's, so the
part does not wait on one worker's queue of long compiles), in fresh worker
processes.  Numba never frees the machine code
it compiles, so a worker grows with every gradient the tests compile: two
workers running the whole suite grew to about 12 GB each, all of a 24 GB
machine, and the end of the run crawled.  Fresh workers per part keep that
bounded; what one part compiled (srcgrad's helpers, the generated modules)
the next loads from the disk caches.

The parts run with `NUMBA_OPT=0` (unless the environment sets it): LLVM's
optimisations change no value (no fast-math), and without them a gradient
compiles about 1.65 times faster.  The rule table compiles so already
(`tests/rules/test_rules.py`); the other parts used to run optimised
because unoptimised code took 1.4 times the memory, which fresh workers per
part now afford.  srcgrad's machine-code cache records the level, so a
later optimised process compiles its helpers again rather than loading
these.

The parts are disjoint and together hold every test (`tests/test_run.py`
checks both).  The exit status is 0 when every part passed, else the first
non-zero status of a part; a part that collects no test (pytest's 5) fails
too, as does a test that fails anywhere.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (what it holds, its paths and ignores): the largest memories apart
PARTS: list[tuple[str, list[str]]] = [
    ("the rule table, forward mode, derivatives of higher order",
     ["tests/rules/test_rules.py", "tests/tangent", "tests/api/test_higher_order.py"]),
    ("the NumPy/SciPy families, the API",
     ["tests/rules", "tests/api", "--ignore=tests/rules/test_rules.py",
      "--ignore=tests/api/test_higher_order.py"]),
    ("the rest: corpus, fuzzers, front end, optimisations, back end, GradBench",
     ["tests", "--ignore=tests/rules", "--ignore=tests/api", "--ignore=tests/tangent"]),
]


def main(argv: list[str]) -> int:
    status = 0
    started = time.perf_counter()
    env = {**os.environ, "NUMBA_OPT": os.environ.get("NUMBA_OPT", "0")}
    for k, (what, paths) in enumerate(PARTS, 1):
        print(f"\n===== part {k}/{len(PARTS)}: {what} =====", flush=True)
        begun = time.perf_counter()
        code = subprocess.call([sys.executable, "-m", "pytest", "-q", "-n", "auto",
                                "--dist", "worksteal", "--durations=15", *paths, *argv],
                               cwd=ROOT, env=env)
        print(f"part {k}/{len(PARTS)}: pytest exit {code} in {time.perf_counter() - begun:.0f} s",
              flush=True)
        if code != 0 and status == 0:
            status = code
    print(f"\nall {len(PARTS)} parts: {'passed' if status == 0 else f'FAILED (exit {status})'} "
          f"in {time.perf_counter() - started:.0f} s", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
