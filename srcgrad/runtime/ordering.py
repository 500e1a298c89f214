"""Where each element of a sorted (or partitioned) array comes from.

`np.sort(a, axis)` and `np.partition(a, kth, axis)` are written by the
lowering as `gather(a, sort_index(a, axis))` (`srcgrad.runtime.tiling`):
the value of each element moves with it, so the cotangent of `a` is the
result's cotangent put back through the same permutation (`gather_grad`).
Tied values take the places a stable sort gives them; either choice gives
the same sum for the tied elements, which is what a gradient can see.
Compiled, the helpers run their Python selves in object mode, as the
tiling helpers do, so both targets order elements exactly as NumPy does.
"""

from __future__ import annotations

import numpy as np
from numba import objmode

from .dtypes import is_none_type
from .machinecode import cached_overload
from .tiling import _index, _index_type, _ndim, positions


def sort_index(a, axis=-1):
    """Where each element of `np.sort(a, axis)` comes from."""
    order = np.argsort(a, axis=axis, kind="stable")
    if axis is None:
        return _index(np.ravel(positions(a))[order])
    return _index(np.take_along_axis(positions(a), order, axis))


def partition_index(a, kth, axis=-1):
    """Where each element of `np.partition(a, kth, axis)` comes from."""
    order = np.argpartition(a, kth, axis=axis)
    if axis is None:
        return _index(np.ravel(positions(a))[order])
    return _index(np.take_along_axis(positions(a), order, axis))


@cached_overload(sort_index)
def _sort_index(a, axis=-1):
    out = _index_type(1 if is_none_type(axis) else _ndim(a))

    def impl(a, axis=-1):
        with objmode(index=out):
            index = sort_index(a, axis)
        return index

    return impl


@cached_overload(partition_index)
def _partition_index(a, kth, axis=-1):
    out = _index_type(1 if is_none_type(axis) else _ndim(a))

    def impl(a, kth, axis=-1):
        with objmode(index=out):
            index = partition_index(a, kth, axis)
        return index

    return impl
