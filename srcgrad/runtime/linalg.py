"""Matrix products and their cotangents, in Python and compiled.

Replacements: `dot` (Numba has no `np.dot` of a scalar, nor of mixed or
integer dtypes), `matmul` for `np.matmul` and `@` (Numba has no
`np.matmul`, and its `@` refuses `x32 @ w64`, `w @ int_array` and stacks of
matrices: a loop over the batch).

`dot_grad_left(g, a, b)` and `dot_grad_right(g, a, b)` are the cotangents of
`a` and `b` in `np.dot(a, b)` for every combination of scalar, vector and
matrix operands, and in `np.matmul(a, b)` of stacks of matrices
(`g @ swap(b)` and `swap(a) @ g`, summed over the batch axes an operand was
broadcast along); they first sum `g` back to the result's shape.  Their
results are always new arrays.  `product` (dot, or matmul of stacks) is what
their own rules multiply with.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.np.unsafe.ndarray import to_fixed_tuple

from ..errors import NoAdjointError
from .broadcast import sum_to
from .dtypes import is_scalar_type, numba_dtype
from .guards import NO_ADJOINT
from .machinecode import cached_jitable, cached_overload, compiled_once


def _dot_shape(a, b) -> tuple[int, ...]:
    """The shape of `np.dot(a, b)` for operands of at most two dimensions,
    and of `np.matmul(a, b)` for a batched product (see `_is_batched`)."""
    sa, sb = np.shape(a), np.shape(b)
    if _is_batched(len(sa), len(sb)):
        return np.broadcast_shapes(sa[:-2], sb[:-2]) + (sa[-2], sb[-1])
    if not sa or not sb:
        return sa or sb
    return sa[:-1] + sb[1:]


def _is_batched(na: int, nb: int) -> bool:
    """Whether operands of `na` and `nb` dimensions make a batched matrix
    product (matmul of stacks of matrices, their batch axes broadcast);
    refuses a stack with a vector, and operands of more than two dimensions
    that are not a stack of matrices."""
    if na <= 2 and nb <= 2:
        return False
    if na < 2 or nb < 2:
        raise NoAdjointError(NO_ADJOINT + _more_than_2d(na, nb))
    return True


def _more_than_2d(na: int, nb: int) -> str:
    return (f"a product of {na}-D and {nb}-D operands: srcgrad differentiates dot of at most "
            "2-D operands, and matmul and @ of at most 2-D operands or of two stacks of "
            "matrices (each at least 2-D)")


def dot(a, b):
    """`np.dot(a, b)`; replaces it, since Numba has no `np.dot` of a scalar."""
    if np.ndim(a) > 2 or np.ndim(b) > 2:
        raise NoAdjointError(NO_ADJOINT + _more_than_2d(np.ndim(a), np.ndim(b)))
    return np.dot(a, b)


def matmul(x1, x2):
    """`np.matmul(x1, x2)`; replaces it, since Numba has only `@` (of 2-D operands)."""
    _is_batched(np.ndim(x1), np.ndim(x2))
    return np.matmul(x1, x2)


def product(a, b):
    """The product the rules of `dot` and `matmul` use: `np.dot(a, b)` for
    operands of at most two dimensions (scalars included), `np.matmul(a, b)`
    for stacks of matrices."""
    if _is_batched(np.ndim(a), np.ndim(b)):
        return np.matmul(a, b)
    return np.dot(a, b)


def _swap_last(a):
    """`a` with its last two axes swapped (each matrix of a stack transposed)."""
    return np.swapaxes(a, -1, -2)


def _product_dtype(a, b):
    """The dtype NumPy gives a product of arrays typed `a` and `b` (Numba types),
    with integers and booleans read as float64: Numba's `np.dot` and `@` take
    only operands of one floating dtype."""
    dtype = np.result_type(numba_dtype(a), numba_dtype(b))
    return dtype if dtype.kind in "fc" else np.dtype(np.float64)


@compiled_once
def _blas_dot(a, b):
    """`np.dot` of two arrays of one floating dtype (a BLAS call).  Numba's
    own implementation takes about half a second to compile for each pair of
    operand types; this one is compiled once per machine and then read from
    the disk cache."""
    return np.dot(a, b)


@cached_overload(dot)
def _dot(a, b):
    if isinstance(a, types.Array) and isinstance(b, types.Array) and (a.ndim > 2 or b.ndim > 2):
        raise TypingError(NO_ADJOINT + _more_than_2d(a.ndim, b.ndim))
    if is_scalar_type(a) or is_scalar_type(b):
        return lambda a, b: a * b
    dtype = _product_dtype(a, b)
    if numba_dtype(a) == dtype and numba_dtype(b) == dtype:
        return lambda a, b: _blas_dot(a, b)
    return lambda a, b: _blas_dot(a.astype(dtype), b.astype(dtype))


def _numba_batched(a, b) -> bool:
    na = a.ndim if isinstance(a, types.Array) else 0
    nb = b.ndim if isinstance(b, types.Array) else 0
    if na <= 2 and nb <= 2:
        return False
    if na < 2 or nb < 2:
        raise TypingError(NO_ADJOINT + _more_than_2d(na, nb))
    return True


@cached_overload(matmul)
def _matmul(x1, x2):
    if not (isinstance(x1, types.Array) and isinstance(x2, types.Array)):
        raise TypingError("matmul: operands must be arrays, not scalars")
    if _numba_batched(x1, x2):
        return lambda x1, x2: product(x1, x2)
    return lambda x1, x2: dot(x1, x2)


@cached_jitable
def _broadcast_batch(sa, sb, out):
    """Into `out`: the broadcast of the batch axes of the shapes `sa` and `sb`
    of two stacks of matrices (all but their last two axes), aligned at
    their ends; `out` is as long as the longer batch."""
    n = out.size
    for k in range(n):
        i, j = len(sa) - 2 - n + k, len(sb) - 2 - n + k
        da = sa[i] if i >= 0 else 1
        db = sb[j] if j >= 0 else 1
        if da != db and da != 1 and db != 1:
            raise ValueError("the batch dimensions of two stacks of matrices do not broadcast")
        out[k] = max(da, db)
    return out


def _batched_shape(a, b):
    """The shape of `np.matmul(a, b)` for stacks of matrices."""
    return _dot_shape(a, b)


@cached_overload(_batched_shape)
def _batched_shape_overload(a, b):
    rank = max(a.ndim, b.ndim) - 2  # of the broadcast batch

    def shape(a, b):
        batch = to_fixed_tuple(_broadcast_batch(a.shape, b.shape, np.empty(rank, np.int64)),
                               rank)
        return batch + (a.shape[-2], b.shape[-1])

    return shape


@cached_overload(product)
def _product(a, b):
    if not _numba_batched(a, b):
        return lambda a, b: dot(a, b)
    dtype = _product_dtype(a, b)

    def batched(a, b):
        m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
        if b.shape[-2] != k:
            raise ValueError("matmul: the inner dimensions of the operands differ")
        batch = _batched_shape(a, b)[:-2]
        count = 1
        for d in batch:
            count *= d
        left = np.ascontiguousarray(np.broadcast_to(a, batch + (m, k))).reshape(
            (count, m, k)).astype(dtype)
        right = np.ascontiguousarray(np.broadcast_to(b, batch + (k, n))).reshape(
            (count, k, n)).astype(dtype)
        out = np.empty((count, m, n), dtype)
        for i in range(count):
            out[i] = _blas_dot(left[i], right[i])
        return out.reshape(batch + (m, n))

    return batched


@cached_overload(_swap_last)
def _swap_last_overload(a):
    axes = tuple(range(a.ndim - 2)) + (a.ndim - 1, a.ndim - 2)
    return lambda a: np.transpose(a, axes)


def dot_grad_left(dy, a, b):
    """The cotangent of `a` in `np.dot(a, b)`, for the cotangent `dy` of the
    result (or of a broadcast of it).  A new array (generated code relies on
    it: `ir.effects.HELPERS`), or a scalar."""
    g = sum_to(dy, _dot_shape(a, b))
    na, nb = np.ndim(a), np.ndim(b)
    if _is_batched(na, nb):
        return sum_to(np.matmul(g, _swap_last(b)), np.shape(a))
    if na == 0:
        return np.sum(g * b)
    if nb == 0 or (na == 1 and nb == 1):
        return g * b
    if na == 2 and nb == 1:
        return np.outer(g, b)
    if na == 1:
        return np.dot(b, g)
    return np.dot(g, np.transpose(b))


def dot_grad_right(dy, a, b):
    """The cotangent of `b` in `np.dot(a, b)`, for the cotangent `dy` of the
    result (or of a broadcast of it).  A new array, or a scalar."""
    g = sum_to(dy, _dot_shape(a, b))
    na, nb = np.ndim(a), np.ndim(b)
    if _is_batched(na, nb):
        return sum_to(np.matmul(_swap_last(a), g), np.shape(b))
    if nb == 0:
        return np.sum(g * a)
    if na == 0 or (na == 1 and nb == 1):
        return g * a
    if na == 1:
        return np.outer(a, g)
    return np.dot(np.transpose(a), g)


def _numba_dot_shape(a, b):
    """The ranks of `a` and `b` (Numba types), and a function of (a, b) giving
    the shape of `np.dot(a, b)`."""
    na = a.ndim if isinstance(a, types.Array) else 0
    nb = b.ndim if isinstance(b, types.Array) else 0
    if na > 2 or nb > 2:
        raise TypingError(NO_ADJOINT + _more_than_2d(na, nb))
    if (na == 0 and nb == 0) or (na == 1 and nb == 1):
        return na, nb, _no_axes
    if na == 0:
        return na, nb, _shape_of_b
    if nb == 0:
        return na, nb, _shape_of_a
    if nb == 1:
        return na, nb, _rows_of_a
    if na == 1:
        return na, nb, _columns_of_b
    return na, nb, _rows_by_columns


# The pieces of the matrix products' cotangents: module-level functions, so
# that the implementations choosing them are cached once per machine
# (`machinecode`: a closure over a function made anew would not be).


@cached_jitable
def _no_axes(a, b):
    return ()


@cached_jitable
def _shape_of_a(a, b):
    return a.shape


@cached_jitable
def _shape_of_b(a, b):
    return b.shape


@cached_jitable
def _rows_of_a(a, b):
    return (a.shape[0],)


@cached_jitable
def _columns_of_b(a, b):
    return (b.shape[1],)


@cached_jitable
def _rows_by_columns(a, b):
    return (a.shape[0], b.shape[1])


@cached_jitable
def _summed_times_b(g, a, b):
    return np.sum(g * b)


@cached_jitable
def _summed_times_a(g, a, b):
    return np.sum(g * a)


@cached_jitable
def _times_b(g, a, b):
    return g * b


@cached_jitable
def _times_a(g, a, b):
    return g * a


@cached_jitable
def _outer_with_b(g, a, b):
    return np.outer(g, b)


@cached_jitable
def _outer_of_a(g, a, b):
    return np.outer(a, g)


@cached_jitable
def _b_times(g, a, b):
    return dot(b, g)


@cached_jitable
def _times_b_transposed(g, a, b):
    return dot(g, b.T)


@cached_jitable
def _a_transposed_times(g, a, b):
    return dot(a.T, g)


def _overload_dot_grad(fn, left: bool):
    @cached_overload(fn)
    def _dot_grad(dy, a, b):
        if _numba_batched(a, b):
            return _batched_left if left else _batched_right
        na, nb, result_shape = _numba_dot_shape(a, b)
        own, other = (na, nb) if left else (nb, na)
        if own == 0:
            product = _summed_times_b if left else _summed_times_a
        elif other == 0 or (na == 1 and nb == 1):
            product = _times_b if left else _times_a
        elif left and na == 2 and nb == 1:
            product = _outer_with_b
        elif left and na == 1:
            product = _b_times
        elif left:
            product = _times_b_transposed
        elif na == 1:
            product = _outer_of_a
        else:
            product = _a_transposed_times
        return lambda dy, a, b: product(sum_to(dy, result_shape(a, b)), a, b)


@cached_jitable
def _batched_left(dy, a, b):
    return sum_to(product(sum_to(dy, _batched_shape(a, b)), _swap_last(b)), a.shape)


@cached_jitable
def _batched_right(dy, a, b):
    return sum_to(product(_swap_last(a), sum_to(dy, _batched_shape(a, b))), b.shape)


_overload_dot_grad(dot_grad_left, left=True)
_overload_dot_grad(dot_grad_right, left=False)


# --- `bW += dot_grad_left(g, W, x)` in place ---------------------------------------------------


def add_dot_grad_left(total, dy, a, b):
    """`total += dot_grad_left(dy, a, b)`.  Compiled, where `a` is a matrix
    and `b` and `dy` vectors (`W @ x` in a loop: an RNN's step, a filter's
    update), the outer product is added in place, element by element, with
    no matrix made for it (`optimize/products.py` writes the call where
    nothing else holds `total`)."""
    total += dot_grad_left(dy, a, b)


def add_dot_grad_right(total, dy, a, b):
    """`total += dot_grad_right(dy, a, b)`; in place where `a` and `dy` are
    vectors and `b` a matrix (`x @ W`)."""
    total += dot_grad_right(dy, a, b)


def _vectors_and_matrix(total, dy, vector, matrix) -> bool:
    return all(isinstance(t, types.Array) for t in (total, dy, vector, matrix)) and \
        total.ndim == 2 and matrix.ndim == 2 and dy.ndim == 1 and vector.ndim == 1


@cached_jitable
def _add_outer(total, u, v):
    """`total[i, j] += u[i] * v[j]`, in place."""
    for i in range(total.shape[0]):
        ui = u[i]
        for j in range(total.shape[1]):
            total[i, j] += ui * v[j]


@cached_overload(add_dot_grad_left)
def _add_dot_grad_left(total, dy, a, b):
    if not _vectors_and_matrix(total, dy, b, a):
        def generic(total, dy, a, b):
            total += dot_grad_left(dy, a, b)
        return generic

    def outer(total, dy, a, b):
        if dy.shape[0] != a.shape[0] or total.shape != (a.shape[0], b.shape[0]):
            total += dot_grad_left(dy, a, b)  # (a broadcast result's cotangent, summed)
        else:
            _add_outer(total, dy, b)
    return outer


@cached_overload(add_dot_grad_right)
def _add_dot_grad_right(total, dy, a, b):
    if not _vectors_and_matrix(total, dy, a, b):
        def generic(total, dy, a, b):
            total += dot_grad_right(dy, a, b)
        return generic

    def outer(total, dy, a, b):
        if dy.shape[0] != b.shape[1] or total.shape != (a.shape[0], b.shape[1]):
            total += dot_grad_right(dy, a, b)
        else:
            _add_outer(total, a, dy)
    return outer
