"""A call that closes a cycle of the user's functions: a call, not an inlining.

`inlining.FunctionLowering` inlines a call of the user's function unless
that function is already being inlined further up (`det` calling `det`,
`f` calling `g` calling `f`).  `RecursionLowering.recursive_call` lowers
such a call to one operation,

    _t3 = det_primal(minor)

whose primitive is the function's `ir.recursion.RecursiveFunction`, and
whose adjoint rule gives every parameter a cotangent (the reverse sweep
asks the function's vjp for those of the active arguments,
`adjoint/statements.py`; the tangent sweep its jvp, `tangent/forward.py`).
The generated functions are made after the main one
(`backend/recursive.py`).

Guarantees to the passes after it: each argument of the call is an atom,
one per parameter of the user's function in order (defaults filled in);
the function returns one value.  What cannot be passed to a generated
function is refused at the user's call: a recursive nested `def` or
`lambda` (it may read the variables around it), an argument that is a
container or a function, a function that returns several values or is
called for what it writes into its arguments.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import inspect
import types

from .. import ir
from ..analysis.aliasing import memories
from ..errors import UnsupportedSyntaxError
from ..ir.guards import Guard, GuardKind, guard
from ..ir.naming import Namer
from ..ir.recursion import Recursion, RecursiveFunction
from ..rules.registry import Rule
from .flow import own_returns
from .parse import FunctionSource
from .rename import rename_redefinitions
from .values import is_static

__all__ = ["RecursionLowering", "keep_arguments_unwritten", "refuse_on_device"]


class RecursionLowering:
    """The lowering of recursive calls (see the module's docstring); mixed into
    `inlining.FunctionLowering`, which supplies `bind_values`, `temp`, `error`."""

    recursion: Recursion

    def recursive_call(self, src: FunctionSource, key, chain: str, defaults: dict, values: list,
                       named: dict, call: ast.Call, statement: bool) -> list[ast.expr]:
        """The call `call` of `src`'s function, which is being inlined further
        up (`chain`: the functions from the outermost to this call)."""
        what = f"recursion ({chain})"
        if not isinstance(key, types.FunctionType):
            raise self.error(call, f"{what}: a nested function or lambda that calls itself cannot "
                             "be differentiated; define it at module level")
        tree = src.tree
        if tree.args.vararg is not None or tree.args.kwarg is not None:
            raise self.error(call, f"{what}: a recursive function with '*args' or '**kwargs' "
                             "parameters cannot be differentiated")
        returns = own_returns(tree)
        if statement or not returns:
            raise self.error(call, f"{what}: the recursive function '{src.name}' must return "
                             "the value it computes (srcgrad calls it rather than inlining it, "
                             "so what it writes into its arguments would be lost)")
        if any(isinstance(r.value, ast.Tuple) for r in returns):
            raise self.error(call, f"{what}: a recursive function that returns several values "
                             "cannot be differentiated yet; return one array or number")
        bound = self.bind_values(src, values, named, defaults, call)
        params = [a.arg for a in tree.args.posonlyargs + tree.args.args + tree.args.kwonlyargs]
        args = []
        for param in params:
            value = bound[param]
            if is_static(value) or not isinstance(value, (ast.Name, ast.Constant)):
                raise self.error(call, f"{what}: the argument '{param}' of the recursive "
                                 f"function '{src.name}' is a container or a function; srcgrad "
                                 "passes arrays and numbers to the function it generates for it")
            args.append(value)
        entry = self.recursion.entry(key, params, self.stacks)
        if entry.rule is None:
            entry.rule = _rule(entry)
        call_expr = ast.Call(ast.Name(entry.primal, ast.Load()), args, [])
        # named after the call (`det_minor`), not a temporary: its value is kept
        # for the reverse sweep under that name
        words = [a.id for a in args if isinstance(a, ast.Name) and a.id not in self.temps]
        base = "_".join([src.name, *words])
        if len(words) < len(args) or len(base) > 24:
            base = f"{src.name}_value"
        target = self.namer.fresh(base)
        self.emit_assign(target, call_expr, entry)
        return [ast.Name(target, ast.Load())]


def _rule(entry: RecursiveFunction) -> Rule:
    """The adjoint rule of the calls of `entry`: a cotangent for every
    parameter (its template is never inlined: the reverse sweep calls the
    function's vjp instead)."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    signature = inspect.Signature([inspect.Parameter(p, kind) for p in entry.params])
    every = tuple(ast.Name("g", ast.Load()) for _ in entry.params)
    return Rule(entry.fn.__name__, signature, every, False, None, entry.fn)


def keep_arguments_unwritten(fn: ir.Function) -> None:
    """Refuse a recursive function that writes into its arguments: its caller
    calls it rather than inlining it (and the generated function copies an
    argument it writes into, as every generated function does), so the caller
    would not see the write.  A store into (a view of) a parameter is refused
    here; an update `x += e` of a name that may hold a parameter's memory,
    which changes it in place only where it is an array, is checked when it
    runs (`refuse_shared(a, x, ...)`)."""
    # a name rebound at the top level no longer holds the argument: asked of a copy
    # with each top-level definition named apart
    renamed = dataclasses.replace(fn, body=copy.deepcopy(fn.body), results=list(fn.results),
                                  aux=list(fn.aux), user_names={})
    taken = set(fn.params)
    for stmt in ir.walk(renamed.body):
        taken |= ir.defined_names(stmt) | ir.used_names(stmt)
    rename_redefinitions(renamed, Namer(taken))
    params = set(fn.params)
    holds = {v: m & params for v, m in memories(renamed).items()}  # (parameters' memories)
    for stmt, original in zip(ir.walk(renamed.body), list(ir.walk(fn.body))):
        if isinstance(stmt, ir.Store) and holds.get(stmt.array):
            param = min(holds[stmt.array])
            raise UnsupportedSyntaxError(
                f"'{stmt.origin.text}' writes into the argument '{param}' of the recursive "
                f"function '{fn.name}', which srcgrad calls rather than inlines: its caller "
                f"would not see the write; write into a copy ('{param} = {param}.copy()' "
                "first)", stmt.origin.file, stmt.origin.line)
        if isinstance(stmt, Guard) and stmt.kind is GuardKind.UPDATE:
            x, name = stmt.names[0], ast.unparse(original.names[0])
            shared = sorted(holds.get(x.id, ())) if isinstance(x, ast.Name) else []
            checks = [guard(original.origin, GuardKind.SHARED, (
                f"{stmt.origin}: '{stmt.origin.text}' changes the argument '{p}' of the "
                f"recursive function '{fn.name}' in place, which srcgrad calls rather than "
                f"inlines: its caller would not see the change; write '{name} = {name} + ...' "
                "instead"), p, original.names[0]) for p in shared]
            if checks:
                _replace(fn.body, original, checks)


def _replace(body: list[ir.Stmt], stmt: ir.Stmt, new: list[ir.Stmt]) -> None:
    for block in ir.all_blocks(body):
        for k, s in enumerate(block):
            if s is stmt:
                block[k:k + 1] = new
                return


def refuse_on_device(fn: ir.Function) -> None:
    """Refuse a recursive call on target="cuda", whose device functions cannot
    call the functions generated for it."""
    for stmt in ir.walk(fn.body):
        if isinstance(stmt, ir.Assign) and isinstance(stmt.primitive, RecursiveFunction):
            raise UnsupportedSyntaxError(
                f"'{stmt.origin.text}': recursion ({stmt.primitive.__name__}) is differentiated "
                "on the 'cpu' and 'python' targets, not 'cuda'", stmt.origin.file,
                stmt.origin.line)
