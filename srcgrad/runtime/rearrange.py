"""Operations that rearrange elements (flips, rolls, diagonals, at-least
ranks), in Python and compiled, and their cotangents.

Replacements, for forms Numba cannot compile as NumPy writes them:
`atleast_1d`, `atleast_2d`, `atleast_3d` (of one operand; Numba's take no
scalar), `flip` (an `axis`: an int or a tuple), `roll` (an int `shift`,
`axis` None or an int; srcgrad refuses the other forms on both targets),
`diagonal` (of a matrix, with its `offset`: Numba has only `np.diag`).

Cotangents: `diag_grad(dy, v, k)` is the cotangent of `v` in
`np.diag(v, k)` (of a vector, a matrix built; of a matrix, a diagonal
taken) and in `np.diagonal(v, k)`: `dy` summed to the result's shape, put
back where it came from.  `np.diag(h, k)` is its transpose.

`hstack_axis(a)` is the axis along which `np.hstack` joins arrays whose
first, made at least 1-D, is `a` (0 for a vector, else 1): the lowering
writes `np.hstack` and `np.vstack` as `atleast_1d`/`atleast_2d` of each
element and `concatenate`, so that generated code never calls the rules'
own terms `hstack_part` and `vstack_part` (Python only).

`rollaxis_destination(a, axis, start)` is where `np.rollaxis(a, axis,
start)` puts `axis`: the lowering writes it as `np.moveaxis(a, axis, that)`.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.extending import register_jitable
from numba.np.unsafe.ndarray import to_fixed_tuple

from ..errors import NoAdjointError
from .axes import axis_mask
from .broadcast import sum_to
from .dtypes import is_none_type, is_scalar_type, numba_dtype
from .guards import NO_ADJOINT
from .joins import _moved_front, concat_part
from .machinecode import cached_jitable, cached_overload

# --- at least n dimensions ---------------------------------------------------------------


def atleast_1d(ary):
    """`np.atleast_1d(ary)` of one operand."""
    return np.atleast_1d(ary)


def atleast_2d(ary):
    """`np.atleast_2d(ary)` of one operand."""
    return np.atleast_2d(ary)


def atleast_3d(ary):
    """`np.atleast_3d(ary)` of one operand."""
    return np.atleast_3d(ary)


def _overload_atleast(fn, numpy_fn, rank: int):
    @cached_overload(fn)
    def _atleast(ary):
        if is_scalar_type(ary):
            shape = (1,) * rank
            return lambda ary: np.full(shape, ary)
        if not isinstance(ary, types.Array):
            raise TypingError(f"{fn.__name__}: unsupported type {ary}")
        return lambda ary: numpy_fn(ary)


_overload_atleast(atleast_1d, np.atleast_1d, 1)
_overload_atleast(atleast_2d, np.atleast_2d, 2)
_overload_atleast(atleast_3d, np.atleast_3d, 3)


def hstack_axis(a):
    """The axis along which `np.hstack` joins, for its first operand `a`
    made at least 1-D."""
    return 0 if np.ndim(a) <= 1 else 1


@cached_overload(hstack_axis)
def _hstack_axis(a):
    axis = 0 if not isinstance(a, types.Array) or a.ndim <= 1 else 1
    return lambda a: axis


def rollaxis_destination(a, axis, start):
    """The position `np.rollaxis(a, axis, start)` moves `axis` to, as NumPy
    reads `axis` and `start` (negative ones from the end; `start` counts the
    positions before the axis is taken out)."""
    n = np.ndim(a)
    if not -n <= axis < n or not -n <= start <= n:
        raise np.exceptions.AxisError(f"rollaxis: axis {axis} or start {start} is out of "
                                      f"bounds for an array of dimension {n}")
    axis, start = axis % n, start + n if start < 0 else start
    return start - 1 if axis < start else start


@cached_overload(rollaxis_destination)
def _rollaxis_destination(a, axis, start):
    n = a.ndim if isinstance(a, types.Array) else 0

    def destination(a, axis, start):
        if not -n <= axis < n or not -n <= start <= n:
            raise ValueError("rollaxis: axis or start is out of bounds")
        axis = axis + n if axis < 0 else axis
        start = start + n if start < 0 else start
        return start - 1 if axis < start else start

    return destination


# --- flip and roll --------------------------------------------------------------------------


def flip(m, axis=None):
    """`np.flip(m, axis)`; replaces it, since Numba has no `axis`."""
    return np.flip(m, axis)


def _reversed_along(ndim: int):
    """A function of (an array of `ndim` axes, an axis) giving the array
    reversed along that axis (a view)."""

    def along(m, ax):
        perm, inverse = _moved_front(ndim, ax)
        front = np.transpose(m, to_fixed_tuple(perm, ndim))[::-1]
        return np.transpose(front, to_fixed_tuple(inverse, ndim))

    return register_jitable(along)


@cached_overload(flip)
def _flip(m, axis=None):
    if not isinstance(m, types.Array):
        raise TypingError(f"flip: m must be an array, not {m}")
    if is_none_type(axis):
        return lambda m, axis=None: np.flip(m)
    ndim = m.ndim
    along = _reversed_along(ndim)

    def impl(m, axis=None):
        mask = axis_mask(ndim, axis)
        out = m
        for d in range(ndim):
            if mask[d]:
                out = along(out, d)
        return out

    return impl


_ROLL = ("np.roll with a tuple shift or axis: srcgrad differentiates an int shift, along "
         "axis None or one axis")


def roll(a, shift, axis=None):
    """`np.roll(a, shift, axis)` with an int `shift` and `axis` None or an
    int; replaces it, since Numba has no `axis`."""
    if not isinstance(shift, (int, np.integer)) or not (
            axis is None or isinstance(axis, (int, np.integer))):
        raise NoAdjointError(NO_ADJOINT + _ROLL)
    return np.roll(a, shift, axis)


@cached_jitable
def _rolled_front(front, shift):
    """`front` rolled by `shift` along its first axis, as a new array."""
    out = np.empty_like(front)
    n = front.shape[0]
    if n:
        s = shift % n
        out[s:] = front[:n - s]
        out[:s] = front[n - s:]
    return out


@cached_overload(roll)
def _roll(a, shift, axis=None):
    if not isinstance(a, types.Array):
        raise TypingError(f"roll: a must be an array, not {a}")
    if not isinstance(shift, types.Integer) or not (
            is_none_type(axis) or isinstance(axis, types.Integer)):
        raise TypingError(NO_ADJOINT + _ROLL)
    if is_none_type(axis):
        return lambda a, shift, axis=None: np.roll(a, shift)
    ndim = a.ndim

    def impl(a, shift, axis=None):
        mask = axis_mask(ndim, axis)
        ax = np.argmax(mask)
        perm, inverse = _moved_front(ndim, ax)
        out = _rolled_front(np.transpose(a, to_fixed_tuple(perm, ndim)), shift)
        return np.transpose(out, to_fixed_tuple(inverse, ndim))

    return impl


# --- diagonals ------------------------------------------------------------------------------


def diagonal(a, offset=0):
    """`np.diagonal(a, offset)` of a matrix; replaces it, since Numba has
    only `np.diag`."""
    if np.ndim(a) != 2:
        raise NoAdjointError(NO_ADJOINT + f"np.diagonal of a {np.ndim(a)}-D array: srcgrad "
                             "differentiates it of a matrix (2-D)")
    return np.diagonal(a, offset)


@cached_overload(diagonal)
def _diagonal(a, offset=0):
    if not isinstance(a, types.Array) or a.ndim != 2:
        raise TypingError(NO_ADJOINT + "np.diagonal of an operand that is not a matrix")
    return lambda a, offset=0: np.diag(a, offset)


def _diagonal_length(rows: int, cols: int, k: int) -> int:
    return max(0, min(rows + min(k, 0), cols - max(k, 0)))


def diag_grad(dy, v, k=0):
    """The cotangent of `v` in `np.diag(v, k)`, and of a matrix `v` in
    `np.diagonal(v, k)`: `dy` summed to the result's shape, then its
    diagonal `k` (`v` a vector) or zeros shaped like `v` with `dy` on
    diagonal `k` (`v` a matrix).  A new array."""
    shape = np.shape(v)
    if len(shape) == 1:
        n = shape[0] + abs(k)
        return np.diag(np.asarray(sum_to(dy, (n, n))), k).copy()
    if len(shape) != 2:
        raise ValueError("diag: the operand must be 1-D or 2-D")
    length = _diagonal_length(shape[0], shape[1], k)
    out = np.zeros(shape, np.result_type(dy))
    i = np.arange(length)
    out[i - min(k, 0), i + max(k, 0)] = sum_to(dy, (length,))
    return out


@cached_overload(diag_grad)
def _diag_grad(dy, v, k=0):
    ndim = v.ndim if isinstance(v, types.Array) else 0
    dtype = numba_dtype(dy)
    if ndim == 1:

        def of_vector(dy, v, k=0):
            n = v.shape[0] + abs(k)
            return np.diag(np.asarray(sum_to(dy, (n, n))), k)

        return of_vector
    if ndim != 2:
        raise TypingError("diag: the operand must be 1-D or 2-D")

    def of_matrix(dy, v, k=0):
        rows, cols = v.shape
        length = max(0, min(rows + min(k, 0), cols - max(k, 0)))
        part = np.asarray(sum_to(dy, (length,)))
        out = np.zeros((rows, cols), dtype)
        for i in range(length):
            out[i - min(k, 0), i + max(k, 0)] = part[i]
        return out

    return of_matrix


# --- hstack and vstack, in Python --------------------------------------------------------------
# (the rules' own terms: generated code never calls these, since the lowering
# writes np.hstack and np.vstack as atleast_1d/atleast_2d and concatenate)


def _element(part, x):
    return part.reshape(np.shape(x)) if isinstance(x, np.ndarray) else part.reshape(())[()]


def hstack_part(dy, tup, index):
    """The cotangent of `tup[index]` in `np.hstack(tup)` (Python only)."""
    parts = [np.atleast_1d(x) for x in tup]
    return _element(concat_part(dy, parts, hstack_axis(parts[0]), index), tup[index])


def vstack_part(dy, tup, index):
    """The cotangent of `tup[index]` in `np.vstack(tup)` (Python only)."""
    parts = [np.atleast_2d(x) for x in tup]
    return _element(concat_part(dy, parts, 0, index), tup[index])


def _python_only(fn):
    @cached_overload(fn)
    def _refused(dy, tup, index):
        raise TypingError(f"{fn.__name__} runs in Python only: the lowering writes "
                          "np.hstack and np.vstack as atleast_1d/atleast_2d and concatenate")


_python_only(hstack_part)
_python_only(vstack_part)
