"""A gradient function gives the same gradient however it is called.

After its first call, a gradient function takes a shorter path for the
common call (positional float arrays and Python numbers, no `grad_ys`).  Each
call below is made three times, so the later ones take that path where they
can, and every result is checked against the hand-derived gradient of

    f(x, y) = y * sum(x * x):   df/dx = 2 y x,   df/dy = sum(x * x).
"""

from __future__ import annotations

import numpy as np
import pytest

import srcgrad as sg


def f(x, y):
    return y * np.sum(x * x)


def expected(x, y):
    x = np.asarray(x, dtype=np.float64)
    return 2.0 * float(y) * x, float(np.sum(x * x))


ARGUMENTS = {
    "float64 array, float": (np.array([1.0, -2.0, 0.5]), 1.5),
    "float64 array, int": (np.array([1.0, -2.0, 0.5]), 3),
    "float32 array": (np.array([1.0, -2.0, 0.5], dtype=np.float32), 1.5),
    "int array": (np.array([1, -2, 3]), 2.0),
    "list": ([1.0, -2.0, 0.5], 1.5),
    "strided view": (np.arange(8.0)[::3], 0.5),
    "2-D array": (np.arange(6.0).reshape(2, 3) - 2.5, 1.25),
    "numpy scalar y": (np.array([1.0, 2.0]), np.float64(0.75)),
    "0-d array y": (np.array([1.0, 2.0]), np.array(0.75)),
}


@pytest.mark.parametrize("target", ["python", "cpu"])
@pytest.mark.parametrize("name", list(ARGUMENTS))
def test_every_call_gives_the_same_gradient(name, target):
    x, y = ARGUMENTS[name]
    dx_expected, dy_expected = expected(x, y)
    both = sg.grad(f, wrt=(0, 1), target=target)
    only_x = sg.grad(f, target=target)
    first = both(x, y)
    for _ in range(3):
        dx, dy = both(x, y)
        assert type(dx) is type(first[0]) and type(dy) is type(first[1])
        np.testing.assert_allclose(dx, dx_expected, rtol=1e-6)
        np.testing.assert_allclose(dy, dy_expected, rtol=1e-6)
        np.testing.assert_allclose(only_x(x, y), dx_expected, rtol=1e-6)
        if isinstance(x, np.ndarray) and x.dtype.kind == "f":
            assert dx.dtype == x.dtype
        else:
            assert dx.dtype == np.float64
        assert isinstance(dy, float)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_later_calls_with_grad_ys_and_keywords(target):
    x, y = np.array([1.0, -2.0, 0.5]), 1.5
    df = sg.grad(f, wrt=(0, 1), target=target)
    dx_expected, dy_expected = expected(x, y)
    for _ in range(2):  # the first call sets up the short path, the second may take it
        dx, dy = df(x, y)
    for call in (lambda: df(x, y, grad_ys=2.0), lambda: df(x, y=y, grad_ys=2.0),
                 lambda: df(y=y, x=x, grad_ys=2.0)):
        dx, dy = call()
        np.testing.assert_allclose(dx, 2.0 * dx_expected)
        np.testing.assert_allclose(dy, 2.0 * dy_expected)
    dx, dy = df(x=x, y=y)
    np.testing.assert_allclose(dx, dx_expected)
    np.testing.assert_allclose(dy, dy_expected)


def test_a_later_call_with_the_wrong_arguments_is_a_clear_error():
    df = sg.grad(f)
    df(np.ones(3), 1.0)
    df(np.ones(3), 1.0)
    with pytest.raises(TypeError):
        df(np.ones(3))
    with pytest.raises(TypeError):
        df(np.ones(3), 1.0, 2.0)


def cube_sum(x):
    return np.sum(x * x * x)


ONE_ARGUMENT = {
    "float64 array": np.array([1.0, -2.0, 0.5]),
    "float32 array": np.array([1.0, -2.0, 0.5], dtype=np.float32),
    "int array": np.array([1, -2, 3]),
    "list": [1.0, -2.0, 0.5],
    "strided view": np.arange(8.0)[::3],
    "2-D array": np.arange(6.0).reshape(2, 3) - 2.5,
    "Fortran-ordered": np.asfortranarray(np.arange(6.0).reshape(2, 3) - 2.5),
    "float": 1.5,
    "0-d array": np.array(0.75),
}


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_one_argument_calls_in_any_order(target):
    """A function of one array has a short path of its own: every kind of
    argument, after every other, gives 3 x**2 in the input's float dtype."""
    df = sg.grad(cube_sum, target=target)
    for _ in range(2):
        for name, x in ONE_ARGUMENT.items():
            got = df(x)
            want = 3.0 * np.asarray(x, dtype=np.float64) ** 2
            np.testing.assert_allclose(got, want, rtol=1e-6, err_msg=name)
            if isinstance(x, np.ndarray) and x.dtype.kind == "f" and x.ndim:
                assert type(got) is np.ndarray and got.dtype == x.dtype, name
            elif isinstance(x, float) or (isinstance(x, np.ndarray) and not x.ndim):
                assert isinstance(got, float), name
            else:
                assert got.dtype == np.float64, name
    with pytest.raises(TypeError):
        df()
    with pytest.raises(TypeError):
        df(np.ones(3), 2.0)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_one_argument_in_a_tuple_of_one(target):
    """`wrt=(0,)` takes the same short path and answers a tuple of one."""
    df = sg.grad(cube_sum, wrt=(0,), target=target)
    for _ in range(2):
        for name, x in ONE_ARGUMENT.items():
            got = df(x)
            assert isinstance(got, tuple) and len(got) == 1, name
            np.testing.assert_allclose(got[0], 3.0 * np.asarray(x, dtype=np.float64) ** 2,
                                       rtol=1e-6, err_msg=name)
            if isinstance(x, np.ndarray) and x.dtype.kind == "f" and x.ndim:
                assert got[0].dtype == x.dtype, name
