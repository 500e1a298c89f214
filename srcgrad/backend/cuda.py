"""`target="cuda"`: the gradient evaluated elementwise on the GPU, with Numba-CUDA.

`backend/device.py` wrote the adjoint as a device function of scalars (`df.source`).
`CudaGradient` compiles it (`df.device_function`, for the user's own
kernels) and calls it like a ufunc: over the broadcast of the arguments and
`grad_ys`, one element per thread of a grid-stride loop, in a kernel that it
generates (and writes to the cache directory, as every generated module) for
each combination of the arguments' ranks.

Guarantees to the caller (`api.GradFunction`):

- Host arguments (NumPy arrays, Python and NumPy scalars) are copied to the
  device and the results back: NumPy arrays, or scalars when every argument
  is a scalar.  If any argument is a device array (Numba's, or any object
  with `__cuda_array_interface__`), the results stay on the device.
- A gradient has its input's dtype (float64 for an integer or boolean input);
  the gradient with respect to a local variable, and the value with
  `preserve_result`, have the result dtype of the arguments' floating dtypes.
- With `max_trips`, a loop that ran more often than that for some element
  raises `LoopLimitError` naming the loop: no wrong gradient comes back.
- Numba's failure to compile the adjoint is a `CompileError` quoting the
  generated line.

Launch configuration: 256 threads a block (fewer for a small input, never
more than the device allows), and at most 32 blocks per multiprocessor; the
grid-stride loop covers the rest.
"""

from __future__ import annotations

import importlib.util
import math
import threading
from collections.abc import Callable

import numpy as np

from ..errors import LoopLimitError, SrcGradError
from ..ir.naming import Namer
from ..runtime import grad_dtype
from .compile import compile_error, is_numba_error, load_module
from .device import DeviceAdjoint, Layout, Leaf
from .observe import observed
from .pipeline import Generated

__all__ = ["CudaGradient", "kernel_source"]

THREADS_PER_BLOCK = 256
BLOCKS_PER_MULTIPROCESSOR = 32


NEEDS_NUMBA_CUDA = ("target='cuda' needs the numba-cuda package, which is not installed: "
                    'pip install "srcgrad[cuda]"')


def numba_cuda_installed() -> bool:
    """Whether the numba-cuda package is installed.  Without it `numba.cuda`
    is Numba's own deprecated CUDA module, which fails deep inside Numba
    (`AttributeError: ... get_current_device`) instead of saying what is missing."""
    return importlib.util.find_spec("numba_cuda") is not None


def _cuda():
    if not numba_cuda_installed():
        raise SrcGradError(NEEDS_NUMBA_CUDA)
    try:
        from numba import cuda
    except ImportError as exc:  # pragma: no cover
        raise SrcGradError(NEEDS_NUMBA_CUDA) from exc
    return cuda


class CudaGradient:
    """The device function of an adjoint, and the kernels that apply it elementwise."""

    def __init__(self, generated: Generated, module, what: str, max_trips: int | None):
        self.generated = generated
        self.device = generated.device
        self.module = module
        self.what = what
        self.max_trips = max_trips
        self.device_function = _cuda().jit(device=True)(getattr(module, generated.name))
        self.leaves = _flatten(self.device.layout)
        self._kernels: dict[tuple[int, ...], Callable] = {}
        self._lock = threading.Lock()

    # --- one call ---------------------------------------------------------------------

    def __call__(self, values: list, seeds: list):
        cuda = _cuda()
        inputs = [*values, *(1.0 if s is None else s for s in seeds)]
        on_device = any(_is_device_array(v) for v in inputs)
        shape = self._shape(inputs)
        args = [_to_device(v, cuda) for v in inputs]
        outs = [None if leaf.none else cuda.device_array(shape or (1,), self._dtype(leaf, values))
                for leaf in self.leaves]
        overflow = cuda.to_device(np.zeros(1, np.int64)) if self.device.overflow else None
        if math.prod(shape) and any(o is not None for o in outs):  # else nothing to compute
            kernel = self._kernel(tuple(_ndim(a) for a in args))
            blocks, threads = _launch_config(math.prod(shape), cuda)
            extra = [overflow] if overflow is not None else []
            try:
                kernel[blocks, threads](*args, *extra, *(o for o in outs if o is not None))
            except Exception as exc:
                if is_numba_error(exc):
                    raise compile_error(exc, self.module.__file__, self.what) from None
                raise
        if overflow is not None:
            self._check_overflow(int(overflow.copy_to_host()[0]))
        results = iter([None if o is None else _finish(o, shape, on_device) for o in outs])
        return _rebuild(self.device.layout, results)

    def _shape(self, inputs: list) -> tuple[int, ...]:
        shapes = [_shape(v) for v in inputs]
        try:
            return np.broadcast_shapes(*shapes)
        except ValueError:
            raise ValueError(f"{self.what}: the arguments and grad_ys do not broadcast together "
                             f"(shapes {', '.join(map(str, shapes))})") from None

    def _dtype(self, leaf: Leaf, values: list) -> np.dtype:
        if leaf.kind == "grad":
            k = self.generated.wrt_params[leaf.index]
            if k is not None:
                return grad_dtype(_dtype_of(values[k]))
        return np.result_type(*(grad_dtype(_dtype_of(v)) for v in values))

    def _check_overflow(self, code: int) -> None:
        if code:
            loop = self.device.loops[code - 1]
            raise LoopLimitError(f"'{loop.text}' ran more than max_trips={self.max_trips} times "
                                 "for some element: the values its iterations save did not fit "
                                 "in their storage.  Pass a larger max_trips", loop.file, loop.line)

    def _kernel(self, ranks: tuple[int, ...]) -> Callable:
        with self._lock:
            kernel = self._kernels.get(ranks)
            if kernel is None:
                name = f"{self.generated.name}_kernel"
                source = kernel_source(name, self.device, self.generated.name, ranks)
                module = load_module(source, name, {self.generated.name: self.device_function})
                kernel = self._kernels[ranks] = observed(_cuda().jit(getattr(module, name)),
                                                         self.what, "cuda")
        return kernel


def kernel_source(name: str, device: DeviceAdjoint, callee: str, ranks: tuple[int, ...]) -> str:
    """The kernel that applies the device function `callee` to every element
    of the broadcast of its arguments (of these ranks: the function's
    parameters, then its seeds), and writes each leaf of the result that is
    not None into an output array of the broadcast shape."""
    inputs = [*device.values, *device.seeds]
    namer = Namer({*inputs, "cuda", "min", "range", callee})
    flag = namer.fresh("overflow") if device.overflow else None
    names = [namer.fresh(leaf.name if leaf.name.isidentifier() else f"{leaf.kind}{leaf.index}")
             for leaf in _flatten(device.layout)]
    outs = {n: namer.fresh(f"{n}_out") for n, leaf in zip(names, _flatten(device.layout))
            if not leaf.none}
    k, rest = namer.fresh("k"), namer.fresh("rest")
    rank = max(1, *ranks)
    index = [namer.fresh(f"i{d}") for d in range(rank)]
    first = next(iter(outs.values()))
    lines = [f"def {name}({', '.join([*inputs, *([flag] if flag else []), *outs.values()])}):",
             f"    for {k} in range(cuda.grid(1), {first}.size, cuda.gridsize(1)):"]
    if rank == 1:
        lines.append(f"        {index[0]} = {k}")
    else:
        lines.append(f"        {rest} = {k}")
        for d in range(rank - 1, 0, -1):
            lines += [f"        {index[d]} = {rest} % {first}.shape[{d}]",
                      f"        {rest} = {rest} // {first}.shape[{d}]"]
        lines.append(f"        {index[0]} = {rest}")
    args = [_element(p, r, index) for p, r in zip(inputs, ranks)]
    if flag:
        args.insert(len(device.values), flag)
    target = _unpack_target(device.layout, iter(names))
    lines.append(f"        {target} = {callee}({', '.join(args)})")
    lines += [f"        {out}[{', '.join(index)}] = {n}" for n, out in outs.items()]
    header = [f"# Generated by srcgrad: {callee} applied elementwise to arguments of ranks "
              f"{ranks}, with a grid-stride loop.", "from numba import cuda", "", ""]
    return "\n".join(header + lines) + "\n"


def _element(param: str, rank: int, index: list[str]) -> str:
    """Argument `param`'s element at the broadcast index: its axes aligned
    right, a length-1 axis read at 0."""
    if rank == 0:
        return param
    axes = index[len(index) - rank:]
    return f"{param}[{', '.join(f'min({i}, {param}.shape[{d}] - 1)' for d, i in enumerate(axes))}]"


# --- the structure of the device function's result -----------------------------------------


def _flatten(layout: Layout) -> list[Leaf]:
    if isinstance(layout, Leaf):
        return [layout]
    return [leaf for part in layout for leaf in _flatten(part)]


def _unpack_target(layout: Layout, names) -> str:
    if isinstance(layout, Leaf):
        return next(names)
    return f"({', '.join(_unpack_target(part, names) for part in layout)},)"


def _rebuild(layout: Layout, results):
    if isinstance(layout, Leaf):
        return next(results)
    return tuple(_rebuild(part, results) for part in layout)


# --- arrays on the host and on the device ----------------------------------------------------


def _is_device_array(value) -> bool:
    return hasattr(value, "__cuda_array_interface__") or _cuda().devicearray.is_cuda_ndarray(value)


def _shape(value) -> tuple[int, ...]:
    return tuple(value.shape) if _is_device_array(value) else np.shape(value)


def _ndim(value) -> int:
    return len(_shape(value))


def _to_device(value, cuda):
    if cuda.devicearray.is_cuda_ndarray(value):
        return value
    if hasattr(value, "__cuda_array_interface__"):
        return cuda.as_cuda_array(value)
    if isinstance(value, np.ndarray):
        return value[()] if value.ndim == 0 else cuda.to_device(np.ascontiguousarray(value))
    if isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        return value
    raise TypeError(f"target='cuda' takes arrays and real scalars, not {type(value).__name__}")


def _dtype_of(value) -> np.dtype:
    if hasattr(value, "dtype"):
        return np.dtype(value.dtype)
    return np.result_type(value)


def _finish(out, shape: tuple[int, ...], on_device: bool):
    """An output: on the device as it is, else copied to the host (a scalar
    for a broadcast shape of ())."""
    if on_device:
        return out
    host = out.copy_to_host()
    return host.reshape(shape) if shape else host[0]


def _launch_config(size: int, cuda) -> tuple[int, int]:
    device = cuda.get_current_device()
    threads = min(THREADS_PER_BLOCK, getattr(device, "MAX_THREADS_PER_BLOCK", THREADS_PER_BLOCK),
                  32 * math.ceil(size / 32))
    multiprocessors = getattr(device, "MULTIPROCESSOR_COUNT", 1)
    return min(math.ceil(size / threads), BLOCKS_PER_MULTIPROCESSOR * multiprocessors), threads
