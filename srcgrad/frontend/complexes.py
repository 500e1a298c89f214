"""Complex values as pairs of real ones: `split_complex(irf, namer)`.

srcgrad differentiates real functions, whose arguments and results are real;
inside, a value may be complex: a spectrum (`X = np.fft.rfft(x)`), a phase
(`np.exp(1j * k * t)`).  This pass, the front end's last (after
`rename_redefinitions`: one name per definition, so that `x =
np.fft.rfft(x)` rebinds a real `x` to a complex one), gives every complex
variable `z` two real ones, `z_re` and `z_im`, and rewrites each operation
on it as operations on those:

- arithmetic: `+`, `-`, `*`, `/` of complex and real operands and complex
  constants (`1j * k`, `complex(a, b)`), `z ** 2`, unary `-`, and the
  products bilinear over the reals: `@`, `np.dot`, `np.matmul`, `np.outer`,
  `np.kron`, `np.tensordot` (four real products each);
- `np.exp`, `np.conj` (`np.conjugate`, `.conj()`), and, giving real values,
  `np.real` (`.real`), `np.imag` (`.imag`), `np.abs` (`abs`: `np.hypot` of
  the parts), `np.angle` (`np.arctan2(im, re)`);
- the maps that act on the two parts alike: `np.sum`, `np.mean`,
  `np.cumsum`, `np.fft.fftshift`, `np.fft.ifftshift`, copies, reshapes,
  transposes, `np.moveaxis`, `np.swapaxes`, `np.flip`, `np.roll`, with the
  complex value first;
- reads, writes and in-place updates of elements and slices (`X[0] = 0.0`,
  `X[k] *= w`), and copies; `np.zeros(..., dtype=complex)` and kin;
- `np.fft`'s transforms `fft`, `ifft`, `rfft`, `irfft` and their 2-D and
  n-D forms, each as the helpers of `runtime/transforms.py`, which give one
  part of the result each (`rfft`'s real part, its imaginary part).

A part that is zero by construction (the real part of `1j * k`) is not
computed: an operation reading it reads nothing.  After the pass every
value is real, and the rest of srcgrad (adjoints, tangents, derivatives of
higher order, both targets) differentiates the parts with its real rules:
the gradient is that of the real function, as JAX's and autograd's are.
Anything else a complex value meets (`np.sin(z)`, `z ** 3`, a test, a
result, a store into an array made real, where NumPy raises or drops the
imaginary part) is refused, naming the line.
"""

from __future__ import annotations

import ast
import copy
import inspect
import operator
from collections.abc import Callable

import numpy as np

from .. import ir
from ..errors import NoAdjointError
from ..ir.guards import Guard
from ..ir.markers import SUBSCRIPT
from ..ir.naming import Namer
from ..rules.registry import NO_ADJOINT
from ..runtime import transforms
from .calls import dotted
from .subset import OPERATORS, spelling

__all__ = ["LOWERED", "split_complex"]

Parts = tuple  # (re, im): atoms, None where a part is zero

_SUPPORTED = ("srcgrad differentiates complex values through +, -, *, /, ** 2, @, np.dot, "
              "np.matmul, np.outer, np.kron, np.tensordot, np.exp, "
              "np.conj, np.real, np.imag, np.abs, np.angle, np.sum, np.mean, np.cumsum, "
              "copies, reshapes, indexing and np.fft's fft, ifft, rfft and irfft (1-D, 2-D "
              "and n-D)")

# np.fft's transforms: (kind, dimensions: 1, 2 or None for n-D)
_TRANSFORMS: dict[object, tuple[str, int | None]] = {
    np.fft.fft: ("fft", 1), np.fft.ifft: ("ifft", 1), np.fft.rfft: ("rfft", 1),
    np.fft.irfft: ("irfft", 1), np.fft.fft2: ("fft", 2), np.fft.ifft2: ("ifft", 2),
    np.fft.rfft2: ("rfft", 2), np.fft.irfft2: ("irfft", 2), np.fft.fftn: ("fft", None),
    np.fft.ifftn: ("ifft", None), np.fft.rfftn: ("rfft", None), np.fft.irfftn: ("irfft", None),
}
# what only this pass differentiates (of complex values): `python -m srcgrad coverage`
LOWERED = (*_TRANSFORMS, np.angle)
# maps acting on the real and imaginary parts alike, the complex operand first
_PARTWISE = {np.sum, np.mean, np.cumsum, np.fft.fftshift, np.fft.ifftshift, np.copy,
             np.ravel, np.reshape, np.transpose, np.flip, np.roll, np.squeeze, np.moveaxis,
             np.swapaxes, np.expand_dims, np.array, np.asarray, np.conj, np.conjugate}
# products bilinear over the reals: of complex operands, four real ones
_PRODUCTS = {np.dot, np.matmul, operator.matmul, np.outer, np.kron, np.tensordot}
# of those, the ones whose result may share its argument's memory
_VIEWS = {np.ravel, np.reshape, np.transpose, np.flip, np.squeeze, np.expand_dims, np.asarray,
          np.moveaxis, np.swapaxes}
_REAL_PARTS = {np.real, np.imag, np.abs, np.absolute, abs, np.angle}
_CONSTRUCTORS = {np.zeros, np.ones, np.empty, np.full, np.zeros_like, np.ones_like,
                 np.empty_like, np.full_like}
_COMPLEX_DTYPES = {complex, np.complex128, np.complex64, np.cdouble, np.csingle}


def _is_complex_constant(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is complex


def _is_complex_type(value: object) -> bool:
    """`complex`, `np.complex128`, ... (by identity: a global may be an array)."""
    return any(value is t for t in _COMPLEX_DTYPES)


def _complex_dtype(call: ast.Call, globals_: dict[str, object]) -> bool:
    """`call` passes a complex dtype (`dtype=complex`, `np.complex128`, ...),
    by keyword or in any position (`x.astype(complex)` is `np.asarray(x,
    complex)`)."""
    for node in [*call.args, *(kw.value for kw in call.keywords)]:
        if isinstance(node, ast.Name) and node.id == "complex" and node.id not in globals_:
            return True
        if isinstance(node, ast.Name) and _is_complex_type(globals_.get(node.id)):
            return True
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "np" and _is_complex_type(getattr(np, node.attr, None)):
            return True
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                node.value.startswith("complex"):
            return True
    return False


def _callee(stmt: ir.Assign):
    """The function `stmt` calls: its primitive, or, for a call the front end
    marked constant (`np.zeros(n)`, no primitive), the NumPy or builtin
    function its name spells."""
    if stmt.primitive is not None or not isinstance(stmt.value, ast.Call):
        try:
            hash(stmt.primitive)
        except TypeError:  # a callable object of the user's: none of this module's
            return None
        return stmt.primitive
    func = stmt.value.func
    if isinstance(func, ast.Name):
        return {"complex": complex}.get(func.id)
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
            and func.value.id == "np":
        return getattr(np, func.attr, None)
    return None


def split_complex(irf: ir.Function, namer: Namer) -> None:
    """Rewrite `irf` in place so that no variable holds a complex value (see
    the module's docstring); nothing changes in a function without one."""
    if not _mentions_complex(irf):
        return
    _Splitter(irf, namer).run()


def _mentions_complex(irf: ir.Function) -> bool:
    for stmt in ir.walk(irf.body):
        if isinstance(stmt, ir.Assign) and (_callee(stmt) in _TRANSFORMS or any(
                _is_complex_constant(n) for n in ast.walk(stmt.value))
                or isinstance(stmt.value, ast.Call) and _complex_dtype(stmt.value, irf.globals)
                or _callee(stmt) is complex):
            return True
        if isinstance(stmt, (ir.Store, ir.Accumulate)) and any(
                _is_complex_constant(n) for n in ast.walk(stmt.value)):
            return True
    return False


class _Splitter:
    def __init__(self, irf: ir.Function, namer: Namer):
        self.irf = irf
        self.namer = namer
        self.complex: set[str] = set()
        self.present: dict[str, list[bool]] = {}  # per complex name: [has re, has im]
        self.names: dict[str, tuple[str, str]] = {}
        self.out: list[ir.Stmt] | None = None
        self.constants: dict[str, Parts] = {}  # temporaries holding a complex constant
        # (name, base): `name` may share `base`'s memory (`Y = X`, `X[1:]`, `X.T`)
        self.views: set[tuple[str, str]] = set()
        self.once: dict[str, int] = {}  # per name, how many statements assign it
        for stmt in ir.walk(irf.body):
            if type(stmt) is ir.Assign:
                self.once[stmt.target] = self.once.get(stmt.target, 0) + 1
        self.origin: ir.Origin | None = None
        self.dry = False

    # --- which values are complex ---------------------------------------------------------

    def _complex_value(self, stmt: ir.Assign) -> bool:
        value, fn = stmt.value, _callee(stmt)
        if self._only_shapes(value):
            return False
        if fn in _TRANSFORMS:
            return _TRANSFORMS[fn][0] != "irfft"
        if fn in _REAL_PARTS:
            return False
        if fn is complex:
            return True
        if fn in _CONSTRUCTORS and isinstance(value, ast.Call):
            return _complex_dtype(value, self.irf.globals) or (
                fn in (np.zeros_like, np.ones_like, np.empty_like, np.full_like)
                and bool(value.args) and self._complex_atom(value.args[0])
                and not any(kw.arg == "dtype" for kw in value.keywords))
        if isinstance(value, ast.Call):
            return _complex_dtype(value, self.irf.globals) or (
                fn in _PARTWISE | _PRODUCTS | {np.exp}
                and any(self._complex_atom(a) for a in value.args))
        return any(self._complex_atom(n) for n in ast.walk(value)
                   if isinstance(n, (ast.Name, ast.Constant)))

    def _complex_atom(self, node: ast.expr) -> bool:
        return _is_complex_constant(node) or (isinstance(node, ast.Name)
                                              and node.id in self.complex)

    def _infer(self) -> None:
        changed = True
        while changed:  # grows only: runs until nothing more is complex
            changed = False
            for stmt in ir.walk(self.irf.body):
                name = None
                if isinstance(stmt, ir.Assign) and self._complex_value(stmt):
                    name = stmt.target
                elif isinstance(stmt, ir.Accumulate) and isinstance(stmt.target, ast.Name) \
                        and any(self._complex_atom(n) for n in ast.walk(stmt.value)
                                if isinstance(n, (ast.Name, ast.Constant))):
                    name = stmt.target.id  # `s += z` rebinds `s` (an array's elements
                    # stay of its dtype: a complex value stored into a real array is refused)
                if name is not None and name not in self.complex:
                    self.complex.add(name)
                    changed = True

    # --- the pass --------------------------------------------------------------------------

    def run(self) -> None:
        self._infer()  # (an irfft of a real array makes no complex value, but is lowered)
        rebound = sorted(self.complex & set(self.irf.params))  # `x = np.fft.rfft(x)`
        for stmt in ir.walk(self.irf.body):
            written = stmt.array if isinstance(stmt, ir.Store) else _root(stmt.target) \
                if isinstance(stmt, ir.Accumulate) and isinstance(stmt.target, ast.Subscript) \
                else None
            if written in rebound:
                raise self._refuse(stmt.origin, f"a complex value stored into the real "
                                   f"argument '{written}'")
        self.present = {name: [name in rebound, False] for name in self.complex}
        self.dry = True  # a pass that only learns which parts each name has
        while True:  # grows only: runs until it holds
            before = {k: list(v) for k, v in self.present.items()}
            self._block(self.irf.body)
            for view, base in self.views:  # a write through either one is seen by both
                for k in range(2):
                    has = self.present[view][k] or self.present[base][k]
                    self.present[view][k] = self.present[base][k] = has
            if before == self.present:
                break
        for name in sorted(self.complex):
            self.names[name] = (self.namer.fresh(f"{name}_re"), self.namer.fresh(f"{name}_im"))
            if name in self.irf.temps:
                self.irf.temps.update(self.names[name])
        self.dry = False
        self.irf.body = self._block(self.irf.body)
        for name in reversed(rebound):  # a real argument's value on entry: its real part
            re, im = self.names[name]
            entry = [ir.Assign(self.irf.origin, re, ast.Name(name, ast.Load()))]
            if self.present[name][1]:
                entry.append(ir.Assign(self.irf.origin, im, ast.BinOp(
                    ast.Constant(0.0), ast.Mult(), ast.Name(name, ast.Load())), operator.mul))
            self.irf.body[:0] = entry
        for result in self.irf.results + self.irf.aux:
            if result in self.complex:
                raise self._refuse(self.irf.result_origin or self.irf.origin,
                                   "a complex result: srcgrad differentiates real "
                                   "results (return np.real(z), np.abs(z), ...)")
        self.irf.imports.update({fn.__name__: fn for fn in (
            transforms.fft_part, transforms.rfft_part, transforms.irfft_of)})

    def _refuse(self, origin: ir.Origin, what: str) -> NoAdjointError:
        return NoAdjointError(NO_ADJOINT + what, origin.file, origin.line)  # "no adjoint rule
        # for 'np.sin' of a complex value", "... for a complex result"

    def _block(self, body: list[ir.Stmt]) -> list[ir.Stmt]:
        saved = self.out
        self.out = []
        for stmt in body:
            self._statement(stmt)
        out, self.out = self.out, saved
        return out

    def _statement(self, stmt: ir.Stmt) -> None:
        self.origin = stmt.origin
        if isinstance(stmt, ir.If):
            self._plain_reads(stmt, {stmt.test})
            stmt = copy.copy(stmt)
            stmt.body, stmt.orelse = self._block(stmt.body), self._block(stmt.orelse)
        elif isinstance(stmt, (ir.For, ir.While)):
            self._plain_reads(stmt, set().union(*(ir.names_in(e) for e in (
                getattr(stmt, f, None) for f in ("start", "stop", "step", "test"))
                if isinstance(e, ast.AST))))
            stmt = copy.copy(stmt)
            stmt.body = self._block(stmt.body)
        elif isinstance(stmt, Guard):  # an aliasing check: either part shares as the value
            stmt = copy.deepcopy(stmt)
            if not self.dry:
                stmt.value = self._one_part(stmt.value)
        elif isinstance(stmt, ir.Assign) and type(stmt) is ir.Assign:
            if stmt.target in self.complex:
                self._define(stmt.target, self._parts_of(stmt))
                return
            if _callee(stmt) not in _TRANSFORMS and self._only_shapes(stmt.value):
                # `len(X)`, `X.shape[0]`: the parts have the value's shape
                stmt = copy.copy(stmt)
                stmt.value = self._one_part(copy.deepcopy(stmt.value))
            elif _callee(stmt) in _TRANSFORMS or any(
                    self._complex_atom(n) for n in ast.walk(stmt.value)):
                self._emit_real(stmt)
                return
        elif isinstance(stmt, ir.Store):
            if stmt.array in self.complex:
                self._store(stmt)
                return
            self._real_destination(stmt, stmt.array)
        elif isinstance(stmt, ir.Accumulate):
            if _root(stmt.target) in self.complex:
                self._accumulate(stmt)
                return
            self._real_destination(stmt, _root(stmt.target))
        else:
            self._plain_reads(stmt, ir.names_in(getattr(stmt, "value", ast.Constant(None))))
        self.out.append(stmt)

    def _only_shapes(self, value: ast.expr) -> bool:
        """Whether `value` reads its complex variables for their shapes alone
        (`X.shape`, `X.size`, `X.ndim`, `len(X)`, `np.shape(X)`), and reads one."""
        shape_of = set()
        for node in ast.walk(value):
            if isinstance(node, ast.Attribute) and node.attr in ("shape", "size", "ndim"):
                shape_of.add(id(node.value))
            elif isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords and (
                    isinstance(node.func, ast.Name) and node.func.id == "len"
                    or isinstance(node.func, ast.Attribute) and node.func.attr in (
                        "shape", "size", "ndim") and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "np"):
                shape_of.add(id(node.args[0]))
        read = [n for n in ast.walk(value) if self._complex_atom(n)]
        return bool(read) and all(id(n) in shape_of for n in read)

    def _one_part(self, value: ast.expr) -> ast.expr:
        """`value` with each complex variable read as one of its parts (one it
        has; 0.0 where it has neither: a zero shares no memory)."""
        splitter = self

        class Parts(ast.NodeTransformer):
            def visit_Name(self, node: ast.Name) -> ast.expr:
                if node.id not in splitter.complex:
                    return node
                re, im = splitter._parts(node)
                return re if re is not None else im if im is not None else ast.Constant(0.0)

        return Parts().visit(value)

    def _unsupported(self, stmt: ir.Assign) -> NoAdjointError:
        value = stmt.value
        if isinstance(value, ast.BinOp):
            what = f"'** {ast.unparse(value.right)}'" if isinstance(value.op, ast.Pow) \
                else f"the operator '{type(value.op).__name__}'"
        elif isinstance(value, ast.Call):
            fn = _callee(stmt)
            spelled = spelling(fn) if fn is not None else None
            what = f"'{spelled or ast.unparse(value.func)}'"
        else:
            what = f"'{ast.unparse(value)}'"
        return self._refuse(stmt.origin, f"{what} of a complex value (in '{stmt.origin.text}'): "
                            f"{_SUPPORTED}")

    def _real_destination(self, stmt: ir.Stmt, array: str) -> None:
        """Refuse a complex value written into the real array `array`: NumPy
        raises there, or drops the imaginary part with a warning."""
        if any(self._complex_atom(n) for n in ast.walk(stmt.value)):
            user = next((u for u, names in self.irf.user_names.items() if array in names), array)
            raise self._refuse(stmt.origin, f"a complex value written into '{user}', whose "
                               "values are real (NumPy raises, or drops the imaginary part): "
                               "make it with dtype=complex")

    def _plain_reads(self, stmt: ir.Stmt, names: set[str]) -> None:
        if names & self.complex:
            name = sorted(names & self.complex)[0]
            raise self._refuse(stmt.origin, f"the complex value '{name}' read where srcgrad "
                               f"needs a real one: {_SUPPORTED}")

    # --- parts of atoms, and operations on parts -------------------------------------------

    def _parts(self, node: ast.expr) -> Parts:
        if _is_complex_constant(node):
            c = node.value
            return (ast.Constant(c.real) if c.real else None,
                    ast.Constant(c.imag) if c.imag else None)
        if isinstance(node, ast.Name) and node.id in self.constants:
            return self.constants[node.id]
        if isinstance(node, ast.Name) and node.id in self.complex:
            has = self.present[node.id]
            if self.dry:
                return (node if has[0] else None, node if has[1] else None)
            re, im = self.names[node.id]
            return (ast.Name(re, ast.Load()) if has[0] else None,
                    ast.Name(im, ast.Load()) if has[1] else None)
        return node, None

    def _emit(self, value: ast.expr, primitive) -> ast.expr:
        if self.dry:
            return ast.Name("_", ast.Load())
        name = self.namer.temp()
        self.irf.temps.add(name)
        self.out.append(ir.Assign(self.origin, name, value, primitive))
        return ast.Name(name, ast.Load())

    def _binop(self, a, op: ast.operator, b) -> ast.expr:
        return self._emit(ast.BinOp(a, op, b), OPERATORS[type(op)])

    def _call(self, fn, *args) -> ast.expr:
        spelled = spelling(fn)
        func = dotted(spelled) if spelled else ast.Name(fn.__name__, ast.Load())
        return self._emit(ast.Call(func, list(args), []), fn)

    def _add(self, a, b):
        if a is None or b is None:
            return b if a is None else a
        return self._binop(a, ast.Add(), b)

    def _sub(self, a, b):
        if b is None:
            return a
        if a is None:
            return self._neg(b)
        return self._binop(a, ast.Sub(), b)

    def _neg(self, a):
        if a is None:
            return None
        if isinstance(a, ast.Constant):
            return ast.Constant(-a.value)
        return self._emit(ast.UnaryOp(ast.USub(), a), OPERATORS[ast.USub])

    def _mul(self, a, b):
        if a is None or b is None:
            return None
        for one, other in ((a, b), (b, a)):
            if isinstance(one, ast.Constant) and one.value == 1:
                return other
            if isinstance(one, ast.Constant) and one.value == -1:
                return self._neg(other)
        return self._binop(a, ast.Mult(), b)

    def _div(self, a, b):
        return None if a is None else self._binop(a, ast.Div(), b)

    def _times(self, z: Parts, w: Parts, product=None) -> Parts:
        """z * w, or another product bilinear over the reals (`@`, np.dot,
        np.outer, ...) of two real operands: `product(a, b)`."""
        product = product or self._mul
        (a, b), (c, d) = z, w
        return self._sub(product(a, c), product(b, d)), self._add(product(a, d), product(b, c))

    def _product(self, make) -> Callable:
        """A product of two real parts made by `make(a, b)` (an expression),
        None where either is zero."""
        return lambda a, b: None if a is None or b is None else make(a, b)

    def _over(self, z: Parts, w: Parts) -> Parts:
        (a, b), (c, d) = z, w
        if d is None:
            return self._div(a, c), self._div(b, c)
        size = self._add(self._mul(c, c), self._mul(d, d))
        return (self._div(self._add(self._mul(a, c), self._mul(b, d)), size),
                self._div(self._sub(self._mul(b, c), self._mul(a, d)), size))

    # --- statements ------------------------------------------------------------------------

    def _parts_of(self, stmt: ir.Assign) -> Parts:
        value, fn = stmt.value, _callee(stmt)
        base = value if isinstance(value, ast.Name) else value.value \
            if isinstance(value, ast.Subscript) else value.args[0] \
            if isinstance(value, ast.Call) and value.args and fn in _VIEWS else None
        if isinstance(base, ast.Name) and base.id in self.complex:
            self.views.add((stmt.target, base.id))
        if fn in _TRANSFORMS:
            return self._transform(stmt)
        if isinstance(value, (ast.Name, ast.Constant)):
            return self._parts(value)
        if isinstance(value, ast.UnaryOp) and isinstance(value.op, (ast.USub, ast.UAdd)):
            re, im = self._parts(value.operand)
            return (re, im) if isinstance(value.op, ast.UAdd) else (self._neg(re), self._neg(im))
        if isinstance(value, ast.BinOp):
            z, w = self._parts(value.left), self._parts(value.right)
            op = value.op
            if isinstance(op, ast.Add):
                return self._add(z[0], w[0]), self._add(z[1], w[1])
            if isinstance(op, ast.Sub):
                return self._sub(z[0], w[0]), self._sub(z[1], w[1])
            if isinstance(op, ast.Mult):
                return self._times(z, w)
            if isinstance(op, ast.MatMult):
                return self._times(z, w, self._product(
                    lambda a, b: self._binop(a, ast.MatMult(), b)))
            if isinstance(op, ast.Div):
                return self._over(z, w)
            if isinstance(op, ast.Pow) and isinstance(value.right, ast.Constant) \
                    and value.right.value == 2:
                return self._times(z, z)
            raise self._unsupported(stmt)
        if fn is SUBSCRIPT and isinstance(value, ast.Subscript):
            re, im = self._parts(value.value)
            return tuple(None if p is None else self._emit(
                ast.Subscript(p, copy.deepcopy(value.slice), ast.Load()), SUBSCRIPT)
                for p in (re, im))
        if isinstance(value, ast.Call):
            return self._call_parts(stmt)
        raise self._unsupported(stmt)

    def _call_parts(self, stmt: ir.Assign) -> Parts:
        value, fn = stmt.value, _callee(stmt)
        args = value.args
        if fn is complex:
            re = self._parts(args[0])[0] if args else None
            im = self._parts(args[1])[0] if len(args) > 1 else None
            return re, im
        if fn in _PRODUCTS and len(args) >= 2 and not any(self._complex_atom(a) for a in [
                *args[2:], *(k.value for k in value.keywords)]):
            return self._times(self._parts(args[0]), self._parts(args[1]), self._product(
                lambda a, b: self._emit(ast.Call(value.func, [a, b, *args[2:]],
                                                 value.keywords), fn)))
        if fn is np.exp:
            re, im = self._parts(args[0])
            size = None if re is None else self._call(np.exp, re)
            if im is None:
                return size, None
            cos, sin = self._call(np.cos, im), self._call(np.sin, im)
            return (cos if size is None else self._mul(size, cos),
                    sin if size is None else self._mul(size, sin))
        if fn in _CONSTRUCTORS:
            return self._constructed(stmt)
        if fn in _PARTWISE and args and not any(self._complex_atom(a) for a in args[1:]) \
                and not any(self._complex_atom(k.value) for k in value.keywords):
            re, im = self._parts(args[0])
            if fn in (np.conj, np.conjugate):
                return re, self._neg(im)
            if fn in (np.asarray, np.array, np.copy):  # the dtype, complex, dropped
                rest, keywords = [], [k for k in value.keywords if k.arg not in ("dtype", "copy")]
            else:
                rest, keywords = args[1:], value.keywords
            return tuple(None if p is None else self._emit(
                ast.Call(value.func, [p, *rest], keywords), fn) for p in (re, im))
        raise self._unsupported(stmt)

    def _constructed(self, stmt: ir.Assign) -> Parts:
        """`np.zeros(shape, dtype=complex)` and kin: a real array for each part
        (`np.full`'s fill value split), `zeros_like(z)` shaped like `z`'s parts."""
        value, fn = stmt.value, _callee(stmt)
        keywords = [k for k in value.keywords if k.arg != "dtype"]
        args = list(value.args)
        if args and isinstance(args[0], ast.Name) and args[0].id in self.complex:
            re, im = self._parts(args[0])
            args[0] = re if re is not None else im
        fill: Parts = (None, None)
        if fn in (np.full, np.full_like):
            fill = self._parts(args[1]) if len(args) > 1 else (None, None)
        parts = []
        for k in range(2):
            if fn in (np.zeros, np.zeros_like) or (fn in (np.full, np.full_like) and fill[k] is None):
                made = [args[0]]
                maker = np.zeros if fn in (np.zeros, np.full) else np.zeros_like
            elif fn in (np.ones, np.ones_like) and k == 1:
                made, maker = [args[0]], (np.zeros if fn is np.ones else np.zeros_like)
            elif fn in (np.full, np.full_like):
                made, maker = [args[0], fill[k]], fn
            else:
                made, maker = [args[0]], fn
            spelled = spelling(maker)
            parts.append(self._emit(ast.Call(dotted(spelled), made, keywords), maker))
        return parts[0], parts[1]

    def _transform(self, stmt: ir.Assign) -> Parts:
        value = stmt.value
        kind, dims = _TRANSFORMS[_callee(stmt)]
        bound = inspect.signature(_callee(stmt)).bind(
            *value.args, **{k.arg: k.value for k in value.keywords})
        given = bound.arguments
        none = ast.Constant(None)
        norm = given.get("norm", none)
        if dims == 1:
            n = given.get("n", none)
            s = none if _is_none(n) else ast.Tuple([n], ast.Load())
            axes = ast.Tuple([given.get("axis", ast.Constant(-1))], ast.Load())
        else:
            s = given.get("s", none)
            default = ast.Tuple([ast.Constant(-2), ast.Constant(-1)], ast.Load()) if dims == 2 \
                else none
            axes = given.get("axes", default)
        re, im = self._parts(given["a"])
        slot = 0
        if re is None:
            re, im, slot = im, None, 1
        if re is None:  # the transform of zero
            return None, None
        tail = [s, axes, norm]
        if kind == "rfft":
            if im is not None:
                raise self._refuse(stmt.origin, "np.fft.rfft of a complex value (NumPy "
                                   "discards its imaginary part): take np.real(z) first")
            return tuple(self._call(transforms.rfft_part, re, *tail, ast.Constant(p))
                         for p in (0, 1))
        if kind == "irfft":
            return self._call(transforms.irfft_of, re, im or none, *tail, ast.Constant(slot)), None
        inverse = ast.Constant(kind == "ifft")
        return tuple(self._call(transforms.fft_part, re, im or none, *tail, inverse,
                                ast.Constant(p), ast.Constant(slot)) for p in (0, 1))

    def _define(self, name: str, parts: Parts) -> None:
        has = self.present[name]
        if not self.dry and self.once.get(name) == 1 and name in self.irf.temps and all(
                p is None or isinstance(p, ast.Constant) for p in parts):
            self.constants[name] = parts  # a complex constant (`1.0 + 2.0j`): read as such
            return
        if self.dry:
            self._grow(name, parts)
            return
        parts = list(parts)
        done = [has[k] and self._retarget(parts[k], self.names[name][k]) for k in range(2)]
        for k in range(2):
            if done[k]:  # the temporary's statement assigns the part itself now
                parts[k] = ast.Name(self.names[name][k], ast.Load())
        for k in range(2):
            if not has[k] or done[k]:
                continue
            part = parts[k]
            if part is None:  # zero here, where another assignment gives it a value
                part = self._zero_like(parts[1 - k])
            self.out.append(ir.Assign(self.origin, self.names[name][k], part, None))

    def _grow(self, name: str, parts: Parts) -> None:
        """Record which parts a definition of `name` gives it."""
        has = self.present[name]
        for k in range(2):
            has[k] = has[k] or parts[k] is not None

    def _zero_like(self, other: ast.expr | None) -> ast.expr:
        """A part that is zero where the other part is `other` (None: zero
        too): `0.0 * other`, of its shape and dtype."""
        return ast.Constant(0.0) if other is None else self._binop(
            ast.Constant(0.0), ast.Mult(), other)

    def _retarget(self, part: ast.expr | None, name: str) -> bool:
        """Give `name` the value of the temporary `part` made just now by
        assigning it there (`X_re = rfft_part(...)`, not `_t1 = rfft_part(...)`
        then `X_re = _t1`), where nothing after reads the temporary."""
        if not isinstance(part, ast.Name) or part.id not in self.irf.temps:
            return False
        for k in range(len(self.out) - 1, -1, -1):
            stmt = self.out[k]
            if type(stmt) is ir.Assign and stmt.target == part.id:
                if any(part.id in ir.names_in(s.value) for s in self.out[k + 1:]
                       if isinstance(s, ir.Assign)):
                    return False
                stmt.target = name
                self.irf.temps.discard(part.id)
                return True
            if not isinstance(stmt, ir.Assign):
                return False
        return False

    def _emit_real(self, stmt: ir.Assign) -> None:
        """A real value made of complex ones: a real part, an absolute value,
        an inverse real transform."""
        value, fn = stmt.value, _callee(stmt)
        if fn in _TRANSFORMS:  # irfft
            result = self._transform(stmt)[0]
        elif fn is np.iscomplexobj:  # of a complex value, known here
            result = ast.Constant(True)
        elif fn in _REAL_PARTS and isinstance(value, ast.Call) and len(value.args) == 1:
            re, im = self._parts(value.args[0])
            if fn is np.real:
                result = re
            elif fn is np.imag:
                result = im
            elif fn is np.angle:
                result = self._call(np.arctan2, im or ast.Constant(0.0), re or ast.Constant(0.0))
            elif im is None or re is None:
                result = None if im is None and re is None else self._call(np.abs, re or im)
            else:
                result = self._call(np.hypot, re, im)
        else:
            raise self._unsupported(stmt)
        if self.dry:
            return
        if result is None:
            re, im = self._parts(value.args[0])
            result = self._zero_like(re if re is not None else im)
        self.out.append(ir.Assign(stmt.origin, stmt.target, result, None))

    def _store(self, stmt: ir.Store) -> None:
        parts = self._parts(stmt.value)
        if self.dry:
            self._grow(stmt.array, parts)
            return
        for k in range(2):
            if self.present[stmt.array][k]:
                self.out.append(ir.Store(stmt.origin, self.names[stmt.array][k],
                                         copy.deepcopy(stmt.index),
                                         parts[k] if parts[k] is not None else ast.Constant(0.0)))

    def _accumulate(self, stmt: ir.Accumulate) -> None:
        name = _root(stmt.target)
        parts = self._parts(stmt.value)
        if self.dry:
            self._grow(name, parts)
            return
        for k in range(2):
            if parts[k] is None:
                continue
            target = copy.deepcopy(stmt.target)
            _rename_root(target, self.names[name][k])
            self.out.append(ir.Accumulate(stmt.origin, target, parts[k]))


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _root(target: ast.expr) -> str:
    while isinstance(target, ast.Subscript):
        target = target.value
    return target.id


def _rename_root(target: ast.expr, name: str) -> None:
    while isinstance(target, ast.Subscript):
        if isinstance(target.value, ast.Name):
            target.value = ast.Name(name, ast.Load())
            return
        target = target.value
    target.id = name

