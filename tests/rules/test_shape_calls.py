"""Shapes and orderings end to end, in functions as users write them: a
periodic stencil (`np.pad(mode='wrap')`), a distance between samples
through `np.sort`, parameters split into pieces, piecewise activations,
upsampling by `np.repeat` and `np.tile`, embeddings read with `np.take`,
design matrices built with `np.column_stack`, scatters with
`np.add.at`/`np.subtract.at`, ranges with differentiable ends.  Each
gradient is checked against central differences on target="python" and
target="cpu", and the second derivatives of most of them too.  Then the
forms srcgrad refuses, and a write into a view it must refuse."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from gradcheck import numerical_gradient

import srcgrad as sg

TARGETS = ("python", "cpu")
# np.row_stack warns that it is np.vstack's old name (the function, run as the oracle, calls it)
pytestmark = pytest.mark.filterwarnings("ignore:`row_stack` alias is deprecated:DeprecationWarning")
RNG = np.random.default_rng(7)
FIELD = RNG.normal(size=(5, 6))
SAMPLE = RNG.normal(size=8)
THETA = RNG.normal(size=11)
WEIGHTS = RNG.normal(size=(4, 6))
CUBE = RNG.normal(size=(4, 6, 2))

# --- the user functions ---------------------------------------------------------------------


def periodic_energy(u):
    """Dirichlet energy of a field on a torus: a 5-point Laplacian on a wrapped pad."""
    p = np.pad(u, 1, mode="wrap")
    lap = p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:] - 4.0 * u
    return np.sum(u * lap) + 0.1 * np.sum(u ** 4)


def reflected_blur(u):
    p = np.pad(u, ((1, 1), (2, 0)), mode="reflect")
    q = np.pad(p, 1, mode="edge")
    return np.sum(np.sin(q[1:, :-1] * q[:-1, 1:]))


def framed(u, border):
    """A field in a frame of a learnable constant."""
    p = np.pad(u, (1, 2), constant_values=border)
    return np.sum(np.tanh(p) * np.arange(p.size).reshape(p.shape))


def wasserstein(x, y):
    """The 1-Wasserstein and squared 2-Wasserstein distances of two samples."""
    a, b = np.sort(x), np.sort(y + 3.0)
    return np.mean(np.abs(a - b)) + np.mean((a - b) ** 2)


def sorted_columns(u):
    return np.sum(np.sort(u, axis=0) * np.arange(5.0).reshape(5, 1)) + np.sum(np.sort(u, axis=None)[-3:])


def top_k_mean(x):
    """The mean of the 3 largest values, through np.partition."""
    return np.mean(np.partition(x, -3)[-3:]) + np.sum(np.partition(x, 2)[:2] ** 2)


def split_mlp(theta, x):
    """Parameters of a small network packed in one vector."""
    w1, b1, w2 = np.split(theta, [6, 8])
    h = np.tanh(w1.reshape(2, 3) @ x + b1)
    return np.sum(w2[:2] * h) + w2[2] * np.sum(h ** 2)


def pieces_in_a_loop(x):
    total = 0.0
    for piece in np.array_split(x, 3):
        total = total + np.sum(piece) * np.sum(piece ** 2)
    return total + np.sum(np.split(x, 2)[1] ** 3)


def split_three_ways(cube):
    """np.hsplit (along columns), np.vsplit (rows), np.dsplit (depth) and
    np.rollaxis of a cube, and np.hsplit of a vector (along its one axis)."""
    left, right = np.hsplit(cube, 2)
    top, bottom = np.vsplit(cube, [1])
    front, back = np.dsplit(cube, 2)
    rolled = np.rollaxis(cube, 2)
    first, second = np.hsplit(cube[0, :, 0], [2])
    return (np.sum(left * right ** 2) + np.sum(np.sin(top)) * np.sum(bottom ** 3)
            + np.sum(front * back) + np.sum(rolled[1] * cube[:, :, 0] ** 2)
            + np.sum(np.rollaxis(cube, -1, 1)[:, 0] * np.rollaxis(cube, 0, 3)[:, 1].T)
            + np.sum(first) * np.sum(second ** 2))


def rows_stacked(x):
    """np.row_stack: np.vstack's old name."""
    return np.sum(np.row_stack((x[:3], x[3:6], np.sin(x[:3]))) ** 2)


def smooth_leaky(x):
    """A piecewise activation: leaky slope, a cubic bridge, then softplus."""
    y = np.piecewise(x, [x < -1.0, x > 1.0],
                     [lambda t: 0.1 * t, lambda t: np.log1p(np.exp(t)), lambda t: t ** 3 / 3.0])
    return np.sum(y * y)


def ramp(t):
    return 2.0 * t - 0.5


def stepped(x):
    return np.sum(np.piecewise(x, [x < 0.0], [ramp, 0.25]) * x) + np.sum(
        np.piecewise(x, [x > 0.5, x < -0.5], [np.sin, np.cos]))


def spline(x):
    return np.sum(np.select([x < -0.5, x > 0.5], [x ** 2, np.sin(x)], 3.0 * x) ** 2)


def upsampled(u):
    """Nearest-neighbour upsampling, then a tiled comparison."""
    big = np.repeat(np.repeat(u, 2, axis=0), 2, axis=1)
    return np.sum(big ** 2 * np.tile(WEIGHTS[:1, :2], (10, 6))) + np.sum(np.repeat(u[0], 3) ** 3)


def rotated(u):
    return np.sum(np.rot90(u) * np.rot90(u, 2).T) + np.sum(np.rot90(u[:4], -1) * WEIGHTS.T)


def embedded(table):
    """Token embeddings read with np.take, with repeats, and a gather."""
    tokens = np.array([3, 0, 3, 1])
    vectors = np.take(table, tokens, axis=0)
    picks = np.take_along_axis(table, np.array([[0], [5], [5], [2], [1]]), axis=1)
    return np.sum(np.tanh(vectors) ** 2) + np.sum(picks ** 3)


def polynomial_fit(x):
    """A least-squares loss of a design matrix [1, x, x^2]."""
    design = np.column_stack((np.ones(6), x, x ** 2))
    coef = np.array([0.5, -1.0, 0.25])
    return np.sum((design @ coef - np.sin(x)) ** 2)


def stacked(u):
    cube = np.dstack((u, u ** 2, np.sin(u)))
    flat = np.append(u, u[0] * 2.0)
    rows = np.append(u, u[:1] ** 2, axis=0)
    return np.sum(cube * cube[:, :, ::-1]) + np.sum(flat ** 3) + np.sum(rows * rows)


def broadcast_columns(v):
    grid = np.broadcast_to(v, (4, 6))
    return np.sum(np.sin(grid) * WEIGHTS)


def fortran_order(u):
    return np.sum(u.ravel(order="F") * np.arange(30.0)) + np.sum(u.flatten("F")[:7] ** 2)


def scattered(x):
    """A signed histogram: weights added at some bins and taken from others."""
    bins = np.zeros(4)
    np.add.at(bins, np.array([0, 2, 2, 3]), x[:4] ** 2)
    np.subtract.at(bins, np.array([1, 1, 0]), np.sin(x[4:7]))
    return np.sum(bins ** 2)


def ranged(a, b):
    grid = np.linspace(a, b, 7)
    steps = np.arange(0.0, 3.0, b)
    short = np.linspace(a, b, 4, endpoint=False)
    return np.sum(np.sin(grid) * grid) + np.sum(steps ** 2) + np.sum(short ** 3)


CASES = [
    (periodic_energy, (FIELD,), 0),
    (reflected_blur, (FIELD,), 0),
    (framed, (FIELD, 0.3), (0, 1)),
    (wasserstein, (SAMPLE, SAMPLE[::-1] * 0.7), (0, 1)),
    (sorted_columns, (FIELD,), 0),
    (top_k_mean, (SAMPLE,), 0),
    (split_mlp, (THETA, np.array([0.3, -0.8, 1.1])), (0, 1)),
    (pieces_in_a_loop, (SAMPLE,), 0),
    (split_three_ways, (CUBE,), 0),
    (smooth_leaky, (SAMPLE * 2.0,), 0),
    (stepped, (SAMPLE,), 0),
    (spline, (SAMPLE,), 0),
    (upsampled, (FIELD,), 0),
    (rotated, (FIELD,), 0),
    (embedded, (FIELD,), 0),
    (polynomial_fit, (SAMPLE[:6],), 0),
    (stacked, (FIELD,), 0),
    (broadcast_columns, (SAMPLE[:6],), 0),
    (fortran_order, (FIELD,), 0),
    (scattered, (SAMPLE,), 0),
    (ranged, (0.3, 0.7), (0, 1)),
]
if hasattr(np, "row_stack"):  # gone from newer NumPy
    CASES.append((rows_stacked, (SAMPLE,), 0))


def _as_tuple(got, wrt):
    return got if isinstance(wrt, tuple) else (got,)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fn,args,wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradient(fn, args, wrt, target):
    got = _as_tuple(sg.grad(fn, wrt=wrt, target=target)(*copy.deepcopy(args)), wrt)
    want = _as_tuple(numerical_gradient(fn, copy.deepcopy(args), wrt), wrt)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g, dtype=np.float64), w, rtol=1e-6, atol=1e-7)


# Compiled, second derivatives of one function per mechanism (each compiles two
# adjoints): gathers (pads, sorts, splits), chains of np.where, joins, scatters, ranges.
_COMPILED = {periodic_energy, framed, wasserstein, split_mlp, split_three_ways, smooth_leaky,
             spline, polynomial_fit, stacked, scattered, ranged}
SECOND = [pytest.param(*c, t, id=f"{c[0].__name__}-{t}") for c in CASES for t in TARGETS
          if t == "python" or c[0] in _COMPILED]


@pytest.mark.parametrize("fn,args,wrt,target", SECOND)
def test_second_order(fn, args, wrt, target):
    """grad(grad(f)) seeded with v: the gradient of <grad f(x), v>."""
    k = wrt if isinstance(wrt, int) else wrt[0]
    first = sg.grad(fn, wrt=k, target=target)
    second = sg.grad(first, wrt=k, target=target, unconnected_gradients="zero")
    v = np.random.default_rng(1).normal(size=np.shape(args[k]))
    v = v if np.ndim(v) else float(v)
    got = second(*copy.deepcopy(args), grad_ys=v)

    def along_v(*a):
        return np.sum(v * np.asarray(first(*a)))

    want = numerical_gradient(along_v, copy.deepcopy(args), k, eps=1e-5)
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), want, rtol=1e-4, atol=1e-6)


# --- refusals ----------------------------------------------------------------------------------


def pad_by_mean(u):
    return np.sum(np.pad(u, 1, mode="mean"))


def pad_mode_at_run_time(u, mode):
    return np.sum(np.pad(u, 1, mode=mode))


def pad_two_constants(u):
    return np.sum(np.pad(u, 1, constant_values=(0.0, 1.0)))


def split_count_at_run_time(x, n):
    return np.sum(np.split(x, n)[0])


def vsplit_of_a_vector(x):
    return np.sum(np.vsplit(x, 2)[0])


def ravel_order_k(u):
    return np.sum(u.ravel(order="K"))


def take_one(u):
    return np.sum(np.take(u, 3))


def select_of_a_variable(x):
    conditions = x > 0
    return np.sum(np.select(conditions, [x]))


def piecewise_too_many(x):
    return np.sum(np.piecewise(x, [x > 0], [1.0, 2.0, 3.0]))


def sort_by_field(x):
    return np.sum(np.sort(x, order="a"))


@pytest.mark.parametrize("fn,args,match", [
    (pad_by_mean, (FIELD,), "mode"),
    (pad_mode_at_run_time, (FIELD, "wrap"), "mode"),
    (pad_two_constants, (FIELD,), "one scalar constant_values"),
    (split_count_at_run_time, (SAMPLE, 2), "number of pieces"),
    (ravel_order_k, (FIELD,), "order 'C' or 'F'"),
    (take_one, (FIELD,), "array of indices"),
    (select_of_a_variable, (SAMPLE,), "condlist written in the call"),
    (piecewise_too_many, (SAMPLE,), "one function per condition"),
])
def test_refused_forms(fn, args, match):
    with pytest.raises(sg.NoAdjointError, match=match):
        sg.grad(fn, target="python")(*args)


def test_vsplit_checks_the_rank_as_numpy_does():
    with pytest.raises(ValueError, match="2 or more dimensions"):
        vsplit_of_a_vector(SAMPLE)
    for target in TARGETS:
        with pytest.raises(ValueError, match="2 or more dimensions"):
            sg.grad(vsplit_of_a_vector, target=target)(SAMPLE)


def test_sort_by_field_is_refused():
    with pytest.raises(sg.SrcGradError, match="order"):
        sg.grad(sort_by_field, target="python")(SAMPLE)


def written_rotation(u):
    r = np.rot90(u)
    r[0, 0] = 5.0  # NumPy: writes into u too
    return np.sum(u * u) + np.sum(r)


def written_piece(x):
    a, b = np.split(x, 2)
    a[0] = 0.0  # NumPy: writes into x too
    return np.sum(x ** 2) + np.sum(a)


@pytest.mark.parametrize("fn,args", [(written_rotation, (FIELD,)), (written_piece, (SAMPLE,))])
def test_write_into_a_view_is_refused(fn, args):
    """np.rot90 and np.split give views: a write into one changes the operand,
    which srcgrad refuses to differentiate."""
    with pytest.raises(sg.UnsupportedSyntaxError, match="shares its memory"):
        sg.grad(fn, target="python")(*args)


def test_tiled_copy_may_be_written():
    """np.tile, np.pad and np.sort give new arrays: writing into one is fine."""

    def written_tile(u):
        t = np.tile(u, 2)
        t[0, 0] = 0.0
        return np.sum(t * t) + np.sum(u)

    want = numerical_gradient(written_tile, (FIELD,), 0)
    for target in TARGETS:
        np.testing.assert_allclose(sg.grad(written_tile, target=target)(FIELD), want,
                                   rtol=1e-6, atol=1e-7)
