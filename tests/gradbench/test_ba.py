"""bench/gradbench/ba.py: the sparse Jacobian, made dense, against central
differences of the whole objective in every camera, point and weight
parameter, on a small problem with distinct cameras, points and weights;
and the outputs in the form the eval reads."""

import numpy as np
import pytest
from gradcheck import numerical_gradient

from bench.gradbench import ba

RNG = np.random.default_rng(7)
N, M, P = 3, 4, 16


def _problem():
    cams = np.column_stack([
        RNG.uniform(-0.5, 0.5, (N, 3)), RNG.uniform(-1, 1, (N, 3)),
        RNG.uniform(300, 500, (N, 1)), RNG.uniform(-5, 5, (N, 2)),
        RNG.uniform(0, 0.1, (N, 1)), RNG.uniform(0, 0.01, (N, 1))])
    points = RNG.uniform(-1, 1, (M, 3)) + np.array([0.0, 0.0, 8.0])
    w = RNG.uniform(0.2, 1.5, P)
    feats = RNG.uniform(-50, 50, (P, 2))
    obs = np.stack((np.arange(P) % N, (5 * np.arange(P)) % M), axis=1)
    return cams, points, w, obs, feats


def _dense(rows, cols, vals, shape):
    out = np.zeros(shape)
    for r in range(shape[0]):
        for at in range(rows[r], rows[r + 1]):
            out[r, cols[at]] += vals[at]
    return out


def test_sparse_jacobian_matches_differences():
    cams, points, w, obs, feats = _problem()
    rows, cols, vals = ba.jacobian_of(cams, points, w, obs, feats)
    assert rows[-1] == len(cols) == len(vals) == 2 * 15 * P + P
    got = _dense(rows, cols, vals, (3 * P, 11 * N + 3 * M + P))

    def all_errors(flat):
        c = flat[:11 * N].reshape(N, 11)
        x = flat[11 * N:11 * N + 3 * M].reshape(M, 3)
        reproj, w_err = ba.objective_of(c, x, flat[11 * N + 3 * M:], obs, feats)
        return np.concatenate((reproj.ravel(), w_err))

    flat = np.concatenate((cams.ravel(), points.ravel(), w))
    want = np.empty_like(got)
    for r in range(3 * P):
        seed = np.zeros(3 * P)
        seed[r] = 1.0
        want[r] = numerical_gradient(all_errors, (flat,), grad_ys=seed)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6 * np.abs(want).max())


def test_zero_rotation_branch_matches_differences():
    params = np.array([0.0, 0.0, 0.0, 1.0, 2.0, -3.0, 400.0, 5.0, -8.0, 0.08, 0.002,
                       7.0, 0.5, 3.0, 0.4])
    feat = np.array([270.0, 830.0])
    got = ba.d_observation(params, feat)
    for r in range(2):
        seed = np.eye(2)[r]
        want = numerical_gradient(ba.observation_error, (params, feat), grad_ys=seed)
        # the branch is first order in the rotation: differences across 0 see
        # the other branch, so compare the non-rotation columns
        np.testing.assert_allclose(got[r, 3:], want[3:], rtol=1e-5)


@pytest.fixture(scope="module")
def raw():
    return {"n": 3, "m": 5, "p": 20, "min_runs": 1, "min_seconds": 0,
            "cam": [-0.75, -1.1, -0.85, 34.5, 39.7, 53.9, 419.2, 5.9, -8.5, 0.088, 0.0027],
            "x": [7.2, 0.001, 3.0], "w": 0.417, "feat": [271.8, 834.2]}


def test_objective_output(raw):
    out = ba.FUNCTIONS["objective"](raw)["output"]
    assert out["reproj_error"]["repeated"] == 20 and out["w_err"]["repeated"] == 20
    assert len(out["reproj_error"]["elements"]) == 2
    np.testing.assert_allclose(out["w_err"]["element"], 1 - 0.417 ** 2)


def test_jacobian_output(raw):
    out = ba.FUNCTIONS["jacobian"](raw)["output"]
    assert [len(out[k]) for k in ("rows", "cols", "vals")] == [31, 31, 31]
    assert out["rows"][:3] == [0, 15, 30] and out["rows"][-1] == 2 * 15 * 20 + 20
    n_cols = 11 * 3 + 3 * 5
    assert out["cols"][:15] == [*range(11), n_cols - 15, n_cols - 14, n_cols - 13, n_cols]
    assert out["cols"][-1] == n_cols + 19
    np.testing.assert_allclose(out["vals"][-1], -2 * 0.417)  # d(1 - w^2)/dw
