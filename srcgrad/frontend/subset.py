"""The checked subset: what srcgrad accepts, and what each free name means.

Guarantees to the next stage (`frontend/statements.py`): `check_subset` has raised an
`UnsupportedSyntaxError` naming the file, line and construct for anything
outside the subset of SPEC.md, so the lowering meets only the statements and
expressions it knows.  A `Scope` tells, for every name, whether it is a local
variable of the function, and otherwise what object it refers to; `spelling`
gives the dotted name under which the generated module refers to a NumPy or
`math` object (`np.linalg.norm`, `math.exp`).
"""

from __future__ import annotations

import ast
import builtins
import math
import operator
from functools import cache

import numpy as np

from .bindings import Binding, binding_of_attribute, binding_of_name
from .parse import FunctionSource
from .walrus import check_assignment_expressions

__all__ = ["check_subset", "Scope", "spelling", "METHODS", "local_names"]

_REFUSED_STMTS: dict[type, str] = {
    ast.Try: "'try' statements",
    ast.With: "'with' statements",
    ast.AsyncWith: "'async with' statements",
    ast.AsyncFor: "'async for' loops",
    ast.ClassDef: "class definitions",
    ast.AsyncFunctionDef: "nested function definitions",
    ast.Global: "'global' declarations",
    ast.Nonlocal: "'nonlocal' declarations",
    ast.Delete: "'del' statements",
    ast.Import: "imports inside the function",
    ast.ImportFrom: "imports inside the function",
}
if hasattr(ast, "TryStar"):
    _REFUSED_STMTS[ast.TryStar] = "'try' statements"
if hasattr(ast, "Match"):
    _REFUSED_STMTS[ast.Match] = "'match' statements"

_REFUSED_EXPRS: dict[type, str] = {
    ast.SetComp: "set comprehensions",
    ast.Yield: "'yield' (generators)",
    ast.YieldFrom: "'yield from' (generators)",
    ast.Await: "'await'",
    ast.Set: "set literals",
}

# Builtins that read or write the function's variables by name, out of sight of
# the data flow that srcgrad differentiates (`eval("x * 2")` depends on `x`).
_HIDDEN_ACCESS: dict[int, str] = {
    id(builtins.eval): "runs code that reads the function's variables",
    id(builtins.exec): "runs code that reads and writes the function's variables",
    id(builtins.locals): "reads the function's variables by name",
    id(builtins.vars): "reads variables by name",
    id(builtins.globals): "reads and writes global variables by name",
}

_ALLOWED_ATTRIBUTES = {"T", "shape", "size", "ndim", "dtype", "real", "imag"}

# Array methods and the NumPy function each one means; the array becomes the
# function's first argument.
METHODS: dict[str, object] = {
    "sum": np.sum,
    "mean": np.mean,
    "var": np.var,
    "std": np.std,
    "max": np.max,
    "min": np.min,
    "prod": np.prod,
    "dot": np.dot,
    "transpose": np.transpose,
    "reshape": np.reshape,
    "squeeze": np.squeeze,
    "ravel": np.ravel,
    "flatten": np.ravel,
    "copy": np.copy,
    "clip": np.clip,
    "argmax": np.argmax,
    "argmin": np.argmin,
    "any": np.any,
    "all": np.all,
    "cumsum": np.cumsum,
    "astype": np.asarray,
    "conj": np.conj,
    "conjugate": np.conj,
}


def check_subset(src: FunctionSource, helper: bool = False) -> None:
    """Raise UnsupportedSyntaxError for the first construct outside the subset
    (a `helper`, a function the differentiated one calls, may take `*args`)."""
    fn = src.tree
    args = fn.args
    if args.vararg is not None and not helper:
        raise src.error(fn, "'*args' parameters cannot be differentiated")
    if args.kwarg is not None and not helper:
        raise src.error(fn, "'**kwargs' parameters cannot be differentiated")
    scope = Scope(src)
    for stmt in fn.body:
        _check_stmt(scope, stmt)


def _names_assigned_lists(fn: ast.FunctionDef) -> frozenset[str]:
    """Names that some assignment gives a list literal (`idx = [0, 2]`)."""
    names = set()
    for node in ast.walk(fn):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.List):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return frozenset(names)


def _list_index(scope: Scope, index: ast.expr) -> str | None:
    """The list in a subscript's index, if there is one: srcgrad lowers lists
    to tuples, and `y[[0, 2]]` (elements 0 and 2) is not `y[(0, 2)]`."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    for part in parts:
        if isinstance(part, ast.List):
            return ast.unparse(part)
        if isinstance(part, ast.Name) and part.id in scope.list_names:
            return part.id
    return None


def _check_stmt(scope: Scope, stmt: ast.stmt) -> None:
    src = scope.src
    refused = _REFUSED_STMTS.get(type(stmt))
    if refused:
        raise src.error(stmt, f"{refused} cannot be differentiated")
    if isinstance(stmt, (ast.For, ast.While)) and stmt.orelse:
        kind = "for" if isinstance(stmt, ast.For) else "while"
        raise src.error(stmt, f"'{kind} ... else' clauses cannot be differentiated")
    if isinstance(stmt, ast.FunctionDef) and stmt.decorator_list:
        raise src.error(stmt, "a nested function with decorators cannot be differentiated")
    check_assignment_expressions(src, stmt)
    for target in _targets(stmt):
        _check_target(src, target)
    for node in ast.iter_child_nodes(stmt):
        if isinstance(node, ast.stmt):
            _check_stmt(scope, node)
        elif isinstance(node, ast.expr):
            _check_expr(scope, node)


def _targets(stmt: ast.stmt) -> list[ast.expr]:
    if isinstance(stmt, ast.Assign):
        return stmt.targets
    if isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        return [stmt.target]
    return []


def _check_target(src: FunctionSource, target: ast.expr) -> None:
    if isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            _check_target(src, elt)
    elif isinstance(target, ast.Attribute):
        raise src.error(target, f"assignment to the attribute '.{target.attr}' cannot be differentiated")
    elif isinstance(target, ast.Starred):
        raise src.error(target, "starred assignment ('*x = ...') cannot be differentiated")
    elif isinstance(target, ast.Subscript) and not isinstance(target.value, ast.Name):
        raise src.error(target, "assignment into a subscript of an expression cannot be "
                        "differentiated; assign into a named array")


def _check_expr(scope: Scope, expr: ast.expr) -> None:
    src = scope.src
    for node in ast.walk(expr):
        refused = _REFUSED_EXPRS.get(type(node))
        if refused:
            raise src.error(node, f"{refused} cannot be differentiated")
        if isinstance(node, ast.Attribute) and not _is_dotted_global(scope, node):
            if (node.attr not in _ALLOWED_ATTRIBUTES and not _is_method_call_target(expr, node)
                    and not _on_local_name(scope, node)):
                raise src.error(node, f"the attribute '.{node.attr}' cannot be differentiated")
        if isinstance(node, ast.Subscript):
            listed = _list_index(scope, node.slice)
            if listed is not None:
                raise src.error(node, f"indexing with the list '{listed}' cannot be "
                                "differentiated (srcgrad reads a list as a tuple, which indexes "
                                "differently); index with np.array(...)")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and not scope.is_local(node.func.id)):
            hidden = _HIDDEN_ACCESS.get(id(src.namespace.get(node.func.id)))
            if hidden:
                raise src.error(node, f"'{node.func.id}()' {hidden}, which srcgrad does not "
                                "follow: it cannot be differentiated")


def _on_local_name(scope: Scope, node: ast.Attribute) -> bool:
    """`p.w`, `self.layer.W` on a local name: a named tuple's field or a method's
    object's attribute, checked where it is lowered."""
    base = node.value
    while isinstance(base, (ast.Attribute, ast.Subscript)):
        base = base.value
    return isinstance(base, ast.Name) and scope.is_local(base.id)


def _is_method_call_target(root: ast.expr, attr: ast.Attribute) -> bool:
    return any(isinstance(n, ast.Call) and n.func is attr for n in ast.walk(root))


def _is_dotted_global(scope: Scope, node: ast.Attribute) -> bool:
    base: ast.expr = node
    while isinstance(base, ast.Attribute):
        base = base.value
    if not isinstance(base, ast.Name) or scope.is_local(base.id):
        return False
    return isinstance(scope.src.namespace.get(base.id), type(np))


def local_names(tree: ast.FunctionDef) -> frozenset[str]:
    """Parameters and every name the function assigns: Python's local scope."""
    args = tree.args
    names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    names |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef) and node is not tree:
            names.add(node.name)
    return frozenset(names)


class Scope:
    """Answers what a name or dotted name in the user's function refers to."""

    _MISSING = object()

    def __init__(self, src: FunctionSource, bindings: list[Binding] | None = None):
        self.src = src
        self.locals = local_names(src.tree)
        self.list_names = _names_assigned_lists(src.tree)  # `idx = [0, 2]`
        # every global read the generated code depends on (see frontend/bindings.py)
        self.bindings = bindings if bindings is not None else []

    def is_local(self, name: str) -> bool:
        return name in self.locals

    def lookup(self, node: ast.expr) -> object:
        """The object a free Name or a dotted name (`np.linalg.norm`) refers to.

        Raises UnsupportedSyntaxError for a name that is not defined."""
        if isinstance(node, ast.Name):
            value = self.src.namespace.get(node.id, self._MISSING)
            if value is self._MISSING:
                raise self.src.error(node, f"name '{node.id}' is not defined")
            self._record(binding_of_name(self.src.fn, node.id, value))
            return value
        if isinstance(node, ast.Attribute):
            base = self.lookup(node.value)
            value = getattr(base, node.attr, self._MISSING)
            if value is self._MISSING:
                raise self.src.error(node, f"'{ast.unparse(node)}' is not defined")
            self._record(binding_of_attribute(base, node.attr, value))
            return value
        raise self.src.error(node, f"cannot resolve '{ast.unparse(node)}'")

    def _record(self, binding: Binding | None) -> None:
        if binding is not None:
            self.bindings.append(binding)

    def is_global_ref(self, node: ast.expr) -> bool:
        """A Name or dotted name that refers to a global (not a local variable)."""
        base = node
        while isinstance(base, ast.Attribute):
            base = base.value
        return isinstance(base, ast.Name) and not self.is_local(base.id)


@cache
def _spellings() -> dict[int, str]:
    table: dict[int, str] = {}

    def add(module, prefix):
        for name in dir(module):
            if name.startswith("_"):
                continue
            obj = getattr(module, name)
            if callable(obj) or isinstance(obj, (int, float)):
                table.setdefault(id(obj), f"{prefix}.{name}")

    add(np, "np")
    add(np.linalg, "np.linalg")
    add(math, "math")
    for name in ("abs", "min", "max", "float", "int", "bool", "len", "range", "round", "pow",
                 "print", "sum", "slice", "complex"):
        table[id(getattr(builtins, name))] = name
    return table


def spelling(obj: object) -> str | None:
    """How the generated module writes `obj`, if it is a NumPy, `math` or
    builtin object (`np.sin`, `np.linalg.norm`, `math.exp`, `abs`)."""
    self = getattr(obj, "__self__", None)
    if isinstance(self, np.ufunc) and getattr(obj, "__name__", None) in _UFUNC_METHODS:
        return f"np.{self.__name__}.{obj.__name__}"  # a new object at each read
    return _spellings().get(id(obj))


_UFUNC_METHODS = ("reduce", "accumulate", "at", "outer", "reduceat")


OPERATORS: dict[type, object] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.MatMult: operator.matmul,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}
