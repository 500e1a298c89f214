"""Gradient functions pickle (by reference to the user's function and its
options, `srcgrad/api/pickling.py`) and run in other processes: a `spawn`
pool, `ProcessPoolExecutor`, joblib and a `dask.distributed` LocalCluster
(`examples/dask_ensemble.py`).  Every gradient that comes back is checked
against central differences in float64 (`tests/gradcheck.py`).

Processes start slowly here (each imports NumPy, Numba and srcgrad, a few
seconds): each kind of pool is started once and given all its work at once.
The functions the workers import are in `process_functions.py`; the round
trips in this process run first, so that the workers find their compiled
code in the shared cache directory.
"""

from __future__ import annotations

import linecache
import multiprocessing
import pickle
import runpy
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from gradcheck import numerical_gradient, numerical_hvp
from process_functions import call, damped, decorated, first_calls, rosen, waves

import srcgrad as sg
from srcgrad.api import pickling

cloudpickle = pytest.importorskip("cloudpickle", reason="the test extra installs cloudpickle")

EXAMPLE = Path(__file__).parents[2] / "examples" / "dask_ensemble.py"
PARAMS = np.array([2.0, 0.3])
X = np.array([0.3, -0.5, 0.8])
V = np.array([1.0, 0.0, 2.0])


def _directional(f, x, t, h=1e-6):
    return (f(x + h * t) - f(x - h * t)) / (2 * h)


# what each kind of gradient function is made from, the arguments it takes,
# and its result by central differences of the user's function
CASES = {
    "grad": (lambda: sg.grad(damped), (PARAMS, 1.0, 40),
             lambda: numerical_gradient(damped, (PARAMS, 1.0, 40), 0)),
    "value_and_grad": (lambda: sg.value_and_grad(damped), (PARAMS, 1.0, 40),
                       lambda: (damped(PARAMS, 1.0, 40),
                                numerical_gradient(damped, (PARAMS, 1.0, 40), 0))),
    "jvp": (lambda: sg.jvp(waves), ((X,), (V,)),
            lambda: (waves(X), _directional(waves, X, V))),
    "hvp": (lambda: sg.hvp(rosen), (X, V),
            lambda: numerical_hvp(rosen, (X,), 0, {0: V})),
    "hessian": (lambda: sg.hessian(rosen), (X,),
                lambda: np.stack([numerical_hvp(rosen, (X,), 0, {0: e}) for e in np.eye(3)])),
    "jacobian": (lambda: sg.jacobian(waves), (X,),
                 lambda: np.stack([numerical_gradient(waves, (X,), 0, grad_ys=e)
                                   for e in np.eye(3)])),
}


def check(kind: str, got) -> None:
    want = CASES[kind][2]()
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want), got
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5, err_msg=kind)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5, err_msg=kind)


def tasks():
    """(kind, gradient function, arguments) of every case."""
    return [(kind, make(), args) for kind, (make, args, _) in CASES.items()]


# --- round trips in this process ------------------------------------------------------------

@pytest.mark.parametrize("dumps", [pickle.dumps, cloudpickle.dumps], ids=["pickle", "cloudpickle"])
@pytest.mark.parametrize("kind", list(CASES))
def test_a_round_trip_gives_a_working_gradient(kind, dumps):
    make, args, _ = CASES[kind]
    original = make()
    check(kind, original(*args))  # called before pickling: the pickle carries no compiled state
    copy = pickle.loads(dumps(original))
    assert copy is not original and type(copy) is type(original)
    check(kind, copy(*args))


def test_the_pickle_is_a_reference_not_code():
    df = sg.grad(damped, wrt=0, unconnected_gradients="zero")
    data = pickle.dumps(df)
    assert len(data) < 600 and b"process_functions" in data and b"damped" in data
    copy = pickle.loads(data)
    assert copy.fn is damped and copy.options == df.options


def test_a_decorated_function_pickles_as_its_module_level_name():
    assert pickle.loads(pickle.dumps(decorated)) is decorated
    np.testing.assert_allclose(decorated(X), numerical_gradient(decorated.fn, (X,), 0),
                               rtol=1e-6)


def test_a_gradient_of_a_gradient_pickles():
    copy = pickle.loads(pickle.dumps(sg.grad(sg.grad(rosen))))
    # seeded with V, the gradient of the gradient is H @ V: differences of differences of rosen
    np.testing.assert_allclose(copy(X, grad_ys=V), numerical_hvp(rosen, (X,), 0, {0: V}),
                               rtol=1e-4, atol=1e-5)


def _closure(scale):
    def scaled(x):
        return np.sum(np.sin(x) * scale)
    return scaled


@pytest.mark.parametrize("dumps", [pickle.dumps, cloudpickle.dumps], ids=["pickle", "cloudpickle"])
def test_a_closure_travels_by_value_with_cloudpickle(dumps):
    df = sg.grad(_closure(3.0))
    copy = pickle.loads(dumps(df))
    assert copy.fn is not df.fn and copy.fn.__code__.co_filename == __file__
    np.testing.assert_allclose(copy(X), numerical_gradient(_closure(3.0), (X,), 0), rtol=1e-6)


def test_without_cloudpickle_a_closure_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(pickling, "_cloudpickle", lambda: None)
    df = sg.grad(_closure(3.0))
    with pytest.raises(pickle.PicklingError, match=r"_closure\.<locals>\.scaled is a nested "
                       r"function or a closure.*Install cloudpickle"):
        pickle.dumps(df)
    # a module-level function still goes by reference
    assert pickle.loads(pickle.dumps(sg.grad(damped))).fn is damped


def test_a_function_sent_by_value_carries_its_source(tmp_path):
    """In a process without the function's file (another machine), srcgrad
    reads its source from the lines that travelled with it."""
    script = tmp_path / "model_on_client.py"
    script.write_text("import numpy as np\n\n\ndef energy(x):\n    return np.sum(x ** 3)\n")
    energy = runpy.run_path(str(script))["energy"]  # a module that no worker can import
    data = pickle.dumps(sg.grad(energy))
    script.unlink()
    linecache.clearcache()
    copy = pickle.loads(data)
    np.testing.assert_allclose(copy(X), numerical_gradient(energy, (X,), 0), rtol=1e-6)


# --- worker processes -------------------------------------------------------------------------

def test_a_spawned_worker_loads_the_compiled_code_from_a_shared_cache(tmp_path):
    """A fresh worker with a cold cache directory compiles; a fresh worker
    sharing that directory afterwards loads what the first compiled (a Numba
    cache hit), and its gradient is right.  The figures are in -s output."""
    df = sg.grad(damped)
    cache = str(tmp_path / "shared-cache")
    context = multiprocessing.get_context("spawn")
    with context.Pool(1, maxtasksperchild=1) as pool:  # a fresh process per task
        cold = pool.apply(first_calls, (df, cache, PARAMS, 1.0, 40))
        warm = pool.apply(first_calls, (df, cache, PARAMS, 1.0, 40))
    for grads, *_ in (cold, warm):
        check("grad", grads)
    assert ("compile", "miss") in cold[3], cold[3]
    assert ("compile", "hit") in warm[3] and ("compile", "miss") not in warm[3], warm[3]
    print(f"\nfirst call in a fresh worker: cold cache {cold[1]:.3f} s (then {cold[2]:.6f} s), "
          f"warm shared cache {warm[1]:.3f} s (then {warm[2]:.6f} s)")


def test_a_process_pool_executor_runs_every_kind_of_gradient():
    work = tasks()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as executor:
        futures = [executor.submit(call, function, *args) for _, function, args in work]
        results = [future.result() for future in futures]
    for (kind, _, _), got in zip(work, results):
        check(kind, got)


def test_joblib_runs_an_ensemble_of_gradients():
    joblib = pytest.importorskip("joblib", reason="the test extra installs joblib")
    df = sg.grad(damped)
    members = [np.array([k, c]) for k in (1.0, 2.0, 3.0) for c in (0.1, 0.4)]
    grads = joblib.Parallel(n_jobs=2)(joblib.delayed(call)(df, p, 1.0, 40) for p in members)
    for p, g in zip(members, grads):
        np.testing.assert_allclose(g, numerical_gradient(damped, (p, 1.0, 40), 0),
                                   rtol=1e-5, atol=1e-7)


def test_the_dask_example_runs_on_a_local_cluster():
    pytest.importorskip("distributed", reason="dask.distributed is not installed "
                        '(pip install "srcgrad[distributed]")')
    example = runpy.run_path(str(EXAMPLE))  # its functions reach the workers by value
    members, grads = example["ensemble_gradients"](n_workers=2)
    assert len(members) == len(grads) >= 4
    for params, g in zip(members, grads):
        want = numerical_gradient(example["final_energy"], (params, *example["SETUP"]), 0)
        np.testing.assert_allclose(g, want, rtol=1e-5, atol=1e-8)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q", "-s", "-p", "no:xdist"]))
