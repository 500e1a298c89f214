"""A power one below a power at hand, as a quotient.

The derivative of `x ** c` is `c * x ** (c - 1)`: the reverse sweep of
`inv = r2 ** -1.5` (gravity, Coulomb, a softened pair potential) computes
`r2 ** -2.5` where `inv`, `r2 ** -1.5`, is already at hand, computed again
for the other derivatives that read it.  Each `**` of a float is a call of
the C library's `pow`, which costs several times a division.  Where a
statement of the same block before it computed `y = x ** c` (a constant `c
< 0`, `x` a number), and neither `x` nor `y` was assigned since, `x ** (c -
1)` is the quotient below; a power computed inside a larger expression
(`b * r2 ** -0.5`) is first given a name of its own, just before that
statement (`r2_power = r2 ** -0.5`).  The quotient is

- `y / x` for an integer `c`: `x ** -3` is `x ** -2 / x` for every `x`,
  signed zeros and infinities included;
- `y / abs(x)` for another `c`: there `x ** c` is nan for `x < 0` (and so
  is the quotient), and `abs` keeps the sign of `(-0.0) ** (c - 1)`, inf.

For a positive `c` the quotient is wrong at `x = 0` (`0 ** 0.5 / 0` is nan,
`0 ** -0.5` inf), so it is left alone.  The quotient rounds once more than
`pow` (about an ulp).
"""

from __future__ import annotations

import ast

from .. import ir
from ..ir.parts import expression_slots, expressions
from .ranks import Ranks

__all__ = ["powers_from_powers"]


def powers_from_powers(body: list[ir.Stmt], ranks: Ranks, namer) -> bool:
    """Rewrite `body` in place (see the module's docstring), where `ranks`
    knows `x` to be a number; whether it changed."""
    changed = False
    for block in list(ir.all_blocks(body)):
        at_hand: dict[tuple[str, float], str | ir.Stmt] = {}  # (x, c) -> y, or the statement
        k = 0
        while k < len(block):
            stmt = block[k]
            for owner, name in expression_slots(stmt):
                new, hoisted = _rewrite(getattr(owner, name), at_hand, namer)
                if new is not None:
                    setattr(owner, name, new)
                    changed = True
                for earlier, assign in hoisted:
                    block.insert(block.index(earlier), assign)
                    k += 1
            assigned = ir.defined_names(stmt)
            at_hand = {key: y for key, y in at_hand.items() if key[0] not in assigned
                       and (not isinstance(y, str) or y not in assigned)}
            for power in _powers_in(stmt, ranks):
                if power[0] not in assigned:
                    at_hand.setdefault(power, stmt)
            if type(stmt) is ir.Assign:
                power = _power(stmt.value)
                if power in at_hand and stmt.target != power[0]:
                    at_hand[power] = stmt.target
            k += 1
    return changed


def _powers_in(stmt: ir.Stmt, ranks: Ranks) -> list[tuple[str, float]]:
    """The powers `x ** c` (`c < 0`, `x` a number) that `stmt` computes."""
    found = []
    for expr in expressions(stmt):
        for node in ast.walk(expr):
            power = _power(node)
            if power is not None and power[1] < 0 and ranks.scalar(ast.Name(power[0], ast.Load())):
                found.append(power)
    return found


def _rewrite(expr: ast.expr, at_hand, namer):
    """`expr` with each `x ** (c - 1)` whose `x ** c` is at hand a quotient
    (None where none is), and the assignments to make first: (the statement
    that computes the power inside an expression, `y = x ** c` to put
    before it, which then reads `y`)."""
    hoisted = []
    done = False

    class Quotients(ast.NodeTransformer):
        def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
            nonlocal done
            self.generic_visit(node)
            power = _power(node)
            if power is None:
                return node
            x, c = power
            y = at_hand.get((x, c + 1))
            if y is None:
                return node
            if not isinstance(y, str):  # inside a statement: named there first
                y = _name_power(y, x, c + 1, namer, hoisted)
                at_hand[(x, c + 1)] = y
            done = True
            divisor: ast.expr = ast.Name(x, ast.Load())
            if not float(c + 1).is_integer():
                divisor = ast.Call(ast.Name("abs", ast.Load()), [divisor], [])
            return ast.BinOp(ast.Name(y, ast.Load()), ast.Div(), divisor)

    new = Quotients().visit(expr)
    return (new if done else None), hoisted


def _name_power(stmt: ir.Stmt, x: str, c: float, namer, hoisted: list) -> str:
    """A new name for `x ** c` inside `stmt`: its reads there replaced, and
    `name = x ** c` listed in `hoisted`, to go before `stmt`."""
    y = namer.fresh(f"{x}_power")
    power_node = None

    class Named(ast.NodeTransformer):
        def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
            nonlocal power_node
            self.generic_visit(node)
            if _power(node) == (x, c):
                power_node = node
                return ast.Name(y, ast.Load())
            return node

    for owner, name in expression_slots(stmt):
        setattr(owner, name, Named().visit(getattr(owner, name)))
    hoisted.append((stmt, ir.Assign(stmt.origin, y, power_node)))
    return y


def _power(node: ast.expr) -> tuple[str, float] | None:
    """`(x, c)` for `x ** c` with a variable `x` (or `cast_like(x, x)`, a
    rule's way of writing `x` as a NumPy number) and a number constant `c`."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow)):
        return None
    base = node.left
    if (isinstance(base, ast.Call) and isinstance(base.func, ast.Name)
            and base.func.id == "cast_like" and len(base.args) == 2 and not base.keywords
            and all(isinstance(a, ast.Name) for a in base.args)
            and base.args[0].id == base.args[1].id):
        base = base.args[0]
    if not isinstance(base, ast.Name):
        return None
    exponent = node.right
    sign = 1
    if isinstance(exponent, ast.UnaryOp) and isinstance(exponent.op, ast.USub):
        sign, exponent = -1, exponent.operand
    if isinstance(exponent, ast.Constant) and type(exponent.value) in (int, float):
        return base.id, sign * float(exponent.value)
    return None
