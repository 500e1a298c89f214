"""bench/gradbench/kmeans.py against independent oracles: the cost against
NumPy's nearest squared distances, the gradient against central differences
of the Python cost, and the Newton direction against its closed form (the
gradient of centroid j is 2 sum (C_j - P_i) over its points, the Hessian's
diagonal 2 times their count, so J / H = C_j - their mean), with the
outputs in the shapes evals/kmeans/README.md asks for."""

import numpy as np
import pytest
from gradcheck import numerical_gradient

from bench.gradbench import kmeans


def _inputs(seed, n, k, d):
    points = np.random.default_rng(seed).random((n, d))
    return points, points[-k:].copy()  # as the eval: every centroid has a point


def _nearest(points, centroids):
    squared = ((points[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    return squared.argmin(axis=1), squared.min(axis=1)


@pytest.mark.parametrize(("n", "k", "d"), [(5, 1, 1), (12, 3, 2), (30, 4, 3)])
def test_cost_and_gradient(n, k, d):
    points, centroids = _inputs(n * k, n, k, d)
    assert kmeans.cost_of(points, centroids) == pytest.approx(_nearest(points, centroids)[1].sum())
    np.testing.assert_allclose(kmeans.gradient_of(points, centroids),
                               numerical_gradient(kmeans.cost, (points, centroids), wrt=1),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("n", "k", "d"), [(5, 1, 1), (12, 3, 2), (40, 5, 4)])
def test_newton_direction_is_the_offset_from_each_cluster_mean(n, k, d):
    points, centroids = _inputs(n + k + d, n, k, d)
    nearest, _ = _nearest(points, centroids)
    means = np.array([points[nearest == j].mean(axis=0) for j in range(k)])
    np.testing.assert_allclose(kmeans.newton_direction(points, centroids), centroids - means,
                               rtol=1e-12, atol=1e-14)


def test_outputs_have_the_readme_shapes():
    kmeans.warm_up()
    points, centroids = _inputs(3, 20, 4, 3)
    message = {"points": points.tolist(), "centroids": centroids.tolist(),
               "min_runs": 2, "min_seconds": 0}
    cost = kmeans.FUNCTIONS["cost"](message)
    direction = kmeans.FUNCTIONS["dir"](message)
    assert isinstance(cost["output"], float)
    output = direction["output"]
    assert len(output) == 4 and all(len(row) == 3 for row in output)
    assert all(isinstance(v, float) for row in output for v in row)
    assert len(direction["timings"]) == 2
