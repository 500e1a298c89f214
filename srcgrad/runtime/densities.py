"""The constant parts of log-sum-exp and of the log-densities of `scipy.stats`,
which the expansions of `srcgrad/rules/special.py` and
`srcgrad/rules/distributions.py` write calls of.  None is differentiable
(each is declared so): a shift that cancels, or a mask of where a density's
support is.

- `logsumexp_shift(a, axis)`: the largest element along `axis` (kept as a
  length-1 axis), 0 where that is not finite: log-sum-exp subtracts it
  before `exp` and adds it back, as SciPy does, so that nothing overflows;
  the result does not depend on it, so it is constant;
- `invalid_scale(scale)`: 0 where `scale > 0`, nan elsewhere (added to a
  log-density, it makes it nan where SciPy's is; also of shape parameters
  that must be > 0); `invalid_mean(mu)`: 0 where `mu >= 0` (a Poisson
  mean), nan elsewhere;
- `nonnegative(y)`, `unit_interval(y)`, `counts(k)`: where `y >= 0`,
  where `0 <= y <= 1`, where `k` is a non-negative integer (the supports of
  the gamma, beta and Poisson distributions);
- `gaussian_dimension(x, cov)`: the dimension d of a multivariate normal,
  after checking that `cov` is one d x d matrix and `x` one point of d
  coordinates or a matrix of such points (rows); `covariance_dimension(cov,
  mean=None)`: d, of `cov` alone (a d x d matrix) and of `mean` (None, or a
  vector of d: else SciPy's ValueError);
- `dirichlet_points(x, alpha)`: a zero of `x`'s dtype, after SciPy's checks
  of a Dirichlet log-density's arguments (its ValueErrors, with its
  messages: an `alpha` not > 0 or not a vector, an `x` off the simplex);
  the (k - 1)-entry form of `x` and a (k, 1) matrix of one point (whose
  log-density SciPy squeezes to a number) are refused.  The expansion adds
  it to `x`, whose log the gradient reads: the checks are never dropped.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.np.numpy_support import as_dtype

from ..errors import NoAdjointError
from .elementwise import select
from .guards import NO_ADJOINT
from .machinecode import cached_jitable, cached_overload
from .reductions import reduce_max

__all__ = ["logsumexp_shift", "invalid_scale", "invalid_mean", "nonnegative", "unit_interval", "counts", "gaussian_dimension",
           "covariance_dimension", "dirichlet_points"]


def logsumexp_shift(a, axis=None):
    """The largest of `a` along `axis` (keepdims), 0 where not finite."""
    m = np.max(a, axis=axis, keepdims=True)
    return np.where(np.isfinite(m), m, 0)


@cached_overload(logsumexp_shift)
def _logsumexp_shift(a, axis=None):
    if not isinstance(a, types.Array):
        raise TypingError(f"logsumexp of a {a}: srcgrad differentiates it of arrays")

    def impl(a, axis=None):
        m = reduce_max(a, axis, True)
        return select(np.isfinite(m), m, 0)

    return impl


def invalid_scale(scale):
    """0 where `scale > 0`, nan elsewhere."""
    return select(scale > 0, 0.0, np.nan)


@cached_overload(invalid_scale)
def _invalid_scale(scale):
    return lambda scale: select(scale > 0, 0.0, np.nan)


def invalid_mean(mu):
    """0 where `mu >= 0`, nan elsewhere."""
    return select(mu >= 0, 0.0, np.nan)


@cached_overload(invalid_mean)
def _invalid_mean(mu):
    return lambda mu: select(mu >= 0, 0.0, np.nan)


@cached_jitable
def nonnegative(y):
    """Where `y >= 0`."""
    return y >= 0


@cached_jitable
def unit_interval(y):
    """Where `0 <= y <= 1`."""
    return (y >= 0) & (y <= 1)


@cached_jitable
def counts(k):
    """Where `k` is a non-negative integer."""
    return (k >= 0) & (np.floor(k) == k)


def gaussian_dimension(x, cov):
    """The dimension of a multivariate normal of covariance `cov` at `x`."""
    if np.ndim(cov) != 2 or np.shape(cov)[0] != np.shape(cov)[1] or np.ndim(x) not in (1, 2) \
            or np.shape(x)[-1] != np.shape(cov)[0]:
        raise NoAdjointError(NO_ADJOINT + _GAUSSIAN_FORMS + f" (x {np.shape(x)}, cov "
                             f"{np.shape(cov)})")
    return np.shape(cov)[0]


_GAUSSIAN_FORMS = ("scipy.stats.multivariate_normal.logpdf: srcgrad differentiates it of a "
                   "d x d covariance matrix and a point of d coordinates or rows of them")


@cached_overload(gaussian_dimension)
def _gaussian_dimension(x, cov):
    if not (isinstance(cov, types.Array) and cov.ndim == 2 and isinstance(x, types.Array)
            and x.ndim in (1, 2)):
        raise TypingError(NO_ADJOINT + _GAUSSIAN_FORMS)

    def impl(x, cov):
        if cov.shape[0] != cov.shape[1] or x.shape[-1] != cov.shape[0]:
            raise ValueError(_GAUSSIAN_FORMS)
        return cov.shape[0]

    return impl


def covariance_dimension(cov, mean=None):
    """The dimension of a multivariate normal of covariance `cov` (and `mean`)."""
    if np.ndim(cov) != 2 or np.shape(cov)[0] != np.shape(cov)[1]:
        raise NoAdjointError(NO_ADJOINT + _COVARIANCE_FORMS + f" (cov {np.shape(cov)})")
    if mean is not None and (np.ndim(mean) != 1 or np.shape(mean)[0] != np.shape(cov)[0]):
        raise ValueError(_MEAN_SHAPE)
    return np.shape(cov)[0]


_COVARIANCE_FORMS = ("scipy.stats.multivariate_normal.entropy: srcgrad differentiates it of a "
                     "d x d covariance matrix")
_MEAN_SHAPE = "Array 'mean' must be a vector of as many entries as 'cov' has rows."


@cached_overload(covariance_dimension)
def _covariance_dimension(cov, mean=None):
    if not (isinstance(cov, types.Array) and cov.ndim == 2):
        raise TypingError(NO_ADJOINT + _COVARIANCE_FORMS)
    if mean is None or isinstance(mean, (types.NoneType, types.Omitted)):
        def impl(cov, mean=None):
            if cov.shape[0] != cov.shape[1]:
                raise ValueError(_COVARIANCE_FORMS)
            return cov.shape[0]
    elif isinstance(mean, types.Array) and mean.ndim == 1:
        def impl(cov, mean=None):
            if cov.shape[0] != cov.shape[1]:
                raise ValueError(_COVARIANCE_FORMS)
            if mean.shape[0] != cov.shape[0]:
                raise ValueError(_MEAN_SHAPE)
            return cov.shape[0]
    else:
        def impl(cov, mean=None):
            raise ValueError(_MEAN_SHAPE)
    return impl


# SciPy's messages (scipy.stats._multivariate's checks of dirichlet's arguments)
_ALPHA_POSITIVE = "All parameters must be greater than 0"
_ALPHA_VECTOR = "Parameter vector 'a' must be one dimensional."
_X_NEGATIVE = "Each entry in 'x' must be greater than or equal to zero."
_X_ABOVE_ONE = "Each entry in 'x' must be smaller or equal one."
_X_ZERO = "Each entry in 'x' must be greater than zero if its alpha is less than one."
_X_SIMPLEX = "The input vector 'x' must lie within the normal simplex."
_DIRICHLET_FORMS = ("scipy.stats.dirichlet.logpdf: srcgrad differentiates it of an 'x' with as "
                    "many entries (rows) as 'alpha', one point or a (k, n) matrix of n > 1 "
                    "points (columns), not the form of k - 1 entries")


def dirichlet_points(x, alpha):
    """0 of `x`'s dtype, where `x` and `alpha` are a Dirichlet log-density's arguments."""
    alpha, x = np.asarray(alpha), np.asarray(x)
    if np.min(alpha) <= 0:
        raise ValueError(_ALPHA_POSITIVE)
    if alpha.ndim != 1:
        raise ValueError(_ALPHA_VECTOR)
    if x.ndim not in (1, 2) or x.shape[0] != alpha.shape[0] or x.shape[1:] == (1,):
        raise NoAdjointError(NO_ADJOINT + _DIRICHLET_FORMS + f" (x {x.shape}, alpha "
                             f"{alpha.shape})")
    if np.min(x) < 0:
        raise ValueError(_X_NEGATIVE)
    if np.max(x) > 1:
        raise ValueError(_X_ABOVE_ONE)
    if np.any((x.T == 0) & (alpha < 1)):
        raise ValueError(_X_ZERO)
    if np.any(np.abs(np.sum(x, 0) - 1.0) > 10e-10):
        raise ValueError(_X_SIMPLEX)
    return x.dtype.type(0)


@cached_jitable
def _check_dirichlet_columns(columns, alpha):
    """SciPy's checks, of the points of a Dirichlet log-density as columns (k, n)."""
    for i in range(alpha.shape[0]):
        if not alpha[i] > 0:
            raise ValueError(_ALPHA_POSITIVE)
    if columns.shape[0] != alpha.shape[0]:
        raise ValueError(_DIRICHLET_FORMS)
    for i in range(columns.shape[0]):
        for j in range(columns.shape[1]):
            if columns[i, j] < 0:
                raise ValueError(_X_NEGATIVE)
    for i in range(columns.shape[0]):
        for j in range(columns.shape[1]):
            if columns[i, j] > 1:
                raise ValueError(_X_ABOVE_ONE)
    for i in range(columns.shape[0]):
        for j in range(columns.shape[1]):
            if columns[i, j] == 0 and alpha[i] < 1:
                raise ValueError(_X_ZERO)
    for j in range(columns.shape[1]):
        total = 0.0
        for i in range(columns.shape[0]):
            total += columns[i, j]
        if abs(total - 1.0) > 10e-10:
            raise ValueError(_X_SIMPLEX)


@cached_overload(dirichlet_points)
def _dirichlet_points(x, alpha):
    if not (isinstance(x, types.Array) and x.ndim in (1, 2)):
        raise TypingError(NO_ADJOINT + _DIRICHLET_FORMS)
    if not (isinstance(alpha, types.Array) and alpha.ndim == 1):
        raise TypingError(NO_ADJOINT + "scipy.stats.dirichlet.logpdf: " + _ALPHA_VECTOR)
    zero = as_dtype(x.dtype).type(0)
    if x.ndim == 1:
        def impl(x, alpha):
            _check_dirichlet_columns(x[:, None], alpha)
            return zero
    else:
        def impl(x, alpha):
            if x.shape[1] == 1:
                raise ValueError(_DIRICHLET_FORMS)
            _check_dirichlet_columns(x, alpha)
            return zero
    return impl
