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
import functools

from .. import ir
from ..adjoint.saving import shape_positions
from ..rules import registry

__all__ = ["cleanup", "liveness", "live_at_gaps"]

# calls the cleanup may drop or move: no side effect, no exception that matters
# (with `_pure_functions`)
_PURE_FUNCTIONS = {"zeros_like", "unbroadcast", "new_cotangent", "take_cotangent", "copy_value",
                   "len", "range", "abs", "min", "max", "float", "int", "bool", "round"}
_PURE_MODULES = {"np", "math"}
_MAX_NODES = 24  # an inlined expression stays under this many AST nodes


def cleanup(body: list[ir.Stmt], returns: ast.expr, stacks: set[str],
            inlinable: set[str], typed: bool = True) -> list[ir.Stmt]:
    keep = ir.names_in(returns)
    _fold_constants(body)
    _certain_exits(body)
    # Each round that changes something drops a statement or a stack, so
    # running to a fixpoint ends within this many rounds.
    rounds = sum(1 for _ in ir.walk(body)) + len(stacks) + 1
    while True:
        changed = typed and _drop_unread_scalars(body, keep)
        live = liveness(body, keep)
        changed |= _drop_dead(body, live)
        changed |= _drop_unused_stacks(body, live, stacks)
        live = liveness(body, keep)
        changed |= _inline_temporaries(body, live, inlinable)
        changed |= _drop_empty(body)
        if not changed:
            return body
        rounds -= 1
        if rounds < 0:
            raise AssertionError("cleanup did not reach a fixpoint")


# --- liveness -----------------------------------------------------------------------------


def liveness(body: list[ir.Stmt], live_out: set[str]) -> dict[int, set[str]]:
    """For each statement (by id), the variables live just after it."""
    after: dict[int, set[str]] = {}
    _live_block(body, set(live_out), after)
    return after


def live_at_gaps(body: list[ir.Stmt], live_out: set[str]) -> dict[tuple[int, int], set[str]]:
    """For each gap of each block (keyed by (id(block), gap)), the variables
    whose value there may still be read."""
    after = liveness(body, live_out)
    table: dict[tuple[int, int], set[str]] = {}

    def visit(stmts):
        for k, stmt in enumerate(stmts):
            table[(id(stmts), k)] = _live_stmt(stmt, set(after[id(stmt)]), {})
            for inner in ir.blocks(stmt):
                visit(inner)
        table[(id(stmts), len(stmts))] = after[id(stmts[-1])] if stmts else set()

    visit(body)
    for stmt in ir.walk(body):  # an empty block: what is live around its statement
        for inner in ir.blocks(stmt):
            if not inner:
                table[(id(inner), 0)] = set(after[id(stmt)]) | ir.used_names(stmt)
    return table


def _live_block(stmts: list[ir.Stmt], live: set[str], after: dict[int, set[str]]) -> set[str]:
    for stmt in reversed(stmts):
        after[id(stmt)] = set(live) | after.get(id(stmt), set())
        live = _live_stmt(stmt, live, after)
    return live


def _live_stmt(stmt: ir.Stmt, live: set[str], after) -> set[str]:
    if isinstance(stmt, ir.If):
        return {stmt.test} | _live_block(stmt.body, set(live), after) | _live_block(
            stmt.orelse, set(live), after)
    if isinstance(stmt, (ir.For, ir.While)):
        header = ir.used_names(stmt)
        loop_live = set(live) | header
        while True:
            body_in = _live_block(stmt.body, set(loop_live), after)
            if isinstance(stmt, ir.For):
                body_in.discard(stmt.var)
            grown = loop_live | body_in
            if grown == loop_live:
                return loop_live
            loop_live = grown
    if isinstance(stmt, ir.Assign):
        return (live - {stmt.target}) | ir.names_in(stmt.value)
    if isinstance(stmt, ir.Accumulate):
        return live | ir.names_in(stmt.target) | ir.names_in(stmt.value)
    if isinstance(stmt, ir.Store):
        return live | ir.used_names(stmt)
    return live | ir.used_names(stmt)


# --- dead code ------------------------------------------------------------------------------


@functools.cache
def _pure_functions() -> frozenset[str]:
    """`_PURE_FUNCTIONS` and the functions generated code calls in place of
    NumPy's (`registry.replace`: `sin`, `reduce_sum`, ...), all registered by
    the time anything is transformed."""
    return frozenset(_PURE_FUNCTIONS | {impl.__name__ for impl in registry.replacements()})


def _pure(node: ast.expr) -> bool:
    for n in ast.walk(node):
        if isinstance(n, ast.Call):
            func = n.func
            if isinstance(func, ast.Name):
                if func.id not in _pure_functions():
                    return False
            else:
                root = func
                while isinstance(root, ast.Attribute):
                    root = root.value
                if not (isinstance(root, ast.Name) and root.id in _PURE_MODULES):
                    return False
    return True


def _is_pop(stmt: ir.Stmt, stacks: set[str]) -> str | None:
    """The stack a pop (`v = stack.pop()`, `v = pop_shape(stack, v)`, an undone store) pops."""
    if isinstance(stmt, (ir.Pop, ir.PopStore)):
        return stmt.stack if getattr(stmt, "shape", False) or stmt.stack in stacks else None
    return None


def _is_push(stmt: ir.Stmt, stacks: set[str]) -> str | None:
    if isinstance(stmt, ir.Push):
        return stmt.stack if stmt.shape or stmt.stack in stacks else None
    return None


def _drop_dead(body: list[ir.Stmt], live: dict[int, set[str]]) -> bool:
    changed = False
    for block in _all_blocks(body):
        kept = []
        for stmt in block:
            out = live.get(id(stmt), set())
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
    for block in _all_blocks(body):
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
        for name in _own_definitions(stmt):
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


def _own_definitions(stmt: ir.Stmt) -> set[str]:
    """Names a statement assigns itself, not counting nested blocks."""
    if isinstance(stmt, ir.Assign):
        return {stmt.target}
    if isinstance(stmt, ir.Accumulate) and isinstance(stmt.target, ast.Name):
        return {stmt.target.id}
    if isinstance(stmt, ir.For):
        return {stmt.var} | ({stmt.trips} if stmt.trips else set())
    if isinstance(stmt, ir.While):
        return {stmt.trips}
    return set()


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
    defined = _own_definitions(stmt) if isinstance(stmt, (ir.Assign, ir.Accumulate)) else set()
    return bool(defined & names) or _shape_push(stmt) in names


def _values_read(body: list[ir.Stmt], names: set[str], literals: set[int]) -> set[str]:
    """Those of `names` whose value a statement that stays reads (a read of
    the shape alone does not count)."""
    read: set[str] = set()
    for stmt in ir.walk(body):
        if _drops_with(stmt, names, literals):
            continue
        exprs = [getattr(owner, field) for owner, field in _expressions(stmt)]
        if not exprs:
            read |= ir.used_names(stmt) & names
            continue
        if isinstance(stmt, ir.Store):
            read |= {stmt.array} & names
        for expr in exprs:
            shaped = shape_positions(expr)
            callees = {id(n.func) for n in ast.walk(expr) if isinstance(n, ast.Call)}
            read |= {n.id for n in ast.walk(expr) if isinstance(n, ast.Name) and n.id in names
                     and id(n) not in shaped and id(n) not in callees}
    return read


def _drop_unused_stacks(body: list[ir.Stmt], live: dict[int, set[str]], stacks: set[str]) -> bool:
    pops: dict[str, list[ir.Stmt]] = {}
    for stmt in ir.walk(body):
        stack = _is_pop(stmt, stacks)
        if stack:
            pops.setdefault(stack, []).append(stmt)
    unused = set()
    for stack in stacks:
        popped = pops.get(stack, [])
        if all(isinstance(p, ir.Assign) and p.target not in live.get(id(p), set()) for p in popped):
            unused.add(stack)
    if not unused:
        return False
    for block in _all_blocks(body):
        block[:] = [s for s in block if not (
            _is_pop(s, stacks) in unused or _is_push(s, stacks) in unused
            or (isinstance(s, ir.Assign) and s.target in unused))]
    stacks -= unused
    return True


def _certain_exits(body: list[ir.Stmt]) -> None:
    """`flag = True` right before `if flag or ...: break` always breaks: write
    the `break` alone.  (Numba folds the constant test and then fails to type
    a variable assigned in a `for` loop that ends that way.)"""
    for block in _all_blocks(body):
        for k in range(1, len(block)):
            stmt, before = block[k], block[k - 1]
            if (isinstance(stmt, ir.ExitLoop) and isinstance(before, ir.Assign)
                    and before.target in stmt.flags and isinstance(before.value, ast.Constant)
                    and before.value.value is True):
                block[k] = ir.ExitLoop(stmt.origin, [])


def _drop_empty(body: list[ir.Stmt]) -> bool:
    changed = False
    for block in _all_blocks(body):
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


def _inline_temporaries(body: list[ir.Stmt], live: dict[int, set[str]], inlinable: set[str]) -> bool:
    changed = False
    for block in _all_blocks(body):
        k = 0
        while k < len(block):
            stmt = block[k]
            if (isinstance(stmt, ir.Assign) and stmt.target in inlinable and _pure(stmt.value)
                    and _inline_one(block, k, live)):
                changed = True
                continue
            k += 1
    return changed


def _inline_one(block: list[ir.Stmt], k: int, live: dict[int, set[str]]) -> bool:
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
            if (operands & ir.defined_names(reader)) or ((arrays | operands) & _mutated(reader)):
                return False
            continue
        if ir.blocks(reader) or name in ir.defined_names(reader) or (
                isinstance(reader, ir.Accumulate) and name in ir.names_in(reader.target)):
            return False
        if name in live.get(id(reader), set()):
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


# calls that write into their first argument
_MUTATING_FUNCTIONS = {"push_shape", "pop_shape", "add_at"}
_MUTATING_METHODS = {"append", "pop"}


def _mutated(stmt: ir.Stmt) -> set[str]:
    """Arrays and lists a statement (with what is nested in it) changes in place."""
    out = set()
    for s in ir.walk([stmt]):
        if isinstance(s, ir.Store):
            out.add(s.array)
        elif isinstance(s, ir.Accumulate):
            out.add(_root(s.target))
        out |= mutated_by_calls(s)
    return out


def mutated_by_calls(stmt: ir.Stmt) -> set[str]:
    """Arrays and lists the calls of a statement (not counting nested ones)
    change in place: stacks pushed and popped, `add_at`'s target."""
    out = set()
    for node in _expressions(stmt):
        for n in ast.walk(getattr(*node)):
            if not isinstance(n, ast.Call):
                continue
            if isinstance(n.func, ast.Name) and n.func.id in _MUTATING_FUNCTIONS and n.args:
                out.add(_root(n.args[0]))
            elif isinstance(n.func, ast.Attribute) and n.func.attr in _MUTATING_METHODS:
                out.add(_root(n.func.value))
    return out


def _expressions(stmt: ir.Stmt) -> list[tuple[object, str]]:
    if isinstance(stmt, ir.Assign):
        return [(stmt, "value")]
    if isinstance(stmt, ir.Accumulate):
        return [(stmt, "value"), (stmt, "target")]
    if isinstance(stmt, ir.Store):
        return [(stmt, "value"), (stmt, "index")]
    if isinstance(stmt, ir.ExprStmt):
        return [(stmt, "value")]
    return []


def _count(stmt: ir.Stmt, name: str) -> int:
    return sum(1 for owner, field in _expressions(stmt)
               for n in ast.walk(getattr(owner, field))
               if isinstance(n, ast.Name) and n.id == name)


def _size(stmt: ir.Stmt) -> int:
    return sum(_size_expr(getattr(owner, field)) for owner, field in _expressions(stmt))


def _size_expr(node: ast.AST) -> int:
    return sum(1 for n in ast.walk(node) if isinstance(n, ast.expr))


def _substitute(stmt: ir.Stmt, name: str, value: ast.expr) -> None:
    class Replace(ast.NodeTransformer):
        def visit_Name(self, node):
            return copy.deepcopy(value) if node.id == name else node

    for owner, field in _expressions(stmt):
        setattr(owner, field, Replace().visit(getattr(owner, field)))


# --- constants ------------------------------------------------------------------------------


class _Fold(ast.NodeTransformer):
    """Arithmetic on literal numbers, as rules instantiated with constant
    operands produce it (`x ** (2 - (2 != 0))` → `x ** 1` → `x`)."""

    def visit_BinOp(self, node):
        self.generic_visit(node)
        left, right = node.left, node.right
        if _number(left) and _number(right):
            return _evaluate(node)
        if isinstance(node.op, ast.Pow) and _number(right) and right.value == 1 and type(
                right.value) is int:
            return left
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        return _evaluate(node) if _number(node.operand) else node

    def visit_Compare(self, node):
        self.generic_visit(node)
        if _number(node.left) and all(_number(c) for c in node.comparators):
            return _evaluate(node)
        return node


def _number(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float, bool)


def _evaluate(node: ast.expr) -> ast.expr:
    try:
        tree = ast.fix_missing_locations(ast.Expression(copy.deepcopy(node)))
        value = eval(compile(tree, "<fold>", "eval"), {"__builtins__": {}})
    except (ArithmeticError, ValueError):
        return node
    if type(value) is bool:
        value = int(value)  # as Python would use it in arithmetic
    return ast.Constant(value)


def _fold_constants(body: list[ir.Stmt]) -> None:
    for stmt in ir.walk(body):
        for owner, field in _expressions(stmt):
            setattr(owner, field, _Fold().visit(getattr(owner, field)))


# --- walking --------------------------------------------------------------------------------


def _all_blocks(body: list[ir.Stmt]):
    yield body
    for stmt in list(ir.walk(body)):
        yield from ir.blocks(stmt)


def _root(node: ast.expr) -> str:
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""
