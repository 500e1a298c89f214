"""bench/gradbench/saddle.py: the outer derivative (through the inner
descent) against the hand-derived gradient, and the eval's output.

f(p1, p2) = |p1|^2 - |p2|^2 is separable, so the inner argmax does not
depend on p1 and max_p2 f(p1, p2) has gradient 2 p1 in p1, whatever the
descent found; the saddle point is the origin."""

import numpy as np
import pytest

from bench.gradbench import saddle

P1 = np.array([0.7, -0.4])
START = np.array([1.0, 1.0])


@pytest.mark.parametrize("variant", ["rr", "fr", "rf", "ff"])
def test_outer_gradient_is_2_p1(variant):
    d_max_f, max_f, _ = saddle.OUTER[variant]
    np.testing.assert_allclose(d_max_f(P1, START), 2 * P1, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("variant", ["rr", "fr", "rf", "ff"])
def test_inner_gradient_is_2_p2(variant):
    _, _, d_neg_f = saddle.OUTER[variant]
    p2 = np.array([0.3, 0.9])
    np.testing.assert_allclose(d_neg_f(p2, P1), 2 * p2, rtol=1e-12)


@pytest.mark.parametrize("variant", ["rr", "fr", "rf", "ff"])
def test_evaluate_reaches_the_saddle_point(variant):
    response = saddle.FUNCTIONS[variant]({"start": [1.0, 1.0], "min_runs": 2, "min_seconds": 0})
    output = response["output"]
    assert isinstance(output, list) and len(output) == 4
    assert all(isinstance(v, float) for v in output)
    np.testing.assert_allclose(output, 0.0, atol=1e-4)  # the eval's tolerance
    assert len(response["timings"]) == 2
