"""Functions whose generated adjoints are kept as golden text in `golden/`
(`test_golden.py`).  Changing a line here changes the golden files."""

import math

import numpy as np


def weighted_sum(w, x):
    s = 0.0
    for i in range(x.shape[0]):
        s += w[i] * x[i] * x[i]
    return s


def logistic(w, X, y):
    z = X @ w
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def euler(x0, k):
    x = x0
    t = 0.0
    while t < 1.0:
        x = x - 0.01 * k * math.sin(x)
        t += 0.01
    return x


def seed_f(a):
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
    if np.sum(b) > 0:
        c = b
    else:
        c = 100 * b
    return c
