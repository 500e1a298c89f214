"""`python -m bench.gradbench`: srcgrad as a GradBench tool on stdin/stdout."""

import os

from bench.gradbench.protocol import serve

if __name__ == "__main__":
    # one thread, as GradBench runs tools unless told --multithreaded
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:1])
    serve()
