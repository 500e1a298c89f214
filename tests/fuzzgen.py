"""A seeded generator of random programs for the differential fuzz test
(`test_fuzz.py`).

`generate(seed)` returns a `Program`: the SOURCE TEXT of a Python module
(`import math`, `import numpy as np`, `import srcgrad as sg`, zero or more
helper functions `h0, h1, ...` and the function `f` to differentiate), the
arguments to call `f` with (floats and float64 arrays; integers and integer
arrays where `f` takes them, never differentiated), and how to differentiate
it (`wrt`, `grad_ys`, options).  Everything is drawn from `random.Random(seed)`: the same seed
gives the same program, byte for byte.

What the programs contain (the subset of SPEC.md):

- functions of scalars, of float64 arrays of shape (3,), or of (2, 3)
  matrices (with the (3,) rows and (2,) columns derived from them);
- nested `if`/`elif`/`else` on computed scalar conditions (`and`/`or`/`not`),
  conditional expressions;
- `while` loops bounded by an integer counter plus a value condition (they
  always terminate), `for i in range(...)` loops with `break`/`continue`,
  nested loops, early `return` inside branches and loops;
- overwrites, augmented assignments (`+=`, `-=`, `*=`) on scalars, arrays and
  subscripts, subscript reads and writes inside loops (`y[i] = ...`,
  `s += x[i] * w[i]`, `m[i, j] = ...`, `y[0:2] = ...`), writes into the
  parameters themselves, tuple unpacking (`a, b = b, a * x`);
- calls to helper functions defined in the same module;
- `sg.stop_gradient(...)` around compound expressions;
- `+ - * / **`, unary `-`, `abs`, `np.sin cos tan arctan sinh cosh tanh exp
  log sqrt square power maximum minimum where clip sum mean max min prod dot
  outer`, `@`, `math.sin cos exp log sqrt`.

Added later (drawn from a second random stream, see SPECIALS; a program
that draws none of them is the one the first generator made for its seed, and
`generate(seed, legacy=True)` turns them all off):

- loop-carried scalars: chains of 3 to 10 variables updated in reverse order
  (`v9 = 0.9 * v8; v8 = 0.7 * v7; ...; v0 = 0.5 * v0 + x`: each reads the
  previous iteration's value, so the cotangent needs one iteration per link),
  rotations (`a, b, c = b, c, a * w`), nested loops carrying a group each;
- IIR-filter recurrences over an array (`y[i] = b * x[i] + a1 * p1 + a2 * p2`);
- NumPy calls that write into an argument: `np.add.at(acc, idx, v)` with a
  constant index array that repeats, `np.exp(y, out=y)`, `np.multiply(a, b, out=a)`;
- writes through an index array with repeated entries: `y[idx] = v`,
  `y[idx] += v`, `y[idx] = y[idx] * c` (NumPy: the last write to an index wins);
- casts to integers: `e.astype(int) * e`, `np.asarray(e, dtype=int)`, `int(s)`;
- `np.linspace(a, b, n)`, `np.arange(n) * step + start`, `np.arange(start,
  stop, step)` with computed float ends (the length kept constant: `(stop -
  start) / step` stays half-way between integers);
- integer index arithmetic: `a[i - n0]` with an integer parameter `n0`,
  `a[iarr[j]]` with an integer array (a local or the parameter `ix0`);
- module globals `SCALE` / `W` that `f` reads and that the test rebinds after
  a first call of the gradient function (`Program.globals_rebound`);
- the Python of real code: `for v in x`, `enumerate`, `zip`, a list grown in
  a loop of constant length then `np.stack`ed or summed, a nested `def`
  closing over a local, a tuple carried through a loop, a dict of values,
  `sum(...)` of a generator over a computed range.

At `f`'s top level each of them is added into the result, so that a wrong
gradient through it shows.

Values stay in smooth, safe domains (`log`/`sqrt` of `e*e + 1.0`, `exp` of
`tanh(...)`, division by `1.0 + e*e`, multiplicative loop updates by bounded
factors), so that central finite differences are meaningful.

Run `python tests/fuzzgen.py SEED` to print one program.
"""

from __future__ import annotations

import ast
import random
import sys
from dataclasses import dataclass, field
from typing import Any

SCALAR = ()
V3 = (3,)
V2 = (2,)
M = (2, 3)

HEADER = "import math\n\nimport numpy as np\n\nimport srcgrad as sg\n"

# The shapes added to the first generator, each drawn for a program with this
# probability and placed among the statements of `f`'s top level (see the
# `special_*` methods); NESTED_SPECIAL: the chance that a statement in a nested
# block is one of them.  INT_PARAM, INT_ARRAY_PARAM: `f` takes an integer `n0`
# (1 or 2) or an integer array `ix0` (3 indices with a repeat) besides its
# floats (programs with arrays only); GLOBAL: `f` reads a module global `SCALE`
# or `W` that the test rebinds between two calls.  Raise one to find its
# defects in fewer seeds; the sum keeps most programs to the first shapes.
SPECIALS = {"carry": 0.14, "iir": 0.05, "inplace": 0.09, "dup_write": 0.09, "cast": 0.07,
            "ramp": 0.08, "int_index": 0.08, "python": 0.12}
INT_INDEX_WITH_PARAM = 0.6  # int_index's chance where `f` has an integer parameter
NESTED_SPECIAL = 0.02
INT_PARAM = 0.3
INT_ARRAY_PARAM = 0.12
GLOBAL = 0.07


@dataclass
class Program:
    seed: int
    source: str  # the whole module
    fn_name: str  # the function to differentiate
    param_names: list[str]
    param_shapes: list[tuple]
    args: tuple  # floats and float64 arrays
    wrt: Any  # what is passed to sg.grad(wrt=...)
    wrt_positions: tuple[int, ...]  # the positions `wrt` names, in order
    grad_ys: Any = None
    unconnected: str = "none"
    value_and_grad: bool = False
    uses_stop_gradient: bool = False
    features: set = field(default_factory=set)
    # module globals `f` reads: their values as the module defines them, and the
    # values the test rebinds them to after a first call of the gradient function
    globals_initial: dict = field(default_factory=dict)
    globals_rebound: dict = field(default_factory=dict)

    def make_args(self) -> tuple:
        """Fresh copies of the arguments."""
        import numpy as np

        return tuple(np.array(a) if isinstance(a, np.ndarray) else a for a in self.args)


def _fmt(value: float) -> str:
    return repr(round(value, 2))


def _literal(value) -> str:
    """Source text of a module global's value."""
    if isinstance(value, float):
        return repr(value)
    return f"np.array({value.tolist()!r})"


def _names(text: str) -> set[str]:
    """The variable names an expression reads (not `np`, `math`)."""
    return {n.id for n in ast.walk(ast.parse(text, mode="eval"))
            if isinstance(n, ast.Name) and n.id not in ("np", "math", "sg")}


class _Scope:
    """The float variables readable at a point, with their shapes; which arrays
    may be written into; the integer index variables of enclosing loops."""

    def __init__(self, variables=None, writable=None, indices=None, loops=0):
        self.variables: dict[str, tuple] = dict(variables or {})
        self.writable: set[str] = set(writable or ())
        self.indices: list[tuple[str, int, int]] = list(indices or [])  # (name, lo, hi)
        self.loops = loops

    def child(self, *, index=None, loop=False) -> _Scope:
        scope = _Scope(self.variables, self.writable, self.indices, self.loops + (1 if loop else 0))
        if index is not None:
            scope.indices.append(index)
        return scope

    def of_shape(self, shape) -> list[str]:
        return [name for name, s in self.variables.items() if s == shape]


class Generator:
    def __init__(self, seed: int, legacy: bool = False):
        self.seed = seed
        self.r = random.Random(seed)
        # every decision about the shapes added later (SPECIALS, integer parameters,
        # module globals) is drawn from `r2`, so that a program without them is
        # the one the first generator made for its seed; `legacy` turns them off
        self.r2 = random.Random(f"specials-{seed}")
        self.legacy = legacy
        self.must_use: list[str] = []  # scalar expressions the final return adds in
        self.top_names: set[str] = set()  # the names they read
        self.global_vars: dict[str, tuple] = {}  # module globals f reads: name -> shape
        self.int_params: dict[str, Any] = {}  # integer parameters: name -> value
        self.features: set[str] = set()
        self.shapes_taken: dict[str, tuple] = {}  # every float name of the current function
        self.non_writable: set[str] = set()  # arrays that may share memory with another name
        self.counter = 0
        self.helpers: list[tuple[str, list[tuple], tuple]] = []  # (name, param shapes, result)
        self.uses_stop_gradient = False
        self.kind = "scalar"
        self.shapes: list[tuple] = [SCALAR]
        self.out = SCALAR
        self.in_helper = False

    # --- small utilities ----------------------------------------------------------------

    def randrange(self, *a) -> int:
        return self.r.randrange(*a)

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def pick(self, seq):
        return self.r.choice(list(seq))

    def fresh(self, prefix: str, shape) -> str:
        self.counter += 1
        name = f"{prefix}{self.counter}"
        if shape is not None:
            self.shapes_taken[name] = shape
        return name

    def literal(self, lo=-2.0, hi=2.0) -> str:
        value = self.r.uniform(lo, hi)
        if abs(value) < 0.1:
            value = 0.5
        text = _fmt(value)
        return f"({text})" if value < 0 else text

    def positive_literal(self, lo=0.2, hi=2.0) -> str:
        return _fmt(self.r.uniform(lo, hi))

    # --- index expressions --------------------------------------------------------------

    def index(self, scope: _Scope, length: int) -> str:
        """An integer expression valid as an index into an axis of `length`."""
        options = [str(self.r.randrange(length)), "-1"]
        for name, lo, hi in scope.indices:
            if 0 <= lo and hi <= length:
                options += [name, name, f"{length - 1} - {name}"]
            options.append(f"({name} + {self.r.randrange(1, 3)}) % {length}")
        return self.pick(options)

    # --- expressions ----------------------------------------------------------------------

    def leaf(self, shape, scope: _Scope) -> str:
        candidates = [(name, 3.0) for name in scope.of_shape(shape)]
        candidates += [(name, 1.5) for name, s in self.global_vars.items() if s == shape]
        if shape == SCALAR:
            candidates.append((self.literal(), 1.0))
            for name, s in scope.variables.items():
                if s == V3 or s == V2:
                    candidates.append((f"{name}[{self.index(scope, s[0])}]", 1.5))
                elif s == M:
                    candidates.append((f"{name}[{self.index(scope, 2)}, {self.index(scope, 3)}]", 1.5))
            for name, _lo, _hi in scope.indices:
                candidates.append((f"float({name})", 0.3))
        elif shape == V3:
            for name, s in scope.variables.items():
                if s == M:
                    candidates.append((f"{name}[{self.index(scope, 2)}]", 1.0))
                    candidates.append((f"{name}[{self.index(scope, 2)}, :]", 0.5))
            if not candidates:
                candidates.append(("np.arange(3.0)", 1.0))
        elif shape == V2:
            for name, s in scope.variables.items():
                if s == V3:
                    candidates.append((self.pick([f"{name}[1:]", f"{name}[:2]", f"{name}[0:2]"]), 1.0))
                elif s == M:
                    candidates.append((f"{name}[:, {self.index(scope, 3)}]", 1.0))
            if not candidates:
                candidates.append(("np.ones(2)", 1.0))
        elif shape == M:
            if not candidates:
                candidates.append(("np.ones((2, 3))", 1.0))
        if shape == SCALAR:
            for name, s in self.global_vars.items():
                if s != SCALAR:
                    candidates.append((f"{name}[{self.r.randrange(s[0])}]"
                                       if len(s) == 1 else f"{name}[1, {self.r.randrange(3)}]", 0.7))
        texts, weights = zip(*candidates)
        return self.r.choices(texts, weights)[0]

    def partner_shapes(self, shape) -> list[tuple[tuple, tuple]]:
        """Pairs of operand shapes that broadcast to `shape`."""
        if shape == SCALAR:
            return [(SCALAR, SCALAR)]
        pairs = [(shape, shape), (shape, shape), (shape, SCALAR), (SCALAR, shape)]
        if shape == M:
            pairs += [(M, V3), (V3, M)]
        return pairs

    def bounded(self, shape, scope, d) -> str:
        """An expression of `shape` with values in [-1, 1]-ish."""
        e = self.expr(shape, scope, d)
        form = self.r.randrange(4)
        if form == 0:
            return f"np.tanh({e})"
        if form == 1:
            return f"np.sin({e})"
        if form == 2:
            return f"np.cos({e})"
        return f"{e} / (1.0 + {e} * {e})" if len(e) < 40 else f"np.tanh({e})"

    def condition(self, scope: _Scope, d: int) -> str:
        """A scalar boolean expression."""
        def compare():
            a = self.expr(SCALAR, scope, d)
            b = self.literal() if self.chance(0.5) else self.expr(SCALAR, scope, d)
            if a == b:
                b = self.literal()
            return f"{a} {self.pick(['<', '>', '<=', '>='])} {b}"
        roll = self.r.random()
        if roll < 0.65 or d <= 0:
            return compare()
        if roll < 0.8:
            return f"{compare()} and {compare()}"
        if roll < 0.92:
            return f"{compare()} or {compare()}"
        return f"not ({compare()})"

    def expr(self, shape, scope: _Scope, d: int) -> str:
        if d <= 0 or self.chance(0.22):
            return self.leaf(shape, scope)
        productions = self.productions(shape, scope, d - 1)
        makers, weights = zip(*productions)
        return self.r.choices(makers, weights)[0]()

    def productions(self, shape, scope, d):
        r = self
        E = lambda s: r.expr(s, scope, d)  # noqa: E731
        out = []

        def binop():
            a, b = r.pick(r.partner_shapes(shape))
            return f"({E(a)} {r.pick(['+', '-', '*', '+', '*'])} {E(b)})"

        def div():
            a, b = r.pick(r.partner_shapes(shape))
            den = E(b)
            form = r.randrange(3)
            if form == 0:
                return f"({E(a)} / (1.0 + {den} * {den}))"
            if form == 1:
                return f"({E(a)} / (2.0 + np.cos({den})))"
            return f"({E(shape)} / {r.positive_literal(0.5, 3.0)})"

        def power():
            self.features.add("pow")
            form = r.randrange(5)
            if form == 0:
                return f"({E(shape)} ** 2)"
            if form == 1:
                return f"(np.tanh({E(shape)}) ** 3)"
            if form == 2:
                e = E(shape)
                return f"(({e} * {e} + 1.0) ** 0.5)"
            if form == 3:
                a, b = r.pick(r.partner_shapes(shape))
                e = E(a)
                return f"(({e} * {e} + 0.5) ** np.tanh({E(b)}))"
            e = E(shape)
            return f"np.power({e} * {e} + 1.0, {r.pick(['2', '1.5', '-0.5'])})"

        def unary():
            e = E(shape)
            forms = ["-{e}", "abs({e})", "np.sin({e})", "np.cos({e})", "np.tan(np.tanh({e}))",
                     "np.arctan({e})", "np.sinh(np.tanh({e}))", "np.cosh(np.tanh({e}))",
                     "np.tanh({e})", "np.exp(np.tanh({e}))", "np.log({e} * {e} + 1.0)",
                     "np.sqrt({e} * {e} + 1.0)", "np.square({e})"]
            if shape == SCALAR:
                forms += ["math.sin({e})", "math.cos({e})", "math.exp(np.tanh({e}))",
                          "math.log({e} * {e} + 1.0)", "math.sqrt({e} * {e} + 1.0)",
                          "math.exp(math.sin({e}))"] * 2
            if shape != SCALAR:
                forms += ["np.clip({e}, -0.5, 0.5)"]
            form = r.pick(forms)
            if len(e) > 60 and form.count("{e}") > 1:
                form = "np.tanh({e})"
            if form.startswith("abs"):
                self.features.add("abs")
            return "(" + form.format(e=e) + ")" if form.startswith("-") else form.format(e=e)

        def maxmin():
            a, b = r.pick(r.partner_shapes(shape))
            ea, eb = E(a), E(b)
            if ea == eb:
                eb = f"{eb} * 0.5"
            return f"np.{r.pick(['maximum', 'minimum'])}({ea}, {eb})"

        def where():
            self.features.add("where")
            a, b = r.pick(r.partner_shapes(shape))
            ca, cb = r.pick(r.partner_shapes(shape))
            left, right = E(ca), E(cb)
            if left == right:
                right = r.literal()
            return f"np.where({left} > {right}, {E(a)}, {E(b)})"

        def ifexp():
            self.features.add("ifexp")
            return f"({E(shape)} if {r.condition(scope, max(d - 1, 0))} else {E(shape)})"

        def stop():
            self.uses_stop_gradient = True
            self.features.add("stop_gradient")
            a, b = r.pick(r.partner_shapes(shape))
            inner = f"{E(a)} * {E(b)}" if shape != SCALAR or r.chance(0.5) else f"np.sin({E(shape)})"
            return f"sg.stop_gradient({inner})"

        def call():
            fits = [h for h in r.helpers if h[2] == shape]
            name, params, _ = r.pick(fits)
            self.features.add("call")
            return f"{name}({', '.join(E(p) for p in params)})"

        out += [(binop, 4.0), (div, 1.0), (power, 0.7), (unary, 3.0), (maxmin, 0.7),
                (ifexp, 0.3), (stop, 0.35)]
        if shape != SCALAR:
            out.append((where, 0.6))
        if any(h[2] == shape for h in r.helpers):
            out.append((call, 1.0))
        array_shapes = [s for s in r.shapes if s != SCALAR]
        if shape == SCALAR and array_shapes:
            def reduce():
                self.features.add("reduce")
                s = r.pick(array_shapes)
                fn = r.pick(["sum", "sum", "mean", "max", "min", "prod"])
                e = E(s)
                if fn == "prod":
                    return f"np.prod(np.tanh({e}) + 1.5)" if r.chance(0.5) else f"np.prod({e})"
                return f"np.{fn}({e})"

            def dot():
                self.features.add("dot")
                s = r.pick([s for s in array_shapes if len(s) == 1])
                a, b = E(s), E(s)
                return r.pick([f"np.dot({a}, {b})", f"({a} @ {b})"])
            out += [(reduce, 2.0), (dot, 0.8)]
        if shape == V3 and M in r.shapes:
            def axis0():
                self.features.add("reduce_axis")
                return f"np.{r.pick(['sum', 'mean', 'max', 'min'])}({E(M)}, axis=0)"

            def vecmat():
                self.features.add("dot")
                return r.pick([f"np.dot({E(V2)}, {E(M)})", f"({E(V2)} @ {E(M)})",
                               f"({E(M)}.T @ {E(V2)})"])
            out += [(axis0, 0.7), (vecmat, 0.5)]
        if shape == V2 and M in r.shapes:
            def axis1():
                self.features.add("reduce_axis")
                return f"np.{r.pick(['sum', 'mean', 'max', 'min'])}({E(M)}, axis=1)"

            def matvec():
                self.features.add("dot")
                return r.pick([f"np.dot({E(M)}, {E(V3)})", f"({E(M)} @ {E(V3)})"])
            out += [(axis1, 0.7), (matvec, 0.7)]
        if shape == M:
            def outer():
                self.features.add("outer")
                return f"np.outer({E(V2)}, {E(V3)})"
            out.append((outer, 0.6))
        return out

    # --- statements ------------------------------------------------------------------------

    def alias_sources(self, text: str, shape) -> set[str] | None:
        """The names an array-valued expression may share memory with, or None
        when it is a new array."""
        if shape == SCALAR:
            return None
        node = ast.parse(text, mode="eval").body

        def walk(n):
            if isinstance(n, ast.Name):
                return {n.id}
            if isinstance(n, ast.Subscript):
                return walk(n.value)
            if isinstance(n, ast.Attribute) and n.attr == "T":
                return walk(n.value)
            if isinstance(n, ast.IfExp):
                return (walk(n.body) or set()) | (walk(n.orelse) or set())
            if isinstance(n, ast.Call) and ast.unparse(n.func) == "sg.stop_gradient":
                return walk(n.args[0])
            return set()
        found = walk(node)
        return found or None

    def assign(self, lines, ind, scope, name, shape, text):
        lines.append(f"{ind}{name} = {text}")
        sources = self.alias_sources(text, shape)
        if sources:
            self.non_writable |= sources | {name}
            self.features.add("alias")
        scope.variables[name] = shape
        if shape != SCALAR and name not in self.non_writable:
            scope.writable.add(name)

    def writable_arrays(self, scope) -> list[str]:
        return [n for n in sorted(scope.writable)
                if n in scope.variables and n not in self.non_writable and scope.variables[n] != SCALAR]

    def block(self, lines, depth, scope: _Scope, budget: int, may_return: bool):
        """Append `budget`-ish statements at `depth` (indentation level). Returns
        True when the block ends with a return/break/continue (nothing may follow)."""
        ind = "    " * depth
        n = max(1, budget)
        for k in range(n):
            last = k == n - 1
            ended = self.statement(lines, depth, scope, ind, may_return and last)
            if ended:
                return True
        return False

    def statement(self, lines, depth, scope, ind, may_end) -> bool:
        r = self
        if not self.legacy and depth > 1 and self.r2.random() < NESTED_SPECIAL:
            kinds = [k for k in SPECIALS if k != "global" or self.global_vars]
            self.special(self.r2.choice(kinds), lines, depth, scope, ind, False)
            return False
        nesting_ok = depth < 3
        options = [("new", 3.0), ("overwrite", 1.5), ("augassign", 2.0), ("unpack", 0.6)]
        if nesting_ok:
            options += [("if", 1.3), ("for", 1.3), ("while", 0.8), ("fill", 0.8)]
        if self.writable_arrays(scope):
            options.append(("subscript_write", 1.0))
        if scope.loops and depth > 1:
            options += [("break", 0.5), ("continue", 0.4)]
        if may_end and depth > 1:
            options.append(("return", 0.5))
        kinds, weights = zip(*options)
        kind = r.r.choices(kinds, weights)[0]
        d = r.r.choice([1, 1, 2, 2, 3])

        if kind == "new":
            shape = r.pick(r.shapes)
            name = r.fresh("s" if shape == SCALAR else "a", shape)
            r.assign(lines, ind, scope, name, shape, r.expr(shape, scope, d))
        elif kind == "overwrite":
            names = [n for n in scope.variables if not (r.in_helper and n in r.helper_params)]
            if not names:
                return r.statement(lines, depth, scope, ind, may_end)
            name = r.pick(names)
            shape = scope.variables[name]
            self.features.add("overwrite")
            if scope.loops and r.chance(0.6):
                text = f"0.5 * {name} + {r.bounded(shape, scope, d)}"
            else:
                text = r.expr(shape, scope, d)
            r.assign(lines, ind, scope, name, shape, text)
        elif kind == "augassign":
            names = [n for n, s in scope.variables.items()
                     if (s == SCALAR or n in r.writable_arrays(scope))
                     and not (r.in_helper and n in r.helper_params)]
            if not names:
                return r.statement(lines, depth, scope, ind, may_end)
            name = r.pick(names)
            shape = scope.variables[name]
            rhs_shape = r.pick([shape, shape, SCALAR] + ([V3] if shape == M else []))
            op = r.pick(["+=", "-=", "*=", "+="])
            if op == "*=":
                rhs = r.pick([f"(0.5 + 0.4 * {r.bounded(rhs_shape, scope, d)})",
                              r.bounded(rhs_shape, scope, d)])
            elif scope.loops:
                rhs = r.bounded(rhs_shape, scope, d) if r.chance(0.5) else r.expr(rhs_shape, scope, d)
            else:
                rhs = r.expr(rhs_shape, scope, d)
            self.features.add("augassign")
            lines.append(f"{ind}{name} {op} {rhs}")
        elif kind == "unpack":
            self.features.add("unpack")
            same = [(a, b) for a in scope.variables for b in scope.variables
                    if a < b and scope.variables[a] == scope.variables[b]
                    and not (r.in_helper and (a in r.helper_params or b in r.helper_params))]
            if same and r.chance(0.6):
                a, b = r.pick(same)
                shape = scope.variables[a]
                rhs_b = r.bounded(shape, scope, d) if scope.loops else r.expr(shape, scope, d)
                rhs_b = f"{a} * {rhs_b}" if r.chance(0.5) else f"{a} + {rhs_b}"
                lines.append(f"{ind}{a}, {b} = {b}, {rhs_b}")
                if shape != SCALAR:
                    r.non_writable |= {a, b}
            else:
                s1, s2 = r.pick(r.shapes), r.pick(r.shapes)
                n1, n2 = r.fresh("u", s1), r.fresh("u", s2)
                e1, e2 = r.expr(s1, scope, d), r.expr(s2, scope, d)
                lines.append(f"{ind}{n1}, {n2} = {e1}, {e2}")
                for n, s, e in ((n1, s1, e1), (n2, s2, e2)):
                    scope.variables[n] = s
                    src = r.alias_sources(e, s)
                    if src:
                        r.non_writable |= src | {n}
                    elif s != SCALAR:
                        scope.writable.add(n)
        elif kind == "subscript_write":
            r.subscript_write(lines, ind, scope, d)
        elif kind == "if":
            self.features.add("if")
            lines.append(f"{ind}if {r.condition(scope, d)}:")
            r.block(lines, depth + 1, scope.child(), r.r.randint(1, 3), True)
            for _ in range(r.r.choice([0, 0, 1, 2])):
                self.features.add("elif")
                lines.append(f"{ind}elif {r.condition(scope, d)}:")
                r.block(lines, depth + 1, scope.child(), r.r.randint(1, 3), True)
            if r.chance(0.6):
                lines.append(f"{ind}else:")
                r.block(lines, depth + 1, scope.child(), r.r.randint(1, 3), True)
        elif kind == "for":
            r.for_loop(lines, depth, scope, ind, d)
        elif kind == "while":
            self.features.add("while")
            k = r.fresh("k", None)
            bound = r.r.randint(2, 6)
            lines.append(f"{ind}{k} = 0")
            if r.chance(0.7):
                lines.append(f"{ind}while {k} < {bound} and ({r.condition(scope, d)}):")
                lines.append(f"{ind}    {k} += 1")
            else:
                lines.append(f"{ind}while {r.condition(scope, d)}:")
                lines.append(f"{ind}    {k} += 1")
                lines.append(f"{ind}    if {k} > {bound}:")
                lines.append(f"{ind}        break")
            r.block(lines, depth + 1, scope.child(loop=True), r.r.randint(1, 3), True)
        elif kind == "fill":
            r.fill(lines, depth, scope, ind, d)
        elif kind == "break":
            self.features.add("break")
            lines.append(f"{ind}if {r.condition(scope, 1)}:")
            lines.append(f"{ind}    break")
        elif kind == "continue":
            self.features.add("continue")
            lines.append(f"{ind}if {r.condition(scope, 1)}:")
            lines.append(f"{ind}    continue")
        elif kind == "return":
            self.features.add("early_return")
            lines.append(f"{ind}return {r.result(scope, d)}")
            return True
        return False

    def result(self, scope, d, final=False) -> str:
        extra = ""
        if final:
            used = [u for u in self.must_use
                    if all(n in scope.variables or n in self.top_names for n in _names(u))]
            if used:
                extra = " + 0.5 * (" + " + ".join(used) + ")"
        if isinstance(self.out, list):
            texts = [self.expr(s, scope, d) for s in self.out]
            texts[0] = f"({texts[0]}){extra}" if extra else texts[0]
            return ", ".join(texts)
        text = self.expr(self.out, scope, d)
        return f"({text}){extra}" if extra else text

    def for_loop(self, lines, depth, scope, ind, d):
        r = self
        self.features.add("for")
        i = r.fresh("i", None)
        arrays = [(n, s) for n, s in scope.variables.items() if s != SCALAR]
        forms = [("range(3)", 0, 3), ("range(2)", 0, 2), ("range(1, 3)", 1, 3), ("range(4)", 0, 4)]
        for n, s in arrays:
            if len(s) == 1:
                forms.append((f"range(len({n}))", 0, s[0]))
            forms.append((f"range({n}.shape[0])", 0, s[0]))
            if len(s) == 2:
                forms.append((f"range({n}.shape[1])", 0, s[1]))
        header, lo, hi = r.pick(forms)
        lines.append(f"{ind}for {i} in {header}:")
        child = scope.child(index=(i, lo, hi), loop=True)
        r.block(lines, depth + 1, child, r.r.randint(1, 4), True)

    def fill(self, lines, depth, scope, ind, d):
        """`y = np.zeros(...)` (or a copy) filled element by element in a loop, or a
        reduction `s += x[i] * w[i]` in a loop."""
        r = self
        ind1 = ind + "    "
        roll = r.r.random()
        if roll < 0.35:
            # dot-product style accumulation
            self.features.add("accumulate")
            s = r.fresh("acc", SCALAR)
            lines.append(f"{ind}{s} = {r.pick(['0.0', r.literal()])}")
            vecs = [n for n, sh in scope.variables.items() if sh == V3]
            i = r.fresh("i", None)
            lines.append(f"{ind}for {i} in range(3):")
            child = scope.child(index=(i, 0, 3), loop=True)
            if len(vecs) >= 1:
                a = r.pick(vecs)
                b = r.pick(vecs)
                term = f"{a}[{i}] * {b}[{i}]" if r.chance(0.6) else f"{a}[{i}] * {r.bounded(SCALAR, child, d)}"
            else:
                term = r.bounded(SCALAR, child, d)
            lines.append(f"{ind1}{s} {r.pick(['+=', '+=', '-='])} {term}")
            scope.variables[s] = SCALAR
            return
        shape = r.pick([s for s in r.shapes if s != SCALAR] or [V3])
        y = r.fresh("y", shape)
        init = r.pick(["zeros", "zeros", "copy", "ones"])
        if init == "copy":
            text = f"{r.expr(shape, scope, d)} * 1.0"
        else:
            text = f"np.{init}({shape[0]})" if len(shape) == 1 else f"np.{init}({shape})"
        r.assign(lines, ind, scope, y, shape, text)
        self.features.add("fill")
        if len(shape) == 1:
            i = r.fresh("i", None)
            lines.append(f"{ind}for {i} in range({shape[0]}):")
            child = scope.child(index=(i, 0, shape[0]), loop=True)
            body = []
            if r.chance(0.3):
                r.statement(body, depth + 1, child, ind1, False)
            op = r.pick(["=", "=", "+=", "*="]) if init != "zeros" else r.pick(["=", "+="])
            rhs = (f"(0.5 + 0.4 * {r.bounded(SCALAR, child, d)})" if op == "*="
                   else r.expr(SCALAR, child, d))
            body.append(f"{ind1}{y}[{i}] {op} {rhs}")
            lines += body
        else:
            i, j = r.fresh("i", None), r.fresh("j", None)
            lines.append(f"{ind}for {i} in range({shape[0]}):")
            child = scope.child(index=(i, 0, shape[0]), loop=True)
            if r.chance(0.4):
                lines.append(f"{ind1}{y}[{i}] = {r.expr(V3, child, d)}"
                             if r.chance(0.5) else f"{ind1}{y}[{i}, :] += {r.expr(V3, child, d)}")
            else:
                lines.append(f"{ind1}for {j} in range({shape[1]}):")
                grand = child.child(index=(j, 0, shape[1]), loop=True)
                lines.append(f"{ind1}    {y}[{i}, {j}] {r.pick(['=', '+='])} {r.expr(SCALAR, grand, d)}")

    def subscript_write(self, lines, ind, scope, d):
        r = self
        name = r.pick(r.writable_arrays(scope))
        shape = scope.variables[name]
        self.features.add("subscript_write")
        op = r.pick(["=", "+=", "-=", "*="])

        def rhs(s):
            if op == "*=":
                return f"(0.5 + 0.4 * {r.bounded(s, scope, d)})"
            return r.bounded(s, scope, d) if scope.loops else r.expr(s, scope, d)
        if len(shape) == 1:
            if shape == V3 and r.chance(0.25):
                self.features.add("slice_write")
                lines.append(f"{ind}{name}[0:2] {op} {rhs(V2)}")
            else:
                lines.append(f"{ind}{name}[{r.index(scope, shape[0])}] {op} {rhs(SCALAR)}")
        else:
            if r.chance(0.5):
                lines.append(f"{ind}{name}[{r.index(scope, 2)}, {r.index(scope, 3)}] {op} {rhs(SCALAR)}")
            else:
                lines.append(f"{ind}{name}[{r.index(scope, 2)}] {op} {rhs(V3)}")

    # --- the shapes added later (SPECIALS) ------------------------------------------------------
    #
    # Each is drawn for a program with its probability in SPECIALS (from `r2`),
    # and written at a random place among the statements of `f`'s top level;
    # rarely, also inside a nested block.  At the top level, what it computes is
    # added into `f`'s result (`must_use`), so that a wrong gradient through it
    # shows.

    def one_d(self, scope) -> list[tuple[str, int]]:
        """1-D float arrays readable here, with their lengths."""
        return [(n, s[0]) for n, s in scope.variables.items() if len(s) == 1]

    def source_vector(self, lines, ind, scope, d) -> tuple[str, int]:
        """A 1-D array to read from: a variable, or a new one computed here."""
        vecs = self.one_d(scope)
        if vecs and self.chance(0.6):
            return self.pick(vecs)
        name = self.fresh("a", None)
        if V3 in self.shapes or V2 in self.shapes:
            shape = self.pick([s for s in self.shapes if len(s) == 1 and s != SCALAR])
            lines.append(f"{ind}{name} = {self.bounded(shape, scope, d)} * 1.5")
            return name, shape[0]
        lines.append(f"{ind}{name} = np.cos(np.arange(3.0) * 0.7 + {self.bounded(SCALAR, scope, d)})")
        return name, 3

    def repeated_index(self, length: int, count: int) -> list[int]:
        """`count` indices into an axis of `length`, at least one repeated."""
        while True:
            idx = [self.r.randrange(length) for _ in range(count)]
            if len(set(idx)) < count:
                return idx

    def special(self, kind, lines, depth, scope, ind, top: bool):
        getattr(self, f"special_{kind}")(lines, depth, scope, ind, top)

    def use(self, text: str, top: bool):
        """Add `text` into `f`'s result, if the special is at the top level (its
        names are then defined at the final return)."""
        if top:
            self.must_use.append(text)
            self.top_names |= _names(text)

    def special_carry(self, lines, depth, scope, ind, top):
        """Loop-carried scalars: a chain `v4 = 0.9 * v3; v3 = 0.8 * v2; ...` (each
        reads the value of the previous iteration), a rotation `a, b, c = b, c,
        a * w`, or nested loops carrying a group each."""
        r = self
        ind1, ind2 = ind + "    ", ind + "        "
        form = r.pick(["chain", "chain", "rotate", "nested"])
        self.features.add(f"carry_{form}")
        d = 1

        def group(n):
            names = [r.fresh("c", SCALAR) for _ in range(n)]
            for k, name in enumerate(names):
                init = r.bounded(SCALAR, scope, d) if k == 0 or r.chance(0.3) else r.literal(-1, 1)
                lines.append(f"{ind}{name} = {init}")
            return names

        def chain_body(names, child, pad, feed=None):
            body = []
            for k in range(len(names) - 1, 0, -1):
                term = f"{r.positive_literal(0.5, 1.1)} * {names[k - 1]}"
                if r.chance(0.25):
                    term += f" + 0.3 * {r.bounded(SCALAR, child, d)}"
                body.append(f"{pad}{names[k]} = {term}")
            source = feed or r.bounded(SCALAR, child, d)
            if r.chance(0.5):
                body.append(f"{pad}{names[0]} = {r.positive_literal(0.3, 0.7)} * {names[-1]} + {source}")
            else:
                body.append(f"{pad}{names[0]} = 0.5 * {names[0]} + {source}")
            return body

        if form == "chain":
            names = group(r.pick([3, 5, 6, 7, 8, 9, 10]))
            t, m = r.fresh("i", None), len(names) + r.randrange(0, 3)
            lines.append(f"{ind}for {t} in range({m}):")
            lines += chain_body(names, scope.child(index=(t, 0, m), loop=True), ind1)
            outs = names
        elif form == "rotate":
            names = group(r.pick([3, 4, 5, 6, 8, 10]))
            t, m = r.fresh("i", None), len(names) + r.randrange(0, 3)
            lines.append(f"{ind}for {t} in range({m}):")
            child = scope.child(index=(t, 0, m), loop=True)
            w = r.pick([f"(0.5 + 0.4 * {r.bounded(SCALAR, child, d)})", r.positive_literal(0.5, 1.1)])
            tail = f"{names[0]} * {w}" if r.chance(0.6) else f"0.5 * {names[0]} + {r.bounded(SCALAR, child, d)}"
            lines.append(f"{ind1}{', '.join(names)} = {', '.join(names[1:])}, {tail}")
            outs = names
        else:
            outer = group(r.pick([2, 3, 4, 5]))
            inner = group(r.pick([3, 4, 5, 6]))
            t, t2 = r.fresh("i", None), r.fresh("i", None)
            m, m2 = r.pick([2, 3, 4]), len(inner) + r.randrange(0, 2)
            lines.append(f"{ind}for {t} in range({m}):")
            child = scope.child(index=(t, 0, m), loop=True)
            lines.append(f"{ind1}for {t2} in range({m2}):")
            grand = child.child(index=(t2, 0, m2), loop=True)
            lines += chain_body(inner, grand, ind2, feed=f"0.3 * {outer[-1]}")
            lines += chain_body(outer, child, ind1, feed=f"0.2 * {inner[-1]}")
            outs = outer + inner
        for name in outs:
            scope.variables[name] = SCALAR
        self.use(outs[-1] if r.chance(0.5) else " + ".join(outs[-3:]), top)

    def special_iir(self, lines, depth, scope, ind, top):
        """An IIR filter over a 1-D array: `y[i] = b * x[i] + a1 * p1 + a2 * p2`."""
        r = self
        self.features.add("iir")
        src, n = r.source_vector(lines, ind, scope, 1)
        y, p1, p2 = r.fresh("y", None), r.fresh("c", SCALAR), r.fresh("c", SCALAR)
        a1 = r.pick([r.literal(-0.9, 0.9), f"0.8 * np.tanh({r.expr(SCALAR, scope, 1)})"])
        a2 = r.pick([r.literal(-0.4, 0.4), f"0.3 * np.sin({r.expr(SCALAR, scope, 1)})"])
        b = r.pick([r.positive_literal(0.5, 1.5), f"(1.0 + 0.5 * np.tanh({r.expr(SCALAR, scope, 1)}))"])
        lines.append(f"{ind}{y} = np.zeros({n})")
        lines.append(f"{ind}{p1} = 0.0")
        lines.append(f"{ind}{p2} = {r.pick(['0.0', r.literal(-1, 1)])}")
        i = r.fresh("i", None)
        rounds = r.pick([1, 2])
        at = i if rounds == 1 else f"{i} % {n}"
        lines.append(f"{ind}for {i} in range({n * rounds}):")
        if r.chance(0.5):
            lines.append(f"{ind}    {y}[{at}] = {b} * {src}[{at}] + {a1} * {p1} + {a2} * {p2}")
            lines.append(f"{ind}    {p2} = {p1}")
            lines.append(f"{ind}    {p1} = {y}[{at}]")
        else:
            v = r.fresh("s", SCALAR)
            lines.append(f"{ind}    {v} = {b} * {src}[{at}] + {a1} * {p1} + {a2} * {p2}")
            lines.append(f"{ind}    {p2}, {p1} = {p1}, {v}")
            lines.append(f"{ind}    {y}[{at}] = {v}")
        for name in (p1, p2):
            scope.variables[name] = SCALAR
        if (n,) in self.shapes:
            self.shapes_taken[y] = (n,)
            scope.variables[y] = (n,)
            scope.writable.add(y)
        self.use(r.pick([f"np.sum({y} * {y})", f"np.sum(np.sin({y}))", p1]), top)

    def special_inplace(self, lines, depth, scope, ind, top):
        """NumPy calls that write into an argument: `np.add.at(acc, idx, v)` with a
        constant index array that repeats, `np.exp(y, out=y)`, `np.multiply(a, b, out=a)`."""
        r = self
        shapes = [s for s in self.shapes if s != SCALAR and len(s) == 1]
        form = r.pick(["add_at", "add_at", "out", "out"] if shapes else ["add_at"])
        self.features.add(f"inplace_{form}")
        d = 1
        if form == "add_at":
            n = r.pick([2, 3]) if shapes else 3
            count = r.pick([s[0] for s in shapes] + [3, 4]) if shapes else r.pick([3, 4])
            idx = r.fresh("idx", None)
            acc = r.fresh("y", None)
            lines.append(f"{ind}{idx} = np.array({r.repeated_index(n, count)})")
            init = (f"np.zeros({n})" if r.chance(0.5) or (n,) not in self.shapes
                    else f"{r.expr((n,), scope, d)} * 1.0")
            lines.append(f"{ind}{acc} = {init}")
            value = (r.expr((count,), scope, d) if (count,) in self.shapes and r.chance(0.7)
                     else r.expr(SCALAR, scope, d))
            lines.append(f"{ind}np.add.at({acc}, {idx}, {value})")
        else:
            shape = r.pick(shapes)
            n = shape[0]
            acc = r.fresh("y", None)
            fn = r.pick(["exp", "sin", "tanh", "multiply", "multiply", "add"])
            if fn in ("multiply", "add"):
                lines.append(f"{ind}{acc} = {r.expr(shape, scope, d)} * 1.0")
                other = r.bounded(r.pick([shape, SCALAR]), scope, d)
                lines.append(f"{ind}np.{fn}({acc}, {other}, out={acc})")
            else:
                lines.append(f"{ind}{acc} = {r.bounded(shape, scope, d)} * 1.0")
                lines.append(f"{ind}np.{fn}({acc}, out={acc})")
        if (n,) in self.shapes:
            self.shapes_taken[acc] = (n,)
            scope.variables[acc] = (n,)
            scope.writable.add(acc)
        self.use(r.pick([f"np.sum(np.sin({acc}))", f"np.sum({acc} * {acc})"]), top)

    def special_dup_write(self, lines, depth, scope, ind, top):
        """Writes through an index array with repeated entries: `y[idx] = v`,
        `y[idx] += v`, `y[idx] = y[idx] * c` (NumPy: the last write wins)."""
        r = self
        shapes = [s for s in self.shapes if s != SCALAR and len(s) == 1]
        n = r.pick([s[0] for s in shapes]) if shapes else 3
        count = r.pick([s[0] for s in shapes] + [3]) if shapes else 3
        idx, y = r.fresh("idx", None), r.fresh("y", None)
        index = r.repeated_index(n, count)
        if "ix0" in self.int_params and count == 3 and n == 3 and r.chance(0.5):
            lines_idx = None
            idx = "ix0"
        else:
            lines_idx = f"{ind}{idx} = np.array({index})"
        if lines_idx:
            lines.append(lines_idx)
        init = (f"np.zeros({n})" if r.chance(0.3) or (n,) not in self.shapes
                else f"{r.expr((n,), scope, 1)} * 1.0")
        lines.append(f"{ind}{y} = {init}")
        form = r.pick(["=", "+=", "-=", "scale", "scale_aug"])
        self.features.add("dup_index_write")
        value = (r.expr((count,), scope, 1) if (count,) in self.shapes and r.chance(0.7)
                 else r.expr(SCALAR, scope, 1))
        if form == "scale":
            lines.append(f"{ind}{y}[{idx}] = {y}[{idx}] * {r.pick([r.literal(), value])}")
        elif form == "scale_aug":
            lines.append(f"{ind}{y}[{idx}] *= {r.pick([r.positive_literal(0.5, 1.5), value])}")
        else:
            lines.append(f"{ind}{y}[{idx}] {form} {value}")
        if (n,) in self.shapes:
            self.shapes_taken[y] = (n,)
            scope.variables[y] = (n,)
            scope.writable.add(y)
        self.use(r.pick([f"np.sum(np.sin({y}))", f"np.sum({y} * {y})"]), top)

    def special_cast(self, lines, depth, scope, ind, top):
        """Casts to integers: `x.astype(int) * x`, `np.asarray(x, dtype=int)`, `int(s)`."""
        r = self
        shapes = [s for s in self.shapes if s != SCALAR]
        shape = r.pick(shapes) if shapes else SCALAR
        e = r.expr(shape, scope, 1)
        scaled = f"(2.5 * {e})" if len(e) < 40 else f"(2.5 * np.tanh({e}))"
        if shape == SCALAR:
            cast = r.pick([f"int({scaled})", f"float(int({scaled}))"])
        else:
            cast = r.pick([f"{scaled}.astype(int)", f"{scaled}.astype(np.int64)",
                           f"np.asarray({scaled}, dtype=int)"])
        self.features.add("cast")
        name = r.fresh("s" if shape == SCALAR else "a", shape)
        lines.append(f"{ind}{name} = {cast} * {r.expr(shape, scope, 1)}")
        scope.variables[name] = shape
        if shape != SCALAR:
            scope.writable.add(name)
        self.use(name if shape == SCALAR else f"np.sum({name})", top)

    def special_ramp(self, lines, depth, scope, ind, top):
        """`np.linspace(a, b, n)`, `np.arange(n) * step + start`, and `np.arange(start,
        stop, step)` with float start and step, whose length stays the same under
        small changes (`(stop - start) / step` is kept half-way between integers)."""
        r = self
        form = r.pick(["linspace", "arange_scaled", "arange"])
        self.features.add(f"ramp_{form}")
        t = r.fresh("t", None)
        n = r.pick([3, 4, 5])
        if form == "linspace":
            a = r.bounded(SCALAR, scope, 1)
            b = f"{r.positive_literal(1.0, 2.0)} + 0.5 * {r.bounded(SCALAR, scope, 1)}"
            lines.append(f"{ind}{t} = np.linspace({a}, {b}, {n})")
        elif form == "arange_scaled":
            step = f"(0.5 + 0.3 * {r.bounded(SCALAR, scope, 1)})"
            start = r.expr(SCALAR, scope, 1)
            lines.append(f"{ind}{t} = np.arange({n}) * {step} + {start}")
        else:
            # (stop - start) / step in [n - 0.66, n - 0.34]: the length stays n
            start0 = round(r.r.uniform(-1.0, 1.0), 2)
            step0 = round(r.r.uniform(0.4, 0.8), 2)
            stop = round(start0 + (n - 0.5) * step0, 4)
            start = f"{start0} + 0.02 * np.tanh({r.expr(SCALAR, scope, 1)})"
            step = f"{step0} + 0.01 * np.sin({r.expr(SCALAR, scope, 1)})"
            lines.append(f"{ind}{t} = np.arange({start}, {stop}, {step})")
        self.use(r.pick([f"np.sum(np.sin({t}))", f"np.sum({t} * {t}) / {n}.0"]), top)

    def special_python(self, lines, depth, scope, ind, top):
        """The Python of real code (see the module's docstring)."""
        r = self
        ind1 = ind + "    "
        form = r.pick(["for_each", "enumerate", "zip", "list", "closure", "tuple_state", "dict",
                       "generator", "grown", "grown_comprehension"])
        self.features.add(f"python_{form}")
        s = r.fresh("s", SCALAR)
        if form in ("for_each", "enumerate", "zip", "generator"):
            vec, n = self.source_vector(lines, ind, scope, 1)
            w = r.bounded(SCALAR, scope, 1)
            lines.append(f"{ind}{s} = {r.literal(-1, 1)}")
            if form == "for_each":
                lines.append(f"{ind}for v in {vec}:")
                lines.append(f"{ind1}{s} = 0.6 * {s} + np.tanh(v * {w})")
            elif form == "enumerate":
                lines.append(f"{ind}for i, v in enumerate({vec}, start=1):")
                lines.append(f"{ind1}{s} = {s} + i * np.sin(v + {w})")
            elif form == "zip":
                other, _ = self.source_vector(lines, ind, scope, 1)
                lines.append(f"{ind}for v, u in zip({vec}, {other}):")
                lines.append(f"{ind1}{s} = {s} + v * np.cos(u) * {w}")
            else:
                lines.append(f"{ind}{s} = {s} + sum({vec}[i] * np.tanh({vec}[i] + {w}) "
                             f"for i in range(len({vec})) if i != 1)")
        elif form in ("grown", "grown_comprehension"):  # lists of computed length
            vec, n = self.source_vector(lines, ind, scope, 1)
            w = r.bounded(SCALAR, scope, 1)
            acc = r.fresh("acc", None)
            if form == "grown":
                lines.append(f"{ind}{acc} = []")
                lines.append(f"{ind}for v in {vec}:")
                lines.append(f"{ind1}{acc}.append(np.tanh(v * {w}) + "
                             f"(0.5 * {acc}[-1] if len({acc}) > 0 else 0.0))")
            else:
                lines.append(f"{ind}{acc} = [np.sin(v) * {w} for v in {vec} if v > -5.0]")
            lines.append(f"{ind}{s} = " + r.pick([f"np.sum(np.array({acc}))",
                                                  f"sum({acc}) + {acc}[-1] * len({acc})"]))
        elif form == "list":
            acc = r.fresh("acc", None)
            k = r.pick([2, 3])
            lines.append(f"{ind}{acc} = []")
            lines.append(f"{ind}for k in range({k}):")
            lines.append(f"{ind1}{acc}.append(np.sin({r.bounded(SCALAR, scope, 1)} * (k + 1)))")
            lines.append(f"{ind}{s} = " + r.pick([f"np.sum(np.stack({acc}))",
                                                  f"sum({acc}) + {acc}[-1] * len({acc})"]))
        elif form == "closure":
            g, c = r.fresh("g", None), r.fresh("c", SCALAR)
            lines.append(f"{ind}{c} = {r.bounded(SCALAR, scope, 1)}")
            lines.append(f"{ind}def {g}(v):")
            lines.append(f"{ind1}return np.tanh({c} * v + 0.5)")
            lines.append(f"{ind}{s} = {g}({r.bounded(SCALAR, scope, 1)}) + {g}({c})")
        elif form == "tuple_state":
            st = r.fresh("st", None)
            lines.append(f"{ind}{st} = ({r.bounded(SCALAR, scope, 1)}, {r.literal(-1, 1)})")
            lines.append(f"{ind}for k in range({r.pick([2, 3])}):")
            lines.append(f"{ind1}p, q = {st}")
            lines.append(f"{ind1}{st} = (p + 0.1 * q, q - 0.1 * np.sin(p))")
            lines.append(f"{ind}{s} = {st}[0] + 2.0 * {st}[1]")
        else:
            d = r.fresh("d", None)
            lines.append(f"{ind}{d} = {{\"a\": {r.bounded(SCALAR, scope, 1)}, "
                         f"\"b\": {r.bounded(SCALAR, scope, 1)}}}")
            lines.append(f"{ind}{d}[\"c\"] = {d}[\"a\"] * {d}[\"b\"]")
            lines.append(f"{ind}{s} = {d}[\"c\"] + np.sin({d}[\"a\"])")
        scope.variables[s] = SCALAR
        self.use(s, top)

    def special_int_index(self, lines, depth, scope, ind, top):
        """Integer index arithmetic: `a[i - k]` with `k` an integer parameter or
        computed, `a[iarr[j]]` with an integer array."""
        r = self
        src, n = r.source_vector(lines, ind, scope, 1)
        acc = r.fresh("acc", SCALAR)
        lines.append(f"{ind}{acc} = {r.pick(['0.0', r.literal()])}")
        i = r.fresh("i", None)
        forms = ["computed", "iarr"]
        k_value = self.int_params.get("n0")
        if k_value is not None and k_value < n:
            forms += ["param", "param", "param_direct"]
        if "ix0" in self.int_params and n == 3:
            forms += ["iarr_param", "iarr_param"]
        form = r.pick(forms)
        self.features.add(f"int_index_{form}")
        child = scope.child(index=(i, 0, n), loop=True)
        term = r.pick([f"{src}[{i}]", r.bounded(SCALAR, child, 1)])
        if form in ("param", "computed"):
            if form == "param":
                k = "n0"
            else:
                k = r.fresh("k", None)
                lines.append(f"{ind}{k} = {r.pick([f'len({src}) - {n - 1}', f'{src}.shape[0] - {n - 1}'])}")
            lines.append(f"{ind}for {i} in range({k}, {n}):")
            lines.append(f"{ind}    {acc} += {src}[{i} - {k}] * {term}")
        elif form == "param_direct":
            lines.append(f"{ind}{acc} += {src}[{n - 1} - n0] * {r.bounded(SCALAR, scope, 1)}")
            lines.append(f"{ind}{acc} += {src}[n0] * {src}[n0 - 1]")
        else:
            if form == "iarr":
                iarr = r.fresh("iarr", None)
                lines.append(f"{ind}{iarr} = np.array({[r.randrange(n) for _ in range(n)]})")
            else:
                iarr = "ix0"
            lines.append(f"{ind}for {i} in range({n}):")
            lines.append(f"{ind}    {acc} += {src}[{iarr}[{i}]] * {term}")
        scope.variables[acc] = SCALAR
        self.use(acc, top)

    def special_global(self, lines, depth, scope, ind, top):
        """Reads of a module global that the test rebinds between two calls."""
        r = self
        name = self.pick(sorted(self.global_vars))
        shape = self.global_vars[name]
        self.features.add("global")
        v = r.fresh("s" if shape == SCALAR else "a", shape)
        lines.append(f"{ind}{v} = {name} * {r.expr(shape, scope, 1)}")
        scope.variables[v] = shape
        if shape != SCALAR:
            scope.writable.add(v)
        self.use(v if shape == SCALAR else f"np.sum({v})", top)

    # --- functions and the module ------------------------------------------------------------

    def helper(self, k: int) -> str:
        name = f"h{k}"
        n = self.r.randint(1, 2)
        params = [self.pick(self.shapes) for _ in range(n)]
        result = self.pick(self.shapes) if self.chance(0.5) else SCALAR
        names = [f"p{j}" for j in range(n)]
        self.shapes_taken = dict(zip(names, params))
        self.non_writable = set(names)  # a helper does not write into its arguments
        self.in_helper = True
        self.helper_params = set(names)
        scope = _Scope(dict(zip(names, params)))
        saved_out = self.out
        self.out = result
        lines = [f"def {name}({', '.join(names)}):"]
        ended = self.block(lines, 1, scope, self.r.randint(1, 3), False)
        if not ended:
            lines.append(f"    return {self.expr(result, scope, 2)}")
        self.out = saved_out
        self.in_helper = False
        self.helpers.append((name, params, result))
        return "\n".join(lines) + "\n"

    def generate(self) -> Program:
        r = self
        self.kind = r.r.choices(["scalar", "1d", "2d"], [0.3, 0.4, 0.3])[0]
        if self.kind == "scalar":
            self.shapes = [SCALAR]
            param_shapes = [SCALAR] * r.r.randint(1, 3)
        elif self.kind == "1d":
            self.shapes = [SCALAR, V3, V3, V2]
            param_shapes = [V3] + [r.pick([SCALAR, V3]) for _ in range(r.r.randint(0, 2))]
        else:
            self.shapes = [SCALAR, M, M, V3, V2]
            param_shapes = [M] + [r.pick([SCALAR, M, V3, V2]) for _ in range(r.r.randint(0, 2))]
        r.r.shuffle(param_shapes)

        # the later shapes: integer parameters, module globals, SPECIALS (drawn from r2)
        specials: list[str] = []
        globals_initial: dict[str, Any] = {}
        globals_rebound: dict[str, Any] = {}
        int_params: list[tuple[int, str]] = []  # (position, name)
        if not self.legacy:
            r2 = self.r2
            if self.kind != "scalar" and r2.random() < INT_PARAM:
                self.int_params["n0"] = r2.choice([1, 2])
                int_params.append((r2.randint(0, len(param_shapes)), "n0"))
            if self.kind != "scalar" and r2.random() < INT_ARRAY_PARAM:
                self.int_params["ix0"] = self.repeated_index_r2(3, 3)
                int_params.append((r2.randint(0, len(param_shapes) + len(int_params)), "ix0"))
            if r2.random() < GLOBAL:
                shape = r2.choice([SCALAR] + [s for s in self.shapes if s != SCALAR])
                name = "SCALE" if shape == SCALAR else "W"
                self.global_vars[name] = shape
                globals_initial[name] = self.global_value(shape)
                globals_rebound[name] = self.global_value(shape)
                specials.append("global")
            for kind, p in SPECIALS.items():
                if kind == "int_index" and self.int_params:
                    p = INT_INDEX_WITH_PARAM  # the integer parameters are there for it
                if r2.random() < p:
                    specials.append(kind)
            r2.shuffle(specials)

        parts = [HEADER]
        for name, value in globals_initial.items():
            parts.append(f"\n{name} = {_literal(value)}\n")
        for k in range(r.r.choice([0, 0, 1, 1, 2])):
            parts.append("\n\n" + self.helper(k))

        roll = r.r.random()
        array_shapes = [s for s in self.shapes if s != SCALAR]
        if roll < 0.65 or not array_shapes and roll < 0.85:
            self.out = SCALAR
        elif roll < 0.85:
            self.out = r.pick(array_shapes)
        else:
            self.out = [SCALAR, r.pick(self.shapes)]
        names = [f"x{j}" for j in range(len(param_shapes))]
        self.shapes_taken = dict(zip(names, param_shapes))
        self.non_writable = set()
        self.helper_params = set()
        scope = _Scope(dict(zip(names, param_shapes)),
                       writable={n for n, s in zip(names, param_shapes) if s != SCALAR})
        signature = list(names)
        for position, name in int_params:
            signature.insert(position, name)
        lines = [f"def f({', '.join(signature)}):"]
        # the top level: the first generator's block, with the specials placed among
        # its statements
        budget = r.r.randint(2, 7)
        slots = sorted(self.r2.randint(0, budget) for _ in specials)
        pending = list(zip(slots, specials))
        for k in range(budget):
            while pending and pending[0][0] == k:
                self.special(pending.pop(0)[1], lines, 1, scope, "    ", True)
            ended = self.statement(lines, 1, scope, "    ", False)
            assert not ended
        for _, kind in pending:
            self.special(kind, lines, 1, scope, "    ", True)
        lines.append(f"    return {self.result(scope, 2, final=True)}")
        parts.append("\n\n" + "\n".join(lines) + "\n")
        source = "".join(parts)

        # arguments, differentiation options
        args = []
        import numpy as np

        for s in param_shapes:
            if s == SCALAR:
                args.append(round(r.r.uniform(-1.5, 1.5), 6))
            else:
                n = 1
                for dim in s:
                    n *= dim
                args.append(np.array([round(r.r.uniform(-1.5, 1.5), 6) for _ in range(n)]).reshape(s))
        # the integer parameters go where the signature has them; `positions` are
        # the float parameters' (what is differentiated)
        param_shapes = list(param_shapes)
        for position, name in int_params:
            value = self.int_params[name]
            args.insert(position, value if isinstance(value, int) else np.array(value))
            param_shapes.insert(position, None)  # an integer: not differentiated
        names = signature
        positions = [k for k, shape in enumerate(param_shapes) if shape is not None]
        roll = r.r.random()
        if roll < 0.6:
            wrt: Any = tuple(positions)
            wrt_positions = tuple(positions)
        elif roll < 0.8:
            k = r.pick(positions)
            wrt, wrt_positions = k, (k,)
        else:
            chosen = r.r.sample(positions, r.r.randint(1, len(positions)))
            wrt = tuple(names[k] for k in chosen)
            wrt_positions = tuple(chosen)
        grad_ys = None
        if r.chance(0.3):
            grad_ys = self.cotangent(self.out)
        if self.int_params:
            self.features.add("int_param")
        return Program(seed=self.seed, source=source, fn_name="f", param_names=names,
                       param_shapes=param_shapes, args=tuple(args), wrt=wrt,
                       wrt_positions=wrt_positions, grad_ys=grad_ys,
                       unconnected=r.pick(["none", "zero"]),
                       value_and_grad=r.chance(0.2), uses_stop_gradient=self.uses_stop_gradient,
                       features=set(self.features), globals_initial=globals_initial,
                       globals_rebound=globals_rebound)

    def repeated_index_r2(self, length: int, count: int) -> list[int]:
        while True:
            idx = [self.r2.randrange(length) for _ in range(count)]
            if len(set(idx)) < count:
                return idx

    def global_value(self, shape):
        import numpy as np

        if shape == SCALAR:
            return round(self.r2.uniform(0.5, 2.0), 2)
        n = 1
        for dim in shape:
            n *= dim
        return np.array([round(self.r2.uniform(-1.5, 1.5), 2) for _ in range(n)]).reshape(shape)

    def cotangent(self, out):
        import numpy as np

        if isinstance(out, list):
            return tuple(self.cotangent(s) for s in out)
        if out == SCALAR:
            return round(self.r.uniform(0.5, 2.0), 3)
        n = 1
        for dim in out:
            n *= dim
        return np.array([round(self.r.uniform(-2.0, 2.0), 3) for _ in range(n)]).reshape(out)


def generate(seed: int, legacy: bool = False) -> Program:
    """The program of `seed`; `legacy=True`: the program the generator made for
    it before the SPECIALS, integer parameters and module globals were added."""
    return Generator(seed, legacy).generate()


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["0"]:
        program = generate(int(arg))
        print(f"# seed {program.seed}: wrt={program.wrt!r} grad_ys={program.grad_ys!r} "
              f"unconnected={program.unconnected} value_and_grad={program.value_and_grad}")
        print(f"# args = {program.args!r}")
        if program.globals_rebound:
            print(f"# rebound after the first call: {program.globals_rebound!r}")
        print(program.source)
