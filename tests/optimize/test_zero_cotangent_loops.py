"""optimize/zeros.py: a reverse loop whose every update is a multiple of a
cotangent runs only where that cotangent is not zero.  Each gradient against
central differences (or a hand-derived formula), with and without the guard
it should or should not get."""

import numpy as np
import pytest
from gradcheck import numerical_gradient

import srcgrad as sg
from bench.gradbench.kmeans import cost as kmeans_cost  # GradBench's k-means, with loops


def gated_norm(x):
    """x[0] times a loop's sum of squares, passed through a branch: the branch
    zeroes the loop's cotangent where it is not taken, and at x[0] = 0 that
    cotangent is zero where it is taken too, but its tangent along x[0] is
    not (the Hessian's first row)."""
    s = 0.0
    for r in range(1, x.shape[0]):
        s += x[r] * x[r]
    t = 0.0
    if x[0] > -1.0:
        t = s
    return x[0] * t


def carried(x, w):
    """A loop whose updates add a multiple of the cotangent and something else."""
    total = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0.0:
            total += w * x[i] ** 2 + x[i]
    return total


RNG = np.random.default_rng(3)
POINTS = RNG.random((12, 3))
CENTROIDS = RNG.random((4, 3))


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_kmeans_gradient_and_hessian_diagonal(target):
    gradient = sg.grad(kmeans_cost, wrt=1, target=target)
    np.testing.assert_allclose(gradient(POINTS, CENTROIDS),
                               numerical_gradient(kmeans_cost, (POINTS, CENTROIDS), 1),
                               rtol=1e-6, atol=1e-8)
    if target == "cpu":
        assert "distance_nonzero" in gradient.source  # the loop of a far centroid skipped
    # H @ 1 (H diagonal): twice the number of points nearest each centroid
    _, h1 = sg.jvp(gradient, wrt=1, target=target)((POINTS, CENTROIDS),
                                                    (None, np.ones_like(CENTROIDS)))
    d = ((POINTS[:, None, :] - CENTROIDS[None]) ** 2).sum(-1)
    counts = np.bincount(d.argmin(1), minlength=CENTROIDS.shape[0])
    np.testing.assert_allclose(h1, 2.0 * counts[:, None] * np.ones_like(CENTROIDS), rtol=1e-12)


def test_a_copy_of_the_zeroed_cotangent_guards_too():
    """bench/kernels.py's k-means cost calls its distance helper on row views:
    inlined, the loop reads the helper's own name for the cotangent
    (`bsqdist_s_2 = bd`), a copy of the one the branch zeroes.  The loop of
    every far centroid is skipped all the same."""
    from bench.kernels import kmeans_cost as rows_kmeans

    gradient = sg.grad(rows_kmeans, wrt=(0, 1), target="cpu")
    for got, want in zip(gradient(POINTS, CENTROIDS),
                         numerical_gradient(rows_kmeans, (POINTS, CENTROIDS), (0, 1))):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
    assert "bsqdist_s_2_nonzero" in gradient.source


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_zero_cotangent_with_a_tangent_keeps_the_hessian(target):
    x = np.array([0.0, 0.5, -1.5, 2.0])
    g = sg.grad(gated_norm, target=target)
    if target == "cpu":
        assert "_nonzero" in g.source
    np.testing.assert_allclose(g(x), [np.sum(x[1:] ** 2), 0.0, 0.0, 0.0], atol=1e-15)
    h = sg.hessian(gated_norm, target=target)(x)
    want = np.zeros((4, 4))
    want[0, 1:] = want[1:, 0] = 2.0 * x[1:]
    np.testing.assert_allclose(h, want, atol=1e-14)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_update_that_is_not_a_multiple_keeps_the_loop(target):
    x = np.array([0.3, -0.2, 1.1, 0.7])
    g = sg.grad(carried, wrt=(0, 1), target=target)
    got = g(x, 0.0)
    want = numerical_gradient(carried, (x, 0.0), (0, 1))
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)


def test_a_variable_assigned_and_updated_in_the_loop_and_read_after_keeps_it():
    """`bt = y[i]; bt += b * z[i]` in the loop, bt read after it: with b == 0
    the loop leaves bt at y[n - 1], so skipping it (which would leave the
    value from before) is wrong; no guard.  Without the read after, a guard."""
    import ast
    from types import SimpleNamespace

    from srcgrad import ir
    from srcgrad.ir.naming import Namer
    from srcgrad.optimize.zeros import loops_of_zero_cotangents, skip_loops_of_zero_cotangents

    def parse(text):
        return ast.parse(text, mode="eval").body

    origin = ir.Origin("f.py", 1, "")
    ranks = SimpleNamespace(scalars={"b", "bt"}, floats={"b", "bt"})

    def body():
        loop = ir.For(origin, "i", ast.Constant(0), parse("n"), ast.Constant(1), [
            ir.Assign(origin, "bt", parse("y[i]")),
            ir.Accumulate(origin, parse("bt"), parse("b * z[i]")),
            ir.Accumulate(origin, parse("bx[i]"), parse("b * w"))])
        return [ir.Assign(origin, "b", ast.Constant(0.0)), ir.Assign(origin, "bt", parse("b")),
                loop]

    read_after = body()
    assert not loops_of_zero_cotangents(read_after, parse("(bx, bt)"), ranks)
    not_read = body()
    found = loops_of_zero_cotangents(not_read, parse("bx"), ranks)
    assert [scale for _, scale in found.values()] == ["b"]
    skip_loops_of_zero_cotangents(not_read, found, Namer())
    assert isinstance(not_read[-1], ir.If)
