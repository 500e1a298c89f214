"""Adjoint rules of one-argument elementwise functions: NumPy's, `math`'s, and
the builtins `abs` and `float`.

Every rule here is elementwise: `g` may be broadcast larger than `x`, and the
cotangent then has `g`'s shape (the transformer sums it back).  The `math`
twins use `math` functions, so that scalar-only code (the CUDA target) never
meets a NumPy call.

Conventions (as JAX): `abs` has derivative `sign(x)`, but 1 at 0 (JAX's
`x >= 0`), and nan at nan; `sqrt` and `cbrt` have an infinite derivative
at 0.  Constants other than small integers go through `cast_like`, so that
a float32 array's cotangent stays float32 under Numba (which widens
`float32_array * 0.5` to float64).

Replacements, for calls Numba cannot compile: builtin `abs` of an array
(`absolute`), `math.log(x, base)` (`log_base`), and `np.float32`/`np.float64`
of an array (`float32`, `float64`).

The replacements live in `srcgrad.runtime.elementwise` (and `vecmath`: Numba's
exp, log, tanh, sin and cos of an array are scalar calls).
"""

from __future__ import annotations

import math
import operator

import numpy as np

from ..runtime import absolute, cast_like, cos, float32, float64, log_base, sin, vecmath
from .registry import adjoint, nondifferentiable, replace


def _math(name: str) -> tuple[object, ...]:
    """`math.<name>` if this Python has it (`math.exp2` and `math.cbrt` came in 3.11)."""
    return (getattr(math, name),) if hasattr(math, name) else ()


# --- trigonometric ---------------------------------------------------------------


@adjoint(np.sin, vecmath.sin, elementwise=True)
def sin_adjoint(g, ans, x):
    return g * cos(x)


@adjoint(np.cos, vecmath.cos, elementwise=True)
def cos_adjoint(g, ans, x):
    return -g * sin(x)


@adjoint(np.tan, elementwise=True)
def tan_adjoint(g, ans, x):
    return g / np.cos(x) ** 2


@adjoint(np.arcsin, elementwise=True)
def arcsin_adjoint(g, ans, x):
    return g / np.sqrt(1 - x * x)


@adjoint(np.arccos, elementwise=True)
def arccos_adjoint(g, ans, x):
    return -g / np.sqrt(1 - x * x)


@adjoint(np.arctan, elementwise=True)
def arctan_adjoint(g, ans, x):
    return g / (1 + x * x)


@adjoint(math.sin, elementwise=True)
def math_sin_adjoint(g, ans, x):
    return g * math.cos(x)


@adjoint(math.cos, elementwise=True)
def math_cos_adjoint(g, ans, x):
    return -g * math.sin(x)


@adjoint(math.tan, elementwise=True)
def math_tan_adjoint(g, ans, x):
    return g / math.cos(x) ** 2


@adjoint(math.asin, elementwise=True)
def math_asin_adjoint(g, ans, x):
    return g / math.sqrt(1 - x * x)


@adjoint(math.acos, elementwise=True)
def math_acos_adjoint(g, ans, x):
    return -g / math.sqrt(1 - x * x)


@adjoint(math.atan, elementwise=True)
def math_atan_adjoint(g, ans, x):
    return g / (1 + x * x)


# --- hyperbolic ----------------------------------------------------------------------


@adjoint(np.sinh, elementwise=True)
def sinh_adjoint(g, ans, x):
    return g * np.cosh(x)


@adjoint(np.cosh, elementwise=True)
def cosh_adjoint(g, ans, x):
    return g * np.sinh(x)


@adjoint(np.tanh, vecmath.tanh, elementwise=True)
def tanh_adjoint(g, ans, x):
    return g * (1 - ans * ans)


@adjoint(math.sinh, elementwise=True)
def math_sinh_adjoint(g, ans, x):
    return g * math.cosh(x)


@adjoint(math.cosh, elementwise=True)
def math_cosh_adjoint(g, ans, x):
    return g * math.sinh(x)


@adjoint(math.tanh, elementwise=True)
def math_tanh_adjoint(g, ans, x):
    return g * (1 - ans * ans)


# --- exponentials and logarithms ----------------------------------------------------


@adjoint(np.exp, math.exp, vecmath.exp, elementwise=True)
def exp_adjoint(g, ans, x):
    return g * ans


@adjoint(np.exp2, *_math("exp2"), elementwise=True)
def exp2_adjoint(g, ans, x):
    return g * ans * cast_like(math.log(2), x)


@adjoint(np.expm1, math.expm1, elementwise=True)
def expm1_adjoint(g, ans, x):
    return g * (ans + 1)


@adjoint(np.log, vecmath.log, elementwise=True)
def log_adjoint(g, ans, x):
    return g / x


@adjoint(np.log1p, math.log1p, elementwise=True)
def log1p_adjoint(g, ans, x):
    return g / (1 + x)


@adjoint(np.log2, math.log2, elementwise=True)
def log2_adjoint(g, ans, x):
    return g / (x * cast_like(math.log(2), x))


@adjoint(np.log10, math.log10, elementwise=True)
def log10_adjoint(g, ans, x):
    return g / (x * cast_like(math.log(10), x))


@adjoint(math.log, log_base, elementwise=True)
def math_log_adjoint(g, ans, x, base=math.e):
    return g / (x * math.log(base)), -g * ans / (base * math.log(base))


replace(math.log, log_base)
# Numba's exp, log, tanh, sin and cos of an array are scalar C calls; `vecmath`'s are
# vectorised
for _primal in (np.exp, np.log, np.tanh, np.sin, np.cos):
    replace(_primal, getattr(vecmath, _primal.__name__))


# --- powers and roots -----------------------------------------------------------------


@adjoint(np.sqrt, math.sqrt, elementwise=True)
def sqrt_adjoint(g, ans, x):
    return g / (2 * ans)


@adjoint(np.cbrt, *_math("cbrt"), elementwise=True)
def cbrt_adjoint(g, ans, x):
    return g / (3 * ans * ans)


@adjoint(np.square, elementwise=True)
def square_adjoint(g, ans, x):
    return 2 * g * x


@adjoint(np.reciprocal, elementwise=True)
def reciprocal_adjoint(g, ans, x):
    return -g * ans * ans


@adjoint(np.abs, np.fabs, math.fabs, abs, absolute, elementwise=True)
def abs_adjoint(g, ans, x):
    # sign(x), but 1 at 0 (and at -0.0), as JAX's `select(x >= 0, 1, -1)`;
    # nan at nan, where JAX's select would say -1
    return g * (np.sign(x) + (x == 0))


replace(abs, absolute)


@adjoint(np.negative, operator.neg, elementwise=True)
def negative_adjoint(g, ans, x):
    return -g


@adjoint(np.positive, operator.pos, elementwise=True)
def positive_adjoint(g, ans, x):
    return g


# --- special functions ----------------------------------------------------------------


@adjoint(math.erf, elementwise=True)
def math_erf_adjoint(g, ans, x):
    return g * (2 / math.sqrt(math.pi)) * math.exp(-x * x)


@adjoint(math.erfc, elementwise=True)
def math_erfc_adjoint(g, ans, x):
    return -g * (2 / math.sqrt(math.pi)) * math.exp(-x * x)


@adjoint(np.float32, np.float64, float, float32, float64, elementwise=True)
def cast_adjoint(g, ans, x):
    return cast_like(g, x)


replace(np.float32, float32)
replace(np.float64, float64)

# conversions to integer and bool types are piecewise constant (`x.astype(int)`
# and `np.asarray(x, dtype=bool)`: the lowering reads the dtype argument)
nondifferentiable(
    np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
)  # fmt: skip


# --- piecewise constant: no cotangent ---------------------------------------------------------

nondifferentiable(
    np.sign, np.floor, np.ceil, np.round, np.around, np.rint, np.trunc, np.fix,
    np.isnan, np.isinf, np.isfinite,
    math.floor, math.ceil, math.trunc, math.isnan, math.isinf, math.isfinite,
)  # fmt: skip
