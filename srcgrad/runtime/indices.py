"""Indices that are never negative, said so to the compiler.

`nonneg_index(i)` is `i`.  Compiled, it also tells LLVM that `i >= 0`
(`llvm.assume`), and LLVM drops what Numba emits for an index that might be
negative: `a[i]` reads as Python's, `a[i + n]` where `i < 0`, so every load
and store through a signed index it cannot prove non-negative computes the
wrapped address, and a loop it would vectorise with plain vector loads
gathers its elements one at a time instead.  It proves it for a loop that
counts up from 0, not for one that counts down, nor for a counter carried
from pass to pass: the reverse sweep's loops and a stack's top
(`optimize/indices.py` says where srcgrad writes it).

Only what is true by construction may be said so: were `i` negative, the
compiled code would be undefined.  Run as Python, a negative `i` raises.

Inlined into its caller by Numba (`inline="always"`), not called: LLVM
inlines a called helper after the passes that use the fact have run, and
the loop kept its wrapped addresses (0.56 ns an element where the inlined
form took 0.36).
"""

from __future__ import annotations

from llvmlite import ir as llvm
from numba import types
from numba.extending import intrinsic, overload


def nonneg_index(i):
    """`i`, which is never negative (see the module's docstring)."""
    if i < 0:
        raise AssertionError(f"srcgrad: an index said to be non-negative is {i}")
    return i


@intrinsic
def _assume_nonnegative(typingctx, i):
    if not (isinstance(i, types.Integer) and i.signed):
        return None

    def codegen(context, builder, signature, args):
        value = args[0]
        assume = builder.module.declare_intrinsic(
            "llvm.assume", fnty=llvm.FunctionType(llvm.VoidType(), [llvm.IntType(1)]))
        builder.call(assume, [builder.icmp_signed(">=", value, llvm.Constant(value.type, 0))])
        return value

    return i(i), codegen


@overload(nonneg_index, inline="always")
def _nonneg_index(i):
    if isinstance(i, types.Integer) and i.signed:
        return lambda i: _assume_nonnegative(i)
    if isinstance(i, types.Integer):
        return lambda i: i
    return None
