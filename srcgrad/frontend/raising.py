"""`raise` and `assert`: the forward sweep raises what the function raises.

`RaiseLowering` is mixed into `statements.Lowering`.  Guarantees to the
passes after it:

- `raise E(c, ...)` is an `ir.Raise` whose value calls the exception class
  `E` (a global of the generated module, under its own name where that is
  free) with the same constant arguments; `raise E` is `raise E()`.
- `assert test, c` is `cond = test` followed by `If(cond, [], [Raise(
  AssertionError(c))])`; an `assert` whose test is a constant that is true
  is gone, one that is false raises where it stands.  (It runs under
  `python -O` too: the generated code is compiled on its own.)
- Anything else is refused here, at the user's line: a message (any
  argument of the exception) that is not a constant, since Numba raises
  exceptions made of constants only; a bare `raise`; `raise ... from ...`;
  and raising something that is not an exception class.
"""

from __future__ import annotations

import ast

from .. import ir

__all__ = ["RaiseLowering"]

_CONSTANTS = (str, int, float, bool, type(None))


class RaiseLowering:
    """Mixed into `statements.Lowering`, which supplies `emit`, `condition`,
    `constant_truth`, `needs_statements`, `global_name` and the
    context."""

    def _Raise(self, stmt: ast.Raise) -> None:
        if stmt.exc is None:
            raise self.error(stmt, "a bare 'raise' (re-raising) cannot be differentiated")
        if stmt.cause is not None:
            raise self.error(stmt, "'raise ... from ...' cannot be differentiated; raise the "
                             "exception without 'from'")
        exc = stmt.exc
        call = exc if isinstance(exc, ast.Call) else ast.Call(exc, [], [])
        func = call.func
        cls = self.ctx.scope.lookup(func) if (
            isinstance(func, (ast.Name, ast.Attribute)) and self.ctx.scope.is_global_ref(func)
        ) else None
        if not (isinstance(cls, type) and issubclass(cls, BaseException)):
            raise self.error(stmt, f"'raise {ast.unparse(exc)}' cannot be differentiated: "
                             "srcgrad raises an exception class called with constant "
                             "arguments, as in raise ValueError(\"empty\")")
        if call.keywords:
            raise self.error(stmt, "the exception of 'raise' takes positional arguments only")
        self.emit(ir.Raise(self.origin, self._exception(cls, call.args)))

    def _Assert(self, stmt: ast.Assert) -> None:
        exc = self._exception(AssertionError, [] if stmt.msg is None else [stmt.msg])
        known = None if self.needs_statements(stmt.test) else self.constant_truth(stmt.test)
        if known is True:
            return
        if known is False:
            self.emit(ir.Raise(self.origin, exc))
            return
        cond = self.condition(stmt.test, self.namer.fresh(f"cond_{self.origin.line}"))
        self.emit(ir.If(self.origin, cond, [], [ir.Raise(self.origin, exc)]))

    def _exception(self, cls: type, args: list[ast.expr]) -> ast.Call:
        """`cls(args...)` as generated code writes it; each argument a constant."""
        constants = []
        for arg in args:
            value = self._constant(arg)
            if value is None:
                raise self.error(arg, f"the message '{ast.unparse(arg)}' is not a constant: "
                                 "srcgrad raises exceptions with constant arguments only (as "
                                 "Numba compiles them); write the message as a literal")
            constants.append(value)
        return ast.Call(ast.Name(self.global_name(cls, cls.__name__), ast.Load()), constants, [])

    def _constant(self, arg: ast.expr) -> ast.Constant | None:
        """`arg` as a constant: a literal (`-1` too), or a global constant."""
        if isinstance(arg, ast.Constant):
            return arg if isinstance(arg.value, _CONSTANTS) else None
        if (isinstance(arg, ast.UnaryOp) and isinstance(arg.op, ast.USub)
                and isinstance(arg.operand, ast.Constant)
                and type(arg.operand.value) in (int, float)):
            return ast.Constant(-arg.operand.value)
        if isinstance(arg, (ast.Name, ast.Attribute)) and self.ctx.scope.is_global_ref(arg):
            value = self.ctx.scope.lookup(arg)
            if isinstance(value, _CONSTANTS):
                return ast.Constant(value)
        return None
