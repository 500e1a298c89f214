"""`np.linalg.matrix_power(a, n)` with `n` known only at run time (a
constant `n` is expanded into products by the lowering), and its
cotangents.

- `matrix_power(a, n)`: `a` a square matrix, `n >= 0` an int (a negative
  `n` raises `NoAdjointError`: write the constant, or `inv` first);
- `matrix_power_grad(dy, a, n)`: the cotangent of `a`,
  `sum_k (A^T)^k dy (A^T)^(n-1-k)` over `k < n`.  Linear in `dy`: its
  cotangent in `dy` is `matrix_power_grad(h, a.T, n)`;
- `matrix_power_grad2(dy, h, a, n)`: its cotangent in `a` for the
  cotangent `h` of its result: with `B = A^T` and `m = n-1-k`,
  `sum_k [sum_{j<k} B^(k-1-j) dy B^m h^T B^j + sum_{j<m} B^(m-1-j) h^T B^k dy B^j]`.
  It has no rule: a third derivative is refused.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError

from ..errors import NoAdjointError
from .dtypes import numba_dtype
from .guards import NO_ADJOINT
from .machinecode import cached_jitable, cached_overload

_FORMS = ("np.linalg.matrix_power with a negative n known only at run time, or of other than "
          "one square matrix (srcgrad differentiates n >= 0 of a matrix; a negative constant "
          "n goes through np.linalg.inv)")


def _check(a, n) -> None:
    if np.ndim(a) != 2 or np.shape(a)[0] != np.shape(a)[1] or n < 0:
        raise NoAdjointError(NO_ADJOINT + _FORMS)


def _powers(b, n):
    """`[I, b, b^2, ..., b^n]`."""
    out = [np.eye(b.shape[0], dtype=b.dtype)]
    for _ in range(n):
        out.append(out[-1] @ b)
    return out


def matrix_power(a, n):
    """`np.linalg.matrix_power(a, n)` for a square matrix and `n >= 0`."""
    _check(a, n)
    return np.linalg.matrix_power(a, n)


def matrix_power_grad(dy, a, n):
    """The cotangent of `a` in `matrix_power(a, n)`."""
    _check(a, n)
    dy = np.broadcast_to(dy, np.shape(a))
    b = np.asarray(np.transpose(a), dtype=np.result_type(a, dy, np.float32))
    powers = _powers(b, max(n - 1, 0))
    total = np.zeros(b.shape, b.dtype)
    for k in range(n):
        total += powers[k] @ dy @ powers[n - 1 - k]
    return total


def matrix_power_grad2(dy, h, a, n):
    """The cotangent of `a` in `matrix_power_grad(dy, a, n)` for the cotangent `h`."""
    _check(a, n)
    dy, h = np.broadcast_to(dy, np.shape(a)), np.broadcast_to(h, np.shape(a))
    b = np.asarray(np.transpose(a), dtype=np.result_type(a, dy, h, np.float32))
    powers = _powers(b, max(n - 1, 0))
    ht = np.transpose(h)
    total = np.zeros(b.shape, b.dtype)
    for k in range(n):
        m = n - 1 - k
        for j in range(k):
            total += powers[k - 1 - j] @ dy @ powers[m] @ ht @ powers[j]
        for j in range(m):
            total += powers[m - 1 - j] @ ht @ powers[k] @ dy @ powers[j]
    return total


# --- compiled ------------------------------------------------------------------------------------


def _square(ty) -> None:
    if not (isinstance(ty, types.Array) and ty.ndim == 2):
        raise TypingError(NO_ADJOINT + _FORMS)


@cached_jitable
def _checked(a, n):
    if a.shape[0] != a.shape[1] or n < 0:
        raise ValueError("matrix_power: srcgrad differentiates n >= 0 of a square matrix")


@cached_jitable
def _power_list(b, n):
    out = [np.eye(b.shape[0], dtype=b.dtype)]
    for _ in range(n):
        out.append(out[-1] @ b)
    return out


@cached_overload(matrix_power)
def _matrix_power(a, n):
    _square(a)
    dtype = np.result_type(numba_dtype(a), np.float32)

    def impl(a, n):
        _checked(a, n)
        return _power_list(np.ascontiguousarray(a).astype(dtype), n)[n]

    return impl


@cached_overload(matrix_power_grad)
def _matrix_power_grad(dy, a, n):
    _square(a)
    dtype = np.result_type(numba_dtype(a), numba_dtype(dy), np.float32)

    def impl(dy, a, n):
        _checked(a, n)
        d = np.ascontiguousarray(np.broadcast_to(dy, a.shape)).astype(dtype)
        powers = _power_list(np.ascontiguousarray(a.T).astype(dtype), max(n - 1, 0))
        total = np.zeros(a.shape, dtype)
        for k in range(n):
            total += powers[k] @ d @ powers[n - 1 - k]
        return total

    return impl


@cached_overload(matrix_power_grad2)
def _matrix_power_grad2(dy, h, a, n):
    _square(a)
    dtype = np.result_type(numba_dtype(a), numba_dtype(dy), numba_dtype(h), np.float32)

    def impl(dy, h, a, n):
        _checked(a, n)
        d = np.ascontiguousarray(np.broadcast_to(dy, a.shape)).astype(dtype)
        ht = np.ascontiguousarray(np.broadcast_to(h, a.shape).T).astype(dtype)
        powers = _power_list(np.ascontiguousarray(a.T).astype(dtype), max(n - 1, 0))
        total = np.zeros(a.shape, dtype)
        for k in range(n):
            m = n - 1 - k
            for j in range(k):
                total += powers[k - 1 - j] @ d @ powers[m] @ ht @ powers[j]
            for j in range(m):
                total += powers[m - 1 - j] @ ht @ powers[k] @ d @ powers[j]
        return total

    return impl
