"""Quantiles (method 'linear') and their cotangents, in Python and compiled.

The lowering writes `np.quantile(a, q, axis, keepdims=)`, `np.percentile`
(with `q / 100`) and `np.median` (`q = 0.5`) as `quantile(a, q, axis,
keepdims)`, NumPy's 'linear' method: each group of `a` (see `groups`)
sorted, the result at position `q (n - 1)` interpolated between the two
order statistics around it, `s[lo] + (s[hi] - s[lo]) t`.  `q` is a scalar
or an array; the result's shape is `q`'s followed by the reduction's.

Cotangents:

- `quantile_grad(dy, a, q, axis, keepdims)`: of `a`, `(1 - t) dy` to the
  element at `s[lo]` and `t dy` to that at `s[hi]`.  Ties (and equal
  values around a median of an even count) send each share to the element
  that a stable sort puts at that rank, as JAX's gradient of its sort does;
- `quantile_jvp(h, a, q, axis, keepdims)`: the same weights applied to a
  direction `h` shaped like `a` (the transpose of `quantile_grad`);
- `quantile_q_grad(dy, h, a, q, axis, keepdims)`: of `q` in `sum(dy *
  quantile_jvp(h, a, q))`, `dy (n - 1) (h[hi] - h[lo])` summed over the
  groups (`h` read at the elements ranked lo and hi in `a`); with `h = a`,
  the cotangent of `q` in the quantile itself, the slope of the interval to
  the right of `q`'s position (0 at `q = 1`).  It has no rule: a second
  derivative in `q` is refused.

Both the weights and the slopes are constant between ties and knots, so
`quantile_grad` and `quantile_jvp` are linear in their first argument and
have no cotangent in `a`.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.extending import register_jitable
from numba.np.unsafe.ndarray import to_fixed_tuple

from .axes import axis_count, axis_mask, static_bool
from .broadcast import sum_to
from .dtypes import grad_dtype, numba_dtype, numba_grad_dtype
from .groups import as_groups, from_groups, groups_of, kept_shape, reduction_shapes
from .machinecode import cached_jitable, cached_overload

# --- the kernels, shared by Python and compiled code ------------------------------------------


@cached_jitable
def _position(q, n):
    """(lo, hi, t): the ranks around position q (n - 1) and the fraction past lo."""
    if not 0.0 <= q <= 1.0:
        raise ValueError("quantiles must be in the range [0, 1]")
    pos = q * (n - 1)
    lo = min(int(np.floor(pos)), n - 1)
    hi = min(lo + 1, n - 1)
    return lo, hi, pos - lo


@cached_jitable
def _quantile_rows(rows, qs, out):
    """out[k, r]: quantile qs[k] of row r, interpolated as NumPy's `_lerp`."""
    n = rows.shape[1]
    for r in range(rows.shape[0]):
        s = np.sort(rows[r])
        for k in range(qs.size):
            lo, hi, t = _position(qs[k], n)
            low, high = s[lo], s[hi]
            step = high - low
            out[k, r] = high - step * (1.0 - t) if t >= 0.5 else low + step * t


@cached_jitable
def _spread_rows(rows, qs, dy, out):
    """out[r, :] += each dy[k, r] shared between the elements at ranks lo, hi."""
    n = rows.shape[1]
    for r in range(rows.shape[0]):
        order = np.argsort(rows[r], kind="mergesort")
        for k in range(qs.size):
            lo, hi, t = _position(qs[k], n)
            out[r, order[lo]] += (1.0 - t) * dy[k, r]
            out[r, order[hi]] += t * dy[k, r]


@cached_jitable
def _gather_rows(rows, h, qs, out):
    """out[k, r]: h's row r read with the weights of quantile qs[k]."""
    n = rows.shape[1]
    for r in range(rows.shape[0]):
        order = np.argsort(rows[r], kind="mergesort")
        for k in range(qs.size):
            lo, hi, t = _position(qs[k], n)
            out[k, r] = (1.0 - t) * h[r, order[lo]] + t * h[r, order[hi]]


@cached_jitable
def _slope_rows(rows, h, qs, dy, out):
    """out[k] += dy[k, r] times the slope in q of quantile qs[k] of row r of
    `h` read in the order of `rows` (`h` is `rows`: the quantile's slope)."""
    n = rows.shape[1]
    for r in range(rows.shape[0]):
        order = np.argsort(rows[r], kind="mergesort")
        for k in range(qs.size):
            lo, hi, _ = _position(qs[k], n)
            out[k] += dy[k, r] * (n - 1) * (h[r, order[hi]] - h[r, order[lo]])


# --- Python --------------------------------------------------------------------------------------


def _shapes(a, q, axis, keepdims):
    """(a's groups, the map back, q flat, the result's shape)."""
    rows, back = groups_of(np.asarray(a), axis)
    if rows.shape[1] == 0:
        raise ValueError("quantile of an empty group")
    result = np.shape(q) + reduction_shapes(a, axis, keepdims)[2]
    return rows, back, np.ravel(np.asarray(q, np.float64)), result


def _shaped(out, shape):
    return out.reshape(shape) if shape else out.reshape(())[()]


def quantile(a, q, axis=None, keepdims=False):
    """`np.quantile(a, q, axis, keepdims=keepdims)`, method 'linear'."""
    return np.quantile(a, q, axis=axis, keepdims=keepdims)


def quantile_grad(dy, a, q, axis=None, keepdims=False):
    """The cotangent of `a` in `quantile(a, q, axis, keepdims)`."""
    rows, back, qs, result = _shapes(a, q, axis, keepdims)
    dy = np.reshape(sum_to(dy, result), (qs.size, rows.shape[0]))
    out = np.zeros(rows.shape, np.result_type(dy, grad_dtype(a)))
    _spread_rows(rows, qs, dy, out)
    return _shaped(back(out), np.shape(a))


def quantile_jvp(h, a, q, axis=None, keepdims=False):
    """`quantile_grad`'s transpose: the change of the quantile as `a` moves by `h`."""
    rows, _, qs, result = _shapes(a, q, axis, keepdims)
    hrows, _ = groups_of(np.broadcast_to(h, np.shape(a)), axis)
    out = np.zeros((qs.size, rows.shape[0]), np.result_type(h, grad_dtype(a)))
    _gather_rows(rows, hrows, qs, out)
    return _shaped(out, result)


def quantile_q_grad(dy, h, a, q, axis=None, keepdims=False):
    """The cotangent of `q` in `sum(dy * quantile_jvp(h, a, q, axis,
    keepdims))`; with `h = a`, in `quantile(a, q, axis, keepdims)`."""
    rows, _, qs, result = _shapes(a, q, axis, keepdims)
    hrows, _ = groups_of(np.broadcast_to(h, np.shape(a)), axis)
    dy = np.reshape(sum_to(dy, result), (qs.size, rows.shape[0]))
    out = np.zeros(qs.size, np.result_type(dy, h, grad_dtype(q)))
    _slope_rows(rows, hrows, qs, dy, out)
    return _shaped(out, np.shape(q))


# --- compiled ------------------------------------------------------------------------------------


def _ranks(a, q, axis, keepdims):
    """(rank of q, rank of the result) for Numba types, at compile time."""
    keep = static_bool(keepdims, "keepdims")
    if keep is None or not isinstance(a, types.Array):
        raise TypingError("quantile: a must be an array and keepdims a constant")
    qrank = q.ndim if isinstance(q, types.Array) else 0
    return keep, qrank, qrank + (a.ndim if keep else a.ndim - axis_count(axis, a.ndim))


@cached_jitable
def _result_shape(qshape, shape, mask, keep):
    kept = kept_shape(shape, mask, keep)
    out = np.empty(len(qshape) + kept.size, np.int64)
    for d in range(len(qshape)):
        out[d] = qshape[d]
    out[len(qshape):] = kept
    return out


@cached_jitable
def _quantile_values(a, h, q, mask):
    """(quantiles, groups) float64 matrix: the quantiles of `a`, or, where `h`
    is not None, `h` read with their weights (`quantile_jvp`)."""
    rows = as_groups(a, mask)
    qs = np.asarray(q, np.float64).ravel()
    out = np.zeros((qs.size, rows.shape[0]), np.float64)
    if h is None:
        _quantile_rows(rows, qs, out)
    else:
        _gather_rows(rows, as_groups(np.ascontiguousarray(np.broadcast_to(h, a.shape)), mask),
                     qs, out)
    return out


@cached_overload(quantile)
def _quantile(a, q, axis=None, keepdims=False):
    keep, _, rank = _ranks(a, q, axis, keepdims)
    cast = numba_grad_dtype(a).type
    if rank == 0:
        return lambda a, q, axis=None, keepdims=False: cast(
            _quantile_values(a, None, q, axis_mask(a.ndim, axis))[0, 0])
    dtype = numba_grad_dtype(a)

    def value(a, q, axis=None, keepdims=False):
        mask = axis_mask(a.ndim, axis)
        out = _quantile_values(a, None, q, mask).astype(dtype).ravel()
        return out.reshape(to_fixed_tuple(_result_shape(np.shape(q), a.shape, mask, keep), rank))

    return value


@cached_overload(quantile_jvp)
def _quantile_jvp(h, a, q, axis=None, keepdims=False):
    keep, _, rank = _ranks(a, q, axis, keepdims)
    dtype = np.result_type(numba_dtype(h), numba_grad_dtype(a))
    cast = dtype.type
    if rank == 0:
        return lambda h, a, q, axis=None, keepdims=False: cast(
            _quantile_values(a, h, q, axis_mask(a.ndim, axis))[0, 0])

    def jvp(h, a, q, axis=None, keepdims=False):
        mask = axis_mask(a.ndim, axis)
        out = _quantile_values(a, h, q, mask).astype(dtype).ravel()
        return out.reshape(to_fixed_tuple(_result_shape(np.shape(q), a.shape, mask, keep), rank))

    return jvp


@cached_jitable
def _dy_rows(dy, groups):
    """`dy`, already summed to the result's shape, as a (quantiles, groups) matrix."""
    summed = np.ascontiguousarray(np.asarray(dy))
    return summed.reshape((summed.size // groups, groups))


@cached_overload(quantile_grad)
def _quantile_grad(dy, a, q, axis=None, keepdims=False):
    keep, _, rank = _ranks(a, q, axis, keepdims)
    dtype = np.result_type(numba_dtype(dy), numba_grad_dtype(a))

    def impl(dy, a, q, axis=None, keepdims=False):
        mask = axis_mask(a.ndim, axis)
        rows = as_groups(a, mask)
        qs = np.asarray(q, np.float64).ravel()
        shape = to_fixed_tuple(_result_shape(np.shape(q), a.shape, mask, keep), rank)
        spread = np.zeros(rows.shape, dtype)
        _spread_rows(rows, qs, _dy_rows(sum_to(dy, shape), rows.shape[0]), spread)
        return from_groups(spread, a, mask)

    return impl


@cached_overload(quantile_q_grad)
def _quantile_q_grad(dy, h, a, q, axis=None, keepdims=False):
    keep, qrank, rank = _ranks(a, q, axis, keepdims)
    dtype = np.result_type(numba_dtype(dy), numba_dtype(h), numba_grad_dtype(q))

    def flat(dy, h, a, q, axis=None, keepdims=False):
        mask = axis_mask(a.ndim, axis)
        rows = as_groups(a, mask)
        hrows = as_groups(np.ascontiguousarray(np.broadcast_to(h, a.shape)), mask)
        qs = np.asarray(q, np.float64).ravel()
        shape = to_fixed_tuple(_result_shape(np.shape(q), a.shape, mask, keep), rank)
        out = np.zeros(qs.size, dtype)
        _slope_rows(rows, hrows, qs, _dy_rows(sum_to(dy, shape), rows.shape[0]), out)
        return out

    flat = register_jitable(flat)
    if qrank == 0:
        return lambda dy, h, a, q, axis=None, keepdims=False: flat(dy, h, a, q, axis, keepdims)[0]
    return lambda dy, h, a, q, axis=None, keepdims=False: flat(
        dy, h, a, q, axis, keepdims).reshape(q.shape)
