"""The differential fuzzer's random programs (`fuzzgen.py`) through `sg.jvp`
and `sg.hvp` on "python", each checked against central differences of the
original program in float64 (its `sg.stop_gradient` values replayed as
constants, as `test_fuzz.py` does) and the jvp against reverse mode
(`<u, J v> == <J^T u, v>`); the tangent function in three lanes (vector
mode) against the jvp along each lane's tangent.

A draw is skipped where `test_fuzz.py` would skip it (the forward pass
leaves the safe domain; differences of two step sizes disagree: a branch or
loop switch is near), and where the reverse mode itself refuses the program
(an `sg.SrcGradError`), but for the comparison of forward mode with the
differences: forward mode, which saves nothing, may accept more; where it
refuses a program, reverse mode must refuse it too.

`--fuzz=N` (conftest.py) sets how many seeds; by default `DEFAULT` of them.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
from fuzzgen import generate
from gradcheck import numerical_hvp
from test_fuzz import Skip, _check_domain, _numeric_guard, load, oracle_function

import srcgrad as sg
from srcgrad.api.calls import as_differentiable
from srcgrad.api.derived import _plain
from srcgrad.api.jvp import _tangent_alone
from srcgrad.api.tangent import _as_tangent

DEFAULT = 40  # (seeds 0-379 passed when forward mode was written: --fuzz=380)


def pytest_generate_tests(metafunc):
    if "jvp_seed" in metafunc.fixturenames:
        count = metafunc.config.getoption("fuzz") or DEFAULT
        start = metafunc.config.getoption("fuzz_start")
        metafunc.parametrize("jvp_seed", range(start, start + count),
                             ids=[f"seed{s}" for s in range(start, start + count)])


@pytest.fixture(scope="session")
def fuzz_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz_jvp")


def _outputs(value) -> list:
    return list(value) if isinstance(value, tuple) else [value]


def _directional(frozen, args, wrt, tangents, eps):
    plus, minus = list(copy.deepcopy(args)), list(copy.deepcopy(args))
    for k, t in zip(wrt, tangents):
        plus[k] = plus[k] + eps * t
        minus[k] = minus[k] - eps * t
    return [(np.asarray(a, np.float64) - np.asarray(b, np.float64)) / (2 * eps)
            for a, b in zip(_outputs(frozen(*plus)), _outputs(frozen(*minus)))]


def _close(a, b, rtol, atol) -> bool:
    return all(np.allclose(np.asarray(x, np.float64), y, rtol=rtol, atol=atol)
               for x, y in zip(a, b))


def _check_lanes(fn, program, k, first, rng) -> None:
    """Vector forward mode (srcgrad/tangent/lanes.py): three tangents along
    `args[k]` in one sweep, each lane against `sg.jvp` along that tangent alone."""
    args = program.make_args()
    alone = _tangent_alone(fn, k, "python")
    if alone is None or not _plain(args):
        return
    laned = alone.laned(3)
    values = list(args)
    values[k] = as_differentiable(values[k])
    directions = [first] + [rng.standard_normal(np.shape(args[k])) if np.ndim(args[k])
                            else float(rng.standard_normal()) for _ in range(2)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lanes = laned.implementation()(*values, *[_as_tangent(d, values[k])
                                                  for d in directions])
        for lane, direction in zip(lanes, directions):
            full = tuple(direction if j == k else None for j in range(len(args)))
            _, one = sg.jvp(fn, wrt=k, target="python")(program.make_args(), full)
            for got, want in zip(_outputs(lane), _outputs(one)):
                want = np.asarray(want, np.float64)
                got = np.broadcast_to(np.asarray(got, np.float64), want.shape)
                assert np.allclose(got, want, rtol=1e-12, atol=1e-12 * max(
                    1.0, float(np.max(np.abs(want), initial=0)))), \
                    f"lane {got} != jvp {want}\n{program.source}"


def test_fuzz_jvp(jvp_seed, fuzz_dir):
    program = generate(jvp_seed)
    if program.globals_rebound:
        pytest.skip("rebinds module globals (test_fuzz.py checks that)")
    module, oracle, tape, _ = load(program, fuzz_dir)
    for name, value in program.globals_initial.items():
        setattr(module, name, copy.deepcopy(value))
        setattr(oracle, name, copy.deepcopy(value))
    fn = getattr(module, program.fn_name)
    wrt = list(program.wrt_positions)
    args = program.make_args()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tape.values, tape.replaying, tape.position = [], False, 0
            with _numeric_guard():
                base = getattr(oracle, program.fn_name)(*copy.deepcopy(args))
            _check_domain(base, "the output")
            frozen = oracle_function(program, oracle, tape)
            rng = np.random.default_rng(jvp_seed)
            tangents = [rng.standard_normal(np.shape(args[k])) if np.ndim(args[k])
                        else float(rng.standard_normal()) for k in wrt]
            coarse = _directional(frozen, args, wrt, tangents, 1e-5)
            fine = _directional(frozen, args, wrt, tangents, 1e-7)
            if not _close(coarse, fine, 1e-4, 1e-6):
                raise Skip("differences of two step sizes disagree: a switch is near")
    except Skip as exc:
        pytest.skip(str(exc))

    full = tuple(tangents[wrt.index(k)] if k in wrt else None for k in range(len(args)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value, tangent = sg.jvp(fn, wrt=wrt[0], target="python")(program.make_args(), full)
        except sg.SrcGradError as exc:
            # refused: only where the rest of srcgrad refuses it too
            with pytest.raises(sg.SrcGradError):
                sg.grad(fn, wrt=tuple(wrt), target="python")(*program.make_args())
            pytest.skip(f"refused: {exc}")
    want = _directional(frozen, args, wrt, tangents, 1e-6)
    dots = _outputs(tangent)
    scale = max([1.0] + [float(np.max(np.abs(w), initial=0)) for w in want])
    assert _close(dots, want, 1e-5, 1e-6 * scale), \
        f"jvp {dots} != differences {want}\n{program.source}"

    gradient = sg.grad(fn, wrt=tuple(wrt), target="python", unconnected_gradients="zero")
    u = [rng.standard_normal(np.shape(o)) if np.ndim(o) else float(rng.standard_normal())
         for o in _outputs(base)]
    try:
        grads = gradient(*program.make_args(), grad_ys=tuple(u) if isinstance(base, tuple)
                         else u[0])
    except sg.SrcGradError as exc:  # (forward mode, which saves nothing, may take more)
        pytest.skip(f"reverse mode refuses it: {exc}")
    lhs = sum(float(np.sum(a * np.asarray(d, np.float64))) for a, d in zip(u, dots))
    rhs = sum(float(np.sum(np.asarray(g, np.float64) * t))
              for g, t in zip(_outputs(grads), tangents))
    assert abs(lhs - rhs) <= 1e-8 * max(1.0, abs(lhs), abs(rhs)), \
        f"<u, J v> = {lhs} but <J^T u, v> = {rhs}\n{program.source}"

    _check_lanes(fn, program, wrt[0], tangents[0], rng)

    # second order: the hvp of the first output's sum, forward over reverse
    if len(_outputs(base)) != 1 or program.uses_stop_gradient:
        return
    k = wrt[0]

    def along_k(x):
        values = [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]
        values[k] = np.copy(x) if isinstance(x, np.ndarray) else x
        return frozen(*values)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            got = sg.hvp(fn, wrt=k, target="python")(*program.make_args(), tangents[0])
        except sg.SrcGradError as exc:  # reverse over reverse refuses it too, then
            pytest.skip(f"second order refused: {exc}")
        second = numerical_hvp(along_k, (args[k],), 0, {0: tangents[0]}, eps=1e-4)
        second_fine = numerical_hvp(along_k, (args[k],), 0, {0: tangents[0]}, eps=3e-4)
    if not np.allclose(second, second_fine, rtol=1e-3, atol=1e-5):
        return  # second differences unstable here
    assert np.allclose(got, second, rtol=1e-3, atol=1e-5 * max(1.0, np.abs(second).max())), \
        f"hvp {got} != second differences {second}\n{program.source}"
