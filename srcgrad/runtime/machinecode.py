"""srcgrad's own compiled code, cached on disk once per machine.

Generated adjoints call srcgrad's helpers (`unbroadcast`, the seed, the
rules' helper functions, `vecmath`), whose Numba implementations are chosen
by type (`numba.extending.overload`).  Numba compiles each implementation it
picks as a function of its own, a tenth to a third of a second apiece on a
small machine, in every new process: most of the first call of a gradient of
array code.  Here each such function is compiled once per machine for each
type signature and cached beside the package (Numba's disk cache), so a new
gradient, even in a new process, loads it instead:

- `cached_overload(func)`: `numba.extending.overload` whose implementations
  are cached;
- `cached_jitable(fn)`: `numba.extending.register_jitable`, cached;
- `compiled_once(fn)`: the same for a helper loop.

All three compile with NumPy's error model (a division by zero gives inf,
as in NumPy and the generated code), whatever the caller's.

Where Numba can write no cache beside the package, they compile once per
process, as plain `overload` and `register_jitable` would.

Numba's cache index keys an implementation that is a closure by the pickled
contents of its cells.  A Numba dispatcher pickles with an identifier drawn
anew in every process, so an implementation that closes over one would be
compiled and cached again by every process, without end: helpers are plain
functions here (what `register_jitable` returns; pickled by reference), and
`cached_overload` warns (`UncacheableWarning`, an error in the tests) where
an implementation closes over a dispatcher.

Numba's cache index maps each compiled signature of a function to a
numbered data file, and saving an entry reads the index, takes the first
free number and writes both back.  Two processes compiling two functions
that share a cache file (closures made by one factory, as the reductions'
implementations; two signatures of one generated gradient) at once can take
the same number, and then the index names one function's file for the
other's code: `reduce_min` returned the maximum, silently, in every later
process.  `serialise_cache_writes` makes each save of srcgrad's caches (its
helpers beside the package, the generated modules) hold an exclusive lock
on a file beside the index, so that saves of one index run one at a time.

Numba names a function's machine code after its qualified name, a counter of
the process that compiled it and its argument types, and a cached function's
code carries the functions it calls under those names as weak symbols: two
implementations one factory made (`lambda x: numpy_fn(x)` for `tanh` and for
`sin`), compiled by two processes whose counters agreed, had one symbol, and
a process that loaded both from the caches ran one for both, silently.  Each
implementation a factory or a typer makes is named after the function it
implements and a digest of its code and of what it closes over
(`_name_after`), the same in every process.

Numba checks a cached function against its own source file only, while its
machine code includes the code of the functions it calls, which may live in
another of srcgrad's files.  So the whole cache goes when any of srcgrad's
sources changes (`_drop_stale`, run on import, before anything compiles),
and when Numba's optimisation level (`NUMBA_OPT`) is not the one the cache
was compiled at: Numba's index does not record it, and code compiled at
`NUMBA_OPT=0` (srcgrad's test suite compiles so) must not be loaded by a
process that asked for optimised code.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import warnings
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover (Windows)
    fcntl = None

import numba
from numba.core import config
from numba.core.dispatcher import Dispatcher
from numba.extending import overload, register_jitable

__all__ = ["GENERATED_PREFIX", "UncacheableWarning", "cached_jitable", "cached_overload",
           "compiled_once", "serialise_cache_writes"]

_PACKAGE = Path(__file__).parent.parent  # the srcgrad package: every source it holds
_STAMP = _PACKAGE / "__pycache__" / "numba-cache.stamp"


def _sources_digest(package: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _drop_stale(digest: str, package: Path = _PACKAGE, stamp: Path = _STAMP) -> None:
    """Delete the package's cached machine code if its sources' digest is not
    the one it was written for (or if no record says which that was)."""
    try:
        if stamp.read_text() == digest:
            return
    except OSError:
        pass
    for path in [*package.rglob("*.nbi"), *package.rglob("*.nbc")]:
        try:
            path.unlink()
        except OSError:
            pass
    try:
        stamp.parent.mkdir(exist_ok=True)
        stamp.write_text(digest)
    except OSError:
        pass


def _cache_options() -> dict:
    """`{"cache": True}` where Numba can cache functions of this package."""

    def probe():
        return 0

    probe.__module__ = __name__
    try:
        numba.njit(cache=True)(probe)
    except RuntimeError:  # Numba found no writable place for the cache
        return {}
    return {"cache": True}


def _optimisation() -> str:
    """Numba's optimisation level, as the caches are keyed by it."""
    return f"NUMBA_OPT={int(config.OPT)}{' max' if config.OPT.is_opt_max else ''}"


# the modules srcgrad generates are named so (`backend/compile.py`), their cache files too
GENERATED_PREFIX = "srcgrad_generated_"


def _ours(index_path: str) -> bool:
    """Whether a Numba cache index is srcgrad's: its helpers' or a generated module's."""
    path = Path(index_path)
    return path.name.startswith(GENERATED_PREFIX) or _PACKAGE in path.parents


@contextlib.contextmanager
def _exclusive(lock_path: str):
    """An exclusive lock on `lock_path` between processes (and threads, each
    with its own open file), held inside the block; none where the file
    cannot be opened or the platform has no `flock`."""
    try:
        handle = open(lock_path, "ab")
    except OSError:
        yield
        return
    with handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield  # (closing the file releases the lock)


def serialise_cache_writes() -> None:
    """Make Numba's saves into srcgrad's cache indexes run one at a time (see
    the module's docstring); once per process, other caches untouched."""
    from numba.core import caching

    original = caching.IndexDataCacheFile.save
    if getattr(original, "srcgrad_serialised", False):
        return

    @functools.wraps(original)
    def save(self, key, data):
        if not _ours(self._index_path):
            return original(self, key, data)
        with _exclusive(self._index_path + ".lock"):
            return original(self, key, data)

    save.srcgrad_serialised = True
    caching.IndexDataCacheFile.save = save


serialise_cache_writes()

# the sources and the optimisation level: also in the generated modules' cache key
SOURCES_DIGEST = _sources_digest(_PACKAGE) + " " + _optimisation()
_drop_stale(SOURCES_DIGEST)
CACHE = _cache_options()


# Every helper is compiled with NumPy's error model (a float divided by zero
# is inf or nan), the generated code's.  Without it a helper would take the
# model of the function that first compiles it, and Numba's cache key does not
# record the model: a helper first compiled for a user's `@njit` code (Python's
# model) and cached raised `ZeroDivisionError` in generated code later.
NUMPY_ERRORS = {"error_model": "numpy"}


class UncacheableWarning(RuntimeWarning):
    """An implementation of srcgrad's closes over a Numba dispatcher: every
    process would cache it again (a bug of srcgrad's)."""


def cached_overload(func):
    """`@overload(func)`, its implementations compiled once per machine."""
    register = overload(func, jit_options=dict(CACHE, **NUMPY_ERRORS))

    def decorate(typer):
        @functools.wraps(typer)
        def checked(*args, **kwargs):
            impl = typer(*args, **kwargs)
            cells = getattr(impl, "__closure__", None) or ()
            if any(isinstance(cell.cell_contents, Dispatcher) for cell in cells):
                warnings.warn(f"{impl.__qualname__} closes over a dispatcher: it is cached "
                              "again by every process", UncacheableWarning, stacklevel=2)
            if impl is not None:
                _name_after(impl, func)
            return impl

        register(checked)
        return typer

    return decorate


def _name_after(impl, func) -> None:
    """Give `impl`, a function a factory or a typer made (`<locals>` in its
    qualified name), a qualified name of its own: the function it implements
    (`func`), then a digest of its code and of what it closes over, so that
    functions that differ have different symbols, the same in every process
    (why: the module's docstring; `vecmath`'s `lambda x: numpy_fn(x)` for
    `tanh` and for `sin`, `_axes_impl(ndim, ...)` for two ranks)."""
    if "<locals>" not in impl.__qualname__ or "__sg_" in impl.__qualname__:
        return
    owner = "" if func is None else \
        f"{getattr(func, '__module__', '')}.{getattr(func, '__qualname__', repr(func))}"
    digest = hashlib.sha256()
    _digest_code(impl.__code__, digest)
    for cell in impl.__closure__ or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        named = getattr(value, "__qualname__", None)
        digest.update((f"{getattr(value, '__module__', '')}.{named}" if named else
                       repr(value)).encode())
    tag = "".join(c if c.isalnum() else "_" for c in owner)
    impl.__qualname__ = f"{impl.__qualname__}__sg_{tag}_{digest.hexdigest()[:12]}"


def _digest_code(code, digest) -> None:
    """Add `code`'s bytecode and constants to `digest`; a nested function's or
    comprehension's code by its own contents (its repr holds an address,
    another in every process, which would name the function anew each time
    and cache it again without end)."""
    digest.update(code.co_code)
    for const in code.co_consts:
        if isinstance(const, type(code)):
            _digest_code(const, digest)
        else:
            digest.update(repr(const).encode())


def cached_jitable(fn):
    """`@register_jitable`, compiled once per machine."""
    _name_after(fn, None)
    return register_jitable(**NUMPY_ERRORS, **CACHE)(fn)


def compiled_once(fn):
    """A helper loop (generic over ranks and strides), compiled once per
    machine, with NumPy's error model."""
    _name_after(fn, None)
    return register_jitable(**NUMPY_ERRORS, **CACHE)(fn)
