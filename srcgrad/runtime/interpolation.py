"""`np.interp(x, xp, fp, left, right)` in Python and compiled, and its
cotangents in `x` and `fp` (`xp` increasing, 1-D; `x` a scalar or an array).

At each `x`, `_locate` finds the interval `[xp[j], xp[j+1])` holding it and
the fraction `t` across; below `xp[0]` the value is `left` (`fp[0]` when
None), above `xp[-1]` it is `right` (`fp[-1]` when None), and at `xp[-1]`
it is `fp[-1]`.

- `interp_slope(x, xp, fp)`: the derivative in `x`, `(fp[j+1] - fp[j]) /
  (xp[j+1] - xp[j])`: at a knot, that of the interval to its right; 0 at
  and beyond `xp[-1]` and below `xp[0]` (as NumPy's values are constant
  there);
- `interp_fp_grad(dy, x, xp, fp, left, right)`: the cotangent of `fp`,
  `(1 - t) dy` to `fp[j]` and `t dy` to `fp[j+1]` (all of `dy` to `fp[0]`
  below the range when `left` is None, nothing when it is given; likewise
  above), and `interp_fp_jvp(h, x, xp, left, right)`, its transpose;
- `interp_slope_grad(c, x, xp, fp)`: the cotangent of `fp` in
  `interp_slope` (second order, mixed in `x` and `fp`);
- `refuse_interp_gradient(v)`: raises, for a differentiable `xp`, `left`
  or `right`.

Replacement: `interp` (Numba's `np.interp` takes no `left`, `right`).
"""

from __future__ import annotations

import numpy as np
from numba.core.errors import TypingError

from ..errors import NoAdjointError
from .broadcast import shape_of, sum_to
from .dtypes import is_none_type, is_scalar_type, numba_dtype, numba_grad_dtype
from .guards import NO_ADJOINT
from .machinecode import cached_jitable, cached_overload


@cached_jitable
def _locate(xv, xp):
    """(j, t, side): the interval and fraction of `xv`; side -1 below the
    range, 1 above it, 0 within (j = len(xp) - 1 at the last knot)."""
    n = xp.size
    if xv < xp[0]:
        return 0, 0.0, -1
    if xv > xp[n - 1]:
        return n - 1, 0.0, 1
    j = np.searchsorted(xp, xv, side="right") - 1
    if j >= n - 1:
        return n - 1, 0.0, 0
    return j, (xv - xp[j]) / (xp[j + 1] - xp[j]), 0


@cached_jitable
def _kernel(kind, xs, xp, values, dy, left_free, right_free, out):
    """One loop for all: kind 0 `interp_fp_jvp` (values: h), 1 `interp_fp_grad`
    (into out shaped like fp), 2 `interp_slope` (values: fp), 3
    `interp_slope_grad` (dy: c, into out shaped like fp)."""
    n = xp.size
    for i in range(xs.size):
        j, t, side = _locate(xs[i], xp)
        inside = side == 0 and j < n - 1
        if kind >= 2:
            if inside:
                width = xp[j + 1] - xp[j]
                if kind == 2:
                    out[i] = (values[j + 1] - values[j]) / width
                else:
                    out[j + 1] += dy[i] / width
                    out[j] -= dy[i] / width
            elif kind == 2:
                out[i] = 0.0
            continue
        w_lo, w_hi = 1.0 - t, t
        if side == -1 and not left_free or side == 1 and not right_free:
            w_lo, w_hi = 0.0, 0.0
        hi = min(j + 1, n - 1)
        if kind == 0:
            out[i] = w_lo * values[j] + (w_hi * values[hi] if inside else 0.0)
        else:
            out[j] += w_lo * dy[i]
            if inside:
                out[hi] += w_hi * dy[i]


def _flat(v):
    return np.ravel(np.asarray(v, np.float64))


def _run(kind, x, xp, values, dy, left_free, right_free, size, dtype):
    out = np.zeros(size, dtype)
    _kernel(kind, _flat(x), _flat(xp), _flat(values), _flat(dy), left_free, right_free, out)
    return out


def _shaped_like_x(out, x):
    return out.reshape(np.shape(x)) if isinstance(x, np.ndarray) else out[0]


def _float_type(*values):
    dtype = np.result_type(*values)
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def interp(x, xp, fp, left=None, right=None):
    """`np.interp(x, xp, fp, left, right)`."""
    return np.interp(x, xp, fp, left, right)


def interp_slope(x, xp, fp):
    """The derivative of `np.interp(x, xp, fp)` in `x`."""
    out = _run(2, x, xp, fp, 0.0, True, True, np.size(x), _float_type(x, fp))
    return _shaped_like_x(out, x)


def interp_slope_grad(c, x, xp, fp):
    """The cotangent of `fp` in `interp_slope(x, xp, fp)`."""
    dy = np.broadcast_to(sum_to(c, np.shape(x)), np.shape(x))
    return _run(3, x, xp, 0.0, dy, True, True, np.size(fp), _float_type(c, fp))


def interp_fp_grad(dy, x, xp, fp, left=None, right=None):
    """The cotangent of `fp` in `np.interp(x, xp, fp, left, right)`."""
    dy = np.broadcast_to(sum_to(dy, np.shape(x)), np.shape(x))
    return _run(1, x, xp, 0.0, dy, left is None, right is None, np.size(fp),
                _float_type(dy, fp))


def interp_fp_jvp(h, x, xp, left=None, right=None):
    """The change of `np.interp(x, xp, fp, left, right)` as `fp` moves by `h`."""
    out = _run(0, x, xp, h, 0.0, left is None, right is None, np.size(x), _float_type(h, x))
    return _shaped_like_x(out, x)


_DIFFERENTIABLE_XP = (NO_ADJOINT + "np.interp differentiated in xp, left or right: srcgrad "
                      "differentiates it in x and fp (the others constant)")


def refuse_interp_gradient(v):
    """Raises: srcgrad does not differentiate `np.interp` in `xp`, `left`, `right`."""
    raise NoAdjointError(_DIFFERENTIABLE_XP)


@cached_overload(refuse_interp_gradient)
def _refuse_interp_gradient(v):
    raise TypingError(_DIFFERENTIABLE_XP)


# --- compiled ------------------------------------------------------------------------------------


def _as_flat(x):
    """`x` as a flat float64 array (a scalar: of one element)."""
    return _flat(x)


@cached_overload(_as_flat)
def _as_flat_impl(x):
    if is_scalar_type(x):
        return lambda x: np.array([np.float64(x)])
    return lambda x: np.ascontiguousarray(x).ravel().astype(np.float64)


def _or_zero(v):
    return 0.0 if v is None else float(v)


@cached_overload(_or_zero)
def _or_zero_impl(v):
    if is_none_type(v):
        return lambda v: 0.0
    return lambda v: np.float64(v)


@cached_jitable
def _values_flat(xs, xp, values, left, right, left_free, right_free):
    out = np.zeros(xs.size)
    _kernel(0, xs, xp, values, xs, left_free, right_free, out)
    for i in range(xs.size):
        side = _locate(xs[i], xp)[2]
        if side == -1:
            out[i] += _or_zero(left)
        elif side == 1:
            out[i] += _or_zero(right)
    return out


@cached_jitable
def _slope_flat(xs, xp, fp):
    out = np.zeros(xs.size)
    _kernel(2, xs, xp, np.asarray(fp, np.float64), xs, True, True, out)
    return out


@cached_jitable
def _into_fp(kind, xs, xp, dy, size, left_free, right_free):
    out = np.zeros(size)
    _kernel(kind, xs, xp, xs, dy, left_free, right_free, out)
    return out


@cached_overload(interp)
def _interp(x, xp, fp, left=None, right=None):
    cast = np.result_type(numba_grad_dtype(x), numba_dtype(fp), np.float32).type
    left_free, right_free = is_none_type(left), is_none_type(right)
    if is_scalar_type(x):
        return lambda x, xp, fp, left=None, right=None: cast(_values_flat(
            _as_flat(x), xp, fp, left, right, left_free, right_free)[0])
    return lambda x, xp, fp, left=None, right=None: _values_flat(
        _as_flat(x), xp, fp, left, right, left_free, right_free).astype(cast).reshape(x.shape)


@cached_overload(interp_fp_jvp)
def _interp_fp_jvp(h, x, xp, left=None, right=None):
    cast = np.result_type(numba_grad_dtype(x), numba_dtype(h), np.float32).type
    left_free, right_free = is_none_type(left), is_none_type(right)
    if is_scalar_type(x):
        return lambda h, x, xp, left=None, right=None: cast(_values_flat(
            _as_flat(x), xp, h, None, None, left_free, right_free)[0])
    return lambda h, x, xp, left=None, right=None: _values_flat(
        _as_flat(x), xp, h, None, None, left_free, right_free).astype(cast).reshape(x.shape)


@cached_overload(interp_slope)
def _interp_slope(x, xp, fp):
    cast = np.result_type(numba_grad_dtype(x), numba_dtype(fp), np.float32).type
    if is_scalar_type(x):
        return lambda x, xp, fp: cast(_slope_flat(_as_flat(x), xp, fp)[0])
    return lambda x, xp, fp: _slope_flat(_as_flat(x), xp, fp).astype(cast).reshape(x.shape)


@cached_overload(interp_fp_grad)
def _interp_fp_grad(dy, x, xp, fp, left=None, right=None):
    cast = np.result_type(numba_dtype(dy), numba_dtype(fp), np.float32).type
    left_free, right_free = is_none_type(left), is_none_type(right)
    return lambda dy, x, xp, fp, left=None, right=None: _into_fp(
        1, _as_flat(x), xp, _as_flat(sum_to(dy, shape_of(x))), fp.size, left_free,
        right_free).astype(cast)


@cached_overload(interp_slope_grad)
def _interp_slope_grad(c, x, xp, fp):
    cast = np.result_type(numba_dtype(c), numba_dtype(fp), np.float32).type
    return lambda c, x, xp, fp: _into_fp(
        3, _as_flat(x), xp, _as_flat(sum_to(c, shape_of(x))), fp.size, True, True).astype(cast)
