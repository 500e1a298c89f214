"""Rule-table rows of the statistics and signal family (`srcgrad.rules.statistics`,
`orderstats`, `signals`, `convolution`, `polynomials`, `interpolation`): each
row drawn where the function is smooth (random draws keep order statistics
away from ties, and points away from knots, by much more than the
finite-difference step)."""

from __future__ import annotations

import numpy as np
from rule_table import Const, Increasing, Real, add, row

from srcgrad import runtime

S, V, M, T = (), (3,), (3, 4), (2, 3, 4)

for fn in (np.logaddexp, np.logaddexp2):
    add(
        row(fn, Real(S), Real(S)),
        row(fn, Real(M), Real((4,))),
        row(fn, Real((3, 1)), Real((1, 4), -30, 30)),
        row(fn, Real(V), Real(S)),
    )

# cumprod: its rule never divides by the input (zeros: test_statistics_calls.py)
for fn in (np.cumprod, runtime.cumprod):
    add(
        row(fn, Real(M)),
        row(fn, Real(M), Const(0)),
        row(fn, Real(T), axis=-1),
        row(fn, Real(V)),
    )

# quantiles (np.median, np.quantile and np.percentile are written as runtime.quantile);
# q constant here: its second derivative is refused (quantile_q_grad has no rule)
add(
    row(runtime.quantile, Real(M), Const(0.3)),
    row(runtime.quantile, Real(M), Const(0.5), Const(0)),
    row(runtime.quantile, Real(M), Const(0.75), Const(1), keepdims=True),
    row(runtime.quantile, Real(T), Const(0.4), Const((0, 2))),
    row(runtime.quantile_grad, Real((4,)), Real(M), Const(0.3), Const(0)),
    row(runtime.quantile_grad, Real((3, 1)), Real(M), Const(0.7), Const(1), Const(True)),
    row(runtime.quantile_jvp, Real(M), Real(M), Const(0.3), Const(0)),
    row(runtime.quantile_jvp, Real(M), Real(M), Const(0.6)),
)

# differences, pair means and finite-difference gradients: linear, with transposes
for fn in (np.diff, runtime.diff):
    add(
        row(fn, Real(M)),
        row(fn, Real(M), Const(2), Const(0)),
        row(fn, Real(T), axis=1),
        row(fn, Real((5,)), n=3),
    )
add(
    row(runtime.diff_grad, Real((3, 3)), Real(M)),
    row(runtime.diff_grad, Real((1, 4)), Real(M), Const(2), Const(0)),
    row(runtime.pair_mean, Real(M)),
    row(runtime.pair_mean, Real(T), Const(0)),
    row(runtime.pair_mean_grad, Real((3, 3)), Real(M)),
    row(runtime.pair_mean_grad, Real((2, 4)), Real(M), Const(0)),
    row(runtime.gradient_along, Real((5,))),
    row(runtime.gradient_along, Real(M), Const(1)),
    row(runtime.gradient_along, Real(T), Const(0)),
    row(runtime.gradient_along_grad, Real((5,)), Real((5,))),
    row(runtime.gradient_along_grad, Real(M), Real(M), Const(-1)),
    row(runtime.uniform_spacing, Real(S, 0.5, 2)),
)

# convolutions of two vectors, in every mode, the longer operand first or second
for fn in (np.convolve, runtime.convolve, np.correlate, runtime.correlate):
    add(
        row(fn, Real((5,)), Real(V)),
        row(fn, Real((4,)), Real((6,)), Const("same")),
        row(fn, Real((6,)), Real((4,)), Const("same")),
        row(fn, Real((2,)), Real((5,)), Const("full")),
        row(fn, Real((5,)), Real((2,)), mode="valid"),
    )
for fn, length in [(runtime.convolve_grad, 7), (runtime.correlate_grad, 7),
                   (runtime.correlate_v_grad, 7)]:
    add(
        row(fn, Real((length,)), Real((5,)), Real(V), Const("full")),
        row(fn, Real((6,)), Real((4,)), Real((6,)), Const("same")),
        row(fn, Real((2,)), Real((2,)), Real(V), Const("valid")),
    )

# polynomials: p a 1-D array, x a scalar or an array
for fn in (np.polyval, runtime.polyval):
    add(
        row(fn, Real((4,)), Real(M)),
        row(fn, Real((3,)), Real(S)),
        row(fn, Real((1,)), Real(V)),
    )
add(
    row(runtime.poly_derivative, Real((4,))),
    row(runtime.poly_derivative_grad, Real(V), Real((4,))),
    row(runtime.polyval_p_grad, Real(M), Real((4,)), Real(M)),
    row(runtime.polyval_p_grad, Real(S), Real(V), Real(S)),
)

# cumprod's cotangent and its transpose, x integer-valued: the second-order rows then
# differentiate dy alone (in x, the third derivative of cumprod is refused: its helper
# cumprod_curvature has no rule); the first-order rows perturb x too
add(
    row(runtime.cumprod_grad, Real(M), Real(M, -3, 3, integer=True), Const(1)),
    row(runtime.cumprod_grad, Real((12,)), Real(M, -3, 3, integer=True)),
    row(runtime.cumprod_jvp, Real(M), Real(M, -3, 3, integer=True), Const(0)),
    row(runtime.cumprod_jvp, Real(M), Real(M, -3, 3, integer=True)),
)

# running maxima and minima (np.maximum.accumulate, np.minimum.accumulate), drawn
# without ties; their cotangent and its transpose are piecewise constant in x
for smallest in (False, True):
    add(
        row(runtime.accumulate_extreme, Real(M), Const(0), Const(smallest)),
        row(runtime.accumulate_extreme, Real(T), Const(-1), Const(smallest)),
        row(runtime.accumulate_extreme_grad, Real(M), Real(M), Const(1), Const(smallest)),
        row(runtime.accumulate_extreme_jvp, Real(M), Real(M), Const(0), Const(smallest)),
    )
add(row(runtime.accumulate_extreme, Real(V)),
    row(runtime.accumulate_extreme_grad, Real((5, 4)), Real((5, 4))))

# np.cov's and np.corrcoef's result as NumPy squeezes it (x: the variables, for their form)
add(
    row(runtime.variables_result, Real((3, 3)), Real((3, 5))),
    row(runtime.variables_result, Real((1, 1)), Real((5,))),
    row(runtime.variables_result, Real((2, 2)), Real((5,)), Real((5,))),
)

# np.interp: knots from 0 to 4, points on both sides of them (the ends: fp's, or left and right)
KNOTS = Increasing((5,), 0.0, 4.0)
for fn in (np.interp, runtime.interp):
    add(
        row(fn, Real(M, -1.0, 5.0), KNOTS, Real((5,))),
        row(fn, Real(V, -1.0, 5.0), KNOTS, Real((5,)), Real(S), Real(S)),
        row(fn, Real(S, 0.0, 4.0), KNOTS, Real((5,))),
    )
add(
    row(np.interp, Real(T, -1.0, 5.0), KNOTS, Real((5,)), Const(None), Real(S)),
    row(np.interp, Real(M, -1.0, 5.0), Increasing((2,), 0.0, 4.0), Real((2,)), left=0.5),
    row(runtime.knot, Real((5,)), Real(M, -1.0, 5.0), KNOTS, Const(0)),
    row(runtime.knot, Real((5,)), Real(S, -1.0, 5.0), KNOTS, Const(1)),
    row(runtime.knot_grad, Real(M), Real((5,)), Real(M, -1.0, 5.0), KNOTS, Const(1)),
    row(runtime.knot_grad, Real(S), Real((5,)), Real(S, -1.0, 5.0), KNOTS, Const(0)),
)
