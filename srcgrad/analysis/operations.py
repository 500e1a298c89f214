"""What operation an `ir.Assign` applies, and which rule differentiates it.

Shared by the activity analysis and the reverse sweep, so that both agree on
which operands of a statement receive a cotangent.
"""

from __future__ import annotations

import ast
import enum
from dataclasses import dataclass

from .. import ir
from ..errors import NoAdjointError, UnsupportedSyntaxError
from ..ir.markers import SUBSCRIPT, TUPLE
from ..ir.recursion import RecursiveFunction
from ..rules import registry
from ..rules.registry import Rule

__all__ = ["OpKind", "Operation", "operation", "operand_names", "no_adjoint"]


class OpKind(str, enum.Enum):  # enum.StrEnum is Python 3.11's
    """What an `ir.Assign`'s value does, as far as derivatives go."""

    COPY = "copy"  # `y = x`, `y = 2.0`
    NONDIFF = "nondiff"  # no derivative: a comparison, `len(x)`, a non-differentiable function
    SUBSCRIPT = "subscript"  # `y = a[index]`
    TUPLE = "tuple"  # `y = (a, b)`
    POP = "pop"  # `y = s.pop()`, in a generated adjoint differentiated again
    RULE = "rule"  # a call with an adjoint rule (`rule`, `bound`)
    OPAQUE = "opaque"  # a call without a rule: differentiable only where nothing varies


@dataclass
class Operation:
    kind: OpKind
    rule: Rule | None = None
    bound: dict[str, ast.expr] | None = None  # rule parameter → atom (or tuple of atoms)

    def diff_params(self) -> list[str]:
        """Parameters of the rule that receive a cotangent."""
        assert self.rule is not None
        return [p for p, c in zip(self.rule.params, self.rule.cotangents) if c is not None]


def operation(stmt: ir.Assign) -> Operation:
    value = stmt.value
    if stmt.nondiff:
        return Operation(OpKind.NONDIFF)
    if isinstance(value, (ast.Name, ast.Constant)) and stmt.primitive is None:
        return Operation(OpKind.COPY)
    if stmt.primitive is SUBSCRIPT:
        return Operation(OpKind.SUBSCRIPT)
    if stmt.primitive is TUPLE:
        return Operation(OpKind.TUPLE)
    if isinstance(stmt, ir.Pop) and not stmt.shape:
        return Operation(OpKind.POP)
    primitive = stmt.primitive
    if registry.is_nondifferentiable(primitive):
        return Operation(OpKind.NONDIFF)
    if isinstance(primitive, RecursiveFunction):  # a call closing a cycle (ir/recursion.py)
        rule = primitive.rule
    else:
        rule = registry.lookup(primitive)
    if rule is None:
        return Operation(OpKind.OPAQUE)
    if isinstance(value, ast.BinOp):
        args, keywords = [value.left, value.right], []
    elif isinstance(value, ast.UnaryOp):
        args, keywords = [value.operand], []
    elif isinstance(value, ast.Call):
        args, keywords = value.args, value.keywords
    else:
        raise UnsupportedSyntaxError(f"cannot differentiate '{ast.unparse(value)}'",
                                     stmt.origin.file, stmt.origin.line)
    try:
        bound = rule.signature.bind(*args, **{k.arg: k.value for k in keywords})
    except TypeError as exc:
        # (the lowering checks the user's calls: this is generated code's)
        raise UnsupportedSyntaxError(f"'{stmt.origin.text}': {exc}", stmt.origin.file,
                                     stmt.origin.line) from None
    bound.apply_defaults()
    atoms = {name: _as_ast(v) for name, v in bound.arguments.items()}
    return Operation(OpKind.RULE, rule, atoms)


def _as_ast(value) -> ast.expr:
    if isinstance(value, ast.AST):
        return value
    return ast.Constant(value)


def operand_names(stmt: ir.Assign, op: Operation) -> list[str]:
    """The variables that receive a cotangent from `stmt`, with repeats
    (`x * x` gives x twice), and those its rule refuses one (see `analysis.activity`)."""
    value = stmt.value
    if op.kind is OpKind.NONDIFF:
        return []
    if op.kind is OpKind.COPY:
        return [value.id] if isinstance(value, ast.Name) else []
    if op.kind is OpKind.POP:  # `s.pop()`
        return [stmt.stack]
    if op.kind is OpKind.SUBSCRIPT:  # `a[i]`
        return [value.value.id] if isinstance(value.value, ast.Name) else []
    if op.kind is OpKind.TUPLE:
        return [e.id for e in value.elts if isinstance(e, ast.Name)]
    if op.kind is OpKind.OPAQUE:
        return sorted(ir.names_in(value))
    names = []
    # a parameter whose cotangent the rule refuses carries a derivative all the same:
    # the activity analysis refuses the statement where it varies (`registry.refused`)
    for param in op.diff_params() + list(op.rule.refusals):
        atom = op.bound[param]
        elts = atom.elts if isinstance(atom, ast.Tuple) else [atom]
        names += [e.id for e in elts if isinstance(e, ast.Name)]
    return names


def no_adjoint(stmt: ir.Assign) -> NoAdjointError:
    primitive = stmt.primitive
    name = getattr(primitive, "__qualname__", None) or getattr(primitive, "__name__", repr(primitive))
    module = getattr(primitive, "__module__", None)
    full = f"{module}.{name}" if module and module not in ("builtins",) else name
    reason = registry.unsupported_reason(primitive)
    if reason is not None:
        return NoAdjointError(f"'{full}' is not differentiated (in '{stmt.origin.text}'): {reason}",
                              stmt.origin.file, stmt.origin.line)
    return NoAdjointError(
        f"'{full}' has no adjoint rule and its source cannot be transformed "
        f"(in '{stmt.origin.text}'); register one with "
        f"@srcgrad.adjoint({name}) on a function (g, ans, *args) returning the "
        "cotangent of each argument",
        stmt.origin.file, stmt.origin.line)
