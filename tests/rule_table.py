"""The rule table: one row per (primitive, input domain, shapes), JAX style.

A row names a registered primitive and how to draw its arguments:

- `Real(shape, lo, hi)`: a differentiable input drawn uniformly from
  `[lo, hi]` (with `sign=True`, from `[lo, hi]` times a random sign: away
  from 0), in the row's dtype; `shape == ()` gives a scalar.  `integer=True`
  draws integers (float&int rows); the gradient check still perturbs them,
  as reals.
- `Const(value)`: passed as it is, not differentiated (an axis, a shape,
  `keepdims`, an absent bound); in compiled code it is a literal, as the
  transformer writes it.
- `Mask(shape)`: a random boolean condition.
- `Derived(fn, of)`: `fn` of the argument `of`, made again wherever that
  one moves (`lu_factors(a)` beside `a`), not differentiated.
- `Seq(*specs)`: a tuple of inputs (`np.concatenate`'s `arrays`).
- `Index(values)`: a fixed integer index array (repeats welcome), not
  differentiated.
- `Increasing(shape, lo, hi)`: a vector from `lo` to `hi`, increasing by
  steps that differ at most threefold (knots), differentiated as `Real`.
- `Matrix(shape)`: a square matrix, well conditioned (`n * I` plus entries
  uniform in [-1, 1]; with `sign=True` its first row negated, so that its
  determinant is negative; with `spd=True`, `B B^T + n * I`: symmetric
  positive definite), differentiated as `Real`; a stack of them where the
  shape has more than two axes (`sign=True` negates its first matrix).

Each domain keeps the function smooth there, away from kinks and ties by
much more than the finite-difference step.
"""

from __future__ import annotations

import importlib
import math
import operator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.special

from srcgrad import runtime
from srcgrad.runtime import copy_value, last_writes, seed, store_last, unbroadcast


@dataclass(frozen=True)
class Real:
    shape: tuple = ()
    lo: float = -2.0
    hi: float = 2.0
    sign: bool = False
    integer: bool = False


@dataclass(frozen=True)
class Matrix(Real):
    spd: bool = False


@dataclass(frozen=True)
class Increasing(Real):
    """A vector increasing from `lo` to `hi`, its steps at least a third of
    the mean step apart (the knots of `np.interp`)."""


@dataclass(frozen=True)
class Derived:
    """A function of the argument `of` (a parameter's name), made from it
    wherever it is drawn or moved (the LU factors of a matrix); not
    differentiated itself."""

    fn: object
    of: str


@dataclass(frozen=True)
class Const:
    value: object


@dataclass(frozen=True)
class Mask:
    shape: tuple = ()


@dataclass(frozen=True)
class Seq:
    specs: tuple


@dataclass(frozen=True)
class Index:
    values: tuple


@dataclass(frozen=True)
class Row:
    id: str
    primal: object
    args: tuple
    kwargs: dict = field(default_factory=dict)
    math: bool = False  # a `math` function: scalars only, results are Python floats
    lossy: bool = False  # the primal rounds to float32: finite differences are coarse
    numba: bool = True  # the rule compiles under Numba for these arguments

    def __hash__(self):
        return hash(self.id)


def _name(primal) -> str:
    module = getattr(primal, "__module__", None) or ""
    prefix = {"math": "math.", "_operator": "operator.", "builtins": ""}.get(module, "")
    if module.startswith("srcgrad"):
        prefix = "sg."
    elif getattr(scipy.special, getattr(primal, "__name__", ""), None) is primal:
        prefix = "scipy.special."  # SciPy's ufuncs have no __module__
    elif module.startswith("numpy"):
        prefix = "np.linalg." if "linalg" in module else "np."
    return prefix + getattr(primal, "__name__", repr(primal))


def _describe(spec) -> str:
    if isinstance(spec, Matrix):
        shape = "x".join(map(str, spec.shape))
        return ("spd" if spec.spd else "mat") + shape + ("±" if spec.sign else "")
    if isinstance(spec, Increasing):
        return f"up{spec.shape[0]}[{spec.lo},{spec.hi}]"
    if isinstance(spec, Real):
        shape = "x".join(map(str, spec.shape)) or "s"
        domain = "" if (spec.lo, spec.hi) == (-2.0, 2.0) else f"[{spec.lo},{spec.hi}]"
        return shape + ("i" if spec.integer else "") + ("±" if spec.sign else "") + domain
    if isinstance(spec, Mask):
        return "m" + ("x".join(map(str, spec.shape)) or "s")
    if isinstance(spec, Derived):
        return f"{spec.fn.__name__}({spec.of})"
    if isinstance(spec, Seq):
        return "[" + ",".join(_describe(s) for s in spec.specs) + "]"
    if isinstance(spec, Index):
        return "i[" + ",".join(map(str, spec.values)) + "]"
    return repr(spec.value).replace(" ", "")


def row(primal, *args, math=False, lossy=False, numba=True, **kwargs) -> Row:
    parts = [_describe(a) for a in args] + [f"{k}={_describe(Const(v))}" for k, v in kwargs.items()]
    return Row(f"{_name(primal)}({','.join(parts)})", primal, args, kwargs, math, lossy, numba)


def draw(spec, rng, dtype):
    """An argument for `spec`, drawn from `rng`, in `dtype` (a float for shape ())."""
    if isinstance(spec, Const):
        return spec.value
    if isinstance(spec, Derived):
        return None  # made from its argument by the test (`tests/rules/test_rules.py`)
    if isinstance(spec, Mask):
        mask = rng.random(spec.shape) < 0.5
        return bool(mask) if spec.shape == () else mask
    if isinstance(spec, Seq):
        return tuple(draw(s, rng, dtype) for s in spec.specs)
    if isinstance(spec, Index):
        return np.array(spec.values)
    if isinstance(spec, Matrix):
        n = spec.shape[-1]
        b = rng.uniform(-1.0, 1.0, spec.shape)
        value = b @ np.swapaxes(b, -1, -2) + n * np.eye(n) if spec.spd else b + n * np.eye(n)
        value[0] *= -1.0 if spec.sign else 1.0
        return value.astype(dtype)
    if isinstance(spec, Increasing):
        steps = rng.uniform(0.5, 1.5, spec.shape[0] - 1)
        value = spec.lo + (spec.hi - spec.lo) * np.concatenate([[0.0], np.cumsum(steps)]) / np.sum(steps)
        return value.astype(dtype)
    if spec.integer:
        value = rng.integers(int(spec.lo), int(spec.hi) + 1, spec.shape)
        return int(value) if spec.shape == () else value
    value = rng.uniform(spec.lo, spec.hi, spec.shape)
    if spec.sign:
        value = value * rng.choice([-1.0, 1.0], spec.shape)
    return dtype(value) if spec.shape == () else value.astype(dtype)


S, V, M, T = (), (3,), (3, 4), (2, 3, 4)

ROWS: list[Row] = []


def add(*rows: Row) -> None:
    ROWS.extend(rows)


# --- unary -------------------------------------------------------------------------------

UNARY_DOMAINS = [
    (np.sin, -3, 3), (np.cos, -3, 3), (np.tan, -1.2, 1.2), (np.arcsin, -0.9, 0.9),
    (np.arccos, -0.9, 0.9), (np.arctan, -3, 3), (np.sinh, -2, 2), (np.cosh, -2, 2),
    (np.tanh, -2, 2), (np.exp, -2, 2), (np.exp2, -2, 2), (np.expm1, -2, 2), (np.log, 0.1, 3),
    (np.log1p, -0.9, 3), (np.log2, 0.1, 3), (np.log10, 0.1, 3), (np.sqrt, 0.1, 3),
    (np.cbrt, 0.1, 3), (np.square, -3, 3), (np.reciprocal, 0.2, 3), (np.negative, -3, 3),
    (np.positive, -3, 3), (np.float32, -3, 3), (np.float64, -3, 3), (runtime.float32, -3, 3),
    (runtime.float64, -3, 3),
]
for fn, lo, hi in UNARY_DOMAINS:
    lossy = fn in (np.float32, runtime.float32)
    add(row(fn, Real(S, lo, hi), lossy=lossy), row(fn, Real(M, lo, hi), lossy=lossy))
for fn in (np.abs, np.fabs, abs, runtime.absolute):  # np.absolute is np.abs
    add(row(fn, Real(S, 0.1, 2, sign=True)), row(fn, Real(M, 0.1, 2, sign=True)))
add(
    row(np.cbrt, Real(V, -3, -0.1)),
    row(np.reciprocal, Real(V, -3, -0.2)),
    row(np.sin, Real(T)),
    row(np.exp, Real(V, integer=True)),
    row(operator.neg, Real(M)),
    row(operator.pos, Real(S)),
)

MATH_DOMAINS = [
    (math.sin, -3, 3), (math.cos, -3, 3), (math.tan, -1.2, 1.2), (math.asin, -0.9, 0.9),
    (math.acos, -0.9, 0.9), (math.atan, -3, 3), (math.sinh, -2, 2), (math.cosh, -2, 2),
    (math.tanh, -2, 2), (math.exp, -2, 2), (math.exp2, -2, 2), (math.expm1, -2, 2),
    (math.log, 0.1, 3), (math.log1p, -0.9, 3), (math.log2, 0.1, 3), (math.log10, 0.1, 3),
    (math.sqrt, 0.1, 3), (math.cbrt, 0.1, 3), (math.erf, -2, 2), (math.erfc, -2, 2),
    (float, -3, 3),
]
for fn, lo, hi in MATH_DOMAINS:
    add(row(fn, Real(S, lo, hi), math=True))
add(
    row(math.fabs, Real(S, 0.1, 2, sign=True), math=True),
    row(math.log, Real(S, 0.1, 3), Real(S, 1.5, 4), math=True),
    row(runtime.log_base, Real(S, 0.1, 3), Real(S, 1.5, 4), math=True),
    row(runtime.log_base, Real(S, 0.1, 3), math=True),
)

# --- binary ---------------------------------------------------------------------------------

PAIRS = [(S, S), (M, (4,)), ((3, 1), (1, 4)), (S, V), (M, M)]
BINARY_DOMAINS = [
    (np.add, (-2, 2), (-2, 2)), (np.subtract, (-2, 2), (-2, 2)), (np.multiply, (-2, 2), (-2, 2)),
    (np.divide, (-2, 2), (0.5, 2)), (np.power, (0.5, 2), (-2, 2)), (np.maximum, (-2, 2), (-2, 2)),
    (np.minimum, (-2, 2), (-2, 2)), (np.arctan2, (-2, 2), (0.5, 2)), (np.hypot, (-2, 2), (-2, 2)),
]
for fn, (lo1, hi1), (lo2, hi2) in BINARY_DOMAINS:
    for s1, s2 in PAIRS:
        add(row(fn, Real(s1, lo1, hi1), Real(s2, lo2, hi2)))
    add(row(fn, Real(M, lo1, hi1), Real((4,), max(lo2, 1), hi2 + 1, integer=True)))  # float&int
    add(row(fn, Real(V, max(lo1, 1), hi1 + 1, integer=True), Real(S, lo2, hi2)))
add(
    row(np.arctan2, Real(M), Real(M, -2, -0.5)),
    row(np.arctan2, Real(V, 0.5, 2), Real(S)),
    row(np.hypot, Real(V, 0.5, 2), Real(S)),
    row(np.fmax, Real(M), Real((4,))),
    row(np.fmin, Real(M), Real((4,))),
    # x1 / x2 within +-[2.09, 2.67]: away from the jumps at whole multiples of x2
    row(np.mod, Real(M, 2.3, 2.8, sign=True), Real(S, 1.05, 1.1)),
    row(np.mod, Real(M, 2.3, 2.8, sign=True), Real((4,), 1.05, 1.1)),
    row(operator.mod, Real(S, 2.3, 2.8, sign=True), Real(S, 1.05, 1.1)),
)
for fn, d2 in [(operator.add, (-2, 2)), (operator.sub, (-2, 2)), (operator.mul, (-2, 2)),
               (operator.truediv, (0.5, 2)), (operator.pow, (-2, 2))]:
    d1 = (0.5, 2) if fn is operator.pow else (-2, 2)
    add(row(fn, Real(S, *d1), Real(S, *d2)), row(fn, Real(M, *d1), Real((4,), *d2)))
add(
    row(np.power, Real(M, -3, 3), Const(2)),
    row(np.power, Real(M, -3, 3), Const(3)),
    row(np.power, Real(M, 0.5, 3, sign=True), Const(-1)),
    row(operator.pow, Real(S, -3, 3), Const(3)),
    row(np.power, Real(M, 0.5, 3), Const(0.5)),
    row(math.pow, Real(S, 0.5, 2), Real(S), math=True),
    row(math.pow, Real(S, -3, 3), Const(2.0), math=True),
    row(math.atan2, Real(S), Real(S, 0.5, 2), math=True),
    row(math.hypot, Real(S), Real(S), math=True),
    row(max, Real(S), Real(S)),
    row(min, Real(S), Real(S)),
    # the builtins with their comparison kept in a byte (adjoint/decisions.py): `order(x2, x1)`
    # for max_by, `order(x1, x2)` for min_by, drawn on either side
    row(runtime.max_by, Real(S, -2, -1), Real(S, 1, 2), Const(2)),
    row(runtime.max_by, Real(S, 1, 2), Real(S, -2, -1), Const(0)),
    row(runtime.min_by, Real(S, 1, 2), Real(S, -2, -1), Const(2)),
    row(runtime.min_by, Real(S, -2, -1), Real(S, 1, 2), Const(0)),
    row(np.where, Mask(M), Real(M), Real(M)),
    row(np.where, Mask(M), Real(M), Real(S)),
    row(np.where, Mask((4,)), Real(M), Real((3, 1))),
    row(np.where, Mask(S), Real(V), Real(V)),
    row(runtime.select, Mask(M), Real(M), Real(M)),
    row(runtime.select, Mask(S), Real(S), Real(S)),
    row(runtime.select, Mask(M), Real(S), Real((4,))),
    row(np.clip, Real(M), Const(-0.5), Const(0.5)),
    row(np.clip, Real(M), Real(M, -3, -2.5), Real((4,), 2.5, 3)),
    row(np.clip, Real(M, -3, 3), Real(S, -0.5, -0.1), Real(S, 0.1, 0.5)),
    row(np.clip, Real(M), Const(None), Const(0.5)),
    row(np.clip, Real(M), Const(-0.5), Const(None)),
    row(runtime.clip, Real(S), Const(-0.5), Const(0.5)),
    row(runtime.clip, Real(S, -3, 3), Real(S, -0.5, -0.1), Real(S, 0.1, 0.5)),
    row(runtime.clip, Real(M), Const(-0.5), Const(0.5)),
)

# --- reductions ---------------------------------------------------------------------------------

AXES = [
    ((M,), {}), ((M,), {"axis": 0}), ((M,), {"axis": -1}), ((M,), {"axis": (0, 1)}),
    ((M,), {"axis": 1, "keepdims": True}), ((M,), {"keepdims": True}),
    ((T,), {"axis": (0, 2)}), ((T,), {"axis": (-1,), "keepdims": True}), ((V,), {}),
    ((S,), {}),
]
for fn in (np.sum, np.mean, np.max, np.amax, np.min, np.amin, np.prod, runtime.reduce_sum,
           runtime.reduce_mean, runtime.reduce_max, runtime.reduce_min,
           runtime.reduce_prod):
    lo, hi = (0.5, 1.5) if fn in (np.prod, runtime.reduce_prod) else (-2, 2)
    for (shape,), kw in AXES:
        if fn in (np.sum, np.prod, np.max, np.min, np.mean) or kw in ({}, {"axis": 0}):
            add(row(fn, Real(shape, lo, hi, sign=lo > 0), **kw))
for fn in (np.var, np.std):
    add(
        row(fn, Real(M)),
        row(fn, Real(M), axis=0),
        row(fn, Real(M), Const(1), keepdims=True),
        row(fn, Real(T), axis=(0, 2), ddof=1),
        row(fn, Real(V), ddof=1),
        row(fn, Real(M, integer=True), axis=-1),
    )
add(
    row(np.sum, Real(M, integer=True), axis=0),
    row(np.cumsum, Real(M)),
    row(np.cumsum, Real(M), axis=0),
    row(np.cumsum, Real(T), axis=-1),
    row(np.cumsum, Real(V)),
)

# --- linear algebra --------------------------------------------------------------------------------

DOT_SHAPES = [(V, V), ((2, 3), V), (V, (3, 2)), ((2, 3), (3, 4))]
for fn in (np.dot, runtime.dot, np.matmul, runtime.matmul, operator.matmul):
    for s1, s2 in DOT_SHAPES:
        add(row(fn, Real(s1), Real(s2)))
for fn in (np.dot, runtime.dot, runtime.product):
    add(row(fn, Real(S), Real(V)), row(fn, Real((2, 3)), Real(S)), row(fn, Real(S), Real(S)))
# stacks of matrices, their batch axes broadcast
BATCHED_SHAPES = [((2, 3, 4), (2, 4, 2)), ((2, 3, 4), (4, 2)), ((3, 4), (2, 4, 2)),
                  ((2, 1, 2, 3), (3, 3, 2))]
for fn in (np.matmul, runtime.matmul, operator.matmul, runtime.product):
    for s1, s2 in BATCHED_SHAPES:
        add(row(fn, Real(s1), Real(s2)))
add(
    row(runtime.dot_grad_left, Real((2, 3, 2)), Real((2, 3, 4)), Real((4, 2))),
    row(runtime.dot_grad_right, Real((2, 3, 2)), Real((3, 4)), Real((2, 4, 2))),
    row(runtime.vector_operand, Real(V), Const(None)),
    row(runtime.vector_operand, Real(M), Const(1)),
    row(runtime.vector_argument, Real(V)),
)
add(
    row(np.outer, Real(V), Real((4,))),
    row(np.outer, Real((2, 2)), Real(V)),
    row(np.trace, Real((3, 3))),
    row(np.trace, Real((2, 4))),
)
for fn in (np.linalg.norm, runtime.norm):
    add(
        row(fn, Real((5,))),
        row(fn, Real(M)),
        row(fn, Real(M), Const(None), Const(0)),
        row(fn, Real(M), axis=-1, keepdims=True),
        row(fn, Real(M), keepdims=True),
        row(fn, Real(T), axis=(0, 2)),
        row(fn, Real((5,)), Const(2)),
        row(fn, Real(M), Const("fro")),
    )

# functions of one matrix
Q = (3, 3)
for fn in (np.linalg.det, runtime.det, runtime.logabsdet):
    add(row(fn, Matrix(Q)), row(fn, Matrix(Q, sign=True)))
for fn in (np.linalg.inv, runtime.inv):
    add(row(fn, Matrix(Q)), row(fn, Matrix(Q, sign=True)))
for fn in (np.linalg.solve, runtime.solve):
    add(row(fn, Matrix(Q), Real(V)), row(fn, Matrix(Q, sign=True), Real((3, 2))))
for fn in (np.linalg.cholesky, runtime.cholesky):
    add(row(fn, Matrix(Q, spd=True)), row(fn, Matrix((4, 4), spd=True)))
add(
    row(runtime.half_lower, Real(Q)),
    row(runtime.mirror_lower, Real(Q)),
    row(runtime.fold_lower, Real(Q)),
)
# stacks of matrices: leading batch axes, looped over compiled (Numba's np.linalg takes 2-D)
ST, ST4 = (2, 3, 3), (2, 1, 3, 3)
for fn in (np.linalg.det, runtime.det, runtime.logabsdet, np.linalg.inv, runtime.inv):
    add(row(fn, Matrix(ST, sign=True)), row(fn, Matrix(ST4)))
for fn in (np.linalg.solve, runtime.solve):
    add(
        row(fn, Matrix(ST), Real(V)),  # one vector, solved with every matrix
        row(fn, Matrix(ST, sign=True), Real((3, 2))),
        row(fn, Matrix(ST4), Real((3, 3, 2))),  # batch axes broadcast
        row(fn, Matrix(Q), Real((2, 3, 1))),
    )
for fn in (np.linalg.cholesky, runtime.cholesky):
    add(row(fn, Matrix(ST, spd=True)), row(fn, Matrix(ST4, spd=True)))
add(
    row(runtime.half_lower, Real(ST)),
    row(runtime.mirror_lower, Real(ST)),
    row(runtime.fold_lower, Real(ST4)),
    row(runtime.matrix_scale, Real(S), Real(Q)),
    row(runtime.matrix_scale, Real((2,)), Real(ST)),
    row(runtime.matrix_inner, Real(Q), Real(Q)),
    row(runtime.matrix_inner, Real((2, 1, 3, 2)), Real((2, 1, 3, 2))),
    row(runtime.as_columns, Real(V), Real(V)),
    row(runtime.as_columns, Real((2, 3, 2)), Real((3, 2))),
    row(runtime.from_columns, Real((2, 3, 1)), Real(V)),
    row(runtime.from_columns, Real((3, 2)), Real((3, 2))),
    row(runtime.single_matrix, Real(Q)),
)
# np.linalg.solve and slogdet, written from the LU factors of the forward pass (f = lu_factors(a))
F = Derived(runtime.lu_factors, "a")
add(
    row(runtime.factored_solve, F, Matrix(Q), Real(V)),
    row(runtime.factored_solve, F, Matrix(ST, sign=True), Real((3, 2))),
    row(runtime.factored_solve, F, Matrix(ST4), Real((3, 3, 2))),
    row(runtime.factored_solve_t, F, Matrix(Q, sign=True), Real((3, 2))),
    row(runtime.factored_solve_t, F, Matrix(ST), Real(V)),
    row(runtime.factored_logabsdet, F, Matrix(Q, sign=True)),
    row(runtime.factored_logabsdet, F, Matrix(ST4)),
    row(runtime.factored_inverse_t, F, Matrix(Q)),
    row(runtime.factored_inverse_t, F, Matrix(ST, sign=True)),
)

# --- shapes ----------------------------------------------------------------------------------------

for fn in (np.reshape, runtime.reshape):
    add(
        row(fn, Real((2, 3)), Const((3, 2))),
        row(fn, Real((2, 3)), Const(-1)),
        row(fn, Real((2, 3)), Const(6)),
        row(fn, Real(T), Const((4, -1))),
        row(fn, Real(S), Const((1, 1))),
    )
for fn in (np.ravel, runtime.ravel):
    add(row(fn, Real((2, 3))), row(fn, Real(T)))
add(row(runtime.ravel, Real(S)))
for fn in (np.squeeze, runtime.squeeze):
    add(
        row(fn, Real((1, 3, 1)), Const(0)),
        row(fn, Real((1, 3, 1)), Const((0, -1))),
        row(fn, Real((3, 1)), axis=1),
    )
add(row(np.squeeze, Real((1, 3, 1)), numba=False))
for fn in (np.expand_dims, runtime.expand_dims):
    add(
        row(fn, Real(M), Const(0)),
        row(fn, Real(M), Const(-1)),
        row(fn, Real(M), Const((0, 2))),
        row(fn, Real(S), Const(0)),
    )
add(
    row(np.transpose, Real(M)),
    row(np.transpose, Real(T), Const((1, 0, 2))),
    row(np.transpose, Real(T), Const((-1, 0, 1))),
    row(np.transpose, Real(V)),
)
for fn in (np.concatenate, runtime.concatenate):
    add(
        row(fn, Seq((Real(M), Real((2, 4))))),
        row(fn, Seq((Real(M), Real((3, 2)), Real((3, 1)))), Const(1)),
        row(fn, Seq((Real(V), Real((2,)))), Const(-1)),
        row(fn, Seq((Real(M), Real(V))), Const(None)),
    )
for fn in (np.stack, runtime.stack):
    add(
        row(fn, Seq((Real(M), Real(M)))),
        row(fn, Seq((Real(M), Real(M), Real(M))), Const(1)),
        row(fn, Seq((Real(V), Real(V))), Const(-1)),
    )
add(row(runtime.stack, Seq((Real(S), Real(S), Real(S)))))
for fn in (np.copy, np.array, runtime.array, np.asarray, np.ascontiguousarray):
    add(row(fn, Real(M)), row(fn, Real(S)))
add(
    row(np.array, Real(M), Const(np.float32), lossy=True),
    row(np.asarray, Real(V), dtype=np.float64),
    row(np.full, Const((2, 3)), Real(S)),
    row(np.full, Const(4), Real(S)),
    row(np.full_like, Real(M), Real(S)),
    row(np.asarray, Real(M), dtype=np.int64),  # a conversion to integers: zero cotangent
    row(np.full, Const(4), Real(S), Const(np.int64)),
)

# --- rearrangements -------------------------------------------------------------------------------

for fn in (np.atleast_1d, runtime.atleast_1d, np.atleast_2d, runtime.atleast_2d, np.atleast_3d,
           runtime.atleast_3d):
    add(row(fn, Real(S)), row(fn, Real(V)), row(fn, Real(M)))
add(row(np.atleast_3d, Real(T)))
for fn in (np.flip, runtime.flip):
    add(
        row(fn, Real(T)),
        row(fn, Real(T), Const(1)),
        row(fn, Real(M), Const(-1)),
        row(fn, Real(T), Const((0, 2))),
    )
add(
    row(np.fliplr, Real(M)),
    row(np.fliplr, Real(T)),
    row(np.flipud, Real(V)),
    row(np.flipud, Real(M)),
)
for fn in (np.roll, runtime.roll):
    add(
        row(fn, Real(M), Const(2)),
        row(fn, Real(T), Const(-1), Const(1)),
        row(fn, Real(M), Const(5), axis=-1),
    )
for fn in (np.triu, np.tril):
    add(
        row(fn, Real(M)),
        row(fn, Real((4, 4)), Const(1)),
        row(fn, Real(T), Const(-1)),
        row(fn, Real(V)),
        row(fn, Real(V), k=1),
    )
add(
    row(np.diag, Real(V)),
    row(np.diag, Real(V), Const(-1)),
    row(np.diag, Real(M)),
    row(np.diag, Real(M), Const(2)),
    row(np.diag, Real((4, 3)), k=-1),
)
for fn in (np.diagonal, runtime.diagonal):
    add(row(fn, Real(M)), row(fn, Real(M), Const(1)), row(fn, Real((4, 3)), Const(-2)))
add(
    row(np.swapaxes, Real(T), Const(0), Const(2)),
    row(np.swapaxes, Real(M), Const(-1), Const(0)),
    row(np.moveaxis, Real(T), Const(0), Const(-1)),
    row(np.moveaxis, Real(T), Const((0, 1)), Const((2, 0))),
)
# (Python only: the lowering writes np.hstack and np.vstack as atleast_nd and concatenate)
for fn in (np.hstack, np.vstack):
    add(
        row(fn, Seq((Real(V), Real((2,) if fn is np.hstack else V))), numba=False),
        row(fn, Seq((Real(M), Real((3, 2)) if fn is np.hstack else Real((2, 4)))), numba=False),
        row(fn, Seq((Real(T), Real(T))), numba=False),
        row(fn, Seq((Real(S), Real(S), Real((1,)))), numba=False),
    )
add(row(np.vstack, Seq((Real((4,)), Real(M))), numba=False))
if hasattr(np, "row_stack"):  # vstack's old name, where NumPy still has it
    add(row(np.row_stack, Seq((Real(V), Real(V))), numba=False),
        row(np.row_stack, Seq((Real((4,)), Real(M))), numba=False))
add(
    row(np.rollaxis, Real(T), Const(2)),
    row(np.rollaxis, Real(T), Const(0), Const(3)),
    row(np.rollaxis, Real(T), Const(-1), Const(-2)),
    row(np.rollaxis, Real(M), Const(1), start=1),
)

# --- ranges of float ends ----------------------------------------------------------------------------

for fn in (np.linspace, runtime.linspace):
    add(
        row(fn, Real(S), Real(S), Const(5)),
        row(fn, Real(S), Real(S), Const(6), endpoint=False),
        row(fn, Real(S), Real(S), Const(1)),
    )
add(
    row(np.linspace, Real(V), Real(S), Const(4), numba=False),
    row(np.linspace, Real(S), Real(M), Const(3), axis=-1, numba=False),
    row(np.arange, Real(S, 0.0, 1.0), Const(4.0), Real(S, 0.2, 0.6)),
    row(np.arange, Real(S, 0.0, 1.0), Const(5.5)),
    row(np.arange, Const(3.5)),
    row(np.arange, Real(S, 2.6, 3.4)),  # np.arange(stop): a length, no derivative
)

# --- the helpers rules use (their rules make gradients differentiable again) -------------------------

add(
    row(runtime.cast_like, Real(M), Real(S)),
    row(runtime.cast_like, Real(S), Real(M)),
    row(runtime.cast_grad, Real(M), Real(M), Const(None)),
    row(runtime.cast_grad, Real(S), Real(S), Const(np.float64)),
    row(runtime.cast_grad, Real(M), Real(M), Const(np.int64)),
    row(runtime.cast_grad_as, Real(M), Real(S), Real(V)),
    row(runtime.cast_grad_as, Real(V), Real(S), Const(1)),
    row(runtime.linspace_grad, Real((5,)), Real(S), Real(S), Const(5), Const(True), Const(0),
        Const(False)),
    row(runtime.linspace_grad, Real((2, 4)), Real(S), Real(S), Const(4), Const(False), Const(0),
        Const(True)),
    row(runtime.linspace_spread, Real(S), Real(S), Real(S), Const(5), Const(True), Const(0),
        Const(True)),
    row(runtime.linspace_spread, Real(S), Real(S), Real(S), Const(4), Const(False), Const(0),
        Const(False)),
    row(runtime.arange_start_grad, Real(V), Real(S), Const(4.0)),
    row(runtime.arange_start_grad, Real(V), Real(S), Const(None)),
    row(runtime.arange_step_grad, Real((4,)), Real(S)),
    row(runtime.broadcast_like, Real(S), Real(M)),
    row(runtime.broadcast_like, Real((3, 1)), Real(M)),
    row(runtime.jacobian_shaped, Real((2, 3)), Real((2,)), Real((3,))),
    row(runtime.jacobian_shaped, Real((1, 4)), Real(S), Real((2, 2))),
    row(runtime.jacobian_shaped, Real((1, 1)), Real(S), Real(S)),
    row(runtime.safe_reciprocal, Real(M, 0.5, 2, sign=True)),
    row(runtime.safe_reciprocal, Real(S, 0.5, 2)),
    row(runtime.sum_to, Real((2, 3, 4)), Const((3, 1))),
    row(runtime.sum_to, Real(M), Const(())),
    row(runtime.sum_to, Real(S), Const((2, 3))),
    row(runtime.sum_grad, Real((4,)), Real(M), Const(0), Const(False)),
    row(runtime.sum_grad, Real((2, 3, 1)), Real(M), Const(-1), Const(True)),
    row(runtime.sum_grad, Real(S), Real(T), Const((0, 2)), Const(False)),
    row(runtime.sum_grad, Real(V), Real(S), Const(None), Const(False)),
    row(runtime.prod_others, Real(M, 0.5, 1.5, sign=True), Const(1)),
    row(runtime.prod_others, Real(T, 0.5, 1.5), Const((0, 2))),
    row(runtime.prod_others, Real(M, 0.5, 1.5), Const(None)),
    row(runtime.prod_others_vjp, Real(M), Real(M, 0.5, 1.5, sign=True), Const(1)),
    row(runtime.prod_others_vjp, Real(T), Real(T, 0.5, 1.5), Const((0, 2))),
    row(runtime.prod_others_vjp, Real(M), Real(M, 0.5, 1.5), Const(None)),
    row(runtime.cumsum_grad, Real(M), Real(M), Const(1)),
    row(runtime.cumsum_grad, Real((12,)), Real(M), Const(None)),
    row(runtime.dot_grad_left, Real((2, 4)), Real((2, 3)), Real((3, 4))),
    row(runtime.dot_grad_right, Real((2, 4)), Real((2, 3)), Real((3, 4))),
    row(runtime.dot_grad_left, Real(S), Real(V), Real(V)),
    row(runtime.dot_grad_right, Real((2,)), Real((2, 3)), Real(V)),
    row(runtime.dot_grad_left, Real((2,)), Real(V), Real((3, 2))),
    row(runtime.dot_grad_right, Real(V), Real(S), Real(V)),
    row(runtime.dot_grad_left, Real(M), Real(M), Real(S)),
    row(runtime.trace_grad, Real(S), Real((3, 3))),
    row(runtime.diag_grad, Real((4, 4)), Real(V), Const(1)),
    row(runtime.diag_grad, Real(V), Real(M), Const(0)),
    row(runtime.diag_grad, Real((2,)), Real(M), Const(-1)),
    row(runtime.reshape_grad, Real((3, 2)), Real((2, 3)), Const((3, 2))),
    row(runtime.reshape_grad, Real((2, 12)), Real(M), Const(-1)),
    row(runtime.transpose_grad, Real((4, 3)), Real(M), Const(None)),
    row(runtime.transpose_grad, Real((4, 2, 3)), Real(T), Const((2, 0, 1))),
    row(runtime.concat_part, Real((5, 4)), Seq((Real(M), Real((2, 4)))), Const(0), Const(1)),
    row(runtime.concat_pad, Real((2, 4)), Seq((Real(M), Real((2, 4)))), Const(0), Const(1)),
    row(runtime.stack_part, Real((3, 2)), Seq((Real(V), Real(V))), Const(1), Const(0)),
    row(runtime.stack_pad, Real(V), Seq((Real(V), Real(V))), Const(1), Const(0)),
    row(unbroadcast, Real(M), Real((4,))),
    row(unbroadcast, Real(M), Real((3, 1))),
    row(unbroadcast, Real(V), Real(S)),
    row(copy_value, Real(M)),
    row(runtime.scatter_add, Real(M), Index((2, 0, 2)), Real(M)),
    row(runtime.scatter_add, Real(M), Index((1, 1)), Real((4,))),
    row(runtime.scatter_add, Real(V), Index((0, -1, 2, 0)), Real(S)),
    row(last_writes, Real(M), Index((2, 0, 2, -1))),
    row(last_writes, Real(V), Index((1, 1, 0))),
    row(store_last, Real((4, 4)), Index((2, 0, 2, -1)), Real(M)),
    row(store_last, Real(S), Index((1, 1, 0)), Real(V)),
    row(seed, Real(M), Real(M)),
    row(seed, Real(S), Real(S)),
)

# --- declared constants -------------------------------------------------------------------------------

NONDIFFERENTIABLE = [
    np.zeros, np.ones, np.empty, np.zeros_like, np.ones_like, np.empty_like,
    np.eye, np.identity, np.int64, np.int32, np.bool_, np.sign, np.floor, np.ceil, np.round, np.around, np.rint,
    np.trunc, np.argmax, np.argmin, np.argsort, np.isnan, np.isinf, np.isfinite, np.shape,
    np.size, np.ndim, np.count_nonzero, np.logical_and, np.logical_or, np.logical_not,
    np.logical_xor, np.equal, np.not_equal, np.less, np.less_equal, np.greater,
    np.greater_equal, np.floor_divide, len, range, int, bool, round,
    math.floor, math.ceil, math.trunc, math.isnan, math.isinf, math.isfinite,
    operator.floordiv, operator.lt, operator.eq, runtime.order, runtime.order_share,
]  # fmt: skip


# --- the families kept in files of their own: tests/rule_rows_*.py, each calling add(...) -------

for _path in sorted(Path(__file__).parent.glob("rule_rows_*.py")):
    importlib.import_module(_path.stem)

ROW_IDS = [r.id for r in ROWS]
assert len(set(ROW_IDS)) == len(ROW_IDS), "duplicate row ids"
