"""Names in the generated code: fresh variables, adjoints, reserved globals.

Every name srcgrad makes is derived from a user's name or from the construct
it stands for (`cond_12` for the `if` on line 12, `bx` for the adjoint of
`x`), and never collides with a name already in use.
"""

from __future__ import annotations

import keyword
import re

__all__ = ["Namer"]



class Namer:
    """Hands out names that are not taken yet."""

    def __init__(self, taken: set[str] | frozenset[str] = frozenset()):
        self.taken: set[str] = set(taken) | set(keyword.kwlist)
        self._temps = 0
        self._variants: dict[str, str] = {}  # `x_2` -> `x`: the names `fresh` numbered

    def reserve(self, *names: str) -> None:
        """Take `names` without handing them out (a module's globals)."""
        self.taken.update(names)

    def fresh(self, base: str) -> str:
        """`base` itself if free, else `base_2`, `base_3`, ...  A base that
        this namer numbered so (`x_2`) counts on from its stem (`x_3`); one
        that only ends in a number (`n_minus_1`, `b_0`) keeps it, so that a
        second `n - 1` is `n_minus_1_2`, never `n_minus_2`."""
        base = base if base.isidentifier() else re.sub(r"\W", "_", base)
        if base not in self.taken:
            self.taken.add(base)
            return base
        stem = self._variants.get(base, base)
        k = 2
        while f"{stem}_{k}" in self.taken:
            k += 1
        name = f"{stem}_{k}"
        self.taken.add(name)
        self._variants[name] = stem
        return name

    def temp(self) -> str:
        """A temporary of the three-address form: `_t1`, `_t2`, ..."""
        while True:
            self._temps += 1
            name = f"_t{self._temps}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def adjoint(self, name: str) -> str:
        """The name of the adjoint of `name`: `bx` for `x`, `b_t1` for `_t1`."""
        return self.fresh("b" + name)
