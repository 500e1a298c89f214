"""Matrix decompositions as functions of one result each, in Python and compiled.

`np.linalg.eigh`, `svd`, `qr` and `lstsq` return tuples; the lowering
writes each call as the tuple of its parts (`rules/decompositions.py`), and
each part is one of these functions, with a rule of its own:

- `eigh_values(a)`, `eigh_vectors(a)`: `np.linalg.eigh(a)`'s `w` and `v`,
  from the lower triangle of `a`;
- `svd_u(a, full_matrices)`, `svd_s(a)`, `svd_vt(a, full_matrices)`: the
  reduced factors of `np.linalg.svd`; `full_matrices=True` is refused for
  a matrix that is not square (there the full factors are the reduced ones);
- `qr_q(a)`, `qr_r(a)`: the reduced QR factors of a matrix with at least as
  many rows as columns;
- `pinv(a)`: `np.linalg.pinv(a)` of a matrix of full rank (refused
  otherwise: the pseudo-inverse jumps where the rank drops);
- `lstsq_solution(a, b)`, `lstsq_residuals(a, b)`, `lstsq_rank(a)`: the
  first three results of `np.linalg.lstsq(a, b)`; the solution of a matrix
  of full column rank only.

`singular_reciprocal(s)` is `1 / s`, raising where a singular value is
zero (to rounding): the singular vectors' rules divide by them.

`gap_product(w, x)` is the matrix `x[i, j] / (w[j] - w[i])` off the diagonal
and zero on it: the "F" of the eigenvector and singular vector rules.  Where
two values of `w` tie (to a few rounding errors) and `x` is nonzero at their
pair, the derivative it stands for does not exist: it raises
`NoAdjointError` instead of dividing by zero.

Each returns a new array (`ir.effects.HELPERS`).  Numba's `np.linalg`
takes floating matrices of one dtype: integers are read as float64.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError

from ..errors import NoAdjointError
from .dtypes import numba_dtype
from .guards import NO_ADJOINT
from .machinecode import cached_jitable, cached_overload, compiled_once
from .matrices import _check_matrix, _float_matrix

TIED = ("np.linalg: two eigenvalues or singular values tie, and the gradient reaches the "
        "vectors that belong to them; there these vectors have no derivative")


# --- the F matrix of the vector rules ------------------------------------------------------------


@cached_jitable
def gap_product(w, x):
    """`x[i, j] / (w[j] - w[i])` for `i != j`, zero on the diagonal; raises
    where `w[i]` and `w[j]` tie and `x[i, j]` or `x[j, i]` is nonzero."""
    n = w.shape[0]
    out = x * np.zeros_like(w)[0]
    scale = 0.0
    for i in range(n):
        scale = max(scale, abs(w[i]))
    tol = 16.0 * n * np.finfo(w.dtype).eps * scale
    for i in range(n):
        for j in range(n):
            if i != j:
                gap = w[j] - w[i]
                if abs(gap) <= tol:
                    if x[i, j] != 0 or x[j, i] != 0:
                        raise NoAdjointError(TIED)
                else:
                    out[i, j] = x[i, j] / gap
    return out


_SINGULAR = (NO_ADJOINT + "np.linalg.svd: a singular value is zero (to rounding), and the gradient "
             "reaches the singular vectors, which divide by it: srcgrad differentiates them "
             "of full-rank matrices")


@cached_jitable
def singular_reciprocal(s):
    """`1 / s` of singular values `s` (descending); raises where one is zero
    to rounding (the singular vectors' rules divide by them)."""
    tol = 16.0 * s.shape[0] * np.finfo(s.dtype).eps * s[0] if s.shape[0] else 0.0
    for i in range(s.shape[0]):
        if s[i] <= tol:
            raise NoAdjointError(_SINGULAR)
    return np.ones_like(s) / s


# --- eigh ----------------------------------------------------------------------------------------


@compiled_once
def _lapack_eigh(a):
    return np.linalg.eigh(a)


@compiled_once
def _lapack_eigvalsh(a):
    return np.linalg.eigvalsh(a)


def _float_type(name: str, a):
    """The floating dtype `a` is computed in (Numba types), refusing other ranks."""
    return _float_matrix(name, a)


def eigh_values(a):
    """`np.linalg.eigh(a)[0]`: the eigenvalues of the symmetric matrix whose
    lower triangle is `a`'s, ascending."""
    _check_matrix("eigh", a)
    return np.linalg.eigvalsh(a)


@cached_overload(eigh_values)
def _eigh_values(a):
    dtype = _float_type("eigh", a)
    if numba_dtype(a) == dtype:
        return lambda a: _lapack_eigvalsh(a)
    return lambda a: _lapack_eigvalsh(a.astype(dtype))


def eigh_vectors(a):
    """`np.linalg.eigh(a)[1]`: the eigenvectors (columns) of the symmetric
    matrix whose lower triangle is `a`'s."""
    _check_matrix("eigh", a)
    return np.linalg.eigh(a)[1]


@cached_overload(eigh_vectors)
def _eigh_vectors(a):
    dtype = _float_type("eigh", a)
    if numba_dtype(a) == dtype:
        return lambda a: _lapack_eigh(a)[1]
    return lambda a: _lapack_eigh(a.astype(dtype))[1]


# --- svd -----------------------------------------------------------------------------------------

_SVD_FULL = (NO_ADJOINT + "np.linalg.svd with full_matrices=True of a matrix that is not square: "
             "srcgrad differentiates the reduced factors (full_matrices=False)")


@compiled_once
def _lapack_svd(a):
    return np.linalg.svd(a, False)


def _check_svd(a, full_matrices) -> None:
    _check_matrix("svd", a)
    if full_matrices and a.shape[0] != a.shape[1]:
        raise NoAdjointError(_SVD_FULL)


def svd_u(a, full_matrices=False):
    """`np.linalg.svd(a, full_matrices=False)[0]` (refusing `full_matrices`
    for a matrix that is not square)."""
    _check_svd(a, full_matrices)
    return np.linalg.svd(a, full_matrices=False)[0]


def svd_s(a):
    """The singular values of `a`, descending."""
    _check_matrix("svd", a)
    return np.linalg.svd(a, compute_uv=False)


def svd_vt(a, full_matrices=False):
    """`np.linalg.svd(a, full_matrices=False)[2]` (refusing `full_matrices`
    for a matrix that is not square)."""
    _check_svd(a, full_matrices)
    return np.linalg.svd(a, full_matrices=False)[2]


@cached_jitable
def _square_if_full(a, full_matrices):
    if full_matrices and a.shape[0] != a.shape[1]:
        raise NoAdjointError(_SVD_FULL)


def _overload_svd(fn, part: int, takes_full: bool):
    if takes_full:
        @cached_overload(fn)
        def _svd(a, full_matrices=False):
            dtype = _float_type("svd", a)
            if numba_dtype(a) == dtype:
                def impl(a, full_matrices=False):
                    _square_if_full(a, full_matrices)
                    return _lapack_svd(a)[part]
                return impl

            def convert(a, full_matrices=False):
                _square_if_full(a, full_matrices)
                return _lapack_svd(a.astype(dtype))[part]
            return convert
        return

    @cached_overload(fn)
    def _svd_values(a):
        dtype = _float_type("svd", a)
        if numba_dtype(a) == dtype:
            return lambda a: _lapack_svd(a)[part]
        return lambda a: _lapack_svd(a.astype(dtype))[part]


_overload_svd(svd_u, 0, True)
_overload_svd(svd_s, 1, False)
_overload_svd(svd_vt, 2, True)


# --- qr ------------------------------------------------------------------------------------------

_QR_WIDE = (NO_ADJOINT + "np.linalg.qr of a matrix with fewer rows than columns: srcgrad "
            "differentiates the reduced factors of a tall or square matrix")


@compiled_once
def _lapack_qr(a):
    if a.shape[0] < a.shape[1]:
        raise NoAdjointError(_QR_WIDE)
    return np.linalg.qr(a)


def _check_tall(a) -> None:
    _check_matrix("qr", a)
    if a.shape[0] < a.shape[1]:
        raise NoAdjointError(_QR_WIDE)


def qr_q(a):
    """`np.linalg.qr(a)[0]`, `a` tall or square."""
    _check_tall(a)
    return np.linalg.qr(a)[0]


def qr_r(a):
    """`np.linalg.qr(a)[1]`, `a` tall or square."""
    _check_tall(a)
    return np.linalg.qr(a)[1]


def _overload_qr(fn, part: int):
    @cached_overload(fn)
    def _qr(a):
        dtype = _float_type("qr", a)
        if numba_dtype(a) == dtype:
            return lambda a: _lapack_qr(a)[part]
        return lambda a: _lapack_qr(a.astype(dtype))[part]


_overload_qr(qr_q, 0)
_overload_qr(qr_r, 1)


# --- pinv and lstsq ------------------------------------------------------------------------------

_RANK = (NO_ADJOINT + "np.linalg.{} of a matrix without full {}rank: its result jumps where the "
         "rank drops, so srcgrad differentiates it of full-rank matrices only")
_PINV_RANK = _RANK.format("pinv", "")
_LSTSQ_RANK = _RANK.format("lstsq", "column ")


@cached_jitable
def _full_rank(s, m, n) -> bool:
    """Whether singular values `s` of an m-by-n matrix are all above NumPy's cut-off."""
    if s.shape[0] == 0:
        return True
    return s[-1] > max(m, n) * np.finfo(s.dtype).eps * s[0]


@compiled_once
def _lapack_pinv(a):
    s = np.linalg.svd(a, False)[1]
    if not _full_rank(s, a.shape[0], a.shape[1]):
        raise NoAdjointError(_PINV_RANK)
    return np.linalg.pinv(a)


def pinv(a):
    """`np.linalg.pinv(a)` of a matrix of full rank."""
    _check_matrix("pinv", a)
    if not _full_rank(np.linalg.svd(a, compute_uv=False), *a.shape):
        raise NoAdjointError(_PINV_RANK)
    return np.linalg.pinv(a)


@cached_overload(pinv)
def _pinv(a):
    dtype = _float_type("pinv", a)
    if numba_dtype(a) == dtype:
        return lambda a: _lapack_pinv(a)
    return lambda a: _lapack_pinv(a.astype(dtype))


def _check_lstsq(a, b) -> None:
    _check_matrix("lstsq", a)
    if np.ndim(b) not in (1, 2):
        raise NoAdjointError(NO_ADJOINT + f"np.linalg.lstsq with a {np.ndim(b)}-D b: srcgrad "
                             "differentiates it with b a vector or a matrix")


@compiled_once
def _lapack_lstsq(a, b):
    s = np.linalg.svd(a, False)[1]
    if a.shape[0] < a.shape[1] or not _full_rank(s, a.shape[0], a.shape[1]):
        raise NoAdjointError(_LSTSQ_RANK)
    return np.linalg.lstsq(a, b)[0]


def lstsq_solution(a, b):
    """`np.linalg.lstsq(a, b)[0]` of a matrix `a` of full column rank."""
    _check_lstsq(a, b)
    m, n = a.shape
    if m < n or not _full_rank(np.linalg.svd(a, compute_uv=False), m, n):
        raise NoAdjointError(_LSTSQ_RANK)
    return np.linalg.lstsq(a, b, rcond=None)[0]


def _lstsq_dtype(name, a, b) -> np.dtype:
    _float_type(name, a)
    if not isinstance(b, types.Array) or b.ndim not in (1, 2):
        raise TypingError(NO_ADJOINT + f"np.linalg.{name} with b not a vector or a matrix")
    dtype = np.result_type(numba_dtype(a), numba_dtype(b))
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


@cached_overload(lstsq_solution)
def _lstsq_solution(a, b):
    dtype = _lstsq_dtype("lstsq", a, b)
    if numba_dtype(a) == dtype and numba_dtype(b) == dtype:
        return lambda a, b: _lapack_lstsq(a, b)
    return lambda a, b: _lapack_lstsq(a.astype(dtype), b.astype(dtype))


def lstsq_residuals(a, b):
    """`np.linalg.lstsq(a, b)[1]` (no rule: srcgrad refuses to differentiate it)."""
    _check_lstsq(a, b)
    return np.linalg.lstsq(a, b, rcond=None)[1]


@compiled_once
def _lapack_residuals(a, b):
    return np.linalg.lstsq(a, b)[1]


@cached_overload(lstsq_residuals)
def _lstsq_residuals(a, b):
    dtype = _lstsq_dtype("lstsq", a, b)
    return lambda a, b: _lapack_residuals(a.astype(dtype), b.astype(dtype))


def lstsq_rank(a):
    """`np.linalg.lstsq(a, b)[2]`, the rank of `a` (a constant)."""
    _check_matrix("lstsq", a)
    return int(np.linalg.matrix_rank(a))


@compiled_once
def _lapack_rank(a):
    return np.linalg.matrix_rank(a)


@cached_overload(lstsq_rank)
def _lstsq_rank(a):
    dtype = _float_type("lstsq", a)
    return lambda a: _lapack_rank(a.astype(dtype))
