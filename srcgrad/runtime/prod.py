"""The cotangent of a product: the product of the *other* elements.

`prod_others(x, axis)` multiplies, for each element, the other elements of
its group, never dividing `ans / x`, so inputs with zeros get the right
cotangent; `prod_others_vjp` and `prod_others_vjp2` are its own
cotangents, so that gradients of gradients work.
"""

from __future__ import annotations

import numpy as np

from .axes import axis_mask
from .dtypes import grad_dtype, is_scalar_type, numba_dtype, numba_grad_dtype
from .groups import as_groups, from_groups, groups_of
from .machinecode import cached_jitable, cached_overload


def _exclusive_products(rows):
    """(products of the elements before each one, and after it), row-wise."""
    ones = np.ones((rows.shape[0], 1), rows.dtype)
    before = np.cumprod(np.concatenate([ones, rows[:, :-1]], axis=1), axis=1)
    after = np.cumprod(np.concatenate([ones, rows[:, :0:-1]], axis=1), axis=1)[:, ::-1]
    return before, after


def prod_others(x, axis):
    """For each element of `x`, the product of the other elements of its
    group in a product over `axis` (no division, so zeros are fine)."""
    if not isinstance(x, np.ndarray):
        return grad_dtype(x).type(1)
    rows, back = groups_of(x, axis)
    before, after = _exclusive_products(rows)
    return back(before * after)


@cached_jitable
def _prod_others_row(row, out):
    acc = 1
    for j in range(row.size):
        out[j] = acc
        acc *= row[j]
    acc = 1
    for j in range(row.size - 1, -1, -1):
        out[j] *= acc
        acc *= row[j]


@cached_overload(prod_others)
def _prod_others(x, axis):
    if is_scalar_type(x):
        one = numba_grad_dtype(x).type(1)
        return lambda x, axis: one
    dtype = numba_dtype(x)

    def impl(x, axis):
        mask = axis_mask(x.ndim, axis)
        rows = as_groups(x, mask)
        out = np.empty(rows.shape, dtype)
        for k in range(rows.shape[0]):
            _prod_others_row(rows[k], out[k])
        return from_groups(out, x, mask)

    return impl


def prod_others_vjp(h, x, axis):
    """The cotangent of `x` in `prod_others(x, axis)` for the cotangent `h`
    (shaped like `x`): at element j, the sum over the other elements i of
    its group of `h[i]` times the product of the elements other than i and j.
    Computed with running products from both ends, without division."""
    if not isinstance(x, np.ndarray):
        return 0 * h
    rows, back = groups_of(x, axis)
    hrows, _ = groups_of(np.broadcast_to(h, x.shape), axis)
    out = np.zeros(rows.shape, np.result_type(rows, hrows))
    before = np.empty(rows.shape[1], out.dtype)
    for k in range(rows.shape[0]):
        _prod_others_vjp_row(rows[k], hrows[k], out[k], before)
    return back(out)


@cached_jitable
def _prod_others_vjp_row(row, h, out, before):
    # With A(j), B(j) the product of row[:j] and the sum over i < j of h[i]
    # times the product of row[:j] without row[i], and C(j), D(j) the same
    # over row[j+1:], out[j] = B(j) C(j) + A(j) D(j).
    product, partial = 1, 0
    for j in range(row.size):
        before[j] = product
        out[j] = partial
        partial = partial * row[j] + h[j] * product
        product *= row[j]
    product, partial = 1, 0
    for j in range(row.size - 1, -1, -1):
        out[j] = out[j] * product + before[j] * partial
        partial = partial * row[j] + h[j] * product
        product *= row[j]


@cached_overload(prod_others_vjp)
def _prod_others_vjp(h, x, axis):
    if is_scalar_type(x):
        return lambda h, x, axis: 0 * h
    dtype = np.result_type(numba_dtype(h), numba_dtype(x))

    def impl(h, x, axis):
        mask = axis_mask(x.ndim, axis)
        rows = as_groups(x, mask)
        hrows = as_groups(np.broadcast_to(h, x.shape), mask)
        out = np.zeros(rows.shape, dtype)
        before = np.empty(rows.shape[1], dtype)
        for k in range(rows.shape[0]):
            _prod_others_vjp_row(rows[k], hrows[k], out[k], before)
        return from_groups(out, x, mask)

    return impl


def prod_others_vjp2(g, h, x, axis):
    """The cotangent of `x` in `prod_others_vjp(h, x, axis)` for the cotangent
    `g`: at element l, the sum over pairs i != j, both other than l, of
    `g[j] h[i]` times the product of the elements other than i, j and l.
    Each l runs `prod_others_vjp`'s row pass without element l: O(n^2) per
    group, which only third derivatives of `np.prod` pay."""
    if not isinstance(x, np.ndarray):
        return 0 * g * h
    rows, back = groups_of(x, axis)
    grows, _ = groups_of(np.broadcast_to(g, x.shape), axis)
    hrows, _ = groups_of(np.broadcast_to(h, x.shape), axis)
    out = np.zeros(rows.shape, np.result_type(rows, grows, hrows))
    for k in range(rows.shape[0]):
        _prod_others_vjp2_row(rows[k], grows[k], hrows[k], out[k])
    return back(out)


@cached_jitable
def _prod_others_vjp2_row(row, g, h, out):
    n = row.size
    rest = np.empty(max(n - 1, 0), out.dtype)
    hrest = np.empty_like(rest)
    inner = np.empty_like(rest)
    before = np.empty_like(rest)
    for skip in range(n):
        m = 0
        for k in range(n):
            if k != skip:
                rest[m] = row[k]
                hrest[m] = h[k]
                m += 1
        _prod_others_vjp_row(rest, hrest, inner, before)
        total = 0 * out[skip]
        m = 0
        for k in range(n):
            if k != skip:
                total += g[k] * inner[m]
                m += 1
        out[skip] = total


@cached_overload(prod_others_vjp2)
def _prod_others_vjp2(g, h, x, axis):
    if is_scalar_type(x):
        return lambda g, h, x, axis: 0 * g * h
    dtype = np.result_type(numba_dtype(g), numba_dtype(h), numba_dtype(x))

    def impl(g, h, x, axis):
        mask = axis_mask(x.ndim, axis)
        rows = as_groups(x, mask)
        grows = as_groups(np.broadcast_to(g, x.shape), mask)
        hrows = as_groups(np.broadcast_to(h, x.shape), mask)
        out = np.zeros(rows.shape, dtype)
        for k in range(rows.shape[0]):
            _prod_others_vjp2_row(rows[k], grows[k], hrows[k], out[k])
        return from_groups(out, x, mask)

    return impl
