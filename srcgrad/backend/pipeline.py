"""The pipeline, top to bottom: a function and options → the adjoint's source.

    source (parse) → checked subset (resolve) → three-address IR (lower, anf)
    → one name per top-level definition (rename) → element reads of tuple
    temporaries as copies (tuples) → aliasing check (checks)
    → activity analysis (activity) → adjoint (reverse, saving) → cleanup
    → source text (emit)

Each stage's module states what it guarantees to the next.  For
target="cuda", `device` checks that the IR is a function of scalars and
rewrites the cleaned-up adjoint as CUDA device code before it is printed.
"""

from __future__ import annotations

import ast
import builtins
import copy
import inspect
import types
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from .. import __version__, ir, runtime
from ..adjoint.decisions import decide_extremes, decided_extreme
from ..adjoint.lanes import rows_form
from ..adjoint.reverse import WrtEntry, build_adjoint
from ..adjoint.saving import costly_call
from ..adjoint.snapshots import read_unwritten_from_copies
from ..analysis.activity import analyse
from ..analysis.aliasing import alias_classes, check_stores, drop_alias_guards, drop_needless_guards
from ..analysis.tuples import fold_tuple_reads
from ..cells import short_place
from ..frontend.complexes import split_complex
from ..frontend.parse import read_function, user_function
from ..frontend.recursion import keep_arguments_unwritten, refuse_on_device
from ..frontend.rename import copy_written_parameters, rename_redefinitions
from ..frontend.small_arrays import may_hold_vectors, scalarise_small_arrays
from ..frontend.statements import Lowering
from ..frontend.subset import check_subset, local_names
from ..ir.naming import Namer
from ..ir.recursion import Recursion, Request
from ..optimize.accumulators import (
    carry_neighbours,
    keep_elements_around_one_pass,
    keep_elements_in_variables,
    one_update_per_element,
    unshared_arrays,
)
from ..optimize.checkpoints import checkpoint_loops
from ..optimize.cleanup import cleanup
from ..optimize.first_writes import drop_last_zeroings, store_first_updates, zeroes_into_stores
from ..optimize.guards import drop_guards_of_numbers, hoist_loop_guards
from ..optimize.indices import nonnegative_indices
from ..optimize.names import derive_names, rename_temporaries
from ..optimize.ordering import run_independent_loops_forward
from ..optimize.passes import recompute_passes
from ..optimize.peephole import peephole, route_block_updates
from ..optimize.powers import powers_from_powers
from ..optimize.products import outer_products_in_place
from ..optimize.ranks import Ranks
from ..optimize.reuse import reuse_numbers
from ..optimize.rows import distribute_rows
from ..optimize.stacks import (
    array_stacks,
    complex_free,
    create_where_used,
    number_stacks,
    single_values,
)
from ..optimize.sums import sums_in_any_order
from ..optimize.transcendentals import transcendentals_first, transcendentals_in_vector_loops
from ..optimize.views import view_cotangents
from ..optimize.zeros import loops_of_zero_cotangents, skip_loops_of_zero_cotangents
from ..rules import registry
from .device import DeviceAdjoint, DeviceOptions, check_scalar_function, device_adjoint
from .emit import emit_function
from .module import Printed, generate_functions, module_text, print_function
from .observe import Stopwatch

__all__ = ["Options", "Generated", "Lowered", "lower", "transform", "primal_function",
           "resolve_wrt"]


@dataclass(frozen=True)
class Options:
    wrt: tuple[int | str, ...]
    stop_gradients: tuple[str, ...] = ()
    unconnected_zero: bool = False
    preserve_result: bool = False
    generated: bool = False  # fn is a generated adjoint, differentiated again
    device: DeviceOptions | None = None  # target="cuda": the adjoint as CUDA device code
    typed: bool = True  # the adjoint is compiled: Numba gives a variable one type in a loop
    # generated: the positions of the parameters that reach an output of the
    # user's function as written; a derivative with respect to one of them
    # that no path carries here (it became constant on the way) is zeros, not None
    connected: frozenset[int] = frozenset()
    # the parameters (by position) that every call passes a number, with its
    # kind ("f", "i", "b"): known scalars, so the rank facts need not allow
    # for an array there (the gradient function checks it at each call)
    scalars: frozenset[tuple[int, str]] = frozenset()
    # the parameters (by position) that the first call passed a container of
    # arrays (a pytree), with its structure (api/trees.py): flattened into leaves
    trees: tuple = ()
    has_aux: bool = False  # the function returns (value, aux); aux comes back undifferentiated
    # a recursive function's (ir/recursion.py): every argument its calls pass is real,
    # the main function of its module being real (`_real`)
    real_arguments: bool = False
    # the rows form of a value-and-gradient adjoint (adjoint/lanes.py): up to this
    # many rows of the Jacobian of its one result per call, each seeded with the
    # basis vector at a flat index the caller passes; 0: the plain adjoint
    lanes: int = 0


@dataclass
class Generated:
    source: str
    name: str  # of the adjoint function in the generated module
    injected: dict[str, object]  # globals the module needs that it cannot import
    outputs: int
    single_result: bool
    wrt_params: list[int | None]  # per wrt entry: the parameter's position, None for a local
    device: DeviceAdjoint | None = None  # target="cuda"
    bindings: list = field(default_factory=list)  # the user's global reads (bindings.Binding)
    result_trees: list = field(default_factory=list)  # per returned value: its container's Tree
    aux: int = 0  # has_aux: how many of the kept results are the aux value's elements
    aux_tree: object = None
    grows_lists: bool = False  # lists grown in loops (frontend/growing.py): not differentiated again
    # where the compiled source keeps numbers in arrays as stacks (optimize/stacks.py):
    # the same adjoint with lists as stacks, which a derivative of higher order reads
    list_source: str | None = None
    # the module's other functions, those its recursive calls call (ir/recursion.py),
    # compiled like the main one
    functions: list[str] = field(default_factory=list)
    # a tangent function in vector forward mode (tangent/lanes.py): the tangents it
    # carries per sweep, each parameter's and result's in that many lanes; the rows
    # form of an adjoint (`rows`, adjoint/lanes.py): the rows of the Jacobian per call,
    # the last parameters their flat indices (not `rows`: it could not be made)
    lanes: int = 1
    rows: bool = False
    rows_length: int = 0  # the rows form's result's length where the code fixes it; 0: not known


@dataclass
class Lowered:
    """The function after the front end: its source, its IR and the namer
    that made its names (what `transform` and forward mode share)."""

    src: object  # frontend.parse's Source
    irf: ir.Function
    namer: Namer


def lower(fn, options: Options, plan: Recursion | None = None,
          recursive: bool = False) -> Lowered:
    """The front end: `fn` read, checked and lowered to the IR, with one name
    per top-level definition and tuple reads folded.  `plan`: the recursive
    functions of the module it is generated into; `recursive`: `fn` is one
    of them (`frontend/recursion.py` refuses what it may not do to its
    arguments)."""
    bound = None
    if isinstance(fn, types.MethodType):  # `sg.grad(model.loss)`: `self` is a constant
        fn, bound = fn.__func__, fn.__self__
    py_fn = user_function(fn) or getattr(fn, "py_func", fn)
    if not isinstance(py_fn, types.FunctionType):
        raise TypeError(f"grad() differentiates Python functions defined with 'def', not {fn!r}")
    src = read_function(py_fn)
    check_subset(src)
    reserved = reserved_names()
    namer = Namer(set(local_names(src.tree)) | reserved)
    irf = Lowering(namer, reserved, stacks=options.generated,
                   trees=dict(options.trees), has_aux=options.has_aux,
                   bound=bound, recursion=plan).function(src)
    if recursive:
        keep_arguments_unwritten(irf)
    copy_written_parameters(irf)
    rename_redefinitions(irf, namer)
    fold_tuple_reads(irf)
    split_complex(irf, namer)  # (one name per definition: `x = np.fft.rfft(x)` is two)
    if options.device is None and not options.generated:
        _scalarise(irf, namer, options)
    return Lowered(src, irf, namer)


def _primal_ranks(irf: ir.Function, options: Options) -> Ranks:
    """The rank facts of the function itself, given what the calls say of
    the arguments."""
    numbers = {irf.params[k]: kind for k, kind in options.scalars if k < len(irf.params)}
    return Ranks(irf.body, list(irf.params), {**_runtime_helpers(), **irf.imports},
                 options.typed, numbers=numbers)


def _numbers(irf: ir.Function, options: Options) -> frozenset[str]:
    """The names of `irf` that hold numbers, where the reverse sweep may
    save a costly one (`saving.costly_call`), or read a number's shape from
    whatever it holds (the operands of a decided `max`, `adjoint/decisions.py`,
    elements of arrays written in place): for code Numba compiles for the
    CPU from the kinds of the first call's arguments, and only where such a
    call is made (elsewhere none: the reverse sweep recomputes what it can,
    as a device function must)."""
    if not options.typed or options.device is not None or \
            not any(costly_call(s) or decided_extreme(s) for s in ir.walk(irf.body)):
        return frozenset()
    return frozenset(_primal_ranks(irf, options).scalars)


def _scalarise(irf: ir.Function, namer: Namer, options: Options) -> None:
    """Short vectors of a length the code fixes as numbers
    (`frontend/small_arrays.py`), given what the calls say of the arguments."""
    if not may_hold_vectors(irf):
        return
    ranks = _primal_ranks(irf, options)
    keep = {ir_name for user in [*options.stop_gradients,
                                 *(w for w in options.wrt if isinstance(w, str))]
            for ir_name in irf.user_names.get(user, ())}
    scalarise_small_arrays(irf, namer, ranks, keep)


def transform(fn, options: Options) -> Generated:
    """The adjoint of `fn` (`options`) as a module: its function, and those
    its recursive calls call (`ir/recursion.py`)."""
    watch = Stopwatch(f"{getattr(fn, '__qualname__', 'f')}: the transformation's stages")
    plan = Recursion()
    lowered = lower(fn, options, plan)
    watch.lap("front end")
    if options.device is not None:
        refuse_on_device(lowered.irf)
    if isinstance(fn, types.MethodType):
        fn = fn.__func__
    main, wrt, device = _adjoint(lowered, options, watch=watch)
    src, irf = lowered.src, lowered.irf
    real = options.typed and options.device is None and _real(irf, options)
    functions = generate_functions(plan, main, {
        "primal": lambda request: primal_function(request, options.typed),
        "vjp": lambda request: _vjp_function(request, options.typed, real)})
    watch.lap("recursive functions")
    wrt_names = ", ".join(_describe(w, fn) for w in options.wrt)
    header = [
        f"# Generated by srcgrad {__version__}: the gradient of {src.name} "
        f"({short_place(src.file)}:{src.tree.lineno}) with respect to {wrt_names}"
        + (", as a CUDA device function." if device else "."),
        "# srcgrad rewrites this file from the function's source; edits here are lost.",
    ]
    if device:
        source = "\n".join([*header, *device.imports, "", ""]) + "\n" + main.text
    else:
        source = module_text(header, [main, *functions])
    list_source = None
    if any(f.list_text is not None for f in [main, *functions]):
        # what a derivative of higher order reads: the same, with lists as stacks
        list_source = module_text(header, [main, *functions], lists=True)
    watch.lap("emit")
    watch.log()
    params_index = {p: k for k, p in enumerate(irf.params)}
    return Generated(source, main.name, dict(irf.globals), len(irf.results), irf.single_result,
                     [params_index[w.name] if w.is_param else None for w in wrt], device,
                     irf.bindings, irf.result_trees, len(irf.aux), irf.aux_tree,
                     grows_lists=bool(irf.lists), list_source=list_source,
                     functions=[f.name for f in functions], lanes=max(main.lanes, 1),
                     rows=main.lanes > 0, rows_length=main.length)


def _adjoint(lowered: Lowered, options: Options, name: str | None = None,
             watch: Stopwatch | None = None, comment: tuple[str, ...] = (),
             bare: bool = False) -> tuple[Printed, list[WrtEntry], DeviceAdjoint | None]:
    """The adjoint function of the lowered function, printed (named `name`,
    else after the function), with its `wrt` entries and, for target="cuda",
    its device form.  `bare`: a single gradient is returned as it is, not in
    a tuple of one."""
    src, irf, namer = lowered.src, lowered.irf, lowered.namer
    if options.device is not None:
        # a function of scalars shares no memory: `k += 1` needs no aliasing guard
        drop_alias_guards(irf)
        check_scalar_function(irf)
    wrt = resolve_wrt(irf, src, options.wrt)
    stop = _resolve_stop(irf, src, options.stop_gradients)
    aliases = alias_classes(irf)
    check_stores(irf, aliases)
    drop_needless_guards(irf, aliases)
    if options.device is None and read_unwritten_from_copies(irf, aliases, namer):
        aliases = alias_classes(irf)
    activity = analyse(irf, [w.name for w in wrt], stop)
    if options.typed and options.device is None:
        decide_extremes(irf, activity.active, namer)  # (a byte, where operands would be saved)
    _lap(watch, "analysis")
    connected = {irf.params[k] for k in options.connected if k < len(irf.params)}
    adjoint = build_adjoint(irf, activity, wrt, stop, namer, options.unconnected_zero,
                            options.preserve_result or options.has_aux, aliases, connected,
                            _numbers(irf, options))
    if bare and len(adjoint.returns.elts) == 1:
        adjoint.returns = adjoint.returns.elts[0]
    _lap(watch, "adjoint")
    inlinable = set(irf.temps) | adjoint.temp_adjoints
    helpers = {**_runtime_helpers(), **irf.imports, **adjoint.helpers}
    def ranks_of(body: list[ir.Stmt]) -> Ranks:
        return Ranks(body, adjoint.params + adjoint.seed_params, helpers, options.typed,
                     scalar_function=options.device is not None,
                     numbers={adjoint.params[k]: kind for k, kind in options.scalars})

    ranks = ranks_of(adjoint.body)
    bases = derive_names(adjoint.body, set(irf.temps))
    body = cleanup(adjoint.body, adjoint.returns, adjoint.stacks, inlinable, options.typed)
    for _ in range(3):  # what cleanup inlines may open a rewrite again (bounded: a few rounds)
        if not peephole(body, adjoint.returns, ranks, inlinable, options.typed):
            break
        body = cleanup(body, adjoint.returns, adjoint.stacks, inlinable, options.typed)
        ranks = ranks_of(body)  # of the values as rewritten (`stack_part(g, ...)`: `g[0]`)
    run_independent_loops_forward(body, adjoint.returns)
    _lap(watch, "cleanup")
    # the function must not shadow a name its module reads: the gradient of a
    # user's `sum` or `cast` is `sum_grad_2`, `sum_grad` being a helper
    namer.reserve(*helpers, *irf.globals)
    listed = []  # the body with its stacks as lists, where array_stacks changes them
    if options.typed and options.device is None:
        for helper in route_block_updates(body, ranks):
            helpers[helper] = getattr(runtime, helper)
        plain = copy.deepcopy(body)  # (a derivative of higher order reads it)
        if recompute_passes(body, adjoint.returns, ranks, aliases) | \
                checkpoint_loops(body, adjoint.params, adjoint.stacks, ranks, aliases, namer):
            listed = plain
            body = cleanup(body, adjoint.returns, adjoint.stacks, inlinable, options.typed)
        if single_values(body, adjoint.stacks, namer, apply=False):
            listed = listed or copy.deepcopy(body)
            single_values(body, adjoint.stacks, namer)
        plain = listed or copy.deepcopy(body)  # (whose front end wants a value on every path)
        if reuse_numbers(body, ranks_of(body)):
            listed = plain
            body = cleanup(body, adjoint.returns, adjoint.stacks, inlinable, options.typed)
        kinds = number_stacks(body, adjoint.stacks, ranks, _real(irf, options))
        tops = {}
        if kinds:
            listed = listed or copy.deepcopy(body)
            tops = array_stacks(body, kinds, namer)
            helpers["reserve"] = runtime.reserve
        viewed = set()
        if view_cotangents(body, adjoint.returns, ranks, apply=False):
            listed = listed or copy.deepcopy(body)  # no writes into views there
            viewed = view_cotangents(body, adjoint.returns, ranks)
        keep_elements_in_variables(body, ranks, namer, viewed)
        one_update_per_element(body, ranks, namer, viewed)
        plain = listed or copy.deepcopy(body)  # (a derivative of higher order reads it)
        if keep_elements_around_one_pass(body, ranks, namer, viewed):
            listed = plain
        if _real(irf, options):
            plain = listed or copy.deepcopy(body)  # (a derivative of higher order reads it)
            if carry_neighbours(body, ranks, namer, viewed):
                listed = plain
        zero_loops = loops_of_zero_cotangents(body, adjoint.returns, ranks)
        if zero_loops:
            listed = listed or copy.deepcopy(body)  # (the tangent of a zero need not be zero)
            skip_loops_of_zero_cotangents(body, zero_loops, namer)
        drop_guards_of_numbers(body, ranks)
        hoist_loop_guards(body, namer)
        # the last rewrites share one snapshot of the body before them
        plain = listed or copy.deepcopy(body)  # (a derivative of higher order reads it)
        changed = sums_in_any_order(body, ranks)
        changed |= store_first_updates(body, ranks)
        changed |= zeroes_into_stores(body, ranks)
        changed |= drop_last_zeroings(body, adjoint.returns, ranks, unshared_arrays(body, ranks))
        changed |= distribute_rows(body, adjoint.returns,
                                   unshared_arrays(body, ranks, in_place=True))
        for helper in outer_products_in_place(body, ranks):
            helpers[helper] = getattr(runtime, helper)
            changed = True
        changed |= powers_from_powers(body, ranks, namer)
        for helper in transcendentals_first(body, tops, unshared_arrays(body, ranks)) | \
                transcendentals_in_vector_loops(body):
            helpers[helper] = getattr(runtime, helper)
            changed = True
        if nonnegative_indices(body, tops):
            helpers["nonneg_index"] = runtime.nonneg_index
            changed = True
        if changed:
            listed = plain
        plain = listed or copy.deepcopy(body)  # (whose front end wants a value on every path)
        if create_where_used(body, adjoint.returns):
            listed = plain
    params = adjoint.params + [f"{p}=None" for p in adjoint.seed_params]
    returns = rename_temporaries(body, adjoint.returns, bases, adjoint.temp_adjoints, namer,
                                 also=listed)
    form = None
    if options.lanes and options.device is None and not options.generated:
        form = rows_form(body, returns, adjoint.params, adjoint.seed_params, options.lanes,
                         namer, ranks_of(body).scalar)
        if form is not None:
            body, returns = form.body, form.returns
            params = adjoint.params + form.rows
            listed = []  # (never differentiated again)
    name = name or namer.fresh(f"{src.name}_grad")
    if options.device is not None:
        device = device_adjoint(body, returns, adjoint.params, adjoint.seed_params,
                                adjoint.stacks, helpers, namer, options.device,
                                options.preserve_result, irf.single_result)
        text = emit_function(name, device.params, device.body, device.returns)
        return Printed(name, text, set(), {}), wrt, device
    printed = print_function(name, params, body, returns, helpers, listed, comment)
    if form is not None:
        printed.lanes, printed.length = len(form.rows), form.length
    return printed, wrt, None


def _vjp_function(request: Request, typed: bool, real: bool) -> Printed:
    """A recursive function's vjp (`ir/recursion.py`): its adjoint with respect
    to the parameters at `request.positions`, seeded with the cotangent of
    its result, which its caller always passes; it returns the one cotangent,
    or a tuple of several.  `real`: the module's main function is real, and
    so is every argument it passes."""
    entry = request.entry
    options = Options(wrt=request.positions, unconnected_zero=True, generated=entry.stacks,
                      typed=typed, real_arguments=real)
    lowered = lower(entry.fn, options, entry.plan, recursive=True)
    wrt = ", ".join(entry.params[k] for k in request.positions)
    comment = (f"# the vjp of {entry.__name__} with respect to {wrt}: the cotangents of its "
               "arguments, given that of its result",)
    return _adjoint(lowered, options, request.name, comment=comment,
                    bare=len(request.positions) == 1)[0]


def primal_function(request: Request, typed: bool) -> Printed:
    """A recursive function's primal (`ir/recursion.py`): its value, as the
    user's function computes it, calling itself where that recursed."""
    entry = request.entry
    options = Options(wrt=(), generated=entry.stacks, typed=typed)
    lowered = lower(entry.fn, options, entry.plan, recursive=True)
    irf = lowered.irf
    aliases = alias_classes(irf)
    check_stores(irf, aliases)
    drop_needless_guards(irf, aliases)
    returns = ast.Name(irf.results[0], ast.Load())
    stacks = {s.stack for s in ir.walk(irf.body) if isinstance(s, ir.Push) and not s.shape}
    bases = derive_names(irf.body, set(irf.temps))
    body = cleanup(irf.body, returns, stacks, set(irf.temps), typed)
    returns = rename_temporaries(body, returns, bases, set(), lowered.namer)
    comment = (f"# {entry.__name__} ({short_place(lowered.src.file)}:{lowered.src.tree.lineno}), "
               "called where it recurses: its value",)
    return print_function(request.name, irf.params, body, returns,
                          {**_runtime_helpers(), **irf.imports}, comment=comment)


def _lap(watch: Stopwatch | None, stage: str) -> None:
    if watch is not None:
        watch.lap(stage)


def _real(irf: ir.Function, options: Options) -> bool:
    """Whether every value of the function is real: each parameter was given
    a real number or array (`Options.scalars` records those, or
    `real_arguments` says so), no global it reads is complex, and no
    expression makes a complex number."""
    given = {k for k, _ in options.scalars}
    if not options.real_arguments and (not set(range(len(irf.params))) <= given
                                       or options.trees):
        return False
    for value in irf.globals.values():
        if isinstance(value, (complex, np.complexfloating)) or (
                isinstance(value, np.ndarray) and value.dtype.kind not in "fiub"):
            return False
    return complex_free(irf.body)


def connected_params(fn, stop_gradients: tuple[str, ...]) -> frozenset[int]:
    """The positions of `fn`'s parameters from which a differentiable path
    reaches one of its outputs (those whose gradient is not None)."""
    py_fn = user_function(fn) or getattr(fn, "py_func", fn)
    src = read_function(py_fn)
    check_subset(src)
    reserved = reserved_names()
    namer = Namer(set(local_names(src.tree)) | reserved)
    irf = Lowering(namer, reserved).function(src)
    copy_written_parameters(irf)
    rename_redefinitions(irf, namer)
    stop = _resolve_stop(irf, src, stop_gradients)
    activity = analyse(irf, list(irf.params), stop, check=False)
    return frozenset(k for k, p in enumerate(irf.params) if activity.active(p))


def _describe(w, fn) -> str:
    if isinstance(w, int):
        params = list(inspect.signature(fn).parameters)
        return params[w] if 0 <= w < len(params) else str(w)
    return w


def _runtime_helpers() -> dict[str, object]:
    return {name: getattr(runtime, name) for name in runtime.__all__
            if callable(getattr(runtime, name))}


@cache
def reserved_names() -> frozenset[str]:
    """Global names the generated module uses: no variable may take them."""
    names = {"np", "math", "print", "range", "len", "abs", "min", "max", "float", "int", "bool",
             "slice"}
    names |= set(runtime.__all__)
    for rule in registry.RULES.values():
        for template in rule.cotangents:
            if template is None:
                continue
            for node in ast.walk(template):
                if isinstance(node, ast.Name) and node.id in rule.function.__globals__:
                    names.add(node.id)
    for impl in registry.replacements():
        names.add(impl.__name__)
    return frozenset(n for n in names if not hasattr(builtins, n) or n in {
        "print", "range", "len", "abs", "min", "max", "float", "int", "bool", "slice"})


def resolve_wrt(irf: ir.Function, src, wrt: tuple[int | str, ...]) -> list[WrtEntry]:
    user_params = [a.arg for a in src.tree.args.posonlyargs + src.tree.args.args
                   + src.tree.args.kwonlyargs]
    user_params = user_params[len(user_params) - len(irf.param_groups or irf.params):]  # no self
    groups = irf.param_groups or [[p] for p in irf.params]
    entries = []
    for w in wrt:
        if isinstance(w, bool) or not isinstance(w, (int, str)):
            raise TypeError(f"wrt entries are parameter positions or names, not {w!r}")
        if isinstance(w, int):
            if not -len(user_params) <= w < len(user_params):
                raise ValueError(f"wrt={w} is out of range: {src.name} has {len(user_params)} "
                                 f"parameters ({', '.join(user_params)})")
            entries += [WrtEntry(p, True) for p in groups[w]]
        elif w in user_params:
            entries += [WrtEntry(p, True) for p in groups[user_params.index(w)]]
        elif w in irf.user_names:
            entries.append(WrtEntry(_single_definition(irf, src, w), False))
        else:
            raise ValueError(f"wrt={w!r} names no parameter or local variable of {src.name}")
    return entries


def _single_definition(irf: ir.Function, src, name: str) -> str:
    ir_names = irf.user_names[name]
    defs = [s for s in ir.walk(irf.body) if isinstance(s, ir.Assign) and s.target in ir_names]
    if len(defs) != 1 or len(ir_names) != 1:
        lines = ", ".join(str(d.origin.line) for d in defs)
        raise ValueError(f"wrt={name!r}: a local variable in wrt must be assigned exactly once, "
                         f"but {src.name} assigns it more than once (lines {lines})")
    if not any(s is defs[0] for s in irf.body):
        raise ValueError(f"wrt={name!r}: a local variable in wrt must be assigned at the top "
                         f"level of {src.name}, not inside a loop or branch "
                         f"(line {defs[0].origin.line})")
    return defs[0].target


def _resolve_stop(irf: ir.Function, src, names: tuple[str, ...]) -> set[str]:
    stop = set()
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"stop_gradients takes names of variables, not {name!r}")
        if name not in irf.user_names:
            raise ValueError(f"stop_gradients: {name!r} names no parameter or local variable "
                             f"of {src.name}")
        stop |= set(irf.user_names[name])
    return stop
