"""Stacks: saved values as linked push/pop pairs, and their reversal.

`push_pop` makes the pair of IR statements by which the forward sweep saves
a value and the reverse sweep takes it back (`ir.Push`, `ir.Pop`; Tangent's
`get_push_pop`): each pop knows its push and its stack, so that no later
pass recognises them by the names of the calls they print as.

When a generated adjoint is differentiated again, its stacks are the user's:

A stack `s` that holds active values gets a stack of cotangents `bs`; the
reverse of a pop pushes the popped value's cotangent, the reverse of a push
pops it back into the pushed value's adjoint:

    v = s.pop()        ─►    bs.append(bv)          (zeros if bv is not live)
    s.append(v)        ─►    bv += bs.pop()         (or a bare `bs.pop()`)

Pops and pushes of `s` pair up (last in, first out), so the reversed ones
pair up too; a push whose value has no adjoint still pops, to keep the
pairs in step.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from .. import ir
from .syntax import clone

if TYPE_CHECKING:
    from .sweep import Sweep

__all__ = ["copy_push_pop", "push_pop", "reverse_pop", "reverse_push", "set_pair", "store_push_pop",
           "uncopied"]


def push_pop(origin: ir.Origin, stack: str, name: str, shape: bool) -> tuple[ir.Push, ir.Pop]:
    """The forward sweep's `stack.append(name)` and the reverse sweep's
    `name = stack.pop()`, linked (for `shape`, `push_shape(stack, name)` and
    `name = pop_shape(stack, name)`, which save the shape alone)."""
    push = ir.Push(origin, ast.Constant(None))
    pop = ir.Pop(origin.reverse(), name, ast.Constant(None), push=push)
    set_pair(push, pop, stack, shape)
    return push, pop


def copy_push_pop(origin: ir.Origin, stack: str, name: str) -> tuple[ir.Push, ir.Pop]:
    """`stack.append(copy_value(name))` and `name = stack.pop()`: a value
    whose memory later writes may change, saved as it is now."""
    push, pop = push_pop(origin, stack, name, False)
    push.value.args = [ast.Call(ast.Name("copy_value", ast.Load()), [push.value.args[0]], [])]
    return push, pop


def uncopied(saved: ast.expr) -> tuple[ast.expr, bool]:
    """The value a push saves, `v` of `copy_value(v)` (`copy_push_pop`), and
    whether the push copies it."""
    if isinstance(saved, ast.Call) and isinstance(saved.func, ast.Name) and \
            saved.func.id == "copy_value" and len(saved.args) == 1 and not saved.keywords:
        return saved.args[0], True
    return saved, False


def set_pair(push: ir.Push, pop: ir.Pop, stack: str, shape: bool) -> None:
    """Make a pair save `pop.target` on `stack`: its value, or its shape only."""
    var = ast.Name(pop.target, ast.Load())
    st = ast.Name(stack, ast.Load())
    push.shape = pop.shape = shape
    if not shape:
        push.value = ast.Call(ast.Attribute(st, "append", ast.Load()), [var], [])
        pop.value = ast.Call(ast.Attribute(clone(st), "pop", ast.Load()), [], [])
    else:
        push.value = ast.Call(ast.Name("push_shape", ast.Load()), [st, var], [])
        pop.value = ast.Call(ast.Name("pop_shape", ast.Load()), [clone(st), clone(var)], [])


def store_push_pop(store: ir.Store, stack: str) -> tuple[ir.Push, ir.PopStore]:
    """Undo the write `store`: `stack.append(copy_value(a[index]))` before it,
    `a[index] = stack.pop()` in the reverse sweep."""
    element = ast.Subscript(ast.Name(store.array, ast.Load()), clone(store.index), ast.Load())
    saved = ast.Call(ast.Name("copy_value", ast.Load()), [element], [])
    st = ast.Name(stack, ast.Load())
    push = ir.Push(store.origin, ast.Call(ast.Attribute(st, "append", ast.Load()), [saved], []))
    pop = ir.PopStore(store.origin.reverse(), store.array, clone(store.index),
                      ast.Call(ast.Attribute(clone(st), "pop", ast.Load()), [], []), push=push)
    return push, pop


def reverse_pop(sweep: Sweep, stmt: ir.Pop, out: list[ir.Stmt], where) -> None:
    cot, facts = sweep.cot, sweep.facts
    stack = stmt.stack
    target = stmt.target
    if not facts.active(stack):
        cot.live.discard(target)
        return
    origin = stmt.origin.reverse()
    if target in cot.live and facts.active(target):
        cotangent = cot.load(target)
    else:
        cotangent = cot.zeros(target)
    cot.live.discard(target)
    append = ast.Attribute(ast.Name(cot.stack(stack), ast.Load()), "append", ast.Load())
    sweep.out.emit(out, ir.ExprStmt(origin, ast.Call(append, [cotangent], [])), where)


def reverse_push(sweep: Sweep, stmt: ir.Push, out: list[ir.Stmt], where) -> None:
    cot, facts = sweep.cot, sweep.facts
    stack, value = stmt.stack, stmt.saved
    if not facts.active(stack):
        return
    origin = stmt.origin.reverse()
    pop = ast.Call(ast.Attribute(ast.Name(cot.stack(stack), ast.Load()), "pop", ast.Load()), [],
                   [])
    if isinstance(value, ast.Name) and facts.active(value.id):
        cot.contribute(out, value.id, pop, True, where, origin)
    else:  # keep the pairs in step
        sweep.out.emit(out, ir.ExprStmt(origin, pop), where)
