"""Scale, on the "cpu" target: the gradient of a loop of 10**7 iterations
keeps one value per iteration for its reverse sweep, and its memory is
bounded by those values; a loop whose saved values cannot fit in the memory
there is fails with `sg.OutOfMemoryError`, naming the function, not a crash.

Both run in a fresh process (peak memory is a property of the process):
after importing and compiling, writing 5 to `/proc/self/clear_refs` starts
the peak resident set afresh, and `/proc/self/status` gives the resident
set before the call and its peak after (`VmRSS`, `VmHWM`; where the peak
cannot be reset, `resource.getrusage`, whose peak includes compiling);
`resource.setrlimit(RLIMIT_AS)` caps the address space for the second part.  Measured on the shared 2-core machine:
the gradient of 10**7 iterations raised the peak resident memory by 91.3 MiB
(76.3 MiB of saved values, and Numba's list over-allocation of 1/8), in
3-4 s, when the stack was a list; compiled stacks of numbers are arrays now,
with room made for all the loop's pushes before it.  The whole test takes
5-15 s, compiling included.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap

import numba
import pytest

import srcgrad as sg

ITERATIONS = 10**7
STEP = 1e-7
SAVED_PER_ITERATION = 1  # x_k: the reverse sweep needs cos(x_k) at every step
MIB = 2**20
# what else a call may allocate at its peak: the interpreter's and Numba's
# transient buffers (measured: under 8 MiB beyond the saved values)
ALLOWANCE = 48 * MIB
OVERALLOCATION = 1.25  # a growing list holds up to 1/8 more than it uses (Numba, as CPython)


def iterate(x, n, h):
    for _ in range(n):
        x = x - h * math.sin(x)
    return x


@numba.njit(cache=False)
def reference(x, n, h):
    """The derivative of `iterate` in x by forward mode, written by hand:
    d x_{k+1} / d x_k = 1 - h cos(x_k)."""
    dx = 1.0
    for _ in range(n):
        dx *= 1.0 - h * math.cos(x)
        x = x - h * math.sin(x)
    return dx


CHILD = textwrap.dedent("""
    import json, resource, sys
    sys.path.insert(0, sys.argv[1])
    import srcgrad as sg
    from test_scale import ITERATIONS, STEP, iterate, reference

    def status(field):
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024

    report = {}
    df = sg.grad(iterate)  # wrt x
    df(0.5, 10, STEP)  # compiles, so that compiling is not in the figures
    reference(0.5, 10, STEP)
    # pushes on a stack: a list's append, or (compiled) a store at an array stack's top
    report["appends"] = (df.source.count(".append(") + df.source.count("_top] = ")
                         + df.source.count("_top)] = "))
    try:  # start the peak afresh: importing and compiling may have passed it
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        report["reset"] = True
    except OSError:
        report["reset"] = False
    before = status("VmRSS")
    got = df(0.5, ITERATIONS, STEP)
    if report["reset"]:
        peak = status("VmHWM")
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    report.update(before=before, peak=peak, gradient=got,
                  want=reference(0.5, ITERATIONS, STEP))

    # more iterations than 64 MiB more address space can save
    limit = status("VmSize") + 64 * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))
    try:
        df(0.5, 100 * ITERATIONS, STEP)
        report["error"] = None
    except BaseException as exc:
        report["error"] = {"type": type(exc).__name__, "message": str(exc),
                           "srcgrad": isinstance(exc, sg.SrcGradError),
                           "memory": isinstance(exc, MemoryError),
                           "file": getattr(exc, "file", None), "line": getattr(exc, "line", None)}
    report["after"] = df(0.5, 1000, STEP)  # the process goes on
    print(json.dumps(report))
""")


@pytest.fixture(scope="module")
def report():
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc/self/status and caps RLIMIT_AS: Linux only")
    here = os.path.dirname(os.path.abspath(__file__))
    run = subprocess.run([sys.executable, "-c", CHILD, here], capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, f"the process died ({run.returncode}):\n{run.stderr[-3000:]}"
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_ten_million_iterations_use_the_memory_of_their_saved_values(report):
    assert report["appends"] == SAVED_PER_ITERATION  # one stack, pushed once per iteration
    saved = ITERATIONS * 8 * SAVED_PER_ITERATION
    grown = report["peak"] - report["before"]
    print(f"peak RSS grew by {grown / MIB:.1f} MiB for {ITERATIONS} iterations "
          f"({saved / MIB:.1f} MiB of saved values)")
    assert grown <= saved * OVERALLOCATION + ALLOWANCE, (
        f"the gradient of {ITERATIONS} iterations raised the peak resident memory by "
        f"{grown / MIB:.1f} MiB; its saved values take {saved / MIB:.1f} MiB")
    assert report["gradient"] == pytest.approx(report["want"], rel=1e-9)


def test_running_out_of_memory_is_a_clear_error(report):
    error = report["error"]
    assert error is not None, "a billion iterations fitted in 64 MiB"
    assert error["type"] == "OutOfMemoryError" and error["srcgrad"] and error["memory"], error
    message = error["message"]
    assert "iterate" in message and "fewer iterations" in message, message
    assert os.path.basename(error["file"]) == "test_scale.py", error
    assert error["line"] == iterate.__code__.co_firstlineno, error
    assert message.startswith(f"{error['file']}:{error['line']}: "), message
    assert report["after"] == pytest.approx(reference(0.5, 1000, STEP), rel=1e-12)


def test_out_of_memory_error_is_a_memory_error_and_a_srcgrad_error():
    assert issubclass(sg.OutOfMemoryError, sg.SrcGradError)
    assert issubclass(sg.OutOfMemoryError, MemoryError)
