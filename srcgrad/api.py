"""The public API: `grad`, `value_and_grad`, `stop_gradient`.

`grad(f)` returns a `GradFunction`: calling it transforms `f` once (see
`transform.py`), loads the generated module, compiles it for the target
once per argument types, and converts the results (dtypes, `None` for
unconnected inputs, the structure of `wrt`).
"""

from __future__ import annotations

import functools
import inspect
import os
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .anf import stop_gradient
from .compile import compile_error, load_module
from .errors import SrcGradError
from .runtime import grad_dtype
from .transform import Generated, Options, transform

__all__ = ["grad", "value_and_grad", "stop_gradient", "GradFunction"]

_TARGETS = ("cpu", "python", "cuda")


class GradFunction:
    """The gradient of a function, as generated Python source compiled for a target.

    Call it like the original function (plus `grad_ys=`); read `.source`
    for the generated code and `.fn` for the original function.
    """

    def __init__(self, fn: Callable, *, wrt, target: str, stop_gradients: Sequence[str],
                 unconnected_gradients: str, preserve_result: bool):
        if not callable(fn):
            raise TypeError(f"grad() needs a function, got {fn!r}")
        if isinstance(fn, GradFunction):
            raise SrcGradError(f"grad() of a gradient function ({fn.__name__}): derivatives of "
                               "higher order are not available in this version of srcgrad")
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
                               preserve_result)
        self._signature = inspect.signature(fn)
        # a call with exactly this many positional arguments needs no binding
        params = list(self._signature.parameters.values())
        plain = all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params)
        self._positional = len(params) if plain else -1
        self._lock = threading.Lock()
        self._generated: Generated | None = None
        self._impl: Callable | None = None
        self._module = None
        functools.update_wrapper(self, fn)
        self.__name__ = f"{getattr(fn, '__name__', 'f')}_grad"
        self.__qualname__ = self.__name__

    # --- generation ------------------------------------------------------------------

    def _generate(self) -> Generated:
        if self._generated is None:
            with self._lock:
                if self._generated is None:
                    if self.target == "cuda":
                        raise SrcGradError("target='cuda' is not available in this version")
                    self._generated = transform(self.fn, self.options)
        return self._generated

    @property
    def source(self) -> str:
        """The generated adjoint, as Python source: the code that runs."""
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
                        import numba

                        function = numba.njit(cache=True)(function)
                    self._module = module
                    self._impl = function
        return self._impl

    def _recompile(self, exc: Exception) -> Callable:
        """Numba could not read its cache of this module (a truncated or foreign
        file): drop that cache and compile afresh, once."""
        import numba

        path = Path(self._module.__file__)
        stale = list((path.parent / "__pycache__").glob(f"{path.stem}.*"))
        warnings.warn(f"srcgrad: ignoring Numba's unreadable cache of {path.name} "
                      f"({type(exc).__name__}: {exc}); compiling again", RuntimeWarning,
                      stacklevel=3)
        for file in stale:
            file.unlink(missing_ok=True)
        with self._lock:
            self._impl = numba.njit(cache=True)(self._impl.py_func)
        return self._impl

    # --- calling ------------------------------------------------------------------------

    def __call__(self, *args, grad_ys=None, **kwargs):
        if kwargs or len(args) != self._positional:
            args = self._bind(args, kwargs)
        values = [_as_input(v) for v in args]
        generated = self._generate()
        for k in generated.wrt_params:
            if k is not None:
                values[k] = _as_differentiable(values[k])
        seeds = self._seeds(grad_ys, generated)
        impl = self._implementation()
        try:
            out = impl(*values, *seeds)
        except Exception as exc:
            if _is_numba_error(exc):
                raise compile_error(exc, self._module.__file__, self.fn.__name__) from None
            if not _from_numba_cache(exc):
                raise
            out = self._recompile(exc)(*values, *seeds)
        if self.preserve_result:
            results, grads = out
        else:
            results, grads = None, out
        grads = [_finish(g, values[k] if k is not None else None)
                 for g, k in zip(grads, generated.wrt_params)]
        grads = grads[0] if self.single else tuple(grads)
        if not self.preserve_result:
            return grads
        results = results[0] if generated.single_result else tuple(results)
        return results, grads

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
        if generated.single_result and n == 1:
            return [_as_input(grad_ys)]
        if not isinstance(grad_ys, (tuple, list)) or len(grad_ys) != n:
            raise ValueError(f"grad_ys must be a tuple of {n} entries, one per output of "
                             f"{self.fn.__name__}, not {type(grad_ys).__name__}"
                             + (f" of {len(grad_ys)}" if isinstance(grad_ys, (tuple, list)) else ""))
        return [None if g is None else _as_input(g) for g in grad_ys]

    def __repr__(self) -> str:
        return f"<srcgrad gradient of {getattr(self.fn, '__qualname__', self.fn)}>"


def _from_numba_cache(exc: Exception) -> bool:
    """Whether `exc` was raised while Numba loaded its on-disk cache."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.replace(os.sep, "/").endswith("numba/core/caching.py"):
            return True
        tb = tb.tb_next
    return False


def _is_numba_error(exc: Exception) -> bool:
    try:
        from numba.core.errors import NumbaError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, NumbaError)


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
         unconnected_gradients: str = "none", preserve_result: bool = False):
    """The gradient of `fn`: a function taking `fn`'s arguments (and
    `grad_ys=`) that returns the gradient of `fn`'s outputs with respect to
    `wrt`.  Usable as `@grad`, `@grad(wrt=...)` or `grad(fn, wrt=...)`."""
    options = dict(wrt=wrt, target=target, stop_gradients=stop_gradients,
                   unconnected_gradients=unconnected_gradients, preserve_result=preserve_result)
    if fn is None:
        return lambda f: GradFunction(f, **options)
    return GradFunction(fn, **options)


def value_and_grad(fn: Callable | None = None, /, **options):
    """`grad(fn, preserve_result=True, ...)`: returns `(value, gradient)`."""
    return grad(fn, preserve_result=True, **options)
