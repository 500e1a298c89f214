"""The errors srcgrad raises, all derived from `SrcGradError`.

Each error that concerns the user's code carries the place it points at
(`file:line`) and leads its message with it, so that editors and terminals
turn it into a link.
"""

from __future__ import annotations

__all__ = [
    "SrcGradError",
    "UnsupportedSyntaxError",
    "NoAdjointError",
    "CompileError",
    "OutOfMemoryError",
    "LoopLimitError",
    "UnsupportedArgumentError",
]


class SrcGradError(Exception):
    """Base class of every error srcgrad raises about the code it transforms."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        self.file = file
        self.line = line
        self.reason = message
        if file is not None and line is not None:
            message = f"{file}:{line}: {message}"
        super().__init__(message)


class UnsupportedSyntaxError(SrcGradError):
    """A construct outside the subset of Python that srcgrad differentiates."""


class NoAdjointError(SrcGradError):
    """A call to a function that has no adjoint rule and cannot be transformed."""


class CompileError(SrcGradError):
    """The target (Numba, Numba-CUDA) could not compile the generated adjoint."""


class OutOfMemoryError(SrcGradError, MemoryError):
    """The gradient needed more memory than there is: the values its reverse
    sweep saves, one set per loop iteration, did not fit."""


class LoopLimitError(SrcGradError):
    """A loop ran more often than `max_trips` allows (target="cuda") for some
    element: the values its iterations save did not fit in their storage."""


class UnsupportedArgumentError(SrcGradError, TypeError):
    """An argument of a kind the gradient function does not take (a tuple,
    list or dict of arrays where an array is differentiated); it names the
    parameter and points at the function's definition."""
