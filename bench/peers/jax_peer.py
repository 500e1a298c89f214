"""JAX on the CPU, in float64 (`jax_enable_x64`): `jax.jit(jax.grad(f,
argnums=wrt))`, the arrays put on the device before the timed call, which
ends with `block_until_ready`.

Loops are written as a JAX user writes them: the integrators with
`lax.fori_loop` over a static trip count (reverse mode needs one: JAX cannot
reverse-differentiate `lax.while_loop`, nor a `fori_loop` whose bounds are
traced); the damped oscillator's `while t < t_end` becomes such a
`fori_loop`, its trip count counted beforehand with the same float additions
(t does not depend on the parameters); loops over elements are vectorised.
Seed f's `while norm(b) < 1000` decides its trip count from the
differentiated value itself, so it has no static bound: it runs under
`jax.grad` without `jit` (Python control flow on concrete values)."""

from __future__ import annotations

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

from . import Peer, Prepared, as_numpy_tuple, steps_until, triu_pairs  # noqa: E402


def _device(value):
    import numpy as np

    if isinstance(value, np.ndarray):
        return jax.device_put(jnp.asarray(value, dtype=jnp.float64))
    if isinstance(value, float):
        return jnp.float64(value)
    return value


def _make(f, args, wrt, static=(), jit=True, note=None):
    g = jax.grad(f, argnums=tuple(wrt))
    if jit:
        g = jax.jit(g, static_argnums=static)
    inputs = [a if k in static else _device(a) for k, a in enumerate(args)]

    def call():
        return jax.block_until_ready(g(*inputs))

    def ahead_of_time():
        compiled = g.lower(*inputs).compile()
        dynamic = [a for k, a in enumerate(inputs) if k not in static]
        return lambda: jax.block_until_ready(compiled(*dynamic))

    return Prepared(call, as_numpy_tuple, note, ahead_of_time if jit else None)


def seed_f(args, wrt):
    def f(a):
        b = a * 2
        while jnp.linalg.norm(b) < 1000:
            b = b * 2
        if jnp.sum(b) > 0:
            c = b
        else:
            c = 100 * b
        return jnp.sum(c)

    return _make(f, args, wrt, jit=False,
                 note="jax.grad without jit: the while loop's trip count depends on the "
                      "differentiated value (lax.while_loop is not reverse-differentiable)")


def euler(args, wrt):
    def f(x0, k, n):
        h = 1.0 / n
        return lax.fori_loop(0, n, lambda _, x: x - h * k * jnp.sin(x), x0)

    return _make(f, args, wrt, static=(2,))


def oscillator(args, wrt):
    n = steps_until(args[4])

    def f(x0, v0, c, k):
        h = 1e-3

        def step(_, state):
            x, v = state
            v = v + h * (-k * x - c * v)
            return x + h * v, v

        x, v = lax.fori_loop(0, n, step, (x0, v0))
        return 0.5 * v * v + 0.5 * k * x * x

    return _make(f, args[:4], wrt,
                 note="while t < t_end as lax.fori_loop over the trip count counted "
                      "beforehand (JAX cannot reverse-differentiate lax.while_loop)")


def rk4(args, wrt):
    def f(x0, y0, a, b, c, d, n):
        h = 10.0 / n

        def step(_, state):
            x, y = state
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
            return (x + h / 6.0 * (k1x + 2.0 * k2x + 2.0 * k3x + k4x),
                    y + h / 6.0 * (k1y + 2.0 * k2y + 2.0 * k3y + k4y))

        x, y = lax.fori_loop(0, n, step, (x0, y0))
        return x * y

    return _make(f, args, wrt, static=(6,))


def wsos(args, wrt):
    return _make(lambda w, x: jnp.sum(w * x * x), args, wrt)


def stencil(args, wrt):
    def f(u):
        d = u[:-2] - 2.0 * u[1:-1] + u[2:]
        return jnp.sum(d * d)

    return _make(f, args, wrt)


def rosenbrock(args, wrt):
    def f(x):
        a = x[1:] - x[:-1] * x[:-1]
        b = 1.0 - x[:-1]
        return jnp.sum(100.0 * a * a + b * b)

    return _make(f, args, wrt)


def nbody(args, wrt):
    i, j = triu_pairs(args[0].shape[0])

    def f(pos, m):
        d = pos[i] - pos[j]
        r = jnp.sqrt(jnp.sum(d * d, axis=1) + 0.01)
        return -jnp.sum(m[i] * m[j] / r)

    return _make(f, args, wrt)


def logistic(args, wrt):
    def f(w, X, y):
        p = 1.0 / (1.0 + jnp.exp(-(X @ w)))
        return -jnp.mean(y * jnp.log(p) + (1.0 - y) * jnp.log(1.0 - p))

    return _make(f, args, wrt)


def mlp(args, wrt):
    def f(W1, b1, W2, b2, X, Y):
        h = jnp.tanh(X @ W1 + b1)
        z = h @ W2 + b2
        zmax = jnp.max(z)
        lse = jnp.log(jnp.sum(jnp.exp(z - zmax), axis=1)) + zmax
        return (jnp.sum(lse) - jnp.sum(Y * z)) / X.shape[0]

    return _make(f, args, wrt)


def gauss_sine(args, wrt):
    return _make(lambda x: jnp.sum(jnp.sin(x) * jnp.exp(-x * x)), args, wrt)


BUILDERS = {"seed_f": seed_f, "euler": euler, "oscillator": oscillator, "rk4": rk4,
            "wsos": wsos, "stencil": stencil, "rosenbrock": rosenbrock, "nbody": nbody,
            "logistic": logistic, "mlp": mlp, "gauss_sine": gauss_sine}

VECTORISED = "vectorised (the loop over elements written as jnp operations), jit"


def load() -> list[Peer]:
    notes = {k: VECTORISED for k in ("wsos", "stencil", "rosenbrock", "nbody")}
    notes.update(euler="lax.fori_loop, static trip count, jit",
                 rk4="lax.fori_loop, static trip count, jit")
    import jaxlib

    return [Peer("jax", BUILDERS, f"{jax.__version__} (jaxlib {jaxlib.__version__})", notes)]
