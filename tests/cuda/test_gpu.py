"""target="cuda" on a real GPU: the same gradients as target="cpu", on host and
device arrays, in a user's kernel, for a million elements.  Skips without a GPU
(and under the simulator, which test_sim.py covers)."""

from __future__ import annotations

import os

import cuda_functions as fns
import numpy as np
import pytest

if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
    pytest.skip("the simulator is on: test_sim.py covers it", allow_module_level=True)
cuda = pytest.importorskip("numba.cuda", reason="Numba-CUDA is not installed")
if not cuda.is_available():
    pytest.skip("no CUDA GPU (or driver) on this machine", allow_module_level=True)

import srcgrad as sg  # noqa: E402

RNG = np.random.default_rng(0)


def on_cpu(fn, wrt, *arrays, **options):
    """The CPU target's gradient, element by element."""
    df = sg.grad(fn, wrt=wrt, target="cpu", **options)
    broadcast = np.broadcast_arrays(*arrays)
    out = np.empty(broadcast[0].shape)
    for index in np.ndindex(out.shape):
        out[index] = df(*[a[index].item() for a in broadcast])
    return out


@pytest.mark.parametrize("fn, args, options", [
    (fns.grow, (RNG.uniform(0.1, 9.0, 1000),), dict(max_trips=64)),
    (fns.damped, (RNG.uniform(0.0, 2.0, 1000), 1.5), {}),
    (fns.with_helper, (RNG.uniform(0.0, 2.0, (10, 100)), 0.7), {}),
    (fns.nested_while, (RNG.uniform(0.5, 3.0, 1000),), dict(max_trips=16)),
    (fns.kinks, (RNG.uniform(-2.0, 2.0, 1000),), {}),
])
def test_host_arrays_match_cpu(fn, args, options):
    got = sg.grad(fn, target="cuda", **options)(*args)
    np.testing.assert_allclose(got, on_cpu(fn, 0, *args), rtol=1e-12, atol=1e-12)


def test_device_arrays_and_float32():
    x = RNG.uniform(0.1, 9.0, 10**6)
    df = sg.grad(fns.grow, target="cuda", max_trips=64)
    on_device = df(cuda.to_device(x))
    assert cuda.devicearray.is_cuda_ndarray(on_device)
    host = df(x)
    np.testing.assert_array_equal(on_device.copy_to_host(), host)
    sample = slice(0, None, 10**4)
    np.testing.assert_allclose(host[sample], on_cpu(fns.grow, 0, x[sample]),
                               rtol=1e-12)
    g32 = df(x.astype(np.float32))
    assert g32.dtype == np.float32


def test_device_function_in_a_user_kernel():
    grad_damped = sg.grad(fns.damped, wrt=(0, 1), target="cuda").device_function

    @cuda.jit
    def step(x, a, out):
        i = cuda.grid(1)
        if i < x.size:
            gx, ga = grad_damped(x[i], a, 1.0)
            out[i] = gx + ga

    x = RNG.uniform(0.0, 2.0, 1000)
    out = cuda.device_array(x.size)
    step[4, 256](cuda.to_device(x), 1.5, out)
    gx, ga = sg.grad(fns.damped, wrt=(0, 1), target="cuda")(x, 1.5)
    np.testing.assert_allclose(out.copy_to_host(), gx + ga, rtol=1e-14)


def test_loop_past_max_trips_raises():
    with pytest.raises(sg.LoopLimitError, match="max_trips=2"):
        sg.grad(fns.grow, target="cuda", max_trips=2)(np.array([0.1, 9.0]))


@pytest.mark.parametrize("fn, args", [
    (fns.grow, (RNG.uniform(0.1, 9.0, 1000),)),  # a while loop: forward mode needs no max_trips
    (fns.damped, (RNG.uniform(0.0, 2.0, 1000), 1.5)),
    (fns.kinks, (RNG.uniform(-2.0, 2.0, 1000),)),
])
def test_jvp_matches_the_gradient(fn, args):
    """Forward mode elementwise: J t is the CPU gradient times t."""
    t = RNG.normal(size=args[0].shape)
    value, tangent = sg.jvp(fn, target="cuda")(args, (t,) + (None,) * (len(args) - 1))
    np.testing.assert_allclose(tangent, on_cpu(fn, 0, *args) * t, rtol=1e-12, atol=1e-12)
    on_device = sg.jvp(fn, target="cuda")((cuda.to_device(args[0]), *args[1:]),
                                          (cuda.to_device(t),) + (None,) * (len(args) - 1))
    np.testing.assert_array_equal(on_device[1].copy_to_host(), tangent)
