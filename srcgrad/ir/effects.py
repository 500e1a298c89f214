"""What the functions generated code calls do besides computing a result.

Passes after the front end meet calls spelled as generated code spells them
(`unbroadcast(g, x)`, `push_shape(s, x)`, `np.sin(x)`, `len(x)`).  Every fact a
pass needs about such a call (may it be dropped or moved, which argument does
it change in place, of which argument does it read only the shape, is its
array result always a new array, is it called for its effect) is asked here,
of one table, `HELPERS`: a new run-time helper is one entry in it.

A name not in the table is a call with effects that the passes know nothing
of: not pure, writing into nothing they track, reading its arguments' values.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass

from .nodes import MODULES, Accumulate, Stmt, Store, walk
from .parts import expressions

__all__ = ["Helper", "HELPERS", "helper", "called_helper", "pure_call", "mutated_by_calls",
           "shape_positions", "shape_operands", "written"]


@dataclass(frozen=True)
class Helper:
    """The properties of one function generated code calls by its plain name."""

    name: str
    pure: bool = False  # no effect, no exception that matters: the call may go or move
    writes: int | None = None  # the argument (by position) it changes in place
    shape_of: int | None = None  # the argument of which it reads only the shape and dtype
    fresh: bool = False  # an array result is always a new array, referred to nowhere else
    effect: bool = False  # generated code calls it for its effect alone (a check, a record)
    sums_to: int | None = None  # its result is argument 0 summed to this argument's shape, no more
    renews: bool = False  # its result is a new array: argument 0 summed to argument 1's shape


def _table(*helpers: Helper) -> dict[str, Helper]:
    return {h.name: h for h in helpers}


HELPERS: dict[str, Helper] = _table(
    # cotangents: created, shaped, renewed (srcgrad.runtime)
    Helper("zeros_like", pure=True, shape_of=0),
    Helper("unbroadcast", pure=True, shape_of=1, sums_to=1),
    Helper("new_cotangent", pure=True, shape_of=1, renews=True),
    Helper("take_cotangent", pure=True, shape_of=1),
    Helper("seed", shape_of=1),
    Helper("seed_row", pure=True, shape_of=1),  # a Jacobian's row's seed (adjoint/lanes.py)
    Helper("seed_entry", pure=True, shape_of=2),  # ... one element of it
    Helper("copy_value", pure=True),
    Helper("cast_like", pure=True, shape_of=1),  # reads only the dtype of its second argument
    Helper("sum_grad", pure=True, shape_of=1),  # the cotangent of a sum: reads the summand's shape
    Helper("broadcast_like", pure=True, shape_of=1, fresh=True),  # a tangent of its primal type
    Helper("stop_gradient", pure=True),
    # products' adjoints (srcgrad.rules.linalg), which return new arrays
    Helper("dot_grad_left", fresh=True),
    Helper("dot_grad_right", fresh=True),
    # ... and added into a cotangent in place (optimize/products.py)
    Helper("add_dot_grad_left", writes=0),
    Helper("add_dot_grad_right", writes=0),
    # the parts of np.linalg.slogdet, and the triangle maps of cholesky's rule
    Helper("slogdet_sign", pure=True),
    Helper("logabsdet", pure=True),
    *(Helper(name, pure=True, fresh=True) for name in
      ("half_lower", "mirror_lower", "fold_lower", "matrix_scale", "matrix_inner")),
    # the rules of solve with a vector, and the check of scipy.linalg's one matrix: may
    # return their operand
    *(Helper(name, pure=True) for name in ("as_columns", "from_columns", "single_matrix")),
    # np.linalg.solve and slogdet from LU factors (srcgrad.runtime.lapack)
    *(Helper(name, pure=True, fresh=True) for name in
      ("lu_factors", "factored_solve", "factored_solve_t", "factored_logabsdet", "factored_sign",
       "factored_inverse_t")),
    # np.interp's pieces (srcgrad.rules.interpolation)
    *(Helper(name, pure=True, fresh=True) for name in ("knot", "knot_grad", "interp_mask")),
    Helper("unless_given", pure=True),
    # the parts of np.linalg's decompositions, and the helpers of their rules
    *(Helper(name, pure=True, fresh=True) for name in
      ("eigh_values", "eigh_vectors", "gap_product", "singular_reciprocal", "svd_u", "svd_s", "svd_vt", "qr_q",
       "qr_r", "lstsq_solution", "lstsq_residuals", "triangular_solve", "keep_triangle",
       "lower_factor", "lower_factor_grad", "lu_matrix", "lu_pivots", "pivot_rows",
       "unpivot_rows", "banded_matrix", "banded_matrix_grad")),
    Helper("lstsq_rank", pure=True),
    # the cotangent of a diagonal, and the axis of np.hstack's join
    Helper("diag_grad", pure=True, fresh=True),
    Helper("hstack_axis", pure=True, shape_of=0),
    Helper("rollaxis_destination", pure=True, shape_of=0),
    Helper("centred_index", pure=True),
    Helper("gamma_pole", pure=True),
    # products and norms (srcgrad.rules.einsum, products, norms): shapes and constants read
    # from their operands, and cotangents built as new arrays
    *(Helper(name, pure=True) for name in
      ("eye_last", "fold_tail", "fold_head", "joined_shape", "identity_like", "kept_shape",
       "count_nonzero_norm")),
    *(Helper(name, pure=True, fresh=True) for name in
      ("kron_grad_left", "kron_grad_right", "singular_values_grad", "singular_values_jvp",
       "matrix_power_grad", "matrix_power_grad2")),
    # np.fft's transforms, one real part each, and their adjoints (srcgrad.runtime.transforms):
    # new arrays; an adjoint reads only the shape of the transform's input
    *(Helper(name, pure=True, fresh=True) for name in ("fft_part", "rfft_part", "irfft_of")),
    *(Helper(name, pure=True, fresh=True, shape_of=1) for name in
      ("fft_part_adjoint", "rfft_part_adjoint", "irfft_adjoint")),
    # stacks of shapes and scattered updates
    Helper("push_shape", writes=0, effect=True),
    Helper("pop_shape", writes=0),
    Helper("add_at", writes=0),
    Helper("add_into", writes=0),
    # checkpoints of time loops (srcgrad.runtime.stacks): a state put back in place
    Helper("restore_state", writes=0),
    Helper("checkpoint_every", pure=True),
    Helper("value_bytes", pure=True),
    # lists grown in a loop (srcgrad.runtime.lists): an append writes into its list, and
    # a length is never computed again (in the reverse sweep the list is whole)
    Helper("new_list", fresh=True),
    Helper("list_append", writes=0),
    Helper("list_length"),
    Helper("list_index"),
    Helper("shape_size", pure=True),
    Helper("unravel", pure=True),
    Helper("merged_shape", pure=True, shape_of=0),
    Helper("stack_list", pure=True, fresh=True),
    Helper("list_zeros", pure=True, fresh=True),
    # run-time checks of aliasing (analysis/aliasing.py)
    Helper("refuse_inplace_alias", effect=True),
    Helper("refuse_shared", effect=True),
    # builtins, and `max` and `min` of two numbers with their comparison kept (adjoint/decisions.py)
    *(Helper(name, pure=True) for name in
      ("len", "range", "abs", "min", "max", "float", "int", "bool", "round")),
    *(Helper(name, pure=True) for name in ("order", "max_by", "min_by", "order_share")),
    # NumPy's function that reads a shape, spelled with its module
    Helper("np.shape", shape_of=0),
)

_UNKNOWN = Helper("")

# methods that change the object they are called on (lists used as stacks)
_WRITING_METHODS = frozenset({"append", "pop"})


def helper(name: str) -> Helper:
    """The properties of the function generated code calls as `name`."""
    return HELPERS.get(name, _UNKNOWN)


def called_helper(call: ast.Call) -> Helper:
    """The properties of the function `call` calls: a plain name, or a
    function of a module generated code imports (`np.shape`)."""
    func = call.func
    if isinstance(func, ast.Name):
        return helper(func.id)
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return helper(f"{func.value.id}.{func.attr}")
    return _UNKNOWN


@functools.cache
def _replacement_names() -> frozenset[str]:
    """The functions generated code calls in place of NumPy's
    (`registry.replace`: `sin`, `reduce_sum`, ...), all pure and all
    registered by the time anything is transformed."""
    from ..rules import registry  # the rules sit above the IR: asked late

    return frozenset(impl.__name__ for impl in registry.replacements())


def pure_call(call: ast.Call) -> bool:
    """Whether `call` (not its arguments) has no effect: a pure helper, a
    replacement of a NumPy function, or a function of `np` or `math`."""
    func = call.func
    if isinstance(func, ast.Name):
        return helper(func.id).pure or func.id in _replacement_names()
    root = func
    while isinstance(root, ast.Attribute):
        root = root.value
    return isinstance(root, ast.Name) and root.id in MODULES


def mutated_by_calls(stmt: Stmt) -> set[str]:
    """Arrays and lists the calls of a statement (not counting nested ones)
    change in place: stacks pushed and popped, `add_at`'s target."""
    out = set()
    for node in expressions(stmt):
        for n in ast.walk(node):
            if not isinstance(n, ast.Call):
                continue
            if isinstance(n.func, ast.Name):
                k = helper(n.func.id).writes
                if k is not None and len(n.args) > k:
                    out.add(_root(n.args[k]))
            elif isinstance(n.func, ast.Attribute) and n.func.attr in _WRITING_METHODS:
                out.add(_root(n.func.value))
    return out


def shape_positions(node: ast.AST) -> set[int]:
    """The names (by id) in `node` of which only the shape is read: the
    operand of a helper's `shape_of` argument (`zeros_like(x)`,
    `unbroadcast(g, x)`, `np.shape(x)`)."""
    out: set[int] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Call):
            k = called_helper(n).shape_of
            if k is not None and len(n.args) > k:
                out |= shape_operands(n.args[k])
    return out


def shape_operands(node: ast.expr) -> set[int]:
    """The names (by id) in `node` of which only the shape matters when only
    the shape of `node` is read: `x`, the operands of elementwise arithmetic
    (`a * b` has the broadcast shape of a and b), the array of an element
    read `x[i]` (not its index, whose value picks the shape)."""
    if isinstance(node, ast.Name):
        return {id(node)}
    if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.MatMult):
        return shape_operands(node.left) | shape_operands(node.right)
    if isinstance(node, ast.UnaryOp):
        return shape_operands(node.operand)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        return {id(node.value)}
    return set()


def _root(node: ast.expr) -> str:
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def written(stmt: Stmt) -> set[str]:
    """Arrays and lists a statement (with what is nested in it) changes in place."""
    out = set()
    for s in walk([stmt]):
        if isinstance(s, Store):
            out.add(s.array)
        elif isinstance(s, Accumulate):
            out.add(_root(s.target))
        out |= mutated_by_calls(s)
    return out
