"""Activity analysis (`srcgrad.analysis.activity`) on hand-built IR.

Expected sets are derived by hand: varied = depends differentiably on `wrt`,
useful = influences a result differentiably, active = both.
"""

from __future__ import annotations

import ast
import operator

import numpy as np
import pytest

import srcgrad as sg
import srcgrad.rules  # noqa: F401  (registers the rules)
from srcgrad import ir
from srcgrad.analysis.activity import analyse
from srcgrad.analysis.operations import OpKind, operand_names, operation

HERE = ir.Origin("t.py", 7, "y = ...")


def e(src: str) -> ast.expr:
    return ast.parse(src, mode="eval").body


def function(params, body, results) -> ir.Function:
    return ir.Function("f", params, body, results, HERE)


def test_varied_and_useful_meet_in_the_active_variables():
    # t = np.sin(x); y = t * w; z = x * 3.0 (z not returned)
    body = [ir.Assign(HERE, "t", e("np.sin(x)"), np.sin),
            ir.Assign(HERE, "y", e("t * w"), operator.mul),
            ir.Assign(HERE, "z", e("x * 3.0"), operator.mul)]
    act = analyse(function(["x", "w"], body, ["y"]), ["x"], set())
    assert act.varied == {"x", "t", "y", "z"}
    assert act.useful == {"y", "t", "w", "x"}
    assert [n for n in ("x", "w", "t", "y", "z") if act.active(n)] == ["x", "t", "y"]


def test_stop_gradient_call_cuts_the_flow():
    # s = stop_gradient(x) is a non-differentiable value; y = s * x
    body = [ir.Assign(HERE, "s", e("stop_gradient(x)"), nondiff=True),
            ir.Assign(HERE, "y", e("s * x"), operator.mul)]
    act = analyse(function(["x"], body, ["y"]), ["x"], set())
    assert "s" not in act.varied
    assert act.active("x") and act.active("y") and not act.active("s")


def test_stop_gradients_option_cuts_a_variable_off_its_sources():
    # t = x * 2.0; y = t * x, with t in `stop`: only the direct x reaches y
    body = [ir.Assign(HERE, "t", e("x * 2.0"), operator.mul),
            ir.Assign(HERE, "y", e("t * x"), operator.mul)]
    act = analyse(function(["x"], body, ["y"]), ["x"], {"t"})
    assert act.varied == {"x", "y"}
    assert not act.active("t")


def test_operation_kinds_and_operands():
    copy = ir.Assign(HERE, "a", e("x"))
    rule = ir.Assign(HERE, "b", e("x * x"), operator.mul)
    compare = ir.Assign(HERE, "c", e("x > 0"), nondiff=True)
    assert operation(copy).kind is OpKind.COPY
    assert operation(compare).kind is OpKind.NONDIFF
    op = operation(rule)
    assert op.kind is OpKind.RULE
    assert operand_names(rule, op) == ["x", "x"]  # one cotangent per use


def test_call_without_rule_on_an_active_path_is_refused():
    def helper(a):
        return a

    body = [ir.Assign(HERE, "y", ast.Call(ast.Name("helper", ast.Load()), [e("x")], []), helper)]
    fn = function(["x"], body, ["y"])
    with pytest.raises(sg.SrcGradError, match="has no adjoint rule") as info:
        analyse(fn, ["x"], set())
    assert "t.py" in str(info.value) and "7" in str(info.value)
    # not on an active path (x is not differentiated): accepted
    assert not analyse(fn, [], set()).active("y")
