"""The compiled runtime helpers against NumPy, the oracle they stand in for.

`unbroadcast(g, like)` sums a cotangent back to the shape of an operand that
broadcasting stretched; compiled, it is a loop of srcgrad's own
(`srcgrad.runtime.broadcast.reduce_into`), so here it is checked against `np.sum` over the
stretched axes for every kind of stretch, and for operands that are views.

`srcgrad.runtime` is the one namespace generated code imports: every helper
a rule's cotangent calls and every replacement is exported there under its
own name, and the runtime never imports the rules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numba
import numpy as np
import pytest
from gradcheck import assert_gradient

import srcgrad as sg
from srcgrad import runtime
from srcgrad.rules import registry, tangents
from srcgrad.runtime import new_cotangent, take_cotangent, unbroadcast

compiled_unbroadcast = numba.njit(lambda g, like: unbroadcast(g, like))

# (shape of the cotangent, shape of the operand): leading axes summed, axes of
# length 1 summed, both, a cotangent smaller than the operand, empty axes.
SHAPES = [
    ((3, 4), (4,)),
    ((3, 4), (1, 4)),
    ((3, 4), (3, 1)),
    ((2, 3, 4), (3, 1)),
    ((2, 3, 4), (1, 1, 4)),
    ((2, 3, 4), (2, 1, 1)),
    ((2, 3, 4), (1, 3, 1)),
    ((5,), (1,)),
    ((5,), (5,)),
    ((3, 1), (1, 4)),
    ((0, 4), (4,)),
    ((2, 3, 0), (3, 1)),
    ((257, 33), (33,)),
]


def numpy_unbroadcast(g, shape):
    """The oracle: sum `g` over what broadcasting added, then stretch it to
    `shape` where `g` is the smaller one."""
    lead = g.ndim - len(shape)
    if lead > 0:
        g = g.sum(axis=tuple(range(lead)))
    axes = tuple(k for k, n in enumerate(shape) if n == 1 and g.shape[k - len(shape) + g.ndim] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return np.broadcast_to(g, shape)


@pytest.mark.parametrize("g_shape, like_shape", SHAPES)
def test_unbroadcast_sums_what_broadcasting_stretched(g_shape, like_shape):
    g = np.random.default_rng(0).normal(size=g_shape)
    like = np.zeros(like_shape)
    got = compiled_unbroadcast(g, like)
    assert got.shape == like_shape
    np.testing.assert_allclose(got, numpy_unbroadcast(g, like_shape), rtol=1e-12, atol=1e-12)


def test_unbroadcast_of_views():
    rng = np.random.default_rng(1)
    strided = rng.normal(size=(4, 6))[:, ::2]
    np.testing.assert_allclose(compiled_unbroadcast(strided, np.zeros(3)), strided.sum(axis=0))
    transposed = rng.normal(size=(4, 6)).T
    np.testing.assert_allclose(compiled_unbroadcast(transposed, np.zeros((1, 4))),
                               transposed.sum(axis=0, keepdims=True))


def test_unbroadcast_to_a_scalar_and_of_a_scalar():
    g = np.arange(6.0).reshape(2, 3)
    assert compiled_unbroadcast(g, 1.0) == pytest.approx(15.0)
    np.testing.assert_array_equal(compiled_unbroadcast(2.5, np.zeros((2, 2))), np.full((2, 2), 2.5))


# --- a variable's first cotangent ----------------------------------------------------------

compiled_new = numba.njit(lambda g, like: new_cotangent(g, like))
compiled_take = numba.njit(lambda g, like: take_cotangent(g, like))
helpers = pytest.mark.parametrize("helper", [new_cotangent, take_cotangent, compiled_new,
                                             compiled_take], ids=["new", "take", "new-compiled",
                                                                  "take-compiled"])


@helpers
@pytest.mark.parametrize("g_shape, like_shape", SHAPES)
def test_first_cotangent_is_the_sum_to_the_variables_shape(helper, g_shape, like_shape):
    g = np.random.default_rng(2).normal(size=g_shape)
    got = helper(g * 1.0, np.zeros(like_shape))
    assert isinstance(got, np.ndarray) and got.shape == like_shape and got.flags.writeable
    np.testing.assert_allclose(got, numpy_unbroadcast(g, like_shape), rtol=1e-12, atol=1e-12)


@helpers
def test_first_cotangent_has_the_variables_gradient_dtype(helper):
    g = np.arange(4.0)
    assert helper(g * 1.0, np.zeros(4, np.float32)).dtype == np.float32
    assert helper(g * 1.0, np.arange(4)).dtype == np.float64  # an integer's cotangent is float64
    scalar = helper(g * 1.0, 2.0)
    assert scalar == 6.0 and not isinstance(scalar, np.ndarray)
    assert helper(2.5, 1.0) == 2.5
    np.testing.assert_array_equal(helper(2.5, np.zeros((2, 2))), np.full((2, 2), 2.5))


def test_new_cotangent_never_shares_memory_with_its_argument():
    g = np.arange(6.0)
    for helper in (new_cotangent, compiled_new):
        got = helper(g, np.zeros(6))
        got += 1.0  # the adjoint updates it in place
        np.testing.assert_array_equal(g, np.arange(6.0))


def test_take_cotangent_keeps_a_fresh_array_that_fits():
    g = np.arange(6.0)
    assert compiled_take(g, np.zeros(6)) is g  # nothing copied
    assert compiled_take(g, np.zeros(6, np.float32)) is not g  # cast
    assert compiled_take(g, np.zeros((1, 6))).shape == (1, 6)  # summed
    assert compiled_take(g[::2], np.zeros(3)) is not g  # a view: copied


def test_first_cotangent_of_a_scalar_keeps_the_sign_of_zero():
    # zeros_like(x) + g would turn -0.0 into 0.0
    for helper in (new_cotangent, take_cotangent, compiled_new, compiled_take):
        assert np.signbit(helper(-0.0, 1.0))


# --- srcgrad.runtime, the namespace of generated code ------------------------------------------


def many_families(w, X):
    z = np.tanh(X @ w)
    parts = np.concatenate([z, np.clip(w, -0.5, 0.5)])
    s = np.where(parts > 0, parts, 0.1 * parts)
    return np.linalg.norm(np.cumsum(s)) + np.prod(np.exp(w)) + np.mean(np.reshape(X, (-1,)) ** 2)


def test_generated_code_imports_srcgrads_helpers_in_one_line():
    rng = np.random.default_rng(3)
    args = (rng.normal(size=3), rng.normal(size=(4, 3)))
    df = sg.grad(many_families, wrt=(0, 1))
    imports = [node for node in ast.parse(df.source).body
               if isinstance(node, (ast.Import, ast.ImportFrom))]
    ours = [node for node in imports if isinstance(node, ast.ImportFrom)
            and node.module.startswith("srcgrad")]
    assert [node.module for node in ours] == ["srcgrad.runtime"], df.source
    assert len(ours[0].names) > 5  # helpers of several families, one statement
    for alias in ours[0].names:
        assert alias.name in runtime.__all__
    assert_gradient(df, many_families, args, wrt=(0, 1))


def _srcgrad_helpers(rule) -> dict[str, object]:
    """srcgrad's own functions that a rule's cotangent expressions call (or
    a tangent rule's contributions)."""
    found = {}
    templates = (rule.cotangents if isinstance(rule, registry.Rule)
                 else rule.contributions.values())
    for template in templates:
        for node in ast.walk(template) if template is not None else ():
            value = rule.function.__globals__.get(getattr(node, "id", None))
            if callable(value) and (getattr(value, "__module__", "") or "").startswith("srcgrad."):
                found[node.id] = value
    return found


def test_every_helper_of_generated_code_is_exported_by_srcgrad_runtime():
    """Whatever generated code may call of srcgrad's (the helpers in a rule's
    cotangent or tangent, the replacements, the updates of calls that write)
    is `srcgrad.runtime`'s, under the function's own name."""
    needed = {}
    for rule in [*registry.RULES.values(), *tangents.TANGENTS.values()]:
        needed.update(_srcgrad_helpers(rule))
    for impl in registry.replacements():
        needed[impl.__name__] = impl
    needed["scatter_add"] = registry.written_argument(np.add.at, [], []).update
    missing = sorted(name for name, fn in needed.items()
                     if getattr(runtime, name, None) is not fn or fn.__name__ != name)
    assert not missing
    assert set(needed) <= set(runtime.__all__)
    assert all(callable(getattr(runtime, name)) for name in runtime.__all__)


def test_the_runtime_never_imports_the_rules():
    for path in Path(runtime.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert "rules" not in (node.module or ""), f"{path.name} imports {node.module}"
            elif isinstance(node, ast.Import):
                assert not any("rules" in a.name for a in node.names), path.name


def test_accumulate_adds_as_plus_in_the_type_plus_gives():
    """`accumulate(total, term)` is `total + term`: the same type and value,
    reordered only among the floats of one loop (`runtime/sums.py`)."""
    import numba

    from srcgrad.runtime import accumulate

    @numba.njit
    def total(x, start):
        s = start
        for v in x:
            s = accumulate(s, v)
        return s

    x64 = np.arange(1.0, 101.0)
    assert total(x64, 0.0) == 5050.0
    assert total(np.arange(1, 101), 0) == 5050  # integers: plain addition
    assert total(np.arange(1, 101, dtype=np.float32), np.float32(0)) == 5050.0
    assert total(np.arange(1, 101, dtype=np.float32), 0.0) == 5050.0  # float32 terms, float64 sum
    assert total.nopython_signatures[2].return_type == numba.float32
    assert total.nopython_signatures[3].return_type == numba.float64
    assert accumulate(2.0, 0.5) == 2.5
