"""Small vectors as numbers: `scalarise_small_arrays(irf, namer, ranks, keep)`.

Numerical code builds short vectors of a length fixed in its text: a point
`np.array([x, y, z])`, a cross product, a slice `cam[0:3]` of a parameter
vector, `p[0:2] / p[2]`.  Each such value is an array, and each operation
on it allocates one, in the function and in its adjoint (a cotangent per
vector, zeroed and added into), where the work is a few multiplications: an
allocation costs more than the arithmetic.  This pass gives each such
vector `v` of length `L` (at most `LONGEST`) `L` variables `v_0 ... v_{L-1}`
and rewrites the operations that make it element by element, so that the
rest of srcgrad differentiates numbers:

- made by `np.array([a, b, c])` of numbers (`stack`, or `array` of
  constants), by a slice with constant bounds of such a vector, by a copy
  (`w = v`), by `+ - * / **` and unary `-` of such vectors (of one length),
  numbers, and 1-D arrays read element by element (`v - feat`: a check that
  `feat` has the vector's length raises `ValueError` otherwise, where NumPy
  raises too, or broadcasts a single element);
- made by a slice with constant bounds `x[lo:hi]` of a 1-D array `x` of any
  length, where nothing in the function writes into `x` or an array that may
  share its memory (the elements are read where the slice is taken; a view
  would see a later write): `hi - lo` numbers, behind a check that `x` has
  `hi` elements at least, which raises `IndexError` naming the line where
  NumPy would give a shorter slice (a gradient is right or srcgrad raises);
- read as `v[k]` with a constant `k`: the variable `v_k`;
- summed (`np.sum(v)`) or multiplied as a dot product (`np.dot(v, w)`)
  with one of its length: the sum, left to right.

An in-place update `v += d` of a vector that shares its memory with no other
name (made new, never copied or sliced) is an update of its numbers.

Such a vector may also meet anything that reads its values into a new
array: arithmetic with an array of another kind (`v * M`), a NumPy
function of its values (`np.sum(v)`, `np.dot(v, w)`, a ufunc), a store
(`out[i] = v`), a result.  There it is made again as an array
(`stack((v_0, v_1))`) just before.  Any other use (an index that is not a
constant, a write into it, a view that is not a vector of this kind, a test,
a call that may keep it) leaves it an array, and with it every vector it is a
view of: the decision is a greatest fixpoint over the function.

Element by element, `v_k / 0.0` on the python target is a Python division
and raises `ZeroDivisionError` where NumPy's gives inf; compiled code divides
as NumPy does.
"""

from __future__ import annotations

import ast
import copy

import numpy as np

from .. import ir, runtime
from ..analysis.aliasing import alias_classes
from ..cells import short_place
from ..ir.guards import Guard, GuardKind
from ..ir.markers import SUBSCRIPT
from ..ir.naming import Namer
from ..optimize.ranks import Ranks
from .subset import OPERATORS

__all__ = ["LONGEST", "may_hold_vectors", "scalarise_small_arrays"]

LONGEST = 16  # the longest vector kept as numbers
_STACKS = (np.stack, runtime.stack, np.array)  # np.array: of constants, `array((0.0, 8.0))`
_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
# NumPy functions that read their arguments' values into a new result (never a
# view, never a write): a vector of numbers passed to one is made again as an array
_READERS = {np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin, np.dot, np.inner,
            np.vdot, np.outer, np.cross, np.matmul, np.linalg.norm, np.concatenate,
            np.hstack, np.vstack, np.stack, np.copy, runtime.stack}


def may_hold_vectors(irf: ir.Function) -> bool:
    """Whether `irf` makes a vector anywhere: every vector starts at an
    `np.array([...])` or a slice with constant bounds (what spares a function
    without one the rank facts the pass needs)."""
    return any(type(s) is ir.Assign and (
        isinstance(s.value, ast.Call) and s.primitive in _STACKS
        or isinstance(s.value, ast.Subscript) and _const_slice(s.value.slice) is not None)
        for s in ir.walk(irf.body))


def scalarise_small_arrays(irf: ir.Function, namer: Namer, ranks: Ranks,
                           keep: set[str] = frozenset()) -> bool:
    """Rewrite `irf` in place (see the module's docstring); `keep`: names
    that stay as they are (a `wrt` or `stop_gradients` local).  Whether
    anything changed."""
    vectors = _Vectors(irf, ranks, keep)
    if not vectors.lengths:
        return False
    _Rewriter(irf, namer, vectors).run()
    return True


def _const_int(node: ast.expr | None) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _const_int(node.operand)
        return None if inner is None else -inner
    return None


def _const_slice(index: ast.expr) -> slice | None:
    """`index` as a slice of constants (None for a missing bound), else None."""
    if not isinstance(index, ast.Slice):
        return None
    bounds = []
    for part in (index.lower, index.upper, index.step):
        if part is None or isinstance(part, ast.Constant) and part.value is None:
            bounds.append(None)
        else:
            value = _const_int(part)
            if value is None:
                return None
            bounds.append(value)
    if bounds[2] == 0:
        return None
    return slice(*bounds)


def _name(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else None


_SUMS = (np.sum,)
_DOTS = (np.dot,)


def _reduction(stmt: ir.Assign, vectors) -> str | None:
    """"sum" for `np.sum(v)`, "dot" for `np.dot(v, w)` of
    vectors among `vectors`, None for anything else."""
    value = stmt.value
    if not isinstance(value, ast.Call) or value.keywords or \
            not all(_name(a) in vectors for a in value.args):
        return None
    if stmt.primitive in _SUMS and len(value.args) == 1:
        return "sum"
    if stmt.primitive in _DOTS and len(value.args) == 2:
        return "dot"
    return None


def _vector_form(stmt: ir.Assign) -> bool:
    """Whether `stmt` has the form of an assignment that makes a vector."""
    value = stmt.value
    return isinstance(value, (ast.Name, ast.BinOp, ast.UnaryOp)) or isinstance(
        value, ast.Subscript) and _const_slice(value.slice) is not None or isinstance(
        value, ast.Call) and stmt.primitive in _STACKS


class _Vectors:
    """Which names hold vectors of numbers, and their lengths (the fixpoint)."""

    def __init__(self, irf: ir.Function, ranks: Ranks, keep: set[str]):
        self.irf = irf
        self.ranks = ranks
        self.defs: dict[str, list[ir.Assign]] = {}
        other: set[str] = set(irf.params) | set(irf.aux) | set(keep)
        for stmt in ir.walk(irf.body):
            if type(stmt) is ir.Assign:
                self.defs.setdefault(stmt.target, []).append(stmt)
            elif isinstance(stmt, (ir.For, ir.While)):
                other |= {stmt.trips} | ({stmt.var} if isinstance(stmt, ir.For) else set())
            elif not ir.blocks(stmt):
                other |= ir.defined_names(stmt)  # (a Pop, a number's `+=`)
        written = {s.array for s in ir.walk(irf.body) if isinstance(s, ir.Store)} | {
            _name(s.target.value) for s in ir.walk(irf.body)
            if isinstance(s, ir.Accumulate) and isinstance(s.target, ast.Subscript)}
        shares = alias_classes(irf)
        # 1-D arrays whose elements nothing in the function changes
        self.unchanged = {name for name in set(self.defs) | set(irf.params)
                          if self._ndim(name) == 1
                          and not ({name} | shares.get(name, set())) & written}
        # the names every assignment of which has the form of one that makes a vector
        candidates = {name for name, stmts in self.defs.items() if name not in other and all(
            _vector_form(s) for s in stmts)}
        self.readers: dict[str, list[ir.Stmt]] = {}  # per name, the statements that read it
        for stmt in ir.walk(irf.body):
            for name in ir.used_names(stmt) & candidates:
                self.readers.setdefault(name, []).append(stmt)
        self.lengths: dict[str, int] = {}
        self.numbers: set[str] = set()
        while True:  # each round leaves out one candidate at least, or ends
            self.numbers = self._number_names(candidates)  # (an element of any candidate)
            self.lengths = self._lengths(candidates)
            self.numbers = self._number_names(set(self.lengths))
            self.lengths = self._verified(self.lengths)
            rejected = {c for c in self.lengths if not self._uses_allow(c)}
            unresolved = candidates - set(self.lengths)
            if not rejected and not unresolved:
                break
            # an unresolved name that waited for another one is a candidate again: with
            # that one an array now, it may make a vector (`v - y`, `y` a local array)
            waiting = {name for name in unresolved if any(
                ir.names_in(s.value) & (unresolved - {name}) for s in self.defs[name])}
            settled = unresolved - waiting
            if not rejected and not settled:
                settled = unresolved  # (a cycle of names none of which makes a vector)
            candidates = candidates - rejected - settled

    def _ndim(self, name: str) -> int | None:
        if name in self.ranks.array_ndims:
            return self.ranks.array_ndims[name]
        known = self.ranks.arrays.get(name)
        return known[0] if known else None

    def number(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return type(node.value) in (int, float)
        return isinstance(node, ast.Name) and (node.id in self.numbers
                                               or self.ranks.scalar(node))

    def _number_names(self, vectors: set[str]) -> set[str]:
        """The names every assignment of which gives a number, given that
        `vectors` hold vectors (`y[1]` of a vector `y` is one, which the rank
        facts may not know of a vector carried by a loop): a greatest fixpoint."""
        self.numbers = {name for name, stmts in self.defs.items() if all(
            self._number_form(s, vectors) is not None for s in stmts)}
        while True:
            wrong = {name for name in self.numbers if not all(
                all(self.number(n) for n in self._number_form(s, vectors))
                for s in self.defs[name])}
            if not wrong:
                return self.numbers
            self.numbers -= wrong

    def _number_form(self, stmt: ir.Assign, vectors: set[str]) -> list[ast.expr] | None:
        """The operands that must be numbers for what `stmt` assigns to be one,
        None where it is not an element, arithmetic, a `math` function of
        numbers, or a sum or dot product of vectors."""
        value = stmt.value
        if _reduction(stmt, vectors) is not None:
            return []
        if isinstance(value, ast.Subscript) and _name(value.value) in vectors:
            return [] if _const_int(value.slice) is not None else None
        if isinstance(value, ast.Constant):
            return [] if type(value.value) in (int, float) else None
        if isinstance(value, ast.Name):
            return [value]
        if isinstance(value, ast.BinOp) and isinstance(value.op, (*_ARITHMETIC, ast.FloorDiv,
                                                                   ast.Mod)):
            return [value.left, value.right]
        if isinstance(value, ast.UnaryOp) and isinstance(value.op, (ast.USub, ast.UAdd)):
            return [value.operand]
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and \
                _name(value.func.value) == "math" and not value.keywords and \
                value.func.attr not in ("floor", "ceil", "trunc", "isnan", "isinf", "isfinite",
                                        "isclose", "frexp", "modf", "prod", "fsum"):
            return list(value.args)
        return None

    # --- lengths ------------------------------------------------------------------------

    def _lengths(self, candidates: set[str]) -> dict[str, int]:
        lengths: dict[str, int] = {}
        changed = True
        while changed:  # from the definitions that need no vector's length, outwards
            changed = False
            for name in candidates:
                if name in lengths:
                    continue
                for stmt in self.defs[name]:
                    length = self.made(stmt, candidates, lengths)
                    if length is not None:
                        lengths[name] = length
                        changed = True
                        break
        return lengths

    def _verified(self, lengths: dict[str, int]) -> dict[str, int]:
        """`lengths` less the names one of whose definitions does not make a
        vector of that length (with `numbers` as they are now)."""
        lengths = dict(lengths)
        while True:
            bad = {name for name, length in lengths.items()
                   if any(self.made(s, set(lengths), lengths) != length for s in self.defs[name])}
            if not bad:
                return lengths
            for name in bad:
                del lengths[name]

    def made(self, stmt: ir.Assign, candidates: set[str], lengths: dict[str, int]) -> int | None:
        """The length of the vector `stmt` makes, if it makes one of numbers."""
        value = stmt.value
        if isinstance(value, ast.Name):
            return lengths.get(value.id)
        if isinstance(value, ast.Call) and stmt.primitive in _STACKS and len(value.args) == 1 \
                and not value.keywords and isinstance(value.args[0], ast.Tuple):
            elts = value.args[0].elts
            ok = 0 < len(elts) <= LONGEST and all(
                self.number(e) for e in elts)
            return len(elts) if ok else None
        if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name):
            bounds = _const_slice(value.slice)
            if bounds is None:
                return None
            base = value.value.id
            if base in lengths:
                length = len(range(lengths[base])[bounds])
                return length if length > 0 else None
            if base in candidates:
                return None  # (its length is not known yet)
            lo = 0 if bounds.start is None else bounds.start
            if base in self.unchanged and bounds.step in (None, 1) and bounds.stop is not None \
                    and 0 <= lo < bounds.stop and bounds.stop - lo <= LONGEST:
                return bounds.stop - lo
            return None
        if isinstance(value, ast.BinOp) and isinstance(value.op, _ARITHMETIC):
            return self._common([value.left, value.right], candidates, lengths)
        if isinstance(value, ast.UnaryOp) and isinstance(value.op, (ast.USub, ast.UAdd)):
            return self._common([value.operand], candidates, lengths)
        return None

    def _common(self, operands, candidates, lengths) -> int | None:
        found, arrays = set(), False
        for operand in operands:
            name = _name(operand)
            if name in lengths:
                found.add(lengths[name])
            elif self.number(operand):
                continue
            elif name is not None and name not in candidates and self._ndim(name) == 1:
                # a 1-D array, a parameter (or a local a round before left out), read
                # element by element, of the vector's length
                arrays = True
            else:
                return None  # (or a vector whose length is not known yet)
        if len(found) != 1:
            return None
        length = found.pop()
        return None if arrays and length < 2 else length

    def array_operand(self, node: ast.expr) -> bool:
        """Whether `node`, an operand of arithmetic that makes a vector, is a
        1-D array read element by element."""
        return isinstance(node, ast.Name) and node.id not in self.lengths and \
            not self.number(node)

    # --- uses ---------------------------------------------------------------------------

    def _uses_allow(self, name: str) -> bool:
        """Whether every use of the vector `name` reads its elements, makes
        another vector, or reads its values into a new array."""
        return all(self.use(stmt, name) is not None for stmt in self.readers.get(name, ()))

    def _unshared(self, name: str) -> bool:
        """Whether the vector `name` shares its memory with no other name: no
        copy or slice of it is taken, and it is made only new (`np.array`,
        arithmetic, or a copy of a temporary read there alone).  Then the
        front end's check before `name += d` (`refuse_inplace_alias`) cannot
        fail, and the update is of numbers."""
        for stmt in self.readers.get(name, ()):
            if type(stmt) is ir.Assign and (_name(stmt.value) == name or isinstance(
                    stmt.value, ast.Subscript) and _name(stmt.value.value) == name
                    and _const_slice(stmt.value.slice) is not None):
                return False
        for stmt in self.defs[name]:
            source = _name(stmt.value)
            if source is not None and not (source in self.irf.temps and
                                           self.readers.get(source) == [stmt]):
                return False
            if isinstance(stmt.value, ast.Subscript):
                return False
        return True

    def use(self, stmt: ir.Stmt, name: str) -> str | None:
        """How `stmt` uses the vector `name`: "element" (`v[k]`, `x = v` of
        another vector), "makes" (another vector), "array" (its values read
        into a new array), None (anything else)."""
        length = self.lengths[name]
        if isinstance(stmt, Guard):
            return "guard" if stmt.kind is GuardKind.UPDATE and self._unshared(name) else None
        if type(stmt) is ir.Assign:
            value = stmt.value
            if _reduction(stmt, self.lengths) is not None and (
                    stmt.primitive is np.sum
                    or self.lengths.get(_name(value.args[0])) == self.lengths.get(
                        _name(value.args[1]))):
                return "reduces"
            if stmt.target in self.lengths and self.made(stmt, set(self.lengths),
                                                         self.lengths) is not None:
                return "makes"
            if isinstance(value, ast.Subscript) and _name(value.value) == name:
                k = _const_int(value.slice)
                return "element" if k is not None and -length <= k < length else None
            if isinstance(value, (ast.BinOp, ast.UnaryOp)):
                return "array"  # arithmetic: a new array
            if isinstance(value, ast.Call) and (stmt.primitive in _READERS or isinstance(
                    stmt.primitive, np.ufunc)) and all(
                    _name(a) == name or name not in ir.names_in(a) or isinstance(a, ast.Tuple)
                    and all(_name(e) == name or name not in ir.names_in(e) for e in a.elts)
                    for a in value.args) and \
                    name not in {n for k in value.keywords for n in ir.names_in(k.value)}:
                return "array"
            return None
        if type(stmt) is ir.Store and _name(stmt.value) == name and stmt.array != name and \
                name not in ir.names_in(stmt.index):
            return "array"  # its values copied into another array
        if type(stmt) is ir.Accumulate and _name(stmt.value) == name and \
                name not in ir.names_in(stmt.target):
            return "array"
        return None


class _Rewriter:
    def __init__(self, irf: ir.Function, namer: Namer, vectors: _Vectors):
        self.irf = irf
        self.namer = namer
        self.vectors = vectors
        self.parts: dict[str, list[str]] = {}
        for name, length in vectors.lengths.items():
            self.parts[name] = [namer.fresh(f"{name}_{k}") for k in range(length)]
            if name in irf.temps:
                irf.temps.update(self.parts[name])
        # the constant elements of a vector made once (`np.array([1.5, x])`): read as constants
        self.constants: dict[str, ast.Constant] = {}
        for name, parts in self.parts.items():
            made = vectors.defs[name]
            if len(made) == 1 and isinstance(made[0].value, ast.Call):
                for part, elt in zip(parts, made[0].value.args[0].elts):
                    if isinstance(elt, ast.Constant):
                        self.constants[part] = elt
        irf.imports.setdefault("stack", runtime.stack)

    def run(self) -> None:
        self.irf.body = self._block(self.irf.body)
        results = []
        for name in self.irf.results:
            if name in self.parts:
                name = self._stack(name, self.irf.result_origin or self.irf.origin, self.irf.body)
            results.append(name)
        self.irf.results = results

    def _part(self, node: ast.expr, k: int, elements: dict | None = None) -> ast.expr:
        name = _name(node)
        if name in self.parts:
            return self._element(name, k)
        if elements and name in elements:
            return ast.Name(elements[name][k], ast.Load())
        return copy.deepcopy(node)

    def _reduced(self, stmt: ir.Assign) -> list[ir.Stmt]:
        """`s = np.sum(v)` as `s = v_0 + v_1 + ...` (left to right, as NumPy
        adds fewer than eight numbers), `s = np.dot(v, w)` as the sum of the
        products, one operation per statement."""
        out: list[ir.Stmt] = []
        names = [a.id for a in stmt.value.args]
        terms = []
        for k in range(len(self.parts[names[0]])):
            if len(names) == 1:
                terms.append(self._element(names[0], k))
            else:
                terms.append(self._emit(stmt.origin, ast.BinOp(
                    self._element(names[0], k), ast.Mult(), self._element(names[1], k)),
                    out))
        total = terms[0]
        for term in terms[1:-1]:
            total = self._emit(stmt.origin, ast.BinOp(total, ast.Add(), term), out)
        value = total if len(terms) == 1 else ast.BinOp(total, ast.Add(), terms[-1])
        out.append(ir.Assign(stmt.origin, stmt.target, value,
                             OPERATORS[ast.Add] if len(terms) > 1 else None))
        return out

    def _temp(self, origin: ir.Origin, value: ast.expr, primitive, out: list[ir.Stmt]) -> str:
        """A new temporary assigned `value` (appended to `out`)."""
        temp = self.namer.temp()
        self.irf.temps.add(temp)
        out.append(ir.Assign(origin, temp, value, primitive))
        return temp

    def _emit(self, origin: ir.Origin, value: ast.BinOp, out: list[ir.Stmt]) -> ast.Name:
        return ast.Name(self._temp(origin, value, OPERATORS[type(value.op)], out), ast.Load())

    def _element(self, vector: str, k: int) -> ast.expr:
        part = self.parts[vector][k]
        if part in self.constants:
            return copy.deepcopy(self.constants[part])
        return ast.Name(part, ast.Load())

    def _stack(self, name: str, origin: ir.Origin, out: list[ir.Stmt]) -> str:
        """`name` made again as an array, in a new temporary (appended to `out`)."""
        elts = [self._element(name, k) for k in range(len(self.parts[name]))]
        return self._temp(origin, ast.Call(ast.Name("stack", ast.Load()),
                                           [ast.Tuple(elts, ast.Load())], []),
                          runtime.stack, out)

    def _block(self, block: list[ir.Stmt]) -> list[ir.Stmt]:
        out: list[ir.Stmt] = []
        for stmt in block:
            for nested in ir.blocks(stmt):
                nested[:] = self._block(nested)
            if type(stmt) is ir.Assign and stmt.target in self.parts:
                out += self._elements(stmt)
                continue
            if type(stmt) is ir.Assign and _reduction(stmt, self.parts) is not None:
                out += self._reduced(stmt)
                continue
            used = [n for n in sorted(ir.used_names(stmt)) if n in self.parts]
            if isinstance(stmt, Guard) and used:
                continue  # (`v += d` of a vector nothing shares: a check that cannot fail)
            for name in used:
                how = self.vectors.use(stmt, name)
                if how == "element":
                    k = _const_int(stmt.value.slice) % len(self.parts[name])
                    stmt.value = self._element(name, k)
                    stmt.primitive = None
                elif how == "array":
                    _substitute(stmt, name, self._stack(name, stmt.origin, out))
                else:  # (the fixpoint left no other use)
                    raise AssertionError(f"small_arrays: {name} used as {how}")
            out.append(stmt)
        return out

    def _elements(self, stmt: ir.Assign) -> list[ir.Stmt]:
        """The statements that make the vector `stmt` makes, element by element."""
        origin, value, parts = stmt.origin, stmt.value, self.parts[stmt.target]
        out: list[ir.Stmt] = []
        if isinstance(value, ast.Name):  # a copy
            for k, part in enumerate(parts):
                out.append(ir.Assign(origin, part, self._part(value, k)))
        elif isinstance(value, ast.Call):  # stack((a, b, c))
            for part, elt in zip(parts, value.args[0].elts):
                out.append(ir.Assign(origin, part, copy.deepcopy(elt)))
        elif isinstance(value, ast.Subscript):
            base = value.value.id
            bounds = _const_slice(value.slice)
            if base in self.parts:
                picked = [self.parts[base][k] for k in range(len(self.parts[base]))[bounds]]
                if base == stmt.target:  # `v = v[::-1]`: each element read before any is set
                    picked = [self._temp(origin, ast.Name(p, ast.Load()), None, out)
                              for p in picked]
                for part, element in zip(parts, picked):
                    out.append(ir.Assign(origin, part, copy.deepcopy(self.constants.get(
                        element, ast.Name(element, ast.Load())))))
            else:
                lo = bounds.start or 0
                out += self._check_length(origin, base, bounds.stop, value)
                for k, part in enumerate(parts):
                    out.append(ir.Assign(origin, part, ast.Subscript(
                        ast.Name(base, ast.Load()), ast.Constant(lo + k), ast.Load()), SUBSCRIPT))
        elif isinstance(value, ast.BinOp):
            left, right = value.left, value.right
            elements = {}  # a 1-D array operand's elements, each in a temporary
            for operand in (left, right):
                if self.vectors.array_operand(operand) and operand.id not in elements:
                    out += self._check_length(origin, operand.id, len(parts), value, exact=True)
                    elements[operand.id] = [self._temp(origin, ast.Subscript(
                        ast.Name(operand.id, ast.Load()), ast.Constant(k), ast.Load()),
                        SUBSCRIPT, out) for k in range(len(parts))]
            for k, part in enumerate(parts):
                out.append(ir.Assign(origin, part, ast.BinOp(
                    self._part(left, k, elements), value.op, self._part(right, k, elements)),
                    OPERATORS[type(value.op)]))
        else:  # UnaryOp
            for k, part in enumerate(parts):
                out.append(ir.Assign(origin, part, ast.UnaryOp(value.op,
                                                               self._part(value.operand, k)),
                                     OPERATORS[type(value.op)]))
        return out

    def _check_length(self, origin: ir.Origin, array: str, length: int, read: ast.expr,
                      exact: bool = False) -> list[ir.Stmt]:
        """Raise unless `array` has `length` elements at least (a slice
        `x[lo:hi]`, `length` = hi, taken as `hi - lo` numbers: NumPy would
        give fewer) or, `exact`, just `length` (an operand of arithmetic with
        a vector of that length: NumPy broadcasts one element, and raises for
        any other length)."""
        size = self.namer.fresh(f"{array}_size")
        enough = self.namer.fresh(f"{array}_fits")
        where = f"{short_place(origin.file)}:{origin.line}"
        if exact:
            error, message = ValueError, (
                f"{ast.unparse(read)} at {where}: srcgrad computes this element by element "
                f"for {length} elements, and {array} must have {length}")
        else:
            error, message = IndexError, (
                f"{ast.unparse(read)} at {where}: srcgrad reads this slice as its "
                f"{length - (_const_slice(read.slice).start or 0)} elements, but the array "
                f"has fewer than {length}")
        return [
            ir.Assign(origin, size, ast.Subscript(ast.Attribute(
                ast.Name(array, ast.Load()), "shape", ast.Load()), ast.Constant(0), ast.Load()),
                nondiff=True),
            ir.Assign(origin, enough, ast.Compare(
                ast.Name(size, ast.Load()), [ast.Eq() if exact else ast.GtE()],
                [ast.Constant(length)]), nondiff=True),
            ir.If(origin, enough, [], [ir.Raise(origin, ast.Call(
                ast.Name(error.__name__, ast.Load()), [ast.Constant(message)], []))]),
        ]


def _substitute(stmt: ir.Stmt, name: str, new: str) -> None:
    """Read `new` where `stmt` reads `name` (not as a callee)."""
    for field in ("value", "index", "target"):
        node = getattr(stmt, field, None)
        if isinstance(node, ast.AST):
            for n in ast.walk(node):
                if isinstance(n, ast.Name) and n.id == name:
                    n.id = new
