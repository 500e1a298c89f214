"""target="cuda" under Numba's CUDA simulator (NUMBA_ENABLE_CUDASIM=1, see conftest.py).

Each gradient is checked element by element against central finite
differences of the function itself and against target="cpu".  The
simulator runs every GPU thread as a Python thread, so the arrays are small.
"""

from __future__ import annotations

import inspect
import os
import re
import runpy
from pathlib import Path

import cuda_functions as fns
import numpy as np
import pytest
from numba import cuda

import srcgrad as sg

EPS = 1e-6
README = Path(__file__).parents[2] / "README.md"


def finite_difference(f, args, k):
    """d f / d args[k] by central differences, on scalars."""
    x = float(args[k])  # (an integer argument stays one: it is not differentiated)
    step = EPS * max(1.0, abs(x))
    up, down = list(args), list(args)
    up[k], down[k] = x + step, x - step
    return (f(*up) - f(*down)) / (2 * step)


def elementwise(f, arrays):
    """f applied to each element of the broadcast of `arrays`."""
    broadcast = np.broadcast_arrays(*arrays)
    out = np.empty(broadcast[0].shape)
    for index in np.ndindex(out.shape):
        out[index] = f(*[a[index].item() for a in broadcast])
    return out


def check(fn, args, wrt, **options):
    """The CUDA gradient of `fn` at broadcast `args`, against finite differences
    and against the CPU target."""
    got = sg.grad(fn, wrt=wrt, target="cuda", **options)(*args)
    cpu = sg.grad(fn, wrt=wrt, target="cpu")
    single = isinstance(wrt, int)
    got = (got,) if single else got
    for k, g in zip((wrt,) if single else wrt, got):
        expected = elementwise(lambda *a, k=k: finite_difference(fn, a, k), args)
        np.testing.assert_allclose(g, expected, rtol=1e-5, atol=1e-7)
        on_cpu = elementwise(lambda *a, k=k: _nth(cpu(*a), k, wrt), args)
        np.testing.assert_allclose(g, on_cpu, rtol=1e-12, atol=1e-12)
    return got


def _nth(result, k, wrt):
    return result if isinstance(wrt, int) else result[wrt.index(k)]


X = np.linspace(0.3, 2.1, 7)


def test_while_loop():
    check(fns.grow, (X,), 0, max_trips=32)


def test_while_loop_with_a_counter_and_augmented_assignments():
    """`k += 1` once carried an aliasing guard that the GPU cannot call."""
    check(fns.counted_while, (X,), 0, max_trips=32)
    assert "refuse_" not in sg.grad(fns.counted_while, target="cuda", max_trips=32).source


def test_a_rebound_global_is_seen():
    df = sg.grad(fns.scaled_sine, target="cuda")
    expected = elementwise(lambda x: finite_difference(fns.scaled_sine, (x,), 0), (X,))
    np.testing.assert_allclose(df(X), expected, rtol=1e-5, atol=1e-7)
    saved = fns.SCALE
    try:
        fns.SCALE = -3.5
        expected = elementwise(lambda x: finite_difference(fns.scaled_sine, (x,), 0), (X,))
        np.testing.assert_allclose(df(X), expected, rtol=1e-5, atol=1e-7)
    finally:
        fns.SCALE = saved


def test_for_loop_with_branch_and_two_wrt():
    check(fns.damped, (X, np.array([[0.5], [2.0]])), (0, 1))


def test_helper_function_and_numpy_calls():
    check(fns.with_helper, (X, 0.7), (0, 1))


def test_range_with_computed_bound():
    check(fns.repeated, (X, 3), 0, max_trips=4)


def test_while_inside_for():
    check(fns.nested_while, (X,), 0, max_trips=16)


def test_complex_intermediates():
    check(fns.phasor, (X, 0.7), (0, 1))


def test_elementwise_helpers():
    check(fns.kinks, (np.array([-1.7, -0.4, 0.2, 0.6, 1.3, 2.5]),), 0)


def code(df) -> str:
    """The generated source without its comments (which quote the user's lines)."""
    return "\n".join(line for line in df.source.splitlines() if not line.strip().startswith("#"))


def test_generated_source_has_no_python_objects():
    source = code(sg.grad(fns.nested_while, target="cuda", max_trips=16))
    assert "cuda.local.array" in source
    for word in ("append", "pop(", "[]", "zeros_like", "unbroadcast", "seed(", "shape"):
        assert word not in source, word
    source = code(sg.grad(fns.with_helper, wrt=(0, 1), target="cuda"))
    assert "math.sqrt" in source and "np." not in source


def test_grad_ys_broadcast():
    seeds = np.array([[1.0], [-2.0], [0.5]])
    got = sg.grad(fns.damped, target="cuda")(X, 1.5, grad_ys=seeds)
    plain = sg.grad(fns.damped, target="cuda")(X, 1.5)
    assert got.shape == (3, X.size)
    np.testing.assert_allclose(got, seeds * plain, rtol=1e-14)


def test_two_outputs_grad_ys_and_value():
    df = sg.grad(fns.two_outputs, wrt=(0, 1), target="cuda", preserve_result=True)
    (v1, v2), (gx, gy) = df(X, 2.0, grad_ys=(3.0, np.full(X.shape, -1.0)))
    np.testing.assert_allclose(v1, X * 2.0)
    np.testing.assert_allclose(v2, np.sin(X) + 2.0)
    np.testing.assert_allclose(gx, 3.0 * 2.0 - np.cos(X))
    np.testing.assert_allclose(gy, 3.0 * X - 1.0)


def test_unconnected_gradients():
    assert sg.grad(fns.unconnected, wrt=(0, 1), target="cuda")(X, 2.0)[1] is None
    zero = sg.grad(fns.unconnected, wrt=1, target="cuda", unconnected_gradients="zero")(X, 2.0)
    np.testing.assert_array_equal(zero, np.zeros(X.shape))


def test_dtypes_and_scalars():
    df = sg.grad(fns.with_helper, wrt=(0, 1), target="cuda")
    g32 = df(X.astype(np.float32), np.float32(0.7))
    assert g32[0].dtype == np.float32 and g32[1].dtype == np.float32
    np.testing.assert_allclose(g32[0], df(X, 0.7)[0], rtol=1e-6)
    gx, gy = df(0.5, 0.7)
    assert np.ndim(gx) == 0
    np.testing.assert_allclose(gx, finite_difference(fns.with_helper, (0.5, 0.7), 0), rtol=1e-6)
    ints = sg.grad(fns.damped, target="cuda")(np.arange(3), 2.0)
    assert ints.dtype == np.float64


def test_device_arrays_stay_on_device():
    x = cuda.to_device(X)
    a = cuda.to_device(np.array([0.5, 2.0]).reshape(2, 1))
    gx, ga = sg.grad(fns.damped, wrt=(0, 1), target="cuda")(x, a)
    assert cuda.devicearray.is_cuda_ndarray(gx) and cuda.devicearray.is_cuda_ndarray(ga)
    hx, ha = sg.grad(fns.damped, wrt=(0, 1), target="cuda")(X, np.array([[0.5], [2.0]]))
    np.testing.assert_array_equal(gx.copy_to_host(), hx)
    np.testing.assert_array_equal(ga.copy_to_host(), ha)


def test_device_function_in_a_user_kernel():
    df = sg.grad(fns.damped, wrt=(0, 1), target="cuda")
    grad_damped = df.device_function

    @cuda.jit
    def newton_step(x, a, out):
        i = cuda.grid(1)
        if i < x.size:
            gx, ga = grad_damped(x[i], a, 1.0)
            out[i] = x[i] - 0.1 * gx + ga

    out = cuda.device_array(X.size)
    newton_step[1, 32](cuda.to_device(X), 1.5, out)
    gx, ga = df(X, 1.5)
    np.testing.assert_allclose(out.copy_to_host(), X - 0.1 * gx + ga, rtol=1e-14)


def test_device_function_with_max_trips_reports_overflow():
    grad_grow = sg.grad(fns.grow, target="cuda", max_trips=3).device_function

    @cuda.jit
    def kernel(x, overflow, out):
        i = cuda.grid(1)
        if i < x.size:
            out[i] = grad_grow(x[i], overflow)

    overflow = cuda.to_device(np.zeros(1, np.int64))
    kernel[1, 32](cuda.to_device(np.array([9.0, 0.3])), overflow, cuda.device_array(2))
    assert overflow.copy_to_host()[0] == 1


def test_loop_past_max_trips_raises():
    df = sg.grad(fns.grow, target="cuda", max_trips=3)
    np.testing.assert_allclose(df(np.array([8.0, 9.5])), [
        finite_difference(fns.grow, (8.0,), 0), finite_difference(fns.grow, (9.5,), 0)],
        rtol=1e-5)
    with pytest.raises(sg.LoopLimitError) as info:
        df(X)
    assert_at(info.value, fns.grow, "max_trips=3")


def assert_at(exc: sg.SrcGradError, fn, text: str) -> None:
    lines, first = inspect.getsourcelines(fn)
    marked = first + next(k for k, line in enumerate(lines) if "# <- error" in line)
    assert os.path.basename(exc.file) == "cuda_functions.py" and exc.line == marked, str(exc)
    assert text in str(exc), str(exc)


@pytest.mark.parametrize("fn, error, text", [
    (fns.grow, sg.CompileError, "is a while loop"),
    (fns.repeated, sg.CompileError, "computed bound"),
    (fns.reads_array, sg.UnsupportedSyntaxError, "the subscript 'w[0]' reads an array"),
    (fns.sums, sg.UnsupportedSyntaxError, "'np.sum' is an array operation"),
    (fns.shaped, sg.UnsupportedSyntaxError, "'x.shape' is an array attribute"),
    (fns.rounds, sg.CompileError, "'np.rint' has no CUDA device form"),
])
def test_what_the_gpu_cannot_run(fn, error, text):
    with pytest.raises(error) as info:
        _ = sg.grad(fn, target="cuda").source
    assert_at(info.value, fn, text)


def test_too_much_saved_state():
    with pytest.raises(sg.CompileError, match="bytes per GPU thread"):
        _ = sg.grad(fns.grow, target="cuda", max_trips=10**6).source


def test_options():
    with pytest.raises(ValueError, match="max_trips"):
        sg.grad(fns.grow, max_trips=3)
    with pytest.raises(ValueError, match="positive integer"):
        sg.grad(fns.grow, target="cuda", max_trips=0)
    with pytest.raises(AttributeError, match="target='cuda'"):
        _ = sg.grad(fns.grow).device_function
    with pytest.raises(ValueError, match="do not broadcast"):
        sg.grad(fns.damped, target="cuda")(np.ones(3), np.ones(4))


def test_the_readme_example(tmp_path):
    section = README.read_text().split("## On the GPU", 1)[1].split("\n## ", 1)[0]
    blocks = dict(re.findall(r"^```(\w*)\n(.*?)^```$", section, flags=re.S | re.M))
    script = tmp_path / "example.py"
    script.write_text(blocks["python"])
    namespace = runpy.run_path(str(script))  # it checks its kernel against df itself
    grow, x = namespace["grow"], namespace["x"]
    expected = [finite_difference(grow, (v, 1.5), 0) for v in x]
    np.testing.assert_allclose(namespace["dx"], expected, rtol=1e-5)
    # the excerpt of the adjoint it shows is the one srcgrad generates
    for part in blocks[""].split("    ...\n"):
        assert part in namespace["dgrow"].source, part


# --- forward mode: jvp elementwise ----------------------------------------------------------


def directional(fn, args, tangents):
    """The derivative of the scalar `fn` at `args` along `tangents`, by central
    differences (an independent oracle)."""
    return sum(t * finite_difference(fn, args, k) for k, t in enumerate(tangents) if t)


@pytest.mark.parametrize("fn, args", [
    (fns.damped, (X, 1.5)),
    (fns.with_helper, (X, np.array([[0.4], [1.1]]))),
    (fns.nested_while, (X,)),
    (fns.grow, (np.array([0.3, 2.0, 8.0, 9.5]),)),  # a while loop: no max_trips needed
    (fns.counted_while, (X,)),
    (fns.kinks, (np.array([-1.7, -0.4, 0.2, 0.6, 1.3, 2.5]),)),
])
def test_jvp_against_central_differences(fn, args):
    rng = np.random.default_rng(7)
    tangents = tuple(rng.normal(size=np.shape(a)) for a in args)
    value, tangent = sg.jvp(fn, target="cuda")(args, tangents)
    np.testing.assert_allclose(value, elementwise(fn, args), rtol=1e-13)
    expected = elementwise(lambda *at: directional(fn, at[:len(args)], at[len(args):]),
                           (*args, *tangents))
    np.testing.assert_allclose(tangent, expected, rtol=1e-5, atol=1e-7)


def test_jvp_against_the_gradient():
    """J t elementwise is the gradient times t, summed over the arguments."""
    tx, ta = np.linspace(-1.0, 1.0, X.size), np.full(X.size, 0.25)
    _, tangent = sg.jvp(fns.damped, target="cuda")((X, 1.5), (tx, ta))
    gx, ga = sg.grad(fns.damped, wrt=(0, 1), target="cuda")(X, 1.5)
    np.testing.assert_allclose(tangent, gx * tx + ga * ta, rtol=1e-13)
    _, along_x = sg.jvp(fns.damped, target="cuda")((X, 1.5), (tx, None))
    np.testing.assert_allclose(along_x, gx * tx, rtol=1e-13)


def test_jvp_of_two_outputs_and_scalars():
    (v1, v2), (t1, t2) = sg.jvp(fns.two_outputs, target="cuda")((X, 2.0), (np.ones(X.size), 0.5))
    np.testing.assert_allclose(v1, X * 2.0)
    np.testing.assert_allclose(v2, np.sin(X) + 2.0)
    np.testing.assert_allclose(t1, 2.0 + X * 0.5)
    np.testing.assert_allclose(t2, np.cos(X) + 0.5)
    value, tangent = sg.jvp(fns.with_helper, target="cuda")((0.5, 0.7), (1.0, None))
    assert np.ndim(value) == 0 and np.ndim(tangent) == 0
    np.testing.assert_allclose(tangent, finite_difference(fns.with_helper, (0.5, 0.7), 0),
                               rtol=1e-6)


def test_jvp_source_is_device_code():
    source = code(sg.jvp(fns.with_helper, target="cuda"))
    assert "def with_helper_jvp(x, y, dx):" in source
    assert "return (result, dresult)" in source and "math.tanh" in source
    for word in ("np.", "import srcgrad", "broadcast_like", "zeros_like", "cuda.local",
                 "dz = dz\n"):
        assert word not in source, word
    # forward mode saves nothing: a while loop needs no max_trips and no stack
    assert "_stack" not in code(sg.jvp(fns.grow, target="cuda"))


def test_jvp_device_arrays_stay_on_device_and_device_function():
    jvp = sg.jvp(fns.damped, target="cuda")
    value, tangent = jvp((cuda.to_device(X), 1.5), (cuda.to_device(np.ones(X.size)), None))
    assert cuda.devicearray.is_cuda_ndarray(tangent)
    host_value, host_tangent = jvp((X, 1.5), (np.ones(X.size), None))
    np.testing.assert_array_equal(tangent.copy_to_host(), host_tangent)
    np.testing.assert_array_equal(value.copy_to_host(), host_value)
    damped_jvp = jvp.device_function

    @cuda.jit
    def kernel(x, out):
        i = cuda.grid(1)
        if i < x.size:
            y, dy = damped_jvp(x[i], 1.5, 1.0)
            out[i] = y + dy

    out = cuda.device_array(X.size)
    kernel[1, 32](cuda.to_device(X), out)
    np.testing.assert_allclose(out.copy_to_host(), host_value + host_tangent, rtol=1e-14)


@pytest.mark.parametrize("fn, error, text", [
    (fns.reads_array, sg.UnsupportedSyntaxError, "the subscript 'w[0]' reads an array"),
    (fns.sums, sg.UnsupportedSyntaxError, "'np.sum' is an array operation"),
    (fns.rounds, sg.CompileError, "'np.rint' has no CUDA device form"),
])
def test_jvp_what_the_gpu_cannot_run(fn, error, text):
    with pytest.raises(error) as info:
        _ = sg.jvp(fn, target="cuda").source
    assert_at(info.value, fn, text)


def test_higher_order_is_refused_on_the_gpu():
    with pytest.raises(ValueError, match="does not broadcast against its primal"):
        sg.jvp(fns.damped, target="cuda")((X, 1.5), (np.ones(2), None))
    with pytest.raises(sg.SrcGradError, match="higher order"):
        sg.jvp(sg.grad(fns.damped, target="cuda"), target="cuda")
    for derivative in (sg.hvp, sg.hessian, sg.jacobian):
        with pytest.raises(sg.SrcGradError, match="elementwise, with grad"):
            derivative(fns.damped, target="cuda")
