"""API-audit recipes of `srcgrad/rules/spectral.py` (see test_api_audit.py)."""

from __future__ import annotations

from audit_recipes import A, R

RECIPES = {
    "numpy.fft.fftshift": R(["np.fft.fftshift(x0)", "np.fft.fftshift(x0, axes=1) * x0"],
                            A((3, 4)), cpu=True),
    "numpy.fft.ifftshift": R(["np.fft.ifftshift(x0)", "np.fft.ifftshift(x0, 0) * x0"],
                             A((5, 2)), cpu=True),
    "numpy.fft.fftfreq": R(["np.fft.fftfreq(5, x0)", "np.fft.fftfreq(4, d=x0) * x0"],
                           A((), 0.5, 2.0), cpu=True),
    "numpy.fft.rfftfreq": R("np.fft.rfftfreq(6, x0)", A((), 0.5, 2.0), cpu=True),
}
