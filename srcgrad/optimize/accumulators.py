"""Elements updated throughout a loop kept in a variable, for code Numba compiles.

The reverse sweep of `y = y * x[i] + c[k]` in a loop over `k` adds into
`bx[i]` in every pass, `i` the same in all of them.  Compiled, each `+=` is a
load and a store of memory: LLVM cannot keep the element in a register across
the loop, because it cannot prove that the other arrays the loop writes
(`bc[k] += ...`) do not overlap `bx`.  srcgrad knows they do not, and keeps
the element in a variable for the whole loop, as a hand-written adjoint does:

    bx_i = bx[i]
    for k in range(m - 1, 0, -1):
        ...
        bx_i += b * y
    bx[i] = bx_i

Which elements: `a[index]` of a cotangent array `a` that the adjoint made
itself (every assignment of `a` a new array: `zeros_like(x)`, `np.zeros(n)`)
and uses only by indexing it or adding it into another (`add_into(bs, k, a)`:
no other name can hold it), in a loop that adds a number into it and reads
or writes `a` nowhere but at that index, whose names the loop does not
assign (or at several indices of non-negative integer literals, `b[0]` and
`b[5]`: a variable each).  Applied at the outermost such loop.
"""

from __future__ import annotations

import ast

from .. import ir
from ..ir.parts import clone, expression_slots
from .ranks import Ranks

__all__ = ["keep_elements_in_variables", "one_update_per_element"]

# helpers that make a new array (`take_cotangent` takes over an array nothing else refers to)
_FRESH = frozenset({"zeros_like", "new_cotangent", "take_cotangent"})
_NUMPY_FRESH = frozenset({"zeros", "zeros_like", "empty", "empty_like", "ones"})
_ADDS_INTO = frozenset({"add_into", "add_at"})  # runtime: `a[index] += v`


def keep_elements_in_variables(body: list[ir.Stmt], ranks: Ranks, namer,
                               viewed: set[str] = frozenset()) -> None:
    """Rewrite `body` in place (see the module's docstring); `viewed`: arrays
    that views made by `optimize/views.py` add into (never own)."""
    own = _own_arrays(body) - viewed
    if own:
        _visit(body, own, ranks, namer)


def one_update_per_element(body: list[ir.Stmt], ranks: Ranks, namer,
                           viewed: set[str] = frozenset()) -> None:
    """Several `a[i] += v` of one pass into one element of an own cotangent,
    nothing else touching `a` or assigning `i` between them, added up in a
    variable and stored once (`s += w[i] * x[i] * x[i]` adds into `bx[i]`
    twice): each update was a load and a store of memory.

        bx_i = v1                bx[i] += v1
        ...                      ...
        bx[i] += bx_i + v2       bx[i] += v2
    """
    own = _own_arrays(body) - viewed
    if not own:
        return
    for block in list(ir.all_blocks(body)):
        k = 0
        while k < len(block):
            group = _same_element_updates(block, k, own, ranks)
            if len(group) > 1:
                first = block[group[0]]
                name = namer.fresh(_variable_name(first.target.value.id, first.target.slice))
                block[group[0]] = ir.Assign(first.origin, name, first.value)
                for j in group[1:-1]:
                    block[j] = ir.Accumulate(block[j].origin, ast.Name(name, ast.Store()),
                                             block[j].value)
                last = block[group[-1]]
                last.value = ast.BinOp(ast.Name(name, ast.Load()), ast.Add(), last.value)
            k += 1


def _same_element_updates(block: list[ir.Stmt], k: int, own: set[str], ranks: Ranks) -> list[int]:
    """Positions of the updates of `block[k]`'s element (an own array's, by a
    number) that can be added up: up to the first statement that touches the
    array otherwise or assigns a name of the index."""
    stmt = block[k]
    if not (type(stmt) is ir.Accumulate and isinstance(stmt.target, ast.Subscript)
            and isinstance(stmt.target.value, ast.Name) and stmt.target.value.id in own
            and ranks.scalar(stmt.target) and ranks.scalar(stmt.value)):
        return []
    array, text = stmt.target.value.id, ast.dump(stmt.target.slice)
    index_names = ir.names_in(stmt.target.slice)
    group = [k]
    for j in range(k + 1, len(block)):
        later = block[j]
        if (type(later) is ir.Accumulate and isinstance(later.target, ast.Subscript)
                and isinstance(later.target.value, ast.Name) and later.target.value.id == array
                and ast.dump(later.target.slice) == text and ranks.scalar(later.value)
                and array not in ir.names_in(later.value)):
            group.append(j)
            continue
        if any(isinstance(s, (ir.ExitLoop, ir.Raise)) for s in ir.walk([later])):
            break  # the pass may end here: what the variable holds must be stored by then
        touched = set()
        for s in ir.walk([later]):
            touched |= ir.used_names(s) | ir.parts.own_definitions(s)
            if isinstance(s, ir.Accumulate):
                touched |= ir.names_in(s.target)
            if isinstance(s, ir.Store):
                touched.add(s.array)
        if array in touched or ir.defined_names(later) & index_names:
            break
    return group


def _visit(block: list[ir.Stmt], own: set[str], ranks: Ranks, namer) -> None:
    k = 0
    while k < len(block):
        stmt = block[k]
        if isinstance(stmt, (ir.For, ir.While)):
            before, after = [], []
            for array, index in _candidates(stmt, own, ranks):
                name = namer.fresh(_variable_name(array, index))
                element = ast.Subscript(ast.Name(array, ast.Load()), clone(index), ast.Load())
                _replace(stmt.body, array, index, name)
                before.append(ir.Assign(stmt.origin, name, element))
                after.append(ir.Store(stmt.origin, array, clone(index),
                                      ast.Name(name, ast.Load())))
            block[k:k + 1] = [*before, stmt, *after]
            k += len(before)
        for inner in ir.blocks(stmt):
            _visit(inner, own, ranks, namer)
        k += 1


def _candidates(loop: ir.For | ir.While, own: set[str], ranks: Ranks):
    """The (array, index) pairs `loop` may keep in a variable."""
    assigned = ir.defined_names(loop)
    accesses: dict[str, list[ast.Subscript | None]] = {}
    updated: set[str] = set()
    for stmt in ir.walk(loop.body):
        if isinstance(stmt, ir.Accumulate) and isinstance(stmt.target, ast.Subscript) and \
                isinstance(stmt.target.value, ast.Name) and stmt.target.value.id in own:
            if ranks.scalar(stmt.value):
                updated.add(stmt.target.value.id)
        if isinstance(stmt, ir.Store) and stmt.array in own:
            accesses.setdefault(stmt.array, []).append(
                ast.Subscript(ast.Name(stmt.array, ast.Load()), stmt.index, ast.Load()))
        for owner, field in expression_slots(stmt):
            _collect(getattr(owner, field), own, accesses)
    for owner, field in expression_slots(loop):  # its bounds or test, read every pass
        for name in ir.names_in(getattr(owner, field)) & own:
            accesses.setdefault(name, []).append(None)
    for array in sorted(updated):
        uses = accesses.get(array, [])
        if not uses or any(u is None for u in uses):
            continue
        indices = {ast.dump(u.slice): u for u in uses}
        if len(indices) > 1 and not all(_constant_index(u.slice) for u in indices.values()):
            continue  # two indices that may pick one element
        if all(not (ir.names_in(u.slice) & assigned) and ranks.scalar(u)
               for u in indices.values()):
            for u in indices.values():
                yield array, u.slice


def _constant_index(index: ast.expr) -> bool:
    """An index of integer literals (`b[5]`, `b[0, 2]`): distinct ones pick
    distinct elements."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    return all(isinstance(p, ast.Constant) and type(p.value) is int and p.value >= 0
               for p in parts)


def _collect(expr: ast.expr, own: set[str], accesses: dict) -> None:
    """Each use of an own array in `expr`: its subscript, or None for a bare use."""
    subscripted = set()
    for node in ast.walk(expr):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and \
                node.value.id in own:
            accesses.setdefault(node.value.id, []).append(node)
            subscripted.add(id(node.value))
    for node in ast.walk(expr):
        if isinstance(node, ast.Name) and node.id in own and id(node) not in subscripted:
            accesses.setdefault(node.id, []).append(None)


def _replace(body: list[ir.Stmt], array: str, index: ast.expr, name: str) -> None:
    """Every `array[index]` of `body` as the variable `name`."""
    text = ast.dump(index)

    def is_element(node) -> bool:
        return (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                and node.value.id == array and ast.dump(node.slice) == text)

    class Swap(ast.NodeTransformer):
        def visit_Subscript(self, node):
            if is_element(node):
                return ast.Name(name, ast.Load())
            return self.generic_visit(node)

    for block in ir.all_blocks(body):
        for k, stmt in enumerate(block):
            if isinstance(stmt, ir.Store) and stmt.array == array and \
                    ast.dump(stmt.index) == text:
                block[k] = ir.Assign(stmt.origin, name, Swap().visit(stmt.value))
                continue
            if isinstance(stmt, ir.Accumulate) and is_element(stmt.target):
                stmt.target = ast.Name(name, ast.Store())
            for owner, field in expression_slots(stmt):
                if not (isinstance(owner, ir.Accumulate) and field == "target"):
                    setattr(owner, field, Swap().visit(getattr(owner, field)))


def _own_arrays(body: list[ir.Stmt]) -> set[str]:
    """Arrays the adjoint made itself and uses only by indexing (or returns)."""
    defs: dict[str, list] = {}
    for stmt in ir.walk(body):
        for name in ir.parts.own_definitions(stmt):
            defs.setdefault(name, []).append(stmt)
    own = {name for name, stmts in defs.items()
           if all(isinstance(s, ir.Assign) and _makes_new_array(s.value) for s in stmts)}
    if not own:
        return own
    bare: set[str] = set()
    for stmt in ir.walk(body):
        if _reads_without_keeping(stmt) or (
                isinstance(stmt, ir.Assign) and _makes_new_array(stmt.value)):
            continue  # `add_into(bs, k, b)`, `bx = new_cotangent(by, x)`: no reference kept
        for owner, field in expression_slots(stmt):
            expr = getattr(owner, field)
            indexed = {id(n.value) for n in ast.walk(expr) if isinstance(n, ast.Subscript)}
            bare |= {n.id for n in ast.walk(expr)
                     if isinstance(n, ast.Name) and n.id in own and id(n) not in indexed}
    return own - bare  # (the `return` reads them after every loop)


def _reads_without_keeping(stmt: ir.Stmt) -> bool:
    """A call kept for its effect on its first argument, which holds no
    reference to the others once it returns (inside a loop, a bare use is
    still an access: `_candidates` sees it)."""
    return (type(stmt) is ir.ExprStmt and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Name) and stmt.value.func.id in _ADDS_INTO)


def _makes_new_array(value: ast.expr) -> bool:
    """Whether `value` is a new array (or a number): `zeros_like(x)`,
    `new_cotangent(g, x)`, `take_cotangent(g, x)` of a `g` that is not a
    variable (it may return `g` itself), `np.zeros(n)`."""
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    if isinstance(func, ast.Name):
        if func.id == "take_cotangent":
            return bool(value.args) and not isinstance(value.args[0], ast.Name)
        return func.id in _FRESH
    return (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            and func.value.id == "np" and func.attr in _NUMPY_FRESH)


def _variable_name(array: str, index: ast.expr) -> str:
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    words = []
    for part in parts:
        if isinstance(part, ast.Name):
            words.append(part.id)
        elif isinstance(part, ast.Constant):
            words.append(str(part.value))
        else:
            return f"{array}_element"
    return "_".join([array, *words])
