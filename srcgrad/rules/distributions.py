"""Densities, distribution functions and survival functions of `scipy.stats`
distributions, written as operations with rules (expansions), so that they
are differentiable, to any order, in their arguments and their parameters
alike (but the shape parameters of the CDFs, below):

- `norm.logpdf(x, loc=0, scale=1)`: -z²/2 - log(scale) - log(2π)/2, for
  z = (x - loc) / scale; `norm.cdf`, `norm.logcdf`: `ndtr(z)`,
  `log_ndtr(z)`; `norm.sf`, `norm.logsf`: `ndtr(-z)`, `log_ndtr(-z)`;
- `t.logpdf(x, df, loc=0, scale=1)`: gammaln((df + 1) / 2) - gammaln(df / 2)
  - log(df π) / 2 - (df + 1) / 2 log1p(z² / df) - log(scale); `t.cdf`:
  `stdtr(df, z)`, `t.logcdf` its log, `t.sf`: `stdtr(df, -z)`;
- `gamma.logpdf(x, a, loc=0, scale=1)`: xlogy(a - 1, y) - y - gammaln(a) -
  log(scale), y = (x - loc) / scale, -inf where y < 0; `gamma.cdf`:
  `gammainc(a, y)`, `gamma.logcdf` its log, `gamma.sf`: `gammaincc(a, y)`;
- `beta.logpdf(x, a, b, loc=0, scale=1)`: xlogy(a - 1, y) + xlog1py(b - 1, -y)
  - betaln(a, b) - log(scale), -inf outside 0 <= y <= 1; `beta.cdf`:
  `betainc(a, b, y)`, `beta.logcdf` its log, `beta.sf`: `betaincc(a, b, y)`;
- `poisson.logpmf(k, mu, loc=0)`: xlogy(k, mu) - gammaln(k + 1) - mu, -inf
  where k - loc is not a non-negative integer; `poisson.cdf`:
  `pdtr(floor(k - loc), mu)` (0 where floor(k - loc) < 0), `poisson.logcdf`
  its log, `poisson.sf`: `pdtrc(floor(k - loc), mu)` (1 there); the count k
  has no derivative (its integer part is read: a mass function is flat in k);
- `multivariate_normal.logpdf(x, mean, cov)` (cov a d x d matrix, x one
  point or rows of points): -(|L⁻¹(x - mean)|² + d log 2π) / 2 - Σ log L_ii,
  with L the Cholesky factor of cov (which, as SciPy, refuses a cov that is
  not positive definite); `multivariate_normal.entropy(mean=None, cov=1)`:
  (d (1 + log 2π) + log det cov) / 2, log det cov = 2 Σ log L_ii likewise;
- `dirichlet.logpdf(x, alpha)` (alpha a vector of k, x one point of k
  entries or a (k, n) matrix of n points, columns, as SciPy):
  Σ xlogy(α_i - 1, x_i) - Σ gammaln(α_i) + gammaln(Σ α_i), after SciPy's
  checks, raising its ValueErrors (x off the simplex, alpha not > 0: see
  `dirichlet_points`).

Each `pdf` (`pmf`) is the exp of its `logpdf` (`logpmf`).  A CDF's argument
is clamped onto the support (`np.where`) before the special function, so
that off it the CDF is SciPy's 0 or 1 and its derivative 0, not nan.

Where SciPy's value is nan (scale <= 0, a shape parameter df, a or b <= 0,
a Poisson mean mu < 0) this one is nan too (`invalid_scale`,
`invalid_mean`).  The CDFs' shape parameters (t's df, gamma's a, beta's a
and b) are refused where they vary, SciPy having no derivative of `stdtr`,
`gammainc` or `betainc` in them (`srcgrad/rules/special.py`); in x, loc
and scale the CDFs are differentiable, their derivative in x the density.
Refused, naming the call: `multivariate_normal` without a mean (but for
the entropy), with a scalar cov or with `allow_singular=True`; a singular
cov, whose entropy SciPy gives (of its pseudo-determinant), is not positive
definite (Cholesky's LinAlgError); `dirichlet`'s x of k - 1 entries, and a
(k, 1) matrix of one point (at run time); the frozen forms
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
    betainc,
    betaincc,
    betaln,
    counts,
    covariance_dimension,
    dirichlet_points,
    gammainc,
    gammaincc,
    gammaln,
    gaussian_dimension,
    invalid_mean,
    invalid_scale,
    log_ndtr,
    ndtr,
    nonnegative,
    pdtr,
    pdtrc,
    stdtr,
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

    def where(self, support, value, fill=-math.inf):
        """`value` on the support, `fill` (-inf) off it."""
        return self.call(np.where, support, value, _atom(fill))

    def checked(self, value, *positive):
        """`value`, nan where one of the parameters `positive` is not > 0."""
        for p in positive:
            if not (_is_number(p) and p.value > 0):
                value = self.add(value, self.call(invalid_scale, p))
        return value

    def clamped(self, y, upper=False):
        """max(y, 0) (and min(·, 1) where `upper`), as `np.where`s: off the support
        the argument of a CDF is a constant, at which its rule is finite."""
        y = self.where(self.call(nonnegative, y), y, 0.0)
        if upper:
            y = self.where(self.call(nonnegative, self.sub(1.0, y)), y, 1.0)
        return y


def _atom(value) -> ast.expr:
    return value if isinstance(value, ast.AST) else ast.Constant(value)


def _is_number(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def _is(node: ast.expr, value: float) -> bool:
    return _is_number(node) and node.value == value


# --- the normal distribution ---------------------------------------------------------------------


def _norm_logpdf(arguments: dict, lowering):
    w = _Writer(lowering)
    z = w.standardized(arguments["x"], arguments["loc"], arguments["scale"])
    density = w.sub(w.mul(-0.5, w.mul(z, z)), _HALF_LOG_2PI)
    return w.scaled(density, arguments["scale"])


def _pdf(logpdf):
    """exp of a log-density (or log-mass) expansion."""

    def expansion(arguments: dict, lowering):
        return _Writer(lowering).call(np.exp, logpdf(arguments, lowering))

    return expansion


def _distribution_function(kernel, shapes=(), support=None, upper=False, log=False):
    """`kernel(*shapes, y)` at y = (x - loc) / scale (-y where `upper`: the
    survival function of a symmetric distribution), of y clamped onto the
    support ("half": y >= 0, "unit": 0 <= y <= 1) where there is one; its
    log where `log`; nan where scale or a shape parameter is not > 0."""

    def expansion(arguments: dict, lowering):
        w = _Writer(lowering)
        y = w.standardized(arguments["x"], arguments["loc"], arguments["scale"])
        if upper:
            y = w.call(np.negative, y)
        if support is not None:
            y = w.clamped(y, upper=support == "unit")
        parameters = [arguments[name] for name in shapes]
        value = w.call(kernel, *parameters, y)
        if log:
            value = w.call(np.log, value)
        return w.checked(value, *parameters, arguments["scale"])

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
    return w.checked(w.scaled(w.sub(normalizer, tail), arguments["scale"]), df)


def _gamma_logpdf(arguments: dict, lowering):
    w = _Writer(lowering)
    a = arguments["a"]
    y = w.standardized(arguments["x"], arguments["loc"], arguments["scale"])
    density = w.sub(w.sub(w.call(xlogy, w.sub(a, 1), y), y), w.call(gammaln, a))
    return w.checked(w.scaled(w.where(w.call(nonnegative, y), density), arguments["scale"]), a)


def _beta_logpdf(arguments: dict, lowering):
    w = _Writer(lowering)
    a, b = arguments["a"], arguments["b"]
    y = w.standardized(arguments["x"], arguments["loc"], arguments["scale"])
    density = w.sub(w.add(w.call(xlogy, w.sub(a, 1), y),
                          w.call(xlog1py, w.sub(b, 1), w.call(np.negative, y))),
                    w.call(betaln, a, b))
    return w.checked(w.scaled(w.where(w.call(unit_interval, y), density), arguments["scale"]),
                     a, b)


def _poisson_count(w: _Writer, arguments: dict):
    """k - loc, and floor(k - loc): a count (no derivative)."""
    loc = arguments["loc"]
    shifted = arguments["k"] if _is(loc, 0) else w.sub(arguments["k"], loc)
    return shifted, w.call(np.floor, shifted)


def _mean_checked(w: _Writer, value, mu):
    """`value`, nan where the mean mu < 0."""
    return value if _is_number(mu) and mu.value >= 0 else w.add(value, w.call(invalid_mean, mu))


def _poisson_logpmf(arguments: dict, lowering):
    w = _Writer(lowering)
    mu = arguments["mu"]
    shifted, k = _poisson_count(w, arguments)
    density = w.sub(w.sub(w.call(xlogy, k, mu), w.call(gammaln, w.add(k, 1))), mu)
    return _mean_checked(w, w.where(w.call(counts, shifted), density), mu)


def _poisson_distribution_function(kernel, outside: float, log=False):
    """`kernel(floor(k - loc), mu)` (`pdtr`, `pdtrc`), `outside` where
    floor(k - loc) < 0 (the kernel's nan there), its log where `log`."""

    def expansion(arguments: dict, lowering):
        w = _Writer(lowering)
        mu = arguments["mu"]
        k = _poisson_count(w, arguments)[1]
        support = w.call(nonnegative, k)
        value = w.where(support, w.call(kernel, w.where(support, k, 0.0), mu), outside)
        if log:
            value = w.call(np.log, value)
        return _mean_checked(w, value, mu)

    return expansion


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
    half_logdet = _half_logdet(w, factor)
    return w.sub(w.sub(w.mul(-0.5, distance), half_logdet), w.mul(d, _HALF_LOG_2PI))


def _half_logdet(w: _Writer, factor):
    """log det cov / 2, of cov's Cholesky factor: Σ log L_ii."""
    return w.call(np.sum, w.call(np.log, w.call(np.diagonal, factor)))


def _multivariate_normal_entropy(arguments: dict, lowering):
    mean, cov = arguments["mean"], arguments["cov"]
    if isinstance(cov, ast.Constant):
        raise Refused("srcgrad differentiates multivariate_normal.entropy of a covariance matrix")
    w = _Writer(lowering)
    d = w.call(covariance_dimension, cov, *([] if _is_none(mean) else [mean]))
    half_logdet = _half_logdet(w, w.call(np.linalg.cholesky, cov))
    return w.add(w.mul(d, 0.5 + _HALF_LOG_2PI), half_logdet)


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


# --- the Dirichlet distribution ------------------------------------------------------------------------


def _dirichlet_logpdf(arguments: dict, lowering):
    x, alpha = arguments["x"], arguments["alpha"]
    w = _Writer(lowering)
    # x + 0 after SciPy's checks: the log of x, which the gradient reads, waits for them
    x = w.add(x, w.call(dirichlet_points, x, alpha))
    terms = w.call(xlogy, w.sub(alpha, 1), w.call(np.transpose, x))
    normalizer = w.sub(w.call(np.sum, w.call(gammaln, alpha)),
                       w.call(gammaln, w.call(np.sum, alpha)))
    return w.sub(w.call(np.sum, terms, axis=ast.Constant(-1)), normalizer)


def _signature(*names: str, **defaults) -> inspect.Signature:
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    return inspect.Signature([inspect.Parameter(n, kind) for n in names] +
                             [inspect.Parameter(n, kind, default=v) for n, v in defaults.items()])


_LOCATION_SCALE = dict(loc=0, scale=1)
_X = _signature("x", **_LOCATION_SCALE)
_T, _GAMMA, _BETA = (_signature("x", *shapes, **_LOCATION_SCALE)
                     for shapes in (("df",), ("a",), ("a", "b")))
_POISSON = _signature("k", "mu", loc=0)
_GAUSSIAN = _signature("x", mean=None, cov=1, allow_singular=False)
_DIRICHLET = _signature("x", "alpha")
for _method, _expansion, _params in [
    (scipy.stats.norm.logpdf, _norm_logpdf, _X),
    (scipy.stats.norm.pdf, _pdf(_norm_logpdf), _X),
    (scipy.stats.norm.cdf, _distribution_function(ndtr), _X),
    (scipy.stats.norm.logcdf, _distribution_function(log_ndtr), _X),
    (scipy.stats.norm.sf, _distribution_function(ndtr, upper=True), _X),
    (scipy.stats.norm.logsf, _distribution_function(log_ndtr, upper=True), _X),
    (scipy.stats.t.logpdf, _t_logpdf, _T),
    (scipy.stats.t.pdf, _pdf(_t_logpdf), _T),
    (scipy.stats.t.cdf, _distribution_function(stdtr, ("df",)), _T),
    (scipy.stats.t.logcdf, _distribution_function(stdtr, ("df",), log=True), _T),
    (scipy.stats.t.sf, _distribution_function(stdtr, ("df",), upper=True), _T),
    (scipy.stats.gamma.logpdf, _gamma_logpdf, _GAMMA),
    (scipy.stats.gamma.pdf, _pdf(_gamma_logpdf), _GAMMA),
    (scipy.stats.gamma.cdf, _distribution_function(gammainc, ("a",), "half"), _GAMMA),
    (scipy.stats.gamma.logcdf, _distribution_function(gammainc, ("a",), "half", log=True),
     _GAMMA),
    (scipy.stats.gamma.sf, _distribution_function(gammaincc, ("a",), "half"), _GAMMA),
    (scipy.stats.beta.logpdf, _beta_logpdf, _BETA),
    (scipy.stats.beta.pdf, _pdf(_beta_logpdf), _BETA),
    (scipy.stats.beta.cdf, _distribution_function(betainc, ("a", "b"), "unit"), _BETA),
    (scipy.stats.beta.logcdf, _distribution_function(betainc, ("a", "b"), "unit", log=True),
     _BETA),
    (scipy.stats.beta.sf, _distribution_function(betaincc, ("a", "b"), "unit"), _BETA),
    (scipy.stats.poisson.logpmf, _poisson_logpmf, _POISSON),
    (scipy.stats.poisson.pmf, _pdf(_poisson_logpmf), _POISSON),
    (scipy.stats.poisson.cdf, _poisson_distribution_function(pdtr, 0.0), _POISSON),
    (scipy.stats.poisson.logcdf, _poisson_distribution_function(pdtr, 0.0, log=True), _POISSON),
    (scipy.stats.poisson.sf, _poisson_distribution_function(pdtrc, 1.0), _POISSON),
    (scipy.stats.multivariate_normal.logpdf, _multivariate_normal_logpdf, _GAUSSIAN),
    (scipy.stats.multivariate_normal.pdf, _pdf(_multivariate_normal_logpdf), _GAUSSIAN),
    (scipy.stats.multivariate_normal.entropy, _multivariate_normal_entropy,
     _signature(mean=None, cov=1)),
    (scipy.stats.dirichlet.logpdf, _dirichlet_logpdf, _DIRICHLET),
    (scipy.stats.dirichlet.pdf, _pdf(_dirichlet_logpdf), _DIRICHLET),
]:
    expand(_method, _expansion, _params)

nondifferentiable(invalid_scale, invalid_mean, nonnegative, unit_interval, counts, gaussian_dimension,
                  covariance_dimension, dirichlet_points)
