"""bench/gradbench/llsq.py against independent oracles: the objective and
its gradient in closed form (with the Vandermonde matrix A[i, j] = t_i^j,
y = |s - A x|^2 / 2 and its gradient -A^T (s - A x)), central differences
of the Python objective, and the outputs in the shapes evals/llsq/README.md
asks for."""

import numpy as np
import pytest
from gradcheck import numerical_gradient

from bench.gradbench import llsq


def _closed_form(x, n):
    t = np.linspace(-1.0, 1.0, n)
    a = t[:, None] ** np.arange(x.size)[None, :]
    residual = np.sign(t) - a @ x
    return 0.5 * residual @ residual, -a.T @ residual


@pytest.mark.parametrize(("m", "n"), [(1, 2), (3, 5), (8, 16), (20, 33)])
def test_gradient_matches_closed_form_and_central_differences(m, n):
    x = np.random.default_rng(m * n).uniform(-1.0, 1.0, m)
    value, gradient = _closed_form(x, n)
    assert llsq.primal_of(x, n) == pytest.approx(value, rel=1e-12)
    got = llsq.gradient_of(x, n)
    np.testing.assert_allclose(got, gradient, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got, numerical_gradient(llsq.least_squares, (x, n)),
                               rtol=1e-6, atol=1e-7)


def test_outputs_have_the_readme_shapes():
    llsq.warm_up()
    x = np.random.default_rng(0).uniform(0.0, 1.0, 12)
    message = {"x": x.tolist(), "n": 32, "min_runs": 3, "min_seconds": 0}
    primal = llsq.FUNCTIONS["primal"](message)
    gradient = llsq.FUNCTIONS["gradient"](message)
    assert isinstance(primal["output"], float)
    assert primal["output"] == pytest.approx(_closed_form(x, 32)[0], rel=1e-12)
    assert isinstance(gradient["output"], list) and len(gradient["output"]) == x.size
    assert all(isinstance(v, float) for v in gradient["output"])
    assert len(gradient["timings"]) == 3
