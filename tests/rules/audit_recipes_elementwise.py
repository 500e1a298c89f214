"""API-audit recipes of `srcgrad/rules/elementwise_more.py` (see test_api_audit.py)."""

from __future__ import annotations

from audit_recipes import A, R

S, V, M = (), (3,), (2, 3)
AWAY = dict(lo=0.1, hi=2.0, sign=True)  # away from 0, where signs and steps jump

RECIPES = {
    "numpy.arcsinh": R("np.arcsinh(x0)", A(M), cpu=True),
    "numpy.arccosh": R("np.arccosh(x0)", A(M, 1.1, 3.0)),
    "numpy.arctanh": R("np.arctanh(x0)", A(M, -0.9, 0.9)),
    "numpy.sinc": R(["np.sinc(x0)", "np.sinc(x0) * x0"], A(M, 0.1, 2.5, sign=True), cpu=True),
    "numpy.deg2rad": R("np.deg2rad(x0)", A(M, -3.0, 3.0)),
    "numpy.radians": R("np.radians(x0)", A(M, -3.0, 3.0)),
    "numpy.rad2deg": R("np.rad2deg(x0)", A(M, -3.0, 3.0)),
    "numpy.degrees": R("np.degrees(x0)", A(M, -3.0, 3.0)),
    "numpy.copysign": R(["np.copysign(x0, x1)", "np.copysign(x1, x0)", "np.copysign(x0, -1.0)"],
                        A(M, **AWAY), A(V, **AWAY), cpu=True),
    "numpy.heaviside": R(["np.heaviside(x0, x1)", "np.heaviside(x0, 0.5) * x0"],
                         A(M, **AWAY), A(S), cpu=True),
    "numpy.fmod": R(["np.fmod(x0, x1)", "np.fmod(x0, 1.1)"], A(M, 2.3, 2.8, sign=True),
                    A(S, 1.05, 1.1), cpu=True),
    "numpy.nan_to_num": R(["np.nan_to_num(x0)", "np.nan_to_num(x0, nan=x1, posinf=x1)"],
                          A(M), A(S), cpu=True),
    "numpy.real": R("np.real(x0) * x0", A(M)),
    "numpy.conjugate": R(["np.conj(x0) * x0", "np.conjugate(x0)"], A(M)),
    "numpy.imag": R("np.imag(x0)", A(M)),
    "numpy.isposinf": R("np.isposinf(x0)", A(M)),
    "numpy.isneginf": R("np.isneginf(x0)", A(M)),
    "math.asinh": R("math.asinh(x0)", A(), cpu=True),
    "math.acosh": R("math.acosh(x0)", A(S, 1.1, 3.0)),
    "math.atanh": R("math.atanh(x0)", A(S, -0.9, 0.9)),
    "math.degrees": R("math.degrees(x0)", A()),
    "math.radians": R("math.radians(x0)", A()),
    "math.copysign": R(["math.copysign(x0, x1)", "math.copysign(x1, x0)"], A(S, **AWAY),
                       A(S, **AWAY), cpu=True),
    "math.fmod": R("math.fmod(x0, x1)", A(S, 2.3, 2.8, sign=True), A(S, 1.05, 1.1), cpu=True),
}
