"""The adjoint: reverse sweep of an IR function, statement by statement.

For `y = f(a, b)` with `y` active, the reverse sweep adds the cotangent that
`f`'s rule gives to each active operand (`ba += ...`), and `y`'s adjoint dies
(it was the adjoint of the value this statement wrote).  Control flow is
replayed backwards from what the forward sweep recorded: a reversed `if`
tests the saved condition, a reversed loop runs the recorded number of
iterations with its index counting down; nothing is re-evaluated.

Adjoint variables (`bx` for `x`) come into being at the first contribution
the reverse sweep makes to them: as `bx = new_cotangent(g, x)` for the user's
variables, a new value with `x`'s shape and gradient dtype (so they have
their final type on every path, and updating them in place with later
`bx += ...` is safe; `take_cotangent` where `g` is the fresh result of
arithmetic or of a matrix product, which it may keep rather than copy), and
as a plain
`b_t1 = ...` for a temporary of the three-address form used once, which may
then still be broadcast larger than `_t1`: the `unbroadcast` of the rule that
produced it is dropped, and applied once where the cotangent reaches a
variable of known shape (summing later gives the same sum, since an
elementwise operation's operands are constant along the axes it
broadcasts).  Where paths join (after a reversed `if`, around a reversed
loop) an adjoint that exists on one path only is created as zeros on the
other.

Guarantees to `cleanup.py`: the result is the adjoint function's body
(forward sweep with its pushes, seeds, reverse sweep, gradients), in which
every primal value the reverse sweep reads was taken care of by `Saver`.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass

from . import ir, runtime
from .activity import Activity
from .anf import STACK_POP, stack_push
from .checks import definitely_defined
from .cleanup import live_at_gaps
from .errors import UnsupportedSyntaxError
from .naming import Namer
from .ops import Operation, operation
from .rules.registry import Rule
from .saving import SHAPE, VALUE, BlockInfo, RBlock, Saver, index_blocks, shape_positions

__all__ = ["Adjoint", "build_adjoint"]


@dataclass
class Adjoint:
    """The adjoint function's parts, before cleanup and printing."""

    params: list[str]
    seed_params: list[str]  # one per output, defaulting to None
    body: list[ir.Stmt]
    returns: ast.expr
    helpers: dict[str, object]  # globals the generated module imports by name
    stacks: set[str]
    temp_adjoints: set[str]  # adjoints of three-address temporaries


@dataclass
class WrtEntry:
    name: str  # IR name
    is_param: bool


def build_adjoint(fn: ir.Function, activity: Activity, wrt: list[WrtEntry], stop: set[str],
                  namer: Namer, unconnected_zero: bool, preserve_result: bool,
                  aliases: dict[str, set[str]], connected: set[str] = frozenset()) -> Adjoint:
    """`connected`: parameters whose gradient is zeros, not None, even where
    no path here carries one (see `Options.connected`)."""
    return _Reverse(fn, activity, wrt, stop, namer, aliases, connected).build(
        unconnected_zero, preserve_result)


class _Reverse:
    def __init__(self, fn, activity, wrt, stop, namer, aliases, connected=frozenset()):
        self.connected: set[str] = set(connected)
        self.fn: ir.Function = fn
        self.activity: Activity = activity
        self.wrt: list[WrtEntry] = wrt
        self.stop: set[str] = stop
        self.namer: Namer = namer
        self.aliases = aliases
        self.blocks = index_blocks(fn.body)
        self.saver = Saver(fn, self.blocks, namer, aliases)
        self.adjoints: dict[str, str] = {}
        self.live: set[str] = set()  # variables whose adjoint holds a cotangent now
        self.exact: dict[str, bool] = {}  # lazy temporaries: is the adjoint exactly shaped?
        self.helpers: dict[str, object] = {}
        self.captured: dict[str, str] = {}
        self.ints = _int_names(fn)
        self.defined = definitely_defined(fn)
        self.forward_live = live_at_gaps(fn.body, set(fn.results))
        self.lazy = self._lazy_temps()
        self.wrt_locals = {w.name for w in wrt if not w.is_param}
        self.adjoint_stacks: dict[str, str] = {}  # stack → its stack of cotangents

    # --- the whole function -------------------------------------------------------------

    def build(self, unconnected_zero: bool, preserve_result: bool) -> Adjoint:
        fn = self.fn
        top = self.blocks[id(fn.body)]
        origin = fn.origin
        end = len(fn.body)
        seeds: list[ir.Stmt] = []
        seed_params = self._seed_params()
        ret_origin = fn.result_origin.reverse()
        for result, param in zip(fn.results, seed_params):
            call = _call("seed", ast.Name(param, ast.Load()), ast.Name(result, ast.Load()))
            if not self.activity.active(result):  # still checks the shape of grad_ys
                self.emit(seeds, ir.ExprStmt(ret_origin, call), (top, end))
            elif result in self.live:  # the same variable returned twice
                b = ast.Name(self.adjoint(result), ast.Store())
                self.emit(seeds, ir.Accumulate(ret_origin, b, call), (top, end))
            else:
                self.emit(seeds, ir.Assign(ret_origin, self.adjoint(result), call), (top, end))
                self.live.add(result)
        self._note_helper("seed")
        rtop = self.reverse_block(top)
        gradients = []
        epilogue: list[ir.Stmt] = []
        for entry in self.wrt:
            gradients.append(self._gradient(entry, epilogue, top, unconnected_zero, origin))
        saved_results = []
        if preserve_result:
            restored = self.saver.restore_stores(self.aliases)
            for result in fn.results:
                value = ast.Name(result, ast.Load())
                if restored & self.aliases.get(result, {result}):  # restored, or shares memory with one
                    value = _call("copy_value", value)
                    self._note_helper("copy_value")
                out = self.namer.fresh(f"{result}_out")
                top.pushes[end].append(ir.Assign(fn.result_origin, out, value))
                saved_results.append(ast.Name(out, ast.Load()))
        else:
            self.saver.restore_stores(self.aliases)
        forward = _assemble_forward(top, self.blocks)
        reverse = _assemble_reverse(rtop)
        inits = [ir.Assign(origin, stack, _stack_init(kind))
                 for (_, kind), stack in sorted(self.saver.stacks.items(), key=lambda kv: kv[1])]
        inits += [ir.Assign(origin, b, _stack_init(VALUE))
                  for b in sorted(self.adjoint_stacks.values())]
        if any(kind == SHAPE for (_, kind) in self.saver.stacks):
            self._note_helper("push_shape", "pop_shape")
        if any(kind == "store" for (_, kind) in self.saver.stacks):
            self._note_helper("copy_value")
        body = inits + forward + seeds + reverse + epilogue
        grads = ast.Tuple(gradients, ast.Load())
        returns = ast.Tuple([ast.Tuple(saved_results, ast.Load()), grads], ast.Load()) \
            if preserve_result else grads
        temp_adjoints = {b for name, b in self.adjoints.items() if name in fn.temps}
        return Adjoint(fn.params, seed_params, body, returns, self.helpers,
                       set(self.saver.stacks.values()), temp_adjoints)

    def _seed_params(self) -> list[str]:
        if len(self.fn.results) == 1:
            return [self.namer.fresh("grad_y")]
        return [self.namer.fresh(f"grad_y{k}") for k in range(len(self.fn.results))]

    def _gradient(self, entry: WrtEntry, epilogue, top: BlockInfo, unconnected_zero: bool,
                  origin: ir.Origin) -> ast.expr:
        name = entry.name
        if not self.activity.active(name):
            if not (unconnected_zero or (entry.is_param and name in self.connected)):
                return ast.Constant(None)
            return self._zeros_expr(name, top, 0 if entry.is_param else len(top.stmts))
        if name in self.captured:
            return ast.Name(self.captured[name], ast.Load())
        if entry.is_param and name in self.live:
            return ast.Name(self.adjoint(name), ast.Load())
        return self._zeros_expr(name, top, 0 if entry.is_param else len(top.stmts))

    def _zeros_expr(self, name: str, info: BlockInfo, gap: int) -> ast.expr:
        self.saver.need(name, SHAPE, info, gap)
        self._note_helper("zeros_like")
        return _call("zeros_like", ast.Name(name, ast.Load()))

    # --- blocks ---------------------------------------------------------------------------

    def reverse_block(self, info: BlockInfo) -> RBlock:
        rblock = RBlock(info)
        if self.saver.recording:
            info.rev = rblock
        for k in reversed(range(len(info.stmts))):
            stmt = info.stmts[k]
            self.reverse_statement(stmt, rblock, k)
        return rblock

    def reverse_statement(self, stmt: ir.Stmt, rblock: RBlock, k: int) -> None:
        info = rblock.info
        out = rblock.chunks[k]
        where = (info, k + 1)
        if isinstance(stmt, ir.Assign):
            self.reverse_assign(stmt, out, where)
        elif isinstance(stmt, ir.Store):
            self.reverse_store(stmt, out, where)
        elif isinstance(stmt, ir.ExprStmt):
            self.reverse_push(stmt, out, where)
        elif isinstance(stmt, ir.If):
            self.reverse_if(stmt, rblock, k)
        elif isinstance(stmt, (ir.For, ir.While)):
            self.reverse_loop(stmt, rblock, k)

    # --- assignments --------------------------------------------------------------------------

    def reverse_assign(self, stmt: ir.Assign, out: list[ir.Stmt], where) -> None:
        target = stmt.target
        if stmt.primitive is STACK_POP:
            self.reverse_pop(stmt, out, where)
            return
        if target not in self.live or not self.activity.active(target):
            self.live.discard(target)
            return
        origin = stmt.origin.reverse()
        g = ast.Name(self.adjoint(target), ast.Load())
        g_exact = self.exact.get(target, True)
        if target in self.wrt_locals:
            grad = self.namer.fresh(f"grad_{target}")
            self.emit(out, ir.Assign(origin, grad, _clone(g)), where)
            self.captured[target] = grad
        self.live.discard(target)
        if target in self.stop:
            return
        op = operation(stmt)
        value = stmt.value
        if op.kind == "copy" and isinstance(value, ast.Name) and value.id == target:
            self.live.add(target)  # `y = y`: the cotangent passes through as it is
            return
        if op.kind == "copy":
            if isinstance(value, ast.Name):
                self._contribute(out, value.id, g, g_exact, where, origin)
        elif op.kind == "subscript":
            self._scatter(out, value, g, g_exact, where, origin)
        elif op.kind == "rule":
            self._apply_rule(stmt, op, g, g_exact, out, where, origin)

    def _apply_rule(self, stmt: ir.Assign, op: Operation, g: ast.expr, g_exact: bool,
                    out, where, origin) -> None:
        rule: Rule = op.rule
        contributions: list[tuple[str, ast.expr, bool]] = []
        for param, template in zip(rule.params, rule.cotangents):
            if template is None:
                continue
            atom = op.bound[param]
            if param == rule.sequence:
                parts = _expand_sequence(template, param, atom)
            else:
                parts = [(atom, template)]
            for part_atom, part_template in parts:
                if not (isinstance(part_atom, ast.Name) and self.activity.active(part_atom.id)):
                    continue
                expr = self._inline(rule, part_template, op.bound, g, stmt.target)
                wrapped = _is_unbroadcast(expr)
                exact = wrapped or (g_exact if rule.elementwise else True)
                contributions.append((part_atom.id, expr, exact))
        for name, expr, exact in _doubled(contributions):
            self._contribute(out, name, expr, exact, where, origin)

    def _inline(self, rule: Rule, template: ast.expr, bound: dict[str, ast.expr],
                g: ast.expr, target: str) -> ast.expr:
        mapping: dict[str, ast.expr] = dict(bound)
        mapping["g"] = g
        mapping["ans"] = ast.Name(target, ast.Load())
        expr = copy.deepcopy(template)
        rule_globals = rule.function.__globals__

        class Substitute(ast.NodeTransformer):
            def visit_Name(inner, node):
                if node.id in mapping:
                    return copy.deepcopy(mapping[node.id])
                return node

        expr = Substitute().visit(expr)
        for node in ast.walk(template):
            if isinstance(node, ast.Name) and node.id not in mapping:
                value = rule_globals.get(node.id)
                if value is not None and callable(value) and not isinstance(value, type(ast)):
                    self.helpers.setdefault(node.id, value)
        return ast.fix_missing_locations(expr)

    # --- contributions to adjoints -------------------------------------------------------------

    def adjoint(self, name: str) -> str:
        if name not in self.adjoints:
            self.adjoints[name] = self.namer.adjoint(name)
        return self.adjoints[name]

    def _contribute(self, out, name: str, expr: ast.expr, exact: bool, where, origin) -> None:
        """Add the cotangent `expr` to the adjoint of `name`."""
        if not self.activity.active(name):
            return
        expr = copy.deepcopy(expr)
        b = self.adjoint(name)
        if name in self.lazy and name not in self.live:
            if _is_unbroadcast(expr):
                expr, exact = expr.args[0], False
            self.emit(out, ir.Assign(origin, b, expr), where)
            self.live.add(name)
            self.exact[name] = exact
            return
        if name not in self.live:  # the first contribution: a value of the adjoint's own
            if _is_unbroadcast(expr):
                expr = expr.args[0]
            helper = "take_cotangent" if _is_fresh(expr) else "new_cotangent"
            self._note_helper(helper)
            self.emit(out, ir.Assign(origin, b, _call(helper, expr, ast.Name(name, ast.Load()))),
                      where)
            self.live.add(name)
            return
        if _is_unbroadcast(expr):
            expr.args[1] = ast.Name(b, ast.Load())
        elif not exact:
            expr = _call("unbroadcast", expr, ast.Name(b, ast.Load()))
            self._note_helper("unbroadcast")
        self.emit(out, ir.Accumulate(origin, ast.Name(b, ast.Store()), expr), where)

    def _zeros(self, name: str) -> ast.expr:
        self._note_helper("zeros_like")
        return _call("zeros_like", ast.Name(name, ast.Load()))

    def _scatter(self, out, value: ast.Subscript, g: ast.expr, exact: bool, where, origin) -> None:
        """`v = a[index]`: add v's cotangent into the elements of `ba`."""
        base = value.value
        if not (isinstance(base, ast.Name) and self.activity.active(base.id)):
            return
        b = self.adjoint(base.id)
        if base.id not in self.live:
            self.emit(out, ir.Assign(origin, b, self._zeros(base.id)), where)
            self.live.add(base.id)
        target = ast.Subscript(ast.Name(b, ast.Load()), copy.deepcopy(value.slice), ast.Load())
        if not exact:
            g = _call("unbroadcast", g, copy.deepcopy(target))
            self._note_helper("unbroadcast")
        if _basic_index(value.slice, self.ints):
            self.emit(out, ir.Accumulate(origin, target, g), where)
        else:
            self._note_helper("add_at")
            call = _call("add_at", ast.Name(b, ast.Load()), _index_value(value.slice), g)
            self.emit(out, ir.ExprStmt(origin, call), where)

    # --- stacks of a generated adjoint, differentiated again ------------------------------------
    #
    # A stack `s` that holds active values gets a stack of cotangents `bs`: the
    # reverse of `v = s.pop()` pushes v's cotangent, the reverse of `s.append(v)`
    # pops it into v's.  Pops and pushes of `s` pair up (last in, first out), so
    # the reversed ones pair up too.

    def reverse_pop(self, stmt: ir.Assign, out, where) -> None:
        stack = stmt.value.func.value.id
        target = stmt.target
        if not self.activity.active(stack):
            self.live.discard(target)
            return
        origin = stmt.origin.reverse()
        if target in self.live and self.activity.active(target):
            cotangent = ast.Name(self.adjoint(target), ast.Load())
        else:
            cotangent = self._zeros(target)
        self.live.discard(target)
        append = ast.Attribute(ast.Name(self._adjoint_stack(stack), ast.Load()), "append",
                               ast.Load())
        self.emit(out, ir.ExprStmt(origin, ast.Call(append, [cotangent], [])), where)

    def reverse_push(self, stmt: ir.ExprStmt, out, where) -> None:
        pushed = stack_push(stmt)
        if pushed is None or not self.activity.active(pushed[0]):
            return
        stack, value = pushed
        origin = stmt.origin.reverse()
        pop = ast.Call(ast.Attribute(ast.Name(self._adjoint_stack(stack), ast.Load()), "pop",
                                     ast.Load()), [], [])
        if isinstance(value, ast.Name) and self.activity.active(value.id):
            self._contribute(out, value.id, pop, True, where, origin)
        else:  # keep the pairs in step
            self.emit(out, ir.ExprStmt(origin, pop), where)

    def _adjoint_stack(self, stack: str) -> str:
        if stack not in self.adjoint_stacks:
            self.adjoint_stacks[stack] = self.adjoint(stack)
        return self.adjoint_stacks[stack]

    # --- stores into arrays ---------------------------------------------------------------------

    def reverse_store(self, stmt: ir.Store, out, where) -> None:
        array = stmt.array
        if array not in self.live or not self.activity.active(array):
            return
        origin = stmt.origin.reverse()
        b = ast.Name(self.adjoint(array), ast.Load())
        elements = ast.Subscript(b, copy.deepcopy(stmt.index), ast.Load())
        value = stmt.value
        if isinstance(value, ast.Name) and self.activity.active(value.id):
            part = elements
            if not _basic_index(stmt.index, self.ints):
                # an index array may repeat an element: only its last write counts
                part = _call("last_writes", _clone(b), _index_value(stmt.index))
                self._note_helper("last_writes")
            elif value.id in self.lazy and value.id not in self.live:
                part = _call("copy_value", elements)
                self._note_helper("copy_value")
            self._contribute(out, value.id, copy.deepcopy(part), False, where, origin)
        zero = ir.Store(origin, b.id, copy.deepcopy(stmt.index), ast.Constant(0.0))
        self.emit(out, zero, where)

    # --- branches and loops ------------------------------------------------------------------

    def reverse_if(self, stmt: ir.If, rblock: RBlock, k: int) -> None:
        info = rblock.info
        before = set(self.live)
        body_info = self.blocks[id(stmt.body)]
        else_info = self.blocks[id(stmt.orelse)]
        body = self.reverse_block(body_info)
        after_body = set(self.live)
        self.live = set(before)
        orelse = self.reverse_block(else_info)
        after_else = set(self.live)
        live_before_if = self.forward_live[(id(info.stmts), k)]
        for name in sorted(after_body ^ after_else):
            if name not in live_before_if:
                continue  # its value before the `if` is never read: its cotangent is zero
            branch = orelse if name in after_body else body
            self._fill_zeros(branch, name, 0, adjoint_assigned=name in before)
        self.live = (after_body | after_else) & (
            (after_body & after_else) | live_before_if)
        origin = stmt.origin.reverse()
        rev = ir.If(origin, stmt.test, [_Nested(origin, body)], [_Nested(origin, orelse)])
        self.emit(rblock.chunks[k], rev, (info, k + 1))

    def _fill_zeros(self, rblock: RBlock, name: str, gap: int, adjoint_assigned: bool) -> None:
        """Make `name`'s adjoint exist (as zeros) at a gap where paths join.

        Zeros shaped like the variable, if it surely has a value there.
        Otherwise no later reverse code reads this adjoint on the paths where
        the variable has no value (nothing before could have used it), so any
        value of the right type will do: the adjoint's own, if it surely exists."""
        info = rblock.info
        near = info.stmts[min(gap, len(info.stmts) - 1)] if info.stmts else info.owner
        origin = (near.origin if near is not None else self.fn.origin).reverse()
        if name in self.defined[(id(info.stmts), gap)]:
            zeros = self._zeros(name)
        elif adjoint_assigned:
            self._note_helper("zeros_like")
            zeros = _call("zeros_like", ast.Name(self.adjoint(name), ast.Load()))
        else:
            raise UnsupportedSyntaxError(
                f"'{name}' may have no value here on some paths, and its gradient is needed "
                f"on others; assign '{name}' a value before this statement",
                near.origin.file, near.origin.line)
        self.emit(rblock.slots[gap].code, ir.Assign(origin, self.adjoint(name), zeros), (info, gap))

    def reverse_loop(self, stmt: ir.For | ir.While, rblock: RBlock, k: int) -> None:
        info = rblock.info
        body_info = self.blocks[id(stmt.body)]
        entry = set(self.live)
        initial = set(entry)
        recording = self.saver.recording
        self.saver.recording = False
        live_at_body_start = self.forward_live[(id(stmt.body), 0)]
        # Find the adjoints live around the loop: a fixpoint.  A cotangent can
        # travel through one more variable per trip of the body (a chain
        # `b = a; c = b; ...`), so sweep until the set stops growing.  It only
        # grows, within `initial | live_at_body_start`, so this ends.
        rounds = len(live_at_body_start - initial) + 1
        while True:
            saved_exact = dict(self.exact)
            self.live = set(entry)
            self.reverse_block(body_info)
            end = self.live & live_at_body_start  # others are zero from here back
            self.exact = saved_exact
            if end <= entry:
                break
            entry |= end
            rounds -= 1
            if rounds < 0:
                raise AssertionError("the adjoints live around a loop did not reach a fixpoint")
        self.saver.recording = recording
        origin = stmt.origin.reverse()
        for name in sorted(entry - initial):  # cotangents the body carries in a circle
            self._fill_zeros(rblock, name, k + 1, adjoint_assigned=False)
        self.live = set(entry)
        body = self.reverse_block(body_info)
        for name in sorted(entry - (self.live & live_at_body_start)):
            self._fill_zeros(body, name, 0, adjoint_assigned=True)
        self.live = set(entry)
        if isinstance(stmt, ir.While):
            rev = ir.For(origin, "_", ast.Constant(0), ast.Name(stmt.trips, ast.Load()),
                         ast.Constant(1), [_Nested(origin, body)])
        else:
            rev = self._reversed_for(stmt, origin, body)
        self.emit(rblock.chunks[k], rev, (info, k + 1))

    def _reversed_for(self, stmt: ir.For, origin: ir.Origin, body: RBlock) -> ir.For:
        start, stop, step = stmt.start, stmt.stop, stmt.step
        count: ast.expr
        if stmt.trips:
            count = ast.Name(stmt.trips, ast.Load())
        elif _const(step, 1):
            count = None
        else:
            count = _call("len", _call("range", start, stop, step))
        nested = [_Nested(origin, body)]
        if count is None and _const(start, 0):  # range(stop) backwards
            return _backwards(origin, stmt.var, _sub1(stop), ast.Constant(-1), nested,
                              (stmt.var, ast.Constant(0), _clone(stop), ast.Constant(1)))
        if count is None:  # range(start, stop) backwards
            return _backwards(origin, stmt.var, _sub1(stop), _sub1(start), nested,
                              (stmt.var, _clone(start), _clone(stop), ast.Constant(1)))
        if _const(start, 0) and _const(step, 1):
            return _backwards(origin, stmt.var, _sub1(count), ast.Constant(-1), nested,
                              (stmt.var, ast.Constant(0), _clone(count), ast.Constant(1)))
        k = self.namer.fresh(f"{stmt.var}_k")
        index = ast.BinOp(copy.deepcopy(start), ast.Add(),
                          ast.BinOp(ast.Name(k, ast.Load()), ast.Mult(), copy.deepcopy(step)))
        set_var = ir.Assign(origin, stmt.var, index, nondiff=True)
        return _backwards(origin, k, _sub1(count), ast.Constant(-1), [set_var, *nested],
                          (k, ast.Constant(0), _clone(count), ast.Constant(1)))

    # --- emitting ------------------------------------------------------------------------------

    def emit(self, out: list[ir.Stmt], stmt: ir.Stmt, where: tuple[BlockInfo, int]) -> None:
        """Append a reverse statement and register the primal values it reads."""
        out.append(stmt)
        info, gap = where
        for name, kind in _primal_reads(stmt, self._not_primal()):
            self.saver.need(name, kind, info, gap)

    def _not_primal(self) -> set[str]:
        return set(self.adjoints.values()) | set(self.captured.values()) | {"_"}

    def _note_helper(self, *names: str) -> None:
        for name in names:
            self.helpers[name] = getattr(runtime, name)

    # --- analyses -------------------------------------------------------------------------

    def _lazy_temps(self) -> set[str]:
        """Temporaries read once, in the block that assigns them, and never
        indexed or written into: their adjoint may stay broadcast-larger."""
        reads: dict[str, int] = {}
        where: dict[str, int] = {}
        indexed: set[str] = set()
        for info in self.blocks.values():
            for stmt in info.stmts:
                for name in ir.used_names(stmt):
                    reads[name] = reads.get(name, 0) + 1
                    where.setdefault(name, id(info.stmts))
                if isinstance(stmt, ir.Assign) and isinstance(stmt.value, ast.Subscript):
                    if isinstance(stmt.value.value, ast.Name):
                        indexed.add(stmt.value.value.id)
                if isinstance(stmt, ir.Store):
                    indexed.add(stmt.array)
        defined_in = {}
        for info in self.blocks.values():
            for stmt in info.stmts:
                if isinstance(stmt, ir.Assign):
                    defined_in[stmt.target] = id(info.stmts)
        return {t for t in self.fn.temps if reads.get(t) == 1 and t not in indexed
                and where.get(t) == defined_in.get(t) and t not in self.fn.results}


class _Nested(ir.Stmt):
    """A placeholder for a reversed block inside a reversed If/For."""

    def __init__(self, origin: ir.Origin, rblock: RBlock):
        super().__init__(origin)
        self.rblock = rblock


# --- assembling -----------------------------------------------------------------------------


def _assemble_forward(info: BlockInfo, blocks: dict[int, BlockInfo]) -> list[ir.Stmt]:
    """The forward block with the pushes `Saver` put at its gaps."""
    out: list[ir.Stmt] = []
    for k, stmt in enumerate(info.stmts):
        out += info.pushes[k]
        out.append(_with_blocks(stmt, blocks))
    out += info.pushes[len(info.stmts)]
    return out


def _with_blocks(stmt: ir.Stmt, blocks: dict[int, BlockInfo]) -> ir.Stmt:
    def block(stmts):
        return _assemble_forward(blocks[id(stmts)], blocks)

    if isinstance(stmt, ir.If):
        return ir.If(stmt.origin, stmt.test, block(stmt.body), block(stmt.orelse))
    if isinstance(stmt, ir.For):
        return ir.For(stmt.origin, stmt.var, stmt.start, stmt.stop, stmt.step, block(stmt.body),
                      stmt.trips)
    if isinstance(stmt, ir.While):
        return ir.While(stmt.origin, stmt.test, block(stmt.body), stmt.trips)
    return stmt


def _assemble_reverse(rblock: RBlock) -> list[ir.Stmt]:
    out: list[ir.Stmt] = []
    n = len(rblock.chunks)
    out += rblock.slots[n].statements()
    for k in reversed(range(n)):
        for stmt in rblock.chunks[k]:
            out.append(_flatten(stmt))
        out += rblock.slots[k].statements()
    return out


def _flatten(stmt: ir.Stmt) -> ir.Stmt:
    if isinstance(stmt, ir.If):
        return ir.If(stmt.origin, stmt.test, _flatten_block(stmt.body), _flatten_block(stmt.orelse))
    if isinstance(stmt, ir.For):
        return ir.For(stmt.origin, stmt.var, stmt.start, stmt.stop, stmt.step,
                      _flatten_block(stmt.body), stmt.trips, stmt.ascending)
    return stmt


def _flatten_block(stmts: list[ir.Stmt]) -> list[ir.Stmt]:
    out = []
    for stmt in stmts:
        if isinstance(stmt, _Nested):
            out += _assemble_reverse(stmt.rblock)
        else:
            out.append(_flatten(stmt))
    return out


# --- small helpers --------------------------------------------------------------------------


def _doubled(contributions: list[tuple[str, ast.expr, bool]]) -> list[tuple[str, ast.expr, bool]]:
    """One operation's contributions with two equal ones to one variable made
    one, times 2 (`x * x`: `g * x * 2` rather than `g * x` added twice; the
    same value, since doubling is exact)."""
    out: list[tuple[str, ast.expr, bool]] = []
    for name, expr, exact in contributions:
        twin = next((k for k, (n, e, _) in enumerate(out)
                     if n == name and ast.dump(e) == ast.dump(expr)), None)
        if twin is None:
            out.append((name, expr, exact))
            continue
        if _is_unbroadcast(expr):
            expr.args[0] = ast.BinOp(expr.args[0], ast.Mult(), ast.Constant(2))
        else:
            expr = ast.BinOp(expr, ast.Mult(), ast.Constant(2))
        out[twin] = (name, expr, exact)
    return out


def _backwards(origin: ir.Origin, var: str, first: ast.expr, end: ast.expr, body: list[ir.Stmt],
               ascending: tuple[str, ast.expr, ast.expr, ast.expr]) -> ir.For:
    """`for var in range(first, end, -1)`, which knows its increasing order."""
    return ir.For(origin, var, first, end, ast.Constant(-1), body, ascending=ascending)


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(ast.Name(name, ast.Load()), list(args), [])


def _clone(node: ast.expr) -> ast.expr:
    return copy.deepcopy(node)


def _const(node: ast.expr, value: int) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and node.value == value


def _sub1(node: ast.expr) -> ast.expr:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return ast.Constant(node.value - 1)
    return ast.BinOp(copy.deepcopy(node), ast.Sub(), ast.Constant(1))


def _stack_init(kind: str) -> ast.expr:
    if kind == SHAPE:
        return ast.List([ast.Constant(0)], ast.Load())  # typed as a list of ints
    return ast.List([], ast.Load())


# helpers whose array results are always new arrays (a product's): a first cotangent may keep them
_FRESH_RESULTS = ("dot_grad_left", "dot_grad_right")


def _is_fresh(expr: ast.expr) -> bool:
    """Whether `expr` makes a new value wherever it is an array (arithmetic
    does, and the helpers above; a name, or another helper's result, may be
    an array referred to elsewhere)."""
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        return expr.func.id in _FRESH_RESULTS
    return isinstance(expr, ast.BinOp) or (
        isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub))


def _is_unbroadcast(expr: ast.expr) -> bool:
    return (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name)
            and expr.func.id == "unbroadcast" and len(expr.args) == 2)


def _expand_sequence(template: ast.expr, param: str, atom: ast.expr) -> list:
    """`[part(g, arrays, axis, i) for i in range(len(arrays))]` → one
    (element atom, expression) per element of the tuple `atom`."""
    if not isinstance(template, ast.ListComp) or not isinstance(atom, ast.Tuple):
        raise TypeError(f"rule for a sequence of {param!r} must be a list comprehension")
    var = template.generators[0].target.id
    parts = []
    for k, element in enumerate(atom.elts):
        class SetIndex(ast.NodeTransformer):
            def visit_Name(self, node, k=k):
                return ast.Constant(k) if node.id == var else node

        parts.append((element, SetIndex().visit(copy.deepcopy(template.elt))))
    return parts


def _basic_index(index: ast.expr, ints: set[str]) -> bool:
    """An index made of integers and slices only (no index arrays, whose
    repeated entries `+=` would count once)."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    for part in parts:
        if isinstance(part, ast.Slice):
            continue
        if isinstance(part, ast.Constant) and (part.value is None or part.value is Ellipsis
                                               or type(part.value) is int):
            continue
        if isinstance(part, ast.Name) and part.id in ints:
            continue
        return False
    return True


def _index_value(index: ast.expr) -> ast.expr:
    """A subscript's index as a value that a helper can take: its slices
    as `slice(...)` calls (`a[m, :]` → `add_at(ba, (m, slice(None)), g)`)."""
    if isinstance(index, ast.Slice):
        parts = [index.lower, index.upper, index.step]
        if index.step is None:  # `slice(a, b)`; `slice(b)` alone would be the stop
            parts = [index.upper] if index.lower is None else parts[:2]
        return _call("slice", *(ast.Constant(None) if p is None else _clone(p) for p in parts))
    if isinstance(index, ast.Tuple):
        return ast.Tuple([_index_value(e) for e in index.elts], ast.Load())
    return _clone(index)


def _int_names(fn: ir.Function) -> set[str]:
    """Variables that surely hold integers: loop indices, counters, lengths,
    and the bounds of a `range` (which takes nothing else)."""
    ints: set[str] = set()
    for stmt in ir.walk(fn.body):
        if isinstance(stmt, ir.For):
            ints.add(stmt.var)
            ints |= {b.id for b in (stmt.start, stmt.stop, stmt.step) if isinstance(b, ast.Name)}
        if isinstance(stmt, (ir.For, ir.While)) and stmt.trips:
            ints.add(stmt.trips)
    changed = True
    while changed:
        changed = False
        for stmt in ir.walk(fn.body):
            if isinstance(stmt, ir.Assign) and stmt.target not in ints:
                if _is_int_expr(stmt.value, ints):
                    ints.add(stmt.target)
                    changed = True
    # a name assigned anything else is not surely an integer
    for stmt in ir.walk(fn.body):
        if isinstance(stmt, ir.Assign) and stmt.target in ints and not _is_int_expr(stmt.value, ints):
            ints.discard(stmt.target)
    return ints


def _is_int_expr(node: ast.expr, ints: set[str]) -> bool:
    if isinstance(node, ast.Constant):
        return type(node.value) is int
    if isinstance(node, ast.Name):
        return node.id in ints
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult,
                                                              ast.FloorDiv, ast.Mod)):
        return _is_int_expr(node.left, ints) and _is_int_expr(node.right, ints)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _is_int_expr(node.operand, ints)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id in ("len", "int")
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
        return node.value.attr == "shape"
    return False


def _primal_reads(stmt: ir.Stmt, skip: set[str]) -> list[tuple[str, str]]:
    """The primal variables a reverse statement reads, each with whether it
    needs the value or only the shape (`zeros_like(x)`, `unbroadcast(g, x)`)."""
    reads: list[tuple[str, str]] = []
    nodes: list[ast.AST] = []
    if isinstance(stmt, ir.Assign):
        nodes = [stmt.value]
    elif isinstance(stmt, ir.Accumulate):
        nodes = [stmt.target, stmt.value]
    elif isinstance(stmt, ir.ExprStmt):
        nodes = [stmt.value]
    elif isinstance(stmt, ir.Store):
        nodes = [stmt.index, stmt.value]
    elif isinstance(stmt, ir.If):
        return [(stmt.test, VALUE)]
    elif isinstance(stmt, ir.For):
        nodes = [stmt.start, stmt.stop, stmt.step]
    shape_only = set().union(*(shape_positions(node) for node in nodes))
    callee_ids = set()
    for node in nodes:
        for n in ast.walk(node):
            if isinstance(n, ast.Call):
                func = n.func
                while isinstance(func, ast.Attribute):
                    func = func.value
                callee_ids.add(id(func))
    for node in nodes:
        for n in ast.walk(node):
            if isinstance(n, ast.Name) and id(n) not in callee_ids and n.id not in skip:
                reads.append((n.id, SHAPE if id(n) in shape_only else VALUE))
    return reads

