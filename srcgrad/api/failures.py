"""What a gradient function does when its adjoint fails: srcgrad's errors,
at the user's line.

`Failures` is mixed into `GradFunction` (`gradient.py`).  A failure of the
generated code is turned into an `sg.SrcGradError` that names the user's file
and line (a Numba typing or lowering error becomes a `CompileError` at the
statement it came from, a rule's helper that refused its arguments a
`NoAdjointError` quoting the user's call, a `MemoryError` an
`OutOfMemoryError`), or, where Numba's on-disk cache of the module could not
be read, the adjoint is compiled afresh once and run again.
"""

from __future__ import annotations

import inspect
import linecache
import os
import re
import warnings
from collections.abc import Callable
from pathlib import Path

from ..backend.compile import (
    COMPILED,
    compile_error,
    from_numba_cache,
    from_numba_compiler,
    is_numba_error,
    jit,
    lowering_line,
    user_origin,
)
from ..backend.observe import Timing, log_timing
from ..cells import short_place
from ..errors import NoAdjointError, OutOfMemoryError, SrcGradError
from ..runtime.guards import NO_ADJOINT
from .calls import undecided


def quoting(cls: type, reason: str, file: str | None, line: int | None) -> SrcGradError:
    """A `cls` error at the user's `file:line` quoting that line's code."""
    text = linecache.getline(file, line).strip() if file and line else ""
    return cls(f"'{text}': {reason}" if text else reason, file, line)


class Failures:
    """The failure handling of `GradFunction`: it reads the gradient's `fn`,
    `target`, `_module`, `_impl`, `_lock` and `_fast`."""

    def _recompile(self, exc: Exception) -> Callable:
        """Numba could not read its cache of this module (a truncated or foreign
        file): drop that cache and compile afresh, once."""
        path = Path(self._module.__file__)
        stale = list((path.parent / "__pycache__").glob(f"{path.stem}.*"))
        warnings.warn(f"srcgrad: ignoring Numba's unreadable cache of {path.name} "
                      f"({type(exc).__name__}: {exc}); compiling again", RuntimeWarning,
                      stacklevel=3)
        for file in stale:
            file.unlink(missing_ok=True)
        with self._lock:
            self._impl = jit(self._impl.py_func, getattr(self.fn, "__name__", None))
            setattr(self._module, COMPILED, self._impl)
            self._fast = undecided  # it held the old function
        return self._impl

    def _failed(self, exc: Exception, values, seeds):
        """The adjoint's failure `exc` as srcgrad's error (or the adjoint run
        again, where Numba's cache of it was unreadable)."""
        if isinstance(exc, MemoryError):
            raise self._out_of_memory(exc) from exc
        if is_numba_error(exc) and NO_ADJOINT in str(exc):
            # a rule's helper refused its arguments' types (a matrix's norm of order 1)
            error = self._compile_error(exc)
            reason = next(part for part in re.split(r"[;\n]", str(exc)) if NO_ADJOINT in part)
            raise quoting(NoAdjointError, reason[reason.index(NO_ADJOINT):].strip(),
                           error.file, error.line) from None
        if is_numba_error(exc):
            raise self._compile_error(exc) from None
        if isinstance(exc, SrcGradError) and exc.file is None:
            # a rule's helper refused its arguments when it ran: say where
            raise quoting(type(exc), exc.reason, *self._user_origin(exc)) from None
        if from_numba_cache(exc):
            return self._recompile(exc)(*values, *seeds)
        if self.target == "cpu" and from_numba_compiler(exc):
            # Numba failed with an error of its own kind (a NotImplementedError
            # from its lowering, an unsupported bytecode)
            raise self._compile_error(exc, lowering_line(exc)) from None
        raise exc

    def _where(self) -> tuple[str, int]:
        """The user's file and the line of the function's `def`."""
        fn = self.fn
        while isinstance(fn, Failures):  # a derivative of higher order
            fn = fn.fn
        fn = getattr(fn, "py_func", fn)
        return inspect.getsourcefile(fn) or fn.__code__.co_filename, fn.__code__.co_firstlineno

    def _log_transform(self, generated, seconds: float) -> None:
        """The transformation's record under the `srcgrad` logger (`backend/observe.py`)."""
        file, line = self._where()
        name = getattr(self.fn, "__qualname__", None) or getattr(self.fn, "__name__", "f")
        log_timing(Timing("transform", f"{name} ({os.path.basename(file)}:{line})", self.target,
                          seconds, generated.name, lines=generated.source.count("\n")))

    def _user_origin(self, exc: Exception) -> tuple[str, int]:
        """The user's file and line of the generated statement that raised
        `exc` (the innermost one, in any generated module), else of the `def`."""
        file, first = self._where()
        tb, where = exc.__traceback__, None
        while tb is not None:
            path = tb.tb_frame.f_code.co_filename
            if os.path.basename(path).startswith("srcgrad_generated_"):
                where = path, tb.tb_lineno
            tb = tb.tb_next
        if where is not None:
            lines = Path(where[0]).read_text().splitlines() if os.path.exists(where[0]) else []
            user_file, line = user_origin(lines, where[1], {short_place(file): file})
            if line is not None:
                return user_file, line
        return file, first

    def _compile_error(self, exc: Exception, line: int | None = None) -> SrcGradError:
        file, first = self._where()
        return compile_error(exc, self._module.__file__, self.fn.__name__,
                             files={short_place(file): file}, line=line,
                             fallback=(file, first))

    def _out_of_memory(self, exc: MemoryError) -> OutOfMemoryError:
        file, first = self._where()
        detail = f" ({exc})" if str(exc) else ""
        return OutOfMemoryError(
            f"the gradient of {self.fn.__name__} ran out of memory{detail}: its reverse sweep "
            "keeps values from every iteration of the function's loops until it replays "
            "them. Run fewer iterations, or take the gradient of a shorter part of the "
            "computation at a time", file, first)
