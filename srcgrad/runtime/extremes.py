"""Running maxima and minima (`np.maximum.accumulate`, `np.minimum.accumulate`)
and their cotangents, in Python and compiled.

Along each row `x` of the array (the elements along `axis`), `y_0 = x_0` and
`y_i = maximum(y_{i-1}, x_i)` (`minimum` where `smallest`): NumPy's
`ufunc.accumulate`, a NaN carried on from where it appears.  The front end
writes `np.maximum.accumulate(a, axis)` as `accumulate_extreme(a, axis,
False)` (Numba has no `ufunc.accumulate`):

- `accumulate_extreme(a, axis, smallest)`: the running maxima (minima);
- `accumulate_extreme_grad(dy, x, axis, smallest)`: the cotangent of `x`,
  the chain rule of `y_i = maximum(y_{i-1}, x_i)` from the end, each step
  splitting its cotangent as `np.maximum`'s rule does (all to the larger,
  half each at a tie, nothing through a NaN);
- `accumulate_extreme_jvp(h, x, axis, smallest)`: its transpose, the change
  of `y` as `x` moves by `h` (`t_i = s_i h_i + (1 - s_i) t_{i-1}`, `s_i`
  the share of `x_i` in step i, 0 through a NaN).

Both are linear in their first argument and piecewise constant in `x`, so
the three are closed under differentiation (any order).  `dy` may be
broadcast larger than the result: it is summed to the result's shape first.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError

from ..errors import NoAdjointError
from .axes import axis_mask
from .broadcast import sum_to
from .dtypes import grad_dtype, numba_dtype, numba_grad_dtype
from .groups import as_groups, from_groups, groups_of
from .guards import NO_ADJOINT
from .machinecode import cached_jitable, cached_overload

__all__ = ["accumulate_extreme", "accumulate_extreme_grad", "accumulate_extreme_jvp"]


# --- row kernels, shared by Python and compiled code ---------------------------------------


@cached_jitable
def _share(x, y, smallest):
    """The share of `x` in `maximum(y, x)` (`minimum` where `smallest`): 1
    where it is taken, 1/2 at a tie, 0 where `y` is taken or either is NaN."""
    if x == y:
        return 0.5
    if (x < y) if smallest else (x > y):
        return 1.0
    return 0.0


@cached_jitable
def _replaces(v, m, smallest):
    """Whether step `v` replaces the running extreme `m` (a NaN is carried on)."""
    return ((v < m) if smallest else (v > m)) or v != v


@cached_jitable
def _extreme_row(x, out, smallest):
    m = x[0]
    out[0] = m
    for i in range(1, x.size):
        v = x[i]
        if _replaces(v, m, smallest):
            m = v
        out[i] = m


@cached_jitable
def _grad_row(dy, x, out, smallest):
    """`out` = the cotangent of the row `x` (`out` holds the running
    extremes first, each read before its place is overwritten)."""
    _extreme_row(x, out, smallest)
    carried = 0.0  # the cotangent of y_i from the steps after i
    for i in range(x.size - 1, 0, -1):
        g = dy[i] + carried
        before = out[i - 1]
        taken = _share(x[i], before, smallest)
        kept = _share(before, x[i], smallest)
        out[i] = g * taken
        carried = g * kept
    out[0] = dy[0] + carried


@cached_jitable
def _jvp_row(h, x, out, smallest):
    m = x[0]
    t = h[0] + 0.0
    out[0] = t
    for i in range(1, x.size):
        v = x[i]
        t = _share(v, m, smallest) * h[i] + _share(m, v, smallest) * t
        if _replaces(v, m, smallest):
            m = v
        out[i] = t


# --- Python ------------------------------------------------------------------------------------


def _refuse_scalar(x, name):
    if np.ndim(x) == 0:
        raise NoAdjointError(NO_ADJOINT + f"{name} of a scalar: NumPy accumulates along an "
                             "axis of an array")


def accumulate_extreme(a, axis=0, smallest=False):
    """`np.minimum.accumulate(a, axis)` where `smallest`, else `np.maximum.accumulate`."""
    _refuse_scalar(a, "ufunc.accumulate")
    return (np.minimum if smallest else np.maximum).accumulate(a, axis)


def _rows_apply(kernel, first, x, axis, smallest):
    rows, back = groups_of(np.asarray(x), axis)
    firsts, _ = groups_of(np.asarray(sum_to(first, np.shape(x)), dtype=grad_dtype(first)), axis)
    out = np.zeros(rows.shape, grad_dtype(first, x))
    for r in range(rows.shape[0]):
        if rows.shape[1]:
            kernel(firsts[r], rows[r], out[r], smallest)
    return back(out)


def accumulate_extreme_grad(dy, x, axis=0, smallest=False):
    """The cotangent of `x` in `accumulate_extreme(x, axis, smallest)`, shaped like `x`."""
    _refuse_scalar(x, "ufunc.accumulate")
    return _rows_apply(_grad_row, dy, x, axis, smallest)


def accumulate_extreme_jvp(h, x, axis=0, smallest=False):
    """The change of `accumulate_extreme(x, axis, smallest)` as `x` moves by `h`."""
    _refuse_scalar(x, "ufunc.accumulate")
    return _rows_apply(_jvp_row, np.broadcast_to(h, np.shape(x)), x, axis, smallest)


# --- compiled ------------------------------------------------------------------------------------


def _check(x, axis, name):
    if not isinstance(x, types.Array):
        raise TypingError(NO_ADJOINT + f"{name} of a scalar")
    if not isinstance(axis, (types.Integer, types.Omitted, int)):  # (omitted: 0)
        raise TypingError(f"{name}: axis must be an int, not {axis}")


@cached_overload(accumulate_extreme)
def _accumulate_extreme(a, axis=0, smallest=False):
    _check(a, axis, "ufunc.accumulate")
    dtype = numba_dtype(a)

    def impl(a, axis=0, smallest=False):
        mask = axis_mask(a.ndim, axis)
        rows = as_groups(np.ascontiguousarray(a), mask)
        out = np.empty(rows.shape, dtype)
        if rows.shape[1]:
            for r in range(rows.shape[0]):
                _extreme_row(rows[r], out[r], smallest)
        return from_groups(out, a, mask)

    return impl


def _overload_row_map(fn, kernel, name):
    """Numba's `accumulate_extreme_grad` (`kernel` `_grad_row`) or
    `accumulate_extreme_jvp` (`_jvp_row`)."""

    @cached_overload(fn)
    def _row_map(first, x, axis=0, smallest=False):
        _check(x, axis, name)
        dtype = np.result_type(numba_dtype(first), numba_grad_dtype(x))

        def impl(first, x, axis=0, smallest=False):
            mask = axis_mask(x.ndim, axis)
            rows = as_groups(np.ascontiguousarray(x), mask)
            firsts = as_groups(np.ascontiguousarray(sum_to(first, x.shape)), mask)
            out = np.zeros(rows.shape, dtype)
            if rows.shape[1]:
                for r in range(rows.shape[0]):
                    kernel(firsts[r], rows[r], out[r], smallest)
            return from_groups(out, x, mask)

        return impl


_overload_row_map(accumulate_extreme_grad, _grad_row, "accumulate_extreme_grad")
_overload_row_map(accumulate_extreme_jvp, _jvp_row, "accumulate_extreme_jvp")
