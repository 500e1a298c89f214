"""bench/gradbench/lstm.py: the gradient in main_params and extra_params
against central differences of the compiled objective on a small random
input, and the outputs in the form the eval reads."""

import numpy as np
import pytest
from gradcheck import numerical_gradient

from bench.gradbench import lstm

LAYERS, BITS, CHARS = 2, 3, 6


@pytest.fixture(scope="module")
def args():
    rng = np.random.default_rng(3)
    return (rng.random((2 * LAYERS, 4 * BITS)), rng.random((3, BITS)),
            rng.random((2 * LAYERS, BITS)),
            rng.integers(0, 2, (CHARS, BITS)).astype(np.float64))


def test_gradient_matches_differences(args):
    got = lstm.gradient_of(*args)
    want = numerical_gradient(lstm.objective_of, args, wrt=(0, 1))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-9)


def test_objective_is_a_mean_log_likelihood(args):
    # every normalised prediction is below 0 (the 2 in the log makes it so),
    # so the objective is positive
    assert lstm.objective_of(*args) > 0


def test_outputs(args):
    raw = {"main_params": args[0].tolist(), "extra_params": args[1].tolist(),
           "state": args[2].tolist(), "sequence": args[3].tolist(),
           "min_runs": 2, "min_seconds": 0}
    value = lstm.FUNCTIONS["objective"](raw)
    assert isinstance(value["output"], float) and len(value["timings"]) == 2
    flat = lstm.FUNCTIONS["jacobian"](raw)["output"]
    assert len(flat) == 2 * LAYERS * 4 * BITS + 3 * BITS
    want = numerical_gradient(lstm.objective_of, args, wrt=(0, 1))
    np.testing.assert_allclose(flat, np.concatenate([w.ravel() for w in want]),
                               rtol=1e-6, atol=1e-9)
