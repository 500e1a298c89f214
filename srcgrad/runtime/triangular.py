"""Triangular solves by substitution, in Python and compiled (the helpers of
`scipy.linalg.solve_triangular`, `cho_solve`, `cho_factor` and
`solve_banded`, which Numba does not compile).

- `triangular_solve(a, b, lower, unit_diagonal)`: `x` with `T @ x == b`, `T`
  the lower (or upper) triangle of `a`, its diagonal taken as ones where
  `unit_diagonal`; `b` a vector or a matrix.  It reads only that triangle;
- `keep_triangle(x, lower, unit_diagonal)`: that triangle of `x`, the
  diagonal zeroed where `unit_diagonal` (the part of `a` the solve reads).
  It is its own adjoint;
- `lower_factor(c, lower)`: the lower triangular factor that
  `scipy.linalg.cho_factor`'s `(c, lower)` holds, `lower` known at run time
  (`tril(c)`, or `tril(c.T)` for an upper factor); `lower_factor_grad(g,
  lower)` is its adjoint (`tril(g)`, or its transpose), and it is theirs;
- `banded_matrix(ab, lower, upper)`: the n x n matrix that
  `scipy.linalg.solve_banded`'s banded storage holds, `a[i, j] = ab[upper + i
  - j, j]` on the band, 0 off it (the entries of `ab` outside the band are
  not read, as LAPACK's `gbsv` does not read them); `banded_matrix_grad(g,
  lower, upper)` is its adjoint (the band of `g`, in banded storage, 0 in
  those entries), and it is theirs.

All return new arrays (`ir.effects.HELPERS`).  A zero on the diagonal
gives inf or nan, as LAPACK's `trtrs` refuses it: the matrix is singular.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError

from ..errors import NoAdjointError
from .dtypes import numba_dtype
from .guards import NO_ADJOINT
from .machinecode import cached_jitable, cached_overload, compiled_once


def _refusal(a_ndim: int, b_ndim: int) -> str | None:
    if a_ndim != 2:
        return (NO_ADJOINT + f"scipy.linalg.solve_triangular of a {a_ndim}-D operand: srcgrad "
                "differentiates it of one square matrix (2-D)")
    if b_ndim not in (1, 2):
        return (NO_ADJOINT + f"scipy.linalg.solve_triangular with a {b_ndim}-D b: srcgrad "
                "differentiates it with b a vector or a matrix")
    return None


@compiled_once
def _substitute(a, x, lower, unit_diagonal):
    """Overwrite the columns of the 2-D `x` with the solutions of `T y = x`."""
    n = a.shape[0]
    for c in range(x.shape[1]):
        for step in range(n):
            i = step if lower else n - 1 - step
            total = x[i, c]
            if lower:
                for k in range(i):
                    total -= a[i, k] * x[k, c]
            else:
                for k in range(i + 1, n):
                    total -= a[i, k] * x[k, c]
            x[i, c] = total if unit_diagonal else total / a[i, i]


def triangular_solve(a, b, lower=False, unit_diagonal=False):
    """`scipy.linalg.solve_triangular(a, b, lower=lower, unit_diagonal=unit_diagonal)`."""
    refusal = _refusal(np.ndim(a), np.ndim(b))
    if refusal:
        raise NoAdjointError(refusal)
    dtype = np.result_type(a, b)
    dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)
    x = np.array(b, dtype=dtype).reshape(np.shape(b)[0], -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        _substitute(np.asarray(a, dtype=dtype), x, lower, unit_diagonal)
    return x.reshape(np.shape(b))


@cached_overload(triangular_solve)
def _triangular_solve(a, b, lower=False, unit_diagonal=False):
    refusal = _refusal(a.ndim if isinstance(a, types.Array) else 0,
                       b.ndim if isinstance(b, types.Array) else 0)
    if refusal:
        raise TypingError(refusal)
    dtype = np.result_type(numba_dtype(a), numba_dtype(b))
    dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)
    if b.ndim == 1:
        def vector(a, b, lower=False, unit_diagonal=False):
            x = b.astype(dtype).reshape((b.shape[0], 1))
            _substitute(a.astype(dtype), x, lower, unit_diagonal)
            return x.reshape(b.shape)
        return vector

    def matrix(a, b, lower=False, unit_diagonal=False):
        x = b.astype(dtype)
        _substitute(a.astype(dtype), x, lower, unit_diagonal)
        return x
    return matrix


@cached_jitable
def keep_triangle(x, lower=False, unit_diagonal=False):
    """The lower (upper) triangle of `x`, without its diagonal where `unit_diagonal`."""
    k = 1 if unit_diagonal else 0
    if lower:
        return np.tril(x, -k)
    return np.triu(x, k)


@cached_jitable
def lower_factor(c, lower):
    """The lower factor held in `c`: its lower triangle, or the transpose of its upper one."""
    if lower:
        return np.tril(c)
    return np.tril(c.T)


@cached_jitable
def lower_factor_grad(g, lower):
    """The adjoint of `lower_factor`: `tril(g)`, or its transpose."""
    if lower:
        return np.tril(g)
    return np.ascontiguousarray(np.tril(g).T)


@cached_jitable
def banded_matrix(ab, lower, upper):
    """The matrix of the banded storage `ab`: `a[i, j] = ab[upper + i - j, j]`
    for `-upper <= i - j <= lower`, 0 elsewhere."""
    if ab.ndim != 2 or ab.shape[0] != lower + upper + 1:
        raise ValueError("scipy.linalg.solve_banded: l + u + 1 does not equal ab.shape[0]")
    n = ab.shape[1]
    a = np.zeros((n, n), ab.dtype)
    for j in range(n):
        for i in range(max(0, j - upper), min(n, j + lower + 1)):
            a[i, j] = ab[upper + i - j, j]
    return a


@cached_jitable
def banded_matrix_grad(g, lower, upper):
    """The adjoint of `banded_matrix`: the band of the n x n `g`, in banded storage."""
    n = g.shape[1]
    band = np.zeros((lower + upper + 1, n), g.dtype)
    for j in range(n):
        for i in range(max(0, j - upper), min(n, j + lower + 1)):
            band[upper + i - j, j] = g[i, j]
    return band
