"""The adjoint liveness around loops (`srcgrad/adjoint/liveness.py`), alone on
hand-built IR, and through `sg.grad` on the same shape of code.

A cotangent travels through one more loop-carried variable per trip of the
body, so a chain of six needs six sweeps of the body to reach its fixpoint
(it was once capped at four).  The expected sets are derived by hand in each
test; the gradient through the same chain is checked against central finite
differences (`gradcheck.py`).
"""

from __future__ import annotations

import ast
import math
import operator

import pytest
from gradcheck import assert_gradient

import srcgrad as sg
from srcgrad import ir
from srcgrad.adjoint.liveness import AdjointLiveness
from srcgrad.analysis.liveness import live_at_gaps

HERE = ir.Origin("chain.py", 1, "")
CHAIN = [f"v{k}" for k in range(6)]


def copy(target: str, source: str) -> ir.Assign:
    return ir.Assign(HERE, target, ast.Name(source, ast.Load()))


def times(target: str, left: str, right: str) -> ir.Assign:
    value = ast.BinOp(ast.Name(left, ast.Load()), ast.Mult(), ast.Name(right, ast.Load()))
    return ir.Assign(HERE, target, value, operator.mul)


def chain_function(first_link: ir.Stmt | None = None):
    """v0..v5 = x; for i in range(3): v5 = v4; v4 = v3; ...; v1 = v0; y = v5"""
    links = [copy(CHAIN[k], CHAIN[k - 1]) for k in range(5, 0, -1)]
    if first_link is not None:
        links[-1] = first_link
    loop = ir.For(HERE, "i", ast.Constant(0), ast.Constant(3), ast.Constant(1), links)
    body = [copy(v, "x") for v in CHAIN] + [loop, copy("y", "v5")]
    return body, loop


def analysis(body, stop=(), inactive=()):
    names = set(CHAIN) | {"x", "y"}
    return AdjointLiveness(lambda n: n in names and n not in inactive, set(stop),
                           live_at_gaps(body, {"y"}))


def test_chain_of_six_reaches_its_fixpoint():
    body, loop = chain_function()
    live = analysis(body)
    assert live.around_loop(loop, {"v5"}) == set(CHAIN)
    # five sweeps that each add one variable (v4, v3, v2, v1, v0), one that adds none
    assert live.sweeps == 6


def test_whole_function_hands_every_cotangent_to_x():
    body, _ = chain_function()
    assert analysis(body).block(body, {"y"}) == {"x"}


def test_a_rule_passes_the_cotangent_to_its_active_operands():
    body, loop = chain_function(first_link=times("v1", "v0", "x"))
    # v1 = v0 * x: both operands receive v1's cotangent, on every trip (x is read in the
    # body, so its adjoint is carried around the loop too)
    assert analysis(body).around_loop(loop, {"v5"}) == set(CHAIN) | {"x"}
    inactive_v0 = analysis(body, inactive={"v0"}).around_loop(loop, {"v5"})
    assert inactive_v0 == (set(CHAIN) - {"v0"}) | {"x"}


def test_a_stopped_variable_ends_the_chain():
    body, loop = chain_function()
    # v3's cotangent does not flow on to v2: v3 = v2 is stopped
    assert analysis(body, stop={"v3"}).around_loop(loop, {"v5"}) == {"v3", "v4", "v5"}


def test_an_adjoint_not_live_after_the_loop_stays_dead():
    body, loop = chain_function()
    live = analysis(body)
    assert live.around_loop(loop, set()) == set()
    assert live.sweeps == 1


def chain6(x):
    a = x
    b = 2.0 * x
    c = x * x
    d = math.sin(x)
    e = 0.5 * x
    f = 1.0
    for i in range(7):
        f = f + e
        e = d * 1.1
        d = c
        c = b + 0.1 * i
        b = a
        a = math.cos(a) * x
    return f


@pytest.mark.parametrize("x", [0.3, 0.9, -0.6])
def test_gradient_through_a_chain_of_six_loop_carried_variables(x):
    assert_gradient(sg.grad(chain6, target="python"), chain6, (x,))
