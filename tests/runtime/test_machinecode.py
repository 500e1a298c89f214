"""srcgrad's helpers are compiled once per machine (`srcgrad.runtime.machinecode`).

A second process that differentiates the same kind of code loads every
helper implementation of srcgrad's from Numba's disk cache: the only
functions it compiles are the new gradient itself and Numba's own.  (An
implementation that closes over a dispatcher would be compiled again there;
`pyproject.toml` makes `UncacheableWarning` an error in every test.)  A
change to any of srcgrad's sources drops the whole cache.  Implementations
one factory makes have names of their own, the same in every process (their
machine code's symbols: one name for two made two processes' caches run one
function for both).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
from numba.core import config

import srcgrad
from srcgrad.runtime import machinecode

# array code touching the runtime (seed, new cotangents, unbroadcast), reductions,
# vecmath, norms and the matrix products' cotangents
PROGRAM = textwrap.dedent("""
    import json, sys
    import numpy as np
    from numba.core import event
    import srcgrad as sg

    def loss(w, X, y):
        p = 1.0 / (1.0 + np.exp(-(X @ w)))
        r = np.tanh(X.T @ (y - p))
        return np.mean(np.log(p)) + np.sum(r * r) + np.linalg.norm(w) + np.max(np.sin(w))

    started = []

    class Listener(event.Listener):
        def on_start(self, ev):
            started.append(ev.data["dispatcher"])

        def on_end(self, ev):
            pass

    event.register("numba:compile", Listener())
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 3))
    g = sg.grad(loss)(rng.normal(size=3), X, rng.random(6))
    assert np.all(np.isfinite(g))
    # a dispatcher with no machine code only asked for a literal argument
    # (`numba.literally`) and was typed again with it: not a compilation
    compiled = [f"{d.py_func.__module__}:{d.py_func.__qualname__}:"
                f"{d.py_func.__code__.co_firstlineno}" for d in started if d.overloads]
    print(json.dumps(compiled))
""")


def _compiled_in_a_new_process(tmp_path) -> list[str]:
    tmp_path.mkdir()
    program = tmp_path / "program.py"  # srcgrad reads the function's source from its file
    program.write_text(PROGRAM)
    env = dict(os.environ, SRCGRAD_CACHE_DIR=str(tmp_path / "generated"))
    done = subprocess.run([sys.executable, str(program)], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_second_process_compiles_none_of_srcgrads_helpers(tmp_path):
    _compiled_in_a_new_process(tmp_path / "first")  # fills the cache, if it is not yet
    compiled = _compiled_in_a_new_process(tmp_path / "second")
    ours = [name for name in compiled if name.startswith("srcgrad.")]
    assert ours == [], ours
    assert any(":loss_grad:" in name for name in compiled)  # the new gradient is compiled


def test_a_changed_source_drops_the_cache(tmp_path):
    package = tmp_path / "package"
    (package / "__pycache__").mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n")
    cached = [package / "__pycache__" / "a.f-1.py312.nbi",
              package / "__pycache__" / "a.f-1.py312.1.nbc"]
    stamp = package / "__pycache__" / "numba-cache.stamp"
    for path in cached:
        path.write_bytes(b"machine code")
    machinecode._drop_stale(machinecode._sources_digest(package), package, stamp)  # no stamp yet: nothing says where the code is from
    assert not any(path.exists() for path in cached)
    for path in cached:
        path.write_bytes(b"machine code")
    machinecode._drop_stale(machinecode._sources_digest(package), package, stamp)  # the same sources: kept
    assert all(path.exists() for path in cached)
    (package / "a.py").write_text("x = 2\n")
    machinecode._drop_stale(machinecode._sources_digest(package), package, stamp)
    assert not any(path.exists() for path in cached)


def test_the_package_records_the_sources_of_its_cache():
    assert str(machinecode._PACKAGE) == os.path.dirname(srcgrad.__file__)
    stamp = machinecode._STAMP
    assert stamp.read_text() == machinecode.SOURCES_DIGEST == \
        machinecode._sources_digest(machinecode._PACKAGE) + " " + machinecode._optimisation()


def test_the_cache_is_keyed_by_the_optimisation_level(monkeypatch):
    """Numba's index does not record NUMBA_OPT: code compiled unoptimised (as
    the test suite compiles) is dropped, not loaded, by an optimised process."""
    levels = set()
    for level in (0, 1, 3, "max"):
        monkeypatch.setattr(config, "OPT", config._OptLevel(level))
        levels.add(machinecode._optimisation())
    assert len(levels) == 4


# --- names of the implementations a factory makes ----------------------------------------

NAMES = textwrap.dedent("""
    import json
    import numba
    from numba.core import types
    from numba.core.registry import cpu_target
    from srcgrad.runtime import cos, exp, log, sin, tanh

    helpers = (exp, log, tanh, sin, cos)
    numba.njit(lambda x: exp(x) + log(x) + tanh(x) + sin(x) + cos(x))(0.5)
    context = cpu_target.typing_context
    names = []
    for helper in helpers:
        kind = context.resolve_value_type(helper)
        names.append(kind.get_impl_key(kind.get_call_type(context, (types.float64,), {})).__qualname__)
    print(json.dumps(names))
""")


def test_a_factorys_implementations_have_names_of_their_own(tmp_path):
    """vecmath's five functions are implemented, for numbers, by one factory's
    `lambda x: numpy_fn(x)`.  Numba names machine code after the qualified
    name (and a per-process counter): with one name, a gradient calling `sin`
    and another calling `tanh`, compiled by two processes and loaded from the
    caches by a third, ran one symbol for both (the gradient of a function
    with `np.tanh` came out with `sin` in it).  Each now has a name of its own
    that names its function, the same in every process."""
    program = tmp_path / "names.py"
    program.write_text(NAMES)
    runs = [subprocess.run([sys.executable, str(program)], capture_output=True, text=True,
                           timeout=600) for _ in range(2)]
    assert all(run.returncode == 0 for run in runs), runs[0].stderr
    first, second = (json.loads(run.stdout.strip().splitlines()[-1]) for run in runs)
    assert first == second
    assert len(set(first)) == 5
    for name, function in zip(first, ["exp", "log", "tanh", "sin", "cos"]):
        assert f"vecmath_{function}_" in name, name


def test_closures_are_named_by_what_they_close_over():
    """Two closures of one factory that close over different values (a rank,
    a function) are named apart; made twice over the same, alike."""

    def factory(value):
        return lambda x: x + value

    made = [factory(1), factory(2), factory(1), factory(np.sin), factory(np.tanh)]
    for impl in made:
        machinecode._name_after(impl, factory)
    names = [impl.__qualname__ for impl in made]
    assert names[0] == names[2]
    assert len({names[0], names[1], names[3], names[4]}) == 4
    machinecode._name_after(made[0], factory)  # named once
    assert made[0].__qualname__ == names[0]


COMPREHENSION = textwrap.dedent("""
    from srcgrad.runtime import machinecode

    def factory(value):
        return lambda x: [x + value for _ in range(2)]

    impl = factory(1)
    machinecode._name_after(impl, factory)
    print(impl.__qualname__)
""")


def test_a_closure_with_a_comprehension_has_one_name_in_every_process(tmp_path):
    """A nested code object (a comprehension's) is named by its contents, not
    by its repr, whose address differs from process to process: else each
    process would name, compile and cache the helper anew."""
    program = tmp_path / "comprehension.py"
    program.write_text(COMPREHENSION)
    names = [subprocess.run([sys.executable, str(program)], capture_output=True, text=True,
                            timeout=120).stdout.strip() for _ in range(2)]
    assert names[0] and names[0] == names[1]
