"""New arrays the gradient makes, backed by huge pages where they are large.

A gradient makes arrays its function never had: the cotangents it returns
(as large as the inputs) and the stacks of its tape.  Their memory is new
on every call: glibc's malloc serves a large block by `mmap` and gives it
back by `munmap` when it is freed (above 32 MiB always, below that
whenever more than twice the largest block freed so far lies unused at the
top of the heap), so the first write to each 4 KiB page of it is a page
fault, in which the kernel finds a page and zeroes it.  On this project's
machine (a virtual one) that is about 2.4 us a page: two new zero arrays of
(64, 256, 256) float64, 33.5 MB each, took 37 ms with `np.zeros`.

`zero_filled(a)` and `huge_pages(a)` ask the kernel, before the array is
first written, to back the 2 MiB-aligned part of it with transparent huge
pages (`madvise(MADV_HUGEPAGE)`): a fault per 2 MiB instead of per 4 KiB
(the same two arrays: 8 ms).  It is advice, not an allocator: the
memory is malloc's as before, freed as before, and where the system has
huge pages off (`/sys/kernel/mm/transparent_hugepage/enabled` is `never`)
or on for all memory (`always`) it changes nothing.  A huge page is taken
whole at its first write, so an array written only in part (a stack's room
is an upper bound on what is pushed) may hold up to 2 MiB more than the
pages it writes; the array's first and last partial 2 MiB keep small pages,
and arrays under 2 MiB are not advised.  NumPy advises its own arrays of
4 MiB or more the same way (`numpy._core.multiarray._get_madvise_hugepage`);
Numba's runtime does not.  srcgrad does not change the process's allocator
(`mallopt`, a pool kept across calls): that would change every other
allocation of the user's program too.

Compiled for Linux on x86-64 or AArch64 (where `MADV_HUGEPAGE` is 14), the
advice is one call to libc's `madvise`, written into the caller by Numba's
lowering (no dynamic global: the compiled code stays cacheable); elsewhere,
and run as Python, there is none.
"""

from __future__ import annotations

import platform
import sys

from llvmlite import ir as llvm
from numba import types
from numba.core import cgutils
from numba.extending import lower_builtin, type_callable

HUGE_PAGE = 1 << 21
MADV_HUGEPAGE = 14
ADVISES = sys.platform.startswith("linux") and platform.machine() in ("x86_64", "aarch64")


def huge_pages(a):
    """Ask for huge pages under the array `a` (new, not yet written)."""
    return None


def zero_filled(a):
    """`a` (new, not yet written) filled with zeros, on huge pages where it
    is large."""
    a.fill(0)
    return a


@type_callable(huge_pages)
def _type_huge_pages(context):
    def typer(a):
        if isinstance(a, types.Array) and a.layout == "C":
            return types.none
        return None
    return typer


@type_callable(zero_filled)
def _type_zero_filled(context):
    def typer(a):
        if isinstance(a, types.Array) and a.layout == "C":
            return a
        return None
    return typer


def _advise(context, builder, array_type, array):
    """Lower the advice for `array` (see the module's docstring); returns
    the array's data pointer and its size in bytes."""
    ary = context.make_array(array_type)(context, builder, array)
    word = llvm.IntType(64)
    item_bytes = context.get_abi_sizeof(context.get_data_type(array_type.dtype))
    nbytes = builder.mul(ary.nitems, llvm.Constant(word, item_bytes))
    if ADVISES:
        start = builder.ptrtoint(ary.data, word)
        mask = llvm.Constant(word, ~(HUGE_PAGE - 1) & (2 ** 64 - 1))
        first = builder.and_(builder.add(start, llvm.Constant(word, HUGE_PAGE - 1)), mask)
        end = builder.and_(builder.add(start, nbytes), mask)
        with builder.if_then(builder.icmp_unsigned(">", end, first), likely=False):
            byte_pointer = llvm.IntType(8).as_pointer()
            madvise = cgutils.get_or_insert_function(
                builder.module, llvm.FunctionType(llvm.IntType(32), [byte_pointer, word, llvm.IntType(32)]),
                "madvise")
            builder.call(madvise, [builder.inttoptr(first, byte_pointer), builder.sub(end, first),
                                   llvm.Constant(llvm.IntType(32), MADV_HUGEPAGE)])
    return ary.data, nbytes


@lower_builtin(huge_pages, types.Array)
def _lower_huge_pages(context, builder, signature, args):
    _advise(context, builder, signature.args[0], args[0])
    return context.get_dummy_value()


@lower_builtin(zero_filled, types.Array)
def _lower_zero_filled(context, builder, signature, args):
    data, nbytes = _advise(context, builder, signature.args[0], args[0])
    cgutils.memset(builder, data, nbytes, 0)
    context.nrt.incref(builder, signature.return_type, args[0])
    return args[0]
