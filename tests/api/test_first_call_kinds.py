"""The code is generated for the kinds of values the first call passes:
numbers where it passes numbers (so the rank facts know those parameters are
scalars and the adjoint has no `unbroadcast` for them).  A later call that
passes an array there must not run that code: the gradient function
generates it again for any value.  Oracle: the hand-derived gradient of

    f(r, theta) = sum((r cos theta)^2) + sum(r sin theta)
    df/dr     = 2 r cos^2(theta) + sin(theta)          (elementwise in r)
    df/dtheta = sum(-2 r^2 cos(theta) sin(theta) + r cos(theta))
"""

from __future__ import annotations

import numpy as np
import pytest

import srcgrad as sg


def spread(r, theta):
    x = r * np.cos(theta)
    return np.sum(x * x) + np.sum(r * np.sin(theta))


def expected(r, theta):
    r = np.asarray(r, dtype=float)
    dr = 2 * r * np.cos(theta) ** 2 + np.sin(theta)
    dtheta = np.sum(-2 * r * r * np.cos(theta) * np.sin(theta) + r * np.cos(theta))
    return dr, dtheta


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_numbers_first_then_an_array(target):
    df = sg.grad(spread, wrt=(0, 1), target=target)
    for r, theta in [(1.3, 0.4), (1.3, 0.4), (np.array([1.3, -0.5, 2.0]), 0.4), (0.7, -1.1),
                     (np.array([0.2, 0.9]), -1.1)]:
        dr, dtheta = df(r, theta)
        want_r, want_theta = expected(r, theta)
        np.testing.assert_allclose(dr, want_r, rtol=1e-12)
        assert dtheta == pytest.approx(want_theta, rel=1e-12)
        assert np.shape(dr) == np.shape(r)


def test_the_source_after_a_call_with_numbers_has_no_broadcasting_helpers():
    df = sg.grad(spread, wrt=(0, 1), target="python")
    df(1.3, 0.4)
    assert "unbroadcast" not in df.source and "new_cotangent" not in df.source
    df(np.array([1.3, 0.5]), 0.4)  # an array where a number was: generated for any value
    assert "unbroadcast" in df.source or "take_cotangent" in df.source


def test_a_higher_derivative_differentiates_the_general_form():
    """d/dr of (df/dtheta) = sum(-4 r cos sin + cos): the inner gradient was
    called with a number first, the outer one with an array."""
    inner = sg.grad(spread, wrt=1, target="python")
    assert inner(1.3, 0.4) == pytest.approx(expected(1.3, 0.4)[1])
    outer = sg.grad(inner, wrt=0, target="python")
    r, theta = np.array([1.3, -0.5]), 0.4
    np.testing.assert_allclose(outer(r, theta),
                               -4 * r * np.cos(theta) * np.sin(theta) + np.cos(theta), rtol=1e-12)
