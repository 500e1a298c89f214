"""Large arrays a gradient makes are advised onto huge pages
(`srcgrad/runtime/memory.py`): the kernel is told so before their first write
(the mapping's `VmFlags` in /proc/self/smaps then holds `hg`), their values are
what NumPy's would be, and a gradient whose cotangent is one is still right."""

from __future__ import annotations

import os

import numba
import numpy as np
import pytest

import srcgrad as sg
from srcgrad.runtime import exp, memory
from srcgrad.runtime.arrays import copy_array, empty_shaped, full_as, zeros_as
from srcgrad.runtime.stacks import reserve

THP = "/sys/kernel/mm/transparent_hugepage/enabled"
can_advise = memory.ADVISES and os.path.exists(THP)


def vm_flags(address):
    """The flags of the mapping of this process that holds `address`."""
    found = False
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            head = line.split()[0]
            if "-" in head and not head.endswith(":"):
                start, end = (int(part, 16) for part in head.split("-"))
                found = start <= address < end
            elif found and line.startswith("VmFlags:"):
                return line.split()[1:]
    raise AssertionError(f"no mapping holds {address:#x}")


def interior(array):
    """An address in the 2 MiB-aligned part of `array`'s memory."""
    start = array.ctypes.data
    first = -(-start // memory.HUGE_PAGE) * memory.HUGE_PAGE
    assert first + memory.HUGE_PAGE <= start + array.nbytes
    return first


@numba.njit
def make(like, value):
    return zeros_as(like), full_as(like, value), copy_array(like), empty_shaped(like.shape, like)


def test_new_arrays_hold_numpys_values():
    for like in (np.arange(12.0).reshape(3, 4), np.ones(5, np.float32), np.ones((1500, 1500))):
        zeros, full, copy, empty = make(like, 2.5)
        np.testing.assert_array_equal(zeros, np.zeros_like(like))
        np.testing.assert_array_equal(full, np.full_like(like, 2.5))
        np.testing.assert_array_equal(copy, like)
        assert zeros.dtype == full.dtype == copy.dtype == empty.dtype == like.dtype
        assert empty.shape == like.shape
    strided = np.arange(24.0).reshape(4, 6)[:, ::2]
    np.testing.assert_array_equal(make(strided, 0.0)[2], strided)


@pytest.mark.skipif(not can_advise, reason="huge pages are advised on Linux (x86-64, AArch64) only")
def test_large_new_arrays_are_advised_onto_huge_pages():
    like = np.ones((1500, 1500))  # 18 MB: eight or more aligned huge pages
    for array in make(like, 1.0):
        assert "hg" in vm_flags(interior(array))
    stack = numba.njit(lambda s, top, more: reserve(s, top, more))(np.empty(0), 0, 3_000_000)
    assert "hg" in vm_flags(interior(stack))
    x = np.linspace(-3.0, 3.0, 3_000_000)
    exp_x = numba.njit(lambda x: exp(x))(x)  # the vectorised exp's result (runtime/vecmath.py)
    assert "hg" in vm_flags(interior(exp_x))
    np.testing.assert_allclose(exp_x, np.exp(x), rtol=1e-15)


@pytest.mark.skipif(not can_advise, reason="huge pages are advised on Linux (x86-64, AArch64) only")
def test_a_gradients_large_cotangent_is_advised_and_right():
    def weighted_squares(v, w):
        total = 0.0
        for k in range(v.shape[0]):
            for i in range(v.shape[1]):
                total += w[i] * v[k, i] * v[k, i]
        return total

    rng = np.random.default_rng(0)
    v = rng.normal(size=(40, 50_000))  # 16 MB
    w = rng.normal(size=50_000)
    gv, gw = sg.grad(weighted_squares, wrt=(0, 1))(v, w)
    np.testing.assert_allclose(gv, 2 * w * v, rtol=1e-13, atol=1e-300)  # the hand-derived gradient
    np.testing.assert_allclose(gw, np.sum(v * v, axis=0), rtol=1e-12)
    assert "hg" in vm_flags(interior(gv))


def test_python_fallbacks_advise_nothing():
    array = np.full(4, 7.0)
    assert memory.huge_pages(array) is None
    assert memory.zero_filled(array) is array and not array.any()
