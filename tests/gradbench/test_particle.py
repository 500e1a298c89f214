"""bench/gradbench/particle.py: the derivative of the miss distance (through
the Euler loop and its force calls) against central differences of the
compiled primal, and the eval's output (the w at which the particle hits
the origin: the miss distance there is near zero)."""

import numpy as np
import pytest
from gradcheck import numerical_gradient

from bench.gradbench import particle

VARIANTS = ["rr", "fr", "rf", "ff"]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("w", [0.0, 0.15])
def test_miss_derivative_matches_differences(variant, w):
    d_miss, miss = particle.VARIANTS[variant]
    args = (np.array([w]),)
    want = numerical_gradient(miss, args)
    np.testing.assert_allclose(d_miss(*args), want, rtol=1e-5)


def test_force_is_minus_potential_gradient():
    x, w = np.array([3.0, 4.0]), 0.2
    want = numerical_gradient(particle.potential, (x, w))
    np.testing.assert_allclose(particle.grad_potential_r(x, w), want, rtol=1e-6)
    np.testing.assert_allclose(particle.grad_potential_f(x, w), want, rtol=1e-6)


@pytest.mark.parametrize("variant", VARIANTS)
def test_evaluate_finds_w_that_hits_the_origin(variant):
    response = particle.FUNCTIONS[variant]({"w": 0.0, "min_runs": 1, "min_seconds": 0})
    w = response["output"]
    assert isinstance(w, float)
    _, miss = particle.VARIANTS["rr"]
    assert miss(np.array([w])) < 1e-6 * miss(np.array([0.0]))
    assert abs(w - 0.2071918746486116) < 1e-4  # the eval's expected value and tolerance
