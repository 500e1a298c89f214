"""The helpers of `np.linalg.norm`'s matrix orders (the expansion is in
`srcgrad.rules.norms`).

- `singular_values(a)`: the singular values of a matrix or a stack of them,
  largest first (`np.linalg.svd(a, compute_uv=False)`);
- `singular_values_grad(dy, a)`: its cotangent, `U diag(dy) V^T` from the
  reduced SVD of `a`.  It holds where the singular values are distinct: at
  a tie (`a` a multiple of an orthogonal matrix, say) the singular vectors
  of the tied values are any basis of their subspace, and the value is the
  one LAPACK's basis gives: a subgradient of the 2-norm and of the nuclear
  norm, as in NumPy-based autograd and JAX.  It has no rule of its own, so
  a second derivative of a spectral or nuclear norm is refused;
- `singular_values_jvp(da, a)`: its transpose, the change of the singular
  values as `a` moves by `da`: `u_i' da v_i` for each (the tangent of
  `singular_values`, forward mode).  No rule either, for the same reason;
- `matrix_view(x)`: a matrix as it is, a vector as a column: the matrix
  orders 1, -1, inf and -inf of that column are the vector's orders, so
  `norm(x, ord)` without `axis` is one formula for both ranks;
- `kept_shape(x)`: `(1,) * x.ndim`, the shape of a norm over all axes with
  `keepdims=True`;
- `count_nonzero_norm(x, axis, keepdims)`: the "norm" of order 0, the
  number of nonzero entries, as floats (a constant: its derivative is zero
  wherever it has one).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.core.errors import TypingError

from ..errors import NoAdjointError
from .axes import static_bool
from .dtypes import numba_dtype
from .guards import NO_ADJOINT
from .machinecode import cached_jitable, cached_overload
from .reductions import reduce_sum

_RANK = ("np.linalg.norm of a matrix order: the operand must have at least two axes "
         "(a matrix, or a stack of them)")
_VIEW = ("np.linalg.norm with ord 1, -1, inf or -inf and no axis: the operand must be a "
         "vector or a matrix")


def _float(dtype) -> np.dtype:
    return np.result_type(dtype, np.float32)


def singular_values(a):
    """The singular values of the last two axes of `a`, largest first."""
    if np.ndim(a) < 2:
        raise NoAdjointError(NO_ADJOINT + _RANK)
    return np.linalg.svd(a, compute_uv=False)


def singular_values_grad(dy, a):
    """The cotangent of `a` in `singular_values(a)`: `U diag(dy) V^T`."""
    u, _, vt = np.linalg.svd(a, full_matrices=False)
    dy = np.broadcast_to(dy, np.shape(a)[:-2] + (min(np.shape(a)[-2:]),))
    return np.matmul(u * dy[..., None, :], vt)


def singular_values_jvp(da, a):
    """The change of `singular_values(a)` as `a` moves by `da`: `diag(U' da V)`."""
    u, _, vt = np.linalg.svd(a, full_matrices=False)
    da = np.broadcast_to(da, np.shape(a))
    return np.sum(u * np.matmul(da, np.swapaxes(vt, -1, -2)), axis=-2)


def _stack_impl(ty, body):
    if not isinstance(ty, types.Array) or ty.ndim < 2:
        raise TypingError(NO_ADJOINT + _RANK)
    return body


@cached_jitable
def _svd_values(matrices, out):
    for k in range(matrices.shape[0]):
        out[k] = np.linalg.svd(np.ascontiguousarray(matrices[k]), full_matrices=False)[1]
    return out


@cached_jitable
def _svd_grad(matrices, dy, out):
    for k in range(matrices.shape[0]):
        u, _, vt = np.linalg.svd(np.ascontiguousarray(matrices[k]), full_matrices=False)
        out[k] = (u * dy[k]) @ vt
    return out


@cached_jitable
def _svd_jvp(matrices, da, out):
    for k in range(matrices.shape[0]):
        u, _, vt = np.linalg.svd(np.ascontiguousarray(matrices[k]), full_matrices=False)
        out[k] = np.sum(u * (da[k] @ np.ascontiguousarray(vt.T)), axis=0)
    return out


@cached_overload(singular_values)
def _singular_values(a):
    dtype = _float(numba_dtype(a))

    def impl(a):
        m, n = a.shape[-2], a.shape[-1]
        k = min(m, n)
        matrices = np.ascontiguousarray(a).astype(dtype).reshape((-1, m, n))
        out = np.empty((matrices.shape[0], k), dtype)
        return _svd_values(matrices, out).reshape(a.shape[:-2] + (k,))

    return _stack_impl(a, impl)


@cached_overload(singular_values_grad)
def _singular_values_grad(dy, a):
    dtype = np.result_type(_float(numba_dtype(a)), numba_dtype(dy))

    def impl(dy, a):
        m, n = a.shape[-2], a.shape[-1]
        k = min(m, n)
        matrices = np.ascontiguousarray(a).astype(dtype).reshape((-1, m, n))
        spread = np.ascontiguousarray(
            np.broadcast_to(dy, a.shape[:-2] + (k,))).astype(dtype).reshape((-1, k))
        out = np.empty(matrices.shape, dtype)
        return _svd_grad(matrices, spread, out).reshape(a.shape)

    return _stack_impl(a, impl)


@cached_overload(singular_values_jvp)
def _singular_values_jvp(da, a):
    dtype = np.result_type(_float(numba_dtype(a)), numba_dtype(da))

    def impl(da, a):
        m, n = a.shape[-2], a.shape[-1]
        k = min(m, n)
        matrices = np.ascontiguousarray(a).astype(dtype).reshape((-1, m, n))
        moves = np.ascontiguousarray(np.broadcast_to(da, a.shape)).astype(dtype).reshape(
            (-1, m, n))
        out = np.empty((matrices.shape[0], k), dtype)
        return _svd_jvp(matrices, moves, out).reshape(a.shape[:-2] + (k,))

    return _stack_impl(a, impl)


def matrix_view(x):
    """A matrix as it is, a vector as a column."""
    if np.ndim(x) not in (1, 2):
        raise NoAdjointError(NO_ADJOINT + _VIEW)
    return np.reshape(x, (-1, 1)) if np.ndim(x) == 1 else x


@cached_overload(matrix_view)
def _matrix_view(x):
    ndim = x.ndim if isinstance(x, types.Array) else 0
    if ndim == 1:
        return lambda x: np.ascontiguousarray(x).reshape((x.size, 1))
    if ndim == 2:
        return lambda x: x
    raise TypingError(NO_ADJOINT + _VIEW)


def kept_shape(x):
    """`(1,) * np.ndim(x)`."""
    return (1,) * np.ndim(x)


@cached_overload(kept_shape)
def _kept_shape(x):
    ndim = x.ndim if isinstance(x, types.Array) else 0
    ones = (1,) * ndim
    return lambda x: ones


def count_nonzero_norm(x, axis=None, keepdims=False):
    """`np.linalg.norm(x, 0, axis, keepdims)`: how many entries are not 0."""
    return np.linalg.norm(x, 0, axis, keepdims)


@cached_overload(count_nonzero_norm)
def _count_nonzero_norm(x, axis=None, keepdims=False):
    keep = static_bool(keepdims, "keepdims")
    if keep is None:
        return lambda x, axis=None, keepdims=False: numba.literally(keepdims)
    dtype = _float(numba_dtype(x))
    return lambda x, axis=None, keepdims=False: reduce_sum(
        (x != 0).astype(dtype), axis, keepdims=keepdims)
