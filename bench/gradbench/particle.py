"""GradBench's `particle` eval: a charged particle starts at (0, 8) with
velocity (0.75, 0) in the potential of two unit charges at (10, 10 - w) and
(10, 0),

    p(x; w) = 1 / |x - (10, 10 - w)| + 1 / |x - (10, 0)|,

and moves by Euler steps of 0.1 (acceleration -grad_x p) until its next
position would be at or below the x axis; linear interpolation along its
velocity gives where it crosses the axis, x(t_f), and `miss(w) = x0(t_f)^2`.
Gradient descent (`descent.argmin`, from the input's w) finds the w that
makes the particle hit the origin; the output is that w.

The four functions differ in the mode of the derivative that each level uses
(descent on w, force in the Euler steps): `r` is `sg.grad`, `f` is forward
mode (`sg.jacobian(..., mode="forward")`, one tangent sweep per variable).
The descent's derivative differentiates through the Euler loop, force calls
included.  w is a vector of one element, as the descent is multivariate.
The objectives are `numba.njit` functions (srcgrad reads their Python
source), and so is the descent (`argmin_jit`): Numba code calls srcgrad's
gradients and forward-mode Jacobians, and srcgrad differentiates through
both (it inlines them).
"""

import numpy as np
from numba import njit

import srcgrad as sg
from bench.gradbench.descent import argmin_jit
from bench.gradbench.protocol import measured

STEP = 0.1


@njit(cache=True)
def potential(x, w):
    return (1.0 / np.linalg.norm(x - np.array([10.0, 10.0 - w]))
            + 1.0 / np.linalg.norm(x - np.array([10.0, 0.0])))


grad_potential_r = sg.grad(potential, wrt=0, target="cpu")
grad_potential_f = sg.jacobian(potential, wrt=0, mode="forward", target="cpu")


def miss(w, grad_potential):
    """x0(t_f)^2 for the control w (a vector of one element)."""
    x = np.array([0.0, 8.0])
    xdot = np.array([0.75, 0.0])
    while True:
        xddot = -grad_potential(x, w[0])
        x_new = x + STEP * xdot
        if x_new[1] <= 0.0:
            break
        x = x_new
        xdot = xdot + STEP * xddot
    t_f = -x[1] / xdot[1]
    x_t_f = x + t_f * xdot
    return x_t_f[0] ** 2


@njit(cache=True)
def miss_r(w):
    return miss_jit(w, grad_potential_r)


@njit(cache=True)
def miss_f(w):
    return miss_jit(w, grad_potential_f)


miss_jit = njit(cache=True)(miss)

VARIANTS = {
    "rr": (sg.grad(miss_r, target="cpu"), miss_r),
    "rf": (sg.grad(miss_f, target="cpu"), miss_f),
    "fr": (sg.jacobian(miss_r, mode="forward", target="cpu"), miss_r),
    "ff": (sg.jacobian(miss_f, mode="forward", target="cpu"), miss_f),
}


def best_w(variant, w0):
    d_miss, miss_w = VARIANTS[variant]
    return argmin_jit(miss_w, d_miss, np.array([w0]))[0]


def _variant(name):
    @measured(lambda raw: float(raw["w"]), float)
    def run(w0):
        return best_w(name, w0)

    return run


FUNCTIONS = {name: _variant(name) for name in VARIANTS}


def warm_up():
    """Compiles every variant; a variant that srcgrad refuses raises the
    same error again at each evaluate, so that one is reported there and the
    others still run."""
    for name in VARIANTS:
        try:
            best_w(name, 0.0)
        except sg.SrcGradError:
            pass
