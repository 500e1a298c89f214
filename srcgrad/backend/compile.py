"""Source text → a callable: the generated module, written to a real file.

The adjoint's source is written to `<cache>/<name>_<hash>.py` and imported
as a module registered in `sys.modules`, so that tracebacks, `pdb` and
`inspect` show its lines and Numba can cache the compiled code on disk
(`njit(cache=True)` needs a file; a second process finds the module by
name).  The hash covers the source, srcgrad's version and the values of
the globals injected into the module, so a changed input never runs a
stale file.  The cache directory is `$SRCGRAD_CACHE_DIR`, else the user's
cache directory (`$XDG_CACHE_HOME/srcgrad` or `~/.cache/srcgrad`); if it
cannot be written, a temporary directory is used, with a warning.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.abc
import importlib.util
import os
import re
import sys
import tempfile
import threading
import types
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import numpy as np

from .. import __version__
from ..errors import CompileError
from ..runtime.machinecode import GENERATED_PREFIX, SOURCES_DIGEST
from .observe import LOGGER, observed

__all__ = ["cache_dir", "load_module", "compile_error", "user_origin"]

_LOCK = threading.Lock()
_FALLBACK: Path | None = None
_PREFIX = GENERATED_PREFIX  # the name of every generated module begins so


def cache_dir() -> Path:
    configured = os.environ.get("SRCGRAD_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "srcgrad"


@functools.cache
def _fingerprint() -> bytes:
    """srcgrad's own code, which the generated module imports: a change to a
    runtime helper must not run against Numba's cache of the old one."""
    return hashlib.sha256(f"{__version__} {SOURCES_DIGEST}".encode()).digest()


def _digest(source: str, injected: dict[str, object]) -> str:
    h = hashlib.sha256()
    h.update(_fingerprint())
    h.update(source.encode())
    for name in sorted(injected):
        value = injected[name]
        h.update(name.encode())
        if isinstance(value, np.ndarray):
            h.update(str((value.dtype, value.shape)).encode())
            h.update(np.ascontiguousarray(value).tobytes())
        elif callable(value):  # by name: a repr may hold a memory address
            module = getattr(value, "__module__", None) or ""
            h.update(f"{module}.{getattr(value, '__qualname__', '')}".encode())
            code = _python_code(value)
            if code is not None:
                _hash_code(h, code)
            elif module.split(".")[0] not in _STABLE and not isinstance(value, np.ufunc):
                # code that cannot be read (a user's C extension): this process's
                # object, so that Numba's cache of another never runs in its place
                h.update(f"{os.getpid()} {id(value)}".encode())
        else:
            h.update(repr(value).encode())
    return h.hexdigest()[:20]


# the libraries whose callables (and NumPy's and SciPy's ufuncs, whose
# __module__ may be None) a module's digest may know by name alone: their
# code changes only with their version
_STABLE = frozenset({"numpy", "scipy", "math", "cmath", "builtins", "srcgrad", "numba"})


def _python_code(value: object) -> types.CodeType | None:
    """The Python code behind a callable: a function's, a Numba dispatcher's
    (`njit`), a Numba ufunc's (`vectorize`, `guvectorize`), a bound method's."""
    for path in ((), ("py_func",), ("_dispatcher", "py_func"), ("gufunc_builder", "py_func"),
                 ("__func__",)):
        obj = value
        for attr in path:
            obj = getattr(obj, attr, None)
        code = getattr(obj, "__code__", None)
        if isinstance(code, types.CodeType):
            return code
    return None


def _hash_code(h, code: types.CodeType) -> None:
    """A function's code into the digest `h`: its bytecode and its constants
    (`x * 2` and `x * 3` differ only there: a function redefined in a
    notebook cell with another constant must not find Numba's cache of the
    old one), nested functions' code too."""
    h.update(code.co_code)
    h.update(repr(code.co_names).encode())
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _hash_code(h, const)
        else:
            h.update(f"{type(const).__name__}:{const!r};".encode())


def _writable_dir() -> Path:
    global _FALLBACK
    directory = cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / f".probe-{os.getpid()}-{threading.get_ident()}"
        probe.write_text("")
        probe.unlink()
        return directory
    except OSError as exc:
        if _FALLBACK is None:
            _FALLBACK = Path(tempfile.mkdtemp(prefix="srcgrad-"))
            warnings.warn(f"srcgrad: cannot write to the cache directory {directory} ({exc}); "
                          f"using {_FALLBACK}", RuntimeWarning, stacklevel=4)
        return _FALLBACK


def load_module(source: str, stem: str, injected: dict[str, object]) -> ModuleType:
    digest = _digest(source, injected)
    module_name = f"{_PREFIX}{stem}_{digest}"
    with _LOCK:
        module = sys.modules.get(module_name)
        if module is not None and not hasattr(module, _STAND_IN) and all(
                module.__dict__.get(k) is v for k, v in injected.items()):
            LOGGER.debug("%s: module %s already loaded in this process", stem, module_name)
            return module
        # else a module of the same source, loaded for other objects of the same
        # values: this one reads its own (an array changed in place later is
        # seen by the gradient that captured it, not by another one)
        directory = _writable_dir()
        path = directory / f"{module_name}.py"
        if not path.exists() or path.read_text() != source:
            tmp = directory / f".{module_name}.{os.getpid()}.{threading.get_ident()}.tmp"
            tmp.write_text(source)
            os.replace(tmp, path)
            LOGGER.debug("%s: wrote %s", stem, path)
        else:
            LOGGER.debug("%s: found %s in the cache directory", stem, path)
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        module.__dict__.update(injected)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
        module.__dict__.update(injected)
        return module


class _GeneratedModules(importlib.abc.MetaPathFinder):
    """Finds a generated module by its name in the cache directory.  Numba's
    on-disk cache of the user's own `@njit(cache=True)` function that calls a
    gradient function (`api/nopython.py`) imports, in a new process, the
    modules of the compiled code it includes, by name, before srcgrad has
    loaded them; such a module is imported as it is, without the globals a
    gradient injects (`load_module` loads it again where it needs them).

    A module that is not there (that process wrote it into another cache
    directory, or the directory was emptied since) is imported as an empty
    stand-in: Numba's compiled code has what it calls compiled into it and
    reads no global of that module; `load_module` replaces the stand-in."""

    def find_spec(self, name, path=None, target=None):
        if path is not None or not name.startswith(_PREFIX):
            return None
        file = cache_dir() / f"{name}.py"
        if _FALLBACK is not None and not file.exists():
            file = _FALLBACK / f"{name}.py"
        if file.exists():
            return importlib.util.spec_from_file_location(name, file)
        return importlib.util.spec_from_loader(name, _StandIn())


_STAND_IN = "__srcgrad_stand_in__"


class _StandIn(importlib.abc.Loader):
    """Makes the empty stand-in of a generated module that is not on disk."""

    def create_module(self, spec):
        return None  # the default module

    def exec_module(self, module):
        setattr(module, _STAND_IN, True)


sys.meta_path.append(_GeneratedModules())


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def compile_error(exc: Exception, path: str, what: str, *, files: dict[str, str] | None = None,
                  line: int | None = None,
                  fallback: tuple[str, int] | None = None) -> CompileError:
    """A CompileError quoting the generated line Numba complained about and
    the user's line it comes from.

    `files` maps the file names of the generated comments (`model.py`) to
    their paths; `line` is the generated line where Numba's message does not
    say it; `fallback` the user's (file, line) to name where neither does."""
    text = _ANSI.sub("", str(exc)) or f"{type(exc).__name__} raised inside Numba's compiler"
    lines = Path(path).read_text().splitlines() if os.path.exists(path) else []
    where = line
    for match in re.finditer(r'(?:File "([^"]+)", line|Raised from (\S+)) \(?(\d+)\)?', text):
        if os.path.basename(match.group(1) or match.group(2)) == os.path.basename(path):
            where = int(match.group(3))
    reason = _reason(text)
    quoted = ""
    file = line = None
    if where is not None and 1 <= where <= len(lines):
        quoted = f"\n    {lines[where - 1].strip()}\n(line {where} of {path})"
        file, line = user_origin(lines, where, files)
    if file is None and fallback is not None:
        file, line = fallback
    message = (f"Numba could not compile the gradient of {what}: {reason}{quoted}\n"
               "Pass target='python' to run the gradient without Numba.")
    return CompileError(message, file, line)


def user_origin(lines: list[str], where: int,
                files: dict[str, str] | None = None) -> tuple[str | None, int | None]:
    """The user's (file, line) that line `where` of generated code comes
    from: the `# file:line:` comment heading its block.  `files` maps the
    file names of the comments to their paths."""
    for k in range(min(where, len(lines)) - 1, -1, -1):
        m = re.match(r"\s*# (?:grad of )?(.+?):(\d+):", lines[k])
        if m:
            file = m.group(1)
            return (files or {}).get(file, file), int(m.group(2))
    return None, None


def _reason(text: str) -> str:
    """Numba's reason, in one or two lines: the call it could not type, and the
    innermost specific error an implementation raised, if any."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    untyped = specific = None
    for k, line in enumerate(lines):
        if line.startswith("No implementation of function") and untyped is None:
            signature = next((s for s in lines[k + 1:k + 3] if s.startswith(">>>")), "")
            untyped = f"no implementation for {signature[3:].strip()}" if signature else line
        elif "TypingError:" in line:
            message = line.split("TypingError:", 1)[1].strip()
            if not message.startswith("Failed in "):  # a nested pipeline, not a reason
                specific = message
        elif line.startswith(("Cannot", "Unknown attribute", "Invalid use")) and specific is None:
            specific = line
    parts = [p for p in (untyped, specific) if p]
    if not parts:
        parts = [next((s for s in lines if not s.startswith(("Failed in", "During:"))),
                      "unknown error")]
    return "; ".join(parts)


COMPILED = "__srcgrad_compiled__"  # a generated module's attribute holding its Numba dispatcher


def load_generated(source: str, stem: str, injected: dict[str, object], name: str,
                   target: str, functions: Sequence[str] = ()) -> tuple[ModuleType, Callable]:
    """The generated module of `source` and its function `name`, compiled
    for `target` ("cpu": by Numba, one dispatcher per module; else as it is).
    `functions`: the module's other functions, which `name` calls (those of
    its recursive calls, `ir/recursion.py`): compiled too, each module global
    a dispatcher, which Numba types a call of (a recursive one included)."""
    module = load_module(source, stem, injected)
    function = getattr(module, name)
    if target == "cpu":
        _compile_called_functions(module, injected)
        for other in functions:
            value = module.__dict__[other]
            if isinstance(value, types.FunctionType):
                setattr(module, other, jit(value, f"{stem}: {other}", cache=False))
        function = module_dispatcher(module, function, stem)
    return module, function


def _compile_called_functions(module: ModuleType, injected: dict[str, object]) -> None:
    """A plain Python function the generated code calls (one of the user's
    with its own adjoint rule, `@sg.adjoint(f)`, called rather than inlined)
    compiled by Numba too, so that the compiled adjoint can call it."""
    import numba

    for name, value in injected.items():
        if isinstance(value, types.FunctionType) and module.__dict__.get(name) is value:
            setattr(module, name, numba.njit(error_model="numpy")(value))


def module_dispatcher(module: ModuleType, function: Callable, what: str) -> Callable:
    """`function` of the generated `module`, compiled: one dispatcher per
    module, so that code generated again from the same globals runs what was
    compiled for them.  `what` names the user's function in the log."""
    jitted = module.__dict__.get(COMPILED)
    if jitted is None or jitted.py_func is not function:
        jitted = jit(function, what)
        setattr(module, COMPILED, jitted)
    return jitted


_UNCACHED = "_srcgrad_uncached"  # marks a dispatcher whose code Numba must not cache


def jit(function: Callable, what: str | None = None, cache: bool = True) -> Callable:
    """`function` compiled by Numba, each compile (or load from Numba's disk
    cache) logged as the work for `what` (`observe.py`).  NumPy's error
    model: a float divided by zero is an infinity or nan, as in NumPy, not a
    `ZeroDivisionError` (the adjoints of `sqrt` at 0 and of `x / y` at
    `y == 0` divide by zero).

    Compiled without Numba's disk cache where `cache` is False, and where
    `function` calls a dispatcher compiled so: a recursive function
    (`ir/recursion.py`), and whatever calls one, which Numba 0.68 loads
    back from its cache broken (a crash, or an unresolved symbol)."""
    import numba

    cache = cache and not any(getattr(v, _UNCACHED, False)
                              for v in getattr(function, "__globals__", {}).values())
    dispatcher = numba.njit(cache=cache, error_model="numpy")(function)
    if not cache:
        setattr(dispatcher, _UNCACHED, True)
    return observed(dispatcher, what or function.__name__, "cpu")


def from_numba_cache(exc: Exception) -> bool:
    """Whether `exc` was raised while Numba loaded its on-disk cache."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.replace(os.sep, "/").endswith("numba/core/caching.py"):
            return True
        tb = tb.tb_next
    return False


def from_numba_compiler(exc: Exception) -> bool:
    """Whether `exc` was raised while Numba compiled (not ran) the adjoint."""
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name == "_compile_core" and code.co_filename.replace(os.sep, "/").endswith(
                "numba/core/compiler.py"):
            return True
        tb = tb.tb_next
    return False


def lowering_line(exc: Exception) -> int | None:
    """The generated line that Numba was lowering when `exc` was raised."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        inst = tb.tb_frame.f_locals.get("inst") if tb.tb_frame.f_code.co_name == "lower_inst" \
            else None
        loc = getattr(inst, "loc", None)
        if loc is not None and getattr(loc, "line", None):
            line = loc.line
        tb = tb.tb_next
    return line


def is_numba_error(exc: Exception) -> bool:
    try:
        from numba.core.errors import NumbaError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, NumbaError)
