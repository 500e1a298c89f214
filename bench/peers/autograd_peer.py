"""autograd (HIPS): the functions in `autograd.numpy`, `autograd.grad` over
the parameters.  Loops over elements are written vectorised, as an autograd
user writes them (a loop that reads `w[i]` builds a full-size adjoint array
per element); the loops that cannot be (the integrators) stay Python loops
on boxed scalars."""

from __future__ import annotations

import autograd
import autograd.numpy as anp

from . import Peer, Prepared, as_numpy_tuple, triu_pairs


def _make(f, args, wrt, note=None):
    g = autograd.grad(f, argnum=tuple(wrt))
    return Prepared(lambda: g(*args), as_numpy_tuple, note)


def seed_f(args, wrt):
    def f(a):
        b = a * 2
        while anp.linalg.norm(b) < 1000:
            b = b * 2
        if anp.sum(b) > 0:
            c = b
        else:
            c = 100 * b
        return anp.sum(c)

    return _make(f, args, wrt)


def euler(args, wrt):
    def f(x0, k, n):
        x = x0
        h = 1.0 / n
        for _ in range(n):
            x = x - h * k * anp.sin(x)
        return x

    return _make(f, args, wrt)


def oscillator(args, wrt):
    def f(x0, v0, c, k, t_end):
        h = 1e-3
        x, v, t = x0, v0, 0.0
        while t < t_end:
            a = -k * x - c * v
            v = v + h * a
            x = x + h * v
            t = t + h
        return 0.5 * v * v + 0.5 * k * x * x

    return _make(f, args, wrt)


def rk4(args, wrt):
    def f(x0, y0, a, b, c, d, n):
        h = 10.0 / n
        x, y = x0, y0
        for _ in range(n):
            k1x = a * x - b * x * y
            k1y = d * x * y - c * y
            x2, y2 = x + 0.5 * h * k1x, y + 0.5 * h * k1y
            k2x = a * x2 - b * x2 * y2
            k2y = d * x2 * y2 - c * y2
            x3, y3 = x + 0.5 * h * k2x, y + 0.5 * h * k2y
            k3x = a * x3 - b * x3 * y3
            k3y = d * x3 * y3 - c * y3
            x4, y4 = x + h * k3x, y + h * k3y
            k4x = a * x4 - b * x4 * y4
            k4y = d * x4 * y4 - c * y4
            x = x + h / 6.0 * (k1x + 2.0 * k2x + 2.0 * k3x + k4x)
            y = y + h / 6.0 * (k1y + 2.0 * k2y + 2.0 * k3y + k4y)
        return x * y

    return _make(f, args, wrt)


def wsos(args, wrt):
    return _make(lambda w, x: anp.sum(w * x * x), args, wrt)


def stencil(args, wrt):
    def f(u):
        d = u[:-2] - 2.0 * u[1:-1] + u[2:]
        return anp.sum(d * d)

    return _make(f, args, wrt)


def rosenbrock(args, wrt):
    def f(x):
        a = x[1:] - x[:-1] * x[:-1]
        b = 1.0 - x[:-1]
        return anp.sum(100.0 * a * a + b * b)

    return _make(f, args, wrt)


def nbody(args, wrt):
    i, j = triu_pairs(args[0].shape[0])

    def f(pos, m):
        d = pos[i] - pos[j]
        r = anp.sqrt(anp.sum(d * d, axis=1) + 0.01)
        return -anp.sum(m[i] * m[j] / r)

    return _make(f, args, wrt)


def logistic(args, wrt):
    def f(w, X, y):
        p = 1.0 / (1.0 + anp.exp(-(X @ w)))
        return -anp.mean(y * anp.log(p) + (1.0 - y) * anp.log(1.0 - p))

    return _make(f, args, wrt)


def mlp(args, wrt):
    def f(W1, b1, W2, b2, X, Y):
        h = anp.tanh(X @ W1 + b1)
        z = h @ W2 + b2
        zmax = anp.max(z)
        lse = anp.log(anp.sum(anp.exp(z - zmax), axis=1)) + zmax
        return (anp.sum(lse) - anp.sum(Y * z)) / X.shape[0]

    return _make(f, args, wrt)


def gauss_sine(args, wrt):
    return _make(lambda x: anp.sum(anp.sin(x) * anp.exp(-x * x)), args, wrt)


BUILDERS = {"seed_f": seed_f, "euler": euler, "oscillator": oscillator, "rk4": rk4,
            "wsos": wsos, "stencil": stencil, "rosenbrock": rosenbrock, "nbody": nbody,
            "logistic": logistic, "mlp": mlp, "gauss_sine": gauss_sine}

VECTORISED = "vectorised (the loop over elements written as array operations)"


def load() -> list[Peer]:
    from importlib.metadata import version

    notes = {k: VECTORISED for k in ("wsos", "stencil", "rosenbrock", "nbody")}
    return [Peer("autograd", BUILDERS, version("autograd"), notes)]

