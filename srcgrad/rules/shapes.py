"""Adjoint rules of operations that move elements without arithmetic:
`np.reshape`, `ravel`, `squeeze`, `expand_dims`, `transpose`,
`concatenate`, `stack`, the copies (`np.copy`, `np.array`, `np.asarray`,
`np.ascontiguousarray`, NumPy 2's `np.astype`, written as `np.asarray`), and
`np.full`/`np.full_like` (differentiable in their fill value).
`np.result_type` and `np.iscomplexobj` are constants; `np.real_if_close` is
refused (its result's type depends on the values).

The cotangent `g` of a shape operation may be broadcast larger than its
result; each rule sums it back to the result's shape, computed from the
inputs, before moving it back (`reshape_grad`, `transpose_grad`,
`concat_part`, `stack_part`).  Reshapes of every kind share `reshape_grad`.

`concatenate` and `stack` take a sequence of arrays: their rules give one
cotangent per element (`[concat_part(g, arrays, axis, i) for i in ...]`),
which the transformer expands with `arrays` a tuple of variables, so `i` is
a constant there.

Replacements, for forms Numba cannot compile: `reshape` (a non-contiguous
array, a scalar), `ravel` (a scalar), `squeeze` (any; `axis=None` only in
Python, since the result's rank depends on the values of the shape),
`expand_dims` (a tuple of axes, a scalar), `stack` (a tuple of scalars, as
the transformer makes of `np.array([x, y])`), `concatenate` (`axis=None`),
`array` (of an array).

The helpers and replacements named here live in `srcgrad.runtime.shapes`,
`srcgrad.runtime.joins` and `srcgrad.runtime.ranges`.
"""

from __future__ import annotations

import numpy as np

from ..runtime import (
    arange_start_grad,
    arange_step_grad,
    array,
    cast_grad,
    cast_grad_as,
    cast_like,
    concat_pad,
    concat_part,
    concatenate,
    expand_dims,
    expanded_shape,
    linspace,
    linspace_grad,
    linspace_spread,
    ndim,
    ravel,
    reshape,
    reshape_grad,
    shape_of,
    squeeze,
    squeezed_shape,
    stack,
    stack_pad,
    stack_part,
    sum_to,
    transpose_grad,
    unbroadcast,
    unless_given,
)
from .registry import adjoint, nondifferentiable, replace, unsupported
from .tangents import linear, tangent


@adjoint(reshape_grad)
def reshape_grad_adjoint(g, ans, dy, a, shape):
    return sum_to(reshape(unbroadcast(g, a), shape), shape_of(dy)), None, None
linear(reshape_grad, params=("dy",))


@adjoint(np.reshape, reshape)
def reshape_adjoint(g, ans, a, shape):
    return reshape_grad(g, a, shape), None
linear(np.reshape, reshape, params=("a",))


@adjoint(np.ravel, ravel)
def ravel_adjoint(g, ans, a):
    return reshape_grad(g, a, -1)
linear(np.ravel, ravel, params=("a",))


@adjoint(np.squeeze, squeeze)
def squeeze_adjoint(g, ans, a, axis=None):
    return reshape_grad(g, a, squeezed_shape(a, axis)), None
linear(np.squeeze, squeeze, params=("a",))


@adjoint(np.expand_dims, expand_dims)
def expand_dims_adjoint(g, ans, a, axis):
    return reshape_grad(g, a, expanded_shape(a, axis)), None
linear(np.expand_dims, expand_dims, params=("a",))


for _primal, _impl in [(np.reshape, reshape), (np.ravel, ravel), (np.squeeze, squeeze),
                       (np.expand_dims, expand_dims)]:
    replace(_primal, _impl)


@adjoint(transpose_grad)
def transpose_grad_adjoint(g, ans, dy, a, axes):
    return sum_to(np.transpose(unbroadcast(g, a), axes), shape_of(dy)), None, None
linear(transpose_grad, params=("dy",))


@adjoint(np.transpose)
def transpose_adjoint(g, ans, a, axes=None):
    return transpose_grad(g, a, axes), None
linear(np.transpose, params=("a",))


@adjoint(concat_part)
def concat_part_adjoint(g, ans, dy, arrays, axis, index):
    return (
        sum_to(concat_pad(unbroadcast(g, arrays[index]), arrays, axis, index), np.shape(dy)),
        None,
        None,
        None,
    )
linear(concat_part, params=("dy",))


@adjoint(concat_pad)
def concat_pad_adjoint(g, ans, h, arrays, axis, index):
    return concat_part(g, arrays, axis, index), None, None, None
linear(concat_pad, params=("h",))


@adjoint(stack_part)
def stack_part_adjoint(g, ans, dy, arrays, axis, index):
    return (
        sum_to(stack_pad(unbroadcast(g, arrays[index]), arrays, axis, index), np.shape(dy)),
        None,
        None,
        None,
    )
linear(stack_part, params=("dy",))


@adjoint(stack_pad)
def stack_pad_adjoint(g, ans, h, arrays, axis, index):
    return stack_part(g, arrays, axis, index), None, None, None
linear(stack_pad, params=("h",))


@adjoint(np.concatenate, concatenate, sequence="arrays")
def concatenate_adjoint(g, ans, arrays, axis=0):
    return [concat_part(g, arrays, axis, i) for i in range(len(arrays))], None
linear(np.concatenate, concatenate, params=("arrays",))


@adjoint(np.stack, stack, sequence="arrays")
def stack_adjoint(g, ans, arrays, axis=0):
    return [stack_part(g, arrays, axis, i) for i in range(len(arrays))], None
linear(np.stack, stack, params=("arrays",))


replace(np.concatenate, concatenate)
replace(np.stack, stack)


# (NumPy 2's `np.astype(x, dtype)` the lowering writes as `np.asarray(x, dtype=dtype)`, as the
# method `x.astype(dtype)`: its rule is this one, registered for it to be known)
@adjoint(np.array, array, np.asarray, *[f for f in [getattr(np, "astype", None)] if f],
         elementwise=True)
def array_adjoint(g, ans, object, dtype=None):
    return unbroadcast(cast_grad(g, object, dtype), object), None


@adjoint(np.copy, np.ascontiguousarray, elementwise=True)
def copy_adjoint(g, ans, a):
    return unbroadcast(cast_like(g, a), a)
linear(np.copy, np.ascontiguousarray, params=("a",))


@adjoint(np.full)
def full_adjoint(g, ans, shape, fill_value, dtype=None):
    return None, unbroadcast(cast_grad(g, fill_value, dtype), fill_value), None
linear(np.full, params=("fill_value",))


@adjoint(np.full_like)
def full_like_adjoint(g, ans, a, fill_value, dtype=None):
    # (the result has `dtype`, else `a`'s: converted to integers, it is constant)
    return None, unbroadcast(cast_grad_as(g, fill_value, ans), fill_value), None
linear(np.full_like, params=("fill_value",))


replace(np.array, array)

# a dtype, and whether it is complex: no value changes them (NumPy 2 reads no value's size)
nondifferentiable(np.result_type, np.iscomplexobj)
unsupported(np.real_if_close, reason="the type of its result (real or complex) depends on its "
            "argument's values, which srcgrad's dtype analysis cannot know before the function "
            "runs; of real values it returns them unchanged: leave the call out")


replace(np.ndim, ndim)


@adjoint(np.linspace, linspace)
def linspace_adjoint(g, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None,
                     axis=0):
    return (unbroadcast(linspace_grad(g, start, stop, num, endpoint, axis, False), start),
            unbroadcast(linspace_grad(g, start, stop, num, endpoint, axis, True), stop),
            None, None, None, None, None)
linear(np.linspace, linspace, params=("start", "stop"))


@adjoint(linspace_grad)
def linspace_grad_adjoint(g, ans, h, start, stop, num, endpoint, axis, at_stop):
    return (sum_to(linspace_spread(g, start, stop, num, endpoint, axis, at_stop), shape_of(h)),
            None, None, None, None, None, None)
linear(linspace_grad, params=("h",))


@adjoint(linspace_spread)
def linspace_spread_adjoint(g, ans, h, start, stop, num, endpoint, axis, at_stop):
    return (unbroadcast(linspace_grad(g, start, stop, num, endpoint, axis, at_stop), h),
            None, None, None, None, None, None)
linear(linspace_spread, params=("h",))


replace(np.linspace, linspace)


@adjoint(np.arange)
def arange_adjoint(g, ans, start, stop=None, step=None, dtype=None):
    return (arange_start_grad(g, start, stop), None,
            arange_step_grad(sum_to(g, np.shape(ans)), step), None)


@tangent(np.arange)
def arange_tangent(ans, start, stop, step, dtype, dstart, dstep):
    # element k is start + k * step; the one argument of np.arange(stop) binds to start,
    # a length there (no derivative): unless_given(stop) is 1.0 then
    return (cast_like(np.ones_like(ans) * (dstart * (1.0 - unless_given(stop))), ans),
            cast_like(np.arange(np.size(ans)) * dstep, ans))


@adjoint(arange_start_grad)
def arange_start_grad_adjoint(g, ans, h, start, stop):
    return sum_to(arange_start_grad(g, g, stop), shape_of(h)), None, None
linear(arange_start_grad, params=("h",))


@adjoint(arange_step_grad)
def arange_step_grad_adjoint(g, ans, row, step):
    return cast_like(sum_to(g, ()) * np.arange(np.size(row)), row), None
linear(arange_step_grad, params=("row",))


nondifferentiable(
    squeezed_shape, expanded_shape,
    np.zeros, np.ones, np.empty, np.zeros_like, np.ones_like, np.empty_like,
    np.eye, np.identity,
    np.shape, np.size, np.ndim, len, range, int, bool, round, slice,
)  # fmt: skip
