"""Differences, pair means and finite-difference gradients along an axis, in
Python and compiled, with their transposes (their cotangents).

Each is linear, so each one's cotangent is its transpose applied to the
result's cotangent (summed to the result's shape first), and the
transpose's cotangent is the operation itself:

- `diff(a, n, axis)`: replaces `np.diff` (Numba's takes no `axis`);
  `diff_grad(dy, a, n, axis)` is its transpose;
- `pair_mean(a, axis)`: `(a[1:] + a[:-1]) / 2` along `axis` (the
  trapezoid rule's heights); `pair_mean_grad` its transpose;
- `gradient_along(f, axis)`: `np.gradient(f, axis=axis)` with unit
  spacing and `edge_order=1` (central differences inside, one-sided ones at
  the two ends); `axis` None only of a 1-D `f`; `gradient_along_grad` its
  transpose;
- `uniform_spacing(h)`: `h` itself, refusing anything but a scalar (an
  array of coordinates would ask for unequal spacing).

Rows along `axis` are laid out as in the reductions (`groups.as_groups`);
the two-coefficient stencil `c0 a[i] + c1 a[i + 1]` gives both `diff`
(-1, 1) and `pair_mean` (1/2, 1/2).
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.np.unsafe.ndarray import to_fixed_tuple

from ..errors import NoAdjointError
from .axes import axis_mask, normalize_axis_tuple
from .broadcast import sum_to
from .dtypes import is_none_type, is_scalar_type, numba_dtype, numba_grad_dtype
from .groups import as_groups, from_groups
from .guards import NO_ADJOINT
from .machinecode import cached_jitable, cached_overload

# --- row kernels, shared by Python and compiled code ---------------------------------------


@cached_jitable
def _stencil_rows(rows, c0, c1, out):
    for r in range(out.shape[0]):
        for i in range(out.shape[1]):
            out[r, i] = c0 * rows[r, i] + c1 * rows[r, i + 1]


@cached_jitable
def _stencil_rows_t(dy, c0, c1, out):
    """`_stencil_rows`' transpose, accumulated into zeros `out`."""
    for r in range(dy.shape[0]):
        for i in range(dy.shape[1]):
            out[r, i] += c0 * dy[r, i]
            out[r, i + 1] += c1 * dy[r, i]


@cached_jitable
def _gradient_rows(rows, out, transpose):
    """`np.gradient` along each row (`transpose`: its transpose, accumulated)."""
    m = rows.shape[1]
    if m < 2:
        raise ValueError("np.gradient needs at least 2 elements along the axis")
    for r in range(rows.shape[0]):
        for i in range(m):
            lo, hi, scale = max(i - 1, 0), min(i + 1, m - 1), 1.0
            if 0 < i < m - 1:
                scale = 0.5
            if transpose:
                out[r, hi] += scale * rows[r, i]
                out[r, lo] -= scale * rows[r, i]
            else:
                out[r, i] = scale * (rows[r, hi] - rows[r, lo])


# --- Python --------------------------------------------------------------------------------------


def _along(a, axis):
    """(a's rows along `axis`, a function laying such rows, of any length, back out)."""
    a = np.asarray(a)
    if a.ndim == 0:
        raise NoAdjointError(NO_ADJOINT + "a difference of a scalar: srcgrad differentiates "
                             "it of an array")
    (ax,) = normalize_axis_tuple(axis, a.ndim)
    moved = np.moveaxis(a, ax, -1)
    rows = np.ascontiguousarray(moved).reshape(-1, moved.shape[-1])

    def back(m):
        return np.moveaxis(m.reshape(moved.shape[:-1] + (m.shape[1],)), -1, ax)

    return rows, back


def _float_type(*values):
    dtype = np.result_type(*values)
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def _stencil(a, c0, c1, axis, times):
    rows, back = _along(a, axis)
    for _ in range(times):
        out = np.zeros((rows.shape[0], max(rows.shape[1] - 1, 0)), _float_type(rows))
        _stencil_rows(rows, c0, c1, out)
        rows = out
    return back(rows)


def _stencil_t(dy, a, c0, c1, axis, times):
    rows, back = _along(a, axis)
    length = rows.shape[1]
    shape = list(np.shape(a))
    shape[normalize_axis_tuple(axis, len(shape))[0]] = length - times
    grads, _ = _along(sum_to(dy, tuple(shape)), axis)
    for k in range(times, 0, -1):
        out = np.zeros((rows.shape[0], length - k + 1), _float_type(grads, rows))
        _stencil_rows_t(grads, c0, c1, out)
        grads = out
    return back(grads)


def diff(a, n=1, axis=-1):
    """`np.diff(a, n, axis)`; replaces it, since Numba's takes no axis."""
    return np.diff(a, n, axis)


def diff_grad(dy, a, n=1, axis=-1):
    """The cotangent of `a` in `np.diff(a, n, axis)`, shaped like `a`."""
    return _stencil_t(dy, a, -1.0, 1.0, axis, n)


def pair_mean(a, axis=-1):
    """`(a[1:] + a[:-1]) / 2` along `axis`."""
    return _stencil(a, 0.5, 0.5, axis, 1)


def pair_mean_grad(dy, a, axis=-1):
    """The cotangent of `a` in `pair_mean(a, axis)`."""
    return _stencil_t(dy, a, 0.5, 0.5, axis, 1)


def _gradient_axis(f, axis):
    if axis is None:
        if np.ndim(f) != 1:
            raise NoAdjointError(NO_ADJOINT + "np.gradient of a many-dimensional array without "
                                 "axis (a list of arrays): srcgrad differentiates it of a 1-D "
                                 "array or along one int axis")
        return 0
    return axis


def gradient_along(f, axis=None):
    """`np.gradient(f, axis=axis)`: unit spacing, edge_order 1, one axis."""
    rows, back = _along(f, _gradient_axis(f, axis))
    out = np.zeros(rows.shape, _float_type(rows))
    _gradient_rows(rows, out, False)
    return back(out)


def gradient_along_grad(dy, f, axis=None):
    """The cotangent of `f` in `gradient_along(f, axis)`."""
    axis = _gradient_axis(f, axis)
    rows, back = _along(sum_to(dy, np.shape(f)), axis)
    out = np.zeros(rows.shape, _float_type(rows, f))
    _gradient_rows(rows, out, True)
    return back(out)


_SPACING = (NO_ADJOINT + "np.gradient with coordinate arrays or several spacings: srcgrad "
            "differentiates it with one scalar spacing")


def uniform_spacing(h):
    """`h`, a scalar spacing of `np.gradient`."""
    if np.ndim(h) != 0:
        raise NoAdjointError(_SPACING)
    return h


@cached_overload(uniform_spacing)
def _uniform_spacing(h):
    if not is_scalar_type(h):
        raise TypingError(_SPACING)
    return lambda h: h


# --- compiled ------------------------------------------------------------------------------------


@cached_jitable
def _shape_with(shape, mask, length):
    """`shape` with `length` along the masked axis."""
    out = np.empty(len(shape), np.int64)
    for d in range(len(shape)):
        out[d] = length if mask[d] else shape[d]
    return out


def _check(a, axis, name):
    if not isinstance(a, types.Array):
        raise TypingError(NO_ADJOINT + f"{name} of a scalar: srcgrad differentiates it of an array")
    default = axis.value if isinstance(axis, types.Omitted) else axis
    if not isinstance(default, (int, types.Integer)):
        raise TypingError(f"{name}: axis must be an int, not {axis}")


@cached_jitable
def _axis_length(shape, mask):
    for d in range(len(shape)):
        if mask[d]:
            return shape[d]
    return 1


@cached_overload(diff)
def _diff(a, n=1, axis=-1):
    _check(a, axis, "np.diff")
    ndim, dtype = a.ndim, numba_dtype(a)
    low, high = dtype.type(-1), dtype.type(1)

    def impl(a, n=1, axis=-1):
        mask = axis_mask(ndim, axis)
        rows = as_groups(a, mask).astype(dtype)
        for _ in range(n):
            out = np.zeros((rows.shape[0], max(rows.shape[1] - 1, 0)), dtype)
            _stencil_rows(rows, low, high, out)
            rows = out
        shape = to_fixed_tuple(_shape_with(a.shape, mask, rows.shape[1]), ndim)
        return from_groups(rows, np.empty(shape, np.bool_), mask)

    return impl


@cached_overload(pair_mean)
def _pair_mean(a, axis=-1):
    _check(a, axis, "pair_mean")
    ndim, dtype = a.ndim, numba_grad_dtype(a)
    half = dtype.type(0.5)

    def impl(a, axis=-1):
        mask = axis_mask(ndim, axis)
        rows = as_groups(a, mask).astype(dtype)
        out = np.zeros((rows.shape[0], max(rows.shape[1] - 1, 0)), dtype)
        _stencil_rows(rows, half, half, out)
        shape = to_fixed_tuple(_shape_with(a.shape, mask, out.shape[1]), ndim)
        return from_groups(out, np.empty(shape, np.bool_), mask)

    return impl


@cached_overload(diff_grad)
def _diff_grad(dy, a, n=1, axis=-1):
    _check(a, axis, "np.diff")
    ndim = a.ndim
    dtype = np.result_type(numba_dtype(dy), numba_grad_dtype(a))

    def impl(dy, a, n=1, axis=-1):
        mask = axis_mask(ndim, axis)
        length = _axis_length(a.shape, mask)
        shape = to_fixed_tuple(_shape_with(a.shape, mask, length - n), ndim)
        grads = as_groups(np.asarray(sum_to(dy, shape)), mask).astype(dtype)
        for k in range(n, 0, -1):
            out = np.zeros((grads.shape[0], length - k + 1), dtype)
            _stencil_rows_t(grads, -1.0, 1.0, out)
            grads = out
        return from_groups(grads, a, mask)

    return impl


@cached_overload(pair_mean_grad)
def _pair_mean_grad(dy, a, axis=-1):
    _check(a, axis, "pair_mean_grad")
    ndim = a.ndim
    dtype = np.result_type(numba_dtype(dy), numba_grad_dtype(a))

    def impl(dy, a, axis=-1):
        mask = axis_mask(ndim, axis)
        length = _axis_length(a.shape, mask)
        shape = to_fixed_tuple(_shape_with(a.shape, mask, length - 1), ndim)
        grads = as_groups(np.asarray(sum_to(dy, shape)), mask).astype(dtype)
        out = np.zeros((grads.shape[0], length), dtype)
        _stencil_rows_t(grads, 0.5, 0.5, out)
        return from_groups(out, a, mask)

    return impl


def _gradient_check(f, axis, name):
    if not isinstance(f, types.Array):
        raise TypingError(NO_ADJOINT + f"{name} of a scalar")
    if is_none_type(axis):
        if f.ndim != 1:
            raise TypingError(NO_ADJOINT + "np.gradient of a many-dimensional array without "
                              "axis (a list of arrays)")
    elif not isinstance(axis, types.Integer):
        raise TypingError(f"{name}: axis must be None or an int, not {axis}")


@cached_overload(gradient_along)
def _gradient_along(f, axis=None):
    _gradient_check(f, axis, "np.gradient")
    ndim, dtype = f.ndim, numba_grad_dtype(f)

    def impl(f, axis=None):
        mask = axis_mask(ndim, axis)
        rows = as_groups(f, mask).astype(dtype)
        out = np.zeros(rows.shape, dtype)
        _gradient_rows(rows, out, False)
        return from_groups(out, f, mask)

    return impl


@cached_overload(gradient_along_grad)
def _gradient_along_grad(dy, f, axis=None):
    _gradient_check(f, axis, "np.gradient")
    ndim = f.ndim
    dtype = np.result_type(numba_dtype(dy), numba_grad_dtype(f))

    def impl(dy, f, axis=None):
        mask = axis_mask(ndim, axis)
        rows = as_groups(np.asarray(sum_to(dy, f.shape)), mask).astype(dtype)
        out = np.zeros(rows.shape, dtype)
        _gradient_rows(rows, out, True)
        return from_groups(out, f, mask)

    return impl
