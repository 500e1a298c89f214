"""The recipe of an API-audit row (see test_api_audit.py), and the recipes of
the families kept in files of their own: every `audit_recipes_*.py` beside
this one defines `RECIPES`, a dict from qualified name to `Recipe`."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Recipe:
    calls: tuple[str, ...]  # expressions of x0, x1, ...
    args: tuple  # per float argument: (shape, lo, hi, sign)
    cpu: bool = False  # also check the gradient on target="cpu"
    eps: float = 1e-6  # the finite-difference step
    rtol: float = 1e-5
    compare: str = "value"  # non-differentiable: "value", or "shape" (np.empty: garbage)


def A(shape=(), lo=-2.0, hi=2.0, sign=False):
    """A float argument: uniform in [lo, hi] (times a random sign with sign=True)."""
    return (shape, lo, hi, sign)


def R(call, *args, **options) -> Recipe:
    calls = (call,) if isinstance(call, str) else tuple(call)
    return Recipe(calls, args, **options)


def extension_recipes() -> dict[str, Recipe]:
    """The recipes of every `audit_recipes_*.py` in this directory, merged."""
    recipes: dict[str, Recipe] = {}
    for path in sorted(Path(__file__).parent.glob("audit_recipes_*.py")):
        module = importlib.import_module(path.stem)
        repeated = recipes.keys() & module.RECIPES.keys()
        assert not repeated, f"{path.name} repeats recipes: {sorted(repeated)}"
        recipes.update(module.RECIPES)
    return recipes
