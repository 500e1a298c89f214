"""More elementwise functions end to end (`srcgrad/rules/elementwise_more.py`):
inverse hyperbolic functions, `sinc`, angle conversions, `copysign`,
`heaviside`, `fmod`, `nan_to_num`, `real`/`conj`, and `math.hypot`,
`math.dist`, `math.prod` of several values, in functions that read like
user code; each gradient against central differences on target="python"
and target="cpu", a few second derivatives too, and the forms refused."""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from gradcheck import assert_gradient, numerical_gradient

import srcgrad as sg
from srcgrad import runtime

TARGETS = ("python", "cpu")


def beam_power(weights, steer_deg):
    """A uniform linear array's beam pattern (sinc-shaped) over a few angles,
    steered to `steer_deg` degrees, weighted."""
    angles = np.deg2rad(np.array([-30.0, -10.0, 5.0, 20.0, 40.0]))
    offset = np.sin(angles) - np.sin(np.radians(steer_deg))
    pattern = np.sinc(4.0 * offset)
    return np.sum(weights * pattern**2) + 0.01 * np.sum(np.rad2deg(angles) * weights)


def correlation_loss(r, scale):
    """Fisher's z of correlations, and an asinh-compressed residual."""
    z = np.arctanh(r)
    return np.sum(z**2) + np.sum(np.arcsinh(scale * r) / scale) + np.sum(np.arccosh(2.0 + r))


def wrapped_phase(theta, amplitude):
    """Phases wrapped with fmod, a sign taken from another signal, and the
    identity parts of a real signal."""
    wrapped = np.fmod(theta, 2.0 * math.pi)
    signed = np.copysign(amplitude, np.cos(theta))
    return np.sum(np.real(wrapped) * np.conj(signed)) + np.sum(np.imag(theta))


def gated(x, at_zero):
    """A step gate: `x` where positive, `at_zero` where exactly 0."""
    return np.sum(x * np.heaviside(x, at_zero)) + np.sum(np.heaviside(x, at_zero))


READINGS = np.array([1.0, np.inf, -np.inf, np.nan, 2.0])


def cleaned_mean(x, fill):
    """Sensor readings with infinities and gaps, cleaned before averaging."""
    clean = np.nan_to_num(x + READINGS, nan=fill, posinf=2.0 * fill, neginf=-1.0)
    return np.mean(clean * x)


def arm_reach(a1, a2, a3):
    """A planar three-link arm (angles in degrees): the distance from the tip
    to a target, the length of the 3-D offset, and a product of the links'
    cosines."""
    t1, t2 = math.radians(a1), math.radians(a1 + a2)
    tip = (math.cos(t1) + 0.8 * math.cos(t2), math.sin(t1) + 0.8 * math.sin(t2))
    gap = math.dist(tip, (1.2, 0.4))
    lift = math.hypot(tip[0], tip[1], 0.1 * a3)
    return gap + lift + math.prod((math.cos(t1), math.cos(t2), a3)) + math.degrees(t1) * 0.01


def scalar_mix(x, y):
    return (math.asinh(x * y) + math.acosh(2.0 + y * y) + math.atanh(x / 2.0)
            + math.copysign(x, -y) + math.fmod(5.0 * x, y + 0.5) + math.prod((x, y), start=y)
            + math.hypot(x) + math.hypot())


def vector_distance(p, q):
    return math.dist(p, q) + math.prod(p * q, start=2.0)


ARRAY_CASES = [
    (beam_power, (np.array([1.0, 0.5, 2.0, 0.7, 1.3]), 12.0)),
    (correlation_loss, (np.array([[0.3, -0.6], [0.1, 0.8]]), 1.7)),
    (wrapped_phase, (np.array([0.4, 7.1, -8.0, 13.3]), np.array([1.5, -0.5, 0.7, 2.0]))),
    (gated, (np.array([0.4, -1.2, 2.0, -0.3]), np.array([0.5, 0.25, 0.1, 0.9]))),
    (cleaned_mean, (np.array([0.3, -0.8, 1.1, 0.6, -0.2]), 0.7)),
    (arm_reach, (30.0, 45.0, 1.5)),
    (scalar_mix, (0.6, 0.9)),
    (vector_distance, (np.array([0.5, 1.5, -0.3]), np.array([1.0, -0.2, 0.4]))),
]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn, args", ARRAY_CASES, ids=[f.__name__ for f, _ in ARRAY_CASES])
def test_gradients(fn, args, target):
    wrt = tuple(range(len(args)))
    assert_gradient(sg.grad(fn, wrt=wrt, target=target), fn, args, wrt, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn, args", [ARRAY_CASES[1], ARRAY_CASES[5], ARRAY_CASES[6]],
                         ids=["correlation_loss", "arm_reach", "scalar_mix"])
def test_second_derivatives(fn, args, target):
    """The gradient of the gradient, along a direction, against central
    differences of the first gradient."""
    first = sg.grad(fn, wrt=0, target=target)
    second = sg.grad(first, wrt=0, target=target)
    v = np.linspace(0.5, -0.7, np.size(args[0])).reshape(np.shape(args[0]))
    v = float(v) if np.ndim(v) == 0 else v
    got = second(*args, grad_ys=v)

    def along_v(*a):
        return np.sum(v * np.asarray(first(*a)))

    np.testing.assert_allclose(got, numerical_gradient(along_v, args, 0, eps=1e-5), rtol=1e-5,
                               atol=1e-7)


@pytest.mark.parametrize("target", TARGETS)
def test_heaviside_value_at_zero_takes_the_cotangent(target):
    """Where `x` is exactly 0, `heaviside(x, h)` is `h`: its derivative in
    `h` is 1 there and 0 elsewhere (by hand: finite differences in `x`
    cannot sit on the jump)."""
    x = np.array([0.0, 1.5, -2.0, 0.0])
    h = np.array([0.5, 0.25, 0.75, 0.1])
    got = sg.grad(gated, wrt=1, target=target)(x, h)
    np.testing.assert_array_equal(got, [1.0, 0.0, 0.0, 1.0])


def sinc_sum(x):
    return np.sum(np.sinc(x))


@pytest.mark.parametrize("target", TARGETS)
def test_sinc_at_zero(target):
    """sinc is smooth at 0 with derivative 0 (and 1 / 2 at 1/2, by hand:
    d/dx sin(pi x) / (pi x) = (cos(pi x) - sinc(x)) / x)."""
    got = sg.grad(sinc_sum, target=target)(np.array([0.0, 0.5]))
    np.testing.assert_allclose(got, [0.0, (0.0 - 2 / math.pi) / 0.5], atol=1e-15)


@pytest.mark.parametrize("x1", [np.array([0.0, 2.5, -1.0, 3.0, np.nan, -0.0]), 0.0, -2.0, np.nan])
def test_heaviside_replacement(x1):
    for x2 in (0.5, np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])):
        want = np.heaviside(x1, x2)
        np.testing.assert_array_equal(runtime.heaviside(x1, x2), want)
        compiled = numba.njit(lambda a, b: runtime.heaviside(a, b))(x1, x2)
        np.testing.assert_array_equal(compiled, want)
    x32 = np.array([0.0, -1.0, 2.0], np.float32)
    assert numba.njit(lambda a: runtime.heaviside(a, 0.5))(x32).dtype == np.float32
    assert np.heaviside(x32, 0.5).dtype == np.float32


def test_math_fmod_replacement():
    for x1, x2 in [(5.5, 2.0), (-5.5, 2.0), (5.5, -2.0), (7.0, 7.0), (3, 2)]:
        compiled = numba.njit(lambda a, b: runtime.fmod(a, b))(x1, x2)
        assert compiled == math.fmod(x1, x2) == runtime.fmod(x1, x2)


def points_of_different_lengths(x):
    return math.dist((x, 1.0), (0.0, 1.0, 2.0))


def point_and_vector(x):
    return math.dist((x[0], x[1]), x)


def conjugate_of_a_complex_value(x):
    return np.sum(np.real(np.conj(x * (1.0 + 2.0j)) * (1.0 + 2.0j)))


def imaginary_part_of_a_complex_value(x):
    return np.imag(x * 1.0j)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn, x, want", [
    (conjugate_of_a_complex_value, np.array([0.5, -1.0]), lambda x: 5 * np.ones_like(x)),
    (imaginary_part_of_a_complex_value, 0.7, lambda x: 1.0)])
def test_parts_of_complex_values(fn, x, want, target):
    """`np.conj` and `np.imag` of a complex value that varies
    (`frontend/complexes.py` splits it into real parts): the derivative of
    the real function, 5 and 1 by hand (a gradient that dropped the
    imaginary part would give -3 and 0)."""
    np.testing.assert_allclose(sg.grad(fn, target=target)(x), want(x), rtol=1e-12)
    np.testing.assert_allclose(sg.grad(fn, target=target)(x), numerical_gradient(fn, (x,), 0),
                               rtol=1e-7)


def test_refusals():
    with pytest.raises(sg.NoAdjointError, match="same number of coordinates"):
        sg.grad(points_of_different_lengths, target="python")(0.5)
    with pytest.raises(sg.NoAdjointError, match="two tuples of numbers or two 1-D arrays"):
        sg.grad(point_and_vector, target="python")(np.array([0.5, 1.0]))
