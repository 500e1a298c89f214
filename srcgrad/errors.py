"""The errors srcgrad raises, all derived from `SrcGradError`.

Each error that concerns the user's code carries the place it points at
(`file:line`) and leads its message with it, so that editors and terminals
turn it into a link; a function typed into IPython or Jupyter is placed in
its cell, `Cell In[3]:2:` (`cells.py`), and `.file` keeps the name that
`linecache` knows the cell's lines by.  IPython and Jupyter show such an
error without srcgrad's own frames (`_render_traceback_`): the user's calls
that led to it, and the message.
"""

from __future__ import annotations

import os
import sys
import traceback

from .cells import place

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
            message = f"{place(file)}:{line}: {message}"
        super().__init__(message)

    def _render_traceback_(self) -> list[str]:
        """What IPython and Jupyter show for this error: the frames of the
        user's code that led to it (a cell named as IPython names it), not
        srcgrad's or IPython's own, then the message, which says where the
        fault is."""
        hidden = [_PACKAGE]
        ipython = sys.modules.get("IPython")
        if getattr(ipython, "__file__", None):
            hidden.append(os.path.dirname(os.path.realpath(ipython.__file__)) + os.sep)
        shown = ["Traceback (most recent call last):"]
        for frame in traceback.extract_tb(self.__traceback__):
            if os.path.realpath(frame.filename).startswith(tuple(hidden)):
                continue
            name = place(frame.filename)
            where = (f"{name}, line {frame.lineno}" if name != frame.filename
                     else f'File "{frame.filename}", line {frame.lineno}')
            shown.append(f"  {where}, in {frame.name}")
            if frame.line:
                shown.append(f"    {frame.line}")
        return [*shown, f"{type(self).__name__}: {self}"]


_PACKAGE = os.path.dirname(os.path.realpath(__file__)) + os.sep


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
