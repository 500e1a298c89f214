"""Peephole: the cleaned-up adjoint rewritten as a person would write it.

`peephole(body, returns, ranks, inlinable, typed)` runs after `cleanup` and before
printing.  It computes the same values (up to the rounding of a sum taken in
another order, and a scalar cotangent kept in float64 where a float32 cast
stood: the API casts every gradient to its input's dtype) and leaves no

- helper that cannot change its argument: `unbroadcast(g, like)`,
  `new_cotangent(g, like)`, `take_cotangent(g, like)`, `sum_grad(g, x, ...)`,
  `cast_like(v, like)` where `ranks` proves both sides scalars (and `v`
  floating); `bx[i] += unbroadcast(g, bx[i])` with a scalar `g` adds `g`,
  which broadcasts in place; `zeros_like(x)` of a scalar is `0.0`, and
  `copy_value(x)` of one is `x`;
- a stacked element's cotangent taken through the whole stack:
  `stack_part(g, (a, b, c), 0, k)` of scalars `a, b, c` and a vector `g` is
  `g[k]` (the cotangent of `np.array([a, b, c])`'s element k; the parts, read
  for their shapes alone, then need not be computed again);
- an argument read for its shape alone computed anyway: `sum_grad(g, d * d)` is
  `sum_grad(g, d)`; a whole sum's scalar cotangent spread to a shape only to be
  multiplied by an array of that shape: `sum_grad(g, d) * d` is `g * d`;
- rule-template leftover: `g * cast_like(v, v)` with a floating `g` (the
  product converts `v` itself), a `math` function of constants whose value is a
  whole number (`math.log(2.718281828459045)` is `1.0`), `* 1.0` and `/ 1.0`
  of a floating value, `-(-a * b)`, `a + -b`;
- copy of a temporary (`b_t7 = bs`, then reads of `b_t7`): the reads read
  the original, and a copy back (`bs = b_t7`) goes;
- cotangent of an element taken, zeroed and given back (`t = copy_value(bx[i])`,
  `bx[i] = 0.0`, ..., `bx[i] += t`: the reverse of `x[i] += e`), with nothing
  between reading `bx`'s values or writing into it but by adding: left where it
  is, `t = copy_value(bx[i])` alone;
- run of updates of one target by scalars (`bx[i] += a` ... `bx[i] += b`,
  nothing reading or writing `bx` or changing `a` between but adding into
  its elements, which commutes: `bx[i - 1] += c`): one update,
  `bx[i] += a + b` (of at most eight terms); likewise `bx = a` ... `bx += b` becomes `bx = a + b`.

It returns whether it changed anything; `cleanup` then drops what became dead.
"""

from __future__ import annotations

import ast
import inspect
import math

from .. import ir, runtime
from ..ir.effects import called_helper, mutated_by_calls, shape_positions
from ..ir.parts import expressions, own_definitions
from ..runtime import cast_like, stack_part, sum_grad
from .ranks import Ranks

__all__ = ["peephole", "route_block_updates"]

_RENEWALS = {runtime.new_cotangent, runtime.take_cotangent, runtime.unbroadcast}


def peephole(body: list[ir.Stmt], returns: ast.expr, ranks: Ranks, inlinable: set[str],
             typed: bool) -> bool:
    changed = _simplify(body, ranks, typed)
    changed |= _keep_passed_through(body)
    changed |= _propagate_copies(body, inlinable - ir.names_in(returns))
    if _merge_updates(body, ranks):
        _simplify(body, ranks, typed)  # the sums made (`a + -b * c`)
        changed = True
    return changed


# --- expressions --------------------------------------------------------------------------


class _Simplify(ast.NodeTransformer):
    def __init__(self, ranks: Ranks, typed: bool):
        self.ranks = ranks
        self.typed = typed
        self.changed = False

    def _done(self, node: ast.expr) -> ast.expr:
        self.changed = True
        return node

    def visit_Call(self, node: ast.Call) -> ast.expr:
        self.generic_visit(node)
        scalar, obj, args = self.ranks.scalar, self.ranks.callee(node), node.args
        if node.keywords or obj is None:
            return node
        if obj in _RENEWALS and len(args) == 2 and scalar(args[0]) and scalar(args[1]):
            return self._done(args[0])
        if obj is runtime.unbroadcast and len(args) == 2 and self.ranks.same_shape(*args):
            return self._done(args[0])
        if obj is sum_grad and len(args) >= 2 and scalar(args[0]) and scalar(args[1]):
            return self._done(args[0])
        if obj is cast_like and len(args) == 2 and scalar(args[0]) and scalar(args[1]) \
                and self.ranks.floating(args[0]):
            return self._done(args[0])
        if obj is runtime.zeros_like and len(args) == 1 and scalar(args[0]):
            return self._done(ast.Constant(0.0))
        if obj is runtime.copy_value and len(args) == 1 and scalar(args[0]):
            return self._done(args[0])  # a number is a copy already
        if obj is stack_part and len(args) == 4 and self._scalar_element(*args):
            return self._done(ast.Subscript(args[0], args[3], ast.Load()))
        k = called_helper(node).shape_of
        if k is not None and len(args) > k:
            operand = _shape_stand_in(args[k])
            if operand is not args[k]:
                args[k] = operand
                self.changed = True
        if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                and node.func.value.id == "math" and args \
                and all(isinstance(a, ast.Constant) for a in args):
            return self._whole_number(node, obj)
        return self._without_defaults(node, obj)

    def _scalar_element(self, g: ast.expr, parts: ast.expr, axis: ast.expr,
                        index: ast.expr) -> bool:
        """Whether `stack_part(g, parts, axis, index)` is `g[index]`: the
        parts a tuple of numbers stacked along axis 0 and `g` a vector (a
        cotangent is at least its value's shape, so `g` has one element per
        part)."""
        return (isinstance(parts, ast.Tuple) and all(self.ranks.scalar(p) for p in parts.elts)
                and isinstance(axis, ast.Constant) and axis.value == 0
                and isinstance(index, ast.Constant) and type(index.value) is int
                and self.ranks.array_ndim(g) == 1)

    def _without_defaults(self, node: ast.Call, fn) -> ast.expr:
        """A helper of srcgrad's called with its trailing defaults spelled out
        (`sum_grad(g, x, None, False)`), called without them (`sum_grad(g, x)`)."""
        if not (getattr(fn, "__module__", None) or "").startswith("srcgrad.runtime"):
            return node
        try:
            params = list(inspect.signature(fn).parameters.values())
        except (TypeError, ValueError):
            return node
        args = node.args
        while 0 < len(args) <= len(params) and _is_default(args[-1], params[len(args) - 1]):
            args = args[:-1]
        if len(args) == len(node.args):
            return node
        node.args = args
        return self._done(node)

    def _whole_number(self, node: ast.Call, fn) -> ast.expr:
        try:
            value = fn(*(a.value for a in node.args))
        except (ArithmeticError, ValueError, TypeError):
            return node
        if type(value) is float and math.isfinite(value) and value == int(value):
            return self._done(ast.Constant(value))
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        if isinstance(node.op, ast.Pow) and not self.typed:
            # `cast_like(x, x) ** n`: a NumPy scalar, whose overflow is inf
            # where a Python float's raises OverflowError
            node.right = self.visit(node.right)
            return node
        self.generic_visit(node)
        floating = self.ranks.floating
        if isinstance(node.op, (ast.Mult, ast.Div)) and _is_one(node.right) \
                and floating(node.left):
            return self._done(node.left)
        if isinstance(node.op, ast.Mult) and _is_one(node.left) and floating(node.right):
            return self._done(node.right)
        if isinstance(node.op, ast.Mult):
            # `sum_grad(g, x) * y` of a scalar `g` and a `y` shaped like `x`: `g * y`
            for spread, other, left in ((node.left, node.right, True), (node.right, node.left, False)):
                g = self._spread_scalar(spread, other)
                if g is not None:
                    return self._done(ast.BinOp(g, node.op, other) if left
                                      else ast.BinOp(other, node.op, g))
            # `g * cast_like(v, v)`: multiplying by a floating `g` converts `v` as the cast would
            if self._own_cast(node.right) and floating(node.left):
                return self._done(ast.BinOp(node.left, node.op, node.right.args[0]))
            if self._own_cast(node.left) and floating(node.right):
                return self._done(ast.BinOp(node.left.args[0], node.op, node.right))
        if isinstance(node.op, (ast.Add, ast.Sub)):
            positive = _without_negation(node.right)
            if positive is not None:  # a + -b * c: a - b * c
                op = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()
                return self._done(ast.BinOp(node.left, op, positive))
        return node

    def _spread_scalar(self, node: ast.expr, other: ast.expr) -> ast.expr | None:
        """`g` if `node` is `sum_grad(g, x)` (a whole sum's cotangent: the
        scalar `g` spread to `x`'s shape) and `other` provably has that shape,
        so that the product broadcasts `g` itself."""
        if not (isinstance(node, ast.Call) and self.ranks.callee(node) is sum_grad
                and len(node.args) == 2 and not node.keywords):
            return None
        g, x = node.args
        if self.ranks.scalar(g) and self.ranks.floating(g) and (
                _same(x, other) or self.ranks.same_shape(x, other)):
            return g
        return None

    def _own_cast(self, node: ast.expr) -> bool:
        """`cast_like(v, v)`: `v` in its own cotangent dtype."""
        return (isinstance(node, ast.Call) and self.ranks.callee(node) is cast_like
                and len(node.args) == 2 and not node.keywords
                and _same(node.args[0], node.args[1]))

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.op, ast.USub):
            positive = _without_negation(node.operand)
            if positive is not None:
                return self._done(positive)
        return node


def _shape_stand_in(node: ast.expr) -> ast.expr:
    """For an argument read for its shape and dtype alone: `x` for `x * x`,
    `x + x`, `x - x` or `-x` (same shape, same dtype), which need not be
    computed (a sum's cotangent shaped `sum_grad(g, d * d)`)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Add, ast.Sub)) \
            and _same(node.left, node.right):
        return _shape_stand_in(node.left)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _shape_stand_in(node.operand)
    return node


def _is_default(arg: ast.expr, param: inspect.Parameter) -> bool:
    """Whether `arg` is the literal `param` defaults to (None, or a value of
    the same type: `False` is not `0`)."""
    default = param.default
    if default is inspect.Parameter.empty or not isinstance(arg, ast.Constant):
        return False
    return arg.value is default or (type(arg.value) is type(default) and arg.value == default)


def _is_one(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float) and \
        node.value == 1


def _negation(node: ast.expr) -> bool:  # -a
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)


def _without_negation(node: ast.expr) -> ast.expr | None:
    """`-node` written without a minus where `node` carries one in a
    product or quotient (`-a * b` → `a * b`, exactly: IEEE negation is
    exact), else None."""
    if _negation(node):
        return node.operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
        left = _without_negation(node.left)
        if left is not None:
            return ast.BinOp(left, node.op, node.right)
        right = _without_negation(node.right)
        if right is not None:
            return ast.BinOp(node.left, node.op, right)
    return None


def _simplify(body: list[ir.Stmt], ranks: Ranks, typed: bool) -> bool:
    simplify = _Simplify(ranks, typed)
    for stmt in ir.walk(body):
        if isinstance(stmt, ir.Accumulate):
            value = stmt.value
            if (isinstance(value, ast.Call) and ranks.callee(value) is runtime.unbroadcast
                    and len(value.args) == 2 and not value.keywords
                    and _same(value.args[1], stmt.target)
                    and (ranks.scalar(value.args[0])
                         or ranks.same_shape(value.args[0], value.args[1]))):
                stmt.value = value.args[0]  # a scalar broadcasts in place
                simplify.changed = True
        for field in ("value", "index", "start", "stop", "step"):
            node = getattr(stmt, field, None)
            if isinstance(node, ast.expr):
                setattr(stmt, field, simplify.visit(node))
        if isinstance(stmt, ir.Accumulate) and isinstance(stmt.target, ast.Subscript):
            stmt.target.slice = simplify.visit(stmt.target.slice)
    return simplify.changed


# --- copies -------------------------------------------------------------------------------


def _propagate_copies(body: list[ir.Stmt], inlinable: set[str]) -> bool:
    definitions: dict[str, int] = {}
    for stmt in ir.walk(body):
        for name in ir.defined_names(stmt) if not ir.blocks(stmt) else _header_defs(stmt):
            definitions[name] = definitions.get(name, 0) + 1
    changed = False
    for block in ir.all_blocks(body):
        k = 0
        while k < len(block):
            stmt = block[k]
            if (isinstance(stmt, ir.Assign) and isinstance(stmt.value, ast.Name)
                    and stmt.target in inlinable and definitions.get(stmt.target) == 1
                    and _propagate(body, block, k)):
                changed = True
                continue
            k += 1
    return changed


def _header_defs(stmt: ir.Stmt) -> set[str]:
    if isinstance(stmt, ir.For):
        return {stmt.var} | ({stmt.trips} if stmt.trips else set())
    if isinstance(stmt, ir.While):
        return {stmt.trips}
    return set()


def _propagate(body: list[ir.Stmt], block: list[ir.Stmt], k: int) -> bool:
    """Replace the reads of the copy `block[k]` (`a = b`) by `b` and drop it,
    if every read follows it in `block` before `b` is assigned again."""
    copy_stmt = block[k]
    a, b = copy_stmt.target, copy_stmt.value.id
    if a == b:
        del block[k]
        return True
    region = []
    for j in range(k + 1, len(block)):
        stmt = block[j]
        if isinstance(stmt, ir.Assign) and stmt.target == b and isinstance(
                stmt.value, ast.Name) and stmt.value.id == a:
            region.append(stmt)  # `b = a`: b already holds that value
            continue
        if b in ir.defined_names(stmt):
            break
        region.append(stmt)
    inside = {id(s) for s in ir.walk(region)}
    for stmt in ir.walk(body):
        if stmt is not copy_stmt and id(stmt) not in inside and a in _reads(stmt):
            return False
    for j in range(len(block) - 1, k, -1):
        stmt = block[j]
        if isinstance(stmt, ir.Assign) and stmt.target == b and isinstance(
                stmt.value, ast.Name) and stmt.value.id == a and any(s is stmt for s in region):
            del block[j]
    for stmt in ir.walk(region):
        _rename_reads(stmt, a, b)
    del block[k]
    return True


def _reads(stmt: ir.Stmt) -> set[str]:
    out = ir.used_names(stmt)
    if isinstance(stmt, ir.Accumulate):
        out |= ir.names_in(stmt.target)
    return out


def _rename_reads(stmt: ir.Stmt, old: str, new: str) -> None:
    class Rename(ast.NodeTransformer):
        def visit_Name(self, node):
            return ast.Name(new, ast.Load()) if node.id == old else node

    for field in ("value", "index", "start", "stop", "step", "test"):
        node = getattr(stmt, field, None)
        if isinstance(node, ast.expr):
            setattr(stmt, field, Rename().visit(node))
    if isinstance(stmt, ir.Accumulate):  # `a[i] += v` updates what `b` holds too
        stmt.target = Rename().visit(stmt.target)
    if isinstance(stmt, ir.Store) and stmt.array == old:
        stmt.array = new
    if isinstance(stmt, ir.If) and stmt.test == old:
        stmt.test = new
    if isinstance(stmt, ir.ExitLoop):
        stmt.flags = [new if f == old else f for f in stmt.flags]


# --- cotangents passed through ------------------------------------------------------------


def _keep_passed_through(body: list[ir.Stmt]) -> bool:
    changed = False
    for block in ir.all_blocks(body):
        k = 0
        while k + 2 < len(block):
            end = _given_back(block, k)
            if end is None:
                k += 1
                continue
            del block[end]
            del block[k + 1]
            changed = True
    return changed


def _given_back(block: list[ir.Stmt], k: int) -> int | None:
    """The position of `bx[i] += t` (or `+= unbroadcast(t, bx[i])`) when
    `block[k:k + 2]` is `t = copy_value(bx[i]); bx[i] = 0.0` (or, of a
    number, `t = bx[i]`) and what lies
    between only adds into `bx`, reads it for its shape, and changes neither
    `t`, `bx` nor the index."""
    take, zero = block[k], block[k + 1]
    if type(take) is not ir.Assign:
        return None
    if isinstance(take.value, ast.Call) and isinstance(take.value.func, ast.Name) \
            and take.value.func.id == "copy_value" and len(take.value.args) == 1:
        element = take.value.args[0]
    else:  # `t = bx[i]`: the copy of a number, which `_Simplify` writes so
        element = take.value
    if not isinstance(element, ast.Subscript):
        return None
    array = _root(element)
    if not (array and isinstance(element.value, ast.Name) and type(zero) is ir.Store
            and zero.array == array and _same(zero.index, element.slice)
            and isinstance(zero.value, ast.Constant) and zero.value.value == 0.0):
        return None
    t = take.target
    fixed = {array, t} | ir.names_in(element.slice)
    for j in range(k + 2, len(block)):
        stmt = block[j]
        if (type(stmt) is ir.Accumulate and _same(stmt.target, element)
                and _passed(stmt.value, t, element)):
            return j
        for s in ir.walk([stmt]):
            if isinstance(s, ir.Store) and s.array == array:
                return None
            if own_definitions(s) & fixed:
                return None
            if array in mutated_by_calls(s):
                return None
            for expr in expressions(s):
                if _reads_values_of(expr, array, accumulated=(
                        isinstance(s, ir.Accumulate) and expr is s.target)):
                    return None
    return None


def _passed(value: ast.expr, t: str, element: ast.expr) -> bool:
    """`t`, or `unbroadcast(t, bx[i])`."""
    if isinstance(value, ast.Name):
        return value.id == t
    return (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
            and value.func.id == "unbroadcast" and len(value.args) == 2 and not value.keywords
            and isinstance(value.args[0], ast.Name) and value.args[0].id == t
            and _same(value.args[1], element))


def _reads_values_of(expr: ast.expr, array: str, accumulated: bool) -> bool:
    """Whether `expr` reads `array`'s values: not for its shape alone, nor as
    the array an accumulation adds into (`accumulated`: `expr` is its target)."""
    if accumulated:
        if isinstance(expr, ast.Subscript):
            return array in ir.names_in(expr.slice)
        return False
    shaped = shape_positions(expr)
    return any(isinstance(n, ast.Name) and n.id == array and id(n) not in shaped
               for n in ast.walk(expr))


# --- updates ------------------------------------------------------------------------------


def _merge_updates(body: list[ir.Stmt], ranks: Ranks) -> bool:
    changed = False
    for block in ir.all_blocks(body):
        k = 0
        while k < len(block):
            if _merge_next(block, k, ranks):
                changed = True
                continue
            k += 1
    return changed


# at most so many terms in one merged update: a line a person can read (and an
# expression `ast.unparse` prints without running out of recursion depth)
_MAX_TERMS = 8


def _terms(expr: ast.expr) -> int:
    """The terms of a sum `a + b + c` (1 for anything else)."""
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return _terms(expr.left) + _terms(expr.right)
    return 1


def _merge_next(block: list[ir.Stmt], k: int, ranks: Ranks) -> bool:
    """Fold the update `block[k]` (`t += a`, or `t = a` of a scalar name)
    into the next update of `t` in the block: `t += a + b` there."""
    first = block[k]
    if isinstance(first, ir.Pop):
        return False  # a pop stays where it is, in its pairing with a push
    if isinstance(first, ir.Accumulate):
        target = first.target
    elif isinstance(first, ir.Assign) and first.target in ranks.scalars:
        target = ast.Name(first.target, ast.Load())
    else:
        return False
    root = _root(target)
    if not root or not ranks.scalar(first.value) or root in ir.names_in(first.value):
        return False
    operands = ir.names_in(first.value) | ir.names_in(target)
    for j in range(k + 1, len(block)):
        stmt = block[j]
        if (isinstance(stmt, ir.Accumulate) and _same(stmt.target, target)
                and ranks.scalar(stmt.value) and root not in ir.names_in(stmt.value)
                and _terms(first.value) + _terms(stmt.value) <= _MAX_TERMS):
            summed = ast.BinOp(first.value, ast.Add(), stmt.value)
            if isinstance(first, ir.Assign):
                block[j] = ir.Assign(stmt.origin, first.target, summed)
            else:
                stmt.value = summed
            del block[k]
            return True
        if (isinstance(first, ir.Accumulate) and isinstance(stmt, ir.Accumulate)
                and _root(stmt.target) == root and root not in ir.names_in(stmt.value)
                and root not in _index_names(stmt.target) and ranks.pure(stmt)
                and not operands & ir.defined_names(stmt)):
            continue  # another element's update (or this one's): additions commute
        touched = set()
        for s in ir.walk([stmt]):
            touched |= _reads(s) | ir.defined_names(s) | ir.stored_arrays(s)
            if isinstance(s, ir.Accumulate):
                touched.add(_root(s.target))
            if isinstance(s, ir.ExprStmt) or not ranks.pure(s):
                return False  # a call may change what the values read
        if root in touched or operands & (ir.defined_names(stmt) | _written(stmt)):
            return False
    return False


def _index_names(target: ast.expr) -> set[str]:
    """The names an update's target reads in its indices (`i`, `j` of `bx[i, j]`)."""
    names: set[str] = set()
    while isinstance(target, ast.Subscript):
        names |= ir.names_in(target.slice)
        target = target.value
    return names


def _same(a: ast.expr, b: ast.expr) -> bool:
    """The same expression, whatever the context (load or store) of its names."""
    return ast.unparse(a) == ast.unparse(b)


def _written(stmt: ir.Stmt) -> set[str]:
    out = set()
    for s in ir.walk([stmt]):
        if isinstance(s, ir.Store):
            out.add(s.array)
        elif isinstance(s, ir.Accumulate):
            out.add(_root(s.target))
    return out


def _root(node: ast.expr) -> str:
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""



# --- updates of blocks, for Numba ----------------------------------------------------------


def route_block_updates(body: list[ir.Stmt], ranks: Ranks) -> set[str]:
    """For code Numba compiles: each `bx[i] += v` whose `v` is not provably a
    scalar (a row's cotangent added into a matrix's) as `add_into(bx, i, v)`,
    which updates the block in place.  Numba compiles `bx[i] += v` of an
    array through its slice assignment, whose shape-mismatch message alone
    costs seconds of compilation in every new process.  The front end reads
    `add_into` back as `+=` (a gradient differentiated again).  And each
    `add_at(bx, i, v)` whose index is integers alone (`_scalar_scatter`) as
    `bx[i] += v`.  Returns the helpers now called."""
    used = set()
    for block in ir.all_blocks(body):
        for k, stmt in enumerate(block):
            element = _scalar_scatter(stmt, ranks)
            if element is not None:
                block[k] = stmt = ir.Accumulate(stmt.origin, *element)
            if not (type(stmt) is ir.Accumulate and isinstance(stmt.target, ast.Subscript)
                    and isinstance(stmt.target.value, ast.Name) and not ranks.scalar(stmt.value)):
                continue
            target = stmt.target
            index = _index_value(target.slice)
            if index is None:
                continue
            call = ast.Call(ast.Name("add_into", ast.Load()),
                            [ast.Name(target.value.id, ast.Load()), index, stmt.value], [])
            block[k] = ir.ExprStmt(stmt.origin, call)
            used.add("add_into")
    return used


def _scalar_scatter(stmt: ir.Stmt, ranks: Ranks) -> tuple[ast.expr, ast.expr] | None:
    """`add_at(b, i, g)` whose index is integers alone (`labels[i]`, an
    element of an integer array: the adjoint scatters through it because the
    front end could not tell it from an index array), as the target and
    value of `b[i] += g`: one element, where repeats cannot occur."""
    if type(stmt) is not ir.ExprStmt or not isinstance(stmt.value, ast.Call):
        return None
    call = stmt.value
    if not (isinstance(call.func, ast.Name) and call.func.id == "add_at" and len(call.args) == 3
            and not call.keywords and isinstance(call.args[0], ast.Name)):
        return None
    array, index, value = call.args
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    if not all(ranks.integer(p) for p in parts):
        return None
    return ast.Subscript(ast.Name(array.id, ast.Load()), index, ast.Load()), value


def _index_value(index: ast.expr) -> ast.expr | None:
    """An index as a value (`1:n` as `slice(1, n)`), or None for one that has
    no such spelling here (`...`)."""
    if isinstance(index, ast.Tuple):
        parts = [_index_value(p) for p in index.elts]
        return None if any(p is None for p in parts) else ast.Tuple(parts, ast.Load())
    if isinstance(index, ast.Slice):
        bounds = [b if b is not None else ast.Constant(None)
                  for b in (index.lower, index.upper, index.step)]
        return ast.Call(ast.Name("slice", ast.Load()), bounds, [])
    if isinstance(index, ast.Constant) and index.value is Ellipsis:
        return None
    return index
