"""Vector forward mode: k tangents carried through one sweep, in lanes.

`widen(tangent, k, namer, shared)` rewrites a tangent sweep (`forward.py`) so that
it carries k tangents at once: every statement that reads or writes a
tangent is written k times, once per lane, with its tangents renamed
(`dx` -> `dx_0` ... `dx_{k-1}`), while the primal's statements and its
control flow stay as they are, once:

    y = np.sin(x)                  y = np.sin(x)
    dy = np.cos(x) * dx     ─►     dy_0 = np.cos(x) * dx_0
                                   dy_1 = np.cos(x) * dx_1

So one call computes the value once and k columns of the Jacobian
(`J @ dx_0`, ..., `J @ dx_{k-1}`): an n-column Jacobian takes n/k sweeps
instead of n, each of them a primal and k tangents, with k independent
chains of arithmetic for the processor to overlap.  This is Enzyme's and
Tapenade's vector mode with the k lanes as k scalars (or k arrays) per
value, which Numba compiles as it compiles the primal (a trailing axis of
k would allocate a small array for every scalar operation).  What the
lanes share is computed once before them (`optimize/lanes.py`, which
widens statements for reverse mode's rows too), its temporaries added to
`shared` to be named like the others.  How many lanes a Jacobian
takes is `lanes_for`'s: fewer for a long function.

Guarantees: the function takes the lanes of each tangent parameter in turn
(`x, a, dx_0, ..., dx_{k-1}`) and returns the tuple of the k lanes of its
tangent result (`value=False` only); a stack of tangents has a stack per
lane, pushed and popped in step; a function with a recursive call (whose
jvp returns value and tangent together) is not widened (`widen` returns
None and the caller keeps one lane).
"""

from __future__ import annotations

import ast

from ..ir.naming import Namer
from ..ir.parts import clone
from ..optimize.lanes import LANE_STATEMENTS, LANES, Sharing, widened
from ..optimize.names import rename_names
from .forward import TangentBody

__all__ = ["LANES", "LANE_STATEMENTS", "lanes_for", "widen"]


def lanes_for(source: str, n: int) -> int:
    """The lanes for an n-column Jacobian whose one-lane tangent function is
    `source`: up to `LANES`, fewer for a long function, never more than n."""
    statements = sum(1 for line in source.splitlines()
                     if line.startswith("    ") and not line.lstrip().startswith("#"))
    return max(1, min(n, LANES, LANE_STATEMENTS // max(statements, 1)))


def widen(tangent: TangentBody, k: int, namer: Namer, shared: set[str]
          ) -> dict[str, list[str]] | None:
    """Widen `tangent` (a sweep returning the tangent alone) to `k` lanes, in
    place; returns each tangent's lane names, or None where it cannot.  The
    temporaries it makes for what the lanes share are added to `shared`."""
    if tangent.recursive or k < 2:
        return None
    lanes = {name: [namer.fresh(f"{name}_{j}") for j in range(k)]
             for name in sorted(tangent.tangents)}
    maps = [{name: copies[j] for name, copies in lanes.items()} for j in range(k)]
    tangent.body = widened(tangent.body, set(lanes), maps, Sharing(namer, shared))
    tangent.returns = ast.Tuple([rename_names(clone(tangent.returns), m) for m in maps],
                                ast.Load())
    tangent.tangent_params = [lanes[p][j] for p in tangent.tangent_params for j in range(k)]
    tangent.temp_tangents = {c for t in tangent.temp_tangents for c in lanes.get(t, [t])}
    tangent.stacks = {c for s in tangent.stacks for c in lanes.get(s, [s])}
    tangent.tangents = {c for copies in lanes.values() for c in copies}
    return lanes
