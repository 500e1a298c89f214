"""Recursive functions: the functions a generated module defines beside its main one.

The front end inlines a call of the user's own function, unless the call
closes a cycle (`det` calling `det`, or `f` calling `g` calling `f`).  Such
a call is kept as a call of a function that srcgrad generates once per
user function, in the same module as the main function, and that calls
itself where the user's function recursed:

    det_primal(A)            the value, as the user's `det` computes it;
    det_vjp(A, g)            the cotangents of the parameters of a call,
                             given the cotangent `g` of its result: it runs
                             det's forward sweep (calling `det_primal` for
                             each recursive call's value), then its reverse
                             sweep, in which each recursive call's
                             cotangents come from `det_vjp` itself;
    det_jvp(A, dA)           `(value, tangent)`, forward mode, whose
                             recursive calls are calls of `det_jvp`.

The recursion stops where the user's function stops, so no bound on its
depth is needed; each level of the reverse sweep runs its own level's
forward sweep again (checkpointing at call boundaries, the "joint mode"
of Tapenade), which costs about one primal evaluation per level.

`Recursion` is the plan of one generated module: the `RecursiveFunction`
of each user function met in a cycle (the `Assign.primitive` of its
calls), the names of the module-level functions it needs, and the requests
for those not generated yet, which the pipeline works off after the main
function (`backend/recursive.py`).  A vjp or jvp is generated per set of
parameters that receive a cotangent (or have a tangent) at the call:
those whose argument is active there.  All the functions of one module
take their names from `fresh`, which no namer of the module hands out, and
share one table of injected globals.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field

from .naming import Namer

__all__ = ["Recursion", "RecursiveFunction", "Request"]


@dataclass(eq=False)
class RecursiveFunction:
    """A user function that recurses: the primitive of the calls that close
    its cycle, which call its generated primal (`primal`, a module-level name)."""

    fn: types.FunctionType
    params: list[str]  # the user's parameter names, in order (each call passes all)
    primal: str
    stacks: bool  # the function is generated code read back (its lists are stacks)
    plan: Recursion
    rule: object = None  # its adjoint rule: every parameter differentiable (frontend/recursion.py)

    def __post_init__(self):
        # named as the user's function, where an error message names a call's callable
        self.__name__ = self.fn.__name__
        self.__qualname__ = self.fn.__qualname__

    def __repr__(self) -> str:
        return f"<recursive {self.fn.__qualname__}>"

    def __deepcopy__(self, memo: dict) -> RecursiveFunction:
        return self  # a primitive, known by its identity (a copy of the IR calls the same one)


@dataclass(eq=False)
class Request:
    """A module-level function to generate: `kind` "primal", "vjp" or "jvp"
    of `entry`, named `name`; a vjp or jvp differentiates the parameters at
    `positions`."""

    kind: str
    entry: RecursiveFunction
    positions: tuple[int, ...]
    name: str


@dataclass(eq=False)
class Recursion:
    """The plan of one generated module's recursive functions (see the
    module's docstring)."""

    entries: dict[object, RecursiveFunction] = field(default_factory=dict)
    globals: dict[str, object] = field(default_factory=dict)  # shared by all its functions
    bindings: list = field(default_factory=list)  # the user's global reads, of all of them
    requests: list[Request] = field(default_factory=list)
    namers: list[Namer] = field(default_factory=list)  # of every function of the module
    _names: dict[tuple, str] = field(default_factory=dict)  # (kind, fn, positions) → name
    _done: int = 0

    @property
    def names(self) -> set[str]:
        """The module-level names taken so far: functions and injected globals."""
        return {r.name for r in self.requests} | set(self.globals)

    def fresh(self, base: str) -> str:
        """A module-level name that no function of the module uses, reserved in
        each of their namers."""
        taken = set(self.globals)
        for namer in self.namers:
            taken |= namer.taken
        name = Namer(taken).fresh(base)
        for namer in self.namers:
            namer.reserve(name)
        return name

    def adopt(self, namer: Namer) -> None:
        """Count `namer` among the module's: the names it hands out from now
        on avoid the module-level ones, and those made later avoid its own."""
        namer.reserve(*self.names)
        self.namers.append(namer)

    def entry(self, fn: types.FunctionType, params: list[str], stacks: bool) -> RecursiveFunction:
        """The `RecursiveFunction` of `fn`, made (with its primal requested) the first time."""
        found = self.entries.get(fn)
        if found is None:
            found = RecursiveFunction(fn, params, "", stacks, self)
            found.primal = self._request("primal", found, ())
            self.entries[fn] = found
        return found

    def vjp(self, entry: RecursiveFunction, positions: tuple[int, ...]) -> str:
        """The name of `entry`'s vjp with respect to the parameters at `positions`."""
        return self._request("vjp", entry, positions)

    def jvp(self, entry: RecursiveFunction, positions: tuple[int, ...]) -> str:
        """The name of `entry`'s jvp along the parameters at `positions`."""
        return self._request("jvp", entry, positions)

    def _request(self, kind: str, entry: RecursiveFunction, positions: tuple[int, ...]) -> str:
        key = (kind, entry.fn, positions)
        if key not in self._names:
            name = self.fresh(f"{entry.fn.__name__}_{kind}")
            self._names[key] = name
            self.requests.append(Request(kind, entry, positions, name))
        return self._names[key]

    def next_request(self) -> Request | None:
        """The next function to generate, in the order they were requested."""
        if self._done == len(self.requests):
            return None
        self._done += 1
        return self.requests[self._done - 1]
