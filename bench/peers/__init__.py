"""The peers: the same gradients in other differentiation frameworks.

Each module here writes, for every case key of `bench/cases.py`, the
gradient as a user of that framework writes it, and exposes `load()`, which
imports the framework (raising ImportError if it is missing) and returns its
`Peer`s (TensorFlow gives two: eager and `tf.function`).

A builder takes the case's arguments (NumPy arrays and Python scalars, as
srcgrad gets them) and the case's `wrt`, and returns a `Prepared`: a
zero-argument `call` that computes the gradient (what the harness times: the
framework's inputs are made beforehand, as a user holds them; the call
finishes the work, e.g. JAX's `block_until_ready`), and `to_numpy` to turn
its result into a tuple of NumPy values, one per `wrt` entry, for the check
against srcgrad.  A builder that cannot run the case raises `NA(reason)`; a
key with no builder is reported as n/a too: no case is left out silently.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

# --peers names -> module; a name selects every peer its module returns
MODULES = {
    "autograd": "bench.peers.autograd_peer",
    "torch": "bench.peers.torch_peer",
    "jax": "bench.peers.jax_peer",
    "tf": "bench.peers.tf_peer",
    "tangent": "bench.peers.tangent_peer",
}
# the top-level package each needs (checked with importlib.util.find_spec)
REQUIRES = {"autograd": "autograd", "torch": "torch", "jax": "jax", "tf": "tensorflow",
            "tangent": "tangent"}
# the table's columns, in order, per module
COLUMNS = {"autograd": ["autograd"], "torch": ["torch"], "jax": ["jax"],
           "tf": ["tf-eager", "tf-function"], "tangent": ["tangent"]}


class NA(Exception):
    """This peer cannot run this case; str(exc) is the reason shown."""


@dataclass
class Prepared:
    call: Callable[[], object]
    to_numpy: Callable[[object], tuple]
    note: str | None = None
    # for frameworks that compile per input shape or static value (JAX's jit):
    # compile for these inputs without running, and return the call to run
    # (bench/memory.py measures the run alone)
    ahead_of_time: Callable[[], Callable[[], object]] | None = None


@dataclass
class Peer:
    name: str
    builders: dict[str, Callable[[tuple, tuple], Prepared]]
    version: str = ""
    notes: dict[str, str] = field(default_factory=dict)

    def prepare(self, case, args) -> Prepared:
        builder = self.builders.get(case.key)
        if builder is None:
            raise NA(f"no {self.name} version of '{case.key}' is written")
        prepared = builder(args, case.wrt)
        if prepared.note is None and case.key in self.notes:
            prepared.note = self.notes[case.key]
        return prepared


def load(group: str) -> list[Peer]:
    """The peers of one --peers name; ImportError if the framework is missing."""
    return importlib.import_module(MODULES[group]).load()


def as_numpy_tuple(values) -> tuple:
    return tuple(np.asarray(v, dtype=np.float64) if np.ndim(v) else float(v) for v in values)


def triu_pairs(n: int):
    """The index pairs i < j of the n-body double loop, as two int arrays."""
    return np.triu_indices(n, 1)


def steps_until(t_end: float, h: float = 1e-3) -> int:
    """The trip count of `while t < t_end: t = t + h` from t = 0, computed the
    way the loop computes it (the same float additions): frameworks that need
    a static trip count (JAX's reverse mode) take it from here; t does not
    depend on the parameters, so this is the same loop."""
    t, n = 0.0, 0
    while t < t_end:
        t = t + h
        n += 1
    return n
