"""Run-time guards against aliasing, as typed statements.

A `Guard` is an `ExprStmt` that calls one of the runtime's aliasing checks
and says why it is there (`GuardKind`), so that a pass decides what to do
with a guard from its kind, never from the text of its message:

- `UPDATE`: `refuse_inplace_alias(x, message)` before `x = x + e`, where the
  user's `x += e` changes an array in place (the front end puts it before
  every such update; `aliasing.drop_needless_guards` keeps it only where a
  name sharing `x` is read later).
- `SHARED`: `refuse_shared(y, x, message)`: `y`, read later, must not share
  memory with `x`, which is written (placed by `aliasing`).
- `AFTER_DEFINITION`: `refuse_inplace_alias(y, message)` right after `y` is
  assigned, where a later write into an array `y` may share is refused if
  `y` is an array (placed by `aliasing.check_stores`).
- `GENERATED`: a guard read back from a generated adjoint that is
  differentiated again: it was decided when that adjoint was generated.
"""

from __future__ import annotations

import ast
import enum
from dataclasses import dataclass

from .nodes import ExprStmt, Origin

__all__ = ["GuardKind", "Guard", "GUARD_HELPERS", "guard"]


class GuardKind(enum.Enum):
    UPDATE = enum.auto()
    SHARED = enum.auto()
    AFTER_DEFINITION = enum.auto()
    GENERATED = enum.auto()

    @property
    def helper(self) -> str:
        """The runtime function a guard of this kind calls."""
        return _HELPERS[self]


_HELPERS = {GuardKind.UPDATE: "refuse_inplace_alias", GuardKind.SHARED: "refuse_shared",
            GuardKind.AFTER_DEFINITION: "refuse_inplace_alias"}

# the runtime's aliasing checks, which generated code calls as guards
GUARD_HELPERS = frozenset(_HELPERS.values())


@dataclass(eq=False)
class Guard(ExprStmt):
    """`helper(*names, message)`: a check of aliasing at run time."""

    kind: GuardKind = GuardKind.GENERATED

    @property
    def names(self) -> list[ast.expr]:
        """The checked arguments (the message left out)."""
        return self.value.args[:-1]

    @property
    def message(self) -> str:
        return self.value.args[-1].value


def guard(origin: Origin, kind: GuardKind, message: str, *names: ast.expr | str) -> Guard:
    """A guard of `kind` checking `names` (variables or atoms), with `message`."""
    args = [ast.Name(n, ast.Load()) if isinstance(n, str) else n for n in names]
    call = ast.Call(ast.Name(kind.helper, ast.Load()), [*args, ast.Constant(message)], [])
    return Guard(origin, call, kind)
