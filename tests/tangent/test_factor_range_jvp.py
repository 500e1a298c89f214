"""Forward mode through the operations whose tangent rules came last: the
factors of `np.linalg.qr` and `svd` (U and Vt), `np.linalg.matrix_power`
(a constant power, a negative one, one known at run time), `np.arange` and
`np.linspace` of differentiable ends, `np.interp` (in every argument), the
nuclear norm (`singular_values`) and `scipy.linalg.lu_factor`.

- `sg.jvp` of user functions, on "python" (each operation alone) and "cpu"
  (two functions that call them all, one Numba compile each), checked along
  random directions of every float argument against central differences of
  the function in float64 and against reverse mode (`<u, J v> == <J^T u,
  v>`, the gradient on "python"); forward mode must apply (no fallback to
  the transpose of the adjoint).
- `sg.jvp` of gradients (forward over reverse), whose adjoints call the
  helpers these rules added tangents to (`matrix_power_grad`, `knot`,
  `knot_grad`, `polyval_p_grad`, `linspace_grad`, `arange_start_grad`,
  `arange_step_grad`), against central differences of the gradient.
- `cumprod_second`, the tangent of `cumprod_jvp` in `x`, compiled against
  its Python form.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
import scipy.linalg
from test_calls_jvp import check_jvp, directions, floats, moved_by, outputs

import srcgrad as sg
from srcgrad import runtime
from srcgrad.api.tangent import TangentFunction

RNG = np.random.default_rng(11)
TALL = RNG.uniform(-1.0, 1.0, (4, 3)) + np.vstack([3.0 * np.eye(3), np.zeros((1, 3))])
WIDE = TALL.T.copy()
SQUARE = RNG.uniform(-0.5, 0.5, (3, 3)) + np.diag([1.5, -1.0, 0.8])
PIVOTED = np.array([[0.2, 2.0, -1.0], [1.5, 0.3, 0.4], [-0.7, 0.9, 2.5]])
# interpolation: points on both sides of the knots and between them, away from each knot
XS = np.array([-0.6, 0.35, 1.2, 2.45, 3.1, 4.7])
KNOTS = np.array([0.0, 0.8, 1.9, 2.7, 4.0])
VALUES = np.array([1.0, -0.5, 2.0, 0.3, 1.2])


# --- the user's functions ------------------------------------------------------------------


def qr_factors(a):
    q, r = np.linalg.qr(a)
    return q, r


def qr_r_only(a):
    return np.linalg.qr(a, mode="r") * 2.0


def svd_vectors(x):
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    return u, vt


def svd_low_rank(x):
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    return (u[:, :2] * s[:2]) @ vt[:2, :]


def power_of_n(a, n):
    return np.linalg.matrix_power(a, n)


def power_three(a):
    return np.linalg.matrix_power(a, 3)


def power_minus_two(a):
    return np.linalg.matrix_power(a, -2)


def ranges(a, b, s):
    return np.linspace(a, b, 5) * 2.0, np.arange(a, 4.0, s) ** 2, np.arange(b) + a


def linspace_of_arrays(a, b):
    return np.linspace(a, b, 4, axis=-1)


def interpolated(x, xp, fp):
    return np.interp(x, xp, fp)


def interpolated_ends(x, xp, fp, lo, hi):
    return np.interp(x, xp, fp, lo, hi)


def nuclear(a):
    return np.linalg.norm(a, "nuc")


def lu_packed(a):
    lu, piv = scipy.linalg.lu_factor(a)
    return lu


def factored(a, n):
    """Every factor at once (on "cpu": one compile)."""
    q, r = np.linalg.qr(a)
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return q, r, u, vt, np.linalg.matrix_power(r, n), np.linalg.norm(a, "nuc")


def sampled(x, xp, fp, lo, hi, a, b, s):
    """Interpolation and ranges at once (on "cpu": one compile)."""
    return np.interp(x, xp, fp, lo, hi), np.linspace(a, b, 5), np.arange(a, 4.0, s)


JVP_CASES = [
    (qr_factors, (TALL,)),
    (qr_factors, (SQUARE,)),
    (qr_r_only, (TALL,)),
    (svd_vectors, (TALL,)),
    (svd_vectors, (WIDE,)),
    (svd_low_rank, (TALL,)),
    (power_of_n, (SQUARE, 4)),
    (power_of_n, (SQUARE, 0)),
    (power_three, (SQUARE,)),
    (power_minus_two, (SQUARE,)),
    (ranges, (0.3, 2.7, 0.5)),
    (linspace_of_arrays, (np.array([0.5, -1.0]), np.array([[2.0, 1.0], [0.0, 3.0]]))),
    (interpolated, (XS, KNOTS, VALUES)),
    (interpolated, (1.3, KNOTS, VALUES)),
    (interpolated_ends, (XS, KNOTS, VALUES, -2.0, 5.0)),
    (nuclear, (TALL,)),
    (lu_packed, (PIVOTED,)),
]
CPU_CASES = [
    (factored, (TALL, 3)),
    (sampled, (XS, KNOTS, VALUES, -2.0, 5.0, 0.3, 2.7, 0.5)),
]


def _ids(cases):
    return [f"{fn.__name__}-{k}" for k, (fn, _) in enumerate(cases)]


@pytest.mark.parametrize("fn, args", JVP_CASES, ids=_ids(JVP_CASES))
def test_jvp(fn, args):
    check_jvp(fn, args, "python", seed=7)


@pytest.mark.parametrize("fn, args", CPU_CASES, ids=_ids(CPU_CASES))
def test_jvp_compiled(fn, args):
    check_jvp(fn, args, "cpu", seed=7)


# --- forward over reverse: the tangents of the helpers of the adjoints ------------------------


def power_loss(a, n):
    return np.sum(np.linalg.matrix_power(a, n) ** 2)


def interp_loss(x, xp, fp, lo, hi):
    return np.sum(np.sin(np.interp(x, xp, fp, lo, hi)))


def poly_loss(p, x):
    return np.sum(np.polyval(p, x) ** 2)


def range_loss(a, b, s):
    return np.sum(np.sin(np.linspace(a, b, 5))) + np.sum(np.cos(np.arange(a, 4.0, s) * b))


GRAD_CASES = [
    (power_loss, (SQUARE, 3), (0,)),
    (interp_loss, (XS, KNOTS, VALUES, -2.0, 5.0), (1, 2, 3)),
    (poly_loss, (np.array([0.5, -1.0, 2.0, 0.3]), XS), (0,)),
    (range_loss, (0.3, 2.7, 0.5), (0, 1, 2)),
]


@pytest.mark.parametrize("fn, args, wrt", GRAD_CASES,
                         ids=[f"{fn.__name__}" for fn, _, _ in GRAD_CASES])
def test_jvp_of_gradient(fn, args, wrt):
    """The tangent of the gradient along every float argument (the mixed
    second derivatives too: `x` of `poly_loss` moves `polyval_p_grad`'s `x`)."""
    gradient = sg.grad(fn, wrt=wrt, target="python")
    along = floats(args)
    tangents = directions(args, along, np.random.default_rng(2))
    full = [None] * len(args)
    for k, t in zip(along, tangents):
        full[k] = t
    jvp = sg.jvp(gradient, target="python")
    _, tangent = jvp(tuple(args), tuple(full))
    assert isinstance(jvp.generated, TangentFunction), f"{fn.__name__}: jvp fell back"
    eps = 1e-5
    for dot, hi, lo in zip(outputs(tangent), moved_by(gradient, args, along, tangents, eps),
                           moved_by(gradient, args, along, tangents, -eps)):
        fd = (hi - lo) / (2 * eps)
        np.testing.assert_allclose(dot, fd, rtol=1e-6, atol=1e-7 * max(1.0, np.abs(fd).max()))


# --- cumprod_second compiled -------------------------------------------------------------------


@numba.njit
def _second_along(h, k, x):
    return runtime.cumprod_second(h, k, x, 1), runtime.cumprod_second(h, k, x)


def test_cumprod_second_compiled():
    rng = np.random.default_rng(5)
    x, k = rng.uniform(-2.0, 2.0, (3, 4)), rng.standard_normal((3, 4))
    h = rng.standard_normal(4)  # broadcast along x's rows
    along_rows, flat = _second_along(h, k, x)
    np.testing.assert_allclose(along_rows, runtime.cumprod_second(h, k, x, 1), rtol=1e-12)
    np.testing.assert_allclose(flat, runtime.cumprod_second(h, k, x), rtol=1e-12)
    # the second difference of cumprod along h and k
    eps = 1e-4

    def cp(v):
        return np.cumprod(v, axis=1)

    want = (cp(x + eps * h + eps * k) - cp(x + eps * h - eps * k) - cp(x - eps * h + eps * k)
            + cp(x - eps * h - eps * k)) / (4 * eps * eps)
    np.testing.assert_allclose(along_rows, want, rtol=1e-6, atol=1e-6)
