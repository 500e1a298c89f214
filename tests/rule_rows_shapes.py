"""Rule-table rows of the operations srcgrad writes as reads at flat positions
(`srcgrad/rules/tiling.py`, `ordering.py`): `gather`, its transpose
`gather_grad`, and the NumPy functions whose rules are written with them.
Indices read twice and constants (-1) of padding are included."""

from __future__ import annotations

import numpy as np
from rule_table import Const, Index, Real, add, row

from srcgrad import runtime

S, V, M, T = (), (3,), (3, 4), (2, 3, 4)
PICK = ((0, 5, -1), (11, 2, 2))  # from a (3, 4) operand: a repeat and a padding constant

for fn in (runtime.gather, runtime.gather_view):
    add(row(fn, Real(M), Index(PICK)), row(fn, Real(S), Index((0, 0, -1))))
add(
    row(runtime.gather_grad, Real((2, 3)), Real(M), Index(PICK)),
    row(runtime.gather_grad, Real((4, 2, 3)), Real(M), Index(PICK)),  # broadcast larger
    row(runtime.gather_grad, Real(V), Real(S), Index((0, 0, -1))),
    row(np.tile, Real(M), Const((2, 1, 2))),
    row(np.tile, Real(V), Const(2)),
    row(np.repeat, Real(M), Const(2), axis=1),
    row(np.repeat, Real(M), Const(3)),
    row(np.repeat, Real(V), Index((1, 0, 2))),
    row(np.rot90, Real(M)),
    row(np.rot90, Real(T), Const(3), Const((0, 2))),
    row(np.broadcast_to, Real(V), Const((4, 3))),
    row(np.broadcast_to, Real((3, 1)), Const((2, 3, 4))),
    row(np.take, Real(M), Index((0, 2, 2)), axis=1),
    row(np.take, Real(M), Index((11, 0, 0))),
    row(np.take_along_axis, Real(M), Index(((0, 0, 3, 1), (2, 1, 0, 0), (3, 3, 3, 3))), Const(1)),
    row(np.take_along_axis, Real(V), Index((2, 2, 0, 1)), Const(None)),
    row(np.pad, Real(M), Const(1), Const("wrap")),
    row(np.pad, Real(M), Const(((1, 0), (2, 1))), Const("reflect")),
    row(np.pad, Real(M), Const((1, 2)), Const("symmetric")),
    row(np.pad, Real(V), Const(2), Const("edge")),
    row(np.pad, Real(M), Const((1, 2)), Const("constant"), constant_values=0.5),
    row(np.pad, Real(M), Const(1)),
    row(np.sort, Real(M)),
    row(np.sort, Real(M), Const(0)),
    row(np.sort, Real(T), Const(None)),
    row(np.partition, Real((7,)), Const(3)),
    row(np.partition, Real(M), Const((1, 2)), Const(1)),
    row(runtime.scatter_subtract, Real(M), Index((2, 0, 2)), Real(M)),
    row(runtime.scatter_subtract, Real(V), Index((0, -1, 2, 0)), Real(S)),
)
