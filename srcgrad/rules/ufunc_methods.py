"""The methods `reduce` and `accumulate` of the ufuncs that have rules.

`np.add.reduce(a, axis)` is `np.sum(a, axis)` with the axis NumPy's method
defaults to (0, not None), and so on: the lowering writes each call as the
function it is (`registry.expand`), whose rule and compiled form srcgrad
has:

| call                                 | written as                              |
|--------------------------------------|-----------------------------------------|
| `np.add.reduce(a, axis=0, keepdims=)` | `np.sum(a, axis, keepdims=)`           |
| `np.multiply.reduce(...)`            | `np.prod(...)`                          |
| `np.maximum.reduce(...)`, `np.minimum.reduce(...)` | `np.max(...)`, `np.min(...)` |
| `np.logaddexp.reduce(...)`           | `scipy.special.logsumexp(...)`, shifted |
| `np.add.accumulate(a, axis=0)`       | `np.cumsum(a, axis)`                    |
| `np.multiply.accumulate(a, axis=0)`  | `np.cumprod(a, axis)`                   |
| `np.maximum.accumulate(a, axis=0)`   | `accumulate_extreme(a, axis, False)`    |
| `np.minimum.accumulate(a, axis=0)`   | `accumulate_extreme(a, axis, True)`     |

The running maximum and minimum have no NumPy function of their own (nor a
Numba form of the method): `accumulate_extreme` (`runtime/extremes.py`) is
srcgrad's, with its rule below, which splits each step's cotangent as
`np.maximum`'s does (ties evenly).  `dtype=`, `out=`, `initial=` and
`where=` are refused by the signatures the calls are bound to; so are the
methods of other ufuncs (`np.subtract.accumulate` has no rule).
"""

from __future__ import annotations

import ast
import inspect

import numpy as np

from ..runtime import (
    accumulate_extreme,
    accumulate_extreme_grad,
    accumulate_extreme_jvp,
    shape_of,
    sum_to,
    unbroadcast,
)
from .registry import adjoint, expand
from .special import expand_logsumexp
from .tangents import linear, tangent


def ufunc_reduce(array, axis=0, *, keepdims=False):
    """The forms of `ufunc.reduce` srcgrad differentiates (the signature
    its calls are bound to)."""


def ufunc_accumulate(array, axis=0):
    """The forms of `ufunc.accumulate` srcgrad differentiates."""


def _reduction(function):
    def expansion(arguments: dict, lowering):
        return lowering.emit_call(function, [arguments["array"], arguments["axis"]],
                                  [ast.keyword("keepdims", arguments["keepdims"])])
    return expansion


def _accumulation(function, *extra):
    def expansion(arguments: dict, lowering):
        return lowering.emit_call(function, [arguments["array"], arguments["axis"], *extra], [])
    return expansion


_REDUCE = inspect.signature(ufunc_reduce)
_ACCUMULATE = inspect.signature(ufunc_accumulate)

for ufunc, function in ((np.add, np.sum), (np.multiply, np.prod), (np.maximum, np.max),
                        (np.minimum, np.min)):
    expand(ufunc.reduce, _reduction(function), _REDUCE)


def _log_sum_exp(arguments: dict, lowering):
    """`np.logaddexp.reduce(a, axis)`: SciPy's `logsumexp` as srcgrad writes it
    (the largest element subtracted before `exp` and added back)."""
    return expand_logsumexp({"a": arguments["array"], "axis": arguments["axis"],
                             "b": ast.Constant(None), "keepdims": arguments["keepdims"],
                             "return_sign": ast.Constant(False)}, lowering)


expand(np.logaddexp.reduce, _log_sum_exp, _REDUCE)
for ufunc, function, extra in ((np.add, np.cumsum, ()), (np.multiply, np.cumprod, ()),
                               (np.maximum, accumulate_extreme, (ast.Constant(False),)),
                               (np.minimum, accumulate_extreme, (ast.Constant(True),))):
    expand(ufunc.accumulate, _accumulation(function, *extra), _ACCUMULATE)


# --- running maxima and minima -------------------------------------------------------------


@adjoint(accumulate_extreme)
def accumulate_extreme_adjoint(g, ans, a, axis=0, smallest=False):
    return accumulate_extreme_grad(g, a, axis, smallest), None, None


@tangent(accumulate_extreme)
def accumulate_extreme_tangent(ans, a, axis, smallest, da):
    return accumulate_extreme_jvp(da, a, axis, smallest)


# both linear in their first argument, piecewise constant in x (no derivative there)
@adjoint(accumulate_extreme_grad)
def accumulate_extreme_grad_adjoint(g, ans, dy, x, axis=0, smallest=False):
    return (sum_to(accumulate_extreme_jvp(unbroadcast(g, x), x, axis, smallest), shape_of(dy)),
            None, None, None)


linear(accumulate_extreme_grad, params=("dy",))


@adjoint(accumulate_extreme_jvp)
def accumulate_extreme_jvp_adjoint(g, ans, h, x, axis=0, smallest=False):
    return unbroadcast(accumulate_extreme_grad(g, x, axis, smallest), h), None, None, None


linear(accumulate_extreme_jvp, params=("h",))
