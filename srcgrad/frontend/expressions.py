"""Expressions → three-address form, with every call resolved.

`ExpressionLowering` turns one user expression into `ir.Assign` statements
whose values are single operations on atoms (`ast.Name`, `ast.Constant`):

    y = np.sin(x * w) * z      →   _t1 = x * w
                                   _t2 = np.sin(_t1)
                                   y = _t2 * z

Guarantees to the passes after it:

- An `Assign` value is one of: an atom (a copy); `a <op> b` or `-a` with
  `primitive` the `operator` function; a call `f(atoms...)` (tuples of atoms
  allowed as arguments) with `primitive` the callable it resolved to; a
  subscript `a[index]` (`primitive` is `SUBSCRIPT`) whose index holds atoms,
  slices of atoms, `None` and `...`; a tuple of atoms (`primitive` is
  `TUPLE`); or, with `nondiff=True`, a whole expression without derivative
  (comparisons, `and`/`or`, `x.shape`, `len(x)`, `np.zeros(n)`,
  `stop_gradient(x)`), which keeps short-circuit evaluation.
- Calls are spelled as the generated module imports them (`np.linalg.norm`,
  `math.exp`, a helper's plain name); methods are rewritten as NumPy
  functions (`x.sum(0)` → `np.sum(x, 0)`), `x.T` as `np.transpose(x)`, and
  `np.array([a, b])` of variables as `np.stack((a, b))`.
- Calls to the user's own functions are inlined (their statements appear in
  place, their locals renamed after the callee); recursion is refused.
- Free names that hold numbers become constants; other global values become
  globals of the generated module (`globals`).  Every global, closure or
  module-attribute read is recorded in `bindings` (see `frontend/bindings.py`).
- A call whose arguments do not fit its rule (or the function generated
  code calls in its place) is refused here, quoting the user's call; an
  `expansion` of the registry may write a call as other operations
  (`np.linalg.norm(x, ord=3)` as `np.sum(np.abs(x) ** 3.0) ** (1 / 3)`).
"""

from __future__ import annotations

import ast
import copy
import inspect
import sys
import types
from dataclasses import dataclass, field

import numpy as np

from .. import ir
from ..errors import NoAdjointError, UnsupportedSyntaxError
from ..ir.naming import Namer
from ..rules import registry
from .bindings import Binding
from .parse import FunctionSource, user_function
from .subset import METHODS, OPERATORS, Scope, spelling

__all__ = ["ExpressionLowering", "Context", "SUBSCRIPT", "TUPLE", "STOP", "STACK_NEW",
           "STACK_POP"]


class _Marker:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


SUBSCRIPT = _Marker("SUBSCRIPT")  # primitive of `a[index]`
TUPLE = _Marker("TUPLE")  # primitive of `(a, b)`
# In a generated adjoint, differentiated again (`Lowering(stacks=True)`): a list
# used as a stack, `s = []`, `s.append(v)`, `v = s.pop()`.
STACK_NEW = _Marker("STACK_NEW")  # primitive of `[]` (or `[0]`, a stack of shapes)
STACK_POP = _Marker("STACK_POP")  # primitive of `s.pop()`


def stop_gradient(x):
    """Return `x` unchanged; srcgrad propagates no gradient through it."""
    return x


STOP = stop_gradient

_NONDIFF_ATTRIBUTES = {"shape", "size", "ndim", "dtype"}

# functions whose one-argument form is another function
_ONE_ARGUMENT_FORMS = {id(np.where): np.nonzero}


@dataclass
class ReturnInfo:
    """How `return` is lowered in the function being lowered."""

    flag: str | None  # set to True by an early `return`; None for one final return
    results: list[str] = field(default_factory=list)  # variables of an early return


@dataclass
class Context:
    """One function being lowered (the differentiated one, or an inlined callee)."""

    src: FunctionSource
    scope: Scope
    rename: dict[str, ast.expr]  # user local name → IR atom
    ret: ReturnInfo
    callers: tuple[types.FunctionType, ...]  # the chain of inlined calls, for recursion


class ExpressionLowering:
    """The expression half of the lowering; `lower.Lowering` adds statements."""

    def __init__(self, namer: Namer, stacks: bool = False):
        self.namer = namer
        self.stacks = stacks  # accept lists used as stacks (generated adjoints only)
        self.out: list[ir.Stmt] = []
        self.ctx: Context
        self.origin: ir.Origin
        self.globals: dict[str, object] = {}  # injected into the generated module
        self.imports: dict[str, object] = {}  # imported by the generated module
        self.bindings: list[Binding] = []  # the user's global reads (see frontend/bindings.py)
        self.temps: set[str] = set()

    # --- emitting ----------------------------------------------------------

    def error(self, node: ast.AST, message: str) -> UnsupportedSyntaxError:
        return self.ctx.src.error(node, message)

    def emit(self, stmt: ir.Stmt) -> None:
        self.out.append(_as_push_or_pop(stmt) if self.stacks else stmt)

    def emit_assign(self, target: str, value: ast.expr, primitive=None, nondiff=False) -> None:
        self.emit(ir.Assign(self.origin, target, value, primitive, nondiff))

    def temp(self, value: ast.expr, primitive=None, nondiff=False) -> ast.Name:
        name = self.namer.temp()
        self.temps.add(name)
        self.emit_assign(name, value, primitive, nondiff)
        return ast.Name(name, ast.Load())

    # --- atoms and operations ------------------------------------------------

    def atom(self, expr: ast.expr) -> ast.expr:
        """Lower `expr` and return an atom holding its value."""
        if isinstance(expr, ast.Constant):
            return expr
        if isinstance(expr, ast.Name) or self._is_global_value(expr):
            return self.load(expr)
        if (isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub)
                and isinstance(expr.operand, ast.Constant)
                and type(expr.operand.value) in (int, float)):
            return ast.Constant(-expr.operand.value)  # `-1`, as the printer writes it
        value, primitive, nondiff = self.operation(expr)
        if isinstance(value, (ast.Name, ast.Constant)) and primitive is None and not nondiff:
            return value
        return self.temp(value, primitive, nondiff)

    def assign(self, target: str, expr: ast.expr) -> None:
        """Lower `target = expr`, the operation assigned straight to `target`.

        An operation that reads its own target (`b = b * 2`) goes through a
        temporary, so that no statement reads the variable it writes: the
        reverse sweep needs both values."""
        value, primitive, nondiff = self.operation(expr)
        if not nondiff and primitive is not None and target in ir.names_in(value):
            value, primitive = self.temp(value, primitive), None
        self.emit_assign(target, value, primitive, nondiff)

    def operation(self, expr: ast.expr) -> tuple[ast.expr, object, bool]:
        """The one operation computing `expr`, its operands lowered to atoms.

        Returns (value, primitive, nondiff)."""
        if isinstance(expr, ast.Constant):
            return expr, None, False
        if isinstance(expr, ast.Name) or self._is_global_value(expr):
            return self.load(expr), None, False
        if self.stacks and isinstance(expr, ast.List) and all(
                isinstance(e, ast.Constant) for e in expr.elts):
            return expr, STACK_NEW, True
        if self.stacks and _stack_method(expr, "pop", 0):
            return ast.Call(ast.Attribute(self.load(expr.func.value), "pop", ast.Load()), [],
                            []), STACK_POP, False
        if isinstance(expr, ast.BoolOp) and self.has_user_call(expr):
            return self._boolop_as_branches(expr), None, True
        if self.is_nondiff(expr):
            return self.canonical(expr), None, True
        if isinstance(expr, ast.BinOp):
            left, right = self.atom(expr.left), self.atom(expr.right)
            fn = OPERATORS[type(expr.op)]
            if registry.replacement(fn) is not None:  # `a @ b` where Numba's `@` falls short
                return self._call_expr(fn, [left, right], []), fn, False
            return ast.BinOp(left, expr.op, right), fn, False
        if isinstance(expr, ast.UnaryOp):
            operand = self.atom(expr.operand)
            return ast.UnaryOp(expr.op, operand), OPERATORS[type(expr.op)], False
        if isinstance(expr, ast.IfExp):
            return self._ifexp_as_branches(expr), None, False
        if isinstance(expr, ast.Call):
            return self.call(expr)
        if isinstance(expr, ast.Subscript):
            base = self.atom(expr.value)
            return ast.Subscript(base, self.index(expr.slice), ast.Load()), SUBSCRIPT, False
        if isinstance(expr, ast.Attribute):  # only .T is differentiable
            operand = self.atom(expr.value)
            return self._call_expr(np.transpose, [operand], []), np.transpose, False
        if isinstance(expr, (ast.Tuple, ast.List)):
            return ast.Tuple([self.atom(e) for e in expr.elts], ast.Load()), TUPLE, False
        raise self.error(expr, f"the expression '{ast.unparse(expr)}' cannot be differentiated")

    def index(self, node: ast.expr) -> ast.expr:
        """A subscript's index with its parts lowered to atoms.  `a[...]` is
        written `a[...,]`, the same in NumPy, and a form Numba also reads."""
        if isinstance(node, ast.Constant) and node.value is Ellipsis:
            return ast.Tuple([node], ast.Load())
        return self._index_part(node)

    def _index_part(self, node: ast.expr) -> ast.expr:
        if isinstance(node, ast.Slice):
            parts = [None if p is None else self.atom(p) for p in (node.lower, node.upper, node.step)]
            return ast.Slice(*parts)
        if isinstance(node, ast.Tuple):
            return ast.Tuple([self._index_part(e) for e in node.elts], ast.Load())
        if isinstance(node, ast.Constant):
            return node
        return self.atom(node)

    # --- names ---------------------------------------------------------------

    def _is_global_value(self, expr: ast.expr) -> bool:
        return isinstance(expr, ast.Attribute) and self.ctx.scope.is_global_ref(expr) and not (
            isinstance(expr.value, ast.Name) and self.ctx.scope.is_local(expr.value.id)
        )

    def load(self, expr: ast.expr) -> ast.expr:
        """The atom for a variable, or for a global read (a number becomes a
        constant, an array a global of the generated module)."""
        if isinstance(expr, ast.Name) and self.ctx.scope.is_local(expr.id):
            atom = self.ctx.rename.get(expr.id)
            if atom is None:
                raise self.error(expr, f"name '{expr.id}' is used before it is assigned")
            return _copy(atom)
        value = self.ctx.scope.lookup(expr)
        return self.global_value(expr, value)

    def global_value(self, node: ast.expr, value: object) -> ast.expr:
        if isinstance(value, (bool, int, float, str, type(None))):
            return ast.Constant(value)
        if isinstance(value, np.generic) and np.ndim(value) == 0:
            return ast.Constant(value.item())
        if isinstance(value, tuple) and all(isinstance(v, (bool, int, float)) for v in value):
            return ast.Constant(value)
        if isinstance(value, np.ndarray):
            return ast.Name(self.global_name(value, ast.unparse(node)), ast.Load())
        spelled = spelling(value)
        if spelled is not None:
            return _dotted(spelled)
        if isinstance(value, types.ModuleType):
            raise self.error(node, f"the module '{ast.unparse(node)}' cannot be used as a value")
        raise self.error(node, f"'{ast.unparse(node)}' ({type(value).__name__}) cannot be used "
                         "as a value in differentiated code")

    def global_name(self, value: object, hint: str) -> str:
        for name, existing in self.globals.items():
            if existing is value:
                return name
        name = self.namer.fresh(hint.replace(".", "_"))
        self.globals[name] = value
        return name

    def callable_expr(self, fn: object) -> ast.expr:
        """How the generated module calls `fn`: NumPy/`math` by their dotted
        names, srcgrad's own functions by the name it imports them under, any
        other callable as a global of the module."""
        spelled = spelling(fn)
        if spelled is not None:
            return _dotted(spelled)
        if _importable(fn) and fn.__module__.startswith("srcgrad."):
            self.imports[fn.__name__] = fn
            return ast.Name(fn.__name__, ast.Load())
        return ast.Name(self.global_name(fn, getattr(fn, "__name__", "fn")), ast.Load())

    # --- calls -----------------------------------------------------------------

    def resolve_call(self, call: ast.Call) -> tuple[object, list[ast.expr], list[ast.keyword]]:
        """The callable a call refers to, with its arguments (a method call
        `x.f(a)` becomes the NumPy function `f` with `x` first)."""
        func = call.func
        if isinstance(func, ast.Attribute) and not self.ctx.scope.is_global_ref(func):
            method = METHODS.get(func.attr)
            if method is None and registry.method_mutation(np.ndarray, func.attr):
                raise self.error(call, f"the method '.{func.attr}()' changes the array in place, "
                                 "which cannot be differentiated; compute the new values and "
                                 "assign them")
            if method is None:
                raise self.error(call, f"the method '.{func.attr}()' cannot be differentiated")
            args = list(call.args)
            if func.attr in ("reshape", "transpose") and len(args) > 1:
                args = [ast.Tuple(args, ast.Load())]
            keywords = list(call.keywords)
            if func.attr == "astype":
                if len(args) != 1:
                    raise self.error(call, ".astype() takes the dtype as its only argument")
                keywords = [ast.keyword("dtype", args[0])]
                args = []
            return method, [func.value, *args], self._dtypes_spelled(method, keywords)
        if isinstance(func, ast.Name) and self.ctx.scope.is_local(func.id):
            raise self.error(call, f"calling the local variable '{func.id}' cannot be differentiated")
        fn = self.ctx.scope.lookup(func)
        if len(call.args) == 1 and not call.keywords:
            fn = _ONE_ARGUMENT_FORMS.get(id(fn), fn)  # `np.where(c)` is `np.nonzero(c)`
        args, keywords = list(call.args), list(call.keywords)
        dtype = _dtype_position(fn)
        if dtype is not None and len(args) == dtype + 1:  # `np.asarray(x, int)`: by keyword
            keywords = [*keywords, ast.keyword("dtype", args[dtype])]
            args = args[:dtype]
        return fn, args, self._dtypes_spelled(fn, keywords)

    # --- dtype arguments ---------------------------------------------------------

    def _dtypes_spelled(self, fn: object, keywords: list[ast.keyword]) -> list[ast.keyword]:
        """The `dtype=` argument of a cast spelled as the NumPy scalar type
        (`int` → `np.int64`, `"f4"` → `np.float32`), which Numba accepts
        where it refuses `int`, `bool` and most strings."""
        if _dtype_position(fn) is None:
            return keywords
        out = []
        for k in keywords:
            dtype = self.static_dtype(k.value) if k.arg == "dtype" else None
            if dtype is not None and spelling(dtype.type) is not None:
                k = ast.keyword("dtype", _dotted(spelling(dtype.type)))
            out.append(k)
        return out

    def static_dtype(self, node: ast.expr) -> np.dtype | None:
        """The dtype a `dtype=` argument names, where it is known before the
        function runs (a global such as `int` or `np.float32`, a string);
        None for one computed at run time (`x.dtype`)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            value = node.value
        elif isinstance(node, (ast.Name, ast.Attribute)) and self.ctx.scope.is_global_ref(node):
            value = self.ctx.scope.lookup(node)
        else:
            return None
        try:
            return np.dtype(value)
        except TypeError:
            return None

    def casts_to_constant(self, fn: object, keywords: list[ast.keyword]) -> bool:
        """Whether a call converts to an integer or bool dtype, which makes
        its result piecewise constant: no derivative, whatever it reads."""
        if _dtype_position(fn) is None:
            return False
        for k in keywords:
            if k.arg == "dtype":
                dtype = self.static_dtype(k.value)
                return dtype is not None and dtype.kind in "biu"
        return False

    def call(self, call: ast.Call) -> tuple[ast.expr, object, bool]:
        fn, args, keywords = self.resolve_call(call)
        for node in [*args, *(k.value for k in keywords)]:
            if isinstance(node, ast.Starred):
                raise self.error(node, "starred arguments ('*args') cannot be differentiated")
        if any(k.arg is None for k in keywords):
            raise self.error(call, "'**kwargs' arguments cannot be differentiated")
        if _is_stop_gradient(fn):
            if len(args) != 1 or keywords:
                raise self.error(call, "stop_gradient takes one argument")
            return self.atom(args[0]), None, True
        if fn is print:
            raise self.error(call, "print() can only be used as a statement")
        if self.is_user_function(fn):
            results = self.inline_call(fn, args, keywords, call)
            if len(results) != 1:
                raise self.error(call, "a function that returns a tuple must be unpacked: "
                                 "'a, b = f(...)'")
            return results[0], None, False
        write = registry.written_argument(fn, args, keywords)
        if write is not None:
            return self.writing_call(fn, args, keywords, write, call)
        return self.resolved_call(fn, args, keywords, call)

    def resolved_call(self, fn, args: list[ast.expr], keywords: list[ast.keyword],
                      call: ast.Call) -> tuple[ast.expr, object, bool]:
        """A call of a NumPy, `math` or other library function, with its
        arguments lowered to atoms."""
        if fn in (np.array, np.asarray) and args and isinstance(args[0], (ast.List, ast.Tuple)):
            if not _all_constant(args[0]):
                return self._stack_literal(args[0], keywords), np.stack, False
        self.check_arguments(call, fn, args, keywords)
        atoms = [self.argument(a) for a in args]
        kw = [ast.keyword(k.arg, self.argument(k.value)) for k in keywords]
        expand = registry.expansion(fn)
        if expand is not None:
            bound = registry.lookup(fn).signature.bind(*atoms, **{k.arg: k.value for k in kw})
            bound.apply_defaults()
            arguments = {name: v if isinstance(v, ast.AST) else ast.Constant(v)
                         for name, v in bound.arguments.items()}
            try:
                result = expand(arguments, self)
            except registry.Refused as refused:
                raise self.ctx.src.error(call, f"'{ast.unparse(call)}': {refused}",
                                         NoAdjointError) from None
            if result is not None:
                return result, None, False
        nondiff = registry.is_nondifferentiable(fn) or self.casts_to_constant(fn, keywords)
        return self._call_expr(fn, atoms, kw), fn, nondiff

    def emit_call(self, fn, args: list[ast.expr], keywords: list[ast.keyword]) -> ast.Name:
        """A temporary holding `fn(args, keywords)` (for expansions)."""
        return self.temp(self._call_expr(fn, args, keywords), fn)

    def emit_binop(self, left: ast.expr, op: ast.operator, right: ast.expr) -> ast.Name:
        """A temporary holding `left <op> right` (for expansions)."""
        return self.temp(ast.BinOp(left, op, right), OPERATORS[type(op)])

    def check_arguments(self, call: ast.Call, fn, args: list[ast.expr],
                        keywords: list[ast.keyword]) -> None:
        """Raise an error quoting the user's call if its arguments do not fit
        the adjoint rule of `fn`, or the function generated code calls in its
        place (`np.sum(x, where=m)`: srcgrad's rule has no `where`)."""
        rule = registry.lookup(fn)
        impl = registry.replacement(fn)
        signatures = [rule.signature] if rule is not None else []
        if impl is not None:
            try:
                signatures.append(inspect.signature(impl))
            except (TypeError, ValueError):  # a builtin without a signature
                pass
        named = {k.arg: k.value for k in keywords}
        for signature in signatures:
            try:
                signature.bind(*args, **named)
            except TypeError as exc:
                spelled = spelling(fn) or getattr(fn, "__name__", "the function")
                params = ", ".join(str(p) for p in signature.parameters.values())
                raise self.error(call, f"'{ast.unparse(call)}': {exc}; srcgrad differentiates "
                                 f"{spelled}({params})") from None

    def _call_expr(self, fn, args: list[ast.expr], keywords: list[ast.keyword]) -> ast.Call:
        impl = registry.replacement(fn)
        func = self.callable_expr(impl if impl is not None else fn)
        return ast.Call(func, args, keywords)

    def argument(self, node: ast.expr) -> ast.expr:
        if isinstance(node, (ast.Tuple, ast.List)):
            return ast.Tuple([self.argument(e) for e in node.elts], ast.Load())
        return self.atom(node)

    def _stack_literal(self, literal: ast.expr, keywords: list[ast.keyword]) -> ast.Call:
        parts = []
        for elt in literal.elts:
            if isinstance(elt, (ast.List, ast.Tuple)):
                parts.append(self.temp(self._stack_literal(elt, []), np.stack))
            else:
                parts.append(self.atom(elt))
        call = self._call_expr(np.stack, [ast.Tuple(parts, ast.Load())], [])
        dtype = [k for k in keywords if k.arg == "dtype"]
        if dtype:
            call = self._call_expr(np.asarray, [self.temp(call, np.stack)],
                                   [ast.keyword("dtype", self.argument(dtype[0].value))])
        return call

    def is_user_function(self, fn: object) -> bool:
        return spelling(fn) is None and user_function(fn) is not None and not _is_srcgrad(fn)

    def inline_call(self, fn, args, keywords, call: ast.Call) -> list[ast.expr]:
        raise NotImplementedError  # statements: lower.Lowering

    def writing_call(self, fn, args, keywords, write: registry.Write,
                     call: ast.Call) -> tuple[ast.expr, object, bool]:
        raise NotImplementedError  # statements: lower.Lowering

    def writes(self, expr: ast.expr) -> bool:
        """Whether `expr` calls something that writes into an argument."""
        for node in ast.walk(expr):
            if isinstance(node, ast.Call):
                fn, args, keywords = self.resolve_call(node)
                if not self.is_user_function(fn) and registry.written_argument(
                        fn, args, keywords) is not None:
                    return True
        return False

    def has_user_call(self, expr: ast.expr) -> bool:
        for node in ast.walk(expr):
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute) and not self.ctx.scope.is_global_ref(func):
                    continue
                if isinstance(func, ast.Name) and self.ctx.scope.is_local(func.id):
                    continue
                if self.is_user_function(self.ctx.scope.lookup(func)):
                    return True
        return False

    # --- non-differentiable expressions -------------------------------------------

    def is_nondiff(self, expr: ast.expr) -> bool:
        """Whether `expr`'s value has no derivative whatever its operands."""
        if isinstance(expr, (ast.Compare, ast.BoolOp, ast.JoinedStr)):
            return True
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, (ast.Not, ast.Invert)):
            return True
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.FloorDiv):
            return True  # (`x % y` is `x - y * (x // y)`: it has a derivative)
        if isinstance(expr, ast.Attribute):
            return expr.attr in _NONDIFF_ATTRIBUTES
        if isinstance(expr, ast.Subscript):
            return self.is_nondiff(expr.value)
        if isinstance(expr, ast.Call):
            fn, args, keywords = self.resolve_call(expr)
            constant = registry.is_nondifferentiable(fn) or self.casts_to_constant(fn, keywords)
            return constant and registry.written_argument(fn, args, keywords) is None
        return False

    def canonical(self, expr: ast.expr) -> ast.expr:
        """`expr` kept whole, with names renamed, globals resolved and calls
        spelled as the generated module writes them; calls to the user's
        functions are inlined first."""
        if isinstance(expr, ast.Constant):
            return expr
        if isinstance(expr, ast.Name) or self._is_global_value(expr):
            return self.load(expr)
        if isinstance(expr, ast.Call):
            fn, args, keywords = self.resolve_call(expr)
            if self.is_user_function(fn) or registry.written_argument(fn, args, keywords):
                return self.atom(expr)  # statements of its own
            if _is_stop_gradient(fn):  # the whole expression has no derivative anyway
                if len(args) != 1 or keywords:
                    raise self.error(expr, "stop_gradient takes one argument")
                return self.canonical(args[0])
            impl = registry.replacement(fn)
            func = self.callable_expr(impl if impl is not None else fn)
            return ast.Call(func, [self.canonical(a) for a in args],
                            [ast.keyword(k.arg, self.canonical(k.value)) for k in keywords])
        if isinstance(expr, ast.Attribute):
            return ast.Attribute(self.canonical(expr.value), expr.attr, ast.Load())
        node = _shallow_copy(expr)
        for name, value in ast.iter_fields(node):
            if isinstance(value, ast.expr):
                setattr(node, name, self.canonical(value))
            elif isinstance(value, list):
                setattr(node, name, [self.canonical(v) if isinstance(v, ast.expr) else v
                                     for v in value])
        return node

    def constant_truth(self, test: ast.expr) -> bool | None:
        """The truth of a test made of constants only (literals, global
        numbers, arithmetic, comparisons and `and`/`or`/`not` on them), else
        None; `c or x` with a true constant `c` is true, `c and x` with a false
        one false.  Numba drops the branch such a test never takes; srcgrad
        drops it first, so that no stack is left pushed only in code Numba
        removed."""
        if isinstance(test, ast.BoolOp):
            known = [self.constant_truth(v) for v in test.values]
            decisive = isinstance(test.op, ast.Or)  # the value that decides `or`
            if decisive in known:
                return decisive
            return (not decisive) if all(k is not None for k in known) else None
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            known = self.constant_truth(test.operand)
            return None if known is None else not known
        allowed = (ast.Constant, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.Name,
                   ast.operator, ast.unaryop, ast.cmpop, ast.boolop, ast.expr_context)
        folded = ast.fix_missing_locations(copy.deepcopy(test))
        for node in ast.walk(folded):
            if not isinstance(node, allowed):
                return None
            if isinstance(node, ast.Constant) and type(node.value) not in (bool, int, float):
                return None
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and not (
                    isinstance(node.right, ast.Constant) and abs(node.right.value) <= 64):
                return None  # `10 ** 10 ** 10` would take forever
        values = {}
        for n in ast.walk(folded):
            if isinstance(n, ast.Name):
                if self.ctx.scope.is_local(n.id):
                    return None
                values[n.id] = self.ctx.scope.lookup(n)  # a global: Numba freezes it
                if type(values[n.id]) not in (bool, int, float):
                    return None
        try:
            value = eval(compile(ast.Expression(folded), "<test>", "eval"),
                         {"__builtins__": {}, **values})
        except Exception:  # noqa: BLE001  (a test Python would fail on: leave it to run)
            return None
        return bool(value) if type(value) in (bool, int, float) else None

    def condition(self, test: ast.expr, name: str) -> str:
        """Lower an `if`/`while` test into the variable `name`."""
        self.assign(name, test)
        return name

    # --- branches inside expressions -------------------------------------------------

    def _ifexp_as_branches(self, expr: ast.IfExp) -> ast.Name:
        cond = self.condition(expr.test, self.namer.fresh(f"cond_{self.origin.line}"))
        result = self.namer.temp()
        body = self.branch(lambda: self.assign(result, expr.body))
        orelse = self.branch(lambda: self.assign(result, expr.orelse))
        self.emit(ir.If(self.origin, cond, body, orelse))
        return ast.Name(result, ast.Load())

    def _boolop_as_branches(self, expr: ast.BoolOp) -> ast.Name:
        """`a and b` with calls to the user's functions, lowered to branches so
        that `b` is evaluated only when Python would evaluate it."""
        result = self.namer.temp()
        self.assign(result, expr.values[0])
        for value in expr.values[1:]:
            test = ast.Name(result, ast.Load())
            if isinstance(expr.op, ast.Or):
                test = ast.UnaryOp(ast.Not(), test)
            cond = self.namer.fresh(f"cond_{self.origin.line}")
            self.emit_assign(cond, test, nondiff=True)
            body = self.branch(lambda v=value: self.assign(result, v))
            self.emit(ir.If(self.origin, cond, body, []))
        return ast.Name(result, ast.Load())

    def branch(self, lower) -> list[ir.Stmt]:
        saved, self.out = self.out, []
        try:
            lower()
            return self.out
        finally:
            self.out = saved


def _dtype_position(fn: object) -> int | None:
    """Where a differentiable call that converts takes its `dtype` (by
    position), or None for a call without one."""
    rule = registry.lookup(fn)
    if rule is None or "dtype" not in rule.params:
        return None
    return rule.params.index("dtype")


def _importable(fn: object) -> bool:
    module = sys.modules.get(getattr(fn, "__module__", None) or "")
    name = getattr(fn, "__name__", None)
    return module is not None and name is not None and getattr(module, name, None) is fn


def _is_stop_gradient(fn: object) -> bool:
    return fn is STOP or getattr(fn, "__name__", None) == "stop_gradient" and _is_srcgrad(fn)


def _is_srcgrad(fn: object) -> bool:
    return getattr(fn, "__module__", "").startswith("srcgrad")


def _all_constant(node: ast.expr) -> bool:
    return all(isinstance(n, (ast.Constant, ast.List, ast.Tuple, ast.UnaryOp, ast.USub,
                              ast.UAdd, ast.Load)) for n in ast.walk(node))


def _dotted(spelled: str) -> ast.expr:
    parts = spelled.split(".")
    node: ast.expr = ast.Name(parts[0], ast.Load())
    for part in parts[1:]:
        node = ast.Attribute(node, part, ast.Load())
    return node


def _copy(node: ast.expr) -> ast.expr:
    if isinstance(node, ast.Name):
        return ast.Name(node.id, ast.Load())
    return ast.Constant(node.value) if isinstance(node, ast.Constant) else node


def _shallow_copy(node: ast.AST) -> ast.AST:
    new = type(node)()
    for name, value in ast.iter_fields(node):
        setattr(new, name, list(value) if isinstance(value, list) else value)
    return new


def _stack_method(expr: ast.expr, method: str, nargs: int) -> bool:
    """Whether `expr` is `name.method(...)` with `nargs` positional arguments."""
    return (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute)
            and expr.func.attr == method and isinstance(expr.func.value, ast.Name)
            and len(expr.args) == nargs and not expr.keywords)


def _as_push_or_pop(stmt: ir.Stmt) -> ir.Stmt:
    """In a generated adjoint read back from its source: a push or a pop of
    its stacks as the typed statement later passes recognise (`ir.Push`,
    `ir.Pop`; unlinked, since the text does not say which push a pop pairs
    with).  This is the one place that reads them by their names."""
    value = getattr(stmt, "value", None)
    shape_call = (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                  and len(value.args) == 2 and isinstance(value.args[0], ast.Name))
    if type(stmt) is ir.ExprStmt:
        if _stack_method(value, "append", 1):  # `s.append(v)`
            return ir.Push(stmt.origin, value)
        if shape_call and value.func.id == "push_shape":  # `push_shape(s, x)`
            return ir.Push(stmt.origin, value, shape=True)
    if type(stmt) is ir.Assign:
        if stmt.primitive is STACK_POP:  # `v = s.pop()`
            return ir.Pop(stmt.origin, stmt.target, value, stmt.primitive, stmt.nondiff)
        if shape_call and value.func.id == "pop_shape":  # `x = pop_shape(s, x)`
            return ir.Pop(stmt.origin, stmt.target, value, stmt.primitive, stmt.nondiff,
                          shape=True)
    return stmt
