"""The helpers of `np.einsum` and `np.tensordot`, which the lowering writes
as registered operations (`srcgrad.rules.einsum`, `srcgrad.rules.products`).

- `operand_of_rank(x, count, ellipsis)` is `x`, checked to have `count`
  axes (or more, where `ellipsis` is true): as many as its einsum
  subscripts name.  The expansion addresses axes from the end, so a wrong
  rank would otherwise broadcast silently instead of failing as
  `np.einsum` does (a matrix norm without `axis` checks its rank with it);
- `eye_last(x)`: the identity matrix the size of `x`'s last axis, in its
  dtype (a constant: the mask that picks a repeated subscript's diagonal);
- `fold_tail(a, n)`, `fold_head(b, n)`: the matrix shape that gathers the
  last (first) `n` axes of an array into one, the others into the other;
  `joined_shape(a, n, b, m)`: `a.shape[:-n] + b.shape[m:]`, the shape of a
  tensor product over those axes.  All three are constants (shapes).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.core.errors import TypingError

from .dtypes import numba_dtype
from .machinecode import cached_jitable, cached_overload


def _rank_message(count: int, ellipsis: bool, ndim: int) -> str:
    want = f"at least {count}" if ellipsis else f"{count}"
    return f"an operand has {ndim} axes where {want} are expected (as its subscripts name)"


def operand_of_rank(x, count, ellipsis):
    """`x`, of `count` axes (or more, where `ellipsis` is true), as the
    subscripts of an operand of `np.einsum` name them."""
    ndim = np.ndim(x)
    if ndim < count or (ndim > count and not ellipsis):
        raise ValueError(_rank_message(count, ellipsis, ndim))
    return x


def _literal(value):
    if isinstance(value, (types.IntegerLiteral, types.BooleanLiteral)):
        return value.literal_value
    return None


@cached_overload(operand_of_rank)
def _operand_of_rank(x, count, ellipsis):
    # checked when the function runs: `count` and `ellipsis` need not be literals
    ndim = x.ndim if isinstance(x, types.Array) else 0

    def impl(x, count, ellipsis):
        if ndim < count or (ndim > count and not ellipsis):
            raise ValueError("an operand has fewer or more axes than its subscripts name")
        return x

    return impl


def eye_last(x):
    """The identity matrix the size of the last axis of `x`, in `x`'s dtype."""
    n = np.shape(x)[-1]
    return np.eye(n, dtype=np.result_type(x))


@cached_overload(eye_last)
def _eye_last(x):
    dtype = numba_dtype(x)
    return lambda x: np.eye(x.shape[-1], x.shape[-1], dtype=dtype)


# --- tensordot's shapes -------------------------------------------------------------------------


def fold_tail(a, n):
    """`(size of all but the last n axes, size of the last n axes)` of `a`."""
    shape = np.shape(a)
    if not 0 <= n <= len(shape):
        raise ValueError("tensordot: more summed axes than the operand has")
    k = len(shape) - n
    return int(np.prod(shape[:k], dtype=np.int64)), int(np.prod(shape[k:], dtype=np.int64))


def fold_head(a, n):
    """`(size of the first n axes, size of the others)` of `a`."""
    shape = np.shape(a)
    if not 0 <= n <= len(shape):
        raise ValueError("tensordot: more summed axes than the operand has")
    return int(np.prod(shape[:n], dtype=np.int64)), int(np.prod(shape[n:], dtype=np.int64))


def joined_shape(a, n, b, m):
    """`a.shape[:ndim - n] + b.shape[m:]`."""
    return tuple(np.shape(a)[:np.ndim(a) - n]) + tuple(np.shape(b)[m:])


@cached_jitable
def _sizes(shape, k):
    lead = 1
    rest = 1
    for i in range(len(shape)):
        if i < k:
            lead *= shape[i]
        else:
            rest *= shape[i]
    return lead, rest


def _split_point(a, n, tail: bool):
    count = _literal(n)
    ndim = a.ndim if isinstance(a, types.Array) else 0
    if count is None:
        return None
    if not 0 <= count <= ndim:
        raise TypingError("tensordot: more summed axes than the operand has")
    return ndim - count if tail else count


@cached_overload(fold_tail)
def _fold_tail(a, n):
    k = _split_point(a, n, tail=True)
    if k is None:
        return lambda a, n: numba.literally(n)
    return lambda a, n: _sizes(a.shape, k)


@cached_overload(fold_head)
def _fold_head(a, n):
    k = _split_point(a, n, tail=False)
    if k is None:
        return lambda a, n: numba.literally(n)
    return lambda a, n: _sizes(a.shape, k)


@cached_overload(joined_shape)
def _joined_shape(a, n, b, m):
    k, j = _split_point(a, n, tail=True), _split_point(b, m, tail=False)
    if k is None or j is None:
        return lambda a, n, b, m: numba.literally(n) + numba.literally(m)
    return lambda a, n, b, m: a.shape[:k] + b.shape[j:]


# --- identity of a matrix's size (np.linalg.matrix_power(a, 0)) ---------------------------------


def identity_like(a):
    """Identity matrices shaped like the (stack of) square matrices `a`."""
    n = np.shape(a)[-1]
    return np.broadcast_to(np.eye(n, dtype=np.result_type(a)), np.shape(a)).copy()


@cached_overload(identity_like)
def _identity_like(a):
    dtype = numba_dtype(a)

    def impl(a):
        n = a.shape[-1]
        out = np.zeros(a.shape, dtype)
        flat = out.reshape((-1, n, n))
        for k in range(flat.shape[0]):
            for i in range(n):
                flat[k, i, i] = 1
        return out

    return impl
