"""Derivatives of higher order: `python -m bench.higher`.

1. The cost of a Hessian-vector product (`sg.hvp`, forward over reverse)
   relative to the gradient, side by side in one process, on loop cases
   (the literature's bound: a small constant, about 2-4), called from
   Python and called from an @njit loop.
2. The full Hessian of the 100-dimensional Rosenbrock function written as a
   loop: `sg.hessian` against JAX's `jax.jit(jax.hessian(f))` (the same
   function written with `jnp` array operations, as a JAX user writes it).
3. Forward mode: `sg.jvp` against the `numba.njit` primal on the loop cases
   of 1., called from Python and called from an @njit loop, and forward-mode Jacobians (`sg.jacobian(mode="forward")`) in
   vector mode (8 tangents per sweep, `srcgrad/tangent/lanes.py`) against
   the same Jacobian one tangent per sweep, side by side in one process.

Prints a table and writes `bench/results/higher.json`.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
from pathlib import Path

import numpy as np

import srcgrad as sg

from .cases import rosenbrock
from .timing import measure


def oscillator(x):
    energy = 0.0
    for i in range(x.shape[0]):
        y = x[i]
        v = 0.0
        for _ in range(50):
            v = v - 0.1 * math.sin(y)
            y = y + 0.1 * v
        energy += y * y + v * v
    return energy


def softplus_chain(x):
    y = x
    k = 0
    while k < 20:
        y = np.log1p(np.exp(y * 0.9 - 0.1))
        k += 1
    return np.sum(y * y)


CASES = [("Rosenbrock loop, 1000-D", rosenbrock, 1000),
         ("pendulum per element, 50 steps, 100-D", oscillator, 100),
         ("softplus chain (arrays, while), 1e4", softplus_chain, 10_000)]


def recurrence(x, a):
    """A filter's state written into an output array, read back shifted."""
    n = x.shape[0]
    y = np.zeros(n)
    acc = 0.0
    for i in range(n):
        acc = acc * a + np.sin(x[i]) * x[(i + 1) % n]
        y[i] = acc
    return y * np.tanh(x)


def pendulums(x):
    """Each element a pendulum stepped 50 times: a diagonal Jacobian."""
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        y = x[i]
        v = 0.0
        for _ in range(50):
            v = v - 0.1 * math.sin(y)
            y = y + 0.1 * v
        out[i] = y
    return out


def dense_layers(x, w):
    """Five tanh layers of one weight matrix."""
    h = x
    for _ in range(5):
        h = np.tanh(w @ h + 0.1)
    return h


JACOBIANS = [("recurrence with stores, 400 inputs", recurrence, lambda x: (x, 0.7), 400),
             ("pendulum per element, 100 inputs", pendulums, lambda x: (x,), 100),
             ("five tanh layers, 64 inputs", dense_layers,
              lambda x: (x, np.random.default_rng(2).normal(size=(64, 64)) / 8.0), 64)]


def _primal(f):
    import numba

    compiled = numba.njit(f)
    return lambda x, v: compiled(x)


def _jvp(f):
    jvp = sg.jvp(f)
    return lambda x, v: jvp((x,), (v,))


def _gradient(f):
    df = sg.grad(f)
    return lambda x, v: df(x)


def jvp_ratios(repeats: int, budget: float) -> list[dict]:
    return _ratios(repeats, budget, "primal", _primal, "jvp", _jvp)


CALLS_PER_LOOP = 200


def _in_a_loop(call):
    """`(x, v) -> seconds per call` of `call(x, v)` (a number) made
    `CALLS_PER_LOOP` times in an @njit loop: no Python between the calls."""
    import numba

    @numba.njit
    def loop(x, v, calls):
        total = 0.0
        for _ in range(calls):
            total += call(x, v)
        return total

    return loop


def _primal_in_njit(f):
    import numba

    compiled = numba.njit(f)
    return _in_a_loop(numba.njit(lambda x, v: compiled(x)))


def _jvp_in_njit(f):
    import numba

    jvp = sg.jvp(f)
    return _in_a_loop(numba.njit(lambda x, v: jvp((x,), (v,))[1]))


def _gradient_in_njit(f):
    import numba

    df = sg.grad(f)
    return _in_a_loop(numba.njit(lambda x, v: df(x)[0]))


def _hvp_in_njit(f):
    import numba

    hvp = sg.hvp(f)
    return _in_a_loop(numba.njit(lambda x, v: hvp(x, v)[0]))


def _per_call(rows: list[dict], base: str, derived: str) -> list[dict]:
    for row in rows:
        row[f"{base}_s"] /= CALLS_PER_LOOP
        row[f"{derived}_s"] /= CALLS_PER_LOOP
    return rows


def jvp_ratios_in_njit(repeats: int, budget: float) -> list[dict]:
    """jvp/primal with both called from @njit code (`CALLS_PER_LOOP` calls in
    a loop), where a call from Python costs as much as a short function."""
    return _per_call(_ratios(repeats, budget, "primal", _primal_in_njit, "jvp", _jvp_in_njit,
                             calls=CALLS_PER_LOOP), "primal", "jvp")


def hvp_ratios_in_njit(repeats: int, budget: float) -> list[dict]:
    """hvp/grad with both called from @njit code, as `jvp_ratios_in_njit`."""
    return _per_call(_ratios(repeats, budget, "grad", _gradient_in_njit, "hvp", _hvp_in_njit,
                             calls=CALLS_PER_LOOP), "grad", "hvp")


def _ratios(repeats: int, budget: float, base: str, make_base, derived: str,
            make_derived, calls: int | None = None) -> list[dict]:
    """Per loop case of `CASES`: the median times of `make_base(f)` and
    `make_derived(f)`, each called as `(x, v)` (as `(x, v, calls)` where
    `calls` is given), and their ratio."""
    rows = []
    for name, f, n in CASES:
        x = np.random.default_rng(0).uniform(-1.0, 1.0, n)
        v = np.random.default_rng(1).normal(size=n)
        first, second = make_base(f), make_derived(f)
        extra = () if calls is None else (calls,)
        b = measure(lambda: first(x, v, *extra), repeats, budget)  # noqa: B023
        d = measure(lambda: second(x, v, *extra), repeats, budget)  # noqa: B023
        rows.append({"case": name, f"{base}_s": b["median_s"], f"{derived}_s": d["median_s"],
                     "ratio": d["median_s"] / b["median_s"]})
    return rows


def jacobian_lanes(repeats: int, budget: float) -> list[dict]:
    """Forward-mode Jacobians in vector mode against one tangent per sweep
    (`srcgrad.tangent.lanes.LANES` set to 1 for the second)."""
    import time

    import numba

    from srcgrad.tangent import lanes as lane_policy

    rows = []
    for name, f, make, n in JACOBIANS:
        args = make(np.random.default_rng(0).uniform(-1.0, 1.0, n))
        primal = numba.njit(f)
        row = {"case": name, "primal_s": measure(lambda: primal(*args), repeats,  # noqa: B023
                                                 budget)["median_s"]}
        results = []
        for lanes in (lane_policy.LANES, 1):
            saved, lane_policy.LANES = lane_policy.LANES, lanes
            try:
                jac = sg.jacobian(f, mode="forward")
                start = time.perf_counter()
                results.append(jac(*args))
                row[f"first_call_s_{lanes}"] = time.perf_counter() - start
                row[f"jacobian_s_{lanes}"] = measure(lambda: jac(*args), repeats,  # noqa: B023
                                                     budget)["median_s"]
            finally:
                lane_policy.LANES = saved
        assert np.allclose(results[0], results[1], rtol=1e-12, atol=1e-12)
        row["lanes"] = lane_policy.LANES
        row["speedup"] = row["jacobian_s_1"] / row[f"jacobian_s_{lane_policy.LANES}"]
        row["per_column"] = row[f"jacobian_s_{lane_policy.LANES}"] / n / row["primal_s"]
        rows.append(row)
    return rows


def hvp_ratios(repeats: int, budget: float) -> list[dict]:
    return _ratios(repeats, budget, "grad", _gradient, "hvp", sg.hvp)


def hessian_vs_jax(repeats: int, budget: float) -> dict:
    n = 100
    x = np.random.default_rng(0).uniform(-1.0, 1.0, n)
    hess = sg.hessian(rosenbrock)
    ours = measure(lambda: hess(x), repeats, budget)
    row = {"case": f"Hessian, Rosenbrock loop, {n}-D", "srcgrad_s": ours["median_s"]}
    try:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)

        def rosenbrock_jnp(x):
            a = x[1:] - x[:-1] * x[:-1]
            b = 1.0 - x[:-1]
            return jnp.sum(100.0 * a * a + b * b)

        jh = jax.jit(jax.hessian(rosenbrock_jnp))
        xj = jnp.asarray(x)
        theirs = measure(lambda: jh(xj).block_until_ready(), repeats, budget)
        assert np.allclose(np.asarray(jh(xj)), hess(x), rtol=1e-10, atol=1e-8)
        row["jax_s"] = theirs["median_s"]
        row["speedup"] = theirs["median_s"] / ours["median_s"]
    except ImportError as exc:
        row["jax"] = f"n/a ({exc})"
    return row


def _print_ratios(rows: list[dict], base: str, derived: str, base_title: str, ratio_title: str,
                  digits: int = 1) -> None:
    """A table of `_ratios`' rows: the case, both times in µs, their ratio."""
    print(f"\n{'case':40s} {base_title:>10s} {derived:>10s} {ratio_title:>10s}")
    for r in rows:
        print(f"{r['case']:40s} {r[f'{base}_s'] * 1e6:8.{digits}f}us "
              f"{r[f'{derived}_s'] * 1e6:8.{digits}f}us {r['ratio']:10.2f}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.higher", description=__doc__)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--budget", type=float, default=3.0)
    args = parser.parse_args(argv)
    print(f"machine: {platform.processor() or platform.machine()}, Python "
          f"{platform.python_version()}, srcgrad {sg.__version__}")
    rows = hvp_ratios(args.repeats, args.budget)
    _print_ratios(rows, "grad", "hvp", "gradient", "hvp/grad")
    hvp_njit = hvp_ratios_in_njit(args.repeats, args.budget)
    print(f"\nthe same, both called {CALLS_PER_LOOP} times in an @njit loop (per call)", end="")
    _print_ratios(hvp_njit, "grad", "hvp", "gradient", "hvp/grad", digits=2)
    h = hessian_vs_jax(args.repeats, args.budget)
    print(f"\n{h['case']}: srcgrad {h['srcgrad_s'] * 1e3:.2f} ms", end="")
    if "jax_s" in h:
        print(f", jax.jit(jax.hessian) {h['jax_s'] * 1e3:.2f} ms, "
              f"srcgrad's speedup {h['speedup']:.2f}x")
    else:
        print(f", JAX {h['jax']}")
    jvps = jvp_ratios(args.repeats, args.budget)
    _print_ratios(jvps, "primal", "jvp", "primal", "jvp/primal")
    in_njit = jvp_ratios_in_njit(args.repeats, args.budget)
    print(f"\nthe same, both called {CALLS_PER_LOOP} times in an @njit loop (per call)", end="")
    _print_ratios(in_njit, "primal", "jvp", "primal", "jvp/primal", digits=2)
    lanes = jacobian_lanes(args.repeats, args.budget)
    print(f"\nforward-mode Jacobians: up to {lanes[0]['lanes']} tangents per sweep against one")
    print(f"{'case':40s} {'primal':>10s} {'lanes':>10s} {'one':>10s} {'speedup':>8s} "
          f"{'column/primal':>14s}")
    for r in lanes:
        many = r[f"jacobian_s_{r['lanes']}"]
        print(f"{r['case']:40s} {r['primal_s'] * 1e6:8.1f}us {many * 1e3:8.3f}ms "
              f"{r['jacobian_s_1'] * 1e3:8.3f}ms {r['speedup']:8.2f} {r['per_column']:14.2f}")
    out = Path(__file__).parent / "results" / "higher.json"
    out.write_text(json.dumps({"command": "python -m bench.higher", "hvp": rows,
                               "hvp_in_njit": hvp_njit, "hessian": h,
                               "jvp": jvps, "jvp_in_njit": in_njit,
                               "jacobian_lanes": lanes}, indent=1))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
