"""`raise`, `assert`, `:=` and the builtins `max`, `min`, `pow`, `divmod`,
`round`, `math.fsum`, on target="python" and "cpu", against central
differences (`gradcheck.py`); and the errors srcgrad gives where it refuses
them, at the user's line (`# <- error`).  The functions are in
`statement_functions.py`, out of reach of pytest's rewriting of `assert`."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import statement_functions as fns
from gradcheck import assert_gradient

import srcgrad as sg

TARGETS = ["python", "cpu"]
V = np.array([0.5, 2.0, 1.25])


def marked_line(fn) -> int:
    lines, first = inspect.getsourcelines(fn)
    return first + next(k for k, text in enumerate(lines) if "# <- error" in text)


# --- raise and assert ------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn, good, bad, error, message", [
    (fns.checked_sum, V, np.zeros(0), ValueError, "empty"),
    (fns.asserted_log, V, -V, AssertionError, "x must be positive"),
    (fns.asserted_bare, 1.5, -1.5, AssertionError, ""),
    (fns.raises_in_loop, 1.5, 20.0, OverflowError, "too big"),
    (fns.halves, 37.0, 1e9, fns.NotConverged, fns.MESSAGE),
    (fns.raises_last, 2.0, -2.0, ValueError, "negative"),
    (fns.calls_asserting, 1.5, 0.0, AssertionError, "zero"),
    (fns.raises_in_branch, 1.5, -1.5, ValueError, "not positive"),
], ids=lambda v: getattr(v, "__name__", None))
def test_the_gradient_raises_what_the_function_raises(target, fn, good, bad, error, message):
    df = sg.grad(fn, target=target)
    assert_gradient(df, fn, (good,))
    with pytest.raises(error) as info:
        fn(bad)
    assert str(info.value) == message
    with pytest.raises(error) as info:
        df(bad)
    assert type(info.value) is error and str(info.value) == message


def test_a_raise_stays_in_the_forward_sweep():
    source = sg.grad(fns.checked_sum, target="python").source
    assert source.count("raise ValueError('empty')") == 1
    forward, reverse = source.split("# grad of", 1)
    assert "raise" in forward and "raise" not in reverse
    assert "if not cond_" in sg.grad(fns.asserted_log, target="python").source


@pytest.mark.parametrize("target", TARGETS)
def test_second_derivative_through_assert_and_raise(target):
    h = sg.hessian(fns.raises_in_loop, target=target)
    np.testing.assert_allclose(h(1.5), 2 * 16.0 ** 2)  # of (16 x) ** 2
    with pytest.raises(OverflowError, match="too big"):
        h(20.0)
    h = sg.hessian(fns.asserted_bare, target=target)
    np.testing.assert_allclose(h(1.5), 6 * 1.5)  # of x ** 3
    with pytest.raises(AssertionError):
        h(-1.5)


def test_the_gpu_target_refuses_raise_and_assert():
    pytest.importorskip("numba.cuda")
    with pytest.raises(sg.UnsupportedSyntaxError) as info:
        _ = sg.grad(fns.asserts_on_gpu, target="cuda").source
    assert info.value.line == marked_line(fns.asserts_on_gpu)
    assert "cannot run on the GPU target" in str(info.value)


# --- assignment expressions -------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn, args, wrt", [
    (fns.walrus_if, (V,), 0),
    (fns.walrus_if, (V[:2],), 0),
    (fns.walrus_while, (V,), 0),
    (fns.walrus_update, (3.0,), 0),
    (fns.walrus_while_call, (V,), 0),
    (fns.walrus_value, (0.7, 1.3), (0, 1)),
    (fns.walrus_short_circuit, (V, 1), 0),
    (fns.walrus_short_circuit, (V, 0), 0),
    (fns.walrus_bound, (V,), 0),
    (fns.walrus_in_call, (V,), 0),
], ids=lambda v: getattr(v, "__name__", None))
def test_assignment_expressions(target, fn, args, wrt):
    assert_gradient(sg.grad(fn, wrt=wrt, target=target), fn, args, wrt)


# --- builtins ---------------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn, args, wrt", [
    (fns.max_of_three, (0.5, 3.0, 1.0), (0, 1, 2)),
    (fns.max_of_three, (0.5, 1.0, 1.0), (0, 1, 2)),
    (fns.max_of_three, (0.1, 1.0, 0.2), (0, 1, 2)),
    (fns.min_of_four, (0.5, 3.0, 1.0), (0, 1, 2)),
    (fns.min_of_four, (2.0, 0.3, 1.0), (0, 1, 2)),
    (fns.max_of_vector, (V,), 0),
    (fns.builtin_pow, (1.5, 0.7), (0, 1)),
    (fns.builtin_divmod, (7.3, 2.0), (0, 1)),
    (fns.builtin_divmod, (-7.3, 2.0), (0, 1)),
    (fns.rounded, (3.4,), 0),
    (fns.fsum_of, (V,), 0),
    (fns.extremum_tests, (V, 0.3, 0.2), (0, 1, 2)),
    (fns.extremum_tests, (V, 3.0, 0.2), (0, 1, 2)),
    (fns.extremum_tests, (np.zeros(0), 3.0, 0.2), (1, 2)),
], ids=lambda v: getattr(v, "__name__", None))
def test_builtins(target, fn, args, wrt):
    assert_gradient(sg.grad(fn, wrt=wrt, target=target), fn, args, wrt)


@pytest.mark.parametrize("target", TARGETS)
def test_ties_of_several_values_split_as_python_compares_them(target):
    # max(a, b, c) is max(max(a, b), c): each comparison splits a tie evenly
    df = sg.grad(fns.max_of_values, wrt=(0, 1, 2), target=target)
    np.testing.assert_allclose(df(1.0, 1.0, 1.0), (0.25, 0.25, 0.5))
    np.testing.assert_allclose(df(2.0, 1.0, 2.0), (0.5, 0.0, 0.5))
    # max(x) of an array is np.max(x): tied elements share evenly
    dv = sg.grad(fns.max_of_array, target=target)
    np.testing.assert_allclose(dv(np.array([1.0, 2.0, 2.0])), [0.0, 0.5, 0.5])


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("value", [np.ones((2, 2)), 2.0], ids=["matrix", "scalar"])
def test_max_of_something_other_than_a_vector_is_refused(target, value):
    with pytest.raises(sg.NoAdjointError) as info:
        sg.grad(fns.max_of_matrix, target=target)(value)
    assert info.value.line == marked_line(fns.max_of_matrix)
    assert "of a 1-D array" in str(info.value)


# --- what srcgrad refuses, at the user's line -------------------------------------------------

SYNTAX, NO_ADJOINT = sg.UnsupportedSyntaxError, sg.NoAdjointError


@pytest.mark.parametrize("fn, error, text", [
    (fns.formatted_message, SYNTAX, "is not a constant"),
    (fns.formatted_assert, SYNTAX, "is not a constant"),
    (fns.reraises, SYNTAX, "a bare 'raise'"),
    (fns.raises_from, SYNTAX, "'raise ... from ...'"),
    (fns.raises_instance, SYNTAX, "an exception class called with constant arguments"),
    (fns.reads_before, SYNTAX, "'n' is read before the ':=' that assigns it"),
    (fns.assigns_twice, SYNTAX, "'a' is assigned twice by ':='"),
    (fns.target_reads, SYNTAX, "reads 'i', which ':=' assigns in its value"),
    (fns.in_target, SYNTAX, "inside an assignment target"),
    (fns.chained, SYNTAX, "later operand of a chained comparison"),
    (fns.three_names, SYNTAX, "cannot unpack 2 values into 3 names"),
    (fns.max_with_key, SYNTAX, "unexpected keyword argument 'key'"),
    (fns.pow_modulo, NO_ADJOINT, "pow(x, y, mod)"),
], ids=lambda v: getattr(v, "__name__", None))
def test_refusals_name_the_line(fn, error, text):
    with pytest.raises(error) as info:
        sg.grad(fn, target="python")(1.5)
    assert info.value.line == marked_line(fn) and text in str(info.value), str(info.value)
