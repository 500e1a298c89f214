"""GradBench's `ba` eval: bundle adjustment, after ADBench.

A camera has 11 parameters: a Rodrigues rotation (3), its centre (3), the
focal length, the principal point (2) and two radial distortion
coefficients.  Observation i sees point `obs[i, 1]` from camera `obs[i, 0]`
at feature `feats[i]`, with weight `w[i]`:

    projected = f * distort(xy / z) + principal point,
    (x, y, z) = rotate(X - centre),  distort(u) = u * (1 + k1 |u|^2 + k2 |u|^4)
    reproj_err[i] = w[i] * (projected - feats[i]),  w_err[i] = 1 - w[i]^2

The input is one camera, point, weight and feature, repeated: n cameras, m
points, p observations, observation i pairing camera i mod n with point
i mod m (GradBench's and ADBench's rule).  The module builds the whole
problem and computes every observation: it does not use the repetition.

`objective`'s output is the first observation's errors and their count,
as GradBench's reference writes it.  `jacobian` is the (3p) x (11n + 3m + p) sparse Jacobian in CSR form (row
offsets, columns, values, row by row), of which the eval takes the first 30
entries and the last: each reprojection row holds the observation's 11
camera, 3 point and 1 weight derivatives, each weight row one.  The
derivatives of an observation come from srcgrad: `sg.jacobian` of the
observation's two errors in its 15 parameters (camera, point, weight:
`sg.jacobian` takes one `wrt`), 2 x 15, by reverse mode (two sweeps), and
`sg.grad` of the weight error.  Everything runs in `numba.njit` loops that
call them.
"""

import math

import numpy as np
from numba import njit

import srcgrad as sg
from bench.gradbench.protocol import measured

N_CAM = 11
SHOWN = 30  # the eval's excerpt: the first 30 entries of each list, and the last


@njit(cache=True)
def rotate(rotation, x):
    """x rotated by the Rodrigues vector `rotation` (angle: its length)."""
    sq_theta = rotation[0] ** 2 + rotation[1] ** 2 + rotation[2] ** 2
    if sq_theta != 0.0:
        theta = math.sqrt(sq_theta)
        cos_theta = math.cos(theta)
        sin_theta = math.sin(theta)
        k = rotation / theta
        k_cross_x = np.array([k[1] * x[2] - k[2] * x[1],
                              k[2] * x[0] - k[0] * x[2],
                              k[0] * x[1] - k[1] * x[0]])
        k_dot_x = k[0] * x[0] + k[1] * x[1] + k[2] * x[2]
        return x * cos_theta + k_cross_x * sin_theta + k * (k_dot_x * (1.0 - cos_theta))
    # small angle: first order in the rotation
    r_cross_x = np.array([rotation[1] * x[2] - rotation[2] * x[1],
                          rotation[2] * x[0] - rotation[0] * x[2],
                          rotation[0] * x[1] - rotation[1] * x[0]])
    return x + r_cross_x


@njit(cache=True)
def project(cam, x):
    p = rotate(cam[0:3], x - cam[3:6])
    u = p[0:2] / p[2]
    sq_radius = u[0] ** 2 + u[1] ** 2
    distortion = 1.0 + cam[9] * sq_radius + cam[10] * sq_radius * sq_radius
    return u * (distortion * cam[6]) + cam[7:9]


@njit(cache=True)
def reprojection_error(cam, x, w, feat):
    return w * (project(cam, x) - feat)


@njit(cache=True)
def weight_error(w):
    return 1.0 - w * w


@njit(cache=True)
def observation_error(params, feat):
    """The reprojection error as a function of the observation's 15
    parameters: its camera, its point and its weight."""
    return reprojection_error(params[0:11], params[11:14], params[14], feat)


d_observation = sg.jacobian(observation_error, wrt=0, mode="reverse", target="cpu")
d_weight = sg.grad(weight_error, target="cpu")


@njit(cache=True)
def objective_of(cams, points, w, obs, feats):
    p = obs.shape[0]
    reproj_err = np.empty((p, 2))
    w_err = np.empty(p)
    for i in range(p):
        reproj_err[i] = reprojection_error(cams[obs[i, 0]], points[obs[i, 1]], w[i], feats[i])
        w_err[i] = weight_error(w[i])
    return reproj_err, w_err


@njit(cache=True)
def jacobian_of(cams, points, w, obs, feats):
    n, m, p = cams.shape[0], points.shape[0], obs.shape[0]
    block = N_CAM + 3 + 1
    rows = np.empty(3 * p + 1, dtype=np.int64)
    cols = np.empty(2 * block * p + p, dtype=np.int64)
    vals = np.empty(2 * block * p + p)
    params = np.empty(block)
    rows[0] = 0
    at = 0
    for i in range(p):
        cam, point = obs[i, 0], obs[i, 1]
        params[0:11] = cams[cam]
        params[11:14] = points[point]
        params[14] = w[i]
        jac = d_observation(params, feats[i])  # 2 x 15
        for r in range(2):
            for j in range(block):
                if j < N_CAM:
                    cols[at] = N_CAM * cam + j
                elif j < N_CAM + 3:
                    cols[at] = N_CAM * n + 3 * point + (j - N_CAM)
                else:
                    cols[at] = N_CAM * n + 3 * m + i
                vals[at] = jac[r, j]
                at += 1
            rows[2 * i + r + 1] = at
    for i in range(p):
        cols[at] = N_CAM * n + 3 * m + i
        vals[at] = d_weight(w[i])
        at += 1
        rows[2 * p + i + 1] = at
    return rows, cols, vals


def problem(raw):
    """The eval's input repeated into n cameras, m points, p observations."""
    n, m, p = raw["n"], raw["m"], raw["p"]
    cams = np.tile(np.asarray(raw["cam"], dtype=np.float64), (n, 1))
    points = np.tile(np.asarray(raw["x"], dtype=np.float64), (m, 1))
    w = np.full(p, float(raw["w"]))
    feats = np.tile(np.asarray(raw["feat"], dtype=np.float64), (p, 1))
    i = np.arange(p)
    obs = np.stack((i % n, i % m), axis=1)
    return cams, points, w, obs, feats


def _objective_output(result):
    """As GradBench's reference prints it: the first observation's errors
    and how many there are (all observations are the same one)."""
    reproj_err, w_err = result
    return {"reproj_error": {"elements": [float(v) for v in reproj_err[0]],
                             "repeated": len(reproj_err)},
            "w_err": {"element": float(w_err[0]), "repeated": len(w_err)}}


def _excerpt(values, kind):
    return [kind(v) for v in values[:SHOWN]] + [kind(values[-1])]


def _jacobian_output(result):
    rows, cols, vals = result
    return {"rows": _excerpt(rows, int), "cols": _excerpt(cols, int),
            "vals": _excerpt(vals, float)}


@measured(problem, _objective_output)
def objective(args):
    return objective_of(*args)


@measured(problem, _jacobian_output)
def jacobian(args):
    return jacobian_of(*args)


FUNCTIONS = {"objective": objective, "jacobian": jacobian}


def warm_up():
    raw = {"n": 2, "m": 3, "p": 4, "cam": [0.1, -0.2, 0.3, 1.0, 2.0, -3.0, 400.0, 5.0, -8.0, 0.08, 0.002],
           "x": [7.0, 0.5, 3.0], "w": 0.4, "feat": [270.0, 830.0]}
    objective_of(*problem(raw))
    jacobian_of(*problem(raw))
