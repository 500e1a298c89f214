"""Operations that copy elements to new places, written as reads at flat
positions: `np.tile` (`reps` an int or a tuple), `np.repeat` (`repeats` an
int or an array, `axis` None or an int), `np.pad` (`pad_width` an int, a
pair or one pair per axis; modes 'constant' with a scalar
`constant_values`, differentiable too, 'edge', 'reflect', 'symmetric',
'wrap'), `np.rot90` (`k`, `axes`), `np.broadcast_to`, `np.ravel(a,
order)` and `x.flatten(order)` with order 'C' or 'F', `np.take(a, indices,
axis)` and `np.take_along_axis(arr, indices, axis)` (an array of indices,
`axis` None or an int).

The lowering writes each as `gather(a, index)`, with `index` found by a
helper of `srcgrad.runtime.tiling` (a constant of the gradient); the rules
of `gather` and of its transpose `gather_grad` give every order.  A
constant of 'constant' padding is read at index -1 (a 0), then put in
place with `np.where`, so the gradient reaches `constant_values` too.

Refused: `np.pad` modes that compute values ('linear_ramp', 'maximum',
'mean', 'median', 'minimum', a function), a mode computed at run time,
`constant_values` given per axis or per side, `ravel` orders 'A' and 'K',
`np.take` of a single index (an int: index with `a[i]` instead) or with a
`mode`.

Also here: `np.subtract.at(a, indices, b)`, lowered as `np.add.at` is
(`rules/writes.py`) to `a = scatter_subtract(a, indices, b)`.
"""

from __future__ import annotations

import ast
import inspect

import numpy as np

from ..runtime import (
    broadcast_index,
    cast_like,
    fortran_index,
    gather,
    gather_grad,
    gather_view,
    pad_index,
    repeat_index,
    rot90_index,
    scatter_subtract,
    select,
    shape_of,
    sum_to,
    take_along_index,
    take_index,
    tile_index,
    unbroadcast,
)
from ..runtime.tiling import PAD_MODES
from .registry import Refused, adjoint, expand, mutates_method, nondifferentiable
from .tangents import linear


@adjoint(gather, gather_view)
def gather_adjoint(g, ans, a, index):
    return gather_grad(g, a, index), None
linear(gather, gather_view, params=("a",))


@adjoint(gather_grad)
def gather_grad_adjoint(g, ans, dy, a, index):
    return sum_to(gather(unbroadcast(g, a), index), shape_of(dy)), None, None
linear(gather_grad, params=("dy",))


nondifferentiable(tile_index, repeat_index, pad_index, rot90_index, broadcast_index,
                  fortran_index, take_index, take_along_index)


def _read(lowering, a, helper, arguments: list, view: bool = False) -> ast.Name:
    """`gather(a, helper(a, *arguments))`, as lowered operations."""
    index = lowering.emit_call(helper, [a, *arguments], [])
    return lowering.emit_call(gather_view if view else gather, [a, index], [])


def signature_of(text: str) -> inspect.Signature:
    """The signature of a function with the parameter list `text` (for an
    expansion of a primal without a rule of its own)."""
    scope: dict = {}
    exec(f"def f({text}): pass", scope)  # noqa: S102  (a constant parameter list)
    return inspect.signature(scope["f"])


# The rules of the NumPy functions themselves give the cotangents the lowering's
# gathers give (and the parameters a call binds to); generated code never calls them.


@adjoint(np.tile)
def tile_adjoint(g, ans, A, reps):
    return gather_grad(g, A, tile_index(A, reps)), None
linear(np.tile, params=("A",))


@adjoint(np.repeat)
def repeat_adjoint(g, ans, a, repeats, axis=None):
    return gather_grad(g, a, repeat_index(a, repeats, axis)), None, None
linear(np.repeat, params=("a",))


@adjoint(np.rot90)
def rot90_adjoint(g, ans, m, k=1, axes=(0, 1)):
    return gather_grad(g, m, rot90_index(m, k, axes)), None, None
linear(np.rot90, params=("m",))


@adjoint(np.broadcast_to)
def broadcast_to_adjoint(g, ans, array, shape):
    return gather_grad(g, array, broadcast_index(array, shape)), None
linear(np.broadcast_to, params=("array",))


@adjoint(np.take_along_axis)
def take_along_axis_adjoint(g, ans, arr, indices, axis):
    return gather_grad(g, arr, take_along_index(arr, indices, axis)), None, None
linear(np.take_along_axis, params=("arr",))


@adjoint(np.take)
def take_adjoint(g, ans, a, indices, axis=None):
    return gather_grad(g, a, take_index(a, indices, axis)), None, None
linear(np.take, params=("a",))


@adjoint(np.pad)
def pad_adjoint(g, ans, array, pad_width, mode="constant", *, constant_values=0):
    return (gather_grad(g, array, pad_index(array, pad_width, mode)), None, None,
            cast_like(np.sum(select(pad_index(array, pad_width, mode) < 0,
                                    sum_to(g, np.shape(ans)), 0)), constant_values))
linear(np.pad, params=("array", "constant_values"))


def _expand_as_read(helper, names: tuple[str, ...], view: bool = False):
    """An expansion of a call with parameters `names` (the operand first) as
    a read of the positions `helper` finds from the same arguments."""

    def expand_read(arguments: dict, lowering):
        a, *rest = (arguments[name] for name in names)
        return _read(lowering, a, helper, rest, view)

    return expand_read


for _primal, _helper, _names, _view in [
    (np.tile, tile_index, ("A", "reps"), False),
    (np.repeat, repeat_index, ("a", "repeats", "axis"), False),
    (np.rot90, rot90_index, ("m", "k", "axes"), True),
    (np.broadcast_to, broadcast_index, ("array", "shape"), True),
    (np.take_along_axis, take_along_index, ("arr", "indices", "axis"), False),
]:
    expand(_primal, _expand_as_read(_helper, _names, _view))


def _expand_take(arguments: dict, lowering):
    a, indices, axis = arguments["a"], arguments["indices"], arguments["axis"]
    if isinstance(indices, ast.Constant):
        raise Refused("srcgrad differentiates np.take of an array of indices; index with "
                      "a[i] for one element")
    return _read(lowering, a, take_index, [indices, axis])


expand(np.take, _expand_take)


def _expand_pad(arguments: dict, lowering):
    array, pad_width = arguments["array"], arguments["pad_width"]
    mode, value = arguments["mode"], arguments["constant_values"]
    if not (isinstance(mode, ast.Constant) and mode.value in PAD_MODES):
        raise Refused(f"srcgrad differentiates np.pad with a mode written in the call, one of "
                      f"{', '.join(PAD_MODES)}")
    index = lowering.emit_call(pad_index, [array, pad_width, mode], [])
    padded = lowering.emit_call(gather, [array, index], [])
    if mode.value != "constant" or (isinstance(value, ast.Constant) and value.value == 0):
        return padded
    if isinstance(value, ast.Tuple):
        raise Refused("srcgrad differentiates np.pad with one scalar constant_values")
    outside = lowering.emit_call(np.less, [index, ast.Constant(0)], [])
    fill = lowering.emit_call(cast_like, [value, array], [])
    return lowering.emit_call(np.where, [outside, fill, padded], [])


expand(np.pad, _expand_pad)


def _expand_ravel(arguments: dict, lowering):
    a, order = arguments["a"], arguments["order"]
    if not (isinstance(order, ast.Constant) and order.value in ("C", "F")):
        raise Refused("srcgrad differentiates ravel and flatten in order 'C' or 'F', written "
                      "in the call")
    if order.value == "C":
        return lowering.emit_call(np.ravel, [a], [])
    return _read(lowering, a, fortran_index, [])


expand(np.ravel, _expand_ravel, signature_of("a, order='C'"))


# --- np.subtract.at: np.add.at's twin (rules/writes.py) -----------------------------------------


@adjoint(scatter_subtract)
def scatter_subtract_adjoint(g, ans, a, indices, b):
    return (unbroadcast(g, a), None,
            unbroadcast(cast_like(-unbroadcast(g, a)[indices], b), b))
linear(scatter_subtract, params=("a", "b"))


mutates_method(np.subtract, "at", param="a", position=0, update=scatter_subtract)
