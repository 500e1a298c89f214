"""LU factors with partial pivoting, in Python and compiled (the helpers of
`scipy.linalg.lu_factor` and `lu_solve`, which Numba does not compile).

- `lu_matrix(a)`: `scipy.linalg.lu_factor(a)[0]`, the unit lower factor `L`
  below the diagonal and `U` on and above it, `P a = L U`;
- `lu_pivots(a)`: `scipy.linalg.lu_factor(a)[1]`, LAPACK's row swaps
  (0-based, int32): row `k` was swapped with row `piv[k]`, for k = 0, 1, ...
  Constant (the pivots change by jumps);
- `pivot_rows(x, piv)`: `P x`, the swaps applied in order to the rows of a
  vector or matrix; `unpivot_rows(x, piv)`: `P.T x`, in reverse order.  Each
  is the other's adjoint.

The elimination picks the largest entry of each column (the first of
equals), as LAPACK's `getrf` does, so the pivots are SciPy's; the factors
agree with SciPy's to rounding.  Each function returns a new array
(`ir.effects.HELPERS`).
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError

from ..errors import NoAdjointError
from .dtypes import numba_dtype
from .guards import NO_ADJOINT
from .machinecode import cached_jitable, cached_overload

_ONE_MATRIX = (NO_ADJOINT + "scipy.linalg.lu_factor of an operand that is not one square "
               "matrix: srcgrad differentiates it of one square matrix (2-D)")


@cached_jitable
def _eliminate(lu, piv):
    """Overwrite the square `lu` with its factors, `piv` with the row swaps."""
    n = lu.shape[0]
    for k in range(n):
        p = k
        for i in range(k + 1, n):
            if abs(lu[i, k]) > abs(lu[p, k]):
                p = i
        piv[k] = p
        if p != k:
            for j in range(n):
                lu[k, j], lu[p, j] = lu[p, j], lu[k, j]
        if lu[k, k] != 0:
            for i in range(k + 1, n):
                lu[i, k] = lu[i, k] / lu[k, k]
                for j in range(k + 1, n):
                    lu[i, j] -= lu[i, k] * lu[k, j]


def _checked(a):
    if np.ndim(a) != 2 or np.shape(a)[0] != np.shape(a)[1]:
        raise NoAdjointError(_ONE_MATRIX)
    dtype = np.result_type(a)
    return np.array(a, dtype=dtype if dtype.kind == "f" else np.float64)


def lu_matrix(a):
    """`scipy.linalg.lu_factor(a)[0]`."""
    lu = _checked(a)
    _eliminate(lu, np.zeros(lu.shape[0], np.int32))
    return lu


def lu_pivots(a):
    """`scipy.linalg.lu_factor(a)[1]`."""
    lu = _checked(a)
    piv = np.zeros(lu.shape[0], np.int32)
    _eliminate(lu, piv)
    return piv


def _overload_lu(fn, part: int):
    @cached_overload(fn)
    def _lu(a):
        if not isinstance(a, types.Array) or a.ndim != 2:
            raise TypingError(_ONE_MATRIX)
        dtype = numba_dtype(a)
        dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)

        def impl(a):
            if a.shape[0] != a.shape[1]:
                raise NoAdjointError(_ONE_MATRIX)
            lu = a.astype(dtype)
            piv = np.zeros(a.shape[0], np.int32)
            _eliminate(lu, piv)
            return (lu, piv)[part]
        return impl


_overload_lu(lu_matrix, 0)
_overload_lu(lu_pivots, 1)


@cached_jitable
def pivot_rows(x, piv):
    """`P x`: rows `k` and `piv[k]` of `x` swapped, for k = 0, 1, ..."""
    out = x.copy()
    rows = out.reshape((out.shape[0], -1))
    for k in range(piv.shape[0]):
        p = piv[k]
        for j in range(rows.shape[1]):
            rows[k, j], rows[p, j] = rows[p, j], rows[k, j]
    return out


@cached_jitable
def unpivot_rows(x, piv):
    """`P.T x`: the swaps of `pivot_rows` undone, last first."""
    out = x.copy()
    rows = out.reshape((out.shape[0], -1))
    for k in range(piv.shape[0] - 1, -1, -1):
        p = piv[k]
        for j in range(rows.shape[1]):
            rows[k, j], rows[p, j] = rows[p, j], rows[k, j]
    return out
