"""Replacements and rule helpers of steps, remainders and the parts of values.

- `heaviside`: `np.heaviside(x1, x2)` (Numba has none): 0 below zero, 1
  above, `x2` at zero, nan at nan;
- `fmod`: `math.fmod(x1, x2)` (Numba has none), as NumPy's `fmod` of two
  scalars computes it;
- `fill_cotangent`: the cotangent of a fill value of `np.nan_to_num`
  (`nan=`, `posinf=`, `neginf=`): the sum of the cotangent over the
  elements it replaced; 0 for an absent fill (`posinf=None`), which
  nothing reads;
- `real_part_grad`, `imag_part_grad`: the cotangent of a real `val` from
  that of `np.real(val)` (`g`) or of `np.imag(val)` (zeros); a complex one is refused, since srcgrad has no
  complex cotangents (the real part's would be `g`, the imaginary part's
  `1j * g`, under JAX's convention).

Each returns the same values in Python and compiled, for scalars and arrays
alike, and keeps a float32 operand float32.
"""

from __future__ import annotations

import math

import numpy as np
from numba import types
from numba.core.errors import TypingError

from ..errors import NoAdjointError
from .broadcast import unbroadcast
from .dtypes import grad_dtype, is_none_type, is_scalar_type, numba_grad_dtype, weak_result_dtype
from .guards import NO_ADJOINT
from .machinecode import cached_overload


def heaviside(x1, x2):
    """`np.heaviside(x1, x2)`; replaces it, since Numba has no `np.heaviside`."""
    return np.heaviside(x1, x2)


@cached_overload(heaviside)
def _heaviside(x1, x2):
    if not all(isinstance(t, types.Array) or is_scalar_type(t) for t in (x1, x2)):
        raise TypingError(f"heaviside: unsupported types {x1}, {x2}")
    dtype = weak_result_dtype(x1, x2)
    nptype = (dtype if dtype.kind == "f" else np.dtype(np.float64)).type
    one, zero = nptype(1), nptype(0)
    if is_scalar_type(x1) and is_scalar_type(x2):
        return lambda x1, x2: (zero if x1 < 0 else one if x1 > 0
                               else nptype(x2) if x1 == 0 else nptype(x1))
    # x1 itself where it is nan (neither below, above nor at zero)
    return lambda x1, x2: np.where(x1 < 0, zero, np.where(x1 > 0, one, np.where(
        x1 == 0, x2, x1))).astype(nptype)


def fmod(x1, x2):
    """`math.fmod(x1, x2)`; replaces it, since Numba has no `math.fmod`."""
    return math.fmod(x1, x2)


@cached_overload(fmod)
def _fmod(x1, x2):
    if not (is_scalar_type(x1) and is_scalar_type(x2)):
        raise TypingError(f"math.fmod takes two numbers, not {x1}, {x2}")
    return lambda x1, x2: float(np.fmod(float(x1), float(x2)))


def fill_cotangent(g, replaced, value):
    """The cotangent of `value`, which `np.nan_to_num` wrote where `replaced`
    is true: `g` summed over those elements, in `value`'s shape; None where
    `value` is None (the dtype's largest number filled in, a constant whose
    cotangent nothing reads: a number keeps the compiled types simple)."""
    if value is None:
        return grad_dtype(g).type(0)
    return unbroadcast(g * replaced, value)


@cached_overload(fill_cotangent)
def _fill_cotangent(g, replaced, value):
    if is_none_type(value):
        zero = numba_grad_dtype(g).type(0)
        return lambda g, replaced, value: zero
    return lambda g, replaced, value: unbroadcast(g * replaced, value)


_COMPLEX_PART = (NO_ADJOINT + "np.real, np.imag or np.conj of a complex value: srcgrad "
                 "differentiates real values only")



def _refuse_complex(val):
    if np.iscomplexobj(val):
        raise NoAdjointError(_COMPLEX_PART)


def _refuse_complex_type(val):
    if isinstance(val.dtype if isinstance(val, types.Array) else val, types.Complex):
        raise TypingError(_COMPLEX_PART)


def real_part_grad(g, val):
    """The cotangent of a real `val` from that of `np.real(val)`: `g`."""
    _refuse_complex(val)
    return g


def imag_part_grad(g, val):
    """The cotangent of a real `val` from that of `np.imag(val)`: zeros."""
    _refuse_complex(val)
    return np.zeros_like(g) if isinstance(g, np.ndarray) else grad_dtype(g).type(0)


@cached_overload(real_part_grad)
def _real_part_grad(g, val):
    _refuse_complex_type(val)
    return lambda g, val: g


@cached_overload(imag_part_grad)
def _imag_part_grad(g, val):
    _refuse_complex_type(val)
    if isinstance(g, types.Array):
        return lambda g, val: np.zeros_like(g)
    zero = numba_grad_dtype(g).type(0)
    return lambda g, val: zero
