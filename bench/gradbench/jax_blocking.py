"""GradBench's JAX tool, timed to the end of JAX's work.

JAX dispatches asynchronously: a jitted call returns as soon as its
computation is queued, so the timer that GradBench's tool puts around each
call (`gradbench.wrap.multiple_runs` and `wrap.function`) stops before the
result exists, and the wait lands in the untimed conversion to JSON.  This
launcher replaces those two decorators, before the tool's modules import
them, by the same decorators applied to `jax.block_until_ready(f(input))`,
then runs the tool's own `main()` unchanged.

It runs with GradBench's Python environment (gradbench, jax), in the
checkout, as the JAX tool itself does:

    cd GRADBENCH && PY bench/gradbench/jax_blocking.py [--multithreaded]

It imports nothing of srcgrad's, so it runs as a script from any path.
"""

from __future__ import annotations

import functools
import runpy
import sys
from pathlib import Path


def blocking(function):
    """`function`, returning only once JAX has computed its result."""
    import jax

    @functools.wraps(function)
    def run(input):
        return jax.block_until_ready(function(input))

    return run


def blocking_decorator(make_decorator):
    """A `gradbench.wrap` decorator factory whose decorators time `blocking(f)`."""

    @functools.wraps(make_decorator)
    def make(**options):
        decorator = make_decorator(**options)
        return lambda function: decorator(blocking(function))

    return make


def patch() -> Path:
    """Patch `gradbench.wrap`; returns the JAX tool's directory."""
    import gradbench
    from gradbench import wrap

    if not getattr(wrap, "_blocking", False):
        wrap.multiple_runs = blocking_decorator(wrap.multiple_runs)
        wrap.function = blocking_decorator(wrap.function)
        wrap._blocking = True
    return Path(gradbench.__file__).resolve().parent / "tools" / "jax"


def main() -> None:
    tool = patch()
    # as `python tools/jax/run.py` would: its directory first on the path,
    # where `define` imports the eval's module by its bare name
    sys.path.insert(0, str(tool))
    sys.argv = [str(tool / "run.py"), *sys.argv[1:]]
    runpy.run_path(str(tool / "run.py"), run_name="__main__")


if __name__ == "__main__":
    main()
