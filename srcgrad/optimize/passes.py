"""Independent passes of a loop computed again in its reverse, for code Numba compiles.

Horner's rule for each point, `for i in range(n): y = c[0]; for k in ...:
y = y * x[i] + c[k]`, saves every `y` of the inner loop: the forward sweep
pushes n * m numbers (48 MB for half a million points and 13
coefficients), and the reverse sweep reads them all back, from memory
instead of cache.  The passes of the outer loop do not depend on each
other: each reads `x`, `c` and values it computes itself.  So the reverse
sweep can compute pass `i` again just before reversing it, pushing what
that pass needs, and the forward sweep pushes nothing (the stack never
holds more than one pass):

    for i in range(n):                      for i in range(n - 1, -1, -1):
        y = c[0]                                y = c[0]
        for k in range(1, m):                   for k in range(1, m):
            y = y * x[i] + c[k]                     y_stack.append(y)
        out[i] = y                                  y = y * x[i] + c[k]
                                                out[i] = y
                                                ... (the reverse of pass i)

Which loops: a `for` loop at the function's top level, without `break`,
that pushes inside a loop of its body (a pass saves a number of values that
grows with the data; a pass that saves a few values keeps its stack), whose
reverse is a top-level loop over the same indices holding every pop of
those pushes and no other, where:

- the names a pass assigns are its own: assigned and read nowhere else but
  in the loop and its reverse (no value carried from pass to pass);
- what a pass reads is unchanged from the loop to its reverse: no name it
  reads (nor the bounds) is assigned after the loop starts, no array it
  reads (or memory that array shares) is written after the loop starts;
- the arrays a pass writes, it does not read, and nothing after the
  reverse loop reads or writes them (writing them again changes nothing
  else);
- every call in the loop changes nothing (`math`, NumPy, srcgrad's rules).

A value the pass computed again pushes at its end and its reverse pops at
its start (a row's maximum, saved for the reverse of the row) is then
neither pushed nor popped: the pop would give back the value the name
holds.

Computing the passes again costs the loop's forward work once more; it is
done where a pass saves values from an inner loop, whose stack then fits in
cache.  A loop that writes no array (a pair loop whose energy the reverse
sweep does not read: it only saved each pair's distance) is then dropped
from the forward sweep: its reverse computes all it computed.
"""

from __future__ import annotations

import ast
import copy

from .. import ir
from ..adjoint.stacks import uncopied
from ..ir.effects import mutated_by_calls
from .ranks import Ranks

__all__ = ["nested_pushes", "recompute_passes", "replayable", "reverse_loop", "shared",
           "without_pushes", "written_arrays"]


def recompute_passes(body: list[ir.Stmt], returns: ast.expr, ranks: Ranks,
                     aliases: dict[str, set[str]]) -> bool:
    """Rewrite `body` in place (see the module's docstring); whether it
    changed.  `aliases`: names that may share memory (`alias_classes`)."""
    changed = False
    k = 0
    while k < len(body):
        loop = body[k]
        r = _reverse_of(body, k) if isinstance(loop, ir.For) else None
        written = None if r is None else _independent(body, k, r, returns, ranks, aliases)
        if written is None:
            k += 1
            continue
        reverse = body[r]
        # the writes into arrays, done again, would store what they stored
        again = _without_stores(copy.deepcopy(loop.body))
        reverse.body[:] = _without_meeting_pairs(again + _without_repeats(again, reverse.body))
        changed = True
        if written:
            loop.body = without_pushes(loop.body)
            k += 1
        else:
            del body[k]  # it only computed what its reverse computes again
    return changed


def _reverse_of(body: list[ir.Stmt], k: int) -> int | None:
    """The index of the loop that reverses `body[k]`, where its passes may be
    computed again there (the pushes and pops, the loops' headers)."""
    loop = body[k]
    if not (replayable(loop) and nested_pushes(loop)):
        return None
    return reverse_loop(body, k)


def replayable(loop: ir.For) -> bool:
    """Whether every pass of `loop` runs its whole body (no `break`, no
    `raise`, no loop that counts its trips) and no `while` loop inside it
    pushes an unknown number of values: its passes can run again."""
    return not loop.trips and not any(
        isinstance(s, (ir.ExitLoop, ir.Raise, ir.While)) or (isinstance(s, ir.For) and s.trips)
        for s in ir.walk(loop.body))


def nested_pushes(loop: ir.For) -> bool:
    """Whether `loop` saves values inside a loop of its body."""
    return any(isinstance(s, ir.Push) for inner in ir.walk(loop.body)
               if isinstance(inner, ir.For) for s in ir.walk(inner.body))


def reverse_loop(body: list[ir.Stmt], k: int) -> int | None:
    """The index of the top-level loop that reverses the loop `body[k]`: over
    the same indices, holding every pop of its pushes and no other."""
    loop = body[k]
    pushes = {id(s) for s in ir.walk(loop.body) if isinstance(s, ir.Push)}
    for r in range(k + 1, len(body)):
        pops = [s for s in ir.walk([body[r]]) if isinstance(s, (ir.Pop, ir.PopStore))]
        ours = [p for p in pops if p.push is not None and id(p.push) in pushes]
        if not ours:
            continue
        reverse = body[r]
        if len(ours) != len(pops) or not isinstance(reverse, ir.For) or reverse.ascending is None:
            return None
        if {id(p.push) for p in ours} != pushes:
            return None
        var, start, stop, step = reverse.ascending
        if var != loop.var or reverse.var != loop.var or \
                [ast.dump(e) for e in (start, stop, step)] != \
                [ast.dump(e) for e in (loop.start, loop.stop, loop.step)]:
            return None
        return r
    return None


def _independent(body: list[ir.Stmt], k: int, r: int, returns: ast.expr, ranks: Ranks,
                 aliases: dict[str, set[str]]) -> set[str] | None:
    """The arrays the passes of `body[k]` write, where they may be computed
    again at the top of the passes of `body[r]` (the conditions of the
    module's docstring), else None."""
    loop = body[k]
    statements = list(ir.walk(loop.body))
    if not all(isinstance(s, ir.Push) or ranks.pure(s) for s in statements if not ir.blocks(s)):
        return None
    own = set().union(*(ir.defined_names(s) for s in loop.body)) | {loop.var}
    reads = set().union(*(_reads(s) for s in statements)) | \
        ir.names_in(loop.start) | ir.names_in(loop.stop)
    inputs = reads - own
    written = set().union(*(written_arrays(s) for s in statements))
    elsewhere = [s for j, stmt in enumerate(body) if j not in (k, r) for s in ir.walk([stmt])]
    # a pass's own names: nowhere else
    for s in elsewhere:
        if (ir.defined_names(s) | _reads(s)) & own:
            return None
    if ir.names_in(returns) & (own | shared(written, aliases)):
        return None
    # its inputs: unchanged from the loop on (the reverse loop included)
    later = [s for stmt in body[k:] for s in ir.walk([stmt])]
    read_memory = shared(inputs, aliases)
    if any(ir.defined_names(s) & inputs for stmt in body[k + 1:] for s in ir.walk([stmt])):
        return None
    if any(written_arrays(s) & read_memory for s in later):
        return None
    # the arrays it writes: not read by a pass, not touched after the reverse loop
    written_memory = shared(written, aliases)
    if written_memory & reads:
        return None
    after = [s for stmt in body[r + 1:] for s in ir.walk([stmt])]
    if any((_reads(s) | written_arrays(s) | ir.defined_names(s)) & written_memory for s in after):
        return None
    return written


def shared(names: set[str], aliases: dict[str, set[str]]) -> set[str]:
    """`names` and every name that may share memory with one of them."""
    out = set(names)
    for name in names:
        out |= aliases.get(name, set())
    return out


def _reads(stmt: ir.Stmt) -> set[str]:
    """Names `stmt` itself reads (not the array a store writes into)."""
    if type(stmt) is ir.Store:
        return ir.names_in(stmt.index) | ir.names_in(stmt.value)
    names = ir.used_names(stmt)
    if isinstance(stmt, (ir.For, ir.While)):
        for field in ("start", "stop", "step", "test"):
            names |= ir.names_in(getattr(stmt, field, None))
    if isinstance(stmt, ir.If):
        names.add(stmt.test)
    return names


def written_arrays(stmt: ir.Stmt) -> set[str]:
    """Arrays `stmt` itself writes into (a store, an update in place, a
    call's), the stacks it pushes on or pops from left out."""
    out = set() if isinstance(stmt, (ir.Push, ir.Pop)) else mutated_by_calls(stmt)
    if isinstance(stmt, ir.Store):
        out.add(stmt.array)
    elif isinstance(stmt, ir.Accumulate):
        node = stmt.target
        while isinstance(node, (ast.Subscript, ast.Attribute)):
            node = node.value
        if isinstance(node, ast.Name) and node is not stmt.target:
            out.add(node.id)
    return out


def without_pushes(block: list[ir.Stmt]) -> list[ir.Stmt]:
    return _without(block, lambda stmt: isinstance(stmt, ir.Push))


def _without_stores(block: list[ir.Stmt]) -> list[ir.Stmt]:
    return _without(block, lambda stmt: type(stmt) is ir.Store)


def _without(block: list[ir.Stmt], dropped) -> list[ir.Stmt]:
    """`block` less the statements `dropped` picks, in the blocks inside it
    too (changed in place)."""
    out = []
    for stmt in block:
        if dropped(stmt):
            continue
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list):
                setattr(stmt, field, _without(inner, dropped))
        out.append(stmt)
    return out


def _without_meeting_pairs(block: list[ir.Stmt]) -> list[ir.Stmt]:
    """`block` less each push that its pop meets in it (`m_stack.append(m)`
    at the end of the pass computed again, `m = m_stack.pop()` at the start
    of its reverse), which gives `m` back the value it holds: nothing else
    in between pushes on that stack or pops from it, assigns the name, or
    (for a copy) writes into an array."""
    dropped: set[int] = set()
    for p, push in enumerate(block):
        if not isinstance(push, ir.Push) or push.shape:
            continue
        name, copied = uncopied(push.saved)
        if not isinstance(name, ast.Name):
            continue
        for q in range(p + 1, len(block)):
            pop = block[q]
            if type(pop) is ir.Pop and pop.stack == push.stack and not pop.shape:
                if pop.target == name.id:
                    dropped |= {p, q}
                break
            inner = list(ir.walk([pop]))
            if any(isinstance(s, (ir.Push, ir.Pop, ir.PopStore)) and s.stack == push.stack
                   for s in inner) or name.id in ir.defined_names(pop) or \
                    (copied and any(written_arrays(s) for s in inner)):
                break
    return [stmt for k, stmt in enumerate(block) if k not in dropped]


def _without_repeats(again: list[ir.Stmt], block: list[ir.Stmt]) -> list[ir.Stmt]:
    """`block` less the assignments that the pass computed again has just made
    (`c_shape_0 = c.shape[0]`, recomputed by the reverse of an inner loop):
    the same name, the same value, nothing it reads assigned since."""
    made = {}
    assigned: dict[str, int] = {}
    for stmt in again:
        for name in ir.defined_names(stmt):
            assigned[name] = assigned.get(name, 0) + 1
        if isinstance(stmt, ir.Assign) and type(stmt) is ir.Assign:
            made[stmt.target] = ast.dump(stmt.value)
    out = []
    for stmt in block:
        if (type(stmt) is ir.Assign and made.get(stmt.target) == ast.dump(stmt.value)
                and assigned.get(stmt.target) == 1
                and not ir.names_in(stmt.value) & set(assigned)):
            continue
        for name in ir.defined_names(stmt):
            assigned[name] = assigned.get(name, 0) + 1
        out.append(stmt)
    return out
