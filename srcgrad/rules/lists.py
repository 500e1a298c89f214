"""Adjoint rules of lists that grow in a loop of unknown length
(`srcgrad.runtime.lists`).

A list's cotangent is an array of its stacked shape.  `list_append(acc, v,
k)` passes the cotangent on to the list as it was before and gives `v` row
`k` of it; `stack_list(acc)` (`np.array(acc)`) hands its cotangent to the
list as it is.  `acc[j]` is an ordinary subscript, whose rule adds into row
`j` of a cotangent made by `zeros_like(acc)`.
"""

from __future__ import annotations

from ..runtime import (
    list_append,
    list_index,
    list_length,
    list_zeros,
    merged_shape,
    new_list,
    shape_size,
    stack_list,
    unravel,
)
from .registry import adjoint, nondifferentiable
from .tangents import linear


@adjoint(list_append)
def list_append_adjoint(g, ans, acc, v, k):
    return g, g[k], None
linear(list_append, params=("acc", "v"))  # the list of tangents grows beside the list


@adjoint(stack_list)
def stack_list_adjoint(g, ans, acc):
    return g
linear(stack_list, params=("acc",))


nondifferentiable(new_list, list_length, list_index, list_zeros, shape_size, unravel,
                  merged_shape)
