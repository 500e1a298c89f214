"""Adjoint rules and expansions of NumPy's statistics: `np.logaddexp`,
`logaddexp2`, `cumprod`, `ptp`, `average`, and the NaN-aware reductions `nansum`,
`nanmean`, `nanmax`, `nanmin`, `nanprod`, `nanvar`, `nanstd`.

`logaddexp(x1, x2)` broadcasts like `+`; its cotangents `g exp(x1 - ans)`
and `g exp(x2 - ans)` (`exp2` for `logaddexp2`) are the two softmax weights,
never above 1, so they stay finite wherever the result is.

`cumprod(a, axis)` (`axis` None or an int) sends `g` back through the
running products without dividing by `a` (`cumprod_grad`), so zeros in `a`
get the right cotangent; `cumprod_grad` and its transpose `cumprod_jvp` have
rules (with `cumprod_curvature`, the second derivative), so it is
differentiable twice (a third derivative is refused: `cumprod_curvature`
has no rule).  In forward mode `cumprod_jvp` is the tangent of `cumprod`, and
its own tangent in `x` is `cumprod_second` (no rule either).  Generated code
calls `cumprod` (Numba's takes no `axis`).

The others are expanded by the lowering (`registry.expand`) into operations
that have rules, so they are differentiable to any order, on every target:

- `np.ptp(a, axis, keepdims=)` is `max - min` (ties split the cotangent as
  `max` and `min` do);
- `np.average(a, axis, weights, keepdims=)` is `mean` without weights, else
  `sum(a * w, axis) / sum(w, axis)`, with `w` the weights reshaped to
  broadcast against `a` (`weights_shape`: shaped like `a`, or 1-D along an
  int axis); it is differentiable in the weights too.  `returned=True`
  (a pair) is refused;
- the NaN-aware reductions replace each NaN by a neutral value with
  `np.where(np.isnan(a), fill, a)` (0 for sums and spreads, 1 for `nanprod`,
  -inf for `nanmax`, +inf for `nanmin`) before the plain reduction, and
  divide by `valid_count` (the non-NaN elements of each group, less `ddof`)
  for means and spreads: a NaN entry gets a cotangent of 0.  (A group of
  NaN only: `nanmax` gives -inf where NumPy gives NaN with a warning.)

Each takes `axis` None, an int or a tuple, and `keepdims` (a constant
under Numba); `dtype=`, `out=` and `where=` are refused by the signatures
the expansions bind calls to.
"""

from __future__ import annotations

import ast
import inspect

import numpy as np

from ..runtime import (
    cumprod,
    cumprod_curvature,
    cumprod_grad,
    cumprod_jvp,
    cumprod_second,
    highest_like,
    lowest_like,
    reduced_size,
    reshape,
    shape_of,
    sum_to,
    unbroadcast,
    valid_count,
    variables_result,
    weights_shape,
)
from .registry import Refused, adjoint, expand, nondifferentiable, replace
from .tangents import linear, tangent


@adjoint(np.logaddexp, elementwise=True)
def logaddexp_adjoint(g, ans, x1, x2):
    return unbroadcast(g * np.exp(x1 - ans), x1), unbroadcast(g * np.exp(x2 - ans), x2)


@adjoint(np.logaddexp2, elementwise=True)
def logaddexp2_adjoint(g, ans, x1, x2):
    return unbroadcast(g * np.exp2(x1 - ans), x1), unbroadcast(g * np.exp2(x2 - ans), x2)


# --- cumprod ----------------------------------------------------------------------------------


@adjoint(np.cumprod, cumprod)
def cumprod_adjoint(g, ans, a, axis=None):
    return cumprod_grad(g, a, axis), None


@tangent(np.cumprod, cumprod)
def cumprod_tangent(ans, a, axis, da):
    return cumprod_jvp(da, a, axis)


@adjoint(cumprod_grad)
def cumprod_grad_adjoint(g, ans, dy, x, axis=None):
    return (sum_to(cumprod_jvp(unbroadcast(g, x), x, axis), shape_of(dy)),
            cumprod_curvature(dy, unbroadcast(g, x), x, axis), None)
# (cumprod_grad(dy, x) is the gradient of <dy, cumprod(x)>: its Jacobian in x is symmetric)
@tangent(cumprod_grad)
def cumprod_grad_tangent(ans, dy, x, axis, ddy, dx):
    return cumprod_grad(ddy, x, axis), cumprod_curvature(dy, dx, x, axis)


@adjoint(cumprod_jvp)
def cumprod_jvp_adjoint(g, ans, h, x, axis=None):
    return unbroadcast(cumprod_grad(g, x, axis), h), cumprod_curvature(g, h, x, axis), None


@tangent(cumprod_jvp)
def cumprod_jvp_tangent(ans, h, x, axis, dh, dx):
    # linear in h; in x, the second derivative of cumprod along h and dx
    return cumprod_jvp(dh, x, axis), cumprod_second(h, dx, x, axis)


replace(np.cumprod, cumprod)
nondifferentiable(valid_count, lowest_like, highest_like, weights_shape)


def _keepdims(arguments: dict) -> list[ast.keyword]:
    return [ast.keyword("keepdims", arguments["keepdims"])]


# --- ptp and average -----------------------------------------------------------------------


def ptp(a, axis=None, *, keepdims=False):
    """The forms of `np.ptp` srcgrad differentiates (its expansion's signature)."""


def _expand_ptp(arguments: dict, lowering):
    a, axis = arguments["a"], arguments["axis"]
    high = lowering.emit_call(np.max, [a, axis], _keepdims(arguments))
    low = lowering.emit_call(np.min, [a, axis], _keepdims(arguments))
    return lowering.emit_binop(high, ast.Sub(), low)


def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    """The forms of `np.average` srcgrad differentiates (its expansion's signature)."""


def _is_none(atom) -> bool:
    return isinstance(atom, ast.Constant) and atom.value is None


def _expand_average(arguments: dict, lowering):
    a, axis, weights = arguments["a"], arguments["axis"], arguments["weights"]
    returned = arguments["returned"]
    if not (isinstance(returned, ast.Constant) and returned.value is False):
        raise Refused("returned=True (a pair) is not differentiated: divide np.sum(weights) "
                      "yourself")
    if _is_none(weights):
        return lowering.emit_call(np.mean, [a, axis], _keepdims(arguments))
    shape = lowering.emit_call(weights_shape, [weights, a, axis], [])
    spread = lowering.emit_call(np.reshape, [weights, shape], [])
    weighted = lowering.emit_binop(a, ast.Mult(), spread)
    total = lowering.emit_call(np.sum, [weighted, axis], _keepdims(arguments))
    norm = lowering.emit_call(np.sum, [spread, axis], _keepdims(arguments))
    return lowering.emit_binop(total, ast.Div(), norm)


# --- NaN-aware reductions ----------------------------------------------------------------------


def nan_reduction(a, axis=None, *, keepdims=False):
    """The forms of `np.nansum`, `nanmean`, `nanmax`, `nanmin`, `nanprod`
    srcgrad differentiates (their expansions' signature)."""


def nan_spread(a, axis=None, *, ddof=0, keepdims=False):
    """The forms of `np.nanvar` and `nanstd` srcgrad differentiates."""


def _without_nan(lowering, a, fill: ast.expr):
    missing = lowering.emit_call(np.isnan, [a], [])
    return lowering.emit_call(np.where, [missing, fill, a], [])


def _expand_nan(reduce, fill, mean: bool = False):
    def expand_nan(arguments: dict, lowering):
        a, axis = arguments["a"], arguments["axis"]
        value = fill if isinstance(fill, ast.expr) else lowering.emit_call(fill, [a], [])
        clean = _without_nan(lowering, a, value)
        total = lowering.emit_call(reduce, [clean, axis], _keepdims(arguments))
        if not mean:
            return total
        count = lowering.emit_call(valid_count, [a, axis], _keepdims(arguments))
        return lowering.emit_binop(total, ast.Div(), count)

    return expand_nan


def _expand_nan_spread(root: bool):
    def expand_nan_spread(arguments: dict, lowering):
        a, axis = arguments["a"], arguments["axis"]
        keep = [ast.keyword("keepdims", ast.Constant(True))]
        clean = _without_nan(lowering, a, ast.Constant(0.0))
        total = lowering.emit_call(np.sum, [clean, axis], keep)
        mean = lowering.emit_binop(total, ast.Div(), lowering.emit_call(valid_count, [a, axis], keep))
        # clean - mean is -mean at a NaN entry: zero it, so it adds nothing
        deviation = _without_nan_at(lowering, a, lowering.emit_binop(clean, ast.Sub(), mean))
        squares = lowering.emit_call(np.square, [deviation], [])
        spread = lowering.emit_call(np.sum, [squares, axis], _keepdims(arguments))
        dof = lowering.emit_call(valid_count, [a, axis, arguments["keepdims"], arguments["ddof"]], [])
        variance = lowering.emit_binop(spread, ast.Div(), dof)
        return lowering.emit_call(np.sqrt, [variance], []) if root else variance

    return expand_nan_spread


def _without_nan_at(lowering, a, value):
    """`value` with 0 where `a` is NaN (`value` has `a`'s shape)."""
    missing = lowering.emit_call(np.isnan, [a], [])
    return lowering.emit_call(np.where, [missing, ast.Constant(0.0), value], [])


# --- covariance and correlation -----------------------------------------------------------------


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *,
        dtype=None):
    """The forms of `np.cov` srcgrad differentiates (its expansion's signature)."""


def corrcoef(x, y=None, rowvar=True, *, dtype=None):
    """The forms of `np.corrcoef` srcgrad differentiates."""


def _constant_of(arguments: dict, name: str, kinds: tuple) -> object:
    value = arguments[name]
    if not (isinstance(value, ast.Constant) and isinstance(value.value, kinds)):
        raise Refused(f"{name}= must be a constant ({' or '.join(k.__name__ for k in kinds)})")
    return value.value


def _covariance_matrix(arguments: dict, lowering) -> ast.expr:
    """`np.cov`'s matrix before its squeeze: the variables as rows (`m`, then
    `y`'s, each at least 2-D, transposed where `rowvar` is False), each less
    its mean, `X @ X.T / (N - ddof)`."""
    for name in ("fweights", "aweights", "dtype"):
        if not _is_none(arguments.get(name, ast.Constant(None))):
            raise Refused(f"{name}= is not differentiated")
    rowvar = _constant_of(arguments, "rowvar", (bool,))
    bias = _constant_of(arguments, "bias", (bool,))
    ddof = arguments.get("ddof", ast.Constant(None))
    ddof = (0 if bias else 1) if _is_none(ddof) else _constant_of(arguments, "ddof", (int,))
    rows = []
    for part in _variables(arguments):
        if _is_none(part):
            continue
        if not rowvar:  # (a 1 x N matrix, which NumPy does not transpose: variables_result)
            part = lowering.emit_call(np.transpose, [part], [])
        rows.append(lowering.emit_call(np.atleast_2d, [part], []))
    X = rows[0] if len(rows) == 1 else lowering.emit_call(
        np.concatenate, [ast.Tuple(rows, ast.Load()), ast.Constant(0)], [])
    mean = lowering.emit_call(np.mean, [X, ast.Constant(1)], [ast.keyword("keepdims",
                                                                          ast.Constant(True))])
    centred = lowering.emit_binop(X, ast.Sub(), mean)
    products = lowering.emit_binop(centred, ast.MatMult(),
                                   lowering.emit_call(np.transpose, [centred], []))
    count = lowering.emit_call(reduced_size, [X, ast.Constant(1)], [])
    return lowering.emit_binop(products, ast.Div(),
                               lowering.emit_binop(count, ast.Sub(), ast.Constant(ddof)))


def _variables(arguments: dict) -> list[ast.expr]:
    return [arguments["m"] if "m" in arguments else arguments["x"], arguments["y"]]


def _finished(lowering, c: ast.expr, arguments: dict) -> ast.expr:
    return lowering.emit_call(variables_result, [c, *_variables(arguments),
                                                 arguments["rowvar"]], [])


def _expand_cov(arguments: dict, lowering):
    return _finished(lowering, _covariance_matrix(arguments, lowering), arguments)


def _expand_corrcoef(arguments: dict, lowering):
    """`np.corrcoef`: the covariance over the outer product of the standard
    deviations, clipped to [-1, 1] as NumPy clips it, then squeezed."""
    c = _covariance_matrix({**arguments, "bias": ast.Constant(False)}, lowering)
    spread = lowering.emit_call(np.sqrt, [lowering.emit_call(np.diagonal, [c], [])], [])
    c = lowering.emit_binop(c, ast.Div(), lowering.emit_call(np.expand_dims, [spread,
                                                                           ast.Constant(1)], []))
    c = lowering.emit_binop(c, ast.Div(), lowering.emit_call(np.expand_dims, [spread,
                                                                           ast.Constant(0)], []))
    clipped = lowering.emit_call(np.clip, [c, ast.Constant(-1.0), ast.Constant(1.0)], [])
    return _finished(lowering, clipped, arguments)


@adjoint(variables_result)
def variables_result_adjoint(g, ans, c, m, y=None, rowvar=True):
    return reshape(unbroadcast(g, ans), shape_of(c)), None, None, None


linear(variables_result, params=("c",))


for _primal, _expansion, _signature in [
    (np.cov, _expand_cov, cov),
    (np.corrcoef, _expand_corrcoef, corrcoef),
    (np.ptp, _expand_ptp, ptp),
    (np.average, _expand_average, average),
    (np.nansum, _expand_nan(np.sum, ast.Constant(0.0)), nan_reduction),
    (np.nanmean, _expand_nan(np.sum, ast.Constant(0.0), mean=True), nan_reduction),
    (np.nanprod, _expand_nan(np.prod, ast.Constant(1.0)), nan_reduction),
    (np.nanmax, _expand_nan(np.max, lowest_like), nan_reduction),
    (np.nanmin, _expand_nan(np.min, highest_like), nan_reduction),
    (np.nanvar, _expand_nan_spread(root=False), nan_spread),
    (np.nanstd, _expand_nan_spread(root=True), nan_spread),
]:
    expand(_primal, _expansion, inspect.signature(_signature))
