"""Markers: the `Assign.primitive` of values that call no function.

The front end resolves every call to the callable it calls and keeps it in
`Assign.primitive`; a value that is not a call gets one of these markers
instead, so that later passes ask `stmt.primitive is SUBSCRIPT` rather than
look at the shape of the expression.
"""

from __future__ import annotations

__all__ = ["Marker", "SUBSCRIPT", "TUPLE"]


class Marker:
    """A named stand-in for a primitive; compared by identity."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


SUBSCRIPT = Marker("SUBSCRIPT")  # primitive of `a[index]`
TUPLE = Marker("TUPLE")  # primitive of `(a, b)`
