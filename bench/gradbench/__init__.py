"""srcgrad as a GradBench tool (https://github.com/gradbench/gradbench).

`python -m bench.gradbench` speaks GradBench's JSON-lines protocol on
stdin/stdout (start, define, evaluate, analysis), so GradBench's CLI takes it
as `--tool '$ python -m bench.gradbench'`, run from the project root.

One module per eval (`hello.py`, `lse.py`, ...).  Each writes its objective
from the eval's specification (`evals/<eval>/README.md` in GradBench) the way
a Numba user writes numerical code (loops, `math`, NumPy), and takes every
derivative from srcgrad.  A module exposes

    FUNCTIONS: dict[str, Measured]   # the eval's function names
    warm_up() -> None                # compiles everything on a tiny input

`protocol.measured` wraps a function of the prepared input so that it runs
`min_runs` times and at least `min_seconds`, each run one `evaluate` timing,
as the protocol asks.  `define` imports the module and calls `warm_up`, so the
first-call cost (srcgrad's transformation and Numba's compilation) is the
`define` timing `compile`, apart from the evaluations.

`python -m bench.gradbench.compare --gradbench PATH` runs GradBench's evals
against this tool and against GradBench's own tools (see compare.py).
"""
