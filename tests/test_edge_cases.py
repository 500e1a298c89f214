"""Edge cases, on the "python" and "cpu" targets: derivatives at
non-differentiable points, non-finite inputs, empty arrays and loops that
never run (README, "Conventions at non-differentiable points").

The oracles are independent of srcgrad:

- at non-differentiable points, JAX's conventions: the expected values in
  `CONVENTIONS` are what `jax.grad` returns for the same function written
  with `jax.numpy`, which `test_jax_agrees_with_the_table` checks wherever
  JAX is installed (it is not a test dependency); the few places where
  srcgrad departs from JAX on purpose are in `DEPARTURES`, each with the
  hand-derived value it gives instead;
- for non-finite inputs, the derivative written by hand and evaluated by
  NumPy at those inputs (so nan and inf propagate as NumPy propagates them),
  or central finite differences where the function is finite around them;
- for empty arrays and zero-trip loops, central finite differences
  (`gradcheck.py`), which are exactly zero there, and the shape and dtype of
  the input.
"""

from __future__ import annotations

import math
import types
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
from gradcheck import assert_gradient, numerical_gradient

import srcgrad as sg

TARGETS = ("python", "cpu")
nan, inf = math.nan, math.inf


def gradient(fn, args, wrt, target):
    """srcgrad's gradient of `fn` at `args`, with NumPy's floating-point
    warnings silenced (they are NumPy's own, for the same operations)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return sg.grad(fn, wrt=wrt, target=target)(*args)


def assert_same(got, want, what="", rtol=1e-12):
    """Equal values (nan where nan, infinities of the same sign), shapes and
    a floating dtype."""
    assert got is not None, f"{what}: no gradient"
    assert np.shape(got) == np.shape(want), f"{what}: shape {np.shape(got)} != {np.shape(want)}"
    assert np.issubdtype(np.result_type(got), np.floating), f"{what}: dtype {np.result_type(got)}"
    np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(want, np.float64),
                               rtol=rtol, atol=1e-15, equal_nan=True, err_msg=what)


def assert_all_same(got, want, wrt, what="", rtol=1e-12):
    if isinstance(wrt, int):
        got, want = (got,), (want,)
    assert isinstance(got, tuple) and len(got) == len(want), what
    for k, (g, w) in enumerate(zip(got, want)):
        assert_same(g, w, f"{what}, gradient {k}", rtol)


# --- derivatives at non-differentiable points: JAX's conventions --------------------------


def abs_array(x):
    return np.sum(np.abs(x))


def abs_builtin(x):
    return abs(x)


def fabs_math(x):
    return math.fabs(x)


def maximum_ties(x, y):
    return np.sum(np.maximum(x, y))


def minimum_ties(x, y):
    return np.sum(np.minimum(x, y))


def relu(x):
    return np.sum(np.maximum(x, 0.0))


def max_builtin(x, y):
    return max(x, y)


def min_builtin(x, y):
    return min(x, y)


def max_reduction(x):
    return np.max(x)


def min_reduction(x):
    return np.min(x)


def max_over_axis(x):
    return np.sum(np.max(x, axis=0))


def min_method_over_axis(x):
    return np.sum(x.min(axis=1))


def sqrt_at_zero(x):
    return np.sqrt(x)


def sqrt_math(x):
    return math.sqrt(x)


def cbrt_at_zero(x):
    return np.cbrt(x)


def half_power(x):
    return x ** 0.5


def square_power(x):
    return np.sum(x ** 2)


def zeroth_power(x):
    return x ** 0


def cube_power(x):
    return x ** 3


def power_of_both(x, y):
    return x ** y


def clip_both(a, a_min, a_max):
    return np.clip(a, a_min, a_max)


def clip_array(a):
    return np.sum(np.clip(a, 0.0, 1.0))


def clip_upper_only(a, a_max):
    return np.clip(a, None, a_max)


def where_sides(c, x, y):
    return np.where(c > 0, x, y)


def where_array(x, y):
    return np.sum(np.where(x > y, x, y))


def where_guarded_sqrt(x):
    return np.where(x > 0, np.sqrt(x), 0.0)


def sign_times(x):
    return np.sum(np.sign(x) * x)


def floor_plus(x):
    return x + np.floor(x)


def prod_with_zeros(x):
    return np.prod(x)


def log_at_zero(x):
    return np.log(x)


def arcsin_at_one(x):
    return np.arcsin(x)


def arccos_at_one(x):
    return np.arccos(x)


def divide(x, y):
    return x / y


def arctan2_origin(y, x):
    return np.arctan2(y, x)


def fmax_nan(x, y):
    return np.fmax(x, y)


def fmin_nan(x, y):
    return np.fmin(x, y)


def maximum_nan(x, y):
    return np.maximum(x, y)


@dataclass(frozen=True)
class Case:
    id: str
    fn: object
    args: tuple
    wrt: int | tuple
    want: object  # what jax.grad returns (a value, or a tuple as `wrt` is)


def a(*values):
    return np.array(values, dtype=np.float64)


CONVENTIONS = [
    # abs: JAX's derivative is select(x >= 0, 1, -1): 1 at 0 and at -0.0
    Case("abs-at-0", abs_array, (a(-2.0, 0.0, -0.0, 3.0),), 0, a(-1.0, 1.0, 1.0, 1.0)),
    Case("builtin-abs-at-0", abs_builtin, (0.0,), 0, 1.0),
    Case("math-fabs-at-0", fabs_math, (0.0,), 0, 1.0),
    # maximum, minimum: ties split evenly
    Case("maximum-ties", maximum_ties, (a(1.0, 2.0, 3.0), a(1.0, 0.0, 3.0)), (0, 1),
         (a(0.5, 1.0, 0.5), a(0.5, 0.0, 0.5))),
    Case("minimum-ties", minimum_ties, (a(1.0, 2.0, 3.0), a(1.0, 0.0, 4.0)), (0, 1),
         (a(0.5, 0.0, 1.0), a(0.5, 1.0, 0.0))),
    Case("relu-at-0", relu, (a(-1.0, 0.0, 1.0),), 0, a(0.0, 0.5, 1.0)),
    Case("builtin-max-tie", max_builtin, (1.0, 1.0), (0, 1), (0.5, 0.5)),
    Case("builtin-min-tie", min_builtin, (2.0, 2.0), (0, 1), (0.5, 0.5)),
    # max, min reductions: ties share the cotangent evenly
    Case("max-ties", max_reduction, (a(1.0, 3.0, 3.0, 2.0),), 0, a(0.0, 0.5, 0.5, 0.0)),
    Case("min-three-way-tie", min_reduction, (a(1.0, 1.0, 3.0, 1.0),), 0,
         a(1 / 3, 1 / 3, 0.0, 1 / 3)),
    Case("max-axis-ties", max_over_axis, (np.array([[1.0, 3.0], [1.0, 2.0]]),), 0,
         np.array([[0.5, 1.0], [0.5, 0.0]])),
    Case("min-method-axis-ties", min_method_over_axis, (np.array([[2.0, 2.0], [0.0, 5.0]]),), 0,
         np.array([[0.5, 0.5], [1.0, 0.0]])),
    Case("max-infinite-tie", max_reduction, (a(inf, inf, 2.0),), 0, a(0.5, 0.5, 0.0)),
    # roots: an infinite derivative at 0
    Case("sqrt-at-0", sqrt_at_zero, (0.0,), 0, inf),
    Case("math-sqrt-at-0", sqrt_math, (0.0,), 0, inf),
    Case("cbrt-at-0", cbrt_at_zero, (0.0,), 0, inf),
    Case("half-power-at-0", half_power, (0.0,), 0, inf),
    # powers at a zero base
    Case("square-at-0", square_power, (a(0.0, -3.0),), 0, a(0.0, -6.0)),
    Case("zeroth-power-at-0", zeroth_power, (0.0,), 0, 0.0),
    Case("cube-at-0", cube_power, (0.0,), 0, 0.0),
    Case("power-0-2", power_of_both, (0.0, 2.0), (0, 1), (0.0, 0.0)),
    Case("power-0-half", power_of_both, (0.0, 0.5), (0, 1), (inf, 0.0)),
    Case("power-0-1", power_of_both, (0.0, 1.0), (0, 1), (1.0, 0.0)),
    # (NumPy scalars: a Python float's 0.0 ** -1.0 raises in the function itself)
    Case("power-0-minus1", power_of_both, (np.float64(0.0), np.float64(-1.0)), (0, 1),
         (-inf, nan)),
    Case("power-negative-base", power_of_both, (-2.0, 3.0), (0, 1), (12.0, nan)),
    # clip = minimum(maximum(a, a_min), a_max)
    Case("clip-at-lower", clip_both, (0.0, 0.0, 1.0), (0, 1, 2), (0.5, 0.5, 0.0)),
    Case("clip-at-upper", clip_both, (1.0, 0.0, 1.0), (0, 1, 2), (0.5, 0.0, 0.5)),
    Case("clip-inside", clip_both, (0.5, 0.0, 1.0), (0, 1, 2), (1.0, 0.0, 0.0)),
    Case("clip-below", clip_both, (-0.5, 0.0, 1.0), (0, 1, 2), (0.0, 1.0, 0.0)),
    Case("clip-all-equal", clip_both, (0.0, 0.0, 0.0), (0, 1, 2), (0.25, 0.25, 0.5)),
    Case("clip-crossed-bounds", clip_both, (0.5, 1.0, 0.0), (0, 1, 2), (0.0, 0.0, 1.0)),
    Case("clip-array", clip_array, (a(-1.0, 0.0, 0.5, 1.0, 2.0),), 0,
         a(0.0, 0.5, 1.0, 0.5, 0.0)),
    Case("clip-no-lower-bound", clip_upper_only, (1.0, 1.0), (0, 1), (0.5, 0.5)),
    # where: the cotangent goes to the branch picked, and none to the other
    Case("where-true", where_sides, (1.0, 2.0, 3.0), (1, 2), (1.0, 0.0)),
    Case("where-false", where_sides, (-1.0, 2.0, 3.0), (1, 2), (0.0, 1.0)),
    Case("where-array-tie", where_array, (a(1.0, 2.0, 0.0), a(1.0, 0.0, 3.0)), (0, 1),
         (a(0.0, 1.0, 0.0), a(1.0, 0.0, 1.0))),
    # the branch not taken still multiplies its zero cotangent by sqrt's infinite
    # derivative: nan, JAX's well-known "where" gotcha
    Case("where-guarded-sqrt-at-0", where_guarded_sqrt, (0.0,), 0, nan),
    # piecewise-constant functions have a zero derivative
    Case("sign", sign_times, (a(-1.0, 0.0, 2.0),), 0, a(-1.0, 0.0, 1.0)),
    Case("floor", floor_plus, (1.0,), 0, 1.0),
    # prod: the product of the other elements, so zeros are fine
    Case("prod-one-zero", prod_with_zeros, (a(0.0, 2.0, 3.0),), 0, a(6.0, 0.0, 0.0)),
    Case("prod-two-zeros", prod_with_zeros, (a(0.0, 0.0, 3.0),), 0, a(0.0, 0.0, 0.0)),
    # infinite derivatives at the edge of the domain
    Case("log-at-0", log_at_zero, (0.0,), 0, inf),
    Case("arcsin-at-1", arcsin_at_one, (1.0,), 0, inf),
    Case("arccos-at-1", arccos_at_one, (1.0,), 0, -inf),
    Case("divide-by-0", divide, (np.float64(1.0), np.float64(0.0)), (0, 1), (inf, -inf)),
    Case("arctan2-origin", arctan2_origin, (0.0, 0.0), (0, 1), (nan, nan)),
    # nan operands of maximum (both get 0) and of fmax/fmin (the other one gets it all)
    Case("maximum-nan", maximum_nan, (nan, 1.0), (0, 1), (0.0, 0.0)),
    Case("fmax-nan-first", fmax_nan, (nan, 1.0), (0, 1), (0.0, 1.0)),
    Case("fmax-nan-second", fmax_nan, (1.0, nan), (0, 1), (1.0, 0.0)),
    Case("fmin-nan-first", fmin_nan, (nan, 1.0), (0, 1), (0.0, 1.0)),
]


def norm_at_zero(x):
    return np.linalg.norm(x)


def hypot_origin(x, y):
    return np.hypot(x, y)


# Where srcgrad departs from what jax.grad returns, on purpose: the value here
# is the subgradient of smallest norm, which a minimiser can stop at; JAX's
# own value is in the comment.
DEPARTURES = [
    # jax.grad(jnp.linalg.norm)(zeros) is nan: 0 / 0
    Case("norm-of-zero-vector", norm_at_zero, (np.zeros(3),), 0, np.zeros(3)),
    Case("norm-of-zero-matrix", norm_at_zero, (np.zeros((2, 2)),), 0, np.zeros((2, 2))),
    # jax.grad(jnp.hypot) at the origin is (0.5, 0.5), an artefact of its
    # max/min formulation
    Case("hypot-origin", hypot_origin, (0.0, 0.0), (0, 1), (0.0, 0.0)),
    # jax.grad(lambda x, y: x ** y) at (0, 0) is (nan, 0); x ** 0 is constant, and
    # srcgrad cannot tell a variable zero exponent from the literal `x ** 0`,
    # where JAX too gives 0
    Case("power-0-0", power_of_both, (0.0, 0.0), (0, 1), (0.0, 0.0)),
    # jnp.fmax at a tie gives everything to the second operand; srcgrad splits
    # it evenly, as for maximum
    Case("fmax-tie", fmax_nan, (1.0, 1.0), (0, 1), (0.5, 0.5)),
]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("case", CONVENTIONS + DEPARTURES, ids=lambda c: c.id)
def test_non_differentiable_point(case, target):
    got = gradient(case.fn, case.args, case.wrt, target)
    assert_all_same(got, case.want, case.wrt, case.id)


def _jax_namespace():
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    jmath = types.SimpleNamespace(sqrt=jnp.sqrt, fabs=jnp.abs)
    return jax, {"np": jnp, "math": jmath, "max": jnp.maximum, "min": jnp.minimum,
                 "abs": jnp.abs}


def jax_twin(fn, namespace):
    """`fn` with its globals NumPy and `math` replaced by `jax.numpy`, and the
    builtin `max`/`min` of two values by `jnp.maximum`/`jnp.minimum`."""
    return types.FunctionType(fn.__code__, {**fn.__globals__, **namespace}, fn.__name__)


@pytest.mark.parametrize("case", CONVENTIONS, ids=lambda c: c.id)
def test_jax_agrees_with_the_table(case):
    """The expected values above are JAX's: run jax.grad on the same function
    (float32, JAX's default; every expected value is exact in float32)."""
    jax, namespace = _jax_namespace()
    argnums = case.wrt
    got = jax.grad(jax_twin(case.fn, namespace), argnums=argnums)(
        *[jax.numpy.asarray(v, jax.numpy.float32) for v in case.args])
    if isinstance(argnums, int):
        got, want = (got,), (case.want,)
    else:
        want = case.want
    for k, (g, w) in enumerate(zip(got, want)):
        np.testing.assert_allclose(np.asarray(g, np.float64), np.asarray(w, np.float64),
                                   rtol=1e-6, atol=1e-7, equal_nan=True,
                                   err_msg=f"{case.id}, gradient {k}")


@pytest.mark.parametrize("case", DEPARTURES, ids=lambda c: c.id)
def test_jax_differs_where_the_table_says(case):
    """Each departure is real: JAX returns something else there."""
    jax, namespace = _jax_namespace()
    got = jax.grad(jax_twin(case.fn, namespace), argnums=case.wrt)(
        *[jax.numpy.asarray(v, jax.numpy.float32) for v in case.args])
    got = got if isinstance(got, tuple) else (got,)
    want = case.want if isinstance(case.want, tuple) else (case.want,)
    assert not all(np.allclose(np.asarray(g, np.float64), w, equal_nan=True)
                   for g, w in zip(got, want)), case.id


# --- non-finite inputs: propagated as NumPy propagates them --------------------------------

SPECIALS = a(nan, inf, -inf, 0.5)


def sin_sum(x):
    return np.sum(np.sin(x))


def cos_sum(x):
    return np.sum(np.cos(x))


def tan_sum(x):
    return np.sum(np.tan(x))


def exp_sum(x):
    return np.sum(np.exp(x))


def expm1_sum(x):
    return np.sum(np.expm1(x))


def log_sum(x):
    return np.sum(np.log(x))


def log1p_sum(x):
    return np.sum(np.log1p(x))


def log2_sum(x):
    return np.sum(np.log2(x))


def sqrt_sum(x):
    return np.sum(np.sqrt(x))


def tanh_sum(x):
    return np.sum(np.tanh(x))


def sinh_sum(x):
    return np.sum(np.sinh(x))


def cosh_sum(x):
    return np.sum(np.cosh(x))


def arctan_sum(x):
    return np.sum(np.arctan(x))


def arcsin_sum(x):
    return np.sum(np.arcsin(x))


def square_sum(x):
    return np.sum(np.square(x))


def abs_sum(x):
    return np.sum(np.abs(x))


def cube_sum(x):
    return np.sum(x ** 3)


def reciprocal_sum(x):
    return np.sum(2.0 / x)


def product_sum(x):
    return np.sum(x * x)


def mean_of(x):
    return np.mean(x * 3.0)


def norm_of(x):
    return np.linalg.norm(x)


def max_of(x):
    return np.max(x)


def min_of(x):
    return np.min(x)


def prod_of(x):
    return np.prod(x)


# The derivative of each function, written by hand and evaluated by NumPy: at nan
# and at the infinities it is whatever NumPy's arithmetic makes of the formula.
NON_FINITE = [
    (sin_sum, np.cos),
    (cos_sum, lambda x: -np.sin(x)),
    (tan_sum, lambda x: 1 / np.cos(x) ** 2),
    (exp_sum, np.exp),
    (expm1_sum, np.exp),
    (log_sum, lambda x: 1 / x),
    (log1p_sum, lambda x: 1 / (1 + x)),
    (log2_sum, lambda x: 1 / (x * np.log(2.0))),
    (sqrt_sum, lambda x: 0.5 / np.sqrt(x)),
    (tanh_sum, lambda x: 1 - np.tanh(x) ** 2),
    (sinh_sum, np.cosh),
    (cosh_sum, np.sinh),
    (arctan_sum, lambda x: 1 / (1 + x * x)),
    (arcsin_sum, lambda x: 1 / np.sqrt(1 - x * x)),
    (square_sum, lambda x: 2 * x),
    (abs_sum, np.sign),
    (cube_sum, lambda x: 3 * x * x),
    (reciprocal_sum, lambda x: -2 / (x * x)),
    (product_sum, lambda x: 2 * x),
    (mean_of, lambda x: np.full(x.shape, 3.0 / x.size)),
    # 1/norm is 0 at an infinite norm, and inf * 0 is nan
    (norm_of, lambda x: x / np.sqrt(np.sum(x * x))),
    # a nan extreme is equal to no element: nan for every element (JAX too)
    (max_of, lambda x: np.full(x.shape, nan)),
    (min_of, lambda x: np.full(x.shape, nan)),
    # the product of the other elements
    (prod_of, lambda x: np.array([np.prod(np.delete(x, k)) for k in range(x.size)])),
]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn, derivative", NON_FINITE, ids=lambda v: getattr(v, "__name__", ""))
def test_non_finite_inputs_propagate(fn, derivative, target):
    with np.errstate(all="ignore"):
        want = derivative(SPECIALS.copy())
    got = gradient(fn, (SPECIALS.copy(),), 0, target)
    assert_same(got, want, fn.__name__)


def nan_weighted(x, w):
    return np.sum(x * w)


def nan_matmul(a, b):
    return np.sum(a @ b)


def scalar_nan(x):
    return math.sin(x) * x + np.exp(x)


@pytest.mark.parametrize("target", TARGETS)
def test_non_finite_values_through_products(target):
    x, w = a(nan, inf, 1.0), a(2.0, 3.0, -inf)
    got = gradient(nan_weighted, (x, w), (0, 1), target)
    assert_all_same(got, (w, x), (0, 1), "x * w")  # d/dx = w, d/dw = x
    am = np.array([[1.0, inf], [nan, 2.0]])
    bm = np.array([[1.0, -1.0], [inf, 0.0]])
    got = gradient(nan_matmul, (am, bm), (0, 1), target)
    with np.errstate(all="ignore"):  # d/da = 1 b^T, d/db = a^T 1
        want = (np.ones((2, 2)) @ bm.T, am.T @ np.ones((2, 2)))
    assert_all_same(got, want, (0, 1), "a @ b")


@pytest.mark.parametrize("value", [nan, inf, np.float64(nan), np.float64(-inf)],
                         ids=["nan", "inf", "float64-nan", "float64-minus-inf"])
@pytest.mark.parametrize("target", TARGETS)
def test_non_finite_scalars(value, target):
    """A Python float or NumPy scalar: math.sin(inf) would raise in the user's
    own code, so only nan goes through math; the rest through NumPy."""
    if math.isinf(value):
        got = gradient(exp_sum, (value,), 0, target)
        assert_same(got, np.exp(value), "exp")
        return
    got = gradient(scalar_nan, (value,), 0, target)
    assert_same(got, nan, "sin(x) x + exp(x)")


def builtin_max_nan_second(x, y):
    return max(x, y) * 2.0


def builtin_min_nan_second(x, y):
    return min(x, y) * 2.0


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn", [builtin_max_nan_second, builtin_min_nan_second],
                         ids=lambda f: f.__name__)
def test_builtin_max_min_pass_over_a_nan_second_operand(fn, target):
    """Python's max(1.0, nan) is 1.0 (nan is not greater): the first operand
    takes the whole cotangent, as finite differences say."""
    args = (1.0, nan)
    want = (numerical_gradient(fn, args, 0), 0.0)
    assert want[0] == pytest.approx(2.0)
    got = gradient(fn, args, (0, 1), target)
    assert_all_same(got, want, (0, 1), fn.__name__, rtol=1e-7)


# --- empty arrays and loops that never run -------------------------------------------------


def elementwise_empty(x):
    return np.sum(np.sin(x) * x + 2.0 * np.exp(x) - x / 3.0)


def reductions_empty(x):
    return np.sum(x) + np.prod(x) + np.linalg.norm(x)


def mean_empty(x):
    return np.sum(np.mean(x, axis=0))


def sum_axis0_empty(x):
    return np.sum(np.sum(x, axis=0) * 2.0)


def max_axis1_empty(x):
    return np.sum(np.max(x, axis=1))


def matmul_empty(x, w):
    return np.sum(x @ w)


def dot_empty(x, y):
    return np.dot(x, y)


def loop_over_empty(x):
    total = 0.0
    for i in range(len(x)):
        total = total + x[i] * x[i]
    return total


def range_zero(x, w):
    total = 2.0 * w
    for i in range(0):
        total = total + w * x[i]
    return total


def while_never_runs(x, w):
    while x > 10.0 * w:
        x = x * w / 2.0
    return x * w


EMPTY = [
    (elementwise_empty, (np.zeros(0),), 0),
    (elementwise_empty, (np.zeros((0, 3)),), 0),
    (reductions_empty, (np.zeros(0),), 0),
    (reductions_empty, (np.zeros((0, 3)),), 0),
    (mean_empty, (np.zeros((0, 3)),), 0),
    (sum_axis0_empty, (np.zeros((0, 3)),), 0),
    (max_axis1_empty, (np.zeros((0, 3)),), 0),
    (matmul_empty, (np.zeros((0, 3)), np.ones((3, 2))), (0, 1)),  # d/dw: zeros (3, 2)
    (matmul_empty, (np.ones((2, 0)), np.ones((0, 3))), (0, 1)),
    (dot_empty, (np.zeros(0), np.zeros(0)), (0, 1)),
    (loop_over_empty, (np.zeros(0),), 0),
    (range_zero, (np.ones(3), 1.5), (0, 1)),
    (while_never_runs, (1.0, 1.0), (0, 1)),
]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn, args, wrt", EMPTY,
                         ids=[f"{f.__name__}-{'x'.join(map(str, np.shape(args[0])))}"
                              for f, args, wrt in EMPTY])
def test_empty_arrays_and_zero_trip_loops(fn, args, wrt, target):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the mean of nothing is nan
        want = numerical_gradient(fn, args, wrt)
    got = gradient(fn, args, wrt, target)
    assert_all_same(got, want, wrt, fn.__name__, rtol=1e-7)
    for g, x in zip(got if isinstance(wrt, tuple) else (got,),
                    [args[k] for k in (wrt if isinstance(wrt, tuple) else (wrt,))]):
        assert np.shape(g) == np.shape(x)


@pytest.mark.parametrize("target", TARGETS)
def test_float32_conventions_stay_float32(target):
    x = np.array([-2.0, 0.0, 3.0], np.float32)
    got = gradient(abs_array, (x,), 0, target)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, np.array([-1.0, 1.0, 1.0], np.float32))
    got = gradient(relu, (x,), 0, target)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, np.array([0.0, 0.5, 1.0], np.float32))


@pytest.mark.parametrize("target", TARGETS)
def test_empty_float32_stays_float32(target):
    got = gradient(elementwise_empty, (np.zeros((0, 3), np.float32),), 0, target)
    assert got.dtype == np.float32 and got.shape == (0, 3)


# --- indices read from integer arrays and parameters (GradBench's ht, ba) ------------------


def chain_by_parents(x, parents):
    """Each node adds half its parent's value (a tree given as a parent array)."""
    a = np.zeros(len(parents))
    for b in range(len(parents)):
        p = parents[b]
        if p >= 0:
            a[b] = a[p] * 0.5 + x[b]
        else:
            a[b] = x[b]
    return np.sum(a * a)


def pick_by_column(x, col, d):
    c = col[d]
    return x[c] * x[c] + x[0]


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_indices_from_integer_arrays(target):
    x = np.random.default_rng(20).uniform(-1, 1, 5)
    assert_gradient(sg.grad(chain_by_parents, target=target), chain_by_parents,
                    (x, np.array([-1, 0, 1, 1, 3])))
    assert_gradient(sg.grad(pick_by_column, target=target), pick_by_column,
                    (x, np.array([2, 4, 1]), 1))
