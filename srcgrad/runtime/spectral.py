"""Replacements of the real-valued functions of `np.fft`, which Numba lacks.

- `fftshift(x, axes)`, `ifftshift(x, axes)`: the zero frequency moved to the
  centre of each axis named (None: all of them) and back, that is a roll by
  `n // 2` (by `-(n // 2)`) along each; their adjoints are each other;
- `fftfreq(n, d)`, `rfftfreq(n, d)`: the sample frequencies, always float64
  as NumPy's.

The transforms themselves (`np.fft.fft`, `rfft`, ...) return complex arrays,
which srcgrad does not differentiate (see `rules/spectral.py`).
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError

from .axes import axis_mask
from .machinecode import cached_overload
from .rearrange import roll


def fftshift(x, axes=None):
    """`np.fft.fftshift(x, axes)`; replaces it, since Numba has none."""
    return np.fft.fftshift(x, axes)


def ifftshift(x, axes=None):
    """`np.fft.ifftshift(x, axes)`; replaces it, since Numba has none."""
    return np.fft.ifftshift(x, axes)


def _overload_shift(shift_fn, inverse: bool):
    @cached_overload(shift_fn)
    def _shift(x, axes=None):
        if not isinstance(x, types.Array):
            raise TypingError(f"{shift_fn.__name__}: x must be an array, not {x}")
        ndim = x.ndim
        sign = -1 if inverse else 1

        def impl(x, axes=None):
            mask = axis_mask(ndim, axes)
            out = np.ascontiguousarray(x)
            for k in range(ndim):
                if mask[k]:
                    out = np.ascontiguousarray(roll(out, sign * (out.shape[k] // 2), k))
            return out

        return impl


_overload_shift(fftshift, inverse=False)
_overload_shift(ifftshift, inverse=True)


def fftfreq(n, d=1.0, device=None):
    """`np.fft.fftfreq(n, d)`; replaces it, since Numba has none."""
    return np.fft.fftfreq(n, d)


def rfftfreq(n, d=1.0, device=None):
    """`np.fft.rfftfreq(n, d)`; replaces it, since Numba has none."""
    return np.fft.rfftfreq(n, d)


@cached_overload(fftfreq)
def _fftfreq(n, d=1.0, device=None):
    def impl(n, d=1.0, device=None):
        counts = np.empty(n, np.float64)
        positive = (n - 1) // 2 + 1
        for i in range(n):
            counts[i] = i if i < positive else i - n
        return counts * (1.0 / (n * np.float64(d)))

    return impl


@cached_overload(rfftfreq)
def _rfftfreq(n, d=1.0, device=None):
    def impl(n, d=1.0, device=None):
        return np.arange(n // 2 + 1).astype(np.float64) * (1.0 / (n * np.float64(d)))

    return impl
