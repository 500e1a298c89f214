"""API-audit recipes of SciPy's special functions (`srcgrad/rules/special.py`),
of `math.gamma` and `math.lgamma`, and of `scipy.stats`' log-densities
(`srcgrad/rules/distributions.py`), on domains where each is smooth."""

from __future__ import annotations

from audit_recipes import A, R

S, V, M = (), (3,), (2, 3)
POS = dict(lo=0.5, hi=3.0)

RECIPES = {
    "math.lgamma": R("math.lgamma(x0)", A(S, **POS)),
    "math.gamma": R("math.gamma(x0)", A(S, **POS)),
    "scipy.special.gammaln": R(["scipy.special.gammaln(x0)", "scipy.special.gammaln(x1)"],
                               A(M, **POS), A(S, **POS), cpu=True),
    "scipy.special.psi": R(["scipy.special.psi(x0)", "scipy.special.digamma(x0)"], A(M, **POS)),
    "scipy.special.polygamma": R(["scipy.special.polygamma(1, x0)",
                                  "scipy.special.polygamma(3, x0)"], A(M, **POS), cpu=True),
    "scipy.special.gamma": R("scipy.special.gamma(x0)", A(M, **POS)),
    "scipy.special.beta": R("scipy.special.beta(x0, x1)", A(M, **POS), A(V, **POS)),
    "scipy.special.betaln": R("scipy.special.betaln(x0, x1)", A(M, **POS), A(S, **POS),
                              cpu=True),
    "scipy.special.erf": R("scipy.special.erf(x0)", A(M)),
    "scipy.special.erfc": R("scipy.special.erfc(x0)", A(M)),
    "scipy.special.erfinv": R("scipy.special.erfinv(x0)", A(M, -0.9, 0.9)),
    "scipy.special.erfcinv": R("scipy.special.erfcinv(x0)", A(M, 0.1, 1.9)),
    "scipy.special.ndtr": R("scipy.special.ndtr(x0)", A(M)),
    "scipy.special.log_ndtr": R("scipy.special.log_ndtr(x0)", A(M, -8.0, 3.0), cpu=True),
    "scipy.special.ndtri": R("scipy.special.ndtri(x0)", A(M, 0.05, 0.95)),
    "scipy.special.i0": R("scipy.special.i0(x0)", A(M)),
    "scipy.special.i1": R("scipy.special.i1(x0)", A(M)),
    "scipy.special.i0e": R("scipy.special.i0e(x0)", A(M, 0.2, 2.0, sign=True)),
    "scipy.special.i1e": R("scipy.special.i1e(x0)", A(M, 0.2, 2.0, sign=True)),
    "scipy.special.exp1": R("scipy.special.exp1(x0)", A(M, 0.2, 3.0)),
    "scipy.special.expn": R(["scipy.special.expn(2, x0)", "scipy.special.expn(0, x0)"],
                            A(M, 0.2, 3.0)),
    "scipy.special.expit": R("scipy.special.expit(x0)", A(M, -4.0, 4.0), cpu=True),
    "scipy.special.logit": R("scipy.special.logit(x0)", A(M, 0.05, 0.95)),
    "scipy.special.log_expit": R("scipy.special.log_expit(x0)", A(M, -4.0, 4.0)),
    "scipy.special.xlogy": R(["scipy.special.xlogy(x0, x1)", "scipy.special.xlogy(2.0, x1)"],
                             A(M), A(V, **POS), cpu=True),
    "scipy.special.xlog1py": R("scipy.special.xlog1py(x0, x1)", A(M), A(V, -0.5, 2.0)),
    "scipy.special.entr": R("scipy.special.entr(x0)", A(M, 0.1, 3.0)),
    # expanded into operations with rules
    "scipy.special.logsumexp": R(["scipy.special.logsumexp(x0)",
                                  "scipy.special.logsumexp(x0, axis=1, b=x1)",
                                  "scipy.special.logsumexp(x0, 0, keepdims=True)"],
                                 A(M), A(V, **POS), cpu=True),
    "scipy.special.softmax": R(["scipy.special.softmax(x0)", "scipy.special.softmax(x0, axis=1)"],
                               A(M)),
    "scipy.special.log_softmax": R("scipy.special.log_softmax(x0, axis=0)", A(M), cpu=True),
    "scipy.special.multigammaln": R("scipy.special.multigammaln(x0, 3)", A(M, 1.5, 3.0)),
    "scipy.stats.norm.logpdf": R(["scipy.stats.norm.logpdf(x0, x1, x2)",
                                  "scipy.stats.norm.logpdf(x0)"], A(M), A(V), A(S, **POS),
                                 cpu=True),
    "scipy.stats.norm.pdf": R("scipy.stats.norm.pdf(x0, loc=x1, scale=x2)", A(M), A(V),
                              A(S, **POS)),
    "scipy.stats.norm.cdf": R("scipy.stats.norm.cdf(x0, x1, x2)", A(M), A(V), A(S, **POS)),
    "scipy.stats.norm.logcdf": R("scipy.stats.norm.logcdf(x0, x1, scale=x2)", A(M), A(S),
                                 A(S, **POS)),
    "scipy.stats.t.logpdf": R("scipy.stats.t.logpdf(x0, x1, x2, x3)", A(M), A(S, 1.0, 5.0),
                              A(V), A(S, **POS)),
    "scipy.stats.gamma.logpdf": R("scipy.stats.gamma.logpdf(x0, x1, scale=x2)", A(M, **POS),
                                  A(V, **POS), A(S, **POS)),
    "scipy.stats.beta.logpdf": R("scipy.stats.beta.logpdf(x0, x1, x2)", A(M, 0.1, 0.9),
                                 A(V, **POS), A(S, **POS)),
    "scipy.stats.poisson.logpmf": R("scipy.stats.poisson.logpmf(np.floor(x0), x1)",
                                    A(M, 0.5, 5.5), A(V, **POS)),
    "scipy.stats.multivariate_normal.logpdf": R(
        ["scipy.stats.multivariate_normal.logpdf(x0, x1, x2 @ x2.T + 3.0 * np.eye(3))",
         "scipy.stats.multivariate_normal.logpdf(x0[0], x1, x2 @ x2.T + 3.0 * np.eye(3))"],
        A((2, 3)), A(V), A((3, 3), -1.0, 1.0), cpu=True),
}
