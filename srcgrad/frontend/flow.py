"""The user's control flow, read from the AST before it is lowered.

Questions the statement lowering asks about a function's syntax tree: does a
block always return, may a statement break, continue or return, which names
does a loop body assign; and `returns_last`, which moves the code after an
`if` that returns into its other branch, so that each `return` ends its path.
Nothing here builds IR but `not_any`, the test `not (flag or ...)` of the
code that runs only when no jump happened.
"""

from __future__ import annotations

import ast

__all__ = ["is_docstring", "return_values", "always_returns", "returns_last", "tail_returns",
           "contains", "contains_direct", "own_returns", "assigned_names", "not_any"]


def is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(
        stmt.value.value, str)



def return_values(ret: ast.Return) -> list[ast.expr]:
    if isinstance(ret.value, ast.Tuple):
        return list(ret.value.elts)
    return [ret.value]



def always_returns(body: list[ast.stmt]) -> bool:
    """Whether every path through `body` ends in a `return`, or in a `raise`
    (after which nothing runs either)."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    if isinstance(last, ast.If):
        return always_returns(last.body) and always_returns(last.orelse)
    return any(isinstance(s, (ast.Return, ast.Raise)) for s in body)



def returns_last(stmts: list[ast.stmt]) -> list[ast.stmt]:
    """`if c: ... return a` followed by more code is `if c: ... return a`
    `else:` more code (and the mirror image): each `return` then ends its
    path, and no flag has to tell the code after it not to run."""
    out: list[ast.stmt] = []
    for k, stmt in enumerate(stmts):
        if isinstance(stmt, ast.If):
            rest = stmts[k + 1:]
            body, orelse = stmt.body, stmt.orelse
            if rest and always_returns(body) and not always_returns(orelse):
                orelse = orelse + rest
            elif rest and always_returns(orelse) and not always_returns(body):
                body = body + rest
            else:
                rest = []
            new = ast.If(stmt.test, returns_last(body), returns_last(orelse))
            out.append(ast.copy_location(new, stmt))
            if rest:
                return out
            continue
        out.append(stmt)
    return out



def tail_returns(stmts: list[ast.stmt]) -> bool:
    """Every `return` in `stmts` ends its path: it is the last statement of
    its block, and only `if`s enclose it."""
    for k, stmt in enumerate(stmts):
        last = k == len(stmts) - 1
        if isinstance(stmt, ast.Return):
            if not last:
                return False
        elif isinstance(stmt, ast.If):
            if contains(stmt, ast.Return, into_loops=True):
                if not last or not (tail_returns(stmt.body) and tail_returns(stmt.orelse)):
                    return False
        elif contains(stmt, ast.Return, into_loops=True):
            return False
    return True



def contains(node: ast.AST, kind: type, into_loops: bool = False) -> bool:
    """Whether `node` holds a `kind` statement that belongs to it: breaks and
    continues of inner loops belong to those loops."""
    # iterative, and through statements only (expressions hold no statements): an
    # expression nested too deeply is reported where it is lowered, at its own line
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, kind):
            return True
        for child in ast.iter_child_nodes(current):
            if isinstance(child, (ast.expr, ast.FunctionDef)) or (
                    isinstance(child, (ast.For, ast.While)) and not into_loops):
                continue  # (a nested def's statements are its own)
            stack.append(child)
    return False



def own_returns(tree: ast.FunctionDef) -> list[ast.Return]:
    """The `return` statements of `tree` itself, not of the functions nested in it."""
    out, stack = [], list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef):
            continue
        if isinstance(node, ast.Return):
            out.append(node)
        stack.extend(c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt))
    return sorted(out, key=lambda n: (n.lineno, n.col_offset))


def contains_direct(body: list[ast.stmt], kind: type) -> bool:
    return any(contains(s, kind) for s in body)



def assigned_names(body: list[ast.stmt], rename: dict[str, ast.expr]) -> set[str]:
    out = set()
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                atom = rename.get(node.id)
                if isinstance(atom, ast.Name):
                    out.add(atom.id)
    return out



def not_any(flags: list[str]) -> ast.expr:
    names = [ast.Name(f, ast.Load()) for f in flags]
    inner = names[0] if len(names) == 1 else ast.BoolOp(ast.Or(), names)
    return ast.UnaryOp(ast.Not(), inner)

