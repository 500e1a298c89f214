"""Adjoint rules of SciPy's special functions (`scipy.special`) and of
`math.gamma` and `math.lgamma`.

Every rule here is elementwise, and written with functions that have rules
of their own (mostly other special functions: `gammaln`'s derivative is
`psi`, `psi`'s is `polygamma(1, x)`, `polygamma(n, x)`'s is
`polygamma(n + 1, x)`), so gradients can be differentiated again.

- log-gamma and friends: `gammaln` (`math.lgamma`), `psi` (`digamma`),
  `polygamma(n, x)` (an integer order n, not differentiated), `gamma`
  (`math.gamma`), `beta`, `betaln`;
- error functions and the normal distribution: `erf`, `erfc`, `erfinv`,
  `erfcinv`, `ndtr`, `log_ndtr` (its derivative as
  exp(-x²/2 - log_ndtr(x)) / sqrt(2π), finite far in the lower tail),
  `ndtri`;
- Bessel functions: `i0`, `i1`, `i0e`, `i1e` (`i1(x) / x` is 1/2 at 0);
  `jv`, `yv`, `iv`, `kv` (`jn` is `jv`) in their argument, by the
  recurrences `jv' = (jv(v-1) - jv(v+1)) / 2` (and `yv`'s alike, `iv'` with
  a sum, `kv'` with minus the sum); `yn` (integer order), `j0`, `j1`, `y0`,
  `y1` the same, and `ive = iv exp(-|z|)` with `-sign(z) ive` more.  In the
  order they are refused (`registry.refused`): SciPy gives no derivative in it;
- incomplete gamma functions: `gammainc`, `gammaincc` in `x` (the density
  `x**(a-1) exp(-x) / Γ(a)`, or minus it, written with `xlogy` so that it
  is right at `x = 0`); in `a` refused, SciPy having no derivative in `a`;
- incomplete beta functions: `betainc(a, b, x)`, `betaincc` in `x` (the
  density `x**(a-1) (1-x)**(b-1) / B(a, b)`, with `xlogy` and `xlog1py`);
  in `a` and `b` refused, as `gammainc`'s a;
- CDFs: `stdtr(df, t)` (Student's t) in `t` (the t density), in `df`
  refused; `pdtr(k, m)`, `pdtrc` (Poisson) in the mean `m` (minus, or
  plus, the mass at floor(k), exactly), flat in the count `k`;
- `rgamma` (1/Γ, entire): `-ψ(x) rgamma(x)`, and at Γ's poles, where both
  factors are infinite, the reflection formula's `Γ(1-x) (cos πx - ψ(1-x)
  sin πx / π)`; each branch evaluated where it is finite (`gamma_pole`), so
  that its own derivatives are too.  `gammasgn` is a constant;
- exponential integrals: `exp1`, `expn(n, x)` (an integer order n:
  E_n' = -E_{n-1}, and E_0' = -E_0 (1 + 1/x));
- logistic functions: `expit`, `logit`, `log_expit`;
- `xlogy(x, y)` and `xlog1py(x, y)` (the cotangent of `x` is
  `xlogy(g, y)`, 0 where g is 0 as the function is where x is), `entr`.

Kinks get one of their one-sided derivatives' mean: `i0e` and `i1e` use
sign(0) = 0 at 0.  Orders (`polygamma`'s and `expn`'s n) must be integers;
the replacements refuse others.  The calls are replaced by the functions of
`srcgrad.runtime.special`, which compiled call SciPy's own kernels.

Expanded into operations with rules (so differentiable to any order):
`logsumexp(a, axis, b, keepdims)` (not `return_sign=True`), `softmax(x,
axis)` and `log_softmax(x, axis)`, stable as SciPy's (the largest element
is subtracted before `exp`: `logsumexp_shift`, a constant), and
`multigammaln(a, d)` of a constant integer d, a sum of `gammaln`s.
"""

from __future__ import annotations

import ast
import inspect
import math

import numpy as np
import scipy.special

from ..runtime import (
    beta,
    betainc,
    betaincc,
    betaln,
    cast_like,
    entr,
    erf,
    erfc,
    erfcinv,
    erfinv,
    exp1,
    expit,
    expn,
    gamma,
    gamma_pole,
    gammainc,
    gammaincc,
    gammaln,
    gammasgn,
    i0,
    i0e,
    i1,
    i1e,
    iv,
    ive,
    j0,
    j1,
    jv,
    kv,
    log_expit,
    log_ndtr,
    logit,
    logsumexp_shift,
    ndtr,
    ndtri,
    pdtr,
    pdtrc,
    polygamma,
    psi,
    rgamma,
    safe_reciprocal,
    select,
    stdtr,
    unbroadcast,
    xlog1py,
    xlogy,
    y0,
    y1,
    yn,
    yv,
)
from .registry import Refused, adjoint, expand, nondifferentiable, refused, replace

# --- log-gamma and friends ------------------------------------------------------------------


@adjoint(scipy.special.gammaln, gammaln, math.lgamma, elementwise=True)
def gammaln_adjoint(g, ans, x):
    return g * psi(x)


@adjoint(scipy.special.psi, psi, elementwise=True)
def psi_adjoint(g, ans, x):
    return g * polygamma(1, x)


@adjoint(scipy.special.polygamma, polygamma, elementwise=True)
def polygamma_adjoint(g, ans, n, x):
    return None, g * polygamma(n + 1, x)


@adjoint(scipy.special.gamma, gamma, math.gamma, elementwise=True)
def gamma_adjoint(g, ans, x):
    return g * ans * psi(x)


@adjoint(scipy.special.beta, beta, elementwise=True)
def beta_adjoint(g, ans, a, b):
    return (unbroadcast(g * ans * (psi(a) - psi(a + b)), a),
            unbroadcast(g * ans * (psi(b) - psi(a + b)), b))


@adjoint(scipy.special.betaln, betaln, elementwise=True)
def betaln_adjoint(g, ans, a, b):
    return unbroadcast(g * (psi(a) - psi(a + b)), a), unbroadcast(g * (psi(b) - psi(a + b)), b)


# --- error functions and the normal distribution ------------------------------------------------


@adjoint(scipy.special.erf, erf, elementwise=True)
def erf_adjoint(g, ans, x):
    return g * cast_like(2 / math.sqrt(math.pi), x) * np.exp(-x * x)


@adjoint(scipy.special.erfc, erfc, elementwise=True)
def erfc_adjoint(g, ans, x):
    return -g * cast_like(2 / math.sqrt(math.pi), x) * np.exp(-x * x)


@adjoint(scipy.special.erfinv, erfinv, elementwise=True)
def erfinv_adjoint(g, ans, x):
    return g * cast_like(math.sqrt(math.pi) / 2, x) * np.exp(ans * ans)


@adjoint(scipy.special.erfcinv, erfcinv, elementwise=True)
def erfcinv_adjoint(g, ans, x):
    return -g * cast_like(math.sqrt(math.pi) / 2, x) * np.exp(ans * ans)


@adjoint(scipy.special.ndtr, ndtr, elementwise=True)
def ndtr_adjoint(g, ans, x):
    return g * cast_like(1 / math.sqrt(2 * math.pi), x) * np.exp(-x * x / 2)


@adjoint(scipy.special.log_ndtr, log_ndtr, elementwise=True)
def log_ndtr_adjoint(g, ans, x):
    return g * cast_like(1 / math.sqrt(2 * math.pi), x) * np.exp(-x * x / 2 - ans)


@adjoint(scipy.special.ndtri, ndtri, elementwise=True)
def ndtri_adjoint(g, ans, x):
    return g * cast_like(math.sqrt(2 * math.pi), x) * np.exp(ans * ans / 2)


# --- modified Bessel functions --------------------------------------------------------------------


@adjoint(scipy.special.i0, i0, elementwise=True)
def i0_adjoint(g, ans, x):
    return g * i1(x)


@adjoint(scipy.special.i1, i1, elementwise=True)
def i1_adjoint(g, ans, x):
    # i1'(x) = i0(x) - i1(x) / x, which is 1/2 at 0
    return g * select(x == 0, cast_like(0.5, x), i0(x) - ans * safe_reciprocal(x))


@adjoint(scipy.special.i0e, i0e, elementwise=True)
def i0e_adjoint(g, ans, x):
    return g * (i1e(x) - np.sign(x) * ans)


@adjoint(scipy.special.i1e, i1e, elementwise=True)
def i1e_adjoint(g, ans, x):
    return g * select(x == 0, cast_like(0.5, x),
                      i0e(x) - ans * (np.sign(x) + safe_reciprocal(x)))


# --- Bessel functions of the first and second kinds, and modified, of real order ----------------

_ORDER = ("the order of a Bessel function: SciPy gives no derivative in it, so srcgrad "
          "differentiates Bessel functions in their argument only")


@adjoint(scipy.special.jv, jv, elementwise=True)
def jv_adjoint(g, ans, v, z):
    return refused(_ORDER), unbroadcast(g * (jv(v - 1, z) - jv(v + 1, z)) / 2, z)


@adjoint(scipy.special.yv, yv, elementwise=True)
def yv_adjoint(g, ans, v, z):
    return refused(_ORDER), unbroadcast(g * (yv(v - 1, z) - yv(v + 1, z)) / 2, z)


@adjoint(scipy.special.iv, iv, elementwise=True)
def iv_adjoint(g, ans, v, z):
    return refused(_ORDER), unbroadcast(g * (iv(v - 1, z) + iv(v + 1, z)) / 2, z)


@adjoint(scipy.special.kv, kv, elementwise=True)
def kv_adjoint(g, ans, v, z):
    return refused(_ORDER), unbroadcast(-g * (kv(v - 1, z) + kv(v + 1, z)) / 2, z)


@adjoint(scipy.special.yn, yn, elementwise=True)
def yn_adjoint(g, ans, n, x):
    return refused(_ORDER), unbroadcast(g * (yn(n - 1, x) - yn(n + 1, x)) / 2, x)


@adjoint(scipy.special.ive, ive, elementwise=True)
def ive_adjoint(g, ans, v, z):
    return refused(_ORDER), unbroadcast(
        g * ((ive(v - 1, z) + ive(v + 1, z)) / 2 - np.sign(z) * ans), z)


@adjoint(scipy.special.j0, j0, elementwise=True)
def j0_adjoint(g, ans, x):
    return -g * j1(x)


@adjoint(scipy.special.j1, j1, elementwise=True)
def j1_adjoint(g, ans, x):
    return g * (j0(x) - jv(2, x)) / 2


@adjoint(scipy.special.y0, y0, elementwise=True)
def y0_adjoint(g, ans, x):
    return -g * y1(x)


@adjoint(scipy.special.y1, y1, elementwise=True)
def y1_adjoint(g, ans, x):
    return g * (y0(x) - yv(2, x)) / 2


# --- incomplete gamma functions, the reciprocal gamma function -------------------------------------

_IN_A = ("the derivative of the regularized incomplete gamma function in its parameter a: SciPy "
         "gives no function for it, so srcgrad differentiates it in x only")


@adjoint(scipy.special.gammainc, gammainc, elementwise=True)
def gammainc_adjoint(g, ans, a, x):
    return refused(_IN_A), unbroadcast(
        g * np.exp(xlogy(a - 1, x) - x - cast_like(gammaln(a), x)), x)


@adjoint(scipy.special.gammaincc, gammaincc, elementwise=True)
def gammaincc_adjoint(g, ans, a, x):
    return refused(_IN_A), unbroadcast(
        -g * np.exp(xlogy(a - 1, x) - x - cast_like(gammaln(a), x)), x)


# --- the incomplete beta function and the CDFs of Student's t and Poisson ---------------------------

_IN_AB = ("the derivative of the regularized incomplete beta function in its parameters a and b: "
          "SciPy gives no function for it, so srcgrad differentiates it in x only")
_IN_DF = ("the derivative of Student's t CDF in its degrees of freedom: SciPy gives no function "
          "for it, so srcgrad differentiates stdtr in t only")


@adjoint(scipy.special.betainc, betainc, elementwise=True)
def betainc_adjoint(g, ans, a, b, x):
    # the beta density x**(a-1) (1-x)**(b-1) / B(a, b), in log space
    return refused(_IN_AB), refused(_IN_AB), unbroadcast(
        g * np.exp(xlogy(a - 1, x) + xlog1py(b - 1, -x) - cast_like(betaln(a, b), x)), x)


@adjoint(scipy.special.betaincc, betaincc, elementwise=True)
def betaincc_adjoint(g, ans, a, b, x):
    return refused(_IN_AB), refused(_IN_AB), unbroadcast(
        -g * np.exp(xlogy(a - 1, x) + xlog1py(b - 1, -x) - cast_like(betaln(a, b), x)), x)


@adjoint(scipy.special.stdtr, stdtr, elementwise=True)
def stdtr_adjoint(g, ans, df, t):
    # Student's t density at t
    return refused(_IN_DF), unbroadcast(g * np.exp(cast_like(
        gammaln((df + 1) / 2) - gammaln(df / 2) - np.log(df * np.pi) / 2
        - (df + 1) / 2 * np.log1p(t * t / df), t)), t)


@adjoint(scipy.special.pdtr, pdtr, elementwise=True)
def pdtr_adjoint(g, ans, k, m):
    # minus the Poisson mass at floor(k), in log space; k is read as floor(k): flat in k
    return None, unbroadcast(
        -g * np.exp(cast_like(xlogy(np.floor(k), m) - m - gammaln(np.floor(k) + 1), m)), m)


@adjoint(scipy.special.pdtrc, pdtrc, elementwise=True)
def pdtrc_adjoint(g, ans, k, m):
    return None, unbroadcast(
        g * np.exp(cast_like(xlogy(np.floor(k), m) - m - gammaln(np.floor(k) + 1), m)), m)


@adjoint(scipy.special.rgamma, rgamma, elementwise=True)
def rgamma_adjoint(g, ans, x):
    # cast_like: compiled, `np.pi * x` of a float32 x is float64 (no weak literals)
    return g * cast_like(select(
        gamma_pole(x),
        gamma(1 - select(gamma_pole(x), x, 0.0))
        * (np.cos(np.pi * select(gamma_pole(x), x, 0.0))
           - psi(1 - select(gamma_pole(x), x, 0.0)) * np.sin(np.pi * select(gamma_pole(x), x, 0.0))
           / np.pi),
        -psi(select(gamma_pole(x), 0.5, x)) * rgamma(select(gamma_pole(x), 0.5, x))), x)


nondifferentiable(scipy.special.gammasgn, gammasgn, gamma_pole)


# --- exponential integrals ------------------------------------------------------------------------


@adjoint(scipy.special.exp1, exp1, elementwise=True)
def exp1_adjoint(g, ans, x):
    return -g * np.exp(-x) / x


@adjoint(scipy.special.expn, expn, elementwise=True)
def expn_adjoint(g, ans, n, x):
    # E_0 = exp(-x) / x has no E_-1: its order is kept at 0 where it is not used
    return None, -g * select(n == 0, ans * (1 + 1 / x), expn(np.maximum(n - 1, 0), x))


# --- logistic functions, x log y, entropy -----------------------------------------------------------


@adjoint(scipy.special.expit, expit, elementwise=True)
def expit_adjoint(g, ans, x):
    return g * ans * (1 - ans)


@adjoint(scipy.special.logit, logit, elementwise=True)
def logit_adjoint(g, ans, x):
    return g / (x * (1 - x))


@adjoint(scipy.special.log_expit, log_expit, elementwise=True)
def log_expit_adjoint(g, ans, x):
    return g * expit(-x)


@adjoint(scipy.special.xlogy, xlogy, elementwise=True)
def xlogy_adjoint(g, ans, x, y):
    return unbroadcast(xlogy(g, y), x), unbroadcast(g * x / y, y)


@adjoint(scipy.special.xlog1py, xlog1py, elementwise=True)
def xlog1py_adjoint(g, ans, x, y):
    return unbroadcast(xlog1py(g, y), x), unbroadcast(g * x / (1 + y), y)


@adjoint(scipy.special.entr, entr, elementwise=True)
def entr_adjoint(g, ans, x):
    return -g * (np.log(x) + 1)


# generated code calls srcgrad's twin of each (named as SciPy names it): Numba has no scipy.special
for _impl in (gammaln, psi, polygamma, gamma, beta, betaln, erf, erfc, erfinv, erfcinv, ndtr,
              log_ndtr, ndtri, i0, i1, i0e, i1e, exp1, expn, expit, logit, log_expit, xlogy,
              xlog1py, entr, jv, yv, iv, kv, yn, ive, j0, j1, y0, y1, gammainc, gammaincc, rgamma,
              gammasgn, betainc, betaincc, stdtr, pdtr, pdtrc):
    replace(getattr(scipy.special, _impl.__name__), _impl)


# --- log-sum-exp and softmax, written as operations with rules --------------------------------------


def _constant(node: ast.expr, value: object) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


def _kept_axis_sum(lowering, x: ast.expr, axis: ast.expr) -> ast.expr:
    return lowering.emit_call(np.sum, [x], [ast.keyword("axis", axis),
                                            ast.keyword("keepdims", ast.Constant(True))])


def expand_logsumexp(arguments: dict, lowering):
    """`logsumexp(a, axis, b, keepdims)` as SciPy computes it: the shift `m`
    (the largest element, a constant) subtracted before `exp` and added
    back, `log(sum(b * exp(a - m)) + m)`; then summed over the kept
    length-1 axes where `keepdims` is not True (which drops them)."""
    if not _constant(arguments["return_sign"], False):
        raise Refused("srcgrad differentiates logsumexp with return_sign=False (the default)")
    a, axis, b, keepdims = (arguments[k] for k in ("a", "axis", "b", "keepdims"))
    shift = lowering.emit_call(logsumexp_shift, [a, axis], [])
    terms = lowering.emit_call(np.exp, [lowering.emit_binop(a, ast.Sub(), shift)], [])
    if not _constant(b, None):
        terms = lowering.emit_binop(b, ast.Mult(), terms)
    total = lowering.emit_call(np.log, [_kept_axis_sum(lowering, terms, axis)], [])
    kept = lowering.emit_binop(total, ast.Add(), shift)
    if _constant(keepdims, True):
        return kept
    return lowering.emit_call(np.sum, [kept], [ast.keyword("axis", axis),
                                               ast.keyword("keepdims", keepdims)])


def _expand_softmax(arguments: dict, lowering):
    """`softmax(x, axis)` as `e / sum(e)`, `e = exp(x - m)` (`m` the shift)."""
    x, axis = arguments["x"], arguments["axis"]
    shift = lowering.emit_call(logsumexp_shift, [x, axis], [])
    terms = lowering.emit_call(np.exp, [lowering.emit_binop(x, ast.Sub(), shift)], [])
    return lowering.emit_binop(terms, ast.Div(), _kept_axis_sum(lowering, terms, axis))


def _expand_log_softmax(arguments: dict, lowering):
    """`log_softmax(x, axis)` as `(x - m) - log(sum(exp(x - m)))`."""
    x, axis = arguments["x"], arguments["axis"]
    shift = lowering.emit_call(logsumexp_shift, [x, axis], [])
    shifted = lowering.emit_binop(x, ast.Sub(), shift)
    total = _kept_axis_sum(lowering, lowering.emit_call(np.exp, [shifted], []), axis)
    return lowering.emit_binop(shifted, ast.Sub(), lowering.emit_call(np.log, [total], []))


def _expand_multigammaln(arguments: dict, lowering):
    """`multigammaln(a, d)` (a constant integer d >= 1) as
    `d (d - 1) / 4 log(pi) + sum over j < d of gammaln(a - j / 2)`.
    (SciPy refuses a <= (d - 1) / 2; this does not check it.)"""
    d = arguments["d"]
    if not (isinstance(d, ast.Constant) and type(d.value) is int and d.value >= 1):
        raise Refused("srcgrad differentiates multigammaln of a constant integer dimension "
                      "d >= 1")
    n = d.value
    total = ast.Constant(n * (n - 1) / 4 * math.log(math.pi))
    for j in range(n):
        shifted = arguments["a"] if j == 0 else lowering.emit_binop(
            arguments["a"], ast.Sub(), ast.Constant(j / 2))
        total = lowering.emit_binop(total, ast.Add(), lowering.emit_call(gammaln, [shifted], []))
    return total


for _primal, _expansion in [(scipy.special.logsumexp, expand_logsumexp),
                            (scipy.special.softmax, _expand_softmax),
                            (scipy.special.log_softmax, _expand_log_softmax),
                            (scipy.special.multigammaln, _expand_multigammaln)]:
    expand(_primal, _expansion, inspect.signature(_primal))
nondifferentiable(logsumexp_shift)
