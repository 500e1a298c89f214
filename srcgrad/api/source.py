"""The generated code as `.source` returns it: a `str` that Jupyter highlights.

`GeneratedSource` is a `str` (printing it, comparing it, writing it to a
file are as they were) with the two methods by which IPython's display
asks an object for richer forms: `_repr_markdown_` (a fenced Python
block, which JupyterLab, Notebook 7 and VS Code highlight in their own
theme) and `_repr_html_` (the code highlighted by Pygments, which IPython
depends on; escaped plain text where it is missing).  A notebook cell that
ends with `df.source` shows the adjoint as highlighted Python; `print`
shows it as text, as before.
"""

from __future__ import annotations

import html

__all__ = ["GeneratedSource"]


class GeneratedSource(str):
    """Generated Python source: a `str`, shown highlighted in Jupyter."""

    __slots__ = ()

    def _repr_markdown_(self) -> str:
        fence = "```"
        while fence in self:  # a fence longer than any run of backticks in the code
            fence += "`"
        return f"{fence}python\n{self}\n{fence}\n"

    def _repr_html_(self) -> str:
        try:
            from pygments import highlight
            from pygments.formatters import HtmlFormatter
            from pygments.lexers import PythonLexer
        except ImportError:
            return f"<pre>{html.escape(str(self))}</pre>"
        return highlight(str(self), PythonLexer(),
                         HtmlFormatter(noclasses=True, nobackground=True))
