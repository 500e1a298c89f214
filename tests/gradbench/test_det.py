"""bench/gradbench/det.py against oracles that do not use srcgrad: the primal
against LAPACK's determinant, the gradient against central differences of
`np.linalg.det` and against Jacobi's formula d det(A)/dA = det(A) inv(A)^T,
each output in the JSON shape of evals/det/README.md (a number; the gradient
flat, row-major, ell * ell long)."""

import numpy as np
import pytest

from bench.gradbench import det

SIZES = [1, 2, 3, 4]


def _input(ell, seed):
    a = np.random.default_rng(seed).uniform(-1.0, 1.0, (ell, ell)) + np.eye(ell)
    return a, {"A": a.ravel().tolist(), "ell": ell, "min_runs": 1, "min_seconds": 0}


def _central_differences(a, h=1e-6):
    g = np.empty_like(a)
    for index in np.ndindex(a.shape):
        up, down = a.copy(), a.copy()
        up[index] += h
        down[index] -= h
        g[index] = (np.linalg.det(up) - np.linalg.det(down)) / (2 * h)
    return g


@pytest.mark.parametrize("ell", SIZES)
def test_primal_is_the_determinant(ell):
    a, raw = _input(ell, seed=ell)
    response = det.FUNCTIONS["primal"](raw)
    assert isinstance(response["output"], float)
    assert response["output"] == pytest.approx(np.linalg.det(a), rel=1e-12, abs=1e-12)
    assert [t["name"] for t in response["timings"]] == ["evaluate"]


@pytest.mark.parametrize("ell", SIZES)
def test_gradient_against_central_differences_and_jacobi(ell):
    a, raw = _input(ell, seed=10 + ell)
    response = det.FUNCTIONS["gradient"](raw)
    output = response["output"]
    assert isinstance(output, list) and len(output) == ell * ell
    assert all(isinstance(v, float) for v in output)
    g = np.array(output).reshape(ell, ell)
    np.testing.assert_allclose(g, _central_differences(a), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(g, np.linalg.det(a) * np.linalg.inv(a).T, rtol=1e-10, atol=1e-12)


def test_warm_up_compiles_the_gradient():
    det.warm_up()
