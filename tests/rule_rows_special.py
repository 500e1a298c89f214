"""Rule-table rows of SciPy's special functions (`srcgrad/rules/special.py`),
each on a domain where it is smooth, away from poles (gamma at the
non-positive integers), kinks (`i0e` and `i1e` at 0) and the ends of its
domain (`logit`, `erfinv`, `ndtri`); the Bessel functions of the second kind
(`yv`, `kv`, `y0`, `y1`) and those of a non-integer order on positive
arguments.  The orders of the Bessel functions, the `a` of the incomplete
gamma functions, the `a` and `b` of the incomplete beta functions and
`stdtr`'s df are constants: their cotangents are refused
(`registry.refused`); `pdtr`'s count is read as its floor (flat).  `rgamma`
(1/Γ, entire) on both sides of its zeros (Γ's poles), which
`test_special_calls.py` checks exactly."""

from __future__ import annotations

import math

import scipy.special as sp
from rule_table import Const, Real, add, row

from srcgrad import runtime

S, V, M = (), (3,), (3, 4)

UNARY = [
    (sp.gammaln, 0.5, 4), (sp.psi, 0.5, 4), (sp.gamma, 0.5, 3), (sp.erf, -2, 2),
    (sp.erfc, -2, 2), (sp.erfinv, -0.9, 0.9), (sp.erfcinv, 0.1, 1.9), (sp.ndtr, -3, 3),
    (sp.log_ndtr, -6, 3), (sp.ndtri, 0.05, 0.95), (sp.i0, -3, 3), (sp.i1, -3, 3),
    (sp.exp1, 0.2, 3), (sp.expit, -4, 4), (sp.logit, 0.05, 0.95), (sp.log_expit, -4, 4),
    (sp.entr, 0.1, 3),
]
for fn, lo, hi in UNARY:
    add(row(fn, Real(S, lo, hi)), row(fn, Real(M, lo, hi)))
for fn in (sp.i0e, sp.i1e):
    add(row(fn, Real(S, 0.2, 3, sign=True)), row(fn, Real(M, 0.2, 3, sign=True)))
for fn in (sp.beta, sp.betaln):
    add(row(fn, Real(S, 0.5, 3), Real(S, 0.5, 3)), row(fn, Real(M, 0.5, 3), Real((4,), 0.5, 3)))
add(
    row(sp.xlogy, Real(M), Real((4,), 0.1, 3)),
    row(sp.xlogy, Real(S), Real(S, 0.1, 3)),
    row(sp.xlog1py, Real((3, 1)), Real((1, 4), -0.9, 3)),
    row(sp.polygamma, Const(1), Real(M, 0.5, 3)),
    row(sp.polygamma, Const(2), Real(S, 0.5, 3)),
    row(sp.polygamma, Const(0), Real(V, 0.5, 3)),
    row(sp.expn, Const(1), Real(M, 0.2, 3)),
    row(sp.expn, Const(3), Real(S, 0.2, 3)),
    row(sp.expn, Const(0), Real(V, 0.2, 3)),
    # srcgrad's twins, which generated code calls, share the rules
    row(runtime.gammaln, Real(V, 0.5, 4)),
    row(runtime.xlogy, Real(V), Real(S, 0.1, 3)),
    row(math.lgamma, Real(S, 0.5, 4), math=True),
    row(math.gamma, Real(S, 0.5, 3), math=True),
)

# Bessel functions of real order, in their argument
for fn, lo in ((sp.jv, -4.0), (sp.yv, 0.5), (sp.iv, -3.0), (sp.kv, 0.5)):
    add(
        row(fn, Const(1), Real(M, lo, 4.0)),
        row(fn, Const(0.5), Real(V, 0.5, 4.0)),
        row(fn, Const(2.5), Real(S, 0.5, 4.0)),
    )
for fn, lo in ((sp.j0, -4.0), (sp.j1, -4.0), (sp.y0, 0.5), (sp.y1, 0.5)):
    add(row(fn, Real(S, lo, 4.0)), row(fn, Real(M, lo, 4.0)))
add(
    row(runtime.jv, Const(-1.5), Real(V, 0.5, 4.0)),
    row(runtime.kv, Const(0), Real(V, 0.5, 4.0)),
    row(sp.yn, Const(0), Real(M, 0.5, 4.0)),
    row(sp.yn, Const(2), Real(V, 0.5, 4.0)),
    row(sp.ive, Const(1), Real(M, 0.2, 3.0, sign=True)),
    row(sp.ive, Const(0.5), Real(V, 0.2, 3.0)),
    # the incomplete gamma functions, in x
    row(sp.gammainc, Const(2.5), Real(M, 0.1, 5.0)),
    row(sp.gammainc, Const(0.7), Real(S, 0.1, 5.0)),
    row(sp.gammaincc, Const(1.5), Real(M, 0.1, 5.0)),
    row(runtime.gammainc, Const(3), Real(V, 0.1, 5.0)),
    # the incomplete beta functions in x, Student's t CDF in t, the Poisson CDF in its mean
    row(sp.betainc, Const(2.5), Const(1.5), Real(M, 0.05, 0.95)),
    row(sp.betainc, Const(0.7), Const(3), Real(S, 0.05, 0.95)),
    row(sp.betaincc, Const(1.5), Const(0.5), Real(V, 0.05, 0.95)),
    row(runtime.betainc, Const(2), Const(2), Real(V, 0.05, 0.95)),
    row(sp.stdtr, Const(3.5), Real(M)),
    row(sp.stdtr, Const(1), Real(S)),
    row(sp.pdtr, Const(3.0), Real(M, 0.1, 5.0)),
    row(sp.pdtr, Const(0), Real(S, 0.1, 5.0)),
    row(sp.pdtrc, Const(2.5), Real(V, 0.1, 5.0)),
    # 1/Γ, on both sides of its zeros at 0, -1, -2
    row(sp.rgamma, Real(M, -2.9, 3.0)),
    row(sp.rgamma, Real(S, 0.5, 4.0)),
    row(runtime.rgamma, Real(V, -3.0, 0.0)),
)
