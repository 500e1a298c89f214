"""`np.fft` end to end (`srcgrad/rules/spectral.py`,
`srcgrad/frontend/complexes.py`, `srcgrad/runtime/transforms.py`): the
real-valued functions (`fftshift`, `ifftshift`, `fftfreq`, `rfftfreq`) and the
transforms (`fft`, `ifft`, `rfft`, `irfft`, 2-D, n-D) inside real functions of
complex intermediates, differentiated on target="python" and target="cpu"
against central differences, to second order and in forward mode; what
complex values may not meet refused, naming the line."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from gradcheck import assert_gradient, numerical_gradient

import srcgrad as sg

TARGETS = ("python", "cpu")


def centred_spectrum_moment(power, spacing):
    """The second moment of a power spectrum laid out as FFTs lay it out
    (zero frequency first), computed on the centred frequency axis."""
    freqs = np.fft.fftshift(np.fft.fftfreq(power.shape[0], spacing))
    centred = np.fft.fftshift(power)
    return np.sum(centred * freqs**2) / np.sum(centred)


def image_quadrants(image, weights):
    """An image's quadrants swapped to centre its origin, weighted, and
    swapped back along the rows only."""
    centred = np.fft.fftshift(image, axes=(0, 1)) * weights
    return np.sum(np.fft.ifftshift(centred, axes=0) * image)


def one_sided_band(x, rate):
    """A weighted sum over the non-negative frequencies of a real signal's
    spectrum: the band's centroid, in hertz."""
    freqs = np.fft.rfftfreq(2 * x.shape[0] - 1, 1.0 / rate)
    return np.sum(freqs * x**2) / np.sum(x**2)


CASES = [
    (centred_spectrum_moment, (np.array([4.0, 2.5, 1.0, 0.3, 0.2, 0.9, 2.0]), 0.1)),
    (image_quadrants, (np.arange(20.0).reshape(4, 5) / 7.0 - 1.0,
                       np.linspace(0.5, 1.5, 20).reshape(4, 5))),
    (one_sided_band, (np.array([1.0, 0.7, 0.4, 0.2]), 50.0)),
]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn, args", CASES, ids=[f.__name__ for f, _ in CASES])
def test_gradients(fn, args, target):
    wrt = tuple(range(len(args)))
    assert_gradient(sg.grad(fn, wrt=wrt, target=target), fn, args, wrt, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("target", TARGETS)
def test_second_derivative(target):
    fn, args = CASES[0]
    first = sg.grad(fn, wrt=1, target=target)
    second = sg.grad(first, wrt=1, target=target)
    want = numerical_gradient(first, args, 1, eps=1e-5)
    np.testing.assert_allclose(second(*args), want, rtol=1e-5)


def power_spectrum(x):
    return np.sum(np.abs(np.fft.rfft(x)) ** 2)


def round_trip(x):
    return np.sum(np.fft.irfft(x * 2.0) ** 3)


def image_spectrum(x):
    return np.sum(np.abs(np.fft.fft2(x)))


def spectral_derivative(u, length):
    """du/dx of a periodic signal by the FFT, weighted by the signal."""
    n = u.shape[0]
    k = 2 * np.pi * np.fft.rfftfreq(n, length / n)
    du = np.fft.irfft(1j * k * np.fft.rfft(u), n)
    return np.sum(du**2 * u)


def fft_convolution(a, b):
    """Linear convolution by zero-padded real transforms."""
    n = len(a) + len(b) - 1
    c = np.fft.irfft(np.fft.rfft(a, n) * np.fft.rfft(b, n), n)
    return np.sum(np.sin(c))


def low_pass(x, phase):
    """High frequencies zeroed in place, a phase turned, back by `ifft`."""
    spectrum = np.fft.fft(x) * np.exp(1j * phase)
    spectrum[4:] = 0.0
    y = np.fft.ifft(spectrum)
    return np.sum(y.real**2) + np.sum(np.angle(spectrum[1:4]) * y.imag[1:4])


def wiener(image, noise):
    """A Wiener-like filter of an image, orthonormal transforms."""
    f = np.fft.fft2(image, norm="ortho")
    gain = np.conj(f) * f / (np.abs(f) ** 2 + noise)
    return np.sum(np.fft.ifft2(gain * f, norm="ortho").real * image)


def padded_transforms(x):
    """rfftn over chosen axes with sizes, its inverse cropped, and ifft
    padded with norm="forward"."""
    spectrum = np.fft.rfftn(x, s=(4, 6), axes=(0, 1))
    back = np.fft.irfftn(spectrum * spectrum, s=(3, 5), axes=(0, 1))
    column = np.fft.ifft(x[:, 0], 7, norm="forward")
    return np.sum(back * x[:3, :5]) + np.sum(column.real * column.imag)


def dft_by_hand(x, k):
    """One bin of a discrete Fourier transform, summed in a loop, and a
    complex array written element by element."""
    n = x.shape[0]
    bin_k = 0j
    twiddles = np.zeros(n, dtype=complex)
    for t in range(n):
        twiddles[t] = np.exp(-2j * np.pi * k * t / n)
        bin_k += x[t] * twiddles[t]
    return abs(bin_k) + np.sum(np.fft.fftn(twiddles * x).imag)


def weighted_bins(x):
    """A loop over a spectrum's bins, bounded by its length."""
    spectrum = np.fft.rfft(x)
    total = 0.0
    for k in range(len(spectrum)):
        total += abs(spectrum[k]) * k
    return total


def filled_and_reshaped(x):
    """A complex array filled in a loop over its size, reshaped, its
    imaginary part read."""
    z = np.zeros(x.shape[0], dtype=complex)
    for i in range(z.size):
        z[i] = x[i] * 2.0
    z[1] = 1j * x[0]
    grid = z.reshape((2, 3))
    return np.sum(np.abs(grid) ** 2) + np.sum(z.imag * x) + z.shape[0] * x[1]


def dft_matrix(x, f):
    """A DFT by its matrix, with @ and np.dot, and its inverse by the
    conjugate matrix."""
    n = x.shape[0]
    k = np.arange(n)
    w = np.exp(-2j * np.pi * np.outer(k, k) * f / n)
    spectrum = w @ x
    back = np.dot(np.conj(w), spectrum) / n
    return np.sum(np.abs(spectrum) ** 2) + np.sum(back.real * x) + np.abs(np.sum(spectrum**2))


def horner(c, zr):
    """A polynomial with real coefficients at a complex point, by Horner's
    rule in a loop."""
    z = complex(zr, 0.5)
    p = 0j
    for k in range(c.shape[0]):
        p = p * z + c[k]
    return abs(p) ** 2 + np.angle(p)


def rebound_spectrum(x, w):
    """An argument rebound to its own spectrum, then scaled."""
    x = np.fft.rfft(x)
    x = x * w
    return np.sum(np.abs(x) ** 2)


def rotated_in_a_loop(x, w):
    """An argument turned complex in a loop that carries it."""
    for _ in range(3):
        x = x * np.exp(1j * w) + 0.5
    return np.sum(x.real * x.imag)


RNG = np.random.default_rng(7)
TRANSFORMS = [
    (power_spectrum, (RNG.standard_normal(9),)),
    (round_trip, (RNG.standard_normal(6),)),
    (image_spectrum, (RNG.standard_normal((4, 5)),)),
    (spectral_derivative, (RNG.standard_normal(16), 2.0)),
    (fft_convolution, (RNG.standard_normal(5), RNG.standard_normal(4))),
    (low_pass, (RNG.standard_normal(10), 0.6)),
    (wiener, (RNG.standard_normal((4, 5)), 0.3)),
    (padded_transforms, (RNG.standard_normal((5, 6)),)),
    (dft_by_hand, (RNG.standard_normal(7), 2.0)),
    (weighted_bins, (RNG.standard_normal(9),)),
    (filled_and_reshaped, (RNG.standard_normal(6),)),
    (dft_matrix, (RNG.standard_normal(5), 1.0)),
    (horner, (RNG.standard_normal(4), 0.3)),
    (rebound_spectrum, (RNG.standard_normal(6), 0.7)),
    (rotated_in_a_loop, (RNG.standard_normal(4), 0.4)),
]
HAS_ROCKET_FFT = importlib.util.find_spec("rocket_fft") is not None  # numpy.fft for Numba


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn, args", TRANSFORMS, ids=[f.__name__ for f, _ in TRANSFORMS])
def test_transform_gradients(fn, args, target):
    """A real function of complex intermediates: its gradient in every real
    argument against central differences of the function itself."""
    if target == "cpu" and not HAS_ROCKET_FFT:
        with pytest.raises(sg.CompileError, match="rocket-fft"):
            sg.grad(fn, target=target)(*args)
        return
    wrt = tuple(range(len(args)))
    assert_gradient(sg.grad(fn, wrt=wrt, target=target), fn, args, wrt, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn, args", TRANSFORMS[3:8:2], ids=[f.__name__ for f, _ in TRANSFORMS[3:8:2]])
def test_transform_second_order_and_tangents(fn, args, target):
    """Hessian-vector products against central differences of the gradient,
    and forward mode's tangent against those of the function."""
    if target == "cpu" and not HAS_ROCKET_FFT:
        pytest.skip("needs rocket-fft on target='cpu' (checked by test_transform_gradients)")
    x, rest = args[0], args[1:]
    v = np.random.default_rng(3).standard_normal(np.shape(x))
    first = sg.grad(fn, target=target)
    eps = 1e-5
    want = (np.asarray(first(x + eps * v, *rest)) - np.asarray(first(x - eps * v, *rest))) / (2 * eps)
    np.testing.assert_allclose(sg.hvp(fn, target=target)(*args, v), want, rtol=1e-5, atol=1e-8)
    zeros = tuple(np.zeros_like(np.asarray(a, dtype=float)) for a in rest)
    _, tangent = sg.jvp(fn, target=target)(tuple(args), (v, *zeros))
    want = (fn(x + eps * v, *rest) - fn(x - eps * v, *rest)) / (2 * eps)
    np.testing.assert_allclose(tangent, want, rtol=1e-6)


def test_float32_spectrum():
    """float32 signals give complex64 spectra, whose parts are float32: the
    gradient is float32, and matches float64 central differences."""
    x = RNG.standard_normal(8).astype(np.float32)
    got = sg.grad(power_spectrum, target="python")(x)
    assert got.dtype == np.float32
    want = numerical_gradient(power_spectrum, (x.astype(np.float64),), 0)
    np.testing.assert_allclose(got, want, rtol=1e-4)


def sine_of_spectrum(x):
    return np.sum(np.sin(np.fft.fft(x)).real)


def spectrum_returned(x):
    return np.fft.fft(x)


def cubed(x):
    return np.sum((np.fft.fft(x) ** 3).real)


def hermitian(x):
    return np.sum(np.fft.hfft(x))


def complex_into_real(x):
    y = np.copy(x)
    y[0] = 1j * x[1]
    return np.sum(y.real)


@pytest.mark.parametrize("fn, what", [
    (sine_of_spectrum, r"test_fft_calls.py:\d+: .*np.sin.* of a complex value"),
    (spectrum_returned, "a complex result"),
    (cubed, r"\*\* 3.* of a complex value"),
    (hermitian, "hfft' is not differentiated.*Hermitian"),
    (complex_into_real, r"test_fft_calls.py:\d+: .*complex value written into 'y'.*dtype=complex"),
])
@pytest.mark.parametrize("target", TARGETS)
def test_what_complex_values_may_not_meet_is_refused(fn, what, target):
    with pytest.raises(sg.NoAdjointError, match=what):
        sg.grad(fn, target=target)(np.array([0.5, -1.0, 2.0, 0.25]))


FILTER = np.array([0.5, 0.3, 0.15, 0.05, 0.0, 0.0])


def filtered_energy(x):
    """A signal weighted by a fixed filter's magnitude response (a constant:
    the filter does not vary)."""
    response = np.abs(np.fft.rfft(FILTER))
    return np.sum(response * x**2)


def test_transform_of_a_constant_runs_as_written():
    x = np.array([1.0, -0.5, 0.25, 2.0])
    want = numerical_gradient(filtered_energy, (x,), 0)
    np.testing.assert_allclose(sg.grad(filtered_energy, target="python")(x), want, rtol=1e-6)
    if importlib.util.find_spec("rocket_fft") is not None:  # registers numpy.fft with Numba
        np.testing.assert_allclose(sg.grad(filtered_energy, target="cpu")(x), want, rtol=1e-6)
    else:
        with pytest.raises(sg.CompileError, match="rfft"):
            sg.grad(filtered_energy, target="cpu")(x)
