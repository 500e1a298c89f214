"""GradBench's `kmeans` eval: the k-means cost `f(P, C) = sum_i min_j
|C_j - P_i|^2` (`cost`) and the Newton direction `J * H^-1` (`dir`), J the
gradient of the cost in the centroids C and H its Hessian in C
(`evals/kmeans/README.md`).

The README notes that H is diagonal (each term depends on one centroid's
coordinates, each squared separately), so the Hessian times a vector of
ones is its diagonal: the direction is J / (H @ 1).  Both come from one
srcgrad call, the forward-mode tangent of srcgrad's gradient along ones
(`sg.jvp(sg.grad(cost))`: the gradient and H @ 1 in one sweep).

The cost is `numba.njit` of `cost`.
"""

import math

import numba
import numpy as np

import srcgrad as sg
from bench.gradbench.protocol import measured


def cost(points, centroids):
    total = 0.0
    for i in range(points.shape[0]):
        nearest = math.inf
        for j in range(centroids.shape[0]):
            distance = 0.0
            for r in range(points.shape[1]):
                difference = centroids[j, r] - points[i, r]
                distance += difference * difference
            if distance < nearest:
                nearest = distance
        total += nearest
    return total


cost_of = numba.njit(cost)
gradient_of = sg.grad(cost, wrt=1, target="cpu")
gradient_and_hessian_diagonal = sg.jvp(gradient_of, wrt=1, target="cpu")


def newton_direction(points, centroids):
    gradient, hessian_diagonal = gradient_and_hessian_diagonal(
        (points, centroids), (None, np.ones_like(centroids)))
    return gradient / hessian_diagonal


def _prepare(raw):
    return (np.asarray(raw["points"], dtype=np.float64),
            np.asarray(raw["centroids"], dtype=np.float64))


@measured(_prepare, float)
def cost_function(args):
    return cost_of(*args)


@measured(_prepare, lambda direction: direction.tolist())
def dir_function(args):
    return newton_direction(*args)


FUNCTIONS = {"cost": cost_function, "dir": dir_function}


def warm_up():
    points = np.array([[0.0, 0.1], [0.9, 1.0], [0.2, 0.0], [1.0, 0.8]])
    cost_of(points, points[-2:])
    newton_direction(points, points[-2:])
