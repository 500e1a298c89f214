"""Sylvester equations and matrix square roots, in Python and compiled
(the replacements of `scipy.linalg.solve_sylvester` and `scipy.linalg.sqrtm`,
which Numba does not compile).

- `sylvester(a, b, q)`: `x` with `a x + x b = q`, SciPy's
  `solve_sylvester` of real matrices (Bartels-Stewart: Schur forms and a
  triangular solve);
- `sqrtm(a)`: the principal square root of a real matrix, SciPy's `sqrtm`,
  for a matrix with no eigenvalue on the closed negative real axis.  There
  it is real and differentiable: `X dX + dX X = dA`.  Elsewhere it is
  complex (a negative eigenvalue) or has no derivative (a zero one): refused.

Numba has no Schur decomposition: compiled, each calls SciPy in object
mode, so both targets give SciPy's values.  Each returns a new array in the
floating dtype of its operands (float64 for integers), as SciPy does.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
from numba import objmode, types
from numba.core.errors import TypingError
from numba.np.numpy_support import from_dtype

from ..errors import NoAdjointError
from .dtypes import numba_dtype
from .guards import NO_ADJOINT
from .machinecode import cached_overload

_SQUARE = (NO_ADJOINT + "scipy.linalg.{} of operands that are not real square matrices: "
           "srcgrad differentiates it of real matrices (2-D)")
_NO_ROOT = (NO_ADJOINT + "scipy.linalg.sqrtm of a matrix with an eigenvalue on the closed "
            "negative real axis: its square root is complex there (a negative eigenvalue) or "
            "has no derivative (a zero one); srcgrad differentiates the real principal root")


def _float_dtype(*values) -> np.dtype:
    dtype = np.result_type(*values)
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def _check(name: str, *values) -> None:
    for v in values:
        if np.ndim(v) != 2 or np.iscomplexobj(v):
            raise NoAdjointError(_SQUARE.format(name))


def _typing_check(name: str, *tys) -> np.dtype:
    for ty in tys:
        if not isinstance(ty, types.Array) or ty.ndim != 2 or numba_dtype(ty).kind == "c":
            raise TypingError(_SQUARE.format(name))
    dtype = np.result_type(*(numba_dtype(ty) for ty in tys))
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def sylvester(a, b, q):
    """`scipy.linalg.solve_sylvester(a, b, q)`: `x` with `a x + x b = q`."""
    _check("solve_sylvester", a, b, q)
    x = scipy.linalg.solve_sylvester(a, b, q)
    return np.ascontiguousarray(x, dtype=_float_dtype(a, b, q))


def _has_no_real_root(a) -> bool:
    """Whether an eigenvalue of `a` is real and not positive (to rounding)."""
    w = np.linalg.eigvals(a)
    if w.size == 0:
        return False
    floor = 16 * w.size * np.finfo(np.float64).eps * np.max(np.abs(w))
    return bool(np.any((w.imag == 0) & (w.real <= floor)))


def sqrtm(A):
    """`scipy.linalg.sqrtm(A)`, the principal square root of a real matrix
    without eigenvalues on the closed negative real axis."""
    _check("sqrtm", A)
    if _has_no_real_root(A):
        raise NoAdjointError(_NO_ROOT)
    x = scipy.linalg.sqrtm(A)
    if np.iscomplexobj(x):
        raise NoAdjointError(_NO_ROOT)
    return np.ascontiguousarray(x, dtype=_float_dtype(A))


@cached_overload(sylvester)
def _sylvester(a, b, q):
    out = types.Array(from_dtype(_typing_check("solve_sylvester", a, b, q)), 2, "C")

    def impl(a, b, q):
        with objmode(x=out):
            x = sylvester(a, b, q)
        return x

    return impl


@cached_overload(sqrtm)
def _sqrtm(A):
    out = types.Array(from_dtype(_typing_check("sqrtm", A)), 2, "C")

    def impl(A):
        with objmode(x=out):
            x = sqrtm(A)
        return x

    return impl
