"""What the derivatives of `higher.py` and `jvp.py` share: the `Derived`
function they return (its `.source` the generated code that differentiates),
checks of their `wrt`, and the loops over basis vectors that make a Hessian
or a Jacobian in one call from Python.

`_compiled_loop` writes the loop as a generated module around a generated
function (a gradient, or a tangent function) and compiles it like that
function: `(*args, shape, n, size) -> out[n, size]`, row i what the function
gives for the i-th basis vector shaped `shape` as its last argument.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from ..backend.compile import jit, load_module
from ..errors import SrcGradError
from .gradient import GradFunction
from .pickling import reduce_gradient, remake
from .source import GeneratedSource
from .tangent import TangentFunction

__all__ = ["Derived"]


def _signature(fn: Callable) -> inspect.Signature:
    """`fn`'s signature (a gradient function's: that of the function it differentiates)."""
    return fn._signature if isinstance(fn, GradFunction) else inspect.signature(fn)


def _position(fn: Callable, wrt: int | str) -> int:
    if isinstance(wrt, int):
        return wrt
    params = list(inspect.signature(fn).parameters)
    if wrt not in params:
        raise ValueError(f"wrt={wrt!r}: {getattr(fn, '__name__', fn)} has no parameter "
                         f"named so (a local variable has no Hessian or Jacobian here)")
    return params.index(wrt)


def _single(wrt, what: str) -> None:
    if not isinstance(wrt, (int, str)):
        raise TypeError(f"{what}() differentiates with respect to one parameter; got wrt={wrt!r}")


def _basis(shape: tuple[int, ...], k: int, dtype=np.float64):
    if shape == ():
        return dtype(1.0) if isinstance(dtype, type) else 1.0
    e = np.zeros(int(np.prod(shape)), dtype)
    e[k] = 1.0
    return e.reshape(shape)


def _as_float(args: tuple, k: int) -> tuple:
    """The arguments with the differentiated one as a float64 array (as the
    gradient function reads it)."""
    args = list(args)
    if np.result_type(args[k]).kind not in "f":
        args[k] = np.asarray(args[k], dtype=np.float64)
    return tuple(args)


def _plain(args: tuple) -> bool:
    """Arguments that are arrays and numbers (forward mode takes no containers yet)."""
    return all(isinstance(a, (np.ndarray, np.generic, int, float, bool)) for a in args)


_LOOP = """\
import numpy as np


def basis_loop({params}, shape, n, size):
    # entry i: what `function` gives ({what}, `size` elements) for the
    # i-th basis vector, shaped `shape`, as its last argument
    e = np.zeros(n)
    out = np.empty((n, size))
    for i in range(n):
        e[i] = 1.0
        part = function({params}, np.reshape(e, shape)){part}
        out[i, :] = np.ravel(np.asarray(part))
        e[i] = 0.0
    return out
"""


_LANES_LOOP = """\
import numpy as np


def lanes_loop({params}, shape, n, size):
    # entries i .. i+{last}: {what} along {lanes} basis vectors at once, each
    # shaped `shape`, from one sweep of `function` (vector forward mode; the
    # lanes past the n-th basis vector carry zeros)
    e = np.zeros(({lanes}, n))
    out = np.empty((n, size))
    for i in range(0, n, {lanes}):
        for j in range(min({lanes}, n - i)):
            e[j, i + j] = 1.0
        parts = function({params}, {basis})
{copies}
        for j in range(min({lanes}, n - i)):
            e[j, i + j] = 0.0
    return out
"""


_ROWS_LOOP = """\
import numpy as np


def rows_loop({params}, n):
    # the value of the function's one result and the rows of its Jacobian
    # ({what}, `n` columns), {lanes} rows per sweep (vector reverse mode): each
    # row from the basis vector at its flat index of the result, as its seed
    value, parts = function({params}, {first})
    y = value[0]
    m = np.asarray(y).size
    out = np.empty((m, n))
{copies}
    for i in range({lanes}, m, {lanes}):
        _, parts = function({params}, {rows})
{more}
    return y, out
"""


_LOOPS: dict[tuple, tuple[object, Callable, Callable]] = {}


def _basis_loop(df: GradFunction, n_args: int, target: str) -> Callable:
    """`(*args, shape, n, size) -> out[n, size]`: `df`'s gradient (its first entry)
    seeded with each of the n basis vectors shaped `shape`, the loop compiled
    like `df` itself.  `args` are all of the adjoint's parameters but its own
    seed (the seeds of the gradients it differentiates included)."""
    if df._current is not None and not df._current():  # a global it read was rebound
        df._refresh()
    return _compiled_loop(df, df._implementation(), n_args, "[0]", "the gradient", target)


def _rows_loop(form: GradFunction, n_args: int, target: str) -> Callable:
    """`(*args, n) -> (y, out[m, n])`: the value of the function's one result y
    (m elements) and its Jacobian's rows, from the rows form of a
    value-and-gradient function (`GradFunction._rows_form`), as many rows per
    sweep as it carries, the loop compiled like the function itself."""
    if form._current is not None and not form._current():  # a global it read was rebound
        form._refresh()
    lanes = form._generate().lanes
    copies = "\n".join(f"    if {j} < m:\n        out[{j}, :] = np.ravel(np.asarray(parts[{j}][0]))"
                       for j in range(lanes))
    more = "\n".join(f"        if i + {j} < m:\n"
                     f"            out[i + {j}, :] = np.ravel(np.asarray(parts[{j}][0]))"
                     for j in range(lanes))
    template = _ROWS_LOOP.format(
        params="{params}", what="{what}", lanes=lanes, copies=copies, more=more,
        first=", ".join(str(j) for j in range(lanes)),
        rows=", ".join("i" if j == 0 else f"i + {j}" for j in range(lanes)))
    return _compiled_loop(form, form._implementation(), n_args, "", "the gradient", target,
                          template, "rows_loop")


def _column_loop(tangent: TangentFunction, n_args: int, target: str, part: str = "",
                 what: str = "the tangent") -> Callable:
    """`(*args, shape, n, size) -> out[n, size]`: the tangent (a tangent
    function without `value`; `part` of it) along each of the n basis
    vectors shaped `shape`, the loop compiled like the tangent function
    itself; a tangent function of several lanes takes as many basis vectors
    per sweep."""
    lanes = tangent._generate().lanes
    if lanes == 1:
        return _compiled_loop(tangent, tangent.implementation(), n_args, part, what, target)
    basis = ", ".join(f"np.reshape(e[{j}], shape)" for j in range(lanes))
    copies = "\n".join(
        f"        out[i, :] = np.ravel(np.asarray(parts[0]{part}))" if j == 0 else
        f"        if i + {j} < n:\n"
        f"            out[i + {j}, :] = np.ravel(np.asarray(parts[{j}]{part}))"
        for j in range(lanes))
    template = _LANES_LOOP.format(params="{params}", lanes=lanes, last=lanes - 1, basis=basis,
                                  copies=copies, what=what)
    return _compiled_loop(tangent, tangent.implementation(), n_args, part, what, target,
                          template, "lanes_loop")


def _compiled_loop(owner, impl: Callable, n_args: int, part: str, what: str,
                   target: str, template: str = _LOOP, name: str = "basis_loop") -> Callable:
    """The loop of `template` (`_LOOP`) over `impl` (owned by `owner`), taking
    `part` (a subscript: "[0]") of each result, compiled for `target` and kept."""
    key = (id(owner), n_args, part, target)
    known = _LOOPS.get(key)
    if known is not None and known[0] is owner and known[2] is impl:
        return known[1]
    params = ", ".join(f"a{i}" for i in range(n_args))
    source = template.format(params=params, part=part, what=what)
    module = load_module(source, f"{name}_{target}", {"function": impl})
    what = getattr(owner, "__name__", name)
    loop = getattr(module, name)
    loop = jit(loop, what) if target == "cpu" else loop
    _LOOPS[key] = (owner, loop, impl)  # keeps the owner alive, so its id is not reused
    return loop


class Derived:
    """A derivative function built on a generated one; `.source` is the
    generated code that does the differentiation.  `recipe`: the public
    function and its arguments that made it (`(sg.hvp, f, 0, "cpu")`), what
    its pickle makes it again from (`pickling.py`)."""

    def __init__(self, function: Callable[..., Any], generated: GradFunction | None,
                 recipe: tuple | None = None):
        self._function = function
        self._generated = generated
        self._recipe = recipe
        # `(argtypes, kws) -> the compiled caller` for calls from the user's
        # @njit code (api/nopython.py); None: called from Python only
        self.nopython: Callable | None = None
        # `(*how) -> a Python function` that a differentiated function calling
        # this one inlines in its place (api/inlined.py); None: not inlinable
        self.inlined: Callable[..., Callable] | None = None
        self._inlined: dict[tuple, Callable] = {}
        self.__name__ = function.__name__
        self.__doc__ = function.__doc__

    def __reduce__(self):
        if self._recipe is None:
            raise TypeError(f"cannot pickle {self!r}: it is made inside srcgrad; pickle the "
                            "function sg.jvp, sg.hvp, sg.hessian or sg.jacobian returned")
        factory, fn, *args = self._recipe
        return reduce_gradient(self, fn, remake, factory, *args)

    def __repr__(self) -> str:
        if self._recipe is None:
            return f"<srcgrad {self.__name__}>"
        factory, fn, *_ = self._recipe
        return f"<srcgrad {factory.__name__} of {getattr(fn, '__qualname__', fn)}>"

    @property
    def generated(self) -> GradFunction | TangentFunction:
        return self._generated

    @property
    def kind(self) -> str:
        """The public function that made it: "jvp", "jacobian", "hvp", "hessian"."""
        return self._recipe[0].__name__ if self._recipe is not None else ""

    def defaults(self) -> dict[str, object]:
        """The default values of the differentiated function's parameters."""
        if self._recipe is None:
            return {}
        try:
            params = _signature(self._recipe[1]).parameters.values()
        except (TypeError, ValueError):
            return {}
        return {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}

    def inline_function(self, *how) -> Callable:
        """The Python function that a differentiated function calling this
        one inlines (`how`: for `jvp`, the positions of the tangents given and
        whether the call is bare), made once per `how`."""
        if self.inlined is None:
            raise SrcGradError(f"{self!r} cannot be called inside a differentiated function")
        if how not in self._inlined:
            self._inlined[how] = self.inlined(*how)
        return self._inlined[how]

    @property
    def source(self) -> GeneratedSource:
        """The generated code that does the differentiation (a `str`, shown
        highlighted in Jupyter)."""
        return self.generated.source

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._recipe is not None and not kwargs:
            signature = self._defaults()
            if signature is not None:
                args = _with_defaults(self.kind, signature, args)
        return self._function(*args, **kwargs)

    def _defaults(self) -> inspect.Signature | None:
        """The differentiated function's signature where it has defaults to
        fill in, else None; read once (a call is then not slowed by it)."""
        known = self.__dict__.get("_signature_with_defaults", _UNREAD)
        if known is _UNREAD:
            try:
                known = _signature(self._recipe[1])
            except (TypeError, ValueError):
                known = None
            if known is not None and all(p.default is p.empty
                                         for p in known.parameters.values()):
                known = None
            self._signature_with_defaults = known
        return known


_UNREAD = object()


def _with_defaults(kind: str, signature: inspect.Signature, args: tuple) -> tuple:
    """The arguments of a call of a derivative of a function of `signature`,
    with its defaults for those not given (the generated functions take
    every parameter): for `jvp`, its primals (and None tangents for them);
    for `hvp`, all but `v`."""

    def completed(values: tuple) -> tuple:
        try:
            bound = signature.bind(*values)
        except TypeError:
            return values  # (the call's own check says what is wrong)
        bound.apply_defaults()
        return values if bound.kwargs else tuple(bound.args)

    if kind == "jvp" and len(args) == 2 and isinstance(args[0], (tuple, list)):
        primals, tangents = args
        full = completed(tuple(primals))
        if isinstance(tangents, (tuple, list)) and len(tangents) == len(primals):
            tangents = (*tangents, *(None,) * (len(full) - len(primals)))
        return full, tangents
    if kind == "hvp" and args:
        return (*completed(args[:-1]), args[-1])
    if kind in ("hessian", "jacobian"):
        return completed(args)
    return args
