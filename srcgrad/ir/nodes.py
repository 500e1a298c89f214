"""The intermediate representation shared by every pass after the front end.

A function is a list of statements.  Control flow is structured (no `break`,
`continue` or `return` inside blocks: the front end turns them into flags), and
every statement remembers the user's source line it comes from (`Origin`).

Expressions stay Python `ast.expr` nodes, so that the printer is
`ast.unparse`.  After the front end (`frontend/expressions.py`) they are in three-address form:
the value of an `Assign` is one operation whose operands are *atoms*
(`ast.Name` or `ast.Constant`), or a whole expression that has no derivative
(a comparison, a call to `len`, ...), which stays as the user wrote it.
Calls carry the callable they resolved to in `Assign.primitive`, so that no
later pass looks names up again.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain


@dataclass(frozen=True)
class Origin:
    """Where a statement comes from in the user's code."""

    file: str
    line: int
    text: str  # the statement's first source line, stripped
    grad: bool = False  # the statement belongs to the reverse sweep of that line

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"

    def reverse(self) -> Origin:
        return Origin(self.file, self.line, self.text, True)


@dataclass(eq=False)
class Stmt:
    origin: Origin


@dataclass(eq=False)
class Assign(Stmt):
    """`target = value`: one operation (or one non-differentiable expression)."""

    target: str
    value: ast.expr
    primitive: object | None = None  # the callable a call resolved to
    nondiff: bool = False  # the value has no derivative (comparisons, len, ...)


@dataclass(eq=False)
class Store(Stmt):
    """`array[index] = value`, an in-place write into an array."""

    array: str
    index: ast.expr  # built from atoms, slices and tuples of them
    value: ast.expr  # an atom


@dataclass(eq=False)
class Accumulate(Stmt):
    """`target += value`, in place where `target` is an array (only adjoints,
    which the reverse sweep owns, are updated this way)."""

    target: ast.expr  # a Name, or a Subscript of a Name
    value: ast.expr


@dataclass(eq=False)
class ExprStmt(Stmt):
    """A call kept for its side effect (`print`)."""

    value: ast.expr


@dataclass(eq=False)
class Raise(ExprStmt):
    """`raise E(constant, ...)`: the user's `raise`, or the failure of an
    `assert` (the front end puts its test in an `If`).  `value` is the call
    that makes the exception.  As a call kept for its effect it stays where
    it stands in the forward sweep and has no part in the reverse sweep."""


@dataclass(eq=False)
class If(Stmt):
    test: str  # name of a variable holding the condition
    body: list[Stmt] = field(default_factory=list)
    orelse: list[Stmt] = field(default_factory=list)


@dataclass(eq=False)
class For(Stmt):
    """`for var in range(start, stop, step)`; the bounds are atoms.

    `trips` names a counter of the iterations that ran; the front end adds one
    when the body can leave the loop early.  A loop of the reverse sweep knows
    how to run the same iterations in increasing order (`ascending`: its var,
    start, stop and step that way), for `ordering` to use where the order
    does not matter.
    """

    var: str
    start: ast.expr
    stop: ast.expr
    step: ast.expr
    body: list[Stmt] = field(default_factory=list)
    trips: str | None = None
    ascending: tuple[str, ast.expr, ast.expr, ast.expr] | None = None


@dataclass(eq=False)
class While(Stmt):
    """`while test: body`; `test` is a non-differentiable expression.

    `trips` names the counter of iterations that the front end adds.
    """

    test: ast.expr
    body: list[Stmt]
    trips: str


@dataclass(eq=False)
class ExitLoop(Stmt):
    """`if flag or ...: break`, the only early exit left after the front end
    (without flags: `break`, which cleanup writes where a flag was just set)."""

    flags: list[str]


@dataclass(eq=False)
class Function:
    """The whole function in IR form, with what the passes need to know about it."""

    name: str
    params: list[str]
    body: list[Stmt]
    results: list[str]  # variables holding the outputs, one per output
    origin: Origin
    single_result: bool = True  # `return y` rather than `return y1, y2`
    # results that are containers: per returned value its structure (ir/trees.py), or None
    result_trees: list = field(default_factory=list)
    aux: list[str] = field(default_factory=list)  # has_aux: returned, not differentiated
    aux_tree: object = None
    globals: dict[str, object] = field(default_factory=dict)  # injected global name → value
    imports: dict[str, object] = field(default_factory=dict)  # imported name → function
    bindings: list = field(default_factory=list)  # the user's global reads (bindings.Binding)
    temps: set[str] = field(default_factory=set)  # three-address temporaries
    # lists grown in loops (frontend/growing.py): never renamed, never saved (they only
    # grow, so in the reverse sweep they still hold every element read before)
    lists: set[str] = field(default_factory=set)
    user_names: dict[str, list[str]] = field(default_factory=dict)  # user name → IR names
    # per user parameter, its IR parameters (several for a container: its leaves)
    param_groups: list[list[str]] = field(default_factory=list)
    result_origin: Origin | None = None  # the (last) return statement


def blocks(stmt: Stmt) -> list[list[Stmt]]:
    """The statement lists nested directly inside `stmt`."""
    if isinstance(stmt, If):
        return [stmt.body, stmt.orelse]
    if isinstance(stmt, (For, While)):
        return [stmt.body]
    return []


def all_blocks(body: list[Stmt]) -> Iterator[list[Stmt]]:
    """`body` and every statement list nested in it, outer ones first (the
    nested ones listed before the caller changes any)."""
    yield body
    for stmt in list(walk(body)):
        yield from blocks(stmt)


def walk(body: list[Stmt]) -> Iterator[Stmt]:
    """Every statement of `body`, nested ones included, in source order (a
    statement's blocks read when the walk goes on past it, as changed
    meanwhile)."""
    open_blocks = [iter(body)]
    while open_blocks:
        for stmt in open_blocks[-1]:
            yield stmt
            inner = blocks(stmt)
            if inner:
                open_blocks.append(chain.from_iterable(inner))
                break
        else:
            open_blocks.pop()


MODULES = frozenset({"np", "math"})  # the modules generated code refers to


def names_in(node: ast.AST | None) -> set[str]:
    """The variable names an expression reads.  A called global is not a
    variable (`unbroadcast` in `unbroadcast(g, x)`, `np` in `np.sin(x)`); the
    object of a method call is (`stack` in `stack.pop()`)."""
    out: set[str] = set()
    if node is not None:
        _collect_names(node, out)
    return out


def _collect_names(node: ast.AST, out: set[str]) -> None:
    # (one pass over the tree, the commonest nodes' children read directly:
    # the passes ask this of every statement, again in every fixpoint round)
    todo = [node]
    while todo:
        n = todo.pop()
        kind = type(n)
        if kind is ast.Name:
            out.add(n.id)
        elif kind is ast.Constant:
            continue
        elif kind is ast.BinOp:
            todo.append(n.left)
            todo.append(n.right)
        elif kind is ast.Subscript or kind is ast.Attribute:
            todo.append(n.value)
            if kind is ast.Subscript:
                todo.append(n.slice)
        elif kind is ast.Call:
            func = n.func
            base = func
            while isinstance(base, ast.Attribute):
                base = base.value
            if not (isinstance(func, ast.Name)
                    or (isinstance(base, ast.Name) and base.id in MODULES)):
                todo.append(func)  # a method's object, a call's result called
            todo.extend(n.args)
            todo.extend(keyword.value for keyword in n.keywords)
        elif kind is ast.Tuple or kind is ast.List:
            todo.extend(n.elts)
        elif kind is ast.UnaryOp:
            todo.append(n.operand)
        else:
            todo.extend(ast.iter_child_nodes(n))


def defined_names(stmt: Stmt) -> set[str]:
    """Names a statement (with what is nested in it) assigns."""
    out: set[str] = set()
    for s in walk([stmt]):
        if isinstance(s, Assign):
            out.add(s.target)
        elif isinstance(s, Accumulate) and isinstance(s.target, ast.Name):
            out.add(s.target.id)
        elif isinstance(s, For):
            out.add(s.var)
            if s.trips:
                out.add(s.trips)
        elif isinstance(s, While):
            out.add(s.trips)
    return out


def stored_arrays(stmt: Stmt) -> set[str]:
    """Arrays a statement (with what is nested in it) writes into."""
    return {s.array for s in walk([stmt]) if isinstance(s, Store)}


def used_names(stmt: Stmt) -> set[str]:
    """Names a statement reads itself, not counting nested blocks."""
    if isinstance(stmt, Assign):
        return names_in(stmt.value)
    if isinstance(stmt, Store):
        return names_in(stmt.index) | names_in(stmt.value) | {stmt.array}
    if isinstance(stmt, ExprStmt):
        return names_in(stmt.value)
    if isinstance(stmt, Accumulate):
        return names_in(stmt.target) | names_in(stmt.value)
    if isinstance(stmt, If):
        return {stmt.test}
    if isinstance(stmt, For):
        return names_in(stmt.start) | names_in(stmt.stop) | names_in(stmt.step)
    if isinstance(stmt, While):
        return names_in(stmt.test)
    if isinstance(stmt, ExitLoop):
        return set(stmt.flags)
    raise TypeError(stmt)



@dataclass(eq=False)
class Push(ExprStmt):
    """The forward sweep saves a value for the reverse sweep: `stack.append(v)`,
    or `push_shape(stack, v)` for a stack of shapes (`shape`).

    `value` is that call as the printer writes it (and the one place that
    names the stack and the value, so that renaming a variable cannot leave
    a stale copy); the class and `shape` say what it is, so that no pass
    reads the call's name to find out.  Made with its `Pop` as a linked pair
    (`adjoint/stacks.py`, `push_pop`)."""

    shape: bool = False

    @property
    def stack(self) -> str:
        return (self.value.args[0] if self.shape else self.value.func.value).id

    @property
    def saved(self) -> ast.expr:
        """The expression pushed (`v`)."""
        return self.value.args[-1]


@dataclass(eq=False)
class Pop(Assign):
    """The reverse sweep takes a saved value back: `target = stack.pop()`, or
    `target = pop_shape(stack, target)` for a stack of shapes (`shape`).

    `push` is the `Push` it pairs with: the pops of a stack run in the
    reverse order of its pushes.  None where the pushes are not known (a
    generated adjoint read back from its source, to be differentiated again)."""

    shape: bool = False
    push: Push | None = None

    @property
    def stack(self) -> str:
        return (self.value.args[0] if self.shape else self.value.func.value).id


@dataclass(eq=False)
class PopStore(Store):
    """`array[index] = stack.pop()`: the reverse sweep undoes a write into an
    array, putting back the elements its `push` saved before the write."""

    push: Push | None = None

    @property
    def stack(self) -> str:
        return self.value.func.value.id
