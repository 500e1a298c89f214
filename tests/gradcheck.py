"""The independent oracle: gradients by central finite differences in float64.

`numerical_gradient(f, args, wrt, grad_ys)` perturbs each element of each
`wrt` argument (in float64) and differentiates `sum(grad_y * output)` over
the outputs: what srcgrad's reverse mode must return.  `assert_gradient`
compares srcgrad's result with it.  `numerical_hvp(f, args, wrt, along)`
is a second derivative from `f` alone: the gradient, with respect to the
`wrt` arguments, of the derivative of `f` along the directions `along`
(what srcgrad's gradient of its own gradient, seeded with those
directions, must return).
"""

from __future__ import annotations

import numpy as np

EPS = 1e-6


def _as_float64(value):
    if isinstance(value, np.ndarray):
        return value.astype(np.float64)
    if isinstance(value, (np.floating, np.integer, float, int, bool, np.bool_)):
        return float(value)
    return value


def _objective(f, args, grad_ys):
    # a fresh copy for every call: `f` may write into its arguments
    out = f(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in args])
    outs = out if isinstance(out, tuple) else (out,)
    if grad_ys is None:
        seeds = [None] * len(outs)
    elif isinstance(out, tuple):
        seeds = list(grad_ys)
    else:
        seeds = [grad_ys]
    total = 0.0
    for value, seed in zip(outs, seeds):
        value = np.asarray(value, dtype=np.float64)
        total += float(np.sum(value if seed is None else np.asarray(seed) * value))
    return total


def numerical_gradient(f, args, wrt=0, grad_ys=None, eps=EPS):
    """Central differences of sum(grad_y * f(args)) with respect to args[wrt]
    (an index, or a tuple of them), in float64."""
    single = isinstance(wrt, int)
    indices = (wrt,) if single else tuple(wrt)
    grads = []
    for k in indices:
        base = list(args)
        x = _as_float64(base[k])
        if isinstance(x, np.ndarray):
            g = np.zeros_like(x)
            flat = x.reshape(-1)
            for j in range(flat.size):
                step = eps * max(1.0, abs(flat[j]))
                orig = flat[j]
                flat[j] = orig + step
                base[k] = x.copy()
                up = _objective(f, base, grad_ys)
                flat[j] = orig - step
                base[k] = x.copy()
                down = _objective(f, base, grad_ys)
                flat[j] = orig
                g.reshape(-1)[j] = (up - down) / (2 * step)
            grads.append(g)
        else:
            step = eps * max(1.0, abs(x))
            base[k] = x + step
            up = _objective(f, base, grad_ys)
            base[k] = x - step
            down = _objective(f, base, grad_ys)
            grads.append((up - down) / (2 * step))
    return grads[0] if single else tuple(grads)


def assert_gradient(df, f, args, wrt=0, grad_ys=None, rtol=1e-5, atol=1e-6):
    """srcgrad's `df(*args)` equals the finite-difference gradient of `f`."""
    kwargs = {} if grad_ys is None else {"grad_ys": grad_ys}
    got = df(*args, **kwargs)
    want = numerical_gradient(f, args, wrt, grad_ys)
    if isinstance(wrt, int):
        got, want = (got,), (want,)
    assert len(got) == len(want)
    for k, (g, w) in enumerate(zip(got, want)):
        assert g is not None, f"gradient {k} is None, expected {w}"
        assert np.shape(g) == np.shape(w), f"gradient {k}: shape {np.shape(g)} != {np.shape(w)}"
        np.testing.assert_allclose(np.asarray(g, dtype=np.float64), w, rtol=rtol, atol=atol,
                                   err_msg=f"gradient {k}")
    return got


def numerical_hvp(f, args, wrt, along: dict, eps=1e-4):
    """The gradient with respect to args[wrt] (an index, or a tuple of them) of
    the derivative of `f` along `along` ({argument index: direction}), by
    central differences of central differences of `f` itself, in float64:
    `(f(+h e_i, +t d) - f(+h e_i, -t d) - f(-h e_i, +t d) + f(-h e_i, -t d)) / (4 h t)`."""
    base = [_as_float64(a) for a in args]

    def moved(k, j, h, t):
        values = [np.copy(a) if isinstance(a, np.ndarray) else a for a in base]
        for index, direction in along.items():
            values[index] = values[index] + t * np.asarray(direction, np.float64)
            if np.ndim(values[index]) == 0:
                values[index] = float(values[index])
        if isinstance(values[k], np.ndarray):
            values[k].reshape(-1)[j] += h
        else:
            values[k] = values[k] + h
        return _objective(f, values, None)

    single = isinstance(wrt, int)
    grads = []
    for k in ((wrt,) if single else tuple(wrt)):
        g = np.zeros(np.shape(base[k]))
        for j in range(g.size):
            value = base[k].reshape(-1)[j] if isinstance(base[k], np.ndarray) else base[k]
            h = eps * max(1.0, abs(value))
            g.reshape(-1)[j] = (moved(k, j, h, eps) - moved(k, j, h, -eps)
                                - moved(k, j, -h, eps) + moved(k, j, -h, -eps)) / (4 * h * eps)
        grads.append(g if np.ndim(base[k]) else float(g))
    return grads[0] if single else tuple(grads)
