"""Functions whose tangent functions the forward-mode API tests read and run."""

from __future__ import annotations

import numpy as np

import srcgrad as sg


def sin_times(x, w):
    y = np.sin(x) * w
    return np.sum(y)


def running(x, a):
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0:
            s = s + np.sin(x[i]) * a[i]
        else:
            a[i] = x[i] * 2.0
    return np.sum(a * x) + s


def two_outputs(x, c):
    return x * c, np.sum(x * x)


def constant_output(x):
    return np.ones(3) + 0.0 * np.floor(x[0])


def softclip(a):
    """The user's own function, with an adjoint rule (below) and no tangent rule."""
    return np.tanh(a) * 2.0


@sg.adjoint(softclip)
def softclip_adjoint(g, ans, a):
    return g * (2.0 - ans * ans / 2.0)


def softclipped(a):
    r = softclip(a)
    return r * 2.0


def squared(a):
    return np.linalg.matrix_power(a, 2)


def eigenvalues(a):
    w = np.linalg.eigvalsh(a + a.T)
    return w * 2.0


def tall(x):
    return np.concatenate((np.sin(x), x * x, np.cos(x[:1])))


def grown(x):
    acc = []
    i = 0
    while i < x.shape[0]:
        acc.append(np.sin(x[i]) * x[0])
        i += 1
    return np.sum(np.array(acc) ** 2)


def relaxed(x):
    """A `while` loop of sweeps over an array made inside the function."""
    y = np.zeros(x.shape[0])
    k = 0
    while k < 3:
        for i in range(1, x.shape[0]):
            y[i] = 0.5 * (y[i - 1] + np.sin(x[i]) * x[i - 1])
        k += 1
    return y * x
