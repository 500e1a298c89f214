"""Iteration, lists, tuples, dicts and functions as values, on python and cpu,
against central differences (tests/gradcheck.py)."""

import numpy as np
import pytest
from frontend import python_values_functions as fns
from gradcheck import numerical_gradient

import srcgrad as sg

rng = np.random.default_rng(7)
V3 = rng.standard_normal(3)
V4 = rng.standard_normal(4)
M34 = rng.standard_normal((3, 4))
W1 = rng.standard_normal((4, 3)) * 0.5
B1 = rng.standard_normal(4) * 0.5
W2 = rng.standard_normal((2, 4)) * 0.5
B2 = rng.standard_normal(2) * 0.5

CASES = [
    (fns.rows_of_matrix, (M34, V4), (0, 1)),
    (fns.enumerate_with_start, (V4,), (0,)),
    (fns.zip_two_arrays, (V4, V3), (0, 1)),
    (fns.enumerate_of_zip, (M34, V3), (0, 1)),
    (fns.zip_of_enumerate_and_reversed, (V4, V3), (0, 1)),
    (fns.reversed_range_recurrence, (V4,), (0,)),
    (fns.reversed_array, (V4,), (0,)),
    (fns.ndindex_sum, (M34,), (0,)),
    (fns.break_in_array_loop, (np.array([0.9, 1.1, 0.7, 1.3]),), (0,)),
    (fns.continue_and_return_in_loop, (np.array([1.0, -0.5, 2.0, 3.5, 1.0]),), (0,)),
    (fns.continue_and_return_in_loop, (np.array([0.5, -0.5, 1.0]),), (0,)),
    (fns.mlp_layers_as_list, (V3, W1, B1, W2, B2), (0, 1, 2, 3, 4)),
    (fns.list_grown_in_constant_loop, (V3,), (0,)),
    (fns.list_literal_and_builtin_sum, (1.3, -0.7), (0, 1)),
    (fns.numpy_sum_of_list, (1.5,), (0,)),
    (fns.array_of_scalars, (0.8, 1.7), (0, 1)),
    (fns.comprehension_over_list, (V3, W1, W1 * 0.5), (0, 1, 2)),
    (fns.generator_over_computed_range, (V4, V4 + 1.0), (0, 1)),
    (fns.dict_of_parameters, (V3, V3 * 0.3, 0.2), (0, 1, 2)),
    (fns.named_tuple_layer, (V3, W1, B1), (0, 1, 2)),
    (fns.tuple_state_in_while, (0.7,), (0,)),
    (fns.branch_rebinds_list, (1.2, 0.4), (0, 1)),
    (fns.branch_rebinds_list, (-1.2, 0.4), (0, 1)),
    (fns.nested_def_closure, (V4, 0.7), (0, 1)),
    (fns.lambda_helper, (V3,), (0,)),
    (fns.integrator_with_function_argument, (np.array([0.3, -0.2]),), (0,)),
    (fns.integrator_with_partial, (np.array([0.3, 0.5]), 0.8), (0, 1)),
    (fns.star_args_helper, (V3, V3 + 0.5), (0, 1)),
    (fns.nested_def_beside_a_tuple_return, (V3,), (0,)),
    (fns.list_seen_through_another_name, (V3,), (0,)),
    (fns.helper_appends_to_a_list, (V3,), (0,)),
    (fns.closure_appends_to_a_list, (V3,), (0,)),
    (fns.list_inside_a_dict, (V3,), (0,)),
    (fns.list_elements_in_a_loop, (np.array([0.9, -0.4, 1.3]), 3), (0,)),
    (fns.spread_methods, (V4,), (0,)),
    (fns.slogdet_kept_in_a_variable, (np.array([[2.0, 0.3], [0.1, 1.5]]),), (0,)),
    (fns.divmod_indexed, (3.7, 1.5), (0, 1)),
]


@pytest.mark.parametrize("target", ["python", "cpu"])
@pytest.mark.parametrize("fn, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradient_matches_finite_differences(fn, args, wrt, target):
    got = sg.grad(fn, wrt=wrt, target=target)(*args)
    want = numerical_gradient(fn, args, wrt)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-7)


def test_an_iterator_python_cannot_reverse_is_refused():
    with pytest.raises(sg.SrcGradError, match=r"python_values_functions\.py:\d+.*Python cannot "
                       r"reverse enumerate"):
        sg.grad(fns.reversed_enumerate)(V4)
