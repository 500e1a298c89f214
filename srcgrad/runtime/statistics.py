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

All are non-differentiable (their values do not move with the inputs), but
`variables_result(c, m, y)`, `np.cov`'s and `np.corrcoef`'s matrix squeezed
as NumPy returns it (a reshape of `c`).
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
from .machinecode import cached_jitable, cached_overload

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


# --- covariance ----------------------------------------------------------------------------


def variables_result(c, m, y=None, rowvar=True):
    """`np.cov`'s and `np.corrcoef`'s matrix `c` of the variables `m` and `y`
    as NumPy returns it, squeezed (a 0-d array for one variable).  Where
    `rowvar` is False NumPy transposes a matrix of variables but for one
    of a single row (one variable, against `rowvar`), which the expansion
    (`np.atleast_2d(np.transpose(m))`) would take as many variables: that
    form raises ValueError.  Compiled, the result's rank must follow from
    the types: 0-d where `m` is 1-D and `y` None, else the matrix, and one
    variable given as a 2-D array raises ValueError there (NumPy's 0-d
    result would take its rank from a shape's value).  Linear in `c` (its
    rule reshapes the cotangent back)."""
    if not rowvar and any(np.ndim(v) == 2 and np.shape(v)[0] == 1 for v in (m, y)
                          if v is not None):
        raise ValueError(_SINGLE_ROW)
    return np.squeeze(c)


_SINGLE_ROW = ("np.cov/np.corrcoef with rowvar=False of a 1 x N array: NumPy takes it as one "
               "variable, against rowvar; pass it as a 1-D array")


@cached_overload(variables_result)
def _variables_result(c, m, y=None, rowvar=True):
    no_y = y is None or isinstance(y, (types.NoneType, types.Omitted))
    if isinstance(m, types.Array) and m.ndim == 1 and no_y:
        return lambda c, m, y=None, rowvar=True: c.reshape(())
    y_single_row = _no_variable if no_y else _single_row

    def matrix(c, m, y=None, rowvar=True):
        if _single_row(m, rowvar) or y_single_row(y, rowvar):
            raise ValueError(_SINGLE_ROW)
        if c.shape[0] == 1:
            raise ValueError("np.cov/np.corrcoef of one variable given as a 2-D array: NumPy "
                             "returns a 0-d array, whose rank compiled code cannot take from a "
                             "shape; pass the variable as a 1-D array (or use target='python')")
        return c

    return matrix


@cached_jitable
def _no_variable(v, rowvar):
    return False


@cached_jitable
def _single_row(v, rowvar):
    return not rowvar and v.ndim == 2 and v.shape[0] == 1
