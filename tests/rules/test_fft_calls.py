"""`np.fft` end to end (`srcgrad/rules/spectral.py`): the real-valued
functions (`fftshift`, `ifftshift`, `fftfreq`, `rfftfreq`) differentiated on
target="python" and target="cpu" against central differences, the complex
transforms refused where their argument varies, and run as written where it
does not."""

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
    return np.sum(np.fft.irfft(x * 2.0))


def image_spectrum(x):
    return np.sum(np.abs(np.fft.fft2(x)))


@pytest.mark.parametrize("fn, what", [(power_spectrum, "rfft' is not differentiated.*returns "
                                                       "complex values"),
                                      (round_trip, "irfft' is not differentiated.*Hermitian"),
                                      (image_spectrum, "fft2' is not differentiated")])
@pytest.mark.parametrize("target", TARGETS)
def test_transforms_of_varying_values_are_refused(fn, what, target):
    x = np.array([0.5, -1.0, 2.0, 0.25])
    with pytest.raises(sg.NoAdjointError, match=what):
        sg.grad(fn, target=target)(np.outer(x, x) if fn is image_spectrum else x)


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
