"""The tangent rules, each checked alone, on every row of the rule table.

For each row (float64) whose primitive has a tangent (an explicit
`@tangent` rule, a `linear`/`multilinear` declaration, or one derived from
an elementwise adjoint rule), the tangent expression that forward mode
writes (`tangent/rules.py`, `tangent_expression`, on a statement calling the
row's primitive) is evaluated in Python along a random direction `v` of the
differentiable inputs, and checked:

1. against central finite differences: `<u, J v>` for a random `u`;
2. against the adjoint rule (the pairing of the two rules):
   `<u, J v> == <J^T u, v>`, `J^T u` from the adjoint rule called directly;
3. shaped like the result (a tangent has its primal's shape).

Rows of primitives with no tangent rule (none now: `test_counts`) would be
skipped, named in the skip reason: forward mode refuses them
(`NoTangentError`) and `sg.jvp` falls back.
"""

from __future__ import annotations

import ast
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from rule_table import ROWS, Const, Derived, Real, Seq

from srcgrad import ir, runtime
from srcgrad.analysis.operations import operation
from srcgrad.rules import registry, tangents
from srcgrad.tangent import NoTangentError
from srcgrad.tangent.rules import tangent_expression

sys.path.insert(0, str(Path(__file__).parents[1] / "rules"))
from test_rules import Case, _pairs  # noqa: E402  (the rule table's drawing of arguments)

ORIGIN = ir.Origin("rule_table.py", 1, "y = f(...)")


def kind(primal) -> str:
    """How forward mode differentiates `primal`."""
    if tangents.lookup_tangent(primal) is not None:
        return "explicit"
    if tangents.lookup_linear(primal) is not None:
        return "linear"
    rule = registry.lookup(primal)
    return "elementwise" if rule is not None and rule.elementwise else "missing"


def tangent_of(case: Case):
    """J v for the case's direction, as forward mode computes it; None where
    the primitive has no tangent."""
    namespace: dict[str, object] = {"primal": case.row.primal, "ans": case.ans, "np": np}
    args, keywords, varied = [], [], set()

    def atom(name: str, spec, value, direction) -> ast.expr:
        if isinstance(spec, Seq):
            return ast.Tuple([atom(f"{name}_{k}", s, v, d) for k, (s, v, d) in
                              enumerate(zip(spec.specs, value, direction or [None] * len(value)))],
                             ast.Load())
        if isinstance(spec, Const) and _literal(value):
            return ast.Constant(value)
        if isinstance(spec, Const) and isinstance(value, type):
            return ast.Attribute(ast.Name("np", ast.Load()), value.__name__, ast.Load())
        namespace[name] = value
        if isinstance(spec, Real) and not isinstance(spec, Derived):
            namespace["d_" + name] = direction
            varied.add(name)
        return ast.Name(name, ast.Load())

    passed = case.rule.signature.bind(*case.row.args, **case.row.kwargs).arguments
    for k, name in enumerate(case.rule.params):
        if name not in passed:
            continue
        node = atom(name, case.specs[name], case.values[name], case.directions[name])
        param = case.rule.signature.parameters[name]
        if param.kind is param.KEYWORD_ONLY or keywords or k > len(args):
            keywords.append(ast.keyword(name, node))
        else:
            args.append(node)
    call = ast.Call(ast.Name("primal", ast.Load()), args, keywords)
    stmt = ir.Assign(ORIGIN, "ans", call, primitive=case.row.primal)
    helpers: dict[str, object] = {}
    tangent = tangent_expression(stmt, operation(stmt), lambda n: "d_" + n if n in varied
                                 else None, helpers)
    if tangent is None:
        return np.zeros_like(np.asarray(case.ans, np.float64))
    namespace.update({n: getattr(runtime, n) for n in runtime.__all__})
    namespace.update(case.rule.function.__globals__)
    namespace.update(helpers)
    expr = ast.Expression(tangent.expr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value = eval(compile(ast.fix_missing_locations(expr), "<tangent>", "eval"), namespace)
    if tangent.fit:
        value = runtime.broadcast_like(value, case.ans)
    return value


def _literal(value) -> bool:
    if isinstance(value, tuple):
        return all(_literal(v) for v in value)
    return value is None or isinstance(value, (bool, int, float, str))


PAIRED = [pytest.param(row, id=row.id) for row in ROWS]


@pytest.mark.parametrize("row", PAIRED)
def test_tangent(row):
    if kind(row.primal) == "missing":
        pytest.skip(f"no tangent rule for {row.id}: forward mode refuses it, sg.jvp falls back")
    case = Case(row, np.float64)
    try:
        jv = tangent_of(case)
    except NoTangentError as exc:  # a parameter the rule does not cover varies here
        pytest.skip(str(exc))
    assert np.shape(jv) == np.shape(case.ans), "a tangent is shaped like its result"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        forward = float(np.sum(np.asarray(case.u, np.float64) * np.asarray(jv, np.float64)))
        fd = case.finite_difference(1e-2 if row.lossy else 1e-4)
        cts = case.cotangents()
    reverse, scale = 0.0, abs(forward)
    for name in case.rule.params:
        for _, v, ct in _pairs(case.values[name], case.directions[name], cts[name]):
            if ct is not None:
                terms = np.asarray(ct, np.float64) * v
                reverse += float(np.sum(terms))
                scale += float(np.sum(np.abs(terms)))
    rtol = 1e-3 if row.lossy else 1e-7
    assert abs(forward - fd) <= rtol * (scale + abs(fd)) + 1e-10, \
        f"tangent <u, J v> = {forward!r} but finite differences give {fd!r}"
    assert abs(forward - reverse) <= 1e-10 * (scale + 1.0), \
        f"tangent <u, J v> = {forward!r} but the adjoint rule's <J^T u, v> = {reverse!r}"


# rules srcgrad ships with an adjoint and no tangent, and why (forward mode refuses
# their calls, sg.jvp falls back): none
NO_TANGENT: dict[str, str] = {}


def _name(primal) -> str:
    return f"{getattr(primal, '__module__', '?')}.{getattr(primal, '__qualname__', primal)}"


def test_counts():
    """Every rule srcgrad ships with an adjoint has a tangent: derived from an
    elementwise adjoint, declared linear or multilinear, or explicit; none is
    missing but those `NO_TANGENT` names.  (A rule a test registers for its
    own function, `Rule.shipped` False, is left out: it may have none.)"""
    rules = {}
    for key, rule in registry.RULES.items():
        if rule.shipped:
            rules.setdefault(id(rule), registry._PRIMALS[key])
    kinds = {_name(primal): kind(primal) for primal in rules.values()}
    counts = {k: list(kinds.values()).count(k)
              for k in ("elementwise", "linear", "explicit", "missing")}
    assert sum(counts.values()) == len(rules)
    assert sorted(n for n, k in kinds.items() if k == "missing") == sorted(NO_TANGENT)
    # (118, 110 and 52 when the last missing ones got theirs)
    assert counts["elementwise"] >= 118 and counts["linear"] >= 110 and counts["explicit"] >= 52
