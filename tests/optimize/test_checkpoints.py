"""Checkpoints of time-stepping loops (`optimize/checkpoints.py`, issue 19).

A loop whose passes update the same state and save values of it (a
Verlet integrator, an explicit stencil that makes its next grid) keeps its
tape for one segment of passes and the state at every segment's start,
where all its states together pass `CHECKPOINT_BYTES` (8 MiB): the
functions here have states of a few kilobytes stepped a few thousand times,
so their gradients run the checkpointed path (segments of about the square
root of the number of passes, the last one shorter) and, at a few steps, the
path that tapes every pass as before.  The oracle is central differences
of the function compiled by `numba.njit`, along random directions.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest

import srcgrad as sg
from bench.kernels import fpu_verlet, kmeans_cost
from srcgrad.runtime.stacks import CHECKPOINT_BYTES

RNG = np.random.default_rng(19)


def diffusion(u0, nu, steps):
    """Explicit diffusion with a reaction term: each step makes a new grid."""
    u = u0.copy()
    for _ in range(steps):
        un = u.copy()
        un[1:-1] = u[1:-1] + nu * (u[2:] - 2.0 * u[1:-1] + u[:-2]) + 1e-3 * np.sin(u[1:-1])
        u = un
    return np.sum(u ** 3)


def forced_oscillators(q0, p0, omega, dt, first, steps):
    """Oscillators driven by a force of the time, damped by a factor that
    the loop carries; the loop starts at `first`."""
    q = q0.copy()
    p = p0.copy()
    t = first * dt
    damping = 1.0
    for _step in range(first, steps):
        t += dt
        damping *= 0.9995
        for i in range(q.shape[0]):
            p[i] -= dt * (omega[i] ** 2 * q[i] - math.sin(t) * damping)
            q[i] += dt * p[i]
    return np.dot(q, q) + np.dot(p, p) * damping


def view_stepped(x0, dt, steps):
    """The loop writes through a view made before it."""
    x = x0.copy()
    inner = x[1:-1]
    for _ in range(steps):
        for i in range(1, inner.shape[0] - 1):
            inner[i] += dt * (inner[i - 1] - 2.0 * inner[i] + inner[i + 1] + np.tanh(inner[i]))
    return np.sum(inner * inner)


def directional_check(fn, args, wrt, rtol=2e-6, directions=2):
    """srcgrad's gradient of `fn` along random directions equals central
    differences of `fn` compiled by Numba (float64)."""
    df = sg.grad(fn, wrt=wrt, target="cpu")
    got = df(*args)
    got = got if isinstance(got, tuple) else (got,)
    compiled = numba.njit(fn)
    h = 1e-6

    def moved(steps, sign):
        values = list(args)
        for k, d in zip(wrt, steps):
            values[k] = args[k] + sign * h * d
        return compiled(*values)

    for _ in range(directions):
        steps = [RNG.standard_normal(np.shape(args[k])) for k in wrt]
        want = (moved(steps, 1) - moved(steps, -1)) / (2 * h)
        have = sum(float(np.sum(g * d)) for g, d in zip(got, steps))
        assert have == pytest.approx(want, rel=rtol, abs=1e-8)
    return df


def states(*arrays, passes):
    return passes * sum(a.nbytes for a in arrays)


def test_verlet_chain_checkpointed():
    n, steps = 256, 1500
    x0, v0 = RNG.uniform(-0.1, 0.1, n), RNG.uniform(-0.1, 0.1, n)
    assert states(x0, v0, x0, passes=steps) > CHECKPOINT_BYTES  # the checkpointed path
    df = directional_check(fpu_verlet, (x0, v0, 0.5, 0.01, steps), (0, 1, 2, 3))
    source = df.source
    assert "checkpoint_every(" in source and "x_checkpoints.append(copy_value(x))" in source
    # the tape is made room for one segment at a time
    assert "max(end - first, 0) * max(n, 0)" in source
    assert "max(steps, 0) * max(n, 0)" not in source


@pytest.mark.parametrize("steps", [0, 1, 2, 7])
def test_verlet_chain_few_steps(steps):
    """Few passes: one segment, taped as the forward sweep runs it."""
    x0, v0 = RNG.uniform(-0.1, 0.1, 12), RNG.uniform(-0.1, 0.1, 12)
    directional_check(fpu_verlet, (x0, v0, 0.5, 0.01, steps), (0, 1, 2, 3))


def test_rebound_grid_checkpointed():
    n, steps = 2000, 700
    u0 = RNG.uniform(0.0, 1.0, n)
    assert states(u0, passes=steps) > CHECKPOINT_BYTES
    df = directional_check(diffusion, (u0, 0.2, steps), (0, 1))
    # `u` is rebound each pass: its checkpoint is put back by rebinding
    assert "u = u_checkpoints.pop()" in df.source


def test_carried_numbers_and_a_late_start():
    n, steps = 512, 1200
    q0, p0, omega = RNG.uniform(-1, 1, n), RNG.uniform(-1, 1, n), RNG.uniform(0.5, 2.0, n)
    assert states(q0, p0, passes=steps) > CHECKPOINT_BYTES
    df = directional_check(forced_oscillators, (q0, p0, omega, 1e-3, 3, steps), (0, 1, 2, 3),
                           rtol=2e-5)  # (the derivative in dt is large: differences of 1e-6)
    assert "damping_checkpoints" in df.source and "t_checkpoints" in df.source


def test_writes_through_a_view_made_before_the_loop():
    n, steps = 1500, 800
    x0 = RNG.uniform(-1, 1, n)
    assert states(x0, passes=steps) > CHECKPOINT_BYTES
    directional_check(view_stepped, (x0, 0.05, steps), (0, 1))


def row_sweeps(A, w):
    """A loop over rows (its variable indexes): not a time loop."""
    B = A.copy()
    for i in range(1, B.shape[0]):
        for j in range(B.shape[1]):
            B[i, j] = B[i, j] * w + np.tanh(B[i - 1, j])
    return np.sum(B * B)


def logistic_map(r, x0, steps):
    """A pass saves one number: the tape is already small."""
    x = x0
    total = 0.0
    for _ in range(steps):
        x = r * x * (1.0 - x)
        total += x
    return total


def test_loops_not_checkpointed():
    A = RNG.uniform(-1, 1, (1200, 900))
    df = directional_check(row_sweeps, (A, 0.9), (0, 1))
    assert "checkpoint_every(" not in df.source
    df = directional_check(logistic_map, (2.8, 0.3, 5000), (0, 1), rtol=1e-5)
    assert "checkpoint_every(" not in df.source
    # a loop over points that saves comparisons in an inner loop, carrying a
    # sum alone: its state would never pass the threshold
    df = directional_check(kmeans_cost, (RNG.standard_normal((300, 4)),
                                         RNG.standard_normal((5, 4))), (0, 1))
    assert "checkpoint_every(" not in df.source


def bound_reassigned(x0, dt, steps):
    """The loop's bound is a name the loop assigns again (`range` read it once)."""
    x = x0.copy()
    for _ in range(steps):
        for i in range(x.shape[0]):
            x[i] += dt * np.sin(x[i])
        steps = steps - 1
    return np.sum(x * x) + dt * steps


def test_bound_assigned_in_the_loop():
    x0 = RNG.uniform(-1, 1, 2000)
    assert states(x0, passes=600) > CHECKPOINT_BYTES
    directional_check(bound_reassigned, (x0, 0.01, 600), (0, 1))


def test_second_order_reads_the_taped_loop():
    """A Hessian-vector product differentiates the form without checkpoints."""
    x0, v0 = RNG.uniform(-0.1, 0.1, 6), RNG.uniform(-0.1, 0.1, 6)

    def energy(x0):
        return fpu_verlet(x0, v0, 0.5, 0.01, 20)

    d = RNG.standard_normal(6)
    hvp = sg.hvp(energy)(x0, d)
    g = sg.grad(energy)
    h = 1e-5
    want = (g(x0 + h * d) - g(x0 - h * d)) / (2 * h)
    np.testing.assert_allclose(hvp, want, rtol=1e-5, atol=1e-9)
