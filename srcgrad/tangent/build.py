"""Forward mode's pipeline: a function and the parameters it is differentiated
in → the tangent function's source.

    front end (backend/pipeline.py `lower`: the same IR as reverse mode)
    → aliasing check → activity analysis (varied from the wrt parameters)
    → tangent sweep (forward.py, rules.py) → cleanup (and the stores into
    arrays nothing reads) → source text (emit)

The tangent function of `f(x, a)` with respect to `x` is

    def f_jvp(x, a, dx):
        ...                 # f's statements, each followed by its tangent
        return (y, dy)

(`((y1, y2), (dy1, dy2))` for a function of several results): its value and
the derivative of its value along `dx`, `J @ dx`; with `value=False`,
`return dy` alone.

Guarantees to the API (`api/tangent.py`): `Generated.source` is that
function, printed like an adjoint (the user's `file:line` above each block,
names derived from the user's: `dx` for the tangent of `x`); `wrt_params`
lists the positions of the parameters given a tangent, in order.  A call
with no tangent rule on an active path raises `NoTangentError`.
"""

from __future__ import annotations

import ast

from .. import __version__, ir, runtime
from ..analysis.activity import analyse
from ..analysis.aliasing import (
    alias_classes,
    check_stores,
    drop_alias_guards,
    drop_needless_guards,
)
from ..backend.device import DeviceAdjoint, check_scalar_function, device_tangent
from ..backend.emit import emit_function
from ..backend.module import Printed, generate_functions, module_text, print_function
from ..backend.pipeline import Generated, Lowered, Options, lower, primal_function, resolve_wrt
from ..cells import short_place
from ..frontend.recursion import refuse_on_device
from ..ir import effects
from ..ir.guards import Guard
from ..ir.recursion import Recursion, Request
from ..optimize.cleanup import cleanup
from ..optimize.guards import drop_guards_of_numbers, hoist_loop_guards
from ..optimize.names import derive_names, rename_temporaries
from ..optimize.ranks import Ranks
from ..optimize.stacks import array_stacks, number_stacks
from ..optimize.zeros import loops_of_zero_cotangents, skip_loops_of_zero_cotangents
from .forward import build_tangent
from .lanes import widen

__all__ = ["transform_tangent"]


def transform_tangent(fn, wrt: tuple[int, ...], typed: bool = True,
                      generated: bool = False, value: bool = True, lanes: int = 1,
                      device: bool = False) -> Generated:
    """The tangent function of `fn` with respect to the parameters at the
    positions `wrt` (each given a tangent parameter).  `generated`: `fn` is
    a generated adjoint, read back with its stacks (forward over reverse).
    `value=False`: the function returns the tangent alone (a Jacobian's
    column, a Hessian-vector product), without what only the value needs.
    The module holds the functions its recursive calls call too
    (`ir/recursion.py`).  `lanes` (with `value=False`): carry that many
    tangents per sweep (`lanes.py`; `Generated.lanes` says how many it
    does: 1 where it cannot).  `device` (target="cuda"): a function of
    scalars, written as a CUDA device function (`Generated.device`), the
    tangent parameters after the function's."""
    options = Options(wrt=tuple(wrt), typed=typed, generated=generated)
    plan = Recursion()
    lowered = lower(fn, options, plan)
    src, irf = lowered.src, lowered.irf
    if device:
        refuse_on_device(irf)
    # (named first: a recursive function's own jvp is then `f_jvp_2`)
    name = lowered.namer.fresh(f"{src.name}_jvp")
    if device:
        return _device_tangent(lowered, options.wrt, name)
    main, entries, lanes, _ = _tangent(lowered, options.wrt, typed, value, name,
                                       lanes=lanes if not value else 1)
    functions = generate_functions(plan, main, {
        "primal": lambda request: primal_function(request, typed),
        "jvp": lambda request: _jvp_function(request, typed)})
    source = module_text(_header(src, entries, "." if value else ", the tangent alone."),
                         [main, *functions])
    params_index = {p: k for k, p in enumerate(irf.params)}
    return Generated(source, main.name, dict(irf.globals), len(irf.results), irf.single_result,
                     [params_index[w.name] for w in entries], None, irf.bindings,
                     irf.result_trees, grows_lists=bool(irf.lists),
                     functions=[f.name for f in functions], lanes=lanes)


def _device_tangent(lowered: Lowered, wrt: tuple[int, ...], name: str) -> Generated:
    """The tangent function of a function of scalars as a CUDA device
    function (target="cuda"): `f_jvp(x, a, dx)` returns `(y, dy)` for one
    element, as on the other targets (`backend/device.py`)."""
    src, irf = lowered.src, lowered.irf
    drop_alias_guards(irf)  # a function of scalars shares no memory
    check_scalar_function(irf)
    main, entries, _, device = _tangent(lowered, wrt, True, True, name, device=True)
    header = _header(src, entries, ", as a CUDA device function.")
    source = "\n".join([*header, *device.imports, "", ""]) + "\n" + main.text
    params_index = {p: k for k, p in enumerate(irf.params)}
    return Generated(source, main.name, dict(irf.globals), len(irf.results), irf.single_result,
                     [params_index[w.name] for w in entries], device, irf.bindings,
                     irf.result_trees)


def _header(src, entries: list, ending: str) -> list[str]:
    """The generated module's first lines: what it is the tangent of, along what."""
    return [
        f"# Generated by srcgrad {__version__}: the tangent (forward mode) of {src.name} "
        f"({short_place(src.file)}:{src.tree.lineno}) along "
        f"{', '.join(w.name for w in entries)}{ending}",
        "# srcgrad rewrites this file from the function's source; edits here are lost.",
    ]


def _tangent(lowered: Lowered, wrt: tuple[int, ...], typed: bool, value: bool, name: str,
             comment: tuple[str, ...] = (), lanes: int = 1, device: bool = False
             ) -> tuple[Printed, list, int, DeviceAdjoint | None]:
    """The tangent function of the lowered function, printed, with its `wrt`
    entries, the lanes it carries and, with `device`, its form as a CUDA
    device function (printed so)."""
    src, irf, namer = lowered.src, lowered.irf, lowered.namer
    entries = resolve_wrt(irf, src, wrt)
    aliases = alias_classes(irf)
    check_stores(irf, aliases)
    drop_needless_guards(irf, aliases)
    activity = analyse(irf, [w.name for w in entries], set())
    tangent = build_tangent(irf, activity, [w.name for w in entries], namer, aliases,
                            value)
    shared: set[str] = set()  # what the lanes share, computed once
    copies = widen(tangent, lanes, namer, shared) if lanes > 1 else None
    lanes = lanes if copies is not None else 1
    helpers = {name: getattr(runtime, name) for name in runtime.__all__
               if callable(getattr(runtime, name))}
    helpers.update(irf.imports)
    helpers.update({k: v for k, v in tangent.helpers.items() if v is not None})
    bases = derive_names(tangent.body, set(irf.temps) | shared)
    inlinable = set(irf.temps) | tangent.temp_tangents
    stacks = tangent.stacks | {s.stack for s in ir.walk(irf.body)
                               if isinstance(s, ir.Push) and not s.shape}
    body = cleanup(tangent.body, tangent.returns, stacks, inlinable, typed)
    while _drop_unread_stores(body, tangent.returns, aliases):
        body = cleanup(body, tangent.returns, stacks, inlinable, typed)
    _drop_orphan_guards(body, tangent.params + tangent.tangent_params)
    namer.reserve(*helpers, *irf.globals)
    if typed and not device:  # as in an adjoint for Numba: stacks of numbers in arrays,
        # loops adding zeros skipped, no guards of numbers (a compiled tangent function is
        # never read back)
        ranks = Ranks(body, tangent.params + tangent.tangent_params, helpers, typed)
        kinds = number_stacks(body, stacks, ranks, real=False)
        if kinds:
            array_stacks(body, kinds, namer)
            helpers["reserve"] = runtime.reserve
        skip_loops_of_zero_cotangents(
            body, loops_of_zero_cotangents(body, tangent.returns, ranks), namer)
        drop_guards_of_numbers(body, ranks)
        hoist_loop_guards(body, namer)
    if name in helpers or name in irf.globals:  # it must not shadow a name its module reads
        name = namer.fresh(name)
    returns = rename_temporaries(body, tangent.returns, bases, tangent.temp_tangents, namer,
                                 prefix="d", lanes=copies)
    params = tangent.params + tangent.tangent_params
    if device:
        form = device_tangent(body, returns, tangent.params, tangent.tangent_params, helpers,
                              irf.single_result)
        text = emit_function(name, form.params, form.body, form.returns)
        return Printed(name, text, set(), {}), entries, lanes, form
    printed = print_function(name, params, body, returns, helpers, comment=comment)
    return printed, entries, lanes, None


def _jvp_function(request: Request, typed: bool) -> Printed:
    """A recursive function's jvp (`ir/recursion.py`): its tangent function
    along the parameters at `request.positions`, returning `(value, tangent)`."""
    entry = request.entry
    options = Options(wrt=request.positions, typed=typed, generated=entry.stacks)
    lowered = lower(entry.fn, options, entry.plan, recursive=True)
    along = ", ".join(entry.params[k] for k in request.positions)
    comment = (f"# the jvp of {entry.__name__} along {along}: its value and its tangent",)
    return _tangent(lowered, request.positions, typed, True, request.name, comment)[0]


def _drop_unread_stores(body: list[ir.Stmt], returns, aliases: dict[str, set[str]]) -> bool:
    """Drop the stores into arrays that nothing reads afterwards, nor shares
    memory with one read (the gradient a tangent-alone function of an
    adjoint no longer returns: `bx[i] = bx[i] + ...` beside `dbx[i] = ...`);
    cleanup then drops what only they read.  Whether it dropped any."""
    read = ir.names_in(returns)
    for stmt in ir.walk(body):
        if type(stmt) is ir.Store:  # (an update `a[i] = a[i] + v` reads `a` for itself)
            shared = aliases.get(stmt.array, set()) | {stmt.array}
            read |= (_values_read(stmt.index) | _values_read(stmt.value)) - shared
        elif isinstance(stmt, (ir.Assign, ir.ExprStmt)):
            read |= _values_read(stmt.value)
        else:
            read |= ir.used_names(stmt)
    dropped = False
    for block in _blocks(body):
        kept = [stmt for stmt in block if not (
            type(stmt) is ir.Store and not (aliases.get(stmt.array, {stmt.array}) | {stmt.array})
            & read)]
        dropped |= len(kept) != len(block)
        block[:] = kept
    return dropped


def _drop_orphan_guards(body: list[ir.Stmt], params: list[str]) -> None:
    """Drop the aliasing guards read back from an adjoint (`refuse_shared(s, a,
    ...)`) that check a value cleanup has dropped (a stack whose pops only
    the gradient, no longer returned, needed): nothing reads it any more."""
    defined = set(params)
    for stmt in ir.walk(body):
        defined |= ir.defined_names(stmt)
    for block in _blocks(body):
        block[:] = [stmt for stmt in block
                    if not (isinstance(stmt, Guard) and ir.names_in(stmt.value) - defined)]


def _values_read(node: ast.expr) -> set[str]:
    """The names whose values `node` reads (not those of which it reads only
    the shape: `zeros_like(bx)`)."""
    shapes = effects.shape_positions(node)
    names = ir.names_in(node)
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in names
            and id(n) not in shapes}


def _blocks(body: list[ir.Stmt]):
    yield body
    for stmt in ir.walk(body):
        yield from ir.blocks(stmt)
