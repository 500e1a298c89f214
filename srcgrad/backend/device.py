"""The adjoint as CUDA device code: scalar operations, no Python objects.

`target="cuda"` differentiates functions of scalars, evaluated elementwise on
the GPU (`backend/cuda.py` launches them).  Two steps, on either side of the reverse
pass:

- `check_scalar_function` (on the IR, before the adjoint is built) raises,
  naming the user's file, line and construct, for what a CUDA thread cannot
  run: an array operation (`np.sum`, `len`, `x.shape`, `np.zeros`), a
  subscript or a write into an array, a global array, and a call that has no
  device form (an `UnsupportedSyntaxError` for the array constructs, a
  `CompileError` for the calls).

- `device_adjoint` (on the cleaned-up adjoint) rewrites it into code that
  Numba-CUDA compiles as a device function, and guarantees to the printer:

  * every call is a `math` function, a builtin of scalars (`abs`, `min`,
    `max`, `float`, `int`, `print`, `range`) or an `np.float32`/`np.float64`
    cast; NumPy's elementwise functions became their `math` twins, and
    srcgrad's helpers (`seed`, `zeros_like`, `unbroadcast`, `select`, ...)
    became the scalar expressions they compute;
  * no list is left: a stack of saved values (`x_stack.append(x)`,
    `x = x_stack.pop()`) is a per-thread `cuda.local.array` of float64 (exact
    for float32, integers and booleans; popped integers and booleans are cast
    back) with an integer top, sized at compile time by the loops around its
    pushes: a `for` over a range of constant bounds runs a known number of
    times; any other loop (`while`, a range with a computed bound) needs the
    `max_trips` option, without which a `CompileError` names the loop and
    says why.  Stacks of shapes, which scalars do not need, are gone;
  * with `max_trips`, the adjoint takes one more parameter, `overflow` (an
    integer array of one element): a stack whose loops ran more than
    `max_trips` times keeps its writes and reads inside its storage, and the
    adjoint stores there the 1-based position of that loop in `loops`, so
    that the caller reports it instead of returning a wrong gradient;
  * the seeds (`grad_y`) default to 1.0, and the adjoint returns what the
    gradient function returns for one element: one gradient, or a tuple in
    `wrt` order (after the function's value with `preserve_result`).
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass

from .. import ir
from ..errors import CompileError
from ..ir.naming import Namer
from ..ir.parts import expressions
from .device_calls import check_scalar_function, device_calls, is_none, resolve
from .device_stacks import MAX_STACK_BYTES, Stacks, is_shape_stack, saves_shape

__all__ = ["DeviceAdjoint", "DeviceOptions", "Layout", "Leaf", "check_scalar_function",
           "device_adjoint", "device_tangent", "MAX_STACK_BYTES"]



@dataclass(frozen=True)
class Leaf:
    """One scalar of what the device function returns."""

    kind: str  # "value" (an output of the function), "grad" (a gradient) or "tangent"
    index: int  # which output, which wrt entry (of a tangent: which output)
    name: str  # the variable that holds it
    none: bool = False  # an unconnected gradient: always None


Layout = Leaf | tuple  # a Leaf, or a tuple of layouts


@dataclass
class DeviceAdjoint:
    body: list[ir.Stmt]
    params: list[str]  # as printed
    values: list[str]  # the function's parameters
    overflow: str | None  # the overflow array's parameter, with max_trips
    seeds: list[str]  # the grad_y parameters, default 1.0
    returns: ast.expr
    layout: Layout  # the structure of `returns`
    imports: list[str]  # the header's import lines
    loops: list[ir.Origin]  # the loops that max_trips bounds; `overflow` holds a 1-based index




# --- the rewrite, on the adjoint -------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceOptions:
    """What `target="cuda"` adds to `transform.Options`."""

    max_trips: int | None = None  # the bound of loops whose trip count is not a constant
    single_wrt: bool = True  # the gradient function returns one gradient, not a tuple


def device_adjoint(body: list[ir.Stmt], returns: ast.Tuple, params: list[str],
                   seed_params: list[str], stacks: set[str], names: dict[str, object],
                   namer: Namer, options: DeviceOptions, preserve_result: bool,
                   single_result: bool) -> DeviceAdjoint:
    """`body` (the cleaned-up adjoint) rewritten for a CUDA thread; `names`
    maps the helpers the body calls by name to the callables."""
    cuda = namer.fresh("cuda")
    shapes = {s for s in stacks if is_shape_stack(body, s)}
    body = _filter(body, lambda stmt: not saves_shape(stmt, shapes))
    body, returns = _device_calls(body, returns, names)
    overflow = namer.fresh("overflow") if options.max_trips is not None else None
    stacks_pass = Stacks(body, stacks - shapes, namer, cuda, options.max_trips, overflow)
    body = stacks_pass.rewrite()
    device_params = [*params, *([overflow] if overflow else []),
                     *(f"{p}=1.0" for p in seed_params)]
    imports = _imports(body, returns, cuda if stacks_pass.declared else None)
    layout = _layout(returns, options.single_wrt, preserve_result, single_result)
    return DeviceAdjoint(body, device_params, list(params), overflow, list(seed_params),
                         _layout_expr(layout), layout, imports, stacks_pass.loops)


def device_tangent(body: list[ir.Stmt], returns: ast.Tuple, params: list[str],
                   tangent_params: list[str], names: dict[str, object],
                   single_result: bool) -> DeviceAdjoint:
    """`body` (a cleaned-up tangent function, forward mode: `returns` is
    `(value, tangent)`) rewritten for a CUDA thread, as `device_adjoint`
    does an adjoint's; its tangent parameters (`dx`) take the place of the
    seeds, with no default.  Forward mode saves nothing: no stack, no
    `max_trips`."""
    body, returns = _device_calls(body, returns, names)
    layout = _layout(returns, single_result, True, single_result, derivative="tangent")
    return DeviceAdjoint(body, [*params, *tangent_params], list(params), None,
                         list(tangent_params), _layout_expr(layout), layout,
                         _imports(body, returns, None), [])


def _device_calls(body: list[ir.Stmt], returns: ast.expr, names: dict[str, object]
                  ) -> tuple[list[ir.Stmt], ast.expr]:
    """`body` and `returns` with every call replaced by its device
    expression, less what then changes nothing (`_changes_something`)."""
    calls = _DeviceCalls(names)
    calls.rewrite(body)
    returns = calls.visit(returns)
    return _filter(body, _changes_something), returns


def _imports(body: list[ir.Stmt], returns: ast.expr, cuda: str | None) -> list[str]:
    """The header's import lines for what the device code names (`cuda`:
    the name Numba-CUDA goes by where the stacks declare local arrays)."""
    used = {n.id for stmt in ir.walk(body) for node in [*expressions(stmt), returns]
            for n in ast.walk(node) if isinstance(n, ast.Name)}
    third_party = ["import numpy as np"] if "np" in used or cuda else []
    if cuda:
        third_party.append("from numba import cuda" if cuda == "cuda" else
                           f"from numba import cuda as {cuda}")
    imports = ["import math"] if "math" in used else []
    return imports + ([""] if imports and third_party else []) + third_party


def _layout(returns: ast.Tuple, single_wrt: bool, preserve_result: bool,
            single_result: bool, derivative: str = "grad") -> Layout:
    """What the gradient function returns for one element: the gradient (or a
    tuple of them), after the function's value with `preserve_result`; of a
    tangent function (`derivative="tangent"`), its value and its tangent."""
    def leaves(node: ast.expr, kind: str, single: bool) -> Layout:
        elts = node.elts if isinstance(node, ast.Tuple) else [node]
        found = tuple(Leaf(kind, k, ast.unparse(e), is_none(e)) for k, e in enumerate(elts))
        return found[0] if single else found

    if not preserve_result:
        return leaves(returns, derivative, single_wrt)
    return (leaves(returns.elts[0], "value", single_result),
            leaves(returns.elts[1], derivative, single_wrt))


def _layout_expr(layout: Layout) -> ast.expr:
    if isinstance(layout, Leaf):
        return ast.Constant(None) if layout.none else ast.parse(layout.name, mode="eval").body
    return ast.Tuple([_layout_expr(part) for part in layout], ast.Load())


def _filter(body: list[ir.Stmt], keep) -> list[ir.Stmt]:
    """`body` without the statements (nested ones too) that `keep` refuses."""
    kept = [s for s in body if keep(s)]
    for stmt in kept:
        for inner in ir.blocks(stmt):
            inner[:] = _filter(inner, keep)
    return kept


def _changes_something(stmt: ir.Stmt) -> bool:
    """Not a statement of a value and no call (`seed(grad_y, y)`, kept for its
    shape check, becomes `grad_y`), nor an assignment of a name to itself
    (`ds = broadcast_like(ds, y)`, whose broadcast a scalar does not need)."""
    if isinstance(stmt, ir.ExprStmt):
        return any(isinstance(n, ast.Call) for n in ast.walk(stmt.value))
    return not (type(stmt) is ir.Assign and isinstance(stmt.value, ast.Name)
                and stmt.value.id == stmt.target)


class _DeviceCalls(ast.NodeTransformer):
    """Every call in the body replaced by its device expression."""

    def __init__(self, names: dict[str, object]):
        self.names = names
        self.stmt: ir.Stmt | None = None

    def rewrite(self, body: list[ir.Stmt]) -> None:
        for stmt in list(ir.walk(body)):
            self.stmt = stmt
            for field in ("value", "target", "start", "stop", "step", "test"):
                node = getattr(stmt, field, None)
                if isinstance(node, ast.expr):
                    setattr(stmt, field, self.visit(node))

    def visit_Call(self, node: ast.Call) -> ast.expr:
        self.generic_visit(node)
        func = node.func
        if isinstance(self.stmt, (ir.Push, ir.Pop, ir.PopStore)) and node is self.stmt.value:
            return node  # a stack: `Stacks` rewrites it
        fn = resolve(func, self.names)
        build = device_calls().get(id(fn)) if fn is not None else None
        args = _positional(fn, node)
        if build is None or args is None:
            origin = self.stmt.origin if self.stmt else ir.Origin(None, None, "")
            raise CompileError(f"'{ast.unparse(node)}' has no CUDA device form in srcgrad "
                               f"(generated for '{origin.text}')", origin.file, origin.line)
        return build(args)


def _positional(fn: object, call: ast.Call) -> list[ast.expr] | None:
    """The call's arguments in parameter order (keywords bound by `fn`'s
    signature), or None if they cannot be ordered."""
    if not call.keywords:
        return list(call.args)
    try:
        bound = inspect.signature(fn).bind(*call.args, **{k.arg: k.value for k in call.keywords})
    except (TypeError, ValueError):
        return None
    bound.apply_defaults()
    return [v if isinstance(v, ast.AST) else ast.Constant(v) for v in bound.arguments.values()]


