"""What srcgrad reports of its long work, under the `srcgrad` logger.

A gradient's first call may take seconds: srcgrad transforms the function
(the pipeline, `pipeline.py`), writes the generated module to the cache
directory (`compile.py`), and Numba compiles it for the call's argument
types or loads that from its disk cache.  Each step is logged as one record
on `logging.getLogger("srcgrad")` (INFO; the stages of the transformation
and the module's file at DEBUG), with a `Timing` in the record's `srcgrad`
attribute for a program to read (`python -m srcgrad show --timings` prints
them).  The library adds only a `NullHandler`: nothing is printed unless
the application configures logging (`logging.basicConfig(level="INFO")`).

`observed(dispatcher, what, target)` wraps a Numba dispatcher's `compile`,
which Numba calls once per new signature (from a call, or from the typing
of a call in the user's own `@njit` code): it times the lookup in Numba's
disk cache and, on a miss, the compile, and reads the dispatcher's `stats`
to say which it was, and bounds LLVM's loop unswitching while it compiles
(`unswitching.py`: a large module is not copied loop by loop).  Numba's
warning that it cannot cache a generated function (code that holds an
address of this process; seen at `NUMBA_OPT=0` on code calling the helpers
that run NumPy in object mode) is about srcgrad's code, not the user's: it
is logged with the compile (`cache="uncacheable"`) instead of shown; any other
warning of the compile is shown as it was.  The call path of a compiled
gradient is untouched.
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass

from .unswitching import bounded

__all__ = ["LOGGER", "Timing", "Stopwatch", "log_timing", "observed"]

LOGGER = logging.getLogger("srcgrad")
LOGGER.addHandler(logging.NullHandler())


@dataclass(frozen=True)
class Timing:
    """One step of a gradient's first call, as logged.

    `step`: "transform" (the pipeline: source to generated source), or
    "compile" (Numba: a compile, or a load from its disk cache).
    `function`: the user's function, `file:line` included for a transform;
    `generated`: the generated function's name; `cache`: "hit", "miss",
    "uncacheable" (compiled, and Numba could not cache it), or "none" where
    the target keeps no disk cache (CUDA kernels)."""

    step: str
    function: str
    target: str
    seconds: float
    generated: str = ""
    cache: str = ""
    signature: str = ""
    lines: int = 0  # of the generated source (a transform)

    def describe(self) -> str:
        if self.step == "transform":
            return (f"{self.function}: transformed for target {self.target!r} in "
                    f"{self.seconds:.3f} s ({self.generated}, {self.lines} lines)")
        how = {"hit": "Numba cache hit: loaded", "miss": "Numba cache miss: compiled",
               "none": "compiled (no disk cache)",
               "uncacheable": "compiled (Numba cannot cache it: it holds addresses of this "
                              "process)"}.get(self.cache, "compiled")
        of = f"{self.function}, " if self.function != self.generated else ""
        return (f"{self.generated}: {how} for ({self.signature}) in {self.seconds:.3f} s "
                f"({of}target {self.target!r})")


def log_timing(timing: Timing) -> None:
    LOGGER.info("%s", timing.describe(), extra={"srcgrad": timing})


class Stopwatch:
    """Laps of a pass, logged at DEBUG as one line (`transform`'s stages)."""

    def __init__(self, what: str):
        self.what = what
        self.laps: list[tuple[str, float]] = []
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps.append((name, now - self._last))
        self._last = now

    def log(self) -> None:
        if LOGGER.isEnabledFor(logging.DEBUG):
            LOGGER.debug("%s: %s", self.what,
                         ", ".join(f"{name} {seconds * 1e3:.1f} ms" for name, seconds in self.laps))


_UNCACHEABLE = "Cannot cache compiled function"  # Numba's NumbaWarning, caching.py


def _hits(dispatcher) -> int | None:
    stats = getattr(dispatcher, "stats", None)
    try:
        return sum(stats.cache_hits.values())
    except AttributeError:
        return None


def observed(dispatcher, what: str, target: str):
    """`dispatcher` (Numba's, of generated code) with each compile logged:
    `what` names the user's function."""
    compile_ = getattr(dispatcher, "compile", None)
    if compile_ is None or getattr(compile_, "observed", False):
        return dispatcher
    name = getattr(getattr(dispatcher, "py_func", None), "__name__", what)

    def compile(sig, *rest):
        known = len(getattr(dispatcher, "overloads", ()))
        hits = _hits(dispatcher)
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught, bounded():
            warnings.simplefilter("always")
            result = compile_(sig, *rest)
        seconds = time.perf_counter() - start
        uncacheable = False
        for w in caught:
            if str(w.message).startswith(_UNCACHEABLE):
                uncacheable = True
            else:  # shown as if nothing had caught it
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno,
                                       source=w.source)
        if len(getattr(dispatcher, "overloads", ())) != known:  # a new signature, not a lookup
            after = _hits(dispatcher)
            cache = ("none" if after is None else "hit" if after != hits
                     else "uncacheable" if uncacheable else "miss")
            log_timing(Timing("compile", what, target, seconds, name, cache, _signature(sig)))
        return result

    compile.observed = True
    try:
        dispatcher.compile = compile
    except AttributeError:  # a dispatcher without an instance dict: not observed
        pass
    return dispatcher


def _signature(sig) -> str:
    args = sig.args if hasattr(sig, "args") else sig
    try:
        return ", ".join(str(a) for a in args)
    except TypeError:
        return str(sig)
