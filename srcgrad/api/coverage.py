"""What srcgrad differentiates, by name, beside what autograd does:
`python -m srcgrad coverage`.

srcgrad's side is its registry (`srcgrad/rules/registry.py`): the functions
with an adjoint rule or an expansion into differentiable operations, and
those declared constant (their derivative is zero where it exists: shapes,
signs, comparisons).  autograd's side, read from the installed autograd when
there is one, is every function of its NumPy and SciPy wrappers that has a
VJP (`autograd.core.primitive_vjps`), under the name of the NumPy or SciPy
function it wraps.
"""

from __future__ import annotations

import builtins
import importlib
import math
import operator
import types

import numpy as np

__all__ = ["qualified_name", "srcgrad_functions", "autograd_functions", "report"]

# where a registered function is found under its own name, it is named by that namespace
_NAMESPACES = ["numpy", "numpy.linalg", "numpy.fft", "math", "operator", "builtins",
               "scipy.special", "scipy.linalg", "scipy.stats", "scipy.signal"]

# autograd's wrappers, each beside the namespace whose functions it wraps
_AUTOGRAD = [("autograd.numpy", "numpy"), ("autograd.numpy.linalg", "numpy.linalg"),
             ("autograd.numpy.fft", "numpy.fft"), ("autograd.scipy.special", "scipy.special"),
             ("autograd.scipy.linalg", "scipy.linalg"), ("autograd.scipy.signal", "scipy.signal")]
_AUTOGRAD_STATS = ["norm", "t", "gamma", "beta", "poisson", "multivariate_normal", "dirichlet"]


def _modules() -> list[tuple[str, object]]:
    found = [("math", math), ("operator", operator), ("builtins", builtins), ("numpy", np)]
    for name in _NAMESPACES:
        if name not in dict(found):
            try:
                found.append((name, importlib.import_module(name)))
            except ImportError:  # scipy is a dependency; its submodules load on demand
                continue
    return found


def qualified_name(fn, modules=None) -> str:
    """`numpy.sin`, `numpy.linalg.norm`, `math.exp`, `scipy.special.gammaln`:
    the namespace that holds the function under its own name, else its
    module and qualified name."""
    name = getattr(fn, "__name__", None)
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, np.ufunc):  # np.add.reduce
        return f"numpy.{owner.__name__}.{name}"
    if owner is not None and not isinstance(owner, (type, types.ModuleType)) and name:
        for prefix, namespace in modules or _modules():  # scipy.stats.norm.logpdf
            for attr in dir(namespace):
                if getattr(namespace, attr, None) is owner:
                    return f"{prefix}.{attr}.{name}"
    if name:
        for prefix, namespace in modules or _modules():
            if getattr(namespace, name, None) is fn:
                return f"{prefix}.{name}"
    module = getattr(fn, "__module__", None) or type(fn).__module__
    return f"{module}.{getattr(fn, '__qualname__', name or repr(fn))}"


def srcgrad_functions() -> tuple[set[str], set[str]]:
    """(differentiable, constant): the user-facing functions srcgrad's
    registry lists, by qualified name and by each other name their namespace
    gives them."""
    from ..frontend.complexes import LOWERED
    from ..rules import registry

    modules = _modules()

    def user_facing(fn) -> bool:
        return not (getattr(fn, "__module__", None) or "").startswith("srcgrad")

    differentiable = {qualified_name(p, modules) for key, p in registry._PRIMALS.items()
                      if (key in registry.RULES or key in registry._EXPANSIONS)
                      and user_facing(p)}
    differentiable |= {qualified_name(p, modules) for p in LOWERED}  # of complex values
    constant = {qualified_name(p, modules) for p in registry._NONDIFF.values()
                if user_facing(p)}
    differentiable = _aliases(differentiable)  # by every name (numpy.abs, numpy.absolute)
    return differentiable, _aliases(constant) - differentiable


def autograd_functions() -> set[str] | None:
    """The public NumPy and SciPy functions autograd differentiates (a
    primitive with a VJP, or a function autograd writes in terms of them), by
    the qualified name of the NumPy or SciPy function; None where autograd is
    not installed."""
    try:
        from autograd.core import primitive_vjps
    except ImportError:
        return None

    def differentiable(value) -> bool:
        try:
            if value in primitive_vjps:
                return True
        except TypeError:  # unhashable: not a primitive
            return False
        # a function autograd writes in terms of primitives (not a primitive
        # wrapper without a VJP, which carries the wrapped function as `fun`)
        return (isinstance(value, types.FunctionType) and not hasattr(value, "fun")
                and value.__module__.startswith("autograd"))

    wrappers = list(_AUTOGRAD) + [(f"autograd.scipy.stats.{d}", f"scipy.stats.{d}")
                                  for d in _AUTOGRAD_STATS]
    names = set()
    for wrapper, prefix in wrappers:
        try:
            module, original = importlib.import_module(wrapper), _original(prefix)
        except ImportError:
            continue
        for attr in dir(module):
            # a public function of the wrapped module's own (not one autograd adds)
            if not attr.startswith("_") and hasattr(original, attr) and differentiable(
                    getattr(module, attr)):
                names.add(f"{prefix}.{attr}")
    return names


def _original(prefix: str):
    if prefix.startswith("scipy.stats."):
        return getattr(importlib.import_module("scipy.stats"), prefix.rpartition(".")[2])
    return importlib.import_module(prefix)


def _aliases(names: set[str]) -> set[str]:
    """`names` with each function's other names in its namespace (`numpy.abs`
    beside `numpy.absolute`)."""
    out = set(names)
    for prefix, namespace in _modules():
        by_object: dict[int, list[str]] = {}
        for attr in dir(namespace):
            if not attr.startswith("_"):
                by_object.setdefault(id(getattr(namespace, attr, None)), []).append(attr)
        for attrs in by_object.values():
            full = {f"{prefix}.{a}" for a in attrs}
            if full & names:
                out |= full
    return out


def report() -> str:
    differentiable, constant = srcgrad_functions()
    lines = [f"srcgrad differentiates {len(differentiable)} NumPy, SciPy, math, operator and "
             f"builtin functions, and knows {len(constant)} more as constants "
             "(derivative zero where one exists).", ""]
    lines += ["differentiable:", *_columns(sorted(differentiable)), ""]
    theirs = autograd_functions()
    if theirs is None:
        lines.append("autograd is not installed: no comparison (pip install autograd)")
        return "\n".join(lines)
    known = differentiable | constant
    both = theirs & known
    lines += [f"autograd gives VJPs for {len(theirs)} NumPy and SciPy functions; srcgrad "
              f"differentiates (or knows as constants) {len(both)} of them.", "",
              "in autograd, not (yet) in srcgrad:", *_columns(sorted(theirs - known)), "",
              "differentiated by srcgrad, not by autograd:",
              *_columns(sorted(n for n in differentiable - theirs
                               if n.startswith(("numpy", "scipy"))))]
    return "\n".join(lines)


def _columns(names: list[str], width: int = 100) -> list[str]:
    lines, line = [], " "
    for name in names:
        if len(line) + len(name) + 1 > width:
            lines.append(line)
            line = " "
        line += " " + name
    if line.strip():
        lines.append(line)
    return lines or ["  (none)"]
