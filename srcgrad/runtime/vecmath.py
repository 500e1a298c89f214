"""`exp`, `log`, `tanh`, `sin` and `cos` of float64 arrays, as loops LLVM
vectorises.

Numba compiles `np.exp(a)` to one call of the C library's scalar `exp` per
element (it has no vector math library without Intel's SVML, which the
PyPI wheels of llvmlite do not enable), where NumPy, PyTorch and XLA run SIMD
code: on a 10^6-element array NumPy's `exp` is about 7 times faster than
Numba's, its `tanh` about 18 times.  So generated code for `target="cpu"`
calls these functions on arrays instead; each is a short straight-line
formula per element, with no call and no branch that LLVM cannot turn into a
select, so the loop over the elements is vectorised.

The formulas are the classic ones of fdlibm and Cephes:

- `exp`: x = n ln 2 + r with |r| <= ln(2)/2 (n found with the 1.5 * 2**52
  shifter, ln 2 in two parts), exp(r) by its Taylor polynomial of degree 13
  (truncation error below 1e-17), times 2**n built from its bits in two
  halves (so results near overflow and in the subnormal range are right).
- `log`: x = 2**k m with m in [sqrt(2)/2, sqrt(2)), log(m) = 2 atanh(s),
  s = (m - 1) / (m + 1), with fdlibm's minimax polynomial (`e_log.c`).
- `tanh`: Cephes' rational approximation for |x| < 0.625, else
  1 - 2 / (exp(2|x|) + 1), and +-1 beyond |x| = 22.
- `sin`, `cos`: x = n pi/2 + y, with pi/2 in four parts (three of 33 bits, so
  that n times each is exact for |x| < 1.5e6, and a tail: 152 bits in all)
  and the rounding errors of the subtractions carried (`_two_sum`), then
  fdlibm's kernels `k_sin.c`/`k_cos.c` on y (|y| <= pi/4) as a double-double,
  the quadrant chosen by n mod 4.  Larger |x| (and inf, nan) go to the C
  library, element by element, in a second pass.

All five are within 2 ulp of NumPy's functions
(`tests/test_vecmath.py` checks over the whole float64 range and the special
values: nan, +-inf, +-0, subnormals).  Elsewhere (plain Python, scalars,
other dtypes) they are NumPy's functions.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, register_jitable

from .machinecode import cached_jitable, cached_overload, compiled_once
from .memory import huge_pages

__all__ = ["exp", "log", "tanh", "sin", "cos"]
# of one number, in a loop (optimize/transcendentals.py)
IN_LOOP = ["exp_in_loop", "log_in_loop", "tanh_in_loop"]


def exp(x):
    """`np.exp(x)`."""
    return np.exp(x)


def log(x):
    """`np.log(x)`."""
    return np.log(x)


def tanh(x):
    """`np.tanh(x)`."""
    return np.tanh(x)


def sin(x):
    """`np.sin(x)`."""
    return np.sin(x)


def cos(x):
    """`np.cos(x)`."""
    return np.cos(x)


# --- bits of a float64 ------------------------------------------------------


@intrinsic
def _bits(typingctx, x):
    """The bits of the float64 `x`, as an int64."""
    if x != types.float64:
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def _from_bits(typingctx, i):
    """The float64 whose bits are the int64 `i`."""
    if i != types.int64:
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


# --- one element ----------------------------------------------------------

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # ln 2 to 32 bits: n * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_SHIFTER = 6755399441055744.0  # 1.5 * 2**52: x + it rounds x to an integer
_EXP_OVERFLOW = 709.782712893384  # exp of more is inf
_EXP_UNDERFLOW = -745.1332191019412  # exp of less rounds to 0

# 1/k! for k = 13 down to 2
_E13 = 1.0 / 6227020800.0
_E12 = 1.0 / 479001600.0
_E11 = 1.0 / 39916800.0
_E10 = 1.0 / 3628800.0
_E9 = 1.0 / 362880.0
_E8 = 1.0 / 40320.0
_E7 = 1.0 / 5040.0
_E6 = 1.0 / 720.0
_E5 = 1.0 / 120.0
_E4 = 1.0 / 24.0
_E3 = 1.0 / 6.0
_E2 = 0.5


@register_jitable(inline="always")
def _exp1(x):
    c = min(max(x, -746.0), 710.0)  # nan becomes a number here; restored below
    t = c * _LOG2E + _SHIFTER
    n = t - _SHIFTER
    r = (c - n * _LN2_HI) - n * _LN2_LO
    p = _E13
    p = p * r + _E12
    p = p * r + _E11
    p = p * r + _E10
    p = p * r + _E9
    p = p * r + _E8
    p = p * r + _E7
    p = p * r + _E6
    p = p * r + _E5
    p = p * r + _E4
    p = p * r + _E3
    p = p * r + _E2
    p = p * r * r + r + 1.0
    k = _bits(t) - _bits(_SHIFTER)  # n, as an integer
    half = k >> 1
    y = p * _from_bits((half + 1023) << 52) * _from_bits((k - half + 1023) << 52)
    y = np.inf if x > _EXP_OVERFLOW else y
    y = 0.0 if x < _EXP_UNDERFLOW else y
    return x if x != x else y


_SQRT2 = 1.4142135623730951
_TWO54 = 18014398509481984.0
_MIN_NORMAL = 2.2250738585072014e-308
_MANTISSA = 0x000FFFFFFFFFFFFF
_ONE_BITS = 0x3FF0000000000000
_LG1 = 6.666666666666735130e-01
_LG2 = 3.999999999940941908e-01
_LG3 = 2.857142874366239149e-01
_LG4 = 2.222219843214978396e-01
_LG5 = 1.818357216161805012e-01
_LG6 = 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01


@register_jitable(inline="always")
def _log1(x):
    subnormal = x < _MIN_NORMAL
    v = x * _TWO54 if subnormal else x
    bits = _bits(v)
    k = ((bits >> 52) & 0x7FF) - 1023 - (54 if subnormal else 0)
    m = _from_bits((bits & _MANTISSA) | _ONE_BITS)  # in [1, 2)
    big = m > _SQRT2
    m = m * 0.5 if big else m
    k = k + 1 if big else k
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (_LG2 + w * (_LG4 + w * _LG6))
    t2 = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7)))
    hfsq = 0.5 * f * f
    dk = float(k)
    y = dk * _LN2_HI - ((hfsq - (s * (hfsq + t2 + t1) + dk * _LN2_LO)) - f)
    y = np.nan if x < 0.0 else y
    y = -np.inf if x == 0.0 else y
    y = x if x == np.inf else y
    return x if x != x else y


_TP0 = -9.64399179425052238628e-1
_TP1 = -9.92877231001918586564e1
_TP2 = -1.61468768441708447952e3
_TQ0 = 1.12811678491632931402e2
_TQ1 = 2.23548839060100448583e3
_TQ2 = 4.84406305325125486048e3


@register_jitable(inline="always")
def _tanh1(x):
    a = abs(x)
    z = x * x
    small = x + x * z * ((_TP0 * z + _TP1) * z + _TP2) / (((z + _TQ0) * z + _TQ1) * z + _TQ2)
    e = _exp1(2.0 * min(a, 22.0))
    large = 1.0 - 2.0 / (e + 1.0)
    large = -large if x < 0.0 else large
    small = x if a < 1e-8 else small  # x itself, -0.0 included, where x**3 / 3 is below half an ulp
    return small if a < 0.625 else large


_INVPIO2 = 6.36619772367581382433e-01
_PIO2_1 = 1.57079632673412561417e00  # the first 33 bits of pi/2
_PIO2_2 = 6.07710050630396597660e-11  # the next 33
_PIO2_3 = 2.02226624871116645580e-21  # the next 33
_PIO2_3T = 8.47842766036889956997e-32  # pi/2 - _PIO2_1 - _PIO2_2 - _PIO2_3
_REDUCIBLE = 1.5e6  # |x| below this: n < 2**20, each n * _PIO2_k exact
_S1 = -1.66666666666666324348e-01
_S2 = 8.33333333332248946124e-03
_S3 = -1.98412698298579493134e-04
_S4 = 2.75573137070700676789e-06
_S5 = -2.50507602534068634195e-08
_S6 = 1.58969099521155010221e-10
_C1 = 4.16666666666666019037e-02
_C2 = -1.38888888888741095749e-03
_C3 = 2.48015872894767294178e-05
_C4 = -2.75573143513906633035e-07
_C5 = 2.08757232129817482790e-09
_C6 = -1.13596475577881948265e-11


@register_jitable(inline="always")
def _two_sum_error(a, b, s):
    """The rounding error of `s = a + b` (exactly a + b - s)."""
    bb = s - a
    return (a - (s - bb)) + (b - bb)


@register_jitable(inline="always")
def _kernel_sin(x, y):
    """sin(x + y) for |x + y| <= pi/4, |y| below half an ulp of x."""
    z = x * x
    w = z * z
    r = _S2 + z * (_S3 + z * _S4) + z * w * (_S5 + z * _S6)
    v = z * x
    return x - ((z * (0.5 * y - v * r) - y) - v * _S1)


@register_jitable(inline="always")
def _kernel_cos(x, y):
    """cos(x + y) for |x + y| <= pi/4, |y| below half an ulp of x."""
    z = x * x
    w = z * z
    r = z * (_C1 + z * (_C2 + z * _C3)) + w * w * (_C4 + z * (_C5 + z * _C6))
    hz = 0.5 * z
    w = 1.0 - hz
    return w + (((1.0 - w) - hz) + (z * r - x * y))


@register_jitable(inline="always")
def _sincos1(x, cosine):
    """sin(x) (cos(x) if `cosine`) for |x| < _REDUCIBLE."""
    t = x * _INVPIO2 + _SHIFTER
    n = t - _SHIFTER
    a = x - n * _PIO2_1  # exact
    b = -(n * _PIO2_2)
    s1 = a + b
    e1 = _two_sum_error(a, b, s1)
    c = -(n * _PIO2_3)
    s2 = s1 + c
    e2 = _two_sum_error(s1, c, s2)
    low = (e1 + e2) - n * _PIO2_3T
    hi = s2 + low
    lo = (s2 - hi) + low
    quadrant = (_bits(t) - _bits(_SHIFTER) + (1 if cosine else 0)) & 3
    value = _kernel_cos(hi, lo) if quadrant & 1 else _kernel_sin(hi, lo)
    value = -value if quadrant & 2 else value
    # sin(x) is x itself below 2**-26 (x**3 / 6 under half an ulp): -0.0 stays -0.0
    return x if not cosine and abs(x) < 1.4e-8 else value


# --- arrays -------------------------------------------------------------------
# One loop per function, each compiled once per machine (`compiled_once`, with
# NumPy's error model: Python's would check every division for zero, and that
# branch stops the vectoriser).


@compiled_once
def _exp_loop(flat, out):
    for k in range(flat.size):
        out[k] = _exp1(flat[k])


@compiled_once
def _log_loop(flat, out):
    for k in range(flat.size):
        out[k] = _log1(flat[k])


@compiled_once
def _tanh_loop(flat, out):
    for k in range(flat.size):
        out[k] = _tanh1(flat[k])


@compiled_once
def _sincos_loop(flat, out, cosine):
    for k in range(flat.size):
        out[k] = _sincos1(flat[k], cosine)
    for k in range(flat.size):  # the rest: |x| too large to reduce here, inf, nan
        v = flat[k]
        if not abs(v) < _REDUCIBLE:
            out[k] = math.cos(v) if cosine else math.sin(v)


@cached_jitable
def _flat_and_out(x):
    """`x`'s elements in C order, and a new array of as many to fill (on huge
    pages where it is large: `memory.py`)."""
    out = np.empty(x.size, np.float64)
    huge_pages(out)
    return np.ascontiguousarray(x).reshape(x.size), out


# the whole of each function on an array, also compiled once per machine (inline,
# its allocation and reshapes would be compiled again by every new process)


@compiled_once
def _exp_array(x):
    flat, out = _flat_and_out(x)
    _exp_loop(flat, out)
    return out.reshape(x.shape)


@compiled_once
def _log_array(x):
    flat, out = _flat_and_out(x)
    _log_loop(flat, out)
    return out.reshape(x.shape)


@compiled_once
def _tanh_array(x):
    flat, out = _flat_and_out(x)
    _tanh_loop(flat, out)
    return out.reshape(x.shape)


@compiled_once
def _sin_array(x):
    flat, out = _flat_and_out(x)
    _sincos_loop(flat, out, False)
    return out.reshape(x.shape)


@compiled_once
def _cos_array(x):
    flat, out = _flat_and_out(x)
    _sincos_loop(flat, out, True)
    return out.reshape(x.shape)


def _overload_elementwise(fn, on_array, numpy_fn):
    """Numba's `fn`: `on_array` on a float64 array, NumPy's `numpy_fn` as
    Numba compiles it for anything else."""

    @cached_overload(fn)
    def _fn(x):
        if isinstance(x, types.Array) and x.dtype == types.float64:
            return lambda x: on_array(x)
        return lambda x: numpy_fn(x)


_overload_elementwise(exp, _exp_array, np.exp)
_overload_elementwise(log, _log_array, np.log)
_overload_elementwise(tanh, _tanh_array, np.tanh)
_overload_elementwise(sin, _sin_array, np.sin)
_overload_elementwise(cos, _cos_array, np.cos)


# --- one element of a loop that computes nothing else (optimize/transcendentals.py) ---


def exp_in_loop(x):
    """`exp` of a number, in a loop that computes one for each element:
    compiled for a float64, the formula above, which LLVM vectorises over
    the loop (the C library's `exp` is a call per element)."""
    return np.exp(x)


def log_in_loop(x):
    """`log` of a number, like `exp_in_loop`."""
    return np.log(x)


def tanh_in_loop(x):
    """`tanh` of a number, like `exp_in_loop`."""
    return np.tanh(x)


def _in_loop(formula, numpy_fn):
    def typer(x):
        if x == types.float64:
            return lambda x: formula(x)
        if isinstance(x, (types.Float, types.Integer, types.Complex)):
            return lambda x: numpy_fn(x)
        return None
    return typer


cached_overload(exp_in_loop)(_in_loop(_exp1, np.exp))
cached_overload(log_in_loop)(_in_loop(_log1, np.log))
cached_overload(tanh_in_loop)(_in_loop(_tanh1, np.tanh))
