"""Rule-table rows of the statistics and signal family (`srcgrad.rules.statistics`,
`srcgrad.rules.signals`): each row drawn where the function is smooth, away
from ties (order statistics) and knots (interpolation) by much more than
the finite-difference step."""

from __future__ import annotations

import numpy as np
from rule_table import Real, add, row

S, V, M, T = (), (3,), (3, 4), (2, 3, 4)

for fn in (np.logaddexp, np.logaddexp2):
    add(
        row(fn, Real(S), Real(S)),
        row(fn, Real(M), Real((4,))),
        row(fn, Real((3, 1)), Real((1, 4), -30, 30)),
        row(fn, Real(V), Real(S)),
    )
