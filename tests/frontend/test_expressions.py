"""The front end's three-address form (`frontend/expressions.py`,
`frontend/statements.py`), checked by structure on a few expressions."""

from __future__ import annotations

import ast
import operator

import numpy as np

from srcgrad import ir
from srcgrad.backend.pipeline import reserved_names
from srcgrad.frontend.expressions import stop_gradient
from srcgrad.frontend.parse import read_function
from srcgrad.frontend.statements import Lowering
from srcgrad.frontend.subset import check_subset, local_names
from srcgrad.ir.guards import Guard, GuardKind
from srcgrad.ir.markers import SUBSCRIPT
from srcgrad.ir.naming import Namer


def lower(fn) -> ir.Function:
    src = read_function(fn)
    check_subset(src)
    reserved = reserved_names()
    return Lowering(Namer(set(local_names(src.tree)) | reserved), reserved).function(src)


def shape(stmt: ir.Assign) -> str:
    """`target = value` with every temporary written `_`, to compare by structure."""
    def name(n: str) -> str:
        return "_" if n.startswith("_t") else n

    value = ast.unparse(stmt.value)
    for n in ast.walk(stmt.value):
        if isinstance(n, ast.Name) and n.id.startswith("_t"):
            value = value.replace(n.id, "_")
    return f"{name(stmt.target)} = {value}"


def nested(x, w, z):
    y = np.sin(x * w) * z
    return y


def test_nested_operations_become_one_assignment_each():
    fn = lower(nested)
    # (np.sin is called as the function generated code calls in its place)
    assert [shape(s) for s in fn.body] == ["_ = x * w", "_ = sin(_)", "y = _ * z"]
    first, second, third = fn.body
    assert (first.primitive, second.primitive, third.primitive) == (operator.mul, np.sin,
                                                                   operator.mul)
    # each temporary is read by the next statement: the operands are atoms
    assert second.value.args[0].id == first.target and third.value.left.id == second.target
    assert {first.target, second.target} <= fn.temps


def indexed(x, i):
    y = x[i + 1] * 2.0
    return y


def test_subscript_is_an_operation_on_atoms():
    fn = lower(indexed)
    assert [shape(s) for s in fn.body] == ["_ = i + 1", "_ = x[_]", "y = _ * 2.0"]
    assert fn.body[1].primitive is SUBSCRIPT


def method(x):
    y = x.sum(0) + x.T[0, 0]
    return y


def test_methods_are_calls_of_numpy_functions():
    fn = lower(method)
    total, transposed, element, y = fn.body
    assert total.primitive is np.sum and transposed.primitive is np.transpose
    assert [ast.unparse(a) for a in total.value.args] == ["x", "0"]
    assert [ast.unparse(a) for a in transposed.value.args] == ["x"]
    assert shape(element) == "_ = _[0, 0]" and element.primitive is SUBSCRIPT
    assert element.value.value.id == transposed.target
    assert shape(y) == "y = _ + _" and y.primitive is operator.add


def compare_and_stop(x):
    c = x > 0.0
    s = stop_gradient(x)
    return c, s


def test_values_without_derivative_stay_whole():
    fn = lower(compare_and_stop)
    c, s = fn.body
    assert shape(c) == "c = x > 0.0" and c.nondiff
    assert s.nondiff and s.target == "s"


def update(x, y):
    x += y
    return x


def test_augmented_assignment_is_guarded_and_rebinds():
    fn = lower(update)
    guard, total, assign = fn.body
    assert isinstance(guard, Guard) and guard.kind is GuardKind.UPDATE
    assert [n.id for n in guard.names] == ["x"] and "changes the array 'x'" in guard.message
    # the reverse sweep reads the old x: the sum goes through a temporary
    assert shape(total) == "_ = x + y" and shape(assign) == "x = _"
    assert assign.value.id == total.target and fn.results == ["x"]
