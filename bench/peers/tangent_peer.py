"""Tangent, the maintained fork `tangent-ad` (PyPI; `import tangent`): like
srcgrad, a source-to-source transformation, so it gets the case's own
function, unchanged, and `tangent.grad(fn, wrt=wrt)`; the adjoint it writes
runs as plain Python with NumPy.  A function it cannot differentiate is
reported n/a with Tangent's error.  (`tangent-ad` imports TensorFlow when it
is installed, for its TF extensions.)"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tangent  # noqa: E402

from . import NA, Peer, Prepared, as_numpy_tuple  # noqa: E402

# Tangent refuses two of the cases' own functions (`math.sin` has no adjoint
# in Tangent; `n = pos.shape[0]` is an attribute read it does not transform);
# these are the smallest rewrites that it accepts, timed with a note saying so.

def euler_decay_np(x0, k, n):
    x = x0
    h = 1.0 / n
    for _ in range(n):
        x = x - h * k * np.sin(x)
    return x


def nbody_energy_np(pos, m):
    e = 0.0
    for i in range(pos.shape[0]):
        for j in range(i + 1, pos.shape[0]):
            dx = pos[i, 0] - pos[j, 0]
            dy = pos[i, 1] - pos[j, 1]
            dz = pos[i, 2] - pos[j, 2]
            r = np.sqrt(dx * dx + dy * dy + dz * dz + 0.01)
            e -= m[i] * m[j] / r
    return e


REWRITES = {"euler": (euler_decay_np, "math.sin -> np.sin"),
            "nbody": (nbody_energy_np, "n = pos.shape[0] inlined, math.sqrt -> np.sqrt")}


def _error(exc) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


def _transform(fn, key, wrt, check_dims):
    """Tangent's gradient of the case's own function, or of its rewrite (and
    the note that says why)."""
    try:
        return tangent.grad(fn, wrt=tuple(wrt), check_dims=check_dims, verbose=0), None
    except Exception as exc:
        if key not in REWRITES:
            raise NA(f"tangent.grad raised {_error(exc)}") from exc
        rewrite, change = REWRITES[key]
        note = f"the case's function is refused ({_error(exc)}); timed a rewrite: {change}"
        try:
            return tangent.grad(rewrite, wrt=tuple(wrt), check_dims=check_dims, verbose=0), note
        except Exception as exc2:
            raise NA(f"tangent.grad raised {_error(exc)}; on the rewrite ({change}): "
                     f"{_error(exc2)}") from exc2


def _builder(fn, key, check_dims=True, note=None):
    def build(args, wrt):
        df, why = _transform(fn, key, wrt, check_dims)

        def to_numpy(grads):
            return as_numpy_tuple(grads if isinstance(grads, tuple) else (grads,))

        return Prepared(lambda: df(*args), to_numpy, why or note)

    return build


def load() -> list[Peer]:
    from importlib.metadata import version

    from ..cases import CASES

    builders = {}
    for case in CASES:
        if case.key not in builders:
            # seed f returns an array (1, 1): Tangent checks for a scalar output
            # unless told not to, and then seeds with ones, as srcgrad does
            scalar = case.key != "seed_f"
            builders[case.key] = _builder(
                case.fn, case.key, check_dims=scalar,
                note=None if scalar else "check_dims=False (the output is a (1, 1) array)")
    return [Peer("tangent", builders, version("tangent-ad"))]
