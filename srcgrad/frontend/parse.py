"""Source → AST: read a function's source and what its names refer to.

A function typed into IPython or Jupyter is read from its cell, whose text
IPython keeps in `linecache` under the name the cell was compiled as
(`cells.py`); `file` is that name.

Guarantees to the next stage (`frontend/subset.py`): a `FunctionSource` whose `tree`
is the function's `ast.FunctionDef` without decorators, with line numbers
that are the real lines of `file`, and a `namespace` in which every free
name of the function can be looked up (globals, closure cells, builtins).
"""

from __future__ import annotations

import ast
import builtins
import inspect
import io
import linecache
import os
import sysconfig
import textwrap
import tokenize
import types
from dataclasses import dataclass

from .. import ir
from ..cells import is_interactive
from ..errors import UnsupportedSyntaxError

__all__ = ["FunctionSource", "read_function", "user_function"]


@dataclass(frozen=True)
class FunctionSource:
    fn: types.FunctionType
    tree: ast.FunctionDef
    file: str
    lines: tuple[str, ...]  # the file's lines, for error messages and comments
    namespace: dict[str, object]

    @property
    def name(self) -> str:
        return self.tree.name

    def line_text(self, line: int) -> str:
        """The source line, stripped, without a trailing comment."""
        if not 1 <= line <= len(self.lines):
            return ""
        text = self.lines[line - 1].strip()
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
        except (tokenize.TokenError, SyntaxError):  # a line that continues below
            return text
        for token in tokens:
            if token.type == tokenize.COMMENT:
                return text[:token.start[1]].rstrip()
        return text

    def origin(self, node: ast.AST) -> ir.Origin:
        """Where `node` sits in the user's code (the function's line if it has none)."""
        line = getattr(node, "lineno", self.tree.lineno)
        return ir.Origin(self.file, line, self.line_text(line))

    def error(self, node: ast.AST, message: str, cls=UnsupportedSyntaxError):
        return cls(message, self.file, getattr(node, "lineno", self.tree.lineno))


def _library_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    dirs = {os.path.realpath(paths[k]) for k in ("stdlib", "platstdlib", "purelib", "platlib")
            if k in paths}
    return tuple(sorted(dirs))


def user_function(obj: object) -> types.FunctionType | None:
    """The Python function behind `obj` if srcgrad should transform it: a plain
    function (or a Numba dispatcher of one) from the user's code, not from an
    installed library or the standard library, whose functions need a rule."""
    py_func = getattr(obj, "py_func", None)  # numba.njit dispatchers
    if isinstance(py_func, types.FunctionType):
        obj = py_func
    if not isinstance(obj, types.FunctionType) or not obj.__code__.co_filename:
        return None
    if is_interactive(obj.__code__.co_filename):  # a cell, whatever the current directory
        return obj
    file = os.path.realpath(obj.__code__.co_filename)
    if any(file.startswith(d + os.sep) for d in _library_dirs()):
        return None
    return obj


def read_function(fn: types.FunctionType) -> FunctionSource:
    file = inspect.getsourcefile(fn) or fn.__code__.co_filename
    try:
        # by the code object: `inspect.getsourcelines(fn)` would follow `__wrapped__`
        # to a decorated function and read that instead of `fn` itself
        source_lines, first_line = inspect.getsourcelines(fn.__code__)
    except (OSError, TypeError) as exc:
        raise UnsupportedSyntaxError(
            f"cannot read the source of {fn.__qualname__} ({exc}); srcgrad differentiates "
            "functions defined in files and in IPython or Jupyter cells"
        ) from None
    tree = ast.parse(textwrap.dedent("".join(source_lines)))
    ast.increment_lineno(tree, first_line - 1)
    node = tree.body[0]
    if isinstance(node, ast.AsyncFunctionDef):
        raise UnsupportedSyntaxError("'async def' functions cannot be differentiated", file, node.lineno)
    if not isinstance(node, ast.FunctionDef):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
            raise UnsupportedSyntaxError("'lambda' functions cannot be differentiated; use def", file, node.lineno)
        raise UnsupportedSyntaxError(f"cannot find the definition of {fn.__qualname__}", file, first_line)
    if node.name != fn.__code__.co_name:
        # the file changed after Python read it: the lines the function was
        # compiled from now hold other code, which srcgrad must not differentiate
        raise UnsupportedSyntaxError(
            f"the source of {fn.__qualname__} has changed since Python loaded it: line "
            f"{first_line} of the file now defines '{node.name}'; reload the module (or "
            "restart) so that the function and its source agree", file, first_line)
    node.decorator_list = []
    namespace: dict[str, object] = dict(vars(builtins))
    namespace.update(fn.__globals__)
    if fn.__closure__:
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__):
            try:
                namespace[name] = cell.cell_contents
            except ValueError:  # an empty cell: defined later in the enclosing scope
                pass
    lines = tuple(linecache.getlines(file)) or tuple(source_lines)
    return FunctionSource(fn, node, file, lines, namespace)
