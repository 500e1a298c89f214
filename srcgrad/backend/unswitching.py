"""LLVM's loop unswitching held in bounds while srcgrad's code compiles.

Numba optimises a function together with every compiled function it calls:
it links each callee's code into the caller's module and runs LLVM's -O3
pipeline over the whole (`numba/core/codegen.py`, `finalize`).  At -O3 LLVM
unswitches loops on conditions that do not change inside them (non-trivial
unswitching): it copies the loop once per outcome, and each copy is then
vectorised and unrolled.  srcgrad's helpers are written once for every rank,
memory layout and broadcast (`unbroadcast`, `gather_grad`, `add_into`, and
Numba's own `np.moveaxis`), so their loops test many such conditions, and
an adjoint that calls dozens of them grows several times over in LLVM: the
gradient of `split_three_ways` (tests/rules/test_shape_calls.py, a
100-line adjoint) went from 30,947 instructions to 76,336, and LLVM took
16 s of its 25 s first call.

So while srcgrad compiles a generated function (`bounded()`, which
`observe.observed` enters around each compile), a module of more than
`LARGE` basic blocks (a function's own, optimised as it is lowered, and
the final one with its callees linked in) is optimised with LLVM's unswitch threshold at 1 (the
cost budget of a non-trivial unswitch; LLVM's default is 50): a test that
leaves the loop is still hoisted out of it, but no loop is copied.  Smaller
modules, the loops over scalars where unswitching pays and costs little,
are optimised as Numba optimises any function.  At -O0 (`NUMBA_OPT=0`,
as srcgrad's tests run) LLVM unswitches nothing, and no module is counted:
counting a module's blocks is a call into LLVM per block, 4-6% of a test
file's time when every module was counted.  Code compiled outside
srcgrad's compiles (the user's own `@njit` functions, even one that calls a
gradient) is left as Numba makes it.

The switch is LLVM's command-line option `-unswitch-threshold`, global to
the process: it is set and put back inside Numba's compiler lock, which
every compile holds.  Where this Numba has no `CPUCodeLibrary` to hook (a
version that moved it), compiles are left as they are.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

import llvmlite.binding as ll
from numba.core import config

__all__ = ["LARGE", "bounded"]

LARGE = 600  # basic blocks in a module (after linking its callees), about 5,000 instructions
_BOUNDED = "-unswitch-threshold=1"
_DEFAULT = "-unswitch-threshold=50"  # LLVM's own (SimpleLoopUnswitch.cpp)

_state = threading.local()
_installed = False


@contextmanager
def bounded():
    """Within: large modules compiled on this thread unswitch no loop."""
    _install()
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1


def _large(module) -> bool:
    """Whether `module` has more than `LARGE` basic blocks: counted one by
    one through llvmlite (a call into LLVM each, about 2 us), so the count
    stops there."""
    count = 0
    for function in module.functions:
        for _ in function.blocks:
            count += 1
            if count > LARGE:
                return True
    return False


def _install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    try:
        from numba.core.codegen import CPUCodeLibrary
    except ImportError:  # pragma: no cover - another Numba layout
        return
    for name, module_of in (("_optimize_functions", lambda self, module: module),
                            ("_optimize_final_module", lambda self: self._final_module)):
        original = getattr(CPUCodeLibrary, name, None)
        if original is not None:
            setattr(CPUCodeLibrary, name, _bounding(original, module_of))


def _bounding(original, module_of):
    """`original` (a pass over a module) with unswitching bounded where the
    module is large and srcgrad is compiling."""

    def optimize(self, *args):
        if not getattr(_state, "depth", 0) or int(config.OPT) == 0 \
                or not _large(module_of(self, *args)):
            return original(self, *args)  # (-O0 unswitches nothing)
        ll.set_option("srcgrad", _BOUNDED)
        try:
            return original(self, *args)
        finally:
            ll.set_option("srcgrad", _DEFAULT)

    optimize.__wrapped__ = original
    return optimize
