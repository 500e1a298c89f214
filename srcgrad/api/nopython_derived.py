"""The callers of `jvp`, `hvp`, `hessian` and `jacobian` from the user's
`@njit` code (`nopython.py` says what a caller is).

Each caller does in compiled code what the Python call does (`higher.py`),
with the same generated functions and the same compiled loops over basis
vectors:

- `jvp`: `(primals, tangents) -> (value, tangent)`, forward mode's tangent
  function along the primals whose tangent is not None (known from the
  types: a zero tangent is computed like any other), the tangents cast
  like the Python call casts them; where forward mode does not apply it is
  refused (from Python it falls back to the transpose of the adjoint);
- `hvp`: the tangent of the gradient along `v` (forward over reverse), or
  where forward mode does not apply the second gradient seeded with `v`
  (a call of that gradient function, itself served by its own caller);
- `hessian`: for a number, the same with `v = 1`; for an array, the loop of
  the tangent of the gradient (or of the second gradient) over the basis
  vectors, shaped `x.shape + x.shape`;
- `jacobian` with respect to an array, of a function returning an array:
  the value first (`value_and_grad`, as the Python call does), then columns
  by the loop of forward mode's tangent function or rows by the loop of the
  gradient, `mode="auto"` taking the fewer when the call runs.  Where forward
  mode does not apply the rows are always by reverse mode (the Python call
  falls back to the transposed adjoint then; the numbers are the same).

The loops over basis vectors of forward mode carry up to 8 tangents per
sweep (vector mode, `tangent/lanes.py`), as from Python; the size of the
Jacobian is not known when the caller compiles, so the lanes are those of
a large one (fewer only for a long function).

With `mode="forward"` the Jacobian is by tangents alone, of a function
returning a number or an array (its first column counts the rows), with
respect to an array (one tangent per column) or a number (the tangent
along 1.0, shaped like the value; also what `mode="auto"` takes there).
Otherwise the Jacobian of a function returning a number is its gradient
(one row), and one with respect to a number by `mode="reverse"` is refused.
"""

from __future__ import annotations

from collections.abc import Callable

from numba.core import types

from ..runtime import basis_like
from ..tangent.lanes import LANES
from .derived import _basis_loop, _column_loop, _rows_loop, _signature
from .gradient import GradFunction
from .jvp import _tangent_alone
from .nopython import CallerSource, NopythonRefusal, gradient_caller, kinds_of, nopython_params

__all__ = ["hessian_caller", "hvp_caller", "jacobian_caller", "jacobians_caller", "jvp_caller"]


def _cpu(what: str, target: str) -> None:
    if target != "cpu":
        raise NopythonRefusal(f"{what} was made for target={target!r}; nopython callers need "
                              "target='cpu'")


def _arguments(fn, what: str, args: tuple, kws: dict, extra: tuple[str, ...] = ()):
    """The caller's source (its parameters named), and each parameter's type."""
    signature = _signature(fn)
    extra = tuple(f"{e}_" if e in signature.parameters else e for e in extra)
    params = nopython_params(fn, signature, args, kws, extra)
    given = dict(zip(params, args)) | kws
    source = CallerSource(params, f"sg.{what} of {getattr(fn, '__name__', 'f')}")
    return source, [given.get(p) for p in params]


def _laned(tangent):
    """`tangent` in as many lanes as a Jacobian of unknown size takes from
    compiled code (that of a large one); the loop gives the last sweep's
    unused lanes zeros."""
    return tangent.for_columns(LANES)


def _name(fn, what: str) -> str:
    return f"{getattr(fn, '__name__', 'f')}_{what}"


def jvp_caller(fn, tangent_function: Callable, target: str, args, kws) -> Callable:
    """`(primals, tangents) -> (value, tangent_out)` in compiled code, as
    `jax.jvp`; a single primal may be passed bare, `jvp(x, v)`."""
    _cpu("jvp", target)
    name = getattr(fn, "__name__", "f")
    if kws or len(args) != 2:
        raise NopythonRefusal("jvp takes two arguments, (primals, tangents)")
    primals, tangents = args
    bare = not isinstance(primals, types.BaseTuple)
    primal_types = [primals] if bare else list(primals.types)
    tangent_types = [tangents] if bare else (
        list(tangents.types) if isinstance(tangents, types.BaseTuple) else None)
    if tangent_types is None or len(tangent_types) != len(primal_types):
        raise NopythonRefusal(f"jvp: tangents must be a tuple of {len(primal_types)}, one per "
                              f"primal (None for none), not {tangents}")
    signature = _signature(fn)
    params = nopython_params(fn, signature, tuple(primal_types), {})
    ks = tuple(k for k, t in enumerate(tangent_types) if not isinstance(t, types.NoneType))
    if not ks:
        raise NopythonRefusal("jvp: every tangent is None; give at least one")
    tangent = tangent_function(ks)
    if tangent is None:
        raise NopythonRefusal(f"forward mode does not apply to {name} (a call with an adjoint "
                              "rule and no tangent rule); from @njit code call sg.grad instead")
    source = CallerSource(["primals", "tangents"], f"sg.jvp of {name}")
    function = source.calls("tangent", tangent.implementation())
    body, inputs, dots = [], [], []
    for k, param in enumerate(params):
        value = "primals" if bare else f"primals[{k}]"
        if k in ks:
            x, dx = source.fresh(f"{param}_in"), source.fresh(f"d{param}")
            given = "tangents" if bare else f"tangents[{k}]"
            body += [f"{x} = {source.helper('differentiable')}({value})",
                     f"{dx} = {source.helper('tangent_like')}({given}, {x})"]
            inputs.append(x)
            dots.append(dx)
        else:
            inputs.append(value)
    out = source.fresh("out")
    body.append(f"{out} = {function}({', '.join([*inputs, *dots])})")
    generated = tangent._generate()
    finish = source.helper("finish_gradient")
    if generated.single_result:
        body.append(f"return {out}[0], {finish}({out}[1], {out}[0])")
    else:
        finished = ", ".join(f"{finish}({out}[1][{j}], {out}[0][{j}])"
                             for j in range(generated.outputs))
        body.append(f"return {out}[0], ({finished},)")
    return source.compiled(f"{name}_jvp", "primals, tangents", body)


def hvp_caller(fn, forward, second: Callable[[], GradFunction], args, kws) -> Callable:
    """`(*args, v) -> H @ v` in compiled code."""
    _cpu("hvp", forward.target)
    source, _ = _arguments(fn, "hvp", args, kws, ("v",))
    *values, v = source.params
    return _second_order(fn, forward, second, source, values, v, "hvp")


def hessian_caller(fn, forward, second: Callable[[], GradFunction], args, kws) -> Callable:
    """`(*args) -> H` in compiled code."""
    _cpu("hessian", forward.target)
    source, tys = _arguments(fn, "hessian", args, kws)
    params, k = source.params, forward.k
    if not isinstance(tys[k], types.Array):
        return _second_order(fn, forward, second, source, params, "1.0", "hessian")
    tangent = forward.tangent()
    if tangent is not None:
        seeds = forward.seeds()
        loop = _column_loop(_laned(tangent), len(params) + len(seeds), "cpu", "[0]",
                            "the tangent of the gradient")
    else:
        seeds = (None,) * second()._extra_params
        loop = _basis_loop(second(), len(params) + len(seeds), "cpu")
    loop = source.calls("loop", loop)
    inputs = list(params)
    x = inputs[k] = source.fresh(f"{params[k]}_in")
    n = source.fresh("n")
    body = [f"{x} = {source.helper('floating')}({params[k]})", f"{n} = {x}.size",
            f"return {loop}({', '.join([*inputs, *['None'] * len(seeds)])}, {x}.shape, {n}, "
            f"{n}).reshape({x}.shape + {x}.shape)"]
    return source.compiled(_name(fn, "hessian"), ", ".join(params), body)


def _second_order(fn, forward, second, source: CallerSource, values: list[str], v: str,
                  what: str) -> Callable:
    """`H @ v` (v a parameter's name, or "1.0"): the tangent of the gradient
    along `v`, else the second gradient seeded with `v`."""
    tangent = forward.tangent()
    signature = ", ".join(source.params)
    if tangent is None:
        second = source.calls("second", second())
        body = [f"return {second}({', '.join(values)}, grad_ys={v})"]
        return source.compiled(_name(fn, what), signature, body)
    tangent = source.calls("tangent", tangent.implementation())
    k = forward.k
    inputs = list(values)
    x = inputs[k] = source.fresh(f"{values[k]}_in")
    dgrad = source.fresh("dgrad")
    call = [*inputs, *["None"] * len(forward.seeds()),
            f"{source.helper('tangent_like')}({v}, {x})"]
    body = [f"{x} = {source.helper('differentiable')}({values[k]})",
            f"{dgrad} = {tangent}({', '.join(call)})",
            f"return {source.helper('finish_gradient')}({dgrad}[0], {x})"]
    return source.compiled(_name(fn, what), signature, body)


def jacobian_caller(fn, k: int, mode: str, rows: GradFunction, first: GradFunction,
                    target: str, args, kws) -> Callable:
    """`(*args) -> J` in compiled code, shaped `out.shape + x.shape`."""
    _cpu("jacobian", target)
    source, tys = _arguments(fn, "jacobian", args, kws)
    params = source.params
    number = not isinstance(tys[k], types.Array)
    # with respect to a number, one tangent is the fewer sweeps ("auto")
    tangent = (_tangent_alone(fn, k, target)
               if mode == "forward" or (mode == "auto" and number) else None)
    if tangent is not None:
        return _forward_jacobian(fn, k, tangent, source, tys, target)
    if number:
        raise NopythonRefusal(f"the Jacobian with respect to the number '{params[k]}' is the "
                              "derivative: call sg.grad, or sg.jacobian with mode='forward'")
    for gradient in (rows, first):  # the adjoints for these arguments' kinds (ranks)
        gradient._assume_kinds(kinds_of(tys))
    value_type = _value_type(rows, args, kws)
    if not isinstance(value_type, types.Array):  # one row: the gradient itself
        gradient = source.calls("gradient", first)
        body = [f"return {gradient}({', '.join(params)})"]
        return source.compiled(_name(fn, "jacobian"), ", ".join(params), body)
    inputs = list(params)
    x = inputs[k] = source.fresh(f"{params[k]}_in")
    y, m, n, out = (source.fresh(s) for s in ("y", "m", "n", "out"))
    inner = ["None"] * first._extra_params
    floating = f"{x} = {source.helper('floating')}({params[k]})"
    form = rows._rows_form() if not inner and mode != "forward" else None
    if form is not None:
        form._assume_kinds(kinds_of(tys))
        if not form._generate().rows:
            form = None
    tangent = _tangent_alone(fn, k, target) if mode != "reverse" else None
    if form is not None:
        # several rows per sweep, the value from the first (GradFunction._rows_form)
        rows_loop = source.calls("rows_loop", _rows_loop(form, len(params), "cpu"))
        reverse = f"_, {out} = {rows_loop}({', '.join(inputs)}, {n})"
        length = form._generate().rows_length
        if mode == "reverse" or tangent is None:
            body = [floating, f"{n} = {x}.size",
                    f"{y}, {out} = {rows_loop}({', '.join(inputs)}, {n})",
                    f"return {out}.reshape({y}.shape + {x}.shape)"]
            return source.compiled(_name(fn, "jacobian"), ", ".join(params), body)
        if length:  # the rows the code fixes: no sweep to count them
            columns = source.calls("columns", _column_loop(_laned(tangent), len(params), target))
            body = [floating, f"{n} = {x}.size", f"if {n} < {length}:",
                    f"    {out} = {source.np}.ascontiguousarray({columns}("
                    f"{', '.join(inputs)}, {x}.shape, {n}, {length}).T)",
                    "else:", f"    {reverse}",
                    f"return {out}.reshape(({length},) + {x}.shape)"]
            return source.compiled(_name(fn, "jacobian"), ", ".join(params), body)
    else:
        rows_loop = source.calls("rows_loop", _basis_loop(first, len(params) + len(inner), "cpu"))
        reverse = f"{out} = {rows_loop}({', '.join([*inputs, *inner])}, {y}.shape, {m}, {n})"
    if tangent is None:
        choose = [reverse]
    else:
        columns = source.calls("columns", _column_loop(_laned(tangent), len(params), target))
        forward = (f"{out} = {source.np}.ascontiguousarray({columns}({', '.join(inputs)}, "
                   f"{x}.shape, {n}, {m}).T)")
        choose = [forward] if mode == "forward" else [
            f"if {n} < {m}:", f"    {forward}", "else:", f"    {reverse}"]
    value = source.calls("value_and_grad", rows)
    body = [floating, f"{y} = {value}({', '.join(params)})[0]",
            f"{m} = {y}.size", f"{n} = {x}.size", *choose,
            f"return {out}.reshape({y}.shape + {x}.shape)"]
    return source.compiled(_name(fn, "jacobian"), ", ".join(params), body)


def jacobians_caller(fn, parts: list, args, kws) -> Callable:
    """`jacobian(fn, wrt=(j, k, ...))` in compiled code: the tuple of each
    part's Jacobian, each part called through its own caller."""
    source, _ = _arguments(fn, "jacobian", args, kws)
    params = ", ".join(source.params)
    calls = [f"{source.calls('jacobian', part)}({params})" for part in parts]
    body = [f"return ({', '.join(calls)},)"]
    return source.compiled(_name(fn, "jacobians"), params, body)


def _forward_jacobian(fn, k: int, tangent, source: CallerSource, tys: list,
                      target: str) -> Callable:
    """`mode="forward"`: the Jacobian by tangents alone, with respect to a
    number (one tangent, shaped like the value) or an array (one per column;
    the first column counts the rows), of a function of any result."""
    params = source.params
    inputs = list(params)
    x = inputs[k] = source.fresh(f"{params[k]}_in")
    floating = f"{x} = {source.helper('floating')}({params[k]})"
    if not isinstance(tys[k], types.Array):  # the tangent along 1.0 is the Jacobian
        alone = source.calls("tangent", tangent.implementation())
        body = [floating, f"return {alone}({', '.join(inputs)}, 1.0)"]
        return source.compiled(_name(fn, "jacobian"), ", ".join(params), body)
    laned = _laned(tangent)
    lanes = laned._generate().lanes
    columns = source.calls("columns", _column_loop(laned, len(params), target))
    first, n, out = (source.fresh(s) for s in ("first", "n", "out"))
    # the first column, from the function the columns' loop calls (its other lanes zero)
    e0 = f"{source.calls('basis_like', basis_like)}({x}, 0)"
    alone = source.calls("tangent", laned.implementation())
    zeros = [f"{source.np}.zeros_like({x})"] * (lanes - 1)
    column = f"{alone}({', '.join([*inputs, e0, *zeros])})" + ("[0]" if lanes > 1 else "")
    body = [floating, f"{n} = {x}.size",
            f"{first} = {source.np}.asarray({column})",
            f"{out} = {source.np}.ascontiguousarray({columns}({', '.join(inputs)}, "
            f"{x}.shape, {n}, {first}.size).T)",
            f"return {out}.reshape({first}.shape + {x}.shape)"]
    return source.compiled(_name(fn, "jacobian"), ", ".join(params), body)


def _value_type(rows: GradFunction, args, kws):
    """The Numba type of the function's value for these argument types."""
    caller = gradient_caller(rows, args, kws)
    _, _, folded, _ = caller.get_call_template(args, kws)
    return caller.overloads[tuple(folded)].signature.return_type[0]
