"""Vector reverse mode (adjoint/lanes.py): `sg.jacobian(..., mode="reverse")`
takes several rows of the Jacobian from one forward sweep, seeded by the
rows' flat indices, and the value from the first sweep.  Each Jacobian
against central differences, from Python and from @njit code, with the
generated rows form read for what it must (and must not) contain."""

import math

import numba
import numpy as np
import pytest

import srcgrad as sg
from bench.gradbench.kmeans import cost as kmeans_cost  # GradBench's k-means, with loops
from srcgrad.optimize.lanes import LANES


def central_jacobian(f, args, k, eps=1e-6):
    """d f(args) / d args[k] by central differences, shaped out.shape + x.shape."""
    x = np.asarray(args[k], dtype=np.float64)
    y = np.asarray(f(*args))
    out = np.empty(y.shape + x.shape)
    for index in np.ndindex(*x.shape):
        step = np.zeros_like(x)
        step[index] = eps
        up = list(args)
        down = list(args)
        up[k], down[k] = x + step, x - step
        out[(...,) + index] = (np.asarray(f(*up)) - np.asarray(f(*down))) / (2 * eps)
    return out


def arm_tip(angles, lengths):
    """A planar three-link arm's tip and its distance from the base."""
    a1 = angles[0]
    a2 = a1 + angles[1]
    a3 = a2 + angles[2]
    x = lengths[0] * math.cos(a1) + lengths[1] * math.cos(a2) + lengths[2] * math.cos(a3)
    y = lengths[0] * math.sin(a1) + lengths[1] * math.sin(a2) + lengths[2] * math.sin(a3)
    return np.array([x, y, math.sqrt(x * x + y * y)])


def many_features(p):
    """Eleven features of two numbers: more rows than a sweep's lanes."""
    a = p[0]
    b = p[1]
    return np.array([a, b, a * b, a * a, b * b, math.sin(a), math.cos(b), a / b,
                     math.exp(a * b), a - b, a + b])


def running_energy(x, k):
    """A vector of unknown length: each element a spring's energy so far."""
    out = np.empty(x.shape[0] - 1)
    total = 0.0
    for i in range(x.shape[0] - 1):
        d = x[i + 1] - x[i]
        total += 0.5 * k * d * d
        out[i] = total
    return out


ANGLES = np.array([0.3, -0.8, 1.1])
LENGTHS = np.array([1.0, 0.7, 0.4])


def _rows_form(jacobian):
    return jacobian.generated._rows_form()._generate()


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_a_fixed_length_result_takes_its_rows_in_one_sweep(target):
    jacobian = sg.jacobian(arm_tip, wrt=0, mode="reverse", target=target)
    got = jacobian(ANGLES, LENGTHS)
    assert got.shape == (3, 3)
    np.testing.assert_allclose(got, central_jacobian(arm_tip, (ANGLES, LENGTHS), 0),
                               rtol=1e-7, atol=1e-8)
    form = _rows_form(jacobian)
    assert form.rows and form.lanes == 3
    source = form.source
    assert "row_0, row_1, row_2)" in source and "grad_y" not in source
    # the seeds are ones and zeros, never made as arrays; the forward sweep is there once
    assert "seed_row" not in source and source.count("seed_entry(row_0") == 3
    single = sg.value_and_grad(arm_tip, wrt=0, target=target)
    single(ANGLES, LENGTHS)
    forward = source.split("# grad of")[0]
    assert forward.count("math.cos(") == single.source.split("# grad of")[0].count("math.cos(")


def test_more_rows_than_lanes_take_more_sweeps():
    p = np.array([0.4, 1.3])
    for target in ("python", "cpu"):
        jacobian = sg.jacobian(many_features, mode="reverse", target=target)
        np.testing.assert_allclose(jacobian(p), central_jacobian(many_features, (p,), 0),
                                   rtol=1e-7, atol=1e-8)
    form = _rows_form(jacobian)
    assert form.rows and 1 < form.lanes <= LANES < 11


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_a_result_of_unknown_length_takes_one_row_per_sweep(target):
    x = np.array([0.0, 0.4, 1.1, 0.9, 1.7])
    jacobian = sg.jacobian(running_energy, wrt=0, mode="reverse", target=target)
    np.testing.assert_allclose(jacobian(x, 3.0), central_jacobian(running_energy, (x, 3.0), 0),
                               rtol=1e-7, atol=1e-8)
    form = _rows_form(jacobian)
    assert form.rows and form.lanes == 1
    assert "seed_row(row_0, out)" in form.source


def test_a_branch_on_a_cotangent_keeps_one_row_per_call():
    """GradBench's k-means cost: the reverse loop over a centroid's
    coordinates runs only where the distance's cotangent is not zero
    (optimize/zeros.py), a branch on a cotangent that lanes cannot share."""
    rng = np.random.default_rng(5)
    points, centroids = rng.random((6, 2)), rng.random((3, 2))
    for target in ("python", "cpu"):
        jacobian = sg.jacobian(kmeans_cost, wrt=1, mode="reverse", target=target)
        np.testing.assert_allclose(jacobian(points, centroids),
                                   central_jacobian(kmeans_cost, (points, centroids), 1),
                                   rtol=1e-6, atol=1e-8)
    assert "distance_nonzero" in jacobian.generated.source  # a far centroid's loop skipped
    assert not _rows_form(jacobian).rows


@pytest.mark.parametrize("mode", ["reverse", "auto"])
def test_rows_from_numba_code(mode):
    jacobian = sg.jacobian(arm_tip, wrt=0, mode=mode)

    @numba.njit
    def sensitivities(poses, lengths):
        out = np.empty((poses.shape[0], 3, 3))
        for i in range(poses.shape[0]):
            out[i] = jacobian(poses[i], lengths)
        return out

    poses = np.array([[0.3, -0.8, 1.1], [1.2, 0.4, -0.5], [-0.7, 2.0, 0.1]])
    got = sensitivities(poses, LENGTHS)
    for i, pose in enumerate(poses):
        np.testing.assert_allclose(got[i], central_jacobian(arm_tip, (pose, LENGTHS), 0),
                                   rtol=1e-7, atol=1e-8)
    assert _rows_form(jacobian).rows_length == 3


def test_auto_mode_from_numba_code_takes_columns_where_fewer():
    """Eleven rows the code fixes, two columns: by tangents, one sweep."""
    jacobian = sg.jacobian(many_features)

    @numba.njit
    def at(p):
        return jacobian(p)

    p = np.array([0.4, 1.3])
    np.testing.assert_allclose(at(p), central_jacobian(many_features, (p,), 0),
                               rtol=1e-7, atol=1e-8)
    assert _rows_form(jacobian).rows_length == 11


def test_auto_mode_with_fewer_rows_than_columns_uses_the_rows_form():
    def spread(x):
        return np.array([np.sum(x * x), np.sum(np.sin(x))])

    x = np.linspace(-1.0, 1.0, 7)
    jacobian = sg.jacobian(spread)
    np.testing.assert_allclose(jacobian(x), central_jacobian(spread, (x,), 0),
                               rtol=1e-7, atol=1e-8)
    assert _rows_form(jacobian).rows


def test_the_helpers_that_write_into_an_argument_say_so():
    """The rows form lanes whatever a statement reading a cotangent writes,
    as the effect table says (ir/effects.py): every run-time helper that
    assigns into one of its parameters must be there with its `writes`."""
    import ast
    import inspect

    from srcgrad import runtime
    from srcgrad.ir import effects

    for name in runtime.__all__:
        function = getattr(runtime, name)
        function = getattr(function, "py_func", function)
        if not inspect.isfunction(function):
            continue
        tree = ast.parse(inspect.getsource(function).lstrip())
        params = [a.arg for a in tree.body[0].args.args]
        written = set()
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, ast.AugAssign) else [])
            for target in targets:
                base = target
                while isinstance(base, (ast.Subscript, ast.Attribute)):
                    base = base.value
                if isinstance(base, ast.Name) and base.id in params and (
                        base is not target or isinstance(node, ast.AugAssign)):
                    written.add(params.index(base.id))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    isinstance(node.func.value, ast.Name) and node.func.value.id in params \
                    and node.func.attr in ("append", "pop", "fill", "sort"):
                written.add(params.index(node.func.value.id))
        if name == "add_at":  # np.add.at(a, ...): a call that writes, not an assignment
            written.add(0)
        for position in written:
            assert effects.helper(name).writes == position, (name, position)


def test_row_seeds_are_basis_vectors_and_zeros_past_the_last_row():
    from srcgrad.runtime import seed_entry, seed_row

    @numba.njit
    def compiled(row, y):
        return seed_row(row, y), seed_entry(row, 1, y)

    for run in (lambda row, y: (seed_row(row, y), seed_entry(row, 1, y)), compiled):
        for row in range(-1, 5):
            y = np.zeros((2, 2), dtype=np.float32)
            seeded, entry = run(row, y)
            want = np.zeros(4, dtype=np.float32)
            if 0 <= row < 4:
                want[row] = 1.0
            np.testing.assert_array_equal(seeded, want.reshape(2, 2))
            assert seeded.dtype == np.float32
            assert entry == (1.0 if row == 1 else 0.0)
        assert run(0, 2.5)[0] == 1.0 and run(1, 2.5)[0] == 0.0
