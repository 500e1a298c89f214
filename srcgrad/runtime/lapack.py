"""LU factors by LAPACK, and the solves and inverses made from them, in
Python and compiled: `np.linalg.solve` and `slogdet` factor their matrix
once in the forward pass, and their rules reuse those factors, where a rule
written with `solve` and `inv` would factor the matrix again for each
cotangent (`rules/linalg.py`).

- `lu_factors(a)`: for each matrix of `a` (one, or a stack), LAPACK's `getrf`
  factors `P A = L U` and its pivots in one array of the floating dtype,
  shaped `a.shape[:-1] + (n + 1,)`: the first `n` columns hold the factors
  transposed (LAPACK's column-major array, with leading dimension `n + 1`),
  the last the pivots (1-based).  A constant of the gradient;
- `factored_solve(f, a, b)`: `np.linalg.solve(a, b)` from `a`'s factors `f`
  (`getrs`), `b` read as NumPy 2 reads it (one vector, or matrices whose
  batch axes broadcast with `a`'s); `factored_solve_t(f, a, b)` the same of
  each matrix transposed;
- `factored_logabsdet(f, a)`, `factored_sign(f)`: the parts of
  `np.linalg.slogdet(a)`, from the diagonal of `U` and the pivots;
- `factored_inverse_t(f, a)`: each `inv(a).T` (`getri`).

`a` is an argument of the functions of the factors so that their rules can
give its cotangent: their values read `f` only, which the lowering computes
from that same `a` (`lu_factors(a)`).  A singular matrix: the solves raise
`LinAlgError` as NumPy's does, `slogdet` gives sign 0 and `-inf`, the
inverse raises.  Operands of another floating dtype than the factors (a
float32 matrix, a float64 `b`) are solved with `solve` of the common
dtype, as NumPy does.

Compiled, the LAPACK routines are SciPy's (`scipy.linalg.cython_lapack`),
called by symbol as `runtime.special` calls SciPy's special functions, so
the machine code caches on disk; in Python, `scipy.linalg.lu_factor`,
`lu_solve`.  Both loop over the matrices of a stack.
"""

from __future__ import annotations

import llvmlite.binding as llvm
import numpy as np
import scipy.linalg
from numba import types
from numba.core.datamodel import models
from numba.core.errors import TypingError
from numba.extending import get_cython_function_address, register_model
from numba.np.unsafe.ndarray import to_fixed_tuple

from ..errors import NoAdjointError
from .dtypes import numba_dtype
from .guards import NO_ADJOINT
from .linalg import _broadcast_batch
from .machinecode import cached_jitable, cached_overload
from .matrices import _batch_size, _check_matrices, _float_matrices, solve

_SINGULAR = "Singular matrix"


class _LapackRoutine(types.ExternalFunction):
    """A routine of `cython_lapack` (every argument a pointer), which Numba
    calls by its symbol; it pickles as the call that makes it (see
    `runtime.special._CythonKernel`)."""

    def __init__(self, name: str, arity: int):
        self.lapack_name, self.arity = name, arity
        super().__init__(f"srcgrad_lapack_{name}", types.void(*[types.voidptr] * arity))

    def __reduce__(self):
        return _routine, (self.lapack_name, self.arity)


register_model(_LapackRoutine)(models.OpaqueModel)


def _routine(name: str, arity: int) -> _LapackRoutine:
    address = get_cython_function_address("scipy.linalg.cython_lapack", name)
    llvm.add_symbol(f"srcgrad_lapack_{name}", address)
    return _LapackRoutine(name, arity)


_SGETRF, _DGETRF = _routine("sgetrf", 6), _routine("dgetrf", 6)
_SGETRS, _DGETRS = _routine("sgetrs", 9), _routine("dgetrs", 9)
_SGETRI, _DGETRI = _routine("sgetri", 7), _routine("dgetri", 7)


# --- in Python ------------------------------------------------------------------------------------


def _float(dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        raise NoAdjointError(NO_ADJOINT + "np.linalg of complex matrices: srcgrad differentiates "
                             "real ones")
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def lu_factors(a):
    """The LU factors and pivots of each matrix of `a`, in one array (see the module)."""
    _check_matrices("solve/slogdet", a)
    a = np.asarray(a)
    n = a.shape[-1]
    if a.shape[-2] != n:
        raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square")
    out = np.zeros(a.shape[:-1] + (n + 1,), _float(a.dtype))
    for index in np.ndindex(a.shape[:-2]):
        lu, piv = scipy.linalg.lu_factor(a[index], check_finite=False)
        out[index][:, :n] = lu.T
        out[index][:, n] = piv + 1
    return out


def _parts(f):
    """The LU factors and 0-based pivots of one matrix's `f`, as `scipy.linalg` takes them."""
    n = f.shape[-2]
    lu = f[:, :n].T
    if np.any(np.diagonal(lu) == 0):
        raise np.linalg.LinAlgError(_SINGULAR)
    return lu, f[:, n].astype(np.intp) - 1


def _solve(f, a, b, trans):
    dtype = np.result_type(f, b)
    if dtype != f.dtype:  # the factors of another dtype: as NumPy, in the common one
        return solve(np.swapaxes(a, -1, -2) if trans else a, b)
    columns = np.asarray(b)[..., None] if np.ndim(b) == 1 else np.asarray(b)
    batch = np.broadcast_shapes(f.shape[:-2], columns.shape[:-2])
    fs = np.broadcast_to(f, batch + f.shape[-2:])
    bs = np.broadcast_to(columns, batch + columns.shape[-2:])
    out = np.empty(batch + columns.shape[-2:], dtype)
    for index in np.ndindex(batch):
        out[index] = scipy.linalg.lu_solve(_parts(fs[index]), bs[index], trans=int(trans),
                                           check_finite=False)
    return out[..., 0] if np.ndim(b) == 1 else out


def factored_solve(f, a, b):
    """`np.linalg.solve(a, b)` from `f = lu_factors(a)`."""
    return _solve(f, a, b, False)


def factored_solve_t(f, a, b):
    """`np.linalg.solve` of each matrix of `a` transposed, from `f = lu_factors(a)`."""
    return _solve(f, a, b, True)


def factored_logabsdet(f, a):
    """`np.linalg.slogdet(a)[1]` from `f = lu_factors(a)`."""
    n = f.shape[-2]
    return np.sum(np.log(np.abs(np.diagonal(f[..., :n], axis1=-2, axis2=-1))), axis=-1)[()]


def factored_sign(f):
    """`np.linalg.slogdet(a)[0]` from `f = lu_factors(a)`."""
    n = f.shape[-2]
    diagonal = np.diagonal(f[..., :n], axis1=-2, axis2=-1)
    swaps = np.sum(f[..., n] != np.arange(1, n + 1), axis=-1)
    return (np.prod(np.sign(diagonal), axis=-1) * (-1.0) ** swaps).astype(f.dtype)[()]


def factored_inverse_t(f, a):
    """`np.linalg.inv(a)` of each matrix, transposed, from `f = lu_factors(a)`."""
    n = f.shape[-2]
    out = np.empty(f.shape[:-1] + (n,), f.dtype)
    for index in np.ndindex(f.shape[:-2]):
        out[index] = scipy.linalg.lu_solve(_parts(f[index]), np.eye(n, dtype=f.dtype),
                                           check_finite=False).T
    return out


# --- compiled -------------------------------------------------------------------------------------
# LAPACK's arguments are pointers: its integers are the elements of a small int32
# array (`ints`), each passed as a pointer to it (`ints[k:].ctypes`), its matrices
# column-major (a C-contiguous matrix's transpose).  The routine of the matrix's
# precision is chosen by its item size.


@cached_jitable
def _getrf(ints, a, piv):
    """`getrf` in place on the column-major matrix at `a` (m, n, lda, info in `ints`)."""
    if a.itemsize == 4:
        _SGETRF(ints[0:].ctypes, ints[1:].ctypes, a.ctypes, ints[2:].ctypes, piv.ctypes,
                ints[3:].ctypes)
    else:
        _DGETRF(ints[0:].ctypes, ints[1:].ctypes, a.ctypes, ints[2:].ctypes, piv.ctypes,
                ints[3:].ctypes)


@cached_jitable
def _getrs(letter, ints, a, piv, b):
    """`getrs` (n, nrhs, lda, ldb, info in `ints`), `b` overwritten by the solution."""
    if a.itemsize == 4:
        _SGETRS(letter.ctypes, ints[0:].ctypes, ints[1:].ctypes, a.ctypes, ints[2:].ctypes,
                piv.ctypes, b.ctypes, ints[3:].ctypes, ints[4:].ctypes)
    else:
        _DGETRS(letter.ctypes, ints[0:].ctypes, ints[1:].ctypes, a.ctypes, ints[2:].ctypes,
                piv.ctypes, b.ctypes, ints[3:].ctypes, ints[4:].ctypes)


@cached_jitable
def _getri(ints, a, piv, work):
    """`getri` in place (n, lda, lwork, info in `ints`)."""
    if a.itemsize == 4:
        _SGETRI(ints[0:].ctypes, a.ctypes, ints[1:].ctypes, piv.ctypes, work.ctypes,
                ints[2:].ctypes, ints[3:].ctypes)
    else:
        _DGETRI(ints[0:].ctypes, a.ctypes, ints[1:].ctypes, piv.ctypes, work.ctypes,
                ints[2:].ctypes, ints[3:].ctypes)


@cached_overload(lu_factors)
def _lu_factors(a):
    dtype = _float_matrices("solve/slogdet", a)

    def factors(a):
        n = a.shape[-1]
        if a.shape[-2] != n:
            raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square")
        count = _batch_size(a.shape)
        matrices = np.ascontiguousarray(a).reshape((count, n, n))
        out = np.zeros((count, n, n + 1), dtype)
        piv = np.empty(max(n, 1), np.int32)
        ints = np.array((n, n, n + 1, 0), np.int32)  # m, n, lda, info
        for i in range(count):
            out[i, :, :n] = matrices[i].T  # column-major, leading dimension n + 1
            if n > 0:
                _getrf(ints, out[i], piv)
            for k in range(n):
                out[i, k, n] = piv[k]
        return out.reshape(a.shape[:-1] + (n + 1,))

    return factors


@cached_jitable
def _pivots(f, piv):
    n = f.shape[0]
    for k in range(n):
        piv[k] = np.int32(f[k, n])
        if f[k, k] == 0:
            raise np.linalg.LinAlgError(_SINGULAR)


@cached_jitable
def _solve_columns(fs, bs, code):
    """The solves of each (n, n + 1) factors of `fs` with the (n, k) columns of `bs`."""
    count, n, k = bs.shape
    out = np.empty((count, n, k), fs.dtype)
    piv = np.empty(max(n, 1), np.int32)
    ints = np.array((n, k, n + 1, n, 0), np.int32)  # n, nrhs, lda, ldb, info
    letter = np.array([code], np.uint8)
    for i in range(count):
        _pivots(fs[i], piv)
        columns = np.ascontiguousarray(bs[i].T)  # column-major, leading dimension n
        if n > 0 and k > 0:
            _getrs(letter, ints, fs[i], piv, columns)
        out[i] = columns.T
    return out


def _overload_solve(fn, trans: bool):
    @cached_overload(fn)
    def _factored_solve(f, a, b):
        if not isinstance(b, types.Array):
            raise TypingError(NO_ADJOINT + "np.linalg.solve with b not an array")
        dtype = numba_dtype(f)
        common = np.result_type(dtype, numba_dtype(b))
        common = common if common.kind == "f" else np.dtype(np.float64)
        if common != dtype:
            if trans:
                return lambda f, a, b: solve(np.swapaxes(a, -1, -2), b)
            return lambda f, a, b: solve(a, b)
        code = ord("T") if trans else ord("N")
        if b.ndim == 1:
            def one_vector(f, a, b):
                n = f.shape[-2]
                if b.shape[0] != n:
                    raise ValueError("np.linalg.solve: b's length differs from the matrices'")
                count = _batch_size(f.shape)
                fs = np.ascontiguousarray(f).reshape((count, n, n + 1))
                bs = np.empty((count, n, 1), dtype)
                for i in range(count):
                    bs[i, :, 0] = b
                return _solve_columns(fs, bs, code).reshape(f.shape[:-1])
            return one_vector

        rank = max(f.ndim, b.ndim) - 2  # of the broadcast batch

        def matrices(f, a, b):
            n, k = f.shape[-2], b.shape[-1]
            if b.shape[-2] != n:
                raise ValueError("np.linalg.solve: b's columns differ in length from the "
                                 "matrices")
            batch = to_fixed_tuple(_broadcast_batch(f.shape, b.shape, np.empty(rank, np.int64)),
                                   rank)
            count = _batch_size(batch + (n, k))
            fs = np.ascontiguousarray(np.broadcast_to(f, batch + (n, n + 1))).reshape(
                (count, n, n + 1))
            bs = np.ascontiguousarray(np.broadcast_to(b, batch + (n, k))).reshape((count, n, k))
            return _solve_columns(fs, bs.astype(dtype), code).reshape(batch + (n, k))

        return matrices


_overload_solve(factored_solve, False)
_overload_solve(factored_solve_t, True)


@cached_jitable
def _logabsdets(fs):
    count, n = fs.shape[0], fs.shape[1]
    out = np.zeros(count, fs.dtype)
    for i in range(count):
        for k in range(n):
            out[i] += np.log(np.abs(fs[i, k, k]))
    return out


@cached_jitable
def _signs(fs):
    count, n = fs.shape[0], fs.shape[1]
    out = np.ones(count, fs.dtype)
    for i in range(count):
        for k in range(n):
            if fs[i, k, k] == 0:
                out[i] = 0
            elif fs[i, k, k] < 0:
                out[i] = -out[i]
            if fs[i, k, n] != k + 1:
                out[i] = -out[i]
    return out


@cached_jitable
def _stack(f):
    """The factors of each matrix, one axis before them."""
    n = f.shape[-2]
    return np.ascontiguousarray(f).reshape((_batch_size(f.shape), n, n + 1))


def _overload_per_matrix(fn, per_matrix, with_a: bool):
    """`fn` of the factors: `per_matrix` of their stack, a scalar for one matrix."""
    if with_a:
        @cached_overload(fn)
        def _of_factors(f, a):
            if f.ndim == 2:
                return lambda f, a: per_matrix(_stack(f))[0]
            return lambda f, a: per_matrix(_stack(f)).reshape(f.shape[:-2])
        return

    @cached_overload(fn)
    def _of_factors_alone(f):
        if f.ndim == 2:
            return lambda f: per_matrix(_stack(f))[0]
        return lambda f: per_matrix(_stack(f)).reshape(f.shape[:-2])


_overload_per_matrix(factored_logabsdet, _logabsdets, True)
_overload_per_matrix(factored_sign, _signs, False)


@cached_overload(factored_inverse_t)
def _factored_inverse_t(f, a):
    dtype = numba_dtype(f)

    def inverse_t(f, a):
        n = f.shape[-2]
        work = _stack(f).copy()
        count = work.shape[0]
        out = np.empty((count, n, n), dtype)
        piv = np.empty(max(n, 1), np.int32)
        scratch = np.empty(max(64 * n, 1), dtype)
        ints = np.array((n, n + 1, scratch.size, 0), np.int32)  # n, lda, lwork, info
        for i in range(count):
            _pivots(work[i], piv)
            if n > 0:
                _getri(ints, work[i], piv, scratch)
            out[i] = work[i, :, :n]  # the inverse, column-major: its transpose row by row
        return out.reshape(f.shape[:-1] + (n,))

    return inverse_t
