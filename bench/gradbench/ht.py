"""GradBench's `ht` eval: ADBench's hand tracking.  A hand model (a skeleton
of bones, each with its parent, base relative transform and inverse base
absolute transform; vertices with their weights per bone) is posed by 26
parameters `theta`: a global rotation (angle-axis, 3), a global translation
(3), and per finger two angles for its first bone and one for each of the
next two.  Each bone's relative transform is its base relative transform
times the rotation of its Euler angles (x, then y, then z, the angles stored
in the order x, z, y); absolute transforms chain them from the root; a
vertex is the weighted sum of its base position moved by each bone's
absolute transform times that bone's inverse base absolute transform
(linear blend skinning), then rotated and translated globally.

The error of data point i is `points[i]` minus its hand point: the vertex
`correspondences[i]` ("simple", `us` empty), or the point with barycentric
coordinates (u, v, 1 - u - v) in triangle `correspondences[i]`
("complicated", `us[i] = (u, v)`).  Output: the errors, point by point.

`jacobian` is the 3n x 26 Jacobian in theta by forward mode
(`sg.jacobian(..., mode="forward")`, one tangent sweep per parameter), after
two columns for (u, v) in the complicated case: the error of point i depends
on `us[i]` alone, so one `sg.jvp` with the tangent (1, 0) at every point
gives every point's derivative in its u, and (0, 1) in its v.  The
objectives are `numba.njit` functions (srcgrad reads their source).
"""

import math

import numpy as np
from numba import njit

import srcgrad as sg
from bench.gradbench.protocol import measured

FINGERS = 5


@njit(cache=True)
def pose_parameters(theta, n_bones):
    """theta spread over rows: global rotation, scale (1), translation, then
    one row of Euler angles per bone (fingers' first three bones)."""
    pose = np.zeros((n_bones + 3, 3))
    pose[0] = theta[0:3]
    pose[1] = np.ones(3)
    pose[2] = theta[3:6]
    i_theta = 6
    row = 5
    for _ in range(FINGERS):
        for bone in range(3):
            pose[row, 0] = theta[i_theta]
            i_theta += 1
            if bone == 0:
                pose[row, 1] = theta[i_theta]
                i_theta += 1
            row += 1
        row += 1
    return pose


@njit(cache=True)
def euler_rotation(angles):
    """Rz @ Ry @ Rx, for the angles stored as (x, z, y)."""
    tx, ty, tz = angles[0], angles[2], angles[1]
    rx = np.array([[1.0, 0.0, 0.0],
                   [0.0, math.cos(tx), -math.sin(tx)],
                   [0.0, math.sin(tx), math.cos(tx)]])
    ry = np.array([[math.cos(ty), 0.0, math.sin(ty)],
                   [0.0, 1.0, 0.0],
                   [-math.sin(ty), 0.0, math.cos(ty)]])
    rz = np.array([[math.cos(tz), -math.sin(tz), 0.0],
                   [math.sin(tz), math.cos(tz), 0.0],
                   [0.0, 0.0, 1.0]])
    return rz @ (ry @ rx)


@njit(cache=True)
def angle_axis_rotation(angle_axis):
    norm = math.sqrt(angle_axis[0] ** 2 + angle_axis[1] ** 2 + angle_axis[2] ** 2)
    if norm < 0.0001:
        return np.eye(3)
    x, y, z = angle_axis[0] / norm, angle_axis[1] / norm, angle_axis[2] / norm
    s, c = math.sin(norm), math.cos(norm)
    return np.array([
        [x * x + (1.0 - x * x) * c, x * y * (1.0 - c) - z * s, x * z * (1.0 - c) + y * s],
        [x * y * (1.0 - c) + z * s, y * y + (1.0 - y * y) * c, y * z * (1.0 - c) - x * s],
        [x * z * (1.0 - c) - y * s, z * y * (1.0 - c) + x * s, z * z + (1.0 - z * z) * c]])


@njit(cache=True)
def skinned_vertices(theta, parents, base_relatives, inverse_base_absolutes,
                     base_positions, weights, is_mirrored):
    """The posed hand's vertices, (vertices, 3)."""
    n_bones = parents.shape[0]
    pose = pose_parameters(theta, n_bones)
    # one absolute transform per bone, read by its children
    absolutes = np.empty((n_bones, 4, 4))
    positions = np.zeros((base_positions.shape[0], 3))
    for i in range(n_bones):
        rotation = np.eye(4)
        rotation[0:3, 0:3] = euler_rotation(pose[i + 3])
        relative = base_relatives[i] @ rotation
        if parents[i] == -1:
            absolutes[i] = relative
        else:
            absolutes[i] = absolutes[parents[i]] @ relative
        transform = absolutes[i] @ inverse_base_absolutes[i]
        positions += (base_positions @ transform[0:3, :].T) * weights[:, i:i + 1]
    if is_mirrored:
        positions[:, 0] = -positions[:, 0]
    rotation = angle_axis_rotation(pose[0]) * pose[1]
    return positions @ rotation.T + pose[2]


@njit(cache=True)
def errors_simple(theta, parents, base_relatives, inverse_base_absolutes, base_positions,
                  weights, is_mirrored, correspondences, points):
    vertices = skinned_vertices(theta, parents, base_relatives, inverse_base_absolutes,
                                base_positions, weights, is_mirrored)
    return points - vertices[correspondences]


@njit(cache=True)
def errors_complicated(theta, us, parents, base_relatives, inverse_base_absolutes,
                       base_positions, weights, is_mirrored, triangles, correspondences,
                       points):
    vertices = skinned_vertices(theta, parents, base_relatives, inverse_base_absolutes,
                                base_positions, weights, is_mirrored)
    corners = triangles[correspondences]
    u = us[:, 0:1]
    v = us[:, 1:2]
    hand_points = (u * vertices[corners[:, 0]] + v * vertices[corners[:, 1]]
                   + (1.0 - u - v) * vertices[corners[:, 2]])
    return points - hand_points


d_theta_simple = sg.jacobian(errors_simple, wrt=0, mode="forward", target="cpu")
d_theta_complicated = sg.jacobian(errors_complicated, wrt=0, mode="forward", target="cpu")
d_us_complicated = sg.jvp(errors_complicated, wrt=1, target="cpu")


def problem(raw):
    """(complicated?, the arguments of errors_simple or errors_complicated)."""
    data, model = raw["data"], raw["data"]["model"]
    theta = np.asarray(raw["theta"], dtype=np.float64)
    skeleton = (np.asarray(model["parents"], dtype=np.int64),
                np.asarray(model["base_relatives"], dtype=np.float64),
                np.asarray(model["inverse_base_absolutes"], dtype=np.float64),
                np.asarray(model["base_positions"], dtype=np.float64),
                np.asarray(model["weights"], dtype=np.float64),
                bool(model["is_mirrored"]))
    correspondences = np.asarray(data["correspondences"], dtype=np.int64)
    points = np.asarray(data["points"], dtype=np.float64)
    if len(raw["us"]) == 0:
        return False, (theta, *skeleton, correspondences, points)
    us = np.asarray(raw["us"], dtype=np.float64).reshape(-1, 2)
    triangles = np.asarray(model["triangles"], dtype=np.int64)
    return True, (theta, us, *skeleton, triangles, correspondences, points)


def objective_of(complicated, args):
    return errors_complicated(*args) if complicated else errors_simple(*args)


def jacobian_of(complicated, args):
    if not complicated:
        return d_theta_simple(*args).reshape(-1, args[0].size)
    d_theta = d_theta_complicated(*args).reshape(-1, args[0].size)
    columns = []
    for k in range(2):
        tangent = np.zeros_like(args[1])
        tangent[:, k] = 1.0
        _, d_us = d_us_complicated(args, (None, tangent) + (None,) * (len(args) - 2))
        columns.append(d_us.reshape(-1, 1))
    return np.hstack((*columns, d_theta))


@measured(problem, lambda errors: errors.ravel().tolist())
def objective(prepared):
    return objective_of(*prepared)


@measured(problem, lambda jac: jac.tolist())
def jacobian(prepared):
    return jacobian_of(*prepared)


FUNCTIONS = {"objective": objective, "jacobian": jacobian}


def _tiny(complicated):
    """A hand of 22 bones (ADBench's skeleton) and 8 vertices."""
    rng = np.random.default_rng(0)
    parents = np.array([-1, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 0, 13, 14, 15, 0, 17, 18, 19, 0])
    n_bones, n_verts, n_points = parents.size, 8, 4
    frames = np.tile(np.eye(4), (n_bones, 1, 1))
    frames[:, 0:3, 3] = rng.normal(size=(n_bones, 3))
    positions = np.hstack((rng.normal(size=(n_verts, 3)), np.ones((n_verts, 1))))
    weights = rng.random((n_verts, n_bones))
    skeleton = (parents, frames, frames.copy(), positions, weights / weights.sum(1)[:, None], False)
    theta = rng.normal(size=26)
    correspondences = np.arange(n_points)
    points = rng.normal(size=(n_points, 3))
    if not complicated:
        return False, (theta, *skeleton, correspondences, points)
    us = rng.random((n_points, 2)) * 0.5
    triangles = rng.integers(0, n_verts, (n_points, 3))
    return True, (theta, us, *skeleton, triangles, correspondences, points)


def warm_up():
    for complicated in (False, True):
        prepared = _tiny(complicated)
        objective_of(*prepared)
        jacobian_of(*prepared)
