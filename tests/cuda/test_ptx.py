"""The generated device functions and kernels compile for a real GPU (to PTX),
where the simulator, which runs plain Python, would accept what the CUDA
target refuses (lists, NumPy ufuncs on scalars).  No GPU is needed, only
Numba-CUDA's compiler libraries (`pip install "numba-cuda[cu13]"`); the
module skips without them, and under the simulator."""

from __future__ import annotations

import os

import cuda_functions as fns
import pytest

if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
    pytest.skip("compiling to PTX needs the real CUDA target, not the simulator",
                allow_module_level=True)
cuda = pytest.importorskip("numba.cuda")
from numba import types  # noqa: E402

import srcgrad as sg  # noqa: E402
from srcgrad.backend.compile import load_module  # noqa: E402
from srcgrad.backend.cuda import _flatten, kernel_source  # noqa: E402

CC = (8, 0)


def _can_compile() -> str | None:
    try:
        cuda.compile_ptx(lambda x: x + 1.0, (types.float64,), device=True, cc=CC)
    except Exception as exc:  # no NVVM: the reason, in one line
        return f"Numba-CUDA cannot compile to PTX here ({type(exc).__name__}: " \
               f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''})"
    return None


reason = _can_compile()
if reason:
    pytest.skip(reason, allow_module_level=True)

F64, F32, I64 = types.float64, types.float32, types.int64
CASES = [
    (fns.grow, 0, (F64,), dict(max_trips=32)),
    (fns.grow, 0, (F32,), dict(max_trips=32)),
    (fns.damped, (0, 1), (F64, F64), {}),
    (fns.with_helper, (0, 1), (F32, F64), {}),
    (fns.repeated, 0, (F64, I64), dict(max_trips=4)),
    (fns.nested_while, 0, (F64,), dict(max_trips=16)),
    (fns.kinks, 0, (F64,), {}),
    (fns.two_outputs, (0, 1), (F64, F64), dict(preserve_result=True)),
    (fns.unconnected, (0, 1), (F64, F64), {}),
]


def _device_signature(df, scalars):
    device = df._generate().device
    return (*scalars, *([types.int64[:]] if device.overflow else []),
            *(types.Omitted(1.0) for _ in device.seeds))


@pytest.mark.parametrize("fn, wrt, scalars, options", CASES)
def test_device_function_compiles(fn, wrt, scalars, options):
    df = sg.grad(fn, wrt=wrt, target="cuda", **options)
    ptx, _ = cuda.compile_ptx(df.device_function.py_func, _device_signature(df, scalars),
                              device=True, cc=CC)
    assert ".func" in ptx


@pytest.mark.parametrize("fn, wrt, scalars, options", CASES)
def test_kernel_compiles(fn, wrt, scalars, options, monkeypatch):
    # Compiling a kernel compiles the device functions it calls for the current
    # device's compute capability, which asks the driver: give it one instead.
    import numba.cuda.dispatcher as dispatcher

    if not hasattr(dispatcher, "get_current_device"):
        pytest.skip("this Numba-CUDA compiles device functions differently")
    monkeypatch.setattr(dispatcher, "get_current_device",
                        lambda: type("Device", (), {"compute_capability": CC})())
    df = sg.grad(fn, wrt=wrt, target="cuda", **options)
    generated = df._generate()
    device = generated.device
    ranks = tuple(1 if k == 0 else 0 for k in range(len(device.values) + len(device.seeds)))
    source = kernel_source("kernel", device, generated.name, ranks)
    module = load_module(source, "kernel", {generated.name: df.device_function})
    arrays = [types.Array(t, 1, "C") if r else t for t, r in zip(scalars, ranks)]
    outs = [types.Array(F64, 1, "C") for leaf in _flatten(device.layout) if not leaf.none]
    signature = (*arrays, *(F64 for _ in device.seeds),
                 *([types.int64[:]] if device.overflow else []), *outs)
    ptx, _ = cuda.compile_ptx(module.kernel, signature, cc=CC)
    assert ".entry" in ptx


JVP_CASES = [
    (fns.grow, (0,), (F64,)),  # a while loop: forward mode saves nothing, needs no max_trips
    (fns.damped, (0, 1), (F64, F64)),
    (fns.with_helper, (0,), (F32, F64)),
    (fns.kinks, (0,), (F64,)),
    (fns.two_outputs, (0, 1), (F64, F64)),
]


@pytest.mark.parametrize("fn, along, scalars", JVP_CASES)
def test_jvp_device_function_compiles(fn, along, scalars):
    """The tangent function (forward mode) as a device function: the
    function's scalars, then one tangent per argument in `along`."""
    jvp = sg.jvp(fn, target="cuda")
    # (the tangent function along `along`, as jvp makes it for those tangents)
    function = jvp._along_wrt() if along == (0,) else None
    if function is None:
        from srcgrad.api.tangent import TangentFunction
        function = TangentFunction(fn, along, "cuda")
    tangents = tuple(scalars[k] for k in along)
    ptx, _ = cuda.compile_ptx(function.device_function.py_func, (*scalars, *tangents),
                              device=True, cc=CC)
    assert ".func" in ptx
