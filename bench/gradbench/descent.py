"""Gradient descent as Pearlmutter and Siskind state it for the `saddle` and
`particle` evals ("Using Programming Language Theory to Make Automatic
Differentiation Sound and Efficient", 2008): from `x`, step against the
gradient with a step size `eta` that starts at 1e-5, doubles after ten
accepted steps in a row and halves at every step that does not lower `f`;
stop when the gradient or the step is at most 1e-5 long.

`argmin(f, g, x, *args)` minimises `f(x, *args)` whose gradient in `x` is
`g(x, *args)`.  It is plain Python, so that srcgrad differentiates through it
when a differentiated objective calls it (nested derivatives), and
`argmin_jit` is the same function compiled by Numba, for the callers whose
`f` and `g` Numba can call.
"""

import numba
import numpy as np

TOLERANCE = 1e-5
FIRST_STEP = 1e-5
STEPS_BEFORE_GROWING = 10


def argmin(f, g, x, *args):
    fx = f(x, *args)
    gx = g(x, *args)
    eta = FIRST_STEP
    accepted = 0
    while np.linalg.norm(gx) > TOLERANCE:
        if accepted == STEPS_BEFORE_GROWING:
            eta = 2.0 * eta
            accepted = 0
        else:
            x_new = x - eta * gx
            if np.linalg.norm(x - x_new) <= TOLERANCE:
                break
            fx_new = f(x_new, *args)
            if fx_new < fx:
                x = x_new
                fx = fx_new
                gx = g(x_new, *args)
                accepted += 1
            else:
                eta = eta / 2.0
                accepted = 0
    return x


argmin_jit = numba.njit(cache=True)(argmin)
