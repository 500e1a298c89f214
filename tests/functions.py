"""The function corpus: many small functions, one construct each, and the table
`CASES` that says how to call each one (Tangent's `tests/functions.py`).

`test_corpus.py` differentiates every row with every target and checks the
result against central finite differences of the original function
(`gradcheck.py`).  Inputs are drawn from a seeded generator inside the smooth
domain of each function: away from kinks, ties and the points where a data-
dependent branch or loop count would switch (no switch within ±1e-5 of any
input element).

A row whose gradient is not the plain derivative of `fn` (a local variable in
`wrt`, `stop_gradients`, `sg.stop_gradient`) names an `oracle`: a rewritten
function whose finite differences give the expected gradient, usually `fn`
with an extra input added to (or replacing) the value in question.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np

import srcgrad as sg
from bench.kernels import floyd_warshall, fpu_verlet, thomas


@dataclass(frozen=True)
class Case:
    """One row of the corpus.

    fn: the function to differentiate (module level, in this file).
    args_factory: `args_factory(rng) -> tuple` of arguments.
    wrt, grad_ys: as in `sg.grad` / the gradient function.
    note: what the row exercises (and why the inputs are what they are).
    tag: distinguishes several rows of one function in test ids.
    options: further keywords for `sg.grad` (`stop_gradients`,
        `unconnected_gradients`, `preserve_result`).
    api: "grad", or "value_and_grad" to build the gradient with `sg.value_and_grad`.
    exact: wrt position -> "none" | "zero": entries that must be exactly `None`
        / exactly zeros (unconnected inputs), not compared by finite differences.
    oracle: `oracle(args) -> (f, f_args, f_wrt)`: differentiate `f` at `f_args`
        with respect to the positions `f_wrt` (one per `wrt` entry) instead of `fn`.
    rtol, atol: tolerances of the comparison with finite differences.
    targets: where the row runs; a row leaves out "cpu" only for NumPy code that
        Numba itself cannot type (a variable that changes type inside a loop).
    """

    fn: Callable
    args_factory: Callable[[np.random.Generator], tuple]
    wrt: Any = 0
    grad_ys: Any = None
    note: str = ""
    tag: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    api: str = "grad"
    exact: Mapping[int, str] = field(default_factory=dict)
    oracle: Callable | None = None
    rtol: float = 1e-5
    atol: float = 1e-6
    targets: tuple[str, ...] = ("python", "cpu")

    @property
    def id(self) -> str:
        return f"{self.fn.__name__}-{self.tag}" if self.tag else self.fn.__name__

    @property
    def wrt_tuple(self) -> tuple:
        return (self.wrt,) if isinstance(self.wrt, (int, str)) else tuple(self.wrt)

    @property
    def preserve_result(self) -> bool:
        return self.api == "value_and_grad" or bool(self.options.get("preserve_result"))

    def make_args(self) -> tuple:
        return tuple(self.args_factory(np.random.default_rng(0)))

    def gradient_function(self, target: str):
        if self.api == "value_and_grad":
            return sg.value_and_grad(self.fn, wrt=self.wrt, target=target, **self.options)
        return sg.grad(self.fn, wrt=self.wrt, target=target, **self.options)


# --- input helpers (not differentiated) ------------------------------------------------


def unif(rng, shape=(), lo=-1.0, hi=1.0):
    """Uniform in [lo, hi): a float for shape (), else an array."""
    value = rng.uniform(lo, hi, shape)
    return float(value) if shape == () else value


def away(rng, shape=(), lo=0.3, hi=1.5):
    """Random sign times uniform in [lo, hi): at least `lo` away from zero."""
    value = rng.choice([-1.0, 1.0], shape) * rng.uniform(lo, hi, shape)
    return float(value) if shape == () else value


def distinct(rng, shape, gap=0.3):
    """Values at least `gap` apart from each other (no ties for max/min)."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * gap + rng.uniform(0.0, 0.05, n) - 0.5 * gap * n).reshape(shape)


# =======================================================================================
# Straight-line arithmetic on scalars and arrays
# =======================================================================================


def add_sub(x, y):
    return x + y - 2.0 * x * y


def mul_div(x, y):
    return x * y / (y * y + 1.0)


def pow_int(x):
    return x**3 - x**2


def pow_float(x):
    return x**2.5


def pow_both(x, y):
    return x**y


def rpow(x):
    return 2.0**x


def unary_neg(x):
    return -(x * x) + -x


def builtin_abs(x):
    return abs(x) * x + abs(x - 3.0)


def np_abs_array(x):
    return np.sum(np.abs(x) * 2.0)


def rdiv_rsub(x):
    return 1.0 / x + (2.0 - x) * 3.0


def scalar_array_broadcast(x, s):
    return x * s + s / (x * x + 1.0)


def row_broadcast(a, b):
    return a * b - b / 2.0 + a


def outer_broadcast(a, b):
    return a * b + a / (b * b + 1.0)


def vec_dot_vec(x, y):
    return x @ y


def mat_vec(a, x):
    return a @ x


def vec_mat(x, a):
    return x @ a


def mat_mat(a, b):
    return a @ b


def quadratic_form(x, a):
    return x @ (a @ x)


def np_dot_1d(x, y):
    return np.dot(x, y)


def np_dot_mv(a, x):
    return np.dot(a, x)


def np_dot_2d(a, b):
    return np.dot(a, b)


def np_matmul(a, b):
    return np.matmul(a, b) * 2.0


def np_outer(x, y):
    return np.outer(x, y)


def seed000_matmul(w1):
    return w1 @ np.array([[9.0], [10.0]])


def straight_line_chain(x, y):
    a = x * y
    b = a + x
    c = b / y
    d = c - a * 0.5
    return d * d


# =======================================================================================
# NumPy and math functions
# =======================================================================================


def trig(x):
    return np.sin(x) * np.cos(x) + np.tan(x)


def inverse_trig(x):
    return np.arcsin(x) + np.arccos(0.5 * x) + np.arctan(3.0 * x)


def np_arctan2(y, x):
    return np.arctan2(y, x)


def hyperbolic(x):
    return np.sinh(x) + np.cosh(x) * np.tanh(x)


def exp_expm1(x):
    return np.exp(-x) * np.expm1(x)


def logs(x):
    return np.log(x) + np.log1p(x) + np.log2(x) * np.log10(x)


def sqrt_square(x):
    return np.sqrt(x) + np.square(x)


def np_power(x, y):
    return np.power(x, 3) + np.power(x, y)


def np_maximum(a, b):
    return np.maximum(a, b) * a


def np_minimum(a, b):
    return np.minimum(a, b) + np.minimum(a, 0.5)


def relu(x):
    return np.maximum(x, 0.0)


def np_where(x):
    return np.where(x > 0, x * x, -3.0 * x)


def np_where_two(x, y):
    return np.where(x < 0.0, np.sin(x), y * x)


def np_clip(x):
    return np.clip(x, -0.5, 0.5) * x


def sum_all(x):
    return np.sum(x * x)


def sum_axis0(x):
    return np.sum(x * x, axis=0)


def sum_axis_negative(x):
    s = np.sum(x, axis=-1)
    return s * s


def sum_axis_tuple(x):
    return np.sum(np.sin(x), axis=(0, 2))


def sum_keepdims(x):
    return x / np.sum(x * x, axis=1, keepdims=True)


def mean_all(x):
    return np.mean(np.exp(x))


def mean_axis(x):
    return np.mean(x * x, axis=1)


def mean_keepdims(x):
    d = x - np.mean(x, axis=0, keepdims=True)
    return np.sum(d * d)


def mean_axis_tuple(x):
    return np.mean(x * x, axis=(1, 2))


def max_min_all(x):
    return np.max(x) * 2.0 + np.min(x)


def max_min_axis(x):
    return np.max(x, axis=1) * np.min(x, axis=-1)


def max_keepdims(x):
    return np.exp(x - np.max(x, axis=1, keepdims=True))


def min_axis0(x):
    return np.min(np.exp(x), axis=0) * 3.0


def prod_all(x):
    return np.prod(x)


def prod_axis(x):
    return np.prod(x, axis=0)


def np_transpose(a):
    return np.transpose(a) @ a


def attribute_t(a, b):
    return a.T @ b


def reshape_tuple(x):
    y = np.reshape(x, (2, 3))
    return y * np.arange(3.0)


def reshape_method_args(x):
    y = x.reshape(2, 3)
    return np.sum(y, axis=1) ** 2


def reshape_method_tuple(x):
    y = np.sin(x).reshape((3, 2))
    return y[:, 0] * y[:, 1]


def np_squeeze(x):
    return np.squeeze(x) * np.arange(3.0)


def np_expand_dims(x):
    return np.expand_dims(x, 0) * np.expand_dims(x, 1)


def np_concatenate(a, b):
    return np.concatenate((a, b * 2.0)) ** 2


def np_concatenate_axis1(a, b):
    return np.sin(np.concatenate((a, b), axis=1))


def np_stack(a, b):
    return np.stack((a, b)) * np.arange(2.0)[:, None]


def np_stack_axis1(a, b):
    return np.stack((a, b, a * b), axis=1) ** 2


def norm_vector(x):
    return np.linalg.norm(x)


def norm_normalize(x):
    return x / np.linalg.norm(x)


def norm_matrix(a):
    return np.linalg.norm(a * 2.0)


def math_unary(x):
    return math.sin(x) * math.exp(x) + math.log(x) + math.sqrt(x) + math.tanh(x)


def math_binary(x, y):
    return math.atan2(y, x) + math.pow(x, y) + math.cos(y) + math.atan(x) + math.cosh(y)


def math_more(x):
    a = math.asin(x) + math.acos(x) + math.log1p(x) + math.expm1(x)
    b = math.log2(x) + math.log10(x) + math.sinh(x) + math.tan(x)
    return a * b


def builtin_min_max(a, b):
    return min(a, b) * 2.0 + max(a, b) ** 2


def builtin_float(x, v):
    return float(x) * np.sum(v) + float(v[0] * v[1])


def method_sum(x):
    return x.sum() * x.sum(axis=0)


def method_sum_positional(x):
    return (x * x).sum(0)


def method_mean(x):
    return (x * x).mean() + x.mean(axis=1)


def method_dot(x, y):
    return x.dot(y)


def method_t_dot(a, x):
    return a.T.dot(x)


# =======================================================================================
# Overwrites and augmented assignment
# =======================================================================================


def overwrite_repeated(x):
    x = x * 2
    x = x * 2
    x = np.sin(x)
    x = x * x
    return x


def overwrite_new_shape(x):
    x = x * x
    x = x.reshape(-1)
    x = x[1:] * x[:-1]
    return np.sum(x)


def overwrite_scalar_to_array(x, s):
    s = s * x
    s = np.sum(s * s)
    return s


def augassign_arrays(x, y):
    z = x * 1.0
    z += y
    z -= 2.0 * x
    z *= y
    z /= x * x + 1.0
    return z


def augassign_scalar(x):
    s = 0.0
    s += x
    s *= x
    s -= 1.0
    s /= 2.0
    s += x**3
    return s


def augassign_param_array(x):
    x *= 2.0
    x += 1.0
    x /= 3.0
    return np.sum(x * x)


# =======================================================================================
# Control flow
# =======================================================================================


def if_elif_else(x):
    if x > 1.0:
        y = x * x
    elif x > 0.0:
        y = np.sin(x)
    else:
        y = -(x**3)
    return y * 2.0


def if_without_else(x):
    y = x * 3.0
    if x < 0.5:
        y = y * y
    return y


def nested_if(x, y):
    if x > 0:
        if y > 0:
            r = x * y
        else:
            r = x - y * y
    else:
        if y > 0:
            r = np.exp(x) * y
        else:
            r = x * x * y
    return r


def if_on_reduction(x):
    if np.sum(x) > 0:
        y = x * x
    else:
        y = np.sin(x)
    return y


def conditional_expression(x):
    y = x * x if x > 0.5 else -x
    return y + (1.0 if x < 2.0 else x)


def conditional_expression_array(x):
    s = np.sum(x)
    return x * s if s > 0 else x / s


def compare_chain_and_or(x, y):
    if x > 0.0 and y > 0.0:
        return x * y
    if x < 0.0 or y < -1.0:
        return x + y * y
    return x - y


def while_doubling(x):
    y = x
    while np.linalg.norm(y) < 10.0:
        y = y * 2.0
    return y


def while_newton_sqrt(a):
    x = a
    k = 0
    while abs(x * x - a) > 1e-13 * a and k < 50:
        x = 0.5 * (x + a / x)
        k += 1
    return x


def while_newton_cube_root(a):
    x = 1.0
    k = 0
    while k < 100:
        step = (x * x * x - a) / (3.0 * x * x)
        x = x - step
        if abs(step) < 1e-14:
            break
        k = k + 1
    return x


def for_range(x, n):
    s = 0.0
    for i in range(n):
        s = s * x + float(i)
    return s


def for_range_start_stop(x):
    y = x
    for i in range(2, 6):
        y = y * x + i
    return y


def for_range_step(x):
    y = 0.0
    for i in range(1, 10, 3):
        y = y + np.sin(i * x)
    return y


def for_range_negative_step(x):
    acc = 0.0
    for i in range(len(x) - 1, -1, -1):
        acc = acc * 0.5 + x[i] * x[i]
    return acc


def for_range_negative_step_scalar(x):
    y = 1.0
    for i in range(5, 0, -2):
        y = y * x + 1.0 / i
    return y


def for_break(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i] * x[i]
        if s > 2.0:
            break
    return s


def for_continue(x):
    s = 0.0
    for i in range(len(x)):
        if x[i] < 0:
            continue
        s = s + x[i] ** 2
    return s


def early_return_if(x):
    if x < 0:
        return -x * 2.0
    y = x * x
    return y + 1.0


def return_in_for(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i]
        if s > 1.5:
            return s * 2.0
    return s


def return_in_while(x):
    y = x
    k = 0
    while k < 100:
        y = y * 1.5
        if y > 10.0:
            return y - x
        k += 1
    return y


def loop_in_loop(a, x):
    s = 0.0
    for i in range(3):
        for j in range(4):
            s = s + a[i, j] * x[j] ** (i + 1)
    return s


def loop_in_loop_dependent(x):
    s = 0.0
    for i in range(len(x)):
        for j in range(i):
            s = s + x[i] * x[j]
    return s


def if_in_loop(x):
    s = 0.0
    for i in range(len(x)):
        if x[i] > 0:
            s = s + x[i] ** 2
        else:
            s = s - np.sin(x[i])
    return s


def loop_in_if(x):
    if np.sum(x) > 0:
        for _ in range(3):
            x = x * 1.1 + np.sin(x)
    else:
        for _ in range(2):
            x = x * x
    return x


def while_in_for(x):
    s = 0.0
    for i in range(len(x)):
        y = x[i]
        while y < 5.0:
            y = y * 2.0
        s = s + y
    return s


def for_in_while(x):
    y = x
    k = 0
    while np.sum(y) < 20.0:
        for i in range(3):
            y = y + y * 0.1 * (i + 1)
        k = k + 1
    return y * k


def break_inner_loop(x):
    s = 0.0
    for i in range(3):
        for j in range(len(x)):
            if j > i:
                break
            s = s + x[j] * (i + 1)
    return s * s


def continue_in_while(x):
    y = x
    k = 0
    s = 0.0
    while k < 6:
        k += 1
        y = y * 0.9
        if k % 2 == 0:
            continue
        s = s + y * y
    return s


def return_in_nested_loop(x):
    for i in range(len(x)):
        for j in range(len(x)):
            if x[i] * x[j] > 1.0:
                return x[i] * x[j] + i + j
    return x[0]


def zero_trip_loops(x):
    s = x * 2.0
    for _ in range(0):
        s = s * 100.0
    for i in range(5, 2):
        s = s + i
    while np.sum(s) > 1e6:
        s = s * 0.5
    return s


def loop_variable_after_loop(x):
    y = x
    for i in range(4):
        y = x * i
    return y * i + x[i]


def nested_all(x):
    s = 0.0
    for i in range(len(x)):
        v = x[i]
        if v > 0:
            k = 0
            while v < 3.0 and k < 10:
                v = v * 1.7
                k += 1
        else:
            for _ in range(2):
                v = v * v - 0.5
        s = s + v
    return s


def tuple_unpack_swap(x):
    a, b = x, 1.0
    for _ in range(4):
        a, b = b, a * b + 0.5
    return a + b


def elif_in_loop(x):
    s = 0.0
    for i in range(len(x)):
        if x[i] > 0.5:
            s = s + x[i] * x[i]
        elif x[i] > -0.5:
            s = s + np.sin(x[i])
        else:
            s = s - x[i] ** 3
    return s


def while_writes_counter_index(x):
    y = np.zeros(6)
    k = 0
    v = x
    while v < 8.0:
        y[k] = v * v
        v = v * 1.8
        k += 1
    return np.sum(y) + v


def matrix_power_loop(a, x):
    y = x
    for _ in range(3):
        y = a @ y
    return y


def data_dependent_trip_count(x):
    n = int(np.sum(x > 0.0))
    s = 1.0
    for i in range(n):
        s = s * x[i] + 1.0
    return s


def scalar_accumulator_of_arrays(x):
    s = 0.0
    for i in range(1, 4):
        s = s + x**i / i
    return s


# =======================================================================================
# Subscripts
# =======================================================================================


def read_index(x):
    return x[0] * x[2] + x[-1]


def read_2d_index(a):
    return a[1, 2] * a[0, 0] - a[-1, -2]


def read_slices(x):
    return np.sum(x[1:] * x[:-1]) + np.sum(x[::2] ** 2)


def read_column(a):
    return a[:, 0] * a[:, 1]


def read_row(a):
    return a[1] * a[2, :]


def read_newaxis(x):
    return x[None, :] * x[:, None]


def read_in_loop(w, x):
    s = 0.0
    for i in range(len(x)):
        s += w[i] * x[i]
    return s


def write_into_zeros(x):
    n = x.shape[0]
    y = np.zeros(n)
    for i in range(n):
        y[i] = x[i] ** 2 * (i + 1)
    return y


def write_row(x):
    a = np.zeros((3, 4))
    for i in range(3):
        a[i, :] = x * (i + 1.0)
    return np.sin(a)


def write_slice(x):
    y = np.zeros(6)
    y[0:3] = x * 2.0
    y[3:6] = np.sin(x)
    return y * y


def write_2d_element(x):
    n = len(x)
    a = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            a[i, j] = x[i] * x[j] + i
    return np.sum(a * a)


def augmented_write(x):
    y = np.zeros(3)
    for i in range(len(x)):
        y[i % 3] += x[i] * x[i]
    return y


def element_running_product(x):
    y = np.ones(2)
    for i in range(len(x)):
        y[0] = y[0] * x[i] + 0.1
        y[1] = y[0] - y[1] * x[i]
    return y


def slice_shift_write(x):
    y = x * 1.0
    for _ in range(3):
        y[1:] = y[:-1] * x[1:]
    return y


def growing_array(x):
    y = x[:1] * 1.0
    for i in range(1, len(x)):
        y = np.concatenate((y, y[-1:] * x[i:i + 1]))
    return y


def element_read_before_overwrite(x):
    y = x * 1.0
    s = 0.0
    for i in range(len(y)):
        old = y[i]
        y[i] = old * old
        s = s + old * y[i]
    return s


def return_written_element(x):
    y = np.zeros(3)
    for i in range(3):
        y[i] = x[i] * (i + 1.0)
        if y[i] > 1.0:
            return y[i] * x[0]
    return y[0]


def augmented_write_plain_index(x):
    y = np.ones(4)
    for i in range(4):
        y[i] += x[i] * x[i]
        y[i] *= x[i]
    return y


def augmented_write_row(x):
    a = np.zeros((3, 4))
    for i in range(3):
        a[i, :] += x * (i + 1.0)
        a[i, 1] -= x[0] * x[i]
    return np.sum(a * a)


def write_overwrites_element(x):
    y = np.zeros(3)
    y[1] = x[0] * x[1]
    y[1] = y[1] * y[1] + x[2]
    y[0] = np.sin(y[1])
    return y


def write_into_copy_method(x):
    y = x.copy()
    y[1] = y[0] * 3.0
    y[2] = y[2] * y[1]
    return y


def write_into_np_copy(x):
    y = np.copy(x)
    y[0] = y[0] * y[3]
    return np.sum(y * y)


def write_into_parameter(x):
    x[0] = 0.0
    x[1] = x[1] * x[2]
    return np.sum(x * x)


def write_into_parameter_row(a):
    a[0, :] = a[1, :] * 2.0
    return np.sum(np.sin(a))


def stencil(x):
    n = len(x)
    y = np.zeros(n)
    for i in range(1, n - 1):
        y[i] = x[i - 1] - 2 * x[i] + x[i + 1]
    return np.sum(y * y)


def cumsum_loop(x):
    c = np.zeros(len(x))
    acc = 0.0
    for i in range(len(x)):
        acc += x[i]
        c[i] = acc
    return c


def cumsum_in_place(x):
    c = x * 1.0
    for i in range(1, len(c)):
        c[i] += c[i - 1]
    return c * c


def computed_indices(x):
    n = len(x)
    s = 0.0
    for i in range(n - 1):
        s += x[i + 1] * x[n - 1 - i]
    return s


# =======================================================================================
# The user's own helper functions
# =======================================================================================


def calls_helper_defined_later(x):
    return square_plus(x, 1.0) * 2.0


def helper_calls_helper(x):
    return np.sum(outer_helper(x))


def helper_with_control_flow(x):
    return clipped_power(x[0]) + clipped_power(x[1]) * clipped_power(x[2])


def helper_returns_tuple(x):
    a, b = sin_and_cos(x)
    return a * b + a


def helper_keywords_defaults(x, y):
    return scaled(x, scale=3.0) + scaled(y) + scaled(x, 2.0, offset=y)


def helper_in_loop(x):
    s = x
    for _ in range(3):
        s = square_plus(s, 0.1) * 0.5
    return s


def helper_writes_array(x):
    y = filled(x, 4)
    return np.sum(y * y)


def helper_njit(x):
    return jitted_poly(x) * x


def helper_early_return_in_loop(x):
    s = 0.0
    for i in range(len(x)):
        s = s + clipped_power(x[i])
    return s


def helper_scalar_and_array(x):
    a, b = sin_and_cos(x[0])
    c, d = sin_and_cos(x)
    return np.sum(c * d) * a + b


def helper_mutates_argument(x):
    y = x * 1.0
    set_first(y, x[1])
    return y * y


def helper_tuple_of_element(x):
    a, b = sin_and_cos(x[1])
    return a * b + a


def helper_tuple_in_loop(x):
    s = 0.0
    for i in range(len(x)):
        a, b = sin_and_cos(x[i])
        s = s + a * b
    return s


def square_plus(v, c):
    return v * v + c


def outer_helper(v):
    return inner_helper(v) * v


def inner_helper(v):
    return np.exp(-v * v)


def clipped_power(v):
    if v < 0:
        return v * 0.5
    s = v
    for _ in range(2):
        s = s * v
    return s


def sin_and_cos(v):
    return np.sin(v), np.cos(v)


def scaled(v, scale=2.0, offset=0.0):
    return v * scale + offset * v


def filled(v, n):
    out = np.zeros(n)
    for i in range(n):
        out[i] = v * (i + 1)
    return out


def set_first(a, v):
    a[0] = v * v


@numba.njit
def jitted_poly(v):
    return v * v * 0.5 + v + 1.0


# =======================================================================================
# The API: outputs, grad_ys, stop_gradient(s), wrt, unconnected, preserve_result, dtypes
# =======================================================================================


def seed000_two_outputs(w1, w2, w3, w4):
    y1 = w1 + w2 + w3
    y2 = w3 + w4
    return y1, y2


def tuple_output_arrays(x, y):
    return np.sin(x) * y, np.sum(x * y)


def seed000_stopped(w1, w2, w3):
    a = w1 + w2
    return sg.stop_gradient(a) + w3


def stop_gradient_inner(x):
    return x * sg.stop_gradient(x * x)


def stop_gradient_inner_oracle(x, c):
    return x * c


def stopped_local(x):
    y = np.sin(x)
    return y * x


def stopped_local_oracle(x, y):
    return y * x


def seed002_sum(a):
    b = 2.0 * a
    return a + b


def seed002_sum_oracle(a, b_shift):
    b = 2.0 * a + b_shift
    return a + b


def seed002_sum_stopped(a, b):
    return a + b


def seed002_z(x):
    y = x * x
    z = y**2
    return z


def seed002_z_oracle(x, y_shift):
    y = x * x + y_shift
    z = y**2
    return z


def local_wrt_array(x):
    h = np.sin(x)
    out = np.sum(h * x)
    return out


def local_wrt_array_oracle(x, h):
    out = np.sum(h * x)
    return out


def dense_layer(x, w, b):
    return np.tanh(w @ x + b)


def unused_parameter(x, y):
    return x * x


def through_floor_only(x, y):
    return x * np.floor(y)


def value_and_gradient(x):
    return np.sum(np.exp(x) * x)


def int_times_float(n, x):
    return n * x


def int_array_input(k):
    return np.sum(k * k * 0.5)


def int_loop_count(x, n):
    y = x
    for _ in range(n):
        y = np.sin(y) + x
    return y


def bool_branch(x, flag):
    if flag:
        return x * x
    return -x


def bool_scale(x, flag):
    return x * flag + x


def float32_elementwise(x):
    return np.sum(np.sin(x) * x)


def float32_scalar_loop(x):
    y = x
    for _ in range(3):
        y = np.tanh(y) + np.sqrt(y * y + 1.0) - np.arctan(y)
    return y


def float32_power(x):
    return np.sum(x ** 0.5 * 3.0)


def float32_matvec(a, x):
    return np.tanh(a @ x)


def nondifferentiable_values(x):
    s = np.sign(x)
    f = np.floor(x * 3.0)
    n = x.shape[0]
    m = len(x)
    k = n // 2
    r = m % 3
    z = np.zeros_like(x)
    return np.sum(s * x * x + f * x + z) * k + r * x[0]


def attributes_not_int(x):
    s = 0.0
    if not (x.ndim == 2 and x.size > 100):
        s = np.sum(x * x) * x.size
    m = int(x.shape[1] / 2)
    return s + np.sum(x[:, m])


def int_of_value_as_index(x):
    k = int(x[0] * 3.0)
    return x[k] * x[k + 1]


def stop_gradient_in_loop(x):
    y = x
    for _ in range(3):
        y = y * sg.stop_gradient(y) + x
    return y


def stop_gradient_in_loop_oracle(x, c0, c1, c2):
    y = x * c0 + x
    y = y * c1 + x
    y = y * c2 + x
    return y


def stop_gradient_in_loop_constants(x):
    """The oracle's arguments: x and the values that sg.stop_gradient froze."""
    c0 = x
    c1 = c0 * c0 + x
    c2 = c1 * c1 + x
    return x, c0, c1, c2


def comparison_mask(x):
    mask = x > 0.0
    return np.sum(mask * x * x)


def integer_counter(x):
    count = 0
    s = 0.0
    for i in range(len(x)):
        if x[i] > 0:
            count += 1
        s = s + x[i] * count
    return s


def with_print(x):
    y = x * x
    print("y =", y)
    return y + 1.0


# =======================================================================================
# Idioms numerical users write
# =======================================================================================


def euler_ode(k, y0):
    y = y0
    dt = 0.01
    for _ in range(100):
        y = y + dt * (-k * y + np.sin(y))
    return y


def heat_equation(u0, k):
    u = u0 * 1.0
    for _ in range(5):
        lap = u[2:] - 2.0 * u[1:-1] + u[:-2]
        u[1:-1] = u[1:-1] + k * lap
    return np.sum(u * u)


def rk4_step(y, h):
    k1 = rhs(y)
    k2 = rhs(y + 0.5 * h * k1)
    k3 = rhs(y + 0.5 * h * k2)
    k4 = rhs(y + h * k3)
    return y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def rhs(y):
    return -y + np.sin(y) * 0.5


def horner(c, x):
    p = 0.0
    for i in range(len(c)):
        p = p * x + c[i]
    return p


def logistic_regression_loss(w, features, labels):
    z = features @ w
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.mean(labels * np.log(p) + (1.0 - labels) * np.log(1.0 - p))


def log_sum_exp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def mlp_loss(w1, b1, w2, b2, inputs, targets):
    h = np.tanh(inputs @ w1 + b1)
    out = h @ w2 + b2
    d = out - targets
    return np.mean(d * d)


def rosenbrock(x):
    s = 0.0
    for i in range(len(x) - 1):
        s = s + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def pairwise_distances(points):
    n = points.shape[0]
    total = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            d = points[i, :] - points[j, :]
            total = total + np.sqrt(np.sum(d * d))
    return total


def damped_oscillator(k, c):
    t = 0.0
    dt = 0.01
    x = 1.0
    v = 0.0
    while t < 1.0:
        a = -k * x - c * v
        v = v + dt * a
        x = x + dt * v
        t = t + dt
    return x


def negative_constant_base(x):
    return x * (-0.5) ** 2 + (-x) ** 3


def self_copy_in_branch(x):
    y = x * 2.0
    if x > 0.0:
        y = y
    else:
        y = y * 3.0
    return y


def view_read_then_written_in_branch(x):
    if x[0] < 1.0:
        a = np.tanh(x[1:])
        x[1] = 0.0
        x[2] = x[2] * np.sum(a)
    return x


def written_after_early_return(x):
    if x[1] >= 0.13:
        return x[1]
    y = x * 2.0
    y[0] = 0.0
    return x[0] * y[0]


def written_in_loop_at_computed_index(x):
    acc = 0.0
    for i in range(3):
        acc += x[i] * x[i]
    for i in range(2):
        x[2 - i] = 0.0
    return acc


def written_then_rebound_in_branch(x0, x1):
    u = x0 * x1
    if x0 < 5.0:
        x1[1] -= 1.31
        x1 = np.ones(3)
    return u


def slice_squared_then_rebound_in_loop(x):
    a = x * 1.0
    a[0:2] = a[:2] * a[:2]
    for _ in range(1):
        a = a + 1.0
    return a


def fresh_array_written_beside_alias(x0, x2):
    a6 = x2
    a7 = x2[1:]
    if x0 < 1.0:
        for i in range(2):
            a3 = -x2
            s4 = a3[i] if i > 0 else a6[i]
            a3[i] += s4
    return a7[1]


DEBUG_BRANCH = True


def constant_branches(x):
    if DEBUG_BRANCH:
        pass
    else:
        x -= np.sinh(x)
    if ((-0.51) * 0.5) < ((-1.69) ** 2):
        y = x * 2.0
    else:
        for _ in range(3):
            if x > 0.3:
                x = x * 1.5
        y = x
    return y * x


def return_in_for_inside_if(x0, x1):
    if x1 > 0.0:
        for _ in range(3):
            return x0 * 2.0
    return x0 * x1


def constant_or_in_elif(x):
    if x > 5.0:
        y = x * x
    elif (0.74 / 1.59) > 0.14 or x > 1.0:
        y = np.sin(x)
    else:
        y = x
    return y


def stop_gradient_in_conditions(x):
    y = x * 2.0
    k = 0
    while sg.stop_gradient(y) < 10.0 and k < 20:
        y = y * 1.5
        k += 1
    if sg.stop_gradient(np.sin(y)) > 0.0:
        y = y * y
    return y


def seed_f(a):
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
    if np.sum(b) > 0:
        c = b
    else:
        c = 100 * b
    return c


def gradient_descent_unrolled(x, target):
    y = x
    for _ in range(5):
        y = y - 0.1 * 2.0 * (y - target)
    return np.sum((y - target) ** 3)


# =======================================================================================
# The table
# =======================================================================================


# --- kernels whose adjoints need no saved copies (issue 19) ---------------------------------


def jacobi_relaxation(a, n_iter):
    """A relaxation sweep: each pass writes every interior element of `new`
    once, then copies it back into `a`, elementwise."""
    new = np.empty_like(a)
    n = a.shape[0]
    for _ in range(n_iter):
        for i in range(1, n - 1):
            for j in range(1, n - 1):
                new[i, j] = 0.25 * (a[i - 1, j] + a[i + 1, j] + a[i, j - 1] + a[i, j + 1])
        for i in range(1, n - 1):
            for j in range(1, n - 1):
                a[i, j] = new[i, j]
    return np.sum(a * a)


def heat_explicit(u, alpha, steps):
    """Explicit heat equation: a copy of the grid per step, updated in place."""
    n, m = u.shape
    u = u.copy()
    for _ in range(steps):
        un = u.copy()
        for i in range(1, n - 1):
            for j in range(1, m - 1):
                u[i, j] = un[i, j] + alpha * (un[i + 1, j] + un[i - 1, j] + un[i, j + 1]
                                              + un[i, j - 1] - 4.0 * un[i, j])
    return np.sum(u ** 2)


def upwind_transport(q0, cx, cy, steps):
    """2-D transport by first-order upwind differences, the field copied at
    each step and updated in place from the copy (a CFD course's exercise)."""
    nx, ny = q0.shape
    q = q0.copy()
    for _ in range(steps):
        qn = q.copy()
        for i in range(1, nx):
            for j in range(1, ny):
                q[i, j] = qn[i, j] - cx * (qn[i, j] - qn[i - 1, j]) - cy * (qn[i, j] - qn[i, j - 1])
    return np.sum(q * q)


def nine_point_smoothing(a0, w, steps):
    """A box blur over the eight neighbours, blended with the centre."""
    n, m = a0.shape
    a = a0.copy()
    for _ in range(steps):
        b = a.copy()
        for i in range(1, n - 1):
            for j in range(1, m - 1):
                ring = (b[i - 1, j - 1] + b[i - 1, j] + b[i - 1, j + 1] + b[i, j - 1]
                        + b[i, j + 1] + b[i + 1, j - 1] + b[i + 1, j] + b[i + 1, j + 1])
                a[i, j] = w * b[i, j] + (1.0 - w) / 8.0 * ring
    return np.sum(a * a)


def increments_by_sign(x):
    """A difference computed once, read in the test and in both branches."""
    s = 0.0
    for i in range(x.shape[0] - 1):
        d = x[i + 1] - x[i]
        if d > 0:
            s += d * d
        else:
            s += math.exp(d)
    return s


def log_sum_exp_loops(x):
    """log(sum(exp(x))) shifted by the largest element, in loops (GradBench's
    lse): each exp goes into the sum that the derivative of log reads."""
    shift = np.max(x)
    total = 0.0
    for i in range(len(x)):
        total += math.exp(x[i] - shift)
    return math.log(total) + shift


def sum_of_exponentials(x, k):
    """sum(exp(k x)): nothing reads the sum's value in its derivative."""
    total = 0.0
    for i in range(x.shape[0]):
        total += math.exp(k * x[i])
    return total


def tanh_features_energy(x, w, b):
    """A layer of tanh features of each element, squared and summed (a
    loop as a Numba user writes one): each tanh is saved for its own and
    the square's derivative."""
    energy = 0.0
    for i in range(x.shape[0]):
        h = math.tanh(w * x[i] + b)
        energy += h * h * x[i]
    return energy


def log_moments(p, c):
    """The mean of log(p c + 1) squared over a vector's elements: each
    logarithm saved for the square's derivative."""
    total = 0.0
    for i in range(p.shape[0]):
        lp = np.log(p[i] * c + 1.0)
        total += lp * lp
    return total / p.shape[0]


def discounted_exponentials(x, rate):
    """exp of a running value that each element moves: the argument is
    carried from pass to pass (no exp computed ahead of its pass)."""
    level = 0.0
    total = 0.0
    for i in range(x.shape[0]):
        e = math.exp(rate * level + x[i])
        total += e
        level = 0.5 * level + e * 0.1
    return total


def softmax_rows_loss(z, targets):
    """Cross-entropy of row-wise softmaxes against target distributions,
    with np.exp of elements."""
    loss = 0.0
    for r in range(z.shape[0]):
        m = np.max(z[r])
        s = 0.0
        for j in range(z.shape[1]):
            s += np.exp(z[r, j] - m)
        loss += np.log(s) + m - np.dot(targets[r], z[r])
    return loss / z.shape[0]


def biquad_filter(x, b0, b1, b2, a1, a2):
    """A direct-form I biquad: four scalars of state carried between samples."""
    y = np.zeros_like(x)
    x1 = 0.0
    x2 = 0.0
    y1 = 0.0
    y2 = 0.0
    for n in range(x.shape[0]):
        yn = b0 * x[n] + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
        x2 = x1
        x1 = x[n]
        y2 = y1
        y1 = yn
        y[n] = yn
    return np.sum(y ** 2)


def spring_chain_leapfrog(x0, v0, k, dt, steps):
    """A chain of unit masses on springs with fixed ends, kick-drift-kick
    leapfrog, energy-like readout: the reverse sweep's loops count down,
    reading saved velocities and positions off stacks."""
    n = x0.shape[0]
    x = x0.copy()
    v = v0.copy()
    a = np.zeros(n)
    for _ in range(steps):
        for i in range(n):
            v[i] += 0.5 * dt * a[i]
            x[i] += dt * v[i]
        for i in range(n):
            left = x[i - 1] if i > 0 else 0.0
            right = x[i + 1] if i < n - 1 else 0.0
            a[i] = k * (left - 2.0 * x[i] + right) - 0.1 * x[i] ** 3
        for i in range(n):
            v[i] += 0.5 * dt * a[i]
    e = 0.0
    for i in range(n):
        e += v[i] * v[i] + (i + 1) * x[i] * x[i]
    return e


def softened_gravity_energy(pos, mass, soft):
    """Gravitational energy of point masses, softened (`r2 ** -0.5`), over
    pairs i < j: the derivative's `r2 ** -1.5` is the power at hand over r2."""
    n = pos.shape[0]
    e = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            dx = pos[j, 0] - pos[i, 0]
            dy = pos[j, 1] - pos[i, 1]
            dz = pos[j, 2] - pos[i, 2]
            r2 = dx * dx + dy * dy + dz * dz + soft
            e -= mass[i] * mass[j] * r2 ** -0.5
    return e


def shortest_paths_through_pivots(w):
    """Floyd-Warshall with the relaxation written as a branch, in place: the
    reverse sweep of the loop over j adds into the pivot column's element
    d[i, k] in the passes that took the path through k, and reaches it
    through d[i, j] and d[k, j] in the pass j == k."""
    n = w.shape[0]
    d = w.copy()
    for k in range(n):
        for i in range(n):
            for j in range(n):
                through = d[i, k] + d[k, j]
                if through < d[i, j]:
                    d[i, j] = through
    return np.sum(d * d)


def max_drawdown(prices):
    """The largest fall from a running peak, relative to the peak (a
    portfolio's risk figure): two running maxima of numbers, each saved
    as a byte for the reverse sweep on cpu (`adjoint/decisions.py`)."""
    peak = prices[0]
    worst = 0.0
    for i in range(1, prices.shape[0]):
        peak = max(peak, prices[i])
        worst = max(worst, (peak - prices[i]) / peak)
    return worst


def warping_distance(a, b):
    """Dynamic time warping of two series, the textbook recurrence: each
    cell the cost of its pair plus the least of three neighbours."""
    n, m = a.shape[0], b.shape[0]
    D = np.full((n + 1, m + 1), np.inf)
    D[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost = (a[i - 1] - b[j - 1]) ** 2
            D[i, j] = cost + min(D[i - 1, j], D[i, j - 1], D[i - 1, j - 1])
    return D[n, m]


def inverse_square_pairs(x, q):
    """Charges on a line, energy `q_i q_j / d**2` with an integer power."""
    e = 0.0
    for i in range(x.shape[0]):
        for j in range(i):
            d = x[i] - x[j]
            e += q[i] * q[j] * d ** -2
    return e


def smooth_reading_ahead(x, w):
    """Written in place while reading the next element, which is not written
    yet: the reverse sweep needs the old contents back (three reads, one
    write: the write is undone)."""
    x = x.copy()
    for _ in range(3):
        for i in range(x.shape[0] - 1):
            x[i] = x[i] * x[i + 1] * w + x[i]
    return np.sum(x)


def channel_centred_squares(x):
    """Per channel: a mean summed in one inner loop, read in the next
    (found wrong by the kernel suite: the mean's zero cotangent was made from
    a stand-in that overwrote the saved sum)."""
    loss = 0.0
    for ch in range(x.shape[0]):
        s = 0.0
        for b in range(x.shape[1]):
            s += x[ch, b]
        m = s / x.shape[1]
        for b in range(x.shape[1]):
            loss += (x[ch, b] - m) ** 2 + m * m
    return loss


def bicg_loops(A, p, r):
    """PolyBench's bicg as loops: `s[j] += ...` and `q[i] += ...`, in place."""
    n, m = A.shape
    s = np.zeros(m)
    q = np.zeros(n)
    for i in range(n):
        for j in range(m):
            s[j] += r[i] * A[i, j]
            q[i] += A[i, j] * p[j]
    return np.sum(s * s) + np.sum(q ** 3)


def forward_substitution(L, b):
    """L x = b for lower-triangular L, row by row: `x[j]` for j < i, written
    by earlier passes and never again, read in the inner loop."""
    n = b.shape[0]
    x = np.empty(n)
    for i in range(n):
        s = b[i]
        for j in range(i):
            s -= L[i, j] * x[j]
        x[i] = s / L[i, i]
    return np.sum(np.sin(x) * x)


def back_substitution(U, b):
    """U x = b for upper-triangular U, from the last row up: `x[j]` for
    j > i, as the LAPACK reference (and every textbook) writes it."""
    n = b.shape[0]
    x = np.zeros(n)
    for i in range(n - 1, -1, -1):
        s = b[i]
        for j in range(i + 1, n):
            s = s - U[i, j] * x[j]
        x[i] = s / U[i, i]
    return np.sum(x ** 3)


def causal_window(x, w):
    """Each output reads the two outputs before it, `range(i - 2, i)`: at
    i = 0 and 1 the index is negative, so it names the last elements, which
    later passes write."""
    n = x.shape[0]
    y = np.zeros(n)
    for i in range(n):
        s = x[i]
        for j in range(i - 2, i):
            s += w * np.tanh(y[j])
        y[i] = s
    return np.sum(y * y)


def thomas_solve(a, b, c, d):
    """A tridiagonal solve as numerical codes write it (`bench/kernels.py`'s
    Thomas algorithm, inlined): its forward sweep reads `cp[i - 1]` and
    `dp[i - 1]`, which the pass before wrote, and its back substitution
    `x[i + 1]`; every pass writes at `i` alone."""
    x = thomas(a, b, c, d)
    return np.sum(np.sin(x) * x)


def behind_from_zero(x, w):
    """`y[i - 1]` in a loop from 0: at i = 0 it is `y[-1]`, the element the
    last pass writes."""
    n = x.shape[0]
    y = np.ones(n)
    for i in range(n):
        y[i] = x[i] + w * np.tanh(y[i - 1])
    return np.sum(y * y)


def verlet_chain(x0, v0, beta, dt, steps):
    """A chain of masses on cubic springs stepped by velocity Verlet
    (`bench/kernels.py`'s `fpu_verlet`): a time loop whose passes update the
    same arrays (`optimize/checkpoints.py`; its states pass the checkpoint
    threshold only at sizes a corpus row does not run:
    `tests/optimize/test_checkpoints.py` runs those)."""
    return fpu_verlet(x0, v0, beta, dt, steps)


def row_energy(X, w):
    """A row view per iteration, summed through a whole-array call."""
    total = 0.0
    for i in range(X.shape[0]):
        row = X[i]
        total += np.sum(np.sin(row * w)) ** 2
    return total


# --- short vectors of a length the code fixes (frontend/small_arrays.py) -------------------


def _rodrigues(r, x):
    """x turned by the rotation vector r (its length the angle), as camera
    models write it."""
    theta = math.sqrt(r[0] ** 2 + r[1] ** 2 + r[2] ** 2)
    k = r / theta
    k_cross_x = np.array([k[1] * x[2] - k[2] * x[1],
                          k[2] * x[0] - k[0] * x[2],
                          k[0] * x[1] - k[1] * x[0]])
    k_dot_x = k[0] * x[0] + k[1] * x[1] + k[2] * x[2]
    c, s = math.cos(theta), math.sin(theta)
    return x * c + k_cross_x * s + k * (k_dot_x * (1.0 - c))


def camera_residual(cam, X, feat):
    """A pinhole camera with radial distortion, its 9 parameters one vector:
    rotation, centre, focal length, two distortion coefficients."""
    p = _rodrigues(cam[0:3], X - cam[3:6])
    u = p[0:2] / p[2]
    r2 = u[0] ** 2 + u[1] ** 2
    proj = u * (cam[6] * (1.0 + cam[7] * r2 + cam[8] * r2 * r2))
    e = proj - feat
    return e[0] ** 2 + 0.5 * e[1] ** 2


def _turned(r, x):
    """x turned by the rotation vector r, to first order where r is zero (as
    bundle adjusters write it)."""
    sq_theta = r[0] ** 2 + r[1] ** 2 + r[2] ** 2
    if sq_theta != 0.0:
        theta = math.sqrt(sq_theta)
        c = math.cos(theta)
        s = math.sin(theta)
        k = r / theta
        k_cross_x = np.array([k[1] * x[2] - k[2] * x[1],
                              k[2] * x[0] - k[0] * x[2],
                              k[0] * x[1] - k[1] * x[0]])
        k_dot_x = k[0] * x[0] + k[1] * x[1] + k[2] * x[2]
        return x * c + k_cross_x * s + k * (k_dot_x * (1.0 - c))
    return x + np.array([r[1] * x[2] - r[2] * x[1],
                         r[2] * x[0] - r[0] * x[2],
                         r[0] * x[1] - r[1] * x[0]])


def rotated_projection(cam, x):
    """A camera's rotation, centre and two weights in one vector: the point
    turned, projected and weighted (values the reverse sweep reads, saved in
    a branch outside any loop)."""
    p = _turned(cam[0:3], x - cam[3:6])
    return cam[6] * p[0] / p[2] + cam[7] * p[1] / p[2]


def spring_chain_energy(pos, rest):
    """Springs between neighbouring points in the plane, each bond a 2-vector."""
    energy = 0.0
    for i in range(pos.shape[0] - 1):
        d = np.array([pos[i + 1, 0] - pos[i, 0], pos[i + 1, 1] - pos[i, 1]])
        length = math.sqrt(d[0] * d[0] + d[1] * d[1])
        energy += (length - rest) ** 2
    return energy


def oscillator_midpoint(y0, k, dt, steps):
    """A small state vector stepped by the midpoint rule, carried by the loop."""
    y = np.array([y0[0], y0[1]])
    for _ in range(steps):
        half = y + 0.5 * dt * np.array([y[1], -k * y[0]])
        y = y + dt * np.array([half[1], -k * half[0]])
    return y[0] ** 2 + 0.3 * y[1]


def swapped_in_a_loop(x, n):
    """A vector replaced by its reverse in place of itself, each pass."""
    v = x[1:3] * 2.0
    for _ in range(n):
        v = v[::-1]
        v = v * np.array([1.5, x[0]])
    return v[0] * 3.0 + v[1]


def rows_of_small_vectors(x, s):
    """Short vectors stored into the rows of an output, and one result
    vector of the function as a whole."""
    out = np.zeros((x.shape[0], 2))
    for i in range(x.shape[0]):
        out[i] = np.array([x[i], x[i] ** 2]) * s
    return np.array([np.sum(out ** 2), out[0, 1] * s])


def triangular_in_place(U, x0, scale):
    """x = U x in place for an upper triangular U, top row first: each row
    reads the entries below it, which the later rows overwrite."""
    n = x0.shape[0]
    x = x0 * scale
    for i in range(n):
        s = U[i, i] * x[i]
        for j in range(i + 1, n):
            s += U[i, j] * x[j]
        x[i] = s
    return np.sum(np.sin(x))


def nonlinear_gauss_seidel(a0, c, sweeps):
    """Gauss-Seidel sweeps of a nonlinear update in place: each element reads
    the updated row above and the row below (`a[i + 1, j]`), which the next
    pass of the sweep writes."""
    n = a0.shape[0]
    a = a0.copy()
    for _ in range(sweeps):
        for i in range(1, n - 1):
            for j in range(1, n - 1):
                below = a[i + 1, j]
                a[i, j] = 0.25 * (a[i - 1, j] + a[i, j - 1] + a[i, j + 1]) + c * np.tanh(below) * below
    return np.sum(a * a)


def _pos(lo=0.5, hi=2.0):
    return lambda r: (unif(r, (5,), lo, hi),)


CASES = [
    # --- straight-line arithmetic -------------------------------------------------------
    Case(add_sub, lambda r: (unif(r), unif(r)), (0, 1), note="scalar + - *"),
    Case(add_sub, lambda r: (unif(r), unif(r)), (0, 1), grad_ys=2.5, tag="grad_ys",
         note="a float grad_ys on a float output"),
    Case(mul_div, lambda r: (unif(r, (5,)), unif(r, (5,))), (0, 1), note="array * /"),
    Case(pow_int, lambda r: (unif(r, (4,)),), note="** with int exponent"),
    Case(pow_float, _pos(), note="** with float exponent, positive base"),
    Case(pow_both, lambda r: (unif(r, (4,), 0.5, 2.0), unif(r, (4,))), (0, 1),
         note="x ** y, both differentiable"),
    Case(rpow, lambda r: (unif(r, (3,)),), note="constant ** x"),
    Case(unary_neg, lambda r: (unif(r, (4,)),), note="unary minus"),
    Case(builtin_abs, lambda r: (away(r),), note="builtin abs on a scalar away from 0 and 3"),
    Case(builtin_abs, lambda r: (-0.8,), tag="negative", note="abs on the negative side"),
    Case(np_abs_array, lambda r: (away(r, (6,)),), note="np.abs away from 0"),
    Case(rdiv_rsub, lambda r: (away(r, (4,)),), note="constant / x, constant - x"),
    Case(scalar_array_broadcast, lambda r: (unif(r, (3, 4)), unif(r)), (0, 1),
         note="array (3,4) with a scalar: the scalar's gradient sums"),
    Case(row_broadcast, lambda r: (unif(r, (3, 4)), unif(r, (4,), 0.5, 1.5)), (0, 1),
         note="(3,4) with (4,)"),
    Case(outer_broadcast, lambda r: (unif(r, (3, 1)), unif(r, (1, 4))), (0, 1),
         note="(3,1) with (1,4)"),
    Case(vec_dot_vec, lambda r: (unif(r, (4,)), unif(r, (4,))), (0, 1), note="vector @ vector"),
    Case(mat_vec, lambda r: (unif(r, (3, 4)), unif(r, (4,))), (0, 1), note="matrix @ vector"),
    Case(vec_mat, lambda r: (unif(r, (3,)), unif(r, (3, 4))), (0, 1), note="vector @ matrix"),
    Case(mat_mat, lambda r: (unif(r, (2, 3)), unif(r, (3, 4))), (0, 1),
         grad_ys=np.arange(8.0).reshape(2, 4) - 3.0, note="matrix @ matrix with grad_ys"),
    Case(quadratic_form, lambda r: (unif(r, (3,)), unif(r, (3, 3))), (0, 1),
         note="x @ (A @ x): x used twice"),
    Case(np_dot_1d, lambda r: (unif(r, (5,)), unif(r, (5,))), (0, 1), note="np.dot 1-D"),
    Case(np_dot_mv, lambda r: (unif(r, (3, 2)), unif(r, (2,))), (0, 1), note="np.dot 2-D, 1-D"),
    Case(np_dot_2d, lambda r: (unif(r, (2, 2)), unif(r, (2, 3))), (0, 1), note="np.dot 2-D"),
    Case(np_matmul, lambda r: (unif(r, (3, 2)), unif(r, (2, 2))), (0, 1), note="np.matmul"),
    Case(np_outer, lambda r: (unif(r, (3,)), unif(r, (4,))), (0, 1),
         grad_ys=np.linspace(-1.0, 2.0, 12).reshape(3, 4), note="np.outer, grad_ys on one array"),
    Case(seed000_matmul, lambda r: (np.array([[1.0, 2.0]]),),
         note="seed 000: w1 @ [[9], [10]] -> [[9, 10]]"),
    Case(straight_line_chain, lambda r: (unif(r, (), 0.5, 1.5), unif(r, (), 0.5, 1.5)), (0, 1),
         note="a chain of temporaries"),
    # --- numpy and math functions ------------------------------------------------------------
    Case(trig, lambda r: (unif(r, (5,)),), note="sin cos tan"),
    Case(inverse_trig, lambda r: (unif(r, (5,), -0.8, 0.8),), note="arcsin arccos arctan"),
    Case(np_arctan2, lambda r: (away(r, (4,)), away(r, (4,))), (0, 1), note="arctan2 off the axes"),
    Case(hyperbolic, lambda r: (unif(r, (5,)),), note="sinh cosh tanh"),
    Case(exp_expm1, lambda r: (unif(r, (5,)),), note="exp expm1"),
    Case(logs, _pos(), note="log log1p log2 log10"),
    Case(sqrt_square, _pos(), note="sqrt square"),
    Case(np_power, lambda r: (unif(r, (4,), 0.5, 2.0), unif(r)), (0, 1),
         note="np.power with a constant and a scalar exponent"),
    Case(np_maximum, lambda r: (lambda a: (a, a + away(r, (5,))))(unif(r, (5,))), (0, 1),
         note="np.maximum without ties"),
    Case(np_minimum, lambda r: (lambda a: (a, a + away(r, (5,))))(away(r, (5,), 0.8, 1.5) + 0.5),
         (0, 1), note="np.minimum of arrays and with a constant, no ties"),
    Case(relu, lambda r: (away(r, (6,)),), note="np.maximum(x, 0)"),
    Case(np_where, lambda r: (away(r, (6,)),), note="np.where on a comparison"),
    Case(np_where_two, lambda r: (away(r, (6,)), unif(r, (6,))), (0, 1),
         note="np.where choosing between two differentiable arrays"),
    Case(np_clip, lambda r: (np.array([-1.2, -0.7, -0.2, 0.1, 0.3, 0.8, 1.4]),),
         note="np.clip away from the bounds"),
    Case(sum_all, lambda r: (unif(r, (3, 4)),), note="np.sum"),
    Case(sum_axis0, lambda r: (unif(r, (3, 4)),), grad_ys=np.array([1.0, -2.0, 0.5, 3.0]),
         note="np.sum(axis=0), grad_ys"),
    Case(sum_axis_negative, lambda r: (unif(r, (3, 4)),), note="np.sum(axis=-1)"),
    Case(sum_axis_tuple, lambda r: (unif(r, (2, 3, 4)),), grad_ys=np.array([1.0, 2.0, -1.0]),
         note="np.sum(axis=(0, 2))"),
    Case(sum_keepdims, lambda r: (unif(r, (3, 4), 0.5, 1.5),), note="np.sum(keepdims=True)"),
    Case(mean_all, lambda r: (unif(r, (2, 3)),), note="np.mean"),
    Case(mean_axis, lambda r: (unif(r, (3, 4)),), note="np.mean(axis=1)"),
    Case(mean_keepdims, lambda r: (unif(r, (4, 3)),), note="np.mean(axis=0, keepdims=True)"),
    Case(mean_axis_tuple, lambda r: (unif(r, (2, 3, 4)),), note="np.mean(axis=(1, 2))"),
    Case(max_min_all, lambda r: (distinct(r, (3, 4)),), note="np.max, np.min, unique extremes"),
    Case(max_min_axis, lambda r: (distinct(r, (3, 4)),), note="np.max(axis=1), np.min(axis=-1)"),
    Case(max_keepdims, lambda r: (distinct(r, (2, 4)),), note="np.max(axis=1, keepdims=True)"),
    Case(min_axis0, lambda r: (distinct(r, (3, 2)) + 0.1,), note="np.min(axis=0)"),
    Case(prod_all, lambda r: (unif(r, (5,), 0.5, 1.5),), note="np.prod"),
    Case(prod_axis, lambda r: (unif(r, (3, 2), 0.5, 1.5),), note="np.prod(axis=0)"),
    Case(np_transpose, lambda r: (unif(r, (3, 2)),), note="np.transpose"),
    Case(attribute_t, lambda r: (unif(r, (3, 2)), unif(r, (3, 4))), (0, 1), note=".T"),
    Case(reshape_tuple, lambda r: (unif(r, (6,)),), note="np.reshape(x, (2, 3))"),
    Case(reshape_method_args, lambda r: (unif(r, (6,)),), note="x.reshape(2, 3)"),
    Case(reshape_method_tuple, lambda r: (unif(r, (6,)),), note="x.reshape((3, 2))"),
    Case(np_squeeze, lambda r: (unif(r, (3, 1)),), targets=("python",),
         note="np.squeeze without an axis: Numba cannot type it (test_errors checks the "
              "CompileError on cpu)"),
    Case(np_expand_dims, lambda r: (unif(r, (3,)),), note="np.expand_dims"),
    Case(np_concatenate, lambda r: (unif(r, (3,)), unif(r, (2,))), (0, 1),
         note="np.concatenate"),
    Case(np_concatenate_axis1, lambda r: (unif(r, (2, 3)), unif(r, (2, 2))), (0, 1),
         note="np.concatenate(axis=1)"),
    Case(np_stack, lambda r: (unif(r, (3,)), unif(r, (3,))), (0, 1), note="np.stack"),
    Case(np_stack_axis1, lambda r: (unif(r, (3,)), unif(r, (3,))), (0, 1),
         note="np.stack(axis=1)"),
    Case(norm_vector, lambda r: (unif(r, (4,)),), note="np.linalg.norm of a vector"),
    Case(norm_normalize, lambda r: (unif(r, (4,)),), grad_ys=np.array([1.0, -1.0, 2.0, 0.5]),
         note="x / norm(x)"),
    Case(norm_matrix, lambda r: (unif(r, (2, 3)),), note="np.linalg.norm of a matrix"),
    Case(math_unary, lambda r: (unif(r, (), 0.5, 2.0),),
         note="math.sin exp log sqrt tanh on a float"),
    Case(math_binary, lambda r: (unif(r, (), 0.5, 2.0), unif(r, (), 0.5, 1.5)), (0, 1),
         note="math.atan2 pow cos atan cosh"),
    Case(math_more, lambda r: (unif(r, (), 0.2, 0.8),),
         note="math.asin acos log1p expm1 log2 log10 sinh tan"),
    Case(builtin_min_max, lambda r: (0.4, -1.1), (0, 1), note="builtin min/max of two floats"),
    Case(builtin_min_max, lambda r: (0.2, 1.3), (0, 1), tag="swapped",
         note="the other branch of min/max"),
    Case(builtin_float, lambda r: (unif(r), unif(r, (3,))), (0, 1), note="float(x)"),
    Case(method_sum, lambda r: (unif(r, (3, 4)),), note="x.sum(), x.sum(axis=0)"),
    Case(method_sum_positional, lambda r: (unif(r, (3, 4)),), note="x.sum(0)"),
    Case(method_mean, lambda r: (unif(r, (3, 4)),), note="x.mean(), x.mean(axis=1)"),
    Case(method_dot, lambda r: (unif(r, (2, 3)), unif(r, (3,))), (0, 1), note="x.dot(y)"),
    Case(method_t_dot, lambda r: (unif(r, (3, 2)), unif(r, (3,))), (0, 1), note="a.T.dot(x)"),
    # --- overwrites ----------------------------------------------------------------------------
    Case(overwrite_repeated, lambda r: (unif(r, (4,)),), note="x = x * 2 repeated"),
    Case(overwrite_new_shape, lambda r: (unif(r, (2, 3)),),
         note="x reassigned with another shape and rank"),
    Case(overwrite_scalar_to_array, lambda r: (unif(r, (3,)), unif(r)), (0, 1),
         note="a scalar name rebound to an array and back"),
    Case(overwrite_repeated, lambda r: (unif(r, (4,)),), "x", tag="by_name",
         note="wrt names a parameter that the body rebinds: the parameter is meant"),
    Case(augassign_arrays, lambda r: (unif(r, (4,)), unif(r, (4,))), (0, 1),
         note="+= -= *= /= on array names"),
    Case(augassign_scalar, lambda r: (unif(r),), note="+= -= *= /= on a float"),
    Case(augassign_param_array, lambda r: (unif(r, (4,)),),
         note="x *= 2 on an array parameter (in place in NumPy); the caller's x must not change"),
    # --- control flow --------------------------------------------------------------------------
    Case(if_elif_else, lambda r: (1.6,), tag="if", note="if branch"),
    Case(if_elif_else, lambda r: (0.5,), tag="elif", note="elif branch"),
    Case(if_elif_else, lambda r: (-0.7,), tag="else", note="else branch"),
    Case(if_without_else, lambda r: (0.2,), tag="taken", note="if without else, taken"),
    Case(if_without_else, lambda r: (0.9,), tag="skipped", note="if without else, skipped"),
    Case(nested_if, lambda r: (0.7, 0.4), (0, 1), tag="pp", note="nested if: x > 0, y > 0"),
    Case(nested_if, lambda r: (0.7, -0.4), (0, 1), tag="pn", note="nested if: x > 0, y < 0"),
    Case(nested_if, lambda r: (-0.7, 0.4), (0, 1), tag="np", note="nested if: x < 0, y > 0"),
    Case(nested_if, lambda r: (-0.7, -0.4), (0, 1), tag="nn", note="nested if: x < 0, y < 0"),
    Case(if_on_reduction, lambda r: (np.array([0.5, -0.2, 0.9]),), tag="positive",
         note="if on np.sum of an array"),
    Case(if_on_reduction, lambda r: (np.array([-0.5, 0.2, -0.9]),), tag="negative",
         note="the other branch"),
    Case(conditional_expression, lambda r: (1.2,), tag="true", note="a if c else b"),
    Case(conditional_expression, lambda r: (-0.4,), tag="false", note="a if c else b"),
    Case(conditional_expression, lambda r: (2.5,), tag="second",
         note="the second conditional expression switches"),
    Case(conditional_expression_array, lambda r: (np.array([0.3, -0.6, -0.8]),),
         note="conditional expression on arrays"),
    Case(compare_chain_and_or, lambda r: (0.5, 0.7), (0, 1), tag="and",
         note="and/or of comparisons in if"),
    Case(compare_chain_and_or, lambda r: (0.5, -1.5), (0, 1), tag="or", note="the or branch"),
    Case(compare_chain_and_or, lambda r: (0.5, -0.5), (0, 1), tag="fallthrough",
         note="neither"),
    Case(while_doubling, lambda r: (np.array([0.3, -0.45, 0.2]),),
         note="while on a norm: 5 doublings, norms 9.2 then 18.5 (no switch near)"),
    Case(while_newton_sqrt, lambda r: (2.7,), note="Newton iterations until converged"),
    Case(while_newton_cube_root, lambda r: (3.3,), note="Newton with break on convergence"),
    Case(for_range, lambda r: (unif(r), 5), note="for i in range(n), n an argument"),
    Case(for_range_start_stop, lambda r: (unif(r),), note="range(a, b)"),
    Case(for_range_step, lambda r: (unif(r),), note="range(a, b, step)"),
    Case(for_range_negative_step, lambda r: (unif(r, (5,)),), note="range(n - 1, -1, -1)"),
    Case(for_range_negative_step_scalar, lambda r: (unif(r),), note="range(5, 0, -2)"),
    Case(for_break, lambda r: (np.array([0.8, -0.9, 0.7, 0.6, 1.1, 0.3]),),
         note="break when the running sum passes 2 (at i=3: 1.85 -> 2.21)"),
    Case(for_continue, lambda r: (away(r, (6,)),), note="continue on negative entries"),
    Case(early_return_if, lambda r: (-0.8,), tag="early", note="return inside if"),
    Case(early_return_if, lambda r: (0.8,), tag="late", note="fall through to the last return"),
    Case(return_in_for, lambda r: (np.array([0.7, 0.4, 0.9, -0.3]),), tag="early",
         note="return inside for (at i=2)"),
    Case(return_in_for, lambda r: (np.array([0.2, 0.4, -0.9, 0.3]),), tag="late",
         note="the loop finishes"),
    Case(return_in_while, lambda r: (1.3,), note="return inside while (at the 6th step: 9.87 -> 14.8)"),
    Case(loop_in_loop, lambda r: (unif(r, (3, 4)), unif(r, (4,))), (0, 1), note="for in for"),
    Case(loop_in_loop_dependent, lambda r: (unif(r, (4,)),),
         note="inner range depends on the outer counter (zero trips at i=0)"),
    Case(if_in_loop, lambda r: (away(r, (6,)),), note="if inside for"),
    Case(loop_in_if, lambda r: (np.array([0.4, 0.3, -0.2]),), tag="then", note="for inside if"),
    Case(loop_in_if, lambda r: (np.array([-0.4, 0.3, -0.2]),), tag="else", note="for in else"),
    Case(while_in_for, lambda r: (np.array([0.7, 1.9, 3.1, 0.45]),),
         note="while inside for, per-element trip counts 3, 2, 1, 4"),
    Case(for_in_while, lambda r: (np.array([0.5, 1.0, 0.6]),),
         note="for inside while on a sum; 5 trips (sums 18.2 then 31.3)"),
    Case(break_inner_loop, lambda r: (unif(r, (5,)),), note="break out of the inner loop"),
    Case(continue_in_while, lambda r: (unif(r),), note="continue inside while"),
    Case(return_in_nested_loop, lambda r: (np.array([0.5, 1.1, 1.3, 0.2]),),
         note="return from inside two loops (i=1, j=1: 1.21)"),
    Case(zero_trip_loops, lambda r: (unif(r, (3,)),), note="range(0), range(5, 2), while false"),
    Case(loop_variable_after_loop, lambda r: (unif(r, (5,)),),
         note="the loop variable and a loop-assigned name used after the loop"),
    Case(nested_all, lambda r: (np.array([0.7, -0.6, 1.2, -1.3, 0.35]),),
         note="while inside if inside for, and for inside else"),
    Case(tuple_unpack_swap, lambda r: (unif(r),), note="a, b = b, a * b + c in a loop"),
    Case(elif_in_loop, lambda r: (np.array([0.9, 0.1, -0.2, -0.9, 1.3, -0.75]),),
         note="if/elif/else inside for, entries away from the switches at +-0.5"),
    Case(while_writes_counter_index, lambda r: (0.6,),
         note="y[k] = ... with k counted in a while (5 trips: 6.3 then 11.3 vs 8)"),
    Case(matrix_power_loop, lambda r: (unif(r, (3, 3)), unif(r, (3,))), (0, 1),
         note="y = A @ y repeated"),
    Case(data_dependent_trip_count, lambda r: (away(r, (5,)),),
         note="range(n) with n = int(np.sum(x > 0))"),
    Case(scalar_accumulator_of_arrays, lambda r: (unif(r, (3,)),), targets=("python",),
         note="s = 0.0, then s = s + array in a loop: s turns into an array (Numba cannot "
              "type a loop variable that changes type, so python only)"),
    # --- subscripts ----------------------------------------------------------------------------
    Case(read_index, lambda r: (unif(r, (4,)),), note="x[0], x[2], x[-1]"),
    Case(read_2d_index, lambda r: (unif(r, (3, 4)),), note="a[i, j] with negative indices"),
    Case(read_slices, lambda r: (unif(r, (7,)),), note="x[1:], x[:-1], x[::2]"),
    Case(read_column, lambda r: (unif(r, (3, 4)),), note="a[:, 0]"),
    Case(read_row, lambda r: (unif(r, (3, 4)),), note="a[1], a[2, :]"),
    Case(read_newaxis, lambda r: (unif(r, (3,)),), note="x[None, :], x[:, None]"),
    Case(read_in_loop, lambda r: (unif(r, (5,)), unif(r, (5,))), (0, 1),
         note="s += w[i] * x[i]"),
    Case(write_into_zeros, lambda r: (unif(r, (4,)),), note="y[i] = ... into np.zeros(n)"),
    Case(write_row, lambda r: (unif(r, (4,)),), note="a[i, :] = ..."),
    Case(write_slice, lambda r: (unif(r, (3,)),), note="y[a:b] = ..."),
    Case(write_2d_element, lambda r: (unif(r, (3,)),), note="a[i, j] = ... in nested loops"),
    Case(augmented_write, lambda r: (unif(r, (5,)),), note="y[i % 3] += ..."),
    Case(augmented_write_plain_index, lambda r: (unif(r, (4,)),), note="y[i] += ..., y[i] *= ..."),
    Case(augmented_write_row, lambda r: (unif(r, (4,)),), note="a[i, :] += ..., a[i, 1] -= ..."),
    Case(element_running_product, lambda r: (unif(r, (4,)),),
         note="elements overwritten with values computed from themselves, in a loop"),
    Case(slice_shift_write, lambda r: (unif(r, (5,)),),
         note="y[1:] = y[:-1] * x[1:]: a slice write reading the same array, in a loop"),
    Case(growing_array, lambda r: (unif(r, (4,)),),
         note="an array that grows by np.concatenate each iteration"),
    Case(element_read_before_overwrite, lambda r: (unif(r, (4,)),),
         note="old = y[i] (a float, not a view), then y[i] overwritten, old read after"),
    Case(return_written_element, lambda r: (np.array([0.3, 0.7, 0.2]),),
         note="return y[i] * x[0] from inside the loop that writes y (at i=1: 1.4)"),
    Case(write_overwrites_element, lambda r: (unif(r, (3,)),),
         note="an element written, read and overwritten"),
    Case(write_into_copy_method, lambda r: (unif(r, (4,)),), note="writes into x.copy()"),
    Case(write_into_np_copy, lambda r: (unif(r, (4,)),), note="writes into np.copy(x)"),
    Case(write_into_parameter, lambda r: (unif(r, (4,)),),
         note="x[0] = 0.0 on the parameter: gradient 0 there; the caller's x unchanged"),
    Case(write_into_parameter_row, lambda r: (unif(r, (3, 2)),),
         note="a[0, :] = ... on the parameter"),
    Case(stencil, lambda r: (unif(r, (6,)),), note="y[i] = x[i-1] - 2 x[i] + x[i+1]"),
    Case(cumsum_loop, lambda r: (unif(r, (5,)),), grad_ys=np.array([1.0, -1.0, 2.0, 0.5, 3.0]),
         note="cumulative sum built in a loop"),
    Case(cumsum_in_place, lambda r: (unif(r, (5,)),), note="c[i] += c[i - 1]"),
    Case(computed_indices, lambda r: (unif(r, (5,)),), note="x[i + 1] * x[n - 1 - i]"),
    # --- helpers ---------------------------------------------------------------------------------
    Case(calls_helper_defined_later, lambda r: (unif(r, (3,)),),
         note="a helper defined after the caller"),
    Case(helper_calls_helper, lambda r: (unif(r, (3,)),), note="helper -> helper"),
    Case(helper_with_control_flow, lambda r: (np.array([-0.6, 0.8, 1.3]),),
         note="helper with if, early return and a loop"),
    Case(helper_returns_tuple, lambda r: (unif(r, (3,)),), note="a, b = helper(x)"),
    Case(helper_tuple_of_element, lambda r: (unif(r, (3,)),),
         note="a, b = helper(x[1]): a tuple-returning helper called on an element"),
    Case(helper_tuple_in_loop, lambda r: (unif(r, (3,)),),
         note="a, b = helper(x[i]) in a loop"),
    Case(helper_keywords_defaults, lambda r: (unif(r, (3,)), unif(r, (3,))), (0, 1),
         note="keyword arguments and defaults"),
    Case(helper_in_loop, lambda r: (unif(r),), note="a helper called in a loop"),
    Case(helper_writes_array, lambda r: (unif(r),), note="a helper that fills an array"),
    Case(helper_njit, lambda r: (unif(r, (3,)),), note="a helper decorated with numba.njit"),
    Case(helper_early_return_in_loop, lambda r: (np.array([0.7, -0.4, 1.2, -1.1]),),
         note="a helper with an early return, called in a loop"),
    Case(helper_scalar_and_array, lambda r: (unif(r, (3,)),),
         note="one helper called on a float and on an array"),
    Case(helper_mutates_argument, lambda r: (unif(r, (3,)),),
         note="a helper that writes into the caller's array and returns nothing"),
    # --- the API ------------------------------------------------------------------------------
    Case(seed000_two_outputs, lambda r: tuple(np.array([1.0, 2.0]) for _ in range(4)), (0, 1, 2, 3),
         grad_ys=(np.array([1.0, 2.0]), np.array([3.0, 4.0])),
         note="seed 000: two outputs, grad_ys -> [1,2], [1,2], [4,6], [3,4]"),
    Case(seed000_two_outputs, lambda r: tuple(unif(r, (2,)) for _ in range(4)), (0, 2),
         tag="ones", note="two outputs, default grad_ys (ones)"),
    Case(tuple_output_arrays, lambda r: (unif(r, (3,)), unif(r, (3,))), (0, 1),
         grad_ys=(np.array([0.5, -1.0, 2.0]), 3.0), note="an array and a scalar output"),
    Case(seed000_stopped, lambda r: tuple(np.array([1.0, 2.0]) for _ in range(3)), (0, 1, 2),
         exact={0: "none", 1: "none"}, note="seed 000: sg.stop_gradient -> None, None, ones"),
    Case(seed000_stopped, lambda r: tuple(np.array([1.0, 2.0]) for _ in range(3)), (0, 1, 2),
         tag="zero",
         options={"unconnected_gradients": "zero"}, exact={0: "zero", 1: "zero"},
         note="seed 000 with unconnected_gradients='zero'"),
    Case(stop_gradient_inner, lambda r: (unif(r, (3,)),),
         oracle=lambda a: (stop_gradient_inner_oracle, (a[0], a[0] * a[0]), (0,)),
         note="x * sg.stop_gradient(x * x) -> x * x"),
    Case(stopped_local, lambda r: (unif(r, (3,)),), options={"stop_gradients": ("y",)},
         oracle=lambda a: (stopped_local_oracle, (a[0], np.sin(a[0])), (0,)),
         note="stop_gradients on a local: d(y*x)/dx = y"),
    Case(seed002_sum, lambda r: (0.0,), ("a", "b"),
         oracle=lambda a: (seed002_sum_oracle, (a[0], 0.0), (0, 1)),
         note="seed 002: gradients(a + b, [a, b]) with b = 2a -> (3, 1)"),
    Case(seed002_sum, lambda r: (0.0,), ("a", "b"), tag="stop_both",
         options={"stop_gradients": ("a", "b")},
         oracle=lambda a: (seed002_sum_stopped, (a[0], 2.0 * a[0]), (0, 1)),
         note="seed 002: stop_gradients=[a, b] -> (1, 1)"),
    Case(seed002_sum, lambda r: (0.0,), ("a", "b"), tag="stop_param",
         options={"stop_gradients": ("a",)},
         oracle=lambda a: (seed002_sum_oracle, (a[0], 0.0), (0, 1)),
         note="stop_gradients on the parameter only: nothing upstream of a, so (3, 1) as TF"),
    Case(seed002_z, lambda r: (1.3,), ("x", "y"),
         oracle=lambda a: (seed002_z_oracle, (a[0], 0.0), (0, 1)),
         note="seed 002: z = (x*x)**2 -> dz/dx = 4x^3, dz/dy = 2y (y a local)"),
    Case(local_wrt_array, lambda r: (unif(r, (4,)),), "h",
         oracle=lambda a: (local_wrt_array_oracle, (a[0], np.sin(a[0])), (1,)),
         note="wrt a local array: d out / d h = x"),
    Case(dense_layer, lambda r: (unif(r, (3,)), unif(r, (2, 3)), unif(r, (2,))), 0,
         tag="index", note="wrt by index"),
    Case(dense_layer, lambda r: (unif(r, (3,)), unif(r, (2, 3)), unif(r, (2,))), "w",
         tag="name", note="wrt by name"),
    Case(dense_layer, lambda r: (unif(r, (3,)), unif(r, (2, 3)), unif(r, (2,))), (2, "x", "w"),
         tag="mixed", note="wrt mixing an index and names, in that order"),
    Case(unused_parameter, lambda r: (unif(r, (3,)), unif(r, (2,))), (0, 1),
         exact={1: "none"}, note="an input that does not reach the output -> None"),
    Case(unused_parameter, lambda r: (unif(r, (3,)), unif(r, (2,))), (0, 1), tag="zero",
         options={"unconnected_gradients": "zero"}, exact={1: "zero"},
         note="unconnected_gradients='zero' -> zeros shaped like y"),
    Case(through_floor_only, lambda r: (unif(r, (3,)), np.array([0.5, 1.4, -0.6])), (0, 1),
         exact={1: "none"}, note="y reaches the output only through np.floor -> None"),
    Case(value_and_gradient, lambda r: (unif(r, (4,)),), options={"preserve_result": True},
         note="preserve_result=True"),
    Case(tuple_output_arrays, lambda r: (unif(r, (3,)), unif(r, (3,))), (0, 1),
         tag="value_and_grad", api="value_and_grad",
         note="sg.value_and_grad on a function with two outputs"),
    Case(int_times_float, lambda r: (3, unif(r, (3,))), (0, 1),
         note="a Python int input: its gradient is float64 (sum(x))"),
    Case(int_times_float, lambda r: (np.int64(4), unif(r)), (0, 1), tag="np_int64",
         note="a NumPy int64 scalar input"),
    Case(int_array_input, lambda r: (np.array([1, -2, 3]),),
         note="an int array input: float64 gradient k"),
    Case(int_loop_count, lambda r: (unif(r), 4), note="an int used as a trip count"),
    Case(bool_branch, lambda r: (unif(r), True), tag="true", note="a bool picks the branch"),
    Case(bool_branch, lambda r: (unif(r), False), tag="false", note="the other branch"),
    Case(bool_scale, lambda r: (unif(r, (3,)), True), (0, 1),
         note="a bool input used as a number: float64 gradient"),
    Case(float32_elementwise, lambda r: (unif(r, (5,)).astype(np.float32),), rtol=1e-3,
         atol=1e-4, note="float32 in, float32 gradient"),
    Case(float32_scalar_loop, lambda r: (np.float32(0.3),), rtol=1e-3, atol=1e-4,
         note="a float32 scalar through rules with Python literals: float32 gradient"),
    Case(float32_power, lambda r: (unif(r, (4,), 0.5, 2.0).astype(np.float32),), rtol=1e-3,
         atol=1e-4, note="x32 ** 0.5 is float64 under Numba: the gradient is float32"),
    Case(float32_matvec, lambda r: (unif(r, (2, 3)).astype(np.float32),
                                    unif(r, (3,)).astype(np.float32)), (0, 1),
         rtol=1e-3, atol=1e-4, note="float32 matrix-vector"),
    Case(nondifferentiable_values, lambda r: (np.array([0.5, -0.8, 1.1, -0.15, 0.9]),),
         note="np.sign, np.floor, shape, len, //, %, zeros_like in differentiable code"),
    Case(attributes_not_int, lambda r: (unif(r, (3, 4)),), note=".ndim .size .shape, not, int()"),
    Case(int_of_value_as_index, lambda r: (np.array([0.5, -0.7, 0.9, 0.3]),),
         note="int(3 * x[0]) = 1 picks the indices (a step function of x[0]: no gradient)"),
    Case(stop_gradient_in_loop, lambda r: (unif(r, (3,)),),
         oracle=lambda a: (stop_gradient_in_loop_oracle, stop_gradient_in_loop_constants(a[0]),
                           (0,)),
         note="sg.stop_gradient inside a loop: each iteration's value frozen"),
    Case(comparison_mask, lambda r: (away(r, (5,)),), note="a boolean mask as a factor"),
    Case(integer_counter, lambda r: (away(r, (5,)),), note="an integer counter as a factor"),
    Case(with_print, lambda r: (unif(r, (3,)),), note="print inside the function"),
    # --- idioms -----------------------------------------------------------------------------------
    Case(euler_ode, lambda r: (0.7, np.array([0.5, -1.0, 2.0])), (0, 1),
         note="explicit Euler, 100 steps"),
    Case(heat_equation, lambda r: (unif(r, (6,)), 0.2), (0, 1),
         note="explicit heat equation: u[1:-1] = u[1:-1] + k * laplacian(u), 5 steps"),
    Case(rk4_step, lambda r: (unif(r, (3,)), 0.1), (0, 1), note="one RK4 step, helper rhs"),
    Case(horner, lambda r: (unif(r, (5,)), unif(r)), (0, 1), note="Horner's scheme"),
    Case(logistic_regression_loss,
         lambda r: (unif(r, (3,)), unif(r, (8, 3)), (unif(r, (8,)) > 0).astype(np.float64)),
         note="logistic regression loss"),
    Case(log_sum_exp, lambda r: (distinct(r, (5,)),), note="stable log-sum-exp"),
    Case(softmax, lambda r: (distinct(r, (4,)),), grad_ys=np.array([1.0, -2.0, 0.5, 3.0]),
         note="stable softmax"),
    Case(mlp_loss,
         lambda r: (unif(r, (3, 4)), unif(r, (4,)), unif(r, (4, 2)), unif(r, (2,)),
                    unif(r, (5, 3)), unif(r, (5, 2))),
         (0, 1, 2, 3), note="two-layer tanh MLP, mean squared error"),
    Case(rosenbrock, lambda r: (unif(r, (4,)),), note="Rosenbrock in a loop"),
    Case(pairwise_distances, lambda r: (unif(r, (4, 2)),), note="pairwise distances, nested loops"),
    Case(damped_oscillator, lambda r: (4.0, 0.3), (0, 1),
         note="while t < T; the trip count does not depend on k, c"),
    Case(negative_constant_base, lambda r: (unif(r),),
         note="(-0.5) ** 2 folded and printed as -0.5 ** 2 (found by fuzzing: wrong sign)"),
    Case(self_copy_in_branch, lambda r: (0.7,), note="y = y in a branch (found by fuzzing: "
                                                      "zero gradient)"),
    Case(self_copy_in_branch, lambda r: (-0.7,), tag="else"),
    Case(view_read_then_written_in_branch, lambda r: (np.array([0.3, 0.6, -0.4]),),
         note="tanh of a view, then the array written, in a branch: the adjoint must not "
              "recompute tanh from the written view (found by fuzzing)"),
    # found by fuzzing (tests/test_fuzz.py): wrong gradients until fixed
    Case(written_after_early_return, lambda r: (np.array([1.227967, -1.315961, -0.148139]),),
         note="y = x * 2; y[0] = 0 read after: the adjoint recomputed y without the write"),
    Case(written_in_loop_at_computed_index, lambda r: (unif(r, (3,)),),
         note="undo of x[2 - i] = 0 used the last iteration's index"),
    Case(written_then_rebound_in_branch, lambda r: (0.7, unif(r, (3,))), (0, 1),
         note="x1 written then rebound: the undo wrote into the new object"),
    Case(slice_squared_then_rebound_in_loop, lambda r: (unif(r, (3,)),),
         note="a[0:2] = a[:2] * a[:2], then a rebound in a loop"),
    Case(fresh_array_written_beside_alias, lambda r: (0.5, unif(r, (3,))), (0, 1),
         exact={0: "none"},
         note="guards shifted the gaps of definedness (crashed); the write into a fresh "
              "array is no longer refused for sharing with an unrelated array"),
    Case(constant_branches, lambda r: (0.7,),
         note="tests that are constants: Numba drops the branch, so srcgrad drops it too "
              "(a stack pushed only there failed to compile)"),
    Case(return_in_for_inside_if, lambda r: (0.5, 0.4), (0, 1),
         note="return in a for loop inside an if: Numba folded `returned = True; if returned: "
              "break` and could not type the result (cpu failed to compile)"),
    Case(return_in_for_inside_if, lambda r: (0.5, -0.4), (0, 1), tag="skipped"),
    Case(constant_or_in_elif, lambda r: (0.3,),
         note="`c or x` with a true constant: the else branch is dead for Numba and srcgrad"),
    Case(stop_gradient_in_conditions, lambda r: (1.3,),
         note="stop_gradient inside while/if tests (found by fuzzing: cpu failed to compile)"),
    Case(seed_f, lambda r: (np.array([[0.48800924]]),),
         note="seed 002: f(a) with while and if -> 4096 (c / a)"),
    Case(seed_f, lambda r: (np.array([[-0.3]]),), tag="negative",
         note="seed f on the else branch: 100 * 2**k"),
    Case(gradient_descent_unrolled, lambda r: (unif(r, (3,)), unif(r, (3,))), (0, 1),
         note="an unrolled optimisation loop"),
    # --- kernels whose adjoints need no saved copies (issue 19) -------------------------------
    Case(jacobi_relaxation, lambda r: (unif(r, (6, 6)), 3), note="written once per pass, read after"),
    Case(heat_explicit, lambda r: (unif(r, (6, 5)), 0.1, 3), (0, 1),
         note="copy per step, own elements written"),
    Case(upwind_transport, lambda r: (unif(r, (6, 5)), 0.3, 0.2, 3), (0, 1, 2),
         note="rows above and beside added into: a loop per row"),
    Case(nine_point_smoothing, lambda r: (unif(r, (6, 7)), 0.6, 2), (0, 1),
         note="three rows added into, three elements each: a loop per row"),
    Case(increments_by_sign, lambda r: (np.cumsum(away(r, (8,))),),
         note="a difference recomputed for the test and both branches"),
    Case(log_sum_exp_loops, lambda r: (distinct(r, (9,)),),
         note="exp of a number summed into a value the reverse reads: saved"),
    Case(sum_of_exponentials, lambda r: (unif(r, (8,)), 0.7), (0, 1),
         note="exp of a number in a sum nothing reads: recomputed"),
    Case(tanh_features_energy, lambda r: (unif(r, (9,)), 0.8, -0.2), (0, 1, 2),
         note="tanh of each element saved: computed first, in a loop of its own (cpu)"),
    Case(log_moments, lambda r: (np.abs(unif(r, (9,))) + 0.1, 1.5), (0, 1),
         note="log of each element saved: computed first (cpu)"),
    Case(discounted_exponentials, lambda r: (unif(r, (8,)), 0.3), (0, 1),
         note="exp of a carried value: computed in its pass"),
    Case(softmax_rows_loss, lambda r: (distinct(r, (4, 5)), unif(r, (4, 5), 0.0, 0.4)),
         note="np.exp of elements, saved for the reverse"),
    Case(biquad_filter, lambda r: (unif(r, (12,)), 0.2, 0.3, 0.2, -0.5, 0.2), (0, 1, 2, 3, 4, 5),
         note="scalar state carried between samples"),
    Case(spring_chain_leapfrog, lambda r: (unif(r, (6,)), unif(r, (6,)), 1.3, 0.05, 4),
         (0, 1, 2, 3), note="stacks popped in loops counting down"),
    Case(softened_gravity_energy, lambda r: (unif(r, (5, 3)), unif(r, (5,), 0.5, 1.5), 0.1),
         (0, 1, 2), note="a negative power's derivative from the power at hand"),
    Case(inverse_square_pairs, lambda r: (np.cumsum(unif(r, (5,), 0.3, 1.0)), unif(r, (5,))),
         (0, 1), note="an integer negative power's derivative from the power at hand"),
    Case(shortest_paths_through_pivots, lambda r: (unif(r, (5, 5), 0.1, 1.0),),
         note="an element kept in a variable but in the one pass that meets it"),
    Case(floyd_warshall, lambda r: (unif(r, (5, 5), 0.1, 1.0),),
         note="min of an element and a path, in place: its decision saved, not the element"),
    Case(max_drawdown, lambda r: (np.array([1.0, 0.8, 1.1, 0.7, 1.3, 0.9, 1.2])
                                  + unif(r, (7,), -0.02, 0.02),),
         note="running maxima of numbers: their decisions saved"),
    Case(warping_distance, lambda r: (unif(r, (5,)), unif(r, (4,))), (0, 1),
         note="min of three cells read again: nothing saved for it"),
    Case(smooth_reading_ahead, lambda r: (unif(r, (7,), 0.5, 1.0), 0.3), (0, 1),
         note="read ahead of the writes: restored"),
    Case(channel_centred_squares, lambda r: (unif(r, (3, 4)),),
         note="a value read in a later inner loop and its shape before it"),
    Case(bicg_loops, lambda r: (unif(r, (3, 4)), unif(r, (4,)), unif(r, (3,))), (0, 1, 2),
         note="elements updated in place by +=: their cotangents passed through"),
    Case(forward_substitution, lambda r: (np.tril(unif(r, (5, 5))) + 3 * np.eye(5), unif(r, (5,))),
         (0, 1), note="elements of earlier passes read again, nothing saved"),
    Case(back_substitution, lambda r: (np.triu(unif(r, (5, 5))) + 3 * np.eye(5), unif(r, (5,))),
         (0, 1), note="elements of earlier passes of a descending loop read again"),
    Case(causal_window, lambda r: (unif(r, (6,)), 0.4), (0, 1),
         note="negative indices name later passes' elements: saved"),
    Case(thomas_solve, lambda r: (unif(r, (6,)), unif(r, (6,), 3.0, 4.0), unif(r, (6,)),
                                  unif(r, (6,))), (0, 1, 2, 3),
         note="elements the pass before wrote (i - 1, i + 1) read again, nothing saved"),
    Case(behind_from_zero, lambda r: (unif(r, (6,)), 0.4), (0, 1),
         note="y[i - 1] at i = 0 is the last element, which a later pass writes"),
    Case(row_energy, lambda r: (unif(r, (4, 3)), unif(r, (3,))), (0, 1),
         note="a row's cotangent added into the matrix's (add_into on cpu)"),
    Case(verlet_chain, lambda r: (unif(r, (5,)), unif(r, (5,)), 0.5, 0.1, 6), (0, 1, 2, 3),
         note="a time loop: its state saved at segment starts where it is large"),
    # --- short vectors as numbers (frontend/small_arrays.py) ----------------------------------
    Case(camera_residual, lambda r: (np.concatenate([unif(r, (3,), 0.2, 0.6), unif(r, (3,)),
                                                     [1.5, 0.1, 0.01]]),
                                     unif(r, (3,)) + np.array([0.0, 0.0, 4.0]), unif(r, (2,))),
         (0, 1, 2), note="slices of a parameter vector, a cross product, p[0:2] / p[2]"),
    Case(rotated_projection, lambda r: (np.concatenate([unif(r, (3,), 0.2, 0.6), unif(r, (5,))]),
                                        unif(r, (3,)) + np.array([0.0, 0.0, 4.0])), (0, 1),
         note="values saved in a branch outside loops: variables, no stacks"),
    Case(spring_chain_energy, lambda r: (np.cumsum(unif(r, (6, 2), 0.5, 1.0), axis=0), 0.7),
         (0, 1), note="a 2-vector per bond from elements of a matrix"),
    Case(oscillator_midpoint, lambda r: (unif(r, (2,)), 1.3, 0.1, 5), (0, 1, 2),
         note="a state vector carried by a loop"),
    Case(swapped_in_a_loop, lambda r: (unif(r, (3,)), 3), note="v = v[::-1] in a loop"),
    Case(rows_of_small_vectors, lambda r: (unif(r, (4,)), 0.8), (0, 1),
         grad_ys=np.array([0.7, -1.1]), note="vectors stored into rows; a vector result"),
    # --- elements later passes write, read from a copy (adjoint/snapshots.py) -----------------
    Case(triangular_in_place, lambda r: (np.triu(unif(r, (5, 5))), unif(r, (5,)), 0.8), (0, 1, 2),
         note="x[j] for j > i: entries later passes write, read from a copy made before"),
    Case(nonlinear_gauss_seidel, lambda r: (unif(r, (5, 5)), 0.3, 2), (0, 1),
         note="a[i + 1, j] read by a nonlinear update, sweep after sweep"),
]

FUNCTIONS = sorted({case.fn.__name__ for case in CASES})
