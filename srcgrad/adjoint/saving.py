"""Values the reverse sweep needs: kept, recomputed, or saved on a stack.

The reverse sweep reads primal variables: a rule needs `x` to compute
`g * np.cos(x)`, a reversed `if` needs its condition, a reversed loop its
iteration count.  Each such read is a *need* of a variable at a point of the
forward code (a gap between two statements of a block).  `Saver` resolves
every need when the reverse sweep meets it:

- If nothing assigns the variable after that point, in program order or in a
  later iteration of an enclosing loop, the variable still holds the value
  when the reverse sweep reads it: nothing to do.
- If the assignment whose value the variable holds there (found before the
  point in its block, or through the branches of `if`s) is a cheap
  operation (arithmetic, indexing, an elementwise function, a copy) whose
  operands have not changed since, the reverse sweep recomputes it right
  there.  Not a number made by a costly function (`e = math.exp(x[i] - a)`,
  `COSTLY`) that the forward sweep computes anyway, because it goes into a
  value that the forward sweep keeps for the reverse one (`total += e`, and
  `total` read by the reverse of `log(total)`: held, or saved): saving it
  costs a store and a load where computing it again costs a call of `exp`
  (GradBench's lse gradient, 0.98 -> 0.60 ms).  Where only the reverse
  sweep needs it (a sum of `exp` whose value nothing reads, or values the
  reverse sweep recomputes in turn), recomputing it costs the one call the
  forward sweep then need not make.  An if/else whose branches both assign the variable by cheap
  operations is recomputed as one conditional expression (`left = x[i] -
  x[i - 1] if cond else x[i]`).  A variable assigned more than once is
  recomputed only where that saves nothing else in its place.
- Otherwise the value is saved at the last point where it is still the
  value needed (the gap before the next assignment, or the end of a loop
  body), hoisted out of loops that do not assign it: the forward sweep pushes
  it there (`x_stack.append(x)`) and the reverse sweep pops it back at the
  mirror point (`x = x_stack.pop()`).  Each variable has one stack; since
  the reverse sweep visits points in exactly the reverse order, pushes and
  pops pair up whatever the control flow.  A need for the shape only (to
  create a zero adjoint) saves the shape (`push_shape`), which costs nothing
  for a scalar.

Arrays written in place (`x[i] = v`) are restored by the reverse sweep
(`stores.restore_stores`: the overwritten elements are pushed before the
write), so that a saved reference, or a recomputed `x[j]`, sees the
contents of its time.  Pushes and pops are made as linked pairs
(`stacks.push_pop`).
"""

from __future__ import annotations

import ast
import enum
import math
from dataclasses import dataclass, field

import numpy as np

from .. import ir
from ..ir.effects import shape_operands
from ..ir.markers import SUBSCRIPT
from ..ir.naming import Namer
from ..ir.parts import clone as _clone
from ..ir.parts import expressions
from ..rules import registry
from ..runtime import order
from .stacks import copy_push_pop, push_pop, set_pair

__all__ = ["BlockInfo", "RBlock", "Saver", "SaveKind", "costly_call", "distinct_indices",
           "index_blocks", "stored_after"]


class SaveKind(str, enum.Enum):
    """What the reverse sweep needs of a variable, and so what a stack holds."""

    VALUE = "value"  # its value
    SHAPE = "shape"  # only its shape and dtype (a stack of shapes)
    STORE = "store"  # the elements a write into it overwrote (undone in reverse)


VALUE, SHAPE, STORE = SaveKind.VALUE, SaveKind.SHAPE, SaveKind.STORE


@dataclass(eq=False)
class Slot:
    """Reverse code at one gap of a forward block, run in this order."""

    restores: list[ir.Stmt] = field(default_factory=list)
    recomputes: list[ir.Stmt] = field(default_factory=list)
    code: list[ir.Stmt] = field(default_factory=list)

    def statements(self) -> list[ir.Stmt]:
        return self.restores + self.recomputes + self.code


@dataclass(eq=False)
class BlockInfo:
    """A forward block and where it sits."""

    stmts: list[ir.Stmt]
    parent: BlockInfo | None
    index: int  # position of the owning statement in the parent block
    owner: ir.Stmt | None  # the If/For/While this block belongs to
    pushes: list[list[ir.Stmt]] = field(default_factory=list)  # per gap, forward inserts
    rev: RBlock | None = None

    def __post_init__(self):
        self.pushes = [[] for _ in range(len(self.stmts) + 1)]

    @property
    def is_loop_body(self) -> bool:
        return isinstance(self.owner, (ir.For, ir.While))


@dataclass(eq=False)
class RBlock:
    """The reverse of a forward block: one chunk per forward statement and a
    slot at every gap."""

    info: BlockInfo
    chunks: list[list[ir.Stmt]] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)

    def __post_init__(self):
        n = len(self.info.stmts)
        self.chunks = [[] for _ in range(n)]
        self.slots = [Slot() for _ in range(n + 1)]


def index_blocks(body: list[ir.Stmt]) -> dict[int, BlockInfo]:
    """BlockInfo for every block of the function, keyed by `id(list)`."""
    table: dict[int, BlockInfo] = {}

    def visit(stmts, parent, index, owner):
        info = BlockInfo(stmts, parent, index, owner)
        table[id(stmts)] = info
        for k, stmt in enumerate(stmts):
            for block in ir.blocks(stmt):
                visit(block, info, k, stmt)

    visit(body, None, 0, None)
    return table


# calls that cost far more than a store and a load (libm's, not vectorised by Numba)
COSTLY = frozenset([
    math.exp, math.expm1, math.log, math.log1p, math.log2, math.log10, math.pow,
    math.sin, math.cos, math.tan, math.asin, math.acos, math.atan, math.atan2,
    math.sinh, math.cosh, math.tanh, math.asinh, math.acosh, math.atanh,
    math.erf, math.erfc, math.gamma, math.lgamma,
    np.exp, np.exp2, np.expm1, np.log, np.log2, np.log10, np.log1p, np.power, np.float_power,
    np.sin, np.cos, np.tan, np.arcsin, np.arccos, np.arctan, np.arctan2,
    np.sinh, np.cosh, np.tanh, np.arcsinh, np.arccosh, np.arctanh,
    np.logaddexp, np.logaddexp2, np.sinc,
])


def costly_call(stmt: ir.Stmt) -> bool:
    """`stmt` assigns the result of a call of a `COSTLY` function."""
    try:
        return isinstance(stmt, ir.Assign) and stmt.primitive in COSTLY
    except TypeError:  # an unhashable callable
        return False


def _cheap(stmt: ir.Assign) -> bool:
    """Operations the reverse sweep recomputes rather than saves."""
    if stmt.nondiff:
        return _reads_sizes(stmt.value) or _compares_elements(stmt.value) or _orders(stmt)
    if stmt.primitive is SUBSCRIPT:
        return True
    if isinstance(stmt.value, (ast.BinOp, ast.UnaryOp)):
        return True
    if isinstance(stmt.value, ast.Call):
        rule = registry.lookup(stmt.primitive)
        return rule is not None and rule.elementwise
    if isinstance(stmt.value, (ast.Name, ast.IfExp)):
        return True  # a copy, or a join of cheap branches (`Saver._find_joins`)
    return False


def _branch_value(body: list[ir.Stmt], name: str, count: dict[str, int]) -> ast.expr | None:
    """The value `name` has at the end of a branch made of cheap assignments
    only, as one expression: the branch's own temporaries (assigned once, in
    it) substituted into it; None where the branch does anything else."""
    local: dict[str, ast.expr] = {}
    value = None
    for stmt in body:
        if not (isinstance(stmt, ir.Assign) and _cheap(stmt)):
            return None
        expr = _Substitute(local).visit(_clone(stmt.value))
        if stmt.target == name:
            value = expr
        elif count.get(stmt.target) == 1:
            local[stmt.target] = expr
        else:
            return None  # a variable assigned elsewhere too
    return value


class _Substitute(ast.NodeTransformer):
    def __init__(self, local: dict[str, ast.expr]):
        self.local = local

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id in self.local and isinstance(node.ctx, ast.Load):
            return _clone(self.local[node.id])
        return node


_SIZES = ("shape", "ndim", "size")


def _reads_sizes(node: ast.expr) -> bool:
    """`x.shape[0]`, `len(x) - 1`, ...: integer arithmetic on sizes, which
    cost nothing to recompute where the arrays are still the same."""
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.Attribute):
        return node.attr in _SIZES and isinstance(node.value, ast.Name)
    if isinstance(node, ast.Subscript):
        return (isinstance(node.value, ast.Attribute) and node.value.attr == "shape"
                and _reads_sizes(node.value) and _reads_sizes(node.slice))
    if isinstance(node, ast.Call):
        return (isinstance(node.func, ast.Name) and node.func.id == "len" and not node.keywords
                and len(node.args) == 1 and isinstance(node.args[0], ast.Name))
    if isinstance(node, ast.BinOp):
        return _reads_sizes(node.left) and _reads_sizes(node.right)
    if isinstance(node, ast.UnaryOp):
        return _reads_sizes(node.operand)
    return False


def _compares_elements(node: ast.expr) -> bool:
    """`x[i] > 0`, `a < b`: a comparison of variables, elements and sizes."""
    if not isinstance(node, ast.Compare):
        return False
    return all(_reads_sizes(o) or _element(o) for o in [node.left, *node.comparators])


def _orders(stmt: ir.Assign) -> bool:
    """`order(a, x[i])`: the byte of a comparison of variables, elements and
    sizes (`adjoint/decisions.py`)."""
    value = stmt.value
    return stmt.primitive is order and isinstance(value, ast.Call) and not value.keywords \
        and all(_reads_sizes(a) or _element(a) for a in value.args)


def _element(node: ast.expr) -> bool:
    """`x[i]`, `x[i, 0]`: an element of a variable at atoms."""
    if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)):
        return False
    parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    return all(isinstance(p, (ast.Name, ast.Constant)) for p in parts)


class Saver:
    def __init__(self, fn: ir.Function, blocks: dict[int, BlockInfo], namer: Namer,
                 aliases: dict[str, set[str]], numbers: frozenset[str] = frozenset()):
        self.fn = fn
        self.numbers = numbers  # names that hold numbers (saved, not recomputed, if COSTLY)
        self._users: dict[str, set[str]] | None = None  # name -> what is computed from it
        self._held: set[str] = set()  # values the forward sweep keeps for the reverse one
        self.aliases = aliases  # checks.alias_classes: names that may share memory
        self.blocks = blocks
        self.namer = namer
        self.stacks: dict[tuple[str, str], str] = {}  # (variable, kind) → stack name
        self._saved: dict[tuple[str, int, int], ir.Pop] = {}  # (name, block, gap) → its pop
        # name -> (at, gap, kind, its recompute, the index of the assignment recomputed)
        self._recomputed: dict[str, tuple[BlockInfo, int, str, ir.Assign, int]] = {}
        sites = self._assignments()
        self._defs = {name: where[0] for name, where in sites.items() if len(where) == 1}
        self._def_counts = {name: len(where) for name, where in sites.items()}
        self._joins: dict[tuple[int, str], ir.Assign | None] = {}  # (if, name) -> `_join`
        self.value_needs: list[tuple[str, BlockInfo, int]] = []  # (name, block, gap)
        # `_save_copy`'s saves: (name, block id, gap) -> (array read, block, push, pop)
        self.copies: dict[tuple[str, int, int], tuple[str, BlockInfo, ir.Push, ir.Pop]] = {}
        self._undone: set[str] = set()  # arrays whose writes are undone rather than reads copied
        self._written = set().union(*(ir.stored_arrays(s) for s in fn.body)) if fn.body else set()
        self._shape_recomputes: list[tuple[str, ir.Assign, BlockInfo, int]] = []  # name, its recompute

    def _assignments(self) -> dict[str, list[tuple[BlockInfo, int]]]:
        """Where each variable is assigned: (block, index) per statement;
        `_defs` keeps those assigned exactly once, `_def_counts` the counts."""
        sites: dict[str, list[tuple[BlockInfo, int]]] = {}
        for info in self.blocks.values():
            for k, stmt in enumerate(info.stmts):
                for name in ir.defined_names(stmt) if not ir.blocks(stmt) else ():
                    sites.setdefault(name, []).append((info, k))
        return sites

    # --- needs -------------------------------------------------------------------

    def need(self, name: str, kind: str, info: BlockInfo, gap: int,
             element: bool = False) -> None:
        """The reverse code at (info, gap) reads `name` (its value, or only its
        shape): make sure it holds the value it had at that point.
        `element`: `name` is an array of which only elements that no later
        write changes are read there (`_stays`): its writes need no undoing
        for that read."""
        array = self._element_of_written(name, info, gap)
        if array is not None and kind == SHAPE and name in self.numbers:
            return  # the shape of a number: that of whatever number the name holds
        if array is not None:
            # saved as read, for its shape too: a stand-in recomputed for the
            # shape would overwrite the copy popped for a read of the value
            self._save_copy(name, array, info, gap)
            return
        if kind == VALUE and not element and not self._read_again(name, info, gap):
            self.value_needs.append((name, info, gap))
        point = self.save_point(name, info, gap)
        if point is None:
            if kind == VALUE:
                self._held.add(name)
            return
        if self._recompute(name, kind, info, gap):
            return
        if kind == VALUE:
            self._held.add(name)
        self._save(name, kind, *point)

    def _element_of_written(self, name: str, info: BlockInfo, gap: int) -> str | None:
        """The array `name` is an element read of (`t = a[i, j]`), if that
        array is written into after (info, gap).  Alias analysis counts `t`
        as possibly sharing `a`'s memory (a row, for an `a` of higher rank),
        so reading `t` there would need every later write into `a` undone:
        one saved element per write, where one copy of `t` may do."""
        where = self._defs.get(name)
        if where is None or name in self._written:
            return None
        stmt = where[0].stmts[where[1]]
        array = _array_read(stmt)
        if array is None:
            return None
        if array in self._undone or not stored_after(self.aliases.get(name, {name}) - {name}, info, gap):
            return None
        if self._stays(stmt, info, gap):
            return None  # read again from the array in the reverse sweep: no copy needed
        return array

    def _read_again(self, name: str, info: BlockInfo, gap: int) -> bool:
        """`name` is assigned once, by an element read that `_stays` at
        (info, gap): whatever memory it shares with the array, no write
        after the point changes what it holds there."""
        where = self._defs.get(name)
        return where is not None and self._stays(where[0].stmts[where[1]], info, gap)

    def _stays(self, stmt: ir.Stmt, info: BlockInfo, gap: int) -> bool:
        """Whether `stmt` reads elements of an array (`t = a[i, j]`) that no
        write after (info, gap) changes, so that the reverse sweep can read
        them from the array again at that point: after the point, nothing
        writes into `a` (or memory it shares) in the rest of the current
        iteration of an enclosing `for` loop over `i`, every write into it
        in that loop is into `a[i, ...]` (the read's own position holding
        the loop's variable: each iteration writes its own elements, the
        variable running over distinct indices that are never negative),
        and nothing writes into it after that loop (atax: `tmp[i]`, summed
        in an inner loop, then read, each row's own element).  Or the read
        position holds the variable of a loop that writes nothing into it,
        bounded by an enclosing loop's variable so that it names elements
        of that loop's earlier passes (`_earlier_pass`)."""
        array = _array_read(stmt)
        if array is None:
            return False
        shared = self.aliases.get(array, {array}) | {array}
        read = _positions(stmt.value.slice)
        if self._behind(stmt, array, shared, info, gap):
            return True
        while True:
            if any(ir.stored_arrays(s) & shared for s in info.stmts[gap:]):
                return False
            owner = info.owner
            if owner is None:
                return False
            if info.is_loop_body:
                names = _leading_names(read)
                if isinstance(owner, ir.For) and owner.var in names and \
                        self._earlier_pass(owner, array, shared, names.index(owner.var),
                                           info.parent):
                    return True
                if distinct_indices(owner) and owner.var in names:
                    position = names.index(owner.var)
                    return (_writes_own_elements(owner, array, shared, position)
                            and not stored_after(shared, info.parent, info.index + 1))
                if ir.stored_arrays(owner) & shared:
                    return False  # its later iterations, in the same iteration of any outer loop
            info, gap = info.parent, info.index + 1

    def _reads_behind(self, name: str, info: BlockInfo, gap: int) -> bool:
        """`name` is assigned once, by an element read `_behind` its loop at
        (info, gap): no write into the array in that loop changes it."""
        where = self._defs.get(name)
        if where is None:
            return False
        stmt = where[0].stmts[where[1]]
        array = _array_read(stmt)
        if array is None:
            return False
        return self._behind(stmt, array, self.aliases.get(array, {array}) | {array}, info, gap)

    def fresh_since(self, name: str, arrays: set[str], info: BlockInfo, gap: int) -> set[str]:
        """Those of `arrays` whose every write after (info, gap) goes into an
        array made after `name` got the value it holds there, so sharing no
        memory with it: each is assigned once in the function, a new array,
        at the top level of a block that holds the point, before it, and
        `name` is assigned nowhere from there to the point (a filter's new
        output made at the top of each pass, while `name` is the last pass's,
        which the write of this pass into the new one leaves as it was); or
        in a statement of the function's body after the one that holds the
        point (the name held its array before the new one was made)."""
        fresh = set()
        for array in arrays - {name}:
            where = self._defs.get(array)
            if where is None:
                continue
            made, a = where
            stmt = made.stmts[a]
            if not (isinstance(stmt, ir.Assign) and _allocates(stmt)):
                continue
            block, g = info, gap
            while block is not None and block is not made:
                block, g = block.parent, block.index + 1
            if block is None:
                # or the point comes before the statement that makes it, and
                # no loop holds both: at the point the name holds nothing yet
                if _top_index(info, gap - 1) < _top_index(made, a):
                    fresh.add(array)
                continue
            if a < g and _older(name, array, arrays, made.stmts[a + 1:g]):
                fresh.add(array)
        return fresh

    def _behind(self, stmt: ir.Assign, array: str, shared: set[str], info: BlockInfo,
                gap: int) -> bool:
        """Whether the element read `stmt` (`t = a[i - 1]`), assigned once and
        run before (info, gap) in the same pass of an enclosing `for` loop
        over `i`, reads at a position `i + c` behind the loop (c < 0 where
        it counts up, c > 0 where it counts down, never a negative index)
        while every write into `shared` in that loop is into `a` at `i`,
        that position, and none follows the loop: an element an earlier
        pass (or the code before the loop) wrote, that no later write
        changes.  A Thomas solve's `cp[i - 1]`, a back substitution's
        `x[i + 1]`."""
        site = self._defs.get(stmt.target)
        if site is None or ast.dump(site[0].stmts[site[1]].value) != ast.dump(stmt.value):
            return False
        site_info, site_index = site
        shifts = [self._offset(node, site_info, site_index)
                  for node in _leading_positions(_positions(stmt.value.slice))]
        ran = False  # the read runs before (info, gap) in the pass
        while True:
            ran = ran or (info is site_info and site_index < gap)
            owner = info.owner
            if owner is None:
                return False
            if info.is_loop_body and ran and isinstance(owner, ir.For):
                step = owner.step
                for position, (name, shift) in enumerate(shifts):
                    if name != owner.var or not distinct_indices(owner) or \
                            shift * step.value >= 0:
                        continue
                    start = owner.start
                    if step.value > 0 and not (isinstance(start, ast.Constant)
                                               and start.value + shift >= 0):
                        continue  # `a[i - 1]` at i = 0 is the last element
                    if _writes_own_elements(owner, array, shared, position) and \
                            not stored_after(shared, info.parent, info.index + 1):
                        return True  # (this covers every write in the loops inside it)
            info, gap = info.parent, info.index + 1

    def _earlier_pass(self, loop: ir.For, array: str, shared: set[str], position: int,
                      info: BlockInfo) -> bool:
        """Whether the element that `loop`'s variable `j` indexes at
        `position` (`loop` in block `info`, writing nothing into `shared`)
        was written by an earlier pass of an enclosing loop over `i` and is
        never written again: `j` is bounded by `i` (`range(i)`: j < i;
        `range(i + 1, n)`: j > i) and never negative, the loop over `i` runs
        away from `j` (up where j < i, down where j > i), every write into
        `shared` in it is into `array[..., i, ...]` at `position`, and none
        follows it.  A forward substitution's `x[j]`, a back substitution's."""
        if ir.stored_arrays(loop) & shared or any(loop.var in ir.defined_names(s)
                                                  for s in ir.walk(loop.body)):
            return False
        sides = self._bounding(loop, info)
        while sides:
            owner = info.owner
            if owner is None:
                return False
            if info.is_loop_body and isinstance(owner, ir.For) and owner.var in sides:
                step = owner.step
                ascending = isinstance(step, ast.Constant) and type(step.value) is int \
                    and step.value > 0
                return (distinct_indices(owner) and ascending == (sides[owner.var] == "<")
                        and _writes_own_elements(owner, array, shared, position)
                        and not stored_after(shared, info.parent, info.index + 1))
            info = info.parent
        return False

    def _bounding(self, loop: ir.For, info: BlockInfo) -> dict[str, str]:
        """The variables that bound `loop`'s (in block `info`) on one side,
        each with "<" (the loop's variable is always below it) or ">", where
        the variable is also never negative: `range(i)`, `range(0, i - 1)`,
        `range(i + 1, n)`, `range(i - 1, -1, -1)`.  A bound may be a name
        assigned once, earlier in `info`, as such an expression
        (`i_plus_1 = i + 1`)."""
        step = loop.step
        if not (isinstance(step, ast.Constant) and type(step.value) is int and step.value != 0):
            return {}
        index = next(k for k, s in enumerate(info.stmts) if s is loop)
        up = step.value > 0
        # up: start <= j < stop; down: stop < j <= start
        low, high = (loop.start, loop.stop) if up else (loop.stop, loop.start)
        low_offset, high_offset = (0, -1) if up else (1, 0)  # j >= low + o, j <= high + o
        sides: dict[str, str] = {}
        high_name, high_shift = self._offset(high, info, index)
        if high_name is not None and high_shift + high_offset < 0 and \
                isinstance(low, ast.Constant) and type(low.value) is int and \
                low.value + low_offset >= 0:
            sides[high_name] = "<"
        low_name, low_shift = self._offset(low, info, index)
        if low_name is not None and low_shift + low_offset > 0:
            sides[low_name] = ">"  # j > i, and i itself never negative
        return sides

    def _offset(self, node: ast.expr, info: BlockInfo, before: int) -> tuple[str | None, int]:
        """`node` as a variable plus a whole constant (`i`, `i + 1`, `i - 1`),
        or a name assigned once as such in `info` before index `before`."""
        if isinstance(node, ast.Name):
            where = self._defs.get(node.id)
            if where is not None and where[0] is info and where[1] < before:
                stmt = info.stmts[where[1]]
                if isinstance(stmt, ir.Assign) and isinstance(stmt.value, ast.BinOp):
                    return self._offset(stmt.value, info, where[1])
            return node.id, 0
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)) and \
                isinstance(node.left, ast.Name) and isinstance(node.right, ast.Constant) and \
                type(node.right.value) is int:
            return node.left.id, node.right.value if isinstance(node.op, ast.Add) else -node.right.value
        return None, 0

    def _save_copy(self, name: str, array: str, info: BlockInfo, gap: int) -> None:
        """Save a copy of `name`'s contents at (info, gap) itself, before any
        later write can change them (a copy of a scalar costs nothing)."""
        if (name, id(info), gap) in self.copies:
            return
        shared = self.aliases.get(name, {name})
        for later in range(gap + 1, len(info.stmts) + 1):  # a copy popped later serves here too
            between = info.stmts[gap:later]
            if any((ir.stored_arrays(s) & shared) or name in ir.defined_names(s) for s in between):
                break
            if (name, id(info), later) in self.copies:
                return
        origin = ir.Origin(self.fn.origin.file, self.fn.origin.line, "")
        push, pop = copy_push_pop(origin, self.stack(name, VALUE), name)
        _point_origin(push, pop, info, gap)
        info.pushes[gap].append(push)
        info.rev.slots[gap].restores.append(pop)
        self.copies[(name, id(info), gap)] = (array, info, push, pop)

    def settle_copies(self) -> bool:
        """Undo the writes into an array, and read its elements again, where
        that saves less than the copies of its elements: more elements read
        than writes into it (`d[i, j] = min(d[i, j], d[i, k] + d[k, j])`:
        three reads, one write), counted in the code.  Returns whether that
        made new needs."""
        counts: dict[str, int] = {}
        for array, *_ in self.copies.values():
            counts[array] = counts.get(array, 0) + 1
        undone = {a for a, n in counts.items()
                  if n > sum(1 for s in ir.walk(self.fn.body) if isinstance(s, ir.Store) and s.array == a)}
        if not undone:
            return False
        self._undone |= undone
        slots = [slot for info in self.blocks.values() if info.rev is not None for slot in info.rev.slots]
        sizes = [len(slot.recomputes) for slot in slots]
        for key, (array, info, push, pop) in list(self.copies.items()):
            if array not in undone:
                continue
            del self.copies[key]
            name, _, gap = key
            info.pushes[gap].remove(push)
            info.rev.slots[gap].restores.remove(pop)
            self.need(name, VALUE, info, gap)
        for slot, size in zip(slots, sizes):
            # what is recomputed now goes before the recomputes already there
            # that read it (they read the popped copy before)
            added = slot.recomputes[size:]
            if added:
                del slot.recomputes[size:]
                defined = {stmt.target for stmt in added}
                first = next((k for k, stmt in enumerate(slot.recomputes)
                              if ir.names_in(stmt.value) & defined), len(slot.recomputes))
                slot.recomputes[first:first] = added
        return True

    def _definition(self, name: str, info: BlockInfo, gap: int
                    ) -> tuple[BlockInfo, int, ir.Stmt, int] | None:
        """The assignment whose value `name` holds at (info, gap), found
        before that gap in its block or, through branches of `if`s only, in
        the blocks holding it: (its block, its index, the statement, the gap
        of that block the need lies in, or after for a need inside an
        `if`).  An `if` whose two branches both assign `name` gives its
        join (`_join`).  None where the value comes from elsewhere (an
        earlier iteration, before a loop, a parameter) or is not known."""
        at, end, search = info, gap, gap
        while True:
            for k in range(search - 1, -1, -1):
                stmt = at.stmts[k]
                if name not in ir.defined_names(stmt):
                    continue
                if isinstance(stmt, ir.Assign):
                    return at, k, stmt, end
                if isinstance(stmt, ir.If):
                    join = self._join(stmt, name)
                    return (at, k, join, end) if join is not None else None
                return None
            if at.owner is None or not isinstance(at.owner, ir.If):
                return None
            at, end, search = at.parent, at.index + 1, at.index  # the whole `if` lies between

    def _join(self, stmt: ir.If, name: str) -> ir.Assign | None:
        """`name`'s value after an if/else whose branches both assign it by
        cheap assignments only (`left = x[i] - x[i - 1] if i > 0 else x[i]`,
        or an if/else the user wrote), as one conditional expression
        (`x[i] - x[i - 1] if cond else x[i]`) that the reverse sweep
        recomputes like any cheap operation, evaluating only the branch the
        forward sweep took; None for any other `if`."""
        key = (id(stmt), name)
        if key not in self._joins:
            self._joins[key] = None
            body = _branch_value(stmt.body, name, self._def_counts)
            orelse = _branch_value(stmt.orelse, name, self._def_counts)
            if body is not None and orelse is not None:
                value = ast.IfExp(ast.Name(stmt.test, ast.Load()), body, orelse)
                if name not in ir.names_in(value):
                    self._joins[key] = ir.Assign(stmt.origin, name, value)
        return self._joins[key]

    def save_point(self, name: str, info: BlockInfo, gap: int) -> tuple[BlockInfo, int] | None:
        """The last gap at which `name` still holds the value it has at
        (info, gap), or None if nothing assigns it later."""
        while True:
            for k in range(gap, len(info.stmts)):
                if name in _replaced(info.stmts[k]):
                    return info, k
            owner = info.owner
            if owner is None:
                return None
            if info.is_loop_body:
                if isinstance(owner, ir.For) and name == owner.var and not any(
                        name in ir.defined_names(s) for s in owner.body):
                    return None  # the reversed loop sets its variable itself
                if name in _replaced(owner):
                    return info, _body_end(info)
            elif name in _replaced(owner):
                # the other branch assigns it: after the `if` it may hold another
                # value, or none at all.  (Saved even where nothing after the `if`
                # assigns it, and the reverse of this branch, which runs only where
                # this branch ran, could read it as it stands: a derivative of
                # higher order reads that reverse, and its front end cannot tell
                # that the name has a value on every path there.)
                return info, len(info.stmts)
            info, gap = info.parent, info.index + 1

    def _recompute(self, name: str, kind: str, info: BlockInfo, gap: int) -> bool:
        if kind == VALUE and self._costly_number(name) and self._computed_anyway(name):
            return False  # saved: a store and a load, where a recompute calls `exp` again
        found = self._recomputable(name, info, gap)
        if found is None:
            return False
        stmt, at, end, dk = found
        done = self._recomputed.get(name)
        if done is not None and done[0] is at and done[4] == dk and dk < end <= done[1]:
            # recomputed at a later gap of its block (which the reverse sweep
            # runs first), and still that value here
            if kind == VALUE and done[2] == SHAPE:  # recomputed for its shape only
                self._upgrade(name, done[3], at, done[1])
            return True
        # a need inside an `if` recomputes it before the `if`'s reverse, for
        # both branches and the test
        self._need_operands(stmt, kind, at, end)
        again = ir.Assign(stmt.origin.reverse(), name, _clone(stmt.value), stmt.primitive)
        at.rev.slots[end].recomputes.append(again)
        self._recomputed[name] = (at, end, kind, again, dk)
        if kind == SHAPE:
            self._shape_recomputes.append((name, again, at, end))
        return True

    def settle_shapes(self) -> bool:
        """Recompute in full each value recomputed for its shape alone whose
        value is read too: its stand-in (right shape, any value) would
        otherwise overwrite the value the reverse sweep popped or recomputed
        for a read elsewhere (a value read in an inner loop, saved, and its
        zero cotangent made before that loop from the stand-in).  Returns
        whether that made new needs (run again until it does not)."""
        valued = {name for name, _, _ in self.value_needs}
        settled = [entry for entry in self._shape_recomputes if entry[0] in valued]
        if not settled:
            return False
        self._shape_recomputes = [e for e in self._shape_recomputes if e[0] not in valued]
        for name, again, at, end in settled:
            self._upgrade(name, again, at, end)
        return True

    def _upgrade(self, name: str, again: ir.Assign, at: BlockInfo, end: int) -> None:
        """Make the recompute `again` of `name` at (at, end), made for the
        shape, give the value: its operands' values, recomputed right before
        it (not after what already reads it)."""
        done = self._recomputed.get(name)
        if done is not None and done[0] is at and done[1] == end:
            if done[2] == VALUE:
                return
            self._recomputed[name] = (at, end, VALUE, again, done[4])
        slot = at.rev.slots[end].recomputes
        before = len(slot)
        self._need_operands(again, VALUE, at, end)
        added = slot[before:]
        del slot[before:]
        if again in slot:
            k = slot.index(again)
            slot[k:k] = added
        else:
            slot.extend(added)

    def _recomputable(self, name: str, info: BlockInfo, gap: int
                      ) -> tuple[ir.Assign, BlockInfo, int, int] | None:
        """The statement that defines `name`, with its block, the gap of
        that block the need lies in (or after, for a need inside an `if`)
        and its index, if the reverse sweep can recompute it at (info, gap)
        from operands that still hold the values they had: a cheap
        operation assigned earlier in the same block, or in a block that
        holds `info` through branches of `if`s only (never through a loop,
        which would recompute it at every pass)."""
        where = self._definition(name, info, gap)
        if where is None:
            return None
        dinfo, dk, stmt, end = where
        if not isinstance(stmt, ir.Assign) or not _cheap(stmt):
            return None
        between = dinfo.stmts[dk + 1:end]
        changed = set().union(*(ir.defined_names(s) for s in between)) if between else set()
        stored = set().union(*(ir.stored_arrays(s) for s in between)) if between else set()
        operands = ir.names_in(stmt.value)
        if operands & changed or name in changed or name in operands:
            return None  # `s = s + x[i]` reads a value its own assignment replaced
        if self._reads_behind(name, dinfo, end):
            # `cp[i - 1]`: the loop writes into `cp` at `i` alone, never the element read
            operands = operands - {stmt.value.value.id}
        elif self.aliases.get(name, {name}) & stored:
            return None  # written into since: a recomputed copy would miss the writes
        if any(self.aliases.get(o, {o}) & stored and not self._reads_behind(o, dinfo, end)
               for o in operands):
            return None  # an operand (or an array it is a view of) was written into since
        if stmt.nondiff and any(self.save_point(o, info, gap) is not None
                                and self._recomputable(o, info, gap) is None
                                for o in operands):
            return None  # worth recomputing only from values that stay or recompute
        if stmt.primitive is order and not all(self._unwritten(o, info, gap) for o in operands):
            return None  # a byte saved, where writes into what it compares would be undone
        if self._def_counts.get(name, 0) > 1 and not all(
                self._free(o, info, gap) for o in operands):
            # a variable assigned more than once (`s = tanh(s * w + x[j])` in
            # a loop) is recomputed only where nothing need be saved for it:
            # otherwise it is saved itself, not something in its place
            return None
        return stmt, dinfo, end, dk

    def _unwritten(self, name: str, info: BlockInfo, gap: int) -> bool:
        """Whether `name` holds its value at (info, gap), or recomputes from
        values that do and from arrays that no later write changes."""
        if self.save_point(name, info, gap) is None:
            return True
        found = self._recomputable(name, info, gap)
        if found is None:
            return False
        read = {n.value.id for n in ast.walk(found[0].value)
                if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name)}
        shared = set().union(*(self.aliases.get(a, {a}) | {a} for a in read)) if read else set()
        return not (shared and stored_after(shared, info, gap)) and all(
            self._unwritten(o, info, gap) for o in ir.names_in(found[0].value) - read)

    def _costly_number(self, name: str) -> bool:
        """`name` is a number, assigned once, by a call of a `COSTLY` function."""
        where = self._defs.get(name)
        if name not in self.numbers or where is None:
            return False
        return costly_call(where[0].stmts[where[1]])

    def _computed_anyway(self, name: str) -> bool:
        """Whether the forward sweep computes `name` whether or not it is
        saved: something computed from it (through any chain of
        assignments) is a value the forward sweep keeps for the reverse one,
        as far as the needs met so far tell (those of later code, which the
        reverse sweep meets first)."""
        if self._users is None:
            self._users = {}
            for stmt in ir.walk(self.fn.body):
                if ir.blocks(stmt):
                    continue  # (a test or a bound: a value, or a saved condition, that is held)
                made = ir.defined_names(stmt) | ir.stored_arrays(stmt)
                for expr in expressions(stmt):
                    for read in ir.names_in(expr):
                        self._users.setdefault(read, set()).update(made)
        seen, todo = {name}, [name]
        while todo:
            for user in self._users.get(todo.pop(), ()):
                if user in self._held:
                    return True
                if user not in seen:
                    seen.add(user)
                    todo.append(user)
        return False

    def _free(self, name: str, info: BlockInfo, gap: int) -> bool:
        """Whether `name` holds its value at (info, gap) without a save: it
        stays, or it recomputes from values that do."""
        if self.save_point(name, info, gap) is None:
            return True
        found = self._recomputable(name, info, gap)
        return found is not None and all(
            self._free(o, info, gap) for o in ir.names_in(found[0].value))

    def _need_operands(self, stmt: ir.Assign, kind: str, info: BlockInfo, gap: int) -> None:
        """The operands of a recomputed `stmt`: their values, or for a result
        whose shape only is read, the shapes of those that only shape it
        (`x` in `x[i]`, both sides of elementwise arithmetic)."""
        shaping = shape_operands(stmt.value) if kind == SHAPE and (
            stmt.primitive is SUBSCRIPT or isinstance(stmt.value, (ast.BinOp, ast.UnaryOp))) \
            else set()
        names = {}
        for n in ast.walk(stmt.value):
            if isinstance(n, ast.Name) and n.id in ir.names_in(stmt.value):
                names[n.id] = VALUE if id(n) not in shaping or names.get(n.id) == VALUE \
                    else SHAPE
        # an element read that no later write changes needs no undoing of the writes
        element = (stmt.value.value.id if kind == VALUE and self._stays(stmt, info, gap)
                   else None)
        for operand in sorted(names):
            self.need(operand, names[operand], info, gap, element=operand == element)

    def _save(self, name: str, kind: str, info: BlockInfo, gap: int) -> None:
        key = (name, id(info), gap)
        saved = self._saved.get(key)
        if saved is not None:
            if saved.shape and kind == VALUE:  # saved for its shape: now its value
                set_pair(saved.push, saved, self.stack(name, VALUE), shape=False)
            return
        origin = ir.Origin(self.fn.origin.file, self.fn.origin.line, "")
        push, pop = push_pop(origin, self.stack(name, kind), name, kind == SHAPE)
        _point_origin(push, pop, info, gap)
        info.pushes[gap].append(push)
        info.rev.slots[gap].restores.append(pop)
        self._saved[key] = pop

    def stack(self, name: str, kind: str) -> str:
        key = (name, kind)
        if key not in self.stacks:
            self.stacks[key] = self.namer.fresh(f"{name}_stack" if kind == VALUE else f"{name}_shapes")
        return self.stacks[key]


def _positions(index: ast.expr) -> list[ast.expr]:
    return list(index.elts) if isinstance(index, ast.Tuple) else [index]


def _array_read(stmt: ir.Stmt) -> str | None:
    """The array that `stmt` reads an element (or part) of, `t = a[i, j]`,
    else None."""
    if isinstance(stmt, ir.Assign) and stmt.primitive is SUBSCRIPT and \
            isinstance(stmt.value, ast.Subscript) and isinstance(stmt.value.value, ast.Name):
        return stmt.value.value.id
    return None


def _older(name: str, array: str, arrays: set[str], between: list[ir.Stmt]) -> bool:
    """Whether `name` holds, after `between`, nothing `array` was made before
    it: each assignment of `name` there reads none of `arrays` (memory it
    may share) but some that `between` leaves alone (`t = y[i]`, `y` the
    last pass's output), never `array` itself."""
    statements = [s for s in ir.walk(between) if not ir.blocks(s)]
    touched = set().union(*(ir.defined_names(s) for s in statements)) if statements else set()
    for stmt in statements:
        if name not in ir.defined_names(stmt):
            continue
        if type(stmt) is not ir.Assign:
            return False
        read = ir.names_in(stmt.value) & arrays
        if array in read or read & touched:
            return False
    return True


def _top_index(info: BlockInfo, k: int) -> int:
    """The index, in the function's body, of the statement that holds
    statement `k` of block `info` (`k` itself in the body)."""
    while info.parent is not None:
        info, k = info.parent, info.index
    return k


def _leading_positions(positions: list[ast.expr]) -> list[ast.expr]:
    """The positions of an index up to the first that may shift the axes
    after it (`...`, None)."""
    leading = []
    for node in positions:
        if (isinstance(node, ast.Constant) and node.value in (None, Ellipsis)) or (
                isinstance(node, ast.Name) and node.id == "None"):
            break
        leading.append(node)
    return leading


def _leading_names(positions: list[ast.expr]) -> list[str | None]:
    """Per position of an index, the variable it is, up to the first
    position that may shift the axes after it (`...`, None)."""
    return [node.id if isinstance(node, ast.Name) else None
            for node in _leading_positions(positions)]


def distinct_indices(loop: ir.Stmt) -> bool:
    """A `for` loop whose variable takes a different value in each iteration,
    never negative (so two iterations never index one element, `a[-1]` and
    `a[n - 1]`), and is not assigned in its body."""
    if not isinstance(loop, ir.For) or any(loop.var in ir.defined_names(s)
                                           for s in ir.walk(loop.body)):
        return False
    step = loop.step
    if not (isinstance(step, ast.Constant) and type(step.value) is int and step.value != 0):
        return False
    bound = loop.start if step.value > 0 else loop.stop
    lowest = 0 if step.value > 0 else -1
    return isinstance(bound, ast.Constant) and type(bound.value) is int and bound.value >= lowest


def _writes_own_elements(loop: ir.For, array: str, shared: set[str], position: int) -> bool:
    """Whether every write in `loop` into `shared` memory is into `array`
    itself with the loop's variable at index `position`."""
    for stmt in ir.walk(loop.body):
        if not ir.stored_arrays(stmt) & shared:
            continue
        if ir.blocks(stmt):
            continue  # (its own statements are visited)
        if type(stmt) is not ir.Store or stmt.array != array:
            return False
        names = _leading_names(_positions(stmt.index))
        if len(names) <= position or names[position] != loop.var:
            return False
    return True


def stored_after(arrays: set[str], info: BlockInfo, gap: int) -> bool:
    """Whether a write into one of `arrays` may run after the gap `gap` of
    block `info`: later in the block, after the block in the enclosing ones,
    or in a later iteration of an enclosing loop, except into a new array
    that the later iteration made itself (`d = np.empty_like(y)` at the top of
    the loop body, before every write into `d`: those writes go into another
    array than the one read here)."""
    while True:
        if any(ir.stored_arrays(stmt) & arrays for stmt in info.stmts[gap:]):
            return True
        owner = info.owner
        if owner is None:
            return False
        if info.is_loop_body and ir.stored_arrays(owner) & arrays and \
                not _new_each_pass(info.stmts, arrays):
            return True
        info, gap = info.parent, info.index + 1


# calls whose result is a new array (never one of their arguments, nor a view of one)
_ALLOCATING = {np.empty, np.zeros, np.ones, np.full, np.empty_like, np.zeros_like, np.ones_like,
               np.full_like, np.copy, np.array, np.arange, np.linspace, np.eye, np.identity}


def _allocates(stmt: ir.Assign) -> bool:
    """Whether the value `stmt` assigns is a new array: arithmetic, or a call
    of NumPy's that makes one (`np.empty_like(y)`, `np.copy(x)`)."""
    value = stmt.value
    if isinstance(value, (ast.BinOp, ast.UnaryOp)) or stmt.primitive in _ALLOCATING:
        return True
    return (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
            and isinstance(value.func.value, ast.Name) and value.func.value.id == "np"
            and getattr(np, value.func.attr, None) in _ALLOCATING)


def _new_each_pass(body: list[ir.Stmt], arrays: set[str]) -> bool:
    """Whether each write in a loop body into one of `arrays` goes into an
    array made in the same pass: the name written into is assigned once in
    the body, at its top level, a new array (`np.empty_like(y)`, arithmetic),
    before any write into it."""
    for name in sorted(set().union(*(ir.stored_arrays(s) for s in body)) & arrays):
        assigned = [k for k, stmt in enumerate(body) if name in ir.defined_names(stmt)]
        if len(assigned) != 1:
            return False
        k = assigned[0]
        stmt = body[k]
        if not (isinstance(stmt, ir.Assign) and _allocates(stmt)):
            return False
        if any(name in ir.stored_arrays(s) for s in body[:k]):
            return False
    return True


def _replaced(stmt: ir.Stmt) -> set[str]:
    """The names `stmt` (with what is nested in it) gives new values, less
    the lists it appends to: `acc = list_append(acc, v, k)` gives a list
    grown in a loop one more element and keeps those read from it before,
    so that a reverse sweep that reads them needs no copy of the list."""
    names = ir.defined_names(stmt)
    appended = {s.target for s in ir.walk([stmt]) if _appends(s)}
    if not appended:
        return names
    others = set().union(*(ir.defined_names(s) for s in ir.walk([stmt])
                           if not ir.blocks(s) and not _appends(s)))
    loops = {n for s in ir.walk([stmt]) if isinstance(s, (ir.For, ir.While))
             for n in (getattr(s, "var", None), s.trips) if n}
    return (names - appended) | (names & (others | loops))


def _appends(stmt: ir.Stmt) -> bool:
    value = getattr(stmt, "value", None)
    return (isinstance(stmt, ir.Assign) and isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name) and value.func.id == "list_append"
            and isinstance(value.args[0], ast.Name) and value.args[0].id == stmt.target)


def _body_end(info: BlockInfo) -> int:
    """The last gap of a loop body that every iteration reaches: before the
    `ExitLoop` that may end the loop."""
    stmts = info.stmts
    return len(stmts) - 1 if stmts and isinstance(stmts[-1], ir.ExitLoop) else len(stmts)


def _point_origin(push: ir.ExprStmt, pop: ir.Assign, info: BlockInfo, gap: int) -> None:
    """Attribute a save to the statement it sits before (or after)."""
    stmts = info.stmts
    near = stmts[gap] if gap < len(stmts) else (stmts[gap - 1] if stmts else info.owner)
    if near is not None:
        push.origin = near.origin
        pop.origin = near.origin.reverse()
