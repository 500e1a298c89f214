"""bench/gradbench/gmm.py against independent oracles: the objective against
the definition in evals/gmm/README.md computed directly (the log of the
mixture's density at every point times the Wishart density of every
precision matrix, with determinants and inverses), the gradient against
central differences of the Python objective, and the outputs in the shapes
the README asks for."""

import math

import numpy as np
import pytest
from gradcheck import numerical_gradient
from scipy.special import multigammaln

from bench.gradbench import gmm


def _inputs(seed, d, k, n, m=0, gamma=1.0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=k), rng.uniform(size=(k, d)), rng.normal(size=(k, d)) * 0.5,
            rng.normal(size=(k, d * (d - 1) // 2)) * 0.5, rng.normal(size=(n, d)), m, gamma)


def _precisions(q, lower):
    k, d = q.shape
    result = []
    for c in range(k):
        factor = np.diag(np.exp(q[c]))
        rows, columns = np.tril_indices(d, -1)
        order = np.lexsort((rows, columns))  # column by column
        factor[rows[order], columns[order]] = lower[c]
        result.append(factor.T @ factor)
    return result


def _log_posterior_by_definition(alpha, mu, q, lower, x, m, gamma):
    n, d = x.shape
    phi = np.exp(alpha) / np.sum(np.exp(alpha))
    precisions = _precisions(q, lower)
    log_likelihood = 0.0
    for point in x:
        density = 0.0
        for weight, mean, precision in zip(phi, mu, precisions):
            centred = point - mean
            density += weight * np.exp(-0.5 * centred @ precision @ centred) / np.sqrt(
                (2 * np.pi) ** d / np.linalg.det(precision))
        log_likelihood += np.log(density)
    dof = d + m + 1
    scale = np.eye(d) / gamma**2
    log_prior = 0.0
    for precision in precisions:
        log_prior += ((dof - d - 1) / 2 * np.log(np.linalg.det(precision))
                      - np.trace(np.linalg.inv(scale) @ precision) / 2
                      - dof * d / 2 * np.log(2) - dof / 2 * np.log(np.linalg.det(scale))
                      - multigammaln(dof / 2, d))
    return log_likelihood + log_prior


@pytest.mark.parametrize(("d", "k", "n", "m", "gamma"),
                         [(1, 1, 3, 0, 1.0), (2, 3, 5, 0, 1.0), (3, 2, 6, 2, 0.7), (4, 3, 4, 1, 1.5)])
def test_objective_matches_the_definition(d, k, n, m, gamma):
    args = _inputs(d * 10 + k, d, k, n, m, gamma)
    want = _log_posterior_by_definition(*args)
    assert gmm.objective_of(*args) == pytest.approx(want, rel=1e-10)
    assert gmm.log_posterior(*args) == pytest.approx(want, rel=1e-10)


@pytest.mark.parametrize(("d", "k", "n", "m"), [(1, 2, 3, 0), (2, 3, 4, 0), (3, 2, 5, 3)])
def test_gradient_matches_central_differences(d, k, n, m):
    args = _inputs(d + k + n, d, k, n, m, 1.2)
    got = gmm.gradient_of(*args)
    want = numerical_gradient(gmm.log_posterior, args, wrt=(0, 1, 2, 3))
    for name, g, w in zip(("alpha", "mu", "q", "l"), got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-7, err_msg=name)


def test_outputs_have_the_readme_shapes():
    gmm.warm_up()
    d, k, n = 3, 4, 7
    alpha, mu, q, lower, x, m, gamma = _inputs(5, d, k, n)
    message = {"d": d, "k": k, "n": n, "x": x.tolist(), "m": m, "gamma": gamma,
               "alpha": alpha.tolist(), "mu": mu.tolist(), "q": q.tolist(), "l": lower.tolist(),
               "min_runs": 2, "min_seconds": 0}
    objective = gmm.FUNCTIONS["objective"](message)
    jacobian = gmm.FUNCTIONS["jacobian"](message)
    assert isinstance(objective["output"], float) and math.isfinite(objective["output"])
    output = jacobian["output"]
    assert sorted(output) == ["alpha", "l", "mu", "q"]
    assert len(output["alpha"]) == k and all(isinstance(v, float) for v in output["alpha"])
    for name, width in (("mu", d), ("q", d), ("l", d * (d - 1) // 2)):
        assert len(output[name]) == k and all(len(row) == width for row in output[name])
    assert len(jacobian["timings"]) == 2
