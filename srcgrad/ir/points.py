"""Points of the code: the gaps between the statements of a block.

An analysis that answers "what holds here" (which variables are live, which
surely have a value) answers it at a `Point`: a block and the statement right
after the point (`None` at the block's end).  A point names its place by that
statement, not by a count of the statements before it, so a pass that
inserts statements into the block (a guard before a store) still finds the
facts of the points around them.
"""

from __future__ import annotations

from .nodes import Stmt

__all__ = ["Point"]


class Point:
    """The gap of `block` just before `before` (at its end where `before` is None)."""

    __slots__ = ("block", "before")

    def __init__(self, block: list[Stmt], before: Stmt | None):
        self.block = block
        self.before = before

    @classmethod
    def at(cls, block: list[Stmt], gap: int) -> Point:
        """The point before `block[gap]` (the block's end for `gap == len(block)`)."""
        return cls(block, block[gap] if gap < len(block) else None)

    @property
    def gap(self) -> int:
        """How many statements of the block come before the point, now."""
        if self.before is None:
            return len(self.block)
        return next(k for k, s in enumerate(self.block) if s is self.before)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Point) and other.block is self.block
                and other.before is self.before)

    def __hash__(self) -> int:
        return hash((id(self.block), id(self.before)))

    def __repr__(self) -> str:
        where = "end" if self.before is None else type(self.before).__name__
        return f"Point(<block of {len(self.block)}>, before {where})"
