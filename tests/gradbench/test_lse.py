"""bench/gradbench/lse.py against independent oracles: the primal against
NumPy's log(sum(exp(x))), the gradient against central differences of the
Python objective and against its closed form (the softmax of x), and the
outputs in the shapes evals/lse/README.md asks for."""

import numpy as np
import pytest
from gradcheck import numerical_gradient

from bench.gradbench import lse


@pytest.mark.parametrize("n", [1, 2, 7, 40])
def test_gradient_matches_central_differences_and_softmax(n):
    x = np.random.default_rng(n).uniform(-5.0, 5.0, n)
    got = lse.gradient_of(x)
    np.testing.assert_allclose(got, numerical_gradient(lse.logsumexp, (x,)), rtol=1e-6, atol=1e-8)
    softmax = np.exp(x) / np.sum(np.exp(x))
    np.testing.assert_allclose(got, softmax, rtol=1e-12, atol=1e-15)


def test_ties_for_the_maximum_still_give_the_softmax():
    x = np.array([3.0, -1.0, 3.0, 0.5])
    np.testing.assert_allclose(lse.gradient_of(x), np.exp(x) / np.sum(np.exp(x)), rtol=1e-12)


def test_outputs_have_the_readme_shapes():
    lse.warm_up()
    x = np.random.default_rng(1).uniform(-100.0, 100.0, 25)
    message = {"x": x.tolist(), "min_runs": 2, "min_seconds": 0}
    primal = lse.FUNCTIONS["primal"](message)
    gradient = lse.FUNCTIONS["gradient"](message)
    assert primal["success"] and gradient["success"]
    assert isinstance(primal["output"], float)
    assert primal["output"] == pytest.approx(np.max(x) + np.log(np.sum(np.exp(x - np.max(x)))))
    assert isinstance(gradient["output"], list) and len(gradient["output"]) == x.size
    assert all(isinstance(v, float) for v in gradient["output"])
    assert len(gradient["timings"]) == 2
