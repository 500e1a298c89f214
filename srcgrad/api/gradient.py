"""The public API: `grad`, `value_and_grad`, `stop_gradient`.

`grad(f)` returns a `GradFunction`: calling it transforms `f` once (see
`backend/pipeline.py`), loads the generated module, compiles it for the target
once per argument types, and converts the results (dtypes, `None` for
unconnected inputs, the structure of `wrt`).  Before each call it checks
that the globals the generated code captured still hold (`frontend/bindings.py`),
and transforms the function again where one was rebound.  The conversions of
a call's arguments and results, and the short path of the common call, are in
`calls.py`; what a failure of the adjoint becomes, in `failures.py`.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import threading
import time
import types
from collections.abc import Callable, Sequence
from typing import Any, overload

from ..backend.compile import load_generated, load_module
from ..backend.device import DeviceOptions
from ..backend.pipeline import Generated, Options, connected_params, transform
from ..errors import SrcGradError
from ..frontend.bindings import still_bound
from ..frontend.expressions import stop_gradient
from ..ir.trees import object_tree
from ..optimize.lanes import LANES
from .calls import (
    TAKEN_ELSEWHERE,
    as_differentiable,
    finish,
    general_only,
    numbers,
    short_path,
    undecided,
)
from .failures import Failures
from .pickling import rebuild_gradient, reduce_gradient
from .source import GeneratedSource
from .structures import Structures

__all__ = ["grad", "value_and_grad", "stop_gradient", "GradFunction"]

_TARGETS = ("cpu", "python", "cuda")

# what `wrt` takes: a parameter's position or name (or a local's name), or a sequence of them
Wrt = int | str | Sequence[int | str]


class GradFunction(Structures, Failures):
    """The gradient of a function, as generated Python source compiled for a target.

    Call it like the original function (plus `grad_ys=`); read `.source`
    for the generated code and `.fn` for the original function.
    """

    fn: Callable[..., Any]  # the function differentiated (a GradFunction for a higher order)

    def __init__(self, fn: Callable[..., Any], *, wrt: Wrt, target: str,
                 stop_gradients: Sequence[str], unconnected_gradients: str,
                 preserve_result: bool, max_trips: int | None = None, has_aux: bool = False):
        if not callable(fn):
            raise TypeError(f"grad() needs a function, got {fn!r}")
        self.inner = fn if isinstance(fn, GradFunction) else None
        if self.inner is not None:
            _check_differentiable_again(self.inner, target)
        elif not isinstance(getattr(fn, "py_func", fn), types.FunctionType) and not (
                isinstance(fn, types.MethodType) and isinstance(fn.__func__, types.FunctionType)):
            # a bound method, a class, np.vectorize(...): say so now, before the
            # call binds arguments to a signature that may be (*args, **kwargs)
            raise TypeError(f"grad() differentiates Python functions defined with 'def', "
                            f"not {fn!r}")
        if target not in _TARGETS:
            raise ValueError(f"target={target!r}: choose one of {', '.join(map(repr, _TARGETS))}")
        if unconnected_gradients not in ("none", "zero"):
            raise ValueError(f"unconnected_gradients={unconnected_gradients!r}: choose 'none' "
                             "or 'zero'")
        if isinstance(stop_gradients, str):
            stop_gradients = (stop_gradients,)
        self.single = isinstance(wrt, (int, str))
        if not self.single and not isinstance(wrt, (tuple, list)):
            raise TypeError(f"wrt entries are parameter positions or names, not {wrt!r}")
        wrt_tuple = (wrt,) if self.single else tuple(wrt)
        if not wrt_tuple:
            raise ValueError("wrt is empty: name at least one parameter or local variable")
        self.fn = fn
        # what a pickle of this gradient function remakes it from (api/pickling.py)
        self._made_with = dict(wrt=wrt, target=target, stop_gradients=tuple(stop_gradients),
                               unconnected_gradients=unconnected_gradients,
                               preserve_result=preserve_result, max_trips=max_trips,
                               has_aux=has_aux)
        # wrt="self" of a bound method: the object, whose attributes are differentiated
        # as a tree (ir/trees.py) passed as the first argument of the unbound function
        self._self = None
        if isinstance(fn, types.MethodType) and self.inner is None:
            first = next(iter(inspect.signature(fn.__func__).parameters), None)
            if first in wrt_tuple:
                if target == "cuda":
                    raise ValueError(f"wrt={first!r}: a bound method's object is differentiated "
                                     "on 'cpu' or 'python'")
                self._self = fn.__self__
                wrt_tuple = tuple(0 if w == first else w + 1 if isinstance(w, int) and not
                                  isinstance(w, bool) and w >= 0 else w for w in wrt_tuple)
        self.target = target
        self.preserve_result = preserve_result
        self.has_aux = has_aux
        if has_aux and (target == "cuda" or self.inner is not None):
            raise ValueError("has_aux=True: for the gradient of a function on 'cpu' or 'python'")
        self.options = Options(wrt_tuple, tuple(stop_gradients), unconnected_gradients == "zero",
                               preserve_result, generated=self.inner is not None,
                               typed=target != "python", has_aux=has_aux)
        if target == "cuda":
            self.options = dataclasses.replace(self.options, device=DeviceOptions(
                _checked_max_trips(max_trips), self.single))
        elif max_trips is not None:
            raise ValueError(f"max_trips bounds loops for target='cuda', not target={target!r}")
        # a gradient function is called like the function it differentiates
        self._signature = self.inner._signature if self.inner else inspect.signature(fn)
        # a call with exactly this many positional arguments needs no binding
        params = list(self._signature.parameters.values())
        plain = all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params)
        self._positional = len(params) if plain else -1
        self._lock = threading.Lock()
        # the parameters the first call passed numbers (or arrays: their rank
        # and dtype kind): the code is generated for those there, and generated
        # again, for any value, the first time a call passes something else
        # there (None: no call yet; see _assume)
        self._assumed: frozenset[tuple[int, str]] | None = None
        # the parameters the first call passed a container of arrays, with its
        # structure (api/trees.py); None: no call yet
        self._trees: tuple | None = None
        if self._self is not None:
            self._trees = ((0, object_tree(self._self)),)
        self._forget()
        # (not the __dict__ of a gradient function: it holds that function's state)
        functools.update_wrapper(self, fn, updated=() if self.inner else ("__dict__",))
        self.__name__ = f"{getattr(fn, '__name__', 'f')}_grad"
        self.__qualname__ = self.__name__

    # --- generation ------------------------------------------------------------------

    def _generate(self) -> Generated:
        if self._generated is None:
            with self._lock:
                if self._generated is None:
                    source_fn = self.inner._python_function() if self.inner else self._function
                    options = self.options
                    if self._assumed is None:  # generated before any call: for any value
                        self._assumed = frozenset()
                    options = dataclasses.replace(options, scalars=self._assumed,
                                                  trees=self._trees or ())
                    if self.inner is not None:
                        options = dataclasses.replace(options, connected=self._connected())
                    start = time.perf_counter()
                    generated = transform(source_fn, options)
                    self._log_transform(generated, time.perf_counter() - start)
                    # Numba freezes a global array's values into the compiled code
                    current = still_bound(generated.bindings, self.target != "python")
                    if self.inner is not None:
                        self._built_on = self.inner._generated
                        own = current
                        current = self._inner_current if own is None else (
                            lambda: own() and self._inner_current())
                    self._current = current
                    self._generated = generated
        return self._generated

    def _connected(self) -> frozenset[int]:
        """The parameters that reach an output of the user's function as
        written (with the first gradient's stop_gradients): a derivative of
        higher order with respect to one of them is a number, never None."""
        first = self
        while first.inner is not None:
            first = first.inner
        return connected_params(first.fn, first.options.stop_gradients)

    def _inner_current(self) -> bool:
        inner = self.inner
        return inner._generated is self._built_on and (inner._current is None
                                                        or inner._current())

    def _forget(self) -> None:
        """No generated code yet: the state before the first call."""
        self._generated: Generated | None = None
        self._impl: Callable | None = None
        self._fast: Callable = undecided  # the short path, made by the first call
        self._module = None
        # whether the user's globals that the generated code captured still hold
        # (see frontend/bindings.py); None: nothing to check
        self._current: Callable[[], bool] | None = None
        self._built_on: Generated | None = None  # the inner gradient's code this one differentiates

    def _refresh(self) -> None:
        """Called when a global the generated code captured was rebound (or a
        global array the compiled code froze was changed): drop the generated
        code, so that the call transforms the function again."""
        with self._lock:
            self._forget()
        if self.inner is not None and self.inner._current is not None \
                and not self.inner._current():
            self.inner._refresh()

    def _without_value(self) -> GradFunction:
        """The same gradient without the value (`preserve_result=False`), made
        once: what a `value_and_grad` called inside a differentiated function
        inlines beside a call of the function itself."""
        twin = self.__dict__.get("_twin")
        if twin is None:
            twin = self._twin = GradFunction(self.fn, **{**self._made_with,
                                                         "preserve_result": False})
        return twin

    def _rows_form(self) -> GradFunction:
        """This value-and-gradient function as the rows of a Jacobian, made
        once: one call gives the value and up to `LANES` rows, each seeded
        with the basis vector at a flat index of the result that the call
        passes (`Options.lanes`, `adjoint/lanes.py`; `Generated.rows` is
        False where that form could not be made)."""
        rows = self.__dict__.get("_rows")
        if rows is None:
            rows = self._rows = GradFunction(self.fn, **self._made_with)
            rows.options = dataclasses.replace(rows.options, lanes=LANES)
        return rows

    def _python_function(self) -> Callable:
        """The generated adjoint as an uncompiled Python function, which a
        derivative of higher order differentiates again: generated for any
        value of each parameter (the higher derivative's calls decide its own)."""
        if self._assumed:
            self._assumed = frozenset()
            self._refresh()
        generated = self._generate()
        if generated.grows_lists:
            raise SrcGradError(f"{self.__name__} cannot be differentiated again: "
                               f"{getattr(self.fn, '__name__', 'the function')} grows a list in a "
                               "loop of unknown length (acc.append(v)); fill an array made with "
                               "np.zeros(n) instead for derivatives of higher order")
        module = load_module(generated.list_source or generated.source,
                             getattr(self.fn, "__name__", "f"),
                             generated.injected)
        return getattr(module, generated.name)

    @property
    def _function(self) -> Callable:
        """The function transformed: with wrt="self", the method unbound."""
        return self.fn.__func__ if self._self is not None else self.fn

    @property
    def _extra_params(self) -> int:
        """How many parameters the adjoint has beyond the user's function's:
        the `grad_y` seeds (of this gradient and of those it differentiates)."""
        if self.inner is None:
            return 0
        return self.inner._extra_params + self.inner._generate().outputs

    @property
    def _single_output(self) -> bool:
        """Whether the differentiated function returns one value (not a tuple)."""
        if self.inner is not None:
            return self.inner.single and not self.inner.preserve_result
        return self._generate().single_result

    @property
    def device_function(self):
        """The adjoint as a CUDA device function (target='cuda'), for your own
        kernels: it takes the function's arguments for one element (then, with
        max_trips, the overflow array, then the `grad_y` seeds, default 1.0)
        and returns what this gradient function returns for one element."""
        if self.target != "cuda":
            raise AttributeError(f"device_function: {self.__name__} was made for "
                                 f"target={self.target!r}; pass target='cuda'")
        if self._current is not None and not self._current():
            self._refresh()
        return self._cuda().device_function

    def _cuda(self):
        if self._impl is None:
            generated = self._generate()
            with self._lock:
                if self._impl is None:
                    from ..backend import cuda

                    if not cuda.numba_cuda_installed():
                        file, line = self._where()
                        raise SrcGradError(f"the gradient of {self.fn.__name__}: "
                                           f"{cuda.NEEDS_NUMBA_CUDA}", file, line)
                    stem = getattr(self.fn, "__name__", "f")
                    self._module = load_module(generated.source, stem, generated.injected)
                    self._impl = cuda.CudaGradient(generated, self._module, self.fn.__name__,
                                                   self.options.device.max_trips)
        return self._impl

    @property
    def source(self) -> GeneratedSource:
        """The generated adjoint, as Python source: the code that runs (a
        `str`, shown highlighted in Jupyter)."""
        if self._current is not None and not self._current():
            self._refresh()
        return GeneratedSource(self._generate().source)

    def _implementation(self) -> Callable:
        if self._impl is None:
            generated = self._generate()
            with self._lock:
                if self._impl is None:
                    stem = getattr(self.fn, "__name__", "f")
                    self._module, self._impl = load_generated(
                        generated.source, stem, generated.injected, generated.name,
                        self.target, generated.functions)
        return self._impl

    # --- calling ------------------------------------------------------------------------

    def __call__(self, *args: Any, grad_ys: Any = None, **kwargs: Any) -> Any:
        if self._current is not None and not self._current():
            self._refresh()
        if grad_ys is None and not kwargs:
            grads = self._fast(self, args)
            if grads is not TAKEN_ELSEWHERE:
                return grads
        if kwargs or len(args) != self._positional:
            args = self._bind(args, kwargs)
        return self._run(self._inputs(args), grad_ys)

    def _call_with_inner_seeds(self, args, inner_seeds: list, grad_ys):
        """Call with the seeds of the gradient function this one differentiates
        given (`jvp` differentiates with respect to one of them)."""
        if self._current is not None and not self._current():
            self._refresh()
        return self._run(self._inputs(args) + list(inner_seeds), grad_ys, inner_given=True)

    def _assume(self, values: list) -> None:
        """Before the first generation, note which parameters `values` gives
        numbers, and which arrays of what rank and dtype kind; after it,
        generate again for any value if a parameter the code was generated
        for a number gets an array, or for an array gets another kind."""
        self._assume_kinds(frozenset(numbers(values)))

    def _assume_kinds(self, kinds: frozenset[tuple[int, str]]) -> None:
        """`_assume` of values of these kinds (`calls.numbers`; a call from
        nopython code knows its arguments' kinds from their Numba types)."""
        if self.target == "cuda" or self.inner is not None:
            return  # device code is scalar anyway; a higher derivative's follows its inner's
        if self._assumed is None:
            self._assumed = kinds
        elif self._assumed and not self._assumed <= kinds:
            self._assumed = frozenset()
            self._refresh()

    def _run(self, values: list, grad_ys, inner_given: bool = False):
        self._assume(values)
        generated = self._generate()
        if self.target == "cuda":
            return self._cuda()(values, self._seeds(grad_ys, generated))
        for k in generated.wrt_params:
            if k is not None:
                values[k] = as_differentiable(values[k])
        seeds = self._seeds(grad_ys, generated)
        if self.inner is not None and not inner_given:  # the inner gradients' seeds: ones
            seeds = [None] * self._extra_params + seeds
        out = self._call_implementation(values, seeds)
        if self._fast is undecided:  # made once, after the first call that compiled
            plain = not self._trees and not self.has_aux and not any(generated.result_trees)
            self._fast = short_path(self, generated, len(seeds)) if plain else general_only
        if self.preserve_result or self.has_aux:
            results, grads = out
        else:
            results, grads = None, out
        grads = self._regroup([finish(g, values[k] if k is not None else None)
                               for g, k in zip(grads, generated.wrt_params)])
        grads = grads[0] if self.single else tuple(grads)
        if results is None:
            return grads
        value, aux = self._results(list(results), generated)
        if not self.has_aux:
            return value, grads
        return ((value, aux), grads) if self.preserve_result else (grads, aux)

    def _call_implementation(self, values: list, seeds: list):
        """The compiled (or plain Python) adjoint called, its failures turned
        into srcgrad's errors."""
        impl = self._implementation()
        try:
            return impl(*values, *seeds)
        except Exception as exc:
            return self._failed(exc, values, seeds)

    def _bind(self, args: tuple, kwargs: dict) -> tuple:
        """The arguments in parameter order, defaults filled in."""
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"{self.__name__}(): {exc}") from None
        bound.apply_defaults()
        return tuple(bound.arguments.values())

    def __repr__(self) -> str:
        return f"<srcgrad gradient of {getattr(self.fn, '__qualname__', self.fn)}>"

    def __reduce__(self):
        """Pickled as the user's function and these options; made again where
        it is unpickled, from srcgrad's disk cache (`api/pickling.py`)."""
        return reduce_gradient(self, self.fn, rebuild_gradient, self._made_with, self._assumed)


def _check_differentiable_again(inner: GradFunction, target: str) -> None:
    if inner._self is not None:
        raise SrcGradError(f"grad() of {inner.__name__}, a gradient with respect to a bound "
                           "method's object: differentiate the method's function with the "
                           "object passed as an argument (a dataclass of arrays) instead")
    if inner.has_aux:
        raise SrcGradError(f"grad() of {inner.__name__}, which returns (gradients, aux) "
                           "(has_aux=True): differentiate a gradient made without has_aux")
    if inner.preserve_result:
        raise SrcGradError(f"grad() of {inner.__name__}, which returns (value, gradients) "
                           "(preserve_result=True): differentiate the plain gradient function")
    if "cuda" in (inner.target, target):
        raise SrcGradError(f"grad() of {inner.__name__}: derivatives of higher order run on the "
                           "'cpu' and 'python' targets, not 'cuda'")


def _checked_max_trips(max_trips) -> int | None:
    if max_trips is not None and (isinstance(max_trips, bool) or not isinstance(max_trips, int)
                                  or max_trips < 1):
        raise ValueError(f"max_trips must be a positive integer, not {max_trips!r}")
    return max_trips


@overload
def grad(fn: Callable[..., Any], /, *, wrt: Wrt = 0, target: str = "cpu",
         stop_gradients: Sequence[str] = (), unconnected_gradients: str = "none",
         preserve_result: bool = False, has_aux: bool = False,
         max_trips: int | None = None) -> GradFunction: ...


@overload
def grad(fn: None = None, /, *, wrt: Wrt = 0, target: str = "cpu",
         stop_gradients: Sequence[str] = (), unconnected_gradients: str = "none",
         preserve_result: bool = False, has_aux: bool = False,
         max_trips: int | None = None) -> Callable[[Callable[..., Any]], GradFunction]: ...


def grad(fn: Callable[..., Any] | None = None, /, *, wrt: Wrt = 0, target: str = "cpu",
         stop_gradients: Sequence[str] = (), unconnected_gradients: str = "none",
         preserve_result: bool = False, has_aux: bool = False,
         max_trips: int | None = None
         ) -> GradFunction | Callable[[Callable[..., Any]], GradFunction]:
    """The gradient of `fn`: a function taking `fn`'s arguments (and
    `grad_ys=`) that returns the gradient of `fn`'s outputs with respect to
    `wrt`.  Usable as `@grad`, `@grad(wrt=...)` or `grad(fn, wrt=...)`.

    `max_trips` (target='cuda' only) bounds how often each loop whose trip
    count is not a constant (a `while`, a `range` with a computed bound)
    runs, so that the values its iterations save fit in per-thread storage
    sized at compile time; a loop that runs more often makes the call raise.

    `has_aux=True` (as in `jax.grad`): `fn` returns `(value, aux)`; the
    gradient is of `value` alone, and the gradient function returns
    `(gradients, aux)` (`((value, aux), gradients)` with preserve_result)."""
    options: dict[str, Any] = dict(
        wrt=wrt, target=target, stop_gradients=stop_gradients, max_trips=max_trips,
        unconnected_gradients=unconnected_gradients, preserve_result=preserve_result,
        has_aux=has_aux)
    if fn is None:
        return lambda f: GradFunction(f, **options)
    return GradFunction(fn, **options)


@overload
def value_and_grad(fn: Callable[..., Any], /, *, wrt: Wrt = 0, target: str = "cpu",
                   stop_gradients: Sequence[str] = (), unconnected_gradients: str = "none",
                   has_aux: bool = False, max_trips: int | None = None) -> GradFunction: ...


@overload
def value_and_grad(fn: None = None, /, *, wrt: Wrt = 0, target: str = "cpu",
                   stop_gradients: Sequence[str] = (), unconnected_gradients: str = "none",
                   has_aux: bool = False, max_trips: int | None = None
                   ) -> Callable[[Callable[..., Any]], GradFunction]: ...


def value_and_grad(fn: Callable[..., Any] | None = None, /, *, wrt: Wrt = 0,
                   target: str = "cpu", stop_gradients: Sequence[str] = (),
                   unconnected_gradients: str = "none", has_aux: bool = False,
                   max_trips: int | None = None
                   ) -> GradFunction | Callable[[Callable[..., Any]], GradFunction]:
    """`grad(fn, preserve_result=True, ...)`: returns `(value, gradient)`."""
    return grad(fn, wrt=wrt, target=target, stop_gradients=stop_gradients,
                unconnected_gradients=unconnected_gradients, preserve_result=True,
                has_aux=has_aux, max_trips=max_trips)
