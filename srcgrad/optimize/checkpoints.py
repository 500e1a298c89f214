"""Checkpoints: a time-stepping loop's passes taped again, a segment at a time.

A loop that steps a state forward, `for _ in range(steps):` updating the
same arrays in each pass, saves what each pass overwrites: the tape grows
as steps times the state (164 MB for a chain of 512 masses over 10000
Verlet steps), and the reverse sweep reads it all back from memory instead
of cache, from pages the operating system hands over afresh on every call.
With checkpoints the forward sweep runs the passes before the last segment
as the function does, saving only the loop's state at the start of each
segment of `every` passes, and tapes the last segment; the reverse sweep,
for each segment from the last, puts the state back as it was at the
segment's start, runs the segment's passes again saving what they
overwrite (the last segment's are on the tape already), and reverses them:

    every = checkpoint_every(passes, state_bytes)
    last_first = (passes - 1) // every * every
    for _ in range(last_first):             for first in range(last_first, -1, -every):
        if _ % every == 0:                      end = min(first + every, steps)
            x_checkpoints.append(copy(x))       if first < last_first:
        ... (the pass, saving nothing)              restore_state(x, x_checkpoints.pop())
    for _ in range(last_first, steps):              for _ in range(first, end):
        ... (the pass, saving its values)               ... (the pass, saving its values)
                                                for _ in range(end - 1, first - 1, -1):
                                                    ... (the reverse of the pass)

The reverse of a segment leaves the state as it was at the segment's start,
as the reverse of the whole loop did.  `checkpoint_every` (`runtime/
stacks.py`) makes one segment where all the passes' states together fit in
`CHECKPOINT_BYTES` (8 MiB): the loop is then taped as before, at the cost
of a few comparisons; past it, segments of about the square root of the
number of passes, so that the checkpoints and one segment's tape each hold
about that many states, where the tape held `steps` of them.  The price is
the passes before the last segment run once more, without saving.

Which loops: a `for` loop at the function's top level, without `break`, in
steps of one, whose variable no index reads (its passes update the same
elements: a time loop, not a loop over rows), that saves values in a loop
of its body or saves arrays (a pass saves a number of values that grows
with the data), and whose reverse is a top-level loop over the same indices
holding every pop of those pushes and no other (`passes.reverse_loop`).
Its state (one array at least: numbers alone never pass the threshold):
the arrays it writes into, with every array that may share their memory,
restored in place; the names it assigns that exist before it and that a
pass may read before assigning them, restored by value (an array it
rebinds, `u = un`, by rebinding, where no other name made before the loop
may share its memory).  Every other name it assigns is assigned in a pass
before the pass reads it (nothing else is carried from pass to pass), and
no call in it writes into its arguments.  A derivative of higher order
differentiates the loop without checkpoints.
"""

from __future__ import annotations

import ast
import copy

from .. import ir
from ..adjoint.stacks import uncopied
from ..ir.effects import mutated_by_calls
from .passes import nested_pushes, replayable, reverse_loop, shared, without_pushes, written_arrays
from .ranks import Ranks

__all__ = ["checkpoint_loops"]


def checkpoint_loops(body: list[ir.Stmt], params: list[str], stacks: set[str], ranks: Ranks,
                     aliases: dict[str, set[str]], namer) -> bool:
    """Rewrite `body` in place (see the module's docstring); whether it
    changed.  New stacks are added to `stacks`."""
    changed = False
    k = 0
    while k < len(body):
        loop = body[k]
        r = reverse_loop(body, k) if _time_loop(loop) and _long_tape(loop, ranks) else None
        state = None if r is None else _state(body, k, r, ranks, params, aliases)
        if state is None:
            k += 1
            continue
        arrays, names = state
        forward, segments, inits = _checkpointed(loop, body[r], arrays, names, ranks, namer)
        stacks.update(s.target for s in inits)
        body[r:r + 1] = segments
        body[k:k + 1] = forward
        first_stack = min(j for j, s in enumerate(body) if isinstance(s, ir.Assign)
                          and s.target in stacks)
        body[first_stack:first_stack] = inits
        k += len(inits) + len(forward)
        changed = True
    return changed


def _long_tape(loop: ir.For, ranks: Ranks) -> bool:
    """Whether a pass of `loop`, which runs its whole body, saves a number of
    values that grows with the data: inside a loop, or an array's copy."""
    return replayable(loop) and (nested_pushes(loop) or any(
        isinstance(s, ir.Push) and not s.shape and not ranks.scalar(uncopied(s.saved)[0])
        for s in ir.walk(loop.body)))


def _time_loop(loop: ir.Stmt) -> bool:
    """A loop in steps of one whose passes may write the same elements: no
    index a pass writes at reads the loop's variable (a time loop, or the
    pivot loop of a relaxation, `d[i, j] = min(d[i, j], d[i, k] + d[k, j])`;
    not a loop over rows, which writes each row in its own pass)."""
    if not isinstance(loop, ir.For) or not (isinstance(loop.step, ast.Constant)
                                            and loop.step.value == 1):
        return False
    for s in ir.walk(loop.body):
        if isinstance(s, ir.Store) and loop.var in ir.names_in(s.index):
            return False
        if isinstance(s, ir.Accumulate) and isinstance(s.target, ast.Subscript) and \
                loop.var in ir.names_in(s.target.slice):
            return False
        if isinstance(s, ir.ExprStmt) and not isinstance(s, ir.Push) and \
                loop.var in ir.names_in(s.value):
            return False  # a call that writes (add_into(b, i, v)) at an index of the pass
    return True


def _state(body: list[ir.Stmt], k: int, r: int, ranks: Ranks, params: list[str],
           aliases: dict[str, set[str]]) -> tuple[list[str], list[str]] | None:
    """The arrays to restore in place and the names to restore by value at a
    segment's start, or None where the loop (`body[k]`, reversed by
    `body[r]`) cannot be checkpointed."""
    loop = body[k]
    statements = list(ir.walk(loop.body))
    bounds = ir.names_in(loop.start) | ir.names_in(loop.stop)
    if any(ir.defined_names(s) & bounds for s in body[k:r + 1]):
        return None  # the reverse sweep's segments read the bounds again
    if any(mutated_by_calls(s) for s in statements if not isinstance(s, (ir.Push, ir.Pop))):
        return None
    before = set(params).union(*(ir.defined_names(s) for s in body[:k]))
    assigned = set().union(*(ir.defined_names(s) for s in loop.body))
    if _assigned_before_read(loop.body, assigned - before, {loop.var}) is None:
        return None
    memory = {name for name in shared(set().union(*map(written_arrays, statements)), aliases)
              if not ranks.scalar(ast.Name(name, ast.Load()))}
    for name in memory & before & assigned:  # rebound: restored by value
        if aliases.get(name, set()) & before - {name}:
            return None
    arrays = sorted(memory & before - assigned)
    # a name each pass assigns before it reads it carries nothing between passes
    carried = sorted(name for name in (assigned - {loop.var}) & before
                     if _assigned_before_read(loop.body, {name}, {loop.var}) is None)
    if not arrays and all(ranks.scalar(ast.Name(name, ast.Load())) for name in carried):
        return None  # a state of numbers never passes the threshold: no segments to compile
    return arrays, carried


def _assigned_before_read(block: list[ir.Stmt], names: set[str],
                          defined: set[str]) -> set[str] | None:
    """The names certainly assigned after `block`, from `defined` before it,
    where each of `names` it reads was assigned before; else None."""
    defined = set(defined)
    for stmt in block:
        if _reads_here(stmt) & names - defined:
            return None
        if isinstance(stmt, ir.If):
            body = _assigned_before_read(stmt.body, names, defined)
            orelse = _assigned_before_read(stmt.orelse, names, defined)
            if body is None or orelse is None:
                return None
            defined = body & orelse
        elif isinstance(stmt, (ir.For, ir.While)):  # its body may not run
            inner = defined | {getattr(stmt, "var", None)} - {None}
            if _assigned_before_read(stmt.body, names, inner) is None:
                return None
        else:
            defined |= ir.defined_names(stmt)
    return defined


def _reads_here(stmt: ir.Stmt) -> set[str]:
    names = ir.used_names(stmt)
    if isinstance(stmt, ir.Store):
        names = names - {stmt.array} | ir.names_in(stmt.index) | ir.names_in(stmt.value)
    return names


def _checkpointed(loop: ir.For, reverse: ir.For, arrays: list[str], names: list[str],
                  ranks: Ranks, namer):
    """The forward loop with its checkpoints, the reverse sweep's loop over
    segments, and the checkpoint stacks' creation."""
    fo, ro = loop.origin, reverse.origin
    var = loop.var
    every, due, last_first = namer.fresh("every"), namer.fresh("checkpoint_due"), \
        namer.fresh("last_first")
    passes = ast.Call(ast.Name("max", ast.Load()), [_minus(loop.stop, loop.start),
                                                    ast.Constant(0)], [])
    inits, saves, restores, sizes = [], [], [], []
    for name in arrays + names:
        stack = namer.fresh(f"{name}_checkpoints")
        inits.append(ir.Assign(fo, stack, ast.List([], ast.Load())))
        saved = ast.Call(ast.Name("copy_value", ast.Load()), [_load(name)], [])
        push = ir.Push(fo, _call(stack, "append", saved))
        saves.append(push)
        if not ranks.scalar(_load(name)):
            sizes.append(ast.Call(ast.Name("value_bytes", ast.Load()), [_load(name)], []))
        if name in arrays:
            start = namer.fresh(f"{name}_start")
            restores += [ir.Pop(ro, start, _call(stack, "pop"), push=push),
                         ir.ExprStmt(ro, ast.Call(ast.Name("restore_state", ast.Load()),
                                                  [_load(name), _load(start)], []))]
        else:
            restores.append(ir.Pop(ro, name, _call(stack, "pop"), push=push))
    numbers = len(arrays) + len(names) - len(sizes)
    state_bytes = ast.Constant(8 * numbers) if numbers or not sizes else sizes.pop(0)
    for size in sizes:
        state_bytes = ast.BinOp(state_bytes, ast.Add(), size)
    # the forward sweep: the passes before the last segment as the function
    # runs them, saving the state at each segment's start; the last segment taped
    since = _minus(_load(var), loop.start)
    test = ast.Compare(ast.BinOp(since, ast.Mod(), _load(every)), [ast.Eq()], [ast.Constant(0)])
    before_last = ast.BinOp(ast.BinOp(ast.Call(ast.Name("max", ast.Load()), [
        ast.BinOp(passes, ast.Sub(), ast.Constant(1)), ast.Constant(0)], []), ast.FloorDiv(),
        _load(every)), ast.Mult(), _load(every))
    plain = ir.For(fo, var, loop.start, _load(last_first), loop.step,
                   [ir.Assign(fo, due, test, nondiff=True), ir.If(fo, due, saves)]
                   + without_pushes(copy.deepcopy(loop.body)))
    replayed = copy.deepcopy(loop.body)
    loop.start = _load(last_first)
    forward = [ir.Assign(fo, every, ast.Call(ast.Name("checkpoint_every", ast.Load()),
                                             [passes, state_bytes], [])),
               ir.Assign(fo, last_first, _plus(plain.start,
                                                before_last)),
               plain, loop]
    # the reverse sweep: each segment from the last, taped again (but the
    # last, taped by the forward sweep) and reversed
    first, end, again = namer.fresh("first"), namer.fresh("end"), namer.fresh("taped_again")
    below, back = namer.fresh("start_minus_1"), namer.fresh("back")
    last, before_first = namer.fresh("end_minus_1"), namer.fresh("first_minus_1")
    segment = [
        ir.Assign(ro, end, ast.Call(ast.Name("min", ast.Load()), [
            ast.BinOp(_load(first), ast.Add(), _load(every)), copy.deepcopy(loop.stop)], [])),
        ir.Assign(ro, again, ast.Compare(_load(first), [ast.Lt()], [_load(last_first)]),
                  nondiff=True),
        ir.If(ro, again, restores + [ir.For(fo, var, _load(first), _load(end), ast.Constant(1),
                                             replayed)]),
        ir.Assign(ro, last, ast.BinOp(_load(end), ast.Sub(), ast.Constant(1))),
        ir.Assign(ro, before_first, ast.BinOp(_load(first), ast.Sub(), ast.Constant(1))),
        ir.For(ro, reverse.var, _load(last), _load(before_first), ast.Constant(-1), reverse.body,
               ascending=(var, _load(first), _load(end), ast.Constant(1)))]
    segments = [
        ir.Assign(ro, below, _minus(plain.start, ast.Constant(1))),
        ir.Assign(ro, back, ast.UnaryOp(ast.USub(), _load(every))),
        ir.For(ro, first, _load(last_first), _load(below), _load(back), segment)]
    return forward, segments, inits


def _load(name: str) -> ast.Name:
    return ast.Name(name, ast.Load())


def _plus(a: ast.expr, b: ast.expr) -> ast.expr:
    if isinstance(a, ast.Constant) and a.value == 0:
        return b
    return ast.BinOp(copy.deepcopy(a), ast.Add(), b)


def _minus(a: ast.expr, b: ast.expr) -> ast.expr:
    if isinstance(b, ast.Constant) and b.value == 0:
        return copy.deepcopy(a)
    return ast.BinOp(copy.deepcopy(a), ast.Sub(), copy.deepcopy(b))


def _call(stack: str, method: str, *args: ast.expr) -> ast.Call:
    return ast.Call(ast.Attribute(ast.Name(stack, ast.Load()), method, ast.Load()), list(args), [])
