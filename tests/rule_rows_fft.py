"""Rule-table rows of `srcgrad/rules/spectral.py`: the real-valued functions
of `np.fft` (see rule_table.py)."""

from __future__ import annotations

import numpy as np
from rule_table import Const, M, Real, S, T, add, row

from srcgrad import runtime

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
