"""bench/gradbench/ht.py: the forward-mode Jacobian in theta and the
compressed (u, v) columns against central differences of the compiled
objectives, on a small synthetic hand (ADBench's 22-bone skeleton, random
frames and vertices), and the outputs in the form the eval reads."""

import numpy as np
import pytest
from gradcheck import numerical_gradient

from bench.gradbench import ht


def _fd_jacobian(fn, args, k):
    """d fn(args) / d args[k], (outputs, args[k].size), by central differences."""
    out = fn(*args)
    rows = []
    for j in range(out.size):
        seed = np.zeros(out.size)
        seed[j] = 1.0
        rows.append(np.ravel(numerical_gradient(fn, args, wrt=k, grad_ys=seed.reshape(out.shape))))
    return np.array(rows)


@pytest.mark.parametrize("mirrored", [False, True])
def test_simple_jacobian_matches_differences(mirrored):
    _, args = ht._tiny(False)
    args = args[:6] + (mirrored,) + args[7:]
    got = ht.jacobian_of(False, args)
    np.testing.assert_allclose(got, _fd_jacobian(ht.errors_simple, args, 0), rtol=1e-5, atol=1e-7)


def test_complicated_jacobian_matches_differences():
    _, args = ht._tiny(True)
    got = ht.jacobian_of(True, args)
    n = args[1].shape[0]
    assert got.shape == (3 * n, 2 + 26)
    np.testing.assert_allclose(got[:, 2:], _fd_jacobian(ht.errors_complicated, args, 0),
                               rtol=1e-5, atol=1e-7)
    d_us = _fd_jacobian(ht.errors_complicated, args, 1)  # (3n, 2n): block diagonal
    for i in range(n):
        block = d_us[3 * i:3 * i + 3]
        np.testing.assert_allclose(got[3 * i:3 * i + 3, 0:2], block[:, 2 * i:2 * i + 2], atol=1e-7)
        block[:, 2 * i:2 * i + 2] = 0.0
        assert np.abs(block).max() < 1e-7  # point i's errors depend on us[i] alone


def _raw(complicated):
    _, args = ht._tiny(complicated)
    if complicated:
        theta, us, parents, rel, inv, pos, weights, mirrored, triangles, corr, points = args
    else:
        theta, parents, rel, inv, pos, weights, mirrored, corr, points = args
        us, triangles = np.zeros((0, 2)), np.zeros((1, 3), dtype=int)
    model = {"bone_count": len(parents), "bone_names": [str(i) for i in range(len(parents))],
             "parents": parents.tolist(), "base_relatives": rel.tolist(),
             "inverse_base_absolutes": inv.tolist(), "base_positions": pos.tolist(),
             "weights": weights.tolist(), "triangles": triangles.tolist(), "is_mirrored": mirrored}
    return {"theta": theta.tolist(), "us": us.tolist(), "min_runs": 1, "min_seconds": 0,
            "data": {"model": model, "correspondences": corr.tolist(), "points": points.tolist()}}


@pytest.mark.parametrize("complicated", [False, True])
def test_outputs(complicated):
    raw = _raw(complicated)
    n = len(raw["data"]["points"])
    errors = ht.FUNCTIONS["objective"](raw)["output"]
    assert len(errors) == 3 * n and all(isinstance(e, float) for e in errors)
    jac = ht.FUNCTIONS["jacobian"](raw)["output"]
    assert len(jac) == 3 * n and all(len(row) == (28 if complicated else 26) for row in jac)
    # d error / d translation is minus the identity
    translation = np.array(jac)[:, (2 if complicated else 0) + 3:][:, :3]
    np.testing.assert_allclose(translation, -np.tile(np.eye(3), (n, 1)), atol=1e-12)
