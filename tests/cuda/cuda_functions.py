"""Functions of scalars for the CUDA target's tests, one construct each, and
functions that the GPU target refuses (each marks its line `# <- error`)."""

import math

import numpy as np


def grow(x):
    """A while loop whose trip count depends on x."""
    y = x
    while y < 10.0:  # <- error
        y = y * 1.5 + math.sin(y)
    return y


def damped(x, a):
    """A for loop over a constant range, with a branch inside."""
    s = 0.0
    for i in range(5):
        s = s + math.exp(-x * i) * a
        if s > 3.0:
            s = s * 0.5
    return s


def _bump(x, y):
    return x * np.sin(y) + np.tanh(x * y)


def with_helper(x, y):
    """A call to the user's own scalar function, NumPy calls on scalars, a
    return in each branch."""
    z = _bump(x, y) + np.exp(-x)
    if z > 1:
        return z * z
    return np.sqrt(z + 2.0)


def repeated(x, n):
    """A range with a computed bound, inside a constant one."""
    s = x
    for _i in range(3):
        for _j in range(n):  # <- error
            s = math.sin(s) + x * 0.5
    return s


def nested_while(x):
    """A while loop inside a for loop: the inner trip counts are saved too."""
    s = x
    for _i in range(3):
        t = s
        while t < 5.0:
            t = t * t + 0.5
        s = s + math.sqrt(t)
    return s


SCALE = 2.0


def scaled_sine(x):
    """Reads the global SCALE, which a test rebinds."""
    return SCALE * math.sin(x) * x


def counted_while(x):
    """A while loop with an integer counter, `k += 1`, and an accumulator
    updated in place: scalars, which share no memory."""
    y = x
    k = 0
    total = 0.0
    while y < 10.0:
        y = y * 1.5 + math.sin(y)
        total += y
        k += 1
    return total + k * x


def kinks(x):
    """abs, clip, max, where, a power: the elementwise helpers."""
    y = abs(x) + np.clip(x, -1.0, 1.0) + max(x, 0.3) + np.where(x > 0, x, -x)
    return y ** 1.5 + np.hypot(x, 2.0) + np.arctan2(x, 3.0)


def two_outputs(x, y):
    return x * y, math.sin(x) + y


def unconnected(x, y):
    return x * 3.0


# --- refused ---------------------------------------------------------------------------------


def reads_array(x, w):
    return x * w[0]  # <- error


def sums(x):
    return np.sum(x) * 2.0  # <- error


def shaped(x):
    n = x.shape[0]  # <- error
    return x * n


def rounds(x):
    return x * np.rint(x)  # <- error


def phasor(x, w):
    """A complex phasor of real numbers (`frontend/complexes.py` splits it
    into its real and imaginary parts: math.cos and math.sin on the device)."""
    z = np.exp(1j * w * x) * (1.0 + 2.0j) + x
    return abs(z) + z.imag * z.real / (1.0 + np.conj(z) * z).real
