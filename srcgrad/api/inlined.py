"""Derivatives called inside a differentiated function: `jvp`, `jacobian`,
`hvp` and `hessian` written as Python that the front end inlines.

A gradient function called inside a differentiated one is inlined as its
generated adjoint (`frontend/inlining.py`).  The derivatives of `higher.py`
and `jvp.py` are inlined the same way: each writes a small function of the
differentiable subset around its generated tangent function (or adjoint),
read back as Python, so that the outer transformation (reverse or forward
mode, any depth) differentiates the derivative itself:

    def potential_jacobian(x, w):
        # the Jacobian of potential with respect to x, by forward mode: one
        # tangent per column
        first = potential_jvp(x, w, basis_like(x, 0))
        matrix = np.empty((np.size(first), np.size(x)))
        matrix[:, 0] = np.ravel(first)
        for j in range(1, np.size(x)):
            matrix[:, j] = np.ravel(potential_jvp(x, w, basis_like(x, j)))
        return jacobian_shaped(matrix, first, x)

`basis_like` and `jacobian_shaped` are runtime helpers (`runtime/tangents.py`)
with rules of their own.  The first column is made before the loop because it
gives the number of rows.  A Jacobian by reverse mode (`mode="reverse"`) has
one gradient per row, seeded with `basis_like(y, i)`; `mode="auto"`, whose
choice depends on shapes known only at run time, is forward mode here.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from ..backend.compile import load_module
from ..errors import SrcGradError
from .gradient import GradFunction, grad
from .tangent import TangentFunction

__all__ = ["inlined_jvp", "inlined_jacobian", "inlined_jacobians", "inlined_hvp",
           "inlined_hessian"]


_HEADER = """\
import numpy as {np}
from srcgrad.runtime import basis_like as {basis_like}, jacobian_shaped as {jacobian_shaped}


"""

_COLUMNS = """\
def {name}({params}):
    # {what}: one {sweep} per column
    {first} = {call0}
    {matrix} = {np}.empty(({np}.size({first}), {np}.size({x})))
    {matrix}[:, 0] = {np}.ravel({first})
    for {j} in range(1, {np}.size({x})):
        {matrix}[:, {j}] = {np}.ravel({callj})
    return {jacobian_shaped}({matrix}, {first}, {x})
"""

_ROWS = """\
def {name}({params}):
    # {what}: one gradient per row
    {y} = {primal}({params})
    {matrix} = {np}.empty(({np}.size({y}), {np}.size({x})))
    for {i} in range({np}.size({y})):
        {matrix}[{i}, :] = {np}.ravel({adjoint}({params}, grad_ys={basis_like}({y}, {i})))
    return {jacobian_shaped}({matrix}, {y}, {x})
"""


def _params(fn: Callable) -> list[str]:
    """`fn`'s positional parameters, which the written function takes too."""
    params = []
    for p in inspect.signature(fn).parameters.values():
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            raise SrcGradError(f"{getattr(fn, '__name__', fn)}: a derivative called inside a "
                               "differentiated function takes positional parameters only")
        params.append(p.name)
    return params


class _Names:
    """Names for the written function that none of `fn`'s parameters takes:
    `f(x, j)`, `f(x, dx)` or `f(x, v)` must not see the column index, a
    tangent or the vector under its own name."""

    def __init__(self, params: list[str]):
        self.taken = set(params)
        self.header = {name: self.fresh(name) for name in ("np", "basis_like", "jacobian_shaped")}

    def fresh(self, base: str) -> str:
        name = base
        while name in self.taken:
            name += "_"
        self.taken.add(name)
        return name


def _loaded(source: str, name: str, injected: dict, names: _Names) -> Callable:
    header = _HEADER.format(**names.header)
    return getattr(load_module(header + source, name, injected), name)


def _tangent(fn: Callable, ks: tuple[int, ...], names: _Names,
             value: bool = True) -> tuple[str, TangentFunction]:
    """A tangent function along `ks` and the name the written code calls it by
    (the front end inlines its generated source, `TangentFunction._python_function`)."""
    tangent = TangentFunction(fn, ks, "python", value=value)
    tangent._generate()  # (NoTangentError here: forward mode does not apply)
    return names.fresh(tangent.__name__), tangent


def _plain_only(fn: Callable, what: str) -> None:
    if isinstance(fn, GradFunction):
        raise SrcGradError(f"{what} of a gradient function cannot be called inside a "
                           "differentiated function yet; call sg.hvp or sg.hessian of the "
                           "function itself")


def inlined_jvp(fn: Callable, ks: tuple[int, ...], bare: bool) -> Callable:
    """`jvp(fn)` as Python: `(primals, tangents) -> (value, tangent)` with a
    tangent along the positions `ks` only (the others None at the call), or
    `(x, dx)` for a function of one argument called bare."""
    _plain_only(fn, "sg.jvp")
    params = _params(fn)
    names = _Names(params)
    name, function = _tangent(fn, ks, names)
    dots = [names.fresh(f"d{params[k]}") for k in ks]
    call = f"{name}({', '.join(params + dots)})"
    if bare:
        source = f"def {name}_call({params[0]}, {dots[0]}):\n    return {call}\n"
    else:
        primals, tangents = names.fresh("primals"), names.fresh("tangents")
        unpacked = [dots[ks.index(k)] if k in ks else names.fresh("_") for k in range(len(params))]
        comma = "," if len(params) == 1 else ""
        source = (f"def {name}_call({primals}, {tangents}):\n"
                  f"    {', '.join(params)}{comma} = {primals}\n"
                  f"    {', '.join(unpacked)}{comma} = {tangents}\n"
                  f"    return {call}\n")
    return _loaded(source, f"{name}_call", {name: function}, names)


def inlined_jacobian(fn: Callable, k: int, mode: str) -> Callable:
    """`jacobian(fn, wrt=k, mode)` as Python: by columns (forward mode) for
    "forward" and "auto", by rows (gradients) for "reverse"."""
    _plain_only(fn, "sg.jacobian")
    params = _params(fn)
    names = _Names(params)
    stem = getattr(fn, "__name__", "f")
    x = params[k]
    what = f"the Jacobian of {stem} with respect to {x}"
    if mode == "reverse":
        adjoint = grad(fn, wrt=k, target="python", unconnected_gradients="zero")
        primal, gradient = names.fresh(stem), names.fresh(adjoint.__name__)
        source = _ROWS.format(name=f"{stem}_jacobian", params=", ".join(params), x=x,
                              what=what + ", by reverse mode", primal=primal,
                              adjoint=gradient, y=names.fresh("y"),
                              matrix=names.fresh("matrix"), i=names.fresh("i"), **names.header)
        return _loaded(source, f"{stem}_jacobian", {primal: fn, gradient: adjoint}, names)
    name, function = _tangent(fn, (k,), names, value=False)
    return _loaded(_columns(f"{stem}_jacobian", params, x, what + ", by forward mode",
                            "tangent", name, [], names), f"{stem}_jacobian", {name: function},
                   names)


def inlined_jacobians(fn: Callable, parts: list) -> Callable:
    """`jacobian(fn, wrt=(j, k, ...))` as Python: the tuple of each part's
    Jacobian (each part inlined in its turn)."""
    params = _params(fn)
    names = _Names(params)
    stem = getattr(fn, "__name__", "f")
    parts_named = [names.fresh(f"{stem}_jacobian_{k}") for k in range(len(parts))]
    calls = ", ".join(f"{name}({', '.join(params)})" for name in parts_named)
    source = f"def {stem}_jacobians({', '.join(params)}):\n    return ({calls},)\n"
    return _loaded(source, f"{stem}_jacobians", dict(zip(parts_named, parts)), names)


def _columns(name: str, params: list[str], x: str, what: str, sweep: str, tangent: str,
             seeds: list[str], names: _Names, part: str = "") -> str:
    """The Jacobian by columns: `tangent(*params, *seeds, basis_like(x, j))`."""
    j = names.fresh("j")

    def call(index: str) -> str:
        basis = f"{names.header['basis_like']}({x}, {index})"
        return f"{tangent}({', '.join(params + seeds)}, {basis}){part}"

    return _COLUMNS.format(name=name, params=", ".join(params), x=x, what=what, sweep=sweep,
                           call0=call("0"), callj=call(j), j=j, first=names.fresh("first"),
                           matrix=names.fresh("matrix"), **names.header)


def _gradient_tangent(fn: Callable, k: int, names: _Names) -> tuple[str, Callable, list[str]]:
    """The tangent function of `fn`'s gradient along argument `k`, its name,
    and the seeds (None) its adjoint takes after `fn`'s arguments."""
    _plain_only(fn, "sg.hvp or sg.hessian")
    first = grad(fn, wrt=k, target="python", unconnected_gradients="zero")
    name, function = _tangent(first, (k,), names, value=False)
    seeds = ["None"] * (first._extra_params + first._generate().outputs)
    return name, function, seeds


def inlined_hvp(fn: Callable, k: int) -> Callable:
    """`hvp(fn, wrt=k)` as Python: `(*args, v) -> H @ v`, the tangent of the
    gradient along v (forward over reverse)."""
    params = _params(fn)
    names = _Names(params)
    stem = getattr(fn, "__name__", "f")
    name, function, seeds = _gradient_tangent(fn, k, names)
    v = names.fresh("v")
    source = (f"def {stem}_hvp({', '.join(params)}, {v}):\n"
              f"    return {name}({', '.join(params + seeds)}, {v})[0]\n")
    return _loaded(source, f"{stem}_hvp", {name: function}, names)


def inlined_hessian(fn: Callable, k: int) -> Callable:
    """`hessian(fn, wrt=k)` as Python: the tangent of the gradient along
    each basis vector (forward over reverse)."""
    params = _params(fn)
    names = _Names(params)
    stem = getattr(fn, "__name__", "f")
    name, function, seeds = _gradient_tangent(fn, k, names)
    what = f"the Hessian of {stem} with respect to {params[k]}"
    return _loaded(_columns(f"{stem}_hessian", params, params[k], what,
                            "tangent of the gradient", name, seeds, names, "[0]"),
                   f"{stem}_hessian", {name: function}, names)
