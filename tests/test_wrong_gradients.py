"""Gradients that once came back silently wrong (or None), each against
central finite differences (`gradcheck.py`) or a derivative by hand:

- a loop that carries a cotangent through five or more variables (the
  adjoints live around a loop were searched for four sweeps only);
- `np.linspace` and `np.arange` of float ends (declared constant);
- conversions to integer or bool dtypes (the cotangent passed through);
- a scatter through an integer index computed at run time (no compiled form);
- a derivative of higher order that became constant (None instead of 0.0);
- a helper returning a tuple of one, `return (y,)`, read as returning y
  (so `helper(x)[0]` took y's first element).

The reproducers run on both targets; their variants on "python" only, since
each "cpu" case compiles.
"""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import assert_gradient

import srcgrad as sg

TARGETS = ("python", "cpu")


def check(f, args, wrt=0, target="python", **kwargs):
    return assert_gradient(sg.grad(f, wrt=wrt, target=target), f, args, wrt, **kwargs)


# --- 1. cotangents carried around a loop through many variables -----------------------------


def chain5_mul(x):
    a = x
    b = c = d = e = f = 1.0
    for _i in range(8):
        f = 2.0 * e
        e = 2.0 * d
        d = 2.0 * c
        c = 2.0 * b
        b = 2.0 * a
    return f


def iir6(u, c):
    y1 = y2 = y3 = y4 = y5 = y6 = 0.0
    for n in range(len(u)):
        y = u[n] + c * y6
        y6 = y5
        y5 = y4
        y4 = y3
        y3 = y2
        y2 = y1
        y1 = y
    return y1


def chain7_copies(x):
    a = x
    b = c = d = e = f = g = 0.0
    for _i in range(9):
        g = f
        f = e
        e = d
        d = c
        c = b
        b = a * 1.5
    return g


def rotate10(x):
    """Ten variables rotated by one each trip, one of them scaled."""
    a0 = x
    a1 = a2 = a3 = a4 = a5 = a6 = a7 = a8 = a9 = 0.5
    for _i in range(14):
        t = a9
        a9 = a8
        a8 = a7
        a7 = a6
        a6 = a5
        a5 = a4
        a4 = a3
        a3 = a2
        a2 = a1
        a1 = a0 * 1.1
        a0 = t + 0.5 * a0
    return a5


def rotate_tuple(x):
    """The same rotation written as one tuple assignment."""
    a0 = x
    a1 = a2 = a3 = a4 = a5 = a6 = 0.5
    for _i in range(15):
        a0, a1, a2, a3, a4, a5, a6 = a6 + 0.1 * a0, a0 * 1.1, a1, a2, a3, a4, a5
    return a4


def shift_register(u, w):
    """A length-8 delay line of arrays, read only at its far end."""
    r0 = r1 = r2 = r3 = r4 = r5 = r6 = r7 = np.zeros_like(w)
    for n in range(len(u)):
        r7 = r6
        r6 = r5
        r5 = r4
        r4 = r3
        r3 = r2
        r2 = r1
        r1 = r0
        r0 = np.tanh(u[n] * w)
    return np.sum(r7 * r7)


def nested_carried(x, y):
    p = x
    q = y
    r = s = t = u = v = 1.0
    for _i in range(3):
        for _j in range(7):
            v = u * 0.5
            u = t + 0.2
            t = s * 1.5
            s = r + 0.1
            r = q * 0.9
            q = p
        p = v + p * 0.5
    return p


def nested_both_carry(x):
    """Both loops carry chains longer than four variables."""
    a = x
    b = c = d = e = f = 0.0
    g = h = k = m = n = 0.0
    for _i in range(9):
        for _j in range(7):
            f = e
            e = d
            d = c
            c = b
            b = a * 0.8
        n = m
        m = k
        k = h
        h = g
        g = f + np.sin(a)
        a = a + 0.1 * n
    return n


def while_chain7(x):
    a = x
    b = c = d = e = f = g = 0.0
    k = 0
    while k < 11:
        g = f
        f = e
        e = d
        d = c
        c = b
        b = np.cos(a)
        k += 1
    return g * g


def branch_chain6(x):
    a = x
    b = c = d = e = f = 1.0
    for i in range(12):
        if i % 2 == 0:
            f = e * 1.2
            e = d
        else:
            f = e
            e = d * 0.7
        d = c
        c = b
        b = a * a
    return f


@pytest.mark.parametrize("target", TARGETS)
def test_chain_of_five(target):
    check(chain5_mul, (1.5,), target=target)  # 32 x


@pytest.mark.parametrize("target", TARGETS)
def test_sixth_order_filter(target):
    u = np.linspace(0.1, 1.0, 20)
    check(iir6, (u, 0.7), wrt=1, target=target)
    if target == "python":
        check(iir6, (u, 0.7), wrt=0)


@pytest.mark.parametrize("f, args, wrt", [
    (chain7_copies, (1.3,), 0),
    (rotate10, (1.3,), 0),
    (rotate_tuple, (1.3,), 0),
    (shift_register, (np.linspace(-1.0, 1.0, 12), np.array([0.3, -0.8, 1.1])), 1),
    (nested_carried, (0.7, 0.3), (0, 1)),
    (nested_both_carry, (0.4,), 0),
    (while_chain7, (0.6,), 0),
    (branch_chain6, (0.9,), 0),
], ids=["chain7_copies", "rotate10", "rotate_tuple", "shift_register", "nested_carried",
        "nested_both_carry", "while_chain7", "branch_chain6"])
def test_long_carried_chains(f, args, wrt):
    check(f, args, wrt=wrt)


def test_long_rotation_compiled():
    check(rotate10, (1.3,), target="cpu")


# --- 2. ranges with float ends ------------------------------------------------------------------


def linspace_squares(a, b):
    return np.sum(np.linspace(a, b, 5) ** 2)


def linspace_open(a, b):
    return np.sum(np.sin(np.linspace(a, b, 7, endpoint=False)) * np.arange(7))


def linspace_grid(t0, t1, k):
    t = np.linspace(t0, t1, 9)
    return np.sum(np.exp(-k * t) * t)


def linspace_one(a, b):
    return np.sum(np.linspace(a, b, 1) ** 2)


def linspace_of_arrays(lo, hi):
    return np.sum(np.linspace(lo, hi, 4, axis=-1) ** 3)


def arange_float(a, step):
    return np.sum(np.arange(a, 3.0, step) ** 2)


def arange_stop_only(n, w):
    return np.sum(np.arange(n) * w ** 2)


def arange_times(dt, phase):
    t = np.arange(0.0, 2.0, 0.25) * dt
    return np.sum(np.cos(t + phase))


@pytest.mark.parametrize("target", TARGETS)
def test_linspace_ends(target):
    check(linspace_squares, (1.0, 2.0), wrt=(0, 1), target=target)
    check(linspace_open, (0.3, 1.2), wrt=(0, 1), target=target)


@pytest.mark.parametrize("target", TARGETS)
def test_arange_start_and_step(target):
    check(arange_float, (0.3, 0.4), wrt=(0, 1), target=target)


@pytest.mark.parametrize("f, args, wrt", [
    (linspace_grid, (0.2, 1.7, 0.9), (0, 1, 2)),
    (linspace_one, (0.5, 1.5), (0, 1)),
    (linspace_of_arrays, (np.array([0.1, 0.5, -0.3]), 1.2), (0, 1)),
    (arange_stop_only, (3.3, 0.7), (0, 1)),  # the stop sets the length only: 0
    (arange_times, (0.8, 0.3), (0, 1)),
], ids=["grid", "one", "arrays", "stop_only", "times"])
def test_range_variants(f, args, wrt):
    check(f, args, wrt=wrt)


# --- 3. conversions to integer and bool dtypes ---------------------------------------------------


def astype_int(x):
    return np.sum(x.astype(int) * x)


def astype_int64(x):
    return np.sum(x.astype(np.int64) * x)


def astype_bool(x):
    return np.sum(x.astype(bool) * x ** 2)


def asarray_int(x):
    return np.sum(np.asarray(x, dtype=int) * x)


def array_bool_positional(x):
    return np.sum(np.array(x, bool) * np.sin(x))


def astype_string(x):
    return np.sum(x.astype("int32") * x + x.astype("float64"))


def astype_like(x, k):
    return np.sum(x.astype(k.dtype) * x)


def scalar_casts(x):
    s = 0.0
    for i in range(len(x)):
        s += int(x[i]) * x[i] + float(x[i]) ** 2 + np.int64(x[i]) * x[i]
    return s


def full_int(x):
    return np.sum(np.full(3, x[0], dtype=int) * x)


def full_like_ints(x, n):
    return np.sum(np.full_like(n, x[1]) * x + np.full_like(x, x[0]))


X_CAST = np.array([0.6, 1.7, 2.2])


@pytest.mark.parametrize("target", TARGETS)
def test_cast_to_int(target):
    check(astype_int, (X_CAST,), target=target)  # floor(x)
    check(astype_bool, (X_CAST,), target=target)


@pytest.mark.parametrize("f", [astype_int64, asarray_int, array_bool_positional, astype_string,
                               scalar_casts, full_int])
def test_cast_variants(f):
    check(f, (X_CAST,))


def test_full_like_an_integer_array():
    check(full_like_ints, (X_CAST, np.array([1, 2, 3])))


@pytest.mark.parametrize("k", [np.array([1, 2]), np.array([1.0])], ids=["int", "float"])
def test_cast_to_a_dtype_known_when_run(k):
    check(astype_like, (X_CAST, k))


# --- 4. a scatter through an integer index computed at run time ----------------------------------


def lag_product(a, k):
    s = 0.0
    for i in range(k, len(a)):
        s += a[i] * a[i - k]
    return s


def lag_from_array(a, warr):
    w = warr[0]
    s = 0.0
    for i in range(w, len(a)):
        s += a[i] * a[i - w]
    return s


def camera_rows(cams, pts, obs):
    e = 0.0
    for i in range(obs.shape[0]):
        c = cams[obs[i, 0]]
        p = pts[obs[i, 1]]
        r = c[0] * p[0] + c[1] * p[1] - c[2]
        e += r * r
    return e


def element_and_row_slice(m, ij):
    s = 0.0
    for k in range(ij.shape[0]):
        s += m[ij[k, 0], ij[k, 1]] ** 2 + np.sum(m[ij[k, 0], 1:])
    return s


RNG = np.random.default_rng(7)
CAMS = RNG.normal(size=(3, 3))
PTS = RNG.normal(size=(4, 2))
OBS = np.array([[0, 1], [2, 3], [0, 0], [1, 2], [2, 1]])


@pytest.mark.parametrize("target", TARGETS)
def test_lag_by_an_integer_argument(target):
    check(lag_product, (np.linspace(0.1, 1.0, 10), 2), target=target)


@pytest.mark.parametrize("target", TARGETS)
def test_rows_picked_by_an_integer_matrix(target):
    check(camera_rows, (CAMS, PTS, OBS), wrt=(0, 1), target=target)


@pytest.mark.parametrize("f, args", [
    (lag_from_array, (np.linspace(0.1, 1.0, 10), np.array([3]))),
    (element_and_row_slice, (CAMS, OBS[:, ::-1] % 3)),
], ids=["lag_from_array", "element_and_row_slice"])
def test_computed_index_variants(f, args):
    check(f, args)


def test_computed_index_with_a_slice_compiled():
    check(element_and_row_slice, (CAMS, OBS[:, ::-1] % 3), target="cpu")


# --- 5. derivatives of higher order that became constant -----------------------------------------


def square(a):
    return a ** 2


def cube(a):
    return a ** 3


def linear_in_b(a, b):
    return a * a + 3.0 * b


def ignores_b(a, b):
    return a ** 2


@pytest.mark.parametrize("target", TARGETS)
def test_third_derivative_of_square_is_zero(target):
    second = sg.grad(sg.grad(square, target=target), target=target)
    assert second(1.0) == 2.0
    assert sg.grad(second, target=target)(1.0) == 0.0


def test_higher_derivatives_by_hand():
    d1 = sg.grad(cube, target="python")
    d2 = sg.grad(d1, target="python")
    d3 = sg.grad(d2, target="python")
    d4 = sg.grad(d3, target="python")
    a = 1.3
    assert d1(a) == pytest.approx(3 * a * a)
    assert d2(a) == pytest.approx(6 * a)
    assert d3(a) == pytest.approx(6.0)
    assert d4(a) == 0.0
    # d/db (df/da) = d/db (2a) = 0: b reaches the output as written
    cross = sg.grad(sg.grad(linear_in_b, wrt=0, target="python"), wrt=1, target="python")
    assert cross(0.5, 2.0) == 0.0
    # d/da (df/db) = d/da 3 = 0
    other = sg.grad(sg.grad(linear_in_b, wrt=1, target="python"), wrt=0, target="python")
    assert other(0.5, 2.0) == 0.0
    # b never reaches the output of `ignores_b` as written: None stays None
    unread = sg.grad(sg.grad(ignores_b, wrt=0, target="python"), wrt=1, target="python")
    assert unread(0.5, 2.0) is None


# --- value_and_grad's value, when the reverse sweep undoes writes into it ---------------------
#
# The reverse sweep restores an array it wrote into (`y[i] = ...`) when it needs
# the old values; the value returned must be copied first, also when it is
# another name that may share the array (`r = y if c else x`: found by the
# fuzzer, seed 1386: the value came back as the zeros y started from).


def result_may_be_restored(x):
    y = np.zeros(3)
    for i in range(3):
        y[i] = x[i] * x[i]
    r = y if x[0] > -10.0 else x
    return r


def result_may_be_restored_pair(x):
    y = np.zeros(3)
    for i in range(3):
        y[i] = x[i] * x[i]
    r = y if x[0] > -10.0 else x
    return np.sum(r), r


@pytest.mark.parametrize("target", TARGETS)
def test_value_of_a_result_the_reverse_sweep_restores(target):
    x = np.array([1.0, 2.0, 3.0])
    g = np.array([0.5, -1.0, 2.0])
    value, grad = sg.value_and_grad(result_may_be_restored, target=target)(x, grad_ys=g)
    np.testing.assert_array_equal(value, result_may_be_restored(x))
    assert_gradient(sg.grad(result_may_be_restored, target=target), result_may_be_restored,
                    (x,), grad_ys=g)
    np.testing.assert_allclose(grad, 2.0 * x * g)
    value, grad = sg.value_and_grad(result_may_be_restored_pair, target=target)(
        x, grad_ys=(1.0, g))
    np.testing.assert_array_equal(value[1], x * x)
    assert value[0] == pytest.approx(14.0)
    np.testing.assert_allclose(grad, 2.0 * x * (1.0 + g))


# --- found by the fuzzer and by kernels from outside (issue 15, second round) ---


def trace(a):
    """A user's function named like one of srcgrad's helpers (`trace_grad`
    is one): its gradient function must not shadow the helper."""
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i, i] * a[i, i]
    return s


def cumsum(x):
    return np.sum(np.cumsum(x) * x)


@pytest.mark.parametrize("target", TARGETS)
def test_user_functions_named_like_helpers(target):
    a = np.arange(9.0).reshape(3, 3) / 4.0
    np.testing.assert_allclose(sg.grad(trace, target=target)(a), 2.0 * np.diag(np.diag(a)))
    x = np.array([0.3, -1.2, 0.8, 2.0])
    assert_gradient(sg.grad(cumsum, target=target), cumsum, (x,))


DEBUG = False


def relax_unless_debugging(x, n):
    y = x
    k = 0
    while k < n and DEBUG:  # never runs: Numba drops the loop, and srcgrad with it
        y = np.sin(y) * x  # would push y for the reverse sweep
        k += 1
    return y * y * x


@pytest.mark.parametrize("target", TARGETS)
def test_while_loop_whose_test_is_constant_false(target):
    """d/dx x^3 = 3 x^2: the loop never runs (it once failed to compile on cpu,
    its stack pushes dropped by Numba while the reverse sweep popped them)."""
    df = sg.grad(relax_unless_debugging, wrt=0, target=target)
    assert df(1.5, 4) == pytest.approx(3.0 * 1.5 ** 2)


def first_trip_returns(x, y):
    if x < y:
        for _ in range(3):
            x = x * np.sin(x)
            return x * x  # the loop never runs a second trip
    return x + y


@pytest.mark.parametrize("target", TARGETS)
def test_return_in_the_first_trip_of_a_loop(target):
    """d/dx (x sin x)^2 = 2 x sin(x) (sin x + x cos x) where x < y (the cpu
    target once failed to compile it: the save of `x` stood between the flag
    and the loop's exit, and Numba folded the exit's constant test)."""
    x = 0.3
    value, g = sg.value_and_grad(first_trip_returns, wrt=0, target=target)(x, 0.7)
    assert value == pytest.approx((x * np.sin(x)) ** 2)
    assert g == pytest.approx(2 * x * np.sin(x) * (np.sin(x) + x * np.cos(x)))
    assert sg.grad(first_trip_returns, wrt=(0, 1), target=target)(0.9, 0.2) == pytest.approx(
        (1.0, 1.0))


# --- a helper that returns a tuple of one -----------------------------------------------------


def _one_tuple(x):
    return (x * 2.0,)


def _one_tuple_bare(x):
    return x * np.sin(x),


def indexes_one_tuple(x):
    return np.sum(_one_tuple(x)[0] * x)


def unpacks_one_tuple(x):
    (a,) = _one_tuple_bare(x)
    b, = _one_tuple(a)
    return np.sum(b)


@pytest.mark.parametrize("target", TARGETS)
def test_helper_returning_a_tuple_of_one(target):
    x = np.array([1.0, 2.0, -0.5])
    np.testing.assert_allclose(sg.grad(indexes_one_tuple, target=target)(x), 4.0 * x)
    np.testing.assert_allclose(sg.grad(unpacks_one_tuple, target=target)(x),
                               2.0 * (np.sin(x) + x * np.cos(x)))
