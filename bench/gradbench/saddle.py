"""GradBench's `saddle` eval: the saddle point of

    f(p1, p2) = (p1[0]^2 + p1[1]^2) - (p2[0]^2 + p2[1]^2)

by nested gradient descent (`descent.argmin`) from the input's `start`:
first p1 = argmin over p1 of max over p2 of f(p1, p2), where the inner max is
itself found by descent, then p2 = argmax over p2 of f(p1, p2).  Output: p1
and p2 concatenated.

The four functions differ in the mode of the derivative that each level of
descent uses (outer, inner): `r` is `sg.grad`, `f` is forward mode,
`sg.jacobian(..., mode="forward")` (the gradient of a function of two
variables in two tangent sweeps).  The outer derivative differentiates
through the inner descent, inner derivative calls included.  Step 2 uses the
outer mode.  The objectives are `numba.njit` functions (srcgrad reads their
Python source) and so is the descent (`argmin_jit`), which calls srcgrad's
gradients and forward-mode Jacobians from Numba code.
"""

import numpy as np
from numba import njit

import srcgrad as sg
from bench.gradbench.descent import argmin, argmin_jit
from bench.gradbench.protocol import measured


@njit(cache=True)
def f(p1, p2):
    return (p1[0] ** 2 + p1[1] ** 2) - (p2[0] ** 2 + p2[1] ** 2)


@njit(cache=True)
def neg_f(p2, p1):
    """-f as a function of p2: its argmin is f's argmax over p2."""
    return -f(p1, p2)


# the inner descent's own dispatcher: Numba compiling argmin_jit for the outer
# descent would otherwise meet argmin_jit again, for other types, inside it
# (a KeyError in its lowering of what it takes for a recursive call)
inner_argmin = njit(cache=True)(argmin)
inner_r = sg.grad(neg_f, wrt=0, target="cpu")
inner_f = sg.jacobian(neg_f, wrt=0, mode="forward", target="cpu")


@njit(cache=True)
def max_f_r(p1, start):
    p2 = inner_argmin(neg_f, inner_r, start, p1)
    return f(p1, p2)


@njit(cache=True)
def max_f_f(p1, start):
    p2 = inner_argmin(neg_f, inner_f, start, p1)
    return f(p1, p2)


OUTER = {
    "rr": (sg.grad(max_f_r, wrt=0, target="cpu"), max_f_r, inner_r),
    "rf": (sg.grad(max_f_f, wrt=0, target="cpu"), max_f_f, inner_r),
    "fr": (sg.jacobian(max_f_r, wrt=0, mode="forward", target="cpu"), max_f_r, inner_f),
    "ff": (sg.jacobian(max_f_f, wrt=0, mode="forward", target="cpu"), max_f_f, inner_f),
}


def saddle_point(variant, start):
    d_max_f, max_f, d_neg_f = OUTER[variant]
    p1 = argmin_jit(max_f, d_max_f, start, start)
    p2 = argmin_jit(neg_f, d_neg_f, start, p1)
    return np.concatenate((p1, p2))


def _start(raw):
    return np.asarray(raw["start"], dtype=np.float64)


def _variant(name):
    @measured(_start, lambda point: [float(v) for v in point])
    def run(start):
        return saddle_point(name, start)

    return run


FUNCTIONS = {name: _variant(name) for name in OUTER}


def warm_up():
    """Compiles every variant; a variant that srcgrad refuses raises the
    same error again at each evaluate, so that one is reported there and the
    others still run."""
    start = np.array([1.0, 1.0])
    for name in OUTER:
        try:
            saddle_point(name, start)
        except sg.SrcGradError:
            pass
