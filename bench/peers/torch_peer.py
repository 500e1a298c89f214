"""PyTorch, eager: float64 tensors with `requires_grad=True` (made before the
timed call, as a user holds parameters), the forward pass in torch ops and
`torch.autograd.grad(loss, params)`.  Loops over elements are written
vectorised, as a PyTorch user writes them; the integrators stay Python loops
on 0-d tensors.  Named torch_peer so that it never shadows `torch`."""

from __future__ import annotations

import numpy as np
import torch

from . import Peer, Prepared, triu_pairs

F64 = torch.float64


def _tensor(value, grad: bool):
    if isinstance(value, np.ndarray):
        t = torch.from_numpy(value.astype(np.float64))
    elif isinstance(value, float):
        t = torch.tensor(value, dtype=F64)
    else:
        return value  # an int (a step count) or another constant
    return t.requires_grad_(grad)


def _make(f, args, wrt, note=None):
    inputs = [_tensor(a, k in wrt) for k, a in enumerate(args)]
    params = [inputs[k] for k in wrt]

    def call():
        return torch.autograd.grad(f(*inputs), params)

    def to_numpy(grads):
        return tuple(g.detach().numpy() if g.ndim else float(g) for g in grads)

    return Prepared(call, to_numpy, note)


def seed_f(args, wrt):
    def f(a):
        b = a * 2
        while torch.linalg.norm(b) < 1000:
            b = b * 2
        if torch.sum(b) > 0:
            c = b
        else:
            c = 100 * b
        return torch.sum(c)

    return _make(f, args, wrt)


def euler(args, wrt):
    def f(x0, k, n):
        x = x0
        h = 1.0 / n
        for _ in range(n):
            x = x - h * k * torch.sin(x)
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
    return _make(lambda w, x: torch.sum(w * x * x), args, wrt)


def stencil(args, wrt):
    def f(u):
        d = u[:-2] - 2.0 * u[1:-1] + u[2:]
        return torch.sum(d * d)

    return _make(f, args, wrt)


def rosenbrock(args, wrt):
    def f(x):
        a = x[1:] - x[:-1] * x[:-1]
        b = 1.0 - x[:-1]
        return torch.sum(100.0 * a * a + b * b)

    return _make(f, args, wrt)


def nbody(args, wrt):
    i, j = (torch.from_numpy(ix) for ix in triu_pairs(args[0].shape[0]))

    def f(pos, m):
        d = pos[i] - pos[j]
        r = torch.sqrt(torch.sum(d * d, dim=1) + 0.01)
        return -torch.sum(m[i] * m[j] / r)

    return _make(f, args, wrt)


def logistic(args, wrt):
    def f(w, X, y):
        p = 1.0 / (1.0 + torch.exp(-(X @ w)))
        return -torch.mean(y * torch.log(p) + (1.0 - y) * torch.log(1.0 - p))

    return _make(f, args, wrt)


def mlp(args, wrt):
    def f(W1, b1, W2, b2, X, Y):
        h = torch.tanh(X @ W1 + b1)
        z = h @ W2 + b2
        zmax = torch.max(z)
        lse = torch.log(torch.sum(torch.exp(z - zmax), dim=1)) + zmax
        return (torch.sum(lse) - torch.sum(Y * z)) / X.shape[0]

    return _make(f, args, wrt)


def gauss_sine(args, wrt):
    return _make(lambda x: torch.sum(torch.sin(x) * torch.exp(-x * x)), args, wrt)


BUILDERS = {"seed_f": seed_f, "euler": euler, "oscillator": oscillator, "rk4": rk4,
            "wsos": wsos, "stencil": stencil, "rosenbrock": rosenbrock, "nbody": nbody,
            "logistic": logistic, "mlp": mlp, "gauss_sine": gauss_sine}

VECTORISED = "vectorised (the loop over elements written as tensor operations)"


def load() -> list[Peer]:
    notes = {k: VECTORISED for k in ("wsos", "stencil", "rosenbrock", "nbody")}
    return [Peer("torch", BUILDERS, torch.__version__, notes)]
