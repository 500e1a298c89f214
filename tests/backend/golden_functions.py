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


def clipped_sum(x):
    """An `if` inside a loop."""
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0.0:
            s += x[i] * x[i]
        else:
            s -= 0.5 * x[i]
    return s


def decay(x, a):
    """Writes into an array, each element from the one before."""
    y = np.zeros_like(x)
    y[0] = x[0]
    for i in range(1, x.shape[0]):
        y[i] = a * y[i - 1] + x[i]
    return np.sum(y * y)


def mlp_layer(W, b, x):
    """One layer of a neural network and a squared-norm loss."""
    h = np.tanh(W @ x + b)
    return np.sum(h * h)


def newton_sqrt(a):
    """A while loop that runs until it converges."""
    x = a
    k = 0
    while abs(x * x - a) > 1e-12 * a and k < 50:
        x = 0.5 * (x + a / x)
        k += 1
    return x


def horner(c, x):
    """A for loop with a loop-carried scalar."""
    y = 0.0
    for k in range(c.shape[0]):
        y = y * x + c[k]
    return y


def entropy(z):
    """Reductions: a softmax and its entropy."""
    e = np.exp(z - np.max(z))
    p = e / np.sum(e)
    return -np.sum(p * np.log(p))


def cubic(x):
    """Differentiated twice (higher order)."""
    return x * x * x + math.sin(x)


def cubic_derivative(x):
    """The derivative of `cubic`, by hand: the oracle of its second derivative."""
    return 3.0 * x * x + math.cos(x)


def damped(x, v):
    """A function of scalars, for the CUDA device form."""
    for _ in range(4):
        x = x + 0.1 * v
        v = v - 0.1 * x - 0.05 * v * v
    return x * math.exp(-0.5 * v)


def smooth(u):
    """A three-point stencil."""
    v = np.zeros_like(u)
    for i in range(1, u.shape[0] - 1):
        v[i] = 0.25 * u[i - 1] + 0.5 * u[i] + 0.25 * u[i + 1]
    return np.sum(v * v)


def polar(r, theta):
    """Two outputs, two inputs."""
    return r * math.cos(theta), r * math.sin(theta)
