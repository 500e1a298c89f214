"""Function bodies: the differentiated function's, and the user's functions it calls.

A call to one of the user's own functions is inlined: its statements are
lowered in place, in a `Context` of their own, its locals renamed after the
callee (`helper_x`), its read-only parameters replaced by the arguments
themselves.  A call that closes a cycle (recursion) is not inlined but
kept as a call of a generated function (`recursion.RecursionLowering`).  Both the differentiated function and an
inlined one end in variables holding their results (`ReturnInfo`): a single
final `return` needs nothing; returns that each end their path
(`flow.tail_returns`, after `flow.returns_last`) assign the results; any
other `return` also sets a flag that the code after it tests.
"""

from __future__ import annotations

import ast

from .. import ir
from ..errors import SrcGradError
from .containers import ContainerLowering
from .expressions import Context, ReturnInfo
from .flow import (
    always_returns,
    is_docstring,
    own_returns,
    return_values,
    returns_last,
    tail_returns,
)
from .parse import FunctionSource, read_function, user_function
from .recursion import RecursionLowering
from .subset import Scope, check_subset, local_names
from .values import (
    Func,
    Record,
    Seq,
    is_derived,
    is_gradient,
    is_static,
    is_tangent_function,
    new_ident,
)

__all__ = ["FunctionLowering"]


class FunctionLowering(ContainerLowering, RecursionLowering):
    """Lowers function bodies and inlines calls (see the module's docstring);
    `statements.Lowering` adds the statements themselves (`block`)."""

    def function_body(self, tree: ast.FunctionDef) -> tuple[list[ir.Stmt], list[str]]:
        """Lower the body of the current context's function: its statements,
        and the variables holding its results."""
        stmts = [s for s in tree.body if not is_docstring(s)]
        ret = self.ctx.ret
        if ret.flag is None and not own_returns(tree):
            return self.block(stmts), []
        if ret.flag is None and ret.results:  # returns in tail positions only
            return self.block(stmts), ret.results
        if ret.flag is None:  # a single `return` as the last statement
            *init, last = stmts
            body = self.block(init)
            saved, self.out = self.out, body
            self.origin = self.ctx.src.origin(last)
            results = [self.result_name(v) for v in return_values(last)]
            self.out = saved
            return body, results
        self.origin = self.ctx.src.origin(tree)
        init = ir.Assign(self.origin, ret.flag, ast.Constant(False), nondiff=True)
        return [init, *self.block(stmts)], ret.results


    def result_name(self, value: ast.expr):
        """The variable holding a returned value (or the static value itself)."""
        atom = self.value(value)
        if is_static(atom):
            return atom
        if isinstance(atom, ast.Name):
            return atom.id
        return self.temp(atom).id


    def return_info(self, src: FunctionSource, tree: ast.FunctionDef, prefix: str,
                     statement: bool = False) -> ReturnInfo:
        returns = own_returns(tree)
        if not returns and statement:  # a helper called for what it writes into
            return ReturnInfo(None)
        if not returns:
            raise src.error(tree, f"'{tree.name}' returns nothing to differentiate")
        for node in returns:
            if node.value is None:
                raise src.error(node, "'return' without a value: the function must return "
                                "what is differentiated")
        returns.sort(key=lambda n: (n.lineno, n.col_offset))
        first = len(return_values(returns[0]))
        for node in returns[1:]:
            if len(return_values(node)) != first:
                raise src.error(node, "every 'return' must return the same number of values")
        arity = {first}
        body = [s for s in tree.body if not is_docstring(s)]
        if len(returns) == 1 and body and body[-1] is returns[0]:
            return ReturnInfo(None)
        if not always_returns(body):
            raise src.error(tree, f"not every path through '{tree.name}' ends in a 'return'")
        count = arity.pop()
        base = f"{prefix}result"
        results = [self.namer.fresh(base)] if count == 1 else [
            self.namer.fresh(f"{base}_{k}") for k in range(count)]
        tree.body = returns_last(body)
        if tail_returns(tree.body):  # each path ends in its own return: no flag needed
            return ReturnInfo(None, results)
        return ReturnInfo(self.namer.fresh(f"{prefix}returned"), results)


    def single_result(self, tree: ast.FunctionDef) -> bool:
        ret = own_returns(tree)[0]
        return not isinstance(ret.value, ast.Tuple)


    def inline_call(self, fn, args, keywords, call: ast.Call,
                    statement: bool = False) -> list:
        return self.call_function(fn, args, keywords, call, statement)

    def call_function(self, fn, args, keywords, call: ast.Call, statement: bool = False) -> list:
        """Inline a call of the user's function, a nested `def`, a `lambda` or
        a `functools.partial` of one: the values of its results (atoms, or
        static values)."""
        values = self.call_values(args)
        named = {k.arg: self.value(k.value) for k in keywords if k.arg is not None}
        for k in keywords:
            if k.arg is None:
                record = self.value(k.value)
                if not isinstance(record, Record):
                    raise self.error(call, f"'**{ast.unparse(k.value)}' is not a dict srcgrad knows")
                named.update(zip(record.keys, record.items))
        if isinstance(fn, Func):
            values = [*fn.args, *values]
            named = {**dict(fn.keywords), **named}
            if fn.tree is not None:
                home = fn.home
                src = FunctionSource(home.src.fn, fn.tree, home.src.file, home.src.lines,
                                     home.src.namespace)
                return self._inline(src, fn.tree, fn.defaults, home, values, named, call, statement)
            fn = fn.fn
        if is_gradient(fn):
            return self.inline_gradient(fn, values, named, call)
        if is_derived(fn):
            return self.inline_derived(fn, values, named, call)
        if is_tangent_function(fn):
            return self.inline_generated(fn, values, {}, call)
        return self.inline_user(fn, values, named, call, statement)

    def inline_user(self, fn, values: list, named: dict, call: ast.Call,
                    statement: bool = False) -> list:
        """A call of the user's function `fn` (a function or a Numba
        dispatcher of one) with the values of its arguments, inlined."""
        py_fn = user_function(fn)
        src = read_function(py_fn)
        defaults = dict(zip(_positional(src.tree)[len(_positional(src.tree)) - len(
            src.tree.args.defaults):], src.fn.__defaults__ or ()))
        defaults.update(src.fn.__kwdefaults__ or {})
        defaults = {k: self.from_global(call, v) for k, v in defaults.items()}
        return self._inline(src, py_fn, defaults, None, values, named, call, statement)

    def inline_gradient(self, gradient, values: list, named: dict, call: ast.Call) -> list:
        """A gradient function called inside the differentiated one (`dV(x)`,
        `sg.grad(V)(x)`): its generated adjoint inlined as the user's functions
        are, read as a generated adjoint is when it is differentiated again."""
        if (gradient.has_aux or gradient.target == "cuda" or gradient._self is not None
                or gradient._trees or (gradient.preserve_result and gradient.inner is not None)):
            raise self.error(call, "a gradient function called inside the differentiated one "
                             "must be a plain sg.grad(...) or sg.value_and_grad(...) on 'cpu' "
                             "or 'python', of arrays and numbers (no has_aux, no containers, "
                             "no wrt='self')")
        seeds = named.pop("grad_ys", None)
        if named:
            raise self.error(call, f"'{ast.unparse(call.func)}' takes the function's "
                             "arguments, positional, and grad_ys= here")
        if gradient.preserve_result:  # value_and_grad: the function's call, then its gradient
            value = self.inline_user(gradient.fn, values, {}, call)
            seeded = {} if seeds is None else {"grad_ys": seeds}
            grads = self.inline_gradient(gradient._without_value(), values, seeded, call)
            value = value[0] if len(value) == 1 else Seq(tuple(value))
            grads = grads[0] if len(grads) == 1 else Seq(tuple(grads))
            return [Seq((value, grads))]
        args = read_function(gradient._python_function()).tree.args
        count = len(args.args) - len(args.defaults)  # the function's; then the seeds
        if len(values) != count:
            raise self.error(call, f"'{ast.unparse(call.func)}' takes {count} positional "
                             "arguments here")
        if seeds is not None:  # after the seeds (ones) of the gradients it differentiates
            values = [*values, *[ast.Constant(None)] * gradient._extra_params,
                      *(seeds.items if isinstance(seeds, Seq) else [seeds])]
        results = self.inline_generated(gradient, values, {}, call)
        if gradient.single:  # the adjoint returns `(bx,)`; the gradient function, bx
            return list(results[0].items)
        return results  # `wrt=(0,)`: a tuple of one

    def inline_generated(self, owner, values: list, named: dict, call: ast.Call) -> list:
        """A generated function (an adjoint, a tangent function) inlined: read
        back as Python, its lists the stacks it pushes and pops; parameters not
        given are None (a seed of ones)."""
        py_fn = owner._python_function()
        src = read_function(py_fn)
        defaults = {p: ast.Constant(None) for p in _positional(src.tree)[len(values):]}
        saved, self.stacks = self.stacks, True
        try:
            return self._inline(src, py_fn, defaults, None, values, named, call, False)
        finally:
            self.stacks = saved

    def inline_derived(self, derived, values: list, named: dict, call: ast.Call) -> list:
        """A `jvp`, `jacobian`, `hvp` or `hessian` called inside the
        differentiated function: the Python function it writes around its
        generated tangent function or gradient (`api/inlined.py`), inlined
        as the user's functions are."""
        if named:
            raise self.error(call, f"'{ast.unparse(call.func)}' takes positional arguments "
                             "only here")
        how = ()
        if derived.kind == "jvp":
            if len(values) != 2:
                raise self.error(call, f"'{ast.unparse(call.func)}' takes (primals, tangents)")
            primals, tangents = values
            if isinstance(primals, Seq) != isinstance(tangents, Seq) or (
                    isinstance(primals, Seq) and len(primals.items) != len(tangents.items)):
                raise self.error(call, "jvp: tangents must have the structure of primals, "
                                 "one tangent per primal (None for none)")
            if isinstance(primals, Seq):
                how = (tuple(k for k, t in enumerate(tangents.items) if not _none(t)), False)
            else:
                how = ((0,), True)
        try:
            py_fn = derived.inline_function(*how)
        except SrcGradError as exc:
            raise self.error(call, str(exc)) from None
        defaults = {} if derived.kind in ("jvp", "hvp") else {  # (the function's own)
            name: self.from_global(call, value) for name, value in derived.defaults().items()}
        return self._inline(read_function(py_fn), py_fn, defaults, None, values, {}, call, False)

    def call_values(self, args: list[ast.expr]) -> list:
        values = []
        for arg in args:
            if isinstance(arg, ast.Starred):
                values.extend(self.sequence(arg.value, arg))
            else:
                values.append(self.value(arg))
        return values

    def _inline(self, src: FunctionSource, key, defaults: dict, home, values: list, named: dict,
                call: ast.Call, statement: bool) -> list:
        if key in self.ctx.callers:
            chain = " -> ".join(getattr(f, "__name__", getattr(f, "name", "?"))
                                for f in (*self.ctx.callers[self.ctx.callers.index(key):], key))
            return self.recursive_call(src, key, chain, defaults, values, named, call, statement)
        caller = self.ctx
        check_subset(src, helper=True)
        bound = self.bind_values(src, values, named, defaults, call)
        assigned = {n.id for n in ast.walk(src.tree) if isinstance(n, ast.Name)
                    and isinstance(n.ctx, ast.Store)}
        prefix = f"{src.name}_"
        rename: dict[str, object] = {}
        copies = []
        for param, value in bound.items():
            if param in assigned and not is_static(value):
                name = self.namer.fresh(prefix + param)
                rename[param] = ast.Name(name, ast.Load())
                copies.append((name, value))
            else:
                rename[param] = value  # read-only parameter: use the argument itself
        for name in sorted(local_names(src.tree) - set(bound)):
            rename[name] = ast.Name(self.namer.fresh(prefix + name), ast.Load())
        scope = Scope(src, self.bindings)
        if home is not None:  # a closure reads the variables of the function around it
            free = {n.id for n in ast.walk(src.tree) if isinstance(n, ast.Name)} - scope.locals
            closure = {n for n in free if home.scope.is_local(n)}
            scope.locals = scope.locals | closure
            for name in closure:
                rename[name] = home.rename.get(name)
        # `return (y,)`: a tuple of one, not the value y
        one_tuple = any(isinstance(r.value, ast.Tuple) and len(r.value.elts) == 1
                        for r in own_returns(src.tree))
        saved_origin = self.origin
        self.ctx = Context(src, scope, rename, ReturnInfo(None), (*caller.callers, key), caller)
        try:
            self.ctx.ret = self.return_info(src, src.tree, prefix, statement)
            self.origin = src.origin(src.tree)
            for name, atom in copies:
                self.emit_assign(name, atom)
            body, results = self.function_body(src.tree)
            self.out.extend(body)
        finally:
            self.ctx = caller
            self.origin = saved_origin
        values = [ast.Name(r, ast.Load()) if isinstance(r, str) else r for r in results]
        return [Seq(tuple(values))] if one_tuple else values

    def bind_values(self, src: FunctionSource, values: list, named: dict, defaults: dict,
                    call: ast.Call) -> dict[str, object]:
        """Match the values of a call's arguments to `src`'s parameters."""
        a = src.tree.args
        positional = _positional(src.tree)
        bound: dict[str, object] = dict(zip(positional, values))
        extra = values[len(positional):]
        if extra and a.vararg is None:
            raise self.error(call, f"{src.name}() takes {len(positional)} positional arguments "
                             f"but {len(values)} were given")
        if a.vararg is not None:
            bound[a.vararg.arg] = Seq(tuple(extra))
        allowed = set(positional[len(a.posonlyargs):]) | {p.arg for p in a.kwonlyargs}
        spare = {}
        for name, value in named.items():
            if name in bound or (name not in allowed and a.kwarg is None):
                raise self.error(call, f"{src.name}() got an unexpected or repeated argument "
                                 f"'{name}'")
            if name in allowed:
                bound[name] = value
            else:
                spare[name] = value
        if a.kwarg is not None:
            bound[a.kwarg.arg] = Record(tuple(spare), tuple(spare.values()), dict, new_ident())
        for name in positional + [p.arg for p in a.kwonlyargs]:
            if name not in bound:
                if name not in defaults:
                    raise self.error(call, f"{src.name}() is missing the argument '{name}'")
                bound[name] = defaults[name]
        return bound


def _none(value) -> bool:
    return isinstance(value, ast.Constant) and value.value is None


def _positional(tree: ast.FunctionDef) -> list[str]:
    return [p.arg for p in tree.args.posonlyargs + tree.args.args]
