"""Adjoint rules of order statistics: `np.median`, `np.quantile` and
`np.percentile` (method 'linear', NumPy's default; `axis` None, an int or a
tuple; `keepdims`; `q` a scalar or an array).

The lowering writes each call as `quantile(a, q, axis, keepdims=)`
(`q / 100` for `percentile`, `0.5` for `median`), whose rule sends `g` to
the two order statistics that the result interpolates between
(`quantile_grad`), and to `q` the slope of the interpolation
(`quantile_q_grad`).  A median of an even count averages the two middle
values, so each gets half.  At a tie, each share goes to the element that a
stable sort puts at that rank (as JAX's gradient through its sort); at a
position exactly on an order statistic, `q`'s slope is that of the interval
to its right.  `quantile_grad` and its transpose `quantile_jvp` are linear
in their first argument and constant in `a` between ties, so their rules
make quantiles differentiable to any order in `a`; in `q`, once
(`quantile_q_grad` has no rule: a second derivative in `q` is refused).

Refused: any `method` but 'linear', `weights=`, `out=`,
`overwrite_input=True` (srcgrad would not see the input change).
"""

from __future__ import annotations

import ast
import inspect

import numpy as np

from ..runtime import (
    quantile,
    quantile_grad,
    quantile_jvp,
    quantile_q_grad,
    shape_of,
    sum_to,
    unbroadcast,
)
from .registry import Refused, adjoint, expand
from .tangents import linear, tangent


@adjoint(quantile)
def quantile_adjoint(g, ans, a, q, axis=None, keepdims=False):
    return (quantile_grad(g, a, q, axis, keepdims), quantile_q_grad(g, a, a, q, axis, keepdims),
            None, None)


@tangent(quantile)
def quantile_tangent(ans, a, q, axis, keepdims, da):
    return quantile_jvp(da, a, q, axis, keepdims)


@adjoint(quantile_grad)
def quantile_grad_adjoint(g, ans, dy, a, q, axis=None, keepdims=False):
    return (sum_to(quantile_jvp(unbroadcast(g, a), a, q, axis, keepdims), shape_of(dy)), None,
            quantile_q_grad(dy, unbroadcast(g, a), a, q, axis, keepdims), None, None)
linear(quantile_grad, params=("dy",))


@adjoint(quantile_jvp)
def quantile_jvp_adjoint(g, ans, h, a, q, axis=None, keepdims=False):
    return (unbroadcast(quantile_grad(g, a, q, axis, keepdims), h), None,
            quantile_q_grad(g, h, a, q, axis, keepdims), None, None)
linear(quantile_jvp, params=("h",))


def quantile_form(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False):
    """The forms of `np.quantile` and `np.percentile` srcgrad differentiates."""


def median_form(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The forms of `np.median` srcgrad differentiates."""


def _constant(atom, value) -> bool:
    return isinstance(atom, ast.Constant) and atom.value == value and type(atom.value) is type(value)


def _check(arguments: dict) -> None:
    if not _constant(arguments.get("method", ast.Constant("linear")), "linear"):
        raise Refused("srcgrad differentiates method='linear' only (NumPy's default)")
    if not _constant(arguments["out"], None):
        raise Refused("out= is not differentiated: assign the result")
    if not _constant(arguments["overwrite_input"], False):
        raise Refused("overwrite_input=True is not differentiated")


def _expand_quantile(scale: float | None):
    def expand_quantile(arguments: dict, lowering):
        _check(arguments)
        q = arguments["q"] if "q" in arguments else ast.Constant(0.5)
        if scale is not None:
            q = lowering.emit_binop(q, ast.Div(), ast.Constant(scale))
        return lowering.emit_call(quantile, [arguments["a"], q, arguments["axis"]],
                                  [ast.keyword("keepdims", arguments["keepdims"])])

    return expand_quantile


expand(np.quantile, _expand_quantile(None), inspect.signature(quantile_form))
expand(np.percentile, _expand_quantile(100.0), inspect.signature(quantile_form))
expand(np.median, _expand_quantile(None), inspect.signature(median_form))
