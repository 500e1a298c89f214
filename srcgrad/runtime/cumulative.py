"""`np.cumprod` and its cotangents, in Python and compiled, without dividing
by the input (so zeros in it get the right cotangent).

Along each row `x` (the flattened array when `axis` is None), `y_i =
x_0 ... x_i`:

- `cumprod(a, axis)`: replaces `np.cumprod` (Numba's takes no `axis`);
- `cumprod_grad(dy, x, axis)`: the cotangent of `x`, `P_{j-1} S_j` with
  `P` the running product and `S_j = dy_j + x_{j+1} S_{j+1}` summed from
  the end;
- `cumprod_jvp(h, x, axis)`: its transpose, the change of `y` as `x` moves
  by `h`: `T_i = T_{i-1} x_i + P_{i-1} h_i`;
- `cumprod_curvature(dy, h, x, axis)`: the cotangent of `x` in
  `<dy, cumprod_jvp(h, x, axis)>` (and so in `<h, cumprod_grad(dy, x,
  axis)>`): for each `m`, `cumprod_jvp` run with `x_m = 1`, `h_m = 0`, read
  by `dy` from `m` on (quadratic in the row's length; the second order
  only);
- `cumprod_second(h, k, x, axis)`: the change of `cumprod_jvp(h, x, axis)`
  as `x` moves by `k` (the second derivative of `cumprod` along `h` and
  `k`, symmetric in them): `W_i = W_{i-1} x_i + T_{i-1} k_i + K_{i-1}
  h_i`, `T` and `K` the running changes along `h` and `k` (linear in the
  row's length; the tangent of `cumprod_jvp` in `x`).  It has no rule, as
  `cumprod_curvature`: a third derivative is refused.

`dy` may be broadcast larger than the result: it is summed to the result's
shape first.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError

from ..errors import NoAdjointError
from .axes import axis_mask
from .broadcast import sum_to
from .dtypes import grad_dtype, is_none_type, numba_dtype, numba_grad_dtype
from .groups import as_groups, from_groups, groups_of
from .guards import NO_ADJOINT
from .machinecode import cached_jitable, cached_overload

# --- row kernels, shared by Python and compiled code ---------------------------------------


@cached_jitable
def _cumprod_row(x, out):
    acc = 1.0
    for i in range(x.size):
        acc = acc * x[i]
        out[i] = acc


@cached_jitable
def _grad_row(dy, x, out):
    n = x.size
    suffix = 0.0
    for j in range(n - 1, -1, -1):  # S_j, kept in out
        suffix = dy[j] + (x[j + 1] * suffix if j + 1 < n else 0.0)
        out[j] = suffix
    prefix = 1.0
    for j in range(n):
        out[j] = prefix * out[j]
        prefix = prefix * x[j]


@cached_jitable
def _jvp_row(h, x, out, skip):
    """`out` = the change of the running product as `x` moves by `h`, with
    element `skip` (when in range) taken as `x = 1`, `h = 0`."""
    change = 0.0
    prefix = 1.0
    for i in range(x.size):
        xi, hi = (1.0, 0.0) if i == skip else (x[i], h[i])
        change = change * xi + prefix * hi
        prefix = prefix * xi
        out[i] = change


@cached_jitable
def _second_row(h, k, x, out):
    """`out` = the change of `_jvp_row`'s result (along `h`) as `x` moves by `k`."""
    prefix = 1.0  # P_{i-1}
    along_h = 0.0  # T_{i-1}
    along_k = 0.0  # K_{i-1}
    second = 0.0
    for i in range(x.size):
        second = second * x[i] + along_h * k[i] + along_k * h[i]
        along_h, along_k = along_h * x[i] + prefix * h[i], along_k * x[i] + prefix * k[i]
        prefix = prefix * x[i]
        out[i] = second


@cached_jitable
def _curvature_row(dy, h, x, out):
    n = x.size
    change = np.empty(n)
    for m in range(n):
        _jvp_row(h, x, change, m)
        total = 0.0
        for i in range(m, n):
            total += dy[i] * change[i]
        out[m] = total


# --- Python ------------------------------------------------------------------------------------


def _rows(x, axis):
    """(x's rows along `axis`, the map of such a matrix back to the result's layout)."""
    x = np.asarray(x)
    if axis is None:
        flat = x.reshape(1, -1)
        return flat, lambda m: m.reshape(-1)
    rows, back = groups_of(x, axis)
    return rows, back


def _result_shape(x, axis):
    return (int(np.size(x)),) if axis is None else np.shape(x)


def _refuse_scalar(x):
    if np.ndim(x) == 0:
        raise NoAdjointError(NO_ADJOINT + "np.cumprod of a scalar: srcgrad differentiates it "
                             "of an array")


def cumprod(a, axis=None):
    """`np.cumprod(a, axis)` of an array."""
    _refuse_scalar(a)
    return np.cumprod(a, axis)


def cumprod_grad(dy, x, axis=None):
    """The cotangent of `x` in `np.cumprod(x, axis)`, shaped like `x`."""
    _refuse_scalar(x)
    rows, _ = _rows(x, axis)
    dys, _ = _rows(sum_to(dy, _result_shape(x, axis)), axis)
    out = np.zeros(rows.shape, grad_dtype(dy, x))
    for r in range(rows.shape[0]):
        _grad_row(dys[r], rows[r], out[r])
    return out.reshape(np.shape(x)) if axis is None else groups_of(np.asarray(x), axis)[1](out)


def cumprod_jvp(h, x, axis=None):
    """The change of `np.cumprod(x, axis)` as `x` moves by `h` (shaped like `x`)."""
    _refuse_scalar(x)
    rows, back = _rows(x, axis)
    hs, _ = _rows(np.broadcast_to(h, np.shape(x)), axis)
    out = np.zeros(rows.shape, grad_dtype(h, x))
    for r in range(rows.shape[0]):
        _jvp_row(hs[r], rows[r], out[r], -1)
    return back(out)


def cumprod_second(h, k, x, axis=None):
    """The change of `cumprod_jvp(h, x, axis)` as `x` moves by `k`."""
    _refuse_scalar(x)
    rows, back = _rows(x, axis)
    hs, _ = _rows(np.broadcast_to(h, np.shape(x)), axis)
    ks, _ = _rows(np.broadcast_to(k, np.shape(x)), axis)
    out = np.zeros(rows.shape, grad_dtype(h, k, x))
    for r in range(rows.shape[0]):
        _second_row(hs[r], ks[r], rows[r], out[r])
    return back(out)


def cumprod_curvature(dy, h, x, axis=None):
    """The cotangent of `x` in `sum(dy * cumprod_jvp(h, x, axis))`."""
    _refuse_scalar(x)
    rows, _ = _rows(x, axis)
    dys, _ = _rows(sum_to(dy, _result_shape(x, axis)), axis)
    hs, _ = _rows(np.broadcast_to(h, np.shape(x)), axis)
    out = np.zeros(rows.shape, grad_dtype(dy, h, x))
    for r in range(rows.shape[0]):
        _curvature_row(dys[r], hs[r], rows[r], out[r])
    return out.reshape(np.shape(x)) if axis is None else groups_of(np.asarray(x), axis)[1](out)


# --- compiled ------------------------------------------------------------------------------------


@cached_jitable
def _as_rows(v, x, mask, flat):
    """`v` (shaped like `x`, or like the flat result) as x's matrix of rows."""
    if flat:
        return np.ascontiguousarray(v).reshape((1, x.size))
    return as_groups(np.ascontiguousarray(v).reshape(x.shape), mask)


def _check(x, axis, name):
    if not isinstance(x, types.Array):
        raise TypingError(NO_ADJOINT + f"np.cumprod of a scalar ({name})")
    if not (is_none_type(axis) or isinstance(axis, types.Integer)):
        raise TypingError(f"{name}: axis must be None or an int, not {axis}")
    return is_none_type(axis)


@cached_overload(cumprod)
def _cumprod(a, axis=None):
    flat = _check(a, axis, "cumprod")
    if flat:
        return lambda a, axis=None: np.cumprod(a)
    dtype = numba_dtype(a) if numba_dtype(a).kind == "f" else np.dtype(np.float64)

    def along(a, axis=None):
        mask = axis_mask(a.ndim, axis)
        rows = as_groups(a, mask)
        out = np.zeros(rows.shape, dtype)
        for r in range(rows.shape[0]):
            _cumprod_row(rows[r], out[r])
        return from_groups(out, a, mask)

    return along


@cached_jitable
def _flat_shape(x):
    return (x.size,)


@cached_jitable
def _own_shape(x):
    return x.shape


def _overload_cotangent(fn, kernel, name):
    """Numba's `cumprod_grad` (`kernel` `_grad_row`) or `cumprod_jvp` (`_jvp_row`)."""
    jvp = kernel is _jvp_row

    @cached_overload(fn)
    def _cotangent(first, x, axis=None):
        flat = _check(x, axis, name)
        dtype = np.result_type(numba_dtype(first), numba_grad_dtype(x))
        result_shape = _flat_shape if flat else _own_shape
        first_shape = _own_shape if jvp else result_shape
        out_shape = _flat_shape if flat and jvp else _own_shape

        def impl(first, x, axis=None):
            mask = np.ones(x.ndim, np.bool_) if flat else axis_mask(x.ndim, axis)
            rows = _as_rows(x, x, mask, flat)
            firsts = _as_rows(np.asarray(sum_to(first, first_shape(x))), x, mask, flat)
            out = np.zeros(rows.shape, dtype)
            for r in range(rows.shape[0]):
                if jvp:
                    _jvp_row(firsts[r], rows[r], out[r], -1)
                else:
                    _grad_row(firsts[r], rows[r], out[r])
            if flat:
                return out.reshape(out_shape(x))
            return from_groups(out, x, mask)

        return impl


_overload_cotangent(cumprod_grad, _grad_row, "cumprod_grad")
_overload_cotangent(cumprod_jvp, _jvp_row, "cumprod_jvp")


@cached_overload(cumprod_curvature)
def _cumprod_curvature(dy, h, x, axis=None):
    flat = _check(x, axis, "cumprod_curvature")
    dtype = np.result_type(numba_dtype(dy), numba_dtype(h), numba_grad_dtype(x))
    result_shape = _flat_shape if flat else _own_shape

    def impl(dy, h, x, axis=None):
        mask = np.ones(x.ndim, np.bool_) if flat else axis_mask(x.ndim, axis)
        rows = _as_rows(x, x, mask, flat)
        dys = _as_rows(np.asarray(sum_to(dy, result_shape(x))), x, mask, flat)
        hs = _as_rows(np.asarray(sum_to(h, x.shape)), x, mask, flat)
        out = np.zeros(rows.shape, dtype)
        for r in range(rows.shape[0]):
            _curvature_row(dys[r], hs[r], rows[r], out[r])
        if flat:
            return out.reshape(x.shape)
        return from_groups(out, x, mask)

    return impl


@cached_overload(cumprod_second)
def _cumprod_second(h, k, x, axis=None):
    flat = _check(x, axis, "cumprod_second")
    dtype = np.result_type(numba_dtype(h), numba_dtype(k), numba_grad_dtype(x))

    def impl(h, k, x, axis=None):
        mask = np.ones(x.ndim, np.bool_) if flat else axis_mask(x.ndim, axis)
        rows = _as_rows(x, x, mask, flat)
        hs = _as_rows(np.asarray(sum_to(h, x.shape)), x, mask, flat)
        ks = _as_rows(np.asarray(sum_to(k, x.shape)), x, mask, flat)
        out = np.zeros(rows.shape, dtype)
        for r in range(rows.shape[0]):
            _second_row(hs[r], ks[r], rows[r], out[r])
        if flat:
            return out.reshape((x.size,))
        return from_groups(out, x, mask)

    return impl
