"""Numbers computed again where a name still holds them.

The reverse sweep computes numbers again from the primal values it reads
(`adjoint/saving.py`: a cheap value is recomputed rather than saved, and a
value assigned in a branch is recomputed for that branch's reverse, where
the branch's forward still holds it), and a rule spells out an operation its
function's forward sweep made under another name (`math.cos(theta)` in the
reverse of `math.sin(theta)`, where the forward sweep holds `c =
math.cos(theta)`).  A bundle adjuster's rotation paid a square root, two
cosines and two sines a second time in every reverse sweep.
`reuse_numbers(body, ranks)` reads each such expression from the name that
holds it:

    if cond:                              if cond:
        theta = math.sqrt(sq)                 theta = math.sqrt(sq)
        c = math.cos(theta)                   c = math.cos(theta)
    ...                            ─►     ...
    if cond:                              if cond:
        theta = math.sqrt(sq)                 bt = bc * -math.sin(theta) ...
        bt = bs * math.cos(theta) ...         bt = bs * c ...

Which expressions: numbers (`Ranks.scalar`) made by pure calls
(`ir/effects.py`: `math.cos`, `np.exp`, srcgrad's pure helpers), with the
arithmetic and element reads around them; arithmetic alone is LLVM's to
share, and the passes after this one read index expressions as written.
Where: an expression is available after the assignment that computes it,
until anything assigns its name or one of its operands, or writes into an
array it reads; after an `if`, what both branches leave; in a later branch
of an `if` on the same condition (a name nothing assigns again), what that
branch of the earlier `if` made (the reverse of a branch runs where the
branch ran); inside a loop, what holds before it and nothing in the loop
changes; after a loop, nothing the loop made (it may run no pass).  An
assignment of a name to the value it already holds goes.

For code Numba compiles, which types a name assigned in a branch and read
in a later branch on the same condition as it types it there; the body a
derivative of higher order reads keeps its recomputations
(`backend/pipeline.py`), whose front end wants a value on every path.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .. import ir
from ..ir.effects import pure_call, written
from ..ir.parts import expression_slots, own_definitions
from .ranks import Ranks

__all__ = ["reuse_numbers"]


@dataclass(frozen=True)
class _Held:
    name: str  # the name that holds the value
    reads: frozenset[str]  # the names the expression reads (arrays among them)


def reuse_numbers(body: list[ir.Stmt], ranks: Ranks) -> bool:
    """Rewrite `body` in place (see the module's docstring); whether anything changed."""
    return _Reuse(ranks).block(body, [{}])


class _Reuse:
    def __init__(self, ranks: Ranks):
        self.ranks = ranks
        # the branches around the statement at hand, outermost first: (condition, side)
        self.path: list[tuple[str, bool]] = []
        # a branch's path -> what that branch of an `if` left available (the reverse of
        # a branch sits in the branches of the same conditions, nested alike)
        self.branches: dict[tuple[tuple[str, bool], ...], dict[str, _Held]] = {}
        self.changed = False

    # --- walking ------------------------------------------------------------------------

    def block(self, stmts: list[ir.Stmt], scopes: list[dict[str, _Held]]) -> bool:
        kept: list[ir.Stmt] = []
        for stmt in stmts:
            if isinstance(stmt, ir.If):
                self._if(stmt, scopes)
            elif isinstance(stmt, (ir.For, ir.While)):
                self._loop(stmt, scopes)
            elif not self._simple(stmt, scopes):
                continue  # (an assignment of the value the name holds)
            kept.append(stmt)
        stmts[:] = kept
        return self.changed

    def _if(self, stmt: ir.If, scopes: list[dict[str, _Held]]) -> None:
        before = dict(scopes[-1])
        ends = []
        for side, branch in ((True, stmt.body), (False, stmt.orelse)):
            self.path.append((stmt.test, side))
            key = tuple(self.path)
            inner = {**scopes[-1], **self.branches.get(key, {})}
            scopes.append(inner)
            self.block(branch, scopes)
            scopes.pop()
            made = {text: held for text, held in inner.items() if before.get(text) != held}
            if made:
                self.branches[key] = {**self.branches.get(key, {}), **made}
            self.path.pop()
            ends.append(inner)
        body_end, else_end = ends
        scopes[-1].clear()
        scopes[-1].update({text: held for text, held in before.items()
                           if body_end.get(text) == held and else_end.get(text) == held})

    def _loop(self, stmt: ir.For | ir.While, scopes: list[dict[str, _Held]]) -> None:
        changes = set().union(*(own_definitions(s) for s in ir.walk([stmt])))
        arrays = written(stmt)
        self._kill(changes, arrays, scopes)
        saved = {key: dict(value) for key, value in self.branches.items()}
        scopes.append(dict(scopes[-1]))
        self._rewrite(stmt, scopes[-1])  # (a bound or a test: read before each pass)
        self.block(stmt.body, scopes)
        scopes.pop()
        # what a pass made may not exist after the loop (it may run no pass)
        self.branches = {key: {text: held for text, held in value.items()
                               if self.branches.get(key, {}).get(text) == held}
                         for key, value in saved.items()}
        self._kill(changes, arrays, scopes)

    def _simple(self, stmt: ir.Stmt, scopes: list[dict[str, _Held]]) -> bool:
        """Rewrite one statement; False where it assigns a name the value it holds."""
        available = scopes[-1]
        self._rewrite(stmt, available)
        if type(stmt) is ir.Assign and isinstance(stmt.value, ast.Name) and \
                stmt.value.id == stmt.target:
            self.changed = True
            return False
        self._kill(own_definitions(stmt), written(stmt), scopes)
        if type(stmt) is ir.Assign and self._candidate(stmt.value) and \
                stmt.target not in ir.names_in(stmt.value):
            available[ast.unparse(stmt.value)] = _Held(stmt.target,
                                                       frozenset(ir.names_in(stmt.value)))
        return True

    # --- expressions --------------------------------------------------------------------

    def _rewrite(self, stmt: ir.Stmt, available: dict[str, _Held]) -> None:
        if not available:
            return
        for owner, slot in expression_slots(stmt):
            if slot == "target":
                continue  # (what an update writes into)
            node = getattr(owner, slot)
            new = self._replaced(node, available)
            if new is not node:
                setattr(owner, slot, new)
                if isinstance(owner, ir.Assign):
                    owner.primitive = None  # (a copy of a name, no longer the call)

    def _replaced(self, node: ast.expr, available: dict[str, _Held]) -> ast.expr:
        if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Call, ast.Subscript)) and \
                not isinstance(getattr(node, "ctx", ast.Load()), ast.Store):
            held = available.get(ast.unparse(node))
            if held is not None:
                self.changed = True
                return ast.Name(held.name, ast.Load())
        for field, value in ast.iter_fields(node):
            if isinstance(value, ast.expr):
                setattr(node, field, self._replaced(value, available))
            elif isinstance(value, list):
                setattr(node, field, [self._replaced(v, available) if isinstance(v, ast.expr)
                                      else v for v in value])
        return node

    def _candidate(self, value: ast.expr) -> bool:
        """A number made by pure calls (with arithmetic and element reads
        around them).  Arithmetic alone is left to LLVM, and to the passes
        that read index expressions as written (`bb[i - 1]`)."""
        calls = False
        for node in ast.walk(value):
            if isinstance(node, ast.Call):
                if not pure_call(node):
                    return False
                calls = True
            if isinstance(node, (ast.Lambda, ast.NamedExpr, ast.Starred)):
                return False
        return calls and bool(ir.names_in(value)) and self.ranks.scalar(value)

    def _kill(self, names: set[str], arrays: set[str],
              scopes: list[dict[str, _Held]]) -> None:
        """Forget what reads or is held by `names`, or reads an array of `arrays`."""
        changed = names | arrays
        if not changed:
            return
        for table in [*scopes, *self.branches.values()]:
            for text in [t for t, held in table.items()
                         if held.name in changed or held.reads & changed]:
                del table[text]
        for key in [k for k in self.branches if any(test in names for test, _ in k)]:
            del self.branches[key]  # a condition on its path changed
