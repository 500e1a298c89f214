"""A loop's saved exponentials and logarithms computed first, in a loop LLVM vectorises.

Numba compiles `math.exp(v)` (and NumPy's `exp` of a number) to a call of
the C library's `exp`, one element at a time, and the forward sweep of a
log-sum-exp keeps its loop in order, the sum being the function's own
arithmetic:

    for i in range(n):                          for i in range(n):
        t = math.exp(x[i] - a)                      t_stack[t_top + i] = exp_in_loop(x[i] - a)
        total = total + t              ─►       for i in range(n):
        t_stack[t_top] = t                          t = t_stack[t_top]
        t_top += 1                                  total = total + t
                                                    t_top += 1

Each pass saves its exponential for the reverse sweep; where the argument
reads nothing the loop changes, the values are computed first, straight
into the stack that saves them, by a loop that does nothing else, with the
formula of `runtime/vecmath.py` (`exp_in_loop`: straight-line arithmetic,
within 2 ulp of NumPy's, that LLVM vectorises; the same as srcgrad's `exp`
of an array), and the loop reads them back.  What the loop adds up, it adds
in the same order.

Which calls: `exp`, `log` and `tanh` of `math` or NumPy, of a number,
assigned to a name in an innermost loop counting up in steps of one, of
assignments, stores and updates only, with no early exit, that pushes the
name on a stack of numbers once in every pass (the store at the top, then
the top raised by one, neither under a test, nothing else touching either),
where the argument is arithmetic (+ - * /, a sign) of constants, the loop's
variable, names the loop does not assign, and elements of arrays the loop
does not write, at indices made of the variable plus a constant that is not
negative, in the last place, and names the loop does not assign (reads that
LLVM vectorises: contiguous, never wrapped around); and every array the
loop writes is the adjoint's own (no other name holds it) or a stack.
"""

from __future__ import annotations

import ast
import copy

from .. import ir
from ..ir.effects import mutated_by_calls
from ..ir.parts import expression_slots, expressions
from .accumulators import _offset_of
from .passes import written_arrays

__all__ = ["IN_LOOP", "transcendentals_first", "transcendentals_in_vector_loops"]

# the function called, by module and name, and the vectorisable form's helper
IN_LOOP = {("math", "exp"): "exp_in_loop", ("np", "exp"): "exp_in_loop",
           ("math", "log"): "log_in_loop", ("np", "log"): "log_in_loop",
           ("math", "tanh"): "tanh_in_loop", ("np", "tanh"): "tanh_in_loop"}


def transcendentals_first(body: list[ir.Stmt], tops: dict[str, str], own: set[str]) -> set[str]:
    """Rewrite `body` in place (see the module's docstring); `tops`: each
    stack of numbers and its top, `own`: the arrays no other name holds.
    The helpers the rewritten code calls."""
    used: set[str] = set()
    for block in list(ir.all_blocks(body)):
        k = 0
        while k < len(block):
            loop = block[k]
            first = _first_loop(loop, tops, own) if isinstance(loop, ir.For) else None
            if first is None:
                k += 1
                continue
            used |= {stmt.value.func.id for stmt in first.body} | {"nonneg_index"}
            block.insert(k, first)
            k += 2
    return used


def _straight(loop: ir.For, steps: tuple[int, ...]) -> bool:
    """Whether `loop` counts by one of `steps`, without an early exit, and its
    body is assignments, stores and updates whose calls write nothing (no
    nested loop, test or call kept for its effect)."""
    return isinstance(loop.step, ast.Constant) and loop.step.value in steps \
        and not loop.trips \
        and all(type(s) in (ir.Assign, ir.Store, ir.Accumulate) for s in loop.body) \
        and not any(mutated_by_calls(s) for s in loop.body)


def _first_loop(loop: ir.For, tops: dict[str, str], own: set[str]) -> ir.For | None:
    """The loop computing `loop`'s saved transcendentals first, `loop` then
    reading them back (changed in place); None where there are none."""
    if not _straight(loop, (1,)):
        return None
    body = loop.body
    assigned = set().union(*(ir.defined_names(s) for s in body)) | {loop.var}
    if (ir.names_in(loop.start) | ir.names_in(loop.stop)) & assigned:
        return None
    written = set().union(*(written_arrays(s) for s in body))
    if written - own - set(tops):
        return None  # (an array another name may hold: what the arguments read may change)
    found = []
    for k, stmt in enumerate(body):
        helper = _in_loop(stmt)
        if helper is None or not _loop_free(stmt.value.args[0], loop.var, assigned, written):
            continue
        push = _push_of(body, k, tops)
        if push is not None:
            found.append((k, helper, push))
    if not found:
        return None
    first = []
    drop = set()
    for k, helper, (p, stack, top) in found:
        stmt = body[k]
        since = ast.Name(loop.var, ast.Load())
        if not (isinstance(loop.start, ast.Constant) and loop.start.value == 0):
            since = ast.BinOp(since, ast.Sub(), copy.deepcopy(loop.start))
        at = ast.Call(ast.Name("nonneg_index", ast.Load()),
                      [ast.BinOp(ast.Name(top, ast.Load()), ast.Add(), since)], [])
        first.append(ir.Store(stmt.origin, stack, at, ast.Call(
            ast.Name(helper, ast.Load()), [copy.deepcopy(stmt.value.args[0])], [])))
        body[k] = ir.Assign(stmt.origin, stmt.target, ast.Subscript(
            ast.Name(stack, ast.Load()), ast.Name(top, ast.Load()), ast.Load()))
        drop.add(p)
    loop.body = [s for j, s in enumerate(body) if j not in drop]
    return ir.For(loop.origin, loop.var, copy.deepcopy(loop.start), copy.deepcopy(loop.stop),
                  ast.Constant(1), first)


def _in_loop(stmt: ir.Stmt) -> str | None:
    """The vectorisable helper for `name = math.exp(v)` and its kin."""
    if not (type(stmt) is ir.Assign and isinstance(stmt.value, ast.Call)
            and len(stmt.value.args) == 1 and not stmt.value.keywords):
        return None
    return _helper_for(stmt.value.func)


def _loop_free(expr: ast.expr, var: str, assigned: set[str], written: set[str]) -> bool:
    """Whether `expr` is arithmetic the loop does not change (see the
    module's docstring), reading contiguous elements."""
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool)
    if isinstance(expr, ast.Name):
        return expr.id == var or expr.id not in assigned
    if isinstance(expr, ast.BinOp):
        return isinstance(expr.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)) and \
            _loop_free(expr.left, var, assigned, written) and \
            _loop_free(expr.right, var, assigned, written)
    if isinstance(expr, ast.UnaryOp):
        return isinstance(expr.op, (ast.USub, ast.UAdd)) and \
            _loop_free(expr.operand, var, assigned, written)
    if isinstance(expr, ast.Subscript):
        if not isinstance(expr.value, ast.Name) or expr.value.id in written \
                or expr.value.id in assigned:
            return False
        index = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
        *outer, last = index
        return all(isinstance(i, (ast.Name, ast.Constant)) and var not in ir.names_in(i)
                   and not ir.names_in(i) & assigned for i in outer) and \
            _at_or_after(last, var, assigned)
    return False


def _at_or_after(index: ast.expr, var: str, assigned: set[str]) -> bool:
    """`var`, `var + c` with a constant c >= 0, or a name the loop does not assign."""
    if isinstance(index, ast.Name):
        return index.id == var or index.id not in assigned
    if isinstance(index, ast.Constant):
        return type(index.value) is int and index.value >= 0
    offset = _offset_of(index, var, {})
    return offset is not None and offset >= 0


def _push_of(body: list[ir.Stmt], k: int, tops: dict[str, str]) -> tuple[int, str, str] | None:
    """Where `body[k]`'s name is pushed, with the stack and its top: the one
    store of the name at the top of a stack after `body[k]`, then the one
    raise of the top by one, nothing else in the loop reading or writing
    either (the name assigned once)."""
    name = body[k].target
    if sum(name in ir.defined_names(s) for s in body) != 1:
        return None
    stores = [j for j, s in enumerate(body) if isinstance(s, ir.Store) and s.array in tops
              and isinstance(s.value, ast.Name) and s.value.id == name]
    if len(stores) != 1 or stores[0] < k:
        return None
    p = stores[0]
    stack, top = body[p].array, tops[body[p].array]
    if not (isinstance(body[p].index, ast.Name) and body[p].index.id == top):
        return None
    raises = [j for j, s in enumerate(body) if type(s) is ir.Accumulate
              and isinstance(s.target, ast.Name) and s.target.id == top]
    if len(raises) != 1 or raises[0] < p or not (
            isinstance(body[raises[0]].value, ast.Constant) and body[raises[0]].value.value == 1):
        return None
    for j, s in enumerate(body):
        if j in (p, raises[0]):
            continue
        if ({stack, top} & (ir.used_names(s) | ir.defined_names(s))) or \
                (isinstance(s, ir.Store) and s.array == stack):
            return None
    return p, stack, top


# calls a loop may make and still be vectorised (besides the ones replaced):
# srcgrad's sums and index facts, and what LLVM has a vector form of
_VECTOR_CALLS = {"accumulate", "nonneg_index", "greater_share", "abs", "min", "max", "float"}
_VECTOR_ATTRIBUTES = {("math", "sqrt"), ("np", "sqrt"), ("math", "fabs"), ("np", "abs")}


def transcendentals_in_vector_loops(body: list[ir.Stmt]) -> set[str]:
    """`math.exp(v)` (`log`, `tanh`; NumPy's, of a number) in an innermost
    loop that LLVM vectorises once they are arithmetic, written
    `exp_in_loop(v)`: the whole loop runs in vector registers (a fused
    forward and reverse pass of `tanh(w * x[i] + b)` over 10^6 elements:
    15.2 ms with the C library's `tanh`, 2.5 ms).  Rewrites `body` in
    place; the helpers the rewritten code calls.

    Which loops, read as LLVM's vectoriser reads them: counting by one, up
    or down, without an early exit, of assignments, stores and updates
    only; every name a pass assigns assigned before the pass reads it (no
    value carried to the next pass) but for sums (`t = accumulate(t, e)`,
    which LLVM may reorder) and counters (`top += 1`); every array a pass
    writes, written and read at one index only, the loop's variable (plus
    or minus a constant) in its last place; no `%` or `//`; and no call but
    srcgrad's sums and index facts, `min`, `max`, `abs`, `sqrt` and these
    functions.  Anything else, and the calls stay: the formula run one
    element at a time costs about twice the C library's call."""
    used: set[str] = set()
    for loop in ir.walk(body):
        if isinstance(loop, ir.For) and _vectorises(loop):
            used |= _replace_calls(loop.body)
    return used


def _vectorises(loop: ir.For) -> bool:
    if not _straight(loop, (1, -1)):
        return False
    body = loop.body
    if not any(_replaceable(node) for s in body for e in expressions(s) for node in ast.walk(e)):
        return False
    for s in body:
        for e in expressions(s):
            for node in ast.walk(e):
                if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.FloorDiv)):
                    return False
                if isinstance(node, ast.Call) and not _replaceable(node) and not _vector_call(node):
                    return False
    # names: assigned before read in every pass, but for sums and counters
    defined: set[str] = {loop.var}
    assigned = set().union(*(ir.defined_names(s) for s in body))
    for s in body:
        reads = set(ir.used_names(s))
        if isinstance(s, ir.Assign) and _is_sum(s):
            reads -= {s.target}
        elif type(s) is ir.Accumulate and isinstance(s.target, ast.Name):
            if not (isinstance(s.value, ast.Constant) and type(s.value.value) is int):
                return False
            reads -= {s.target.id}
        if reads & assigned - defined:
            return False
        defined |= ir.defined_names(s)
    # arrays written: at one index, the variable in its last place, read there only
    at: dict[str, str] = {}
    for s in body:
        target = s.target if type(s) is ir.Accumulate else None
        if isinstance(s, ir.Store):
            array, index = s.array, s.index
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            array, index = target.value.id, target.slice
        else:
            continue
        if not _at_variable(index, loop.var) or at.setdefault(array, ast.dump(index)) != \
                ast.dump(index):
            return False
    for s in body:
        for e in expressions(s):
            for node in ast.walk(e):
                if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
                        and node.value.id in at and ast.dump(node.slice) != at[node.value.id]:
                    return False
    return True


def _is_sum(s: ir.Assign) -> bool:
    v = s.value
    return isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and \
        v.func.id == "accumulate" and len(v.args) == 2 and \
        isinstance(v.args[0], ast.Name) and v.args[0].id == s.target and \
        s.target not in ir.names_in(v.args[1])


def _at_variable(index: ast.expr, var: str) -> bool:
    """An index whose last place is `var`, `var + c` or `var - c` (or
    `nonneg_index` of one), the others free of `var`."""
    *outer, last = index.elts if isinstance(index, ast.Tuple) else [index]
    if any(var in ir.names_in(i) for i in outer):
        return False
    if isinstance(last, ast.Call) and isinstance(last.func, ast.Name) and \
            last.func.id == "nonneg_index" and len(last.args) == 1:
        last = last.args[0]
    return _offset_of(last, var, {}) is not None


def _replaceable(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords and \
        _helper_for(node.func) is not None


def _helper_for(func: ast.expr) -> str | None:
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return IN_LOOP.get((func.value.id, func.attr))
    if isinstance(func, ast.Name):
        return IN_LOOP.get(("np", func.id))
    return None


def _vector_call(node: ast.Call) -> bool:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in _VECTOR_CALLS
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
        (func.value.id, func.attr) in _VECTOR_ATTRIBUTES


def _replace_calls(block: list[ir.Stmt]) -> set[str]:
    used = set()
    for s in block:
        for owner, field in expression_slots(s):
            for node in ast.walk(getattr(owner, field)):
                if _replaceable(node):
                    helper = _helper_for(node.func)
                    node.func = ast.Name(helper, ast.Load())
                    used.add(helper)
    return used
