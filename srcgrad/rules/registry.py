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
  same result (see `reverse.py`).
- `elementwise=True` marks a primitive that maps elements independently and
  broadcasts like NumPy; its rule must accept a cotangent that is larger
  (broadcast further) than its result.  A rule without it must itself reduce
  such a cotangent, which the helpers in `srcgrad.runtime` do.
- A parameter that takes a sequence of arrays (`np.concatenate`'s `arrays`)
  gets a list comprehension over `range(len(arrays))`; the transformer expands
  it into one expression per element.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import SrcGradError

__all__ = ["Rule", "adjoint", "nondifferentiable", "lookup", "is_nondifferentiable", "RULES",
           "replace", "replacement", "replacements", "expand", "expansion", "Refused",
           "NO_ADJOINT"]

# Leads the message of a rule's helper that refuses its arguments when it runs
# (or when Numba types it): the gradient function reports it as a
# NoAdjointError at the user's line.
NO_ADJOINT = "no adjoint rule for "


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
    uses_ans: bool

    @property
    def params(self) -> list[str]:
        return list(self.signature.parameters)


RULES: dict[int, Rule] = {}
_PRIMALS: dict[int, object] = {}  # keeps registered primals alive, so ids stay unique
_NONDIFF: dict[int, object] = {}


def _key(primal: object) -> int:
    return id(primal)


def adjoint(*primals: object, elementwise: bool = False, sequence: str | None = None):
    """Register the decorated function as the adjoint rule of `primals`."""

    def register(fn: Callable) -> Callable:
        rule = _parse_rule(fn, elementwise, sequence)
        for primal in primals:
            RULES[_key(primal)] = rule
            _PRIMALS[_key(primal)] = primal
        return fn

    return register


def nondifferentiable(*primals: object) -> None:
    """Declare callables whose results are constants (shapes, signs, indices)."""
    for primal in primals:
        _NONDIFF[_key(primal)] = primal


_REPLACEMENTS: dict[int, tuple[object, Callable]] = {}


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


def lookup(primal: object) -> Rule | None:
    return RULES.get(_key(primal))


def is_nondifferentiable(primal: object) -> bool:
    return _key(primal) in _NONDIFF


def _parse_rule(fn: Callable, elementwise: bool, sequence: str | None) -> Rule:
    where = f"{inspect.getsourcefile(fn)}:{fn.__code__.co_firstlineno}"
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
    cotangents = tuple(
        None if isinstance(e, ast.Constant) and e.value is None else e for e in exprs
    )
    uses_ans = any(isinstance(n, ast.Name) and n.id == "ans" for e in exprs for n in ast.walk(e))
    return Rule(fn.__name__, primal_sig, cotangents, elementwise, sequence, fn, uses_ans)


_EXPANSIONS: dict[int, Callable] = {}


def expand(primal: object, fn: Callable) -> None:
    """Have the lowering write some calls of `primal` as other operations.

    `fn(arguments, lowering)` gets the call's arguments bound to the rule's
    parameters (atoms: names and constants) and returns the atom holding
    the result, emitting the operations with `lowering.emit_call(f, args,
    keywords)` and `lowering.emit_binop(left, op, right)`; or None for the
    call as written; or raises `Refused(reason)`, which the lowering reports
    as a NoAdjointError quoting the user's call."""
    _EXPANSIONS[_key(primal)] = fn


def expansion(primal: object) -> Callable | None:
    return _EXPANSIONS.get(_key(primal))
