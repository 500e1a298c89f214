"""Front-end fuzzing: functions outside srcgrad's subset, malformed-but-valid
Python and odd-but-valid code, generated from fragments by a seeded
generator.  Every outcome must be one of

- a gradient equal to central finite differences of the original function
  (`gradcheck.py`), with the arguments left unchanged;
- an `sg.SrcGradError` whose message starts with the program's file and a
  line that a fragment marked as one srcgrad may refuse (`# <- refused`: it
  must refuse something there, unless it gets the gradient right;
  `# <- maybe`: it may);
- for a decorator that makes the function something other than a function
  (a bound method, a NumPy vectorize object), the `TypeError` that SPEC.md
  gives `grad()` of a non-function;

never another exception, never a hang: each program runs in a worker
process that is killed after `TIMEOUT_S` (and started again for the next).

`pytest tests/test_frontend_fuzz.py --frontend-fuzz=N` checks seeds 0..N-1
on the "python" target and the first `N // 8` of them on "cpu" too
(default `DEFAULT_PROGRAMS`); `REGRESSIONS` are programs that found defects,
checked on both targets.  As a script it runs a campaign and prints what it
found:

    python tests/test_frontend_fuzz.py --count 2000 --target python
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
DEFAULT_PROGRAMS = 160
TIMEOUT_S = {"python": 60, "cpu": 300}
X = 0.7
Y = [0.3, -0.5, 1.2]

# --- fragments ----------------------------------------------------------------------------
#
# A fragment is a few lines of the function's body that read x (a float), y (a
# float64 array of 3) and z (a float), and update z.  `{u}` is a suffix unique
# to the fragment in its program.  `#R` marks a line srcgrad must refuse (or
# differentiate correctly), `#M` one it may refuse.


@dataclass(frozen=True)
class Fragment:
    name: str
    body: str = ""
    prelude: str = ""  # module-level code the fragment needs
    params: str = ""  # appended to the parameters `x, y`
    def_mark: str = ""  # "R" or "M": a mark on the `def` line
    decorators: tuple[str, ...] = ()
    returns: str = ""  # a return annotation
    annotate: bool = False  # annotate x and y
    is_async: bool = False
    mode: str = ""  # "closure", "static" or "bound": where f is defined
    call_kwargs: dict = field(default_factory=dict)
    no_call: bool = False  # calling f does not compute a value (generator, coroutine)
    type_error: bool = False  # f is not a function: grad() raises TypeError
    shadows: tuple[str, ...] = ()  # names it makes local: no other fragment may use them
    nowrap: bool = False  # never put under an `if` or a loop (a `return`)
    marks_return: bool = False  # srcgrad may point at the final `return`
    signature: bool = False  # at most one signature fragment per program


def F(name: str, body: str = "", **options) -> Fragment:
    signature = any(k in options for k in ("params", "def_mark", "decorators", "returns",
                                           "annotate", "is_async", "mode"))
    body = textwrap.dedent(body).strip("\n")
    prelude = textwrap.dedent(options.pop("prelude", "")).strip("\n")
    return Fragment(name, body, prelude, signature=signature, **options)


def _long_sum(n: int) -> str:
    return "z = z + " + " + ".join(f"x * {k % 7 + 1}.0" for k in range(n)) + "  #M"


def _nested_parens(n: int) -> str:
    return "z = z + " + "(" * n + "x" + " * 0.5 + 0.25)" * n + "  #M"


def _nested_calls(n: int) -> str:
    return "z = z + " + "np.sin(" * n + "x" + ")" * n + "  #M"


def _nested_ifs(n: int) -> str:
    lines = [" " * (4 * k) + f"if x > -{100 + k}.0:" for k in range(n)]
    return "\n".join(lines + [" " * (4 * n) + "z = z + x * 0.5"])


UNSUPPORTED = [
    F("lambda", """
        sq{u} = lambda v: v * v  #R
        z = z + sq{u}(x)
    """),
    F("lambda-in-call", """
        z = z + apply_fn(lambda v: v * 3.0, x)  #R
    """, prelude="""
        def apply_fn(fn, v):
            return fn(v)  #M
    """),
    F("list-comprehension", """
        vals{u} = [x * k for k in range(3)]  #R
        z = z + vals{u}[1]
    """),
    F("set-comprehension", """
        s{u} = {{k for k in range(3)}}  #R
        z = z + x * len(s{u})
    """),
    F("dict-comprehension", """
        d{u} = {{k: x * k for k in range(3)}}  #R
        z = z + d{u}[2]
    """),
    F("generator-expression", """
        z = z + sum(x * k for k in range(3))  #R
    """),
    F("try-except", """
        try:  #R
            z = z + x * 2.0
        except ValueError:
            z = z - x
    """),
    F("try-finally", """
        try:  #R
            z = z * 1.5
        finally:
            z = z + x
    """),
    F("with", """
        with np.errstate(all="ignore"):  #R
            z = z * x
    """),
    F("global-read", """
        global SCALE  #R
        z = z * SCALE
    """, prelude="SCALE = 1.5"),
    F("global-write", """
        global COUNT  #R
        COUNT = COUNT + 1
        z = z + x
    """, prelude="COUNT = 0"),
    F("nonlocal", """
        nonlocal scale_c  #R
        z = z * scale_c
    """, mode="closure"),
    F("yield", """
        yield z  #R
    """, no_call=True),
    F("async", """
        z = z + x
    """, is_async=True, def_mark="R", no_call=True),
    F("await", """
        z = z + await later(x)  #R
    """, prelude="""
        async def later(v):
            return v
    """, is_async=True, def_mark="R", no_call=True),
    F("del", """
        tmp{u} = x * 2.0
        del tmp{u}  #R
        z = z + x
    """),
    F("walrus", """
        if (w{u} := x * 2.0) > -100.0:  #R
            z = z + w{u}
    """),
    F("star-args", """
        z = z + x * len(rest)
    """, params=", *rest", def_mark="R"),
    F("star-kwargs", """
        z = z + x * len(options)
    """, params=", **options", def_mark="R"),
    F("dict-literal", """
        d{u} = {{"a": x, "b": 2.0}}  #R
        z = z + d{u}["a"]
    """),
    F("set-literal", """
        s{u} = {{1.0, 2.0}}  #R
        z = z + x * len(s{u})
    """),
    F("attribute-assignment", """
        BOX.value = x  #R
        z = z + x
    """, prelude="""
        class Box:
            value = 0.0


        BOX = Box()
    """),
    F("attribute-read", """
        z = z + x * BOX_READ.value  #M
    """, prelude="""
        class BoxRead:
            value = 2.0


        BOX_READ = BoxRead()
    """),
    F("nested-def", """
        def inner{u}(v):  #R
            return v * 2.0
        z = z + inner{u}(x)
    """),
    F("class-def", """
        class Local{u}:  #R
            k = 2.0
        z = z + x * Local{u}.k
    """),
    F("recursion", """
        z = z + halve(x, 2)  #M
    """, prelude="""
        def halve(v, n):
            if n <= 0:
                return v
            return halve(v * 0.5, n - 1)  #M
    """),
    F("mutual-recursion", """
        z = z + ping(x, 3)  #M
    """, prelude="""
        def ping(v, n):
            if n <= 0:
                return v
            return pong(v * 0.5, n - 1)  #M


        def pong(v, n):
            return ping(v + 0.25, n)  #M
    """),
    F("unknown-scipy", """
        z = z + special.gamma(x + 2.0)  #R
    """, prelude="from scipy import special"),
    F("unknown-numpy-sinc", "z = z + np.sinc(x)  #R"),
    F("unknown-numpy-cumprod", "z = z + np.cumprod(y)[-1] * x  #R"),
    F("unknown-numpy-sort", "z = z + np.sort(y * x)[0]  #R"),
    F("unknown-numpy-linalg", "z = z + np.linalg.det(np.outer(y, y) + np.eye(3) * x)  #R"),
    F("unknown-numpy-einsum", 'z = z + np.einsum("i,i->", y, y) * x  #R'),
    F("unknown-numpy-var", "z = z + np.var(y * x)  #R"),
    F("unknown-numpy-logaddexp", "z = z + np.logaddexp(x, 0.5)  #R"),
    F("unknown-math-gamma", "z = z + math.gamma(x + 1.0)  #R"),
    F("unknown-builtin-sorted", "z = z + sorted((x, 2.0))[0]  #M"),
    F("unknown-builtin-divmod", "z = z + divmod(x, 0.25)[1]  #M"),
    F("unknown-builtin-pow", "z = z + pow(x, 3)  #M"),
    F("builtin-round", "z = z + round(x * 3.0, 2) + x  #M"),
    F("builtin-sum-tuple", "z = z + sum((x, x * 2.0))  #M"),
    F("builtin-max-array", "z = z + max(y) * x  #M"),
    F("builtin-min-three", "z = z + min(x, 1.5, 2.5)  #M"),
    F("eval", 'z = z + eval("x * 2.0")  #R'),
    F("exec", """
        exec("pass")  #R
        z = z + x
    """),
    F("locals", 'z = z + locals()["x"] * 2.0  #R'),
    F("vars", 'z = z + vars()["x"] * 2.0  #R'),
    F("getattr", 'z = z + getattr(np, "sin")(x)  #R'),
    F("method-std", "z = z + y.std() * x  #R"),
    F("method-item", "z = z + y.item(0) * x  #M"),
    F("method-tolist", "z = z + y.tolist()[0] * x  #M"),
    F("method-fill", """
        w{u} = y * x
        w{u}.fill(1.0)  #M
        z = z + np.sum(w{u})
    """),
    F("method-sort-in-place", """
        w{u} = y * x
        w{u}.sort()  #M
        z = z + w{u}[0]
    """),
    F("method-on-parameter", """
        y.sort()  #M
        z = z + y[0] * x
    """),
    F("string-method", """
        name{u} = "abc".upper()  #M
        z = z + x * len(name{u})
    """),
    F("user-object-method", """
        z = z + MODEL.energy(x)  #M
    """, prelude="""
        class Model:
            def __init__(self):
                self.w = 2.0

            def energy(self, v):
                return self.w * v * v  #M


        MODEL = Model()
    """),
    F("nested-unpacking", """
        (a{u}, b{u}), c{u} = (x, 2.0), 3.0  #R
        z = z + a{u} * b{u} * c{u}
    """),
    F("starred-assignment", """
        a{u}, *rest{u} = (x, 2.0, 3.0)  #R
        z = z + a{u}
    """),
    F("for-else", """
        for i{u} in range(2):  #R
            z = z + x
        else:
            z = z * 1.5
    """),
    F("while-else", """
        k{u} = 0
        while k{u} < 2:  #R
            k{u} = k{u} + 1
            z = z + x
        else:
            z = z * 1.5
    """),
    F("for-over-tuple", """
        for v{u} in (x, 2.0):  #R
            z = z + v{u}
    """),
    F("for-over-array", """
        for v{u} in y:  #R
            z = z + v{u} * x
    """),
    F("for-enumerate", """
        for i{u}, v{u} in enumerate(y):  #R
            z = z + v{u} * i{u}
    """),
    F("assert", """
        assert x > -100.0  #R
        z = z + x
    """),
    F("raise", """
        if x > 100.0:
            raise ValueError("too big")  #R
        z = z + x
    """),
    F("import", """
        import math as m{u}  #R
        z = z + m{u}.sin(x)
    """),
    F("match", """
        match 1:  #R
            case 1:
                z = z + x
            case _:
                z = z - x
    """),
    F("complex", """
        c{u} = (x + 1j) * (x - 1j)  #M
        z = z + c{u}.real  #M
    """),
    F("string-format", """
        text{u} = "%.3f" % x  #M
        z = z + x * len(text{u})
    """),
    F("fstring", """
        text{u} = f"{{x:.3f}}"  #M
        z = z + x * len(text{u})
    """),
    F("list-literal", """
        vals{u} = [x, 2.0 * x]  #M
        z = z + vals{u}[0] * vals{u}[1]  #M
    """),
    F("list-append", """
        vals{u} = []  #M
        vals{u}.append(x)  #M
        z = z + vals{u}[0]  #M
    """),
    F("fancy-index-read", "z = z + np.sum(y[[0, 2]]) * x  #M"),
    F("list-named-index", """
        idx{u} = [0, 2]
        z = z + np.sum(y[idx{u}]) * x  #M
    """),
    F("array-index-read", "z = z + np.sum(y[np.array([0, 2])]) * x  #M"),
    F("repeated-index-read", "z = z + np.sum(y[np.array([0, 0, 2, 0])] * y[1]) * x  #M"),
    F("row-index-read", """
        m{u} = np.outer(y, y) * x
        z = z + np.sum(m{u}[np.array([2, 0, 2])] * np.arange(3.0))  #M
    """),
    F("mask-2d-read", """
        m{u} = np.outer(y, y) * x
        z = z + np.sum(m{u}[m{u} > 0.05])  #M
    """),
    F("array-index-write", """
        w{u} = y * 1.0
        w{u}[np.array([0, 2])] = x  #M
        z = z + np.sum(w{u} * w{u})
    """),
    F("mask-index-read", "z = z + np.sum(y[y > 0.0]) * x  #M"),
    F("fancy-index-write", """
        w{u} = y * 1.0
        w{u}[[0, 2]] = x  #M
        z = z + np.sum(w{u} * w{u})
    """),
    F("mask-index-write", """
        w{u} = y * x
        w{u}[y < 0.0] = 0.0  #M
        z = z + np.sum(w{u})
    """),
    F("none-index", "z = z + np.sum(y[None, :] * x)  #M"),
    F("ellipsis-index", "z = z + np.sum(y[...] * x)  #M"),
    F("write-into-parameter", """
        y[0] = x  #M
        z = z + np.sum(y * y)
    """),
    F("augmented-write-into-parameter", """
        y[1] += x  #M
        z = z + np.sum(y * y)
    """),
    F("partial", """
        z = z + TWICE(x)  #M
    """, prelude="""
        import functools
        import operator

        TWICE = functools.partial(operator.mul, 2.0)
    """),
    F("module-level-lambda", """
        z = z + DOUBLE(x)  #M
    """, prelude="DOUBLE = lambda v: v * 2.0  # noqa: E731  #M"),
    F("generator-helper", """
        z = z + first(x)  #M
    """, prelude="""
        def gen(v):
            yield v  #M


        def first(v):
            return next(gen(v))  #M
    """),
    F("helper-star-args", """
        z = z + total(x, 2.0)  #M
    """, prelude="""
        def total(*vals):  #M
            return vals[0] * vals[1]
    """),
    F("helper-without-return", """
        note(x)  #M
        z = z + x
    """, prelude="""
        def note(v):
            w = v * 2.0  #M
    """),
    F("return-without-value", """
        if x > 100.0:
            return  #R
    """, nowrap=True),
    F("returns-differ", """
        if x > 100.0:
            return z, x  #M
    """, nowrap=True, marks_return=True),
    F("numba-helper", """
        z = z + cube(x)  #M
    """, prelude="""
        import numba


        @numba.njit
        def cube(v):
            return v * v * v
    """),
    F("closure-read", """
        z = z * scale_c
    """, mode="closure"),
    F("staticmethod", """
        z = z + x
    """, mode="static"),
    F("bound-method", """
        z = z + x * self.w
    """, mode="bound"),
    F("vectorize", """
        z = z + x
    """, decorators=("np.vectorize",), type_error=True, no_call=True),
    F("wrapping-decorator", """
        z = z + x
    """, decorators=("plus_one",), prelude="""
        import functools


        def plus_one(fn):
            @functools.wraps(fn)
            def wrapper(*args, **kwargs):  #M
                return fn(*args, **kwargs) + 1.0
            return wrapper
    """),
]

ODD_BUT_VALID = [
    F("chained-comparison", """
        if -100.0 < x < 100.0 <= 1000.0:
            z = z + x * 2.0
    """),
    F("pass-only-if", """
        if x > 1000.0:
            pass
        else:
            pass
        z = z + x
    """),
    F("pass-only-loop", """
        for i{u} in range(3):
            pass
        z = z + x
    """),
    F("while-false", """
        while x > 1000.0:
            z = z * 2.0
        z = z + x
    """),
    F("ellipsis-statement", """
        ...
        z = z + x
    """),
    F("none-statement", """
        None
        z = z + x
    """),
    F("nested-ifs-8", _nested_ifs(8)),
    F("nested-ifs-30", _nested_ifs(30)),
    F("unicode-names", """
        λ{u} = x * 2.0
        résultat{u} = λ{u} + 1.0
        z = z + résultat{u}
    """),
    F("nfkc-names", """
        ℌ{u} = x * 3.0
        z = z + H{u}
    """),
    F("long-sum-40", _long_sum(40)),
    F("long-sum-300", _long_sum(300)),
    F("long-sum-1500", _long_sum(1500)),
    F("nested-parens-30", _nested_parens(30)),
    F("nested-parens-150", _nested_parens(150)),
    F("nested-calls-20", _nested_calls(20)),
    F("nested-calls-150", _nested_calls(150)),
    F("docstrings", '''
        """A string in the middle of the body."""
        z = z + x
        """And another."""
    '''),
    F("default-arguments", """
        z = z + x * scale + n
    """, params=", scale=2.0, n=3"),
    F("keyword-only", """
        z = z + x * scale
    """, params=", *, scale=2.0", def_mark="M"),
    F("keyword-only-passed", """
        z = z + x * scale
    """, params=", *, scale", def_mark="M", call_kwargs={"scale": 1.5}),
    F("positional-only", """
        z = z + x * 2.0
    """, params=", /", def_mark="M"),
    F("annotations", """
        w{u}: float = x * 2.0
        v{u}: int
        z = z + w{u}
    """, annotate=True, returns=" -> float"),
    F("identity-decorator", "z = z + x", decorators=("identity",), prelude="""
        def identity(fn):
            return fn
    """),
    F("semicolons", "a{u} = x * 2.0; b{u} = a{u} + 1.0; z = z + b{u}"),
    F("backslash", """
        z = z + x * 2.0 \\
            + x * 3.0
    """),
    F("multi-line-parens", """
        z = (z
             + x * 2.0  # a comment inside
             + np.sum(y))
    """),
    F("multiple-targets", """
        a{u} = b{u} = x * 2.0
        z = z + a{u} * b{u}
    """),
    F("swap", """
        a{u}, b{u} = x, 2.0 * x
        a{u}, b{u} = b{u}, a{u}
        z = z + a{u} - 3.0 * b{u}
    """),
    F("conditional-expression", "z = z + (x if x > 0.0 else -x) * 2.0"),
    F("while-true-break", """
        k{u} = 0
        while True:
            k{u} = k{u} + 1
            z = z + 0.5 * x
            if k{u} >= 3:
                break
    """),
    F("for-continue", """
        for i{u} in range(4):
            if i{u} % 2 == 0:
                continue
            z = z + x * i{u}
    """),
    F("return-in-loop", """
        for i{u} in range(5):
            if i{u} == 3:
                return z * x  #M
    """, nowrap=True),
    F("early-return", """
        if x > 0.0:
            return z + x * 2.0
    """, nowrap=True),
    F("odd-numbers", "z = z + x * 1_000.0 * 1e-3 + x * 0x2 + x * 0o1 + x * True"),
    F("double-negation", "z = z + -(-x) + (+x)"),
    F("negative-power", "z = z + x ** -1 + x ** -2.0"),
    F("builtin-abs-negative", "z = z + abs(-x)"),
    F("print", 'print("z is", z, sep=" ", end="\\n")  #M\nz = z + x'),  # Numba: no keywords
    F("is-not-none", """
        if x is not None:
            z = z + x
    """),
    F("in-tuple", """
        if 1.0 in (1.0, 2.0):
            z = z + x
    """),
    F("shadow-generated-names", """
        bx = x * 2.0
        by{u} = bx + 1.0
        b_t1 = by{u} * x
        _t1 = b_t1 + 1.0
        grad_y = _t1 * 0.5
        z = z + grad_y
    """),
    F("shadow-runtime-helpers", """
        seed = x * 2.0
        unbroadcast = seed + 1.0
        zeros_like = unbroadcast * x
        z = z + zeros_like
    """, shadows=("seed", "unbroadcast", "zeros_like")),
    F("shadow-builtins", """
        id = x * 2.0
        str = id + 1.0
        z = z + str
    """, shadows=("id", "str")),
    F("parameter-named-like-module", """
        z = z + x * math
    """, params=", math=2.0", shadows=("math",)),
    F("parameter-named-grad-ys", """
        z = z + x * grad_ys
    """, params=", grad_ys=2.0", def_mark="M"),
    F("reassign-parameter", """
        x = x * 2.0
        y = y + x
        z = z + np.sum(y)
    """, nowrap=True),
    F("self-assignment", """
        x = x
        z = z + x
    """),
    F("integer-arithmetic", """
        n{u} = int(x * 10.0 + 0.5)
        z = z + x * (n{u} // 3) + x * (n{u} % 4)
    """),
    F("modulo-float", "z = z + x % 0.5 + (x + 3.0) % 1.25"),
    F("floor-division-float", "z = z + (x // 0.25) * x"),
    F("in-place-array", """
        w{u} = y * 1.0
        w{u} *= x
        w{u} += 1.0
        z = z + np.sum(w{u} * w{u})
    """),
    F("slice-write-step", """
        w{u} = np.zeros(3)
        w{u}[::2] = x
        z = z + np.sum(w{u} * y)
    """),
    F("negative-index", "z = z + y[-1] * x + np.sum(y[::-1] * y)"),
    F("casts", "z = z + float(x) * 2.0 + np.float64(x) + float(np.float32(1.5)) * x"),
    F("module-alias", "z = z + numpy.cos(x) + sqrt(x * x + 1.0)", prelude="""
        from math import sqrt

        import numpy
    """),
    F("global-constant", "z = z + np.sum(WEIGHTS * y) * x", prelude="WEIGHTS = np.array([1.0, 2.0, 3.0])"),
    F("helper-keywords", "z = z + scaled(x, factor=3.0) + scaled(x)", prelude="""
        def scaled(v, factor=2.0):
            return v * factor
    """),
    F("helper-tuple", """
        p{u}, q{u} = pair(x)
        z = z + p{u} * q{u}
    """, prelude="""
        def pair(v):
            return v * 2.0, v + 1.0
    """),
    F("dtype-attribute", "z = z + x * y.ndim + x * y.size + x * y.shape[0]"),
    F("tabs", "z = z + x", prelude=""),
]

FRAGMENTS = UNSUPPORTED + ODD_BUT_VALID
BY_NAME = {frag.name: frag for frag in FRAGMENTS}
assert len(BY_NAME) == len(FRAGMENTS), "two fragments share a name"

# --- programs -------------------------------------------------------------------------------


@dataclass
class Program:
    seed: int
    source: str
    fragments: list[str]
    call_kwargs: dict
    no_call: bool
    type_error: bool

    def marked_lines(self) -> dict[int, str]:
        """Line number -> "R" or "M", for the lines a fragment marked."""
        out = {}
        for k, line in enumerate(self.source.splitlines(), 1):
            if line.rstrip().endswith("# <- refused"):
                out[k] = "R"
            elif line.rstrip().endswith("# <- maybe"):
                out[k] = "M"
        return out


def _mark(text: str) -> str:
    out = []
    for line in text.splitlines():
        if line.rstrip().endswith("#R"):
            line = line.rstrip()[:-2].rstrip() + "  # <- refused"
        elif line.rstrip().endswith("#M"):
            line = line.rstrip()[:-2].rstrip() + "  # <- maybe"
        out.append(line)
    return "\n".join(out)


def _clash(a: Fragment, b: Fragment) -> bool:
    """Whether `a` makes local a name that `b` reads as a global."""
    return any(re.search(rf"\b{name}\b", b.body + b.prelude) for name in a.shadows)


def _wrap(body: list[str], rng: random.Random) -> list[str]:
    """Put a fragment under an `if` that is always taken, or a loop that runs
    once, or leave it as it is."""
    choice = rng.random()
    if choice < 0.15:
        return [f"if x > -{rng.randint(100, 999)}.0:"] + ["    " + line for line in body]
    if choice < 0.25:
        return [f"for _once{rng.randint(0, 999)} in range(1):"] + ["    " + line for line in body]
    return body


def generate(seed: int, names: list[str] | None = None) -> Program:
    """The program of `seed`: a function f(x, y) of one to three fragments (or
    of the fragments `names`)."""
    rng = random.Random(seed)
    if names is None:
        count = rng.choice([1, 1, 2, 2, 3])
        names = []
        signature = False
        while len(names) < count:
            frag = rng.choice(FRAGMENTS)
            if frag.name in names or (frag.signature and signature):
                continue
            if any(_clash(frag, BY_NAME[n]) or _clash(BY_NAME[n], frag) for n in names):
                continue
            signature = signature or frag.signature
            names.append(frag.name)
    frags = [BY_NAME[n] for n in names]
    sig = next((f for f in frags if f.signature), Fragment("plain"))
    modes = {f.mode for f in frags if f.mode}
    mode = modes.pop() if modes else ""

    body = ["z = x * 0.5 + np.sum(y * y) * 0.25"]
    if rng.random() < 0.3:
        body.insert(0, '"""The function under test."""')
    for k, frag in enumerate(frags):
        text = _mark(frag.body.replace("{u}", f"_{k}").replace("{{", "{").replace("}}", "}"))
        lines = text.splitlines() if text else []
        if lines and not frag.signature and not frag.nowrap:
            lines = _wrap(lines, rng)
        body.extend(lines)
    if any(f.name == "yield" for f in frags):
        body.append("yield z")
    elif any(f.marks_return for f in frags):
        body.append("return z * 1.0 + np.sum(y) * 0.5  # <- maybe")
    else:
        body.append("return z * 1.0 + np.sum(y) * 0.5")

    preludes = [_mark(frag.prelude) for frag in frags if frag.prelude]
    params = "x, y" + sig.params
    if sig.annotate:
        params = "x: float, y: np.ndarray" + sig.params
    head = f"{'async ' if sig.is_async else ''}def f({params}){sig.returns}:"
    if sig.def_mark:
        head += "  # <- refused" if sig.def_mark == "R" else "  # <- maybe"
    decorators = [f"@{d}" for d in sig.decorators]

    indent = "\t" if any(f.name == "tabs" for f in frags) else "    "

    def block(lines: list[str], depth: int) -> list[str]:
        return [(indent * depth + line.replace("    ", indent)) if line else ""
                for line in lines]

    if mode == "closure":
        code = ["def make_f():", indent + "scale_c = 1.5", "",
                *block(decorators + [head], 1), *block(body, 2), "",
                indent + "return f", "", "", "f = make_f()"]
    elif mode == "static":
        code = ["class Holder:", indent + "@staticmethod",
                *block(decorators + [head], 1), *block(body, 2), "", "", "f = Holder.f"]
    elif mode == "bound":
        code = ["class Holder:", indent + "w = 2.0", "",
                *block(decorators + [head.replace("def f(", "def f(self, ")], 1),
                *block(body, 2), "", "", "f = Holder().f"]
    else:
        code = decorators + [head] + block(body, 1)

    source = "\n".join([
        f'"""Front-end fuzz program, seed {seed}: {", ".join(names)}."""',
        "import math",
        "",
        "import numpy as np",
        "",
        "import srcgrad as sg",
        "",
        "",
        *[p + "\n\n" for p in preludes],
        *code,
        "",
    ])
    compile(source, f"<seed {seed}>", "exec")  # the generator writes valid Python
    return Program(seed, source, names, dict(sig.call_kwargs),
                   any(f.no_call for f in frags), any(f.type_error for f in frags))


# --- regressions: programs that found defects, kept ----------------------------------------

REGRESSIONS: dict[str, tuple[int, list[str] | None]] = {
    # name: (seed, fragments), for generate()
    # `x % c` was declared non-differentiable: srcgrad returned 1 for x % 0.5 + x
    "modulo-float": (0, ["modulo-float"]),
    # a 1500-term sum, 150 nested calls: RecursionError in the lowering
    "long-sum-1500": (0, ["long-sum-1500"]),
    "nested-calls-150": (0, ["nested-calls-150"]),
    # vars()["x"], locals()["x"], eval("x * 2.0") read x out of sight: the
    # gradient missed that dependency (0.5 where finite differences say 2.5)
    "vars": (0, ["vars"]),
    "locals": (0, ["locals"]),
    "eval": (0, ["eval"]),
    # np.vectorize(f): a ValueError from converting the arguments, not grad()'s TypeError
    "vectorize": (0, ["vectorize"]),
    # `w[[0, 2]] = x` was lowered to `w[(0, 2)] = x`: IndexError (a 2-D index)
    "fancy-index-write": (0, ["fancy-index-write"]),
    "list-named-index": (0, ["list-named-index"]),
    # reading through an index array or a mask: AttributeError, runtime.add_at missing
    "mask-index-read": (0, ["mask-index-read"]),
    "repeated-index-read": (0, ["repeated-index-read"]),
    "row-index-read": (0, ["row-index-read"]),
    # cpu: Numba's own NotImplementedError, UnsupportedBytecodeError and a bare
    # AssertionError escaped instead of a CompileError
    "ellipsis-index": (0, ["ellipsis-index"]),
    "fstring": (0, ["fstring"]),
    "mask-2d-read": (0, ["mask-2d-read"]),
    # cpu: the CompileError named the file by its base name only
    "print": (0, ["print"]),
    # a sum too deep for the lowering, inside a loop: the error named the loop's
    # line (a recursive search for `break` met the sum first), not the sum's
    "deep-sum-in-loop": (1523, None),
}

# --- the worker: runs one program per request, in its own process ---------------------------


def _run_one(request: dict) -> dict:
    import importlib.util
    import traceback
    import warnings

    import numpy as np
    from gradcheck import numerical_gradient

    import srcgrad as sg

    path, target = request["path"], request["target"]
    kwargs = request["call_kwargs"]
    name = f"frontend_fuzz_{Path(path).stem}_{target}"
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            spec.loader.exec_module(module)
        fn = module.f
    except Exception:
        return {"outcome": "generator", "detail": traceback.format_exc(limit=4)}

    def args():
        return [X, np.array(Y)]

    original = None
    if not request["no_call"]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                original = fn(*args(), **kwargs)
        except Exception:
            return {"outcome": "generator", "detail": traceback.format_exc(limit=4)}
    given = args()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            grads = sg.grad(fn, wrt=(0, 1), target=target)(*given, **kwargs)
    except sg.SrcGradError as exc:
        return {"outcome": "srcgrad_error", "cls": type(exc).__name__, "message": str(exc),
                "file": exc.file, "line": exc.line}
    except (TypeError, ValueError) as exc:
        return {"outcome": "type_error", "cls": type(exc).__name__, "message": str(exc),
                "detail": traceback.format_exc(limit=-3)}
    except BaseException as exc:  # noqa: BLE001 - every other exception is a defect
        return {"outcome": "other", "cls": type(exc).__name__, "message": str(exc)[:2000],
                "detail": traceback.format_exc(limit=-6)[-4000:]}
    result = {"outcome": "gradient", "original": repr(original)}
    if isinstance(given[1], np.ndarray) and not np.array_equal(given[1], np.array(Y)):
        result["args_changed"] = True
    if request["no_call"]:
        result["problem"] = "a gradient of a function that computes no value"
        return result

    def call(a, b):
        return fn(a, b, **kwargs)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = numerical_gradient(call, args(), (0, 1))
    errors = []
    for g, w in zip(grads, want):
        if g is None or np.shape(g) != np.shape(w):
            errors.append(f"got {g!r}, want {w!r}")
        elif not np.allclose(np.asarray(g, np.float64), w, rtol=1e-5, atol=1e-6):
            errors.append(f"got {np.asarray(g).tolist()}, want {np.asarray(w).tolist()}")
    if errors:
        result["problem"] = "wrong gradient: " + "; ".join(errors)
    return result


def serve() -> None:
    """Answer one JSON request per line of stdin with one JSON line on stdout.
    What the programs print (Python's `print`, or Numba's, which writes to the
    file descriptor) goes to /dev/null instead."""
    sys.path.insert(0, str(HERE))
    answers = os.fdopen(os.dup(1), "w")
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    for line in sys.stdin:
        request = json.loads(line)
        result = _run_one(request)
        answers.write(json.dumps(result) + "\n")
        answers.flush()


class Worker:
    """A process running `serve()`, killed and started again after a hang."""

    def __init__(self):
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = dict(os.environ)
        env.setdefault("PYTHONHASHSEED", "0")
        self.process = subprocess.Popen(
            [sys.executable, "-u", __file__, "--serve"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)

    def run(self, request: dict, timeout: float) -> dict:
        import selectors

        if self.process is None or self.process.poll() is not None:
            self.start()
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        start = time.monotonic()
        if not selector.select(timeout):
            self.stop()
            return {"outcome": "hang", "detail": f"no answer in {timeout} s"}
        line = self.process.stdout.readline()
        if not line:
            code = self.process.wait()
            self.process = None
            return {"outcome": "crash", "detail": f"the worker died (exit code {code}) after "
                                                  f"{time.monotonic() - start:.1f} s"}
        return json.loads(line)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


# --- judging an outcome -----------------------------------------------------------------------


def problems(program: Program, path: Path, result: dict) -> list[str]:
    """What is wrong with `result`, the outcome of `program` written at `path`."""
    outcome = result["outcome"]
    if outcome in ("generator", "hang", "crash", "other"):
        return [f"{outcome}: {result.get('cls', '')} {result.get('message', '')}\n"
                f"{result.get('detail', '')}"]
    if outcome == "type_error":
        if program.type_error and "grad()" in result["message"]:
            return []
        return [f"{result['cls']} that is not srcgrad's: {result['message']}\n"
                f"{result.get('detail', '')}"]
    if outcome == "gradient":
        found = [result["problem"]] if "problem" in result else []
        if result.get("args_changed"):
            found.append("the gradient function changed its argument y")
        if program.type_error:
            found.append("a gradient of something that is not a function")
        return found
    assert outcome == "srcgrad_error", outcome
    message, file, line = result["message"], result["file"], result["line"]
    found = []
    if file is None or line is None:
        return [f"{result['cls']} names no file and line: {message}"]
    if not os.path.exists(file) or not os.path.samefile(file, path):
        found.append(f"names the file {file}, not {path}: {message}")
    if not message.startswith(f"{file}:{line}: ") or len(message) <= len(f"{file}:{line}: "):
        found.append(f"the message does not lead with {file}:{line}: {message}")
    marked = program.marked_lines()
    if line not in marked:
        text = program.source.splitlines()[line - 1] if 0 < line <= program.source.count(
            "\n") + 1 else "<no such line>"
        found.append(f"points at line {line} ({text.strip()!r}), which no fragment marked: "
                     f"{message}")
    return found


# --- pytest -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def worker():
    w = Worker()
    yield w
    w.stop()


@pytest.fixture(scope="module")
def program_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("frontend_fuzz")


def check(program: Program, target: str, worker: Worker, directory: Path, tag: str) -> None:
    path = directory / f"prog_{tag}.py"
    path.write_text(program.source)
    request = {"path": str(path), "target": target, "call_kwargs": program.call_kwargs,
               "no_call": program.no_call}
    result = worker.run(request, TIMEOUT_S[target])
    found = problems(program, path, result)
    assert not found, (f"seed {program.seed} ({', '.join(program.fragments)}), target "
                       f"{target}:\n" + "\n".join(found) + f"\n--- {path}\n{program.source}")


def pytest_generate_tests(metafunc):
    if "seed_target" in metafunc.fixturenames:
        count = metafunc.config.getoption("--frontend-fuzz", default=None) or DEFAULT_PROGRAMS
        params = [(s, "python") for s in range(count)]
        params += [(s, "cpu") for s in range(max(count // 8, 1))]
        metafunc.parametrize("seed_target", params, ids=[f"{s}-{t}" for s, t in params])


def test_generated_program(seed_target, worker, program_dir):
    seed, target = seed_target
    check(generate(seed), target, worker, program_dir, f"{seed}_{target}")


@pytest.mark.parametrize("target", ["python", "cpu"])
@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_regression(name, target, worker, program_dir):
    program = generate(*REGRESSIONS[name])
    check(program, target, worker, program_dir, f"regression_{name}_{target}")


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_every_fragment_alone(name, worker, program_dir):
    """Each fragment on its own, on the python target: the random programs
    combine them, this makes sure none is left out."""
    check(generate(1, [name]), "python", worker, program_dir, f"alone_{name}")


# --- a campaign, as a script ------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--target", default="python")
    parser.add_argument("--dir", default=None, help="where to write the programs")
    options = parser.parse_args()
    if options.serve:
        serve()
        return
    import tempfile

    directory = Path(options.dir or tempfile.mkdtemp(prefix="frontend_fuzz_"))
    directory.mkdir(parents=True, exist_ok=True)
    worker = Worker()
    counts: dict[str, int] = {}
    try:
        for seed in range(options.start, options.start + options.count):
            program = generate(seed)
            path = directory / f"prog_{seed}.py"
            path.write_text(program.source)
            result = worker.run({"path": str(path), "target": options.target,
                                 "call_kwargs": program.call_kwargs,
                                 "no_call": program.no_call}, TIMEOUT_S[options.target])
            found = problems(program, path, result)
            key = "defect" if found else result["outcome"]
            counts[key] = counts.get(key, 0) + 1
            if found:
                print(f"seed {seed} ({', '.join(program.fragments)}): {path}")
                for problem in found:
                    print("   ", problem.replace("\n", "\n    ")[:1500])
    finally:
        worker.stop()
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
