"""Adjoint rules of reductions: `np.sum`, `mean`, `max`/`amax`, `min`/`amin`,
`prod`, `var`, `std` (each with `axis` None, an int or a tuple, and
`keepdims`; `var` and `std` with `ddof`), and `cumsum`.

A reduction's cotangent `g` may be broadcast larger than its result (along
new leading axes, or along the result's length-1 axes); every rule first sums
it back to the result's shape, computed from the input's shape, `axis` and
`keepdims` (`sum_grad`), then spreads it over the reduced axes.

`math.fsum(x)` of a 1-D array is expanded as `np.sum(x)` (see
`registry.expand`), after `vector_argument`, which refuses anything else.

Conventions (as JAX):
- `max`/`min` split the cotangent evenly among the elements tied for the
  extremum.
- `prod` multiplies by the product of the *other* elements, never by
  `ans / x`, so inputs with one or several zeros get the right cotangent.

`var` and `std` are expanded by the lowering into operations that have
rules: `d = a - mean(a, axis, keepdims=True)`, then
`sum(square(d), axis, keepdims=keepdims) / degrees_of_freedom(a, axis, ddof)`
(and its `sqrt` for `std`), so they are differentiable to any order.  Their
own rules (`2 d / dof` and `d / (dof std)`, spread over the reduced axes)
give the same values and the parameters a call binds to.

Replacements: Numba has no `keepdims=`, and no `axis=` on `mean`, `max`,
`min` and `prod`, so generated code calls `reduce_sum`, `reduce_mean`,
`reduce_max`, `reduce_min` and `reduce_prod` instead.  Their `keepdims` is
keyword-only, as in NumPy (where `np.sum`'s third positional parameter is
`dtype`, which srcgrad does not accept); under Numba it must be a constant.

The helpers and replacements named here live in `srcgrad.runtime.reductions`
and `srcgrad.runtime.prod`.
"""

from __future__ import annotations

import ast
import inspect
import math

import numpy as np

from ..runtime import (
    cumsum_grad,
    degrees_of_freedom,
    prod_others,
    prod_others_vjp,
    prod_others_vjp2,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_sum,
    reduced_size,
    shape_of,
    sum_grad,
    sum_to,
    tie_weights,
    unbroadcast,
    vector_argument,
)
from .registry import adjoint, expand, nondifferentiable, replace
from .tangents import linear, tangent

for _primal, _impl in [(np.sum, reduce_sum), (np.mean, reduce_mean), (np.max, reduce_max),
                       (np.amax, reduce_max), (np.min, reduce_min), (np.amin, reduce_min),
                       (np.prod, reduce_prod)]:
    replace(_primal, _impl)


@adjoint(sum_grad)
def sum_grad_adjoint(g, ans, dy, x, axis=None, keepdims=False):
    return (
        sum_to(reduce_sum(unbroadcast(g, x), axis, keepdims=keepdims), np.shape(dy)),
        None,
        None,
        None,
    )
linear(sum_grad, params=("dy",))


@adjoint(np.sum, reduce_sum)
def sum_adjoint(g, ans, a, axis=None, *, keepdims=False):
    return sum_grad(g, a, axis, keepdims), None, None
linear(np.sum, reduce_sum, params=("a",))


@adjoint(np.mean, reduce_mean)
def mean_adjoint(g, ans, a, axis=None, *, keepdims=False):
    return sum_grad(g / reduced_size(a, axis), a, axis, keepdims), None, None
linear(np.mean, reduce_mean, params=("a",))


@adjoint(np.max, np.amax, reduce_max, np.min, np.amin, reduce_min)
def max_adjoint(g, ans, a, axis=None, *, keepdims=False):
    return sum_grad(g, a, axis, keepdims) * tie_weights(a, ans, axis, keepdims), None, None


@tangent(np.max, np.amax, reduce_max, np.min, np.amin, reduce_min)
def max_tangent(ans, a, axis, keepdims, da):
    return reduce_sum(da * tie_weights(a, ans, axis, keepdims), axis, keepdims=keepdims)


@adjoint(prod_others_vjp)
def prod_others_vjp_adjoint(g, ans, h, x, axis):
    # symmetric in the pair (i, j): the cotangent of h is prod_others_vjp itself
    return (unbroadcast(prod_others_vjp(sum_to(g, shape_of(x)), x, axis), h),
            prod_others_vjp2(sum_to(g, shape_of(x)), h, x, axis), None)
# (the Jacobian of a gradient, prod_others_vjp(h, x) in x, is a Hessian: symmetric)
@tangent(prod_others_vjp)
def prod_others_vjp_tangent(ans, h, x, axis, dh, dx):
    return prod_others_vjp(dh, x, axis), prod_others_vjp2(dx, h, x, axis)


@adjoint(prod_others)
def prod_others_adjoint(g, ans, x, axis):
    return prod_others_vjp(unbroadcast(g, x), x, axis), None
# (d prod_others(x)_i / dx_k is the product of the others but i and k: symmetric)
@tangent(prod_others)
def prod_others_tangent(ans, x, axis, dx):
    return prod_others_vjp(dx, x, axis)


@adjoint(np.prod, reduce_prod)
def prod_adjoint(g, ans, a, axis=None, *, keepdims=False):
    return sum_grad(g, a, axis, keepdims) * prod_others(a, axis), None, None


@tangent(np.prod, reduce_prod)
def prod_tangent(ans, a, axis, keepdims, da):
    return reduce_sum(da * prod_others(a, axis), axis, keepdims=keepdims)


@adjoint(cumsum_grad)
def cumsum_grad_adjoint(g, ans, dy, x, axis):
    return sum_to(np.cumsum(unbroadcast(g, x), axis), shape_of(dy)), None, None
linear(cumsum_grad, params=("dy",))


@adjoint(np.cumsum)
def cumsum_adjoint(g, ans, a, axis=None):
    return cumsum_grad(g, a, axis), None
linear(np.cumsum, params=("a",))


# --- variance and standard deviation ---------------------------------------------------------


@adjoint(np.var)
def var_adjoint(g, ans, a, axis=None, *, ddof=0, keepdims=False):
    # (g + g: a literal 2 would widen a float32 cotangent under Numba)
    return (sum_grad(g + g, a, axis, keepdims) * (a - reduce_mean(a, axis, keepdims=True))
            / degrees_of_freedom(a, axis, ddof)), None, None, None


@tangent(np.var)
def var_tangent(ans, a, axis, ddof, keepdims, da):
    return (reduce_sum((da + da) * (a - reduce_mean(a, axis, keepdims=True)), axis,
                       keepdims=keepdims) / degrees_of_freedom(a, axis, ddof))


@adjoint(np.std)
def std_adjoint(g, ans, a, axis=None, *, ddof=0, keepdims=False):
    return (sum_grad(g / ans, a, axis, keepdims) * (a - reduce_mean(a, axis, keepdims=True))
            / degrees_of_freedom(a, axis, ddof)), None, None, None


@tangent(np.std)
def std_tangent(ans, a, axis, ddof, keepdims, da):
    return (reduce_sum(da * (a - reduce_mean(a, axis, keepdims=True)), axis, keepdims=keepdims)
            / degrees_of_freedom(a, axis, ddof) / ans)


def _expand_spread(root: bool):
    def expand_spread(arguments: dict, lowering):
        a, axis = arguments["a"], arguments["axis"]
        mean = lowering.emit_call(np.mean, [a, axis], [ast.keyword("keepdims", ast.Constant(True))])
        deviation = lowering.emit_binop(a, ast.Sub(), mean)
        squares = lowering.emit_call(np.square, [deviation], [])
        total = lowering.emit_call(np.sum, [squares, axis],
                                   [ast.keyword("keepdims", arguments["keepdims"])])
        dof = lowering.emit_call(degrees_of_freedom, [a, axis, arguments["ddof"]], [])
        variance = lowering.emit_binop(total, ast.Div(), dof)
        return lowering.emit_call(np.sqrt, [variance], []) if root else variance

    return expand_spread


expand(np.var, _expand_spread(root=False))
expand(np.std, _expand_spread(root=True))

nondifferentiable(
    reduced_size, degrees_of_freedom, tie_weights, np.argmax, np.argmin, np.argsort, np.count_nonzero
)


# --- the builtins that iterate a 1-D array (`max(x)`, `min(x)`: rules/binary.py) ----------


@adjoint(vector_argument)
def vector_argument_adjoint(g, ans, x):
    return unbroadcast(g, x)
linear(vector_argument, params=("x",))


def _expand_fsum(arguments, lowering):
    """`math.fsum(x)` of a 1-D array is `np.sum(x)` (rounded as NumPy sums)."""
    vector = lowering.emit_call(vector_argument, [arguments["seq"]], [])
    return lowering.emit_call(np.sum, [vector], [])


expand(math.fsum, _expand_fsum, inspect.signature(math.fsum))
