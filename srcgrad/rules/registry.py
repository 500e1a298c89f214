"""The registry of adjoint rules: how a primitive's cotangent flows to its inputs.

A rule is a plain Python function, registered with `@adjoint(primal, ...)`:

    @adjoint(np.sin, elementwise=True)
    def sin(g, ans, x):
        return g * np.cos(x)

Its parameters are `g`, the cotangent of the primitive's result, `ans`, the
result itself, then the primitive's own parameters under the names NumPy uses
for them (defaults included, so keyword calls bind).  The body is one
`return` with one expression per primitive parameter: the cotangent of that
parameter, or `None` where there is none (an axis, a shape, a condition).

The function runs as it stands (the rule-table tests call it on NumPy values),
and the transformer inlines its return expressions into the generated adjoint
with the parameters replaced by the primitive's arguments.  So a rule may use
only NumPy, `math` and the helpers of `srcgrad.runtime`, and must compile
with Numba for scalars and arrays alike.

Conventions the transformer relies on:

- `unbroadcast(expr, x)` around a cotangent sums it back to the shape of `x`.
  When the transformer feeds the cotangent to a single-use temporary of an
  elementwise operation it drops that wrapper: summing once, later, gives the
  same result (see `adjoint/reverse.py`).
- `elementwise=True` marks a primitive that maps elements independently and
  broadcasts like NumPy; its rule must accept a cotangent that is larger
  (broadcast further) than its result.  A rule without it must itself reduce
  such a cotangent, which the helpers in `srcgrad.runtime` do.
- A parameter that takes a sequence of arrays (`np.concatenate`'s `arrays`)
  gets a list comprehension over `range(len(arrays))`; the transformer expands
  it into one expression per element.
- `refused(REASON)` in place of a cotangent (`REASON` a string, or a name of
  the rule's module holding one) says the parameter has a derivative srcgrad
  cannot give (the order of a Bessel function): a call whose argument there
  varies, where the result is differentiated, is refused with that reason
  (`analysis/activity.py`).  Run as Python it is None, like `None`.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from ..cells import place
from ..errors import SrcGradError
from ..runtime.guards import NO_ADJOINT  # re-exported: a refusal's message starts with it

__all__ = ["Rule", "adjoint", "refused", "nondifferentiable", "lookup", "is_nondifferentiable",
           "RULES",
           "replace", "replacement", "replacements", "Mutation", "Write", "mutates",
           "mutates_method", "method_mutation", "written_argument", "expand", "expansion",
           "expansion_signature", "Refused", "NO_ADJOINT", "unsupported", "unsupported_reason"]


class Refused(Exception):
    """Raised by an expansion (see `expand`) for arguments it has no rule for."""


@dataclass(frozen=True)
class Rule:
    """What the transformer needs to know about one rule."""

    name: str
    signature: inspect.Signature  # the primitive's parameters (without g, ans)
    cotangents: tuple[ast.expr | None, ...]  # one per parameter
    elementwise: bool
    sequence: str | None  # the parameter that takes a sequence of arrays
    function: Callable  # the rule itself, runnable
    refusals: dict[str, str] = field(default_factory=dict)  # parameter -> why (`refused`)

    @property
    def params(self) -> list[str]:
        return list(self.signature.parameters)

    @property
    def shipped(self) -> bool:
        """Whether srcgrad itself defines this rule (not a user's `sg.adjoint`)."""
        return getattr(self.function, "__module__", "").startswith("srcgrad.")


RuleFunction = TypeVar("RuleFunction", bound=Callable[..., Any])

RULES: dict[int | tuple[int, int], Rule] = {}
_PRIMALS: dict[int | tuple[int, int], object] = {}  # keeps registered primals alive, so ids stay unique
_NONDIFF: dict[int | tuple[int, int], object] = {}


def _key(primal: object) -> int | tuple[int, int] | tuple[int, str]:
    if isinstance(primal, types.MethodType):
        # a method of an object (`scipy.stats.norm.logpdf`) is a new bound-method
        # object at each read: it is known by its object and its function
        return id(primal.__self__), id(primal.__func__)
    if isinstance(primal, types.BuiltinMethodType) and isinstance(
            getattr(primal, "__self__", None), np.ufunc):
        return id(primal.__self__), primal.__name__  # `np.add.reduce`: likewise, by name
    return id(primal)


def adjoint(*primals: object, elementwise: bool = False,
            sequence: str | None = None) -> Callable[[RuleFunction], RuleFunction]:
    """Register the decorated function as the adjoint rule of `primals`."""

    def register(fn: RuleFunction) -> RuleFunction:
        rule = _parse_rule(fn, elementwise, sequence)
        for primal in primals:
            RULES[_key(primal)] = rule
            _PRIMALS[_key(primal)] = primal
        return fn

    return register


def refused(reason: str) -> None:
    """The cotangent of a parameter that srcgrad cannot differentiate in (see
    the module's docstring): None when the rule runs as Python."""
    return None


def nondifferentiable(*primals: object) -> None:
    """Declare callables whose results are constants (shapes, signs, indices)."""
    for primal in primals:
        _NONDIFF[_key(primal)] = primal


_UNSUPPORTED: dict[int, str] = {}


def unsupported(*primals: object, reason: str) -> None:
    """Declare callables that srcgrad knows and does not differentiate, and
    why (`np.fft.fft`: its result is complex).  A call of one whose
    arguments vary is refused with `reason`; one of constants runs as ever."""
    for primal in primals:
        _UNSUPPORTED[_key(primal)] = reason
        _PRIMALS[_key(primal)] = primal


def unsupported_reason(primal: object) -> str | None:
    return _UNSUPPORTED.get(_key(primal))


_REPLACEMENTS: dict[int | tuple[int, int], tuple[object, Callable]] = {}


def replace(primal: object, impl: Callable) -> None:
    """Have generated code call `impl` in place of `primal`: a function with
    the same parameters that Numba compiles in every form srcgrad accepts
    (`np.mean(x, axis=0)`, `np.sum(x, keepdims=True)`, ...), and NumPy runs."""
    _REPLACEMENTS[_key(primal)] = (primal, impl)


def replacement(primal: object) -> Callable | None:
    entry = _REPLACEMENTS.get(_key(primal))
    return entry[1] if entry else None


def replacements() -> list[Callable]:
    return [impl for _, impl in _REPLACEMENTS.values()]


# --- calls that write into an argument ---------------------------------------------


@dataclass(frozen=True)
class Mutation:
    """A callable that writes into one of its arguments (`np.add.at` into `a`).

    `update`, where there is one, is the same change as a function of the
    old value that returns the new one (`scatter_add(a, indices, b)` for
    `np.add.at(a, indices, b)`), with an adjoint rule of its own: srcgrad
    lowers the call to `a = update(a, ...)`.  Without it the call is refused."""

    param: str  # the parameter written into, as NumPy names it
    position: int | None  # its position, None where it is the method's object
    update: Callable | None = None


@dataclass(frozen=True)
class Write:
    """What one call writes into: `written_argument`'s answer."""

    target: ast.expr | None  # the argument written into (None: the method's object)
    param: str
    update: Callable | None  # see Mutation; None for `out=`, and for a refused call
    out: bool = False  # the call's result is assigned into `target` (`out=`)


_MUTATIONS: dict[object, Mutation] = {}


def mutates(*primals: object, param: str, position: int | None,
            update: Callable | None = None) -> None:
    """Declare callables that write into their parameter `param`."""
    for primal in primals:
        _MUTATIONS[_key(primal)] = Mutation(param, position, update)
        _PRIMALS[_key(primal)] = primal


def mutates_method(owner: object, name: str, param: str = "self", position: int | None = None,
                   update: Callable | None = None) -> None:
    """Declare the method `name` of `owner` (a class: of all its instances;
    an object such as `np.add`: of that one) as writing into `param` (its
    object, by default)."""
    _MUTATIONS[(_key(owner), name)] = Mutation(param, position, update)
    _PRIMALS[_key(owner)] = owner


def method_mutation(cls: type, name: str) -> Mutation | None:
    """The declaration of the method `name` of instances of `cls`, if it writes."""
    for base in cls.__mro__:
        found = _MUTATIONS.get((_key(base), name))
        if found is not None:
            return found
    return None


def _mutation(fn: object) -> Mutation | None:
    found = _MUTATIONS.get(_key(fn))
    if found is not None:
        return found
    owner, name = getattr(fn, "__self__", None), getattr(fn, "__name__", None)
    if owner is None or name is None or isinstance(owner, type(ast)):
        return None
    return _MUTATIONS.get((_key(owner), name)) or method_mutation(type(owner), name)


def written_argument(fn: object, args: list[ast.expr],
                     keywords: list[ast.keyword]) -> Write | None:
    """What a call of `fn` with these arguments writes into, if anything: the
    argument of a declared `Mutation`, or an `out=` array (by keyword, or in
    the position of a parameter named `out`)."""
    mutation = _mutation(fn)
    if mutation is not None:
        target = None
        if mutation.position is not None and len(args) > mutation.position:
            target = args[mutation.position]
        target = next((k.value for k in keywords if k.arg == mutation.param), target)
        return Write(target, mutation.param, mutation.update)
    out = next((k.value for k in keywords if k.arg == "out"), None)
    position = _out_position(fn)
    if out is None and position is not None and len(args) > position:
        out = args[position]
    if out is None or isinstance(out, ast.Constant) and out.value is None:
        return None
    return Write(out, "out", None, out=True)


def _out_position(fn: object) -> int | None:
    """Where a positional `out` argument of `fn` goes, if it takes one."""
    try:
        return _cached_out_position(fn)
    except TypeError:  # unhashable
        return _find_out_position(fn)


def _find_out_position(fn: object) -> int | None:
    if isinstance(fn, np.ufunc):
        return fn.nin
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    for k, p in enumerate(params):
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            return None
        if p.name == "out":
            return k
    return None


_cached_out_position = functools.lru_cache(maxsize=None)(_find_out_position)


def lookup(primal: object) -> Rule | None:
    return RULES.get(_key(primal))


def is_nondifferentiable(primal: object) -> bool:
    return _key(primal) in _NONDIFF


def _parse_rule(fn: Callable, elementwise: bool, sequence: str | None) -> Rule:
    where = f"{place(inspect.getsourcefile(fn) or fn.__code__.co_filename)}:{fn.__code__.co_firstlineno}"
    sig = inspect.signature(fn)
    names = list(sig.parameters)
    if names[:2] != ["g", "ans"]:
        raise SrcGradError(f"{where}: an adjoint rule's parameters start with (g, ans, ...)")
    primal_sig = sig.replace(parameters=list(sig.parameters.values())[2:])
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    func = tree.body[0]
    assert isinstance(func, ast.FunctionDef)
    body = [s for s in func.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
        raise SrcGradError(f"{where}: an adjoint rule's body is a single return statement")
    value = body[0].value
    n = len(primal_sig.parameters)
    if n == 1:
        exprs: list[ast.expr] = [value]
    elif isinstance(value, ast.Tuple) and len(value.elts) == n:
        exprs = list(value.elts)
    else:
        raise SrcGradError(f"{where}: an adjoint rule returns one cotangent per parameter ({n})")
    refusals = {name: _refusal(e, fn, where) for name, e in zip(primal_sig.parameters, exprs)
                if _calls_refused(e)}
    cotangents = tuple(
        None if isinstance(e, ast.Constant) and e.value is None or _calls_refused(e) else e
        for e in exprs
    )
    return Rule(fn.__name__, primal_sig, cotangents, elementwise, sequence, fn, refusals)


def _calls_refused(expr: ast.expr) -> bool:
    return (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name)
            and expr.func.id == "refused")


def _refusal(expr: ast.Call, fn: Callable, where: str) -> str:
    """The reason `refused(...)` gives: a string, or a module constant holding one."""
    if len(expr.args) == 1 and not expr.keywords:
        arg = expr.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg.value
        if isinstance(arg, ast.Name) and isinstance(fn.__globals__.get(arg.id), str):
            return fn.__globals__[arg.id]
    raise SrcGradError(f"{where}: refused(...) takes one reason: a string or a name of one")


_EXPANSIONS: dict[int | tuple[int, int], tuple[Callable, inspect.Signature | None]] = {}


def expand(primal: object, fn: Callable, signature: inspect.Signature | None = None) -> None:
    """Have the lowering write some calls of `primal` as other operations.

    `fn(arguments, lowering)` gets the call's arguments bound to the rule's
    parameters (atoms: names and constants; a list of them for `*args`) and
    returns the atom holding the result, emitting the operations with
    `lowering.emit_call(f, args, keywords)`, `lowering.emit_binop(left, op,
    right)` and `lowering.emit_tuple(atoms)`; or None for the call as
    written; or raises `Refused(reason)`, which the lowering reports as a
    NoAdjointError quoting the user's call.

    `signature`, where given, takes the rule's place: the calls of `primal`
    are bound to it and checked against it alone.  It is for a primal
    without a rule (`math.fsum`) or whose rule takes fewer forms than the
    primal does (the builtin `max` has a rule of two values, not of three
    or of an array): the expansion writes every call as other operations,
    but those that fit the rule, for which it may return None.  The
    lowering expands these calls where they have no derivative too (`if
    max(a, b, c) > 0:`), so that generated code calls the primal only in
    the forms of its rule."""
    _EXPANSIONS[_key(primal)] = (fn, signature)
    _PRIMALS[_key(primal)] = primal


def expansion(primal: object) -> Callable | None:
    entry = _EXPANSIONS.get(_key(primal))
    return entry[0] if entry else None


def expansion_signature(primal: object) -> inspect.Signature | None:
    """The signature an expansion of `primal` binds calls to in its rule's
    place (see `expand`), or None."""
    entry = _EXPANSIONS.get(_key(primal))
    return entry[1] if entry else None
