"""Numerical kernels written the way other people write them for Numba (loops
over indices, temporaries, `np.empty_like`, `np.linspace`, a time loop), not
shaped for srcgrad: each one's gradient on "python" and "cpu" against central
finite differences in float64 (`gradcheck.py`).

A kernel srcgrad refuses must be refused with an `sg.SrcGradError` naming
this file and the kernel's line (REFUSED lists which, and why; one that
becomes supported leaves REFUSED and has its gradient checked); none may come
back with a wrong gradient.

Last, functions named as other people name them, after the NumPy function
they wrap (`trace`, `cumsum`, `linspace`, `cast`): the gradient's generated
function (`trace_grad`) once shadowed srcgrad's helper of that name, which
the adjoint calls (a raw TypeError on "python", a CompileError naming the
helper on "cpu").

And a `while` loop that never runs because its test has a false constant
(`while k < n and REFINE:` with the global `REFINE = False`, or a literal
comparison): Numba drops such a loop's body before typing, and a stack
pushed only there had no type ("setitem(array, int, undefined)", a
CompileError on "cpu"; found by the fuzzer, seed 50).
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
from gradcheck import assert_gradient

import srcgrad as sg

TARGETS = ("python", "cpu")


def heat1d(u0, alpha):
    """Explicit 1-D heat equation, fixed ends, 25 time steps."""
    u = u0.copy()
    n = u.shape[0]
    un = np.empty_like(u)
    for _t in range(25):
        for i in range(n):
            un[i] = u[i]
        for i in range(1, n - 1):
            u[i] = un[i] + alpha * (un[i + 1] - 2.0 * un[i] + un[i - 1])
    return np.sum(u * u)


def horner(coeffs, x):
    """A polynomial by Horner's rule, highest coefficient first, at many points."""
    out = np.empty_like(x)
    for j in range(x.shape[0]):
        acc = 0.0
        for k in range(coeffs.shape[0]):
            acc = acc * x[j] + coeffs[k]
        out[j] = acc
    return np.sum(np.sin(out))


def sos_filter(sos, x):
    """A cascade of biquads (second-order sections, a0 = 1), transposed direct
    form II, as scipy.signal.sosfilt computes it."""
    y = x.copy()
    for s in range(sos.shape[0]):
        b0 = sos[s, 0]
        b1 = sos[s, 1]
        b2 = sos[s, 2]
        a1 = sos[s, 4]
        a2 = sos[s, 5]
        z1 = 0.0
        z2 = 0.0
        for n in range(y.shape[0]):
            xn = y[n]
            yn = b0 * xn + z1
            z1 = b1 * xn - a1 * yn + z2
            z2 = b2 * xn - a2 * yn
            y[n] = yn
    return np.sum(y * y)


def lennard_jones(pos, epsilon, sigma):
    """Pair-potential energy of a cluster of atoms (positions (n, 3))."""
    n = pos.shape[0]
    energy = 0.0
    for i in range(n - 1):
        for j in range(i + 1, n):
            dx = pos[i, 0] - pos[j, 0]
            dy = pos[i, 1] - pos[j, 1]
            dz = pos[i, 2] - pos[j, 2]
            r2 = dx * dx + dy * dy + dz * dz
            sr2 = sigma * sigma / r2
            sr6 = sr2 * sr2 * sr2
            energy += 4.0 * epsilon * (sr6 * sr6 - sr6)
    return energy


def trapezoid_gauss(a, b, k):
    """The integral of exp(-k x^2) over [a, b] by the trapezoid rule."""
    n = 101
    x = np.linspace(a, b, n)
    y = np.exp(-k * x * x)
    h = (b - a) / (n - 1)
    return h * (0.5 * y[0] + np.sum(y[1:-1]) + 0.5 * y[-1])


def softmax_xent(logits, labels):
    """Mean cross-entropy of a softmax over each row, stable (max subtracted)."""
    n, k = logits.shape
    loss = 0.0
    for i in range(n):
        m = logits[i, 0]
        for j in range(1, k):
            if logits[i, j] > m:
                m = logits[i, j]
        s = 0.0
        for j in range(k):
            s += np.exp(logits[i, j] - m)
        loss += np.log(s) + m - logits[i, labels[i]]
    return loss / n


def logistic_map(r, x0):
    """40 iterations of the logistic map (r < 3: a stable fixed point)."""
    x = x0
    for _ in range(40):
        x = r * x * (1.0 - x)
    return x


def drawdown(prices):
    """Squared relative drawdowns from the running maximum."""
    peak = np.empty_like(prices)
    peak[0] = prices[0]
    for i in range(1, prices.shape[0]):
        peak[i] = prices[i] if prices[i] > peak[i - 1] else peak[i - 1]
    dd = np.where(peak > 0.0, (peak - prices) / peak, 0.0)
    return np.sum(dd * dd)


def heat1d_swap(u0, alpha):
    """The heat equation with two buffers swapped after each step."""
    u = u0.copy()
    un = np.empty_like(u)
    n = u.shape[0]
    for _t in range(20):
        un[0] = u[0]
        un[n - 1] = u[n - 1]
        for i in range(1, n - 1):
            un[i] = u[i] + alpha * (u[i + 1] - 2.0 * u[i] + u[i - 1])
        u, un = un, u
    return np.sum(u * u)


def lennard_jones_forces(pos, epsilon, sigma):
    """Pair forces accumulated into both atoms of each pair."""
    n = pos.shape[0]
    forces = np.zeros_like(pos)
    for i in range(n):
        for j in range(i + 1, n):
            d = pos[i] - pos[j]
            r2 = np.sum(d * d)
            sr6 = (sigma * sigma / r2) ** 3
            fmag = 24.0 * epsilon * (2.0 * sr6 * sr6 - sr6) / r2
            forces[i] += fmag * d
            forces[j] -= fmag * d
    return np.sum(forces * forces)


def weighted_histogram(x, w):
    """Weights binned by a computed integer bin."""
    bins = np.zeros(4)
    for i in range(x.shape[0]):
        k = int(x[i] * 4.0)
        if k >= 0 and k < 4:
            bins[k] += w[i]
    return np.sum(bins * bins)


def horner_iterating(coeffs, x):
    """Horner's rule iterating over the coefficients themselves."""
    result = 0.0
    for c in coeffs:
        result = result * x + c
    return result


def running_max_accumulate(x):
    """The running maximum by `np.maximum.accumulate`."""
    m = np.maximum.accumulate(x)
    return np.sum((m - x) ** 2)


def trapezoid_numpy(a, b, k):
    """The trapezoid rule by `np.trapezoid` (`np.trapz` before NumPy 2)."""
    xs = np.linspace(a, b, 50)
    return np.trapezoid(np.exp(-k * xs ** 2), xs)


_RNG = np.random.default_rng(7)
_POS = np.array([[0.0, 0.0, 0.0], [1.12, 0.05, -0.02], [0.54, 0.98, 0.07],
                 [0.57, 0.33, 0.93], [1.7, 1.1, 0.5]])
_SOS = np.array([[0.2, 0.4, 0.2, 1.0, -0.5, 0.25],
                 [0.3, -0.1, 0.15, 1.0, 0.4, 0.3]])
_PRICES = np.array([1.0, 1.2, 1.1, 0.95, 1.3, 1.25, 1.4, 1.05, 1.1, 1.5])

# (kernel, arguments, the positions to differentiate)
CASES = {
    "heat1d": (heat1d, (np.sin(np.linspace(0.0, 3.0, 12)) + 0.1, 0.23), (0, 1)),
    "horner": (horner, (np.array([0.3, -1.2, 0.5, 2.0, -0.7]), np.linspace(-1.0, 1.2, 7)), (0, 1)),
    "sos_filter": (sos_filter, (_SOS, np.cos(np.arange(16) * 0.7)), (0, 1)),
    "lennard_jones": (lennard_jones, (_POS, 1.3, 0.95), (0, 1, 2)),
    "trapezoid_gauss": (trapezoid_gauss, (-0.4, 1.3, 0.8), (0, 1, 2)),
    "softmax_xent": (softmax_xent, (_RNG.normal(size=(4, 5)), np.array([0, 3, 3, 1])), 0),
    "logistic_map": (logistic_map, (2.7, 0.3), (0, 1)),
    "drawdown": (drawdown, (_PRICES,), 0),
    "heat1d_swap": (heat1d_swap, (np.sin(np.linspace(0.0, 3.0, 12)) + 0.1, 0.23), (0, 1)),
    "lennard_jones_forces": (lennard_jones_forces, (_POS, 1.3, 0.95), (0, 1, 2)),
    "weighted_histogram": (weighted_histogram, (np.array([0.1, 0.3, 0.35, 0.8, 0.82]),
                                                np.array([1.0, 2.0, 0.5, -1.0, 3.0])), 1),
    "horner_iterating": (horner_iterating, (np.array([0.3, -1.2, 0.5, 2.0]), 0.7), (0, 1)),
    "running_max_accumulate": (running_max_accumulate, (_PRICES,), 0),
    "trapezoid_numpy": (trapezoid_numpy, (-0.4, 1.3, 0.8), (0, 1, 2)),
}

# kernels srcgrad refuses (with an SrcGradError naming the line), and why; none now
# (running_max_accumulate, np.maximum.accumulate, left it with rules/ufunc_methods.py)
REFUSED: dict[str, str] = {}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_outside_kernel(name, target):
    f, args, wrt = CASES[name]
    df = sg.grad(f, wrt=wrt, target=target)
    if name in REFUSED:
        with pytest.raises(sg.SrcGradError, match=r"test_outside_kernels\.py:\d+"):
            df(*args)
        return
    assert_gradient(df, f, args, wrt)


def test_arguments_unchanged():
    """The kernels that copy their input do not write into the caller's array."""
    f, args, wrt = CASES["sos_filter"]
    x = args[1].copy()
    sg.grad(f, wrt=wrt, target="python")(*args)
    np.testing.assert_array_equal(args[1], x)


# --- functions named after the NumPy function they wrap -----------------------------------


def trace(a):
    return np.trace(a @ a)


def cumsum(x):
    return np.sum(np.cumsum(x) ** 2)


def linspace(a, b):
    return np.sum(np.linspace(a, b, 5) ** 2)


def cast(x, like):
    return np.sum(x.astype(like.dtype) * x)


NAMED = {
    "trace": (trace, (np.array([[1.0, 2.0], [0.5, -1.0]]),), 0),
    "cumsum": (cumsum, (np.array([1.0, 2.0, -3.0, 4.0]),), 0),
    "linspace": (linspace, (1.0, 2.0), (0, 1)),
    "cast": (cast, (np.array([0.6, 1.7, 2.2]), np.array([1, 2, 3])), 0),
}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", sorted(NAMED))
def test_function_named_like_a_helper(name, target):
    f, args, wrt = NAMED[name]
    assert_gradient(sg.grad(f, wrt=wrt, target=target), f, args, wrt)


# --- a loop whose test has a false constant -------------------------------------------------

REFINE = False


def refine_behind_flag(x):
    y = x * 1.0
    k = 0
    while k < 3 and REFINE:
        k += 1
        y[2] *= 0.5 + 0.4 * np.cos(y[0])
    return np.sum(y * y)


def refine_never(x):
    y = x * 1.0
    k = 0
    while k < 3 and 0.91 >= 1.05:
        k += 1
        y[2] *= 0.5 + 0.4 * np.cos(y[0])
    return np.sum(y * y)


@pytest.mark.parametrize("target", TARGETS)
def test_loop_that_never_runs(target, monkeypatch):
    x = np.array([1.0, 2.0, 3.0])
    assert_gradient(sg.grad(refine_never, target=target), refine_never, (x,))
    df = sg.grad(refine_behind_flag, target=target)
    assert_gradient(df, refine_behind_flag, (x,))
    monkeypatch.setattr(sys.modules[__name__], "REFINE", True)  # now the loop runs
    assert_gradient(df, refine_behind_flag, (x,))
