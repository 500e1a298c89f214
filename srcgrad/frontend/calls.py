"""Calls in the user's expressions: what they call, how generated code spells it.

`CallLowering` is the call half of the expression lowering
(`expressions.ExpressionLowering` inherits it and supplies `atom`, `temp`,
`load`, `error` and the context it reads).  Guarantees to the rest of the
front end:

- `resolve_call` gives the callable a call refers to and its arguments:
  methods become NumPy functions with the object first (`x.sum(0)` is
  `np.sum(x, 0)`), a `dtype` given by position is given by keyword and
  spelled as NumPy's scalar type (`int` is `np.int64`), `np.where(c)` is
  `np.nonzero(c)`;
- `call` lowers a call to one operation on atoms, calling the function
  generated code calls in NumPy's place (`registry.replace`), expanding it
  where the registry writes it as other operations, inlining the user's own
  functions and handing calls that write into an argument to
  `writing_call`; a call whose arguments do not fit its rule is refused,
  quoting the user's call;
- `is_nondiff` and `canonical`: an expression without derivative is kept
  whole, spelled as the generated module writes it.
"""

from __future__ import annotations

import ast
import inspect

import numpy as np

from ..errors import NoAdjointError
from ..ir.markers import TUPLE
from ..rules import registry
from ..runtime.guards import stop_gradient
from .parse import user_function
from .piecewise import lower_piecewise
from .subset import METHODS, OPERATORS, spelling

__all__ = ["CallLowering", "STOP", "stop_gradient", "dotted"]


STOP = stop_gradient

_NONDIFF_ATTRIBUTES = {"shape", "size", "ndim", "dtype"}

_ASTYPE = getattr(np, "astype", None)  # NumPy >= 2

# functions whose one-argument form is another function
_ONE_ARGUMENT_FORMS = {id(np.where): np.nonzero}


class CallLowering:
    """Lowers calls (see the module's docstring)."""

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
        if _ASTYPE is not None and fn is _ASTYPE:  # NumPy 2's `np.astype(x, dtype)`: the method `x.astype(dtype)`
            if len(call.args) != 2 or any(k.arg not in ("copy", "device") for k in call.keywords):
                raise self.error(call, "np.astype(x, dtype) takes the array and the dtype (and "
                                 "copy=, device=, which change no value)")
            keywords = [ast.keyword("dtype", call.args[1])]
            return METHODS["astype"], [call.args[0]], self._dtypes_spelled(np.asarray, keywords)
        if len(call.args) == 1 and not call.keywords:
            fn = _ONE_ARGUMENT_FORMS.get(id(fn), fn)  # `np.where(c)` is `np.nonzero(c)`
        args, keywords = list(call.args), list(call.keywords)
        dtype = _dtype_position(fn)
        if dtype is not None and len(args) == dtype + 1:  # `np.asarray(x, int)`: by keyword
            keywords = [*keywords, ast.keyword("dtype", args[dtype])]
            args = args[:dtype]
        return fn, args, self._dtypes_spelled(fn, keywords)


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
                k = ast.keyword("dtype", dotted(spelling(dtype.type)))
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
            # kept as a call, for a gradient of this gradient to see
            return ast.Call(self.callable_expr(STOP), [self.atom(args[0])], []), None, True
        if fn is print:
            raise self.error(call, "print() can only be used as a statement")
        if self.is_user_function(fn):
            results = self.inline_call(fn, args, keywords, call)
            if len(results) != 1:
                raise self.error(call, "a function that returns a tuple must be unpacked: "
                                 "'a, b = f(...)'")
            return results[0], None, False
        if fn is np.piecewise:  # functions among its arguments
            return lower_piecewise(self, args, keywords, call), None, False
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
        atoms, kw = self.array_operands(fn, atoms, kw)
        expand = registry.expansion(fn)
        if expand is not None:
            signature = registry.expansion_signature(fn) or registry.lookup(fn).signature
            bound = signature.bind(*atoms, **{k.arg: k.value for k in kw})
            bound.apply_defaults()
            arguments = {name: _bound_value(signature.parameters[name], v)
                         for name, v in bound.arguments.items()}
            try:
                result = expand(arguments, self)
            except registry.Refused as refused:
                raise self.ctx.src.error(call, f"'{ast.unparse(call)}': {refused}",
                                         NoAdjointError) from None
            if result is not None:
                return result, None, False
        nondiff = registry.is_nondifferentiable(fn) or self.casts_to_constant(fn, keywords)
        return self.call_expr(fn, atoms, kw), fn, nondiff


    def emit_call(self, fn, args: list[ast.expr], keywords: list[ast.keyword]) -> ast.Name:
        """A temporary holding `fn(args, keywords)` (for expansions)."""
        return self.temp(self.call_expr(fn, args, keywords), fn)


    def emit_binop(self, left: ast.expr, op: ast.operator, right: ast.expr) -> ast.Name:
        """A temporary holding `left <op> right` (for expansions)."""
        return self.temp(ast.BinOp(left, op, right), OPERATORS[type(op)])


    def emit_tuple(self, atoms: list[ast.expr]) -> ast.Name:
        """A temporary holding the tuple of `atoms` (for expansions)."""
        return self.temp(ast.Tuple(list(atoms), ast.Load()), TUPLE)


    def built_tuple(self, atom: ast.expr) -> list[ast.expr] | None:
        """The atoms of the tuple that `emit_tuple` has just built into `atom`,
        taking the tuple back: unpacked (`q, r = divmod(a, b)`), its parts are
        read where they are, and no tuple of differentiable values is kept."""
        last = self.out[-1] if self.out else None
        if (isinstance(atom, ast.Name) and getattr(last, "target", None) == atom.id
                and last.primitive is TUPLE and atom.id in self.temps):
            self.out.pop()
            return list(last.value.elts)
        return None


    def check_arguments(self, call: ast.Call, fn, args: list[ast.expr],
                        keywords: list[ast.keyword]) -> None:
        """Raise an error quoting the user's call if its arguments do not fit
        the adjoint rule of `fn`, or the function generated code calls in its
        place (`np.sum(x, where=m)`: srcgrad's rule has no `where`)."""
        rule = registry.lookup(fn)
        impl = registry.replacement(fn)
        signatures = [rule.signature] if rule is not None else []
        own = registry.expansion_signature(fn)  # the expansion writes every call: its own
        if own is not None:
            signatures, impl = [own], None
        if impl is not None:
            try:
                signatures.append(inspect.signature(impl))
            except (TypeError, ValueError):  # a builtin without a signature
                pass
        named = {k.arg: k.value for k in keywords}
        if rule is not None and rule.sequence is not None:
            try:
                sequence = rule.signature.bind(*args, **named).arguments.get(rule.sequence)
            except TypeError:
                sequence = None  # reported below
            if isinstance(sequence, ast.Name) and sequence.id in self.stacked_lists:
                spelled = spelling(fn) or getattr(fn, "__name__", "the function")
                raise self.error(call, f"'{ast.unparse(call)}': {spelled} of a list that grows in "
                                 "a loop; srcgrad joins such a list with np.stack(...), "
                                 "np.array(...) or np.concatenate(...)")
        for signature in signatures:
            try:
                signature.bind(*args, **named)
            except TypeError as exc:
                spelled = spelling(fn) or getattr(fn, "__name__", "the function")
                params = ", ".join(str(p) for p in signature.parameters.values())
                raise self.error(call, f"'{ast.unparse(call)}': {exc}; srcgrad differentiates "
                                 f"{spelled}({params})") from None


    def call_expr(self, fn, args: list[ast.expr], keywords: list[ast.keyword]) -> ast.Call:
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
        call = self.call_expr(np.stack, [ast.Tuple(parts, ast.Load())], [])
        dtype = [k for k in keywords if k.arg == "dtype"]
        if dtype:
            call = self.call_expr(np.asarray, [self.temp(call, np.stack)],
                                   [ast.keyword("dtype", self.argument(dtype[0].value))])
        return call


    def is_user_function(self, fn: object) -> bool:
        """A function of the user's that srcgrad inlines: one with a rule
        registered for it (`@sg.adjoint(f)`, a custom gradient) is called
        and differentiated by its rule instead."""
        return (spelling(fn) is None and user_function(fn) is not None and not _is_srcgrad(fn)
                and registry.lookup(fn) is None)


    def inline_call(self, fn, args, keywords, call: ast.Call) -> list[ast.expr]:
        raise NotImplementedError  # inlining.FunctionLowering

    def array_operands(self, fn, atoms: list, keywords: list) -> tuple[list, list]:
        return atoms, keywords  # containers.ContainerLowering


    def writing_call(self, fn, args, keywords, write: registry.Write,
                     call: ast.Call) -> tuple[ast.expr, object, bool]:
        raise NotImplementedError  # updates.UpdateLowering


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
        if isinstance(expr, ast.NamedExpr) or (
                isinstance(expr, (ast.BoolOp, ast.IfExp)) and self.needs_statements(expr)):
            return self.atom(expr)  # statements of its own, in branches where Python has them
        if isinstance(expr, ast.Call):
            fn, args, keywords = self.resolve_call(expr)
            if (self.is_user_function(fn) or registry.written_argument(fn, args, keywords)
                    or registry.expansion_signature(fn) is not None):
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


def _bound_value(param: inspect.Parameter, value: object) -> object:
    """An argument as an expansion gets it: an atom, a list of atoms for
    `*args`, a default as a constant."""
    if param.kind is param.VAR_POSITIONAL:
        return list(value)
    return value if isinstance(value, ast.AST) else ast.Constant(value)


def _dtype_position(fn: object) -> int | None:
    """Where a differentiable call that converts takes its `dtype` (by
    position), or None for a call without one."""
    rule = registry.lookup(fn)
    if rule is None or "dtype" not in rule.params:
        return None
    return rule.params.index("dtype")



def _is_stop_gradient(fn: object) -> bool:
    return fn is STOP or getattr(fn, "__name__", None) == "stop_gradient" and _is_srcgrad(fn)



def _is_srcgrad(fn: object) -> bool:
    """Whether `fn` is srcgrad's own (not a function of a generated module,
    `srcgrad_generated_...`, which a derivative of higher order transforms)."""
    module = getattr(fn, "__module__", None) or ""
    return module == "srcgrad" or module.startswith("srcgrad.")



def _all_constant(node: ast.expr) -> bool:
    return all(isinstance(n, (ast.Constant, ast.List, ast.Tuple, ast.UnaryOp, ast.USub,
                              ast.UAdd, ast.Load)) for n in ast.walk(node))



def dotted(spelled: str) -> ast.expr:
    parts = spelled.split(".")
    node: ast.expr = ast.Name(parts[0], ast.Load())
    for part in parts[1:]:
        node = ast.Attribute(node, part, ast.Load())
    return node



def _shallow_copy(node: ast.AST) -> ast.AST:
    fields = {name: list(value) if isinstance(value, list) else value
              for name, value in ast.iter_fields(node)}
    return type(node)(**fields)
