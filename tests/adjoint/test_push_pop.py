"""Saved values as linked push/pop pairs (`ir.Push`, `ir.Pop`, made by
`srcgrad/adjoint/stacks.py`), on a hand-built IR function run through
`build_adjoint` alone; and the gradient of the same function, through
`sg.grad`, against central finite differences (`gradcheck.py`)."""

from __future__ import annotations

import ast
import math

import pytest
from gradcheck import assert_gradient

import srcgrad as sg
from srcgrad import ir
from srcgrad.adjoint.reverse import WrtEntry, build_adjoint
from srcgrad.adjoint.stacks import push_pop
from srcgrad.analysis.activity import analyse
from srcgrad.ir.naming import Namer

HERE = ir.Origin("hand.py", 1, "")


def name(n: str) -> ast.Name:
    return ast.Name(n, ast.Load())


def repeated_sine(x):
    y = x
    for _ in range(3):
        y = math.sin(y) * x
    return y


def repeated_sine_ir() -> ir.Function:
    """The IR of `repeated_sine`, written by hand."""
    loop = ir.For(HERE, "i", ast.Constant(0), ast.Constant(3), ast.Constant(1), [
        ir.Assign(HERE, "t", ast.Call(ast.Attribute(name("math"), "sin", ast.Load()),
                                      [name("y")], []), math.sin),
        ir.Assign(HERE, "y", ast.BinOp(name("t"), ast.Mult(), name("x")), _mul()),
    ])
    return ir.Function("repeated_sine", ["x"], [ir.Assign(HERE, "y", name("x")), loop], ["y"],
                       HERE, result_origin=HERE, temps={"t"})


def _mul():
    from srcgrad.frontend.subset import OPERATORS
    return OPERATORS[ast.Mult]


def adjoint_of(fn: ir.Function):
    activity = analyse(fn, ["x"], set())
    return build_adjoint(fn, activity, [WrtEntry("x", True)], set(), Namer({"x", "y", "t", "i"}),
                         unconnected_zero=False, preserve_result=False, aliases={})


def test_every_pop_knows_its_push():
    body = adjoint_of(repeated_sine_ir()).body
    pushes = [s for s in ir.walk(body) if isinstance(s, ir.Push)]
    pops = [s for s in ir.walk(body) if isinstance(s, ir.Pop)]
    # sin's rule reads y and the product's rule reads t; y changes on every trip (so t,
    # computed from the y of its trip, cannot be recomputed either): both are saved
    assert sorted(p.target for p in pops) == ["t", "y"]
    assert len(pushes) == 2 and len({p.stack for p in pops}) == 2
    for pop in pops:
        assert pop.push in pushes and pop.push.stack == pop.stack and not pop.shape
        assert isinstance(pop.push.saved, ast.Name) and pop.push.saved.id == pop.target
        # the push runs in the forward sweep, the pop in the reverse sweep
        assert not pop.push.origin.grad and pop.origin.grad


def test_pairs_print_as_python():
    push, pop = push_pop(HERE, "y_stack", "y", shape=False)
    assert ast.unparse(push.value) == "y_stack.append(y)"
    assert ast.unparse(pop.value) == "y_stack.pop()" and pop.target == "y"
    push, pop = push_pop(HERE, "y_shapes", "y", shape=True)
    assert ast.unparse(push.value) == "push_shape(y_shapes, y)"
    assert ast.unparse(pop.value) == "pop_shape(y_shapes, y)"
    assert pop.push is push and push.stack == pop.stack == "y_shapes"


@pytest.mark.parametrize("x", [0.4, 1.1, -0.7])
def test_gradient_of_the_same_function(x):
    df = sg.grad(repeated_sine, target="python")
    assert_gradient(df, repeated_sine, (x,))
    assert ".append(" in df.source and ".pop()" in df.source  # the pairs, printed as before
