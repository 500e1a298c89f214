"""Every function of the corpus (`functions.py`) through every target, checked
against central finite differences of the original function in float64
(`gradcheck.py`), plus the readable source each one generates."""

from __future__ import annotations

import copy
import inspect
import os
import re

import numpy as np
import pytest
from functions import CASES
from gradcheck import assert_gradient

TARGETS = ("python", "cpu")

assert len({case.id for case in CASES}) == len(CASES), "two corpus rows share an id"

GRADIENT_PARAMS = [pytest.param(case, target, id=f"{case.id}-{target}")
                   for case in CASES for target in TARGETS if target in case.targets]
SOURCE_PARAMS = [pytest.param(case, id=case.id) for case in CASES]


def parameter_positions(case) -> list[int | None]:
    """Per `wrt` entry: the position of the parameter it names, or None for a local."""
    params = list(inspect.signature(case.fn).parameters)
    positions = []
    for entry in case.wrt_tuple:
        if isinstance(entry, int):
            positions.append(entry)
        else:
            positions.append(params.index(entry) if entry in params else None)
    return positions


def expected_dtype(value) -> np.dtype:
    """A floating input's gradient keeps its dtype; integers and bools get float64."""
    dtype = np.result_type(value)
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


def assert_unchanged(args, snapshot):
    for k, (now, before) in enumerate(zip(args, snapshot)):
        if isinstance(before, np.ndarray):
            assert now.dtype == before.dtype and now.shape == before.shape
            assert np.array_equal(now, before), f"the gradient function changed argument {k}"
        else:
            assert now == before, f"the gradient function changed argument {k}"


def assert_result_equal(got, want):
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            assert_result_equal(g, w)
        return
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64),
                               np.asarray(want, dtype=np.float64), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case, target", GRADIENT_PARAMS)
def test_gradient(case, target):
    args = case.make_args()
    snapshot = copy.deepcopy(args)
    df = case.gradient_function(target)
    kwargs = {} if case.grad_ys is None else {"grad_ys": case.grad_ys}
    out = df(*args, **kwargs)
    assert_unchanged(args, snapshot)

    if case.preserve_result:
        assert isinstance(out, tuple) and len(out) == 2
        value, grads = out
        assert_result_equal(value, case.fn(*copy.deepcopy(snapshot)))
    else:
        grads = out
    if isinstance(case.wrt, (int, str)):
        assert not isinstance(grads, tuple), "a single wrt entry gives one gradient"
        grads = (grads,)
    assert isinstance(grads, tuple) and len(grads) == len(case.wrt_tuple)

    positions = parameter_positions(case)
    for k, (g, p) in enumerate(zip(grads, positions)):
        if case.exact.get(k) == "none":
            assert g is None, f"gradient {k} of an unconnected input must be None, got {g!r}"
            continue
        assert g is not None, f"gradient {k} is None"
        if p is not None:
            assert np.shape(g) == np.shape(args[p]), f"gradient {k} is not shaped like its input"
            assert np.result_type(g) == expected_dtype(args[p]), f"gradient {k}: dtype"
        if case.exact.get(k) == "zero":
            assert np.array_equal(np.asarray(g), np.zeros(np.shape(args[p]))), \
                f"gradient {k} of an unconnected input must be zeros, got {g!r}"

    checked = [k for k in range(len(grads)) if k not in case.exact]
    if case.oracle is not None:
        oracle_fn, oracle_args, oracle_wrt = case.oracle(snapshot)
    else:
        oracle_fn, oracle_args, oracle_wrt = case.fn, snapshot, positions
    assert_gradient(lambda *_, **__: tuple(grads[k] for k in checked), oracle_fn,
                    tuple(oracle_args), wrt=tuple(oracle_wrt[k] for k in checked),
                    grad_ys=case.grad_ys, rtol=case.rtol, atol=case.atol)
    if target == "cpu" and "reserve(" in df.source:
        assert_stacks_have_room(df, copy.deepcopy(snapshot), kwargs)


def assert_stacks_have_room(df, args, kwargs):
    """The compiled gradient's source, run by the Python interpreter, whose
    NumPy checks every index: a stack of numbers kept in an array
    (`optimize/stacks.py`) with too little room raises IndexError there,
    where the compiled code would write past its end."""
    from srcgrad.backend.compile import load_module

    generated = df._generated
    module = load_module(generated.source, "as_python", generated.injected)
    getattr(module, generated.name)(*args, *([kwargs["grad_ys"]] if kwargs else []))


@pytest.mark.parametrize("case", SOURCE_PARAMS)
def test_source(case):
    src = case.gradient_function("python").source
    compile(src, "<x>", "exec")
    basename = re.escape(os.path.basename(inspect.getsourcefile(case.fn)))
    assert re.search(rf"# (grad of )?{basename}:\d+", src), \
        f"no '# {basename}:LINE' comment in the generated source"
