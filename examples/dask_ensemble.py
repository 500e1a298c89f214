"""The gradients of an ensemble of simulations, on a dask.distributed cluster.

Each ensemble member is a driven, damped oscillator

    x'' = -k x - c x' + F cos(w t)

integrated with a loop (semi-implicit Euler); `final_energy` is its energy
after the last step.  Its gradient with respect to the four parameters
(k, c, F, w) is computed on the cluster's worker processes, one task per
member: srcgrad's gradient function is pickled to the workers (as the
function and its options, not as compiled code), made again there, and its
compiled code loaded from srcgrad's cache directory, which the workers of
this LocalCluster share with this process.

    pip install "srcgrad[distributed]"
    python examples/dask_ensemble.py            # 2 worker processes
    python examples/dask_ensemble.py --log      # the workers log each compile or cache load

On a cluster of several machines the same code runs with
`Client("scheduler-address:8786")` in place of the LocalCluster: see the
README's "In other processes" section.
"""

import sys
from typing import Any

import numpy as np
from numpy.typing import NDArray

import srcgrad as sg

SETUP = (1.0, 0.0, 0.01, 400)  # x0, v0, dt, steps


def final_energy(params: NDArray[np.float64], x0: float, v0: float, dt: float,
                 steps: int) -> Any:
    k = params[0]
    c = params[1]
    force = params[2]
    w = params[3]
    x = x0
    v = v0
    for i in range(steps):
        a = -k * x - c * v + force * np.cos(w * i * dt)
        v = v + dt * a
        x = x + dt * v
    return 0.5 * v * v + 0.5 * k * x * x


def ensemble(n: int, seed: int = 0) -> list[NDArray[np.float64]]:
    """`n` parameter vectors (k, c, F, w) around a nominal oscillator."""
    rng = np.random.default_rng(seed)
    nominal = np.array([4.0, 0.3, 0.5, 1.5])
    return [nominal * (1.0 + 0.2 * rng.standard_normal(4)) for _ in range(n)]


def _log_srcgrad() -> None:
    import logging

    logging.basicConfig(level=logging.WARNING, format="worker %(process)d: %(message)s")
    logging.getLogger("srcgrad").setLevel(logging.INFO)


def ensemble_gradients(n_members: int = 8, n_workers: int = 2,
                       log: bool = False) -> tuple[list[NDArray[np.float64]], list[Any]]:
    """The ensemble's parameters and the gradient of each member's final
    energy with respect to them, computed on a LocalCluster of `n_workers`
    worker processes."""
    from dask.distributed import Client, LocalCluster

    gradient = sg.grad(final_energy)
    members = ensemble(n_members)
    # compiled once here: the workers find it in the cache directory they share with this
    # process (SRCGRAD_CACHE_DIR, or ~/.cache/srcgrad), a Numba cache hit each
    gradient(members[0], *SETUP)
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,  # type: ignore[no-untyped-call]
                      dashboard_address=None) as cluster, \
            Client(cluster) as client:  # type: ignore[no-untyped-call]
        if log:
            client.run(_log_srcgrad)
        futures = [client.submit(gradient, params, *SETUP, pure=False) for params in members]
        grads = client.gather(futures)
    return members, grads


if __name__ == "__main__":
    members, grads = ensemble_gradients(log="--log" in sys.argv)
    print("   k      c      F      w    | d energy / d (k, c, F, w)")
    for params, g in zip(members, grads):
        print(" ".join(f"{p:6.3f}" for p in params), "|", " ".join(f"{d:+8.4f}" for d in g))
