"""The kernel suite (`python -m bench --suite kernels`): numerical Python as it
is written in the wild, in the style of PolyBench, npbench, numba-examples and
physics, signal-processing and finance codes (written here, not copied).

Plain NumPy/`math` functions, njit style: explicit loops over indices,
in-place updates of arrays made inside the function, helpers (decorated with
`numba.njit`, as a Numba user must) called on row views.  Each returns a
scalar, so that `srcgrad.grad` and central finite differences apply.  Every
kernel has a benchmark size (the `numba.njit` primal takes 1-100 ms a call
on the 2-core machine the project runs on) and a small size (for the
finite-difference check, `--quick` and tests/test_bench_kernels.py).

`KERNELS` holds `bench.cases.Case`s; `wrt` names the float arrays and scalars
differentiated; `FAMILY[case.key]` says what kind of code each one is.
"""

from __future__ import annotations

import inspect
import math

import numba
import numpy as np

from .cases import Case

# ---------------------------------------------------------------------------
# stencils with in-place updates


def jacobi_1d(a0, tsteps):
    """PolyBench jacobi-1d: each sweep reads one array and writes the other."""
    n = a0.shape[0]
    a = a0.copy()
    b = np.zeros(n)
    for _ in range(tsteps):
        for i in range(1, n - 1):
            b[i] = 0.33333 * (a[i - 1] + a[i] + a[i + 1])
        for i in range(1, n - 1):
            a[i] = 0.33333 * (b[i - 1] + b[i] + b[i + 1])
    return np.sum(a * a)


def jacobi_2d(a0, tsteps):
    """PolyBench jacobi-2d, five-point average, two arrays."""
    n = a0.shape[0]
    a = a0.copy()
    b = a0.copy()
    for _ in range(tsteps):
        for i in range(1, n - 1):
            for j in range(1, n - 1):
                b[i, j] = 0.2 * (a[i, j] + a[i, j - 1] + a[i, j + 1] + a[i + 1, j] + a[i - 1, j])
        for i in range(1, n - 1):
            for j in range(1, n - 1):
                a[i, j] = 0.2 * (b[i, j] + b[i, j - 1] + b[i, j + 1] + b[i + 1, j] + b[i - 1, j])
    return np.sum(np.sin(a))


def heat_2d(u0, alpha, steps):
    """Explicit heat equation, the "12 steps to Navier-Stokes" way: copy the
    field (un = u.copy()) and update u in place from the copy."""
    nx, ny = u0.shape
    u = u0.copy()
    for _ in range(steps):
        un = u.copy()
        for i in range(1, nx - 1):
            for j in range(1, ny - 1):
                u[i, j] = un[i, j] + alpha * (un[i + 1, j] + un[i - 1, j] + un[i, j + 1]
                                              + un[i, j - 1] - 4.0 * un[i, j])
    return np.sum(u * u)


def seidel_2d(a0, tsteps):
    """PolyBench seidel-2d: a Gauss-Seidel sweep, nine-point, in place."""
    n = a0.shape[0]
    a = a0.copy()
    for _ in range(tsteps):
        for i in range(1, n - 1):
            for j in range(1, n - 1):
                a[i, j] = (a[i - 1, j - 1] + a[i - 1, j] + a[i - 1, j + 1]
                           + a[i, j - 1] + a[i, j] + a[i, j + 1]
                           + a[i + 1, j - 1] + a[i + 1, j] + a[i + 1, j + 1]) / 9.0
    return np.sum(a * a)


def advection_2d(u0, c, steps):
    """Linear convection in 2-D, first-order upwind ("12 steps", step 5)."""
    nx, ny = u0.shape
    dt = 0.2 / (nx - 1)
    u = u0.copy()
    for _ in range(steps):
        un = u.copy()
        for i in range(1, nx):
            for j in range(1, ny):
                u[i, j] = (un[i, j] - c * dt * (nx - 1) * (un[i, j] - un[i - 1, j])
                           - c * dt * (ny - 1) * (un[i, j] - un[i, j - 1]))
    return np.sum(u * u)


def shallow_water_1d(h0, u0, g, steps):
    """1-D shallow-water equations, Lax-Friedrichs, reflecting walls."""
    n = h0.shape[0]
    dx = 1.0 / n
    dt = 0.2 * dx
    h = h0.copy()
    hu = h0 * u0
    for _ in range(steps):
        hn = h.copy()
        hun = hu.copy()
        for i in range(1, n - 1):
            fp = hun[i + 1] * hun[i + 1] / hn[i + 1] + 0.5 * g * hn[i + 1] * hn[i + 1]
            fm = hun[i - 1] * hun[i - 1] / hn[i - 1] + 0.5 * g * hn[i - 1] * hn[i - 1]
            h[i] = 0.5 * (hn[i + 1] + hn[i - 1]) - 0.5 * dt / dx * (hun[i + 1] - hun[i - 1])
            hu[i] = 0.5 * (hun[i + 1] + hun[i - 1]) - 0.5 * dt / dx * (fp - fm)
        h[0] = h[1]
        h[n - 1] = h[n - 2]
        hu[0] = -hu[1]
        hu[n - 1] = -hu[n - 2]
    return np.sum(h * h) + np.sum(hu * hu)


# ---------------------------------------------------------------------------
# tridiagonal and triangular solves


@numba.njit
def thomas(a, b, c, d):
    """Tridiagonal solve: a sub-, b main, c super-diagonal (a[0], c[-1] unused)."""
    n = d.shape[0]
    cp = np.empty(n)
    dp = np.empty(n)
    x = np.empty(n)
    cp[0] = c[0] / b[0]
    dp[0] = d[0] / b[0]
    for i in range(1, n):
        m = b[i] - a[i] * cp[i - 1]
        cp[i] = c[i] / m
        dp[i] = (d[i] - a[i] * dp[i - 1]) / m
    x[n - 1] = dp[n - 1]
    for i in range(n - 2, -1, -1):
        x[i] = dp[i] - cp[i] * x[i + 1]
    return x


def tridiagonal_solve(a, b, c, d, w):
    """One Thomas solve, a weighted sum of the solution."""
    x = thomas(a, b, c, d)
    return np.sum(w * x)


def implicit_heat_1d(u0, kappa, steps):
    """Backward-Euler heat equation with a nonlinear source: a tridiagonal
    solve per step."""
    n = u0.shape[0]
    r = kappa * (n - 1) * (n - 1) * 1e-4
    a = np.full(n, -r)
    b = np.full(n, 1.0 + 2.0 * r)
    c = np.full(n, -r)
    u = u0.copy()
    for _ in range(steps):
        rhs = u + 1e-4 * np.sin(u)
        u = thomas(a, b, c, rhs)
    return np.sum(u * u)


def trisolv(L, b):
    """PolyBench trisolv: forward substitution L x = b."""
    n = b.shape[0]
    x = np.empty(n)
    for i in range(n):
        s = b[i]
        for j in range(i):
            s -= L[i, j] * x[j]
        x[i] = s / L[i, i]
    return np.sum(x * x)


def trmm(alpha, A, B0):
    """PolyBench trmm: B = alpha * A^T B, A unit lower triangular, in place."""
    m, n = B0.shape
    B = B0.copy()
    for i in range(m):
        for j in range(n):
            for k in range(i + 1, m):
                B[i, j] += A[k, i] * B[k, j]
            B[i, j] = alpha * B[i, j]
    return np.sum(B * B)


# ---------------------------------------------------------------------------
# IIR filters and recursive time series


def biquad(x, b0, b1, b2, a1, a2):
    """Direct-form-I biquad over a signal; mean output power."""
    n = x.shape[0]
    y = np.zeros(n)
    x1 = 0.0
    x2 = 0.0
    y1 = 0.0
    y2 = 0.0
    for i in range(n):
        yi = b0 * x[i] + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
        x2 = x1
        x1 = x[i]
        y2 = y1
        y1 = yi
        y[i] = yi
    return np.sum(y * y) / n


@numba.njit
def sos_section(x, s):
    """One second-order section (b0, b1, b2, a0, a1, a2), direct form II
    transposed, as scipy.signal.sosfilt runs it."""
    n = x.shape[0]
    y = np.empty(n)
    z1 = 0.0
    z2 = 0.0
    for i in range(n):
        yi = s[0] * x[i] + z1
        z1 = s[1] * x[i] - s[4] * yi + z2
        z2 = s[2] * x[i] - s[5] * yi
        y[i] = yi
    return y


def sosfilt_cascade(sos, x):
    """A cascade of biquads, one helper call per row of the sos matrix."""
    y = x.copy()
    for k in range(sos.shape[0]):
        y = sos_section(y, sos[k])
    return np.sum(y * y)


def holt_smoothing(y, alpha, beta):
    """Holt's linear exponential smoothing: sum of squared one-step errors."""
    level = y[0]
    trend = y[1] - y[0]
    sse = 0.0
    for t in range(1, y.shape[0]):
        e = y[t] - (level + trend)
        sse += e * e
        new_level = alpha * y[t] + (1.0 - alpha) * (level + trend)
        trend = beta * (new_level - level) + (1.0 - beta) * trend
        level = new_level
    return sse


def garch_nll(r, omega, alpha, beta):
    """GARCH(1,1) negative log-likelihood of returns r."""
    n = r.shape[0]
    s2 = 0.0
    for t in range(n):
        s2 += r[t] * r[t]
    s2 /= n
    nll = 0.0
    for t in range(1, n):
        s2 = omega + alpha * r[t - 1] * r[t - 1] + beta * s2
        nll += 0.5 * (math.log(2.0 * math.pi * s2) + r[t] * r[t] / s2)
    return nll


def hawkes_nll(times, mu, alpha, beta):
    """Negative log-likelihood of a Hawkes process, exponential kernel, with
    Ozaki's recursion."""
    n = times.shape[0]
    a = 0.0
    ll = 0.0
    for i in range(n):
        if i > 0:
            a = math.exp(-beta * (times[i] - times[i - 1])) * (1.0 + a)
        ll += math.log(mu + alpha * a)
    t_end = times[n - 1]
    compensator = mu * t_end
    for i in range(n):
        compensator += alpha / beta * (1.0 - math.exp(-beta * (t_end - times[i])))
    return compensator - ll


# ---------------------------------------------------------------------------
# pair loops calling helpers on row views


@numba.njit
def distance(p, q):
    s = 0.0
    for k in range(p.shape[0]):
        d = p[k] - q[k]
        s += d * d
    return math.sqrt(s)


def lennard_jones(pos, epsilon, sigma):
    """Lennard-Jones energy of a cluster, helper called on row views."""
    n = pos.shape[0]
    e = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            r = distance(pos[i], pos[j])
            sr6 = (sigma / r) ** 6
            e += 4.0 * epsilon * (sr6 * sr6 - sr6)
    return e


@numba.njit
def sqdist(p, q):
    s = 0.0
    for k in range(p.shape[0]):
        d = p[k] - q[k]
        s += d * d
    return s


def kmeans_cost(X, C):
    """k-means assignment cost: each point to its nearest centroid."""
    total = 0.0
    for i in range(X.shape[0]):
        best = sqdist(X[i], C[0])
        for j in range(1, C.shape[0]):
            d = sqdist(X[i], C[j])
            if d < best:
                best = d
        total += best
    return total


# ---------------------------------------------------------------------------
# ODE integrators


@numba.njit
def gravity(pos, mass, soft):
    n = pos.shape[0]
    acc = np.zeros_like(pos)
    for i in range(n):
        for j in range(n):
            if i != j:
                dx = pos[j, 0] - pos[i, 0]
                dy = pos[j, 1] - pos[i, 1]
                dz = pos[j, 2] - pos[i, 2]
                inv = (dx * dx + dy * dy + dz * dz + soft) ** -1.5
                acc[i, 0] += mass[j] * dx * inv
                acc[i, 1] += mass[j] * dy * inv
                acc[i, 2] += mass[j] * dz * inv
    return acc


def nbody_leapfrog(pos0, vel0, mass, dt, steps):
    """Kick-drift-kick leapfrog of a softened n-body system."""
    pos = pos0.copy()
    vel = vel0.copy()
    acc = gravity(pos, mass, 0.05)
    for _ in range(steps):
        vel += 0.5 * dt * acc
        pos += dt * vel
        acc = gravity(pos, mass, 0.05)
        vel += 0.5 * dt * acc
    return 0.5 * np.sum(vel * vel) + np.sum(pos[:, 0])


def fpu_verlet(x0, v0, beta, dt, steps):
    """Fermi-Pasta-Ulam-Tsingou beta chain, fixed ends, velocity Verlet;
    returns the energy of the lowest mode at the end."""
    n = x0.shape[0]
    x = x0.copy()
    v = v0.copy()
    f = np.zeros(n)
    for i in range(n):
        left = x[i] - x[i - 1] if i > 0 else x[i]
        right = x[i + 1] - x[i] if i < n - 1 else -x[i]
        f[i] = right - left + beta * (right ** 3 - left ** 3)
    for _ in range(steps):
        for i in range(n):
            v[i] += 0.5 * dt * f[i]
            x[i] += dt * v[i]
        for i in range(n):
            left = x[i] - x[i - 1] if i > 0 else x[i]
            right = x[i + 1] - x[i] if i < n - 1 else -x[i]
            f[i] = right - left + beta * (right ** 3 - left ** 3)
        for i in range(n):
            v[i] += 0.5 * dt * f[i]
    q = 0.0
    p = 0.0
    for i in range(n):
        s = math.sin(math.pi * (i + 1) / (n + 1))
        q += x[i] * s
        p += v[i] * s
    return p * p + q * q


@numba.njit
def lorenz96(x, forcing):
    n = x.shape[0]
    d = np.empty(n)
    for i in range(n):
        d[i] = (x[(i + 1) % n] - x[i - 2]) * x[i - 1] - x[i] + forcing
    return d


def lorenz96_rk4(x0, forcing, dt, steps):
    """Lorenz-96, classical RK4, the right-hand side a helper."""
    x = x0.copy()
    for _ in range(steps):
        k1 = lorenz96(x, forcing)
        k2 = lorenz96(x + 0.5 * dt * k1, forcing)
        k3 = lorenz96(x + 0.5 * dt * k2, forcing)
        k4 = lorenz96(x + dt * k3, forcing)
        x = x + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return np.sum(x * x)


# ---------------------------------------------------------------------------
# min/max relaxations


def floyd_warshall(w):
    """PolyBench floyd-warshall: all-pairs shortest paths with min, in place."""
    n = w.shape[0]
    d = w.copy()
    for k in range(n):
        for i in range(n):
            for j in range(n):
                d[i, j] = min(d[i, j], d[i, k] + d[k, j])
    return np.sum(d)


@numba.njit
def softmin2(a, b, gamma):
    m = min(a, b)
    return m - gamma * math.log(math.exp((m - a) / gamma) + math.exp((m - b) / gamma))


def soft_floyd_warshall(w, gamma):
    """Floyd-Warshall with a smoothed min (log-sum-exp)."""
    n = w.shape[0]
    d = w.copy()
    for k in range(n):
        for i in range(n):
            if i == k:
                continue
            for j in range(n):
                if j == i or j == k:
                    continue
                d[i, j] = softmin2(d[i, j], d[i, k] + d[k, j], gamma)
    return np.sum(d)


def bellman_ford(src, dst, w, n):
    """Single-source shortest paths by edge relaxation, stopping when a pass
    changes nothing."""
    dist = np.full(n, 1e30)
    dist[0] = 0.0
    for _ in range(n - 1):
        changed = False
        for e in range(w.shape[0]):
            u = src[e]
            v = dst[e]
            if dist[u] + w[e] < dist[v]:
                dist[v] = dist[u] + w[e]
                changed = True
        if not changed:
            break
    return np.sum(dist)


def maxpool_2d(img, wts):
    """2x2 max pooling of a (channels, height, width) image, weighted sum."""
    c, h, w = img.shape
    out = np.empty((c, h // 2, w // 2))
    for ch in range(c):
        for i in range(h // 2):
            for j in range(w // 2):
                m = img[ch, 2 * i, 2 * j]
                for di in range(2):
                    for dj in range(2):
                        v = img[ch, 2 * i + di, 2 * j + dj]
                        if v > m:
                            m = v
                out[ch, i, j] = m
    return np.sum(out * wts)


# ---------------------------------------------------------------------------
# convolutions written with loops


def conv1d(x, k):
    """Valid 1-D convolution (correlation), tanh, sum."""
    n = x.shape[0]
    m = k.shape[0]
    y = np.zeros(n - m + 1)
    for i in range(n - m + 1):
        s = 0.0
        for j in range(m):
            s += x[i + j] * k[j]
        y[i] = s
    return np.sum(np.tanh(y))


def conv2d_layer(x, wts, bias):
    """A convolution layer: (cin, h, w) input, (cout, cin, kh, kw) weights,
    valid padding, ReLU, mean square."""
    cin, h, w = x.shape
    cout, _, kh, kw = wts.shape
    out = np.zeros((cout, h - kh + 1, w - kw + 1))
    for o in range(cout):
        for i in range(h - kh + 1):
            for j in range(w - kw + 1):
                s = bias[o]
                for c in range(cin):
                    for p in range(kh):
                        for q in range(kw):
                            s += wts[o, c, p, q] * x[c, i + p, j + q]
                out[o, i, j] = max(s, 0.0)
    return np.sum(out * out) / out.size


# ---------------------------------------------------------------------------
# reductions over 3-D and 4-D arrays


def volume_stats(v):
    """Per-slice mean and variance of a 3-D volume with loops; sum of log
    variances plus squared means."""
    nz, ny, nx = v.shape
    total = 0.0
    for k in range(nz):
        s = 0.0
        for i in range(ny):
            for j in range(nx):
                s += v[k, i, j]
        mean = s / (ny * nx)
        ss = 0.0
        for i in range(ny):
            for j in range(nx):
                d = v[k, i, j] - mean
                ss += d * d
        total += math.log(ss / (ny * nx)) + mean * mean
    return total


def batchnorm_loss(x, gamma, beta, target):
    """Batch normalization of an (n, c, h, w) tensor with loops, then a
    squared error against target."""
    n, c, h, w = x.shape
    count = n * h * w
    loss = 0.0
    for ch in range(c):
        s = 0.0
        for b in range(n):
            for i in range(h):
                for j in range(w):
                    s += x[b, ch, i, j]
        mean = s / count
        ss = 0.0
        for b in range(n):
            for i in range(h):
                for j in range(w):
                    d = x[b, ch, i, j] - mean
                    ss += d * d
        inv = 1.0 / math.sqrt(ss / count + 1e-5)
        for b in range(n):
            for i in range(h):
                for j in range(w):
                    y = gamma[ch] * (x[b, ch, i, j] - mean) * inv + beta[ch]
                    e = y - target[b, ch, i, j]
                    loss += e * e
    return loss / x.size


# ---------------------------------------------------------------------------
# Monte Carlo and finance


def asian_option_mc(s0, r, sigma, z, strike, maturity):
    """Arithmetic Asian call under GBM, the normals z (paths, steps) given."""
    npaths, nsteps = z.shape
    dt = maturity / nsteps
    drift = (r - 0.5 * sigma * sigma) * dt
    vol = sigma * math.sqrt(dt)
    total = 0.0
    for p in range(npaths):
        s = s0
        avg = 0.0
        for t in range(nsteps):
            s = s * math.exp(drift + vol * z[p, t])
            avg += s
        avg /= nsteps
        total += max(avg - strike, 0.0)
    return math.exp(-r * maturity) * total / npaths


def black_scholes(S, K, T, r, sigma):
    """Sum of Black-Scholes call and put prices over a book of options."""
    total = 0.0
    for i in range(S.shape[0]):
        sqt = math.sqrt(T[i])
        d1 = (math.log(S[i] / K[i]) + (r + 0.5 * sigma * sigma) * T[i]) / (sigma * sqt)
        d2 = d1 - sigma * sqt
        n1 = 0.5 * (1.0 + math.erf(d1 / math.sqrt(2.0)))
        n2 = 0.5 * (1.0 + math.erf(d2 / math.sqrt(2.0)))
        disc = K[i] * math.exp(-r * T[i])
        call = S[i] * n1 - disc * n2
        put = call - S[i] + disc
        total += call + 0.5 * put
    return total


# ---------------------------------------------------------------------------
# scans, softmax, recurrent networks, polynomials


def prefix_scan(x):
    """Cumulative sum written as a loop, then a nonlinear read of it."""
    n = x.shape[0]
    c = np.empty(n)
    c[0] = x[0]
    for i in range(1, n):
        c[i] = c[i - 1] + x[i]
    s = 0.0
    for i in range(n):
        s += math.sin(c[i])
    return s


def softmax_xent(logits, labels):
    """Row-wise log-sum-exp with loops: softmax cross-entropy."""
    n, k = logits.shape
    loss = 0.0
    for i in range(n):
        row = logits[i]
        m = row[0]
        for j in range(1, k):
            if row[j] > m:
                m = row[j]
        s = 0.0
        for j in range(k):
            s += math.exp(row[j] - m)
        loss += m + math.log(s) - row[labels[i]]
    return loss / n


@numba.njit
def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def gru_sequence(xs, h0, Wz, Uz, Wr, Ur, Wh, Uh, b):
    """A GRU run over a sequence, one step at a time; b holds the three biases."""
    h = h0.copy()
    for t in range(xs.shape[0]):
        x = xs[t]
        z = sigmoid(Wz @ x + Uz @ h + b[0])
        r = sigmoid(Wr @ x + Ur @ h + b[1])
        hh = np.tanh(Wh @ x + Uh @ (r * h) + b[2])
        h = (1.0 - z) * h + z * hh
    return np.sum(h * h)


def horner(c, x):
    """A polynomial evaluated by Horner's rule at many points."""
    n = x.shape[0]
    out = np.empty(n)
    for i in range(n):
        y = c[0]
        for k in range(1, c.shape[0]):
            y = y * x[i] + c[k]
        out[i] = y
    return np.sum(out * out) / n


# ---------------------------------------------------------------------------
# dense linear algebra (PolyBench)


def gemm(alpha, beta, C0, A, B):
    """PolyBench gemm: C = alpha A B + beta C, i-k-j loop order, in place."""
    ni, nj = C0.shape
    nk = A.shape[1]
    C = C0.copy()
    for i in range(ni):
        for j in range(nj):
            C[i, j] *= beta
        for k in range(nk):
            for j in range(nj):
                C[i, j] += alpha * A[i, k] * B[k, j]
    return np.sum(C * C)


def two_mm(alpha, beta, A, B, C, D0):
    """PolyBench 2mm: D = alpha A B C + beta D."""
    ni, nk = A.shape
    nj = B.shape[1]
    nl = C.shape[1]
    tmp = np.zeros((ni, nj))
    D = D0.copy()
    for i in range(ni):
        for j in range(nj):
            for k in range(nk):
                tmp[i, j] += alpha * A[i, k] * B[k, j]
    for i in range(ni):
        for j in range(nl):
            D[i, j] *= beta
            for k in range(nj):
                D[i, j] += tmp[i, k] * C[k, j]
    return np.sum(D * D)


def atax(A, x):
    """PolyBench atax: y = A^T (A x)."""
    m, n = A.shape
    y = np.zeros(n)
    tmp = np.zeros(m)
    for i in range(m):
        for j in range(n):
            tmp[i] += A[i, j] * x[j]
        for j in range(n):
            y[j] += A[i, j] * tmp[i]
    return np.sum(y * y)


def bicg(A, p, r):
    """PolyBench bicg: s = A^T r, q = A p."""
    m, n = A.shape
    s = np.zeros(n)
    q = np.zeros(m)
    for i in range(m):
        for j in range(n):
            s[j] += r[i] * A[i, j]
            q[i] += A[i, j] * p[j]
    return np.sum(s * s) + np.sum(q * q)


def gesummv(alpha, beta, A, B, x):
    """PolyBench gesummv: y = alpha A x + beta B x."""
    n = x.shape[0]
    y = np.zeros(n)
    for i in range(n):
        t = 0.0
        u = 0.0
        for j in range(n):
            t += A[i, j] * x[j]
            u += B[i, j] * x[j]
        y[i] = alpha * t + beta * u
    return np.sum(y * y)


def covariance(data):
    """PolyBench covariance of the columns of data (n observations, m)."""
    n, m = data.shape
    mean = np.zeros(m)
    for j in range(m):
        for i in range(n):
            mean[j] += data[i, j]
        mean[j] /= n
    d = data.copy()
    for i in range(n):
        for j in range(m):
            d[i, j] -= mean[j]
    cov = np.zeros((m, m))
    for i in range(m):
        for j in range(i, m):
            s = 0.0
            for k in range(n):
                s += d[k, i] * d[k, j]
            cov[i, j] = s / (n - 1.0)
            cov[j, i] = cov[i, j]
    return np.sum(cov * cov)


def correlation(data):
    """PolyBench correlation: means, standard deviations, correlation matrix."""
    n, m = data.shape
    mean = np.zeros(m)
    std = np.zeros(m)
    for j in range(m):
        for i in range(n):
            mean[j] += data[i, j]
        mean[j] /= n
    for j in range(m):
        for i in range(n):
            std[j] += (data[i, j] - mean[j]) * (data[i, j] - mean[j])
        std[j] = math.sqrt(std[j] / n)
    d = data.copy()
    for i in range(n):
        for j in range(m):
            d[i, j] = (d[i, j] - mean[j]) / (math.sqrt(n) * std[j])
    corr = np.zeros((m, m))
    for i in range(m - 1):
        corr[i, i] = 1.0
        for j in range(i + 1, m):
            for k in range(n):
                corr[i, j] += d[k, i] * d[k, j]
            corr[j, i] = corr[i, j]
    corr[m - 1, m - 1] = 1.0
    return np.sum(corr * corr)


# ---------------------------------------------------------------------------
# inputs


def _rng():
    return np.random.default_rng(1)


def _field(n, m=None):
    rng = _rng()
    return rng.uniform(0.0, 1.0, size=(n,) if m is None else (n, m))


def _tridiag(n):
    rng = _rng()
    a = rng.uniform(-1.0, 1.0, n)
    c = rng.uniform(-1.0, 1.0, n)
    b = 3.0 + rng.uniform(0.0, 1.0, n)
    return a, b, c, rng.normal(size=n), rng.normal(size=n)


def _lower(n):
    rng = _rng()
    L = np.tril(rng.uniform(-1.0, 1.0, (n, n))) / n
    L[np.diag_indices(n)] = 1.0 + rng.uniform(0.0, 1.0, n)
    return L, rng.normal(size=n)


def _trmm(m, n):
    rng = _rng()
    A = np.tril(rng.uniform(-1.0, 1.0, (m, m))) / m
    return 1.5, A, rng.normal(size=(m, n))


BIQUAD = (0.0675, 0.1349, 0.0675, -1.143, 0.4128)  # a low-pass, stable


def _signal(n):
    rng = _rng()
    t = np.arange(n)
    return np.sin(0.05 * t) + 0.3 * rng.normal(size=n)


def _sos(n, sections):
    sos = np.array([[0.0675, 0.1349, 0.0675, 1.0, -1.143, 0.4128],
                    [0.2929, 0.5858, 0.2929, 1.0, 0.0, 0.1716],
                    [0.6389, -1.2779, 0.6389, 1.0, -1.1430, 0.4128],
                    [0.5, 0.0, -0.5, 1.0, -0.9, 0.5]])
    return sos[np.arange(sections) % 4].copy(), _signal(n)


def _series(n):
    rng = _rng()
    return 10.0 + 0.01 * np.arange(n) + np.cumsum(rng.normal(size=n)) * 0.1, 0.3, 0.1


def _returns(n):
    rng = _rng()
    return rng.standard_t(5, size=n), 0.05, 0.1, 0.85  # returns in percent


def _hawkes(n):
    rng = _rng()
    return np.cumsum(rng.exponential(1.0, size=n)), 0.5, 0.6, 1.5


def _lattice(n, spacing):
    """n atoms on a jittered cubic lattice (no two too close)."""
    side = math.ceil(n ** (1 / 3))
    grid = np.array([(i, j, k) for i in range(side) for j in range(side) for k in range(side)],
                    dtype=np.float64)[:n]
    return grid * spacing + _rng().uniform(-0.1, 0.1, (n, 3)), 1.0, 1.0


def _kmeans(n, k, d):
    rng = _rng()
    return rng.normal(size=(n, d)), rng.normal(size=(k, d))


def _bodies(n, steps):
    rng = _rng()
    return (rng.normal(size=(n, 3)), 0.1 * rng.normal(size=(n, 3)),
            rng.uniform(0.5, 1.5, n) / n, 0.01, steps)


def _fpu(n, steps):
    rng = _rng()
    x0 = np.sin(np.pi * np.arange(1, n + 1) / (n + 1)) + 0.01 * rng.normal(size=n)
    return x0, np.zeros(n), 0.5, 0.1, steps


def _lorenz(n, steps):
    return 8.0 + 0.5 * _rng().normal(size=n), 8.0, 0.005, steps


def _graph(n):
    rng = _rng()
    # every entry positive, the diagonal too (as in PolyBench's inputs): with a
    # zero diagonal, d[i, i] + d[i, j] ties with d[i, j] and min has a kink there
    return (rng.uniform(1.0, 10.0, (n, n)),)


def _edges(n, degree):
    """A ring (every node reachable from node 0) plus random edges."""
    rng = _rng()
    src = np.concatenate([np.arange(n), rng.integers(0, n, n * (degree - 1))])
    dst = np.concatenate([(np.arange(n) + 1) % n, rng.integers(0, n, n * (degree - 1))])
    return src, dst, rng.uniform(1.0, 10.0, src.shape[0]), n


def _image(c, h, w):
    rng = _rng()
    return rng.normal(size=(c, h, w)), rng.normal(size=(c, h // 2, w // 2))


def _conv1d(n, m):
    rng = _rng()
    return rng.normal(size=n), rng.normal(size=m) / m


def _conv2d(cin, h, w, cout, k):
    rng = _rng()
    return (rng.normal(size=(cin, h, w)), rng.normal(size=(cout, cin, k, k)) / (cin * k),
            0.1 * rng.normal(size=cout))


def _batch(n, c, h, w):
    rng = _rng()
    return (rng.normal(size=(n, c, h, w)) * 2.0 + 1.0, rng.uniform(0.5, 1.5, c),
            0.1 * rng.normal(size=c), rng.normal(size=(n, c, h, w)))


def _asian(paths, steps):
    return 100.0, 0.03, 0.25, _rng().normal(size=(paths, steps)), 100.0, 1.0


def _book(n):
    rng = _rng()
    return (rng.uniform(80.0, 120.0, n), rng.uniform(80.0, 120.0, n),
            rng.uniform(0.1, 2.0, n), 0.03, 0.25)


def _logits(n, k):
    rng = _rng()
    return rng.normal(size=(n, k)), rng.integers(0, k, n)


def _gru(steps, inputs, hidden):
    rng = _rng()

    def mat(rows, cols):
        return rng.normal(size=(rows, cols)) / math.sqrt(cols)

    return (rng.normal(size=(steps, inputs)), 0.1 * rng.normal(size=hidden),
            mat(hidden, inputs), mat(hidden, hidden), mat(hidden, inputs),
            mat(hidden, hidden), mat(hidden, inputs), mat(hidden, hidden),
            0.1 * rng.normal(size=(3, hidden)))


def _horner(n, degree):
    rng = _rng()
    return rng.normal(size=degree + 1) / (degree + 1), rng.uniform(-1.0, 1.0, n)


def _gemm(ni, nj, nk):
    rng = _rng()
    return (1.5, 1.2, rng.normal(size=(ni, nj)), rng.normal(size=(ni, nk)) / nk,
            rng.normal(size=(nk, nj)))


def _two_mm(ni, nj, nk, nl):
    rng = _rng()
    return (1.5, 1.2, rng.normal(size=(ni, nk)) / nk, rng.normal(size=(nk, nj)),
            rng.normal(size=(nj, nl)) / nj, rng.normal(size=(ni, nl)))


def _matvec(m, n):
    rng = _rng()
    return rng.normal(size=(m, n)) / math.sqrt(n), rng.normal(size=n)


def _bicg(m, n):
    rng = _rng()
    return rng.normal(size=(m, n)) / n, rng.normal(size=n), rng.normal(size=m)


def _gesummv(n):
    rng = _rng()
    return 1.5, 1.2, rng.normal(size=(n, n)) / n, rng.normal(size=(n, n)) / n, rng.normal(size=n)


def _data(n, m):
    rng = _rng()
    return (rng.normal(size=(n, m)) + rng.normal(size=(n, 1)),)


def _water(n, steps):
    x = np.linspace(0.0, 1.0, n)
    return 1.0 + 0.2 * np.exp(-100.0 * (x - 0.5) ** 2), 0.1 * np.sin(2 * np.pi * x), 9.81, steps


def _bump(n, steps):
    x = np.linspace(0.0, 2.0, n)
    u = np.ones((n, n))
    u[(x > 0.5) & (x < 1.0)] += 1.0
    u = u + 0.5 * np.outer(np.exp(-(x - 1.0) ** 2), np.exp(-(x - 0.8) ** 2))
    return u, 1.0, steps


FAMILY: dict[str, str] = {}


def _k(key, family, fn, make_args, make_small, wrt):
    """A kernel's Case: name = key (sizes are shown by `size`)."""
    FAMILY[key] = family
    return Case(key, key, fn, make_args, make_small, tuple(wrt))


KERNELS = [
    _k("jacobi_1d", "stencil", jacobi_1d,
       lambda: (_field(4000), 1000), lambda: (_field(7), 3), [0]),
    _k("jacobi_2d", "stencil", jacobi_2d,
       lambda: (_field(250, 250), 40), lambda: (_field(6, 6), 2), [0]),
    _k("heat_2d", "stencil", heat_2d,
       lambda: (_field(250, 250), 0.2, 40), lambda: (_field(6, 6), 0.2, 3), [0, 1]),
    _k("seidel_2d", "stencil", seidel_2d,
       lambda: (_field(250, 250), 20), lambda: (_field(6, 6), 2), [0]),
    _k("advection_2d", "stencil (PDE)", advection_2d,
       lambda: _bump(200, 50), lambda: _bump(7, 3), [0, 1]),
    _k("shallow_water_1d", "stencil (PDE)", shallow_water_1d,
       lambda: _water(5000, 400), lambda: _water(8, 3), [0, 1, 2]),
    _k("tridiagonal_solve", "tridiagonal", tridiagonal_solve,
       lambda: _tridiag(500_000), lambda: _tridiag(6), [0, 1, 2, 3]),
    _k("implicit_heat_1d", "tridiagonal", implicit_heat_1d,
       lambda: (_field(2000), 1.0, 200), lambda: (_field(6), 1.0, 3), [0, 1]),
    _k("trisolv", "triangular", trisolv,
       lambda: _lower(2000), lambda: _lower(5), [0, 1]),
    _k("trmm", "triangular", trmm,
       lambda: _trmm(200, 240), lambda: _trmm(4, 3), [0, 1, 2]),
    _k("biquad", "IIR filter", biquad,
       lambda: (_signal(1_000_000), *BIQUAD), lambda: (_signal(12), *BIQUAD), [0, 1, 2, 3, 4, 5]),
    _k("sosfilt_cascade", "IIR filter", sosfilt_cascade,
       lambda: _sos(500_000, 4), lambda: _sos(10, 3), [0, 1]),
    _k("holt_smoothing", "IIR filter (forecasting)", holt_smoothing,
       lambda: _series(1_000_000), lambda: _series(12), [0, 1, 2]),
    _k("garch_nll", "recursion (finance)", garch_nll,
       lambda: _returns(500_000), lambda: _returns(12), [0, 1, 2, 3]),
    _k("hawkes_nll", "recursion (finance)", hawkes_nll,
       lambda: _hawkes(300_000), lambda: _hawkes(10), [0, 1, 2, 3]),
    _k("lennard_jones", "pair loop + row helper", lennard_jones,
       lambda: _lattice(1000, 1.12), lambda: _lattice(6, 1.12), [0, 1, 2]),
    _k("kmeans_cost", "pair loop + row helper", kmeans_cost,
       lambda: _kmeans(20_000, 16, 8), lambda: _kmeans(8, 3, 2), [0, 1]),
    _k("nbody_leapfrog", "ODE (leapfrog) + pair loop", nbody_leapfrog,
       lambda: _bodies(64, 50), lambda: _bodies(4, 3), [0, 1, 2, 3]),
    _k("fpu_verlet", "ODE (velocity Verlet)", fpu_verlet,
       lambda: _fpu(512, 10_000), lambda: _fpu(6, 5), [0, 1, 2, 3]),
    _k("lorenz96_rk4", "ODE (RK4)", lorenz96_rk4,
       lambda: _lorenz(1000, 400), lambda: _lorenz(6, 4), [0, 1, 2]),
    _k("floyd_warshall", "min relaxation", floyd_warshall,
       lambda: _graph(160), lambda: _graph(5), [0]),
    _k("soft_floyd_warshall", "min relaxation (smoothed)", soft_floyd_warshall,
       lambda: (*_graph(80), 0.5), lambda: (*_graph(5), 0.5), [0, 1]),
    _k("bellman_ford", "min relaxation", bellman_ford,
       lambda: _edges(20_000, 4), lambda: _edges(6, 2), [2]),
    _k("maxpool_2d", "max pooling", maxpool_2d,
       lambda: _image(16, 256, 256), lambda: _image(2, 4, 4), [0, 1]),
    _k("conv1d", "convolution", conv1d,
       lambda: _conv1d(500_000, 16), lambda: _conv1d(12, 3), [0, 1]),
    _k("conv2d_layer", "convolution (4-D weights)", conv2d_layer,
       lambda: _conv2d(8, 64, 64, 16, 3), lambda: _conv2d(2, 5, 5, 2, 3), [0, 1, 2]),
    _k("volume_stats", "reduction (3-D)", volume_stats,
       lambda: (_rng().normal(size=(64, 256, 256)),), lambda: (_rng().normal(size=(2, 3, 4)),),
       [0]),
    _k("batchnorm_loss", "reduction (4-D)", batchnorm_loss,
       lambda: _batch(32, 16, 32, 32), lambda: _batch(2, 2, 2, 3), [0, 1, 2]),
    _k("asian_option_mc", "Monte Carlo (GBM)", asian_option_mc,
       lambda: _asian(10_000, 100), lambda: _asian(6, 5), [0, 1, 2, 4]),
    _k("black_scholes", "finance (closed form)", black_scholes,
       lambda: _book(200_000), lambda: _book(5), [0, 1, 2, 3, 4]),
    _k("prefix_scan", "scan", prefix_scan,
       lambda: (0.01 * _rng().normal(size=1_000_000),), lambda: (_rng().normal(size=8),), [0]),
    _k("softmax_xent", "softmax / logsumexp", softmax_xent,
       lambda: _logits(20_000, 100), lambda: _logits(4, 3), [0]),
    _k("gru_sequence", "RNN (GRU)", gru_sequence,
       lambda: _gru(500, 32, 64), lambda: _gru(3, 2, 3), [0, 1, 2, 3, 4, 5, 6, 7, 8]),
    _k("horner", "polynomial (Horner)", horner,
       lambda: _horner(500_000, 12), lambda: _horner(6, 4), [0, 1]),
    _k("gemm", "dense linear algebra", gemm,
       lambda: _gemm(200, 220, 240), lambda: _gemm(3, 4, 2), [0, 1, 2, 3, 4]),
    _k("two_mm", "dense linear algebra", two_mm,
       lambda: _two_mm(160, 180, 200, 190), lambda: _two_mm(3, 2, 4, 2), [0, 1, 2, 3, 4, 5]),
    _k("atax", "dense linear algebra", atax,
       lambda: _matvec(1900, 2100), lambda: _matvec(4, 3), [0, 1]),
    _k("bicg", "dense linear algebra", bicg,
       lambda: _bicg(2100, 1900), lambda: _bicg(4, 3), [0, 1, 2]),
    _k("gesummv", "dense linear algebra", gesummv,
       lambda: _gesummv(1300), lambda: _gesummv(4), [0, 1, 2, 3, 4]),
    _k("covariance", "statistics (PolyBench)", covariance,
       lambda: _data(260, 240), lambda: _data(5, 3), [0]),
    _k("correlation", "statistics (PolyBench)", correlation,
       lambda: _data(260, 240), lambda: _data(5, 3), [0]),
]


def size(case: Case, quick: bool = False) -> str:
    """The arguments' sizes, by parameter name: 'a0 4000, tsteps 500'."""
    names = list(inspect.signature(case.fn).parameters)
    parts = []
    for name, value in zip(names, case.args(quick)):
        if isinstance(value, np.ndarray):
            parts.append(f"{name} {'x'.join(map(str, value.shape))}")
        elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            parts.append(f"{name} {value}")
    return ", ".join(parts)
