"""A cotangent's first and last touches: no load of a zero, no zero nothing reads.

PolyBench's gesummv sums `A[i, j] * x[j]` over a matrix, and the reverse
sweep adds into each element of `A`'s cotangent once:

    bA = zeros_like(A)                      bA = zeros_like(A)
    for i in range(n - 1, -1, -1):          for i in range(n - 1, -1, -1):
        ...                                     ...
        for j in range(n):                      for j in range(n):
            bA[i, j] += bt * x[j]                   bA[i, j] = bt * x[j]

Each `+=` loads an element that is still zero, and adds zero to it: the
store is what a hand-written adjoint writes.  (Measured on gesummv, whose
two 13 MB cotangents are written so: no change in time, 14.4 and 14.4 times
the function before and after, `python -m bench --suite kernels --kernel
gesummv`; the page faults of the fresh memory dominate either way.)

Which updates: `bx[i, j] += e` for compiled code, where `bx` is made once,
as a new array of zeros, at the function's top level, before the top-level
loop that holds the update; nothing else in that loop, nor between the two,
reads or writes `bx` (what comes after the loop may); and every loop around
the update takes a different variable at one position of the index, each
never negative and not assigned in its body, so that each element is
updated once, from zero.  Derivatives of higher order read the `+=` form.

The last touch (`drop_last_zeroings`): the reverse of a write `y[i] = s`
reads `by[i]` and zeroes it, for code before the write that may read the
element; where nothing reads `by` after (each output element written once,
read by the return: a convolution, a pooling), the zero is dropped.

A zero and then an update (`zeroes_into_stores`): the reverse of an update in
place (`C[i, j] *= beta`, PolyBench's gemm) reads the element's cotangent,
zeroes it, and adds the operand's share back:

    b_t5 = bC[i, j]                          b_t5 = bC[i, j]
    bC[i, j] = 0.0                           ...
    ...                                      bC[i, j] = b_t5 * beta
    bC[i, j] += b_t5 * beta

The update of an element just zeroed is a store of its value, where the two
are in one block, the same element by the same index text, and nothing
between names the array (no read, no write of any element: another index
may be this one) or assigns a name of the index.
"""

from __future__ import annotations

import ast

from .. import ir
from ..adjoint.saving import distinct_indices
from .ranks import Ranks

__all__ = ["drop_last_zeroings", "store_first_updates", "zeroes_into_stores"]

_ZEROS = {"zeros_like"}
_NUMPY_ZEROS = {"zeros", "zeros_like"}


def store_first_updates(body: list[ir.Stmt], ranks: Ranks) -> bool:
    """Rewrite `body` in place (see the module's docstring); whether it changed."""
    changed = False
    for k, loop in enumerate(body):
        if not isinstance(loop, ir.For):
            continue
        for block, stmt, path in _updates(loop.body, [loop]):
            array = stmt.target.value.id
            if not _made_zero_before(body, k, array) or _references(loop, array) != 1:
                continue
            positions = stmt.target.slice.elts if isinstance(stmt.target.slice, ast.Tuple) \
                else [stmt.target.slice]
            if ranks.array_ndim(ast.Name(array, ast.Load())) != len(positions) or \
                    not _each_pass_its_own(stmt.target.slice, path):
                continue
            at = next(j for j, s in enumerate(block) if s is stmt)
            # (the last rewrite before the code is printed: the value need not be an atom)
            block[at] = ir.Store(stmt.origin, array, stmt.target.slice, stmt.value)
            changed = True
    return changed


def _updates(block: list[ir.Stmt], path: list[ir.Stmt]):
    """Each `a[index] += e` in `block` (and the blocks in it), with its block
    and the loops around it."""
    return _statements(block, path, lambda stmt: type(stmt) is ir.Accumulate and isinstance(
        stmt.target, ast.Subscript) and isinstance(stmt.target.value, ast.Name))


def _statements(block: list[ir.Stmt], path: list[ir.Stmt], wanted):
    """Each statement of `block` (and the blocks in it) that `wanted` picks,
    with its block and the loops around it (branches of `if` left out: they
    run a body at most once)."""
    for stmt in block:
        if wanted(stmt):
            yield block, stmt, path
        elif isinstance(stmt, ir.If):
            for inner in (stmt.body, stmt.orelse):
                yield from _statements(inner, path, wanted)
        elif isinstance(stmt, (ir.For, ir.While)):
            yield from _statements(stmt.body, [*path, stmt], wanted)


def _made_zero_before(body: list[ir.Stmt], k: int, array: str) -> bool:
    """Whether `array` is assigned once in the function, as a new array of
    zeros, at the top level before `body[k]`, and nothing between reads or
    writes it."""
    defs = [s for s in ir.walk(body) if not ir.blocks(s) and array in ir.defined_names(s)]
    if len(defs) != 1 or not any(s is defs[0] for s in body[:k]):
        return False
    made = defs[0]
    if not (type(made) is ir.Assign and isinstance(made.value, ast.Call)):
        return False
    func = made.value.func
    zeros = (isinstance(func, ast.Name) and func.id in _ZEROS) or (
        isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
        and func.value.id == "np" and func.attr in _NUMPY_ZEROS)
    if not zeros:
        return False
    start = next(j for j, s in enumerate(body) if s is made)
    return all(_references(s, array) == 0 for s in body[start + 1:k])


def _references(stmt: ir.Stmt, array: str) -> int:
    """How many statements in `stmt` (itself included) name `array`."""
    count = 0
    for s in ir.walk([stmt]):
        if ir.blocks(s):  # its header: a loop's bounds, a test
            header = [getattr(s, field, None) for field in ("start", "stop", "step", "test")]
            count += any(array == h if isinstance(h, str) else array in ir.names_in(h)
                         for h in header)
            continue
        if array in (ir.used_names(s) | ir.defined_names(s)) or \
                (type(s) is ir.Store and s.array == array):
            count += 1
    return count


def drop_last_zeroings(body: list[ir.Stmt], returns: ast.expr, ranks: Ranks,
                       own: set[str]) -> bool:
    """Drop each `bx[i, j] = 0.0` that nothing reads after: the reverse of a
    write `x[i, j] = v` reads the element's cotangent and zeroes it, for the
    code before the write (in the function's order) that may read it; where
    that is nothing, the zero changes nothing (a max-pool's or a
    convolution's output, each element written once).  The conditions:
    `bx` is one of `own` (arrays the adjoint made that no other name can
    hold), its elements numbers, not returned, not named after the top-level loop that zeroes it;
    in that loop it is named only by the zeroing and by reads of the same
    element before it in the same block; and every loop around the zeroing
    takes a different variable at one position of the index (each never
    negative, not assigned in its body), so no later pass reads the
    element.  Returns whether it changed `body`."""
    changed = False
    returned = ir.names_in(returns)
    for k, loop in enumerate(body):
        if not isinstance(loop, ir.For):
            continue
        for block, stmt, path in _zeroings(loop.body, [loop]):
            array = stmt.array
            if array not in own or array in returned or \
                    any(_references(s, array) for s in body[k + 1:]):
                continue
            at = next(j for j, s in enumerate(block) if s is stmt)
            element = ast.dump(stmt.index)
            reads = [s for s in block[:at] if type(s) is ir.Assign and isinstance(s.value, ast.Subscript)
                     and isinstance(s.value.value, ast.Name) and s.value.value.id == array
                     and ast.dump(s.value.slice) == element]
            positions = stmt.index.elts if isinstance(stmt.index, ast.Tuple) else [stmt.index]
            if ranks.array_ndim(ast.Name(array, ast.Load())) != len(positions) or \
                    _references(loop, array) != len(reads) + 1 or \
                    not _each_pass_its_own(stmt.index, path):
                continue  # (a number each: a row read before would be a view the zero changes)
            del block[at]
            changed = True
    return changed


def zeroes_into_stores(body: list[ir.Stmt], ranks: Ranks) -> bool:
    """Rewrite `body` in place (`bx[i] = 0.0` ... `bx[i] += e`: `bx[i] = e`,
    see the module's docstring); whether it changed."""
    changed = False
    for block in ir.all_blocks(body):
        k = 0
        while k < len(block):
            j = _update_of_zeroed(block, k, ranks)
            if j is None:
                k += 1
                continue
            update = block[j]
            zero = block[k]
            block[j] = ir.Store(update.origin, zero.array, zero.index, update.value)
            del block[k]
            changed = True
    return changed


def _update_of_zeroed(block: list[ir.Stmt], k: int, ranks: Ranks) -> int | None:
    """The position of the update that `block[k]`, a zero stored into one
    number of an array, is folded into, or None."""
    zero = block[k]
    if not _is_zeroing(zero):
        return None
    array = zero.array
    positions = zero.index.elts if isinstance(zero.index, ast.Tuple) else [zero.index]
    if any(isinstance(p, ast.Slice) for p in positions) or \
            ranks.array_ndim(ast.Name(array, ast.Load())) != len(positions):
        return None  # (a row: the zero is of many numbers)
    index_names = ir.names_in(zero.index)
    element = ast.unparse(zero.index)
    for j in range(k + 1, len(block)):
        stmt = block[j]
        if (type(stmt) is ir.Accumulate and isinstance(stmt.target, ast.Subscript)
                and isinstance(stmt.target.value, ast.Name) and stmt.target.value.id == array
                and ast.unparse(stmt.target.slice) == element):
            return None if array in ir.names_in(stmt.value) else j
        if _references(stmt, array) or any(index_names & ir.defined_names(s)
                                           for s in ir.walk([stmt])):
            return None
    return None


def _zeroings(block: list[ir.Stmt], path: list[ir.Stmt]):
    """Each `a[index] = 0.0` in `block` (and the blocks in it), with its block
    and the loops around it."""
    return _statements(block, path, _is_zeroing)


def _is_zeroing(stmt: ir.Stmt) -> bool:
    """Whether `stmt` is `a[index] = 0.0` (or `= 0`)."""
    return (type(stmt) is ir.Store and isinstance(stmt.value, ast.Constant)
            and type(stmt.value.value) in (int, float) and stmt.value.value == 0)


def _each_pass_its_own(index: ast.expr, path: list[ir.Stmt]) -> bool:
    """Whether every loop of `path` takes a different variable at one
    position of `index`, and every position is such a variable: each pass of
    the loops names another element."""
    positions = index.elts if isinstance(index, ast.Tuple) else [index]
    names = [p.id if isinstance(p, ast.Name) else None for p in positions]
    return (len(path) == len(names) and None not in names
            and sorted(names) == sorted(s.var for s in path)
            and all(isinstance(s, ir.For) and distinct_indices(s) for s in path))
