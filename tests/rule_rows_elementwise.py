"""Rule-table rows of `srcgrad/rules/elementwise_more.py`: inverse hyperbolic
functions, `sinc`, angle conversions, sign transfers, steps, truncated
remainders, `nan_to_num` and the parts of a real value (see rule_table.py)."""

from __future__ import annotations

import math

import numpy as np
from rule_table import Const, M, Mask, Real, S, V, add, row

from srcgrad import runtime

_UNARY = [
    (np.arcsinh, -2, 2), (np.arccosh, 1.1, 3), (np.arctanh, -0.9, 0.9), (np.deg2rad, -3, 3),
    (np.radians, -3, 3), (np.rad2deg, -3, 3), (np.degrees, -3, 3), (np.real, -3, 3),
    (np.conjugate, -3, 3), (np.imag, -3, 3),
]  # fmt: skip
for fn, lo, hi in _UNARY:
    add(row(fn, Real(S, lo, hi)), row(fn, Real(M, lo, hi)))
add(
    # sinc away from 0, where its second derivative is taken as 0 (see the rules' module)
    row(np.sinc, Real(S, 0.1, 2.5, sign=True)),
    row(np.sinc, Real(M, 0.1, 2.5, sign=True)),
    row(np.arcsinh, Real(V, integer=True)),
)

for fn, lo, hi in [(math.asinh, -2, 2), (math.acosh, 1.1, 3), (math.atanh, -0.9, 0.9),
                   (math.degrees, -3, 3), (math.radians, -3, 3)]:
    add(row(fn, Real(S, lo, hi), math=True))

_AWAY = dict(lo=0.1, hi=2.0, sign=True)  # away from 0, where signs and steps jump
add(
    row(np.copysign, Real(S, **_AWAY), Real(S, **_AWAY)),
    row(np.copysign, Real(M, **_AWAY), Real((4,), **_AWAY)),
    row(np.copysign, Real(V, **_AWAY), Real((3, 1), **_AWAY)),
    row(math.copysign, Real(S, **_AWAY), Real(S, **_AWAY), math=True),
    row(np.heaviside, Real(M, **_AWAY), Real(S)),
    row(np.heaviside, Real(V, **_AWAY), Real((2, 3))),
    row(runtime.heaviside, Real(S, **_AWAY), Real(S)),
    # x1 / x2 within +-[2.09, 2.67]: away from the jumps at whole multiples of x2
    row(np.fmod, Real(M, 2.3, 2.8, sign=True), Real(S, 1.05, 1.1)),
    row(np.fmod, Real(M, 2.3, 2.8, sign=True), Real((4,), 1.05, 1.1, sign=True)),
    row(math.fmod, Real(S, 2.3, 2.8, sign=True), Real(S, 1.05, 1.1), math=True),
    row(runtime.fmod, Real(S, 2.3, 2.8, sign=True), Real(S, 1.05, 1.1), math=True),
    row(np.nan_to_num, Real(M)),
    row(np.nan_to_num, Real(S)),
    row(np.nan_to_num, Real(M), Const(True), Real(S), Real(S), Const(None)),
    row(runtime.fill_cotangent, Real(M), Mask(M), Real(S)),
    row(runtime.fill_cotangent, Real((2, 3, 4)), Mask(M), Real((4,))),
    row(runtime.real_part_grad, Real(M), Real(M)),
    row(runtime.real_part_grad, Real(S), Real(S)),
    row(runtime.imag_part_grad, Real(M), Real((4,))),
    row(runtime.imag_part_grad, Real(S), Real(S)),
)
