"""Gradient functions called from the user's own `@numba.njit` code.

Numba types a call to a gradient function as it types a call to one of its
own dispatchers (`numba.core.types.Dispatcher`): `typeof(df)` is a
`GradientType`, a Numba `Callable` type holding a weak reference to `df`.
When Numba types a call `df(x, y)` in nopython code, `GradientType` asks
`df` for its *caller* for those argument types, and the call is then typed,
folded (keywords, defaults) and lowered as a call to the caller's dispatcher.

A caller is a small generated function, written and compiled like the
adjoint (`backend/compile.py`): it takes `df`'s parameters, plus
`grad_ys=None` for a gradient, calls the generated adjoint (compiled for
those argument types, as a Python call with such values would have it), and
converts the arguments and results as a call from Python does
(`runtime/handover.py`: integer arrays read as float64, each gradient in its
input's dtype, `None` for an unconnected input, `grad_ys` per output).  So
`df(x)` inside `@njit` returns what `df(x)` returns from Python: one
gradient, a tuple for several `wrt`, `(value, gradient)` for
`value_and_grad`.  `hvp`, `hessian` and `jacobian` give callers of their own
(`higher.py`), which call the compiled loops their Python calls use.

What a call from nopython code cannot be served (another target, `has_aux`,
containers of arrays, keyword-only parameters) raises a Numba `TypingError`
whose message starts with `srcgrad:` and says why; a gradient that fails to
compile raises one quoting srcgrad's `CompileError` (the user's file and
line).  Numba freezes what it compiled: a global that the adjoint reads,
rebound later, is seen by Python calls (which generate the adjoint again),
by nopython callers only when they are compiled again.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from numba.core import types
from numba.core.errors import NumbaError, TypingError
from numba.core.types.functions import WeakType
from numba.extending import NativeValue, models, register_model, typeof_impl, unbox

from ..backend.compile import jit, load_module
from ..errors import SrcGradError
from ..ir.naming import Namer
from .derived import Derived
from .gradient import GradFunction

__all__ = ["CallerSource", "GradientType", "NopythonRefusal", "gradient_caller", "kinds_of",
           "nopython_params"]


class NopythonRefusal(Exception):
    """A call srcgrad cannot serve in nopython code; the reason, for the
    user (the TypingError says `srcgrad: <name> cannot be called from
    nopython code: <reason>`)."""


class GradientType(WeakType, types.Callable, types.Dummy):
    """The Numba type of a gradient function (or of `hvp`, `hessian`,
    `jacobian`): calls to it are calls to its caller for their argument types."""

    def __init__(self, function):
        self._store_object(function)
        super().__init__(f"srcgrad({getattr(function, '__name__', 'gradient')} at "
                         f"{id(function):#x})")

    @property
    def function(self):
        return self._get_object()

    def __reduce__(self):
        # Numba pickles the types of a cached function's signatures into its cache
        # index, those of other processes read back included: their functions are
        # gone (a weak reference), so such a type pickles as a stand-in matching
        # nothing, where Numba's own pickling would fail on the dead reference
        function = self._wr()
        if function is None:
            return (_vanished, (self.name,))
        return (GradientType, (function,))

    def get_call_type(self, context, args, kws):
        function = self.function
        args = tuple(types.unliteral(a) for a in args)
        kws = {k: types.unliteral(v) for k, v in kws.items()}
        name = getattr(function, "__name__", "the gradient")
        try:
            caller = _caller_of(function)(args, kws)
        except NopythonRefusal as exc:
            raise TypingError(f"srcgrad: {name} cannot be called from nopython code: {exc}") \
                from None
        except SrcGradError as exc:
            raise TypingError(f"srcgrad: {exc}") from None
        try:
            template, pysig, folded, kws = caller.get_call_template(args, kws)
        except NumbaError as exc:
            raise TypingError(f"srcgrad: {_compile_failure(function, exc)}") from None
        signature = template(context).apply(folded, kws)
        if signature is None:
            return None
        _callers(function)[signature.args] = caller
        return signature.replace(pysig=pysig)

    def get_call_signatures(self):
        return [sig for caller in _callers(self.function).values()
                for sig in caller.nopython_signatures], True

    def get_impl_key(self, sig):
        return _callers(self.function)[tuple(sig.args)].get_overload(sig.args)


class VanishedGradientType(types.Opaque):
    """A gradient function's type read back from a cache index that another
    process wrote: no call of this process has it."""


def _vanished(name: str) -> types.Type:
    return VanishedGradientType(f"{name} (of another process)")


@typeof_impl.register(GradFunction)
@typeof_impl.register(Derived)
def _typeof_gradient(value, context):
    return GradientType(value)


register_model(GradientType)(models.OpaqueModel)


@unbox(GradientType)
def _unbox_gradient(typ, obj, c):
    # (passed as an argument: nothing to carry; the type says which function it is)
    return NativeValue(c.context.get_dummy_value())


def _callers(function) -> dict:
    """The callers that typed calls to `function`, by their argument types
    (lowering looks them up)."""
    known = function.__dict__.get("_nopython_callers")
    if known is None:
        known = function.__dict__["_nopython_callers"] = {}
    return known


def _caller_of(function) -> Callable[[tuple, dict], Callable]:
    if isinstance(function, GradFunction):
        return lambda args, kws: gradient_caller(function, args, kws)
    make = getattr(function, "nopython", None)
    if make is None:
        raise NopythonRefusal("it is called from Python only")
    return make


def _compile_failure(function, exc: NumbaError) -> str:
    """Numba's failure to compile a caller, as srcgrad's CompileError where it
    names the generated adjoint's line, else Numba's own message."""
    owner = function if isinstance(function, GradFunction) else getattr(
        function, "generated", None)
    if getattr(owner, "_module", None) is not None:
        return str(owner._compile_error(exc))
    return str(exc)


# --- the arguments a caller takes ----------------------------------------------------------


def nopython_params(function, signature: inspect.Signature, args: tuple, kws: dict,
                    extra: tuple[str, ...] = ()) -> list[str]:
    """The parameter names of `function`'s caller (those of `signature`, then
    `extra`), after checking that a call with these argument types is one
    that nopython code can make: positional-or-keyword parameters, numbers
    and arrays of at least one dimension."""
    names = []
    for p in signature.parameters.values():
        if p.kind is not p.POSITIONAL_OR_KEYWORD:
            what = {p.VAR_POSITIONAL: f"*{p.name}", p.VAR_KEYWORD: f"**{p.name}"}.get(
                p.kind, f"the keyword-only parameter '{p.name}'")
            raise NopythonRefusal(f"{_fn_name(function)} takes {what}; nopython callers take "
                                  "positional-or-keyword parameters only")
        if p.default is not p.empty:
            raise NopythonRefusal(f"parameter '{p.name}' of {_fn_name(function)} has a "
                                  "default value; pass every argument")
        names.append(p.name)
    names += extra
    if len(args) > len(names) or not set(kws) <= set(names):
        raise NopythonRefusal(f"it takes ({', '.join(names)}), not {len(args)} positional "
                              f"arguments and {sorted(kws) or 'no'} keywords")
    given = dict(zip(names, args)) | kws
    for name in names:
        ty = given.get(name)
        if name in extra:
            continue
        if ty is None:
            raise NopythonRefusal(f"missing argument '{name}'")
        _check_argument(function, name, ty)
    return names


def _check_argument(function, name: str, ty) -> None:
    if isinstance(ty, types.Array):
        if ty.ndim == 0:
            raise NopythonRefusal(f"parameter '{name}' got a 0-d array; pass its number "
                                  "(x[()]) instead")
        if ty.dtype in (types.boolean,) or isinstance(ty.dtype, (types.Integer, types.Float)):
            return
    elif isinstance(ty, (types.Integer, types.Float, types.Boolean)):
        return
    raise NopythonRefusal(f"parameter '{name}' got {ty}: nopython callers take numbers and "
                          "arrays of real numbers (containers of arrays, complex numbers and "
                          "other objects are taken from Python only)")


def kinds_of(argtypes) -> frozenset[tuple[int, str]]:
    """`calls.numbers` of values of these Numba types: what the adjoint is
    generated for (a number of kind "f", "i", "b"; an array "a2f" of rank
    and dtype kind)."""
    out = set()
    for k, ty in enumerate(argtypes):
        if isinstance(ty, types.Array):
            out.add((k, f"a{ty.ndim}{_dtype_kind(ty.dtype)}"))
        elif isinstance(ty, types.Boolean):
            out.add((k, "b"))
        elif isinstance(ty, types.Integer):
            out.add((k, "i"))
        elif isinstance(ty, types.Float):
            out.add((k, "f"))
    return frozenset(out)


def _dtype_kind(dtype) -> str:
    if isinstance(dtype, types.Boolean):
        return "b"
    if isinstance(dtype, types.Integer):
        return "i" if dtype.signed else "u"
    return "f"


def _fn_name(function) -> str:
    while isinstance(function, GradFunction):
        function = function.fn
    return getattr(function, "__name__", "the function")


# --- the caller of a gradient function -----------------------------------------------------


def gradient_caller(gradient: GradFunction, args: tuple, kws: dict) -> Callable:
    """The compiled caller of `gradient` for a call with these argument types."""
    _refuse_unsupported(gradient)
    params = nopython_params(gradient, gradient._signature, args, kws, ("grad_ys",))
    if gradient._current is not None and not gradient._current():
        gradient._refresh()  # a global the adjoint captured was rebound
    types_in_order = [dict(zip(params, args)).get(p, kws.get(p)) for p in params[:-1]]
    if gradient._trees is None:
        gradient._trees = ()  # (what a first call from Python with no container decides)
    gradient._assume_kinds(kinds_of(types_in_order))
    generated = gradient._generate()
    if any(generated.result_trees):
        raise NopythonRefusal(f"{_fn_name(gradient)} returns a container of arrays")
    return _gradient_caller(gradient, generated, params)


def _refuse_unsupported(gradient: GradFunction) -> None:
    if gradient.target == "cuda":
        raise NopythonRefusal("it was made for target='cuda'; call df.device_function from "
                              "CUDA kernels, or make the gradient with target='cpu'")
    if gradient.target != "cpu":
        raise NopythonRefusal(f"it was made for target={gradient.target!r}, which runs without "
                              "Numba; make it with target='cpu'")
    if gradient.has_aux:
        raise NopythonRefusal("has_aux=True returns an aux value of any structure, which "
                              "nopython code cannot take; call it from Python")
    if gradient._self is not None:
        raise NopythonRefusal("it differentiates with respect to a method's object (wrt='self')")
    if gradient._trees:
        raise NopythonRefusal("it was made for containers of arrays (its first call passed "
                              "one), which nopython code cannot pass")


class CallerSource:
    """The source of one caller being written: its own globals (srcgrad's
    helpers, the generated functions it calls) named apart from the user's
    parameters, which it takes as they are."""

    def __init__(self, params: list[str], what: str):
        self.params = params
        self.what = what
        self.namer = Namer(set(params))
        self.handover = self.namer.fresh("handover")
        self.np = self.namer.fresh("np")
        self.injected: dict[str, object] = {}

    def helper(self, name: str) -> str:
        """A function of `runtime/handover.py`, as the caller calls it."""
        return f"{self.handover}.{name}"

    def calls(self, role: str, value) -> str:
        """The name under which the caller calls `value` (a dispatcher, a
        gradient function)."""
        name = self.namer.fresh(role)
        self.injected[name] = value
        return name

    def fresh(self, base: str) -> str:
        return self.namer.fresh(base)

    def compiled(self, name: str, signature: str, body: list[str]) -> Callable:
        """`def name(signature): body`, compiled."""
        return compiled_caller(*self.text(name, signature, body), self.injected)

    def text(self, name: str, signature: str, body: list[str]) -> tuple[str, str]:
        """The module's source text holding `def name(signature): body`, and
        the function's name."""
        name = self.namer.fresh(name)
        lines = [
            f"# Generated by srcgrad: {self.what}, called from Numba-compiled code, its",
            "# arguments and results converted as a call from Python converts them.",
            f"import numpy as {self.np}",
            "",
            f"import srcgrad.runtime.handover as {self.handover}",
            "", "",
            f"def {name}({signature}):", *(f"    {line}" for line in body)]
        return "\n".join(lines) + "\n", name


def _gradient_caller(gradient: GradFunction, generated, params: list[str]) -> Callable:
    """`def f_grad(x, y, grad_ys=None)`: the adjoint called with `grad_ys`
    split per output (and ones, None, for the gradients it differentiates),
    the gradients finished per argument."""
    source = CallerSource(params, f"the gradient {gradient.__name__}")
    adjoint = source.calls("adjoint", gradient._implementation())
    *values, grad_ys = params
    body = []
    inputs = list(values)
    for k in sorted({k for k in generated.wrt_params if k is not None}):
        inputs[k] = source.fresh(f"{values[k]}_in")
        body.append(f"{inputs[k]} = {source.helper('differentiable')}({values[k]})")
    n = generated.outputs
    if gradient._single_output and n == 1:
        seeds = [grad_ys]
    else:
        seeds = [f"{source.helper('seed_entry')}({grad_ys}, {j}, {n})" for j in range(n)]
    out = source.fresh("out")
    call_args = [*inputs, *["None"] * gradient._extra_params, *seeds]
    body.append(f"{out} = {adjoint}({', '.join(call_args)})")
    grads = f"{out}[1]" if gradient.preserve_result else out
    finished = [f"{source.helper('finish_gradient')}({grads}[{j}], {inputs[k]})"
                if k is not None else f"{grads}[{j}]"
                for j, k in enumerate(generated.wrt_params)]
    result = finished[0] if gradient.single else f"({', '.join(finished)},)"
    if gradient.preserve_result:
        value = f"{out}[0][0]" if gradient._single_output else f"{out}[0]"
        result = f"({value}, {result})"
    body.append(f"return {result}")
    return source.compiled(gradient.__name__, f"{', '.join(values)}, {grad_ys}=None", body)


_COMPILED: dict[tuple, tuple[Callable, dict]] = {}


def compiled_caller(source: str, name: str, injected: dict) -> Callable:
    """The caller `name` of `source`, written as a generated module (with
    `injected` as its globals) and compiled by Numba like an adjoint; the
    same dispatcher for the same source and objects (Numba types a call
    several times over)."""
    key = (source, tuple((k, id(v)) for k, v in sorted(injected.items())))
    known = _COMPILED.get(key)
    if known is None:
        module = load_module(source, name, injected)
        # (the objects kept with it, so that their ids are not reused)
        known = _COMPILED[key] = jit(getattr(module, name)), dict(injected)
    return known[0]
