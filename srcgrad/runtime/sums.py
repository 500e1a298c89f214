"""Sums of cotangent contributions that the compiler may add in any order.

`total = accumulate(total, term)` is `total + term`.  Compiled, two floats
of one type are added with LLVM's `reassoc` flag on that one addition: a
loop that sums a cotangent into a number (`balpha += b * A[i, k]` in every
pass of gemm's inner loop) is then a reduction LLVM may vectorise, keeping
several partial sums, as XLA and hand-written adjoints do.  Without it the
additions form one chain, each waiting for the one before (four cycles or
so apiece), where the function's own loop runs vectorised.

Only the reverse sweep's sums use it (`optimize/sums.py`): the order in which
a gradient's contributions are added changes its last bits, never what it
is.  The function's own arithmetic, recomputed in the forward sweep, is
never reordered: compensated sums and other code that relies on the order of
floating-point operations compute what the function computes.
"""

from __future__ import annotations

from numba import types
from numba.extending import intrinsic

from .machinecode import cached_overload


def accumulate(total, term):
    """`total + term`, a sum the compiler may reorder with the others of its loop."""
    return total + term


def _widens(total, term) -> bool:
    """Whether `total + term` is a float of `total`'s type, `term` made one."""
    return isinstance(total, types.Float) and isinstance(term, types.Float) and \
        term.bitwidth <= total.bitwidth


@intrinsic
def _add_any_order(typingctx, total, term):
    if not _widens(total, term):
        return None

    def codegen(context, builder, signature, args):
        value = context.cast(builder, args[1], term, total)
        return builder.fadd(args[0], value, flags=("reassoc",))

    return total(total, term), codegen


@cached_overload(accumulate)
def _accumulate(total, term):
    if _widens(total, term):
        return lambda total, term: _add_any_order(total, term)
    return lambda total, term: total + term
