"""The adjoint: a reverse sweep of an IR function, statement by statement.

`build_adjoint` reads as the algorithm's steps:

1. gather the facts about the primal function (`context.gather_facts`);
2. seed the adjoint of each result with the caller's cotangent
   (`by = seed(grad_y, y)`);
3. sweep the body backwards (`sweep.Sweep`): each statement's reverse adds
   the cotangents its rule gives to its operands' adjoints
   (`cotangents.Cotangents`, which creates, accumulates and zero-fills them),
   control flow is replayed backwards (`control`), stacks and stores are
   reversed (`stacks`, `stores`); every primal value a reverse statement
   reads is taken care of by `Saver` as it is emitted (kept, recomputed, or
   pushed in the forward sweep and popped back);
4. read off the gradients of the `wrt` variables (zeros, or None, where no
   cotangent reaches one);
5. undo the in-place writes into arrays the reverse sweep reads
   (`stores.restore_stores`), and keep the results where they are returned
   too;
6. assemble the body: the stacks' creation, the forward sweep with its
   pushes, the seeds, the reverse sweep (`assemble`).

Guarantees to `optimize/cleanup.py`: the result is the adjoint function's body
(forward sweep with its pushes, seeds, reverse sweep, gradients), in which
every primal value the reverse sweep reads was taken care of by `Saver`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .. import ir
from ..analysis.activity import Activity
from ..ir.naming import Namer
from .assemble import assemble_forward, assemble_reverse
from .context import Emitter, gather_facts
from .cotangents import Cotangents
from .saving import SHAPE, STORE, VALUE, BlockInfo, Saver
from .stores import restore_stores
from .sweep import Sweep
from .syntax import call

__all__ = ["Adjoint", "WrtEntry", "build_adjoint"]


@dataclass
class Adjoint:
    """The adjoint function's parts, before cleanup and printing."""

    params: list[str]
    seed_params: list[str]  # one per output, defaulting to None
    body: list[ir.Stmt]
    returns: ast.expr
    helpers: dict[str, object]  # globals the generated module imports by name
    stacks: set[str]
    temp_adjoints: set[str]  # adjoints of three-address temporaries


@dataclass
class WrtEntry:
    name: str  # IR name
    is_param: bool


def build_adjoint(fn: ir.Function, activity: Activity, wrt: list[WrtEntry], stop: set[str],
                  namer: Namer, unconnected_zero: bool, preserve_result: bool,
                  aliases: dict[str, set[str]], connected: set[str] = frozenset(),
                  numbers: frozenset[str] = frozenset()) -> Adjoint:
    """`connected`: parameters whose gradient is zeros, not None, even where
    no path here carries one (see `Options.connected`).  `numbers`: names
    known to hold numbers, of which a costly one is saved rather than
    recomputed (`saving.Saver`)."""
    facts = gather_facts(fn, activity, namer, aliases, stop,
                         {w.name for w in wrt if not w.is_param})
    out = Emitter(Saver(fn, facts.blocks, namer, aliases, numbers))
    sweep = Sweep(facts, out, Cotangents(facts, out))
    top = facts.blocks[id(fn.body)]
    seed_params = _seed_params(fn, namer)
    seeds = _seeds(sweep, top, seed_params)
    rtop = sweep.reverse_block(top)
    gradients = [_gradient(sweep, entry, top, unconnected_zero or (
        entry.is_param and entry.name in connected)) for entry in wrt]
    restored = restore_stores(out.saver, aliases)
    saved_results = _keep_results(sweep, top, restored) if preserve_result else []
    body = (_stack_inits(sweep) + assemble_forward(top, facts.blocks) + seeds
            + assemble_reverse(rtop))
    grads = ast.Tuple(gradients, ast.Load())
    returns = ast.Tuple([ast.Tuple(saved_results, ast.Load()), grads], ast.Load()) \
        if preserve_result else grads
    temp_adjoints = {b for name, b in sweep.cot.names.items() if name in fn.temps}
    return Adjoint(fn.params, seed_params, body, returns, out.helpers,
                   set(out.saver.stacks.values()), temp_adjoints)


def _seed_params(fn: ir.Function, namer: Namer) -> list[str]:
    if len(fn.results) == 1:
        return [namer.fresh("grad_y")]
    return [namer.fresh(f"grad_y{k}") for k in range(len(fn.results))]


def _seeds(sweep: Sweep, top: BlockInfo, seed_params: list[str]) -> list[ir.Stmt]:
    """`by = seed(grad_y, y)` for each result (`by += ...` for one returned
    twice; a bare `seed(...)`, which still checks the cotangent's shape, for
    an inactive one)."""
    fn, cot = sweep.facts.fn, sweep.cot
    where = (top, len(fn.body))
    origin = fn.result_origin.reverse()
    seeds: list[ir.Stmt] = []
    for result, param in zip(fn.results, seed_params):
        seeded = call("seed", ast.Name(param, ast.Load()), ast.Name(result, ast.Load()))
        if not sweep.facts.active(result):
            sweep.out.emit(seeds, ir.ExprStmt(origin, seeded), where)
        elif result in cot.live:  # the same variable returned twice
            b = ast.Name(cot.adjoint(result), ast.Store())
            sweep.out.emit(seeds, ir.Accumulate(origin, b, seeded), where)
        else:
            sweep.out.emit(seeds, ir.Assign(origin, cot.adjoint(result), seeded), where)
            cot.live.add(result)
    sweep.out.note_helper("seed")
    return seeds


def _gradient(sweep: Sweep, entry: WrtEntry, top: BlockInfo, zero_if_unconnected: bool) -> ast.expr:
    """The gradient of one `wrt` variable, once the sweep is done: its
    adjoint (at the function's start for a parameter, where the statement
    assigning it was reversed for a local), zeros if no cotangent reached it,
    or None for an inactive one unless zeros are asked for."""
    name, cot = entry.name, sweep.cot
    gap = 0 if entry.is_param else len(top.stmts)
    if not sweep.facts.active(name):
        if not zero_if_unconnected:
            return ast.Constant(None)
        return _zeros_at(sweep, name, top, gap)
    if name in cot.captured:
        return ast.Name(cot.captured[name], ast.Load())
    if entry.is_param and name in cot.live:
        return ast.Name(cot.adjoint(name), ast.Load())
    return _zeros_at(sweep, name, top, gap)


def _zeros_at(sweep: Sweep, name: str, info: BlockInfo, gap: int) -> ast.expr:
    sweep.out.saver.need(name, SHAPE, info, gap)
    return sweep.cot.zeros(name)


def _keep_results(sweep: Sweep, top: BlockInfo, restored: set[str]) -> list[ast.expr]:
    """Copy each result at the end of the forward sweep (`y_out = y`; a copy
    of the value, if the reverse sweep restores its contents)."""
    fn = sweep.facts.fn
    saved = []
    for result in fn.results + fn.aux:
        value = ast.Name(result, ast.Load())
        if restored & sweep.facts.aliases.get(result, {result}):  # restored, or shares memory
            value = call("copy_value", value)
            sweep.out.note_helper("copy_value")
        kept = sweep.facts.namer.fresh(f"{result}_out")
        top.pushes[len(fn.body)].append(ir.Assign(fn.result_origin, kept, value))
        saved.append(ast.Name(kept, ast.Load()))
    return saved


def _stack_inits(sweep: Sweep) -> list[ir.Stmt]:
    """`x_stack = []` for each stack the sweeps use (`[0]` for a stack of
    shapes, so that it is typed as a list of integers)."""
    origin, saver = sweep.facts.fn.origin, sweep.out.saver
    inits = [ir.Assign(origin, stack, _stack_init(kind))
             for (_, kind), stack in sorted(saver.stacks.items(), key=lambda kv: kv[1])]
    inits += [ir.Assign(origin, b, _stack_init(VALUE)) for b in sorted(sweep.cot.stacks.values())]
    if any(kind == SHAPE for (_, kind) in saver.stacks):
        sweep.out.note_helper("push_shape", "pop_shape")
    if saver.copies or any(kind == STORE for (_, kind) in saver.stacks):
        sweep.out.note_helper("copy_value")
    return inits


def _stack_init(kind: str) -> ast.expr:
    if kind == SHAPE:
        return ast.List([ast.Constant(0)], ast.Load())  # typed as a list of ints
    return ast.List([], ast.Load())
