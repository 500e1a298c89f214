"""The examples of the three TensorFlow tutorials srcgrad comes from, in srcgrad.

Each section names the seed document and cell, and prints what the seed
printed.  TensorFlow builds a graph and asks for `tf.gradients(ys, xs)`;
srcgrad differentiates the plain NumPy function that computes `ys`.

    python examples/seeds.py              # compiled with Numba
    python examples/seeds.py --python     # the same gradients, uncompiled
"""

import sys
from typing import Any

import numpy as np
from numpy.typing import NDArray

import srcgrad as sg

TARGET = "python" if "--python" in sys.argv else "cpu"

Array = NDArray[np.floating[Any]]  # float64 and float32 alike
IntArray = NDArray[np.integer[Any]]


# --- seed 000, first cell: y = matmul(w1, [[9], [10]]), tf.gradients(y, [w1]) ---------


def matmul_y(w1: Array) -> Array:
    return w1 @ np.array([[9.0], [10.0]], dtype=np.float64)


# --- seed 000 / 001: several outputs, several inputs, grad_ys ---------------------------


def two_outputs(w1: Array, w2: Array, w3: Array, w4: Array) -> tuple[Array, Array]:
    y1 = w1 + w2 + w3
    y2 = w3 + w4
    return y1, y2


# --- seed 000: tf.stop_gradient ------------------------------------------------------------


def stopped(w1: Array, w2: Array, w3: Array) -> Array:
    a = w1 + w2
    a_stopped = sg.stop_gradient(a)
    return a_stopped + w3


# --- seed 001: an input the output does not depend on ---------------------------------------


def int_matmul(w1: IntArray, w2: IntArray) -> IntArray:
    return w1 @ np.array([[2], [1]], dtype=np.int64)


# --- seed 001: stop_gradient on a scalar product --------------------------------------------


def stopped_product(w1: float, w2: float) -> float:
    a = w1 * 3.0
    a_stopped = sg.stop_gradient(a)
    return a_stopped * w2  # b = w1 * 3.0 * w2, with w1's path stopped


def stopped_sum(a: float, b: float) -> float:
    c = a + b
    c_stopped = sg.stop_gradient(c)
    d = a + b
    return c_stopped + d


# --- seed 001: higher-order derivatives of a ** 2 -------------------------------------------


def square(a: float) -> float:
    return a**2


# --- seed 002: y = 2 x^T x, and z = (x * x) ** 2 with the tape watching y ---------------------


def two_xtx(x: Array) -> Array:
    return 2 * (x.T @ x)


def fourth_power(x: Array) -> Array:
    y = x * x
    z = y * y
    return z


# --- seed 002: stop_gradients in tf.gradients ------------------------------------------------


def a_plus_2a(a: float) -> float:
    b = 2 * a
    return a + b


# --- seed 002: Python control flow under GradientTape -----------------------------------------


def f(a: Array) -> Array:
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
    if np.sum(b) > 0:
        c = b
    else:
        c = 100 * b
    return c


def main() -> None:
    print(f"srcgrad {sg.__version__}, target={TARGET!r}\n")

    print("seed 000: gradients(matmul(w1, [[9], [10]]), [w1])")
    print(sg.grad(matmul_y, target=TARGET)(np.array([[1.0, 2.0]], np.float32)))  # [[ 9. 10.]]

    print("\nseed 000: gradients([y1, y2], [w1..w4], grad_ys=[[1, 2], [3, 4]])")
    w = [np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([5.0, 6.0]), np.array([7.0, 8.0])]
    df = sg.grad(two_outputs, wrt=(0, 1, 2, 3), target=TARGET)
    print(df(*w, grad_ys=(np.array([1.0, 2.0]), np.array([3.0, 4.0]))))  # [1 2] [1 2] [4 6] [3 4]

    print("\nseed 000: gradients(stop_gradient(w1 + w2) + w3, [w1, w2, w3], grad_ys=[1, 2])")
    df = sg.grad(stopped, wrt=(0, 1, 2), target=TARGET)
    print(df(*w[:3], grad_ys=np.array([1.0, 2.0])))  # (None, None, [1. 2.])
    df = sg.grad(stopped, wrt=(0, 1, 2), target=TARGET, unconnected_gradients="zero")
    print(df(*w[:3], grad_ys=np.array([1.0, 2.0])))  # zeros, zeros, [1. 2.]

    print("\nseed 001: gradients(matmul(w1, [[2], [1]]), [w1, w2]) with integer w1")
    df = sg.grad(int_matmul, wrt=(0, 1), target=TARGET)
    print(df(np.array([[1, 2]]), np.array([[3, 4]])))  # ([[2., 1.]], None): TF raised here

    print("\nseed 001: gradients([z1, z2], [w1..w4], grad_ys=[[2, 2, 3], [3, 2, 4]])")
    w3 = [np.arange(3.0) + k for k in range(4)]
    df = sg.grad(two_outputs, wrt=(0, 1, 2, 3), target=TARGET)
    print(df(*w3, grad_ys=(np.array([2.0, 2.0, 3.0]), np.array([3.0, 2.0, 4.0]))))
    # [2 2 3] [2 2 3] [5 4 7] [3 2 4]

    print("\nseed 001: b = stop_gradient(w1 * 3) * w2; gradients(b, [w1, w2])")
    print(sg.grad(stopped_product, wrt=(0, 1), target=TARGET)(2.0, 2.0))  # (None, 6.0)

    print("\nseed 001: e = stop_gradient(a + b) + (a + b); gradients(e, [a, b])")
    print(sg.grad(stopped_sum, wrt=(0, 1), target=TARGET)(1.0, 1.0))  # (1.0, 1.0)

    print("\nseed 001: gradients applied three times to b = pow(a, 2) at a = 1")
    first = sg.grad(square, target=TARGET)
    second = sg.grad(first, target=TARGET)
    third = sg.grad(second, target=TARGET)
    print(first(1.0), second(1.0), third(1.0))  # 2.0 2.0 0.0: constant, but a reaches b

    print("\nseed 002: y = 2 x^T x, dy/dx = 4x")
    x = np.arange(4, dtype=np.float32).reshape(4, 1)  # float32, as in the seed
    print(sg.grad(two_xtx, target=TARGET)(x).ravel())  # [ 0.  4.  8. 12.]

    print("\nseed 002: z = y * y with y = x * x: dz/dx = 4x^3, dz/dy = 2y")
    dz = sg.grad(fourth_power, wrt=("x", "y"), target=TARGET)(x)
    print(dz[0].ravel(), dz[1].ravel())  # [0 4 32 108] [0 2 8 18]

    print("\nseed 002: gradients(a + b, [a, b]) with b = 2a, without and with stop_gradients")
    print(sg.grad(a_plus_2a, wrt=("a", "b"), target=TARGET)(0.0))  # (3.0, 1.0)
    df = sg.grad(a_plus_2a, wrt=("a", "b"), stop_gradients=("a", "b"), target=TARGET)
    print(df(0.0))  # (1.0, 1.0)

    print("\nseed 002: f(a) with a data-dependent while loop and if: df/da = c / a")
    a = np.array([[0.48800924]], np.float32)
    c = f(a)
    print(c, sg.grad(f, target=TARGET)(a), c / a)  # [[1998.8859]] [[4096.]] [[4096.]], all float32


if __name__ == "__main__":
    main()
