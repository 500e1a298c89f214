"""Assignment statements: to names, into subscripts, unpacking, and `def`.

`AssignmentLowering` lowers `x = e`, `a, (b, c) = e`, `x[i] = e` and
`x: float = e` for `statements.Lowering`: a static value (a list, a dict, a
function: `frontend/values.py`) is bound to the name, not assigned; a store
into a known list or dict changes it (seen through every name that shares
it); any other store into an array is an `ir.Store`.  A nested `def` binds
its name to the function as a value.
"""

from __future__ import annotations

import ast

from .. import ir
from .boundary import BoundaryLowering
from .values import Record, Seq, describe, is_static

__all__ = ["AssignmentLowering"]


class AssignmentLowering(BoundaryLowering):
    """Assignments (see the module's docstring)."""

    def _Assign(self, stmt: ast.Assign) -> None:
        if len(stmt.targets) == 1:
            self._assign_to(stmt.targets[0], stmt.value)
            return
        value = self.atom(stmt.value)
        for target in stmt.targets:
            self.bind_target(target, value)

    def _AnnAssign(self, stmt: ast.AnnAssign) -> None:
        if stmt.value is not None:
            self._assign_to(stmt.target, stmt.value)

    def _assign_to(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, ast.Name):
            if self.might_be_static(value):
                self.bind_target(target, self.value(value))
            else:
                self.assign(self.name_target(target), value)
                self._tuple_kept(target)
        elif isinstance(target, ast.Subscript):
            if self.might_be_static(target.value):
                self.assign_lowered(target, self.value(value))
                return
            array = self.store_target(target.value)
            index = self.index(target.slice)
            self.emit(ir.Store(self.origin, array, index, self.atom(value)))
        elif isinstance(target, (ast.Tuple, ast.List)):
            self._unpack(target, value)
        else:  # check_subset refused the others
            raise self.error(target, "this assignment target cannot be differentiated")

    def _tuple_kept(self, target: ast.Name) -> None:
        """`pair = np.linalg.slogdet(a)`: a call whose expansion built a tuple
        (`emit_tuple`) keeps it as a static tuple of its parts, not a variable."""
        name = self.ctx.rename[target.id]
        last = self.out[-1] if self.out else None
        if not (isinstance(last, ir.Assign) and isinstance(name, ast.Name)
                and last.target == name.id and isinstance(last.value, ast.Name)
                and last.primitive is None and not last.nondiff):
            return
        self.out.pop()
        parts = self.built_tuple(ast.Name(last.value.id, ast.Load()))
        if parts is None:
            self.out.append(last)
            return
        self.bind_target(target, Seq(tuple(parts)))

    def _unpack(self, target: ast.Tuple | ast.List, value: ast.expr) -> None:
        if isinstance(value, (ast.Tuple, ast.List)) and not any(
                isinstance(e, ast.Starred) for e in value.elts):
            values = [self.value(v) for v in value.elts]
            # all values are read before any target is written, as in `a, b = b, a`
            written = {self.ctx.rename.get(n.id).id for n in ast.walk(target)
                       if isinstance(n, ast.Name) and isinstance(self.ctx.rename.get(n.id), ast.Name)}
            values = [self.temp(v) if isinstance(v, ast.Name) and v.id in written else v
                      for v in values]
            self.bind_target(target, Seq(tuple(values)))
            return
        self.bind_target(target, self.value(value))

    def assign_lowered(self, target: ast.expr, value) -> None:
        """`target[index] = value`, `value` already lowered."""
        if not isinstance(target, ast.Subscript):
            raise self.error(target, "this assignment target cannot be differentiated")
        if self.might_be_static(target.value):
            container = self.value(target.value)
            if isinstance(container, Record):
                self.change(target.value, container.set(self.static_key(target.slice), value))
                return
            if isinstance(container, Seq):
                index = self.value(target.slice)
                if not (isinstance(index, ast.Constant) and isinstance(index.value, int)):
                    raise self.error(target, f"'{ast.unparse(target)}': srcgrad assigns into a "
                                     "list at constant positions only")
                if not container.is_list:
                    raise self.error(target, "a tuple cannot be assigned into")
                items = list(container.items)
                items[index.value] = value
                self.change(target.value, Seq(tuple(items), True, container.ident))
                return
            if is_static(container):
                raise self.error(target, f"'{ast.unparse(target.value)}' is {describe(container)}")
        if is_static(value):
            raise self.error(target, f"{describe(value)} cannot be stored into an array")
        array = self.store_target(target.value)
        self.emit(ir.Store(self.origin, array, self.index(target.slice), value))

    def _FunctionDef(self, stmt: ast.FunctionDef) -> None:
        self.bind_static(ast.Name(stmt.name, ast.Store()), self.nested_function(stmt))
