"""`np.interp(x, xp, fp, left, right)` in Python and compiled, and the pieces
of its cotangents (`rules/interpolation.py`), for `xp` increasing and `fp`
real, both 1-D; `x` a scalar or an array of any shape.

NumPy evaluates each `x` by the interval `[xp[j], xp[j+1])` that holds it
(`j` from a search to the right, so that a knot starts its interval), as
`fp[j] + s (x - xp[j])` with the slope `s`; `fp[j]` exactly at a knot;
`fp[-1]` at `xp[-1]`; `left` below `xp[0]` and `right` above `xp[-1]`
(`fp[0]` and `fp[-1]` where they are None).  The pieces:

- `knot(v, x, xp, side)`: `v[j]` (side 0) or `v[j+1]` (side 1) for each
  `x`, `j` its interval clipped to the first and the last (`0 <= j <=
  len(xp) - 2`); shaped like `x`.  Linear in `v`, piecewise constant in
  `x` and `xp` (they only choose the interval);
- `knot_grad(dy, v, x, xp, side)`: its transpose in `v`, `dy` (summed to
  `x`'s shape) added up into zeros shaped like `v` at those positions;
  linear in `dy`, whose transpose is `knot` again;
- `interp_mask(x, xp, kind)`: 1.0 where `x` is inside (kind 0: `xp[0] <= x
  < xp[-1]`, where the interval's line gives the value), below `xp[0]`
  (1), above `xp[-1]` (2), or at `xp[-1]` (3); else 0.0, shaped like `x`;
- `unless_given(v)`: 1.0 where `v` is None (`fp[0]` or `fp[-1]` stands in
  for a missing `left` or `right`), else 0.0.

Replacement: `interp` (Numba's `np.interp` takes no `left`, `right`).
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError

from ..errors import NoAdjointError
from .broadcast import sum_to
from .dtypes import is_none_type, is_scalar_type, numba_dtype
from .guards import NO_ADJOINT
from .machinecode import cached_jitable, cached_overload

_COMPLEX = (NO_ADJOINT + "np.interp of complex values: srcgrad differentiates it of real "
            "x, xp and fp")
_NOT_VECTORS = (NO_ADJOINT + "np.interp with xp or fp not 1-D: NumPy takes them as vectors of "
                "one length")


def _check(x, xp, fp) -> None:
    if any(np.iscomplexobj(v) for v in (x, xp, fp)):
        raise NoAdjointError(_COMPLEX)
    if np.ndim(xp) != 1 or np.ndim(fp) != 1:
        raise NoAdjointError(_NOT_VECTORS)


def _typing_check(x, xp, fp) -> None:
    for ty in (x, xp, fp):
        if not (isinstance(ty, types.Array) or is_scalar_type(ty)):
            raise TypingError(f"np.interp: unsupported argument type {ty}")
        if numba_dtype(ty).kind == "c":
            raise TypingError(_COMPLEX)
    if not (isinstance(xp, types.Array) and xp.ndim == 1 and isinstance(fp, types.Array)
            and fp.ndim == 1):
        raise TypingError(_NOT_VECTORS)


# --- the interval of a point ----------------------------------------------------------------------


@cached_jitable
def _interval(xv, xp):
    """`j`, `xp[j] <= xv < xp[j+1]`, clipped to `0 <= j <= len(xp) - 2` (0 for one knot)."""
    j = np.searchsorted(xp, xv, side="right") - 1
    return min(max(j, 0), max(xp.size - 2, 0))


@cached_jitable
def _knot_index(xv, xp, side):
    return min(_interval(xv, xp) + side, xp.size - 1)


@cached_jitable
def _mask(xv, xp, kind):
    first, last = xp[0], xp[xp.size - 1]
    if kind == 0:
        return 1.0 if first <= xv < last else 0.0
    if kind == 1:
        return 1.0 if xv < first else 0.0
    if kind == 2:
        return 1.0 if xv > last else 0.0
    return 1.0 if xv == last else 0.0


@cached_jitable
def _value(xv, xp, fp, low, high):
    """NumPy's `interp` at one point (`low`, `high`: the values outside)."""
    n = xp.size
    if xv < xp[0]:
        return low
    if xv > xp[n - 1]:
        return high
    if xv == xp[n - 1]:
        return fp[n - 1]
    j = _interval(xv, xp)
    if xv == xp[j]:
        return fp[j]
    slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
    out = slope * (xv - xp[j]) + fp[j]
    if np.isnan(out):  # as NumPy: from the other end, then the flat value
        out = slope * (xv - xp[j + 1]) + fp[j + 1]
        if np.isnan(out) and fp[j] == fp[j + 1]:
            out = fp[j]
    return out


# --- in Python ------------------------------------------------------------------------------------


def interp(x, xp, fp, left=None, right=None):
    """`np.interp(x, xp, fp, left, right)` of real values."""
    _check(x, xp, fp)
    return np.interp(x, xp, fp, left, right)


def _indices(x, xp, side):
    xp = np.asarray(xp)
    j = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, max(xp.size - 2, 0))
    return np.minimum(j + side, xp.size - 1)


def knot(v, x, xp, side):
    """`v` at the left (side 0) or right (side 1) knot of each `x`'s interval."""
    return np.asarray(v)[_indices(x, xp, side)]


def knot_grad(dy, v, x, xp, side):
    """The cotangent of `v` in `knot(v, x, xp, side)` for the cotangent `dy`."""
    part = np.asarray(sum_to(dy, np.shape(x)))
    dtype = np.result_type(part, v, np.float32)
    out = np.zeros(np.shape(v), dtype if dtype.kind == "f" else np.float64)
    np.add.at(out, _indices(x, xp, side), part)
    return out


def interp_mask(x, xp, kind):
    """1.0 where `x` is inside (kind 0), below (1), above (2) the knots, or at
    the last knot (3); 0.0 elsewhere."""
    xp = np.asarray(xp)
    first, last = xp[0], xp[-1]
    mask = [(first <= x) & (x < last), x < first, x > last, x == last][kind]
    return np.where(mask, 1.0, 0.0)[()] if np.ndim(x) == 0 else np.where(mask, 1.0, 0.0)


def unless_given(v):
    """1.0 if `v` is None, else 0.0."""
    return 1.0 if v is None else 0.0


# --- compiled -------------------------------------------------------------------------------------


def _low(fp, left):
    """The value below the knots: `left`, or `fp[0]` where it is None."""
    return np.float64(fp[0] if left is None else left)


def _high(fp, right):
    """The value above the knots: `right`, or `fp[-1]` where it is None."""
    return np.float64(fp[-1] if right is None else right)


@cached_overload(_low)
def _low_compiled(fp, left):
    if is_none_type(left):
        return lambda fp, left: np.float64(fp[0])
    return lambda fp, left: np.float64(left)


@cached_overload(_high)
def _high_compiled(fp, right):
    if is_none_type(right):
        return lambda fp, right: np.float64(fp[fp.size - 1])
    return lambda fp, right: np.float64(right)


@cached_overload(interp)
def _interp(x, xp, fp, left=None, right=None):
    _typing_check(x, xp, fp)
    if is_scalar_type(x):
        def one(x, xp, fp, left=None, right=None):
            return _value(np.float64(x), xp.astype(np.float64), fp.astype(np.float64),
                          _low(fp, left), _high(fp, right))
        return one

    def many(x, xp, fp, left=None, right=None):
        knots, values = xp.astype(np.float64), fp.astype(np.float64)
        low, high = _low(fp, left), _high(fp, right)
        flat = np.ascontiguousarray(x).reshape(x.size)
        out = np.empty(x.size, np.float64)
        for k in range(x.size):
            out[k] = _value(np.float64(flat[k]), knots, values, low, high)
        return out.reshape(x.shape)

    return many


@cached_overload(knot)
def _knot(v, x, xp, side):
    if is_scalar_type(x):
        return lambda v, x, xp, side: v[_knot_index(x, xp, side)]

    def many(v, x, xp, side):
        flat = np.ascontiguousarray(x).reshape(x.size)
        out = np.empty(x.size, v.dtype)
        for k in range(x.size):
            out[k] = v[_knot_index(flat[k], xp, side)]
        return out.reshape(x.shape)

    return many


@cached_overload(knot_grad)
def _knot_grad(dy, v, x, xp, side):
    dtype = np.result_type(numba_dtype(dy), numba_dtype(v), np.float32)
    dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)
    if is_scalar_type(x):
        def one(dy, v, x, xp, side):
            out = np.zeros(v.shape, dtype)
            out[_knot_index(x, xp, side)] += sum_to(dy, ())
            return out
        return one

    def many(dy, v, x, xp, side):
        part = np.ascontiguousarray(sum_to(dy, x.shape)).reshape(x.size)
        flat = np.ascontiguousarray(x).reshape(x.size)
        out = np.zeros(v.shape, dtype)
        for k in range(x.size):
            out[_knot_index(flat[k], xp, side)] += part[k]
        return out

    return many


@cached_overload(interp_mask)
def _interp_mask(x, xp, kind):
    if is_scalar_type(x):
        return lambda x, xp, kind: _mask(x, xp, kind)

    def many(x, xp, kind):
        flat = np.ascontiguousarray(x).reshape(x.size)
        out = np.empty(x.size, np.float64)
        for k in range(x.size):
            out[k] = _mask(flat[k], xp, kind)
        return out.reshape(x.shape)

    return many


@cached_overload(unless_given)
def _unless_given(v):
    if is_none_type(v):
        return lambda v: 1.0
    return lambda v: 0.0
