"""The adjoint rules, each checked alone against finite differences.

For every row of `rule_table.ROWS` and for float64 and float32 inputs:

1. gradient check (autograd's and JAX's): for a random cotangent `u` and a
   random direction `v`, `sum(u * J v)` by central differences in float64
   equals `sum(cotangent_i * v_i)` over the inputs, the cotangents from the
   rule function called directly.  A parameter whose cotangent is `None`
   counts as 0, so the check also proves it has no derivative.  Cotangents
   are shaped like their inputs, and float32 inputs keep float32.
2. the rule compiled: its return expressions, inlined into an `@njit`
   function as the transformer inlines them (constant arguments written as
   literals), give the Python values, shapes and dtypes.
3. a cotangent broadcast larger than the result gives what its sum to the
   result's shape gives.

Then hand-derived values at ties, zeros and bounds; the replacements
against NumPy in Python and compiled; and the registry's bookkeeping.
"""

from __future__ import annotations

import ast
import copy
import math
import operator
import warnings
import zlib

import numba
import numpy as np
import pytest
import scipy.special
from numba.core import config
from numba.core.caching import Cache
from numba.np.numpy_support import as_dtype
from rule_table import NONDIFFERENTIABLE, ROWS, Const, Derived, Index, Mask, Real, Seq, draw

import srcgrad as sg
from srcgrad import runtime
from srcgrad.rules import registry
from srcgrad.rules.registry import refused
from srcgrad.runtime import unbroadcast

DTYPES = [np.float64, np.float32]
STEP = 1e-4


@pytest.fixture(autouse=True, scope="module")
def quick_compiles():
    """Compile without LLVM's optimisations: four times faster to compile,
    and the same values (no fast-math), which is all these tests look at.

    Nothing compiled meanwhile goes to Numba's disk cache: its index does not
    record the optimisation level, so srcgrad's functions compiled once per
    machine (`srcgrad.runtime.machinecode`) would be loaded, unoptimised, by every
    later process (the benchmark's included).  Nor is it where the whole
    process compiles unoptimised (`NUMBA_OPT=0`, as `tests/run.py` runs the
    suite): the wrappers here are compiled with Numba's Python error model,
    which srcgrad's helpers compiled for them take, and the cache does not
    record it; saved, `reduce_mean` of an empty axis raised ZeroDivisionError
    in a later part's generated code (compiled with NumPy's error model)."""
    saved_opt, saved_save = config.OPT, Cache.save_overload
    Cache.save_overload = lambda self, sig, data: None
    config.OPT = config._OptLevel(0)
    yield
    config.OPT, Cache.save_overload = saved_opt, saved_save


# --- drawing arguments ------------------------------------------------------------------------


def _direction(spec, rng):
    """A random direction for each differentiable input, None elsewhere."""
    if isinstance(spec, Seq):
        return tuple(_direction(s, rng) for s in spec.specs)
    if isinstance(spec, Real):
        v = rng.standard_normal(spec.shape)
        return float(v) if spec.shape == () else v
    return None


def _as_float64(value):
    if isinstance(value, tuple):
        return tuple(_as_float64(v) for v in value)
    if isinstance(value, np.ndarray):
        return value.astype(np.float64)
    return float(value)


def _moved(value, direction, t):
    if direction is None:
        return value
    if isinstance(value, tuple):
        return tuple(_moved(x, d, t) for x, d in zip(value, direction))
    return _as_float64(value) + t * direction


class Case:
    """A row drawn for one dtype: its arguments bound to the rule's
    parameters, the result, a cotangent and a direction."""

    def __init__(self, row, dtype):
        self.row = row
        self.rule = registry.lookup(row.primal)
        assert self.rule is not None, f"no rule for {row.id}"
        specs = self.rule.signature.bind(*row.args, **{k: Const(v) for k, v in row.kwargs.items()})
        specs.apply_defaults()
        self.specs = {p: s if isinstance(s, (Real, Const, Mask, Seq, Index, Derived)) else Const(s)
                      for p, s in specs.arguments.items()}
        # A draw within a few steps of a kink or a tie (maximum, clip) would make finite
        # differences meaningless: such draws are redrawn, told by two step sizes disagreeing.
        for attempt in range(8):
            seed = zlib.crc32(f"{row.id}/{np.dtype(dtype).name}/{attempt}".encode())
            rng = np.random.default_rng(seed)
            self.values = self.derive({p: draw(s, rng, dtype) for p, s in self.specs.items()})
            self.directions = {p: _direction(s, rng) for p, s in self.specs.items()}
            self.ans = self.primal(self.values)
            self.u = self.cotangent_like(self.ans, rng)
            if row.lossy:
                break
            coarse, fine = self.finite_difference(STEP), self.finite_difference(STEP / 8)
            if abs(coarse - fine) <= 1e-6 * (1 + abs(fine)):
                break

    def derive(self, values):
        """`values` with the `Derived` arguments made from their own."""
        for p, s in self.specs.items():
            if isinstance(s, Derived):
                values[p] = s.fn(values[s.of])
        return values

    def primal(self, values):
        """The primal at `values`, passing only what the row passes (builtins
        such as `float` take no defaults), by keyword after a gap."""
        passed = self.rule.signature.bind(*self.row.args, **self.row.kwargs).arguments
        args, kwargs = [], {}
        for name, param in self.rule.signature.parameters.items():
            if name not in passed:
                continue
            if param.kind is param.KEYWORD_ONLY or kwargs or len(args) < list(
                    self.rule.signature.parameters).index(name):
                kwargs[name] = values[name]
            else:
                args.append(values[name])
        return self.row.primal(*args, **kwargs)

    @staticmethod
    def cotangent_like(ans, rng, shape=None):
        dtype = np.result_type(ans)
        dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)
        shape = np.shape(ans) if shape is None else shape
        u = rng.standard_normal(shape).astype(dtype)
        return dtype.type(u) if shape == () else u

    def cotangents(self, g=None):
        """The rule's cotangents, one per parameter (a list for a sequence)."""
        out = self.rule.function(self.u if g is None else g, self.ans, **self.values)
        return dict(zip(self.rule.params, out if len(self.rule.params) > 1 else (out,)))

    def objective(self, t):
        values = self.derive({p: _moved(self.values[p], self.directions[p], t)
                              for p in self.values})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            result = np.asarray(self.primal(values), np.float64)
        return float(np.sum(np.asarray(self.u, np.float64) * result))

    def finite_difference(self, h=STEP):
        f = self.objective
        return (f(-2 * h) - 8 * f(-h) + 8 * f(h) - f(2 * h)) / (12 * h)


def _pairs(value, direction, cotangent):
    """(input, direction, cotangent) triples, sequences flattened."""
    if direction is None:
        return
    if isinstance(value, tuple):
        cts = cotangent if cotangent is not None else [None] * len(value)
        for x, d, c in zip(value, direction, cts):
            yield from _pairs(x, d, c)
    else:
        yield value, direction, cotangent


# --- 1. gradient check ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_gradient(row, dtype):
    case = Case(row, dtype)
    with warnings.catch_warnings():  # a constant's cotangent may be nan (log of a negative base)
        warnings.simplefilter("ignore", RuntimeWarning)
        cts = case.cotangents()
    ad = 0.0
    scale = 0.0
    for name in case.rule.params:
        for x, v, ct in _pairs(case.values[name], case.directions[name], cts[name]):
            if ct is None:
                continue
            assert np.shape(ct) == np.shape(x), f"cotangent of {name} is shaped {np.shape(ct)}"
            assert np.result_type(ct).kind == "f", f"cotangent of {name} is {np.result_type(ct)}"
            assert np.all(np.isfinite(ct)), f"cotangent of {name}: {ct}"
            if dtype is np.float32 and np.result_type(x) == np.float32 and not row.math:
                if np.result_type(case.ans) == np.float32:
                    assert np.result_type(ct) == np.float32, f"{name}: {np.result_type(ct)}"
            if dtype is np.float64 and np.result_type(x) == np.float64:
                assert np.result_type(ct) == np.float64
            terms = np.asarray(ct, np.float64) * v
            ad += float(np.sum(terms))
            scale += float(np.sum(np.abs(terms)))
    fd = case.finite_difference(1e-2 if row.lossy else STEP)
    rtol = 1e-3 if row.lossy else (1e-7 if dtype is np.float64 else 1e-4)
    assert abs(ad - fd) <= rtol * (scale + abs(fd)) + 1e-10, f"reverse {ad!r} != fd {fd!r}"


# --- 2. the rule compiled ---------------------------------------------------------------------------

_WRAPPERS: dict[tuple, object] = {}


def _literal(value) -> ast.expr:
    if isinstance(value, tuple):
        return ast.Tuple([_literal(v) for v in value], ast.Load())
    if isinstance(value, type):
        return ast.Attribute(ast.Name("np", ast.Load()), value.__name__, ast.Load())
    return ast.Constant(value)


def compiled_rule(rule, constants: dict, sequence_length: int | None):
    """An `@njit` function of (g, ans, the non-constant arguments) returning
    the rule's cotangents as arrays, built the way the transformer inlines
    the rule: constants written as literals, a sequence's comprehension
    expanded into one expression per element."""
    key = (id(rule), repr(sorted(constants.items())), sequence_length)
    if key in _WRAPPERS:
        return _WRAPPERS[key]

    class Substitute(ast.NodeTransformer):
        def visit_Name(self, node):
            return _literal(constants[node.id]) if node.id in constants else node

    results = []
    for param, template in zip(rule.params, rule.cotangents):
        if template is None:
            continue
        template = Substitute().visit(copy.deepcopy(template))
        if param == rule.sequence:
            parts = []
            for k in range(sequence_length):
                index = {template.generators[0].target.id: k}

                class SetIndex(ast.NodeTransformer):
                    def visit_Name(self, node, index=index):
                        return ast.Constant(index[node.id]) if node.id in index else node

                parts.append(SetIndex().visit(copy.deepcopy(template.elt)))
            results.append(ast.Tuple(parts, ast.Load()))
        else:
            results.append(template)
    params = ["g", "ans"] + [p for p in rule.params if p not in constants]
    body = ast.Return(ast.Tuple(results, ast.Load()))
    source = f"def wrapper({', '.join(params)}):\n    return 0\n"
    tree = ast.parse(source)
    tree.body[0].body = [body]
    ast.fix_missing_locations(tree)
    namespace = dict(rule.function.__globals__)
    exec(compile(tree, f"<compiled {rule.name}>", "exec"), namespace)
    _WRAPPERS[key] = numba.njit(namespace["wrapper"])
    return _WRAPPERS[key]


def run_compiled(case: Case, g=None):
    constants = {p: case.values[p] for p, s in case.specs.items() if isinstance(s, Const)}
    seq = case.rule.sequence
    length = len(case.values[seq]) if seq else None
    fn = compiled_rule(case.rule, constants, length)
    args = [case.values[p] for p in case.rule.params if p not in constants]
    args = [case.u if g is None else g, case.ans] + args
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", numba.NumbaPerformanceWarning)
        out = fn(*args)
    # Scalars come back as Python numbers: their dtype is read from the compiled signature.
    types = fn.overloads[tuple(fn.typeof_pyval(a) for a in args)].signature.return_type
    results = iter(_with_dtypes(out, types))
    return {p: (next(results) if t is not None else None)
            for p, t in zip(case.rule.params, case.rule.cotangents)}


def _with_dtypes(value, ty):
    """A compiled result with its scalars made NumPy scalars of their Numba type."""
    if isinstance(value, (tuple, list)):
        return type(value)(_with_dtypes(v, t) for v, t in zip(value, ty))
    if isinstance(value, np.ndarray):
        return value
    return as_dtype(ty).type(value)


def _assert_same(got, want, dtype, what, compiled_weak=False):
    if isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for k, (a, b) in enumerate(zip(got, want)):
            _assert_same(a, b, dtype, f"{what}[{k}]", compiled_weak)
        return
    assert np.shape(got) == np.shape(want), f"{what}: shape {np.shape(got)} != {np.shape(want)}"
    assert isinstance(got, np.ndarray) == isinstance(want, np.ndarray), f"{what}: {got!r}"
    tol = 1e-12 if dtype is np.float64 else 2e-6
    bound = tol * (1 + float(np.max(np.abs(want), initial=0)))
    np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(want, np.float64),
                               rtol=tol, atol=bound, err_msg=what)
    if compiled_weak and dtype is np.float32:
        # Numba has no weak Python literals: `1 - ans * ans` of a float32 scalar is
        # float64 there (float32 in NumPy), and so is `x32_array ** 0.5`.  The gradient
        # function casts a gradient back to its input's dtype (functions.py:
        # float32_scalar_loop and float32_power check that end to end).
        assert np.result_type(got) in (np.float32, np.float64), f"{what}: {np.result_type(got)}"
        return
    assert np.result_type(got) == np.result_type(want), f"{what}: dtype {np.result_type(got)}"


# Compiled, every row in float64, and every eighth row in float32 too: a compiled rule's
# float32 path is its float64 one with the casts, the Python float32 rows above cover every
# row, and each compiled row costs a Numba compile, about 0.4 s of a CI worker (the table has
# over 1000 compiled rows; the float32 ones took 300 s of CI's workers when every second one
# ran, 110 s at every fourth).
COMPILED = [pytest.param(row, dtype, id=f"{row.id}-{name}")
            for k, row in enumerate(r for r in ROWS if r.numba)
            for dtype, name in zip(DTYPES, ["f64", "f32"]) if name == "f64" or k % 8 == 0]


@pytest.mark.parametrize("row, dtype", COMPILED)
def test_compiled(row, dtype):
    case = Case(row, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = case.cotangents()
    got = run_compiled(case)
    float_constant = any(isinstance(s, Const) and isinstance(s.value, float)
                         for s in case.specs.values())
    for name in case.rule.params:
        if want[name] is not None:
            scalar = not isinstance(want[name], (list, tuple)) and np.ndim(want[name]) == 0
            weak = scalar or float_constant
            _assert_same(got[name], want[name], dtype, name, compiled_weak=weak)


# --- 3. a cotangent broadcast larger than the result ----------------------------------------------


def _larger(case: Case, rng):
    """A cotangent broadcast larger than the result (a new leading axis, and
    length-1 axes stretched), and its sum back to the result's shape."""
    shape = np.shape(case.ans)
    stretched = tuple(3 if n == 1 else n for n in shape)
    big = Case.cotangent_like(case.ans, rng, (2,) + stretched)
    small = big.sum(axis=0)
    axes = tuple(k for k, n in enumerate(shape) if n == 1)
    small = small.sum(axis=axes, keepdims=True) if axes else small
    return big, (small[()] if shape == () else small)


LARGER_ROWS = [r for r in ROWS if not r.math]
# compiled too: every fourth row whose rule is not elementwise (the transformer sums an
# elementwise rule's result back itself), each one more Numba compile (every second one
# took 190 s of CI's workers)
LARGER_COMPILED = {id(r) for r in [r for r in LARGER_ROWS if r.numba][::4]}


@pytest.mark.parametrize("row", LARGER_ROWS, ids=[r.id for r in LARGER_ROWS])
def test_larger_cotangent(row):
    case = Case(row, np.float64)
    big, small = _larger(case, np.random.default_rng(7))
    # a float32 result (np.float32(x)) has a float32 cotangent, summed in another order
    precision = np.float32 if np.result_type(case.ans) == np.float32 else np.float64
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = case.cotangents(small)
        got = case.cotangents(big)
    for name in case.rule.params:
        if want[name] is None:
            continue
        value = got[name]
        if case.rule.elementwise:  # the transformer sums an elementwise rule's result back
            if isinstance(value, list):
                value = [unbroadcast(c, x) for c, x in zip(value, case.values[name])]
            else:
                value = unbroadcast(value, case.values[name])
        _assert_same(value, want[name], precision, name)
    if not case.rule.elementwise and id(row) in LARGER_COMPILED:
        compiled = run_compiled(case, big)
        for name in case.rule.params:
            if want[name] is not None:
                _assert_same(compiled[name], want[name], precision, f"compiled {name}")


# --- 4. ties, zeros and bounds, by hand --------------------------------------------------------------


def cotangents(primal, *args, g=None, compiled=False, **kwargs):
    """The cotangents of `primal(*args, **kwargs)` for the cotangent `g`
    (ones by default), from the rule in Python or compiled."""
    rule = registry.lookup(primal)
    row = type("R", (), {})()
    row.primal, row.id, row.math, row.lossy = primal, "by hand", False, False
    case = object.__new__(Case)
    case.row, case.rule = row, rule
    bound = rule.signature.bind(*args, **kwargs)
    bound.apply_defaults()
    case.values = dict(bound.arguments)
    case.specs = {p: (Real() if isinstance(v, (np.ndarray, float, tuple)) and p not in kwargs
                      else Const(v)) for p, v in case.values.items()}
    case.ans = primal(*args, **kwargs)
    case.u = (np.ones_like(case.ans, dtype=float) if np.ndim(case.ans) else 1.0) if g is None else g
    out = run_compiled(case) if compiled else case.cotangents()
    return [out[p] for p in rule.params]


BY_HAND = [
    # maximum and minimum split ties evenly (JAX)
    (np.maximum, (np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])), {},
     [[0.5, 1.0, 0.5], [0.5, 0.0, 0.5]]),
    (np.minimum, (np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 4.0])), {},
     [[0.5, 0.0, 1.0], [0.5, 1.0, 0.0]]),
    (np.maximum, (np.array([-1.0, 0.0, 2.0]), 0.0), {}, [[0.0, 0.5, 1.0], 1.5]),
    (max, (2.0, 2.0), {}, [0.5, 0.5]),
    (min, (1.0, 3.0), {}, [1.0, 0.0]),
    # max and min reductions share the cotangent among tied extremes
    (np.max, (np.array([1.0, 3.0, 3.0, 2.0]),), {}, [[0.0, 0.5, 0.5, 0.0], None, None]),
    (np.min, (np.array([[1.0, 1.0], [0.0, 2.0]]),), {"axis": 1},
     [[[0.5, 0.5], [1.0, 0.0]], None, None]),
    (np.max, (np.array([[2.0, 2.0], [2.0, 1.0]]),), {"axis": None, "keepdims": True},
     [[[1 / 3, 1 / 3], [1 / 3, 0.0]], None, None]),
    # abs has derivative 1 at 0 (JAX's select(x >= 0, 1, -1)); sqrt an infinite one
    (np.abs, (np.array([-2.0, 0.0, -0.0, 3.0]),), {}, [[-1.0, 1.0, 1.0, 1.0]]),
    (abs, (0.0,), {}, [1.0]),
    (np.sqrt, (np.array([0.0, 4.0]),), {}, [[np.inf, 0.25]]),
    # prod with zeros: products of the others, never ans / x
    (np.prod, (np.array([2.0, 0.0, 3.0]),), {}, [[0.0, 6.0, 0.0], None, None]),
    (np.prod, (np.array([0.0, 0.0, 3.0]),), {}, [[0.0, 0.0, 0.0], None, None]),
    (np.prod, (np.array([[0.0, 2.0], [3.0, 4.0]]),), {"axis": 0},
     [[[3.0, 4.0], [0.0, 2.0]], None, None]),
    # clip = minimum(maximum(a, a_min), a_max): half at a bound, to each side
    (np.clip, (np.array([-1.0, 0.0, 0.5, 1.0, 2.0]), 0.0, 1.0), {},
     [[0.0, 0.5, 1.0, 0.5, 0.0], 1.5, 1.5]),
    (np.clip, (np.array([-1.0, 0.5, 2.0]), None, 1.0), {}, [[1.0, 1.0, 0.0], None, 1.0]),
    (runtime.clip, (0.0, 0.0, 1.0), {}, [0.5, 0.5, 0.0]),
    # the norm of zero has a zero cotangent
    (np.linalg.norm, (np.zeros(3),), {}, [[0.0, 0.0, 0.0], None, None, None]),
    (np.linalg.norm, (np.array([[0.0, 0.0], [3.0, 4.0]]),), {"axis": 1},
     [[[0.0, 0.0], [0.6, 0.8]], None, None, None]),
    (np.hypot, (0.0, 0.0), {}, [0.0, 0.0]),
    # power: integer exponents at negative and zero bases; no log(0)
    (np.power, (np.array([-3.0, 0.0, 2.0]), 2), {}, [[-6.0, 0.0, 4.0], None]),
    (np.power, (np.array([-1.0, 0.0]), 3), {}, [[3.0, 0.0], None]),
    (np.power, (np.array([0.0, 5.0]), 0), {}, [[0.0, 0.0], math.log(5.0)]),
    (np.power, (np.array([0.0, 2.0]), np.array([2.0, 2.0])), {},
     [[0.0, 4.0], [0.0, 4 * math.log(2.0)]]),
    (np.power, (-2.0, -1), {}, [-0.25, None]),
    (operator.pow, (0.0, 1.0), {}, [1.0, 0.0]),
    (math.pow, (0.0, 2.0), {}, [0.0, 0.0]),
    (np.where, (np.array([True, False]), np.array([1.0, 2.0]), 3.0), {},
     [None, [1.0, 0.0], 1.0]),
]


@pytest.mark.parametrize("compiled", [False, True], ids=["python", "numba"])
@pytest.mark.parametrize("primal, args, kwargs, want", BY_HAND,
                         ids=[f"{getattr(p, '__name__', p)}-{k}" for k, (p, *_) in
                              enumerate(BY_HAND)])
def test_by_hand(primal, args, kwargs, want, compiled):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = cotangents(primal, *args, compiled=compiled, **kwargs)
    for k, (a, b) in enumerate(zip(got, want)):
        if b is None:
            continue
        if a is None:  # the expected value is for a parameter that was a constant
            continue
        np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64),
                                   rtol=1e-12, atol=1e-15, err_msg=f"argument {k}")


def test_clip_inside_passes_everything():
    a = np.array([0.25, 0.75])
    got = cotangents(np.clip, a, 0.0, 1.0, g=np.array([2.0, 3.0]))
    np.testing.assert_array_equal(got[0], [2.0, 3.0])
    assert got[1] == 0.0 and got[2] == 0.0


# --- 5. replacements ---------------------------------------------------------------------------------

X = np.arange(1.0, 13.0).reshape(3, 4) * np.array([1, -1, 1, 1])
X32 = X.astype(np.float32)
X3 = np.linspace(-2, 2, 24).reshape(2, 3, 4)
REDUCTION_FORMS = [{}, {"axis": 0}, {"axis": 1}, {"axis": -1}, {"axis": (0, 1)},
                   {"axis": (1, 0)}, {"axis": None, "keepdims": True}, {"axis": 0, "keepdims": True},
                   {"axis": (-1,), "keepdims": True}, {"keepdims": False}]

REPLACEMENTS = []
for _primal, _impl in [(np.sum, runtime.reduce_sum), (np.mean, runtime.reduce_mean),
                       (np.max, runtime.reduce_max), (np.amax, runtime.reduce_max),
                       (np.min, runtime.reduce_min), (np.amin, runtime.reduce_min),
                       (np.prod, runtime.reduce_prod)]:
    for _x in (X, X32, X.astype(np.int64)):
        for _kw in REDUCTION_FORMS:
            REPLACEMENTS.append((_primal, _impl, (_x,), _kw))
    REPLACEMENTS += [(_primal, _impl, (X3,), {"axis": (0, 2)}),
                     (_primal, _impl, (X3,), {"axis": (2, 0), "keepdims": True}),
                     (_primal, _impl, (2.5,), {}), (_primal, _impl, (np.float32(2.5),), {})]
for _args, _kw in [((X,), {}), ((X,), {"axis": 0}), ((X,), {"axis": -1, "keepdims": True}),
                   ((X32,), {"axis": 1}), ((X3,), {"axis": (0, 2)}), ((X,), {"keepdims": True}),
                   ((X[0],), {}), ((X[0], 2), {}), ((X, "fro"), {}), ((X, None, 0), {})]:
    REPLACEMENTS.append((np.linalg.norm, runtime.norm, _args, _kw))
REPLACEMENTS += [
    (np.dot, runtime.dot, (2.0, X), {}), (np.dot, runtime.dot, (X, 2.0), {}),
    (np.dot, runtime.dot, (X, X.T), {}), (np.dot, runtime.dot, (X[0], X[0]), {}),
    (np.dot, runtime.dot, (3.0, 2.0), {}),
    (np.matmul, runtime.matmul, (X, X.T), {}), (np.matmul, runtime.matmul, (X[0], X.T), {}),
    (np.clip, runtime.clip, (0.5, 0.0, 1.0), {}), (np.clip, runtime.clip, (1.5, 0.0, 1.0), {}),
    (np.clip, runtime.clip, (np.float32(1.5), 0.0, 1.0), {}),
    (np.clip, runtime.clip, (X, -2.0, 5.0), {}), (np.clip, runtime.clip, (X32, -2.0, 5.0), {}),
    (np.clip, runtime.clip, (X, None, 5.0), {}), (np.clip, runtime.clip, (X, X[0], 5.0), {}),
    (np.clip, runtime.clip, (X32, X[0], None), {}), (np.clip, runtime.clip, (2, 0, 1), {}),
    (np.where, np.where, (True, 1.0, 2.0), {}),
    (np.reshape, runtime.reshape, (X.T, (2, 6)), {}), (np.reshape, runtime.reshape, (X, -1), {}),
    (np.reshape, runtime.reshape, (2.0, (1, 1)), {}),
    (np.ravel, runtime.ravel, (X.T,), {}), (np.ravel, runtime.ravel, (2.0,), {}),
    (np.squeeze, runtime.squeeze, (X.reshape(1, 3, 4, 1), 0), {}),
    (np.squeeze, runtime.squeeze, (X.reshape(1, 3, 4, 1), (0, -1)), {}),
    (np.squeeze, runtime.squeeze, (X.reshape(3, 1, 4),), {"axis": 1}),
    (np.expand_dims, runtime.expand_dims, (X, 0), {}),
    (np.expand_dims, runtime.expand_dims, (X, -1), {}),
    (np.expand_dims, runtime.expand_dims, (X, (0, 3)), {}),
    (np.expand_dims, runtime.expand_dims, (X, (-1, 0)), {}),
    (np.expand_dims, runtime.expand_dims, (2.0, 0), {}),
    (np.stack, runtime.stack, ((X, X),), {}), (np.stack, runtime.stack, ((X, X), -1), {}),
    (np.stack, runtime.stack, ((1.0, 2.0, 3.0),), {}),
    (np.stack, runtime.stack, ((np.float32(1.0), 2),), {}),
    (np.stack, runtime.stack, ((1.0, 2),), {"axis": -1}),
    (np.concatenate, runtime.concatenate, ((X, X),), {}),
    (np.concatenate, runtime.concatenate, ((X, X[:, :2]), 1), {}),
    (np.concatenate, runtime.concatenate, ((X, X[0]), None), {}),
    (np.array, runtime.array, (X,), {}), (np.array, runtime.array, (X, np.float32), {}),
    (np.array, runtime.array, (2.0,), {}),
    (np.ndim, runtime.ndim, (X,), {}), (np.ndim, runtime.ndim, (2.0,), {}),
    (np.float32, runtime.float32, (X,), {}), (np.float32, runtime.float32, (2.0,), {}),
    (np.float64, runtime.float64, (X32,), {}), (np.float64, runtime.float64, (np.float32(2),), {}),
    (abs, runtime.absolute, (X,), {}), (abs, runtime.absolute, (-2.0,), {}),
    (abs, runtime.absolute, (-2,), {}),
    (math.log, runtime.log_base, (8.0, 2.0), {}), (math.log, runtime.log_base, (8.0,), {}),
]
SPD = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
INTS = np.array([[2, 1], [1, 3]])
STACK = np.stack([SPD, SPD.T + np.eye(3)])
STACK32 = STACK.astype(np.float32)
KNOTS = np.array([-5.0, 0.0, 2.0, 6.0])
REPLACEMENTS += [
    (np.linalg.det, runtime.det, (SPD,), {}), (np.linalg.det, runtime.det, (INTS,), {}),
    (np.linalg.det, runtime.det, (SPD.astype(np.float32),), {}),
    (np.linalg.inv, runtime.inv, (SPD.T,), {}), (np.linalg.inv, runtime.inv, (INTS,), {}),
    (np.linalg.solve, runtime.solve, (SPD, SPD[0]), {}),
    (np.linalg.solve, runtime.solve, (SPD.astype(np.float32), SPD[:, :2]), {}),
    (np.linalg.solve, runtime.solve, (INTS, np.array([1, 2])), {}),
    # cholesky reads the lower triangle only, compiled too
    (np.linalg.cholesky, runtime.cholesky, (SPD + np.triu(np.ones((3, 3)), 1),), {}),
    (np.linalg.cholesky, runtime.cholesky, (SPD.astype(np.float32),), {}),
    # stacks of matrices, looped over compiled; solve's b broadcast as NumPy 2 reads it
    (np.linalg.det, runtime.det, (STACK,), {}), (np.linalg.det, runtime.det, (STACK32,), {}),
    (np.linalg.inv, runtime.inv, (STACK,), {}),
    (np.linalg.solve, runtime.solve, (STACK, SPD[0]), {}),
    (np.linalg.solve, runtime.solve, (STACK, SPD[:, :2]), {}),
    (np.linalg.solve, runtime.solve, (STACK32, X3[:, :3, :2]), {}),
    (np.linalg.solve, runtime.solve, (SPD, X3[:, :3, :2]), {}),
    (np.linalg.cholesky, runtime.cholesky, (STACK @ np.swapaxes(STACK, -1, -2),), {}),
    (np.interp, runtime.interp, (X, KNOTS, X[0]), {}),
    (np.interp, runtime.interp, (X32, KNOTS, X[0]), {"left": 0.5, "right": -1.0}),
    (np.interp, runtime.interp, (2.5, KNOTS, X[0]), {}),
    (np.interp, runtime.interp, (KNOTS, KNOTS, X[0]), {"right": 3.0}),
    (np.atleast_1d, runtime.atleast_1d, (2.0,), {}), (np.atleast_1d, runtime.atleast_1d, (X,), {}),
    (np.atleast_2d, runtime.atleast_2d, (2.0,), {}),
    (np.atleast_2d, runtime.atleast_2d, (X[0],), {}),
    (np.atleast_3d, runtime.atleast_3d, (X32[0],), {}),
    (np.atleast_3d, runtime.atleast_3d, (X.T,), {}),
    (np.flip, runtime.flip, (X3,), {}), (np.flip, runtime.flip, (X3, -2), {}),
    (np.flip, runtime.flip, (X3.T,), {"axis": (0, 2)}),
    (np.roll, runtime.roll, (X3, 3), {}), (np.roll, runtime.roll, (X3, -4, 2), {}),
    (np.roll, runtime.roll, (X.T, 1), {"axis": 0}),
    (np.diagonal, runtime.diagonal, (X,), {}), (np.diagonal, runtime.diagonal, (X, -1), {}),
    (np.diagonal, runtime.diagonal, (X32.T, 2), {}),
]
REPLACEMENTS = [(p, registry.replacement(p) or i, a, k) for p, i, a, k in REPLACEMENTS]


def _replacement_id(entry):
    primal, impl, args, kwargs = entry
    shown = [f"{type(a).__name__}{list(np.shape(a))}" if isinstance(a, np.ndarray) else
             (f"{a.dtype}" if isinstance(a, np.generic) else repr(a)) for a in args]
    shown += [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{impl.__name__}({','.join(shown)})"


_CALLERS: dict[tuple, object] = {}


def compiled_call(impl, args, kwargs):
    """`impl(*args, **kwargs)` in an `@njit` function, the arrays passed in
    and everything else written as literals, as generated code has them."""
    names, parts = [], []
    for k, a in enumerate(args):
        if _passed_in(a):
            names.append(f"a{k}")
            parts.append(f"a{k}")
        else:
            parts.append(ast.unparse(_literal(a)))
    parts += [f"{k}={ast.unparse(_literal(v))}" for k, v in kwargs.items()]
    source = f"def call({', '.join(names)}):\n    return impl({', '.join(parts)})\n"
    key = (impl, source)
    if key not in _CALLERS:
        namespace = {"impl": impl, "np": np}
        exec(source, namespace)
        _CALLERS[key] = numba.njit(namespace["call"])
    return _CALLERS[key](*[a for a in args if _passed_in(a)])


def _passed_in(value) -> bool:
    """Whether generated code would hold `value` in a variable (an array, a
    float, a tuple of them), rather than write it as a literal."""
    if isinstance(value, tuple):
        return any(_passed_in(v) for v in value)
    return isinstance(value, (np.ndarray, float, np.generic))


@pytest.mark.parametrize("entry", REPLACEMENTS, ids=[_replacement_id(e) for e in REPLACEMENTS])
def test_replacement(entry):
    primal, impl, args, kwargs = entry
    assert registry.replacement(primal) is impl
    assert registry.lookup(impl) is registry.lookup(primal) or primal is np.ndim
    want = primal(*args, **kwargs)
    python = impl(*args, **kwargs)
    assert np.shape(python) == np.shape(want)
    assert np.result_type(python) == np.result_type(want)
    np.testing.assert_allclose(python, want, rtol=1e-12)
    compiled = compiled_call(impl, args, kwargs)
    assert np.shape(compiled) == np.shape(want)
    if isinstance(want, np.ndarray) and want.ndim:
        assert compiled.dtype == want.dtype
    rtol = 2e-6 if np.result_type(want) == np.float32 else 1e-12
    # a sum that cancels to ~0 differs by the rounding of its terms, whatever their order
    scale = float(np.sum(np.abs(args[0]))) if isinstance(args[0], np.ndarray) else 0.0
    np.testing.assert_allclose(compiled, want, rtol=rtol, atol=rtol * scale)


def test_reduction_keepdims_at_run_time():
    """A `keepdims` that is a variable in generated code is made a literal."""

    @numba.njit
    def mean_rows(x, keep):
        return runtime.reduce_mean(x, 1, keepdims=keep)

    np.testing.assert_allclose(mean_rows(X, True), np.mean(X, 1, keepdims=True))
    np.testing.assert_allclose(mean_rows(X, False), np.mean(X, 1))


def test_norm_rejects_other_orders():
    """The replacement takes the orders its rule differentiates (the
    lowering expands a vector's other orders before it is called)."""
    with pytest.raises(sg.NoAdjointError, match="ord=None"):
        runtime.norm(X, 1)
    with pytest.raises(numba.TypingError):
        numba.njit(lambda x: runtime.norm(x, 1))(X)


def test_squeeze_without_axis_is_python_only():
    with pytest.raises(numba.TypingError, match="explicit axis"):
        numba.njit(lambda x: runtime.squeeze(x))(X.reshape(1, 3, 4))


def test_dot_of_three_dimensions_is_refused():
    with pytest.raises(sg.NoAdjointError, match="at most 2-D"):
        runtime.dot_grad_left(np.ones((2, 2)), np.ones((2, 2, 2)), np.ones(2))


# --- 6. registry bookkeeping ---------------------------------------------------------------------------

# SPEC.md's list of differentiable operations, with their `math` twins and builtins.
REQUIRED = [
    operator.add, operator.sub, operator.mul, operator.truediv, operator.pow, operator.neg,
    operator.pos, operator.matmul, abs, min, max, float,
    np.sin, np.cos, np.tan, np.arcsin, np.arccos, np.arctan, np.arctan2, np.sinh, np.cosh,
    np.tanh, np.exp, np.expm1, np.log, np.log1p, np.log2, np.log10, np.sqrt, np.square,
    np.power, np.maximum, np.minimum, np.where, np.clip, np.sum, np.mean, np.max, np.min,
    np.amax, np.amin, np.prod, np.dot, np.matmul, np.outer, np.transpose, np.reshape,
    np.squeeze, np.expand_dims, np.concatenate, np.stack, np.linalg.norm, np.add,
    np.subtract, np.multiply, np.divide, np.true_divide, np.negative, np.positive, np.abs,
    np.absolute, np.fabs, np.cbrt, np.reciprocal, np.hypot, np.float32, np.float64,
    np.ravel, np.copy, np.array, np.asarray, np.ascontiguousarray, np.full, np.full_like,
    np.trace, np.cumsum, np.linspace, np.arange,
    math.sin, math.cos, math.tan, math.asin, math.acos, math.atan, math.atan2, math.sinh,
    math.cosh, math.tanh, math.exp, math.expm1, math.log, math.log1p, math.log2, math.log10,
    math.sqrt, math.pow, math.hypot, math.fabs, math.erf,
]  # fmt: skip


@pytest.mark.parametrize("primal", REQUIRED, ids=lambda p: getattr(p, "__name__", repr(p)))
def test_required_rules(primal):
    assert registry.lookup(primal) is not None
    assert not registry.is_nondifferentiable(primal)
    impl = registry.replacement(primal)
    if impl is not None:
        assert registry.lookup(impl) is registry.lookup(primal)


@pytest.mark.parametrize("primal", NONDIFFERENTIABLE, ids=lambda p: getattr(p, "__name__", repr(p)))
def test_nondifferentiable(primal):
    assert registry.is_nondifferentiable(primal)
    assert registry.lookup(primal) is None


def test_every_row_primal_and_every_rule_is_covered():
    """Each registered rule has at least one row in the table."""
    tested = {id(registry.lookup(r.primal)) for r in ROWS}
    # rules whose argument is a list grown in a loop, a list of the generated code that the
    # table cannot draw: checked end to end by tests/frontend/test_growing_lists.py
    lists = {"list_append_adjoint", "stack_list_adjoint"}
    # (a rule that a test registers for a user's function is that test's business)
    untested = {rule.name for rule in registry.RULES.values()
                if rule.shipped and id(rule) not in tested and rule.name not in lists}
    assert not untested, f"rules without a row: {sorted(untested)}"


def test_refused_parameters_are_recorded():
    """`refused(reason)` in a rule's return: no cotangent, and the reason kept
    for the activity analysis to refuse a call varying there."""
    rule = registry.lookup(scipy.special.jv)
    assert rule.cotangents[0] is None and "order of a Bessel function" in rule.refusals["v"]
    assert set(registry.lookup(scipy.special.gammainc).refusals) == {"a"}
    assert all(not r.refusals for r in registry.RULES.values()
               if r.name not in {"jv_adjoint", "yv_adjoint", "iv_adjoint", "kv_adjoint",
                                 "yn_adjoint", "ive_adjoint",
                                 "gammainc_adjoint", "gammaincc_adjoint", "betainc_adjoint",
                                 "betaincc_adjoint", "stdtr_adjoint"})
    assert set(registry.lookup(scipy.special.betainc).refusals) == {"a", "b"}
    with pytest.raises(sg.SrcGradError, match="one reason"):
        registry.adjoint(object())(_refusing_without_a_reason)


def _refusing_without_a_reason(g, ans, x, n):
    return g, refused(n)
