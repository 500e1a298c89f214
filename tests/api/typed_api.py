"""Typed uses of srcgrad's public API, for `mypy --strict` (run by
`test_typing.py`): each public function and what its results offer, as a
user's typed code writes them.  A `# type: ignore[...]` marks a misuse the
type checker must catch (`--strict` reports an ignore that is not needed)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

import srcgrad as sg

Array = NDArray[np.float64]


def loss(x: Array, k: float) -> float:
    return float(np.sum(sg.stop_gradient(k) * x * x))


def scale(x: float) -> float:
    return 2.0 * x


@sg.adjoint(scale)
def scale_rule(g: float, ans: float, x: float) -> float:
    return 2.0 * g


@sg.grad
def decorated(x: float) -> float:
    return x * x


@sg.grad(wrt="k", target="python")
def decorated_with_options(x: Array, k: float) -> float:
    return k * float(np.sum(x))


def uses(x: Array) -> None:
    dloss: sg.GradFunction = sg.grad(loss, wrt=("x", "k"), unconnected_gradients="zero")
    gx, gk = dloss(x, 2.0)
    both = sg.value_and_grad(loss)
    value, g = both(x, 2.0, grad_ys=1.0)
    source: str = dloss.source
    shown: str = dloss.source._repr_html_() + dloss.source._repr_markdown_()
    original = dloss.fn
    second = sg.grad(sg.grad(decorated))
    d2: float = second(1.0)
    hv: Array = sg.hvp(loss)(x, 2.0, np.ones_like(x))
    h: Array = sg.hessian(loss)(x, 2.0)
    j: Array = sg.jacobian(loss, wrt=1, mode="forward")(x, 2.0)
    y, t = sg.jvp(loss)((x, 2.0), (np.ones_like(x), None))
    texts: list[str] = [sg.hvp(loss).source, sg.jvp(loss).source, sg.jacobian(loss).source]
    print(gx, gk, value, g, source, shown, original, d2, hv, h, j, y, t, texts, scale_rule,
          decorated_with_options)


def misuses(x: Array) -> Any:
    sg.grad(loss, wrt=1.5)  # type: ignore[call-overload]
    sg.grad(loss, stop_gradients=3)  # type: ignore[call-overload]
    sg.hvp(loss, target=None)  # type: ignore[arg-type]
    return sg.grad(loss).sources  # type: ignore[attr-defined]
