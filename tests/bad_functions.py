"""Functions outside srcgrad's subset, or misused: each one's error is tested
in test_errors.py by the line it must point at (the `# <- error` marker)."""

import collections
import functools
import math

import numpy as np
from scipy import special

import srcgrad as sg


def uses_try(x):
    try:  # <- error
        y = x * 2.0
    except ValueError:
        y = x
    return y


def uses_with(x):
    with open("f") as fh:  # <- error
        y = x * len(fh.read())
    return y


def list_forms_differ(x):
    parts = [x]
    if x[0] > 0:
        parts = [x, x]
    return np.sum(parts[0])  # <- error


def uses_global_write(x):
    global COUNTER  # <- error
    COUNTER = 1
    return x


def uses_nonlocal_read_only(x):
    return x * SCALE


SCALE = 3.0


def recursive_closure(x, n):
    def halve(v, k):
        if k == 0:
            return v
        return halve(v * 0.5, k - 1)  # <- error
    return halve(x, n) * 2.0


def calls_class(x):
    class Point:  # <- error
        pass
    return x


def calls_a_number(x):
    f = 2.0
    return f(x)  # <- error


_Pair = collections.namedtuple("_Pair", ["a", "b"])


def missing_field(x):
    pair = _Pair(x, 2.0 * x)
    return np.sum(pair.c)  # <- error


def while_else(x):
    while x < 10.0:  # <- error
        x = x * 2.0
    else:
        x = x + 1.0
    return x


def star_args(*xs):  # <- error
    return xs[0]


def no_rule(x):
    return special.struve(1.5, x) * 2.0  # <- error


def opaque_inactive(x, n):
    k = special.factorial(n)
    return x * k


def returns_nothing(x):  # <- error
    y = x * 2.0
    print(y)


def mismatched_returns(x):
    if x > 0:
        return x, x
    return x  # <- error


def attribute_write(x):
    x.flags = 1  # <- error
    return x


def unknown_method(x):
    return x.cumprod()  # <- error


def aliased_write(x):
    y = x * 1.0
    z = y[1:]
    y[1] = 0.0  # <- error
    return np.sum(z)


def boolop_value(x, y):
    z = x or y  # <- error
    return z * 2.0


def cannot_compile(x):
    return math.exp(x)  # <- error


def two_assignments(x):
    y = x * 2.0
    y = y + 1.0
    return y * y


def assigned_in_loop(x, n):
    s = x
    for _ in range(n):
        t = s * 2.0
        s = t
    return s


def two_outputs(x):
    return x * 2.0, x * 3.0


def cube(x):
    return x * x * x


def one_output(x):
    return x * np.ones(3)


def undefined_name(x):
    return x * UNDEFINED_THING  # noqa: F821  # <- error


def stopped(x):
    return sg.stop_gradient(x) * 2.0


def squeeze_without_axis(x):
    return np.squeeze(x) * 2.0  # <- error


def augmented_on_shared(x):
    y = x
    y += 1.0  # <- error
    return np.sum(x * y)


def logged(fn):
    @functools.wraps(fn)
    def wrapper(x):
        return fn(x) + 1.0 * x  # the wrapper changes the function: d/dx adds 1
    return wrapper


@logged
def wrapped_square(x):
    return x * x


def summed_in_loop(x):
    total = 0.0
    for i in range(x.shape[0]):
        total = total + x[i] * x[i]
    return total
