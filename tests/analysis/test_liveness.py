"""Liveness (`srcgrad.analysis.liveness`) on hand-built IR.

Each expected set is derived by hand from the definition: a variable is live
after a statement if a path from there reads it before assigning it.
"""

from __future__ import annotations

import ast

from srcgrad import ir
from srcgrad.analysis.liveness import live_at_gaps, liveness
from srcgrad.ir.points import Point

HERE = ir.Origin("t.py", 1, "")


def e(src: str) -> ast.expr:
    return ast.parse(src, mode="eval").body


def assign(target: str, src: str) -> ir.Assign:
    return ir.Assign(HERE, target, e(src))


def loop(var: str, stop: str, body: list[ir.Stmt]) -> ir.For:
    return ir.For(HERE, var, ast.Constant(0), e(stop), ast.Constant(1), body)


def test_straight_line_reads_before_assignments():
    a, b, c = assign("a", "x * 2.0"), assign("b", "a + 1.0"), assign("c", "y")
    live = liveness([a, b, c], {"b"})
    assert live[c] == {"b"}
    assert live[b] == {"b", "y"}  # `c = y` reads y whether or not c is read
    assert live[a] == {"a", "y"}


def test_loop_carried_variable_is_live_around_the_loop():
    # s = 0.0; for i in range(n): t = s * x; s = t + 1.0   (s returned)
    t, s = assign("t", "s * x"), assign("s", "t + 1.0")
    init = assign("s", "0.0")
    body = [init, loop("i", "n", [t, s])]
    live = liveness(body, {"s"})
    # the next iteration reads s and x: both live at the end of the body
    assert live[s] == {"s", "x", "n"}
    assert live[t] == {"t", "x", "n"}
    assert live[init] == {"s", "x", "n"}


def test_loop_fixpoint_needs_a_second_sweep():
    # for i in range(n): y = a; a = b; b = x     (y returned)
    # After the first sweep of the body, `b = x` sees only what is live after
    # the loop; a and b become live there only once the head has grown.
    first, second, third = assign("y", "a"), assign("a", "b"), assign("b", "x")
    live = liveness([loop("i", "n", [first, second, third])], {"y"})
    assert live[third] == {"y", "a", "b", "x", "n"}
    assert live[first] == {"y", "b", "x", "n"}


def test_variable_assigned_in_one_branch_stays_live_before_the_if():
    then = assign("y", "x")
    branch = ir.If(HERE, "c", [then], [])
    body = [branch]
    live = liveness(body, {"y"})
    assert live[then] == {"y"}
    gaps = live_at_gaps(body, {"y"})
    # the empty else keeps y's old value: y is live before the if
    assert gaps[Point.at(body, 0)] == {"c", "x", "y"}
    assert gaps[Point(branch.orelse, None)] == {"y", "c"}
    assert gaps[Point(branch.body, then)] == {"x"}


def test_points_survive_insertion():
    a, b = assign("a", "x + 1.0"), assign("b", "a * a")
    block = [a, b]
    gaps = live_at_gaps(block, {"b"})
    block.insert(1, ir.ExprStmt(HERE, e("print(a)")))  # a pass inserts a statement
    assert gaps[Point(block, b)] == {"a"}
    assert Point(block, b).gap == 2
    assert gaps[Point(block, None)] == {"b"}


def test_accumulate_and_store_read_their_targets():
    acc = ir.Accumulate(HERE, e("g[i]"), e("v"))
    store = ir.Store(HERE, "z", e("j"), e("w"))
    live = liveness([acc, store], {"z"})
    assert live[store] == {"z"}
    assert live[acc] == {"z", "j", "w"}
