"""A seeded generator of random programs for the differential fuzz test
(`test_fuzz.py`).

`generate(seed)` returns a `Program`: the SOURCE TEXT of a Python module
(`import math`, `import numpy as np`, `import srcgrad as sg`, zero or more
helper functions `h0, h1, ...` and the function `f` to differentiate), the
arguments to call `f` with, and how to differentiate it (`wrt`, `grad_ys`,
options).  Everything is drawn from `random.Random(seed)`: the same seed
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

    def make_args(self) -> tuple:
        """Fresh copies of the arguments."""
        import numpy as np

        return tuple(np.array(a) if isinstance(a, np.ndarray) else a for a in self.args)


def _fmt(value: float) -> str:
    return repr(round(value, 2))


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
    def __init__(self, seed: int):
        self.seed = seed
        self.r = random.Random(seed)
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

    def result(self, scope, d) -> str:
        if isinstance(self.out, list):
            return ", ".join(self.expr(s, scope, d) for s in self.out)
        return self.expr(self.out, scope, d)

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

        parts = [HEADER]
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
        lines = [f"def f({', '.join(names)}):"]
        ended = self.block(lines, 1, scope, r.r.randint(2, 7), False)
        assert not ended
        lines.append(f"    return {self.result(scope, 2)}")
        parts.append("\n\n" + "\n".join(lines) + "\n")
        source = "".join(parts)

        # arguments, differentiation options
        args = []
        for s in param_shapes:
            if s == SCALAR:
                args.append(round(r.r.uniform(-1.5, 1.5), 6))
            else:
                import numpy as np

                n = 1
                for dim in s:
                    n *= dim
                args.append(np.array([round(r.r.uniform(-1.5, 1.5), 6) for _ in range(n)]).reshape(s))
        positions = list(range(len(param_shapes)))
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
        return Program(seed=self.seed, source=source, fn_name="f", param_names=names,
                       param_shapes=param_shapes, args=tuple(args), wrt=wrt,
                       wrt_positions=wrt_positions, grad_ys=grad_ys,
                       unconnected=r.pick(["none", "zero"]),
                       value_and_grad=r.chance(0.2), uses_stop_gradient=self.uses_stop_gradient,
                       features=set(self.features))

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


def generate(seed: int) -> Program:
    """The program of `seed`."""
    return Generator(seed).generate()


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["0"]:
        program = generate(int(arg))
        print(f"# seed {program.seed}: wrt={program.wrt!r} grad_ys={program.grad_ys!r} "
              f"unconnected={program.unconnected} value_and_grad={program.value_and_grad}")
        print(f"# args = {program.args!r}")
        print(program.source)
