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

Compiled, it is no call: Numba's lowering writes the assumption into the
caller's own code (`lower_builtin`).  A called helper is inlined by LLVM
after the passes that use the fact have run, and the loop kept its wrapped
addresses (0.56 ns an element where this form took 0.36); an overload that
Numba inlines itself (`inline="always"`) worked too, but typed its body
again at every call site, which cost a first call 0.1-0.2 s.
"""

from __future__ import annotations

from llvmlite import ir as llvm
from numba import types
from numba.extending import lower_builtin, type_callable


def nonneg_index(i):
    """`i`, which is never negative (see the module's docstring)."""
    if i < 0:
        raise AssertionError(f"srcgrad: an index said to be non-negative is {i}")
    return i


@type_callable(nonneg_index)
def _type_nonneg_index(context):
    def typer(i):
        if isinstance(i, types.Integer):
            return types.unliteral(i)
        return None
    return typer


@lower_builtin(nonneg_index, types.Integer)
def _lower_nonneg_index(context, builder, signature, args):
    value = args[0]
    if signature.args[0].signed:
        assume = builder.module.declare_intrinsic(
            "llvm.assume", fnty=llvm.FunctionType(llvm.VoidType(), [llvm.IntType(1)]))
        builder.call(assume, [builder.icmp_signed(">=", value, llvm.Constant(value.type, 0))])
    return value
