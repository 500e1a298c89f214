"""Cleanup before printing: dead code, unused saves, single-use temporaries.

Guarantees to the printer: the body computes the same values as before, and

- no assignment whose value is never read is left (liveness over the
  structured code, loops to a fixpoint), nor a stack whose popped values are
  never read (its pushes, pops and creation go together), nor an `if` or loop
  with nothing left inside;
- a temporary of the three-address form read once, right after where it was
  computed and with nothing changing its operands in between, is written
  into the expression that reads it (`_t1 = x * w; y = np.sin(_t1)` prints
  as `y = np.sin(x * w)`), unless the expression would grow past what
  reads well on one line.
"""

from __future__ import annotations

import ast
import copy

from .. import ir
from ..analysis.liveness import liveness
from ..ir.effects import pure_call, shape_positions, written
from ..ir.parts import expression_slots, expressions, own_definitions
from .folding import fold_constants

__all__ = ["cleanup"]

_MAX_NODES = 24  # an inlined expression stays under this many AST nodes


def cleanup(body: list[ir.Stmt], returns: ast.expr, stacks: set[str],
            inlinable: set[str], typed: bool = True) -> list[ir.Stmt]:
    keep = ir.names_in(returns)
    fold_constants(body)
    _certain_exits(body)
    # Each round that changes something drops a statement or a stack, so
    # running to a fixpoint ends within this many rounds.
    rounds = sum(1 for _ in ir.walk(body)) + len(stacks) + 1
    while True:
        changed = typed and _drop_unread_scalars(body, keep)
        live = liveness(body, keep)
        changed |= _drop_dead(body, live)
        changed |= _drop_unused_stacks(body, live, stacks, keep)
        live = liveness(body, keep)
        changed |= _inline_temporaries(body, live, inlinable)
        changed |= _drop_empty(body)
        if not changed:
            return body
        rounds -= 1
        if rounds < 0:
            raise AssertionError("cleanup did not reach a fixpoint")


# --- dead code ------------------------------------------------------------------------------


def _pure(node: ast.expr) -> bool:
    """Whether evaluating `node` has no effect (see `effects.pure_call`)."""
    return all(pure_call(n) for n in ast.walk(node) if isinstance(n, ast.Call))


def _is_pop(stmt: ir.Stmt, stacks: set[str]) -> str | None:
    """The stack a pop (`v = stack.pop()`, `v = pop_shape(stack, v)`, an undone store) pops."""
    if isinstance(stmt, (ir.Pop, ir.PopStore)):
        return stmt.stack if getattr(stmt, "shape", False) or stmt.stack in stacks else None
    return None


def _is_push(stmt: ir.Stmt, stacks: set[str]) -> str | None:
    if isinstance(stmt, ir.Push):
        return stmt.stack if stmt.shape or stmt.stack in stacks else None
    return None


def _drop_dead(body: list[ir.Stmt], live: dict[ir.Stmt, set[str]]) -> bool:
    changed = False
    for block in ir.all_blocks(body):
        kept = []
        for stmt in block:
            out = live.get(stmt, set())
            dead = (
                (isinstance(stmt, ir.Assign) and stmt.target not in out and _pure(stmt.value))
                or (isinstance(stmt, ir.Accumulate) and isinstance(stmt.target, ast.Name)
                    and stmt.target.id not in out and _pure(stmt.value))
                or (isinstance(stmt, ir.Accumulate) and isinstance(stmt.target, ast.Subscript)
                    and _root(stmt.target) not in out and _pure(stmt.value))
                or (isinstance(stmt, ir.Store) and stmt.origin.grad and stmt.array not in out
                    and _pure(stmt.value))
            )
            if dead:
                changed = True
            else:
                kept.append(stmt)
        block[:] = kept
    return changed


def _drop_unread_scalars(body: list[ir.Stmt], keep: set[str]) -> bool:
    """Drop what computes a scalar whose value nothing reads, only its shape.

    The adjoint of `total = 0.0; for ...: total = total + f(x[i])` reads
    `total` only as `seed(grad_y, total)` and `new_cotangent(g, total)`, for
    its shape and dtype, but liveness sees each iteration's `total` read by the
    next one, so the forward loop stays (LLVM deletes it, yet the reverse loop
    after it compiles to slower code).  Such a variable is dropped when

    - its first assignment is a number (not a bool) at the top of the function,
      and every other one sits in a loop and reads the variable itself
      (`total = total + t`, or the shape stack's `pop_shape`): under Numba's
      typing a loop joins each of them with the number, so it is a scalar and
      its cotangent has the dtype it would have had (a float's, float64 for an
      integer);
    - nothing reads its value but those assignments (and others dropped with
      it), and it is not returned.

    Its other assignments and its shape stack go; the number stays, for the
    reads of its shape.  Only for typed (compiled) targets: plain Python lets
    the number become an array.
    """
    literals, names = _literal_scalars(body, keep)
    dropped = set(names)
    while dropped:
        read = _values_read(body, dropped, literals)
        if not read & dropped:
            break
        dropped -= read
    if not dropped:
        return False
    changed = False
    for block in ir.all_blocks(body):
        kept = [s for s in block if not _drops_with(s, dropped, literals)]
        changed |= len(kept) < len(block)
        block[:] = kept
    return changed


def _literal_scalars(body: list[ir.Stmt], keep: set[str]) -> tuple[set[int], set[str]]:
    """The ids of the first assignments (numbers at the top of the function)
    of the variables `_drop_unread_scalars` may drop, and their names."""
    top = {id(s) for s in body}
    first: dict[str, ir.Stmt] = {}
    allowed: dict[str, bool] = {}
    for stmt, in_loop in _walk_in_loops(body):
        for name in own_definitions(stmt):
            if name not in first:
                first[name] = stmt
                allowed[name] = (id(stmt) in top and isinstance(stmt, ir.Assign)
                                 and isinstance(stmt.value, ast.Constant)
                                 and type(stmt.value.value) in (int, float))
            elif allowed[name]:
                allowed[name] = in_loop and _updates_itself(stmt, name)
        if isinstance(stmt, ir.Store) and stmt.array in allowed:
            allowed[stmt.array] = False
    names = {name for name, ok in allowed.items() if ok and name not in keep}
    return {id(first[name]) for name in names}, names


def _walk_in_loops(body: list[ir.Stmt], in_loop: bool = False):
    """Every statement in source order, with whether it sits in a loop."""
    for stmt in body:
        yield stmt, in_loop
        inner = in_loop or isinstance(stmt, (ir.For, ir.While))
        for block in ir.blocks(stmt):
            yield from _walk_in_loops(block, inner)


def _updates_itself(stmt: ir.Stmt, name: str) -> bool:
    """`name = <pure expression reading name>`, `name += <pure>`, or
    `name = pop_shape(stack, name)`."""
    if isinstance(stmt, ir.Accumulate):
        return _pure(stmt.value)
    if not isinstance(stmt, ir.Assign):
        return False
    if _shape_pop(stmt) == name:
        return True
    return name in ir.names_in(stmt.value) and _pure(stmt.value)


def _shape_pop(stmt: ir.Stmt) -> str | None:
    """The variable `v = pop_shape(stack, v)` restores the shape of."""
    if (isinstance(stmt, ir.Pop) and stmt.shape and isinstance(stmt.value.args[1], ast.Name)
            and stmt.value.args[1].id == stmt.target):
        return stmt.target
    return None


def _shape_push(stmt: ir.Stmt) -> str | None:
    """The variable `push_shape(stack, v)` records the shape of."""
    if isinstance(stmt, ir.Push) and stmt.shape and isinstance(stmt.saved, ast.Name):
        return stmt.saved.id
    return None


def _drops_with(stmt: ir.Stmt, names: set[str], literals: set[int]) -> bool:
    """Whether `stmt` goes when `names` are dropped: one of their assignments
    (not the first, the number) or a record of their shape."""
    if id(stmt) in literals:
        return False
    defined = own_definitions(stmt) if isinstance(stmt, (ir.Assign, ir.Accumulate)) else set()
    return bool(defined & names) or _shape_push(stmt) in names


def _values_read(body: list[ir.Stmt], names: set[str], literals: set[int]) -> set[str]:
    """Those of `names` whose value a statement that stays reads (a read of
    the shape alone does not count)."""
    read: set[str] = set()
    for stmt in ir.walk(body):
        if _drops_with(stmt, names, literals):
            continue
        exprs = expressions(stmt)
        if not exprs:
            read |= ir.used_names(stmt) & names
            continue
        if isinstance(stmt, ir.Store):
            read |= {stmt.array} & names
        for expr in exprs:
            shaped = shape_positions(expr)
            variables = ir.names_in(expr) & names
            read |= {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)
                     and n.id in variables and id(n) not in shaped}
    return read


def _drop_unused_stacks(body: list[ir.Stmt], live: dict[ir.Stmt, set[str]], stacks: set[str],
                        keep: set[str]) -> bool:
    pops: dict[str, list[ir.Stmt]] = {}
    for stmt in ir.walk(body):
        stack = _is_pop(stmt, stacks)
        if stack:
            pops.setdefault(stack, []).append(stmt)
    # `v = pop_shape(stack, v)` reads `v` for its type only: that read alone
    # does not keep the stack (it would keep itself alive around a loop)
    unread = {id(p): p.target for ps in pops.values() for p in ps if _shape_pop(p)}
    if unread:
        live = liveness(body, keep, unread)
    unused = set()
    for stack in stacks:
        popped = pops.get(stack, [])
        if all(isinstance(p, ir.Assign) and p.target not in live.get(p, set()) for p in popped):
            unused.add(stack)
    if not unused:
        return False
    for block in ir.all_blocks(body):
        block[:] = [s for s in block if not (
            _is_pop(s, stacks) in unused or _is_push(s, stacks) in unused
            or (isinstance(s, ir.Assign) and s.target in unused))]
    stacks -= unused
    return True


def _certain_exits(body: list[ir.Stmt]) -> None:
    """`flag = True` before `if flag or ...: break` in the same block, with
    nothing between that assigns the flag again (a push of a saved value may
    stand there), always breaks: write the `break` alone.  (Numba folds the
    constant test and then fails to type a variable assigned in a `for` loop
    that ends that way.)"""
    for block in ir.all_blocks(body):
        for k, stmt in enumerate(block):
            if isinstance(stmt, ir.ExitLoop) and stmt.flags and _set_before(block[:k], stmt.flags):
                block[k] = ir.ExitLoop(stmt.origin, [])


def _set_before(stmts: list[ir.Stmt], flags: list[str]) -> bool:
    """Whether the last assignment in `stmts` of one of `flags` sets it to
    True, with no statement after it that may assign any of them."""
    for stmt in reversed(stmts):
        if not ir.defined_names(stmt) & set(flags):
            continue
        return (isinstance(stmt, ir.Assign) and stmt.target in flags
                and isinstance(stmt.value, ast.Constant) and stmt.value.value is True)
    return False


def _drop_empty(body: list[ir.Stmt]) -> bool:
    changed = False
    for block in ir.all_blocks(body):
        kept = []
        for stmt in block:
            if isinstance(stmt, ir.If) and not stmt.body and not stmt.orelse:
                changed = True
                continue
            if isinstance(stmt, (ir.For, ir.While)) and not any(
                    not isinstance(s, ir.ExitLoop) for s in stmt.body):
                changed = True
                continue
            kept.append(stmt)
        block[:] = kept
    return changed


# --- single-use temporaries -----------------------------------------------------------------


def _inline_temporaries(body: list[ir.Stmt], live: dict[ir.Stmt, set[str]], inlinable: set[str]) -> bool:
    changed = False
    for block in ir.all_blocks(body):
        k = 0
        while k < len(block):
            stmt = block[k]
            if (isinstance(stmt, ir.Assign) and stmt.target in inlinable and _pure(stmt.value)
                    and _inline_one(block, k, live)):
                changed = True
                continue
            k += 1
    return changed


def _inline_one(block: list[ir.Stmt], k: int, live: dict[ir.Stmt, set[str]]) -> bool:
    """Write `block[k]`'s value into its one reader later in the block."""
    stmt = block[k]
    name = stmt.target
    operands = ir.names_in(stmt.value)
    arrays = {n.value.id for n in ast.walk(stmt.value)
              if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name)}
    for j in range(k + 1, len(block)):
        reader = block[j]
        reads_here = name in _direct_reads(reader)
        if not reads_here:
            if name in _all_reads(reader):
                return False  # read inside a nested block: keep it
            if (operands & ir.defined_names(reader)) or ((arrays | operands) & written(reader)):
                return False
            continue
        if ir.blocks(reader) or name in ir.defined_names(reader) or (
                isinstance(reader, ir.Accumulate) and name in ir.names_in(reader.target)):
            return False
        if name in live.get(reader, set()):
            return False
        simple = isinstance(stmt.value, (ast.Name, ast.Constant))
        if not simple and _count(reader, name) != 1:
            return False
        if not simple and _size(reader) + _size_expr(stmt.value) > _MAX_NODES:
            return False
        _substitute(reader, name, stmt.value)
        del block[k]
        return True
    return False


def _direct_reads(stmt: ir.Stmt) -> set[str]:
    if ir.blocks(stmt):
        return ir.used_names(stmt)
    if isinstance(stmt, ir.Accumulate):  # reads what it adds to
        return ir.names_in(stmt.value) | ir.names_in(stmt.target)
    return ir.used_names(stmt)


def _all_reads(stmt: ir.Stmt) -> set[str]:
    out = set()
    for s in ir.walk([stmt]):
        out |= _direct_reads(s)
    return out


def _count(stmt: ir.Stmt, name: str) -> int:
    return sum(1 for node in expressions(stmt)
               for n in ast.walk(node) if isinstance(n, ast.Name) and n.id == name)


def _size(stmt: ir.Stmt) -> int:
    return sum(_size_expr(node) for node in expressions(stmt))


def _size_expr(node: ast.AST) -> int:
    return sum(1 for n in ast.walk(node) if isinstance(n, ast.expr))


def _substitute(stmt: ir.Stmt, name: str, value: ast.expr) -> None:
    class Replace(ast.NodeTransformer):
        def visit_Name(self, node):
            return copy.deepcopy(value) if node.id == name else node

    for owner, field in expression_slots(stmt):
        setattr(owner, field, Replace().visit(getattr(owner, field)))


# --- walking --------------------------------------------------------------------------------


def _root(node: ast.expr) -> str:
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""
