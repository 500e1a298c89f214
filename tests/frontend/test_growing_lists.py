"""Lists that grow in loops whose number of passes is known only when the
function runs (frontend/growing.py, runtime/lists.py), and `np.ndindex` of
such a shape, on python and cpu, against central differences; and what
srcgrad refuses about them."""

import numpy as np
import pytest
from gradcheck import numerical_gradient
from growing_functions import (
    chained_transforms,
    comprehension_over_an_array,
    concatenated_windows,
    euler_trajectory,
    hidden_states,
    history_in_dict,
    long_constant_range,
    ndindex_of_a_shape,
    nested_comprehension,
    newton_sqrt_trace,
    pairwise_table,
    positive_part_mean,
    restarted_paths,
    smoothed_with_previous,
    squares_collected,
    sum_of_rows,
)

import srcgrad as sg

RNG = np.random.default_rng(11)
CASES = {
    "rows_of_an_array": (squares_collected, (RNG.normal(size=5),), 0),
    "ode_trajectory_reading_its_last_state": (euler_trajectory, (0.8, 0.5, 7), (0, 1)),
    "appended_in_a_branch": (positive_part_mean, (RNG.normal(size=8),), 0),
    "in_a_while_loop": (newton_sqrt_trace, (2.0, 1.5), (0, 1)),
    "arrays_stacked": (hidden_states, (RNG.normal(size=(3, 3)) * 0.5, RNG.normal(size=(6, 3)), 6),
                       (0, 1)),
    "builtin_sum_min_max": (sum_of_rows, (RNG.normal(size=(4, 3)),), 0),
    "long_constant_range": (long_constant_range, (RNG.normal(size=3),), 0),
    "nested_loops_of_computed_length": (pairwise_table, (RNG.normal(size=3), 5), 0),
    "list_inside_a_dict": (history_in_dict, (RNG.normal(size=2), 6), 0),
    "a_new_list_per_restart": (restarted_paths, (RNG.normal(size=3), 3, 4), 0),
    "comprehension_over_rows": (comprehension_over_an_array,
                                (RNG.normal(size=(4, 3)), RNG.normal(size=(2, 3))), (0, 1)),
    "nested_comprehension_of_computed_length": (nested_comprehension, (RNG.normal(size=3), 5), 0),
    "reads_the_previous_element_where_there_is_one": (smoothed_with_previous,
                                                      (RNG.normal(size=6),), 0),
    "concatenated_along_each_axis": (concatenated_windows, (RNG.normal(size=8), 4, 0.7), (0, 2)),
    "computed_index_of_an_earlier_element": (chained_transforms,
                                             (RNG.normal(size=6), np.array([-1, 0, 1, 0, 3, -1])),
                                             0),
}


@pytest.mark.parametrize("target", ["python", "cpu"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_gradient_through_a_growing_list(case, target):
    f, args, wrt = CASES[case]
    got = sg.grad(f, wrt=wrt, target=target)(*args)
    want = numerical_gradient(f, args, wrt)
    if isinstance(wrt, int):
        got, want = (got,), (want,)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("target", ["python", "cpu"])
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2)])
def test_ndindex_of_a_shape_known_when_the_function_runs(shape, target):
    args = (RNG.normal(size=shape), 0.7)
    got = sg.grad(ndindex_of_a_shape, wrt=(0, 1), target=target)(*args)
    want = numerical_gradient(ndindex_of_a_shape, args, (0, 1))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-8)


def test_the_list_is_one_variable_of_the_generated_code():
    source = sg.grad(euler_trajectory, target="cpu").source
    assert "ys_2 = []" in source and "ys_2.append(" in source
    assert "ys_2_stack" not in source  # the list only grows: never copied for the reverse sweep


def test_different_lengths_from_call_to_call():
    df = sg.grad(squares_collected, target="cpu")
    for n in (1, 4, 9):
        x = RNG.normal(size=n)
        np.testing.assert_allclose(df(x), numerical_gradient(squares_collected, (x,), 0),
                                   rtol=1e-6, atol=1e-8)


def _pops(x, n):
    acc = []
    for i in range(n):
        acc.append(x[i])
        acc.append(x[i] ** 2)
        acc.pop()
    return np.sum(np.array(acc))


def _joins_with_hstack(x, n):
    parts = []
    for i in range(n):
        parts.append(x[:i + 1])
    return np.sum(np.hstack(parts))


def _writes_an_element(x, n):
    acc = []
    for i in range(n):
        acc.append(x[i])
    acc[0] = 2.0
    return np.sum(np.array(acc))


@pytest.mark.parametrize("fn, message", [
    (_pops, "'.pop()' of a list that grows in a loop"),
    (_joins_with_hstack, "written in the call"),
    (_writes_an_element, "a list that grows in a loop"),
])
def test_what_is_refused(fn, message):
    with pytest.raises(sg.SrcGradError, match=message.replace("(", r"\(").replace(")", r"\)")):
        sg.grad(fn, target="python")(np.arange(1.0, 6.0), 5)


def test_no_derivative_of_higher_order_yet():
    with pytest.raises(sg.SrcGradError, match="grows a list in a loop"):
        sg.grad(sg.grad(squares_collected, target="python"), target="python")(np.ones(3))
