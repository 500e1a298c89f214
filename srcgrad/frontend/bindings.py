"""What the generated code captured from the user's names, and whether it still holds.

The transformation reads the user's globals, closure cells and attributes of
modules once: a number becomes a constant of the generated code, an array a
global of the generated module, a helper function is inlined.  `Scope.lookup`
records each such read as a `Binding` (where the name lives, and the object
it resolved to).  `still_bound(bindings, frozen_arrays)` makes the check that
`GradFunction` runs before each call: every name still resolves to the same
object (a cheap identity test), and, where the compiled code froze a global
array's contents (Numba does, for the 'cpu' and 'cuda' targets), that the
array still holds the values it was compiled with.  When the check fails the
gradient function transforms the function again, so that the gradient
computes with what the function sees when it is called.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["Binding", "binding_of_name", "binding_of_attribute", "still_bound"]

# modules whose attributes are library functions and constants, never rebound
# by a user's program: `np.sin`, `math.pi` are not recorded
_LIBRARIES = frozenset({"numpy", "math", "scipy", "builtins", "cmath", "srcgrad", "numba",
                        "operator", "functools"})


@dataclass(frozen=True, eq=False)
class Binding:
    """`holder` (a globals dict, a closure cell, or an object whose attribute
    was read) resolved `key` to `value` when the function was transformed."""

    holder: object
    key: str
    value: object


def binding_of_name(fn: types.FunctionType, name: str, value: object) -> Binding | None:
    """The binding of the free name `name` of `fn`, which resolved to `value`:
    its closure cell, else its module's globals; None for a builtin or a module
    (a module is a namespace the lookup goes through: its attributes are
    recorded instead)."""
    if isinstance(value, types.ModuleType):
        return None
    code = fn.__code__
    if fn.__closure__ and name in code.co_freevars:
        return Binding(fn.__closure__[code.co_freevars.index(name)], name, value)
    if name in fn.__globals__:
        return Binding(fn.__globals__, name, value)
    return None


def binding_of_attribute(base: object, attr: str, value: object) -> Binding | None:
    """The binding of `base.attr`, read as a global (`cfg.SCALE`); None for a
    library's attribute (`np.sin`, `scipy.stats.norm.logpdf`) or a module."""
    if isinstance(value, types.ModuleType):
        return None
    if isinstance(base, types.ModuleType) and base.__name__.split(".")[0] in _LIBRARIES:
        return None
    if isinstance(value, types.MethodType) and value.__self__ is base and \
            type(base).__module__.split(".")[0] in _LIBRARIES:
        return None  # `norm.logpdf`: a library object's method, a new object at each read
    return Binding(base, attr, value)


_MISSING = object()


def still_bound(bindings: list[Binding], frozen_arrays: bool) -> Callable[[], bool] | None:
    """A function of no arguments that answers whether every binding still
    holds (and, with `frozen_arrays`, every global array still holds its
    values); None when there is nothing to check.

    The check is written as one expression and compiled, so that a call pays
    a dict lookup and an identity test per name, not a Python loop; a frozen
    array's values cost a copy and a comparison of its bytes (about 0.1 us for
    a small array, 30 us for 100,000 floats: less than a gradient that reads
    the array).  The dtype is not compared: assigning `a.dtype` in place is
    not something a program does to data it computes with."""
    unique: dict[tuple[int, str], Binding] = {}
    for b in bindings:
        unique.setdefault((id(b.holder), b.key), b)
    if not unique:
        return None
    env: dict[str, object] = {"_MISSING": _MISSING}
    tests = []
    for k, b in enumerate(unique.values()):
        env[f"h{k}"], env[f"v{k}"] = b.holder, b.value
        if isinstance(b.holder, dict):
            tests.append(f"h{k}.get({b.key!r}, _MISSING) is v{k}")
        elif isinstance(b.holder, types.CellType):
            tests.append(f"_cell(h{k}) is v{k}")
        else:
            tests.append(f"getattr(h{k}, {b.key!r}, _MISSING) is v{k}")
        if frozen_arrays and isinstance(b.value, np.ndarray):
            env[f"shape{k}"], env[f"data{k}"] = b.value.shape, b.value.tobytes()
            tests.append(f"v{k}.shape == shape{k} and v{k}.tobytes() == data{k}")
    env["_cell"] = _cell
    return eval(f"lambda: {' and '.join(tests)}", env)  # noqa: S307 (our own text)


def _cell(cell: types.CellType) -> object:
    try:
        return cell.cell_contents
    except ValueError:  # the variable was deleted
        return _MISSING
