"""Joins and splits written as other operations: `np.split` and
`np.array_split` (`indices_or_sections` an int or a list of indices
written in the call, `axis`), `np.hsplit`, `np.vsplit` and `np.dsplit`
(the same, along the axis each chooses), `np.dstack`, `np.column_stack` (of a tuple
or list written in the call) and `np.append` (`axis` None or an int).

The pieces of a split are known in number when the function is read: the
lowering writes the call as a tuple of them, each `gather_view(ary,
split_index(ary, sections, axis, piece, how))` (`how`: the split's name) (`srcgrad.runtime.tiling`,
a view of `ary` as NumPy's pieces are), which `a, b = np.split(x, 2)`
unpacks, `np.split(x, 2)[1]` indexes and `for piece in np.split(x, 4)`
iterates.  `np.dstack` is `concatenate` of `atleast_3d` operands along
axis 2, `np.column_stack` of operands reshaped to columns
(`column_shape`) along axis 1, `np.append` of the two operands (raveled
first when `axis` is None): their gradients go through those rules.

Refused: a number of sections or a list of indices computed at run time
(the number of pieces would be unknown), joins of a sequence not written
in the call.
"""

from __future__ import annotations

import ast

import numpy as np

from ..ir.markers import TUPLE
from ..runtime import column_shape, gather_view, split_index
from .registry import Refused, expand, nondifferentiable
from .tiling import signature_of

nondifferentiable(split_index, column_shape)


def _piece_count(sections: ast.expr) -> int:
    if isinstance(sections, ast.Constant) and isinstance(sections.value, int) \
            and not isinstance(sections.value, bool) and sections.value > 0:
        return sections.value
    if isinstance(sections, ast.Tuple) and all(isinstance(e, ast.Constant) for e in sections.elts):
        return len(sections.elts) + 1
    raise Refused("srcgrad differentiates a split into a number of sections or at a list of "
                  "indices written in the call, so that the number of pieces is known")


def _expand_split(how: str):
    def expand_split(arguments: dict, lowering):
        ary, sections = arguments["ary"], arguments["indices_or_sections"]
        axis = arguments.get("axis", ast.Constant(0))
        pieces = []
        for k in range(_piece_count(sections)):
            index = lowering.emit_call(split_index, [ary, sections, axis, ast.Constant(k),
                                                     ast.Constant(how)], [])
            pieces.append(lowering.emit_call(gather_view, [ary, index], []))
        return lowering.temp(ast.Tuple(pieces, ast.Load()), TUPLE)

    return expand_split


_SPLIT = signature_of("ary, indices_or_sections, axis=0")
expand(np.split, _expand_split("split"), _SPLIT)
expand(np.array_split, _expand_split("array_split"), _SPLIT)
for _split in (np.hsplit, np.vsplit, np.dsplit):
    expand(_split, _expand_split(_split.__name__), signature_of("ary, indices_or_sections"))


def _operands(arguments: dict) -> list[ast.expr]:
    tup = arguments["tup"]
    if not isinstance(tup, ast.Tuple) or not tup.elts:
        raise Refused("srcgrad differentiates it of a tuple or list of arrays written in the call")
    return list(tup.elts)


def _join(lowering, parts: list[ast.expr], axis: int | ast.expr) -> ast.Name:
    axis = ast.Constant(axis) if isinstance(axis, int) else axis
    return lowering.emit_call(np.concatenate, [ast.Tuple(parts, ast.Load()), axis], [])


def _expand_dstack(arguments: dict, lowering):
    parts = [lowering.emit_call(np.atleast_3d, [x], []) for x in _operands(arguments)]
    return _join(lowering, parts, 2)


def _expand_column_stack(arguments: dict, lowering):
    parts = []
    for x in _operands(arguments):
        shape = lowering.emit_call(column_shape, [x], [])
        parts.append(lowering.emit_call(np.reshape, [x, shape], []))
    return _join(lowering, parts, 1)


def _expand_append(arguments: dict, lowering):
    arr, values, axis = arguments["arr"], arguments["values"], arguments["axis"]
    if isinstance(axis, ast.Constant) and axis.value is None:
        parts = [lowering.emit_call(np.ravel, [x], []) for x in (arr, values)]
        return _join(lowering, parts, 0)
    return _join(lowering, [arr, values], axis)


expand(np.dstack, _expand_dstack, signature_of("tup"))
expand(np.column_stack, _expand_column_stack, signature_of("tup"))
expand(np.append, _expand_append, signature_of("arr, values, axis=None"))
