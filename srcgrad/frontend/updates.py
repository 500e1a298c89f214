"""In-place updates: `x += e`, `a[i] *= e`, and calls that write into an argument.

NumPy changes an array in place where srcgrad's IR rebinds a name, so each
update is lowered as an assignment of the new value:

- `x += e` is `x = x + e`, after a `Guard` of kind `UPDATE`
  (`ir/guards.py`: `analysis/aliasing.py` keeps it only where another live
  name could share the array); `a[i] += e` reads the element, adds, and
  stores it back (`ir.Store`);
- `f(x, out=y)` is `_t = f(x)` and the store `y[...,] = _t`; a declared
  update (`np.add.at(a, i, b)`) is `a = scatter_add(a, i, b)`, guarded as
  `x += e` is; any other call that writes into an argument is refused,
  quoting the user's call.

`UpdateLowering` adds these to the expression lowering; `statements.Lowering`
builds on it.
"""

from __future__ import annotations

import ast
import copy

import numpy as np

from .. import ir
from ..ir.guards import GuardKind, guard
from ..ir.markers import SUBSCRIPT
from ..rules import registry
from .expressions import ExpressionLowering, copy_atom
from .subset import OPERATORS

__all__ = ["UpdateLowering"]


class UpdateLowering(ExpressionLowering):
    """The lowering of updates in place (see the module's docstring)."""

    def _AugAssign(self, stmt: ast.AugAssign) -> None:
        target = stmt.target
        if isinstance(target, ast.Name):
            self.update_name(target, lambda current: self.binop(current, stmt.op, stmt.value),
                              f"write '{target.id} = {target.id} ...' or copy that name with "
                              "np.copy")
            return
        assert isinstance(target, ast.Subscript)
        self.update_subscript(target, lambda old: self.binop(old, stmt.op, stmt.value))


    def update_name(self, target: ast.Name, update, advice: str) -> None:
        """`x = update(x)`, for a statement that changes the array `x` in place."""
        current = self.load(ast.Name(target.id, ast.Load()))
        # NumPy updates an array in place here; srcgrad rebinds the name.  The
        # two differ only if another live name shares the array: analysis/aliasing.py keeps
        # this guard where that may happen and drops it elsewhere.
        message = (f"{self.origin}: '{self.origin.text}' changes the array '{target.id}' "
                   f"in place, and another name that shares its memory is read later; {advice}")
        if not self.stacks:  # a generated adjoint accumulates only into its own arrays
            self.emit(guard(self.origin, GuardKind.UPDATE, message, copy_atom(current)))
        value, primitive = update(current)
        name = self.name_target(target)
        if name in ir.names_in(value):  # the reverse sweep needs the old value too
            value, primitive = self.temp(value, primitive), None
        self.emit_assign(name, value, primitive)


    def update_subscript(self, target: ast.Subscript, update) -> None:
        """`a[i] = update(a[i])`, for a statement that changes `a[i]` in place."""
        array = self.store_target(target.value)
        index = self.index(target.slice)
        old = self.temp(ast.Subscript(ast.Name(array, ast.Load()), index, ast.Load()),
                        primitive=SUBSCRIPT)
        value = self.temp(*update(old))
        self.emit(ir.Store(self.origin, array, copy.deepcopy(index), value))


    def writing_call(self, fn, args, keywords, write: registry.Write,
                     call: ast.Call) -> tuple[ast.expr, object, bool]:
        """`np.exp(y, out=y)` is `y[...] = np.exp(y)`; `np.add.at(a, i, b)`,
        a declared update, is `a = scatter_add(a, i, b)`; other calls that
        write into an argument are refused."""
        label = ast.unparse(call.func)
        target = write.target
        if target is None:
            raise self.error(call, f"'{label}()' changes its object in place, which cannot be "
                             "differentiated")
        where = ast.unparse(target)
        base = target.value if isinstance(target, ast.Subscript) else target
        if isinstance(base, ast.Name) and not self.ctx.scope.is_local(base.id):
            raise self.error(call, f"'{label}()' writes into '{where}', which is not a local "
                             "variable; srcgrad follows writes into local arrays only")
        if write.out:
            if isinstance(target, ast.Tuple) and len(target.elts) == 1:
                target = target.elts[0]  # a ufunc's `out=(y,)`
            if isinstance(fn, np.ufunc) and fn.nout > 1 or isinstance(target, ast.Tuple):
                raise self.error(call, f"'{label}()' with several 'out' arrays cannot be "
                                 "differentiated; assign its results instead")
            if any(k.arg == "where" for k in keywords):
                raise self.error(call, f"'{label}()' with 'out=' and 'where=' writes some "
                                 f"elements of '{where}' only, which cannot be differentiated; "
                                 "use np.where(...) and assign the result")
            kept = [a for a in args if a is not write.target]
            kept_keywords = [k for k in keywords if k.value is not write.target]
            result = self.as_atom(*self.resolved_call(fn, kept, kept_keywords, call))
            return self.store_result(target, result, call, label)
        if write.update is None:
            raise self.error(call, f"'{label}()' writes into '{where}' in place, which cannot be "
                             "differentiated; compute the new values and assign them instead")
        if not isinstance(target, (ast.Name, ast.Subscript)):
            raise self.error(call, f"'{label}()' writes into '{where}'; srcgrad follows such a "
                             "write only into a variable or a subscript of one")

        def update(current: ast.expr) -> tuple[ast.expr, object]:
            operands = [current if a is write.target else self.argument(a) for a in args]
            named = [ast.keyword(k.arg, current if k.value is write.target
                                 else self.argument(k.value)) for k in keywords]
            return self.call_expr(write.update, operands, named), write.update

        if isinstance(target, ast.Name):
            self.update_name(target, update, "copy that name with np.copy first")
        else:
            self.update_subscript(target, update)
        return ast.Constant(None), None, True  # what such a call returns


    def as_atom(self, value: ast.expr, primitive, nondiff: bool) -> ast.expr:
        if isinstance(value, (ast.Name, ast.Constant)) and primitive is None and not nondiff:
            return value
        return self.temp(value, primitive, nondiff)


    def store_result(self, target: ast.expr, result: ast.expr, call: ast.Call,
                      label: str) -> tuple[ast.expr, object, bool]:
        """Write the result of an `out=` call into `target`; the call's value
        is `target` itself, as NumPy returns it."""
        if isinstance(target, ast.Name):
            array = self.store_target(target)
            self.emit(ir.Store(self.origin, array, self.index(ast.Constant(...)), result))
            return ast.Name(array, ast.Load()), None, False
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            array = self.store_target(target.value)
            index = self.index(target.slice)
            self.emit(ir.Store(self.origin, array, index, result))
            return (ast.Subscript(ast.Name(array, ast.Load()), copy.deepcopy(index), ast.Load()),
                    SUBSCRIPT, False)
        raise self.error(call, f"'{label}()' writes its result into '{ast.unparse(target)}'; "
                         "srcgrad follows 'out=' only into a variable or a subscript of one")


    def binop(self, left: ast.expr, op: ast.operator, right: ast.expr):
        """`left <op> right` with `left` already lowered: (value, primitive)."""
        right = self.atom(right)
        fn = OPERATORS[type(op)]
        if registry.replacement(fn) is not None:
            return self.call_expr(fn, [left, right], []), fn
        return ast.BinOp(left, op, right), fn


    def name_target(self, target: ast.Name) -> str:
        atom = self.ctx.rename[target.id]
        if not isinstance(atom, ast.Name):  # a parameter substituted by a constant
            raise self.error(target, f"cannot assign to '{target.id}'")
        return atom.id


    def store_target(self, node: ast.expr) -> str:
        if not (isinstance(node, ast.Name) and self.ctx.scope.is_local(node.id)):
            raise self.error(node, "only local arrays can be assigned into")
        atom = self.load(node)
        if not isinstance(atom, ast.Name):
            raise self.error(node, f"cannot assign into '{node.id}'")
        return atom.id
