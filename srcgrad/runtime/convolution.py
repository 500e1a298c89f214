"""`np.convolve` and `np.correlate` of two vectors, in Python and compiled,
and their cotangents.

Both are a window of the full convolution `c_k = sum_i a_i b_{k-i}` (`b`
is `v`, reversed for `correlate`), of length `n + m - 1`; `_window` gives
the window's start and length for each mode as NumPy cuts it ('full';
'valid': the overlaps; 'same': `max(n, m)` values centred, with
`correlate` centring differently when `v` is the longer).  A cotangent `dy`
of the window (summed to its length first), padded with zeros to the full
length as `dyf`, gives

- the cotangent of `a`: `sum_j dyf_{i+j} b_j` (`convolve_grad`,
  `correlate_grad`);
- the cotangent of `b`: `sum_i dyf_{i+j} a_i`, reversed for `correlate`'s
  `v` (`correlate_v_grad`; `convolve`'s `v` is `convolve_grad(dy, v, a)`,
  since `np.convolve` is symmetric in its operands, in every mode).

Each is bilinear, so their rules are these same functions again: the
convolutions are differentiable to any order.  Replacements: `convolve`,
`correlate` (Numba has no `mode`).  Refused: operands that are not 1-D.

`centred_index(in1, in2)` is where `scipy.signal`'s 'same' window lies in
the full convolution (or correlation) of two vectors: `len(in1)` values
from `(len(in2) - 1) // 2`.  NumPy's 'same' keeps `max(n, m)` values, so
the two differ where `in2` is the longer.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError

from ..errors import NoAdjointError
from .broadcast import sum_to
from .dtypes import grad_dtype, numba_dtype
from .guards import NO_ADJOINT
from .machinecode import cached_jitable, cached_overload

# --- kernels, shared by Python and compiled code ----------------------------------------------


@cached_jitable
def _window(n, m, mode, correlate):
    """(start, length) of `mode`'s window in the full convolution."""
    if n == 0 or m == 0:
        raise ValueError("convolve and correlate take two non-empty vectors")
    if mode == "full":
        return 0, n + m - 1
    if mode == "valid":
        return min(n, m) - 1, max(n, m) - min(n, m) + 1
    if mode == "same":
        if correlate and n < m:
            return n // 2, m
        return (min(n, m) - 1) // 2, max(n, m)
    raise ValueError("mode must be 'full', 'same' or 'valid'")


@cached_jitable
def _tap(v, j, reverse):
    return v[v.size - 1 - j] if reverse else v[j]


@cached_jitable
def _forward(a, v, start, reverse, out):
    n, m = a.size, v.size
    for k in range(out.size):
        kk = k + start
        total = 0.0
        for i in range(max(0, kk - m + 1), min(n, kk + 1)):
            total += a[i] * _tap(v, kk - i, reverse)
        out[k] = total


@cached_jitable
def _first_grad(dy, v, start, reverse, out):
    """out_i = sum_j dyf_{i+j} b_j."""
    for i in range(out.size):
        total = 0.0
        for j in range(v.size):
            k = i + j - start
            if 0 <= k < dy.size:
                total += dy[k] * _tap(v, j, reverse)
        out[i] = total


@cached_jitable
def _second_grad(dy, a, start, reverse, out):
    """out_j = sum_i dyf_{i+j} a_i (at m - 1 - j when `reverse`)."""
    m = out.size
    for j in range(m):
        total = 0.0
        for i in range(a.size):
            k = i + j - start
            if 0 <= k < dy.size:
                total += dy[k] * a[i]
        out[m - 1 - j if reverse else j] = total


def centred_index(in1, in2):
    """The positions of `scipy.signal.convolve(in1, in2, 'same')` in the full
    convolution of two vectors (of `correlate`'s in the full correlation)."""
    start = (np.size(in2) - 1) // 2
    return np.arange(start, start + np.size(in1))


@cached_overload(centred_index)
def _centred_index(in1, in2):
    def index(in1, in2):
        start = (in2.size - 1) // 2
        return np.arange(start, start + in1.size)

    return index


# --- Python --------------------------------------------------------------------------------------


def _vectors(name, a, v):
    if np.ndim(a) != 1 or np.ndim(v) != 1:
        raise NoAdjointError(NO_ADJOINT + f"np.{name} of operands that are not 1-D: srcgrad "
                             "differentiates it of two vectors")


def convolve(a, v, mode="full"):
    """`np.convolve(a, v, mode)` of two vectors."""
    _vectors("convolve", a, v)
    return np.convolve(a, v, mode)


def correlate(a, v, mode="valid"):
    """`np.correlate(a, v, mode)` of two vectors."""
    _vectors("correlate", a, v)
    return np.correlate(a, v, mode)


def _grad(dy, a, v, mode, correlate, of_v):
    _vectors("correlate" if correlate else "convolve", a, v)
    start, length = _window(len(a), len(v), mode, correlate)
    dy = np.asarray(sum_to(dy, (length,)))
    if of_v:
        out = np.zeros(len(v), grad_dtype(dy, a, v))
        _second_grad(dy, np.asarray(a), start, correlate, out)
    else:
        out = np.zeros(len(a), grad_dtype(dy, a, v))
        _first_grad(dy, np.asarray(v), start, correlate, out)
    return out


def convolve_grad(dy, a, v, mode="full"):
    """The cotangent of `a` in `np.convolve(a, v, mode)` (of `v`: swap them)."""
    return _grad(dy, a, v, mode, False, False)


def correlate_grad(dy, a, v, mode="valid"):
    """The cotangent of `a` in `np.correlate(a, v, mode)`."""
    return _grad(dy, a, v, mode, True, False)


def correlate_v_grad(dy, a, v, mode="valid"):
    """The cotangent of `v` in `np.correlate(a, v, mode)`."""
    return _grad(dy, a, v, mode, True, True)


# --- compiled ------------------------------------------------------------------------------------


def _check(name, a, v):
    if not (isinstance(a, types.Array) and a.ndim == 1 and isinstance(v, types.Array)
            and v.ndim == 1):
        raise TypingError(NO_ADJOINT + f"np.{name} of operands that are not 1-D")


def _overload_forward(fn, correlate: bool, default: str):
    @cached_overload(fn)
    def _convolution(a, v, mode=default):
        _check(fn.__name__, a, v)
        dtype = np.result_type(numba_dtype(a), numba_dtype(v))

        def impl(a, v, mode=default):
            start, length = _window(a.size, v.size, mode, correlate)
            out = np.zeros(length, dtype)
            _forward(a, v, start, correlate, out)
            return out

        return impl


_overload_forward(convolve, False, "full")
_overload_forward(correlate, True, "valid")


def _overload_grad(fn, correlate: bool, of_v: bool, default: str):
    @cached_overload(fn)
    def _gradient(dy, a, v, mode=default):
        _check(fn.__name__, a, v)
        dtype = np.result_type(numba_dtype(dy), numba_dtype(a), numba_dtype(v), np.float32)

        def impl(dy, a, v, mode=default):
            start, length = _window(a.size, v.size, mode, correlate)
            summed = np.asarray(sum_to(dy, (length,)))
            if of_v:
                out = np.zeros(v.size, dtype)
                _second_grad(summed, a, start, correlate, out)
            else:
                out = np.zeros(a.size, dtype)
                _first_grad(summed, v, start, correlate, out)
            return out

        return impl


_overload_grad(convolve_grad, False, False, "full")
_overload_grad(correlate_grad, True, False, "valid")
_overload_grad(correlate_v_grad, True, True, "valid")
