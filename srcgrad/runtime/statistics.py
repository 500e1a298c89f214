"""The constant helpers that the expansions of NumPy's statistics emit.

`np.nanmean`, `nansum`, `nanmax`, `nanmin`, `nanprod`, `nanvar`, `nanstd`
and `np.average` are written by the lowering as operations that have rules
(`np.where`, `np.sum`, `np.max`, ...; see `srcgrad.rules.statistics`).
What they need besides are constants, computed here:

- `valid_count(a, axis, keepdims, ddof)`: how many elements of each group
  are not NaN, less `ddof`, in `a`'s cotangent dtype (a float32 mean stays
  float32 when compiled);
- `lowest_like(a)`, `highest_like(a)`: -inf and +inf in that dtype (what
  `nanmax` and `nanmin` put in place of NaN);
- `weights_shape(weights, a, axis)`: the shape that `np.average` gives its
  weights (and `np.trapezoid` its sample points) so that they broadcast
  against `a` (1-D weights lie along `axis`).

All are non-differentiable (their values do not move with the inputs).
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.np.unsafe.ndarray import to_fixed_tuple

from ..errors import NoAdjointError
from .axes import axis_count, axis_mask, static_bool
from .dtypes import grad_dtype, is_scalar_type, numba_grad_dtype
from .groups import as_groups, kept_shape, reduction_shapes
from .guards import NO_ADJOINT
from .machinecode import cached_overload

# --- NaN-aware reductions ---------------------------------------------------------------


def valid_count(a, axis=None, keepdims=False, ddof=0):
    """How many elements of `a` that are not NaN reduce into each element of
    a reduction over `axis`, less `ddof`, in `a`'s cotangent dtype."""
    dtype = grad_dtype(a)
    if not isinstance(a, np.ndarray):
        return dtype.type((0 if np.isnan(a) else 1) - ddof)
    axes, _, _ = reduction_shapes(a, axis, keepdims)
    count = np.sum(~np.isnan(a), axis=axes, keepdims=keepdims) - ddof
    return count.astype(dtype) if isinstance(count, np.ndarray) else dtype.type(count)


@cached_overload(valid_count)
def _valid_count(a, axis=None, keepdims=False, ddof=0):
    nptype = numba_grad_dtype(a).type
    keep = static_bool(keepdims, "keepdims")
    if keep is None:
        raise TypingError("valid_count: keepdims must be a constant")
    if is_scalar_type(a):
        return lambda a, axis=None, keepdims=False, ddof=0: nptype((0 if np.isnan(a) else 1) - ddof)
    rank = a.ndim if keep else a.ndim - axis_count(axis, a.ndim)
    if rank == 0:
        return lambda a, axis=None, keepdims=False, ddof=0: nptype(
            np.sum(~np.isnan(a)) - ddof)
    dtype = numba_grad_dtype(a)

    def impl(a, axis=None, keepdims=False, ddof=0):
        mask = axis_mask(a.ndim, axis)
        rows = as_groups(a, mask)
        out = np.empty(rows.shape[0], dtype)
        for k in range(rows.shape[0]):
            n = 0
            for v in rows[k]:
                if not np.isnan(v):
                    n += 1
            out[k] = n - ddof
        return out.reshape(to_fixed_tuple(kept_shape(a.shape, mask, keep), rank))

    return impl


def lowest_like(a):
    """-inf in `a`'s cotangent dtype."""
    return grad_dtype(a).type(-np.inf)


def highest_like(a):
    """+inf in `a`'s cotangent dtype."""
    return grad_dtype(a).type(np.inf)


def _overload_infinity(fn, sign: float):
    @cached_overload(fn)
    def _infinity(a):
        value = numba_grad_dtype(a).type(sign * np.inf)
        return lambda a: value


_overload_infinity(lowest_like, -1.0)
_overload_infinity(highest_like, 1.0)


# --- weighted averages ------------------------------------------------------------------------

_WEIGHTS = (NO_ADJOINT + "np.average with weights (np.trapezoid with sample points x) shaped "
            "neither like the array nor as a 1-D array along an int axis")


def weights_shape(weights, a, axis=None):
    """The shape `np.average(a, axis, weights)` broadcasts `weights` to: its
    own if it is shaped like `a`; 1-D weights lie along `axis` (an int)."""
    wshape, shape = np.shape(weights), np.shape(a)
    if wshape == shape:
        return wshape
    if len(wshape) != 1 or not isinstance(axis, (int, np.integer)):
        raise NoAdjointError(_WEIGHTS)
    along = int(axis) % len(shape)
    if wshape[0] != shape[along]:
        raise ValueError("np.average: the length of weights differs from the axis'")
    return tuple(wshape[0] if d == along else 1 for d in range(len(shape)))


@cached_overload(weights_shape)
def _weights_shape(weights, a, axis=None):
    wdim = weights.ndim if isinstance(weights, types.Array) else 0
    adim = a.ndim if isinstance(a, types.Array) else 0
    if wdim == adim:
        if wdim == 0:
            return lambda weights, a, axis=None: ()
        return lambda weights, a, axis=None: weights.shape
    if wdim != 1 or not isinstance(axis, types.Integer):
        raise TypingError(_WEIGHTS)

    def along_axis(weights, a, axis=None):
        mask = axis_mask(adim, axis)
        dims = np.ones(adim, np.int64)
        for d in range(adim):
            if mask[d]:
                if weights.shape[0] != a.shape[d]:
                    raise ValueError("np.average: the length of weights differs from the axis'")
                dims[d] = weights.shape[0]
        return to_fixed_tuple(dims, adim)

    return along_axis
