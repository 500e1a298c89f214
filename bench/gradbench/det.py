"""GradBench's `det` eval: the determinant of an ell x ell matrix by expansion
in minors along the first row (`evals/det/README.md`), and its gradient with
respect to every entry.

The determinant is written as its definition reads: the alternating sum, over
the columns j of the first row, of `a[0, j]` times the determinant of the
minor without row 0 and column j, the minor copied into a new array and the
function calling itself on it, down to 1 x 1.  The primal is this function
compiled by `numba.njit` (Numba compiles the self-call); the gradient is
`sg.grad` of the same function, whose recursive calls call generated
`det_of_primal` and `det_of_vjp` functions (srcgrad's README: recursion);
`warm_up` compiles it (in every process: Numba does not cache recursion).
"""

import numba
import numpy as np

import srcgrad as sg
from bench.gradbench.protocol import measured


@numba.njit
def det_of(a):
    n = a.shape[0]
    if n == 1:
        return a[0, 0]
    total = 0.0
    sign = 1.0
    for j in range(n):
        minor = np.empty((n - 1, n - 1))
        for r in range(1, n):
            k = 0
            for c in range(n):
                if c != j:
                    minor[r - 1, k] = a[r, c]
                    k += 1
        total += sign * a[0, j] * det_of(minor)
        sign = -sign
    return total


gradient_of = sg.grad(det_of, target="cpu")


def prepare(raw):
    ell = int(raw["ell"])
    return np.array(raw["A"], dtype=np.float64).reshape(ell, ell)


def flat(gradient):
    return np.asarray(gradient).ravel().tolist()


@measured(prepare, float)
def primal(a):
    return det_of(a)


@measured(prepare, flat)
def gradient(a):
    return gradient_of(a)


FUNCTIONS = {"primal": primal, "gradient": gradient}


def warm_up():
    a = np.eye(3) + 0.5
    det_of(a)
    gradient_of(a)
