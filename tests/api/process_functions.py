"""Functions that the worker processes of `test_pickling.py` import by
reference (this module, not the test module, so that a worker does not
import pytest), and what those workers run."""

from __future__ import annotations

import logging
import os
import time

import numpy as np

import srcgrad as sg


def damped(params, x0, steps):
    """A damped oscillator, x'' = -k x - c x', integrated with a loop: its
    position at the end, as a function of (k, c)."""
    k = params[0]
    c = params[1]
    x = x0
    v = 0.0
    dt = 0.05
    for _ in range(steps):
        v = v + dt * (-k * x - c * v)
        x = x + dt * v
    return x


def rosen(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s = s + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def waves(x):
    return np.sin(x) * x[0]


@sg.grad
def decorated(x):
    return np.sum(np.tanh(x) * x)


def call(function, *args):
    """What a worker runs: `function(*args)`."""
    return function(*args)


class _Timings(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.timings = []

    def emit(self, record):
        timing = getattr(record, "srcgrad", None)
        if timing is not None:
            self.timings.append((timing.step, timing.cache))


def first_calls(function, cache: str, *args):
    """What a fresh worker runs: `function(*args)` twice with srcgrad's cache
    in `cache`; the result, the seconds of each call, and the steps srcgrad
    logged during the first ((step, cache) pairs: ("compile", "hit") where
    Numba loaded the compiled code from its disk cache)."""
    os.environ["SRCGRAD_CACHE_DIR"] = cache
    handler = _Timings()
    logger = logging.getLogger("srcgrad")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    start = time.perf_counter()
    result = function(*args)
    first = time.perf_counter() - start
    logger.removeHandler(handler)
    start = time.perf_counter()
    function(*args)
    second = time.perf_counter() - start
    return result, first, second, handler.timings
