"""Short vectors of a length the code fixes, differentiated as numbers
(`srcgrad/frontend/small_arrays.py`): the generated code has no array for
them, the gradients match central differences, and what the pass cannot
model stays an array or is refused with the line named."""

from __future__ import annotations

import math

import numpy as np
import pytest
from functions import camera_residual, oscillator_midpoint, spring_chain_energy
from gradcheck import assert_gradient

import srcgrad as sg
from srcgrad.errors import UnsupportedSyntaxError

TARGETS = ("python", "cpu")
RNG = np.random.default_rng(7)
CAM = np.array([0.3, -0.2, 0.4, 0.1, -0.3, 0.2, 1.5, 0.1, 0.01])
X = np.array([0.2, -0.1, 4.0])
FEAT = np.array([0.05, -0.02])


def adjoint(df) -> str:
    """The generated function's code: no imports, no comments."""
    code = df.source.split("\ndef ", 1)[1]
    return "\n".join(line for line in code.splitlines() if not line.lstrip().startswith("#"))


def test_a_camera_model_adjoint_holds_no_short_array():
    """Slices of the parameter vector, a cross product and `p[0:2] / p[2]`:
    every short vector is numbers, forward and backward; the only arrays are
    the three cotangents returned."""
    df = sg.grad(camera_residual, wrt=(0, 1, 2), target="cpu")
    assert_gradient(df, camera_residual, (CAM, X, FEAT), wrt=(0, 1, 2))
    code = adjoint(df)
    assert "stack(" not in code
    assert code.count("zeros_like(") == 3
    for name in ("p_0", "p_2", "u_1", "k_cross_x_2"):
        assert name in code, name


def test_a_vector_made_in_every_pass_of_a_loop_is_numbers():
    df = sg.grad(spring_chain_energy, wrt=(0, 1), target="cpu")
    pos = np.cumsum(RNG.uniform(0.5, 1.0, (6, 2)), axis=0)
    assert_gradient(df, spring_chain_energy, (pos, 0.7), wrt=(0, 1))
    code = adjoint(df)
    assert "stack(" not in code and "d_0" in code and "bd_1" in code


@pytest.mark.parametrize("target", TARGETS)
def test_a_state_vector_carried_by_a_loop(target):
    df = sg.grad(oscillator_midpoint, wrt=(0, 1, 2), target=target)
    args = (np.array([0.4, -0.3]), 1.3, 0.1, 5)
    assert_gradient(df, oscillator_midpoint, args, wrt=(0, 1, 2))
    assert "stack(" not in adjoint(df)


def pair_distance(x):
    d = x[3:6] - x[0:3]
    return math.sqrt(np.dot(d, d)) + 0.1 * np.sum(d) + np.dot(x[0:3], d)


@pytest.mark.parametrize("target", TARGETS)
def test_sums_and_dot_products_of_short_vectors_are_sums(target):
    df = sg.grad(pair_distance, target=target)
    assert_gradient(df, pair_distance, (RNG.normal(size=7),))
    code = adjoint(df)
    assert "stack(" not in code and "dot(" not in code and "reduce_sum(" not in code


def projectile(w, steps):
    """Constant vectors (`np.array([0.0, 8.0])`) starting a loop's state."""
    x = np.array([0.0, 8.0])
    v = np.array([0.75, 0.0])
    for _ in range(steps):
        a = np.array([-0.1 * w[0] * v[0], -9.8 - w[1] * v[1]])
        x = x + 0.05 * v
        v = v + 0.05 * a
    return x[0] * x[1]


@pytest.mark.parametrize("target", TARGETS)
def test_constant_vectors_start_a_loop_state(target):
    df = sg.grad(projectile, target=target)
    assert_gradient(df, projectile, (np.array([0.3, 0.2]), 6))
    code = adjoint(df)
    assert "stack(" not in code and "array(" not in code


def leapfrog(w, n):
    """State vectors updated in place (`x += ...`), as integrators write them."""
    x = np.array([w[0], 1.0])
    v = np.array([0.5, w[1]])
    for _ in range(n):
        x += 0.1 * v
        v -= 0.1 * np.array([x[0] ** 3, x[1]])
    return x[0] * x[1] + v[0]


@pytest.mark.parametrize("target", TARGETS)
def test_vectors_updated_in_place_are_numbers(target):
    df = sg.grad(leapfrog, target=target)
    assert_gradient(df, leapfrog, (np.array([0.3, -0.2]), 5))
    code = adjoint(df)
    assert "stack(" not in code and "refuse_inplace_alias" not in code


def update_seen_by_a_copy(w):
    x = np.array([w[0], w[1]])
    y = x
    x += w
    return y[0] * 2.0


@pytest.mark.parametrize("target", TARGETS)
def test_an_update_a_copy_would_see_stays_refused(target):
    """`y = x; x += w; y[0]`: NumPy's `y` sees the update; srcgrad keeps `x`
    an array and its check refuses the call, as without short vectors."""
    with pytest.raises(UnsupportedSyntaxError, match="changes the array .x. in place"):
        sg.grad(update_seen_by_a_copy, target=target)(np.array([0.3, -0.2]))


def head_energy(x):
    v = x[0:3]
    return v[0] * v[1] + np.sum(v * v)


@pytest.mark.parametrize("target", TARGETS)
def test_a_slice_longer_than_its_array_is_refused_naming_the_line(target):
    """`x[0:3]` of a 2-element `x` is 2 elements to NumPy; srcgrad reads the
    slice as 3 numbers, so it raises rather than read past the end."""
    df = sg.grad(head_energy, target=target)
    assert_gradient(df, head_energy, (RNG.normal(size=4),))
    with pytest.raises(IndexError, match=r"x\[0:3\] at test_small_arrays\.py:\d+.*fewer than 3"):
        df(RNG.normal(size=2))


def offset_from(a, b, y):
    d = np.array([a, b]) - y
    return d[0] * d[1] + d[1] ** 2


@pytest.mark.parametrize("target", TARGETS)
def test_an_array_operand_of_another_length_is_refused(target):
    df = sg.grad(offset_from, wrt=(0, 1, 2), target=target)
    assert_gradient(df, offset_from, (0.3, -0.4, RNG.normal(size=2)), wrt=(0, 1, 2))
    for y in (RNG.normal(size=3), RNG.normal(size=1)):  # NumPy raises / broadcasts
        with pytest.raises(ValueError, match=r"y must have 2"):
            df(0.3, -0.4, y)


def updated_in_place(x):
    v = np.array([x[0], x[1] * 2.0])
    v[0] = v[0] * v[1]
    return v[0] + math.sin(v[1])


@pytest.mark.parametrize("target", TARGETS)
def test_a_vector_written_into_stays_an_array(target):
    df = sg.grad(updated_in_place, target=target)
    assert_gradient(df, updated_in_place, (RNG.normal(size=3),))
    assert "stack(" in adjoint(df)


def written_through_a_view(x):
    v = x[0:3] * 1.0
    w = v[0:2]
    w[0] = 5.0 * x[1]
    return v[0] * v[1] + v[2]


def test_a_vector_written_through_a_view_is_refused_as_before():
    with pytest.raises(UnsupportedSyntaxError, match="writing into 'w' also changes 'v'"):
        sg.grad(written_through_a_view)(RNG.normal(size=4))


def swapped(x):
    v = x[0:2] * 1.0
    for _ in range(3):
        v = v[::-1]
        v = v * np.array([2.0, x[2]])
    return v[0] + 3.0 * v[1]


@pytest.mark.parametrize("target", TARGETS)
def test_a_vector_reversed_into_itself(target):
    """`v = v[::-1]`: each element is read before any is set."""
    df = sg.grad(swapped, target=target)
    x = np.array([0.3, -0.7, 1.1])
    assert_gradient(df, swapped, (x,))
    # by hand: v = (x0, x1) -> three passes of swap then scale by (2, x2)
    # pass 1: (2 x1, x2 x0); pass 2: (2 x2 x0, 2 x2 x1); pass 3: (4 x2 x1, 2 x2^2 x0)
    # f = 4 x2 x1 + 6 x2^2 x0
    want = np.array([6 * x[2] ** 2, 4 * x[2], 4 * x[1] + 12 * x[2] * x[0]])
    np.testing.assert_allclose(df(x), want, rtol=1e-12)


@pytest.mark.parametrize("target", TARGETS)
def test_second_order_and_forward_mode_through_short_vectors(target):
    hessian = sg.hessian(head_energy, target=target)(np.array([0.3, -0.5, 0.8, 0.1]))
    # f = x0 x1 + x0^2 + x1^2 + x2^2
    want = np.zeros((4, 4))
    want[0, 1] = want[1, 0] = 1.0
    want[0, 0] = want[1, 1] = want[2, 2] = 2.0
    np.testing.assert_allclose(hessian, want, atol=1e-12)
    x = np.array([0.4, -0.3])
    t = np.array([0.7, 0.2])
    _, tangent = sg.jvp(oscillator_midpoint, target=target)((x, 1.3, 0.1, 5), (t, None, None, None))
    eps = 1e-6
    fd = (oscillator_midpoint(x + eps * t, 1.3, 0.1, 5)
          - oscillator_midpoint(x - eps * t, 1.3, 0.1, 5)) / (2 * eps)
    assert tangent == pytest.approx(fd, rel=1e-7, abs=1e-9)
