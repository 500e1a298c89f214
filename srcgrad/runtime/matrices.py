"""Determinants, inverses, linear solves and Cholesky factors, in Python and compiled.

Replacements: `det`, `inv`, `solve` and `cholesky` for `np.linalg`'s, of a
matrix or of a stack of them (leading batch axes), as NumPy takes them.
Numba's `np.linalg` takes one matrix of one floating dtype: these read
integers as float64, give `solve`'s operands their common dtype, as NumPy
does, and loop over the matrices of a stack.  `solve(a, b)` reads `b` as
NumPy 2 does: a 1-D `b` is one vector, solved with every matrix of `a`;
any other is a matrix (or a stack of them, its batch axes broadcast with
`a`'s) whose columns are solved for.

`np.linalg.slogdet` returns a pair; the lowering writes it as two calls,
`slogdet_sign(a)` (constant) and `logabsdet(a)`, so that each part is a
value of its own.

The maps of the rules (`rules/linalg.py`), each linear, each taking a
matrix or a stack of them:

- `half_lower(x)`: the lower triangle of `x`, its diagonal halved (the
  Φ of the reverse formula); its own transpose;
- `mirror_lower(x)`: `tril(x) + tril(x, -1).T`, the symmetric matrix that
  `np.linalg.cholesky` factors (it reads only the lower triangle of its
  operand);
- `fold_lower(x)`: its transpose, `tril(x + x.T)` with `x`'s own diagonal;
- `matrix_scale(c, m)`: each matrix of `m` times its number of `c`, and
  `matrix_inner(x, y)`, the inner products of pairs of matrices: each
  linear in one operand is the other's transpose;
- `as_columns(x, b)` and `from_columns(x, b)`: `x` as the matrix of columns
  that `solve(a, b)` solves for (a vector `b` is one column), and back.

`single_matrix(a)` is `a`, refusing anything but one matrix: the
`scipy.linalg` functions that srcgrad writes with these take one matrix.

Each returns a new array (`ir.effects.HELPERS`) but `as_columns`,
`from_columns` and `single_matrix`, which may return their operand.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.np.unsafe.ndarray import to_fixed_tuple

from ..errors import NoAdjointError
from .dtypes import numba_dtype
from .guards import NO_ADJOINT
from .linalg import _broadcast_batch
from .machinecode import cached_jitable, cached_overload, compiled_once


def _one_matrix(name: str, ndim: int) -> str:
    return (f"np.linalg.{name} of a {ndim}-D operand: srcgrad differentiates it of one "
            "square matrix (2-D)")


def _check_matrix(name: str, a) -> None:
    if np.ndim(a) != 2:
        raise NoAdjointError(NO_ADJOINT + _one_matrix(name, np.ndim(a)))


def _float_matrix(name: str, ty) -> np.dtype:
    """The floating dtype Numba's `np.linalg` gets for a matrix of type `ty`."""
    ndim = ty.ndim if isinstance(ty, types.Array) else 0
    if ndim != 2:
        raise TypingError(NO_ADJOINT + _one_matrix(name, ndim))
    return _float_dtype(name, ty)


def _float_dtype(name: str, ty) -> np.dtype:
    dtype = numba_dtype(ty)
    if dtype.kind == "c":
        raise TypingError(f"np.linalg.{name}: srcgrad differentiates real matrices")
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def _no_matrix(name: str, ndim: int) -> str:
    return (f"np.linalg.{name} of a {ndim}-D operand: srcgrad differentiates it of a square "
            "matrix or of a stack of them (at least 2-D)")


def _check_matrices(name: str, a) -> None:
    if np.ndim(a) < 2:
        raise NoAdjointError(NO_ADJOINT + _no_matrix(name, np.ndim(a)))


def _float_matrices(name: str, ty) -> np.dtype:
    """The floating dtype a matrix or a stack of matrices of type `ty` is computed in."""
    ndim = ty.ndim if isinstance(ty, types.Array) else 0
    if ndim < 2:
        raise TypingError(NO_ADJOINT + _no_matrix(name, ndim))
    return _float_dtype(name, ty)


# --- the replacements ------------------------------------------------------------------------
# LAPACK's calls, compiled once per machine (Numba's own take a few tenths of
# a second to compile for each operand type, in every process).  Numba's take
# one matrix: a stack is a loop over its matrices (`_stack_of`).


@compiled_once
def _lapack_det(a):
    return np.linalg.det(a)


@compiled_once
def _lapack_slogdet(a):
    return np.linalg.slogdet(a)


@compiled_once
def _lapack_inv(a):
    return np.linalg.inv(a)


@compiled_once
def _lapack_solve(a, b):
    return np.linalg.solve(a, b)


@compiled_once
def _lapack_cholesky(a):
    return np.linalg.cholesky(a)


@cached_jitable
def _batch_size(shape):
    """The number of matrices in a stack of this shape (all but its last two axes)."""
    count = 1
    for k in range(len(shape) - 2):
        count *= shape[k]
    return count


@cached_jitable
def _stack_of(a, count):
    """The stack `a` (at least 2-D) as `count` contiguous matrices, one axis before them."""
    return np.ascontiguousarray(a).reshape((count, a.shape[-2], a.shape[-1]))


def det(a):
    """`np.linalg.det(a)` of a matrix or a stack of them."""
    _check_matrices("det", a)
    return np.linalg.det(a)


@cached_jitable
def _stacked_det(a):
    m = _stack_of(a, _batch_size(a.shape))
    out = np.empty(m.shape[0], m.dtype)
    for i in range(m.shape[0]):
        out[i] = _lapack_det(m[i])
    return out.reshape(a.shape[:-2])


@cached_overload(det)
def _det(a):
    dtype = _float_matrices("det", a)
    run = _lapack_det if a.ndim == 2 else _stacked_det
    if numba_dtype(a) == dtype:
        return lambda a: run(a)
    return lambda a: run(a.astype(dtype))


def slogdet_sign(a):
    """The sign of the determinant of a matrix (of each of a stack), `np.linalg.slogdet(a)[0]`."""
    _check_matrices("slogdet", a)
    return np.linalg.slogdet(a)[0]


def logabsdet(a):
    """The log of the absolute determinant of a matrix (of each of a stack),
    `np.linalg.slogdet(a)[1]`."""
    _check_matrices("slogdet", a)
    return np.linalg.slogdet(a)[1]


@cached_jitable
def _stacked_sign(a):
    m = _stack_of(a, _batch_size(a.shape))
    out = np.empty(m.shape[0], m.dtype)
    for i in range(m.shape[0]):
        out[i] = _lapack_slogdet(m[i])[0]
    return out.reshape(a.shape[:-2])


@cached_jitable
def _stacked_logabsdet(a):
    m = _stack_of(a, _batch_size(a.shape))
    out = np.empty(m.shape[0], m.dtype)
    for i in range(m.shape[0]):
        out[i] = _lapack_slogdet(m[i])[1]
    return out.reshape(a.shape[:-2])


@cached_jitable
def _sign_of(a):
    return _lapack_slogdet(a)[0]


@cached_jitable
def _logabsdet_of(a):
    return _lapack_slogdet(a)[1]


def _overload_slogdet(fn, one, stacked):
    @cached_overload(fn)
    def _slogdet(a):
        dtype = _float_matrices("slogdet", a)
        run = one if a.ndim == 2 else stacked
        if numba_dtype(a) == dtype:
            return lambda a: run(a)
        return lambda a: run(a.astype(dtype))


_overload_slogdet(slogdet_sign, _sign_of, _stacked_sign)
_overload_slogdet(logabsdet, _logabsdet_of, _stacked_logabsdet)


def inv(a):
    """`np.linalg.inv(a)` of a matrix or a stack of them."""
    _check_matrices("inv", a)
    return np.linalg.inv(a)


@cached_jitable
def _stacked_inv(a):
    m = _stack_of(a, _batch_size(a.shape))
    out = np.empty_like(m)
    for i in range(m.shape[0]):
        out[i] = _lapack_inv(m[i])
    return out.reshape(a.shape)


@cached_overload(inv)
def _inv(a):
    dtype = _float_matrices("inv", a)
    run = _lapack_inv if a.ndim == 2 else _stacked_inv
    if numba_dtype(a) == dtype:
        return lambda a: run(a)
    return lambda a: run(a.astype(dtype))


def solve(a, b):
    """`np.linalg.solve(a, b)` of a matrix or a stack of them, as NumPy 2
    reads `b`: one vector if it is 1-D (solved with every matrix), else a
    matrix or a stack of matrices (columns), the batch axes broadcast."""
    _check_matrices("solve", a)
    if np.ndim(b) < 1:
        raise NoAdjointError(NO_ADJOINT + "np.linalg.solve with a scalar b: srcgrad "
                             "differentiates it with b a vector, a matrix or a stack of them")
    return np.linalg.solve(a, b)


@cached_jitable
def _solve_vector(a, b):
    """Each matrix of the stack `a` solved with the one vector `b`."""
    m = _stack_of(a, _batch_size(a.shape))
    out = np.empty((m.shape[0], m.shape[1]), m.dtype)
    for i in range(m.shape[0]):
        out[i] = _lapack_solve(m[i], b)
    return out.reshape(a.shape[:-1])


def _solve_matrices(a, b):
    """`np.linalg.solve` of stacks of matrices `a` (square) and `b`, their
    batch axes broadcast (compiled only)."""
    return np.linalg.solve(a, b)


@cached_overload(_solve_matrices)
def _solve_matrices_overload(a, b):
    rank = max(a.ndim, b.ndim) - 2  # of the broadcast batch

    def stacked(a, b):
        n, k = a.shape[-1], b.shape[-1]
        if b.shape[-2] != n or a.shape[-2] != n:
            raise ValueError("np.linalg.solve: a's matrices must be square, and as long as "
                             "b's columns")
        batch = to_fixed_tuple(_broadcast_batch(a.shape, b.shape, np.empty(rank, np.int64)),
                               rank)
        count = _batch_size(batch + (n, k))
        left = _stack_of(np.broadcast_to(a, batch + (n, n)), count)
        right = _stack_of(np.broadcast_to(b, batch + (n, k)), count)
        out = np.empty((count, n, k), left.dtype)
        for i in range(count):
            out[i] = _lapack_solve(left[i], right[i])
        return out.reshape(batch + (n, k))

    return stacked


@cached_overload(solve)
def _solve(a, b):
    _float_matrices("solve", a)
    if not isinstance(b, types.Array):
        raise TypingError(NO_ADJOINT + "np.linalg.solve with b not an array")
    dtype = np.result_type(numba_dtype(a), numba_dtype(b))
    dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)
    if a.ndim == 2 and b.ndim <= 2:
        run = _lapack_solve
    elif b.ndim == 1:
        run = _solve_vector
    else:
        run = _solve_matrices
    if numba_dtype(a) == dtype and numba_dtype(b) == dtype:
        return lambda a, b: run(a, b)
    return lambda a, b: run(a.astype(dtype), b.astype(dtype))


def cholesky(a):
    """`np.linalg.cholesky(a)` of a matrix or a stack of them: the lower
    factor, from `a`'s lower triangle."""
    _check_matrices("cholesky", a)
    return np.linalg.cholesky(a)


@cached_jitable
def _stacked_cholesky(a):
    m = _stack_of(a, _batch_size(a.shape))
    out = np.empty_like(m)
    for i in range(m.shape[0]):
        out[i] = _lapack_cholesky(m[i])
    return out.reshape(a.shape)


@cached_overload(cholesky)
def _cholesky(a):
    dtype = _float_matrices("cholesky", a)
    run = _lapack_cholesky if a.ndim == 2 else _stacked_cholesky
    if numba_dtype(a) == dtype:
        return lambda a: run(a)
    return lambda a: run(a.astype(dtype))


# --- the triangle maps of the Cholesky factor's rule --------------------------------------------
# (plain loops over the diagonal of each matrix: the same code runs in NumPy and compiled)


@cached_jitable
def half_lower(x):
    """The lower triangle of each square matrix of `x`, its diagonal halved."""
    out = np.tril(x)
    for i in range(out.shape[-1]):
        out[..., i, i] = out[..., i, i] / 2
    return out


@cached_jitable
def mirror_lower(x):
    """The symmetric matrices whose lower triangles are `x`'s."""
    return np.tril(x) + np.swapaxes(np.tril(x, -1), -1, -2)


@cached_jitable
def fold_lower(x):
    """The transpose of `mirror_lower`: `tril(x + x.T)`, the diagonal `x`'s own."""
    out = np.tril(x + np.swapaxes(x, -1, -2))
    for i in range(out.shape[-1]):
        out[..., i, i] = x[..., i, i]
    return out


# --- the linear maps of the rules of stacks -------------------------------------------------------


def matrix_scale(c, m):
    """Each matrix of the stack `m` times its number in `c` (shaped like the
    batch; a scalar for one matrix): `c[..., None, None] * m`."""
    return np.asarray(c)[..., None, None] * m if np.ndim(c) else c * m


@cached_overload(matrix_scale)
def _matrix_scale(c, m):
    if isinstance(c, types.Array):
        return lambda c, m: np.expand_dims(np.expand_dims(c, -1), -1) * m
    return lambda c, m: c * m


def matrix_inner(x, y):
    """The inner product of each pair of matrices of the stacks `x` and `y`
    (shaped alike): `np.sum(x * y, axis=(-2, -1))`, a scalar for one pair."""
    return np.sum(x * y, axis=(-2, -1))


@cached_jitable
def _stacked_inner(x, y):
    count = _batch_size(x.shape)
    products = np.ascontiguousarray(x * y).reshape((count, x.shape[-2] * x.shape[-1]))
    return np.sum(products, axis=1).reshape(x.shape[:-2])


@cached_overload(matrix_inner)
def _matrix_inner(x, y):
    if x.ndim == 2:
        return lambda x, y: np.sum(x * y)
    return lambda x, y: _stacked_inner(x, y)


def as_columns(x, b):
    """`x` as the columns `np.linalg.solve(a, b)` solves for: a vector `b`
    is one column (`x[..., None]`); a matrix's are its own (`x`)."""
    return np.asarray(x)[..., None] if np.ndim(b) == 1 else x


@cached_overload(as_columns)
def _as_columns(x, b):
    if b.ndim == 1:
        return lambda x, b: np.expand_dims(x, -1)
    return lambda x, b: x


def from_columns(x, b):
    """The transpose of `as_columns`: the one column `x[..., 0]` for a vector
    `b`, `x` for a matrix."""
    return x[..., 0] if np.ndim(b) == 1 else x


@cached_overload(from_columns)
def _from_columns(x, b):
    if b.ndim == 1:
        return lambda x, b: x[..., 0]
    return lambda x, b: x


_ONE_SCIPY_MATRIX = (NO_ADJOINT + "a scipy.linalg function of a stack of matrices: srcgrad "
                     "differentiates scipy.linalg's functions of one matrix (2-D), and "
                     "np.linalg's of stacks too")


def single_matrix(a):
    """`a`, which must be one matrix (2-D)."""
    if np.ndim(a) != 2:
        raise NoAdjointError(_ONE_SCIPY_MATRIX)
    return a


@cached_overload(single_matrix)
def _single_matrix(a):
    if not isinstance(a, types.Array) or a.ndim != 2:
        raise TypingError(_ONE_SCIPY_MATRIX)
    return lambda a: a
