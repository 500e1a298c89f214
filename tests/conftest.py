"""pytest options of the differential fuzz test (`test_fuzz.py`).

    --fuzz=N            how many random programs per target (default: test_fuzz.py's
                        DEFAULT_FUZZ, 200 on "python" and 24 on "cpu").
                        The "cpu" default is bounded by that target's cost: Numba
                        compiles every program's adjoint, 1-60 s each with a cold
                        cache (programs of (2, 3) matrices are the slow ones).  Measured
                        on the 2-core CI machine, one worker, fresh SRCGRAD_CACHE_DIR,
                        while another test run shared the machine: --fuzz=6 took 119 s
                        (77 s of CPU), --fuzz=10 took 161 s, --fuzz=15 took 172 s.
                        `--fuzz-targets=python` costs about 0.25 s per program, so
                        `--fuzz=1000 --fuzz-targets=python` is a 4-minute campaign.
    --fuzz-start=S      the first seed (default 0): seeds S .. S+N-1
    --fuzz-targets=T,.. the targets (default "python,cpu")
    --fuzz-strict       also fail on an sg.SrcGradError (a rejection naming the
                        generated file:line), which is otherwise reported as a skip:
                        every generated program is inside SPEC.md's subset
"""

from __future__ import annotations

import sys
from pathlib import Path

# the tests in the folders by layer import the shared helpers of tests/
# (gradcheck, functions, rule_table) as the top-level tests do
sys.path.insert(0, str(Path(__file__).parent))


def pytest_addoption(parser):
    group = parser.getgroup("fuzz", "srcgrad differential fuzz test (test_fuzz.py)")
    group.addoption("--fuzz", type=int, default=None, metavar="N",
                    help="random programs per target (default: 200 on python, 24 on cpu, "
                         "test_fuzz.DEFAULT_FUZZ)")
    group.addoption("--fuzz-start", type=int, default=0, metavar="S",
                    help="first seed of the random programs (default 0)")
    group.addoption("--fuzz-targets", default="python,cpu", metavar="T,...",
                    help="targets to check, comma-separated (default python,cpu)")
    parser.addoption("--frontend-fuzz", type=int, default=None, metavar="N",
                     help="front-end fuzz programs on the python target (test_frontend_fuzz.py; "
                          "N // 8 of them on cpu too)")
    group.addoption("--fuzz-strict", action="store_true", default=False,
                    help="fail, instead of skipping, when srcgrad rejects a generated program "
                         "with an sg.SrcGradError that names its file and line")
