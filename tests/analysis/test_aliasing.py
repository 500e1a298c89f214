"""Aliasing (`srcgrad.analysis.aliasing`) on hand-built IR.

A write into an array is refused while another live name surely shares its
memory; guarded at run time where the sharing depends on the values; and
fine where every sharer is dead.
"""

from __future__ import annotations

import ast
import operator

import numpy as np
import pytest

import srcgrad as sg
from srcgrad import ir
from srcgrad.analysis.aliasing import (
    alias_classes,
    check_stores,
    definitely_defined,
    drop_alias_guards,
    drop_needless_guards,
)
from srcgrad.ir.guards import Guard, GuardKind, guard
from srcgrad.ir.markers import SUBSCRIPT
from srcgrad.ir.points import Point

HERE = ir.Origin("t.py", 3, "x[0] = 5.0")


def e(src: str) -> ast.expr:
    return ast.parse(src, mode="eval").body


def function(params, body, results, temps=()) -> ir.Function:
    return ir.Function("f", params, body, results, HERE, temps=set(temps))


def test_copies_slices_and_views_share_memory():
    body = [ir.Assign(HERE, "y", e("x")),
            ir.Assign(HERE, "z", e("y[1:]"), SUBSCRIPT),
            ir.Assign(HERE, "v", e("np.transpose(z)"), np.transpose),
            ir.Assign(HERE, "w", e("x * 2.0"), operator.mul)]
    classes = alias_classes(function(["x"], body, ["w"]))
    assert classes["x"] == {"x", "y", "z", "v"}
    assert "w" not in classes  # arithmetic makes a new array


def test_write_into_an_array_aliased_by_a_live_slice_is_refused():
    # v = x[1:]; x[0] = 5.0; r = v * 2.0
    body = [ir.Assign(HERE, "v", e("x[1:]"), SUBSCRIPT),
            ir.Store(HERE, "x", ast.Constant(0), ast.Constant(5.0)),
            ir.Assign(HERE, "r", e("v * 2.0"), operator.mul)]
    fn = function(["x"], body, ["r"])
    with pytest.raises(sg.SrcGradError, match="writing into 'x' also changes 'v'") as info:
        check_stores(fn, alias_classes(fn))
    assert "t.py" in str(info.value)


def test_write_with_a_dead_alias_is_fine():
    # v = x[1:]; t = v * 2.0; x[0] = 5.0; r = t + x  (v is not read after the write)
    body = [ir.Assign(HERE, "v", e("x[1:]"), SUBSCRIPT),
            ir.Assign(HERE, "t", e("v * 2.0"), operator.mul),
            ir.Store(HERE, "x", ast.Constant(0), ast.Constant(5.0)),
            ir.Assign(HERE, "r", e("t + x"), operator.add)]
    fn = function(["x"], body, ["r"])
    check_stores(fn, alias_classes(fn))
    assert fn.body == body  # nothing refused, nothing guarded


def test_sharing_that_depends_on_the_values_is_guarded_before_the_write():
    # e = x[i] shares x only if x has two dimensions: checked at run time
    store = ir.Store(HERE, "x", e("j"), ast.Constant(1.0))
    body = [ir.Assign(HERE, "a", e("x[i]"), SUBSCRIPT), store,
            ir.Assign(HERE, "r", e("a * 2.0"), operator.mul)]
    fn = function(["x", "i", "j"], body, ["r"])
    check_stores(fn, alias_classes(fn))
    inserted = fn.body[1]
    assert isinstance(inserted, Guard) and inserted.kind is GuardKind.SHARED
    assert ast.unparse(inserted.value.func) == "refuse_shared"
    assert [n.id for n in inserted.names] == ["a", "x"]
    assert fn.body[2] is store


def test_update_guard_becomes_a_check_of_the_live_sharer():
    # y = x; [guard x += 1.0]; x = x + 1.0; r = y * x
    update = guard(HERE, GuardKind.UPDATE, "message", "x")
    body = [ir.Assign(HERE, "y", e("x")), update,
            ir.Assign(HERE, "x", e("x + 1.0"), operator.add),
            ir.Assign(HERE, "r", e("y * x"), operator.mul)]
    fn = function(["x"], body, ["r"])
    drop_needless_guards(fn, alias_classes(fn))
    check = fn.body[1]
    assert isinstance(check, Guard) and check.kind is GuardKind.SHARED
    assert [n.id for n in check.names] == ["y", "x"] and check.message == "message"


def test_update_guard_without_a_live_sharer_is_dropped():
    body = [ir.Assign(HERE, "y", e("x")), guard(HERE, GuardKind.UPDATE, "message", "x"),
            ir.Assign(HERE, "x", e("x + 1.0"), operator.add)]
    fn = function(["x"], body, ["x"])
    drop_needless_guards(fn, alias_classes(fn))
    assert not any(isinstance(s, Guard) for s in fn.body)


def test_decided_guards_are_kept_and_all_go_for_scalar_functions():
    kept = [guard(HERE, GuardKind.AFTER_DEFINITION, "m", "x"),
            Guard(HERE, e("refuse_shared(x, y, 'm')"), GuardKind.GENERATED)]
    fn = function(["x", "y"], list(kept), ["x"])
    drop_needless_guards(fn, alias_classes(fn))
    assert fn.body == kept
    drop_alias_guards(fn)
    assert fn.body == []


def test_definitely_defined_joins_branches_and_distrusts_loops():
    a = ir.Assign(HERE, "a", ast.Constant(1.0))
    both = ir.If(HERE, "c", [ir.Assign(HERE, "b", ast.Constant(1.0))],
                 [ir.Assign(HERE, "b", ast.Constant(2.0))])
    one = ir.If(HERE, "c", [ir.Assign(HERE, "d", ast.Constant(1.0))], [])
    loop = ir.For(HERE, "i", ast.Constant(0), e("n"), ast.Constant(1),
                  [ir.Assign(HERE, "g", ast.Constant(1.0))])
    body = [a, both, one, loop]
    table = definitely_defined(function(["c", "n"], body, ["a"]))
    assert table[Point(body, None)] == {"c", "n", "a", "b"}
    assert table[Point(loop.body, None)] == {"c", "n", "a", "b", "i", "g"}
