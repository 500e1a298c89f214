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
import copy

from .. import ir
from ..ir.parts import clone, expression_slots
from .ranks import Ranks
from .stacks import split_constant

__all__ = ["carry_neighbours", "keep_elements_around_one_pass", "keep_elements_in_variables",
           "one_update_per_element", "unshared_arrays"]

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
                _replace(stmt.body, array, index, name)
                load, store = _load_and_store(stmt.origin, array, index, name)
                before.append(load)
                after.append(store)
            block[k:k + 1] = [*before, stmt, *after]
            k += len(before)
        for inner in ir.blocks(stmt):
            _visit(inner, own, ranks, namer)
        k += 1


def _candidates(loop: ir.For | ir.While, own: set[str], ranks: Ranks):
    """The (array, index) pairs `loop` may keep in a variable."""
    assigned = ir.defined_names(loop)
    accesses = _accesses(loop, own)
    updated = {stmt.target.value.id for stmt in ir.walk(loop.body)
               if isinstance(stmt, ir.Accumulate) and isinstance(stmt.target, ast.Subscript)
               and isinstance(stmt.target.value, ast.Name) and stmt.target.value.id in own
               and ranks.scalar(stmt.value)}
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


# --- an element kept in a variable but in the one pass that may touch it otherwise ----------


def keep_elements_around_one_pass(body: list[ir.Stmt], ranks: Ranks, namer,
                                  viewed: set[str] = frozenset()) -> bool:
    """An element a loop adds into in every pass, which its other accesses
    of the array can reach in one pass only, kept in a variable in the
    other passes.  The reverse sweep of a relaxation through a pivot,
    `d[i, j] = min(d[i, j], d[i, k] + d[k, j])` in a loop over `j`, adds into
    `bd[i, k]` in every pass and reads and writes `bd[i, j]` and `bd[k, j]`,
    which are `bd[i, k]` only where `j == k`: each `+=` was a load and a
    store of memory, waiting on the previous pass's store.  The loop is cut
    at that pass, as `keep_elements_in_variables` would keep the element in
    the passes before it and after it:

        bd_i_k = bd[i, k]                           for j in range(n - 1, -1, -1):
        j_stop = max(k, -1)                             ...
        for j in range(n - 1, j_stop, -1):              bd[i, k] += t
            ...                                         bd[i, j] += u
            bd_i_k += t
            bd[i, j] += u
        bd[i, k] = bd_i_k
        j_meets = -1 < k <= n - 1
        if j_meets:
            j = k
            ... (the pass as it was)
        bd_i_k = bd[i, k]
        j_start = min(n - 1, k - 1)
        for j in range(j_start, -1, -1):
            ...
        bd[i, k] = bd_i_k

    Which loops: an innermost `for` loop in steps of 1 or -1 that always runs
    to its end and raises nothing, whose variable nothing outside a loop over
    it reads; which adds numbers into `a[e]`, `a` an own cotangent array (as
    in `keep_elements_in_variables`), `e` of names the loop does not assign;
    where every other access of `a` in it is an element `a[f]` with the
    loop's variable itself at a position where `e` has the same expression
    `c` for all of them (so `f` is `e` only in the pass `var == c`), and the
    loop's bounds do not read `a`.  One element per loop; the passes keep
    their order."""
    own = _own_arrays(body) - viewed
    if not own:
        return False
    outside = _reads_outside_own_loops(body)
    changed = False
    for block in list(ir.all_blocks(body)):
        k = 0
        while k < len(block):
            loop = block[k]
            found = None
            if isinstance(loop, ir.For) and loop.var not in outside:
                found = _met_in_one_pass(loop, own, ranks)
            if found is None:
                k += 1
                continue
            array, index, meet = found
            changed = True
            if _never_meets(block, k, loop, meet):  # the whole loop keeps it: and another?
                block[k:k + 1] = _kept_through(loop, array, index, loop.start, loop.stop,
                                               namer.fresh(_variable_name(array, index)))
                k += 1
                continue
            cut = _cut_at(loop, array, index, meet, namer)
            block[k:k + 1] = cut
            k += len(cut)
    return changed


def _reads_outside_own_loops(body: list[ir.Stmt]) -> set[str]:
    """The names read somewhere that no `for` loop over that name encloses
    (a loop's own bounds are read outside it)."""
    found: set[str] = set()

    def visit(block: list[ir.Stmt], loop_vars: frozenset) -> None:
        for stmt in block:
            found.update(ir.used_names(stmt) - loop_vars)
            inner = loop_vars | {stmt.var} if isinstance(stmt, ir.For) else loop_vars
            for nested in ir.blocks(stmt):
                visit(nested, inner)

    visit(body, frozenset())
    return found


def _met_in_one_pass(loop: ir.For, own: set[str], ranks: Ranks):
    """`(array, index, c)` for `keep_elements_around_one_pass`, or None."""
    if not (isinstance(loop.step, ast.Constant) and loop.step.value in (1, -1)):
        return None
    for stmt in ir.walk(loop.body):
        if isinstance(stmt, (ir.For, ir.While, ir.ExitLoop, ir.Raise, ir.Push, ir.Pop, ir.PopStore)):
            return None
    assigned = ir.defined_names(loop)
    accesses = _accesses(loop, own)
    updates: dict[str, set[str]] = {}
    for stmt in ir.walk(loop.body):
        if isinstance(stmt, ir.Accumulate) and isinstance(stmt.target, ast.Subscript) and \
                isinstance(stmt.target.value, ast.Name) and stmt.target.value.id in own and \
                ranks.scalar(stmt.value) and ranks.scalar(stmt.target):
            updates.setdefault(stmt.target.value.id, set()).add(ast.dump(stmt.target.slice))
    for array in sorted(updates):
        uses = accesses.get(array, [])
        if any(u is None or not ranks.scalar(u) for u in uses):
            continue
        for text in sorted(updates[array]):
            kept = next(u.slice for u in uses if ast.dump(u.slice) == text)
            if ir.names_in(kept) & (assigned | {loop.var}):
                continue
            meet = _one_meeting(kept, [u.slice for u in uses if ast.dump(u.slice) != text],
                                loop.var)
            if meet is not None:
                return array, kept, meet
    return None


def _one_meeting(kept: ast.expr, others: list[ast.expr], var: str) -> ast.expr | None:
    """The expression `c` such that each of `others` can be the index `kept`
    only where `var == c`, or None: each has `var` itself at a position where
    `kept` has `c` (the same `c` for all)."""
    if not others:
        return None
    parts = kept.elts if isinstance(kept, ast.Tuple) else [kept]
    meet = None
    for other in others:
        theirs = other.elts if isinstance(other, ast.Tuple) else [other]
        if len(theirs) != len(parts):
            return None
        at = [p for p, part in enumerate(theirs)
              if isinstance(part, ast.Name) and part.id == var]
        choices = {ast.dump(parts[p]): parts[p] for p in at}
        if meet is not None:
            choices = {t: c for t, c in choices.items() if t == ast.dump(meet)}
        if not choices:
            return None
        meet = choices[sorted(choices)[0]]
    if not (isinstance(meet, ast.Name) or (isinstance(meet, ast.Constant)
                                           and type(meet.value) is int)):
        return None
    return meet


def _never_meets(block: list[ir.Stmt], k: int, loop: ir.For, meet: ast.expr) -> bool:
    """Whether `block[k]`'s variable is never `meet` by its bounds: a bound
    that is `meet` plus a constant (or a name the block set so, `i_plus_1 =
    i + 1`, neither changed since) on the far side of it (the pair loop
    `for j in range(i + 1, n)` never meets `j == i`)."""
    def offset(bound: ast.expr) -> int | None:
        if isinstance(bound, ast.Name):
            for j in range(k - 1, -1, -1):
                stmt = block[j]
                if bound.id in ir.defined_names(stmt):
                    later = set().union(*(ir.defined_names(s) for s in block[j + 1:k]))
                    if type(stmt) is not ir.Assign or ir.names_in(meet) & later:
                        return None
                    bound = stmt.value
                    break
                if isinstance(stmt, (ir.For, ir.While, ir.If)) or ir.names_in(meet) & \
                        ir.defined_names(stmt):
                    return None
        base, constant = split_constant(bound)
        return constant if base is not None and ast.dump(base) == ast.dump(meet) else None

    start, stop = offset(loop.start), offset(loop.stop)
    if loop.step.value == 1:
        return (start is not None and start >= 1) or (stop is not None and stop <= 0)
    return (stop is not None and stop >= 0) or (start is not None and start <= -1)


def _kept_through(loop: ir.For, array: str, index: ast.expr, start: ast.expr, stop: ast.expr,
                  name: str) -> list[ir.Stmt]:
    """The passes of `loop` from `start` to `stop`, `array[index]` kept in
    the variable `name` through them."""
    body = copy.deepcopy(loop.body)
    _replace(body, array, index, name)
    load, store = _load_and_store(loop.origin, array, index, name)
    return [load, ir.For(loop.origin, loop.var, clone(start), clone(stop), clone(loop.step), body),
            store]


def _cut_at(loop: ir.For, array: str, index: ast.expr, meet: ast.expr, namer) -> list[ir.Stmt]:
    """`loop` as the passes before `var == meet`, that pass, and those after
    it, the element `array[index]` in a variable in the first and the last."""
    o, var = loop.origin, loop.var
    up = loop.step.value == 1
    name = namer.fresh(_variable_name(array, index))

    def call(fn: str, *args: ast.expr) -> ast.Call:
        return ast.Call(ast.Name(fn, ast.Load()), [clone(a) for a in args], [])

    def kept(start: ast.expr, stop: ast.expr) -> list[ir.Stmt]:
        return _kept_through(loop, array, index, start, stop, name)

    stop_first, start_last = namer.fresh(f"{var}_stop"), namer.fresh(f"{var}_start")
    meets = namer.fresh(f"{var}_meets")
    c = clone(meet)
    if up:  # passes var < c, then var == c, then var > c
        first_stop = call("min", loop.stop, call("max", c, loop.start))
        last_start = call("max", loop.start, ast.BinOp(clone(c), ast.Add(), ast.Constant(1)))
        test = ast.Compare(clone(loop.start), [ast.LtE(), ast.Lt()], [clone(c), clone(loop.stop)])
    else:  # passes var > c, then var == c, then var < c
        first_stop = call("max", c, loop.stop)
        last_start = call("min", loop.start, ast.BinOp(clone(c), ast.Sub(), ast.Constant(1)))
        test = ast.Compare(clone(loop.stop), [ast.Lt(), ast.LtE()], [clone(c), clone(loop.start)])
    at = [ir.Assign(o, var, clone(c)), *copy.deepcopy(loop.body)]
    return [ir.Assign(o, stop_first, first_stop),
            *kept(loop.start, ast.Name(stop_first, ast.Load())),
            ir.Assign(o, meets, test, nondiff=True),
            ir.If(o, meets, at),
            ir.Assign(o, start_last, last_start),
            *kept(ast.Name(start_last, ast.Load()), loop.stop)]


def _accesses(loop: ir.For | ir.While, own: set[str]) -> dict[str, list[ast.Subscript | None]]:
    """Each use of an own array in `loop`: the element it reads or writes,
    or None for a bare use (its bounds or test included, read every pass)."""
    accesses: dict[str, list[ast.Subscript | None]] = {}
    for stmt in ir.walk(loop.body):
        if isinstance(stmt, ir.Store) and stmt.array in own:
            accesses.setdefault(stmt.array, []).append(
                ast.Subscript(ast.Name(stmt.array, ast.Load()), stmt.index, ast.Load()))
        for owner, field in expression_slots(stmt):
            _collect(getattr(owner, field), own, accesses)
    for owner, field in expression_slots(loop):
        for name in ir.names_in(getattr(owner, field)) & own:
            accesses.setdefault(name, []).append(None)
    return accesses


def _load_and_store(origin, array: str, index: ast.expr, name: str) -> tuple[ir.Stmt, ir.Stmt]:
    """`name = array[index]` and `array[index] = name`: an element kept in
    the variable `name` between them."""
    element = ast.Subscript(ast.Name(array, ast.Load()), clone(index), ast.Load())
    return (ir.Assign(origin, name, element),
            ir.Store(origin, array, clone(index), ast.Name(name, ast.Load())))


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


# --- neighbours' cotangents carried from pass to pass --------------------------------------


def carry_neighbours(body: list[ir.Stmt], ranks: Ranks, namer,
                     viewed: set[str] = frozenset()) -> bool:
    """A stencil's reverse loop adds into neighbouring elements of an own
    cotangent in every pass (`bb[i - 1] += t`, `bb[i] += t`, `bb[i + 1] += t`):
    element `i + 1` of one pass is element `i` of the next.  Compiled, each
    `+=` loads what the previous pass has just stored: the passes run one
    after another, each waiting on memory.  Here each element's additions
    are summed in a variable for as long as passes add into it, and stored
    once, when the last pass that adds into it is done (a hand-written
    adjoint's registers):

        bb_i_minus_1_sum = 0.0; bb_i_sum = 0.0; bb_i_plus_1_sum = 0.0
        for i in range(1, m):
            ...
            bb_i_plus_1_sum = t              # the pass's only addition into it
            bb_i_sum += t
            bb_i_minus_1_sum += t
            bb[i - 1] += bb_i_minus_1_sum   # no later pass adds into bb[i - 1]
            bb_i_minus_1_sum = bb_i_sum
            bb_i_sum = bb_i_plus_1_sum      # (were there more, then: = 0.0)
        i_ran = 1 < m
        if i_ran:                           # the elements the last pass left
            bb[m - 1] += bb_i_minus_1_sum
            bb[m] += bb_i_sum

    Which loops: an innermost `for` loop with step 1 or -1 that always runs
    to its end, whose body adds numbers into an own cotangent array (as in
    `keep_elements_in_variables`, and no other name can hold it), at indices
    that differ only in one position, there the loop's variable plus
    consecutive whole constants, and touches that array nowhere else.
    Additions into one element commute, so the order of the stores does not
    matter.  Where every update at an offset sits in a branch (`if i > 0:
    bx[i - 1] += t`), its element is stored only if it is an index of the
    axis, as Python's indexing takes it (`-n <= k < n`)."""
    own = unshared_arrays(body, ranks) - viewed
    changed = False
    if own:
        for block in list(ir.all_blocks(body)):
            k = 0
            while k < len(block):
                stmt = block[k]
                if isinstance(stmt, ir.For):
                    before, after = _carry(stmt, own, ranks, namer, body)
                    block[k:k + 1] = [*before, stmt, *after]
                    k += len(before) + len(after)
                    changed = changed or bool(before)
                k += 1
    return changed


def _carry(loop: ir.For, own: set[str], ranks: Ranks, namer,
           function: list[ir.Stmt]) -> tuple[list[ir.Stmt], list[ir.Stmt]]:
    """Rewrite `loop` (see `carry_neighbours`); the statements to put before
    and after it."""
    step = loop.step
    if not (isinstance(step, ast.Constant) and step.value in (1, -1) and type(step.value) is int
            and loop.trips is None):
        return [], []
    if any(isinstance(s, (ir.For, ir.While, ir.ExitLoop, ir.Raise)) for s in ir.walk(loop.body)):
        return [], []
    assigned = set().union(*(ir.defined_names(s) for s in loop.body)) if loop.body else set()
    if loop.var in assigned or ir.names_in(loop.start) & assigned or \
            ir.names_in(loop.stop) & assigned:
        return [], []
    steady = _steady_names(loop, assigned)
    once = _assigned_once(loop.body)
    # (array, position, the other positions) -> offset -> [(block, stmt)]; an
    # update in a branch of an `if` is one a pass may skip
    groups: dict[tuple, dict[int, list[tuple[list[ir.Stmt], ir.Stmt]]]] = {}
    always: dict[tuple, set[int]] = {}
    counted: dict[str, int] = {}

    def scan(block: list[ir.Stmt], offsets: dict[str, int]) -> None:
        offsets = dict(offsets)  # names assigned var + d before this point of the pass
        for stmt in block:
            key = _neighbour_update(stmt, loop.var, offsets, own, assigned - steady, ranks)
            if key is not None:
                group, offset = key
                groups.setdefault(group, {}).setdefault(offset, []).append((block, stmt))
                if block is loop.body:
                    always.setdefault(group, set()).add(offset)
                counted[group[0]] = counted.get(group[0], 0) + 1
            if isinstance(stmt, ir.Assign) and stmt.target in once:
                d = _offset_of(stmt.value, loop.var, {})
                if d is not None:
                    offsets[stmt.target] = d
            for inner in ir.blocks(stmt):
                scan(inner, offsets)

    scan(loop.body, {})
    # an array qualifies where every reference to it in the loop is one of those updates
    references: dict[str, int] = {}
    for stmt in ir.walk(loop.body):
        for owner, field in expression_slots(stmt):
            for node in ast.walk(getattr(owner, field)):
                if isinstance(node, ast.Name) and node.id in counted:
                    references[node.id] = references.get(node.id, 0) + 1
    for name in ir.names_in(loop.start) | ir.names_in(loop.stop):
        references[name] = references.get(name, 0) + 1
    up = step.value == 1
    before: list[ir.Stmt] = []
    after: list[ir.Stmt] = []
    flushes: list[ir.Stmt] = []
    for group, by_offset in groups.items():
        array, position, rest = group
        if references.get(array) != counted[array] or len(by_offset) < 2 or set(rest) & assigned:
            continue  # (an index the body computes, the same in every pass: not after the loop)
        low, high = min(by_offset), max(by_offset)
        if sorted(by_offset) != list(range(low, high + 1)):
            continue  # a gap: a register stored after the loop might name no element
        example = by_offset[low][0][1].target
        registers = {d: namer.fresh(_variable_name(
            array, _at(example.slice, position, ast.Name(_offset_word(loop.var, d), ast.Load())))
            + "_sum") for d in range(low, high + 1)}
        fresh = high if up else low  # the element no earlier pass added into
        for d, places in by_offset.items():
            for block, stmt in places:
                at = next(k for k, s in enumerate(block) if s is stmt)
                if d == fresh and len(places) == 1 and block is loop.body:
                    # the pass's one addition into it, the first: it holds just that
                    block[at] = ir.Assign(stmt.origin, registers[d], stmt.value)
                else:
                    block[at] = ir.Accumulate(stmt.origin, ast.Name(registers[d], ast.Store()),
                                              stmt.value)
        origin = by_offset[low][0][1].origin
        sure = always.get(group, set())
        done = low if up else high  # the element no later pass adds into
        flushes += _store(origin, example, position, _plus(ast.Name(loop.var, ast.Load()), done),
                          registers[done], done in sure, namer)
        order = range(low, high) if up else range(high, low, -1)
        for d in order:  # each register moves on to the next pass's element
            flushes.append(ir.Assign(origin, registers[d],
                                     ast.Name(registers[d + 1 if up else d - 1], ast.Load())))
        if not (len(by_offset[fresh]) == 1 and by_offset[fresh][0][0] is loop.body):
            flushes.append(ir.Assign(origin, registers[fresh], ast.Constant(0.0)))
        before += [ir.Assign(loop.origin, registers[d], ast.Constant(0.0))
                   for d in range(low, high + 1)]
        # after the last pass (var = stop - step), register d holds element
        # stop + d: the last pass's element at offset d + step
        left = range(low, high) if up else range(low + 1, high + 1)
        for d in left:
            after += _store(origin, example, position, _plus(_copy(loop.stop), d), registers[d],
                            d + step.value in sure, namer)
    if not flushes:
        return [], []
    loop.body += flushes
    _drop_unused_offsets(loop, function)
    ran = namer.fresh(f"{loop.var}_ran")
    compare = ast.Compare(_copy(loop.start), [ast.Lt() if up else ast.Gt()], [_copy(loop.stop)])
    return before, [ir.Assign(loop.origin, ran, compare), ir.If(loop.origin, ran, after, [])]


def _store(origin, example: ast.Subscript, position: int, at: ast.expr, register: str,
           sure: bool, namer) -> list[ir.Stmt]:
    """`a[..., at, ...] += register`; where every update at that offset is in
    a branch that a pass may skip, only if `at` is an index of the axis (the
    register then holds 0.0, and `at` may name no element)."""
    array = example.value.id
    target = ast.Subscript(ast.Name(array, ast.Load()), _at(example.slice, position, at),
                           ast.Store())
    update = ir.Accumulate(origin, target, ast.Name(register, ast.Load()))
    if sure:
        return [update]
    size = ast.Subscript(ast.Attribute(ast.Name(array, ast.Load()), "shape", ast.Load()),
                         ast.Constant(position), ast.Load())
    inside = namer.fresh(f"{register}_inside")
    test = ast.Compare(ast.UnaryOp(ast.USub(), size), [ast.LtE(), ast.Lt()],
                       [_copy(at), _copy(size)])
    return [ir.Assign(origin, inside, test), ir.If(origin, inside, [update], [])]


def _assigned_once(body: list[ir.Stmt]) -> set[str]:
    counts: dict[str, int] = {}
    for stmt in ir.walk(body):
        for name in ir.defined_names(stmt) if not ir.blocks(stmt) else ():
            counts[name] = counts.get(name, 0) + 1
    return {name for name, count in counts.items() if count == 1}


def unshared_arrays(body: list[ir.Stmt], ranks: Ranks, in_place: bool = False) -> set[str]:
    """Arrays the adjoint made itself that no other name can hold: read
    whole only where nothing keeps them (added into another array, `bu +=
    cast_like(bun, u)`; `add_into`), else by their elements.  `in_place`:
    `bW += v` of a whole array adds into the array itself (as compiled) and
    makes no other one."""
    defs: dict[str, list] = {}
    for stmt in ir.walk(body):
        if in_place and type(stmt) is ir.Accumulate and isinstance(stmt.target, ast.Name):
            continue
        for name in ir.parts.own_definitions(stmt):
            defs.setdefault(name, []).append(stmt)
    made = {name for name, stmts in defs.items()
            if all(isinstance(s, ir.Assign) and _makes_new_array(s.value) for s in stmts)}
    kept: set[str] = set()
    for stmt in ir.walk(body):
        if type(stmt) is ir.Accumulate or _reads_without_keeping(stmt) or (
                isinstance(stmt, ir.Assign) and _makes_new_array(stmt.value)):
            continue
        for owner, field in expression_slots(stmt):
            expr = getattr(owner, field)
            elements = {id(n.value) for n in ast.walk(expr) if isinstance(n, ast.Subscript)
                        and isinstance(n.value, ast.Name) and ranks.scalar(n)}
            kept |= {n.id for n in ast.walk(expr)
                     if isinstance(n, ast.Name) and n.id in made and id(n) not in elements}
    return made - kept


def _steady_names(loop: ir.For, assigned: set[str]) -> set[str]:
    """Names the body assigns once, at its top level, by arithmetic of names
    it does not assign (or of such names): the same in every pass (`i_minus_1
    = i - 1` in a loop over `j`)."""
    counts: dict[str, int] = {}
    for stmt in ir.walk(loop.body):
        for name in ir.defined_names(stmt) if not ir.blocks(stmt) else ():
            counts[name] = counts.get(name, 0) + 1
    steady: set[str] = set()
    for stmt in loop.body:
        if (isinstance(stmt, ir.Assign) and counts.get(stmt.target) == 1
                and isinstance(stmt.value, (ast.BinOp, ast.Name, ast.Constant))
                and all(isinstance(n, (ast.BinOp, ast.Name, ast.Constant, ast.operator,
                                       ast.expr_context)) for n in ast.walk(stmt.value))
                and not (ir.names_in(stmt.value) & (assigned - steady))
                and loop.var not in ir.names_in(stmt.value)):
            steady.add(stmt.target)
    return steady


def _offset_of(node: ast.expr, var: str, offsets: dict[str, int]) -> int | None:
    """`node` as `var` plus a whole constant, or None."""
    if isinstance(node, ast.Name):
        return 0 if node.id == var else offsets.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)) and \
            isinstance(node.left, ast.Name) and node.left.id == var and \
            isinstance(node.right, ast.Constant) and type(node.right.value) is int:
        return node.right.value if isinstance(node.op, ast.Add) else -node.right.value
    return None


def _neighbour_update(stmt: ir.Stmt, var: str, offsets: dict[str, int], own: set[str],
                      assigned: set[str], ranks: Ranks):
    """((array, position, the other positions), offset) of `a[..., var + d, ...] += v`
    (a number into an own array, the other positions names the loop does not
    assign or whole constants), else None."""
    if not (type(stmt) is ir.Accumulate and isinstance(stmt.target, ast.Subscript)
            and isinstance(stmt.target.value, ast.Name) and stmt.target.value.id in own
            and ranks.scalar(stmt.target) and ranks.scalar(stmt.value)
            and stmt.target.value.id not in ir.names_in(stmt.value)):
        return None
    index = stmt.target.slice
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    found = [(p, _offset_of(part, var, offsets)) for p, part in enumerate(parts)]
    varying = [(p, d) for p, d in found if d is not None]
    if len(varying) != 1:
        return None
    position, offset = varying[0]
    rest = []
    for p, part in enumerate(parts):
        if p == position:
            continue
        if isinstance(part, ast.Name) and part.id not in assigned and part.id != var:
            rest.append(part.id)
        elif isinstance(part, ast.Constant) and type(part.value) is int:
            rest.append(repr(part.value))
        else:
            return None
    return (stmt.target.value.id, position, tuple(rest)), offset


def _at(index: ast.expr, position: int, value: ast.expr) -> ast.expr:
    """`index` with `value` at `position`."""
    if isinstance(index, ast.Tuple):
        elts = [clone(e) for e in index.elts]
        elts[position] = value
        return ast.Tuple(elts, ast.Load())
    return value


def _plus(node: ast.expr, d: int) -> ast.expr:
    if d == 0:
        return node
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return ast.Constant(node.value + d)
    return ast.BinOp(node, ast.Add() if d > 0 else ast.Sub(), ast.Constant(abs(d)))


def _copy(node: ast.expr) -> ast.expr:
    return clone(node)


def _offset_word(var: str, d: int) -> str:
    return var if d == 0 else f"{var}_{'plus' if d > 0 else 'minus'}_{abs(d)}"


def _drop_unused_offsets(loop: ir.For, function: list[ir.Stmt]) -> None:
    """The body's `i_plus_1 = i + 1` that nothing reads any more."""
    read: set[str] = set()
    for stmt in ir.walk(function):
        read |= ir.used_names(stmt)
        for owner, field in expression_slots(stmt):
            read |= ir.names_in(getattr(owner, field))
    for block in ir.all_blocks(loop.body):
        block[:] = [s for s in block if not (
            isinstance(s, ir.Assign) and s.target not in read
            and _offset_of(s.value, loop.var, {}) is not None)]
