"""`np.linalg.norm` and `np.trace`: the replacement `norm` and the cotangents.

`norm` computes the 2-norm of vectors and the Frobenius norm of matrices
(`ord=None`, 2 or `'fro'`), with `axis=` and `keepdims=`, which Numba lacks;
other orders raise `NoAdjointError` (the lowering expands those it can
differentiate into other operations, after `vector_operand` checks that
the operand is a vector).  `trace_grad(dy, a)` is the cotangent of `a` in
`np.trace(a)`.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.core.errors import TypingError

from ..errors import NoAdjointError
from .axes import axis_count, static_bool
from .dtypes import is_none_type, numba_dtype
from .guards import NO_ADJOINT
from .machinecode import cached_overload, compiled_once
from .reductions import reduce_sum


def trace_grad(dy, a):
    """The cotangent of the matrix `a` in `np.trace(a)`: the identity
    (rectangular like `a`) times the sum of `dy`."""
    total = np.sum(dy)
    return total * np.eye(*np.shape(a), dtype=np.result_type(total))


@cached_overload(trace_grad)
def _trace_grad(dy, a):
    dtype = numba_dtype(dy)
    return lambda dy, a: np.sum(dy) * np.eye(a.shape[0], a.shape[1], dtype=dtype)


# --- norm ----------------------------------------------------------------------------------------
#
# ord=None, a vector's ord=2 and a matrix's 'fro': the rule below.  The other
# orders are expanded by the lowering into operations that have rules
# (`srcgrad.rules.norms`).  What reaches `norm` with another order (a
# matrix's ord=2 without axis=) is refused, naming the ord.


def _is_vector(ndim: int, axis) -> bool:
    return (axis is None and ndim == 1) or isinstance(axis, int) or (
        isinstance(axis, tuple) and len(axis) == 1)


NORM_ORDERS = ("srcgrad differentiates ord=None, 'fro', 'nuc', 1, -1, 2, -2, inf and -inf for "
               "matrices and numbers (inf, -inf, 0, p) for vectors, written as constants; "
               "without axis=, ord=2, -2 and -1 are read as a vector's: pass axis=(0, 1) "
               "for a matrix's")
_MATRIX = ("np.linalg.norm of a matrix without axis= and with ord 2, -2, -1, 0 or another number "
           "(read as a vector's order): " + NORM_ORDERS)
_VECTOR = "np.linalg.norm of a vector with ord='fro' (or of a matrix): " + NORM_ORDERS


def _check_ord(ord, ndim: int, axis) -> None:
    vector = _is_vector(ndim, axis)
    if ord is None or (ord == 2 and vector) or (ord == "fro" and not vector):
        return
    raise NoAdjointError(NO_ADJOINT + (_VECTOR if vector else _MATRIX))


def norm(x, ord=None, axis=None, keepdims=False):
    """`np.linalg.norm(x, ord, axis, keepdims)` for the 2-norm and the
    Frobenius norm; replaces it, since Numba has no `axis=` or `keepdims=`.
    Other orders raise `NoAdjointError` (the lowering expands those it can
    differentiate into other operations first)."""
    _check_ord(ord, np.ndim(x), axis)
    return np.linalg.norm(x, ord, axis, keepdims)


@cached_overload(norm)
def _norm(x, ord=None, axis=None, keepdims=False):
    keep = static_bool(keepdims, "keepdims")
    if keep is None:
        return lambda x, ord=None, axis=None, keepdims=False: numba.literally(keepdims)
    if not isinstance(x, types.Array):
        raise TypingError(f"norm: x must be an array, not {x}")
    vector = axis_count(axis, x.ndim) == 1
    ok = is_none_type(ord) or (
        isinstance(ord, types.IntegerLiteral) and ord.literal_value == 2 and vector) or (
        isinstance(ord, types.StringLiteral) and ord.literal_value == "fro" and not vector)
    if not ok:
        raise TypingError(NO_ADJOINT + (_VECTOR if vector else _MATRIX))
    if is_none_type(axis) and not keep:
        return lambda x, ord=None, axis=None, keepdims=False: _norm_all(x)
    return lambda x, ord=None, axis=None, keepdims=False: np.sqrt(
        reduce_sum(x * x, axis, keepdims=keepdims))


@compiled_once
def _norm_all(x):
    """The 2-norm of all of `x` (Frobenius for a matrix), compiled once per machine."""
    return np.sqrt(np.sum(x * x))


def vector_operand(x, axis):
    """`x`, whose norm along `axis` is a vector norm; refuses a matrix (its
    norm of an order other than None and 'fro' has no rule)."""
    if not _is_vector(np.ndim(x), axis):
        raise NoAdjointError(NO_ADJOINT + _MATRIX)
    return x


@cached_overload(vector_operand)
def _vector_operand(x, axis):
    ndim = x.ndim if isinstance(x, types.Array) else 0
    if axis_count(axis, ndim) != 1:
        raise TypingError(NO_ADJOINT + _MATRIX)
    return lambda x, axis: x
