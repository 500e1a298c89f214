"""GradBench's `gmm` eval: the log posterior of a Gaussian mixture model with
a Wishart prior on its precision matrices (`objective`) and its gradient in
`alpha`, `mu`, `q` and `l` (`jacobian`), from the simplified form of
`evals/gmm/README.md`:

    F = -N (D/2 log 2 pi + logsumexp(alpha)) + sum_i logsumexp(beta_i)
        + K (n D log(gamma / sqrt 2) - log Gamma_D(n / 2))
        - gamma^2 / 2 sum_k |Q_k|_F^2 + m sum_k sum_j q_kj,
    beta_ik = alpha_k - 1/2 |Q_k (x_i - mu_k)|^2 + sum_j q_kj,  n = D + m + 1,

with Q_k lower triangular, exp(q_k) on its diagonal and l_k (`lower`) below it,
filled column by column.

The objective is `numba.njit` of `log_posterior`; the gradient is srcgrad's.
"""

import math

import numba
import numpy as np

import srcgrad as sg
from bench.gradbench import lse
from bench.gradbench.protocol import measured

logsumexp = lse.primal_of  # the lse eval's objective, compiled by Numba


@numba.njit
def log_multigamma(a, p):
    total = 0.25 * p * (p - 1) * math.log(math.pi)
    for j in range(1, p + 1):
        total += math.lgamma(a + 0.5 * (1 - j))
    return total


def log_posterior(alpha, mu, q, lower, x, m, gamma):
    n_points, d = x.shape
    k_count = alpha.shape[0]
    # the lower triangular factors Q_k of the precision matrices Q_k^T Q_k
    factors = np.zeros((k_count, d, d))
    for k in range(k_count):
        below = 0
        for j in range(d):
            factors[k, j, j] = math.exp(q[k, j])
            for i in range(j + 1, d):
                factors[k, i, j] = lower[k, below]
                below += 1
    sum_q = np.zeros(k_count)
    for k in range(k_count):
        for j in range(d):
            sum_q[k] += q[k, j]

    likelihood = 0.0
    for i in range(n_points):
        beta = np.empty(k_count)
        for k in range(k_count):
            squared = 0.0
            for r in range(d):
                row = 0.0
                for c in range(r + 1):
                    row += factors[k, r, c] * (x[i, c] - mu[k, c])
                squared += row * row
            beta[k] = alpha[k] - 0.5 * squared + sum_q[k]
        likelihood += logsumexp(beta)
    likelihood -= n_points * (0.5 * d * math.log(2.0 * math.pi) + logsumexp(alpha))

    dof = d + m + 1
    frobenius = 0.0
    for k in range(k_count):
        for r in range(d):
            for c in range(r + 1):
                frobenius += factors[k, r, c] * factors[k, r, c]
    prior = k_count * (dof * d * math.log(gamma / math.sqrt(2.0)) - log_multigamma(0.5 * dof, d))
    prior += m * np.sum(sum_q) - 0.5 * gamma * gamma * frobenius
    return likelihood + prior


objective_of = numba.njit(log_posterior)
gradient_of = sg.grad(log_posterior, wrt=(0, 1, 2, 3), target="cpu")


def _matrix(rows, columns):
    return np.asarray(rows, dtype=np.float64).reshape(-1, columns)


def _prepare(raw):
    d = int(raw["d"])
    return (
        np.asarray(raw["alpha"], dtype=np.float64),
        _matrix(raw["mu"], d),
        _matrix(raw["q"], d),
        _matrix(raw["l"], d * (d - 1) // 2),
        _matrix(raw["x"], d),
        int(raw["m"]),
        float(raw["gamma"]),
    )


def _independent(gradients):
    alpha, mu, q, lower = gradients
    return {"alpha": alpha.tolist(), "mu": mu.tolist(), "q": q.tolist(), "l": lower.tolist()}


@measured(_prepare, float)
def objective(args):
    return objective_of(*args)


@measured(_prepare, _independent)
def jacobian(args):
    return gradient_of(*args)


FUNCTIONS = {"objective": objective, "jacobian": jacobian}


def warm_up():
    rng = np.random.default_rng(0)
    d, k = 3, 2
    args = (rng.normal(size=k), rng.uniform(size=(k, d)), rng.normal(size=(k, d)),
            rng.normal(size=(k, d * (d - 1) // 2)), rng.normal(size=(4, d)), 0, 1.0)
    objective_of(*args)
    gradient_of(*args)
