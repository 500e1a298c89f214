"""Numerical Python as people write it: iteration, lists, dicts, functions as values.

Each function is differentiated on python and cpu and checked against
central differences by test_python_values.py.
"""

import functools
from collections import namedtuple

import numpy as np

Layer = namedtuple("Layer", ["W", "b"])


def rows_of_matrix(A, x):
    total = 0.0
    for row in A:
        total = total + np.tanh(row @ x)
    return total


def enumerate_with_start(x):
    s = 0.0
    for i, xi in enumerate(x, start=1):
        s = s + i * xi ** 2
    return s


def zip_two_arrays(x, y):
    s = 0.0
    for a, b in zip(x, y):
        s = s + a * np.sin(b)
    return s


def enumerate_of_zip(A, y):
    """Nested iterators: enumerate of a zip of arrays (rows and numbers)."""
    s = 0.0
    for i, (row, b) in enumerate(zip(A, y), 1):
        s = s + i * np.sum(row * row) * b
    return s


def zip_of_enumerate_and_reversed(x, y):
    """zip of an enumerate, a reversed array and a known list."""
    s = 0.0
    for (i, a), b, c in zip(enumerate(x), reversed(y), [1.0, 2.0, 3.0]):
        s = s + (i + c) * a * np.cos(b)
    return s


def reversed_range_recurrence(x):
    n = x.shape[0]
    h = 0.0
    for i in reversed(range(n)):
        h = np.tanh(x[i] + 0.5 * h)
    return h


def reversed_array(x):
    h = 1.0
    for v in reversed(x):
        h = h * 0.9 + v * h
    return h


def ndindex_sum(A):
    s = 0.0
    for i, j in np.ndindex(A.shape[0], A.shape[1]):
        s = s + (i + 1) * A[i, j] ** 2
    return s


def break_in_array_loop(x):
    s = 0.0
    for v in x:
        if s > 2.0:
            break
        s = s + v * v
    return s


def continue_and_return_in_loop(x):
    s = 0.0
    for _i, v in enumerate(x):
        if v < 0:
            continue
        s = s + np.exp(v)
        if s > 50.0:
            return s * 2.0
    return s


def mlp_layers_as_list(x, W1, b1, W2, b2):
    layers = [(W1, b1), (W2, b2)]
    h = x
    for W, b in layers:
        h = np.tanh(W @ h + b)
    return np.sum(h ** 2)


def list_grown_in_constant_loop(x):
    acc = []
    for k in range(3):
        acc.append(np.sin(x * (k + 1)))
    return np.sum(np.stack(acc)) + np.sum(acc[-1]) * len(acc)


def list_literal_and_builtin_sum(a, b):
    terms = [a * b, a ** 2, 3.0]
    terms.append(b / 2.0)
    return sum(terms) + terms[1] * terms[-1]


def numpy_sum_of_list(a):
    return np.sum([1.0, a * a, 2.0])


def array_of_scalars(a, b):
    v = np.array([a, a * b, np.sin(b)])
    return np.dot(v, v)


def comprehension_over_list(x, W1, W2):
    hs = [np.tanh(W @ x) for W in [W1, W2]]
    return sum(np.sum(h) for h in hs)


def generator_over_computed_range(w, x):
    n = x.shape[0]
    return sum(w[i] * x[i] ** 2 for i in range(n) if i != 1)


def dict_of_parameters(x, w, c):
    params = {"w": w, "c": c}
    params["scale"] = 0.5
    return params["scale"] * np.sum((params["w"] * x + params["c"]) ** 2)


def named_tuple_layer(x, W, b):
    layer = Layer(W, b)
    return np.sum(np.tanh(layer.W @ x + layer.b))


def tuple_state_in_while(x):
    state = (x, 0.0)
    k = 0
    while k < 4:
        pos, vel = state
        state = (pos + 0.1 * vel, vel - 0.1 * np.sin(pos))
        k += 1
    return state[0] + 2.0 * state[1]


def branch_rebinds_list(a, b):
    pair = [a, b]
    if a > 0:
        pair = [a * b, b]
    else:
        pair[1] = b * b
    return pair[0] + pair[1]


def nested_def_closure(x, w):
    def f(v):
        return np.tanh(w * v)
    s = 0.0
    for i in range(x.shape[0]):
        s = s + f(x[i])
    return s


def lambda_helper(x):
    sq = lambda v: v * v  # noqa: E731
    return np.sum(sq(np.sin(x)))


def _rk4(rhs, y, h, n):
    for _ in range(n):
        k1 = rhs(y)
        k2 = rhs(y + 0.5 * h * k1)
        k3 = rhs(y + 0.5 * h * k2)
        k4 = rhs(y + h * k3)
        y = y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return y


def _pendulum(y, damping=0.1):
    return np.array([y[1], -np.sin(y[0]) - damping * y[1]])


def integrator_with_function_argument(y0):
    y = _rk4(_pendulum, y0, 0.1, 5)
    return y[0] ** 2 + y[1]


def integrator_with_partial(y0, c):
    rhs = functools.partial(_scaled, c=c)
    return np.sum(_rk4(rhs, y0, 0.05, 4))


def _scaled(y, c):
    return -c * y * y


def _total(*terms):
    s = 0.0
    for t in terms:
        s = s + np.sum(t)
    return s


def star_args_helper(x, y):
    parts = (x * y, np.cos(x))
    return _total(*parts, y ** 2)


def nested_def_beside_a_tuple_return(x):
    def g(v):
        return v * v

    return np.sum(g(x)), np.sum(np.sin(x))


def list_seen_through_another_name(x):
    acc = [x[0]]
    alias = acc
    acc.append(x[1] * 3.0)
    return sum(alias) * len(alias)


def _push_square(items, v):
    items.append(v * v)


def helper_appends_to_a_list(x):
    acc = []
    _push_square(acc, x[0])
    _push_square(acc, x[1])
    return acc[0] + 2.0 * acc[1]


def closure_appends_to_a_list(x):
    acc = [x[0]]

    def push(v):
        acc.append(np.sin(v))

    push(x[1])
    push(x[2])
    return acc[-1] * acc[0] + len(acc)


def list_inside_a_dict(x):
    d = {"xs": [x[0]]}
    d["xs"].append(x[1] ** 2)
    return d["xs"][1] * d["xs"][0]


def list_elements_in_a_loop(x, n):
    acc = [x[0], x[1]]
    for _ in range(n):
        if acc[0] > 0.5:
            acc[0] = acc[0] * 0.5
        acc[1] = acc[1] + acc[0]
    return acc[0] * acc[1]


def spread_methods(x):
    return x.var() + x.std(ddof=1) + np.sum(x.reshape(2, 2).var(axis=0))


def slogdet_kept_in_a_variable(a):
    pair = np.linalg.slogdet(a)
    return pair[1] * pair[0]


def divmod_indexed(x, y):
    return divmod(x, y)[1] * x


def reversed_enumerate(x):
    """Python cannot reverse an enumerate (TypeError): refused, not run backwards."""
    s = 0.0
    for i, a in reversed(enumerate(x)):
        s = s + i * a
    return s
