"""Rank facts: which variables of the adjoint provably hold scalars (and
which hold floating-point values), for `peephole` to drop the helpers that
only matter where shapes or dtypes can differ.

`Ranks(body, helpers, typed)` reads the adjoint body before cleanup (the
forward sweep in full, then the reverse sweep) and guarantees:

- `scalar(expr)` is True only if every value `expr` can take is a number
  (rank 0, never an array), given that every name in `scalars` holds one;
- `floating(expr)` is True only if every value is of a floating dtype;
- unknown means "array or scalar": a parameter, an element `x[i]` of an
  array of unknown rank, the result of a call nothing here knows.

The facts come from float and int literals, `math` functions, `len`,
`x.shape[k]` (also through a name holding the shape: `m, n = A.shape`),
loop indices and counters, arithmetic of scalars, elementwise
primitives of scalars, full reductions, and the shape-keeping helpers of
the runtime (`new_cotangent(g, x)` has `x`'s shape): a name is a scalar
when every assignment to it gives one (a greatest fixpoint, so a loop-carried
`s = s + t` with scalar `t` keeps its scalar literal start).

`scalar_function=True` (the CUDA device form, whose function the device
back end checked to be one of scalars): every name but a stack is a scalar.

`typed=True` (the code is compiled by Numba, which gives each variable one
type and fails to compile the function otherwise, and srcgrad's compiled
targets take code Numba types) adds what that typing implies: a variable
one of whose assignments is a scalar is a scalar; the operands of
elementwise arithmetic whose result is a scalar are scalars; the argument of
a `math` function is a scalar.
"""

from __future__ import annotations

import ast
import builtins
import math

import numpy as np

from .. import ir, runtime
from ..rules import registry
from ..runtime import (
    cast_like,
    greater_share,
    norm,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_sum,
    reduced_size,
    sum_grad,
)

__all__ = ["Ranks", "array_kind"]


def array_kind(kind: str) -> tuple[int, str] | None:
    """The rank and dtype kind of an argument recorded as an array ("a2f":
    2-D, floating; `api/calls.numbers`), None for a number's kind ("f")."""
    return (int(kind[1:-1]), kind[-1]) if kind[0] == "a" else None

# helpers whose result has the shape of their argument at this position
_SHAPE_OF = {runtime.seed: 1, runtime.new_cotangent: 1, runtime.take_cotangent: 1,
             runtime.zeros_like: 0, runtime.unbroadcast: 1, runtime.pop_shape: 1,
             runtime.copy_value: 0, runtime.stop_gradient: 0, cast_like: 0, sum_grad: 1, np.zeros_like: 0,
             np.ones_like: 0, np.empty_like: 0, runtime.dot_grad_left: 1,
             runtime.dot_grad_right: 2}
# products of two arrays: the rank of the result, by the operands' ranks
_STACKS = {runtime.stack, np.stack}  # of a tuple of equal ranks: one more
_PRODUCTS = {runtime.matmul, runtime.dot, np.matmul, np.dot}
_PRODUCT_NDIM = {(2, 1): 1, (1, 2): 1, (2, 2): 2}
# helpers whose result is a cotangent: of a floating dtype
_COTANGENTS = {runtime.seed, runtime.new_cotangent, runtime.take_cotangent, runtime.zeros_like,
               cast_like}
# reductions over every axis when called with the array alone
_FULL_REDUCTIONS = {reduce_sum, reduce_mean, reduce_max, reduce_min, reduce_prod, norm}
_SCALAR_RESULTS = {len, int, float, bool, reduced_size}
_LIKE = {np.zeros_like, np.ones_like, np.empty_like}  # of a scalar: a 0-d array
_NEW_ARRAYS = {np.zeros, np.ones, np.empty, np.full}  # of a shape, their first argument
_NUMBER_OF_KIND = {"f": 0.0, "i": 0, "b": False}  # a number of each kind, for the rank facts
_ROUNDING_BUILTINS = {abs, min, max}
# helpers whose result is a number where their operands are
_SCALARS_OF_SCALARS = {greater_share, runtime.order, runtime.order_share, runtime.max_by,
                       runtime.min_by}
# `math` functions that may take or return something other than a float
_MATH_NOT_FLOAT = {"prod", "sumprod", "floor", "ceil", "trunc", "factorial", "gcd", "lcm",
                   "comb", "perm", "isqrt", "isnan", "isinf", "isfinite", "isclose", "frexp",
                   "modf"}
# calls that change nothing
_PURE = (set(_SHAPE_OF) - {runtime.pop_shape}) | _FULL_REDUCTIONS | _SCALAR_RESULTS | \
    _ROUNDING_BUILTINS
_BUILTINS = {"len", "int", "float", "bool", "round", "abs", "min", "max"}
_MODULES = {"math": math, "np": np}
_MATH_CONSTANTS = {"pi", "e", "tau", "inf", "nan"}


class Ranks:
    """The scalar and floating names of one adjoint body."""

    def __init__(self, body: list[ir.Stmt], params: list[str], helpers: dict[str, object],
                 typed: bool, scalar_function: bool = False,
                 numbers: dict[str, str] | None = None):
        self.helpers = helpers
        self.scalars: set[str] = set()
        self.floats: set[str] = set()
        defs, pushed = _definitions(body)
        for param in params:
            defs.setdefault(param, []).append(None)
        self.stable = {p for p in params if defs[p] == [None]}  # never assigned
        # an array of known rank and dtype kind at every call ("a2f": 2-D, floating)
        self.arrays = {param: array_kind(kind) for param, kind in
                       (numbers or {}).items() if array_kind(kind) and param in self.stable}
        for param, kind in (numbers or {}).items():  # a number at every call: its value
            if kind[0] != "a":  # on entry is one of that kind
                defs[param][-1] = ast.Constant(_NUMBER_OF_KIND[kind])
        self.shapes: dict[str, object] = {}
        # shapes known to be scalars' (`x[i]`'s): to begin with, those of the
        # elements of the arrays of known rank, read with one index per axis
        self.scalar_keys: set[object] = {("element of", ("shape of", p), ndim)
                                         for p, (ndim, _) in self.arrays.items()}
        # names every value of which is an array's shape (`A_shape = A.shape`,
        # what `m, n = A.shape` unpacks): their elements are integers
        self.shape_tuples = {name for name, values in defs.items() if values and all(
            isinstance(v, ast.Attribute) and v.attr == "shape" for v in values)}
        self.integers: set[str] = set()  # first: an element's index is one
        self._greatest(defs, pushed, "integers", self.integer)
        self.scalars = set()
        self.array_ndims: dict[str, int] = {}
        while True:  # each knowing the other: an array's elements are numbers
            known = (dict(self.array_ndims), self.scalars)  # (`rotate_k[1]`), and an array
            self._array_ranks(defs, pushed)  # op a number (`_t4 / theta`) an array, of
            self._greatest(defs, pushed, "scalars", self.scalar)  # which `np.array([..])`
            if known == (self.array_ndims, self.scalars):  # of numbers stacks a vector
                break
        self._greatest(defs, pushed, "floats", self.floating)
        self._shape_classes(defs, pushed)
        if scalar_function:  # checked by `backend/device.py`: numbers and stacks of them
            self.scalars = {n for n, values in defs.items()
                            if not any(isinstance(v, ast.List) for v in values)}
        while typed and not scalar_function:
            known = (len(self.scalars), len(self.scalar_keys))
            self._typed_facts(body, defs)
            self.shapes = {}
            self._shape_classes(defs, pushed)
            if known == (len(self.scalars), len(self.scalar_keys)):
                break

    # --- shapes ---------------------------------------------------------------------------

    def same_shape(self, a: ast.expr, b: ast.expr) -> bool:
        """Whether `a` and `b`, evaluated at one point, provably have one shape."""
        key = self.shape(a)
        return key is not None and key == self.shape(b)

    def shape(self, node: ast.expr):
        """A key that two expressions share only if their values have the
        same shape wherever they are evaluated (None: unknown)."""
        return () if self.scalar(node) else self._key(node)

    def _key(self, node: ast.expr):
        if isinstance(node, ast.Name):
            if node.id in self.shapes:
                return self.shapes[node.id]
            return ("shape of", node.id) if node.id in self.stable else None
        if isinstance(node, ast.Subscript):
            indices = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            array = self.shape(node.value)
            if array is not None and all(self.integer(i) for i in indices):
                return ("element of", array, len(indices))
            return None
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return self.shape(node.operand)
        if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.MatMult):
            return self._broadcast([node.left, node.right])
        if isinstance(node, ast.Call) and not node.keywords:
            obj = self.callee(node)
            position = _SHAPE_OF.get(obj)
            if position is not None:
                return self.shape(node.args[position]) if len(node.args) > position else None
            rule = registry.lookup(obj) if obj is not None else None
            if rule is not None and rule.elementwise and node.args:
                return self._broadcast(node.args)
        return None

    def _broadcast(self, operands: list[ast.expr]):
        keys = {self.shape(a) for a in operands} - {()}
        if not keys:
            return ()
        return keys.pop() if len(keys) == 1 and None not in keys else None

    def _shape_classes(self, defs, pushed) -> None:
        """`shapes`: per name, the key of the shape all its values share."""
        changed = True
        while changed:
            changed = False
            for name, values in defs.items():
                if name in self.shapes or name in self.scalars or None in values:
                    continue
                values = values + pushed.get(name, [])
                keys = [self.shape(v) for v in values]
                first = next((k for k in keys if k is not None), None)
                if first is None:
                    continue
                self.shapes[name] = first  # if every value then has it
                if all(self.shape(v) == first for v in values):
                    changed = True
                else:
                    del self.shapes[name]

    def _array_ranks(self, defs, pushed) -> None:
        """`array_ndims`: the names every value of which is an array of one
        known number of dimensions (one or more), each with that number.
        Guessed from any value whose rank is known, then each guess that some
        value contradicts (or leaves unknown) dropped until every one left
        holds of all the values, given the others: an invariant, so loop-carried
        arrays (`y = y * 2` after `y = np.zeros(n)`) keep their rank."""
        ranks = self.array_ndims
        ranks.update({p: ndim for p, (ndim, _) in self.arrays.items()})
        values = {n: vs + pushed.get(n, []) for n, vs in defs.items()
                  if n not in ranks and None not in vs}
        changed = True
        while changed:
            changed = False
            for name, vs in values.items():
                if name not in ranks:
                    known = next((d for d in map(self.array_ndim, vs) if d is not None), None)
                    if known is not None:
                        ranks[name] = known
                        changed = True
        changed = True
        while changed:
            changed = False
            for name, vs in values.items():
                if name in ranks and any(self.array_ndim(v) != ranks[name] for v in vs):
                    del ranks[name]
                    changed = True

    def array_ndim(self, node: ast.expr) -> int | None:
        """The number of dimensions of `node`'s value where it is provably an
        array of one or more (None: unknown, a number, or a 0-d array)."""
        if isinstance(node, ast.Name):
            return self.array_ndims.get(node.id)
        if isinstance(node, ast.Subscript):
            ndim = self.array_ndim(node.value)
            indices = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if ndim is None or len(indices) > ndim:
                return None
            if not all(isinstance(i, ast.Slice) or self.integer(i) for i in indices):
                return None
            left = ndim - sum(not isinstance(i, ast.Slice) for i in indices)
            return left or None
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return self.array_ndim(node.operand)
        if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.MatMult):
            return self._broadcast_ndim([node.left, node.right])
        if isinstance(node, ast.Call) and not node.keywords:
            obj = self.callee(node)
            if obj in _NEW_ARRAYS and node.args:
                shape = node.args[0]
                if self.integer(shape):
                    return 1
                if isinstance(shape, ast.Tuple) and shape.elts and \
                        all(self.integer(e) for e in shape.elts):
                    return len(shape.elts)
                return None
            if obj in _STACKS and isinstance(node.args[0], ast.Tuple) and node.args[0].elts:
                parts = {0 if self.scalar(e) else self.array_ndim(e) for e in node.args[0].elts}
                return None if None in parts or len(parts) != 1 else parts.pop() + 1
            if obj in _PRODUCTS and len(node.args) == 2:
                return _PRODUCT_NDIM.get(tuple(self.array_ndim(a) for a in node.args))
            position = _SHAPE_OF.get(obj)
            if position is not None:
                return self.array_ndim(node.args[position]) if len(node.args) > position \
                    else None
            rule = registry.lookup(obj) if obj is not None else None
            if rule is not None and rule.elementwise and node.args:
                return self._broadcast_ndim(node.args)
        return None

    def _broadcast_ndim(self, operands: list[ast.expr]) -> int | None:
        ndims = [0 if self.scalar(a) else self.array_ndim(a) for a in operands]
        if None in ndims:
            return None
        return max(ndims) or None

    def _greatest(self, defs, pushed, attr: str, fact) -> None:
        """Set `attr` to the greatest set of names every assignment of which
        satisfies `fact`, assuming the names in the set do."""
        names = {n for n, values in defs.items() if None not in values}
        while True:
            setattr(self, attr, names)
            keep = {n for n in names if all(fact(v) for v in defs[n])
                    and all(fact(p) for p in pushed.get(n, []))}
            if keep == names:
                return
            names = keep

    # --- expressions ----------------------------------------------------------------------

    def callee(self, call: ast.Call) -> object | None:
        """The object a call in generated code calls (`np.sin`, `math.cos`,
        `unbroadcast`), or None."""
        func = call.func
        if isinstance(func, ast.Name):
            obj = self.helpers.get(func.id)
            if obj is None and func.id in _BUILTINS:
                return getattr(builtins, func.id)
            return obj
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            module = _MODULES.get(func.value.id)
            return getattr(module, func.attr, None) if module else None
        return None

    def pure(self, stmt: ir.Stmt) -> bool:
        """Whether the calls of a statement (not counting nested ones) change
        nothing: `math` and NumPy functions, primitives with an adjoint
        rule, and the runtime's helpers that make a new value."""
        for expr in _expressions(stmt):
            for node in ast.walk(expr):
                if isinstance(node, ast.Call):
                    obj = self.callee(node)
                    if obj is None or not (
                            _is_math(node) or obj in _PURE or registry.lookup(obj) is not None):
                        return False
        return True

    def scalar(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return type(node.value) in (int, float, bool)
        if isinstance(node, ast.Name):
            return node.id in self.scalars
        if isinstance(node, ast.Attribute):
            return (_is_name(node.value, "math") and node.attr in _MATH_CONSTANTS) or (
                node.attr in ("size", "ndim"))
        if isinstance(node, ast.Subscript):
            if isinstance(node.value, ast.Attribute) and node.value.attr == "shape" or \
                    isinstance(node.value, ast.Name) and node.value.id in self.shape_tuples:
                return not isinstance(node.slice, (ast.Slice, ast.Tuple))
            ndim = self.array_ndim(node.value)
            if ndim is not None:  # an element: one integer index per axis
                indices = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
                if len(indices) == ndim and all(self.integer(i) for i in indices):
                    return True
            return bool(self.scalar_keys) and self._key(node) in self.scalar_keys
        if isinstance(node, ast.BinOp):
            return not isinstance(node.op, ast.MatMult) and self.scalar(node.left) and \
                self.scalar(node.right)
        if isinstance(node, ast.UnaryOp):
            return self.scalar(node.operand)
        if isinstance(node, ast.BoolOp):
            return all(self.scalar(v) for v in node.values)
        if isinstance(node, ast.Compare):
            return self.scalar(node.left) and all(self.scalar(c) for c in node.comparators)
        if isinstance(node, ast.IfExp):
            return self.scalar(node.body) and self.scalar(node.orelse)
        if isinstance(node, ast.Call):
            return self._scalar_call(node)
        return False

    def _scalar_call(self, call: ast.Call) -> bool:
        obj = self.callee(call)
        if obj is None:
            return False
        if _is_math(call):
            return call.func.attr not in ("prod", "sumprod")
        if obj in _SCALAR_RESULTS:
            return True
        if obj in _ROUNDING_BUILTINS or obj in _SCALARS_OF_SCALARS:
            return bool(call.args) and all(self.scalar(a) for a in call.args) and not call.keywords
        if obj in _FULL_REDUCTIONS:
            return len(call.args) == 1 and not call.keywords
        position = _SHAPE_OF.get(obj)
        if position is not None and obj not in _LIKE:
            return len(call.args) > position and self.scalar(call.args[position])
        rule = registry.lookup(obj)
        if rule is not None and rule.elementwise:
            return not call.keywords and all(self.scalar(a) for a in call.args)
        return False

    def integer(self, node: ast.expr) -> bool:
        """Whether `node` is an integer scalar (an index that picks one
        element along an axis, never a bool, which adds one)."""
        if isinstance(node, ast.Constant):
            return type(node.value) is int
        if isinstance(node, ast.Name):
            return node.id in self.integers
        if isinstance(node, ast.BinOp) and isinstance(
                node.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod)):
            return self.integer(node.left) and self.integer(node.right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return self.integer(node.operand)
        if isinstance(node, ast.Subscript):  # x.shape[k], or an element of an integer array
            if isinstance(node.value, ast.Attribute) and node.value.attr == "shape" or \
                    isinstance(node.value, ast.Name) and node.value.id in self.shape_tuples:
                return self.integer(node.slice)
            array = node.value.id if isinstance(node.value, ast.Name) else None
            ndim, kind = self.arrays.get(array, (0, ""))
            indices = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            return kind in ("i", "u") and len(indices) == ndim and \
                all(self.integer(i) for i in indices)
        if isinstance(node, ast.Call):
            return self.callee(node) in (len, int)
        return False

    def floating(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return type(node.value) is float
        if isinstance(node, ast.Name):
            return node.id in self.floats
        if isinstance(node, ast.Attribute):
            return _is_name(node.value, "math") and node.attr in _MATH_CONSTANTS
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Div):
                return True
            if isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Pow)):
                return self.floating(node.left) or self.floating(node.right)
            return False
        if isinstance(node, ast.UnaryOp):
            return isinstance(node.op, (ast.USub, ast.UAdd)) and self.floating(node.operand)
        if isinstance(node, ast.IfExp):
            return self.floating(node.body) and self.floating(node.orelse)
        if isinstance(node, ast.Call):
            if _is_math(node):
                return node.func.attr not in _MATH_NOT_FLOAT
            obj = self.callee(node)
            return obj is float or obj is reduced_size or obj in _COTANGENTS
        return False

    # --- what Numba's typing implies --------------------------------------------------------

    def _typed_facts(self, body, defs) -> None:
        """Grow `scalars` and `scalar_keys` with what typing forces."""
        for stmt in ir.walk(body):
            for expr in _expressions(stmt):
                for n in ast.walk(expr):
                    if isinstance(n, ast.Call) and _is_math(n) and n.func.attr not in (
                            "prod", "sumprod", "fsum", "dist"):
                        for arg in n.args:
                            self._force(arg)
        while True:
            known = (len(self.scalars), len(self.scalar_keys))
            for name, values in defs.items():
                if name in self.scalars:
                    for value in values:
                        self._force(value)
            for name, values in defs.items():  # one type per variable
                if name not in self.scalars and any(
                        v is not None and self.scalar(v) for v in values):
                    self.scalars.add(name)
            if known == (len(self.scalars), len(self.scalar_keys)):
                return

    def _force(self, value: ast.expr | None) -> None:
        """Record that `value` is a scalar, and so are the operands of the
        elementwise arithmetic it is (broadcasting never lowers a rank)."""
        if isinstance(value, ast.Name):
            self.scalars.add(value.id)
        elif isinstance(value, ast.Subscript):
            key = self._key(value)
            if key is not None:
                self.scalar_keys.add(key)
        elif isinstance(value, ast.BinOp) and not isinstance(value.op, ast.MatMult):
            self._force(value.left)
            self._force(value.right)
        elif isinstance(value, ast.UnaryOp) and isinstance(value.op, (ast.USub, ast.UAdd)):
            self._force(value.operand)


def _definitions(body: list[ir.Stmt]):
    """Per name: the expressions assigned to it (None for a value no
    expression describes: a parameter's, a popped one's), and per popped
    name the expressions pushed where it came from."""
    defs: dict[str, list[ast.expr | None]] = {}
    stacks: dict[str, list[ast.expr]] = {}
    pops: dict[str, list[str]] = {}
    for stmt in ir.walk(body):
        if isinstance(stmt, ir.Pop) and not stmt.shape:
            pops.setdefault(stmt.target, []).append(stmt.stack)
            defs.setdefault(stmt.target, [])
        elif isinstance(stmt, ir.Assign):
            defs.setdefault(stmt.target, []).append(stmt.value)
        elif isinstance(stmt, ir.Accumulate) and isinstance(stmt.target, ast.Name):
            defs.setdefault(stmt.target.id, []).append(
                ast.BinOp(stmt.target, ast.Add(), stmt.value))
        elif isinstance(stmt, ir.For):
            defs.setdefault(stmt.var, []).append(ast.Constant(0))
            if stmt.trips:
                defs.setdefault(stmt.trips, []).append(ast.Constant(0))
        elif isinstance(stmt, ir.While):
            defs.setdefault(stmt.trips, []).append(ast.Constant(0))
        elif isinstance(getattr(stmt, "target", None), str):  # a kind of statement not
            defs.setdefault(stmt.target, []).append(None)  # known here: its value is unknown
        elif isinstance(stmt, ir.Push) and not stmt.shape:
            stacks.setdefault(stmt.stack, []).append(stmt.saved)
    pushed = {name: [e for s in ss for e in stacks.get(s, [None])] for name, ss in pops.items()}
    for name, values in pushed.items():
        if None in values:
            defs[name].append(None)
            pushed[name] = [v for v in values if v is not None]
    return defs, pushed


def _expressions(stmt: ir.Stmt) -> list[ast.expr]:
    return [e for e in (getattr(stmt, f, None) for f in ("value", "index", "target", "test",
                                                           "start", "stop", "step"))
            if isinstance(e, ast.expr)]


def _is_math(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Attribute) and _is_name(call.func.value, "math")


def _is_name(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name
