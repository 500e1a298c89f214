"""Rule-table rows of the products and norms family: `np.kron`, `np.cross`
and the helpers with rules (`kron_grad_left`, `kron_grad_right`,
`operand_of_rank`).  `np.einsum`, `tensordot`, `inner`, `vdot`, `multi_dot`
and `matrix_power` have no rule of their own (the lowering writes them as
other operations): tests/rules/test_product_calls.py checks them end to end."""

from __future__ import annotations

import numpy as np
from rule_table import Const, Real, add, row

from srcgrad import runtime

KRON_SHAPES = [((2, 3), (3, 2)), ((3,), (2,)), ((3,), (2, 2)), ((2, 2), (3,))]
for fn in (np.kron, runtime.kron):
    for s1, s2 in KRON_SHAPES:
        add(row(fn, Real(s1), Real(s2)))
add(
    row(runtime.kron_grad_left, Real((6, 6)), Real((2, 3)), Real((3, 2))),
    row(runtime.kron_grad_right, Real((6, 6)), Real((2, 3)), Real((3, 2))),
    row(runtime.kron_grad_left, Real((6,)), Real((3,)), Real((2,))),
    row(runtime.kron_grad_right, Real((2, 6)), Real((3,)), Real((2, 2))),
)
for fn in (np.cross, runtime.cross):
    add(
        row(fn, Real((3,)), Real((3,))),
        row(fn, Real((4, 3)), Real((4, 3))),
        row(fn, Real((2, 1, 3)), Real((4, 3))),
        row(fn, Real((3,)), Real((2, 3))),
    )
add(
    row(runtime.operand_of_rank, Real((3, 4)), Const(2), Const(False)),
    row(runtime.operand_of_rank, Real((2, 3, 4)), Const(1), Const(True)),
)
add(
    row(runtime.singular_values, Real((3, 2))),
    row(runtime.singular_values, Real((2, 3, 4))),
    row(runtime.matrix_view, Real((4,))),
    row(runtime.matrix_view, Real((3, 4))),
)
for fn in (np.linalg.matrix_power, runtime.matrix_power):
    add(row(fn, Real((3, 3)), Const(3)), row(fn, Real((2, 2)), Const(1)), row(fn, Real((2, 2)), Const(0)))
add(
    row(runtime.matrix_power_grad, Real((3, 3)), Real((3, 3)), Const(3)),
    row(runtime.matrix_power_grad, Real((2, 2)), Real((2, 2)), Const(4)),
)
