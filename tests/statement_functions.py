"""Functions with `raise`, `assert`, `:=` and the builtins `max`, `min`, `pow`,
`divmod`, `round`, `math.fsum`, for `frontend/test_statements_builtins.py`.

In a module of their own: pytest rewrites the `assert` statements of test
modules (their messages grow an explanation), and these must raise what
Python raises.  `# <- error` marks the line srcgrad names when it refuses one.
"""

from __future__ import annotations

import math

import numpy as np

# --- raise and assert ------------------------------------------------------------------------


class NotConverged(Exception):
    pass


MESSAGE = "did not converge"


def checked_sum(x):
    if x.shape[0] == 0:
        raise ValueError("empty")
    return np.sum(x * x)


def asserted_log(x):
    assert np.all(x > 0), "x must be positive"
    return np.sum(np.log(x))


def asserted_bare(x):
    assert x > 0
    return x * x * x


def raises_in_loop(x):
    for _ in range(4):
        x = x * 2.0
        if x > 100.0:
            raise OverflowError("too big")
    return x * x


def halves(x):
    k = 0
    while x > 1.0:
        x = x * 0.5
        k = k + 1
        if k > 20:
            raise NotConverged(MESSAGE)
    return x


def raises_last(x):
    if x > 0:
        return np.sqrt(x)
    raise ValueError("negative")


def positive_inverse(x):
    assert x != 0.0, "zero"
    return 1.0 / x


def calls_asserting(x):
    return positive_inverse(x) * x * x * x


def raises_in_branch(x):
    if x > 0:
        y = x * 3.0
    else:
        raise ValueError("not positive")
    return y * y


def formatted_message(x):
    if x < 0:
        raise ValueError(f"negative: {x}")  # <- error
    return x


def formatted_assert(x):
    assert x > 0, "bad " + str(x)  # <- error
    return x


def reraises(x):
    if x < 0:
        raise  # <- error
    return x


def raises_from(x):
    if x < 0:
        raise ValueError("negative") from None  # <- error
    return x


ERROR = ValueError("prepared")


def raises_instance(x):
    if x < 0:
        raise ERROR  # <- error
    return x


def asserts_on_gpu(x):
    assert x > 0, "positive"  # <- error
    return x * x


# --- assignment expressions -----------------------------------------------------------------


def walrus_if(x):
    if (n := len(x)) > 2:
        return np.sum(x * x) * n
    return np.sum(x)


def walrus_while(x):
    while (d := np.sum(x * x)) > 0.5:
        x = x * 0.5
    return d * 3.0


def shrink(x):
    return np.sum(np.sin(x) ** 2)


def walrus_update(x):
    k = 0
    while (x := x * 0.5) > 0.1:
        k = k + 1
    return x * k


def walrus_while_call(x):
    k = 0
    while (d := shrink(x)) > 0.05:
        x = x * 0.75
        k = k + 1
    return d * k


def walrus_value(x, w):
    y = (t := x * w) * t + np.sin(t)
    return y * w


def walrus_short_circuit(x, n):
    if n > 0 and (k := len(x)) > 2:
        return np.sum(x) * k
    return np.sum(x * x)


def walrus_bound(x):
    s = 0.0
    for i in range(n := len(x)):
        s = s + x[i] * (n - i)
    return s


def walrus_in_call(x):
    return np.sum(np.exp(m := x * 0.5)) + np.sum(m)


def reads_before(x):
    n = 2.0
    return n * x + (n := 3.0)  # <- error


def assigns_twice(x):
    return (a := x) * (a := 2.0 * x) + a  # <- error


def target_reads(x):
    a = np.zeros(3)
    i = 0
    a[i] = (i := 2) * x  # <- error
    return np.sum(a)


def in_target(x):
    a = np.zeros(3)
    a[(i := 1)] = x  # <- error
    return np.sum(a) * i


def chained(x):
    if 0.0 < x < (c := 3.0):  # <- error
        return x * c
    return x


# --- builtins -------------------------------------------------------------------------------


def max_of_three(a, b, c):
    return max(a * b, c, 0.25) * 2.0


def min_of_four(a, b, c):
    return min(a, b * 2.0, c, 3.0) * a


def max_of_vector(x):
    return max(x) * min(x) + max(x * x)


def builtin_pow(x, y):
    return pow(x, y) + pow(x, 3) + pow(2.0, y)


def builtin_divmod(x, y):
    q, r = divmod(x, y)
    return r * r + q * x


def rounded(x):
    n = round(x)  # an int, as in Python: range(n) takes it
    s = 0.0
    for i in range(n):
        s = s + x * i
    return s + round(x * 10.0, 1) * x


def fsum_of(x):
    return math.fsum(x * x) * 2.0


def extremum_tests(x, a, b):
    # no derivative here: still lowered so that Numba compiles them, and lazily
    if len(x) > 0 and max(x) > max(a, b, 1.0):
        return np.sum(x) * a
    if math.fsum(x) > min(a, b, 0.5):
        return np.sum(x * x) * b
    return a * b


def max_of_values(a, b, c):
    return max(a, b, c)


def max_of_array(x):
    return max(x)


def max_of_matrix(x):
    return max(x) * 2.0  # <- error


def three_names(x):
    q, r, s = divmod(x, 2.0)  # <- error
    return q


def max_with_key(x):
    return max(x, 1.0, key=abs)  # <- error


def pow_modulo(x):
    return pow(x, 2, 3)  # <- error
