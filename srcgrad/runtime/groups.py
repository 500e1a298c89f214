"""The layout that the reductions over an `axis` share.

A reduction over `axis` sees its input as a matrix of groups (`as_groups`):
one row per element of the result, the reduced elements along it; its
cotangent goes back to the input's layout by `from_groups` (Python:
`groups_of`).  `reduction_shapes` gives the reduced axes, the kept shape
(`keepdims=True`) and the result's shape.
"""

from __future__ import annotations

import numpy as np

from .axes import normalize_axis_tuple
from .broadcast import flat_offset, next_index
from .machinecode import cached_jitable, compiled_once

# --- shapes of a reduction -------------------------------------------------------------


def reduction_shapes(x, axis, keepdims):
    """(reduced axes, x's shape with 1 at them, the result's shape)."""
    shape = np.shape(x)
    axes = tuple(range(len(shape))) if axis is None else normalize_axis_tuple(axis, len(shape))
    kept = tuple(1 if d in axes else n for d, n in enumerate(shape))
    result = kept if keepdims else tuple(n for d, n in enumerate(shape) if d not in axes)
    return axes, kept, result


@cached_jitable
def kept_shape(shape, mask, keepdims):
    """The result's shape as an array: `shape` without the masked axes, or
    with 1 at them if `keepdims`."""
    out = np.empty(len(shape), np.int64)
    n = 0
    for d in range(len(shape)):
        if not mask[d]:
            out[n] = shape[d]
            n += 1
        elif keepdims:
            out[n] = 1
            n += 1
    return out[:n]


@cached_jitable
def _group_steps(shape, mask):
    """(for each axis of `shape`, how far one step along it moves an element
    in the matrix of groups; the number of groups; the size of a group).
    Row k of that matrix holds the elements that reduce into the k-th
    element of the result, in C order."""
    nd = len(shape)
    steps = np.zeros(nd, np.int64)
    outer = 1
    inner = 1
    for d in range(nd - 1, -1, -1):
        if mask[d]:
            steps[d] = inner
            inner *= shape[d]
        else:
            steps[d] = outer
            outer *= shape[d]
    for d in range(nd):
        if not mask[d]:
            steps[d] *= inner
    return steps, outer, inner


@cached_jitable
def _walk(flat, out, shape, steps, gather):
    """Visit the elements of a C-ordered array of `shape` (`flat` if
    `gather`, else `out`) in order, the k-th at offset p (the sum of its
    index times `steps`) of the other one: `out[p] = flat[k]` if `gather`,
    else `out[k] = flat[p]`.  Like `reduce_into`, the last axis is one
    loop and the others advance like an odometer (`next_index`); no
    transposed view and no slice assignment, whose Numba implementations take
    seconds to compile."""
    nd = len(shape)
    if flat.size == 0:
        return
    if nd == 0:
        out[0] = flat[0]
        return
    inner = shape[nd - 1]
    step = steps[nd - 1]
    index = np.zeros(nd, np.int64)
    k = 0
    for _ in range(flat.size // inner):
        base = flat_offset(index, steps)
        if gather:
            for c in range(inner):
                out[base + c * step] = flat[k + c]
        else:
            for c in range(inner):
                out[k + c] = flat[base + c * step]
        k += inner
        next_index(index, shape)


@cached_jitable
def _in_place(steps, shape):
    """Whether the matrix of groups is `x`'s C order itself (only trailing
    axes reduced)."""
    stride = 1
    for d in range(len(shape) - 1, -1, -1):
        if shape[d] != 1 and steps[d] != stride:
            return False
        stride *= shape[d]
    return True


@compiled_once
def as_groups(x, mask):
    """`x` as a C-contiguous matrix whose row k holds the elements that
    reduce into the k-th element of the result (a view of `x` where it
    already is that matrix)."""
    steps, outer, inner = _group_steps(x.shape, mask)
    flat = np.ascontiguousarray(x).reshape(x.size)
    if _in_place(steps, x.shape):
        return flat.reshape((outer, inner))
    out = np.empty_like(flat)
    _walk(flat, out, x.shape, steps, True)
    return out.reshape((outer, inner))


@compiled_once
def from_groups(m, x, mask):
    """The inverse of `as_groups`: the matrix `m` back in `x`'s layout."""
    steps, _, _ = _group_steps(x.shape, mask)
    flat = np.ascontiguousarray(m).reshape(m.size)
    if _in_place(steps, x.shape):
        return flat.reshape(x.shape)
    out = np.empty_like(flat)
    _walk(flat, out, x.shape, steps, False)
    return out.reshape(x.shape)


# --- prod ----------------------------------------------------------------------------------


def groups_of(x, axis):
    """Python twin of `as_groups`: (matrix of groups, a function mapping
    such a matrix back to `x`'s layout)."""
    axes, _, _ = reduction_shapes(x, axis, False)
    perm = [d for d in range(x.ndim) if d not in axes] + list(axes)
    moved = np.transpose(x, perm)
    inner = int(np.prod([x.shape[d] for d in axes]))
    rows = moved.reshape(-1, inner) if moved.size else moved.reshape(0, inner)

    def back(m):
        return np.ascontiguousarray(np.transpose(m.reshape(moved.shape), np.argsort(perm)))

    return rows, back
