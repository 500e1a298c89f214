"""API-audit recipes of the statistics and signal family (see test_api_audit.py)."""

from __future__ import annotations

from audit_recipes import A, R

S, V, M = (), (3,), (2, 3)

RECIPES = {
    "numpy.logaddexp": R(["np.logaddexp(x0, x1)", "np.logaddexp(x0, 3.0)"], A(M), A(V), cpu=True),
    "numpy.logaddexp2": R("np.logaddexp2(x0, x1)", A(M), A(V), cpu=True),
    "numpy.cumprod": R(["np.cumprod(x0)", "np.cumprod(x0, axis=1)", "np.cumprod(x0, 0)"],
                       A(M), cpu=True),
    "numpy.diff": R(["np.diff(x0)", "np.diff(x0, 2, axis=0)", "np.diff(x0, axis=-1) ** 2"],
                    A((3, 4)), cpu=True),
    "numpy.convolve": R(["np.convolve(x0, x1)", "np.convolve(x0, x1, 'same')",
                         "np.convolve(x1, x0, mode='valid')"], A((5,)), A(V), cpu=True),
    "numpy.correlate": R(["np.correlate(x0, x1)", "np.correlate(x0, x1, 'same')",
                          "np.correlate(x1, x0, mode='full')"], A((5,)), A(V), cpu=True),
    "numpy.polyval": R(["np.polyval(x0, x1)", "np.polyval(x0, 0.7)"], A((4,)), A(M), cpu=True),
    # scipy.signal's: NumPy's but for 'same', which keeps in1's length (here the shorter)
    "scipy.signal.convolve": R(["scipy.signal.convolve(x0, x1)",
                                "scipy.signal.convolve(x1, x0, 'same')",
                                "scipy.signal.convolve(x0, x1, mode='valid', method='direct')"],
                               A((5,)), A(V), cpu=True),
    "scipy.signal.correlate": R(["scipy.signal.correlate(x0, x1, 'full')",
                                 "scipy.signal.correlate(x1, x0, 'same')",
                                 "scipy.signal.correlate(x0, x1, 'same', 'fft')",
                                 "scipy.signal.correlate(x0, x1, 'valid')"],
                                A((5,)), A(V), cpu=True),
    # increasing knots (a cumulative sum of positive steps), points on both sides of them
    "numpy.interp": R(["np.interp(x0, np.cumsum(x1) - 1.0, x2)",
                       "np.interp(x0, np.cumsum(x1) - 1.0, x2, x3, x3 * 2.0)",
                       "np.interp(x3, np.cumsum(x1) - 1.0, x2, right=x3)"],
                      A(M, -1.5, 4.0), A((4,), 0.5, 1.5), A((4,)), A(S), cpu=True),
}
