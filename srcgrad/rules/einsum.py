"""`np.einsum` with constant subscripts, written by the lowering as
registered operations, so its gradients (of any order) come from theirs.

Covered: explicit (`'ij,jk->ik'`) and implicit (`'ij,jk'`: the output is
the subscripts that appear once, in alphabetical order) outputs, one or
more operands, `...` (broadcast like NumPy: the axes it stands for go in
front, aligned from the right), repeated subscripts in an operand
(diagonals and traces: `'ii->'`, `'ii->i'`, `'iij->ji'`), subscripts
summed in one operand only, and the `optimize=` flag (ignored: the
operands are contracted from left to right).

The plan, made here while lowering (only the subscripts are known then,
not the shapes):

1. each operand is checked to have the rank its subscripts name
   (`operand_of_rank`), and the axes of an ellipsis are moved in front, so
   that every subscript is addressed from the end of the array;
2. a subscript repeated in one operand: its two axes are moved last,
   multiplied by the identity (`eye_last`, a constant) and one of them
   summed, which leaves the diagonal;
3. a subscript that no other operand and not the output holds is summed;
4. the operands are combined pairwise, left to right.  A pair that shares
   one summed subscript and keeps at most one other subscript each is a
   stack of matrix products (`np.matmul`: BLAS, batched over the shared
   kept subscripts and the ellipsis); other pairs are a broadcast product
   summed over the shared summed subscripts;
5. the result's axes are put in the output's order (`np.moveaxis`).

Refused: subscripts that are not a string constant written in the call
(and the interleaved form `np.einsum(a, [0, 1], b, [1])`), an output
without `...` when an operand has one, and malformed subscripts.
"""

from __future__ import annotations

import ast
import inspect
import string

import numpy as np

from ..runtime import eye_last, operand_of_rank, unbroadcast
from .registry import Refused, adjoint, expand, nondifferentiable
from .tangents import linear

_LETTERS = set(string.ascii_letters)
_SIGNATURE = inspect.Signature([
    inspect.Parameter("subscripts", inspect.Parameter.POSITIONAL_OR_KEYWORD),
    inspect.Parameter("operands", inspect.Parameter.VAR_POSITIONAL),
    inspect.Parameter("optimize", inspect.Parameter.KEYWORD_ONLY, default=False),
])


def parse_subscripts(subscripts: str, count: int):
    """`(inputs, output)`: for each operand its subscripts (a list of
    letters, `'...'` for an ellipsis), and the output's (implicit output
    made explicit)."""
    text = subscripts.replace(" ", "")
    inputs_text, arrow, output_text = text.partition("->")
    parts = [_letters(part) for part in inputs_text.split(",")]
    if len(parts) != count:
        raise Refused(f"the subscripts '{subscripts}' name {len(parts)} operands, "
                      f"the call passes {count}")
    ellipsis = any("..." in part for part in parts)
    if arrow:
        output = _letters(output_text)
        if ellipsis and "..." not in output:
            raise Refused("an operand has '...' and the output does not: srcgrad "
                          "differentiates einsum with '...' in the output then")
    else:
        letters = [s for part in parts for s in part if s != "..."]
        output = (["..."] if ellipsis else []) + sorted(
            s for s in set(letters) if letters.count(s) == 1)
    named = {s for part in parts for s in part}
    for s in output:
        if s not in named or output.count(s) > 1:
            raise Refused(f"the output subscript '{s}' is repeated or names no operand's axis")
    return parts, output


def _letters(text: str) -> list[str]:
    if text.count("...") > 1:
        raise Refused(f"more than one '...' in '{text}'")
    before, dots, after = text.partition("...")
    letters = list(before) + ([dots] if dots else []) + list(after)
    if any(s not in _LETTERS and s != "..." for s in letters):
        raise Refused(f"subscripts are letters and '...', not '{text}'")
    return letters


class _Plan:
    """The emitted operations of one einsum: each step reads and updates
    the operands' arrays and the subscripts of their axes (the ellipsis
    axes, in front, are not listed)."""

    def __init__(self, lowering):
        self.lowering = lowering

    def call(self, fn, *args, **keywords):
        return self.lowering.emit_call(
            fn, list(args), [ast.keyword(k, v) for k, v in keywords.items()])

    def permute(self, x, labels: list[str], order: list[str]):
        """Move the subscripted axes (the last ones) into `order`."""
        if labels == order:
            return x
        n, unused = len(labels), list(range(len(labels)))
        source = []
        for s in order:  # a repeated subscript: its axes in turn
            k = next(k for k in unused if labels[k] == s)
            unused.remove(k)
            source.append(k - n)
        source = tuple(source)
        destination = tuple(range(-n, 0))
        return self.call(np.moveaxis, x, _const(source), _const(destination))

    def operand(self, x, letters: list[str]):
        """The operand with its ellipsis axes first; its subscripts."""
        labels = [s for s in letters if s != "..."]
        x = self.call(operand_of_rank, x, _const(len(labels)), _const("..." in letters))
        if "..." in letters:
            before = letters.index("...")
            if before:
                n = len(labels)
                source = tuple(range(before)) + tuple(range(before - n, 0))
                x = self.call(np.moveaxis, x, _const(source), _const(tuple(range(-n, 0))))
        return x, labels

    def diagonals(self, x, labels: list[str]):
        """Each subscript repeated in `labels` reduced to its diagonal."""
        while len(set(labels)) < len(labels):
            s = next(s for s in labels if labels.count(s) > 1)
            rest = list(labels)
            rest.remove(s)
            rest.remove(s)
            x = self.permute(x, labels, rest + [s, s])
            x = self.lowering.emit_binop(x, ast.Mult(), self.call(eye_last, x))
            x = self.call(np.sum, x, axis=_const(-1))
            labels = rest + [s]
        return x, labels

    def sum_out(self, x, labels: list[str], drop: list[str]):
        if not drop:
            return x, labels
        n = len(labels)
        axes = tuple(labels.index(s) - n for s in drop)
        x = self.call(np.sum, x, axis=_const(axes if len(axes) > 1 else axes[0]))
        return x, [s for s in labels if s not in drop]

    def pair(self, a, la: list[str], b, lb: list[str], keep: set[str]):
        """The product of two operands, summed over the subscripts they
        share that are not kept."""
        a, la = self.sum_out(a, la, [s for s in la if s not in lb and s not in keep])
        b, lb = self.sum_out(b, lb, [s for s in lb if s not in la and s not in keep])
        shared = [s for s in la if s in lb]
        batch = [s for s in shared if s in keep]
        summed = [s for s in shared if s not in keep]
        free_a = [s for s in la if s not in lb]
        free_b = [s for s in lb if s not in la]
        if len(summed) == 1 and len(free_a) <= 1 and len(free_b) <= 1:
            return self.matmul(a, la, b, lb, batch, summed, free_a, free_b)
        a = self.permute(a, la, batch + free_a + summed)
        for _ in free_b:
            a = self.call(np.expand_dims, a, _const(-1 - len(summed)))
        b = self.permute(b, lb, batch + free_b + summed)
        for _ in free_a:
            b = self.call(np.expand_dims, b, _const(-1 - len(free_b) - len(summed)))
        product = self.lowering.emit_binop(a, ast.Mult(), b)
        labels = batch + free_a + free_b + summed
        return self.sum_out(product, labels, summed)

    def matmul(self, a, la, b, lb, batch, summed, free_a, free_b):
        a = self.permute(a, la, batch + free_a + summed)
        if not free_a:
            a = self.call(np.expand_dims, a, _const(-2))
        b = self.permute(b, lb, batch + summed + free_b)
        if not free_b:
            b = self.call(np.expand_dims, b, _const(-1))
        product = self.call(np.matmul, a, b)
        if not free_b:
            product = self.call(np.squeeze, product, _const(-1))
        if not free_a:
            product = self.call(np.squeeze, product, _const(-1 if not free_b else -2))
        return product, batch + free_a + free_b


def _const(value) -> ast.expr:
    if isinstance(value, tuple):
        return ast.Tuple([ast.Constant(v) for v in value], ast.Load())
    return ast.Constant(value)


def write_einsum(subscripts: str, operands: list, lowering):
    """Emit `np.einsum(subscripts, *operands)` as registered operations;
    return the atom of its result."""
    inputs, output = parse_subscripts(subscripts, len(operands))
    plan = _Plan(lowering)
    out_labels = [s for s in output if s != "..."]
    arrays = []
    for x, letters in zip(operands, inputs):
        x, labels = plan.operand(x, letters)
        x, labels = plan.diagonals(x, labels)
        arrays.append((x, labels))
    for k, (x, labels) in enumerate(arrays):
        elsewhere = set(out_labels).union(*(set(other) for j, (_, other) in enumerate(arrays) if j != k))
        arrays[k] = plan.sum_out(x, labels, [s for s in labels if s not in elsewhere])
    x, labels = arrays[0]
    for k in range(1, len(arrays)):
        keep = set(out_labels).union(*(set(later) for _, later in arrays[k + 1:]))
        x, labels = plan.pair(x, labels, *arrays[k], keep)
    x = plan.permute(x, labels, out_labels)
    if "..." in output and output.index("...") > 0:
        before, n = output.index("..."), len(out_labels)
        x = plan.call(np.moveaxis, x, _const(tuple(range(-n, before - n))),
                      _const(tuple(range(before))))
    return x


def _expand_einsum(arguments: dict, lowering):
    subscripts = arguments["subscripts"]
    if not (isinstance(subscripts, ast.Constant) and isinstance(subscripts.value, str)):
        raise Refused("srcgrad differentiates np.einsum with its subscripts a string "
                      "constant written in the call (not a variable, nor the interleaved "
                      "form einsum(a, [0, 1], b, [1]))")
    optimize = arguments.get("optimize")
    if optimize is not None and not isinstance(optimize, ast.Constant):
        raise Refused("optimize= must be a constant")
    return write_einsum(subscripts.value, list(arguments["operands"]), lowering)


expand(np.einsum, _expand_einsum, _SIGNATURE)
nondifferentiable(eye_last)


@adjoint(operand_of_rank)
def operand_of_rank_adjoint(g, ans, x, count, ellipsis):
    return unbroadcast(g, x), None, None
linear(operand_of_rank, params=("x",))
