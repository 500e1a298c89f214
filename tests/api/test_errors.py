"""Bad input gets a clear error naming the user's file, line and construct."""

from __future__ import annotations

import inspect
import os

import bad_functions as bad
import numpy as np
import pytest

import srcgrad as sg


def marked_line(fn) -> int:
    """The line of `fn` marked `# <- error`."""
    lines, first = inspect.getsourcelines(fn)
    for offset, text in enumerate(lines):
        if "# <- error" in text:
            return first + offset
    raise AssertionError(f"{fn.__name__} has no '# <- error' marker")


def raises_at(fn, error, *args, match=None, **options):
    with pytest.raises(error) as info:
        sg.grad(fn, **options)(*args)
    exc = info.value
    assert isinstance(exc, sg.SrcGradError)
    assert os.path.basename(exc.file) == "bad_functions.py"
    assert exc.line == marked_line(fn), str(exc)
    assert str(exc).startswith(f"{exc.file}:{exc.line}: ")
    if match is not None:
        assert match in str(exc), str(exc)
    return exc


@pytest.mark.parametrize(
    "fn, construct",
    [
        (bad.uses_try, "'try' statements"),
        (bad.uses_with, "'with' statements"),
        (bad.list_forms_differ, "'parts' holds a list of 1 and a list of 2 on different paths"),
        (bad.uses_global_write, "'global' declarations"),
        (bad.calls_class, "class definitions"),
        (bad.calls_a_number, "'f' is a value, which cannot be called"),
        (bad.missing_field, "has no field 'c'"),
        (bad.while_else, "'while ... else' clauses"),
        (bad.star_args, "'*args' parameters"),
        (bad.returns_nothing, "returns nothing to differentiate"),
        (bad.mismatched_returns, "every 'return' must return the same number of values"),
        (bad.attribute_write, "assignment to the attribute '.flags'"),
        (bad.unknown_method, "the method '.cumprod()'"),
        (bad.aliased_write, "writing into 'y' also changes 'z'"),
        (bad.boolop_value, "'and'/'or' on the differentiable value 'x'"),
        (bad.undefined_name, "name 'UNDEFINED_THING' is not defined"),
        (bad.recursive_closure, "recursion (halve -> halve): a nested function or lambda "
                                "that calls itself cannot be differentiated"),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
@pytest.mark.parametrize("target", ["python", "cpu"])
def test_unsupported_construct(fn, construct, target):
    args = (1.5, 2) if fn in (bad.recursive_closure,) else (1.5,)
    if fn is bad.boolop_value:
        args = (1.5, 2.5)
    if fn in (bad.list_forms_differ,
              bad.missing_field, bad.aliased_write, bad.attribute_write):
        args = (np.ones(3),)
    raises_at(fn, sg.UnsupportedSyntaxError, *args, match=construct, target=target)


def test_error_is_raised_before_any_gradient():
    df = sg.grad(bad.uses_try)
    with pytest.raises(sg.UnsupportedSyntaxError):
        _ = df.source  # the transformation runs at the first read of .source too


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_no_adjoint_rule_names_the_function_and_how_to_register(target):
    exc = raises_at(bad.no_rule, sg.NoAdjointError, 0.5, target=target)
    assert "struve" in str(exc)
    assert "@srcgrad.adjoint(struve)" in str(exc)


def test_call_without_rule_is_fine_when_nothing_differentiable_flows_through_it():
    df = sg.grad(bad.opaque_inactive, target="python")
    assert df(2.0, 4) == pytest.approx(24.0)


def test_compile_error_quotes_the_generated_line_and_suggests_python():
    exc = raises_at(bad.cannot_compile, sg.CompileError, np.ones(3), target="cpu")
    message = str(exc)
    assert "math.exp(x)" in message
    assert "target='python'" in message
    # the same function runs on the python target only where math.exp takes arrays: it
    # does not, so the python target raises NumPy/math's own error, not srcgrad's
    with pytest.raises(TypeError):
        sg.grad(bad.cannot_compile, target="python")(np.ones(3))


def test_compile_error_gives_the_specific_reason():
    exc = raises_at(bad.squeeze_without_axis, sg.CompileError, np.ones((3, 1)), target="cpu")
    assert "np.squeeze needs an explicit axis under Numba" in str(exc)
    assert "squeeze(x)" in str(exc).splitlines()[1]  # the generated line, quoted
    g = sg.grad(bad.squeeze_without_axis, target="python")(np.ones((3, 1)))
    np.testing.assert_array_equal(g, np.full((3, 1), 2.0))


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_augmented_assignment_into_a_shared_array_is_refused(target):
    """NumPy's `y += 1.0` changes `x` too when `y = x`; srcgrad does not follow
    that sharing, so it refuses, naming the line, rather than return a gradient
    of the wrong function."""
    raises_at(bad.augmented_on_shared, sg.UnsupportedSyntaxError, np.ones(3),
              match="changes the array 'y' in place", target=target)


def test_augmented_assignment_on_a_shared_scalar_is_fine():
    """On a scalar `y += 1.0` rebinds `y` in NumPy as well: f = x (x + 1)."""
    for target in ("python", "cpu"):
        assert sg.grad(bad.augmented_on_shared, target=target)(1.5) == pytest.approx(4.0)


def test_grad_of_a_gradient_function_differentiates_the_gradient():
    """sg.grad(df) must not quietly differentiate df's original function
    again (it once followed `__wrapped__` to it): x * x * x has the second
    derivative 6x, not the first, 3x^2."""
    df = sg.grad(bad.cube, target="python")
    assert sg.grad(df, target="python")(2.0) == pytest.approx(12.0)
    assert df(2.0) == pytest.approx(12.0) and sg.grad(df, target="python")(1.0) == 6.0


def test_a_decorated_function_is_read_as_the_decorator_made_it():
    """`functools.wraps` points `__wrapped__` at the inner function; srcgrad
    differentiates what the name calls: x * x + x, derivative 2x + 1."""
    g = sg.grad(bad.wrapped_square, target="python")(3.0)
    assert g == pytest.approx(7.0)


def test_grad_of_a_builtin_is_a_type_error():
    with pytest.raises(TypeError, match="functions defined with 'def'"):
        sg.grad(np.sin)(1.0)


class TestCallTimeMisuse:
    def test_wrt_index_out_of_range(self):
        with pytest.raises(ValueError, match=r"wrt=3 is out of range: two_outputs has 1 "):
            sg.grad(bad.two_outputs, wrt=3)(1.0)

    def test_wrt_unknown_name(self):
        with pytest.raises(ValueError, match=r"wrt='q' names no parameter or local variable"):
            sg.grad(bad.two_outputs, wrt="q")(1.0)

    def test_wrt_local_assigned_twice(self):
        first = inspect.getsourcelines(bad.two_assignments)[1]
        lines = f"lines {first + 1}, {first + 2}"
        with pytest.raises(ValueError, match=rf"assigned exactly once.*{lines}"):
            sg.grad(bad.two_assignments, wrt="y")(1.0)

    def test_wrt_local_assigned_in_loop(self):
        with pytest.raises(ValueError, match=r"must be assigned at the top level"):
            sg.grad(bad.assigned_in_loop, wrt="t")(1.0, 3)

    def test_wrt_wrong_type(self):
        with pytest.raises(TypeError, match="wrt entries are parameter positions or names"):
            sg.grad(bad.two_outputs, wrt=1.5)(1.0)

    def test_grad_ys_structure_for_two_outputs(self):
        with pytest.raises(ValueError, match="grad_ys must be a tuple of 2 entries"):
            sg.grad(bad.two_outputs)(1.0, grad_ys=1.0)
        with pytest.raises(ValueError, match="grad_ys must be a tuple of 2 entries"):
            sg.grad(bad.two_outputs)(1.0, grad_ys=(1.0,))

    @pytest.mark.parametrize("target", ["python", "cpu"])
    def test_grad_ys_shape(self, target):
        with pytest.raises(ValueError, match="grad_ys does not match the shape"):
            sg.grad(bad.one_output, target=target)(1.0, grad_ys=np.ones(4))

    @pytest.mark.parametrize("target", ["python", "cpu"])
    def test_grad_ys_shape_for_a_scalar_summed_in_a_loop(self, target):
        """The seed's mismatch is raised, not a compile error where the adjoint's
        loop uses the seed."""
        with pytest.raises(ValueError, match="grad_ys does not match the shape"):
            sg.grad(bad.summed_in_loop, target=target)(np.ones(3), grad_ys=np.ones(3))

    def test_unknown_target_and_option(self):
        with pytest.raises(ValueError, match="target='gpu'"):
            sg.grad(bad.two_outputs, target="gpu")
        with pytest.raises(ValueError, match="unconnected_gradients='zeros'"):
            sg.grad(bad.two_outputs, unconnected_gradients="zeros")

    def test_stop_gradients_unknown_name(self):
        with pytest.raises(ValueError, match="stop_gradients: 'nope' names no parameter"):
            sg.grad(bad.two_outputs, stop_gradients=("nope",))(1.0)

    def test_wrong_arguments(self):
        with pytest.raises(TypeError, match="two_outputs_grad"):
            sg.grad(bad.two_outputs)(1.0, 2.0)
