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
  coordinates or a matrix of such points (rows).
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError

from ..errors import NoAdjointError
from .elementwise import select
from .guards import NO_ADJOINT
from .machinecode import cached_jitable, cached_overload
from .reductions import reduce_max

__all__ = ["logsumexp_shift", "invalid_scale", "invalid_mean", "nonnegative", "unit_interval", "counts", "gaussian_dimension"]


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
