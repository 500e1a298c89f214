"""The functions of the rule modules' call tests (`tests/rules/test_*_calls.py`:
decompositions, shapes and pieces, elementwise calls) through `sg.jvp` on
"python": calls the lowering writes as several operations (eigh, svd, qr,
lstsq, LU factors, sorts, splits, pads, interpolation), each checked along
random directions of every float argument against central differences of
the function in float64, and against reverse mode (`<u, J v> == <J^T u, v>`).

Every row runs in forward mode, but those in `FALLBACK` (with the
primitive that has no tangent rule), which the transpose of the adjoint
answers: checked the same way."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import srcgrad as sg
from srcgrad.api.tangent import TangentFunction

sys.path.insert(0, str(Path(__file__).parents[1] / "rules"))
import test_decomposition_calls as decompositions  # noqa: E402
import test_elementwise_calls as elementwise  # noqa: E402
import test_shape_calls as shapes  # noqa: E402

EPS = 1e-6

# functions whose jvp falls back to the transpose of the adjoint: what has no tangent rule
FALLBACK: dict[str, str] = {}

ROWS = ([(fn, args) for fn, args in decompositions.CASES]
        + [(fn, args) for fn, args, _ in shapes.CASES]
        + list(elementwise.ARRAY_CASES))
PARAMS = [pytest.param(fn, args, id=f"{fn.__module__.split('_')[1]}-{fn.__name__}-{k}")
          for k, (fn, args) in enumerate(ROWS)]


def floats(args) -> list[int]:
    return [k for k, a in enumerate(args)
            if np.result_type(a).kind == "f" and not isinstance(a, bool)]


def outputs(out):
    return list(out) if isinstance(out, tuple) else [out]


def directions(args, wrt, rng) -> list:
    """A random direction for each argument at the positions `wrt`."""
    return [rng.standard_normal(np.shape(args[k])) if np.ndim(args[k]) else
            float(rng.standard_normal()) for k in wrt]


def moved_by(fn, args, wrt, tangents, t) -> list:
    """`fn`'s outputs (float64) at `args` moved by `t` times `tangents` at `wrt`."""
    values = [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]
    for k, d in zip(wrt, tangents):
        values[k] = values[k] + t * d
    return [np.asarray(o, np.float64) for o in outputs(fn(*values))]


def check_jvp(fn, args, target: str, seed: int, forward_mode: bool = True) -> None:
    """`sg.jvp(fn)` along random directions of every float argument against
    central differences of `fn` and against reverse mode on "python"
    (`<u, J v> == <J^T u, v>`); `forward_mode`: whether the tangent function
    must answer (else the transpose of the adjoint)."""
    wrt = floats(args)
    rng = np.random.default_rng(seed)
    tangents = directions(args, wrt, rng)
    full = [None] * len(args)
    for k, t in zip(wrt, tangents):
        full[k] = t
    jvp = sg.jvp(fn, wrt=wrt[0], target=target)
    value, tangent = jvp(tuple(args), tuple(full))
    forward = isinstance(jvp.generated, TangentFunction)
    assert forward == forward_mode, \
        f"{fn.__name__}: forward mode {'applies' if forward else 'fell back'}"
    dots = outputs(tangent)
    for dot, hi, lo in zip(dots, moved_by(fn, args, wrt, tangents, EPS),
                           moved_by(fn, args, wrt, tangents, -EPS)):
        fd = (hi - lo) / (2 * EPS)
        assert np.shape(dot) == np.shape(fd)
        np.testing.assert_allclose(dot, fd, rtol=1e-5, atol=1e-6 * max(1.0, np.abs(fd).max()))

    gradient = sg.grad(fn, wrt=tuple(wrt), target="python", unconnected_gradients="zero")
    u = [rng.standard_normal(np.shape(o)) if np.ndim(o) else float(rng.standard_normal())
         for o in outputs(value)]
    grads = gradient(*args, grad_ys=tuple(u) if isinstance(value, tuple) else u[0])
    lhs = sum(float(np.sum(a * np.asarray(d, np.float64))) for a, d in zip(u, dots))
    rhs = sum(float(np.sum(np.asarray(g, np.float64) * t)) for g, t in zip(grads, tangents))
    assert abs(lhs - rhs) <= 1e-9 * max(1.0, abs(lhs), abs(rhs))


@pytest.mark.parametrize("fn, args", PARAMS)
def test_jvp(fn, args):
    check_jvp(fn, args, "python", seed=5, forward_mode=fn.__name__ not in FALLBACK)
