"""`np.kron` and `np.cross`: replacements that check the forms srcgrad
differentiates, and the cotangents of `np.kron`.

`kron(a, b)` takes vectors and matrices (one of each too); higher ranks and
scalars raise `NoAdjointError`.  `kron_grad_left(dy, a, b)` and
`kron_grad_right(dy, a, b)` are the cotangents of `a` and `b` in
`np.kron(a, b)` for the cotangent `dy` of its result: with `dy` read as
`G[i, k, j, l]` (rows `i * p + k`, columns `j * q + l` for a `p x q` `b`),
`sum G[i, k, j, l] b[k, l]` over `k, l` and `sum G[i, k, j, l] a[i, j]`
over `i, j`.  Both are bilinear, so their own rules are `kron` and each
other (`srcgrad.rules.products`).

`cross(a, b)` is `np.cross` of 3-vectors along the last axes (stacks
broadcast); 2-vectors (deprecated by NumPy 2, a scalar result) and the
`axisa=`/`axisb=`/`axisc=` forms raise `NoAdjointError`.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError

from ..errors import NoAdjointError
from .dtypes import numba_dtype
from .guards import NO_ADJOINT
from .machinecode import cached_jitable, cached_overload

_KRON = "np.kron of operands other than vectors and matrices (srcgrad differentiates those)"
_CROSS = ("np.cross of vectors whose last axis is not of length 3 (srcgrad differentiates "
          "3-vectors along the last axis, stacked)")


def _ranks_ok(a_ndim: int, b_ndim: int) -> bool:
    return a_ndim in (1, 2) and b_ndim in (1, 2)


def kron(a, b):
    """`np.kron(a, b)` of vectors and matrices."""
    if not _ranks_ok(np.ndim(a), np.ndim(b)):
        raise NoAdjointError(NO_ADJOINT + _KRON)
    return np.kron(a, b)


def _ndim(ty) -> int:
    return ty.ndim if isinstance(ty, types.Array) else 0


@cached_overload(kron)
def _kron(a, b):
    if not _ranks_ok(_ndim(a), _ndim(b)):
        raise TypingError(NO_ADJOINT + _KRON)
    return lambda a, b: np.kron(a, b)


def _as_matrix(x):
    return np.reshape(x, (1, -1)) if np.ndim(x) == 1 else x


def _blocks(dy, a, b):
    """`dy` as `G[i, k, j, l]`."""
    (m, n), (p, q) = np.shape(_as_matrix(a)), np.shape(_as_matrix(b))
    return np.reshape(dy, (m, p, n, q))


def kron_grad_left(dy, a, b):
    """The cotangent of `a` in `np.kron(a, b)`."""
    g = np.einsum("ikjl,kl->ij", _blocks(dy, a, b), _as_matrix(b))
    return np.reshape(g, np.shape(a)).astype(np.result_type(dy, b), copy=False)


def kron_grad_right(dy, a, b):
    """The cotangent of `b` in `np.kron(a, b)`."""
    g = np.einsum("ikjl,ij->kl", _blocks(dy, a, b), _as_matrix(a))
    return np.reshape(g, np.shape(b)).astype(np.result_type(dy, a), copy=False)


@cached_jitable
def _kron_contract(blocks, other, out, left):
    m, p, n, q = blocks.shape
    for i in range(m):
        for k in range(p):
            for j in range(n):
                for c in range(q):
                    if left:
                        out[i, j] += blocks[i, k, j, c] * other[k, c]
                    else:
                        out[k, c] += blocks[i, k, j, c] * other[i, j]
    return out


def _kron_grad(dy, a, b, left: bool):
    if not _ranks_ok(_ndim(a), _ndim(b)):
        raise TypingError(NO_ADJOINT + _KRON)
    dtype = np.result_type(numba_dtype(dy), numba_dtype(b if left else a))
    a_rows = _ndim(a) == 2
    b_rows = _ndim(b) == 2

    def impl(dy, a, b):
        m = a.shape[0] if a_rows else 1
        p = b.shape[0] if b_rows else 1
        n, q = a.shape[-1], b.shape[-1]
        blocks = np.ascontiguousarray(dy).reshape((m, p, n, q))
        if left:
            other = np.ascontiguousarray(b).reshape((p, q))
            out = np.zeros((m, n), dtype)
            return _kron_contract(blocks, other, out, True).reshape(a.shape)
        other = np.ascontiguousarray(a).reshape((m, n))
        out = np.zeros((p, q), dtype)
        return _kron_contract(blocks, other, out, False).reshape(b.shape)

    return impl


@cached_overload(kron_grad_left)
def _kron_grad_left(dy, a, b):
    return _kron_grad(dy, a, b, left=True)


@cached_overload(kron_grad_right)
def _kron_grad_right(dy, a, b):
    return _kron_grad(dy, a, b, left=False)


# --- cross ---------------------------------------------------------------------------------------


def cross(a, b):
    """`np.cross(a, b)` of 3-vectors along the last axes."""
    if np.shape(a)[-1:] != (3,) or np.shape(b)[-1:] != (3,):
        raise NoAdjointError(NO_ADJOINT + _CROSS)
    return np.cross(a, b)


@cached_overload(cross)
def _cross(a, b):
    if _ndim(a) == 0 or _ndim(b) == 0:
        raise TypingError(NO_ADJOINT + _CROSS)

    def impl(a, b):
        if a.shape[-1] != 3 or b.shape[-1] != 3:
            raise ValueError("np.cross: srcgrad differentiates 3-vectors along the last axis")
        return np.cross(a, b)

    return impl
