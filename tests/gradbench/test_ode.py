"""bench/gradbench/ode.py against independent oracles: the closed-form
solution y_i(t) = t^(i+1) / (i+1)! prod_{j<=i} x_j, which fourth-order
Runge-Kutta reproduces exactly for i < 4 and approaches for small steps,
its gradient prod_{j<=i} x_j / x_k * t^(i+1) / (i+1)!, central differences
of the Python solver, and the outputs in the shapes evals/ode/README.md asks
for."""

import math

import numpy as np
import pytest
from gradcheck import numerical_gradient

from bench.gradbench import ode


def _closed_form(x):
    i = np.arange(x.size)
    factorials = np.array([math.factorial(k + 1) for k in i], dtype=np.float64)
    return ode.END_TIME ** (i + 1) / factorials * np.cumprod(x)


@pytest.mark.parametrize("s", [1, 3, 10])
def test_exact_for_the_first_four_elements(s):
    x = np.random.default_rng(s).uniform(0.2, 1.0, 4)
    np.testing.assert_allclose(ode.primal_of(x, s), _closed_form(x), rtol=1e-12)
    # d y_3 / d x_k = y_3 / x_k, exactly, whatever the step
    np.testing.assert_allclose(ode.gradient_of(x, s), _closed_form(x)[-1] / x, rtol=1e-12)


@pytest.mark.parametrize(("n", "s"), [(1, 1), (2, 4), (6, 3), (12, 5)])
def test_gradient_matches_central_differences(n, s):
    x = np.random.default_rng(n + s).uniform(0.0, 1.0, n)
    np.testing.assert_allclose(ode.gradient_of(x, s), numerical_gradient(ode.last_element, (x, s)),
                               rtol=1e-6, atol=1e-9)


def test_small_steps_approach_the_solution():
    x = np.random.default_rng(7).uniform(0.5, 1.5, 9)
    np.testing.assert_allclose(ode.primal_of(x, 400), _closed_form(x), rtol=1e-7)
    np.testing.assert_allclose(ode.gradient_of(x, 400), _closed_form(x)[-1] / x, rtol=1e-7)


def test_outputs_have_the_readme_shapes():
    ode.warm_up()
    x = np.random.default_rng(0).uniform(0.0, 1.0, 15)
    message = {"x": x.tolist(), "s": 4, "min_runs": 2, "min_seconds": 0}
    primal = ode.FUNCTIONS["primal"](message)
    gradient = ode.FUNCTIONS["gradient"](message)
    for response in (primal, gradient):
        assert isinstance(response["output"], list) and len(response["output"]) == x.size
        assert all(isinstance(v, float) for v in response["output"])
        assert len(response["timings"]) == 2
    np.testing.assert_allclose(primal["output"][:4], _closed_form(x)[:4], rtol=1e-12)
