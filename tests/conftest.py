"""pytest options of the differential fuzz test (`test_fuzz.py`), and the
`ipython_shell` fixture (an IPython shell in this process, for functions
typed into cells: tests/notebook, the README's notebook example).

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

import builtins
import os
import sys
import warnings
from pathlib import Path

import pytest

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


@pytest.fixture(scope="module")
def ipython_shell(tmp_path_factory):
    """An IPython shell that has run `import numpy as np` and `import srcgrad
    as sg`, for a test module (its history off, its profile in a temporary
    directory), and what it changed in the process put back after it
    (tests/notebook/test_ipython.py, tests/api/test_readme.py)."""
    pytest.importorskip("IPython", reason="IPython is not installed (pip install '.[notebook]')")
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    saved_main, saved_filters = sys.modules["__main__"], list(warnings.filters)
    saved_env = os.environ.get("IPYTHONDIR")
    os.environ["IPYTHONDIR"] = str(tmp_path_factory.mktemp("ipython"))
    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    shell.run_cell("import numpy as np\nimport srcgrad as sg", store_history=True)
    yield shell
    InteractiveShell.clear_instance()
    sys.modules["__main__"] = saved_main
    warnings.filters[:] = saved_filters
    for name in ("__IPYTHON__", "display"):  # what the shell added to builtins
        vars(builtins).pop(name, None)
    if saved_env is None:
        os.environ.pop("IPYTHONDIR", None)
    else:
        os.environ["IPYTHONDIR"] = saved_env
