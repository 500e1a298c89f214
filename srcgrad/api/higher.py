"""Derivatives built from generated functions: `hvp`, `hessian`, `jvp`, `jacobian`.

- `jvp(f)(primals, tangents)`: `(f(x), J @ t)`, tangents in the structure
  of the primals (as `jax.jvp`), by forward mode: the tangent function that
  `srcgrad/tangent` generates (`.source`), each statement of `f` beside its
  tangent, compiled like a gradient (`api/tangent.py`).  Where forward mode
  does not apply (a call with no tangent rule on a varied path, a gradient
  function differentiated again, arguments that are containers,
  target="cuda") it falls back to the transpose of the adjoint: the
  gradient function `u -> J^T u` is linear in its seed `u`, and its gradient
  with respect to `u`, seeded with `t`, is `J @ t` (about three gradients).
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
code too, compiled like the function they call (`_basis_loop`,
`_column_loop`), so a Hessian or a Jacobian is one call from Python, not
one per row or column.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import numpy as np

from ..backend.compile import jit, load_module
from ..tangent import NoTangentError
from .calls import as_differentiable, finish
from .gradient import GradFunction, grad, value_and_grad
from .tangent import TangentFunction

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


def hvp(fn: Callable, wrt: int | str = 0, target: str = "cpu") -> Callable:
    """`(*args, v) -> H @ v`, H the Hessian of the scalar `fn` with respect
    to the argument `wrt`: forward over reverse (the tangent of the
    gradient along `v`), reverse over reverse where forward mode does not
    apply."""
    _single(wrt, "hvp")
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

    return _SecondOrder(hessian_vector_product, forward, second)


def hessian(fn: Callable, wrt: int | str = 0, target: str = "cpu") -> Callable:
    """`(*args) -> H`, shaped `x.shape + x.shape`, x = args[wrt]: the
    tangent of the gradient along each basis vector (forward over
    reverse), reverse over reverse where forward mode does not apply."""
    _single(wrt, "hessian")
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
            loop = _compiled_loop(tangent, tangent.implementation(), len(args) + len(seeds),
                                  "[0]", "the tangent of the gradient", target)
            n = int(np.prod(shape))
            return loop(*args, *seeds, shape, n, n).reshape(shape + shape)
        if shape == ():
            return second()(*args, grad_ys=1.0)
        args = _as_float(args, k)
        inner_seeds = (None,) * second()._extra_params
        loop = _basis_loop(second(), len(args) + len(inner_seeds), target)
        n = int(np.prod(shape))
        return loop(*args, *inner_seeds, shape, n, n).reshape(shape + shape)

    return _SecondOrder(full_hessian, forward, second)


def jvp(fn: Callable, wrt: int | str = 0, target: str = "cpu") -> Callable:
    """`(primals, tangents) -> (value, tangent_out)`, as `jax.jvp`: `primals`
    a tuple of `fn`'s arguments and `tangents` a tuple of the same length,
    one tangent shaped like each primal (`None` for no tangent);
    `tangent_out` is the derivative of `fn(*primals)` along them, the sum of
    `J_k @ tangents[k]`.  A single argument may be passed bare,
    `jvp(fn)(x, v)`.  `wrt` names the parameter whose tangent code `.source`
    shows.

    On "python" and "cpu" the tangent function is generated by forward mode
    (`srcgrad/tangent`): one sweep, each statement beside its tangent; of a
    gradient function, its adjoint's tangent (forward over reverse).  It
    falls back to the transpose of the adjoint (`_transposed_jvp`) where
    forward mode does not apply: a call with an adjoint rule and no tangent
    rule on a varied path, a gradient function that returns its value too
    (`preserve_result`, `has_aux`) or differentiates a method's object, an
    argument that is a container (a tuple, dict or dataclass of arrays), and
    target="cuda"."""
    _single(wrt, "jvp")
    position = _position(fn, wrt)
    inner = fn if isinstance(fn, GradFunction) else None
    forward = target != "cuda" and (inner is None or (
        inner.target != "cuda" and not inner.preserve_result and not inner.has_aux
        and inner._self is None))
    tangent_functions: dict[tuple[int, ...], TangentFunction | None] = {}
    transposed: list[Derived] = []

    def by_transposition() -> Derived:
        if not transposed:
            transposed.append(_transposed_jvp(fn, wrt, target))
        return transposed[0]

    def tangent_function(ks: tuple[int, ...]) -> TangentFunction | None:
        """Forward mode's tangent function along the parameters `ks`, or None
        where forward mode does not apply (see above)."""
        if not forward:
            return None
        if ks not in tangent_functions:
            candidate = TangentFunction(fn, ks, target)
            try:
                candidate._generate()
            except NoTangentError:
                candidate = None
            tangent_functions[ks] = candidate
        return tangent_functions[ks]

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
        ks = []
        for k, t in enumerate(tangents):
            if t is None or (k != position and not np.any(t)):
                continue  # no tangent along this primal
            if np.shape(t) != np.shape(primals[k]):
                raise ValueError(f"jvp: tangents[{k}] has shape {np.shape(t)}, but "
                                 f"its primal has shape {np.shape(primals[k])}")
            ks.append(k)
        ks = tuple(ks)
        function = tangent_function(ks) if ks and _plain(primals) else None
        if function is None:
            return by_transposition()(primals, tangents)
        if inner is None:
            return function(primals, tuple(tangents[k] for k in ks))
        # a gradient function: its adjoint takes the seeds after the arguments (ones:
        # None) and returns a tuple of gradients, the gradient function one of them
        seeds = (None,) * (inner._extra_params + inner._generate().outputs)
        value, tangent = function(primals + seeds, tuple(tangents[k] for k in ks))
        positions = inner._generate().wrt_params
        value = [finish(g, as_differentiable(primals[p]) if p is not None else None)
                 for g, p in zip(value, positions)]
        tangent = [finish(t, v) for t, v in zip(tangent, value)]
        return (value[0], tangent[0]) if inner.single else (tuple(value), tuple(tangent))

    class Jvp(Derived):
        @property
        def source(self) -> str:
            function = tangent_function((position,))
            return function.source if function is not None else by_transposition().source

        @property
        def generated(self):
            function = tangent_function((position,))
            return function if function is not None else by_transposition().generated

    return Jvp(jacobian_vector_product, None)


def _transposed_jvp(fn: Callable, wrt: int | str = 0, target: str = "cpu") -> Derived:
    """`jvp` as the transpose of the adjoint: the gradient function
    `u -> J^T u` is linear in its seed `u`; its gradient with respect to `u`,
    seeded with `t`, is `J @ t` (about three gradients' work).  Forward
    mode's fallback."""
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
    alone: list[TangentFunction | None] = []  # forward mode's columns, once made

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
            if not alone:
                alone.append(_tangent_alone(fn, k, target))
            tangent = alone[0] if _plain(args) else None
            if tangent is not None:
                out = _column_loop(tangent, len(args), target)(*args, in_shape, n, m).T
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
    # entry i: what `function` gives ({what}, `size` elements) for the
    # i-th basis vector, shaped `shape`, as its last argument
    e = np.zeros(n)
    out = np.empty((n, size))
    for i in range(n):
        e[i] = 1.0
        part = function({params}, np.reshape(e, shape)){part}
        out[i, :] = np.ravel(np.asarray(part))
        e[i] = 0.0
    return out
"""


_LOOPS: dict[tuple, tuple[object, Callable, Callable]] = {}


def _basis_loop(df: GradFunction, n_args: int, target: str) -> Callable:
    """`(*args, shape, n, size) -> out[n, size]`: `df`'s gradient (its first entry)
    seeded with each of the n basis vectors shaped `shape`, the loop compiled
    like `df` itself.  `args` are all of the adjoint's parameters but its own
    seed (the seeds of the gradients it differentiates included)."""
    if df._current is not None and not df._current():  # a global it read was rebound
        df._refresh()
    return _compiled_loop(df, df._implementation(), n_args, "[0]", "the gradient", target)


def _column_loop(tangent: TangentFunction, n_args: int, target: str) -> Callable:
    """`(*args, shape, n, size) -> out[n, size]`: the tangent (a tangent
    function without `value`) along each of the n basis vectors shaped
    `shape`, the loop compiled like the tangent function itself."""
    return _compiled_loop(tangent, tangent.implementation(), n_args, "", "the tangent", target)


def _tangent_alone(fn: Callable, k: int, target: str) -> TangentFunction | None:
    """Forward mode's tangent function of `fn` along argument `k`, returning
    the tangent alone (a Jacobian's columns); None where forward mode does
    not apply (a plain function only: see `jvp`)."""
    if isinstance(fn, GradFunction) or target == "cuda":
        return None
    candidate = TangentFunction(fn, (k,), target, value=False)
    try:
        candidate._generate()
    except NoTangentError:
        return None
    return candidate


def _compiled_loop(owner, impl: Callable, n_args: int, part: str, what: str,
                   target: str) -> Callable:
    """The loop of `_LOOP` over `impl` (owned by `owner`), taking `part` (a
    subscript: "[0]") of each result, compiled for `target` and kept."""
    key = (id(owner), n_args, part, target)
    known = _LOOPS.get(key)
    if known is not None and known[0] is owner and known[2] is impl:
        return known[1]
    params = ", ".join(f"a{i}" for i in range(n_args))
    source = _LOOP.format(params=params, part=part, what=what)
    module = load_module(source, f"basis_loop_{target}", {"function": impl})
    loop = jit(module.basis_loop) if target == "cpu" else module.basis_loop
    _LOOPS[key] = (owner, loop, impl)  # keeps the owner alive, so its id is not reused
    return loop


def _plain(args: tuple) -> bool:
    """Arguments that are arrays and numbers (forward mode takes no containers yet)."""
    return all(isinstance(a, (np.ndarray, np.generic, int, float, bool)) for a in args)


class Derived:
    """A derivative function built on a generated one; `.source` is the
    generated code that does the differentiation."""

    def __init__(self, function: Callable, generated: GradFunction | None):
        self._function = function
        self._generated = generated
        self.__name__ = function.__name__
        self.__doc__ = function.__doc__

    @property
    def generated(self) -> GradFunction | TangentFunction:
        return self._generated

    @property
    def source(self) -> str:
        return self.generated.source

    def __call__(self, *args, **kwargs):
        return self._function(*args, **kwargs)


class _SecondOrder(Derived):
    """`hvp` or `hessian`: `.source` (and `.generated`) is the tangent
    function of the gradient where forward over reverse applies, else the
    gradient of the gradient."""

    def __init__(self, function: Callable, forward: _GradientTangent,
                 second: Callable[[], GradFunction]):
        super().__init__(function, None)
        self._forward = forward
        self._second = second

    @property
    def generated(self) -> GradFunction | TangentFunction:
        tangent = self._forward.tangent()
        return tangent if tangent is not None else self._second()
