"""The registry of tangent (forward-mode) rules, beside the adjoint rules.

Forward mode (`srcgrad/tangent/`) needs, for each primitive `y = f(a, b)`,
the tangent `dy` as a function of the operands' tangents `da`, `db`.  Three
kinds of declaration give it, registered in the rule modules next to the
adjoint rule of the same primitive (one block per operation):

- none, for an `elementwise=True` adjoint rule: the Jacobian is diagonal, so
  the contribution of operand `a` is the cotangent template of `a` with
  `g := da` and its outer `unbroadcast(..., a)` dropped (`tangent/rules.py`
  derives it);
- `linear(primal, params=(...))`: `f` is linear in those parameters jointly
  (the others held fixed): `dy = f(da, db, ...)`, a zero (`zeros_like`) in
  place of an operand that does not vary; `multilinear(...)`: `f` is linear
  in each of them separately (a product): `dy = f(da, b) + f(a, db)`;
- `@tangent(primal)` on a function written like an adjoint rule:

      @tangent(np.linalg.inv)
      def inv_tangent(ans, a, da):
          return -(ans @ da @ ans)

  Its parameters are `ans` (the result), then the primitive's parameters as
  its adjoint rule names them, then one tangent parameter `d<name>` for
  each parameter it differentiates.  The body is one `return` with one
  expression per tangent parameter, in their order: that parameter's
  contribution to `dy`, linear in it, shaped like `ans`.  The transformer
  sums the contributions of the operands that vary.

Like an adjoint rule, a tangent rule runs as it stands (the rule table calls
it on NumPy values) and is inlined as a template, so it may use only NumPy,
`math` and `srcgrad.runtime`.  A primitive with an adjoint rule and none of
these has no tangent: forward mode refuses a call of it whose operands vary
(`tangent/rules.py`, `NoTangentError`).  Every rule srcgrad ships has one
(`tests/tangent/test_tangent_rules.py`, `test_counts`): only a user's
`sg.adjoint` may lack it.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from ..cells import place
from ..errors import SrcGradError
from .registry import _key

__all__ = ["TangentRule", "Linear", "tangent", "linear", "multilinear", "lookup_tangent",
           "lookup_linear", "TANGENTS", "LINEAR"]


@dataclass(frozen=True)
class TangentRule:
    """An explicit tangent rule (`@tangent`)."""

    name: str
    params: tuple[str, ...]  # the primitive's parameters
    contributions: dict[str, ast.expr]  # parameter -> its contribution's template
    tangent_names: dict[str, str]  # parameter -> the name of its tangent in the template
    function: Callable  # the rule itself, runnable


@dataclass(frozen=True)
class Linear:
    """`f` linear in `params` jointly (`multi=False`) or in each separately."""

    params: tuple[str, ...]
    multi: bool


TANGENTS: dict[object, TangentRule] = {}
LINEAR: dict[object, Linear] = {}
_PRIMALS: dict[object, object] = {}  # keeps registered primals alive, so ids stay unique


def tangent(*primals: object):
    """Register the decorated function as the tangent rule of `primals`."""

    def register(fn: Callable) -> Callable:
        rule = _parse(fn)
        for primal in primals:
            TANGENTS[_key(primal)] = rule
            _PRIMALS[_key(primal)] = primal
        return fn

    return register


def linear(*primals: object, params: tuple[str, ...]) -> None:
    """Declare `primals` linear in `params` jointly: the tangent is the
    primitive applied to the tangents of `params` (zeros where one does not vary)."""
    for primal in primals:
        LINEAR[_key(primal)] = Linear(tuple(params), multi=False)
        _PRIMALS[_key(primal)] = primal


def multilinear(*primals: object, params: tuple[str, ...]) -> None:
    """Declare `primals` linear in each of `params` separately (a product):
    the tangent is the sum over the varying ones of the primitive with that
    operand replaced by its tangent."""
    for primal in primals:
        LINEAR[_key(primal)] = Linear(tuple(params), multi=True)
        _PRIMALS[_key(primal)] = primal


def lookup_tangent(primal: object) -> TangentRule | None:
    return TANGENTS.get(_key(primal))


def lookup_linear(primal: object) -> Linear | None:
    return LINEAR.get(_key(primal))


def _parse(fn: Callable) -> TangentRule:
    where = f"{place(inspect.getsourcefile(fn) or fn.__code__.co_filename)}:{fn.__code__.co_firstlineno}"
    names = list(inspect.signature(fn).parameters)
    if not names or names[0] != "ans":
        raise SrcGradError(f"{where}: a tangent rule's parameters start with (ans, ...)")
    func = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
    body = [s for s in func.body
            if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
        raise SrcGradError(f"{where}: a tangent rule's body is a single return statement")
    value = body[0].value
    exprs = list(value.elts) if isinstance(value, ast.Tuple) else [value]
    k = len(exprs)
    params, tangents = names[1:len(names) - k], names[len(names) - k:]
    if any(t[:1] != "d" or t[1:] not in params for t in tangents):
        raise SrcGradError(f"{where}: a tangent rule ends with one parameter d<name> per "
                           f"expression it returns ({k}), each the tangent of a parameter")
    return TangentRule(fn.__name__, tuple(params), {t[1:]: e for t, e in zip(tangents, exprs)},
                       {t[1:]: t for t in tangents}, fn)
