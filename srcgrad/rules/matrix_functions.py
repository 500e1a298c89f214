"""Adjoint rules of `scipy.linalg.solve_sylvester` and `scipy.linalg.sqrtm`
(real matrices; `srcgrad.runtime.sylvester`).

- solve_sylvester: `x` with `a x + x b = q`.  Differentiated, `a dx + dx b =
  dq - da x - x db`; with `y` solving the transposed equation `a.T y + y b.T
  = g`, `<g, dx> = <y, dq - da x - x db>`: `q` has `y`, `a` has `-y x.T`,
  `b` has `-x.T y`.  Another Sylvester solve, with transposes.
- sqrtm: `x x = A`, so `x dx + dx x = dA`: `dx` solves a Sylvester equation
  in `x`, and `A`'s cotangent the transposed one, `x.T gA + gA x.T = g`.
  `sqrtm` refuses a matrix with an eigenvalue on the closed negative real
  axis, where the root is complex or has no derivative.

Both rules are Sylvester solves and products, with rules of their own:
differentiable to any order.  Generated code calls `sylvester` and `sqrtm`,
which compiled call SciPy (Numba has no Schur decomposition).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from ..runtime import dot, sqrtm, sum_to, sylvester
from .registry import adjoint, replace
from .tangents import tangent


@adjoint(scipy.linalg.solve_sylvester, sylvester)
def solve_sylvester_adjoint(g, ans, a, b, q):
    return (-dot(sylvester(np.transpose(a), np.transpose(b), sum_to(g, np.shape(ans))),
                 np.transpose(ans)),
            -dot(np.transpose(ans),
                 sylvester(np.transpose(a), np.transpose(b), sum_to(g, np.shape(ans)))),
            sylvester(np.transpose(a), np.transpose(b), sum_to(g, np.shape(ans))))


@tangent(scipy.linalg.solve_sylvester, sylvester)
def solve_sylvester_tangent(ans, a, b, q, da, db, dq):
    return (sylvester(a, b, -dot(da, ans)), sylvester(a, b, -dot(ans, db)),
            sylvester(a, b, dq))


@adjoint(scipy.linalg.sqrtm, sqrtm)
def sqrtm_adjoint(g, ans, A):
    return sylvester(np.transpose(ans), np.transpose(ans), sum_to(g, np.shape(ans)))


@tangent(scipy.linalg.sqrtm, sqrtm)
def sqrtm_tangent(ans, A, dA):
    return sylvester(ans, ans, dA)


replace(scipy.linalg.solve_sylvester, sylvester)
replace(scipy.linalg.sqrtm, sqrtm)
