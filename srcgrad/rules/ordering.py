"""Orderings and choices written as other operations: `np.sort` (`axis`
None or an int; any `kind`, which changes no value), `np.partition`
(`kth` an int or a sequence, `axis`) and `np.select(condlist, choicelist,
default)` (lists written in the call).  `np.piecewise`, whose arguments
include functions, is lowered by the front end (`frontend/piecewise.py`)
the way `np.select` is here.

`np.sort(a, axis)` is `gather(a, sort_index(a, axis))`: each value moves
with its element, so its cotangent goes back through the same permutation
(`srcgrad.runtime.ordering`).  `np.select` is a chain of `np.where`, the
first condition written outermost so that it wins, as in NumPy.  Every
choice is computed on all elements: one whose derivative is nan or inf
where it is not chosen poisons the gradient (0 * inf is nan).

Refused: a sort by `order` (fields of a structured array), lists of
conditions or choices not written in the call, lists of different lengths.
"""

from __future__ import annotations

import ast

import numpy as np

from ..runtime import gather, gather_grad, partition_index, sort_index
from .registry import Refused, adjoint, expand, nondifferentiable
from .tangents import tangent
from .tiling import signature_of

nondifferentiable(sort_index, partition_index)


def _expand_sort(arguments: dict, lowering):
    a = arguments["a"]
    index = lowering.emit_call(sort_index, [a, arguments["axis"]], [])
    return lowering.emit_call(gather, [a, index], [])


def _expand_partition(arguments: dict, lowering):
    a = arguments["a"]
    index = lowering.emit_call(partition_index, [a, arguments["kth"], arguments["axis"]], [])
    return lowering.emit_call(gather, [a, index], [])


@adjoint(np.sort)
def sort_adjoint(g, ans, a, axis=-1, kind=None):
    return gather_grad(g, a, sort_index(a, axis)), None, None


@tangent(np.sort)
def sort_tangent(ans, a, axis, kind, da):
    return gather(da, sort_index(a, axis))


@adjoint(np.partition)
def partition_adjoint(g, ans, a, kth, axis=-1, kind="introselect"):
    return gather_grad(g, a, partition_index(a, kth, axis)), None, None, None


@tangent(np.partition)
def partition_tangent(ans, a, kth, axis, kind, da):
    return gather(da, partition_index(a, kth, axis))


expand(np.sort, _expand_sort)
expand(np.partition, _expand_partition)


def _written_list(value: ast.expr, name: str) -> list[ast.expr]:
    if not isinstance(value, ast.Tuple):
        raise Refused(f"srcgrad differentiates it with {name} written in the call as a list")
    return list(value.elts)


def _expand_select(arguments: dict, lowering):
    conditions = _written_list(arguments["condlist"], "condlist")
    choices = _written_list(arguments["choicelist"], "choicelist")
    if len(conditions) != len(choices):
        raise Refused("condlist and choicelist differ in length")
    result = arguments["default"]
    for condition, choice in reversed(list(zip(conditions, choices))):
        result = lowering.emit_call(np.where, [condition, choice, result], [])
    return result


expand(np.select, _expand_select, signature_of("condlist, choicelist, default=0"))
