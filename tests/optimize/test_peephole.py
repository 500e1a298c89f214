"""The peephole stage alone, on hand-built IR (`optimize/ranks.py`,
`optimize/peephole.py`, `optimize/names.py`).

Each rewritten body is printed and run next to the body as it was, on the
same inputs: the oracle is the code before the rewrite (same values, up to
the rounding of a sum taken in another order), and the text shows that the
noise is gone, or stays where shapes are unknown.
"""

from __future__ import annotations

import ast
import math

import numpy as np
import pytest

from srcgrad import ir, runtime
from srcgrad.backend.emit import emit_function
from srcgrad.ir.naming import Namer
from srcgrad.optimize.cleanup import cleanup
from srcgrad.optimize.names import derive_names, rename_temporaries
from srcgrad.optimize.peephole import peephole
from srcgrad.optimize.ranks import Ranks
from srcgrad.optimize.stacks import create_where_used

ORIGIN = ir.Origin("model.py", 1, "")
HELPERS = {name: getattr(runtime, name) for name in runtime.__all__}


def build(source: str) -> list[ir.Stmt]:
    """IR statements for simple Python statements (assignments, `+=`,
    `for ... in range(...)`, `if name:`)."""
    return [_statement(s) for s in ast.parse(source).body]


def _statement(node: ast.stmt) -> ir.Stmt:
    if isinstance(node, ast.Assign):
        return ir.Assign(ORIGIN, node.targets[0].id, node.value)
    if isinstance(node, ast.AugAssign):
        node.target.ctx = ast.Load()
        return ir.Accumulate(ORIGIN, node.target, node.value)
    if isinstance(node, ast.For):
        args = node.iter.args
        start, stop = (ast.Constant(0), args[0]) if len(args) == 1 else args[:2]
        return ir.For(ORIGIN, node.target.id, start, stop, ast.Constant(1),
                      [_statement(s) for s in node.body])
    if isinstance(node, ast.If):
        return ir.If(ORIGIN, node.test.id, [_statement(s) for s in node.body],
                     [_statement(s) for s in node.orelse])
    raise TypeError(node)


def optimized(source: str, params: list[str], returns: str, typed: bool = False,
              temps: frozenset[str] = frozenset()) -> str:
    body = build(source)
    result = ast.parse(returns, mode="eval").body
    inlinable = set(temps) | {n for n in _names(body) if n.startswith(("_t", "b_t"))}
    ranks = Ranks(body, params, HELPERS, typed)
    body = cleanup(body, result, set(), inlinable, typed)
    if peephole(body, result, ranks, inlinable, typed):
        body = cleanup(body, result, set(), inlinable, typed)
    return emit_function("f", params, body, result)


def plain(source: str, params: list[str], returns: str) -> str:
    return emit_function("f", params, build(source), ast.parse(returns, mode="eval").body)


def run(text: str, *args):
    namespace = {"math": math, "np": np, **HELPERS}
    exec(text, namespace)
    return namespace["f"](*[np.copy(a) if isinstance(a, np.ndarray) else a for a in args])


def _names(body):
    return {s.target for s in ir.walk(body) if isinstance(s, ir.Assign)}


def _body(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines()[1:])


RENEWAL = """
bs = seed(None, s)
bx = zeros_like(x)
for i in range(n):
    b_t7 = bs
    bs = new_cotangent(b_t7, s)
    b_t6 = b_t7
    bx[i] += unbroadcast(b_t6 * 2.0, bx[i])
    bx[i] += unbroadcast(b_t6 * 3.0, bx[i])
"""


@pytest.mark.parametrize("shape", [(5,), (5, 3)])
def test_renewal_of_a_scalar_cotangent_and_its_updates(shape):
    """`s` is a float: the copy-and-renew pair and the unbroadcasts go, and
    the two updates of `bx[i]` become one; the values stay, rows included."""
    source = "s = 0.0\n" + RENEWAL
    text = optimized(source, ["x", "n"], "bx")
    body = _body(text)
    assert "new_cotangent" not in body and "unbroadcast" not in body and "b_t7" not in body
    assert body.count("bx[i] +=") == 1
    x = np.random.default_rng(0).normal(size=shape)
    np.testing.assert_allclose(run(text, x, 5), run(plain(source, ["x", "n"], "bx"), x, 5))


def test_unknown_rank_keeps_the_helpers():
    """`s` is a parameter: it may be an array, so nothing is dropped."""
    text = optimized(RENEWAL, ["x", "n", "s"], "bx")
    assert "new_cotangent(" in text and text.count("unbroadcast(") == 2


def test_unbroadcast_stays_where_shapes_may_differ():
    source = "bx = zeros_like(x)\nbx += unbroadcast(g * w, bx)\n"
    text = optimized(source, ["x", "g", "w"], "bx")
    assert "unbroadcast(g * w, bx)" in text
    x, g, w = np.zeros(3), np.ones((2, 3)), np.arange(3.0)
    np.testing.assert_allclose(run(text, x, g, w), 2 * w)  # g summed over its rows


def test_same_shape_unbroadcast_goes():
    """`g` has the shape of `x[i]` (a scalar times it): no unbroadcast."""
    source = ("bx = zeros_like(x)\nfor i in range(n):\n"
              "    bx[i] += unbroadcast(2.0 * x[i], bx[i])\n")
    text = optimized(source, ["x", "n"], "bx")
    assert "unbroadcast" not in text
    x = np.random.default_rng(1).normal(size=(4, 2))
    np.testing.assert_allclose(run(text, x, 4), 2 * x)


def test_rank_facts_loop_carried_scalar():
    body = build("s = 0.0\nfor i in range(n):\n    s = s * 2.0 + 1.0\nt = 0.0\n"
                 "for i in range(n):\n    t = t + x\n")
    ranks = Ranks(body, ["x", "n"], HELPERS, typed=False)
    assert {"s", "i"} <= ranks.scalars and "t" not in ranks.scalars


def test_typed_rank_facts():
    """Compiled, a variable has one type: `t` starts as a float, so the `x`
    added to it is one too; a `math` function's argument is a scalar."""
    body = build("t = 0.0\nfor i in range(n):\n    t = t + x[i]\ny = math.sin(z)\n")
    typed = Ranks(body, ["x", "n", "z"], HELPERS, typed=True)
    untyped = Ranks(body, ["x", "n", "z"], HELPERS, typed=False)
    assert {"t", "z"} <= typed.scalars
    assert typed.scalar(ast.parse("x[i]", mode="eval").body)
    assert not {"t", "z"} & untyped.scalars
    assert not untyped.scalar(ast.parse("x[i]", mode="eval").body)


def test_template_leftovers():
    """`-(-(a / b) * 1.0 / b * c)` is `a / b / b * c`, bit for bit, and
    `math.log(2.718281828459045)` is 1.0."""
    source = "r = -(-(a / b) * 1.0 / b * c) * math.log(2.718281828459045)\nq = u + -v * w\n"
    text = optimized(source, ["a", "b", "c", "u", "v", "w"], "(r, q)")
    assert "r = a / b / b * c" in text and "q = u - v * w" in text
    args = tuple(np.random.default_rng(2).normal(size=6))
    assert run(text, *args) == run(plain(source, ["a", "b", "c", "u", "v", "w"], "(r, q)"), *args)


def test_updates_stay_apart_when_read_between():
    source = "bx = 0.0\nbx += a\ny = bx * 2.0\nbx += b\n"
    text = optimized(source, ["a", "b"], "(bx, y)")
    assert text.count("bx +=") + text.count("bx = ") >= 2
    assert run(text, 1.5, 2.5) == (4.0, 3.0)


def test_scalar_first_assignment_absorbs_an_update():
    source = "bk = 0.0\nbk += math.sin(a) * 2.0\nbk += math.cos(a)\n"
    text = optimized(source, ["a"], "bk")
    assert _body(text).count("bk") == 2  # `bk = ...` and `return bk`
    assert run(text, 1.5) == pytest.approx(2 * math.sin(1.5) + math.cos(1.5), rel=1e-15)


def test_names_from_expressions():
    body = build("_t1 = x[i]\n_t2 = _t1 * w\n_t3 = np.sin(_t2)\ny = _t3 + _t2\n"
                 "b_t2 = y * 2.0\nr = b_t2 + _t1\n")
    bases = derive_names(body, {"_t1", "_t2", "_t3"})
    assert bases == {"_t1": "x_i", "_t2": "x_i_times_w", "_t3": "sin_x_i_times_w"}
    namer = Namer({"x", "i", "w", "y", "r", "np", "x_i"})  # a user's `x_i` is taken
    returns = rename_temporaries(body, ast.parse("r", mode="eval").body, bases, {"b_t2"}, namer)
    text = emit_function("f", ["x", "i", "w"], body, returns)
    assert "x_i_2 = x[i]" in text and "x_i_times_w = x_i_2 * w" in text
    assert "b_x_i_times_w = y * 2.0" in text
    x = np.arange(3.0)
    namespace = {"np": np}
    exec(text, namespace)
    want = 2 * (np.sin(x[1] * 0.5) + x[1] * 0.5) + x[1]
    assert namespace["f"](x, 1, 0.5) == want


def test_copy_read_through_an_update_of_its_elements():
    """`b_t1 = bx` then `b_t1[0] += ...`: the update goes to `bx` itself."""
    source = "bx = zeros_like(x)\nb_t1 = bx\nb_t1[0] += 2.0\ny = b_t1 * 3.0\n"
    text = optimized(source, ["x"], "(bx, y)")
    assert "b_t1" not in text and "bx[0] += 2.0" in text
    got, want = run(text, np.ones(3)), run(plain(source, ["x"], "(bx, y)"), np.ones(3))
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def test_ranks_reach_their_fixpoint():
    """`k = r / theta` is a vector once `theta` is known a number, `k[1]` a
    number once `k` is a vector, and `np.array([k[1] * x[2], ...])` (the
    front end's `stack` of numbers) a vector once its parts are numbers:
    three rounds of a fact feeding the other, as in GradBench ba's rotate."""
    body = build("theta = math.sqrt(r[0] * r[0] + r[1] * r[1])\nk = r / theta\n"
                 "c = stack((k[1] * x[0], k[0] * x[1]))\ny = c * k\n")
    ranks = Ranks(body, ["r", "x"], HELPERS, typed=True,
                  numbers={"r": "a1f", "x": "a1f"})
    assert ranks.array_ndim(ast.Name("c", ast.Load())) == 1
    assert ranks.array_ndim(ast.Name("y", ast.Load())) == 1


def test_stacked_number_cotangent_is_an_element():
    """The cotangent of the k-th number stacked into a vector is `g[k]`, and
    the parts, read only for their shapes, are not computed again."""
    source = ("theta = math.sqrt(r[0] * r[0] + r[1] * r[1])\nk = r / theta\n"
              "_t1 = k[1] * x[0]\n_t2 = k[0] * x[1]\nc = stack((_t1, _t2))\n"
              "g = c * k\nb0 = stack_part(g, (_t1, _t2), 0, 0)\n"
              "b1 = stack_part(g, (_t1, _t2), 0, 1)\n")
    params = ["r", "x"]
    body = build(source)
    result = ast.parse("(b0, b1)", mode="eval").body
    ranks = Ranks(body, params, HELPERS, True, numbers={"r": "a1f", "x": "a1f"})
    body = cleanup(body, result, set(), {"_t1", "_t2"}, True)
    assert peephole(body, result, ranks, {"_t1", "_t2"}, True)
    text = emit_function("f", params, body, result)
    assert "stack_part" not in text and "b0 = g[0]" in text and "b1 = g[1]" in text
    r, x = np.array([0.3, -1.2]), np.array([2.0, 0.5])
    assert run(text, r, x) == run(plain(source, params, "(b0, b1)"), r, x)


def test_infinite_constant_has_no_name():
    """A temporary computed from `inf` (a huge literal, or what a nan constant
    prints as) gets no name of a whole number: naming it read `int(inf)`."""
    assert derive_names(build("_t1 = x * 1e309\ny = _t1 + 1.0\n"), {"_t1"}) == {}
    assert derive_names(build("_t1 = x * 3.0\ny = _t1 + 1.0\n"), {"_t1"}) == {"_t1": "x_times_3"}


def test_a_name_is_made_where_it_is_used_unless_returned():
    """`optimize/stacks.create_where_used`: `s_top = 0` used only under the
    `else:` of two ifs on `c` moves there; `t = 0.0`, used there too but
    returned, stays (it needs a value on every path)."""
    source = ("s_top = 0\nt = 0.0\nc = x > 0.0\nif c:\n    y = x\nelse:\n    s_top += 1\n"
              "    t += x\nif c:\n    z = 1.0\nelse:\n    s_top += 1\n    z = s_top * 2.0\n")
    body = build(source)
    returns = ast.parse("(z, t)", mode="eval").body
    assert create_where_used(body, returns)
    text = emit_function("f", ["x"], body, returns)
    lines = text.splitlines()
    assert "    s_top = 0" not in lines and "        s_top = 0" in lines
    assert "    t = 0.0" in lines
    for x in (1.5, -1.5):
        assert run(text, x) == run(plain(source, ["x"], "(z, t)"), x)
