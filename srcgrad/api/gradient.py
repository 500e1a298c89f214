"""The public API: `grad`, `value_and_grad`, `stop_gradient`.

`grad(f)` returns a `GradFunction`: calling it transforms `f` once (see
`backend/pipeline.py`), loads the generated module, compiles it for the target
once per argument types, and converts the results (dtypes, `None` for
unconnected inputs, the structure of `wrt`).  Before each call it checks
that the globals the generated code captured still hold (`frontend/bindings.py`),
and transforms the function again where one was rebound.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import linecache
import os
import re
import threading
import types
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..backend.compile import compile_error, load_module, user_origin
from ..backend.device import DeviceOptions
from ..backend.pipeline import Generated, Options, connected_params, transform
from ..errors import NoAdjointError, OutOfMemoryError, SrcGradError, UnsupportedArgumentError
from ..frontend.bindings import still_bound
from ..frontend.expressions import stop_gradient
from ..rules.registry import NO_ADJOINT
from ..runtime import grad_dtype

__all__ = ["grad", "value_and_grad", "stop_gradient", "GradFunction"]

_TARGETS = ("cpu", "python", "cuda")


class GradFunction:
    """The gradient of a function, as generated Python source compiled for a target.

    Call it like the original function (plus `grad_ys=`); read `.source`
    for the generated code and `.fn` for the original function.
    """

    def __init__(self, fn: Callable, *, wrt, target: str, stop_gradients: Sequence[str],
                 unconnected_gradients: str, preserve_result: bool, max_trips: int | None = None):
        if not callable(fn):
            raise TypeError(f"grad() needs a function, got {fn!r}")
        self.inner = fn if isinstance(fn, GradFunction) else None
        if self.inner is not None:
            _check_differentiable_again(self.inner, target)
        elif not isinstance(getattr(fn, "py_func", fn), types.FunctionType):
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
        self.target = target
        self.preserve_result = preserve_result
        self.options = Options(wrt_tuple, tuple(stop_gradients), unconnected_gradients == "zero",
                               preserve_result, generated=self.inner is not None,
                               typed=target != "python")
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
                    source_fn = self.inner._python_function() if self.inner else self.fn
                    options = self.options
                    if self.inner is not None:
                        options = dataclasses.replace(options, connected=self._connected())
                    generated = transform(source_fn, options)
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
        self._fast: Callable = _undecided  # the short path, made by the first call
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

    def _python_function(self) -> Callable:
        """The generated adjoint as an uncompiled Python function, which a
        derivative of higher order differentiates again."""
        generated = self._generate()
        module = load_module(generated.source, getattr(self.fn, "__name__", "f"),
                             generated.injected)
        return getattr(module, generated.name)

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
    def source(self) -> str:
        """The generated adjoint, as Python source: the code that runs."""
        if self._current is not None and not self._current():
            self._refresh()
        return self._generate().source

    def _implementation(self) -> Callable:
        if self._impl is None:
            generated = self._generate()
            with self._lock:
                if self._impl is None:
                    stem = getattr(self.fn, "__name__", "f")
                    module = load_module(generated.source, stem, generated.injected)
                    function = getattr(module, generated.name)
                    if self.target == "cpu":
                        # one dispatcher per module: code generated again from
                        # the same globals runs what was compiled for them
                        jitted = module.__dict__.get(_COMPILED)
                        if jitted is None or jitted.py_func is not function:
                            jitted = _jit(function)
                            setattr(module, _COMPILED, jitted)
                        function = jitted
                    self._module = module
                    self._impl = function
        return self._impl

    def _recompile(self, exc: Exception) -> Callable:
        """Numba could not read its cache of this module (a truncated or foreign
        file): drop that cache and compile afresh, once."""
        path = Path(self._module.__file__)
        stale = list((path.parent / "__pycache__").glob(f"{path.stem}.*"))
        warnings.warn(f"srcgrad: ignoring Numba's unreadable cache of {path.name} "
                      f"({type(exc).__name__}: {exc}); compiling again", RuntimeWarning,
                      stacklevel=3)
        for file in stale:
            file.unlink(missing_ok=True)
        with self._lock:
            self._impl = _jit(self._impl.py_func)
            setattr(self._module, _COMPILED, self._impl)
            self._fast = _undecided  # it held the old function
        return self._impl

    # --- calling ------------------------------------------------------------------------

    def __call__(self, *args, grad_ys=None, **kwargs):
        if self._current is not None and not self._current():
            self._refresh()
        if grad_ys is None and not kwargs:
            grads = self._fast(self, args)
            if grads is not _TAKEN_ELSEWHERE:
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

    def _inputs(self, args) -> list:
        """The arguments as the adjoint takes them: a list or tuple of numbers
        as an array, a 0-d array as its scalar.  A container of arrays (a
        pytree) is refused, naming the parameter, where it is differentiated
        (its gradient would need the container's structure, which srcgrad
        does not give yet) or is not one array."""
        values = []
        differentiated = None
        for k, value in enumerate(args):
            if isinstance(value, (tuple, list, dict)):
                if differentiated is None:
                    differentiated = set(self._generate().wrt_params)
                value = self._container(k, value, k in differentiated)
            values.append(_as_input(value))
        return values

    def _container(self, k: int, value, differentiated: bool):
        kind = type(value).__name__
        name = list(self._signature.parameters)[k] if k < len(self._signature.parameters) \
            else str(k)
        file, line = self._where()
        if differentiated and not isinstance(value, dict) and not any(
                isinstance(v, (np.ndarray, tuple, list, dict)) for v in value):
            differentiated = False  # numbers: read as an array, as ever (np.asarray below)
        if differentiated or isinstance(value, dict):
            what = ("srcgrad does not yet differentiate with respect to a container (tuple, "
                    "list, dict)" if differentiated else
                    "srcgrad does not yet take dicts (or other containers of arrays) as arguments")
            hint = "" if isinstance(value, dict) else ", or one array made with np.stack"
            raise UnsupportedArgumentError(
                f"{self.__name__}(): parameter '{name}' of {_fn_name(self.fn)} got a {kind}: "
                f"{what}; pass each array as its own argument{hint}", file, line)
        try:
            array = np.asarray(value)
        except ValueError:
            array = None
        if array is None or array.dtype == object:
            raise UnsupportedArgumentError(
                f"{self.__name__}(): parameter '{name}' of {_fn_name(self.fn)} got a {kind} "
                "that is not one array (its entries differ in shape or type): containers of "
                "arrays are not supported yet; pass each array as its own argument",
                file, line)
        return array

    def _run(self, values: list, grad_ys, inner_given: bool = False):
        generated = self._generate()
        if self.target == "cuda":
            return self._cuda()(values, self._seeds(grad_ys, generated))
        for k in generated.wrt_params:
            if k is not None:
                values[k] = _as_differentiable(values[k])
        seeds = self._seeds(grad_ys, generated)
        if self.inner is not None and not inner_given:  # the inner gradients' seeds: ones
            seeds = [None] * self._extra_params + seeds
        out = self._call_implementation(values, seeds)
        if self._fast is _undecided:  # made once, after the first call that compiled
            self._fast = _short_path(self, generated, len(seeds))
        if self.preserve_result:
            results, grads = out
        else:
            results, grads = None, out
        grads = [_finish(g, values[k] if k is not None else None)
                 for g, k in zip(grads, generated.wrt_params)]
        grads = grads[0] if self.single else tuple(grads)
        if not self.preserve_result:
            return grads
        results = results[0] if self._single_output else tuple(results)
        return results, grads

    def _call_implementation(self, values: list, seeds: list):
        """The compiled (or plain Python) adjoint called, its failures turned
        into srcgrad's errors."""
        impl = self._implementation()
        try:
            return impl(*values, *seeds)
        except Exception as exc:
            return self._failed(exc, values, seeds)

    def _failed(self, exc: Exception, values, seeds):
        """The adjoint's failure `exc` as srcgrad's error (or the adjoint run
        again, where Numba's cache of it was unreadable)."""
        if isinstance(exc, MemoryError):
            raise self._out_of_memory(exc) from exc
        if _is_numba_error(exc) and NO_ADJOINT in str(exc):
            # a rule's helper refused its arguments' types (a matrix's norm of order 1)
            error = self._compile_error(exc)
            reason = next(part for part in re.split(r"[;\n]", str(exc)) if NO_ADJOINT in part)
            raise _quoting(NoAdjointError, reason[reason.index(NO_ADJOINT):].strip(),
                           error.file, error.line) from None
        if _is_numba_error(exc):
            raise self._compile_error(exc) from None
        if isinstance(exc, SrcGradError) and exc.file is None:
            # a rule's helper refused its arguments when it ran: say where
            raise _quoting(type(exc), exc.reason, *self._user_origin(exc)) from None
        if _from_numba_cache(exc):
            return self._recompile(exc)(*values, *seeds)
        if self.target == "cpu" and _from_numba_compiler(exc):
            # Numba failed with an error of its own kind (a NotImplementedError
            # from its lowering, an unsupported bytecode)
            raise self._compile_error(exc, _lowering_line(exc)) from None
        raise exc

    def _where(self) -> tuple[str, int]:
        """The user's file and the line of the function's `def`."""
        fn = self.fn
        while isinstance(fn, GradFunction):  # a derivative of higher order
            fn = fn.fn
        fn = getattr(fn, "py_func", fn)
        return inspect.getsourcefile(fn) or fn.__code__.co_filename, fn.__code__.co_firstlineno

    def _user_origin(self, exc: Exception) -> tuple[str, int]:
        """The user's file and line of the generated statement that raised
        `exc` (the innermost one, in any generated module), else of the `def`."""
        file, first = self._where()
        tb, where = exc.__traceback__, None
        while tb is not None:
            path = tb.tb_frame.f_code.co_filename
            if os.path.basename(path).startswith("srcgrad_generated_"):
                where = path, tb.tb_lineno
            tb = tb.tb_next
        if where is not None:
            lines = Path(where[0]).read_text().splitlines() if os.path.exists(where[0]) else []
            user_file, line = user_origin(lines, where[1], {os.path.basename(file): file})
            if line is not None:
                return user_file, line
        return file, first

    def _compile_error(self, exc: Exception, line: int | None = None) -> SrcGradError:
        file, first = self._where()
        return compile_error(exc, self._module.__file__, self.fn.__name__,
                             files={os.path.basename(file): file}, line=line,
                             fallback=(file, first))

    def _out_of_memory(self, exc: MemoryError) -> OutOfMemoryError:
        file, first = self._where()
        detail = f" ({exc})" if str(exc) else ""
        return OutOfMemoryError(
            f"the gradient of {self.fn.__name__} ran out of memory{detail}: its reverse sweep "
            "keeps values from every iteration of the function's loops until it replays "
            "them. Run fewer iterations, or take the gradient of a shorter part of the "
            "computation at a time", file, first)

    def _bind(self, args: tuple, kwargs: dict) -> tuple:
        """The arguments in parameter order, defaults filled in."""
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"{self.__name__}(): {exc}") from None
        bound.apply_defaults()
        return tuple(bound.arguments.values())

    def _seeds(self, grad_ys, generated: Generated) -> list:
        n = generated.outputs
        if grad_ys is None:
            return [None] * n
        if self._single_output and n == 1:
            return [_as_input(grad_ys)]
        if not isinstance(grad_ys, (tuple, list)) or len(grad_ys) != n:
            raise ValueError(f"grad_ys must be a tuple of {n} entries, one per output of "
                             f"{self.fn.__name__}, not {type(grad_ys).__name__}"
                             + (f" of {len(grad_ys)}" if isinstance(grad_ys, (tuple, list)) else ""))
        return [None if g is None else _as_input(g) for g in grad_ys]

    def __repr__(self) -> str:
        return f"<srcgrad gradient of {getattr(self.fn, '__qualname__', self.fn)}>"


def _quoting(cls: type, reason: str, file: str | None, line: int | None) -> SrcGradError:
    """A `cls` error at the user's `file:line` quoting that line's code."""
    text = linecache.getline(file, line).strip() if file and line else ""
    return cls(f"'{text}': {reason}" if text else reason, file, line)


def _fn_name(fn) -> str:
    while isinstance(fn, GradFunction):
        fn = fn.fn
    return getattr(fn, "__name__", "the function")


def _check_differentiable_again(inner: GradFunction, target: str) -> None:
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


def _jit(function: Callable) -> Callable:
    """`function` compiled by Numba.  NumPy's error model: a float divided by
    zero is an infinity or nan, as in NumPy, not a `ZeroDivisionError` (the
    adjoints of `sqrt` at 0 and of `x / y` at `y == 0` divide by zero)."""
    import numba

    return numba.njit(cache=True, error_model="numpy")(function)


def _from_numba_cache(exc: Exception) -> bool:
    """Whether `exc` was raised while Numba loaded its on-disk cache."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.replace(os.sep, "/").endswith("numba/core/caching.py"):
            return True
        tb = tb.tb_next
    return False


def _from_numba_compiler(exc: Exception) -> bool:
    """Whether `exc` was raised while Numba compiled (not ran) the adjoint."""
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name == "_compile_core" and code.co_filename.replace(os.sep, "/").endswith(
                "numba/core/compiler.py"):
            return True
        tb = tb.tb_next
    return False


def _lowering_line(exc: Exception) -> int | None:
    """The generated line that Numba was lowering when `exc` was raised."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        inst = tb.tb_frame.f_locals.get("inst") if tb.tb_frame.f_code.co_name == "lower_inst" \
            else None
        loc = getattr(inst, "loc", None)
        if loc is not None and getattr(loc, "line", None):
            line = loc.line
        tb = tb.tb_next
    return line


def _is_numba_error(exc: Exception) -> bool:
    try:
        from numba.core.errors import NumbaError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, NumbaError)


_COMPILED = "__srcgrad_compiled__"  # the module attribute holding its Numba dispatcher

_TAKEN_ELSEWHERE = object()  # what a short path answers for a call it leaves to the general path


def _undecided(gradient: GradFunction, args: tuple):
    """The short path before the first call has compiled the adjoint."""
    return _TAKEN_ELSEWHERE


def _general_only(gradient: GradFunction, args: tuple):
    """The short path of a gradient that every call takes the general path for."""
    return _TAKEN_ELSEWHERE


def _short_path(gradient: GradFunction, generated: Generated, seeds: int) -> Callable:
    """The common call, without the general path's conversions: every
    argument positional and already what the adjoint takes (a Python float or
    int, or an array of at least one dimension; a float array or float where
    it is differentiated), no `grad_ys`, a plain gradient (not of higher
    order, not with `preserve_result`).  For a gradient that runs in a few
    microseconds the general path's conversions cost as much again (each
    Python operation here costs tens of nanoseconds), so the path is a
    function made for `gradient`, and the commonest case, one float array
    differentiated, has one of its own.  It answers `_TAKEN_ELSEWHERE` for
    arguments that need the general path."""
    wrt = tuple(generated.wrt_params)
    if gradient.preserve_result or gradient._positional < 0 or None in wrt or \
            gradient.inner is not None:
        return _general_only
    impl = gradient._implementation()
    count = gradient._positional
    nones = (None,) * seeds
    if count == 1 and wrt == (0,) and seeds == 1:
        single = gradient.single  # `wrt=0`, or `wrt=(0,)`: a tuple of one

        def one_array(gradient, args):
            if len(args) != 1:
                return _TAKEN_ELSEWHERE
            v = args[0]
            if type(v) is not np.ndarray or not v.ndim or v.dtype.kind != "f":
                return _TAKEN_ELSEWHERE
            try:
                g = impl(v, None)[0]
            except Exception as exc:
                g = gradient._failed(exc, args, nones)[0]
            if type(g) is not np.ndarray or g.dtype != v.dtype:  # equal, not always the same object
                g = _finish(g, v)
            return g if single else (g,)

        return one_array

    single = gradient.single

    def any_arguments(gradient, args):
        if len(args) != count:
            return _TAKEN_ELSEWHERE
        for v in args:
            kind = type(v)
            if kind is np.ndarray:
                if not v.ndim:
                    return _TAKEN_ELSEWHERE
            elif kind is not float and kind is not int:
                return _TAKEN_ELSEWHERE
        for k in wrt:
            v = args[k]
            if type(v) is int or (type(v) is np.ndarray and v.dtype.kind != "f"):
                return _TAKEN_ELSEWHERE
        try:
            grads = impl(*args, *nones)
        except Exception as exc:
            grads = gradient._failed(exc, args, nones)
        if single:
            return _finish(grads[0], args[wrt[0]])
        return tuple([_finish(g, args[k]) for g, k in zip(grads, wrt)])

    return any_arguments


def _as_input(value):
    if isinstance(value, (list, tuple)):
        return np.asarray(value)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value[()]
    return value


def _as_differentiable(value):
    """An integer array that is differentiated is read as float64: its gradient is
    float64, and Numba has no integer matrix product (`w1 @ w2` on ints)."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "iu":
        return value.astype(np.float64)
    return value


def _finish(g, value):
    """The gradient in the input's dtype (float64 for integers and booleans)."""
    if g is None:
        return g
    if value is None:  # a local variable: its dtype is whatever the code computed
        return float(g) if isinstance(g, np.float64) else g
    if isinstance(value, np.ndarray):
        if isinstance(g, np.ndarray) and g.dtype == value.dtype:  # the common case, fast
            return g
        return np.asarray(g, dtype=grad_dtype(value))
    if type(value) is float:
        return float(g)
    dtype = grad_dtype(value)
    if isinstance(value, np.generic):
        return dtype.type(g)
    return float(g)


def grad(fn: Callable | None = None, /, *, wrt: int | str | Sequence[int | str] = 0,
         target: str = "cpu", stop_gradients: Sequence[str] = (),
         unconnected_gradients: str = "none", preserve_result: bool = False,
         max_trips: int | None = None):
    """The gradient of `fn`: a function taking `fn`'s arguments (and
    `grad_ys=`) that returns the gradient of `fn`'s outputs with respect to
    `wrt`.  Usable as `@grad`, `@grad(wrt=...)` or `grad(fn, wrt=...)`.

    `max_trips` (target='cuda' only) bounds how often each loop whose trip
    count is not a constant (a `while`, a `range` with a computed bound)
    runs, so that the values its iterations save fit in per-thread storage
    sized at compile time; a loop that runs more often makes the call raise."""
    options = dict(wrt=wrt, target=target, stop_gradients=stop_gradients, max_trips=max_trips,
                   unconnected_gradients=unconnected_gradients, preserve_result=preserve_result)
    if fn is None:
        return lambda f: GradFunction(f, **options)
    return GradFunction(fn, **options)


def value_and_grad(fn: Callable | None = None, /, **options):
    """`grad(fn, preserve_result=True, ...)`: returns `(value, gradient)`."""
    return grad(fn, preserve_result=True, **options)
