"""optimize/zeros.py: a reverse loop whose every update is a multiple of a
cotangent runs only where that cotangent is not zero.  Each gradient against
central differences (or a hand-derived formula), with and without the guard
it should or should not get."""

import numpy as np
import pytest
from gradcheck import numerical_gradient

import srcgrad as sg


def kmeans_cost(points, centroids):
    """GradBench's k-means cost, written with loops: one centroid in k is the
    nearest, so the cotangent of every other distance is zero."""
    total = 0.0
    for i in range(points.shape[0]):
        nearest = np.inf
        for j in range(centroids.shape[0]):
            distance = 0.0
            for r in range(points.shape[1]):
                difference = centroids[j, r] - points[i, r]
                distance += difference * difference
            if distance < nearest:
                nearest = distance
        total += nearest
    return total


def gated_norm(x):
    """x[0] times a loop's sum of squares, passed through a branch: the branch
    zeroes the loop's cotangent where it is not taken, and at x[0] = 0 that
    cotangent is zero where it is taken too, but its tangent along x[0] is
    not (the Hessian's first row)."""
    s = 0.0
    for r in range(1, x.shape[0]):
        s += x[r] * x[r]
    t = 0.0
    if x[0] > -1.0:
        t = s
    return x[0] * t


def carried(x, w):
    """A loop whose updates add a multiple of the cotangent and something else."""
    total = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0.0:
            total += w * x[i] ** 2 + x[i]
    return total


RNG = np.random.default_rng(3)
POINTS = RNG.random((12, 3))
CENTROIDS = RNG.random((4, 3))


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_kmeans_gradient_and_hessian_diagonal(target):
    gradient = sg.grad(kmeans_cost, wrt=1, target=target)
    np.testing.assert_allclose(gradient(POINTS, CENTROIDS),
                               numerical_gradient(kmeans_cost, (POINTS, CENTROIDS), 1),
                               rtol=1e-6, atol=1e-8)
    if target == "cpu":
        assert "distance_nonzero" in gradient.source  # the loop of a far centroid skipped
    # H @ 1 (H diagonal): twice the number of points nearest each centroid
    _, h1 = sg.jvp(gradient, wrt=1, target=target)((POINTS, CENTROIDS),
                                                    (None, np.ones_like(CENTROIDS)))
    d = ((POINTS[:, None, :] - CENTROIDS[None]) ** 2).sum(-1)
    counts = np.bincount(d.argmin(1), minlength=CENTROIDS.shape[0])
    np.testing.assert_allclose(h1, 2.0 * counts[:, None] * np.ones_like(CENTROIDS), rtol=1e-12)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_zero_cotangent_with_a_tangent_keeps_the_hessian(target):
    x = np.array([0.0, 0.5, -1.5, 2.0])
    g = sg.grad(gated_norm, target=target)
    if target == "cpu":
        assert "_nonzero" in g.source
    np.testing.assert_allclose(g(x), [np.sum(x[1:] ** 2), 0.0, 0.0, 0.0], atol=1e-15)
    h = sg.hessian(gated_norm, target=target)(x)
    want = np.zeros((4, 4))
    want[0, 1:] = want[1:, 0] = 2.0 * x[1:]
    np.testing.assert_allclose(h, want, atol=1e-14)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_update_that_is_not_a_multiple_keeps_the_loop(target):
    x = np.array([0.3, -0.2, 1.1, 0.7])
    g = sg.grad(carried, wrt=(0, 1), target=target)
    got = g(x, 0.0)
    want = numerical_gradient(carried, (x, 0.0), (0, 1))
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)
