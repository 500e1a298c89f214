"""The adjoint rules of the helpers that generated code and other rules call.

The helpers themselves live in `srcgrad.runtime` (`cast_like`, `select`,
`sum_to`, `unbroadcast`, `seed`, ...).  A helper that a cotangent depends on
differentiably has an adjoint rule here, so that a gradient can be
differentiated again; a piecewise-constant one (`greater_share`, the shape
stack, `zeros_like`) is declared non-differentiable.  `np.where` is
replaced by `select`, which keeps scalars scalar.
"""

from __future__ import annotations

import numpy as np

from ..runtime import (
    basis_like,
    broadcast_like,
    cast_grad,
    cast_grad_as,
    cast_like,
    copy_value,
    grad_dtype,
    greater_share,
    jacobian_shaped,
    last_writes,
    new_cotangent,
    order,
    order_share,
    pop_shape,
    push_shape,
    reshape,
    safe_reciprocal,
    seed,
    select,
    shape_of,
    store_last,
    sum_to,
    take_cotangent,
    unbroadcast,
    zeros_like,
)
from .registry import adjoint, nondifferentiable, replace
from .tangents import linear


@adjoint(cast_like, elementwise=True)
def cast_like_adjoint(g, ans, value, like):
    return cast_like(g, value), None


@adjoint(cast_grad, elementwise=True)
def cast_grad_adjoint(g, ans, h, like, dtype):
    return cast_grad(g, h, dtype), None, None


@adjoint(cast_grad_as, elementwise=True)
def cast_grad_as_adjoint(g, ans, h, like, template):
    return cast_grad_as(g, h, template), None, None


@adjoint(select, np.where, elementwise=True)
def select_adjoint(g, ans, condition, x, y):
    return None, unbroadcast(select(condition, g, 0), x), unbroadcast(select(condition, 0, g), y)


replace(np.where, select)


@adjoint(safe_reciprocal, elementwise=True)
def safe_reciprocal_adjoint(g, ans, x):
    return -g * ans * ans


nondifferentiable(greater_share)
nondifferentiable(order)
nondifferentiable(order_share)


@adjoint(sum_to)
def sum_to_adjoint(g, ans, value, shape):
    return sum_to(sum_to(g, shape), shape_of(value)), None
linear(sum_to, params=("value",))


# --- the runtime's helpers, which generated adjoints contain ------------------------------------


@adjoint(unbroadcast, new_cotangent, take_cotangent)
def unbroadcast_adjoint(g, ans, value, like):
    return sum_to(unbroadcast(g, like), shape_of(value)), None
linear(unbroadcast, new_cotangent, take_cotangent, params=("value",))


@adjoint(copy_value, elementwise=True)
def copy_value_adjoint(g, ans, x):
    return g
linear(copy_value, params=("x",))


@adjoint(seed)
def seed_adjoint(g, ans, grad_y, y):
    return unbroadcast(g, grad_y), None
linear(seed, params=("grad_y",))


@adjoint(last_writes)
def last_writes_adjoint(g, ans, b, index):
    return store_last(unbroadcast(g, ans), index, b), None
linear(last_writes, params=("b",))


@adjoint(store_last)
def store_last_adjoint(g, ans, values, index, like):
    return unbroadcast(last_writes(unbroadcast(g, like), index), values), None, None
linear(store_last, params=("values",))


@adjoint(broadcast_like)
def broadcast_like_adjoint(g, ans, t, like):
    return unbroadcast(g, t), None
linear(broadcast_like, params=("t",))


@adjoint(jacobian_shaped)
def jacobian_shaped_adjoint(g, ans, matrix, y, x):
    return reshape(sum_to(g, shape_of(ans)), shape_of(matrix)), None, None
linear(jacobian_shaped, params=("matrix",))


nondifferentiable(zeros_like, push_shape, pop_shape, grad_dtype, basis_like)
