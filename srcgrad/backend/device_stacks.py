"""Stacks as per-thread local arrays, and the kinds of the scalars they hold.

`Stacks` rewrites the lists of a cleaned-up adjoint (`x_stack.append(x)`,
`x = x_stack.pop()`) into `cuda.local.array`s of float64 with an integer top,
sized by the loops around their pushes (see `backend/device.py`); `kinds`
finds the variables that surely hold booleans or integers, which a pop casts
back.
"""


import ast

from .. import ir
from ..errors import CompileError
from ..ir.naming import Namer
from .device_calls import call, compare, num, plus

__all__ = ["MAX_STACK_BYTES", "Stacks", "is_shape_stack", "saves_shape"]

MAX_STACK_BYTES = 64 * 1024  # per thread: CUDA allows 512 KiB, but memory traffic grows with it


# --- stacks -------------------------------------------------------------------------------------


def is_shape_stack(body: list[ir.Stmt], stack: str) -> bool:
    return any(isinstance(s, ir.Push) and s.shape and s.stack == stack for s in ir.walk(body))


def saves_shape(stmt: ir.Stmt, shapes: set[str]) -> bool:
    """A shape stack's creation, push or pop: a scalar needs none (`pop_shape`
    of a scalar gives it back)."""
    if isinstance(stmt, ir.Assign) and stmt.target in shapes:
        return True
    return isinstance(stmt, (ir.Push, ir.Pop)) and stmt.shape and stmt.stack in shapes


class Stacks:
    """Lists become local arrays (see the module's docstring)."""

    def __init__(self, body: list[ir.Stmt], stacks: set[str], namer: Namer, cuda: str,
                 max_trips: int | None, overflow: str | None):
        self.body = body
        self.stacks = stacks
        self.namer = namer
        self.cuda = cuda
        self.max_trips = max_trips
        self.overflow = overflow
        self.kinds = _kinds(body)
        self.capacity: dict[str, int] = {}
        self.bounded_by: dict[str, ir.Origin] = {}  # stack → innermost loop max_trips bounds
        self.tops = {s: namer.fresh(f"{s}_top") for s in sorted(stacks)}
        self.loops: list[ir.Origin] = []
        self.declared = False

    def rewrite(self) -> list[ir.Stmt]:
        self._size(self.body, 1, None)
        size = 8 * sum(self.capacity.values())
        if size > MAX_STACK_BYTES:
            origin = next(iter(self.bounded_by.values()), self.body[0].origin)
            remedy = "lower max_trips" if self.bounded_by else "run fewer iterations"
            raise CompileError(f"the values that the loops save for the reverse sweep need "
                               f"{size} bytes per GPU thread, more than the "
                               f"{MAX_STACK_BYTES} that target='cuda' allows: {remedy}",
                               origin.file, origin.line)
        body: list[ir.Stmt] = []
        for stmt in self.body:
            if isinstance(stmt, ir.Assign) and stmt.target in self.stacks:
                body.extend(self._declare(stmt))
            else:
                body.append(stmt)
        return self._insert_checks(self._replace(body))

    # sizes: how many pushes the forward sweep makes at most

    def _size(self, block: list[ir.Stmt], trips: int, bounded: ir.Origin | None) -> None:
        for stmt in block:
            stack = _pushed(stmt, self.stacks)
            if stack is not None:
                self.capacity[stack] = self.capacity.get(stack, 0) + trips
                if bounded is not None:
                    self.bounded_by.setdefault(stack, bounded)
            elif isinstance(stmt, ir.If):
                self._size(stmt.body, trips, bounded)
                self._size(stmt.orelse, trips, bounded)
            elif isinstance(stmt, (ir.For, ir.While)) and _pushes_inside(stmt, self.stacks):
                count, inner = _constant_trips(stmt), bounded
                if count is None:
                    count, inner = self._max_trips(stmt), stmt.origin
                self._size(stmt.body, trips * count, inner)

    def _max_trips(self, loop: ir.For | ir.While) -> int:
        if self.max_trips is None:
            kind = "a while loop" if isinstance(loop, ir.While) else \
                "a for loop over a range with a computed bound"
            saved = sorted({ast.unparse(s.value.args[0]) for s in ir.walk(loop.body)
                            if _pushed(s, self.stacks)})
            raise CompileError(
                f"'{loop.origin.text}' is {kind}: target='cuda' keeps the values that its "
                f"iterations save for the reverse sweep ({', '.join(saved)}) in per-thread "
                "storage sized at compile time, and how often this loop runs is not known "
                "then.  Pass max_trips=N to sg.grad to bound it (the gradient call raises "
                "if it runs more often)", loop.origin.file, loop.origin.line)
        if loop.origin not in self.loops:
            self.loops.append(loop.origin)
        return self.max_trips

    # statements

    def _declare(self, init: ir.Assign) -> list[ir.Stmt]:
        stack = init.target
        self.declared = True
        array = call(f"{self.cuda}.local.array", num(max(1, self.capacity.get(stack, 0))),
                      ast.Attribute(ast.Name("np", ast.Load()), "float64", ast.Load()))
        return [ir.Assign(init.origin, stack, array),
                ir.Assign(init.origin, self.tops[stack], num(0))]

    def _slot(self, stack: str) -> ast.expr:
        top = ast.Name(self.tops[stack], ast.Load())
        if stack in self.bounded_by:  # past an overflow, stay inside the array
            return call("min", top, num(self.capacity[stack] - 1))
        return top

    def _replace(self, block: list[ir.Stmt]) -> list[ir.Stmt]:
        out: list[ir.Stmt] = []
        for stmt in block:
            for inner in ir.blocks(stmt):
                inner[:] = self._replace(inner)
            stack = _pushed(stmt, self.stacks)
            if stack is not None:
                top = self.tops[stack]
                out.append(ir.Store(stmt.origin, stack, self._slot(stack), stmt.value.args[0]))
                out.append(ir.Assign(stmt.origin, top, plus(top, 1)))
                continue
            stack = _popped(stmt, self.stacks)
            if stack is not None:
                top = self.tops[stack]
                out.append(ir.Assign(stmt.origin, top, plus(top, -1)))
                stmt.value = self._cast(stmt.target, ast.Subscript(
                    ast.Name(stack, ast.Load()), self._slot(stack), ast.Load()))
            out.append(stmt)
        return out

    def _cast(self, name: str, value: ast.expr) -> ast.expr:
        kind = self.kinds.get(name)
        if kind == "bool":
            return compare(value, ast.NotEq(), num(0.0))
        if kind == "int":
            return call("int", value)
        return value

    def _insert_checks(self, body: list[ir.Stmt]) -> list[ir.Stmt]:
        """At the end of the forward sweep: tell the caller of a stack that
        overflowed, by the loop that max_trips bounded."""
        end = next((k for k, s in enumerate(body) if s.origin.grad), len(body))
        checks: list[ir.Stmt] = []
        for stack in sorted(self.bounded_by):
            loop = self.bounded_by[stack]
            flag = self.namer.fresh(f"{stack}_overflowed")
            top = ast.Name(self.tops[stack], ast.Load())
            checks.append(ir.Assign(loop, flag, compare(top, ast.Gt(), num(self.capacity[stack]))))
            store = ir.Store(loop, self.overflow, num(0), num(self.loops.index(loop) + 1))
            checks.append(ir.If(loop, flag, [store], []))
        return body[:end] + checks + body[end:]


def _constant_trips(loop: ir.For | ir.While) -> int | None:
    if isinstance(loop, ir.While):
        return None
    bounds = [loop.start, loop.stop, loop.step]
    if all(isinstance(b, ast.Constant) and type(b.value) is int for b in bounds):
        return len(range(*(b.value for b in bounds)))
    return None


def _pushes_inside(loop: ir.Stmt, stacks: set[str]) -> bool:
    return any(_pushed(s, stacks) for s in ir.walk(loop.body))


def _pushed(stmt: ir.Stmt, stacks: set[str]) -> str | None:
    """The stack of `stack.append(v)`."""
    pushed = isinstance(stmt, ir.Push) and not stmt.shape and stmt.stack in stacks
    return stmt.stack if pushed else None


def _popped(stmt: ir.Stmt, stacks: set[str]) -> str | None:
    """The stack of `v = stack.pop()`."""
    popped = isinstance(stmt, ir.Pop) and not stmt.shape and stmt.stack in stacks
    return stmt.stack if popped else None


# --- kinds of scalars: which variables surely hold booleans or integers --------------------------


def _kinds(body: list[ir.Stmt]) -> dict[str, str]:
    """"bool" or "int" for each variable that holds one after every
    assignment.  A popped value has the kind of what was pushed, so pops do
    not count; a variable that nothing assigns (a parameter) may be a float."""
    sources: dict[str, list[ast.expr | str]] = {}
    for stmt in ir.walk(body):
        if isinstance(stmt, ir.Assign) and not isinstance(stmt, ir.Pop):
            sources.setdefault(stmt.target, []).append(stmt.value)
        elif isinstance(stmt, ir.Accumulate) and isinstance(stmt.target, ast.Name):
            sources.setdefault(stmt.target.id, []).append("float")
        elif isinstance(stmt, ir.For):
            sources.setdefault(stmt.var, []).append("int")
    kinds: dict[str, str | None] = dict.fromkeys(sources)  # None: nothing known yet
    changed = True
    while changed:  # kinds only rise (None → bool → int → float): this ends
        changed = False
        for name, values in sources.items():
            kind = _join(*(v if isinstance(v, str) else _kind(v, kinds) for v in values))
            if kind != kinds[name]:
                kinds[name] = kind
                changed = True
    return {name: kind for name, kind in kinds.items() if kind in ("bool", "int")}


_RANK = {None: 0, "bool": 1, "int": 2, "float": 3}


def _join(*kinds: str | None) -> str | None:
    return max(kinds, key=_RANK.__getitem__, default=None)


def _kind(node: ast.expr, kinds: dict[str, str | None]) -> str | None:
    if isinstance(node, ast.Constant):
        return {bool: "bool", int: "int"}.get(type(node.value), "float")
    if isinstance(node, ast.Name):
        return kinds[node.id] if node.id in kinds else "float"
    if isinstance(node, (ast.Compare, ast.BoolOp)) or (
            isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
        return "bool"
    if isinstance(node, ast.UnaryOp):
        return _join("int", _kind(node.operand, kinds))  # `-flag` is an integer
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult,
                                                            ast.FloorDiv, ast.Mod)):
        return _join("int", _kind(node.left, kinds), _kind(node.right, kinds))
    if isinstance(node, ast.IfExp):
        return _join(_kind(node.body, kinds), _kind(node.orelse, kinds))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id in ("int", "round", "len"):
        return "int"
    return "float"


