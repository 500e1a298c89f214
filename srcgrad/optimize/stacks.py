"""Stacks of numbers as arrays, for code Numba compiles.

The adjoint saves values on lists (`y_stack.append(y)`, `y = y_stack.pop()`).
Numba compiles a list's `append` and `pop` as calls that check and change
the list's size in memory on every value, which in an inner loop costs more
than the loop's own arithmetic (a Horner step, a filter's recurrence: the
gradient ran at 8-9 times the function).  A stack whose every value is a
number of a known kind becomes an array and the index of its top, with room
made once before each loop for all the values the loop will push:

    y_stack = np.empty(0)                       y_stack = []
    y_top = 0
    y_stack = reserve(y_stack, y_top, max(n, 0) * max(m - 1, 0))
    for i in range(n):
        for k in range(1, m):
            y_stack[y_top] = y                  y_stack.append(y)
            y_top += 1
    ...
            y_top -= 1                          y = y_stack.pop()
            y = y_stack[y_top]

Which stacks: those only pushed and popped, each pushed value an integer
(int64), a bool, the byte of a comparison (`order`, int8: `adjoint/decisions.py`)
or, in a function of real arrays and numbers only, a float (float64, which holds
a float32 exactly).  A stack pushed in the body of a
`while` loop itself stays a list: its trip count is not known on entry.

Room: before the outermost `for` loop whose pushes can all be counted on
entry, room for them all: its trips times what one pass pushes (both
branches of an `if` counted: room is an upper bound, never less than what is
pushed), or what one pass pushes alone where every pass pops exactly as
many values as it pushes (a pass computed again just before its reverse:
softmax_xent's row, Horner's rule at a point; room for all the passes was
16 MB for softmax_xent, of which it used 800 bytes, and the gradient ran at
28.9 ms against 20.5), the pushes of inner loops included, where each inner trip count
reads nothing the loops around it assign (or names they set once, at the top
of their body before it, from shapes and arithmetic of such values:
`c_shape_0 = c.shape[0]`).  Between that room being made and the loop's end,
only the loop pushes.  Any other push makes room for itself first (the
outer pass of a triangular loop, whose inner trips change with each pass;
pushes outside loops).  `reserve` never shrinks the array, so pops need no
check.

A gradient that is differentiated again is read in its list form
(`backend/pipeline.py` keeps both).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .. import ir
from ..adjoint.stacks import uncopied
from ..ir.parts import clone, own_definitions
from .ranks import Ranks

__all__ = ["array_stacks", "complex_free", "create_where_used", "number_stacks",
           "single_values", "split_constant"]

_DTYPES = {"i": "int64", "b": "bool_", "o": "int8", "f": "float64"}


@dataclass
class _Stack:
    kind: str | None = None  # "i", "b", "o", "f"; None until a push says
    pushes: list[ir.Push] = field(default_factory=list)
    ok: bool = True


def number_stacks(body: list[ir.Stmt], stacks: set[str], ranks: Ranks,
                  real: bool) -> dict[str, str]:
    """The stacks of `body` to keep in arrays (see the module's docstring),
    each with the kind of number it holds; `real`: every value of the
    function is real (floats may be saved)."""
    found = {name: _Stack() for name in _inits(body, stacks)}
    defs = _assigned_values(body)
    _survey(body, found, ranks, (_bool_names(defs), _order_names(defs)), real, inside_while=False)
    return {name: st.kind for name, st in found.items() if st.ok and st.kind and st.pushes}


def array_stacks(body: list[ir.Stmt], kinds: dict[str, str], namer) -> dict[str, str]:
    """Rewrite the stacks `kinds` names (`number_stacks`) in place: arrays,
    the index of their top, and room made before loops.  Each stack's name
    and that of its top."""
    inits = _inits(body, kinds)
    chosen = set(kinds)
    tops = {name: namer.fresh(name[:-len("_stack")] + "_top" if name.endswith("_stack")
                              else name + "_top") for name in chosen}
    _rewrite_block(body, chosen, tops, set(chosen))
    for name in sorted(chosen, key=lambda n: inits[n], reverse=True):
        k = inits[name]
        origin = body[k].origin
        args = [ast.Constant(0)]
        if kinds[name] != "f":
            args.append(ast.Attribute(ast.Name("np", ast.Load()), _DTYPES[kinds[name]],
                                      ast.Load()))
        empty = ast.Call(ast.Attribute(ast.Name("np", ast.Load()), "empty", ast.Load()), args, [])
        body[k:k + 1] = [ir.Assign(origin, name, empty),
                         ir.Assign(origin, tops[name], ast.Constant(0))]
    return tops


def single_values(body: list[ir.Stmt], stacks: set[str], namer, apply: bool = True) -> bool:
    """A stack pushed by one statement and popped by one, neither in a loop,
    holds one value per call at most (a value saved in a branch, for that
    branch's reverse: `cos_t` under `if t != 0.0` in a rotation), and costs
    an allocation and its growth for it.  Such a stack becomes a variable
    (`cos_t_saved = cos_t` ... `cos_t = cos_t_saved`), or nothing where the
    pop puts back the name pushed and nothing assigns that name between the
    two.  Rewrites `body` in place (with `apply`); whether there is one."""
    inits = _inits(body, stacks)
    flat = list(ir.walk(body))
    looped = {id(s) for loop in flat if isinstance(loop, (ir.For, ir.While))
              for s in ir.walk(loop.body)}
    uses: dict[str, list[ir.Stmt]] = {name: [] for name in inits}
    for stmt in flat:
        for name in ir.used_names(stmt) & uses.keys():
            uses[name].append(stmt)
    found = []
    for name, used in uses.items():
        if len(used) != 2 or any(id(stmt) in looped for stmt in used):
            continue
        push, pop = used
        if not (isinstance(push, ir.Push) and not push.shape and push.stack == name and (
                isinstance(pop, ir.Pop) and not pop.shape or isinstance(pop, ir.PopStore))
                and pop.stack == name and pop.push is push):
            continue
        found.append((name, push, pop))
    if not apply or not found:
        return bool(found)
    at = {id(stmt): k for k, stmt in enumerate(flat)}
    replaced: dict[int, list[ir.Stmt]] = {}
    for name, push, pop in found:
        replaced[id(body[inits[name]])] = []
        saved = push.saved
        between = flat[at[id(push)] + 1:at[id(pop)]]
        if isinstance(pop, ir.Pop) and isinstance(saved, ast.Name) and saved.id == pop.target \
                and not any(saved.id in own_definitions(stmt) for stmt in between):
            replaced[id(push)] = replaced[id(pop)] = []  # the name still holds it
            continue
        variable = namer.fresh(f"{name[:-len('_stack')] if name.endswith('_stack') else name}"
                               "_saved")
        replaced[id(push)] = [ir.Assign(push.origin, variable, clone(saved))]
        value = ast.Name(variable, ast.Load())
        replaced[id(pop)] = [ir.Assign(pop.origin, pop.target, value) if isinstance(pop, ir.Pop)
                             else ir.Store(pop.origin, pop.array, pop.index, value)]
    for block in list(ir.all_blocks(body)):
        block[:] = [new for stmt in block
                    for new in replaced.get(id(stmt), [stmt])]
    return True


def _inits(body: list[ir.Stmt], stacks) -> dict[str, int]:
    """Where in `body` each of `stacks` is made empty (`s = []`)."""
    return {s.target: k for k, s in enumerate(body) if isinstance(s, ir.Assign)
            and s.target in stacks and isinstance(s.value, ast.List) and not s.value.elts}


# --- which stacks ---------------------------------------------------------------------------


def _survey(body, found, ranks, names, real, inside_while) -> None:
    """Mark each stack's kind from its pushes; a stack used otherwise than by
    its pushes and pops, or pushed in a `while` body, is not one to rewrite."""
    for stmt in body:
        if isinstance(stmt, ir.Push):
            st = found.get(stmt.stack)
            if st is not None:
                kind = None if stmt.shape or inside_while else _kind(stmt.saved, ranks,
                                                                      names, real)
                st.pushes.append(stmt)
                if kind is None or st.kind not in (None, kind):
                    st.ok = False
                st.kind = kind
            continue
        if isinstance(stmt, (ir.Pop, ir.PopStore)) and stmt.stack in found:
            if isinstance(stmt, ir.Pop) and stmt.shape:
                found[stmt.stack].ok = False
            others = ir.names_in(stmt.index) if isinstance(stmt, ir.PopStore) else set()
            _spoil(others, found)
            continue
        _spoil(ir.used_names(stmt), found)
        if isinstance(stmt, ir.If):
            _survey(stmt.body, found, ranks, names, real, inside_while)
            _survey(stmt.orelse, found, ranks, names, real, inside_while)
        elif isinstance(stmt, ir.For):
            _survey(stmt.body, found, ranks, names, real, False)
        elif isinstance(stmt, ir.While):
            _survey(stmt.body, found, ranks, names, real, True)


def _spoil(names: set[str], found: dict) -> None:
    for name in names & found.keys():
        found[name].ok = False


def _kind(value: ast.expr, ranks: Ranks, names: tuple[set[str], set[str]],
          real: bool) -> str | None:
    """"i", "b", "o" or "f" where `value` is provably a number of that kind
    (`names`: the names that hold bools, and those that hold comparisons' bytes)."""
    value, _ = uncopied(value)  # an element's value as read: a number copies itself
    bools, orders = names
    if isinstance(value, ast.Name) and value.id in orders:
        return "o"
    if ranks.integer(value):
        return "i"
    if _boolean(value, bools):
        return "b" if ranks.scalar(value) else None  # (`x > 0` of an array is a mask)
    if real and ranks.scalar(value) and not _maybe_bool(value, bools):
        return "f"
    return None


def _boolean(node: ast.expr, bools: set[str]) -> bool:
    if isinstance(node, ast.Constant):
        return type(node.value) is bool
    if isinstance(node, ast.Name):
        return node.id in bools
    if isinstance(node, ast.Compare):
        return True
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.Not)
    if isinstance(node, ast.BoolOp):
        return all(_boolean(v, bools) for v in node.values)
    return False


def _maybe_bool(node: ast.expr, bools: set[str]) -> bool:
    """Whether `node` may hold a bool (saved as a float it would come back a float)."""
    return isinstance(node, (ast.Compare, ast.BoolOp)) or (
        isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)) or (
        isinstance(node, ast.Name) and node.id in bools) or (
        isinstance(node, ast.Constant) and type(node.value) is bool)


def _assigned_values(body: list[ir.Stmt]) -> dict[str, list]:
    """What each name of `body` is assigned: the value of each assignment,
    None for any other definition (a loop variable, a pop's target is left
    out: a pop gives back a value the name had, and each push's kind is
    checked)."""
    defs: dict[str, list] = {}
    for stmt in ir.walk(body):
        if isinstance(stmt, ir.Pop):
            continue
        if isinstance(stmt, ir.Assign):
            defs.setdefault(stmt.target, []).append(stmt.value)
        else:
            for name in ir.parts.own_definitions(stmt):
                defs.setdefault(name, []).append(None)
    return defs


def _bool_names(defs: dict[str, list]) -> set[str]:
    """Names every assignment of which is a bool (a comparison, `not`, a bool
    constant, or another such name), of `_assigned_values`: the greatest
    fixpoint."""
    bools = set(defs)
    while True:
        kept = {n for n in bools if all(v is not None and _boolean(v, bools) for v in defs[n])}
        if kept == bools:
            return bools
        bools = kept


def _order_names(defs: dict[str, list]) -> set[str]:
    """Names every assignment of which is a comparison's byte, `order(a, b)`,
    of `_assigned_values`."""
    return {name for name, values in defs.items()
            if all(isinstance(v, ast.Call) and isinstance(v.func, ast.Name)
                   and v.func.id == "order" for v in values)}


def complex_free(body: list[ir.Stmt]) -> bool:
    """Whether nothing in `body` can make a complex number from real ones: no
    complex constant, no name or attribute that says complex, FFT or dtype,
    no `astype`/`view`."""
    words = ("complex", "fft", "csingle", "cdouble", "clongdouble", "dtype", "astype", "view",
             "emath", "imag", "conj")
    for stmt in ir.walk(body):
        for expr in ir.parts.expressions(stmt):
            for node in ast.walk(expr):
                if isinstance(node, ast.Constant) and isinstance(node.value, complex):
                    return False
                if isinstance(node, ast.keyword) and node.arg == "dtype":
                    return False
                text = node.id if isinstance(node, ast.Name) else (
                    node.attr if isinstance(node, ast.Attribute) else "")
                if any(w in text.lower() for w in words):
                    return False
    return True


# --- the rewrite ----------------------------------------------------------------------------


def _rewrite_block(block: list[ir.Stmt], chosen, tops, unhosted: set[str]) -> None:
    """Pushes and pops of `block` rewritten; `unhosted`: the stacks whose
    pushes here no enclosing loop made room for.  Before a `for` loop whose
    pushes of such a stack can all be counted on entry (`_total`), room for
    them all; any other push of it makes room for itself."""
    k = 0
    while k < len(block):
        stmt = block[k]
        if isinstance(stmt, ir.Push) and stmt.stack in chosen:
            name, top = stmt.stack, tops[stmt.stack]
            stores = [
                ir.Store(stmt.origin, name, ast.Name(top, ast.Load()), stmt.saved),
                ir.Accumulate(stmt.origin, ast.Name(top, ast.Store()), ast.Constant(1))]
            if name in unhosted:
                stores.insert(0, _reserve(stmt.origin, name, top, ast.Constant(1)))
            block[k:k + 1] = stores
            k += len(stores)
            continue
        if isinstance(stmt, (ir.Pop, ir.PopStore)) and stmt.stack in chosen:
            name, top = stmt.stack, tops[stmt.stack]
            element = ast.Subscript(ast.Name(name, ast.Load()), ast.Name(top, ast.Load()),
                                    ast.Load())
            taken = (ir.Assign(stmt.origin, stmt.target, element) if isinstance(stmt, ir.Pop)
                     else ir.Store(stmt.origin, stmt.array, stmt.index, element))
            block[k:k + 1] = [
                ir.Accumulate(stmt.origin, ast.Name(top, ast.Store()), ast.Constant(-1)), taken]
            k += 2
            continue
        if isinstance(stmt, ir.If):
            _rewrite_block(stmt.body, chosen, tops, unhosted)
            _rewrite_block(stmt.orelse, chosen, tops, unhosted)
        elif isinstance(stmt, ir.While):
            _rewrite_block(stmt.body, chosen, tops, unhosted)
        elif isinstance(stmt, ir.For):
            rooms = {}
            for name in sorted(unhosted):
                total = _total(stmt, name, [])
                if total is not None and not _is_zero(total):
                    rooms[name] = total
            _rewrite_block(stmt.body, chosen, tops, unhosted - set(rooms))
            made = [_reserve(stmt.origin, name, tops[name], room)
                    for name, room in rooms.items()]
            block[k:k] = made
            k += len(made)
        k += 1


def _reserve(origin: ir.Origin, name: str, top: str, room: ast.expr) -> ir.Assign:
    """`name = reserve(name, top, room)`."""
    return ir.Assign(origin, name, ast.Call(
        ast.Name("reserve", ast.Load()),
        [ast.Name(name, ast.Load()), ast.Name(top, ast.Load()), room], []))


def _total(loop: ir.For, name: str, frames: list[tuple[ir.For, int]]) -> ast.expr | None:
    """An upper bound of the values `loop` pushes on `name` in all its
    passes, as an expression of values known before the outermost of
    `frames` (the loops around `loop`, outermost first, each with the
    position in its body of the statement holding the next), or before
    `loop` itself where there are none; None where some trip count is not
    so known, or a `while` loop inside pushes."""
    bounds = [_known_before(b, frames) for b in (loop.start, loop.stop, loop.step)]
    if any(b is None for b in bounds):
        return None
    per_pass = _per_pass(loop.body, name, loop, [*frames], None)
    if per_pass is None:
        return None
    if _is_zero(per_pass) or _balanced(loop, name, frames):
        return per_pass
    return _times(_trips_in(bounds), per_pass)


def _balanced(loop: ir.For, name: str, frames: list[tuple[ir.For, int]]) -> bool:
    """Whether each pass of `loop` pops from `name` exactly as many values as
    it pushes (a pass the reverse sweep computes again just before reversing
    it: `optimize/passes.py`), so that the stack is back at its height after
    every pass and room for one pass's pushes is room for them all."""
    pushes = _sites(loop.body, name, loop, frames, None, (ir.Push,))
    pops = _sites(loop.body, name, loop, frames, None, (ir.Pop, ir.PopStore))
    return bool(pushes) and pops is not None and sorted(pushes) == sorted(pops)


def _sites(block: list[ir.Stmt], name: str, loop: ir.For, frames, position,
           kinds: tuple[type, ...]) -> list[str] | None:
    """For each statement of `kinds` on `name` in `block` (part of `loop`'s
    body; `position`: where in the body `block` sits, None for the body
    itself), how many times one pass of `loop` runs it, exactly: the
    product of the trip counts of the `for` loops around it inside `loop`,
    each an expression of values the pass does not change (dumped, to be
    compared).  None where an `if` or a `while` holds a push or a pop of
    `name` (their counts are not known), or a trip count is not so known."""
    out: list[str] = []
    for k, stmt in enumerate(block):
        at = k if position is None else position
        if isinstance(stmt, kinds) and stmt.stack == name:
            out.append("1")
        elif isinstance(stmt, (ir.If, ir.While)):
            if any(isinstance(s, (ir.Push, ir.Pop, ir.PopStore)) and s.stack == name
                   for s in ir.walk([stmt])):
                return None
        elif isinstance(stmt, ir.For):
            inner_frames = [*frames, (loop, at)]
            inner = _sites(stmt.body, name, stmt, inner_frames, None, kinds)
            if inner is None:
                return None
            if inner:
                bounds = [_known_before(b, inner_frames) for b in (stmt.start, stmt.stop, stmt.step)]
                if any(b is None for b in bounds):
                    return None
                trips = ast.dump(_fold(_trips_in(bounds)))
                out += [f"{trips} * {count}" for count in inner]
    return out


def _per_pass(block: list[ir.Stmt], name: str, loop: ir.For, frames, position) -> ast.expr | None:
    """The values one pass of `loop` pushes on `name` in `block` (part of its
    body; `position`: where in the body `block` sits, None for the body itself)."""
    count: ast.expr = ast.Constant(0)
    for k, stmt in enumerate(block):
        at = k if position is None else position
        if isinstance(stmt, ir.Push) and stmt.stack == name:
            count = _plus(count, ast.Constant(1))
        elif isinstance(stmt, ir.If):
            for branch in (stmt.body, stmt.orelse):
                inner = _per_pass(branch, name, loop, frames, at)
                if inner is None:
                    return None
                count = _plus(count, inner)
        elif isinstance(stmt, ir.For):
            if not any(isinstance(s, ir.Push) and s.stack == name for s in ir.walk(stmt.body)):
                continue  # pushes nothing: its trips do not matter
            inner = _total(stmt, name, [*frames, (loop, at)])
            if inner is None:
                return None
            count = _plus(count, inner)
        elif isinstance(stmt, ir.While):
            if any(isinstance(s, ir.Push) and s.stack == name for s in ir.walk(stmt.body)):
                return None
    return _fold(count)


def _known_before(node: ast.expr, frames: list[tuple[ir.For, int]]) -> ast.expr | None:
    """`node`, read at position `frames[-1][1]` of the innermost frame's
    loop body, as an expression of values known before `frames[0]`'s loop
    starts, or None.  A name a frame's loop assigns is read through its one
    assignment in that loop, at the top of its body before the position,
    where that assignment is made of names so known, shapes and arithmetic
    (`c_shape_0 = c.shape[0]`); such a value is the same in every pass."""
    if not frames:
        return clone(node)
    loop, position = frames[-1]
    assigned = ir.defined_names(loop)

    def read(expr: ast.expr, limit: int, depth: int) -> ast.expr | None:
        if depth > 8:
            return None
        if isinstance(expr, ast.Constant):
            return clone(expr)
        if isinstance(expr, ast.Name):
            if expr.id not in assigned:
                return _known_before(expr, frames[:-1])
            found = _only_definition(loop, expr.id, limit)
            return None if found is None else read(found[1], found[0], depth + 1)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Sub, ast.Mult)):
            left, right = read(expr.left, limit, depth), read(expr.right, limit, depth)
            return None if left is None or right is None else ast.BinOp(left, expr.op, right)
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
            operand = read(expr.operand, limit, depth)
            return None if operand is None else ast.UnaryOp(ast.USub(), operand)
        if (isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Attribute)
                and expr.value.attr == "shape" and isinstance(expr.slice, ast.Constant)):
            array = read(expr.value.value, limit, depth)
            return None if array is None else ast.Subscript(
                ast.Attribute(array, "shape", ast.Load()), clone(expr.slice), ast.Load())
        return None

    return read(node, position, 0)


def _only_definition(loop: ir.For, name: str, limit: int) -> tuple[int, ast.expr] | None:
    """The position and value of `name`'s one assignment in `loop`, where
    that is a top-level statement of its body before `limit`."""
    if name in (loop.var, loop.trips):
        return None
    count = sum(name in ir.parts.own_definitions(s) for s in ir.walk(loop.body))
    if count != 1:
        return None
    for k, stmt in enumerate(loop.body[:limit]):
        if isinstance(stmt, ir.Assign) and stmt.target == name:
            return k, stmt.value
    return None


def _trips_in(bounds) -> ast.expr:
    """The number of passes of `range(start, stop, step)`, never negative."""
    start, stop, step = bounds
    if isinstance(step, ast.Constant) and step.value in (1, -1):
        first, last = (stop, start) if step.value == 1 else (start, stop)
        return ast.Call(ast.Name("max", ast.Load()), [_difference(first, last), ast.Constant(0)],
                        [])
    rng = ast.Call(ast.Name("range", ast.Load()), [start, stop, step], [])
    return ast.Call(ast.Name("len", ast.Load()), [rng], [])


def _difference(a: ast.expr, b: ast.expr) -> ast.expr:
    """`a - b`, whole constants added up (`n - 1 - -1` as `n`)."""
    (x, c), (y, d) = split_constant(a), split_constant(b)
    if x is not None and y is not None and ast.dump(x) == ast.dump(y):
        x = y = None
    base = x if y is None else (ast.UnaryOp(ast.USub(), y) if x is None
                                else ast.BinOp(x, ast.Sub(), y))
    constant = c - d
    if base is None:
        return ast.Constant(constant)
    if constant == 0:
        return base
    return ast.BinOp(base, ast.Add() if constant > 0 else ast.Sub(), ast.Constant(abs(constant)))


def split_constant(node: ast.expr) -> tuple[ast.expr | None, int]:
    """`node` as an expression plus a whole constant (None: only the constant)."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return None, node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and \
            isinstance(node.operand, ast.Constant) and type(node.operand.value) is int:
        return None, -node.operand.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)) and \
            isinstance(node.right, ast.Constant) and type(node.right.value) is int:
        base, c = split_constant(node.left)
        d = node.right.value if isinstance(node.op, ast.Add) else -node.right.value
        return base, c + d
    return node, 0


def _is_zero(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value == 0 and type(node.value) is int


def _plus(a: ast.expr, b: ast.expr) -> ast.expr:
    return ast.BinOp(a, ast.Add(), b)


def _times(a: ast.expr, b: ast.expr) -> ast.expr:
    if isinstance(b, ast.Constant) and b.value == 1:
        return a
    if isinstance(a, ast.Constant) and a.value == 1:
        return b
    return ast.BinOp(a, ast.Mult(), b)


def _fold(expr: ast.expr) -> ast.expr:
    """A sum with its constant terms added up (`1 + 1` as `2`)."""
    terms, constant = [], 0
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            stack += [node.right, node.left]
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            constant += node.value
        else:
            terms.append(node)
    if constant or not terms:
        terms.append(ast.Constant(constant))
    out = terms[0]
    for term in terms[1:]:
        out = _plus(out, term)
    return out


def create_where_used(body: list[ir.Stmt], returns: ast.expr) -> bool:
    """Move each stack made at the top of the function (`k_stack = np.empty(0,
    np.int64)`, `k_top = 0`, `minor_stack = []`), and any name set there to a
    constant, into the branch that uses it, where every statement that reads
    or writes it is under the same side of `if c:` blocks testing one
    condition `c`, set once before them: the forward sweep's `else:` and the
    reverse sweep's `else:` of a function whose base case (`if n == 1:`)
    saves nothing.  A recursive function's vjp called once per node of its
    call tree no longer makes its stacks at every leaf (GradBench det: four
    allocations per 1 x 1 minor).  A name the function returns stays: it
    must have a value on every path.  Returns whether it moved any."""
    moved = False
    returned = {n.id for n in ast.walk(returns) if isinstance(n, ast.Name)}
    mentions = [_mentioned(s) for s in body]  # per top-level statement, kept beside `body`
    for k in range(len(body) - 1, -1, -1):
        stmt = body[k]
        if not (type(stmt) is ir.Assign and _made_empty(stmt.value)) or stmt.target in returned:
            continue
        name = stmt.target
        users = [j for j in range(k + 1, len(body)) if name in mentions[j]]
        side = _one_side(body, users, name)
        if side is not None:
            del body[k], mentions[k]  # (the `if` it goes into mentions it already)
            side.insert(0, stmt)
            moved = True
    return moved


def _made_empty(value: ast.expr) -> bool:
    """A constant, an empty list (`[]`, `[0]`: a stack of shapes), or an
    empty array (`np.empty(0)`, `np.empty(0, np.int64)`)."""
    if isinstance(value, ast.Constant):
        return True
    if isinstance(value, ast.List):
        return all(isinstance(e, ast.Constant) for e in value.elts)
    return (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
            and value.func.attr == "empty" and bool(value.args)
            and isinstance(value.args[0], ast.Constant) and value.args[0].value == 0)


def _one_side(body: list[ir.Stmt], users: list[int], name: str):
    """The statements of the side of the first `if` of `users` where the
    assignment of `name` may go, else None: every user an `if` on one test,
    set once at the top level before them and never after, using `name` on
    one side only, the same side in all."""
    if not users or not all(isinstance(body[j], ir.If) for j in users):
        return None
    test = body[users[0]].test
    sides = set()
    for j in users:
        stmt = body[j]
        if stmt.test != test:
            return None
        in_body = any(name in _mentioned(s) for s in stmt.body)
        in_else = any(name in _mentioned(s) for s in stmt.orelse)
        if in_body == in_else:
            return None
        sides.add(in_body)
    sets = [j for j, s in enumerate(body) if test in ir.defined_names(s)]
    if len(sets) != 1 or sets[0] > users[0] or len(sides) != 1:
        return None
    first = body[users[0]]
    return first.body if sides.pop() else first.orelse


def _mentioned(stmt: ir.Stmt) -> set[str]:
    """Every name a statement, or one nested in it, reads or writes."""
    out: set[str] = set()
    for s in ir.walk([stmt]):
        for value in vars(s).values():
            if isinstance(value, str):
                out.add(value)
            elif isinstance(value, ast.AST):
                out |= {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
    return out
