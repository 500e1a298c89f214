"""SciPy's special functions, in Python and compiled.

Each function here is the replacement of its `scipy.special` namesake
(`gammaln`, `psi`, `erf`, ...): in Python it calls SciPy, compiled it calls
SciPy's own compiled kernel, which SciPy exports for Cython in
`scipy.special.cython_special`.  Numba calls such a kernel by its symbol
(`types.ExternalFunction`), which `llvmlite.binding.add_symbol` binds to the
kernel's address when this module is imported.  The machine code refers to
the symbol by name, not to an address, so it can be cached on disk and
loaded by another process (`machinecode`): that process imports this module,
and so binds the symbol, before it loads anything that calls it.

`polygamma` has no kernel there: compiled, it is `psi` for n = 0, else
(-1)**(n+1) n! zeta(n+1, x), with Cephes' Hurwitz zeta (`_hurwitz_zeta`).

All apply elementwise to scalars and arrays (broadcasting their operands),
and return float32 where the operands' common dtype (NumPy 2's, a Python
scalar weak) is float32 or float16, else float64; a scalar for scalars.
Complex operands are refused: srcgrad differentiates real special functions.
"""

from __future__ import annotations

import ctypes

import llvmlite.binding as llvm
import numpy as np
import scipy.special
import scipy.special.cython_special as cython_special
from numba import types
from numba.core.datamodel import models
from numba.core.errors import TypingError
from numba.extending import get_cython_function_address, register_model

from ..errors import NoAdjointError
from .dtypes import is_scalar_type, numba_dtype, scalar_if_scalars, weak_result_dtype
from .guards import NO_ADJOINT
from .machinecode import cached_jitable, cached_overload

__all__ = ["gammaln", "psi", "polygamma", "gamma", "beta", "betaln", "erf", "erfc", "erfinv",
           "erfcinv", "ndtr", "log_ndtr", "ndtri", "i0", "i1", "i0e", "i1e", "exp1", "expn",
           "expit", "logit", "log_expit", "xlogy", "xlog1py", "entr", "gammainc", "gammaincc",
           "rgamma", "gammasgn", "gamma_pole", "jv", "yv", "iv", "kv", "j0", "j1", "y0", "y1", "yn", "ive",
           "betainc", "betaincc", "stdtr", "pdtr", "pdtrc"]

# --- SciPy's compiled kernels ------------------------------------------------------------------

_PyCapsule_GetName = ctypes.pythonapi.PyCapsule_GetName
_PyCapsule_GetName.restype = ctypes.c_char_p
_PyCapsule_GetName.argtypes = [ctypes.py_object]


class _CythonKernel(types.ExternalFunction):
    """A kernel of `cython_special`, which Numba calls by its symbol.

    It pickles as the call that makes it: Numba's cache keys an
    implementation that closes over it by the pickle of its closure, and a
    Numba type's own pickle holds a code drawn anew in every process."""

    def __init__(self, name: str, arity: int):
        self.scipy_name, self.arity = name, arity
        signature = types.float64(*[types.float64] * arity, types.intc)
        super().__init__(f"srcgrad_scipy_special_{name}", signature)

    def __reduce__(self):
        return _kernel, (self.scipy_name, self.arity)


register_model(_CythonKernel)(models.OpaqueModel)  # as Numba's ExternalFunction


def _kernel(name: str, arity: int) -> _CythonKernel:
    """The float64 kernel of `cython_special.name`, callable under Numba as
    `kernel(x, ..., 0)` (the last argument is Cython's `skip_dispatch`).

    A fused-type function is exported once per type, under mangled names
    (`__pyx_fuse_1erf`); the one whose C signature takes and returns
    doubles is chosen by that signature, which the capsule carries."""
    want = "double (" + "double, " * arity + "int __pyx_skip_dispatch)"
    capi = cython_special.__pyx_capi__
    candidates = [name] + [f"__pyx_fuse_{k}{name}" for k in range(4)]
    for cname in candidates:
        if cname in capi and _PyCapsule_GetName(capi[cname]).decode() == want:
            break
    else:
        raise ImportError(f"scipy.special.cython_special has no {want} {name}")
    address = get_cython_function_address("scipy.special.cython_special", cname)
    llvm.add_symbol(f"srcgrad_scipy_special_{name}", address)
    return _CythonKernel(name, arity)


# --- the result's dtype ------------------------------------------------------------------------


def _result_dtype(*args) -> np.dtype:
    dtype = np.result_type(*args)
    if dtype.kind == "c":
        raise NoAdjointError(NO_ADJOINT + "a special function of complex values: srcgrad "
                             "differentiates real ones")
    return np.dtype(np.float32) if dtype in (np.float16, np.float32) else np.dtype(np.float64)


def _numba_result_type(name: str, *tys):
    for ty in tys:
        if not (isinstance(ty, types.Array) or is_scalar_type(ty)):
            raise TypingError(f"scipy.special.{name}: unsupported type {ty}")
        if numba_dtype(ty).kind == "c":
            raise TypingError(NO_ADJOINT + f"scipy.special.{name} of complex values: srcgrad "
                              "differentiates real ones")
    dtype = weak_result_dtype(*tys)
    return (np.float32 if dtype in (np.float16, np.float32) else np.float64)


def _call(fn, *args):
    """`fn(*args)` in the result dtype of this module (a scalar for scalars)."""
    dtype = _result_dtype(*args)
    result = fn(*args)
    if isinstance(result, np.ndarray):
        return scalar_if_scalars(result.astype(dtype, copy=False), *args)
    return dtype.type(result)


# --- one function of one or two operands, compiled ----------------------------------------------


def _overload_unary(fn, kernel) -> None:
    @cached_overload(fn)
    def _unary(x):
        nptype = _numba_result_type(fn.__name__, x)
        if is_scalar_type(x):
            return lambda x: nptype(kernel(np.float64(x), 0))

        def on_array(x):
            flat = np.ascontiguousarray(x).reshape(x.size)
            out = np.empty(x.size, nptype)
            for k in range(x.size):
                out[k] = kernel(np.float64(flat[k]), 0)
            return out.reshape(x.shape)

        return on_array


def _overload_binary(fn, kernel, integer_first: bool) -> None:
    @cached_overload(fn)
    def _binary(x, y):
        if integer_first and not isinstance(getattr(x, "dtype", x), (types.Integer, types.Boolean)):
            raise TypingError(NO_ADJOINT + f"scipy.special.{fn.__name__} of a non-integer "
                              "order: srcgrad differentiates it of integer orders")
        nptype = _numba_result_type(fn.__name__, x, y)
        if is_scalar_type(x) and is_scalar_type(y):
            return lambda x, y: nptype(kernel(np.float64(x), np.float64(y), 0))

        def on_arrays(x, y):
            shape = np.broadcast_shapes(np.shape(x), np.shape(y))
            a = np.ascontiguousarray(np.broadcast_to(x, shape)).reshape(-1)
            b = np.ascontiguousarray(np.broadcast_to(y, shape)).reshape(-1)
            out = np.empty(a.size, nptype)
            for k in range(a.size):
                out[k] = kernel(np.float64(a[k]), np.float64(b[k]), 0)
            return out.reshape(shape)

        return on_arrays


def _overload_ternary(fn, kernel) -> None:
    @cached_overload(fn)
    def _ternary(x, y, z):
        nptype = _numba_result_type(fn.__name__, x, y, z)
        if is_scalar_type(x) and is_scalar_type(y) and is_scalar_type(z):
            return lambda x, y, z: nptype(kernel(np.float64(x), np.float64(y), np.float64(z), 0))

        def on_arrays(x, y, z):
            shape = np.broadcast_shapes(np.shape(x), np.shape(y), np.shape(z))
            a = np.ascontiguousarray(np.broadcast_to(x, shape)).reshape(-1)
            b = np.ascontiguousarray(np.broadcast_to(y, shape)).reshape(-1)
            c = np.ascontiguousarray(np.broadcast_to(z, shape)).reshape(-1)
            out = np.empty(a.size, nptype)
            for k in range(a.size):
                out[k] = kernel(np.float64(a[k]), np.float64(b[k]), np.float64(c[k]), 0)
            return out.reshape(shape)

        return on_arrays


def _unary(name: str, doc: str):
    scipy_fn = getattr(scipy.special, name)

    def fn(x):
        return _call(scipy_fn, x)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    _overload_unary(fn, _kernel(name, 1))
    return fn


def _binary(name: str, doc: str, integer_first: bool = False):
    scipy_fn = getattr(scipy.special, name)

    def fn(x, y):
        if integer_first:
            _check_order(name, x)
        return _call(scipy_fn, x, y)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    _overload_binary(fn, _kernel(name, 2), integer_first)
    return fn


def _ternary(name: str, doc: str):
    scipy_fn = getattr(scipy.special, name)

    def fn(x, y, z):
        return _call(scipy_fn, x, y, z)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    _overload_ternary(fn, _kernel(name, 3))
    return fn


def _check_order(name: str, n) -> None:
    if np.result_type(n).kind not in "iub":
        raise NoAdjointError(NO_ADJOINT + f"scipy.special.{name} of a non-integer order "
                             f"{n!r}: srcgrad differentiates it of integer orders")


gammaln = _unary("gammaln", "`scipy.special.gammaln(x)`: log |Γ(x)|.")
psi = _unary("psi", "`scipy.special.psi(x)` (`digamma`): Γ'(x) / Γ(x).")
gamma = _unary("gamma", "`scipy.special.gamma(x)`.")
erf = _unary("erf", "`scipy.special.erf(x)`.")
erfc = _unary("erfc", "`scipy.special.erfc(x)`: 1 - erf(x).")
erfinv = _unary("erfinv", "`scipy.special.erfinv(y)`.")
erfcinv = _unary("erfcinv", "`scipy.special.erfcinv(y)`.")
ndtr = _unary("ndtr", "`scipy.special.ndtr(x)`: the standard normal CDF.")
log_ndtr = _unary("log_ndtr", "`scipy.special.log_ndtr(x)`: log ndtr(x), accurate in the tails.")
ndtri = _unary("ndtri", "`scipy.special.ndtri(p)`: the inverse of `ndtr`.")
i0 = _unary("i0", "`scipy.special.i0(x)`: the modified Bessel function of order 0.")
i1 = _unary("i1", "`scipy.special.i1(x)`: the modified Bessel function of order 1.")
i0e = _unary("i0e", "`scipy.special.i0e(x)`: exp(-|x|) i0(x).")
i1e = _unary("i1e", "`scipy.special.i1e(x)`: exp(-|x|) i1(x).")
exp1 = _unary("exp1", "`scipy.special.exp1(x)`: the exponential integral E1.")
expit = _unary("expit", "`scipy.special.expit(x)`: 1 / (1 + exp(-x)).")
logit = _unary("logit", "`scipy.special.logit(p)`: log(p / (1 - p)).")
log_expit = _unary("log_expit", "`scipy.special.log_expit(x)`: log expit(x), stable.")
entr = _unary("entr", "`scipy.special.entr(x)`: -x log x (0 at 0, -inf below).")
beta = _binary("beta", "`scipy.special.beta(a, b)`.")
betaln = _binary("betaln", "`scipy.special.betaln(a, b)`: log |B(a, b)|.")
xlogy = _binary("xlogy", "`scipy.special.xlogy(x, y)`: x log y, 0 where x = 0.")
xlog1py = _binary("xlog1py", "`scipy.special.xlog1py(x, y)`: x log1p(y), 0 where x = 0.")
expn = _binary("expn", "`scipy.special.expn(n, x)`: the exponential integral E_n (integer n).",
               integer_first=True)
gammainc = _binary("gammainc", "`scipy.special.gammainc(a, x)`: the regularized lower "
                   "incomplete gamma function P(a, x).")
gammaincc = _binary("gammaincc", "`scipy.special.gammaincc(a, x)`: the regularized upper "
                    "incomplete gamma function, 1 - P(a, x).")
betainc = _ternary("betainc", "`scipy.special.betainc(a, b, x)`: the regularized incomplete "
                   "beta function I_x(a, b).")
betaincc = _ternary("betaincc", "`scipy.special.betaincc(a, b, x)`: 1 - I_x(a, b).")
stdtr = _binary("stdtr", "`scipy.special.stdtr(df, t)`: the CDF of Student's t with df degrees "
                "of freedom.")
pdtr = _binary("pdtr", "`scipy.special.pdtr(k, m)`: the Poisson CDF, P(N <= floor(k)) for a mean "
               "m (nan for k < 0).")
pdtrc = _binary("pdtrc", "`scipy.special.pdtrc(k, m)`: 1 - pdtr(k, m).")
rgamma = _unary("rgamma", "`scipy.special.rgamma(x)`: 1 / Γ(x), 0 at Γ's poles.")
gammasgn = _unary("gammasgn", "`scipy.special.gammasgn(x)`: the sign of Γ(x).")
jv = _binary("jv", "`scipy.special.jv(v, z)`: the Bessel function of the first kind, real order v.")
yv = _binary("yv", "`scipy.special.yv(v, z)`: the Bessel function of the second kind, real "
             "order v.")
iv = _binary("iv", "`scipy.special.iv(v, z)`: the modified Bessel function of the first kind.")
kv = _binary("kv", "`scipy.special.kv(v, z)`: the modified Bessel function of the second kind.")
yn = _binary("yn", "`scipy.special.yn(n, x)`: the Bessel function of the second kind, integer "
             "order n.")
ive = _binary("ive", "`scipy.special.ive(v, z)`: iv(v, z) exp(-|z|).")
j0 = _unary("j0", "`scipy.special.j0(x)`: the Bessel function of the first kind, order 0.")
j1 = _unary("j1", "`scipy.special.j1(x)`: the Bessel function of the first kind, order 1.")
y0 = _unary("y0", "`scipy.special.y0(x)`: the Bessel function of the second kind, order 0.")
y1 = _unary("y1", "`scipy.special.y1(x)`: the Bessel function of the second kind, order 1.")


def gamma_pole(x):
    """Where `x` is a pole of Γ (0, -1, -2, ...): a boolean, or an array of them."""
    return (np.asarray(x) <= 0) & (np.floor(x) == x)


@cached_overload(gamma_pole)
def _gamma_pole(x):
    if is_scalar_type(x):
        return lambda x: x <= 0 and np.floor(x) == x
    return lambda x: (x <= 0) & (np.floor(x) == x)


# --- polygamma --------------------------------------------------------------------------------

# Cephes' coefficients of the Euler-Maclaurin expansion of zeta (B_2k / (2k)!)^-1
_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
           7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
           -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18)
_MACHEP = 1.11022302462515654042e-16


@cached_jitable
def _hurwitz_zeta(x, q):
    """Cephes' `zeta(x, q)`: the sum over k >= 0 of (k + q)**-x, for x > 1."""
    if x == 1.0:
        return np.inf
    if x < 1.0:
        return np.nan
    if q <= 0.0:
        if q == np.floor(q):
            return np.inf
        if x != np.floor(x):
            return np.nan
    if q > 1e8:
        return (1.0 / (x - 1.0) + 1.0 / (2.0 * q)) * q ** (1.0 - x)
    s = q ** -x
    a = q
    i = 0
    b = 0.0
    while i < 9 or a <= 9.0:
        i += 1
        a += 1.0
        b = a ** -x
        s += b
        if abs(b / s) < _MACHEP:
            return s
    w = a
    s += b * w / (x - 1.0)
    s -= 0.5 * b
    a = 1.0
    k = 0.0
    for j in range(12):
        a *= x + k
        b /= w
        t = a * b / _ZETA_A[j]
        s += t
        if abs(t / s) < _MACHEP:
            return s
        k += 1.0
        a *= x + k
        b /= w
        k += 1.0
    return s


_psi_kernel = _kernel("psi", 1)


@cached_jitable
def _polygamma1(n, x):
    if n == 0:
        return _psi_kernel(x, 0)
    factorial = 1.0
    for k in range(2, n + 1):
        factorial *= k
    sign = 1.0 if n % 2 == 1 else -1.0
    return sign * factorial * _hurwitz_zeta(n + 1.0, x)


def polygamma(n, x):
    """`scipy.special.polygamma(n, x)` for an integer n >= 0: the n-th
    derivative of `psi`."""
    if np.ndim(n) != 0:
        raise NoAdjointError(NO_ADJOINT + "scipy.special.polygamma of an array of orders: "
                             "srcgrad differentiates it of one integer order")
    _check_order("polygamma", n)
    return _call(scipy.special.polygamma, n, x)


@cached_overload(polygamma)
def _polygamma(n, x):
    if not isinstance(n, types.Integer):
        raise TypingError(NO_ADJOINT + "scipy.special.polygamma: srcgrad differentiates it "
                          "of one integer order n")
    nptype = _numba_result_type("polygamma", x)
    if is_scalar_type(x):
        return lambda n, x: nptype(_polygamma1(n, np.float64(x)))

    def on_array(n, x):
        flat = np.ascontiguousarray(x).reshape(x.size)
        out = np.empty(x.size, nptype)
        for k in range(x.size):
            out[k] = _polygamma1(n, np.float64(flat[k]))
        return out.reshape(x.shape)

    return on_array
