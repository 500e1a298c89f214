"""A tangent function (forward mode), compiled for a target like a gradient.

`TangentFunction(fn, wrt, target)` transforms `fn` once (see
`tangent/build.py`) into `f_jvp(*args, *tangents)`, which returns
`(value, tangent)`: the value of `fn` and its derivative along the tangents
of the parameters `wrt` (positions).  It is loaded and compiled as the
adjoints are (`backend/compile.py`: one module per source, Numba's cache on
disk, `target="python"` runs it uncompiled), and its failures become
srcgrad's errors at the user's line (`failures.py`).

`fn` may be a gradient function (`GradFunction`): then its generated
adjoint, read back with its stacks, is what is differentiated (forward over
reverse): the tangent of the gradient along `v` is the Hessian times `v`.

`api/jvp.py` builds `jvp` on it, and `api/higher.py` the forward-mode
`jacobian`, `hvp` and `hessian`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from ..backend.compile import load_generated, load_module
from ..backend.pipeline import Generated
from ..errors import SrcGradError
from ..frontend.bindings import still_bound
from ..runtime import grad_dtype
from ..tangent import transform_tangent
from ..tangent.lanes import lanes_for
from .calls import as_differentiable, undecided
from .failures import Failures
from .gradient import GradFunction
from .source import GeneratedSource

__all__ = ["TangentFunction"]


class TangentFunction(Failures):
    """The tangent function of `fn` along its parameters at `wrt`."""

    def __init__(self, fn: Callable, wrt: tuple[int, ...], target: str, value: bool = True,
                 lanes: int = 1):
        self.fn = fn
        self.wrt = tuple(wrt)
        self.target = target
        self.value = value  # returns (value, tangent); else the tangent alone, as generated
        # tangents per sweep (vector forward mode, tangent/lanes.py; without value only):
        # `generated.lanes` says how many the function carries (1 where it cannot widen)
        self.lanes = lanes if not value else 1
        self._laned: dict[int, TangentFunction] = {}
        # a gradient function: its generated adjoint is differentiated (forward over reverse)
        self.inner = fn if isinstance(fn, GradFunction) else None
        self._lock = threading.Lock()
        self._forget()
        self.__name__ = f"{getattr(fn, '__name__', 'f')}_jvp"

    def _forget(self) -> None:
        self._generated: Generated | None = None
        self._impl: Callable | None = None
        self._module = None
        self._fast = undecided  # (read by Failures)
        self._current: Callable[[], bool] | None = None

    def _generate(self) -> Generated:
        if self._generated is None:
            with self._lock:
                if self._generated is None:
                    source = self.inner._python_function() if self.inner else self.fn
                    start = time.perf_counter()
                    generated = transform_tangent(source, self.wrt,
                                                  typed=self.target != "python",
                                                  generated=self.inner is not None,
                                                  value=self.value, lanes=self.lanes,
                                                  device=self.target == "cuda")
                    self._log_transform(generated, time.perf_counter() - start)
                    self._current = still_bound(generated.bindings, self.target != "python")
                    self._generated = generated
        return self._generated

    def _fresh(self) -> None:
        """Generate again where a global the code captured was rebound."""
        inner = self.inner
        if inner is not None and inner._current is not None and not inner._current():
            inner._refresh()
            with self._lock:
                self._forget()
        if self._current is not None and not self._current():
            with self._lock:
                self._forget()

    def laned(self, lanes: int) -> TangentFunction:
        """This tangent function (without value) carrying `lanes` tangents per
        sweep, made once; itself for one lane."""
        if lanes == self.lanes:
            return self
        known = self._laned.get(lanes)
        if known is None:
            known = self._laned[lanes] = TangentFunction(self.fn, self.wrt, self.target,
                                                         False, lanes)
        return known

    def for_columns(self, n: int) -> TangentFunction:
        """This tangent function in as many lanes as an n-column Jacobian
        takes (`tangent/lanes.py`: up to 8, fewer for a long function)."""
        return self.laned(lanes_for(self._generate().source, n))

    def _python_function(self) -> Callable:
        """The generated tangent function as an uncompiled Python function,
        which a differentiated function calling it inlines (`api/inlined.py`)."""
        generated = self._generate()
        if generated.functions:
            raise SrcGradError(f"{self.__name__} calls itself (recursion): it cannot be "
                               "called inside a differentiated function")
        module = load_module(generated.source, self.__name__, generated.injected)
        return getattr(module, generated.name)

    @property
    def source(self) -> GeneratedSource:
        """The generated tangent function, as Python source: the code that runs."""
        self._fresh()
        return GeneratedSource(self._generate().source)

    def implementation(self) -> Callable:
        """The generated function, compiled for the target (on "cuda", the
        elementwise call of its device function: `backend/cuda.py`)."""
        self._fresh()
        if self._impl is None:
            generated = self._generate()
            with self._lock:
                if self._impl is None and self.target == "cuda":
                    self._module, self._impl = _on_device(generated, self.fn, self.__name__)
                if self._impl is None:
                    stem = getattr(self.fn, "__name__", "f")
                    self._module, self._impl = load_generated(
                        generated.source, f"{stem}_jvp", generated.injected, generated.name,
                        self.target, generated.functions)
        return self._impl

    @property
    def device_function(self):
        """The tangent function as a CUDA device function (target='cuda'), for
        your own kernels: it takes the function's arguments for one element,
        then the tangents, and returns `(value, tangent)` for that element."""
        if self.target != "cuda":
            raise AttributeError(f"device_function: {self.__name__} was made for "
                                 f"target={self.target!r}; pass target='cuda'")
        return self.implementation().device_function

    def __call__(self, primals: tuple, tangents: tuple):
        """`(value, tangent)` at `primals` along `tangents` (one per `wrt` entry,
        shaped like its primal); the tangent alone, as computed, without `value`."""
        impl = self.implementation()
        if self.target == "cuda":  # elementwise over the broadcast of primals and tangents
            return impl(list(primals), list(tangents))
        values = list(primals)
        for k in self.wrt:
            values[k] = as_differentiable(values[k])
        dots = [_as_tangent(t, values[k]) for t, k in zip(tangents, self.wrt)]
        try:
            out = impl(*values, *dots)
        except Exception as exc:
            out = self._failed(exc, values + dots, [])
        if not self.value:
            return out  # (the caller knows the shape and dtype it wants)
        value, tangent = out
        if self._generated.single_result:
            return value, _finish(tangent, value)
        return tuple(value), tuple(_finish(t, v) for t, v in zip(tangent, value))


def _on_device(generated: Generated, fn: Callable, name: str):
    """The module of a device tangent function and its elementwise call."""
    from ..backend import cuda

    if not cuda.numba_cuda_installed():
        raise SrcGradError(f"{name}: {cuda.NEEDS_NUMBA_CUDA}")
    module = load_module(generated.source, name, generated.injected)
    return module, cuda.CudaGradient(generated, module, getattr(fn, "__name__", "f"), None)


def _as_tangent(t, primal):
    """A tangent in its primal's gradient dtype (float64 for an integer primal)."""
    if (isinstance(t, np.ndarray) and isinstance(primal, np.ndarray)
            and t.dtype == primal.dtype and primal.dtype.kind == "f"):
        return t  # the common case, fast
    dtype = grad_dtype(primal)
    if isinstance(primal, np.ndarray):
        return np.asarray(t, dtype=dtype)
    return float(t) if dtype == np.float64 else dtype.type(t)


def _finish(tangent, value):
    """The tangent of an output, in its gradient dtype and shape."""
    if type(value) is float:  # the common cases first, fast
        return float(tangent)
    if (isinstance(tangent, np.ndarray) and isinstance(value, np.ndarray)
            and tangent.dtype == value.dtype and tangent.shape == value.shape
            and value.dtype.kind == "f"):
        return tangent
    dtype = grad_dtype(value)
    if isinstance(value, np.ndarray):
        out = np.asarray(tangent, dtype=dtype)
        return out if out.shape == value.shape else np.broadcast_to(out, value.shape).copy()
    if isinstance(value, (int, bool)) and not isinstance(value, np.generic):
        return float(tangent)
    return dtype.type(tangent)
