"""The transforms of `np.fft` on complex values held as pairs of real arrays
(`frontend/complexes.py` splits every complex value into its real and
imaginary parts), and their adjoints.

Each function takes the parts `re` and `im` of its complex argument (`im`
None: the argument is real, or, with `slot=1`, the argument is `1j * re`)
and NumPy's `s`, `axes` and `norm` (`n` and `axis` of a 1-D transform are
`(n,)` and `(axis,)`), and returns one real array:

- `fft_part(re, im, s, axes, norm, inverse, part)`: the real (`part=0`) or
  imaginary (`part=1`) part of `np.fft.fftn` (`inverse`: `ifftn`);
- `rfft_part(x, s, axes, norm, part)`: a part of `np.fft.rfftn(x)`;
- `irfft_of(re, im, s, axes, norm)`: `np.fft.irfftn`, whose result is real.

All three are linear in their parts, and each adjoint is the transform of the
other direction with the swapped normalisation (`fftn` with `norm=None`
scales by 1, its adjoint `ifftn` with `norm="forward"` by 1 too; "ortho" is
its own), cropped or zero-padded back to the argument's shape where `s`
padded or cropped it:

- `fft_part_adjoint(dy, like, s, axes, norm, inverse, part, slot)`: the part
  `slot` of `A^H c`, for `c = dy` (`part=0`) or `1j * dy` (`part=1`): the
  cotangent of `re` (`slot=0`) and of `im` (`slot=1`) under the convention
  that a complex value's cotangent is `dL/dre + 1j * dL/dim`;
- `rfft_part_adjoint(dy, x, s, axes, norm, part)`: the real part of the
  inverse transform of the half spectrum zero-padded to full length;
- `irfft_adjoint(dy, like, s, axes, norm, slot)`: `rfftn(dy)` with its bins
  but the first (and, for an even length, the last) doubled: an inverse real
  transform reads each of those bins for itself and its mirror image.

Each adjoint is linear in `dy`, and its own adjoint is the transform it came
from: derivatives of every order are these six functions.  Compiled, they
call `np.fft`, which Numba compiles where the `rocket-fft` package is
installed; without it, they raise a `TypingError` saying so.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.cpython.unsafe.tuple import tuple_setitem

from .machinecode import cached_jitable, cached_overload

__all__ = ["fft_part", "fft_part_adjoint", "irfft_adjoint", "irfft_of", "rfft_part",
           "rfft_part_adjoint", "swapped_norm"]

_SWAPPED = {None: "forward", "backward": "forward", "forward": "backward", "ortho": "ortho"}


def swapped_norm(norm):
    """The normalisation of a transform's adjoint: "backward" (None) and
    "forward" exchanged, "ortho" kept."""
    return _SWAPPED[norm]


def _axes(ndim, s, axes):
    """The axes a transform runs along, NumPy's way: all of them (the last
    `len(s)` where `s` is given) where `axes` is None, else `axes` made
    non-negative."""
    if axes is None:
        return tuple(range(ndim - (ndim if s is None else len(s)), ndim))
    return tuple(a % ndim for a in axes)


def _resized(x, axes, lengths):
    """`x` cropped or zero-padded along each of `axes` to its length."""
    for axis, m in zip(axes, lengths):
        n = x.shape[axis]
        if n != m:
            shape = list(x.shape)
            shape[axis] = m
            out = np.zeros(shape, x.dtype)
            keep = [slice(None)] * x.ndim
            keep[axis] = slice(0, min(n, m))
            out[tuple(keep)] = x[tuple(keep)]
            x = out
    return x


def _complex(re, im, slot):
    if im is None:
        return re * 1j if slot else np.asarray(re, dtype=np.result_type(re, 1j))
    return re + 1j * im


def _part(z, part):
    return np.ascontiguousarray(z.imag if part else z.real)


def fft_part(re, im, s, axes, norm, inverse, part, slot=0):
    """The part `part` (0: real, 1: imaginary) of `np.fft.fftn(re + 1j *
    im, s, axes, norm)` (`inverse`: `ifftn`)."""
    z = _complex(re, im, slot)
    return _part((np.fft.ifftn if inverse else np.fft.fftn)(z, s, axes, norm), part)


def fft_part_adjoint(dy, like, s, axes, norm, inverse, part, slot):
    """The cotangent of `fft_part`'s `re` (`slot=0`) or `im` (`slot=1`), given
    `dy`, that of its result; shaped like `like`."""
    ax = _axes(np.ndim(like), s, axes)
    c = dy * 1j if part else np.asarray(dy, dtype=np.result_type(dy, 1j))
    back = (np.fft.fftn if inverse else np.fft.ifftn)(c, None, ax, swapped_norm(norm))
    return _part(_resized(back, ax, [np.shape(like)[a] for a in ax]), slot)


def rfft_part(x, s, axes, norm, part):
    """The part `part` of `np.fft.rfftn(x, s, axes, norm)`."""
    return _part(np.fft.rfftn(x, s, axes, norm), part)


def rfft_part_adjoint(dy, x, s, axes, norm, part):
    """The cotangent of `rfft_part`'s `x`, given `dy`, that of its result."""
    ax = _axes(np.ndim(x), s, axes)
    lengths = [np.shape(x)[a] for a in ax] if s is None else list(s)
    c = dy * 1j if part else np.asarray(dy, dtype=np.result_type(dy, 1j))
    full = _resized(c, ax[-1:], lengths[-1:])
    back = np.fft.ifftn(full, None, ax, swapped_norm(norm))
    return _part(_resized(back, ax, [np.shape(x)[a] for a in ax]), 0)


def irfft_of(re, im, s, axes, norm, slot=0):
    """`np.fft.irfftn(re + 1j * im, s, axes, norm)`."""
    return np.fft.irfftn(_complex(re, im, slot), s, axes, norm)


def irfft_adjoint(dy, like, s, axes, norm, slot):
    """The cotangent of `irfft_of`'s `re` (`slot=0`) or `im` (`slot=1`),
    given `dy`, that of its result; shaped like `like`."""
    ax = _axes(np.ndim(like), s, axes)
    n = np.shape(dy)[ax[-1]]
    c = np.fft.rfftn(dy, None, ax, swapped_norm(norm))
    doubled = [slice(None)] * c.ndim
    doubled[ax[-1]] = slice(1, (n + 1) // 2)
    c[tuple(doubled)] *= 2
    return _part(_resized(c, ax, [np.shape(like)[a] for a in ax]), slot)


# --- compiled ------------------------------------------------------------------------------

_NO_FFT = ("np.fft's transforms compile with Numba only where the 'rocket-fft' package is "
           "installed (pip install rocket-fft, or srcgrad's 'fft' extra)")


def _require_fft():
    try:
        import rocket_fft  # noqa: F401  (registers numpy.fft with Numba)
    except ImportError:
        raise TypingError(_NO_FFT) from None


def _static_axes(ndim, s, axes):
    """`_axes` at typing time, from the types of `s` and `axes`: a tuple of
    ints, or None where `axes` is a tuple known only at run time."""
    if isinstance(axes, (types.NoneType, types.Omitted)) or axes is None:
        count = ndim if isinstance(s, (types.NoneType, types.Omitted)) or s is None else s.count
        return tuple(range(ndim - count, ndim))
    return None


@cached_jitable
def _runtime_axes(ndim, axes):
    out = axes
    for k in range(len(axes)):
        out = tuple_setitem(out, k, axes[k] % ndim)
    return out


@cached_jitable
def _around(shape, axis):
    """The sizes of the axes before `axis` and after it, each multiplied out:
    a C-ordered array seen as (before, shape[axis], after)."""
    pre = 1
    for k in range(axis):
        pre *= shape[k]
    post = 1
    for k in range(axis + 1, len(shape)):
        post *= shape[k]
    return pre, post


@cached_jitable
def _resized_axis(x, axis, m):
    shape = x.shape
    n = shape[axis]
    pre, post = _around(shape, axis)
    x3 = np.ascontiguousarray(x).reshape((pre, n, post))
    out = np.zeros((pre, m, post), x.dtype)
    keep = min(n, m)
    out[:, :keep, :] = x3[:, :keep, :]
    return out.reshape(tuple_setitem(shape, axis, m))


@cached_jitable
def _resized_to(x, ax, like_shape):
    out = np.ascontiguousarray(x)
    for k in range(len(ax)):
        out = _resized_axis(out, ax[k], like_shape[ax[k]])
    return out


def _axes_impl(ndim, s, axes):
    """A compiled function `(axes) -> axes` resolving them as `_axes` does."""
    fixed = _static_axes(ndim, s, axes)
    if fixed is not None:
        return lambda axes: fixed
    return lambda axes: _runtime_axes(ndim, axes)


def _is_none(t) -> bool:
    return t is None or isinstance(t, (types.NoneType, types.Omitted))


def _complex_type(real):
    """The complex dtype of a real array type's values (float32: complex64)."""
    return np.complex64 if real.dtype == types.float32 else np.complex128


def _complex_impl(re, im):
    cdtype = _complex_type(re)
    unit = cdtype(1j)
    if _is_none(im):
        def make(re, im, slot):
            z = re.astype(cdtype)
            return z * unit if slot else z
    else:
        def make(re, im, slot):
            return re.astype(cdtype) + im.astype(cdtype) * unit
    return cached_jitable(make)


def _spread_impl(dy):
    """A compiled `(dy, part) -> dy or 1j * dy`, complex of `dy`'s precision."""
    cdtype = _complex_type(dy)
    unit = cdtype(1j)

    def spread(dy, part):
        c = dy.astype(cdtype)
        return c * unit if part else c

    return cached_jitable(spread)


@cached_jitable
def _swapped_text(norm):
    if norm == "forward":
        return "backward"
    if norm == "ortho":
        return "ortho"
    return "forward"


def _swap_impl(norm):
    """A compiled `swapped_norm` for `norm`'s type."""
    if _is_none(norm):
        return cached_jitable(lambda norm: "forward")
    return _swapped_text


@cached_jitable
def _real_part(z, part):
    return np.ascontiguousarray(z.imag) if part else np.ascontiguousarray(z.real)


@cached_overload(fft_part)
def _fft_part(re, im, s, axes, norm, inverse, part, slot=0):
    _require_fft()
    make = _complex_impl(re, im)

    def impl(re, im, s, axes, norm, inverse, part, slot=0):
        z = make(re, im, slot)
        y = np.fft.ifftn(z, s, axes, norm) if inverse else np.fft.fftn(z, s, axes, norm)
        return _real_part(y, part)

    return impl


@cached_overload(fft_part_adjoint)
def _fft_part_adjoint(dy, like, s, axes, norm, inverse, part, slot):
    _require_fft()
    resolve = cached_jitable(_axes_impl(like.ndim, s, axes))
    swap = _swap_impl(norm)
    spread = _spread_impl(dy)

    def impl(dy, like, s, axes, norm, inverse, part, slot):
        ax = resolve(axes)
        c = spread(dy, part)
        swapped = swap(norm)
        back = np.fft.fftn(c, None, ax, swapped) if inverse else np.fft.ifftn(c, None, ax, swapped)
        return _real_part(_resized_to(back, ax, like.shape), slot)

    return impl


@cached_overload(rfft_part)
def _rfft_part(x, s, axes, norm, part):
    _require_fft()

    def impl(x, s, axes, norm, part):
        return _real_part(np.fft.rfftn(x, s, axes, norm), part)

    return impl


@cached_overload(rfft_part_adjoint)
def _rfft_part_adjoint(dy, x, s, axes, norm, part):
    _require_fft()
    resolve = cached_jitable(_axes_impl(x.ndim, s, axes))
    sized = not _is_none(s)
    swap = _swap_impl(norm)
    spread = _spread_impl(dy)

    def impl(dy, x, s, axes, norm, part):
        ax = resolve(axes)
        last = ax[len(ax) - 1]
        n = s[len(s) - 1] if sized else x.shape[last]
        full = _resized_axis(spread(dy, part), last, n)
        back = np.fft.ifftn(full, None, ax, swap(norm))
        return _real_part(_resized_to(back, ax, x.shape), 0)

    return impl


@cached_overload(irfft_of)
def _irfft_of(re, im, s, axes, norm, slot=0):
    _require_fft()
    make = _complex_impl(re, im)

    def impl(re, im, s, axes, norm, slot=0):
        return np.fft.irfftn(make(re, im, slot), s, axes, norm)

    return impl


@cached_jitable
def _double_inner_bins(c, axis, n):
    """Bins 1 .. (n - 1) // 2 of `c` along `axis` doubled, in place."""
    pre, post = _around(c.shape, axis)
    c3 = c.reshape((pre, c.shape[axis], post))
    c3[:, 1:(n + 1) // 2, :] *= 2


@cached_overload(irfft_adjoint)
def _irfft_adjoint(dy, like, s, axes, norm, slot):
    _require_fft()
    resolve = cached_jitable(_axes_impl(like.ndim, s, axes))
    swap = _swap_impl(norm)

    def impl(dy, like, s, axes, norm, slot):
        ax = resolve(axes)
        last = ax[len(ax) - 1]
        c = np.ascontiguousarray(np.fft.rfftn(dy, None, ax, swap(norm)))
        _double_inner_bins(c, last, dy.shape[last])
        return _real_part(_resized_to(c, ax, like.shape), slot)

    return impl
