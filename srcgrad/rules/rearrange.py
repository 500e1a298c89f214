"""Adjoint rules of operations that rearrange elements: `np.atleast_1d`,
`atleast_2d`, `atleast_3d` (of one operand), `flip` (`axis` None, an int or
a tuple), `fliplr`, `flipud`, `roll` (an int `shift`, `axis` None or an
int), `triu`, `tril`, `diag` (a vector's matrix, a matrix's diagonal),
`diagonal` (of a matrix, with `offset`), `swapaxes`, `moveaxis`,
`rollaxis`, `hstack`, `vstack` and its old name `row_stack` (where NumPy
still has it).

Each rule sums a cotangent broadcast larger back to the result's shape
(`sum_to(g, np.shape(ans))`), then undoes the rearrangement: the same
operation for flips and `swapaxes`, the opposite one for `roll` (by
`-shift`) and `moveaxis` (from `destination` to `source`), the same mask
for `triu` and `tril` (summed back to a vector operand, whose rows NumPy
broadcast), `reshape_grad` for the at-least ranks, `diag_grad` for the
diagonals.  Every one of these has a rule of its own, so the rules are
differentiable again.

`np.rollaxis(a, axis, start)` is written by the lowering as `np.moveaxis(a,
axis, rollaxis_destination(a, axis, start))`; its own rule, the same
move back, gives the parameters a call binds to.

`np.hstack(tup)` and `np.vstack(tup)` are written by the lowering as
`atleast_1d` (`atleast_2d`) of each element, then `concatenate` (along
`hstack_axis` of the first element, or 0), which Numba compiles for
elements of mixed ranks too; their gradients go through those rules, to
any order.  Their own rules (in terms of `hstack_part` and `vstack_part`,
Python only) give the same values and the parameter a call binds to.

Replacements: `atleast_1d`, `atleast_2d`, `atleast_3d` (Numba's take no
scalar), `flip` and `roll` (Numba's take no axis), `diagonal` (Numba has
none).  The helpers and replacements named here live in
`srcgrad.runtime.rearrange`.
"""

from __future__ import annotations

import ast

import numpy as np

from ..runtime import (
    atleast_1d,
    atleast_2d,
    atleast_3d,
    diag_grad,
    diagonal,
    flip,
    hstack_axis,
    hstack_part,
    reshape_grad,
    roll,
    rollaxis_destination,
    shape_of,
    sum_to,
    unbroadcast,
    vstack_part,
)
from .registry import Refused, adjoint, expand, nondifferentiable, replace
from .tangents import linear


@adjoint(np.atleast_1d, atleast_1d, np.atleast_2d, atleast_2d, np.atleast_3d, atleast_3d)
def atleast_adjoint(g, ans, ary):
    return reshape_grad(g, ary, np.shape(ans))
linear(np.atleast_1d, atleast_1d, np.atleast_2d, atleast_2d, np.atleast_3d, atleast_3d, params=("ary",))


@adjoint(np.flip, flip)
def flip_adjoint(g, ans, m, axis=None):
    return flip(sum_to(g, np.shape(ans)), axis), None
linear(np.flip, flip, params=("m",))


@adjoint(np.fliplr)
def fliplr_adjoint(g, ans, m):
    return np.fliplr(sum_to(g, np.shape(ans)))
linear(np.fliplr, params=("m",))


@adjoint(np.flipud)
def flipud_adjoint(g, ans, m):
    return np.flipud(sum_to(g, np.shape(ans)))
linear(np.flipud, params=("m",))


@adjoint(np.roll, roll)
def roll_adjoint(g, ans, a, shift, axis=None):
    return roll(sum_to(g, np.shape(ans)), -shift, axis), None, None
linear(np.roll, roll, params=("a",))


@adjoint(np.triu)
def triu_adjoint(g, ans, m, k=0):
    return unbroadcast(np.triu(sum_to(g, np.shape(ans)), k), m), None
linear(np.triu, params=("m",))


@adjoint(np.tril)
def tril_adjoint(g, ans, m, k=0):
    return unbroadcast(np.tril(sum_to(g, np.shape(ans)), k), m), None
linear(np.tril, params=("m",))


@adjoint(np.diag)
def diag_adjoint(g, ans, v, k=0):
    return diag_grad(g, v, k), None
linear(np.diag, params=("v",))


@adjoint(np.diagonal, diagonal)
def diagonal_adjoint(g, ans, a, offset=0):
    return diag_grad(g, a, offset), None
linear(np.diagonal, diagonal, params=("a",))


@adjoint(diag_grad)
def diag_grad_adjoint(g, ans, dy, v, k=0):
    return sum_to(np.diag(unbroadcast(g, v), k), shape_of(dy)), None, None
linear(diag_grad, params=("dy",))


@adjoint(np.swapaxes)
def swapaxes_adjoint(g, ans, a, axis1, axis2):
    return np.swapaxes(sum_to(g, np.shape(ans)), axis1, axis2), None, None
linear(np.swapaxes, params=("a",))


@adjoint(np.moveaxis)
def moveaxis_adjoint(g, ans, a, source, destination):
    return np.moveaxis(sum_to(g, np.shape(ans)), destination, source), None, None
linear(np.moveaxis, params=("a",))


@adjoint(np.rollaxis)
def rollaxis_adjoint(g, ans, a, axis, start=0):
    return (np.moveaxis(sum_to(g, np.shape(ans)), rollaxis_destination(a, axis, start), axis),
            None, None)
linear(np.rollaxis, params=("a",))


def _expand_rollaxis(arguments: dict, lowering):
    a, axis, start = arguments["a"], arguments["axis"], arguments["start"]
    destination = lowering.emit_call(rollaxis_destination, [a, axis, start], [])
    return lowering.emit_call(np.moveaxis, [a, axis, destination], [])


expand(np.rollaxis, _expand_rollaxis)
nondifferentiable(rollaxis_destination)

for _primal, _impl in [(np.atleast_1d, atleast_1d), (np.atleast_2d, atleast_2d),
                       (np.atleast_3d, atleast_3d), (np.flip, flip), (np.roll, roll),
                       (np.diagonal, diagonal)]:
    replace(_primal, _impl)


# --- hstack and vstack: joins of operands made at least 1-D (2-D) -------------------------------


@adjoint(np.hstack, sequence="tup")
def hstack_adjoint(g, ans, tup):
    return [hstack_part(g, tup, i) for i in range(len(tup))]
linear(np.hstack, params=("tup",))


_ROW_STACK = (getattr(np, "row_stack", np.vstack),)  # the old name, gone from newer NumPy


@adjoint(np.vstack, *_ROW_STACK, sequence="tup")
def vstack_adjoint(g, ans, tup):
    return [vstack_part(g, tup, i) for i in range(len(tup))]
linear(np.vstack, *_ROW_STACK, params=("tup",))


def _expand_join(promote, vertical: bool):
    def expand_join(arguments: dict, lowering):
        tup = arguments["tup"]
        if not isinstance(tup, ast.Tuple) or not tup.elts:
            raise Refused("srcgrad differentiates it of a tuple or list of arrays written "
                          "in the call")
        parts = [lowering.emit_call(promote, [x], []) for x in tup.elts]
        axis = ast.Constant(0) if vertical else lowering.emit_call(hstack_axis, [parts[0]], [])
        return lowering.emit_call(np.concatenate, [ast.Tuple(parts, ast.Load()), axis], [])

    return expand_join


expand(np.hstack, _expand_join(np.atleast_1d, vertical=False))
for _vstack in (np.vstack, *_ROW_STACK):
    expand(_vstack, _expand_join(np.atleast_2d, vertical=True))
nondifferentiable(hstack_axis)
