"""Determinants, inverses, linear solves and Cholesky factors, in Python and compiled.

Replacements: `det`, `inv`, `solve` and `cholesky` for `np.linalg`'s.  Numba's
`np.linalg` takes matrices of one floating dtype only: these read integers
as float64 and give `solve`'s operands their common dtype, as NumPy does.
All refuse stacks of matrices (`NoAdjointError` in Python, a typing error
compiled): srcgrad differentiates them of one matrix.

`np.linalg.slogdet` returns a pair; the lowering writes it as two calls,
`slogdet_sign(a)` (constant) and `logabsdet(a)`, so that each part is a
value of its own.

The maps of the Cholesky factor's rule (`rules/linalg.py`), each linear:

- `half_lower(x)`: the lower triangle of `x`, its diagonal halved (the
  Φ of the reverse formula); its own transpose;
- `mirror_lower(x)`: `tril(x) + tril(x, -1).T`, the symmetric matrix that
  `np.linalg.cholesky` factors (it reads only the lower triangle of its
  operand);
- `fold_lower(x)`: its transpose, `tril(x + x.T)` with `x`'s own diagonal.

Each returns a new array (`ir.effects.HELPERS`).
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError

from ..errors import NoAdjointError
from .dtypes import numba_dtype
from .guards import NO_ADJOINT
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
    dtype = numba_dtype(ty)
    if dtype.kind == "c":
        raise TypingError(f"np.linalg.{name}: srcgrad differentiates real matrices")
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


# --- the replacements ------------------------------------------------------------------------
# LAPACK's calls, compiled once per machine (Numba's own take a few tenths of
# a second to compile for each operand type, in every process).


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


def det(a):
    """`np.linalg.det(a)` of one matrix."""
    _check_matrix("det", a)
    return np.linalg.det(a)


@cached_overload(det)
def _det(a):
    dtype = _float_matrix("det", a)
    if numba_dtype(a) == dtype:
        return lambda a: _lapack_det(a)
    return lambda a: _lapack_det(a.astype(dtype))


def slogdet_sign(a):
    """The sign of the determinant of one matrix, `np.linalg.slogdet(a)[0]`."""
    _check_matrix("slogdet", a)
    return np.linalg.slogdet(a)[0]


def logabsdet(a):
    """The log of the absolute determinant of one matrix, `np.linalg.slogdet(a)[1]`."""
    _check_matrix("slogdet", a)
    return np.linalg.slogdet(a)[1]


def _overload_slogdet(fn, part: int):
    @cached_overload(fn)
    def _slogdet(a):
        dtype = _float_matrix("slogdet", a)
        if numba_dtype(a) == dtype:
            return lambda a: _lapack_slogdet(a)[part]
        return lambda a: _lapack_slogdet(a.astype(dtype))[part]


_overload_slogdet(slogdet_sign, 0)
_overload_slogdet(logabsdet, 1)


def inv(a):
    """`np.linalg.inv(a)` of one matrix."""
    _check_matrix("inv", a)
    return np.linalg.inv(a)


@cached_overload(inv)
def _inv(a):
    dtype = _float_matrix("inv", a)
    if numba_dtype(a) == dtype:
        return lambda a: _lapack_inv(a)
    return lambda a: _lapack_inv(a.astype(dtype))


def solve(a, b):
    """`np.linalg.solve(a, b)` of one matrix `a` and a vector or matrix `b`."""
    _check_matrix("solve", a)
    if np.ndim(b) not in (1, 2):
        raise NoAdjointError(NO_ADJOINT + f"np.linalg.solve with a {np.ndim(b)}-D b: srcgrad "
                             "differentiates it with b a vector or a matrix")
    return np.linalg.solve(a, b)


@cached_overload(solve)
def _solve(a, b):
    _float_matrix("solve", a)
    if not isinstance(b, types.Array) or b.ndim not in (1, 2):
        raise TypingError(NO_ADJOINT + "np.linalg.solve with b not a vector or a matrix")
    dtype = np.result_type(numba_dtype(a), numba_dtype(b))
    dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)
    if numba_dtype(a) == dtype and numba_dtype(b) == dtype:
        return lambda a, b: _lapack_solve(a, b)
    return lambda a, b: _lapack_solve(a.astype(dtype), b.astype(dtype))


def cholesky(a):
    """`np.linalg.cholesky(a)` of one matrix: the lower factor, from `a`'s
    lower triangle."""
    _check_matrix("cholesky", a)
    return np.linalg.cholesky(a)


@cached_overload(cholesky)
def _cholesky(a):
    dtype = _float_matrix("cholesky", a)
    if numba_dtype(a) == dtype:
        return lambda a: _lapack_cholesky(a)
    return lambda a: _lapack_cholesky(a.astype(dtype))


# --- the triangle maps of the Cholesky factor's rule --------------------------------------------
# (plain loops over the diagonal: the same code runs in NumPy and compiled)


@cached_jitable
def half_lower(x):
    """The lower triangle of the square matrix `x`, its diagonal halved."""
    out = np.tril(x)
    for i in range(out.shape[0]):
        out[i, i] = out[i, i] / 2
    return out


@cached_jitable
def mirror_lower(x):
    """The symmetric matrix whose lower triangle is `x`'s."""
    return np.tril(x) + np.tril(x, -1).T


@cached_jitable
def fold_lower(x):
    """The transpose of `mirror_lower`: `tril(x + x.T)`, the diagonal `x`'s own."""
    out = np.tril(x + x.T)
    for i in range(out.shape[0]):
        out[i, i] = x[i, i]
    return out
