"""Derivatives built from gradient functions: `hvp`, `hessian`, `jvp`, `jacobian`.

Every one of them is a gradient function differentiated again (`grad(grad(f))`,
see `api/gradient.py`): the generated adjoint is itself transformed, compiled, and
called here.

- `hvp(f)(*args, v)`: `H @ v` by reverse over reverse, without forming `H`:
  the gradient of `<grad f(x), v>`, a small constant times the cost of the
  gradient.
- `hessian(f)(*args)`: `hvp` against each basis vector (H is symmetric).
- `jvp(f)(primals, tangents)`: `(f(x), J @ t)`, tangents in the structure
  of the primals (as `jax.jvp`).  The gradient function
  `u -> J^T u` is linear in its seed `u`; its gradient with respect to `u`,
  seeded with `t`, is `J @ t`.  So the tangent code is generated source too
  (`.source`), differentiated from the adjoint rather than written by a
  separate forward-mode transformer.
- `jacobian(f)(*args)`: shaped `out.shape + x.shape`; rows by reverse mode
  (one gradient per output element), or columns by `jvp` (one per input
  element); `mode="auto"` takes the fewer.

The loops over basis vectors of `hessian` and `jacobian` are generated
code too, compiled like the adjoint they call (`_basis_loop`), so a Hessian
is one call from Python, not one per row.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import numpy as np

from ..backend.compile import jit, load_module
from .gradient import GradFunction, grad, value_and_grad

__all__ = ["hvp", "hessian", "jvp", "jacobian"]


def _position(fn: Callable, wrt: int | str) -> int:
    if isinstance(wrt, int):
        return wrt
    params = list(inspect.signature(fn).parameters)
    if wrt not in params:
        raise ValueError(f"wrt={wrt!r}: {getattr(fn, '__name__', fn)} has no parameter "
                         f"named so (a local variable has no Hessian or Jacobian here)")
    return params.index(wrt)


def _single(wrt, what: str) -> None:
    if not isinstance(wrt, (int, str)):
        raise TypeError(f"{what}() differentiates with respect to one parameter; got wrt={wrt!r}")


def _basis(shape: tuple[int, ...], k: int, dtype=np.float64):
    if shape == ():
        return dtype(1.0) if isinstance(dtype, type) else 1.0
    e = np.zeros(int(np.prod(shape)), dtype)
    e[k] = 1.0
    return e.reshape(shape)


def _second_derivative(fn: Callable, wrt: int | str, target: str) -> GradFunction:
    """grad(grad(fn)): seeded with v, the Hessian times v."""
    return grad(grad(fn, wrt=wrt, target=target), wrt=wrt, target=target,
                unconnected_gradients="zero")


def hvp(fn: Callable, wrt: int | str = 0, target: str = "cpu") -> Callable:
    """`(*args, v) -> H @ v`, H the Hessian of the scalar `fn` with respect
    to the argument `wrt`."""
    _single(wrt, "hvp")
    second = _second_derivative(fn, wrt, target)

    def hessian_vector_product(*args):
        if not args:
            raise TypeError("hvp: call it with fn's arguments followed by the vector v")
        *primals, v = args
        return second(*primals, grad_ys=v)

    return Derived(hessian_vector_product, second)


def hessian(fn: Callable, wrt: int | str = 0, target: str = "cpu") -> Callable:
    """`(*args) -> H`, shaped `x.shape + x.shape`, x = args[wrt]."""
    _single(wrt, "hessian")
    second = _second_derivative(fn, wrt, target)
    k = _position(fn, wrt)

    def full_hessian(*args):
        shape = np.shape(args[k])
        if shape == ():
            return second(*args, grad_ys=1.0)
        args = _as_float(args, k)
        inner_seeds = (None,) * second._extra_params
        loop = _basis_loop(second, len(args) + len(inner_seeds), target)
        n = int(np.prod(shape))
        return loop(*args, *inner_seeds, shape, n, n).reshape(shape + shape)

    return Derived(full_hessian, second)


def jvp(fn: Callable, wrt: int | str = 0, target: str = "cpu") -> Callable:
    """`(primals, tangents) -> (value, tangent_out)`, as `jax.jvp`: `primals`
    a tuple of `fn`'s arguments and `tangents` a tuple of the same length,
    one tangent shaped like each primal (`None` for no tangent);
    `tangent_out` is the derivative of `fn(*primals)` along them, the sum of
    `J_k @ tangents[k]`.  A single argument may be passed bare,
    `jvp(fn)(x, v)`.  `wrt` names the parameter whose tangent code `.source`
    shows."""
    _single(wrt, "jvp")
    value = value_and_grad(fn, wrt=wrt, target=target, unconnected_gradients="zero")
    position = _position(fn, wrt)
    tangent_functions: dict[int, tuple[GradFunction, tuple]] = {}

    def tangent_function(k: int) -> tuple[GradFunction, tuple]:
        """The gradient, with respect to its seed u, of `u -> J_k^T u`; and
        the seeds (ones) of the gradients that `fn` may itself be."""
        if k not in tangent_functions:
            first = grad(fn, wrt=k, target=target, unconnected_gradients="zero")
            params = list(inspect.signature(first._python_function()).parameters)
            # after the user's parameters: the seeds of the gradients `fn` may
            # itself be (ones: None), then the first gradient's own `grad_y`, u
            inner = (None,) * first._extra_params
            seed_name = params[len(first._signature.parameters) + len(inner)]
            tangent = GradFunction(first, wrt=seed_name, target=target, stop_gradients=(),
                                   unconnected_gradients="zero", preserve_result=False)
            tangent_functions[k] = tangent, inner
        return tangent_functions[k]

    def jacobian_vector_product(primals, tangents):
        if isinstance(primals, (tuple, list)):
            if not isinstance(tangents, (tuple, list)) or len(tangents) != len(primals):
                given = (f"a {type(tangents).__name__} of {len(tangents)}"
                         if isinstance(tangents, (tuple, list)) else type(tangents).__name__)
                raise TypeError(f"jvp: tangents must have the structure of primals, a tuple "
                                f"of {len(primals)} (one tangent per primal, None for none), "
                                f"not {given}")
            primals = tuple(primals)
        else:  # one argument, passed bare
            primals, tangents = (primals,), (tangents,)
        y, _ = value(*primals)
        u = np.zeros_like(np.asarray(y, dtype=np.float64)) if np.ndim(y) else 0.0
        total = None
        for k, t in enumerate(tangents):
            if t is None or (k != position and not np.any(t)):
                continue  # no tangent along this primal (an integer one has none)
            if np.shape(t) != np.shape(primals[k]):
                raise ValueError(f"jvp: tangents[{k}] has shape {np.shape(t)}, but its "
                                 f"primal has shape {np.shape(primals[k])}")
            tangent, inner = tangent_function(k)
            out = tangent._call_with_inner_seeds(primals, [*inner, u], t)
            total = out if total is None else total + out
        if total is None:
            total = np.zeros_like(u) if np.ndim(u) else 0.0
        return y, total

    tangent_function(position)
    return Derived(jacobian_vector_product, tangent_function(position)[0])


def jacobian(fn: Callable, wrt: int | str = 0, mode: str = "auto",
             target: str = "cpu") -> Callable:
    """`(*args) -> J`, shaped `out.shape + x.shape`, x = args[wrt]."""
    _single(wrt, "jacobian")
    if mode not in ("auto", "forward", "reverse"):
        raise ValueError(f"mode={mode!r}: choose 'auto', 'forward' or 'reverse'")
    k = _position(fn, wrt)
    rows = value_and_grad(fn, wrt=wrt, target=target, unconnected_gradients="zero")
    first = grad(fn, wrt=wrt, target=target, unconnected_gradients="zero")
    columns = None

    def full_jacobian(*args):
        nonlocal columns
        y, _ = rows(*args)
        out_shape, in_shape = np.shape(y), np.shape(args[k])
        m, n = int(np.prod(out_shape)), int(np.prod(in_shape))
        forward = mode == "forward" or (mode == "auto" and n < m)
        out = np.empty((m, n))
        if forward and in_shape != ():
            if columns is None:
                columns = jvp(fn, wrt=wrt, target=target)
            args = _as_float(args, k)
            u = np.zeros(out_shape) if out_shape else 0.0
            inner = (None,) * first._extra_params  # the seeds of a gradient `fn`
            loop = _basis_loop(columns.generated, len(args) + len(inner) + 1, target)
            out = loop(*args, *inner, u, in_shape, n, m).T
        elif forward:
            if columns is None:
                columns = jvp(fn, wrt=wrt, target=target)
            _, t = columns(args, tuple(1.0 if j == k else None for j in range(len(args))))
            out[:, 0] = np.ravel(t)
        elif in_shape != () and out_shape != ():  # (the gradient itself for a scalar out)
            args = _as_float(args, k)
            inner = (None,) * first._extra_params
            loop = _basis_loop(first, len(args) + len(inner), target)
            out = loop(*args, *inner, out_shape, m, n)
        else:
            for j in range(m):
                _, g = rows(*args, grad_ys=_basis(out_shape, j))
                out[j] = np.ravel(g)
        return out.reshape(out_shape + in_shape)

    return Derived(full_jacobian, rows)


def _as_float(args: tuple, k: int) -> tuple:
    """The arguments with the differentiated one as a float64 array (as the
    gradient function reads it)."""
    args = list(args)
    if np.result_type(args[k]).kind not in "f":
        args[k] = np.asarray(args[k], dtype=np.float64)
    return tuple(args)


_LOOP = """\
import numpy as np


def basis_loop({params}, shape, n, size):
    # row i: the gradient (`size` elements) seeded with the i-th basis vector, shaped `shape`
    e = np.zeros(n)
    out = np.empty((n, size))
    for i in range(n):
        e[i] = 1.0
        row = gradient({params}, np.reshape(e, shape))[0]
        out[i, :] = np.ravel(np.asarray(row))
        e[i] = 0.0
    return out
"""


_LOOPS: dict[tuple[int, int, str], tuple[GradFunction, Callable, Callable]] = {}


def _basis_loop(df: GradFunction, n_args: int, target: str) -> Callable:
    """`(*args, shape, n, size) -> out[n, size]`: `df`'s gradient (its first entry)
    seeded with each of the n basis vectors shaped `shape`, the loop compiled
    like `df` itself.  `args` are all of the adjoint's parameters but its own
    seed (the seeds of the gradients it differentiates included)."""
    if df._current is not None and not df._current():  # a global it read was rebound
        df._refresh()
    impl = df._implementation()
    key = (id(df), n_args, target)
    known = _LOOPS.get(key)
    if known is not None and known[0] is df and known[2] is impl:
        return known[1]
    params = ", ".join(f"a{i}" for i in range(n_args))
    source = _LOOP.format(params=params)
    module = load_module(source, f"basis_loop_{target}", {"gradient": impl})
    loop = jit(module.basis_loop) if target == "cpu" else module.basis_loop
    _LOOPS[key] = (df, loop, impl)  # keeps df alive, so its id is not reused
    return loop


class Derived:
    """A derivative function built on a generated one; `.source` is the
    generated code that does the differentiation."""

    def __init__(self, function: Callable, generated: GradFunction):
        self._function = function
        self.generated = generated
        self.__name__ = function.__name__
        self.__doc__ = function.__doc__

    @property
    def source(self) -> str:
        return self.generated.source

    def __call__(self, *args, **kwargs):
        return self._function(*args, **kwargs)
