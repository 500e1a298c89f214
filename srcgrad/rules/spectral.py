"""Adjoint rules of the real-valued functions of `np.fft`, and the refusal of
its transforms.

- `fftshift(x, axes)` and `ifftshift(x, axes)` roll each axis named (None:
  all) by `n // 2` and back: each one's cotangent is the other applied to
  `g`.  Replacements (Numba has neither) in `srcgrad.runtime.spectral`.
- `fftfreq(n, d)` and `rfftfreq(n, d)` are `k / (n * d)` for whole `k`: the
  cotangent of the sample spacing `d` is `-sum(g * ans) / d`; `n` is a count.

The transforms (`fft`, `ifft`, `rfft`, `irfft`, their 2-D and n-D forms)
compute with complex values, which `frontend/complexes.py` splits into real
and imaginary parts before anything else reads the function: each transform
becomes calls of `fft_part`, `rfft_part` or `irfft_of`
(`srcgrad.runtime.transforms`), one per part of its result.  Their rules
here: each is linear, its adjoint the transform of the other direction with
the swapped normalisation (`fft_part_adjoint`, ...), and each adjoint's own
adjoint the transform it came from, so derivatives of every order, and
tangents, are these six functions.  `hfft` and `ihfft` are refused.
"""

from __future__ import annotations

import numpy as np

from ..runtime import (
    cast_like,
    fft_part,
    fft_part_adjoint,
    fftfreq,
    fftshift,
    ifftshift,
    irfft_adjoint,
    irfft_of,
    rfft_part,
    rfft_part_adjoint,
    rfftfreq,
    sum_to,
)
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

# --- the transforms, on complex values split into parts (frontend/complexes.py) -------------
# Each is linear, and its adjoint's adjoint is itself (`runtime/transforms.py`).


@adjoint(fft_part)
def fft_part_adjoint_rule(g, ans, re, im, s, axes, norm, inverse, part, slot=0):
    return (
        fft_part_adjoint(sum_to(g, np.shape(ans)), re, s, axes, norm, inverse, part, slot),
        fft_part_adjoint(sum_to(g, np.shape(ans)), re, s, axes, norm, inverse, part, 1),
        None, None, None, None, None, None,
    )  # fmt: skip


@tangent(fft_part)
def fft_part_tangent(ans, re, im, s, axes, norm, inverse, part, slot, dre, dim):
    return (fft_part(dre, None, s, axes, norm, inverse, part, slot),
            fft_part(dim, None, s, axes, norm, inverse, part, 1))


@adjoint(fft_part_adjoint)
def fft_part_adjoint_adjoint(g, ans, dy, like, s, axes, norm, inverse, part, slot):
    return (fft_part(sum_to(g, np.shape(ans)), None, s, axes, norm, inverse, part, slot),
            None, None, None, None, None, None, None)


linear(fft_part_adjoint, params=("dy",))


@adjoint(rfft_part)
def rfft_part_adjoint_rule(g, ans, x, s, axes, norm, part):
    return rfft_part_adjoint(sum_to(g, np.shape(ans)), x, s, axes, norm, part), None, None, None, None


linear(rfft_part, params=("x",))


@adjoint(rfft_part_adjoint)
def rfft_part_adjoint_adjoint(g, ans, dy, x, s, axes, norm, part):
    return rfft_part(sum_to(g, np.shape(ans)), s, axes, norm, part), None, None, None, None, None


linear(rfft_part_adjoint, params=("dy",))


@adjoint(irfft_of)
def irfft_of_adjoint(g, ans, re, im, s, axes, norm, slot=0):
    return (irfft_adjoint(sum_to(g, np.shape(ans)), re, s, axes, norm, slot),
            irfft_adjoint(sum_to(g, np.shape(ans)), re, s, axes, norm, 1),
            None, None, None, None)


@tangent(irfft_of)
def irfft_of_tangent(ans, re, im, s, axes, norm, slot, dre, dim):
    return irfft_of(dre, None, s, axes, norm, slot), irfft_of(dim, None, s, axes, norm, 1)


@adjoint(irfft_adjoint)
def irfft_adjoint_adjoint(g, ans, dy, like, s, axes, norm, slot):
    return irfft_of(sum_to(g, np.shape(ans)), None, s, axes, norm, slot), None, None, None, None, None


linear(irfft_adjoint, params=("dy",))

unsupported(
    np.fft.hfft, np.fft.ihfft,
    reason="it reads or makes a Hermitian spectrum, which srcgrad does not model; of np.fft "
           "it differentiates fft, ifft, rfft, irfft, their 2-D and n-D forms, fftshift, "
           "ifftshift, fftfreq and rfftfreq",
)
