"""API audit: every NumPy, `math`, builtin and `operator` function that srcgrad's
registry lists, checked end to end, one row per function.

The rows are GENERATED from the registry (`srcgrad/rules/registry.py`): the
primals of `RULES` and SciPy's functions that an expansion writes as other
operations (differentiable), and of `_NONDIFF` (declared constant),
less srcgrad's own helpers (whose `__module__` starts with "srcgrad").  A new
registry entry is therefore audited automatically, and needs a recipe in
`RECIPES` below: a registered function without one FAILS its row.

- A differentiable function: a small user function `f(x0, x1, ...)` that
  returns the recipe's call is differentiated with `sg.grad(f, wrt=all,
  target="python", unconnected_gradients="zero")`, seeded with a random
  `grad_ys` shaped like the result, and compared with central finite
  differences of `f` in float64 (`gradcheck.numerical_gradient`).  A few rows
  (`cpu=True`) are checked on target="cpu" too.
- A non-differentiable function: its result must not change when any element
  of any float argument moves by a small step (relative 1e-6 and 1e-4, both
  ways) at a generic point of the recipe's domain; where it does, the row
  fails with the finite-difference derivative it found.

A recipe is keyed by the function's qualified name (`numpy.sin`,
`numpy.linalg.norm`, `math.exp`, `operator.add`, `builtins.abs`) and gives
the call (one expression of the float arguments `x0, x1, ...`, or several,
each checked) and each argument's shape and domain: smooth there, away from
kinks, ties, jumps and integers by much more than the steps.  The same recipe
serves either check, so a function that moves from `_NONDIFF` to `RULES`
(or back) keeps its recipe.
"""

from __future__ import annotations

import builtins
import importlib.util
import math
import operator
import os
import sys
import types
import zlib

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from audit_recipes import A, R, Recipe, extension_recipes  # noqa: E402
from gradcheck import numerical_gradient  # noqa: E402

import srcgrad as sg  # noqa: E402
from srcgrad.rules import registry  # noqa: E402

# --- the registered functions, by qualified name --------------------------------------------

_NAMESPACES = [("numpy", np), ("numpy.linalg", np.linalg), ("math", math),
               ("operator", operator), ("builtins", builtins)]
try:  # SPEC.md: scipy.special functions may be registered too
    import scipy.linalg
    import scipy.signal
    import scipy.special
    import scipy.stats

    _NAMESPACES.append(("scipy.special", scipy.special))
    _NAMESPACES.append(("scipy.linalg", scipy.linalg))
    _NAMESPACES.append(("scipy.signal", scipy.signal))
except ImportError:  # pragma: no cover
    pass


def qualified_name(fn) -> str:
    """`numpy.sin`, `numpy.linalg.norm`, `math.exp`, `operator.add`, `builtins.abs`:
    where the function is found under its own name, else module.qualname."""
    name = getattr(fn, "__name__", None)
    owner = getattr(fn, "__self__", None)
    if isinstance(fn, types.MethodType) and owner.__class__.__module__.startswith("scipy.stats"):
        # a distribution's method: `scipy.stats.norm.logpdf`
        return next(f"scipy.stats.{n}.{name}" for n in dir(scipy.stats)
                    if getattr(scipy.stats, n) is owner)
    if name:
        for prefix, namespace in _NAMESPACES:
            if getattr(namespace, name, None) is fn:
                return f"{prefix}.{name}"
    module = getattr(fn, "__module__", None) or type(fn).__module__
    return f"{module}.{getattr(fn, '__qualname__', name or repr(fn))}"


def _user_facing(fn) -> bool:
    return not (getattr(fn, "__module__", None) or "").startswith("srcgrad")


def registered() -> tuple[dict[str, object], dict[str, object]]:
    """(differentiable, non-differentiable) user-facing functions by name."""
    diff = {qualified_name(p): p for key, p in registry._PRIMALS.items()
            if key in registry.RULES and registry.RULES[key].shipped and _user_facing(p)}
    # SciPy's functions that srcgrad writes as other operations (`expand`), with no rule
    diff.update({qualified_name(p): p for key, p in registry._PRIMALS.items()
                 if key in registry._EXPANSIONS and key not in registry.RULES
                 and qualified_name(p).startswith("scipy.")})
    nondiff = {qualified_name(p): p for p in registry._NONDIFF.values() if _user_facing(p)}
    return diff, nondiff


DIFFERENTIABLE, NONDIFFERENTIABLE = registered()

# --- recipes ----------------------------------------------------------------------------------


S, V, M = (), (3,), (2, 3)
POS = dict(lo=0.1, hi=3.0)

RECIPES: dict[str, Recipe] = {
    # operators (as the syntax calls them)
    "operator.add": R("x0 + x1", A(M), A(V)),
    "operator.sub": R("x0 - x1", A(M), A(S)),
    "operator.mul": R(["x0 * x1", "x1 * x1"], A(M), A(V)),
    "operator.truediv": R("x0 / x1", A(M), A(V, 0.5, 2.0, sign=True)),
    "operator.pow": R(["x0 ** x1", "x0 ** 3", "x1 ** 2.0"], A(M, 0.5, 2.0), A(V)),
    "operator.mod": R("x0 % x1", A(M, 2.3, 2.8, sign=True), A(S, 1.05, 1.1)),
    "operator.neg": R("-x0", A(M)),
    "operator.pos": R("+x0", A(M)),
    "operator.matmul": R(["x0 @ x1", "x1 @ x1"], A(M), A(V)),
    # builtins
    "builtins.abs": R(["abs(x0)", "abs(x1)"], A(S, 0.2, 2.0, sign=True), A(V, 0.2, 2.0, sign=True)),
    "builtins.float": R(["float(x0)", "float(np.sum(x1))"], A(S), A(V)),
    "builtins.max": R(["max(x0, x1)", "max(x0, 0.25)", "max(x1, x0, 0.25)"],
                      A(S, 0.5, 2.0), A(S, -2.0, 0.0)),
    "builtins.min": R(["min(x0, x1)", "min(x0, 0.25)", "min(0.25, x0, x1)"],
                      A(S, 0.5, 2.0), A(S, -2.0, 0.0)),
    # math
    "math.sin": R("math.sin(x0)", A()),
    "math.cos": R("math.cos(x0)", A()),
    "math.tan": R("math.tan(x0)", A(S, -1.2, 1.2)),
    "math.asin": R("math.asin(x0)", A(S, -0.9, 0.9)),
    "math.acos": R("math.acos(x0)", A(S, -0.9, 0.9)),
    "math.atan": R("math.atan(x0)", A()),
    "math.atan2": R("math.atan2(x0, x1)", A(), A(S, 0.5, 2.0)),
    "math.sinh": R("math.sinh(x0)", A()),
    "math.cosh": R("math.cosh(x0)", A()),
    "math.tanh": R("math.tanh(x0)", A()),
    "math.exp": R("math.exp(x0)", A(), cpu=True),
    "math.exp2": R("math.exp2(x0)", A()),
    "math.expm1": R("math.expm1(x0)", A()),
    "math.log": R(["math.log(x0)", "math.log(x0, x1)"], A(S, **POS), A(S, 1.5, 4.0)),
    "math.log1p": R("math.log1p(x0)", A(S, -0.9, 3.0)),
    "math.log2": R("math.log2(x0)", A(S, **POS)),
    "math.log10": R("math.log10(x0)", A(S, **POS)),
    "math.sqrt": R("math.sqrt(x0)", A(S, **POS)),
    "math.cbrt": R("math.cbrt(x0)", A(S, 0.1, 3.0, sign=True)),
    "math.erf": R("math.erf(x0)", A()),
    "math.erfc": R("math.erfc(x0)", A()),
    "math.fabs": R("math.fabs(x0)", A(S, 0.2, 2.0, sign=True)),
    "math.hypot": R("math.hypot(x0, x1)", A(), A()),
    "math.pow": R(["math.pow(x0, x1)", "math.pow(x0, 2.0)"], A(S, 0.5, 2.0), A()),
    # numpy: elementwise
    "numpy.sin": R("np.sin(x0)", A(M), cpu=True),
    "numpy.cos": R("np.cos(x0)", A(M)),
    "numpy.tan": R("np.tan(x0)", A(M, -1.2, 1.2)),
    "numpy.arcsin": R("np.arcsin(x0)", A(M, -0.9, 0.9)),
    "numpy.arccos": R("np.arccos(x0)", A(M, -0.9, 0.9)),
    "numpy.arctan": R("np.arctan(x0)", A(M)),
    "numpy.arctan2": R("np.arctan2(x0, x1)", A(M), A(V, 0.5, 2.0)),
    "numpy.sinh": R("np.sinh(x0)", A(M)),
    "numpy.cosh": R("np.cosh(x0)", A(M)),
    "numpy.tanh": R("np.tanh(x0)", A(M)),
    "numpy.exp": R("np.exp(x0)", A(M)),
    "numpy.exp2": R("np.exp2(x0)", A(M)),
    "numpy.expm1": R("np.expm1(x0)", A(M)),
    "numpy.log": R("np.log(x0)", A(M, **POS)),
    "numpy.log1p": R("np.log1p(x0)", A(M, -0.9, 3.0)),
    "numpy.log2": R("np.log2(x0)", A(M, **POS)),
    "numpy.log10": R("np.log10(x0)", A(M, **POS)),
    "numpy.sqrt": R("np.sqrt(x0)", A(M, **POS)),
    "numpy.cbrt": R("np.cbrt(x0)", A(M, 0.1, 3.0, sign=True)),
    "numpy.square": R("np.square(x0)", A(M)),
    "numpy.reciprocal": R("np.reciprocal(x0)", A(M, 0.5, 2.0, sign=True)),
    "numpy.negative": R("np.negative(x0)", A(M)),
    "numpy.positive": R("np.positive(x0)", A(M)),
    "numpy.absolute": R("np.absolute(x0)", A(M, 0.2, 2.0, sign=True)),
    "numpy.fabs": R("np.fabs(x0)", A(M, 0.2, 2.0, sign=True)),
    "numpy.float64": R("np.float64(x0)", A()),
    "numpy.float32": R("np.float32(x0)", A(), eps=1e-3, rtol=1e-3),  # rounds to float32
    "numpy.add": R("np.add(x0, x1)", A(M), A(V)),
    "numpy.subtract": R("np.subtract(x0, x1)", A(M), A(S)),
    "numpy.multiply": R("np.multiply(x0, x1)", A(M), A(V)),
    "numpy.divide": R("np.divide(x0, x1)", A(M), A(V, 0.5, 2.0, sign=True)),
    "numpy.power": R(["np.power(x0, x1)", "np.power(x0, 2)"], A(M, 0.5, 2.0), A(V)),
    "numpy.remainder": R("np.remainder(x0, x1)", A(M, 2.3, 2.8, sign=True), A(S, 1.05, 1.1)),
    "numpy.maximum": R("np.maximum(x0, x1)", A(M, 0.5, 2.0, sign=True), A(V, -0.3, 0.3)),
    "numpy.minimum": R("np.minimum(x0, x1)", A(M, 0.5, 2.0, sign=True), A(V, -0.3, 0.3)),
    "numpy.fmax": R("np.fmax(x0, x1)", A(M, 0.5, 2.0, sign=True), A(V, -0.3, 0.3)),
    "numpy.fmin": R("np.fmin(x0, x1)", A(M, 0.5, 2.0, sign=True), A(V, -0.3, 0.3)),
    "numpy.hypot": R("np.hypot(x0, x1)", A(M), A(V)),
    "numpy.where": R(["np.where(x0 > 0.0, x1, x2)", "np.where(x0 > 0.0, x1, 0.5)"],
                     A(M, 0.2, 2.0, sign=True), A(M), A(V), cpu=True),
    "numpy.clip": R(["np.clip(x0, -0.5, 0.5)", "np.clip(x0, x1, x2)"],
                    A(M, 0.6, 2.0, sign=True), A(S, -0.5, -0.1), A(V, 0.1, 0.5)),
    # numpy: reductions
    "numpy.sum": R(["np.sum(x0)", "np.sum(x0, axis=0)", "np.sum(x0, axis=1, keepdims=True)"],
                   A(M), cpu=True),
    "numpy.mean": R(["np.mean(x0)", "np.mean(x0, axis=1)"], A(M)),
    "numpy.max": R(["np.max(x0)", "np.max(x0, axis=0)"], A(M)),
    "numpy.min": R(["np.min(x0)", "np.min(x0, axis=1)"], A(M)),
    "numpy.amax": R(["np.amax(x0)", "np.amax(x0, axis=0)"], A(M)),
    "numpy.amin": R(["np.amin(x0)", "np.amin(x0, axis=1)"], A(M)),
    "numpy.prod": R(["np.prod(x0)", "np.prod(x0, axis=1)"], A(M, 0.5, 1.5, sign=True)),
    "numpy.var": R(["np.var(x0)", "np.var(x0, axis=1, ddof=1)", "np.var(x0, 0, keepdims=True)"],
                   A(M), cpu=True),
    "numpy.std": R(["np.std(x0)", "np.std(x0, axis=(0, 1), ddof=1)",
                    "np.std(x0, 1, keepdims=True)"], A(M), cpu=True),
    "numpy.cumsum": R(["np.cumsum(x0)", "np.cumsum(x0, axis=0)"], A(M)),
    "numpy.trace": R("np.trace(x0)", A((3, 3))),
    "numpy.linalg.norm": R(["np.linalg.norm(x0)", "np.linalg.norm(x0, axis=1)"], A(M)),
    # numpy.linalg: functions of a matrix or of a stack of them, kept well conditioned
    "numpy.linalg.det": R(["np.linalg.det(x0 + 3.0 * np.eye(3))",
                           "np.linalg.det(x1 + 3.0 * np.eye(3))"],
                          A((3, 3), -1.0, 1.0), A((2, 3, 3), -1.0, 1.0), cpu=True),
    "numpy.linalg.slogdet": R(["np.linalg.slogdet(x0 + 3.0 * np.eye(3))[1]",
                               "np.linalg.slogdet(x0 - 3.0 * np.eye(3))[0] * "
                               "np.linalg.slogdet(x0 - 3.0 * np.eye(3))[1]",
                               "np.linalg.slogdet(x1 - 3.0 * np.eye(3))[1]"],
                              A((3, 3), -1.0, 1.0), A((2, 3, 3), -1.0, 1.0), cpu=True),
    "numpy.linalg.inv": R(["np.linalg.inv(x0 + 3.0 * np.eye(3))",
                           "np.linalg.inv(x1 + 3.0 * np.eye(3))"],
                          A((3, 3), -1.0, 1.0), A((2, 1, 3, 3), -1.0, 1.0)),
    "numpy.linalg.solve": R(["np.linalg.solve(x0 + 3.0 * np.eye(3), x1)",
                             "np.linalg.solve(x0 + 3.0 * np.eye(3), x2)",
                             "np.linalg.solve(x3 + 3.0 * np.eye(3), x1)",
                             "np.linalg.solve(x3 + 3.0 * np.eye(3), x2)"],
                            A((3, 3), -1.0, 1.0), A(V), A((3, 2)), A((2, 3, 3), -1.0, 1.0),
                            cpu=True),
    "numpy.linalg.cholesky": R(["np.linalg.cholesky(x0 @ x0.T + 3.0 * np.eye(3))",
                                "np.linalg.cholesky(x1 @ np.swapaxes(x1, -1, -2) + 3.0 * np.eye(3))"],
                               A((3, 3), -1.0, 1.0), A((2, 3, 3), -1.0, 1.0), cpu=True),
    # numpy: products
    "numpy.dot": R(["np.dot(x0, x1)", "np.dot(x1, x1)"], A(M), A(V), cpu=True),
    "numpy.matmul": R("np.matmul(x0, x1)", A(M), A(V)),
    "numpy.outer": R("np.outer(x0, x1)", A(V), A((2,))),
    # numpy: shapes and copies
    "numpy.reshape": R(["np.reshape(x0, (3, 2))", "np.reshape(x0, -1)"], A(M)),
    "numpy.ravel": R("np.ravel(x0)", A(M)),
    "numpy.transpose": R("np.transpose(x0)", A(M)),
    "numpy.squeeze": R("np.squeeze(x0, axis=0)", A((1, 3))),
    "numpy.expand_dims": R("np.expand_dims(x0, 1)", A(M)),
    "numpy.concatenate": R(["np.concatenate([x0, x1])", "np.concatenate((x0, x0), axis=1)"],
                           A(M), A((1, 3))),
    "numpy.stack": R(["np.stack([x0, x1])", "np.stack([x0, x1], axis=1)"], A(V), A(V)),
    "numpy.copy": R("np.copy(x0)", A(M)),
    "numpy.array": R(["np.array(x0)", "np.array([x1, 2.0 * x1])"], A(M), A(S)),
    "numpy.asarray": R(["np.asarray(x0)", "np.asarray(x0, dtype=np.float64)"], A(M)),
    "numpy.astype": R(["np.astype(x0, np.float64)", "np.astype(x0 * x0, 'f8', copy=False)",
                       "np.astype(x0, int) * x0"], A(M, 0.2, 2.8)),
    "numpy.result_type": R(["np.result_type(x0, 1.0)", "np.result_type(x0, x1) == np.float64"],
                           A(M), A(S)),
    "numpy.iscomplexobj": R("np.iscomplexobj(x0)", A(M)),
    "numpy.ascontiguousarray": R("np.ascontiguousarray(x0)", A(M)),
    "numpy.full": R("np.full((2, 3), x0)", A()),
    "numpy.full_like": R("np.full_like(x0, x1)", A(M), A()),
    # numpy: rearrangements
    "numpy.atleast_1d": R(["np.atleast_1d(x0)", "np.atleast_1d(x1)"], A(), A(M), cpu=True),
    "numpy.atleast_2d": R(["np.atleast_2d(x0)", "np.atleast_2d(x1) * x1"], A(), A(V)),
    "numpy.atleast_3d": R(["np.atleast_3d(x0)", "np.atleast_3d(x1)"], A(V), A(M)),
    "numpy.flip": R(["np.flip(x0)", "np.flip(x0, 1)", "np.flip(x0, axis=(0, 1))"], A(M),
                    cpu=True),
    "numpy.fliplr": R("np.fliplr(x0)", A(M)),
    "numpy.flipud": R("np.flipud(x0)", A(M)),
    "numpy.roll": R(["np.roll(x0, 1)", "np.roll(x0, -1, axis=1)"], A(M), cpu=True),
    "numpy.triu": R(["np.triu(x0)", "np.triu(x0, 1)", "np.triu(x1, -1)"], A(M), A(V)),
    "numpy.tril": R(["np.tril(x0)", "np.tril(x0, k=-1)"], A(M)),
    "numpy.diag": R(["np.diag(x0)", "np.diag(x1, 1)"], A(M), A(V), cpu=True),
    "numpy.diagonal": R(["np.diagonal(x0)", "np.diagonal(x0, 1)"], A(M)),
    "numpy.swapaxes": R("np.swapaxes(x0, 0, 1)", A(M)),
    "numpy.moveaxis": R("np.moveaxis(x0, 0, -1)", A((2, 3, 2))),
    "numpy.rollaxis": R(["np.rollaxis(x0, 2)", "np.rollaxis(x0, 0, 3)", "np.rollaxis(x0, -1, -2)"],
                        A((2, 3, 2)), cpu=True),
    "numpy.row_stack": R(["np.row_stack((x0, x1))", "np.row_stack([x1, x1])"], A(M), A(V)),
    "numpy.hstack": R(["np.hstack((x0, x0))", "np.hstack([x1, x1 * 2.0])"], A(M), A(V),
                      cpu=True),
    "numpy.vstack": R(["np.vstack((x0, x1))", "np.vstack([x1, x1])"], A(M), A(V), cpu=True),
    # --- declared constant ---
    "operator.eq": R("operator.eq(x0, x1)", A(M), A(V)),
    "operator.ne": R("operator.ne(x0, x1)", A(M), A(V)),
    "operator.lt": R("operator.lt(x0, x1)", A(M), A(V)),
    "operator.le": R("operator.le(x0, x1)", A(M), A(V)),
    "operator.gt": R("operator.gt(x0, x1)", A(M), A(V)),
    "operator.ge": R("operator.ge(x0, x1)", A(M), A(V)),
    "operator.floordiv": R("operator.floordiv(x0, x1)", A(M), A(V, 0.3, 0.9)),
    "operator.and_": R("operator.and_(x0 > 0.0, x1 > 0.0)", A(M), A(V)),
    "operator.or_": R("operator.or_(x0 > 0.0, x1 > 0.0)", A(M), A(V)),
    "operator.xor": R("operator.xor(x0 > 0.0, x1 > 0.0)", A(M), A(V)),
    "operator.invert": R("operator.invert(x0 > 0.0)", A(M)),
    "operator.not_": R("operator.not_(x0 > 0.0)", A()),
    "operator.truth": R("operator.truth(x0)", A(S, 0.2, 2.0, sign=True)),
    "builtins.bool": R("bool(x0)", A(S, 0.2, 2.0, sign=True)),
    "builtins.int": R("int(x0)", A(S, -3.0, 3.0)),
    "builtins.slice": R("np.array([0.0, x0, 1.0])[slice(1, 3)].size", A(S, -3.0, 3.0)),
    "numpy.bool": R("np.bool_(x0)", A(S, 0.5, 3.0)),
    "numpy.int8": R("np.int8(x0)", A(S, 5.2, 5.8)),
    "numpy.int16": R("np.int16(x0)", A(S, 5.2, 5.8)),
    "numpy.int32": R("np.int32(x0)", A(S, 5.2, 5.8)),
    "numpy.int64": R("np.int64(x0)", A(S, 5.2, 5.8)),
    "numpy.uint8": R("np.uint8(x0)", A(S, 5.2, 5.8)),
    "numpy.uint16": R("np.uint16(x0)", A(S, 5.2, 5.8)),
    "numpy.uint32": R("np.uint32(x0)", A(S, 5.2, 5.8)),
    "numpy.uint64": R("np.uint64(x0)", A(S, 5.2, 5.8)),
    "builtins.len": R("len(x0)", A(M)),
    "builtins.range": R("tuple(range(len(x0)))", A(V)),
    "builtins.round": R(["round(x0)", "round(x0, 1)"], A(S, -3.0, 3.0)),
    "math.floor": R("math.floor(x0)", A(S, -3.0, 3.0)),
    "math.ceil": R("math.ceil(x0)", A(S, -3.0, 3.0)),
    "math.trunc": R("math.trunc(x0)", A(S, -3.0, 3.0)),
    "math.isnan": R("math.isnan(x0)", A()),
    "math.isinf": R("math.isinf(x0)", A()),
    "math.isfinite": R("math.isfinite(x0)", A()),
    "numpy.zeros": R(["np.zeros(3)", "np.zeros(x0.shape)"], A(M)),
    "numpy.ones": R(["np.ones(3)", "np.ones(x0.shape)"], A(M)),
    "numpy.empty": R("np.empty(x0.shape)", A(M), compare="shape"),
    "numpy.zeros_like": R("np.zeros_like(x0)", A(M)),
    "numpy.ones_like": R("np.ones_like(x0)", A(M)),
    "numpy.empty_like": R("np.empty_like(x0)", A(M), compare="shape"),
    "numpy.eye": R("np.eye(3)", A(M)),
    "numpy.identity": R("np.identity(3)", A(M)),
    # float ends: SPEC.md says both are differentiable in them
    "numpy.arange": R(["np.arange(len(x0))", "np.arange(x1, 3.3, x2)", "np.arange(x1)"],
                      A(V), A(S, 0.2, 0.21), A(S, 0.55, 0.56)),
    "numpy.linspace": R(["np.linspace(x0, x1, 5)", "np.linspace(0.0, x1, 4)"],
                        A(S, -1.0, 0.0), A(S, 1.0, 2.0)),
    "numpy.sign": R("np.sign(x0)", A(M)),
    "numpy.floor": R("np.floor(x0)", A(M, -3.0, 3.0)),
    "numpy.ceil": R("np.ceil(x0)", A(M, -3.0, 3.0)),
    "numpy.trunc": R("np.trunc(x0)", A(M, -3.0, 3.0)),
    "numpy.fix": R("np.fix(x0)", A(M, -3.0, 3.0)),
    "numpy.rint": R("np.rint(x0)", A(M, -3.0, 3.0)),
    "numpy.round": R(["np.round(x0)", "np.round(x0, 1)"], A(M, -3.0, 3.0)),
    "numpy.around": R(["np.around(x0)", "np.around(x0, 1)"], A(M, -3.0, 3.0)),
    "numpy.floor_divide": R("np.floor_divide(x0, x1)", A(M), A(V, 0.3, 0.9)),
    "numpy.argmax": R(["np.argmax(x0)", "np.argmax(x0, axis=1)"], A(M)),
    "numpy.argmin": R(["np.argmin(x0)", "np.argmin(x0, axis=0)"], A(M)),
    "numpy.argsort": R("np.argsort(x0)", A(M)),
    "numpy.isnan": R("np.isnan(x0)", A(M)),
    "numpy.isinf": R("np.isinf(x0)", A(M)),
    "numpy.isfinite": R("np.isfinite(x0)", A(M)),
    "numpy.shape": R("np.shape(x0)", A(M)),
    "numpy.size": R("np.size(x0)", A(M)),
    "numpy.ndim": R("np.ndim(x0)", A(M)),
    "numpy.count_nonzero": R("np.count_nonzero(x0 > 0.0)", A(M)),
    "numpy.logical_and": R("np.logical_and(x0 > 0.0, x1 > 0.0)", A(M), A(V)),
    "numpy.logical_or": R("np.logical_or(x0 > 0.0, x1 > 0.0)", A(M), A(V)),
    "numpy.logical_xor": R("np.logical_xor(x0 > 0.0, x1 > 0.0)", A(M), A(V)),
    "numpy.logical_not": R("np.logical_not(x0 > 0.0)", A(M)),
    "numpy.equal": R("np.equal(x0, x1)", A(M), A(V)),
    "numpy.not_equal": R("np.not_equal(x0, x1)", A(M), A(V)),
    "numpy.less": R("np.less(x0, x1)", A(M), A(V)),
    "numpy.less_equal": R("np.less_equal(x0, x1)", A(M), A(V)),
    "numpy.greater": R("np.greater(x0, x1)", A(M), A(V)),
    "numpy.greater_equal": R("np.greater_equal(x0, x1)", A(M), A(V)),
}

RECIPES.update(extension_recipes())  # tests/rules/audit_recipes_*.py: one file a family

# compiled: every function whose recipe Numba compiles (about 3 s each, 235 s of CI's
# workers for all of them; running every second one saved nothing measurable in CI, the
# compiles of srcgrad's helpers for each type moving to the families' tests that meet
# them first)
CPU_ROWS = sorted(name for name in DIFFERENTIABLE if name in RECIPES and RECIPES[name].cpu)

# --- the user functions ------------------------------------------------------------------------

HEADER = ("import math\nimport operator\n\nimport numpy as np\nimport scipy.linalg\nimport scipy.signal\n"
          "import scipy.special\nimport scipy.stats\n")


def draw(recipe: Recipe, name: str) -> tuple:
    """The recipe's arguments at a generic point (the same for every run)."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    args = []
    for shape, lo, hi, sign in recipe.args:
        value = rng.uniform(lo, hi, shape)
        if sign:
            value = value * rng.choice([-1.0, 1.0], shape)
        args.append(float(value) if shape == () else value)
    return tuple(args)


def user_functions(name: str, recipe: Recipe, directory) -> list:
    """`f0, f1, ...` (one per call of the recipe), written to a module file and
    imported: srcgrad reads their source."""
    params = ", ".join(f"x{k}" for k in range(len(recipe.args)))
    source = HEADER + "".join(f"\n\ndef f{k}({params}):\n    return {call}\n"
                              for k, call in enumerate(recipe.calls))
    module_name = "audit_" + name.replace(".", "_")
    path = directory / f"{module_name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [getattr(module, f"f{k}") for k in range(len(recipe.calls))]


def recipe_of(name: str) -> Recipe:
    if name not in RECIPES:
        pytest.fail(f"{name} is registered in srcgrad/rules/registry.py but has no recipe in "
                    f"tests/rules/test_api_audit.py's RECIPES: add one (a call and its arguments' "
                    f"domains), so that the new entry is checked")
    return RECIPES[name]


def _copy(args):
    return tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)


def check_gradient(name: str, target: str, directory) -> None:
    recipe = recipe_of(name)
    args = draw(recipe, name)
    wrt = tuple(range(len(args)))
    problems = []
    for call, fn in zip(recipe.calls, user_functions(name, recipe, directory)):
        out = fn(*_copy(args))
        rng = np.random.default_rng(zlib.crc32(call.encode()))
        grad_ys = (float(rng.uniform(0.5, 1.5)) if np.ndim(out) == 0
                   else rng.uniform(-1.5, 1.5, np.shape(out)))
        df = sg.grad(fn, wrt=wrt, target=target, unconnected_gradients="zero")
        got = df(*_copy(args), grad_ys=grad_ys)
        want = numerical_gradient(fn, _copy(args), wrt, grad_ys, eps=recipe.eps)
        for k, (g, w) in enumerate(zip(got, want)):
            scale = max(1.0, float(np.max(np.abs(w))))
            if np.shape(g) != np.shape(args[k]) or not np.allclose(
                    np.asarray(g, dtype=np.float64), w, rtol=recipe.rtol,
                    atol=10 * recipe.rtol * scale):
                problems.append(f"{call}: gradient for x{k} at {args[k]!r}:\n"
                                f"    srcgrad {g!r}\n    finite differences {w!r}")
    assert not problems, f"{name}, target={target!r}:\n" + "\n".join(problems)


def _same(a, b, compare: str) -> bool:
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y, compare) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if compare == "shape":
            return a.shape == b.shape and a.dtype == b.dtype
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)
    return type(a) is type(b) and a == b


def _derivative(fn, args, k, j, step) -> str:
    """The central difference of the result in element j of argument k, for the message."""
    def at(delta):
        moved = list(_copy(args))
        if isinstance(moved[k], np.ndarray):
            moved[k].reshape(-1)[j] += delta
        else:
            moved[k] = moved[k] + delta
        return np.asarray(fn(*moved), dtype=np.float64)
    try:
        return repr((at(step) - at(-step)) / (2 * step))
    except (TypeError, ValueError):
        return "(not numeric)"


def check_constant(name: str, directory) -> None:
    recipe = recipe_of(name)
    args = draw(recipe, name)
    problems = []
    for call, fn in zip(recipe.calls, user_functions(name, recipe, directory)):
        base = fn(*_copy(args))
        for k, x in enumerate(args):
            size = np.size(x)
            for j in range(size):
                value = x.reshape(-1)[j] if isinstance(x, np.ndarray) else x
                changed = None
                for rel in (1e-6, 1e-4):
                    step = rel * max(1.0, abs(float(value)))
                    for delta in (step, -step):
                        moved = list(_copy(args))
                        if isinstance(x, np.ndarray):
                            moved[k].reshape(-1)[j] += delta
                        else:
                            moved[k] = x + delta
                        if not _same(fn(*moved), base, recipe.compare):
                            changed = step
                            break
                    if changed:
                        break
                if changed:
                    where = f"x{k}[{j}]" if isinstance(x, np.ndarray) else f"x{k}"
                    problems.append(
                        f"{call}: the result changes when {where} = {float(value)!r} moves by "
                        f"{changed:.0e}; its derivative there (central differences, step 1e-6): "
                        f"{_derivative(fn, args, k, j, 1e-6 * max(1.0, abs(float(value))))}")
                    break  # one element of an argument is enough
    assert not problems, (f"{name} is declared non-differentiable, but:\n" + "\n".join(problems))


# --- the rows ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def audit_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("audit")


def test_registry_is_audited():
    """The rows come from the registry: it has user-facing functions, and each
    has a recipe (the rows below fail one by one where one is missing)."""
    assert len(DIFFERENTIABLE) > 50 and len(NONDIFFERENTIABLE) > 30
    missing = sorted(n for n in (*DIFFERENTIABLE, *NONDIFFERENTIABLE) if n not in RECIPES)
    assert not missing, f"registered functions without a recipe in RECIPES: {missing}"
    both = sorted(set(DIFFERENTIABLE) & set(NONDIFFERENTIABLE))
    assert not both, f"registered both with a rule and as non-differentiable: {both}"


@pytest.mark.parametrize("name", sorted(DIFFERENTIABLE))
def test_differentiable(name, audit_dir):
    check_gradient(name, "python", audit_dir)


@pytest.mark.parametrize("name", CPU_ROWS)
def test_differentiable_cpu(name, audit_dir):
    check_gradient(name, "cpu", audit_dir)


@pytest.mark.parametrize("name", sorted(NONDIFFERENTIABLE))
def test_nondifferentiable_is_constant(name, audit_dir):
    check_constant(name, audit_dir)
