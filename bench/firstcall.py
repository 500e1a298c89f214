"""srcgrad's first call, in a fresh process: `python -m bench.firstcall CASE_INDEX
[--suite kernels] [--primal]`.

`python -m bench` runs it twice per case with the same SRCGRAD_CACHE_DIR, a
new empty folder: the first process transforms and compiles (cold), the
second finds the generated module and Numba's machine code in the cache
(warm).  Measured, in order, on the case's small inputs (compilation does
not depend on sizes; the run itself is then negligible):

- import_s: `import numba, srcgrad`;
- numba_startup_s: compiling and calling a trivial `numba.njit` function,
  Numba's one-time start-up in a process (LLVM, the type system), which
  every first compilation pays, whoever asked for it;
- transform_s: reading `df.source` (parse ... emit: srcgrad's own work);
- load_compile_s: the first call after that (writing and importing the
  module, Numba compiling it or loading it from the cache, one run);
- first_call_s = transform_s + load_compile_s.

`python -m bench.firstcall CASE_INDEX --primal` measures instead, for
comparison, `numba.njit(fn)`'s first call on the same inputs (Numba
compiling the primal; not cached), as primal_compile_s.

Prints one JSON line on stdout.
"""

from __future__ import annotations

import json
import sys
import time


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    index = int(argv[0])
    start = time.perf_counter()
    import numba

    import srcgrad as sg
    import_s = time.perf_counter() - start

    from .cases import suite

    start = time.perf_counter()
    numba.njit(lambda x: x + 1)(1)
    startup_s = time.perf_counter() - start

    name = argv[argv.index("--suite") + 1] if "--suite" in argv else "cases"
    case = suite(name)[index]
    args = case.make_small()
    if "--primal" in argv:
        start = time.perf_counter()
        numba.njit(case.primal)(*args)
        print(json.dumps({"import_s": import_s, "numba_startup_s": startup_s,
                          "primal_compile_s": time.perf_counter() - start}))
        return 0
    df = sg.grad(case.fn, wrt=case.wrt)
    start = time.perf_counter()
    df.source  # noqa: B018  (the transformation)
    transform_s = time.perf_counter() - start
    start = time.perf_counter()
    df(*args)
    load_compile_s = time.perf_counter() - start
    print(json.dumps({"import_s": import_s, "numba_startup_s": startup_s,
                      "transform_s": transform_s, "load_compile_s": load_compile_s,
                      "first_call_s": transform_s + load_compile_s}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
