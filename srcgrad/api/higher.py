"""Derivatives built from generated functions: `hvp`, `hessian`, `jvp`, `jacobian`.

- `jvp(f)(primals, tangents)`: `(f(x), J @ t)` by forward mode (`jvp.py`).
- `jacobian(f)(*args)`: shaped `out.shape + x.shape`; rows by reverse mode
  (one gradient per output element), or columns by forward mode (one
  tangent per input element); `mode="auto"` takes the fewer.
- `hvp(f)(*args, v)`: `H @ v` by forward over reverse, without forming `H`:
  the tangent of the gradient along `v`, the generated adjoint
  differentiated by forward mode (its stacks with stacks of tangents
  beside them).  Where forward mode does not apply, reverse over reverse:
  the gradient of `<grad f(x), v>`.
- `hessian(f)(*args)`: `hvp` against each basis vector (H is symmetric).

The loops over basis vectors of `hessian` and `jacobian` are generated
code too, compiled like the function they call (`derived.py`), so a
Hessian or a Jacobian is one call from Python, not one per row or column.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import SrcGradError
from ..tangent import NoTangentError
from .calls import as_differentiable, finish
from .derived import (
    Derived,
    _as_float,
    _basis,
    _basis_loop,
    _column_loop,
    _plain,
    _position,
    _rows_loop,
    _single,
)
from .gradient import GradFunction, grad, value_and_grad
from .inlined import inlined_hessian, inlined_hvp, inlined_jacobian, inlined_jacobians
from .jvp import _tangent_alone, _transposed_jvp, jvp
from .nopython_derived import hessian_caller, hvp_caller, jacobian_caller, jacobians_caller
from .tangent import TangentFunction

__all__ = ["hvp", "hessian", "jvp", "jacobian"]


def _first_column(tangent: TangentFunction, args: tuple, shape: tuple):
    """The tangent along the first basis vector shaped `shape`, from the
    function the columns' loop calls (a laned one's other lanes along the
    next basis vectors): no other function compiled to count the rows."""
    lanes = tangent._generate().lanes
    if lanes == 1:
        return tangent(args, (_basis(shape, 0),))
    return tangent.implementation()(*args, *(_basis(shape, j) for j in range(lanes)))[0]


def _not_on_device(target: str, what: str) -> None:
    """Refuse target="cuda", which differentiates functions of scalars
    elementwise: its derivatives are `grad` and `jvp`."""
    if target == "cuda":
        raise SrcGradError(f"{what}(target='cuda'): the GPU target differentiates functions of "
                           "scalars elementwise, with grad (reverse mode) and jvp (forward "
                           f"mode); {what} runs on the 'cpu' and 'python' targets")


def _second_derivative(fn: Callable, wrt: int | str, target: str) -> GradFunction:
    """grad(grad(fn)): seeded with v, the Hessian times v."""
    return grad(grad(fn, wrt=wrt, target=target), wrt=wrt, target=target,
                unconnected_gradients="zero")


class _GradientTangent:
    """Forward over reverse: the tangent function of `fn`'s gradient (the
    generated adjoint differentiated by forward mode, `api/tangent.py`), whose
    tangent along `v` is `H @ v`; None where forward mode does not apply
    (a call with no tangent rule on a varied path of the adjoint, `fn` a
    gradient function itself, target="cuda"), and then `hvp` and `hessian`
    are reverse over reverse (`_second_derivative`)."""

    def __init__(self, fn: Callable, wrt: int | str, target: str):
        self.k = _position(fn, wrt)
        self.first = None
        if target != "cuda" and not isinstance(fn, GradFunction):
            self.first = grad(fn, wrt=wrt, target=target, unconnected_gradients="zero")
        self.target = target
        self._tangent: TangentFunction | None = None
        self._tried = False
        self._seeds: tuple | None = None

    def tangent(self) -> TangentFunction | None:
        if not self._tried and self.first is not None:
            candidate = TangentFunction(self.first, (self.k,), self.target, value=False)
            try:
                candidate._generate()
            except NoTangentError:
                candidate = None
            self._tangent, self._tried = candidate, True
        return self._tangent

    def seeds(self) -> tuple:
        """The adjoint's parameters after `fn`'s: its seeds, None for ones."""
        if self._seeds is None:
            self._seeds = (None,) * (self.first._extra_params + self.first._generate().outputs)
        return self._seeds

    def __call__(self, args: tuple, v):
        """`H @ v` at `args`, shaped and typed like the gradient."""
        tangent = self.tangent()
        dgrad = tangent((*args, *self.seeds()), (v,))
        return finish(dgrad[0], as_differentiable(args[self.k]))


def hvp(fn: Callable[..., Any], wrt: int | str = 0, target: str = "cpu") -> Derived:
    """`(*args, v) -> H @ v`, H the Hessian of the scalar `fn` with respect
    to the argument `wrt`: forward over reverse (the tangent of the
    gradient along `v`), reverse over reverse where forward mode does not
    apply."""
    _single(wrt, "hvp")
    _not_on_device(target, "hvp")
    forward = _GradientTangent(fn, wrt, target)
    reverse: list[GradFunction] = []

    def second() -> GradFunction:
        if not reverse:
            reverse.append(_second_derivative(fn, wrt, target))
        return reverse[0]

    def hessian_vector_product(*args):
        if not args:
            raise TypeError("hvp: call it with fn's arguments followed by the vector v")
        *primals, v = args
        if _plain(args) and forward.tangent() is not None:
            if np.shape(v) != np.shape(primals[forward.k]):
                raise ValueError(f"hvp: v has shape {np.shape(v)}, but the argument it "
                                 f"multiplies has shape {np.shape(primals[forward.k])}")
            return forward(tuple(primals), v)
        return second()(*primals, grad_ys=v)

    derived = _SecondOrder(hessian_vector_product, forward, second, (hvp, fn, wrt, target))
    derived.nopython = lambda args, kws: hvp_caller(fn, forward, second, args, kws)
    derived.inlined = lambda: inlined_hvp(fn, forward.k)
    return derived


def hessian(fn: Callable[..., Any], wrt: int | str = 0, target: str = "cpu") -> Derived:
    """`(*args) -> H`, shaped `x.shape + x.shape`, x = args[wrt]: the
    tangent of the gradient along each basis vector (forward over
    reverse), reverse over reverse where forward mode does not apply."""
    _single(wrt, "hessian")
    _not_on_device(target, "hessian")
    forward = _GradientTangent(fn, wrt, target)
    k = forward.k
    reverse: list[GradFunction] = []

    def second() -> GradFunction:
        if not reverse:
            reverse.append(_second_derivative(fn, wrt, target))
        return reverse[0]

    def full_hessian(*args):
        shape = np.shape(args[k])
        tangent = forward.tangent() if _plain(args) else None
        if tangent is not None:
            if shape == ():
                return forward(args, 1.0)
            args = _as_float(args, k)
            seeds = forward.seeds()
            n = int(np.prod(shape))
            loop = _column_loop(tangent.for_columns(n), len(args) + len(seeds), target,
                                "[0]", "the tangent of the gradient")
            return loop(*args, *seeds, shape, n, n).reshape(shape + shape)
        if shape == ():
            return second()(*args, grad_ys=1.0)
        args = _as_float(args, k)
        inner_seeds = (None,) * second()._extra_params
        loop = _basis_loop(second(), len(args) + len(inner_seeds), target)
        n = int(np.prod(shape))
        return loop(*args, *inner_seeds, shape, n, n).reshape(shape + shape)

    derived = _SecondOrder(full_hessian, forward, second, (hessian, fn, wrt, target))
    derived.nopython = lambda args, kws: hessian_caller(fn, forward, second, args, kws)
    derived.inlined = lambda: inlined_hessian(fn, k)
    return derived


def jacobian(fn: Callable[..., Any], wrt: int | str | tuple = 0, mode: str = "auto",
             target: str = "cpu") -> Derived:
    """`(*args) -> J`, shaped `out.shape + x.shape`, x = args[wrt]; for a
    tuple `wrt`, the tuple of the Jacobians with respect to each (as
    `jax.jacfwd(f, argnums=(0, 1))`)."""
    if mode not in ("auto", "forward", "reverse"):
        raise ValueError(f"mode={mode!r}: choose 'auto', 'forward' or 'reverse'")
    _not_on_device(target, "jacobian")
    if isinstance(wrt, tuple):
        return _jacobians(fn, wrt, mode, target)
    _single(wrt, "jacobian")
    k = _position(fn, wrt)
    rows = value_and_grad(fn, wrt=wrt, target=target, unconnected_gradients="zero")
    first = grad(fn, wrt=wrt, target=target, unconnected_gradients="zero")
    columns = None
    alone: list[TangentFunction | None] = []  # forward mode's columns, once made

    def by_columns(args: tuple, in_shape: tuple):
        """Forward mode's Jacobian, its rows counted by its first column (no
        sweep but tangents); None where forward mode does not apply."""
        if not alone:
            alone.append(_tangent_alone(fn, k, target))
        tangent, n = alone[0], int(np.prod(in_shape))
        if tangent is None or n == 0:
            return None
        args = _as_float(args, k)
        laned = tangent.for_columns(n)
        out_shape = np.shape(_first_column(laned, args, in_shape))
        m = int(np.prod(out_shape))
        out = _column_loop(laned, len(args), target)(*args, in_shape, n, m).T
        return out.reshape(out_shape + in_shape)

    def by_rows(args: tuple, known_rows: bool = False):
        """Reverse mode's Jacobian, several rows per sweep, the value from
        the first (`GradFunction._rows_form`); None where that form does
        not apply, or (`known_rows`, for mode="auto") where the code does
        not fix the number of rows or it is more than the columns."""
        if first._extra_params or np.shape(args[k]) == () or not _plain(args):
            return None
        args = _as_float(args, k)
        form = rows._rows_form()
        form._assume(list(args))
        generated = form._generate()
        if not generated.rows or known_rows and not (
                0 < generated.rows_length <= np.size(args[k])):
            return None
        in_shape = np.shape(args[k])
        y, out = _rows_loop(form, len(args), target)(*args, int(np.prod(in_shape)))
        return out.reshape(np.shape(y) + in_shape)

    def full_jacobian(*args):
        nonlocal columns
        if mode == "forward" and np.shape(args[k]) != () and _plain(args):
            out = by_columns(args, np.shape(args[k]))
            if out is not None:
                return out
        if mode != "forward":
            out = by_rows(args, known_rows=mode == "auto")
            if out is not None:
                return out
        y, _ = rows(*args)
        out_shape, in_shape = np.shape(y), np.shape(args[k])
        m, n = int(np.prod(out_shape)), int(np.prod(in_shape))
        forward = mode == "forward" or (mode == "auto" and n < m)
        out = np.empty((m, n))
        if forward and in_shape != ():
            if columns is None:
                columns = jvp(fn, wrt=wrt, target=target)
            args = _as_float(args, k)
            if not alone:
                alone.append(_tangent_alone(fn, k, target))
            tangent = alone[0] if _plain(args) else None
            if tangent is not None:
                out = _column_loop(tangent.for_columns(n), len(args), target)(
                    *args, in_shape, n, m).T
            else:  # forward mode's fallback: the transpose of the adjoint
                u = np.zeros(out_shape) if out_shape else 0.0
                inner = (None,) * first._extra_params  # the seeds of a gradient `fn`
                transposed = _transposed_jvp(fn, wrt=wrt, target=target).generated
                loop = _basis_loop(transposed, len(args) + len(inner) + 1, target)
                out = loop(*args, *inner, u, in_shape, n, m).T
        elif forward:
            if columns is None:
                columns = jvp(fn, wrt=wrt, target=target)
            _, t = columns(args, tuple(1.0 if j == k else None for j in range(len(args))))
            out[:, 0] = np.ravel(t)
        elif in_shape != () and out_shape != ():  # (the gradient itself for a scalar out)
            if m > 1:
                laned = by_rows(args)
                if laned is not None:
                    return laned
            args = _as_float(args, k)
            inner = (None,) * first._extra_params
            loop = _basis_loop(first, len(args) + len(inner), target)
            out = loop(*args, *inner, out_shape, m, n)
        else:
            for j in range(m):
                _, g = rows(*args, grad_ys=_basis(out_shape, j))
                out[j] = np.ravel(g)
        return out.reshape(out_shape + in_shape)

    derived = Derived(full_jacobian, rows, (jacobian, fn, wrt, mode, target))
    derived.nopython = lambda args, kws: jacobian_caller(fn, k, mode, rows, first, target,
                                                         args, kws)
    derived.inlined = lambda: inlined_jacobian(fn, k, mode)
    return derived


def _jacobians(fn: Callable, wrt: tuple, mode: str, target: str) -> Derived:
    """The Jacobians with respect to several parameters: one `jacobian` each."""
    if not wrt:
        raise ValueError("jacobian: wrt=() names no parameter")
    parts = [jacobian(fn, w, mode, target) for w in wrt]

    def jacobians(*args):
        return tuple(part(*args) for part in parts)

    derived = _Several(jacobians, parts, (jacobian, fn, wrt, mode, target))
    derived.inlined = lambda: inlined_jacobians(fn, parts)
    derived.nopython = lambda args, kws: jacobians_caller(fn, parts, args, kws)
    return derived


class _Several(Derived):
    """A tuple of derivatives; `.source` is the first one's."""

    def __init__(self, function: Callable, parts: list[Derived], recipe: tuple):
        super().__init__(function, None, recipe)
        self._parts = parts

    @property
    def generated(self):
        return self._parts[0].generated


class _SecondOrder(Derived):
    """`hvp` or `hessian`: `.source` (and `.generated`) is the tangent
    function of the gradient where forward over reverse applies, else the
    gradient of the gradient."""

    def __init__(self, function: Callable, forward: _GradientTangent,
                 second: Callable[[], GradFunction], recipe: tuple):
        super().__init__(function, None, recipe)
        self._forward = forward
        self._second = second

    @property
    def generated(self) -> GradFunction | TangentFunction:
        tangent = self._forward.tangent()
        return tangent if tangent is not None else self._second()
