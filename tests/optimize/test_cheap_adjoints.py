"""The adjoint keeps only what its reverse sweep reads (issue 19): each
mechanism is shown on a kernel of the corpus (`functions.py`, where
`test_corpus.py` checks its gradient on both targets against central finite
differences) by a property of the generated source, and checked again here.

- An array written in place is restored in the reverse sweep only where the
  reverse sweep reads it at a point that a later write follows
  (`adjoint/stores.py`): a relaxation sweep, whose adjoint is linear, keeps
  no old elements, nor does a stage array that each pass of a loop makes
  anew before writing it (the next pass writes into another array).  An element read from an array written later is saved as
  it was read (`copy_value`, nothing for a scalar), once, instead of every
  later write being undone (`adjoint/saving.py`), unless the code reads
  more elements of the array than it has writes into it: a recurrence saves
  the one element it reads; a smoother that reads three elements ahead of
  its one write has that write undone.  An element (or row) that a loop
  over `i` writes only in its own pass (`tmp[i]`), read in that pass after
  its last write there, is read from the array again: nothing saved; so
  is one that an earlier pass wrote, its index bounded by the loop's
  variable (`x[j]`, `j in range(i)`, in a forward substitution).  One that
  only later passes write (`B[k, j]`, `k in range(i + 1, m)`, trmm; `a[i +
  1, j]` in a Gauss-Seidel sweep) still holds what it held before the loop,
  and is read from a copy made there (`adjoint/snapshots.py`), where the
  reverse sweep needs its value.
- A cheap value read inside the branches of an `if` is recomputed before
  the `if`'s reverse rather than saved (`adjoint/saving.py`); so is a value
  an if/else assigns in both branches by cheap operations (one conditional
  expression), and a variable assigned in several places (`left` in two
  loops) where its recomputation saves nothing else.
- A reversed loop whose iterations each zero only their own element of a
  cotangent runs forwards (`optimize/ordering.py`).
- The shape of a value nothing reads is not recorded (`optimize/cleanup.py`).
- The cotangent of an element updated by `+=` passes through: no zeroing
  and adding back (`optimize/peephole.py`).
- An argument read for its shape alone is not computed (`sum_grad(g, d * d)`
  is `sum_grad(g, d)`; times `d`, `g * d`).
- Once called, the gradient knows the rank of each array argument (checked
  at every call; another rank generates the code again): an element of an
  array read with one integer index per axis is a number, and so is an
  element of an array made by `np.zeros(n)` (`n` unpacked from a shape
  too), so it is read, updated and saved as one (`by[i] += t`, no `copy_value`, `new_cotangent` or shape).
- On cpu, a row's cotangent is added into the matrix's by `add_into`
  (Numba's `a[i] += v` compiles its slice-assignment error message, seconds
  in every new process), and a gradient differentiated again reads it back
  as `+=`.
- On cpu, a stack of numbers is an array and the index of its top, with
  room made before each loop for all it pushes (before the outer loop where
  the inner trip count is the same in every pass, before each run of the
  inner loop where it is not; for one pass where each pass pops all it
  pushes); one pushed in a `while` body stays a list;
  a gradient differentiated again reads the list form.  The compiled source
  run as plain Python (NumPy checks every index) proves the room enough.
- On cpu, an element of a cotangent that a loop adds into at one index its
  passes do not change (`bx[i]` in a loop over `k`) is kept in a variable
  for the loop and stored once after it, where nothing else in the loop
  touches that array.
- On cpu, the cotangent of a view a helper is called on (`distance(pos[i],
  pos[j])`) is the view of the base's cotangent (`b_p = bpos[i]`), added
  into element by element: no array made and added back per call; a
  derivative of higher order reads the form without views.
- On cpu, a number made by a costly call (`math.exp`, `np.log` of an
  element, ...) that goes into a value the forward sweep keeps for the
  reverse one (the sum a log reads) is saved, not computed again: one call
  of `exp` per element in the whole gradient; one that goes only into a sum
  nothing reads is computed in the reverse sweep alone (`adjoint/saving.py`).  Room for a
  stack is made before a loop whose inner loops push nothing, whatever
  their trip counts.
- On cpu, a stencil's reverse loop that adds into neighbouring elements of
  a cotangent (`bb[i - 1]`, `bb[i]`, `bb[i + 1]`) sums each element's
  additions in a variable while passes add into it and stores it once
  (`optimize/accumulators.py`, `carry_neighbours`): no pass waits on the
  store of the one before.
- On cpu, a top-level loop whose passes are independent, each saving the
  values of an inner loop (Horner's rule per point), saves nothing: its
  reverse computes each pass again just before reversing it, and the stack
  holds one pass (`optimize/passes.py`).
- On cpu, a reverse loop's sums into numbers (`balpha += b * A[i, k]`) are
  `balpha = accumulate(balpha, ...)`, an addition LLVM may reorder
  (`optimize/sums.py`), so that the loop vectorises; the function's own
  sums, recomputed in the forward sweep, keep their order.
- On cpu, a loop that counts down to 0 or above and indexes with its
  variable says first that it is not negative (`i = nonneg_index(i)`), and
  so does every load and store of a stack at its top (`optimize/indices.py`):
  LLVM then addresses those elements directly, and the compiled gradient
  gathers and scatters none.
- On cpu, a negative power's derivative (`r2 ** -1.5` for `r2 ** -0.5`)
  where the power itself is at hand in the same block is a quotient of it
  (`optimize/powers.py`): one `pow` per pair in the reverse sweep.
- `greater_share` of two numbers is a number (`optimize/ranks.py`): the
  split of a minimum's cotangent goes into elements with no `unbroadcast`.
- On cpu, the builtin `max` or `min` of two numbers is a comparison kept
  in a byte and a pick (`adjoint/decisions.py`): the reverse sweep reads the
  byte (computed again where its operands hold their values, else popped
  from a stack of int8), and operands overwritten later (an element relaxed
  in place, a running maximum) are neither saved nor restored for it.
- On cpu, an aliasing guard that a loop repeats is checked once before it,
  and one that checks a number (`nearest = distance` of two floats) is
  dropped (`optimize/guards.py`).
"""

from __future__ import annotations

import ast
import math

import numpy as np
import pytest
from functions import (
    back_substitution,
    behind_from_zero,
    bicg_loops,
    biquad_filter,
    causal_window,
    discounted_exponentials,
    forward_substitution,
    heat_explicit,
    increments_by_sign,
    inverse_square_pairs,
    jacobi_relaxation,
    log_moments,
    log_sum_exp_loops,
    max_drawdown,
    nine_point_smoothing,
    nonlinear_gauss_seidel,
    rotated_projection,
    row_energy,
    shortest_paths_through_pivots,
    smooth_reading_ahead,
    softened_gravity_energy,
    softmax_rows_loss,
    spring_chain_leapfrog,
    sum_of_exponentials,
    tanh_features_energy,
    thomas_solve,
    triangular_in_place,
    upwind_transport,
)
from gradcheck import assert_gradient
from test_loop_order import descending_loops

import srcgrad as sg
from bench.kernels import (
    atax,
    conv1d,
    floyd_warshall,
    jacobi_1d,
    seidel_2d,
    softmax_xent,
    trmm,
)


def appends(source: str) -> list[str]:
    """The stacks the generated code pushes on: lists it appends to, and
    arrays it stores into at their top (`s[nonneg_index(s_top)] = v`)."""
    tree = ast.parse(source)
    lists = [node.func.value.id for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
             and node.func.attr == "append"]
    arrays = [node.targets[0].value.id for node in ast.walk(tree)
              if isinstance(node, ast.Assign) and at_top(node.targets[0])]
    return lists + arrays


def at_top(target: ast.expr) -> bool:
    """Whether `target` is an array stack's element at its top: `s[s_top]`,
    said non-negative (`s[nonneg_index(s_top)]`, optimize/indices.py), or
    above it, where a loop's values are computed first (`s[s_top + i]`,
    optimize/transcendentals.py)."""
    if not isinstance(target, ast.Subscript):
        return False
    index = target.slice
    if (isinstance(index, ast.Call) and isinstance(index.func, ast.Name)
            and index.func.id == "nonneg_index"):
        index = index.args[0]
    if isinstance(index, ast.BinOp) and isinstance(index.op, ast.Add):
        index = index.left
    return isinstance(index, ast.Name) and index.id.endswith("_top")


RNG = np.random.default_rng(19)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_relaxation_saves_nothing(target):
    df = sg.grad(jacobi_relaxation, target=target)
    assert appends(df.source) == []
    assert_gradient(df, jacobi_relaxation, (RNG.uniform(-1, 1, (6, 6)), 3))


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_reading_ahead_restores(target):
    # three elements read per write: the write is undone, the reads repeated
    df = sg.grad(smooth_reading_ahead, wrt=(0, 1), target=target)
    assert [name for name in appends(df.source) if name.endswith("_old")]
    assert "copy_value(_t" not in df.source
    assert_gradient(df, smooth_reading_ahead, (RNG.uniform(0.5, 1.0, 7), 0.3), wrt=(0, 1))


def recurrence(x, a):
    y = np.zeros_like(x)
    y[0] = x[0]
    for i in range(1, x.shape[0]):
        y[i] = a * y[i - 1] + x[i]
    return np.sum(y * y)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_recurrence_reads_the_element_behind_again(target):
    # `y[i - 1]`, written by the pass before (or before the loop) and never
    # again: read from `y` in the reverse sweep, nothing saved, no write undone
    df = sg.grad(recurrence, wrt=(0, 1), target=target)
    assert appends(df.source) == []
    assert_gradient(df, recurrence, (RNG.uniform(-1, 1, 9), 0.7), wrt=(0, 1))


def normalised_rows(X):
    out = np.zeros_like(X)
    s = 0.0
    for i in range(X.shape[0]):
        out[i] = X[i] / np.sqrt(np.sum(X[i] * X[i]))
        s += np.sum(np.tanh(out[i]))
    return s


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_elements_each_pass_writes_for_itself_are_read_again(target):
    """An element (or row) written only by its own pass of a loop over `i`
    and read in that pass after its last write there holds that value to
    the end: the reverse sweep reads it from the array again, with nothing
    saved (atax: `tmp[i]` summed over `j`, then read; a row normalised, then
    read by tanh's rule)."""
    rng = np.random.default_rng(5)
    args = (rng.uniform(-1, 1, (7, 9)), rng.uniform(-1, 1, 9))
    df = sg.grad(atax, wrt=(0, 1), target=target)
    assert_gradient(df, atax, args, wrt=(0, 1))
    assert appends(df.source) == []
    df = sg.grad(normalised_rows, target=target)
    assert_gradient(df, normalised_rows, (rng.uniform(0.5, 1.5, (5, 4)),))
    assert appends(df.source) == ["_t6_stack"]  # the row's sum of squares; no row of `out`


def ahead_of_the_sweep(L, b):
    """The inner loop reads elements that later passes write."""
    n = b.shape[0]
    x = np.ones(n)
    for i in range(n):
        s = b[i]
        for j in range(i + 1, n):
            s -= L[i, j] * x[j]
        x[i] = np.sin(s)
    return np.sum(x * x)


@pytest.mark.parametrize("fn, upper", [(forward_substitution, False), (back_substitution, True)])
@pytest.mark.parametrize("target", ["python", "cpu"])
def test_elements_earlier_passes_wrote_are_read_again(fn, upper, target):
    """`x[j]` read in a loop over `j` bounded by the outer loop's `i` (`range(i)`
    under an ascending loop, `range(i + 1, n)` under a descending one) was
    written by an earlier pass, and no later pass writes it: the reverse
    sweep reads it from `x` again, and only the row's sum is saved."""
    rng = np.random.default_rng(7)
    A = rng.uniform(-1, 1, (6, 6))
    args = ((np.triu(A) if upper else np.tril(A)) + 3 * np.eye(6), rng.uniform(-1, 1, 6))
    df = sg.grad(fn, wrt=(0, 1), target=target)
    assert_gradient(df, fn, args, wrt=(0, 1))
    assert appends(df.source) == ["s_stack"]


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_elements_the_pass_before_wrote_are_read_again(target):
    """A Thomas solve reads `cp[i - 1]` and `dp[i - 1]` (an ascending loop
    writing at `i` alone) and `x[i + 1]` (a descending one): elements
    earlier passes wrote that no later write changes.  The reverse sweep
    reads them from the arrays again, and `m`, computed from them, is
    computed again: nothing is saved."""
    rng = np.random.default_rng(5)
    args = (rng.uniform(-1, 1, 7), rng.uniform(3, 4, 7), rng.uniform(-1, 1, 7),
            rng.uniform(-1, 1, 7))
    df = sg.grad(thomas_solve, wrt=(0, 1, 2, 3), target=target)
    assert_gradient(df, thomas_solve, args, wrt=(0, 1, 2, 3))
    assert appends(df.source) == []


def behind_rewritten(x, w):
    """Each pass also writes the element behind it (`y[i - 1]`), so the
    element read is changed after the read."""
    n = x.shape[0]
    y = np.ones(n)
    for i in range(1, n):
        t = y[i - 1]
        y[i] = x[i] + w * np.tanh(t)
        y[i - 1] = t * 0.5
    return np.sum(y * y)


def behind_swept_twice(x, w):
    """The sweep runs again in an outer loop: the next sweep writes the
    element read."""
    n = x.shape[0]
    y = np.ones(n)
    for _ in range(2):
        for i in range(1, n):
            y[i] = x[i] + w * np.tanh(y[i - 1])
    return np.sum(y * y)


def behind_written_after(x, w):
    """A loop after the sweep writes into the array again."""
    n = x.shape[0]
    y = np.ones(n)
    for i in range(1, n):
        y[i] = x[i] + w * np.tanh(y[i - 1])
    for i in range(n):
        y[i] = y[i] * w
    return np.sum(y * y)


def behind_but_ahead(x, w):
    """A descending loop reading `y[i - 1]`: the element the next pass writes."""
    n = x.shape[0]
    y = np.ones(n)
    for i in range(n - 1, 0, -1):
        y[i] = x[i] + w * np.tanh(y[i - 1])
    return np.sum(y * y)


@pytest.mark.parametrize("fn", [behind_from_zero, behind_rewritten, behind_swept_twice,
                                behind_written_after, behind_but_ahead])
@pytest.mark.parametrize("target", ["python", "cpu"])
def test_elements_behind_a_later_write_changes_are_saved(fn, target):
    """Negative controls of the rule above: an index that wraps to the last
    element, a pass that writes behind itself too, the sweep run again, a
    write after the loop, a loop running towards the element.  The element
    read is saved (or the writes undone) and the gradient stays right."""
    args = (np.random.default_rng(6).uniform(-1, 1, 6), 0.4)
    df = sg.grad(fn, wrt=(0, 1), target=target)
    assert_gradient(df, fn, args, wrt=(0, 1))
    assert appends(df.source)


@pytest.mark.parametrize("fn, make", [
    (causal_window, lambda r: (r.uniform(-1, 1, 6), 0.4)),
])
@pytest.mark.parametrize("target", ["python", "cpu"])
def test_elements_later_passes_write_are_saved(fn, make, target):
    """Where the inner loop's index may name an element a later pass writes
    (`range(i - 2, i)`, negative at the start: the last elements), the
    elements are saved or the writes undone."""
    args = make(np.random.default_rng(4))
    wrt = tuple(range(len(args)))
    df = sg.grad(fn, wrt=wrt, target=target)
    assert_gradient(df, fn, args, wrt=wrt)
    assert set(appends(df.source)) - {"s_stack"}


@pytest.mark.parametrize("fn, make, wrt, read", [
    (ahead_of_the_sweep, lambda r: (r.uniform(-1, 1, (5, 5)), r.uniform(-1, 1, 5)), (0, 1),
     "x_before[j]"),
    (trmm, lambda r: (0.7, np.tril(r.uniform(-1, 1, (5, 5))), r.uniform(-1, 1, (5, 4))),
     (0, 1, 2), "B_before[k, j]"),
    (triangular_in_place, lambda r: (np.triu(r.uniform(-1, 1, (5, 5))), r.uniform(-1, 1, 5),
                                     0.8), (0, 1, 2), "x_before[j]"),
    (nonlinear_gauss_seidel, lambda r: (r.uniform(-1, 1, (5, 5)), 0.3, 2), (0, 1),
     "a_before[i + 1, j]"),
])
@pytest.mark.parametrize("target", ["python", "cpu"])
def test_elements_later_passes_write_are_read_from_a_copy(fn, make, wrt, read, target):
    """Elements that only later passes of an ascending loop write (`x[j]`,
    `j in range(i + 1, n)`; `a[i + 1, j]`) hold, when read, what they held
    before the loop: they are read from a copy made there (one array per run
    of the loop, where their reads were saved one by one), and the
    gradient stays right (`adjoint/snapshots.py`)."""
    args = make(np.random.default_rng(12))
    df = sg.grad(fn, wrt=wrt, target=target)
    assert_gradient(df, fn, args, wrt=wrt)
    array = read.split("_before")[0]
    assert f"{array}_before = np.copy({array})" in df.source
    assert read in df.source


def writes_ahead(x):
    """Each pass writes the element after its own: `x[j]`, j > i, is not
    left alone by the passes before."""
    n = x.shape[0]
    t = x * 1.0
    s = 0.0
    for i in range(n - 1):
        for j in range(i + 1, n):
            s += np.sin(t[j]) * t[i]
        t[i + 1] = t[i + 1] * 0.5 + t[i]
    return s


def rows_read_whole(A, w):
    """A row read whole, `r = B[k]`, from rows later passes write: a view of
    the copy, read in its pass only."""
    m = A.shape[0]
    B = A.copy()
    for i in range(m):
        for k in range(i + 1, m):
            r = B[k]
            B[i] = B[i] + w * np.sin(r)
    return np.sum(B * B)


def set_in_a_branch(x):
    """`ip = i + 1` only where a test holds: elsewhere `ip` is an earlier
    pass's, an element that pass may have written."""
    n = x.shape[0]
    t = x * 1.0
    s = 0.0
    ip = 0
    for i in range(n - 1):
        if t[i] > 0.0:
            ip = i + 1
        for j in range(2):
            s += np.sin(t[ip]) * x[j]
        t[i] = t[i] * 0.5 + 0.1
    return s


def from_the_end(x):
    """A loop that counts down, reading the elements below its own."""
    n = x.shape[0]
    t = x * 1.0
    s = 0.0
    for i in range(n - 1, -1, -1):
        for j in range(i):
            s += np.sin(t[j]) * t[i]
        t[i] = t[i] * 0.5
    return s


@pytest.mark.parametrize("fn, make, wrt, copies", [
    (seidel_2d, lambda r: (r.uniform(-1, 1, (5, 5)), 2), 0, False),
    (writes_ahead, lambda r: (r.uniform(-1, 1, 6),), 0, False),
    (rows_read_whole, lambda r: (r.uniform(-1, 1, (4, 3)), 0.6), (0, 1), True),
    (from_the_end, lambda r: (r.uniform(-1, 1, 6),), 0, False),
    # two tests that fail in a row: at i = 2, `ip` is 1, an element pass 1 wrote
    (set_in_a_branch, lambda r: (np.array([0.5, -0.4, -0.3, 0.2, -0.6, -0.1]),), 0, False),
])
@pytest.mark.parametrize("target", ["python", "cpu"])
def test_copies_only_where_they_hold_the_values(fn, make, wrt, copies, target):
    """No copy where the reverse sweep reads no element (PolyBench's
    seidel-2d, a linear sweep),
    where an earlier pass may have written the element (`t[i + 1]`; `ip`
    set to `i + 1` in a branch, an earlier pass's where the test fails), or
    under a loop that counts down; a row read whole is one of the copy's; the
    gradients right."""
    args = make(np.random.default_rng(13))
    df = sg.grad(fn, wrt=wrt, target=target)
    assert_gradient(df, fn, args, wrt=wrt)
    assert ("_before = np.copy(" in df.source) == copies


def test_copies_differentiated_again():
    """A gradient that reads a copy, differentiated again: hvp and grad of
    grad against differences of the gradient."""
    args = (np.random.default_rng(14).uniform(-1, 1, (4, 4)), np.linspace(0.2, 0.8, 4))
    first = sg.grad(ahead_of_the_sweep, wrt=0, target="cpu")
    first(*args)
    assert "x_before = np.copy(x)" in first.source
    v = RNG.uniform(-1, 1, args[0].shape)
    eps = 1e-5
    expected = (first(args[0] + eps * v, args[1]) - first(args[0] - eps * v, args[1])) / (2 * eps)
    np.testing.assert_allclose(sg.hvp(ahead_of_the_sweep, wrt=0, target="cpu")(*args, v),
                               expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(sg.grad(first, wrt=0, target="cpu")(*args, grad_ys=v), expected,
                               rtol=1e-5, atol=1e-7)


def test_minimum_of_numbers_splits_numbers():
    """The share of two numbers' minimum is a number: the minimum's
    cotangent goes into the elements as it is, no `unbroadcast` to their
    shape (`greater_share` on python, `order_share` on cpu)."""
    args = (np.random.default_rng(15).uniform(1.0, 10.0, (5, 5)),)
    for target, share in (("cpu", "order_share("), ("python", "greater_share(")):
        df = sg.grad(floyd_warshall, target=target)
        assert_gradient(df, floyd_warshall, args)
        assert share in df.source and "unbroadcast(" not in df.source, df.source


@pytest.mark.parametrize("fn, make, unsaved", [
    (floyd_warshall, lambda r: (r.uniform(0.1, 1.0, (5, 5)),), "d"),
    (max_drawdown, lambda r: (np.array([1.0, 0.8, 1.1, 0.7, 1.3, 0.9, 1.2])
                              + r.uniform(-0.02, 0.02, 7),), "worst"),
], ids=lambda v: getattr(v, "__name__", None) if callable(v) else None)
def test_a_maximum_of_numbers_saves_its_decision_in_a_byte(fn, make, unsaved):
    """`d[i, j] = min(d[i, j], d[i, k] + d[k, j])` in place and `worst =
    max(worst, drop)` in a loop overwrite what the rule of `min` and `max`
    compared: on cpu the comparison is made once, kept in a byte
    (`order`, a stack of int8) and read by the reverse sweep instead of the
    operands, which are then neither saved nor restored (no stack of `d`'s
    old elements, none of `worst`); against central differences, and run
    as plain Python (the stack's room)."""
    args = make(np.random.default_rng(8))
    df = sg.grad(fn, wrt=(0,), target="cpu")
    assert_gradient(df, fn, args, wrt=(0,))
    stacks = appends(df.source)
    assert f"{unsaved}_order_stack" in stacks and f"{unsaved}_order_stack = np.empty(0, np.int8)" \
        in df.source, df.source
    assert not [s for s in stacks if s in (f"{unsaved}_old", f"{unsaved}_stack")], stacks
    assert "greater_share(" not in df.source and ("max_by(" in df.source or "min_by(" in df.source)
    for a, b in zip(run_as_python(df, args), df(*args)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def flagged_maxima(x):
    """`max` and `min` of a bool and a float (a bool counts as 0 or 1)."""
    s = 0.0
    for i in range(x.shape[0]):
        s += max(x[i] > 0.5, 0.3 * x[i]) + min(True, x[i] * x[i])
    return s


@pytest.mark.parametrize("target", ["cpu", "python"])
def test_a_maximum_of_a_bool_and_a_float(target):
    """The byte of a comparison of a bool with a float, compiled (the bool
    as 0 or 1, as the builtins compare them); against central differences,
    away from the kinks."""
    x = np.array([-0.8, 0.2, 0.7, 1.4, 2.9, 4.2, -1.6, 0.9])
    df = sg.grad(flagged_maxima, wrt=(0,), target=target)
    assert_gradient(df, flagged_maxima, (x,), wrt=(0,))
    assert ("order(" in df.source) == (target == "cpu")


def wraps_around(x):
    n = x.shape[0]
    t = np.zeros(n)
    s = 0.0
    for i in range(-1, n):  # i = -1 and i = n - 1 are one element
        t[i] = t[i] + x[i] * x[i]
        s += np.sin(t[i])
    return s


def mirrored_writes(x):
    n = x.shape[0]
    t = x * 1.0
    s = 0.0
    for i in range(n):  # pass n - 1 - i writes the element pass i reads
        t[n - 1 - i] = t[n - 1 - i] * 0.5 + x[i]
        s += np.sin(t[i])
    return s


def rewritten_in_the_pass(x):
    t = np.zeros(x.shape[0])
    s = 0.0
    for i in range(x.shape[0]):
        t[i] = x[i] * 2.0
        s += np.sin(t[i])
        t[i] = t[i] * x[i]
        s += np.cos(t[i])
    return s


def summed_again_each_sweep(A, x):
    m, n = A.shape
    tmp = np.zeros(m)
    s = 0.0
    for _ in range(2):
        for i in range(m):
            for j in range(n):
                tmp[i] += A[i, j] * x[j]
            s += np.sin(tmp[i])
    return s


@pytest.mark.parametrize("fn, make", [
    (wraps_around, lambda r: (r.uniform(-1, 1, 6),)),
    (mirrored_writes, lambda r: (r.uniform(-1, 1, 6),)),
    (rewritten_in_the_pass, lambda r: (r.uniform(-1, 1, 6),)),
    (summed_again_each_sweep, lambda r: (r.uniform(-1, 1, (4, 5)), r.uniform(-1, 1, 5))),
])
@pytest.mark.parametrize("target", ["python", "cpu"])
def test_elements_a_later_write_changes_are_saved(fn, make, target):
    """Where a later write may change the element read (a negative index
    naming an element another pass names too, a later pass writing it at
    another index, a second
    write in the same pass, the loop run again), the element is saved or
    the writes undone as before."""
    args = make(np.random.default_rng(3))
    wrt = tuple(range(len(args)))
    df = sg.grad(fn, wrt=wrt, target=target)
    assert_gradient(df, fn, args, wrt=wrt)
    assert appends(df.source)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_heat_copies_only_the_grid(target):
    df = sg.grad(heat_explicit, wrt=(0, 1), target=target)
    # one copy per step, no element (and the grid at checkpoints: test_checkpoints.py)
    assert sorted(s for s in appends(df.source) if not s.endswith("_checkpoints")) == \
        ["un_stack", "un_stack"] if target == "cpu" else ["un_stack"]
    # the loops over the grid zero their own element of the cotangent: forwards;
    # only the loop over the steps counts down
    assert descending_loops(df.source) == 1
    assert_gradient(df, heat_explicit, (RNG.uniform(-1, 1, (6, 5)), 0.1, 3), wrt=(0, 1))


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_branch_values_recomputed(target):
    df = sg.grad(increments_by_sign, target=target)
    assert appends(df.source) == []
    x = np.cumsum(RNG.choice([-1.0, 1.0], 8) * RNG.uniform(0.3, 1.5, 8))
    assert_gradient(df, increments_by_sign, (x,))


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_no_shapes_of_unread_scalars(target):
    wrt = (0, 1, 2, 3, 4, 5)
    df = sg.grad(biquad_filter, wrt=wrt, target=target)
    if target == "cpu":  # plain Python keeps them: a scalar's type may change there
        assert "push_shape" not in df.source and "pop_shape" not in df.source
    assert_gradient(df, biquad_filter, (RNG.uniform(-1, 1, 12), 0.2, 0.3, 0.2, -0.5, 0.2), wrt=wrt)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_updates_pass_cotangents_through(target):
    wrt = (0, 1, 2)
    df = sg.grad(bicg_loops, wrt=wrt, target=target)
    assert "= 0.0" not in df.source  # no element's cotangent zeroed and added back
    args = (RNG.uniform(-1, 1, (3, 4)), RNG.uniform(-1, 1, 4), RNG.uniform(-1, 1, 3))
    assert_gradient(df, bicg_loops, args, wrt=wrt)


def pair_energy(pos):
    e = 0.0
    for i in range(pos.shape[0]):
        for j in range(i + 1, pos.shape[0]):
            d = pos[i] - pos[j]
            e += 1.0 / math.sqrt(np.sum(d * d))
    return e


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_shape_only_arguments_not_computed(target):
    df = sg.grad(pair_energy, target=target)
    if target == "cpu":  # typed: `g` is a float, so the product broadcasts it
        assert "sum_grad" not in df.source  # `sum_grad(g, d * d) * d` is `g * d`
    pos = np.array([[0.0, 0.0, 0.0], [1.1, 0.1, 0.0], [0.2, 1.3, 0.1], [1.0, 1.0, 1.2]])
    assert_gradient(df, pair_energy, (pos,))


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_row_updates(target):
    df = sg.grad(row_energy, wrt=0, target=target)
    assert ("add_into(bX, i, brow)" in df.source) == (target == "cpu")
    X, w = RNG.uniform(-1, 1, (4, 3)), RNG.uniform(-1, 1, 3)
    assert_gradient(df, row_energy, (X, w), wrt=0)
    # differentiated again: `add_into` read back as `bX[i] += brow`
    hvp = sg.hvp(row_energy, wrt=0, target=target)
    v = RNG.uniform(-1, 1, (4, 3))
    eps = 1e-6
    first = sg.grad(row_energy, wrt=0, target="python")
    expected = (first(X + eps * v, w) - first(X - eps * v, w)) / (2 * eps)
    np.testing.assert_allclose(hvp(X, w, v), expected, rtol=1e-6, atol=1e-8)


def tap_delay(x, taps):
    """An FIR filter over a signal's samples, by element, into a new array."""
    y = np.zeros(x.shape[0])
    for i in range(2, x.shape[0]):
        y[i] = taps[0] * x[i] + taps[1] * x[i - 1] + taps[2] * x[i - 2]
    return np.sum(y * y)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_elements_of_arrays_of_known_rank(target):
    generic = sg.grad(recurrence, wrt=(0, 1), target=target).source  # before any call:
    assert "copy_value(by[i])" in generic  # for arguments of any rank
    df = sg.grad(recurrence, wrt=(0, 1), target=target)
    assert_gradient(df, recurrence, (RNG.uniform(-1, 1, 9), 0.7), wrt=(0, 1))
    known = df.source  # called with a vector: its elements are numbers
    for helper in ("copy_value", "new_cotangent", "push_shape", "add_into", "unbroadcast"):
        assert helper not in known, helper
    assert "bx[i] += " in known or "bx[i] = " in known  # (its one update: a store on cpu)
    # a matrix there: generated again, for any rank, and right
    assert_gradient(df, recurrence, (RNG.uniform(-1, 1, (5, 3)), 0.7), wrt=(0, 1))
    assert "copy_value(by[i])" in df.source
    # an array the function makes with np.zeros(n) has one axis too
    dt = sg.grad(tap_delay, wrt=(0, 1), target=target)
    assert_gradient(dt, tap_delay, (RNG.uniform(-1, 1, 8), RNG.uniform(-1, 1, 3)), wrt=(0, 1))
    assert "copy_value" not in dt.source and "new_cotangent" not in dt.source


# --- stacks of numbers as arrays (cpu) -----------------------------------------------------


def nested_horner(c, x):
    """Horner's rule at many points: the inner loop's trips are the same in every pass."""
    out = np.empty(x.shape[0])
    for i in range(x.shape[0]):
        y = c[0]
        for k in range(1, c.shape[0]):
            y = y * x[i] + c[k]
        out[i] = y
    return np.sum(out * out)


def triangular_recurrence(x, w):
    """The inner loop's trips depend on the outer loop's variable."""
    total = 0.0
    for i in range(x.shape[0]):
        s = 0.0
        for j in range(i):
            s = math.tanh(s * w + x[j])
        total += s * x[i]
    return total


def strided_clipped_walk(x, lo):
    """A comparison saved per pass (a bool), over a strided range."""
    s = 0.0
    for i in range(x.shape[0] - 1, -1, -2):
        if s > lo:
            s = s * 0.9 + x[i]
        else:
            s = lo + x[i] * x[i]
    return s * s


def newton_steps(x, a):
    y = x
    k = 0
    while k < 5:
        y = y - (y * y - a) / (2 * y)
        k += 1
    return y


def top_level_lines(source: str) -> list[str]:
    body = source.split("def ", 1)[1].splitlines()[1:]
    return [line.strip() for line in body if line.startswith("    ") and line[4] != " "]


def run_as_python(df, args):
    """The compiled function's own source, run by the Python interpreter:
    NumPy raises IndexError at any store past a stack's room."""
    from srcgrad.backend.compile import load_module
    generated = df._generated
    module = load_module(generated.source, "as_python", generated.injected)
    return getattr(module, generated.name)(*args)


STACKED = [
    (nested_horner, lambda: (RNG.uniform(-1, 1, 6), RNG.uniform(-1, 1, 9))),
    (triangular_recurrence, lambda: (RNG.uniform(-1, 1, 7), 0.8)),
    (strided_clipped_walk, lambda: (RNG.uniform(-1, 1, 9), 0.1)),
]


@pytest.mark.parametrize("fn, make", STACKED, ids=[f.__name__ for f, _ in STACKED])
def test_array_stacks(fn, make):
    args = make()
    df = sg.grad(fn, wrt=(0, 1), target="cpu")
    assert_gradient(df, fn, args, wrt=(0, 1))
    source = df.source
    assert ".append(" not in source and ".pop()" not in source
    assert "reserve(" in source
    assert_gradient(lambda *a: run_as_python(df, a), fn, args, wrt=(0, 1))
    # every stack holds all its loop pushes: the same gradient run on more data
    assert_gradient(df, fn, tuple(np.concatenate([a, a]) if isinstance(a, np.ndarray) else a
                                  for a in args), wrt=(0, 1))


def test_room_for_one_pass_where_each_pass_pops_what_it_pushes():
    """softmax_xent's rows are computed again just before their reverse
    (`optimize/passes.py`): each pass pops what it pushed, so room is made
    for one row's values (its comparisons, its exps), not all the rows'."""
    logits = RNG.standard_normal((7, 5))
    labels = RNG.integers(0, 5, 7)
    df = sg.grad(softmax_xent, target="cpu")
    assert_gradient(df, softmax_xent, (logits, labels))
    reserves = [line.strip() for line in df.source.splitlines() if "reserve(" in line]
    assert len(reserves) == 2 and not any("max(n, 0) *" in line for line in reserves), reserves
    assert_gradient(lambda *a: run_as_python(df, a)[0], softmax_xent, (logits, labels))


def _counts_down_to_zero(loop: ast.For) -> bool:
    """`for v in range(a, c, -s)` with a constant `c >= -1`: never negative."""
    call = loop.iter
    if not (isinstance(call, ast.Call) and len(call.args) == 3):
        return False
    step, stop = (ast.literal_eval(a) if _constant(a) else None for a in call.args[1:])
    return step is not None and step < 0 and stop is not None and stop >= -1


def _constant(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True


def test_indices_counted_down_and_stack_tops_are_said_nonnegative():
    """On cpu, a loop counting down to 0 that indexes with its variable says
    first that the variable is not negative, and so does every load and
    store of a stack at its top (`optimize/indices.py`): LLVM, which cannot
    prove it there, then addresses the elements directly and vectorises the
    loop with plain vector loads and stores, not with gathers and scatters
    that wrap each negative index around."""
    args = (RNG.uniform(-1, 1, 40), RNG.uniform(-1, 1, 40), 1.3, 0.05, 30)
    df = sg.grad(spring_chain_leapfrog, wrt=(0, 1, 2, 3), target="cpu")
    assert_gradient(df, spring_chain_leapfrog, args, wrt=(0, 1, 2, 3))
    tree = ast.parse(df.source)
    down = [loop for loop in ast.walk(tree) if isinstance(loop, ast.For)
            and isinstance(loop.target, ast.Name) and _counts_down_to_zero(loop)
            and any(isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Name)
                    and n.slice.id == loop.target.id for n in ast.walk(loop))]
    assert down
    for loop in down:
        var = loop.target.id
        assert ast.unparse(loop.body[0]) == f"{var} = nonneg_index({var})", ast.unparse(loop)
    tops = [n for n in ast.walk(tree) if isinstance(n, ast.Subscript)
            and "_top" in ast.unparse(n.slice)]
    assert tops and all(ast.unparse(n.slice).startswith("nonneg_index(") for n in tops), \
        [ast.unparse(n) for n in tops]
    # compiled by Numba as it is: no element gathered or scattered
    import numba

    from srcgrad.backend.compile import load_module
    generated = df._generated
    module = load_module(generated.source, "as_njit", generated.injected)
    compiled = numba.njit(getattr(module, generated.name))
    np.testing.assert_allclose(compiled(*args)[0], df(*args)[0])
    llvm = "".join(compiled.inspect_llvm().values())
    assert "llvm.masked.gather" not in llvm and "llvm.masked.scatter" not in llvm
    # run as Python, where a negative index said not to be one raises
    assert_gradient(lambda *a: run_as_python(df, a), spring_chain_leapfrog, args,
                    wrt=(0, 1, 2, 3))
    with pytest.raises(AssertionError):
        sg.runtime.nonneg_index(-1)


@pytest.mark.parametrize("fn, make, wrt, below", [
    (softened_gravity_energy,
     lambda: (RNG.uniform(-1, 1, (6, 3)), RNG.uniform(0.5, 1.5, 6), 0.1), (0, 1, 2), "-1.5"),
    (inverse_square_pairs,
     lambda: (np.cumsum(RNG.uniform(0.3, 1.0, 6)), RNG.uniform(-1, 1, 6)), (0, 1), "-3"),
], ids=["non-integer", "integer"])
def test_a_power_below_a_power_at_hand_is_a_quotient(fn, make, wrt, below):
    """On cpu, the reverse sweep's `r2 ** -1.5` (the derivative of `r2 **
    -0.5`, whose value it computes again for the masses' derivatives) is
    that value over `abs(r2)` (over `d` for an integer power): one call of
    `pow` per pair in the reverse sweep, not two (`optimize/powers.py`)."""
    args = make()
    df = sg.grad(fn, wrt=wrt, target="cpu")
    assert_gradient(df, fn, args, wrt=wrt)
    reverse = [line for line in df.source.split("# grad of", 1)[1].splitlines()
               if not line.strip().startswith("#")]
    assert not any(f"** ({below})" in line or f"** {below}" in line for line in reverse), \
        df.source
    assert sum(line.count(" ** ") for line in reverse) == 1, df.source


@pytest.mark.parametrize("c", [-0.5, -1.5, -2.0, -3.0])
def test_the_quotient_is_the_power_everywhere(c):
    """`x ** c / x` (integer c) and `x ** c / abs(x)` (other c) against
    `x ** (c - 1)` at zeros of both signs, infinities, nan and negative
    numbers, in NumPy's float64."""
    xs = np.array([-0.0, 0.0, 2.5, 1e-300, np.inf, -np.inf, np.nan, -3.0, -1e-3])
    with np.errstate(all="ignore"):
        y = xs ** c
        got = y / xs if float(c).is_integer() else y / np.abs(xs)
        want = xs ** (c - 1)
    np.testing.assert_allclose(got, want, rtol=4e-16, atol=0)
    numbers = ~np.isnan(want)  # (a nan's sign bit means nothing)
    assert np.array_equal(np.signbit(got[numbers]), np.signbit(want[numbers]))


def test_room_made_where_the_trips_are_known():
    df = sg.grad(nested_horner, wrt=(0, 1), target="cpu")
    df(*STACKED[0][1]())
    reserves = [line for line in df.source.splitlines() if "reserve(" in line]
    assert len(reserves) == 1 and reserves[0] in [f"    {line}" for line in
                                                  top_level_lines(df.source)]
    dt = sg.grad(triangular_recurrence, wrt=(0, 1), target="cpu")
    dt(*STACKED[1][1]())
    # the inner trips change with each pass: room before each run of the inner
    # loop (the outer pass's own push of `s`, which its reverse popped straight
    # back, is gone: `passes._without_meeting_pairs`)
    assert not any("reserve(" in line for line in top_level_lines(dt.source))
    assert sum("reserve(" in line for line in dt.source.splitlines()) == 1
    dw = sg.grad(strided_clipped_walk, wrt=(0, 1), target="cpu")
    dw(*STACKED[2][1]())
    assert "np.bool_" in dw.source


def test_while_bodies_keep_lists():
    df = sg.grad(newton_steps, wrt=(0, 1), target="cpu")
    assert_gradient(df, newton_steps, (2.0, 3.0), wrt=(0, 1))
    assert ".append(" in df.source and "reserve(" not in df.source


def test_float32_keeps_its_dtype():
    c, x = (a.astype(np.float32) for a in STACKED[0][1]())
    got = sg.grad(nested_horner, wrt=(0, 1), target="cpu")(c, x)
    assert [g.dtype for g in got] == [np.float32, np.float32]
    assert_gradient(lambda *_: got, nested_horner, (c, x), wrt=(0, 1), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("fn, make, k", [(*STACKED[0], 1), (*STACKED[1], 0)],
                         ids=[f.__name__ for f, _ in STACKED[:2]])
def test_array_stacks_differentiated_again(fn, make, k):
    """Second derivatives read the list form: hvp (forward over reverse) and
    grad of grad, against differences of the gradient."""
    args = make()
    first = sg.grad(fn, wrt=k, target="cpu")
    first(*args)
    assert "reserve(" in first.source
    v = RNG.uniform(-1, 1, args[k].shape)
    eps = 1e-5

    def moved(step):
        return tuple(a + step * v if j == k else a for j, a in enumerate(args))

    expected = (first(*moved(eps)) - first(*moved(-eps))) / (2 * eps)
    np.testing.assert_allclose(sg.hvp(fn, wrt=k, target="cpu")(*args, v), expected,
                               rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(sg.grad(first, wrt=k, target="cpu")(*args, grad_ys=v), expected,
                               rtol=1e-5, atol=1e-7)


# --- elements kept in variables across a loop (cpu) ---------------------------------------


def pair_sums(x, w):
    """Each x[i] meets every w[k]: the inner loop adds into bx[i] in every pass."""
    total = 0.0
    for i in range(x.shape[0]):
        for k in range(w.shape[0]):
            total += math.sin(x[i] * w[k])
    return total


def pair_sums_crossed(x, w):
    """The inner loop also reads x at the moving index: bx is touched at two."""
    total = 0.0
    for i in range(x.shape[0]):
        for k in range(x.shape[0]):
            total += math.sin(x[i] * w[k] + x[k])
    return total


def element_updates(source: str, array: str) -> list[int]:
    """The indentation depth of each `array[...] +=` line."""
    return [(len(line) - len(line.lstrip())) // 4 for line in source.splitlines()
            if line.lstrip().startswith(f"{array}[") and " += " in line]


def test_element_kept_in_a_variable():
    args = (RNG.uniform(-1, 1, 5), RNG.uniform(-1, 1, 4))
    df = sg.grad(pair_sums, wrt=(0, 1), target="cpu")
    assert_gradient(df, pair_sums, args, wrt=(0, 1))
    assert element_updates(df.source, "bx") == []  # bx_i += ... in the loop
    assert "bx_i = bx[i]" in df.source and "bx[i] = bx_i" in df.source
    assert len(element_updates(df.source, "bw")) == 1  # its index moves with k
    assert_gradient(lambda *a: run_as_python(df, a), pair_sums, args, wrt=(0, 1))


def test_element_kept_in_a_variable_but_in_the_pass_that_meets_it():
    """On cpu, an element added into in every pass, which the loop's other
    accesses of the array reach only in the pass where the loop's variable
    equals one expression (`bx[k]` is `bx[i]` where `k == i`; `bd[i, j]` and
    `bd[k, j]` are `bd[i, k]` where `j == k`), is kept in a variable in the
    passes before and after that one, which runs as it was
    (`keep_elements_around_one_pass`); where the loop's bounds keep its
    variable off that value (`range(i + 1, n)`), in all of them."""
    x, w = RNG.uniform(-1, 1, 5), RNG.uniform(-1, 1, 5)
    crossed = sg.grad(pair_sums_crossed, wrt=(0, 1), target="cpu")
    assert_gradient(crossed, pair_sums_crossed, (x, w), wrt=(0, 1))
    assert_gradient(lambda *a: run_as_python(crossed, a), pair_sums_crossed, (x, w), wrt=(0, 1))
    source = crossed.source
    assert source.count("bx_i = bx[i]") == 2 and source.count("bx[i] = bx_i") == 2, source
    assert "k_meets = " in source and "k = i" in source
    assert len(element_updates(source, "bx")) == 4  # bx[k] in each of 3 parts, bx[i] in one
    d = RNG.uniform(0.1, 1.0, (6, 6))
    paths = sg.grad(shortest_paths_through_pivots, wrt=(0,), target="cpu")
    assert_gradient(paths, shortest_paths_through_pivots, (d,), wrt=(0,))
    assert_gradient(lambda *a: run_as_python(paths, a), shortest_paths_through_pivots, (d,),
                    wrt=(0,))
    assert paths.source.count("bd_i_k = bd[i, k]") == 2 and "j_meets = " in paths.source
    assert "j_stop = max(k, -1)" in paths.source
    # the stop max(k, -1) is known to be -1 or more: the loop above it says j >= 0
    assert paths.source.count("j = nonneg_index(j)") == 2
    pairs = sg.grad(softened_gravity_energy, wrt=(0, 1), target="cpu")
    assert_gradient(pairs, softened_gravity_energy,
                    (RNG.uniform(-1, 1, (5, 3)), RNG.uniform(0.5, 1.5, 5), 0.1), wrt=(0, 1))
    assert "_meets" not in pairs.source and "bmass_i = bmass[i]" in pairs.source


def pair_weights(w, x):
    """The weight rows' cotangents: constant indices, one variable each."""
    total = 0.0
    for i in range(x.shape[0]):
        total += w[0] * x[i] + w[1] * x[i] * x[i] + w[2] * math.sin(x[i])
    return total


def test_elements_at_literal_indices_kept_in_variables():
    args = (RNG.uniform(-1, 1, 3), RNG.uniform(-1, 1, 7))
    df = sg.grad(pair_weights, wrt=(0, 1), target="cpu")
    assert_gradient(df, pair_weights, args, wrt=(0, 1))
    assert element_updates(df.source, "bw") == []


# --- guards checked once before a loop (cpu) ------------------------------------------------


def halve_after_a_row(x, n):
    y = x * 1.0
    a = y[0]  # a row of y where y is a matrix (then the writes below change it), else a number
    for j in range(n):
        y[j + 1] = y[j] * 0.5
    return np.sum(a * y)


def test_loop_guards_checked_once():
    df = sg.grad(halve_after_a_row, target="cpu")
    x = RNG.uniform(-1, 1, 5)
    assert_gradient(df, halve_after_a_row, (x, 3))
    assert "refuse_shared(" not in df.source  # `a` is a number: it shares nothing
    rows = sg.grad(halve_after_a_row, target="cpu")
    with pytest.raises(sg.SrcGradError, match="shares its memory"):
        rows(RNG.uniform(-1, 1, (4, 2)), 2)
    lines = rows.source.splitlines()  # generated for a matrix: `a` is a row
    guard = next(k for k, line in enumerate(lines) if "refuse_shared(" in line)
    loop = next(k for k, line in enumerate(lines) if line.strip().startswith("for j in"))
    assert guard < loop  # before the loop, not in every pass
    # a loop that does not run writes nothing: nothing refused
    # sum over rows i of a . y[i], a = y[0]: by hand, d/dx[i] = a + (i == 0) * sum_i y[i]
    got = sg.grad(halve_after_a_row, target="cpu")(np.ones((4, 2)), 0)
    np.testing.assert_allclose(got, [[5.0, 5.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]])


# --- one update per element and pass (cpu) ---------------------------------------------------


def weighted_cubes(w, x):
    s = 0.0
    for i in range(x.shape[0]):
        s += w[i] * x[i] * x[i] * x[i]
    return s


def test_one_update_per_element():
    args = (RNG.uniform(-1, 1, 6), RNG.uniform(-1, 1, 6))
    df = sg.grad(weighted_cubes, wrt=(0, 1), target="cpu")
    assert_gradient(df, weighted_cubes, args, wrt=(0, 1))
    # one update each (was one per factor x[i]), a store: the element's first
    for name in ("bx", "bw"):
        updates = [line for line in df.source.splitlines()
                   if line.lstrip().startswith(f"{name}[") and (" += " in line or " = " in line)]
        assert len(updates) == 1, updates
    assert_gradient(lambda *a: run_as_python(df, a), weighted_cubes, args, wrt=(0, 1))


def upwind(u, c, steps):
    """First-order upwind advection: `un[i, j]` read in both differences."""
    n, m = u.shape
    u = u.copy()
    for _ in range(steps):
        un = u.copy()
        for i in range(1, n):
            for j in range(1, m):
                u[i, j] = (un[i, j] - c * (un[i, j] - un[i - 1, j])
                           - c * (un[i, j] - un[i, j - 1]))
    return np.sum(u * u)


@pytest.mark.parametrize("fn, make", [
    (heat_explicit, lambda r: (r.uniform(-1, 1, (6, 5)), 0.1, 3)),
    (upwind, lambda r: (r.uniform(-1, 1, (5, 6)), 0.3, 2)),
])
def test_one_update_per_element_across_other_elements_updates(fn, make):
    """A stencil's cotangents: the updates of `bun[i, j]` merge across the
    updates of its neighbours between them (additions commute), one per
    element of the stencil."""
    args = make(RNG)
    df = sg.grad(fn, wrt=(0, 1), target="cpu")
    assert_gradient(df, fn, args, wrt=(0, 1))
    lines = [line.strip() for line in df.source.splitlines() if line.strip().startswith("bun[")]
    targets = [line.split(" += ")[0] for line in lines]
    assert len(targets) == len(set(targets)) == (5 if fn is heat_explicit else 3)


def masked_steps(x, n):
    """A mask (a bool array) overwritten in a loop: saved, and not as a number."""
    y = x * 1.0
    for _ in range(n):
        m = y > 0.1
        y = np.where(m, y * 0.5, y + 0.2)
    return np.sum(y * y)


def test_masks_are_not_numbers():
    df = sg.grad(masked_steps, target="cpu")
    assert_gradient(df, masked_steps, (RNG.uniform(-1, 1, 6), 3))


def two_cells(x):
    """Two cells of one array, each written in every pass: their cotangents,
    kept in a variable each, are zeroed each by its own store."""
    y = np.ones(2)
    for i in range(x.shape[0]):
        y[0] = y[0] * x[i] + 0.1
        y[1] = y[0] - y[1] * x[i]
    return y[0] + 2.0 * y[1]


def test_cells_at_literal_indices_keep_their_own_stores():
    df = sg.grad(two_cells, target="cpu")
    x = RNG.uniform(-1, 1, 5)
    assert_gradient(df, two_cells, (x,))
    second = sg.grad(df, target="cpu")
    v = RNG.uniform(-1, 1, 5)
    eps = 1e-5
    want = (np.dot(df(x + eps * v), np.ones(5)) - np.dot(df(x - eps * v), np.ones(5))) / (2 * eps)
    assert np.dot(second(x), v) == pytest.approx(want, rel=1e-5, abs=1e-7)


# --- the cotangent of a row view added straight into its base's (cpu) -------------------------


def _row_distance(p, q):
    s = 0.0
    for k in range(p.shape[0]):
        d = p[k] - q[k]
        s += d * d
    return math.sqrt(s)


def pair_potential(pos, sigma):
    """A pair loop calling a helper on two rows (Lennard-Jones style)."""
    e = 0.0
    for i in range(pos.shape[0]):
        for j in range(i + 1, pos.shape[0]):
            sr = sigma / _row_distance(pos[i], pos[j])
            e += sr ** 6 - sr ** 3
    return e


def _row_dot(p, q):
    s = 0.0
    for k in range(p.shape[0]):
        s += p[k] * q[k]
    return s


def all_pairs_with_self(x, w):
    """Every pair, a row with itself included (the two views overlap when i == j)."""
    total = 0.0
    for i in range(x.shape[0]):
        for j in range(x.shape[0]):
            total += w[i] * math.tanh(_row_dot(x[i], x[j]))
    return total


def nearest_centre(X, C):
    """k-means cost: each point's least squared distance to a centre, through a helper."""
    total = 0.0
    for i in range(X.shape[0]):
        best = _row_distance(X[i], C[0]) ** 2
        for c in range(1, C.shape[0]):
            d = _row_distance(X[i], C[c]) ** 2
            if d < best:
                best = d
        total += best
    return total


def _slab_energy(block):
    s = 0.0
    for a in range(block.shape[0]):
        for b in range(block.shape[1]):
            s += math.sin(block[a, b]) * block[a, b]
    return s


def slabs_and_slices(x):
    """Views of a 3-D array (a 2-D slab each) and of a slice of rows."""
    e = 0.0
    for t in range(x.shape[0]):
        e += _slab_energy(x[t]) + _slab_energy(x[t, 1:3])
    return e


VIEW_CASES = [
    (pair_potential, lambda: (RNG.uniform(-1, 1, (6, 3)) + np.arange(6.0)[:, None], 0.9),
     (0, 1), "bpos"),
    (all_pairs_with_self, lambda: (RNG.uniform(-1, 1, (5, 3)), RNG.uniform(-1, 1, 5)),
     (0, 1), "bx"),
    (nearest_centre, lambda: (RNG.uniform(-1, 1, (8, 2)), RNG.uniform(-1, 1, (3, 2))),
     (0, 1), "bC"),
    (slabs_and_slices, lambda: (RNG.uniform(-1, 1, (3, 4, 5)),), (0,), "bx"),
]


@pytest.mark.parametrize("fn, make, wrt, base", VIEW_CASES, ids=[c[0].__name__ for c in VIEW_CASES])
def test_view_cotangents_go_into_the_base(fn, make, wrt, base):
    """No cotangent array made per call of the helper: it is a view of the
    base's cotangent, added into element by element, no `add_into` of it."""
    args = make()
    df = sg.grad(fn, wrt=wrt, target="cpu")
    assert_gradient(df, fn, args, wrt=wrt)
    source = df.source
    assert f"= {base}[" in source, source
    assert "zeros_like(_t" not in source and f"add_into({base}," not in source, source
    assert_gradient(lambda *a: run_as_python(df, a), fn, args, wrt=wrt)
    # a derivative of higher order differentiates the form without views
    k = wrt[0]
    v = RNG.uniform(-1, 1, np.shape(args[k]))
    first = sg.grad(fn, wrt=k, target="cpu")
    eps = 1e-5

    def moved(step):
        return tuple(a + step * v if j == k else a for j, a in enumerate(args))

    expected = (first(*moved(eps)) - first(*moved(-eps))) / (2 * eps)
    np.testing.assert_allclose(sg.grad(first, wrt=k, target="cpu")(*args, grad_ys=v), expected,
                               rtol=1e-5, atol=1e-6)


def row_read_after_its_update(x):
    """The row's cotangent flows on to another use of the row (`p` is read
    again after the helper): the views still only add."""
    e = 0.0
    for i in range(x.shape[0]):
        p = x[i]
        e += _row_dot(p, p) * p[0]
    return e


def test_view_cotangents_against_differences_python_and_cpu():
    args = (RNG.uniform(-1, 1, (4, 3)),)
    for target in ("python", "cpu"):
        assert_gradient(sg.grad(row_read_after_its_update, target=target),
                        row_read_after_its_update, args)


def _row_times_corner(p, a):
    s = 0.0
    for k in range(p.shape[0]):
        s += p[k] * a[0, 0]
    return s


def row_with_its_corner(x):
    """The helper reads the row and the whole array: its loop adds into the
    row's view and into `bx[0, 0]`, the same element when i == 0."""
    total = 0.0
    for i in range(x.shape[0]):
        total += _row_times_corner(x[i], x)
    return total


def test_an_element_a_view_adds_into_is_not_kept_in_a_variable():
    args = (RNG.uniform(-1, 1, (3, 4)),)
    df = sg.grad(row_with_its_corner, target="cpu")
    assert_gradient(df, row_with_its_corner, args)
    assert_gradient(lambda *a: run_as_python(df, a)[0], row_with_its_corner, args)


def chain_forces(x, beta, steps):
    """Boundary terms by conditional expressions, the same names in two
    loops (a chain of anharmonic springs, as an FPU-beta integrator writes
    it): the reverse sweep recomputes `left` and `right` from `x`, restored,
    instead of saving them."""
    n = x.shape[0]
    x = x.copy()
    f = np.zeros(n)
    for i in range(n):
        left = x[i] - x[i - 1] if i > 0 else x[i]
        right = x[i + 1] - x[i] if i < n - 1 else -x[i]
        f[i] = right - left + beta * (right ** 3 - left ** 3)
    for _ in range(steps):
        for i in range(n):
            x[i] += 0.01 * f[i]
        for i in range(n):
            left = x[i] - x[i - 1] if i > 0 else x[i]
            right = x[i + 1] - x[i] if i < n - 1 else -x[i]
            f[i] = right - left + beta * (right ** 3 - left ** 3)
    return np.sum(f * f)


def clipped_by_if(x, lo):
    """A variable assigned in both branches of an if/else the user wrote,
    read by the rule of a later operation (`t * t`)."""
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] > lo:
            t = x[i] - lo
        else:
            t = 0.5 * (x[i] - lo)
        s += t * t * x[i]
    return s


def join_then_overwrite(x):
    """The array a join reads is written after the join and before the
    product that reads the join's value: not recomputed (it would read the
    new element), saved."""
    y = x.copy()
    s = 0.0
    for i in range(y.shape[0]):
        t = y[i] * 2.0 if i % 2 == 0 else y[i] + 1.0
        y[i] = y[i] * 3.0
        s += t * t * y[i]
    return s


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_joins_of_branches_recomputed(target):
    df = sg.grad(chain_forces, wrt=(0, 1), target=target)
    assert not any(name.startswith(("left", "right")) for name in appends(df.source))
    assert " if cond_" in df.source  # the join, one conditional expression
    assert_gradient(df, chain_forces, (RNG.uniform(-0.5, 0.5, 7), 0.3, 3), wrt=(0, 1))
    dc = sg.grad(clipped_by_if, wrt=(0, 1), target=target)
    assert not any(name.startswith("t") for name in appends(dc.source))
    assert_gradient(dc, clipped_by_if, (RNG.uniform(-1, 1, 8), 0.1), wrt=(0, 1))


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_joins_not_recomputed_after_a_write(target):
    df = sg.grad(join_then_overwrite, target=target)
    assert_gradient(df, join_then_overwrite, (RNG.uniform(-1, 1, 6),))


def test_joins_differentiated_again():
    # the adjoint's conditional expressions, read by a second derivative
    x = RNG.uniform(-1, 1, 5)
    hessian = sg.hessian(clipped_by_if, target="cpu")(x, 0.1)
    grad = sg.grad(clipped_by_if, target="python")
    eye, eps = np.eye(5), 1e-6
    by_differences = np.array([(grad(x + eps * e, 0.1) - grad(x - eps * e, 0.1)) / (2 * eps)
                               for e in eye])
    np.testing.assert_allclose(hessian, by_differences, atol=1e-7)


def test_sizes_unpacked_from_a_shape_are_integers():
    # PolyBench atax (bench/kernels.py), sizes unpacked by `m, n = A.shape`:
    # `tmp = np.zeros(m)` is known to be 1-D, so `tmp[i]` is a number, never
    # copied (and, each pass writing its own element, read again rather than saved)
    args = (RNG.uniform(-1, 1, (4, 5)), RNG.uniform(-1, 1, 5))
    df = sg.grad(atax, wrt=(0, 1), target="cpu")
    assert_gradient(df, atax, args, wrt=(0, 1))
    assert "copy_value" not in df.source and ".append(" not in df.source
    assert "bA[i, j] += b_t13 * tmp[i]" in df.source


def stage_made_each_step(x, steps):
    """A stage array made anew in each step and filled element by element
    (an integrator's `k1 = np.empty_like(y)`): the next step's writes go
    into another array, so the reverse sweep, which reads each step's stage,
    restores none of its elements."""
    y = x.copy()
    for _ in range(steps):
        d = np.empty_like(y)
        for i in range(y.shape[0]):
            d[i] = x[i] * y[i]
        y = y + 0.1 * d * d
    return np.sum(y)


def stage_reused_each_step(x, steps):
    """The same with one array for every step: each step's writes overwrite
    what the reverse sweep of the step before reads, so they are undone."""
    y = x.copy()
    d = np.empty_like(y)
    for _ in range(steps):
        for i in range(y.shape[0]):
            d[i] = x[i] * y[i]
        y = y + 0.1 * d * d
    return np.sum(y)


def stage_written_again_through_an_alias(x, steps):
    """A new array each step, but a later step writes into the one before
    through another name: undone."""
    y = x.copy()
    last = np.zeros_like(x)
    for _ in range(steps):
        last[0] = 0.5 * y[0]
        d = np.empty_like(y)
        for i in range(y.shape[0]):
            d[i] = x[i] * y[i]
        y = y + 0.1 * d * d + last
        last = d
    return np.sum(y)


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_arrays_made_each_pass_keep_no_old_elements(target):
    args = (RNG.uniform(0.1, 0.9, 6), 3)
    df = sg.grad(stage_made_each_step, target=target)
    assert not [name for name in appends(df.source) if name.endswith("_old")]
    assert_gradient(df, stage_made_each_step, args)
    for fn in (stage_reused_each_step, stage_written_again_through_an_alias):
        df = sg.grad(fn, target=target)
        assert [name for name in appends(df.source) if name.endswith("_old")], fn.__name__
        assert_gradient(df, fn, args)


def nearest_cost(points, centroids):
    """k-means' cost with the nearest centroid found by a branch: `nearest =
    distance` of two numbers, which the aliasing guard of arrays checks."""
    total = 0.0
    for i in range(points.shape[0]):
        nearest = math.inf
        for j in range(centroids.shape[0]):
            distance = 0.0
            for d in range(points.shape[1]):
                diff = points[i, d] - centroids[j, d]
                distance += diff * diff
            if distance < nearest:
                nearest = distance
        total += nearest
    return total


def test_guards_of_numbers_dropped():
    args = (RNG.uniform(-1, 1, (7, 3)), RNG.uniform(-1, 1, (3, 3)))
    df = sg.grad(nearest_cost, wrt=1, target="cpu")
    assert "refuse_shared" in sg.grad(nearest_cost, wrt=1, target="python").source
    assert_gradient(df, nearest_cost, args, wrt=1)
    assert "refuse_shared" not in df.source


# --- neighbours' cotangents carried from pass to pass (cpu) ----------------------------------


def chain_energy(x, k):
    """Fixed-end chain: the neighbours exist only inside (`if i > 0`)."""
    n = x.shape[0]
    e = 0.0
    for i in range(n):
        left = x[i] - x[i - 1] if i > 0 else x[i]
        right = x[i + 1] - x[i] if i < n - 1 else -x[i]
        e += k * (right ** 4 - left ** 2) + np.sin(x[i])
    return e


def periodic_differences(x):
    """`x[i - 1]` at i = 0 is the last element, as Python indexes."""
    s = 0.0
    for i in range(x.shape[0]):
        s += (x[i] - x[i - 1]) ** 2 * np.cos(x[i])
    return s


def smoothed_recurrence(x, c):
    """A recurrence through `y`: its reverse loop runs down."""
    n = x.shape[0]
    y = np.zeros(n)
    for i in range(1, n - 1):
        y[i] = y[i - 1] * c + x[i - 1] - 2.0 * x[i] + np.sin(x[i + 1])
    return np.sum(y ** 2)


CARRIED = [
    (jacobi_1d, lambda r: (r.uniform(-1, 1, 7), 3), (0,)),  # bench's PolyBench jacobi-1d
    (chain_energy, lambda r: (r.uniform(-1, 1, 6), 0.3), (0, 1)),
    (periodic_differences, lambda r: (r.uniform(-1, 1, 6),), (0,)),
    (smoothed_recurrence, lambda r: (r.uniform(-1, 1, 7), 0.6), (0, 1)),
    (heat_explicit, lambda r: (r.uniform(-1, 1, (6, 5)), 0.1, 3), (0, 1)),
]


@pytest.mark.parametrize("fn, make, wrt", CARRIED, ids=[c[0].__name__ for c in CARRIED])
def test_neighbours_cotangents_carried(fn, make, wrt):
    """Each element's additions summed in a variable and stored once: in the
    loop, one store into the array per pass (the element no later pass adds
    into), the rest after the loop.  Against central differences, and run
    as plain Python, where NumPy checks every index stored into."""
    args = make(np.random.default_rng(11))
    df = sg.grad(fn, wrt=wrt, target="cpu")
    assert_gradient(df, fn, args, wrt=wrt)
    assert "_i_sum = 0.0" in df.source or "_i_j_sum = 0.0" in df.source
    tree = ast.parse(df.source)
    for loop in (n for n in ast.walk(tree) if isinstance(n, ast.For)):
        inner = [n for n in ast.walk(loop) if isinstance(n, ast.For) and n is not loop]
        sums = [n for n in ast.walk(loop) if isinstance(n, ast.Name) and n.id.endswith("_sum")]
        if inner or not sums:
            continue
        stores = [n for n in ast.walk(loop) if isinstance(n, ast.AugAssign)
                  and isinstance(n.target, ast.Subscript)
                  and isinstance(n.value, ast.Name) and n.value.id.endswith("_sum")]
        resets = [n for n in loop.body if isinstance(n, ast.Assign)
                  and isinstance(n.targets[0], ast.Name) and n.targets[0].id.endswith("_sum")
                  and isinstance(n.value, ast.Constant)]
        # one group of neighbours; the register of the element no pass added
        # into before is reset, unless the pass's one addition assigns it
        assert len(stores) == 1 and len(resets) <= 1, ast.unparse(loop)
    got = run_as_python(df, args)
    for a, b in zip(got if isinstance(got, tuple) else (got,),
                    (lambda g: g if isinstance(g, tuple) else (g,))(df(*args))):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# --- independent passes computed again in the reverse (cpu) ----------------------------------


def horner_points(c, x):
    """Horner's rule at every point: the passes over `i` share nothing."""
    n = x.shape[0]
    out = np.empty(n)
    for i in range(n):
        y = c[0]
        for k in range(1, c.shape[0]):
            y = y * x[i] + c[k]
        out[i] = y
    return np.sum(np.sin(out))


def inverse_sixth_pairs(pos, sigma):
    n = pos.shape[0]
    e = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            r = _row_distance(pos[i], pos[j])
            e += (sigma / r) ** 6
    return e


def horner_then_overwrite(c, x):
    """The points are changed after the loop: a pass computed again in the
    reverse would read the new ones."""
    xs = x.copy()
    n = xs.shape[0]
    out = np.empty(n)
    for i in range(n):
        y = c[0]
        for k in range(1, c.shape[0]):
            y = y * xs[i] + c[k]
        out[i] = y
    xs[0] = 2.0 * out[1]
    return np.sum(out * xs)


def running_horner(c, x):
    """Each pass starts from the last pass's value: passes depend on each other."""
    n = x.shape[0]
    out = np.empty(n)
    y = 0.0
    for i in range(n):
        y = y * 0.5 + c[0]
        for k in range(1, c.shape[0]):
            y = y * x[i] + c[k]
        out[i] = y
    return np.sum(out * out)


def _pushes_by_loop(source: str) -> list[int]:
    """For each top-level `for` loop of the generated function, how many
    stores onto a stack it holds."""
    fn = ast.parse(source).body[-1]
    return [sum(1 for n in ast.walk(stmt) if isinstance(n, ast.Assign)
                and at_top(n.targets[0]))
            for stmt in fn.body if isinstance(stmt, ast.For)]


@pytest.mark.parametrize("fn, make, loops", [
    (horner_points, lambda r: (r.uniform(-1, 1, 5), r.uniform(-1, 1, 7)), 2),
    (inverse_sixth_pairs, lambda r: (r.uniform(-1, 1, (5, 3)), 0.3), 1),
])
def test_independent_passes_computed_again(fn, make, loops):
    """The forward loop pushes nothing (the pair loop, which then writes
    nothing, is gone: its reverse computes all it did); its reverse computes
    each pass again and pushes there."""
    args = make(np.random.default_rng(12))
    wrt = tuple(range(len(args)))
    df = sg.grad(fn, wrt=wrt, target="cpu")
    assert_gradient(df, fn, args, wrt=wrt)
    pushes = _pushes_by_loop(df.source)
    assert len(pushes) == loops and pushes[-1] > 0 and sum(pushes[:-1]) == 0, df.source
    got, want = run_as_python(df, args), df(*args)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fn", [horner_then_overwrite, running_horner])
def test_passes_that_depend_keep_their_stacks(fn):
    """Where a pass reads what changes after its loop, or what the pass
    before computed, the forward loop still saves its values."""
    rng = np.random.default_rng(13)
    args = (rng.uniform(-1, 1, 4), rng.uniform(-1, 1, 6))
    df = sg.grad(fn, wrt=(0, 1), target="cpu")
    assert_gradient(df, fn, args, wrt=(0, 1))
    assert _pushes_by_loop(df.source)[0] > 0


# --- the reverse sweep's sums in any order (cpu) ---------------------------------------------


def scaled_product(alpha, A, B):
    """gemm's inner loop: the reverse sums into `balpha` and `bA[i, k]`."""
    n, m = A.shape
    p = B.shape[1]
    C = np.zeros((n, p))
    for i in range(n):
        for k in range(m):
            for j in range(p):
                C[i, j] += alpha * A[i, k] * B[k, j]
    return np.sum(C * C)


def compensated_sum(x):
    """Kahan's sum: its order of operations is the point."""
    s = 0.0
    c = 0.0
    for i in range(x.shape[0]):
        y = x[i] * x[i] - c
        t = s + y
        c = (t - s) - y
        s = t
    return s


def test_reverse_sums_in_any_order_forward_sums_in_order():
    rng = np.random.default_rng(14)
    args = (0.7, rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (4, 5)))
    df = sg.grad(scaled_product, wrt=(0, 1, 2), target="cpu")
    assert_gradient(df, scaled_product, args, wrt=(0, 1, 2))
    assert "balpha = accumulate(balpha, " in df.source
    assert "bA_i_k = accumulate(bA_i_k, " in df.source
    x = np.array([1.5, -0.3, 2.0, 1e-3, 3.0])
    dc = sg.grad(compensated_sum, target="cpu")
    assert_gradient(dc, compensated_sum, (x,))
    np.testing.assert_allclose(dc(x), 2 * x, rtol=1e-15)
    forward = dc.source.split("# grad of")[0]
    assert "accumulate" not in forward and "t = s + y" in forward
    value, _ = sg.value_and_grad(compensated_sum, target="cpu")(x)
    assert value == compensated_sum(x)  # the function's own order, bit for bit


# --- a matrix's cotangent from a matrix-vector product, added in place (cpu) -----------------


def elman_rnn(xs, h0, W, U):
    """An Elman network run over a sequence: `W @ x` and `U @ h` each step."""
    h = h0.copy()
    for t in range(xs.shape[0]):
        h = np.tanh(W @ xs[t] + U @ h)
    return np.sum(h * h)


def row_vector_steps(x0, W, steps):
    """`x @ W`, a row vector times a matrix, repeated."""
    x = x0.copy()
    for _ in range(steps):
        x = np.sin(x @ W)
    return np.sum(x)


def broadcast_product(W, x, c):
    """A 1 x m matrix times a vector, the 1-element result broadcast against
    c: its cotangent has c's length, not the product's."""
    total = 0.0
    for k in range(3):
        total += np.sum(np.sin((W @ x) * k + c))
    return total


PRODUCT_CASES = [
    (elman_rnn, lambda r: (r.uniform(-1, 1, (5, 3)), r.uniform(-1, 1, 4), r.uniform(-1, 1, (4, 3)),
                           r.uniform(-0.5, 0.5, (4, 4))), (0, 1, 2, 3), "add_dot_grad_left("),
    (row_vector_steps, lambda r: (r.uniform(-1, 1, 4), r.uniform(-1, 1, (4, 4)), 3), (0, 1),
     "add_dot_grad_right("),
    (broadcast_product, lambda r: (r.uniform(-1, 1, (1, 3)), r.uniform(-1, 1, 3),
                                   r.uniform(-1, 1, 5)), (0, 1, 2), "add_dot_grad_left("),
]


@pytest.mark.parametrize("fn, make, wrt, helper", PRODUCT_CASES,
                         ids=[c[0].__name__ for c in PRODUCT_CASES])
def test_outer_products_added_in_place(fn, make, wrt, helper):
    """`bW += dot_grad_left(g, W, x)` is `add_dot_grad_left(bW, g, W, x)`: the
    outer product added into `bW` element by element, no matrix made for it.
    Against central differences, run as plain Python (the helper's `+=`
    form), and differentiated again (which reads the `+=` form).  The last
    case's cotangent is longer than the product (a broadcast): the helper
    sums it as `dot_grad_left` does."""
    args = make(np.random.default_rng(12))
    df = sg.grad(fn, wrt=wrt, target="cpu")
    assert_gradient(df, fn, args, wrt=wrt)
    assert helper in df.source and "+= dot_grad_" not in df.source.replace(
        "+= dot_grad_right(b", "")  # (a vector's cotangent stays `+=`)
    for a, b in zip(run_as_python(df, args), df(*args)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_outer_products_in_place_differentiated_again():
    """The Hessian-vector product of the RNN's loss in `W`, against central
    differences of its gradient."""
    rng = np.random.default_rng(13)
    xs, h0, W, U = (rng.uniform(-1, 1, (4, 3)), rng.uniform(-1, 1, 4), rng.uniform(-1, 1, (4, 3)),
                    rng.uniform(-0.5, 0.5, (4, 4)))
    v = rng.uniform(-1, 1, W.shape)
    hvp = sg.hvp(elman_rnn, wrt=2, target="cpu")(xs, h0, W, U, v)
    dW = sg.grad(elman_rnn, wrt=2, target="cpu")
    eps = 1e-6
    want = (dW(xs, h0, W + eps * v, U) - dW(xs, h0, W - eps * v, U)) / (2 * eps)
    np.testing.assert_allclose(hvp, want, rtol=1e-5, atol=1e-7)


# --- the one update of each element of a new zero cotangent, as a store (cpu) ---------------


def weighted_rows(A, B, x):
    """gesummv's shape: each element of A and B read once, in a row sum."""
    n = x.shape[0]
    y = np.zeros(n)
    for i in range(n):
        t = 0.0
        for j in range(n):
            t += A[i, j] * x[j] + np.sin(B[i, j]) * x[j]
        y[i] = t
    return np.sum(y * y)


def row_and_corner(A, x):
    """Each row's first element read again after the row's loop: its
    cotangent gets two updates, the later read's first in the reverse sweep."""
    total = 0.0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            total += np.sin(A[i, j] * x[j])
        total += A[i, 0] ** 3
    return total


def read_every_step(A, x):
    """The loop nest run again by an outer loop."""
    total = 0.0
    for _ in range(2):
        for i in range(A.shape[0]):
            for j in range(A.shape[1]):
                total += np.sin(A[i, j] * x[j])
    return total


def read_twice(A, x):
    """Two reads of each element in one pass: their updates are first made one
    (`one_update_per_element`), then a store."""
    total = 0.0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            total += A[i, j] * x[j] + A[i, j] ** 2
    return total


def read_from_minus_one(A, x):
    """A loop from -1: A[-1] and A[n - 1] are one row."""
    total = 0.0
    for i in range(-1, A.shape[0]):
        for j in range(A.shape[1]):
            total += np.sin(A[i, j] * x[j])
    return total


def _matrix_and_vector(r):
    return r.uniform(-1, 1, (4, 3)), r.uniform(-1, 1, 3)


@pytest.mark.parametrize("fn, make, stored", [
    (weighted_rows, lambda r: (r.uniform(-1, 1, (4, 4)), r.uniform(-1, 1, (4, 4)),
                               r.uniform(-1, 1, 4)), ("bA", "bB")),
    (read_twice, _matrix_and_vector, ("bA",)),
    (row_and_corner, _matrix_and_vector, ()),
    (read_every_step, _matrix_and_vector, ()),
    (read_from_minus_one, _matrix_and_vector, ()),
], ids=lambda v: getattr(v, "__name__", None) if callable(v) else None)
def test_first_updates_of_new_zero_cotangents_are_stores(fn, make, stored):
    """`bA[i, j] += e`, the only update of each element of a new `zeros_like`,
    is `bA[i, j] = e`; the negative controls (elements updated more than
    once: a corner read again after its row, the nest run again by an outer
    loop; a loop from -1, whose A[-1] is A[n - 1]) keep `+=`.
    Against central differences and run as plain Python."""
    args = make(np.random.default_rng(14))
    wrt = tuple(range(len(args)))
    df = sg.grad(fn, wrt=wrt, target="cpu")
    assert_gradient(df, fn, args, wrt=wrt)
    for name in ("bA", "bB"):
        if f"{name} = zeros_like" not in df.source:
            continue
        assert (f"{name}[i, j] = " in df.source) == (name in stored), df.source
        assert (f"{name}[i, j] += " in df.source) == (name not in stored), df.source
    for a, b in zip(run_as_python(df, args), df(*args)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def scale_then_multiply(alpha, beta, C0, A, B):
    """PolyBench's gemm as written there: each element scaled in place, then
    the products added into it."""
    C = C0.copy()
    for i in range(C.shape[0]):
        for j in range(C.shape[1]):
            C[i, j] *= beta
        for k in range(A.shape[1]):
            for j in range(C.shape[1]):
                C[i, j] += alpha * A[i, k] * B[k, j]
    return np.sum(C * C)


@pytest.mark.parametrize("fn, make, folded", [
    (scale_then_multiply, lambda r: (0.7, 1.3, r.uniform(-1, 1, (3, 4)),
                                     r.uniform(-1, 1, (3, 2)), r.uniform(-1, 1, (2, 4))), True),
    (floyd_warshall, lambda r: (r.uniform(0.5, 2.0, (4, 4)),), False),
], ids=lambda v: getattr(v, "__name__", None) if callable(v) else None)
def test_an_update_of_an_element_just_zeroed_is_a_store(fn, make, folded):
    """The reverse of `C[i, j] *= beta` zeroes `bC[i, j]` and adds its share
    back: one store of the share (`bC[i, j] = b * beta`, no zero); the
    negative control (Floyd-Warshall's min-plus update: `bd[k, j]`, maybe the
    same element, updated between the zero and the update) keeps both.  Against central differences and run
    as plain Python."""
    args = make(np.random.default_rng(21))
    wrt = tuple(k for k, a in enumerate(args) if isinstance(a, (float, np.ndarray)))
    df = sg.grad(fn, wrt=wrt, target="cpu")
    assert_gradient(df, fn, args, wrt=wrt)
    name = "bC" if fn is scale_then_multiply else "bd"
    zeroed = f"{name}[i, j] = 0.0" in df.source
    assert zeroed != folded, df.source
    if folded:
        assert f"{name}[i, j] = b" in df.source and f"{name}[i, j] +=" not in df.source, df.source
    for a, b in zip(run_as_python(df, args), df(*args)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# --- writes into a new array made after the one read: nothing undone ---------------------------


def _section(x, s):
    """One IIR section: a new output each call, written once per element."""
    n = x.shape[0]
    y = np.empty(n)
    z = 0.0
    for i in range(n):
        yi = s[0] * x[i] + z
        z = s[1] * x[i] - s[2] * yi
        y[i] = yi
    return y


def section_cascade(sos, x):
    """Sections one after the other, each reading the last one's output."""
    y = x.copy()
    for k in range(sos.shape[0]):
        y = _section(y, sos[k])
    return np.sum(y * y)


def rewritten_in_its_pass(x, w):
    """A new matrix each pass, read whole through its transpose, then
    written: the reverse sweep reads the transpose's elements as they were."""
    total = 0.0
    for _ in range(2):
        out = x * w
        view = out.T
        total += np.sum(np.sin(view) * view)
        for i in range(x.shape[0]):
            out[i, 0] = w * i
        total += np.sum(out)
    return total


@pytest.mark.parametrize("target", ["python", "cpu"])
def test_writes_into_an_array_made_after_the_one_read_are_not_undone(target):
    """Each section writes a new output (made at the top of its pass) while
    the reverse sweep reads the last one's: no write changes what it reads,
    and nothing is saved to undo them.  The negative control reads the new
    array through its transpose, then writes it: its writes are undone."""
    rng = np.random.default_rng(15)
    args = (rng.uniform(-0.5, 0.5, (3, 3)), rng.uniform(-1, 1, 8))
    df = sg.grad(section_cascade, wrt=(0, 1), target=target)
    assert_gradient(df, section_cascade, args, wrt=(0, 1))
    assert not [s for s in appends(df.source) if s.endswith("_old")]
    args = (rng.uniform(-1, 1, (4, 3)), 0.7)
    df = sg.grad(rewritten_in_its_pass, wrt=(0, 1), target=target)
    assert_gradient(df, rewritten_in_its_pass, args, wrt=(0, 1))
    assert appends(df.source)


# --- the zeroing of a cotangent element nothing reads again, dropped (cpu) --------------------


def pooled(img):
    """A 2 x 2 max pool: each output element written once."""
    h, w = img.shape
    out = np.empty((h // 2, w // 2))
    for i in range(h // 2):
        for j in range(w // 2):
            out[i, j] = max(img[2 * i, 2 * j], img[2 * i + 1, 2 * j], img[2 * i, 2 * j + 1],
                            img[2 * i + 1, 2 * j + 1])
    return np.sum(out * out)


def overwritten_after_a_read(x, w):
    """y's elements read, then each overwritten: the cotangent of the old
    elements, which the reads get, excludes what the new ones received."""
    y = x * w
    s = 0.0
    for i in range(x.shape[0]):
        s += y[i] * y[i]
    for i in range(x.shape[0]):
        y[i] = np.sin(x[i])
    return s + np.sum(y * x)


@pytest.mark.parametrize("fn, make, dropped", [
    (conv1d, lambda r: (r.uniform(-1, 1, 9), r.uniform(-1, 1, 3)), True),  # bench's kernel
    (pooled, lambda r: (r.uniform(-1, 1, (4, 6)),), True),
    (overwritten_after_a_read, lambda r: (r.uniform(-1, 1, 5), 0.6), False),
], ids=lambda v: getattr(v, "__name__", None) if callable(v) else None)
def test_zeroing_that_nothing_reads_is_dropped(fn, make, dropped):
    """The reverse of `y[i] = s` reads `by[i]` and zeroes it; where nothing
    reads `by` after (the output written once, read by the return), the zero
    changes nothing and is not written.  The negative control reads the old
    `y` before the loop overwrites it: its zeroes stay.  Against central
    differences and run as plain Python."""
    args = make(np.random.default_rng(16))
    wrt = tuple(range(len(args)))
    df = sg.grad(fn, wrt=wrt, target="cpu")
    assert_gradient(df, fn, args, wrt=wrt)
    zeroes = [line.strip() for line in df.source.splitlines()
              if line.strip().startswith(("by[", "bout[")) and line.strip().endswith("= 0.0")]
    assert (not zeroes) == dropped, df.source
    got = run_as_python(df, args)
    for a, b in zip(got if isinstance(got, tuple) else (got,),
                    (lambda g: g if isinstance(g, tuple) else (g,))(df(*args))):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_pushes_their_pops_meet_are_dropped():
    """softmax_xent's passes are computed again in the reverse sweep
    (`optimize/passes.py`): each pass pushed its row's maximum and sum at its
    end and popped them straight back at the start of its reverse, which
    changes nothing; both are dropped (the comparisons of the inner loop,
    popped in a later loop, stay, and so do the exps of the sum, saved for
    the reverse of the log rather than computed again)."""
    logits = RNG.standard_normal((7, 5))
    labels = RNG.integers(0, 5, 7)
    df = sg.grad(softmax_xent, target="cpu")
    assert_gradient(df, softmax_xent, (logits, labels))
    stacks = set(appends(df.source))
    assert not stacks & {"m_stack", "s_stack"} and len(stacks) == 2, stacks
    assert any(s.startswith("cond_") for s in stacks), stacks


def test_scatter_through_an_integer_element_is_an_update():
    """`row[labels[i]]`: the index is an element of an integer array, so the
    adjoint scattered through `add_at`; once the gradient knows `labels` is
    an integer array, it is one element: `brow[labels[i]] += ...`."""
    logits = RNG.standard_normal((6, 4))
    labels = np.array([0, 3, 3, 1, 2, 0])
    df = sg.grad(softmax_xent, target="cpu")
    assert_gradient(df, softmax_xent, (logits, labels))
    assert "add_at(" not in df.source and "brow[labels[i]] += " in df.source


# --- a costly number the forward sweep computes anyway is saved, not computed again (cpu) -------


def _calls(source: str, name: str) -> int:
    """How many calls of `name` (`exp`, `math.exp`, `np.exp`, or its formula in a
    loop, `exp_in_loop`: optimize/transcendentals.py) the source holds."""
    return sum(isinstance(n, ast.Call)
               and ast.unparse(n.func).split(".")[-1] in (name, f"{name}_in_loop")
               for n in ast.walk(ast.parse(source)))


@pytest.mark.parametrize("fn, make", [
    (log_sum_exp_loops, lambda r: (r.normal(size=9),)),
    (softmax_rows_loss, lambda r: (r.normal(size=(4, 5)), r.uniform(0.0, 0.4, (4, 5)))),
], ids=["math_exp", "np_exp_of_elements"])
def test_costly_numbers_computed_once(fn, make):
    args = make(np.random.default_rng(21))
    df = sg.grad(fn, target="cpu")
    assert_gradient(df, fn, args)
    assert _calls(df.source, "exp") == 1, df.source  # saved where it is computed, popped
    assert "_stack" in df.source, df.source


def test_costly_numbers_nothing_keeps_are_computed_in_the_reverse_alone():
    args = (np.random.default_rng(22).normal(size=8), 0.7)
    df = sg.grad(sum_of_exponentials, wrt=(0, 1), target="cpu")
    assert_gradient(df, sum_of_exponentials, args, wrt=(0, 1))
    forward, _ = df.source.split("# grad of", 1)
    assert "exp(" not in forward and _calls(df.source, "exp") == 1, df.source
    assert "_stack" not in df.source, df.source


def rows_per_loop(source: str, array: str) -> list[set[str]]:
    """For each innermost loop of `source`, the rows of `array` it adds
    into: each update's index but its last position."""
    rows = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.For) and not any(isinstance(n, (ast.For, ast.While))
                                                 for s in node.body for n in ast.walk(s)):
            spelt = {s.targets[0].id: ast.unparse(s.value) for s in node.body
                     if isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name)}
            written = {spelt.get(row, row) for row in (
                ast.unparse(s.target.slice.elts[0]) for s in node.body
                if isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Subscript)
                and isinstance(s.target.value, ast.Name) and s.target.value.id == array)}
            if written:
                rows.append(written)
    return rows


@pytest.mark.parametrize("fn, make, wrt, cotangent, rows", [
    (heat_explicit, lambda: (RNG.uniform(-1, 1, (6, 5)), 0.1, 3), (0, 1), "bun", 3),
    (upwind_transport, lambda: (RNG.uniform(-1, 1, (6, 5)), 0.3, 0.2, 3), (0, 1, 2), "bqn", 2),
    (nine_point_smoothing, lambda: (RNG.uniform(-1, 1, (6, 7)), 0.6, 2), (0, 1), "bb", 3),
])
def test_rows_of_a_stencil_added_into_by_loops_of_their_own(fn, make, wrt, cotangent, rows):
    """On cpu, the reverse of a stencil's loop over a row, which adds into
    the rows above and below of the copy's cotangent as well as its own, is
    cut into a loop per row (optimize/rows.py), and the sums into a number's
    cotangent into a loop of their own: each loop adds into one row (`i -
    1`, `i`, `i + 1`, the names the pass assigns spelt out)."""
    args = make()
    df = sg.grad(fn, wrt=wrt, target="cpu")
    assert_gradient(df, fn, args, wrt=wrt)
    assert_gradient(lambda *a: run_as_python(df, a), fn, args, wrt=wrt)
    loops = rows_per_loop(df.source, cotangent)
    assert len(loops) == rows and all(len(written) == 1 for written in loops), df.source
    sums = [node for node in ast.walk(ast.parse(df.source)) if isinstance(node, ast.For)
            and all(isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name)
                    for s in node.body)
            and any("accumulate(" in ast.unparse(s.value) for s in node.body)]
    assert sums, df.source  # the sums into the number's cotangent: a loop of their own
    python = sg.grad(fn, wrt=wrt, target="python")
    assert len(rows_per_loop(python.source, cotangent)) == 1  # (cpu only)


def computed_first(source: str) -> list[ast.For]:
    """The loops of `source` that only store `*_in_loop(...)` of their
    elements (optimize/transcendentals.py)."""
    return [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.For)
            and node.body and all(isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Subscript)
                                  and "_in_loop(" in ast.unparse(s.value) for s in node.body)]


@pytest.mark.parametrize("fn, make, wrt", [
    (log_sum_exp_loops, lambda: (RNG.permutation(9) * 0.3,), (0,)),
    (softmax_rows_loss, lambda: (RNG.uniform(-1, 1, (3, 5)), RNG.dirichlet(np.ones(5), 3)), (0,)),
])
def test_saved_exponentials_computed_first(fn, make, wrt):
    """On cpu, the exp of each element that a loop saves for the reverse
    sweep, of an argument the loop does not change, in a loop whose sum keeps
    its order, is computed before the loop by a loop of its own straight into
    the stack, by the formula LLVM vectorises (`exp_in_loop`), and the loop
    reads it back: nothing but those stores in the first loop, no call of
    the C library's exp left.  The python target keeps the calls."""
    args = make()
    df = sg.grad(fn, wrt=wrt, target="cpu")
    assert_gradient(df, fn, args, wrt=wrt)
    assert_gradient(lambda *a: run_as_python(df, a), fn, args, wrt=wrt)
    first = computed_first(df.source)
    assert len(first) == 1 and "_stack[nonneg_index(" in ast.unparse(first[0]), df.source
    assert not library_calls(df.source, "exp"), df.source
    python = sg.grad(fn, wrt=wrt, target="python")
    assert "_in_loop(" not in python.source


def library_calls(source: str, name: str) -> list[ast.Call]:
    """The calls of `math.name`, `np.name` or `name` in `source`."""
    return [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)
            and (isinstance(node.func, ast.Attribute) and node.func.attr == name
                 or isinstance(node.func, ast.Name) and node.func.id == name)]


@pytest.mark.parametrize("fn, make, wrt, name", [
    (tanh_features_energy, lambda: (RNG.uniform(-1, 1, 9), 0.8, -0.2), (0, 1, 2), "tanh"),
    (log_moments, lambda: (RNG.uniform(0.1, 1.0, 9), 1.5), (0, 1), "log"),
    (sum_of_exponentials, lambda: (RNG.uniform(-1, 1, 8), 0.7), (0, 1), "exp"),
])
def test_transcendentals_in_loops_that_vectorise(fn, make, wrt, name):
    """On cpu, tanh (log, exp) of a number in a loop that LLVM vectorises
    once they are arithmetic (each pass independent but for sums in any
    order, arrays written at the loop's index) is the formula
    (`tanh_in_loop`), not the C library's call."""
    args = make()
    df = sg.grad(fn, wrt=wrt, target="cpu")
    assert_gradient(df, fn, args, wrt=wrt)
    assert_gradient(lambda *a: run_as_python(df, a), fn, args, wrt=wrt)
    assert f"{name}_in_loop(" in df.source and not library_calls(df.source, name), df.source
    python = sg.grad(fn, wrt=wrt, target="python")
    assert "_in_loop(" not in python.source


def test_exponentials_of_carried_values_stay():
    """An exp whose argument the loop carries from pass to pass is neither
    computed ahead nor in a loop LLVM vectorises: it stays the C library's,
    and the gradient is right."""
    args = (RNG.uniform(-1, 1, 8), 0.3)
    df = sg.grad(discounted_exponentials, wrt=(0, 1), target="cpu")
    assert_gradient(df, discounted_exponentials, args, wrt=(0, 1))
    assert "_in_loop(" not in df.source and not computed_first(df.source), df.source
    assert library_calls(df.source, "exp"), df.source


def test_a_value_saved_once_outside_loops_is_a_variable():
    """The cosine of a rotation's angle, saved in the branch of a nonzero
    angle for that branch's reverse, and in no loop: pushed once and popped
    once, it is kept in a variable (or left where it is), not on a stack
    (an allocation, and its growth, for one number: optimize/stacks.py,
    `single_values`)."""
    args = (np.array([0.3, -0.2, 0.5, 0.1, 0.2, -0.3, 0.7, -1.2]), np.array([0.4, -0.3, 4.0]))
    df = sg.grad(rotated_projection, wrt=(0, 1), target="cpu")
    assert_gradient(df, rotated_projection, args, wrt=(0, 1))
    assert "_stack" not in df.source and "reserve(" not in df.source, df.source



def test_numbers_a_name_still_holds_are_not_computed_again():
    """The angle's square root, cosine and sine, made in the branch of a
    nonzero angle: the reverse of that branch (and the rules of cos and sin,
    which spell `math.cos(theta)` again) reads them from the names that hold
    them (optimize/reuse.py): each is computed once per call."""
    args = (np.array([0.3, -0.2, 0.5, 0.1, 0.2, -0.3, 0.7, -1.2]), np.array([0.4, -0.3, 4.0]))
    df = sg.grad(rotated_projection, wrt=(0, 1), target="cpu")
    assert_gradient(df, rotated_projection, args, wrt=(0, 1))
    code = [line for line in df.source.splitlines() if not line.lstrip().startswith("#")]
    for call in ("math.sqrt(", "math.cos(", "math.sin("):
        assert sum(line.count(call) for line in code) == 1, (call, df.source)
    python = sg.grad(rotated_projection, wrt=(0, 1), target="python")
    assert_gradient(python, rotated_projection, args, wrt=(0, 1))
