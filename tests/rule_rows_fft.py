"""Rule-table rows of `srcgrad/rules/spectral.py`: the real-valued functions
of `np.fft` (see rule_table.py)."""

from __future__ import annotations

import numpy as np
from rule_table import Const, M, Real, S, T, add, row

from srcgrad import runtime
from srcgrad.runtime import transforms

add(
    row(np.fft.fftshift, Real((5,))),
    row(np.fft.fftshift, Real(M)),
    row(np.fft.fftshift, Real(T), Const(1)),
    row(np.fft.fftshift, Real(T), Const((0, -1))),
    row(np.fft.ifftshift, Real((5,))),
    row(np.fft.ifftshift, Real(M), Const(-1)),
    row(np.fft.ifftshift, Real(T), Const((2, 0))),
    row(runtime.fftshift, Real((3, 5)), Const(None)),
    row(np.fft.fftfreq, Const(5), Real(S, 0.5, 2)),
    row(np.fft.fftfreq, Const(6), Real(S, 0.5, 2)),
    row(np.fft.rfftfreq, Const(5), Real(S, 0.5, 2)),
    row(np.fft.rfftfreq, Const(8), Real(S, 0.5, 2)),
    row(runtime.fftfreq, Const(7), Real(S, 0.5, 2)),
)

# the transforms on complex values split into parts (srcgrad/runtime/transforms.py):
# fft_part(re, im, s, axes, norm, inverse, part, slot), rfft_part(x, s, axes, norm, part),
# irfft_of(re, im, s, axes, norm, slot), and their adjoints (dy shaped like the
# transform's result, `like` like its argument)
N = Const(None)
add(
    row(transforms.fft_part, Real((6,)), Real((6,)), N, Const((0,)), N, Const(False), Const(0),
        Const(0)),
    row(transforms.fft_part, Real((6,)), N, Const((8,)), Const((0,)), Const("ortho"), Const(True),
        Const(1), Const(0)),
    row(transforms.fft_part, Real((5,)), N, N, Const((-1,)), N, Const(False), Const(0), Const(1)),
    row(transforms.fft_part, Real((3, 4)), Real((3, 4)), Const((2, 5)), Const((-2, -1)),
        Const("forward"), Const(False), Const(1), Const(0)),
    row(transforms.fft_part, Real((3, 4)), Real((3, 4)), N, N, N, Const(True), Const(0), Const(0)),
    row(transforms.fft_part_adjoint, Real((8,)), Real((6,)), Const((8,)), Const((0,)), N,
        Const(False), Const(1), Const(0)),
    row(transforms.fft_part_adjoint, Real((3, 4)), Real((3, 4)), N, N, Const("ortho"),
        Const(True), Const(0), Const(1)),
    row(transforms.rfft_part, Real((7,)), N, Const((0,)), N, Const(0)),
    row(transforms.rfft_part, Real((4, 6)), Const((3, 8)), Const((0, 1)), Const("ortho"),
        Const(1)),
    row(transforms.rfft_part_adjoint, Real((4,)), Real((7,)), N, Const((0,)), N, Const(1)),
    row(transforms.rfft_part_adjoint, Real((3, 5)), Real((4, 6)), Const((3, 8)), Const((0, 1)),
        Const("forward"), Const(0)),
    row(transforms.irfft_of, Real((5,)), Real((5,)), N, Const((0,)), N, Const(0)),
    row(transforms.irfft_of, Real((4,)), N, Const((9,)), Const((0,)), Const("forward"), Const(1)),
    row(transforms.irfft_of, Real((3, 4)), Real((3, 4)), Const((3, 6)), Const((0, 1)),
        Const("ortho"), Const(0)),
    row(transforms.irfft_adjoint, Real((8,)), Real((5,)), N, Const((0,)), N, Const(1)),
    row(transforms.irfft_adjoint, Real((3, 6)), Real((3, 4)), Const((3, 6)), Const((0, 1)),
        Const("ortho"), Const(0)),
)
