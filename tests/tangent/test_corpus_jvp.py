"""Every row of the corpus (`functions.py`) through `sg.jvp`: the tangent
along random directions of the `wrt` parameters, checked against central
finite differences of the original function in float64, and against the
reverse-mode gradient (`<e_i, J v>` against `(J^T e_i) . v`, `e_i` each
basis vector of a small output, random vectors for a large one).

Rows whose gradient is not the plain derivative of `fn` (a local variable in
`wrt`, `stop_gradients`, an oracle) have no jvp to compare and are left out.
Every row must run in forward mode (the generated tangent function), but
those listed in `FALLBACK`, which `sg.jvp` answers by the transpose of the
adjoint, as its docstring says it does."""

from __future__ import annotations

import copy
import inspect

import numpy as np
import pytest
from functions import CASES

import srcgrad as sg
from srcgrad.api.tangent import TangentFunction

EPS = 1e-6

# rows forward mode does not differentiate, and why (sg.jvp falls back for them)
FALLBACK: dict[str, str] = {}


def positions(case) -> list[int] | None:
    params = list(inspect.signature(case.fn).parameters)
    out = []
    for entry in case.wrt_tuple:
        if isinstance(entry, int):
            out.append(entry)
        elif entry in params:
            out.append(params.index(entry))
        else:
            return None  # a local variable
    return out


def eligible(case) -> bool:
    return (case.oracle is None and "stop_gradients" not in case.options
            and "stop_gradient" not in inspect.getsource(case.fn)
            and positions(case) is not None)


JVP_CASES = [c for c in CASES if eligible(c)]
PYTHON = [pytest.param(c, id=c.id) for c in JVP_CASES]
# compile time matters on "cpu": a representative subset, one row of each construct family
CPU_IDS = ("add_sub", "row_broadcast", "mat_vec", "quadratic_form", "np_where", "sum_axis0",
           "max_min_axis", "prod_axis", "norm_vector", "np_concatenate", "if_elif_else-if",
           "while_newton_sqrt", "for_break", "write_slice", "slice_shift_write",
           "helper_returns_tuple", "tuple_output_arrays", "float32_scalar_loop",
           "float32_matvec", "rk4_step", "log_sum_exp", "mlp_loss")
CPU = [pytest.param(c, id=c.id) for c in JVP_CASES if c.id in CPU_IDS]


def _copy(args):
    return [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]


def _float(value):
    if isinstance(value, np.ndarray):
        return value.astype(np.float64)
    if isinstance(value, (int, float, np.integer, np.floating, bool, np.bool_)):
        return float(value)
    return value


def _outputs(out):
    return list(out) if isinstance(out, tuple) else [out]


def directional_difference(fn, args, wrt, tangents):
    """Central differences of fn along the tangents of the `wrt` arguments, in float64."""
    plus, minus = list(args), list(args)
    for k, t in zip(wrt, tangents):
        x = _float(args[k])
        plus[k] = x + EPS * t
        minus[k] = x - EPS * t
    hi, lo = _outputs(fn(*_copy(plus))), _outputs(fn(*_copy(minus)))
    return [(np.asarray(a, np.float64) - np.asarray(b, np.float64)) / (2 * EPS)
            for a, b in zip(hi, lo)]


def random_tangents(args, wrt, rng):
    return [rng.standard_normal(np.shape(args[k])) if np.ndim(args[k]) else
            float(rng.standard_normal()) for k in wrt]


def run_jvp(case, target):
    args = case.make_args()
    snapshot = copy.deepcopy(args)
    wrt = positions(case)
    rng = np.random.default_rng(1)
    tangents = random_tangents(args, wrt, rng)
    full = [None] * len(args)
    for k, t in zip(wrt, tangents):
        full[k] = t
    jvp = sg.jvp(case.fn, wrt=wrt[0], target=target)
    value, tangent = jvp(tuple(args), tuple(full))
    for now, before in zip(args, snapshot):  # jvp never writes into its arguments
        if isinstance(before, np.ndarray):
            assert np.array_equal(now, before)
    return args, snapshot, wrt, tangents, jvp, value, tangent


@pytest.mark.parametrize("case", PYTHON)
def test_jvp_python(case):
    check(case, "python")


@pytest.mark.parametrize("case", CPU)
def test_jvp_cpu(case):
    check(case, "cpu")


def check(case, target):
    args, snapshot, wrt, tangents, jvp, value, tangent = run_jvp(case, target)
    forward = isinstance(jvp.generated, TangentFunction)
    if case.id in FALLBACK:
        assert not forward, f"{case.id} runs in forward mode now: take it off FALLBACK"
    else:
        assert forward, f"{case.id}: sg.jvp fell back to the transpose of the adjoint"
    values, dots = _outputs(value), _outputs(tangent)
    want_values = _outputs(case.fn(*_copy(snapshot)))
    assert len(values) == len(dots) == len(want_values)
    for got, want, dot in zip(values, want_values, dots):
        assert np.shape(got) == np.shape(want)
        single = np.result_type(want) == np.float32  # Numba's float32 math rounds otherwise
        np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(want, np.float64),
                                   rtol=1e-6 if single else 1e-10, atol=1e-12)
        assert np.shape(dot) == np.shape(want), "a tangent is shaped like its output"
        # a tangent has its output's dtype (under Numba a float32 scalar that a loop
        # carries may come back float64, the value and its tangent alike)
        dtype = np.result_type(want if target == "python" else got)
        if np.issubdtype(dtype, np.floating):
            assert np.result_type(dot) == dtype, "a tangent has its output's dtype"

    # against central differences of the original function
    for dot, fd in zip(dots, directional_difference(case.fn, snapshot, wrt, tangents)):
        np.testing.assert_allclose(np.asarray(dot, np.float64), fd, rtol=max(case.rtol, 1e-5),
                                   atol=max(case.atol, 1e-6) * max(1.0, np.abs(fd).max(initial=0)))

    # against reverse mode: <u, J v> == <J^T u, v>
    gradient = sg.grad(case.fn, wrt=tuple(wrt), target="python", unconnected_gradients="zero")
    rng = np.random.default_rng(2)
    single = all(np.result_type(a) == np.float32 for k, a in enumerate(snapshot) if k in wrt)
    tolerance = 1e-5 if single else 1e-8  # float32 tangents round at about 1e-7
    sizes = [int(np.prod(np.shape(w))) for w in want_values]
    for u in _cotangents(want_values, sizes, rng):
        seeds = u[0] if len(u) == 1 and not isinstance(value, tuple) else tuple(u)
        grads = gradient(*_copy(snapshot), grad_ys=seeds)
        lhs = sum(float(np.sum(np.asarray(ui) * np.asarray(d, np.float64)))
                  for ui, d in zip(u, dots))
        rhs = sum(float(np.sum(np.asarray(g, np.float64) * t)) for g, t in zip(grads, tangents))
        scale = max(1.0, abs(lhs), abs(rhs))
        assert abs(lhs - rhs) <= tolerance * scale, f"<u, J v> = {lhs} but <J^T u, v> = {rhs}"


def _cotangents(outputs, sizes, rng):
    """Basis vectors of a small output (one output at a time), random vectors otherwise."""
    if sum(sizes) <= 6:
        for j, w in enumerate(outputs):
            for i in range(sizes[j]):
                u = [np.zeros(np.shape(o)) if np.ndim(o) else 0.0 for o in outputs]
                if np.ndim(w):
                    u[j] = u[j].copy()
                    u[j].reshape(-1)[i] = 1.0
                else:
                    u[j] = 1.0
                yield u
        return
    for _ in range(2):
        yield [rng.standard_normal(np.shape(o)) if np.ndim(o) else float(rng.standard_normal())
               for o in outputs]
