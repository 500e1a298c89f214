"""Log-densities of `scipy.stats` distributions, written as operations with
rules (expansions), so that they are differentiable, to any order, in their
arguments and their parameters alike:

- `norm.logpdf(x, loc=0, scale=1)`: -z²/2 - log(scale) - log(2π)/2, for
  z = (x - loc) / scale; `norm.pdf` its exp; `norm.cdf` and `norm.logcdf`:
  `ndtr(z)` and `log_ndtr(z)`;
- `t.logpdf(x, df, loc=0, scale=1)`: gammaln((df + 1) / 2) - gammaln(df / 2)
  - log(df π) / 2 - (df + 1) / 2 log1p(z² / df) - log(scale);
- `gamma.logpdf(x, a, loc=0, scale=1)`: xlogy(a - 1, y) - y - gammaln(a) -
  log(scale), y = (x - loc) / scale, -inf where y < 0;
- `beta.logpdf(x, a, b, loc=0, scale=1)`: xlogy(a - 1, y) + xlog1py(b - 1, -y)
  - betaln(a, b) - log(scale), -inf outside 0 <= y <= 1;
- `poisson.logpmf(k, mu, loc=0)`: xlogy(k, mu) - gammaln(k + 1) - mu, -inf
  where k - loc is not a non-negative integer; the count k has no
  derivative (its integer part is read: a mass function is flat in k);
- `multivariate_normal.logpdf(x, mean, cov)` (cov a d x d matrix, x one
  point or rows of points): -(|L⁻¹(x - mean)|² + d log 2π) / 2 - Σ log L_ii,
  with L the Cholesky factor of cov (which, as SciPy, refuses a cov that is
  not positive definite).

Where SciPy's density is nan (scale <= 0) this one is nan too
(`invalid_scale`).  Refused, naming the call: `multivariate_normal` without
a mean, with a scalar cov or with `allow_singular=True`; the frozen forms
(`norm(loc, scale).logpdf(x)`) are methods srcgrad does not know, refused
by the front end.

The distributions are objects and their methods bound methods, a new object
at each read: the registry knows them by object and function
(`registry._key`).
"""

from __future__ import annotations

import ast
import inspect
import math

import numpy as np
import scipy.stats

from ..runtime import (
    betaln,
    counts,
    gammaln,
    gaussian_dimension,
    invalid_scale,
    log_ndtr,
    ndtr,
    nonnegative,
    unit_interval,
    xlog1py,
    xlogy,
)
from .registry import Refused, expand, nondifferentiable

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class _Writer:
    """Emits the operations of an expansion, one call or operator each."""

    def __init__(self, lowering):
        self.lowering = lowering

    def call(self, fn, *args, **keywords) -> ast.expr:
        return self.lowering.emit_call(fn, list(args), [ast.keyword(k, v) for k, v in
                                                        keywords.items()])

    def add(self, a, b):
        return self.lowering.emit_binop(_atom(a), ast.Add(), _atom(b))

    def sub(self, a, b):
        return self.lowering.emit_binop(_atom(a), ast.Sub(), _atom(b))

    def mul(self, a, b):
        return self.lowering.emit_binop(_atom(a), ast.Mult(), _atom(b))

    def div(self, a, b):
        return self.lowering.emit_binop(_atom(a), ast.Div(), _atom(b))

    def standardized(self, x, loc, scale):
        """(x - loc) / scale, without the operations a default makes identities."""
        y = x if _is(loc, 0) else self.sub(x, loc)
        return y if _is(scale, 1) else self.div(y, scale)

    def scaled(self, log_density, scale):
        """The log-density of (x - loc) / scale, less log(scale): nan where scale <= 0."""
        if _is(scale, 1):
            return log_density
        return self.add(self.sub(log_density, self.call(np.log, scale)),
                        self.call(invalid_scale, scale))

    def where(self, support, value):
        """`value` on the support, -inf off it."""
        return self.call(np.where, support, value, ast.Constant(-math.inf))


def _atom(value) -> ast.expr:
    return value if isinstance(value, ast.AST) else ast.Constant(value)


def _is(node: ast.expr, value: float) -> bool:
    return (isinstance(node, ast.Constant) and type(node.value) in (int, float)
            and node.value == value)


# --- the normal distribution ---------------------------------------------------------------------


def _norm_logpdf(arguments: dict, lowering):
    w = _Writer(lowering)
    z = w.standardized(arguments["x"], arguments["loc"], arguments["scale"])
    density = w.sub(w.mul(-0.5, w.mul(z, z)), _HALF_LOG_2PI)
    return w.scaled(density, arguments["scale"])


def _norm_pdf(arguments: dict, lowering):
    return _Writer(lowering).call(np.exp, _norm_logpdf(arguments, lowering))


def _cdf_with(function):
    def expansion(arguments: dict, lowering):
        w = _Writer(lowering)
        value = w.call(function, w.standardized(arguments["x"], arguments["loc"],
                                                arguments["scale"]))
        scale = arguments["scale"]
        return value if _is(scale, 1) else w.add(value, w.call(invalid_scale, scale))

    return expansion


# --- Student's t, gamma, beta, Poisson ---------------------------------------------------------------


def _t_logpdf(arguments: dict, lowering):
    w = _Writer(lowering)
    df = arguments["df"]
    z = w.standardized(arguments["x"], arguments["loc"], arguments["scale"])
    half = w.mul(df, 0.5)
    upper = w.add(half, 0.5)
    normalizer = w.sub(w.sub(w.call(gammaln, upper), w.call(gammaln, half)),
                       w.add(w.mul(0.5, w.call(np.log, df)), 0.5 * math.log(math.pi)))
    tail = w.mul(upper, w.call(np.log1p, w.div(w.mul(z, z), df)))
    return w.scaled(w.sub(normalizer, tail), arguments["scale"])


def _gamma_logpdf(arguments: dict, lowering):
    w = _Writer(lowering)
    a = arguments["a"]
    y = w.standardized(arguments["x"], arguments["loc"], arguments["scale"])
    density = w.sub(w.sub(w.call(xlogy, w.sub(a, 1), y), y), w.call(gammaln, a))
    return w.scaled(w.where(w.call(nonnegative, y), density), arguments["scale"])


def _beta_logpdf(arguments: dict, lowering):
    w = _Writer(lowering)
    a, b = arguments["a"], arguments["b"]
    y = w.standardized(arguments["x"], arguments["loc"], arguments["scale"])
    density = w.sub(w.add(w.call(xlogy, w.sub(a, 1), y),
                          w.call(xlog1py, w.sub(b, 1), w.call(np.negative, y))),
                    w.call(betaln, a, b))
    return w.scaled(w.where(w.call(unit_interval, y), density), arguments["scale"])


def _poisson_logpmf(arguments: dict, lowering):
    w = _Writer(lowering)
    mu, loc = arguments["mu"], arguments["loc"]
    shifted = arguments["k"] if _is(loc, 0) else w.sub(arguments["k"], loc)
    k = w.call(np.floor, shifted)  # a count: no derivative
    density = w.sub(w.sub(w.call(xlogy, k, mu), w.call(gammaln, w.add(k, 1))), mu)
    return w.where(w.call(counts, shifted), density)


# --- the multivariate normal ---------------------------------------------------------------------------


def _multivariate_normal_logpdf(arguments: dict, lowering):
    x, mean, cov = arguments["x"], arguments["mean"], arguments["cov"]
    if isinstance(mean, ast.Constant):
        raise Refused("srcgrad differentiates multivariate_normal.logpdf with a mean vector")
    if isinstance(cov, ast.Constant):
        raise Refused("srcgrad differentiates multivariate_normal.logpdf with a covariance "
                      "matrix")
    if not (isinstance(arguments["allow_singular"], ast.Constant)
            and arguments["allow_singular"].value is False):
        raise Refused("srcgrad differentiates multivariate_normal.logpdf of a positive definite "
                      "covariance (allow_singular=False)")
    w = _Writer(lowering)
    d = w.call(gaussian_dimension, x, cov)
    residuals = w.call(np.transpose, w.sub(x, mean))
    factor = w.call(np.linalg.cholesky, cov)
    z = w.call(np.linalg.solve, factor, residuals)
    distance = w.call(np.sum, w.mul(z, z), axis=ast.Constant(0))
    half_logdet = w.call(np.sum, w.call(np.log, w.call(np.diagonal, factor)))
    return w.sub(w.sub(w.mul(-0.5, distance), half_logdet), w.mul(d, _HALF_LOG_2PI))


def _signature(*names: str, **defaults) -> inspect.Signature:
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    return inspect.Signature([inspect.Parameter(n, kind) for n in names] +
                             [inspect.Parameter(n, kind, default=v) for n, v in defaults.items()])


_LOCATION_SCALE = dict(loc=0, scale=1)
for _method, _expansion, _params in [
    (scipy.stats.norm.logpdf, _norm_logpdf, _signature("x", **_LOCATION_SCALE)),
    (scipy.stats.norm.pdf, _norm_pdf, _signature("x", **_LOCATION_SCALE)),
    (scipy.stats.norm.cdf, _cdf_with(ndtr), _signature("x", **_LOCATION_SCALE)),
    (scipy.stats.norm.logcdf, _cdf_with(log_ndtr), _signature("x", **_LOCATION_SCALE)),
    (scipy.stats.t.logpdf, _t_logpdf, _signature("x", "df", **_LOCATION_SCALE)),
    (scipy.stats.gamma.logpdf, _gamma_logpdf, _signature("x", "a", **_LOCATION_SCALE)),
    (scipy.stats.beta.logpdf, _beta_logpdf, _signature("x", "a", "b", **_LOCATION_SCALE)),
    (scipy.stats.poisson.logpmf, _poisson_logpmf, _signature("k", "mu", loc=0)),
    (scipy.stats.multivariate_normal.logpdf, _multivariate_normal_logpdf,
     _signature("x", mean=None, cov=1, allow_singular=False)),
]:
    expand(_method, _expansion, _params)

nondifferentiable(invalid_scale, nonnegative, unit_interval, counts, gaussian_dimension)
