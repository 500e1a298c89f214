"""Timing: medians of repeated calls after warm-up, with a per-call time limit."""

from __future__ import annotations

import contextlib
import signal
import time

import numpy as np

# each timed sample runs the call `number` times, enough for about this long,
# so that microsecond calls are not measured at the clock's resolution
SAMPLE_S = 2e-3


class CallTimeout(Exception):
    pass


@contextlib.contextmanager
def deadline(seconds: float | None):
    """Raise CallTimeout in the main thread after `seconds` (checked between
    Python bytecodes: a long native call is interrupted when it returns)."""
    if not seconds:
        yield
        return

    def expire(signum, frame):
        raise CallTimeout(f"one call took over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def measure(call, repeats: int, budget_s: float, call_timeout_s: float | None = None,
            single_call_over_s: float | None = None) -> dict:
    """Time `call`: the first call (tracing, compilation), a second call to
    size the samples, then up to `repeats` samples, stopping early once
    `budget_s` is spent (after 3 samples, or 1 if a call is that slow).
    With `single_call_over_s` (for the eager peers' slowest cases), a first
    call that takes that long is not repeated: its time is the result, with
    samples = 0 (warm-up, a fraction of a second, is negligible there; the
    table marks it).
    Returns first_s, median_s, samples, number (calls per sample), result
    (of the first call)."""
    with deadline(call_timeout_s):
        start = time.perf_counter()
        result = call()
        first = time.perf_counter() - start
    if single_call_over_s is not None and first >= single_call_over_s:
        return {"first_s": first, "median_s": first, "samples": 0, "number": 1,
                "result": result}
    with deadline(call_timeout_s):
        start = time.perf_counter()
        call()
        estimate = time.perf_counter() - start
    number = max(1, min(100_000, int(SAMPLE_S / max(estimate, 1e-9))))
    samples = [estimate] if number == 1 else []
    spent = estimate
    while len(samples) < repeats and not (
            spent >= budget_s and (len(samples) >= 3 or spent >= 3 * budget_s)):
        with deadline(call_timeout_s and call_timeout_s * number):
            start = time.perf_counter()
            for _ in range(number):
                call()
            elapsed = time.perf_counter() - start
        samples.append(elapsed / number)
        spent += elapsed
    return {"first_s": first, "median_s": float(np.median(samples)), "samples": len(samples),
            "number": number, "result": result}
