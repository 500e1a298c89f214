"""Recursive functions for tests/frontend/test_recursion.py (module level, as a
user writes them: srcgrad reads their source)."""

import numpy as np


def det(A):
    """The determinant by expansion in minors along the first row."""
    n = A.shape[0]
    if n == 1:
        return A[0, 0]
    s = 0.0
    for j in range(n):
        minor = np.empty((n - 1, n - 1))
        for r in range(1, n):
            c2 = 0
            for c in range(n):
                if c != j:
                    minor[r - 1, c2] = A[r, c]
                    c2 += 1
        s += (-1) ** j * A[0, j] * det(minor)
    return s


def det_by_slices(A):
    """The same, the minor joined from two slices."""
    n = A.shape[0]
    if n == 1:
        return A[0, 0]
    s = 0.0
    for j in range(n):
        minor = np.hstack((A[1:, :j], A[1:, j + 1:]))
        s += (-1) ** j * A[0, j] * det_by_slices(minor)
    return s


def loss(A):
    """A recursive helper called from a function that does not recurse."""
    return det(A) ** 2 + np.sum(A)


def power(x, k):
    return 1.0 if k == 0 else x * power(x, k - 1)


def ping(x, k):
    """Mutual recursion: ping -> pong -> ping."""
    if k <= 0:
        return x
    return pong(np.sin(x) * 1.5, k - 1)


def pong(x, k):
    if k <= 0:
        return x * x
    return ping(x + 0.5, k - 1) + x


def nested_sum(x, y, n=3):
    """Two differentiated arguments (its vjp returns both cotangents), a
    keyword argument and a default."""
    if n == 0:
        return x * y
    return nested_sum(np.sin(x) + y, y * 1.1, n=n - 1) + x


def scaled_nested_sum(x, y):
    return nested_sum(x, y) * 2.0


def halving(x):
    """A depth that depends on the value: a `while` and the recursion both."""
    if x < 1.0:
        return x * x
    y = x
    while y > 1.0:
        y = y * 0.5
    return halving(y) + np.sqrt(x)


def norms(v):
    """An array result: each level one element shorter."""
    if v.shape[0] == 1:
        return v * v
    rest = norms(v[1:])
    return np.concatenate((rest * v[0], np.array([np.sum(v * v)])))


# --- refused -------------------------------------------------------------------------------


def recursive_closure(x, n):
    def halve(v, k):
        if k == 0:
            return v
        return halve(v * 0.5, k - 1)  # <- error

    return halve(x, n) * 2.0


def writes_into_argument(a, n):
    if n == 0:
        return np.sum(a)
    a[0] = a[0] * 2.0  # <- error
    return writes_into_argument(a, n - 1)


def updates_argument(a, n):
    if n == 0:
        return np.sum(a * a)
    a += 1.0  # <- error
    return updates_argument(a, n - 1)


def pair(x, n):
    if n == 0:
        return x, x * x
    a, b = pair(x * 0.5, n - 1)  # <- error
    return a + 1.0, b * x


def takes_a_tuple(xs, n):
    if n == 0:
        return xs[0] * xs[1]
    return takes_a_tuple((xs[1], xs[0] * 0.5), n - 1)  # <- error
