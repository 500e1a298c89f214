"""Adjoint rules of the real-valued functions of `np.fft`, and the refusal of
its transforms.

- `fftshift(x, axes)` and `ifftshift(x, axes)` roll each axis named (None:
  all) by `n // 2` and back: each one's cotangent is the other applied to
  `g`.  Replacements (Numba has neither) in `srcgrad.runtime.spectral`.
- `fftfreq(n, d)` and `rfftfreq(n, d)` are `k / (n * d)` for whole `k`: the
  cotangent of the sample spacing `d` is `-sum(g * ans) / d`; `n` is a count.

The transforms (`fft`, `ifft`, `rfft`, `fft2`, `fftn`, ... and the inverse
ones that read a Hermitian spectrum, `irfft`, `hfft`, ...) compute with
complex values, and srcgrad differentiates real values only: its dtype
analysis has no complex kind, and its rules no conjugate-linear cotangents
(what JAX does for a real loss of complex intermediates).  A call of one
whose argument varies is refused, naming the call and this reason; one of
constants (the spectrum of a fixed filter) runs as written, on target="cpu"
only where Numba can compile it (the `rocket-fft` package registers
`numpy.fft` with Numba).
"""

from __future__ import annotations

import numpy as np

from ..runtime import cast_like, fftfreq, fftshift, ifftshift, rfftfreq, sum_to
from .registry import adjoint, replace, unsupported
from .tangents import linear, tangent


@adjoint(np.fft.fftshift, fftshift)
def fftshift_adjoint(g, ans, x, axes=None):
    return ifftshift(sum_to(g, np.shape(ans)), axes), None
linear(np.fft.fftshift, fftshift, params=("x",))


@adjoint(np.fft.ifftshift, ifftshift)
def ifftshift_adjoint(g, ans, x, axes=None):
    return fftshift(sum_to(g, np.shape(ans)), axes), None
linear(np.fft.ifftshift, ifftshift, params=("x",))


@adjoint(np.fft.fftfreq, fftfreq, np.fft.rfftfreq, rfftfreq)
def fftfreq_adjoint(g, ans, n, d=1.0, device=None):
    return None, cast_like(-np.sum(g * ans) / d, d), None


@tangent(np.fft.fftfreq, fftfreq, np.fft.rfftfreq, rfftfreq)
def fftfreq_tangent(ans, n, d, device, dd):
    return -ans * dd / d


for _primal, _impl in [(np.fft.fftshift, fftshift), (np.fft.ifftshift, ifftshift),
                       (np.fft.fftfreq, fftfreq), (np.fft.rfftfreq, rfftfreq)]:
    replace(_primal, _impl)

_REAL_ONLY = ("srcgrad differentiates real values only (its dtype analysis has no complex "
              "kind, and its rules no conjugate-linear cotangents for a real loss of complex "
              "values); of np.fft it differentiates fftshift, ifftshift, fftfreq and rfftfreq")
unsupported(
    np.fft.fft, np.fft.ifft, np.fft.rfft, np.fft.ihfft, np.fft.fft2, np.fft.ifft2, np.fft.rfft2,
    np.fft.fftn, np.fft.ifftn, np.fft.rfftn,
    reason="it returns complex values, and " + _REAL_ONLY,
)  # fmt: skip
unsupported(
    np.fft.irfft, np.fft.hfft, np.fft.irfft2, np.fft.irfftn,
    reason="it reads its input as a complex (Hermitian) spectrum, and " + _REAL_ONLY,
)
