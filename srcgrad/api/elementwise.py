"""`sg.vectorize(df)`: the gradient of a function of scalars applied
elementwise over broadcast arrays on the CPU, as a NumPy ufunc compiled by
Numba; the twin of `target="cuda"`'s elementwise call (`backend/cuda.py`).

`df` is a gradient function made for `target="cpu"` (`sg.grad`, also with
several `wrt`, `sg.value_and_grad`, a gradient of a gradient).  A call with
arrays (or numbers) of given dtypes:

- generates `df`'s adjoint for numbers of those dtypes, and its caller from
  nopython code (`nopython.py`), which converts the results as a Python
  call of `df` on numbers does;
- writes a kernel that calls that caller for one element, and compiles it
  with Numba's `@vectorize` when one array comes back (one gradient), or
  `@guvectorize` with scalar core dimensions (`"(),()->(),()"`) when several
  do (several `wrt`, the value and the gradient); `target="parallel"` runs
  it on all cores.  The kernel is compiled once per combination of dtypes.

The arguments and `grad_ys` (default ones; one entry per output of the
function) broadcast together as a ufunc's operands.  The results have the
structure of what `df` returns for one element, each an array of the
broadcast shape (a NumPy scalar where every argument is a number): a
gradient in its input's dtype (float64 for an integer or boolean input), an
unconnected input's gradient None (or zeros, with
`unconnected_gradients="zero"`), the value in the dtype the function
computes it in.
"""

from __future__ import annotations

from collections.abc import Callable

import numba
import numpy as np
from numba.core import types
from numba.core.errors import NumbaError

from ..backend.compile import load_module
from ..errors import SrcGradError
from .gradient import GradFunction
from .nopython import CallerSource, NopythonRefusal, gradient_caller, kinds_of

__all__ = ["vectorize", "ElementwiseGradient"]

_TARGETS = ("cpu", "parallel")


def vectorize(gradient: GradFunction, target: str = "cpu") -> ElementwiseGradient:
    """`gradient` (of a function of scalars, made for target='cpu') applied
    elementwise over broadcast arrays, as a Numba-compiled ufunc;
    `target="parallel"` uses every core."""
    return ElementwiseGradient(gradient, target)


class ElementwiseGradient:
    """A gradient function of scalars, applied like a ufunc.  `.source` is
    the adjoint that runs for each element; `.gradient` the gradient function."""

    def __init__(self, gradient: GradFunction, target: str = "cpu"):
        if not isinstance(gradient, GradFunction):
            raise TypeError(f"vectorize() takes a gradient function (sg.grad(f)), not {gradient!r}")
        if target not in _TARGETS:
            raise ValueError(f"target={target!r}: choose 'cpu' or 'parallel'")
        if gradient.target != "cpu":
            hint = ("it is elementwise already" if gradient.target == "cuda"
                    else "make it with target='cpu'")
            raise ValueError(f"vectorize({gradient.__name__}): it was made for "
                             f"target={gradient.target!r}; {hint}")
        self.gradient = gradient
        self.target = target
        self.__name__ = f"{gradient.__name__}_elementwise"
        # by the operands' dtypes: the adjoint they were made from, the ufunc,
        # the structure of its results
        self._ufuncs: dict[tuple, tuple[object, Callable, list]] = {}

    @property
    def source(self) -> str:
        """The adjoint each element runs (generated for numbers once called)."""
        return self.gradient.source

    def __call__(self, *args, grad_ys=None, **kwargs):
        gradient = self.gradient
        if gradient._current is not None and not gradient._current():
            gradient._refresh()  # a global the adjoint captured was rebound
        if kwargs or len(args) != gradient._positional:
            args = gradient._bind(args, kwargs)
        operands = [_operand(a, gradient, k) for k, a in enumerate(args)]
        seeds = self._seeds(operands, grad_ys)
        try:
            np.broadcast_shapes(*(np.shape(v) for v in operands + seeds))
        except ValueError:
            raise ValueError(f"{self.__name__}: the arguments and grad_ys do not broadcast "
                             "together (shapes "
                             f"{', '.join(str(np.shape(v)) for v in operands + seeds)})") from None
        ufunc, leaves = self._ufunc(tuple(np.result_type(v) for v in operands),
                                    tuple(np.result_type(v) for v in seeds))
        outs = ufunc(*operands, *seeds)
        outs = iter(outs if isinstance(outs, tuple) else (outs,))
        return _rebuild(leaves, outs)

    def _seeds(self, operands: list, grad_ys) -> list:
        """`grad_ys` as the kernel's operands, one per output of the function
        (1.0 where none is given)."""
        gradient = self.gradient
        gradient._assume_kinds(kinds_of([numba.from_dtype(np.result_type(v)) for v in operands]))
        generated = gradient._generate()
        seeds = gradient._seeds(grad_ys, generated)
        return [1.0 if s is None else np.asarray(s) for s in seeds]

    def _ufunc(self, dtypes: tuple, seed_dtypes: tuple) -> tuple[Callable, list]:
        """The compiled ufunc for operands of these dtypes, and the structure
        of its results."""
        key = (dtypes, seed_dtypes)
        known = self._ufuncs.get(key)
        generated = self.gradient._generate()
        if known is None or known[0] is not generated:  # (generated again since)
            known = self._ufuncs[key] = (generated, *self._compile(dtypes, seed_dtypes))
        return known[1], known[2]

    def _compile(self, dtypes: tuple, seed_dtypes: tuple) -> tuple[Callable, list]:
        gradient = self.gradient
        argtypes = tuple(numba.from_dtype(d) for d in dtypes)
        seedtypes = [numba.from_dtype(d) for d in seed_dtypes]
        seeds = seedtypes[0] if len(seedtypes) == 1 and gradient._single_output \
            else types.Tuple(seedtypes)
        try:
            caller = gradient_caller(gradient, argtypes, {"grad_ys": seeds})
            _, _, folded, _ = caller.get_call_template(argtypes, {"grad_ys": seeds})
        except NopythonRefusal as exc:
            raise ValueError(f"vectorize({gradient.__name__}): {exc}") from None
        except NumbaError as exc:
            raise gradient._compile_error(exc) from None
        result = caller.overloads[tuple(folded)].signature.return_type
        leaves = _leaves(result, ())
        computed = [(path, ty) for path, ty in leaves if not _is_none(ty)]
        if any(not isinstance(ty, (types.Number, types.Boolean)) for _, ty in computed):
            raise SrcGradError(f"vectorize({gradient.__name__}): the function must take and "
                               f"return numbers; its gradient for numbers returns {result}",
                               *gradient._where())
        return self._kernel(caller, argtypes, seedtypes, computed), leaves

    def _kernel(self, caller, argtypes, seedtypes, computed) -> Callable:
        """The element's caller wrapped for `@vectorize` (one result) or
        `@guvectorize` (several), compiled."""
        gradient = self.gradient
        params = [*gradient._signature.parameters]
        source = CallerSource(params, f"{gradient.__name__} elementwise")
        element = source.calls("element", caller)
        seed_names = [source.fresh(f"grad_y{j}") for j in range(len(seedtypes))]
        seed_arg = seed_names[0] if len(seed_names) == 1 and gradient._single_output \
            else f"({', '.join(seed_names)},)"
        call = f"{element}({', '.join(params)}, {seed_arg})"
        inputs = [*params, *seed_names]
        if len(computed) == 1:
            (path, ty), = computed
            body = [f"return {call}{_subscript(path)}"]
            signature = ", ".join(inputs)
        else:
            outs = [source.fresh(f"out{j}") for j in range(len(computed))]
            result = source.fresh("result")
            body = [f"{result} = {call}", *(f"{out}[0] = {result}{_subscript(path)}"
                                            for out, (path, _) in zip(outs, computed))]
            signature = ", ".join(inputs + outs)
        text, name = source.text(self.__name__, signature, body)
        kernel = getattr(load_module(text, name, source.injected), name)
        intypes = [*argtypes, *seedtypes]
        try:
            if len(computed) == 1:
                return numba.vectorize([computed[0][1](*intypes)], target=self.target,
                                       cache=True)(kernel)
            layout = f"{','.join(['()'] * len(intypes))}->{','.join(['()'] * len(computed))}"
            sig = types.void(*intypes, *(types.Array(ty, 1, "A") for _, ty in computed))
            return numba.guvectorize([sig], layout, target=self.target, cache=True)(kernel)
        except NumbaError as exc:
            raise gradient._compile_error(exc) from None

    def __repr__(self) -> str:
        return f"<srcgrad elementwise {self.gradient!r} ({self.target})>"


def _operand(value, gradient: GradFunction, k: int):
    """An argument as a ufunc operand: a real number or an array of them."""
    array = np.asarray(value)
    if array.dtype.kind not in "fiub":
        params = list(gradient._signature.parameters)
        raise TypeError(f"{gradient.__name__} elementwise: parameter '{params[k]}' got "
                        f"{type(value).__name__} of dtype {array.dtype}; it takes real numbers "
                        "and arrays of them")
    return value if array.ndim == 0 and not isinstance(value, np.ndarray) else array


def _leaves(ty, path: tuple) -> list[tuple[tuple, object]]:
    """The scalars (and Nones) of a result of Numba type `ty`, with their
    positions in it."""
    if isinstance(ty, types.BaseTuple):
        return [leaf for j, part in enumerate(ty) for leaf in _leaves(part, path + (j,))]
    return [(path, ty)]


def _is_none(ty) -> bool:
    return isinstance(ty, (types.NoneType, types.Omitted))


def _subscript(path: tuple) -> str:
    return "".join(f"[{j}]" for j in path)


def _rebuild(leaves: list, outs, path: tuple = ()) -> object:
    """The results in the structure of the element's result: `leaves` its
    scalars' positions and types, `outs` the arrays computed for those that
    are not None, in order.  (A plain recursive function: a nested one
    would be a reference cycle holding the last call's arrays until the
    garbage collector runs, and the next call would allocate new memory.)"""
    here = [p for p, _ in leaves if p[:len(path)] == path]
    if here == [path]:
        return None if _is_none(dict(leaves)[path]) else next(outs)
    parts, j = [], 0
    while any(p[:len(path) + 1] == path + (j,) for p in here):
        parts.append(_rebuild(leaves, outs, path + (j,)))
        j += 1
    return tuple(parts)
