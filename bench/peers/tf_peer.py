"""TensorFlow 2, float64: `tf.GradientTape` over watched tensors (made before
the timed call), `tape.gradient(loss, params)`; two peers:

- tf-eager: the tape in eager mode, loops as Python loops over eager ops;
- tf-function: the same tape inside a `tf.function`, loops written so that
  AutoGraph turns them into `tf.while_loop`s (`for _ in tf.range(n)`, and the
  `while` tests on tensors), whose gradients TensorFlow computes with
  accumulators, data-dependent trip counts included.  The function is traced
  in the warm-up call.

Loops over elements are vectorised, as a TensorFlow user writes them."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from . import Peer, Prepared, triu_pairs  # noqa: E402

F64 = tf.float64


def _tensor(value):
    if isinstance(value, np.ndarray):
        return tf.constant(value, dtype=F64)
    if isinstance(value, float):
        return tf.constant(value, dtype=F64)
    return value


def _to_numpy(grads):
    return tuple(g.numpy() if g.shape.rank else float(g.numpy()) for g in grads)


def _make(f, args, wrt, graph: bool):
    inputs = [_tensor(a) for a in args]

    def gradient(*inputs):
        params = [inputs[k] for k in wrt]
        with tf.GradientTape() as tape:
            for p in params:
                tape.watch(p)
            loss = f(*inputs)
        # tf.gather's gradient is sparse (IndexedSlices): made dense, as every
        # other peer returns it
        return [tf.convert_to_tensor(g) for g in tape.gradient(loss, params)]

    if graph:
        gradient = tf.function(gradient)
    return Prepared(lambda: gradient(*inputs), _to_numpy)


def _both(make_f):
    """Builders for the two peers from `make_f(graph)`, the forward function."""
    def eager(args, wrt):
        return _make(make_f(False, args), args, wrt, graph=False)

    def function(args, wrt):
        return _make(make_f(True, args), args, wrt, graph=True)

    return eager, function


def _seed_f(graph, args):
    def f(a):
        b = a * 2
        while tf.norm(b) < 1000:
            b = b * 2
        if tf.reduce_sum(b) > 0:
            c = b
        else:
            c = 100 * b
        return tf.reduce_sum(c)

    return f


def _steps(graph, n):
    """`range(n)` in eager mode; `tf.range(n)` in a tf.function, so that
    AutoGraph writes a tf.while_loop instead of unrolling n steps."""
    return tf.range(n) if graph else range(n)


def _euler(graph, args):
    def f(x0, k, n):
        x = x0
        h = tf.constant(1.0 / n, F64)
        for _ in _steps(graph, n):
            x = x - h * k * tf.sin(x)
        return x

    return f


def _oscillator(graph, args):
    def f(x0, v0, c, k, t_end):
        h = tf.constant(1e-3, F64)
        x, v, t = x0, v0, tf.constant(0.0, F64)
        while t < t_end:
            a = -k * x - c * v
            v = v + h * a
            x = x + h * v
            t = t + h
        return 0.5 * v * v + 0.5 * k * x * x

    return f


def _rk4(graph, args):
    def f(x0, y0, a, b, c, d, n):
        h = tf.constant(10.0 / n, F64)
        x, y = x0, y0
        for _ in _steps(graph, n):
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

    return f


def _wsos(graph, args):
    return lambda w, x: tf.reduce_sum(w * x * x)


def _stencil(graph, args):
    def f(u):
        d = u[:-2] - 2.0 * u[1:-1] + u[2:]
        return tf.reduce_sum(d * d)

    return f


def _rosenbrock(graph, args):
    def f(x):
        a = x[1:] - x[:-1] * x[:-1]
        b = 1.0 - x[:-1]
        return tf.reduce_sum(100.0 * a * a + b * b)

    return f


def _nbody(graph, args):
    i, j = (tf.constant(ix) for ix in triu_pairs(args[0].shape[0]))

    def f(pos, m):
        d = tf.gather(pos, i) - tf.gather(pos, j)
        r = tf.sqrt(tf.reduce_sum(d * d, axis=1) + 0.01)
        return -tf.reduce_sum(tf.gather(m, i) * tf.gather(m, j) / r)

    return f


def _logistic(graph, args):
    def f(w, X, y):
        p = 1.0 / (1.0 + tf.exp(-tf.linalg.matvec(X, w)))
        return -tf.reduce_mean(y * tf.math.log(p) + (1.0 - y) * tf.math.log(1.0 - p))

    return f


def _mlp(graph, args):
    def f(W1, b1, W2, b2, X, Y):
        h = tf.tanh(X @ W1 + b1)
        z = h @ W2 + b2
        zmax = tf.reduce_max(z)
        lse = tf.math.log(tf.reduce_sum(tf.exp(z - zmax), axis=1)) + zmax
        return (tf.reduce_sum(lse) - tf.reduce_sum(Y * z)) / X.shape[0]

    return f


def _gauss_sine(graph, args):
    return lambda x: tf.reduce_sum(tf.sin(x) * tf.exp(-x * x))


FORWARD = {"seed_f": _seed_f, "euler": _euler, "oscillator": _oscillator, "rk4": _rk4,
           "wsos": _wsos, "stencil": _stencil, "rosenbrock": _rosenbrock, "nbody": _nbody,
           "logistic": _logistic, "mlp": _mlp, "gauss_sine": _gauss_sine}

VECTORISED = "vectorised (the loop over elements written as tensor operations)"


def load() -> list[Peer]:
    eager, function = {}, {}
    for key, make_f in FORWARD.items():
        eager[key], function[key] = _both(make_f)
    notes = {k: VECTORISED for k in ("wsos", "stencil", "rosenbrock", "nbody")}
    fn_notes = dict(notes, seed_f="AutoGraph tf.while_loop on the value's norm",
                    euler="for _ in tf.range(n): a tf.while_loop",
                    rk4="for _ in tf.range(n): a tf.while_loop",
                    oscillator="while t < t_end on a tensor t: a tf.while_loop")
    return [Peer("tf-eager", eager, tf.__version__, notes),
            Peer("tf-function", function, tf.__version__, fn_notes)]
