"""Functions typed into IPython and Jupyter: the cell a function comes from.

IPython compiles each cell under a name of its own and registers the
cell's text with `linecache` under that name, with no modification time so
that it never expires: `<ipython-input-3-1a2b3c4d5e6f>` in the terminal and
in `InteractiveShell.run_cell`, `/tmp/ipykernel_<pid>/<hash>.py` (a file
that does not exist) in a Jupyter kernel; Python 3.13's own REPL does the
same with `<python-input-0>`.  `inspect` finds a cell function's source
there, so the front end reads it as it reads a file's.  What differs is the
name shown: in messages and in the comments of generated code a cell is
`Cell In[3]`, as IPython's tracebacks call it (its execution count, the
latest where the same text ran again), a file its path in messages and its
base name in comments.

Nothing here imports IPython: a session that runs it has imported it.
"""

from __future__ import annotations

import linecache
import os
import re
import sys

__all__ = ["cell_name", "is_interactive", "place", "short_place"]

_INPUT = re.compile(r"<ipython-input-(\d+)-[0-9a-f]+>")


def cell_name(file: str) -> str | None:
    """IPython's name of the cell compiled as `file` (`Cell In[3]`); None
    for a file, or for a Jupyter cell of a kernel that is not this process."""
    named = _format_code_name(file)
    if named is not None:
        return " ".join(named)
    match = _INPUT.fullmatch(file)
    return f"Cell In[{match.group(1)}]" if match else None


def is_interactive(file: str) -> bool:
    """Whether `file` names code typed into an interactive session (an
    IPython cell, a line of Python 3.13's REPL): not a file on disk, but
    lines `linecache` keeps for good."""
    entry = linecache.cache.get(file)
    return (entry is not None and len(entry) == 4 and entry[1] is None
            and not os.path.exists(file))


def place(file: str) -> str:
    """How an error message names `file`: `Cell In[3]` for a cell, else as given."""
    return cell_name(file) or file


def short_place(file: str) -> str:
    """How a comment of generated code names `file`: `Cell In[3]` for a
    cell, else its base name."""
    return cell_name(file) or os.path.basename(file)


def _format_code_name(file: str) -> tuple[str, str] | None:
    """The running IPython's (label, name) of the code it compiled as
    `file`, `("Cell", "In[3]")`, as its tracebacks show it; None outside
    IPython and for a file."""
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    try:
        shell = get_ipython() if get_ipython is not None else None
        named = shell.compile.format_code_name(file) if shell is not None else None
    except Exception:  # an IPython older than 8, or half torn down at exit
        return None
    if isinstance(named, tuple) and len(named) == 2 and all(isinstance(s, str) for s in named):
        return named
    return None
