"""The table of helper properties (`srcgrad.ir.effects`) that every pass asks."""

from __future__ import annotations

import ast
import builtins

import numpy as np

import srcgrad.rules  # noqa: F401  (registers the replacements)
from srcgrad import ir, runtime
from srcgrad.ir import effects
from srcgrad.rules.linalg import dot_grad_left, dot_grad_right

HERE = ir.Origin("t.py", 1, "")


def e(src: str) -> ast.expr:
    return ast.parse(src, mode="eval").body


def test_every_entry_names_a_function_generated_code_can_call():
    fresh = {"dot_grad_left": dot_grad_left, "dot_grad_right": dot_grad_right}
    for name in effects.HELPERS:
        module, _, attr = name.rpartition(".")
        if module:
            assert module == "np" and callable(getattr(np, attr)), name
        else:
            assert callable(getattr(runtime, name, None) or getattr(builtins, name, None)
                            or fresh.get(name)), name


def test_only_the_shape_of_the_named_argument_is_read():
    node = e("unbroadcast(g * h, x * y) + zeros_like(z[i]) + np.shape(w)")
    shaped = {n.id for n in ast.walk(node) if id(n) in effects.shape_positions(node)}
    assert shaped == {"x", "y", "z", "w"}  # not g, h (values), nor i (an index's value)


def test_pure_calls():
    assert effects.pure_call(e("unbroadcast(g, x)"))
    assert effects.pure_call(e("np.linalg.norm(x)"))
    assert effects.pure_call(e("len(x)"))
    assert not effects.pure_call(e("push_shape(s, x)"))
    assert not effects.pure_call(e("print(x)"))


def test_calls_that_write_into_an_argument():
    stmts = [ir.ExprStmt(HERE, e("push_shape(s, x)")),
             ir.Assign(HERE, "x", e("pop_shape(t, x)")),
             ir.Assign(HERE, "a", e("add_at(b[0], i, v)")),
             ir.ExprStmt(HERE, e("u.append(x)")),
             ir.Assign(HERE, "c", e("unbroadcast(g, x)"))]
    assert [effects.mutated_by_calls(s) for s in stmts] == [{"s"}, {"t"}, {"b"}, {"u"}, set()]
    loop = ir.For(HERE, "i", ast.Constant(0), e("n"), ast.Constant(1),
                  [ir.Store(HERE, "z", e("i"), e("v")), *stmts[:1]])
    assert effects.written(loop) == {"z", "s"}


def test_unknown_helpers_have_no_properties():
    unknown = effects.helper("no_such_helper")
    assert not (unknown.pure or unknown.fresh or unknown.effect)
    assert unknown.writes is None and unknown.shape_of is None
    assert effects.helper("dot_grad_left").fresh and effects.helper("refuse_shared").effect
