"""Lists that grow in a loop whose number of passes srcgrad does not know
when it reads the function (`acc.append(v)` in `for i in range(n)`).

A list of known length is a static value (`frontend/values.py`): its
elements are variables of their own.  When a loop body changes its length
and the loop's passes are not known (a range of computed bounds, a `while`,
an array's rows) or are many, the loop is lowered again with the list
turned into one variable of the generated code, a list there
(`srcgrad/runtime/lists.py`), which the static value `Growing` stands for:

    acc = []                         acc = []
    for i in range(n):          →    for i in range(n):
        acc.append(x[i] ** 2)            _t1 = x[i] ** 2
                                         k = list_length(acc)
                                         acc.append(_t1)         # list_append(acc, _t1, k)
    y = np.array(acc)                y = stack_list(acc)

What reads it: `len(acc)`, `acc[j]` (an element), `acc[a:b]`, NumPy calls,
`sum`, `min`, `max` and `for v in acc` (its elements stacked into an
array first); what changes it: `append` and `extend` of a known list.
Anything else (`pop`, `insert`, `acc[j] = v`) is refused, naming the line.
"""

from __future__ import annotations

import ast
import builtins

import numpy as np

from .. import runtime
from .updates import UpdateLowering
from .values import Growing, Record, Seq, describe, is_static, lowered

__all__ = ["GrowingLowering", "FEW_TRIPS", "ListTooShort"]

# a constant range of at most this many passes that grows a list is unrolled
# (the list stays static: its elements are variables); a longer one grows it
FEW_TRIPS = 32


class ListTooShort(Exception):
    """A loop body read a static list past its end (`acc[-1] if acc else x0`
    on the first pass, where `acc` is still empty): a list the loop grows."""

    def __init__(self, ident: int):
        super().__init__(ident)
        self.ident = ident


def _changed_list(before, after) -> int:
    """The identity of a list whose length differs between the two forms of
    a value (0 if none)."""
    if isinstance(before, Seq) and isinstance(after, Seq):
        if before.is_list and before.ident and len(before.items) != len(after.items):
            return before.ident
        pairs = zip(before.items, after.items)
    elif isinstance(before, Record) and isinstance(after, Record) and before.keys == after.keys:
        pairs = zip(before.items, after.items)
    else:
        return 0
    for b, a in pairs:
        ident = _changed_list(b, a)
        if ident:
            return ident
    return 0


def _find(value, ident: int):
    """The list of identity `ident` within `value`, or None."""
    if isinstance(value, Seq) and value.is_list and value.ident == ident:
        return value
    if isinstance(value, (Seq, Record)):
        for item in value.items:
            found = _find(item, ident)
            if found is not None:
                return found
    return None


class GrowingLowering(UpdateLowering):
    """Lists grown in loops (see the module's docstring)."""

    def grow_list(self, change) -> bool:
        """Turn the list whose length the loop changes (`change`, a
        joins.ShapeChange: the list, or a dict or list holding it; or a
        ListTooShort: a list the loop body read past its end, which only a
        later pass can reach) into a `Growing` list, built here (before the
        loop that grows it); False where it is not a list of numbers and
        arrays."""
        if isinstance(change, ListTooShort):
            ident, name = change.ident, None
        else:
            ident, name = _changed_list(change.before, change.after), change.name
            if not ident and isinstance(change.before, Seq) and change.before.is_list:
                ident = change.before.ident  # grown on one path only: no one form after the join
        names = [name] if name else list(self.ctx.rename)
        value = next((found for n in names if ident
                      for found in [_find(self.ctx.rename.get(n), ident)] if found is not None),
                     None)
        if value is None or any(is_static(v) for v in value.items):
            return False
        holder = next((n for n in names if self.ctx.rename.get(n) is value), None)
        name = holder or "items"
        var = self.namer.fresh(name)
        self.lists.add(var)
        self.emit_assign(var, self.call_expr(runtime.new_list, [], []), runtime.new_list)
        grown = Growing(ast.Name(var, ast.Load()))
        for k, item in enumerate(value.items):
            self.append_to(grown, item, ast.Constant(k))
        self.share(value.ident, grown)
        return True

    def append_to(self, grown: Growing, item, length: ast.expr | None = None) -> None:
        """`grown.append(item)`; `length`, where known, is the list's length before."""
        if is_static(item):
            raise self.error(self.ctx.src.tree, f"a list that grows in a loop holds numbers "
                             f"and arrays, not {describe(item)}")
        if length is None:
            length = self.length_of(grown)
        call = self.call_expr(runtime.list_append, [grown.atom, item, length], [])
        self.emit_assign(grown.atom.id, call, runtime.list_append)

    def length_of(self, grown: Growing) -> ast.Name:
        call = self.call_expr(runtime.list_length, [grown.atom], [])
        return self.temp(call, runtime.list_length, nondiff=True)

    def holds_growing(self, expr: ast.expr) -> bool:
        """Whether `expr` (a name, or an element or field of a static value)
        is a list grown in a loop."""
        if not isinstance(expr, (ast.Name, ast.Subscript, ast.Attribute)) or not (
                self.might_be_static(expr)):
            return False
        return isinstance(self.value(expr), Growing)

    def index_into(self, grown: Growing, index: ast.expr) -> ast.expr:
        """`index` counted from the list's start, as the reverse sweep needs it."""
        if isinstance(index, ast.Constant) and isinstance(index.value, int) and index.value >= 0:
            return index
        call = self.call_expr(runtime.list_index, [grown.atom, index], [])
        return self.temp(call, runtime.list_index, nondiff=True)

    def stack_of(self, grown: Growing) -> ast.Name:
        """The list's elements stacked into an array (`np.array(acc)`)."""
        stacked = self.temp(self.call_expr(runtime.stack_list, [grown.atom], []),
                            runtime.stack_list)
        self.stacked_lists.add(stacked.id)
        return stacked

    def growing_concatenate(self, args: list, keywords: list, call: ast.Call) -> ast.expr:
        """`np.concatenate(acc, axis)` of a list grown in a loop, whose elements
        have one shape: the elements stacked, the new axis moved next to
        `axis` and merged with it (operations with rules of their own)."""
        axis = ast.Constant(0)
        if len(args) > 1:
            axis = self.value(args[1])
        for k in keywords:
            if k.arg != "axis":
                raise self.error(call, f"np.concatenate of a list that grows in a loop takes no "
                                 f"'{k.arg}='")
            axis = self.value(k.value)
        if not (isinstance(axis, ast.Constant) and type(axis.value) is int):
            raise self.error(call, "np.concatenate of a list that grows in a loop: the axis "
                             "must be an int constant")
        place = axis.value if axis.value >= 0 else axis.value - 1  # among the stacked axes
        stacked = self.stack_of(self.value(args[0]))
        if place != 0:
            stacked = self.emit_call(np.moveaxis, [stacked, ast.Constant(0), ast.Constant(place)],
                                     [])
        shape = self.temp(self.call_expr(runtime.merged_shape, [stacked, ast.Constant(place)], []),
                          runtime.merged_shape, nondiff=True)
        return self.emit_call(np.reshape, [stacked, shape], [])

    def growing_reduction(self, fn, args: list, call: ast.Call) -> ast.expr:
        """`sum(acc)`, `min(acc)`, `max(acc)`: over the stacked elements, along
        the first axis (elementwise for a list of arrays, as Python's are)."""
        if fn is not sum and len(args) != 1:
            raise self.error(call, f"{fn.__name__}() of a list that grows in a loop takes no "
                             "other argument")
        reduce = {sum: np.sum, builtins.min: np.min, builtins.max: np.max}[fn]
        total = self.emit_call(reduce, [self.stack_of(self.value(args[0])), ast.Constant(0)], [])
        if fn is sum and len(args) > 1:
            total = self.plain_atom(ast.BinOp(lowered(self.value(args[1])), ast.Add(), total))
        return total

    def growing_method(self, grown: Growing, name: str, args: list, call: ast.Call):
        if name == "append" and len(args) == 1:
            self.append_to(grown, self.value(args[0]))
        elif name == "extend" and len(args) == 1:
            for item in self.sequence(args[0], call):
                self.append_to(grown, item)
        else:
            raise self.error(call, f"'.{name}()' of a list that grows in a loop: srcgrad "
                             "follows such a list through append and extend only")
        return ast.Constant(None)
