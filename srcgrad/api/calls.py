"""The call of a gradient function: the arguments as the adjoint takes them,
its results as the user gets them, and the short path of the common call.

`GradFunction` (`gradient.py`) converts every call's arguments with
`as_input`/`as_differentiable` and its gradients with `finish`; after the first
call that compiled the adjoint it asks `short_path` for a function that makes
the common call (every argument positional and already what the adjoint takes)
without those conversions, and that answers `TAKEN_ELSEWHERE` for a call it
leaves to the general path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ..errors import UnsupportedArgumentError
from ..optimize.ranks import array_kind
from ..runtime import grad_dtype

if TYPE_CHECKING:
    from ..backend.pipeline import Generated
    from .gradient import GradFunction

TAKEN_ELSEWHERE = object()  # what a short path answers for a call it leaves to the general path


def undecided(gradient: GradFunction, args: tuple):
    """The short path before the first call has compiled the adjoint."""
    return TAKEN_ELSEWHERE


def general_only(gradient: GradFunction, args: tuple):
    """The short path of a gradient that every call takes the general path for."""
    return TAKEN_ELSEWHERE


def short_path(gradient: GradFunction, generated: Generated, seeds: int) -> Callable:
    """The common call, without the general path's conversions: every
    argument positional and already what the adjoint takes (a Python float or
    int, or an array of at least one dimension; a float array or float where
    it is differentiated), no `grad_ys`, a plain gradient (not of higher
    order, not with `preserve_result`).  For a gradient that runs in a few
    microseconds the general path's conversions cost as much again (each
    Python operation here costs tens of nanoseconds), so the path is a
    function made for `gradient`, and the commonest case, one float array
    differentiated, has one of its own.  It answers `TAKEN_ELSEWHERE` for
    arguments that need the general path."""
    wrt = tuple(generated.wrt_params)
    if gradient.preserve_result or gradient._positional < 0 or None in wrt or \
            gradient.inner is not None:
        return general_only
    impl = gradient._implementation()
    count = gradient._positional
    nones = (None,) * seeds
    # where the code was generated for numbers, an array takes the general
    # path, which generates the code again for any value (GradFunction._assume)
    assumed = dict(gradient._assumed or ())
    numbers_at = tuple(k in assumed and array_kind(assumed[k]) is None for k in range(count))
    # and where it was generated for arrays of one rank and dtype kind, an
    # array of another takes it too
    arrays_at = tuple(array_kind(assumed[k]) if k in assumed else None for k in range(count))
    if count == 1 and wrt == (0,) and seeds == 1 and not numbers_at[0]:
        array_rank = arrays_at[0][0] if arrays_at[0] else None
        single = gradient.single  # `wrt=0`, or `wrt=(0,)`: a tuple of one

        def one_array(gradient, args):
            if len(args) != 1:
                return TAKEN_ELSEWHERE
            v = args[0]
            if type(v) is not np.ndarray or not v.ndim or v.dtype.kind != "f" or (
                    array_rank is not None and v.ndim != array_rank):
                return TAKEN_ELSEWHERE
            try:
                g = impl(v, None)[0]
            except Exception as exc:
                g = gradient._failed(exc, args, nones)[0]
            if type(g) is not np.ndarray or g.dtype != v.dtype:  # equal, not always the same object
                g = finish(g, v)
            return g if single else (g,)

        return one_array

    single = gradient.single

    def any_arguments(gradient, args):
        if len(args) != count:
            return TAKEN_ELSEWHERE
        for v, number, array in zip(args, numbers_at, arrays_at):
            kind = type(v)
            if kind is np.ndarray:
                if number or not v.ndim or (array is not None and (
                        v.ndim != array[0] or v.dtype.kind != array[1])):
                    return TAKEN_ELSEWHERE
            elif kind is not float and kind is not int:
                return TAKEN_ELSEWHERE
        for k in wrt:
            v = args[k]
            if type(v) is int or (type(v) is np.ndarray and v.dtype.kind != "f"):
                return TAKEN_ELSEWHERE
        try:
            grads = impl(*args, *nones)
        except Exception as exc:
            grads = gradient._failed(exc, args, nones)
        if single:
            return finish(grads[0], args[wrt[0]])
        return tuple([finish(g, args[k]) for g, k in zip(grads, wrt)])

    return any_arguments


def as_input(value):
    if isinstance(value, (list, tuple)):
        return np.asarray(value)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value[()]
    return value


def as_differentiable(value):
    """An integer array that is differentiated is read as float64: its gradient is
    float64, and Numba has no integer matrix product (`w1 @ w2` on ints)."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "iu":
        return value.astype(np.float64)
    return value


def finish(g, value):
    """The gradient in the input's dtype (float64 for integers and booleans)."""
    if g is None:
        return g
    if value is None:  # a local variable: its dtype is whatever the code computed
        return float(g) if isinstance(g, np.float64) else g
    if isinstance(value, np.ndarray):
        if isinstance(g, np.ndarray) and g.dtype == value.dtype:  # the common case, fast
            return g
        return np.asarray(g, dtype=grad_dtype(value))
    if type(value) is float:
        return float(g)
    dtype = grad_dtype(value)
    if isinstance(value, np.generic):
        return dtype.type(g)
    return float(g)


def numbers(values: list) -> set[tuple[int, str]]:
    """The positions of `values` that hold a number (a Python or NumPy
    scalar, not an array), each with its kind: "f", "i" or "b" (complex
    numbers and anything else are left out); and those that hold an array
    of one or more dimensions of a real or integer dtype, each with its rank
    and dtype kind ("a2f": 2-D, floating; "a1i": 1-D, integer), so that the
    code may know `x[i, j]` a number there."""
    out = set()
    for k, v in enumerate(values):
        if type(v) is np.ndarray:
            if v.ndim and v.dtype.kind in "fiub":
                out.add((k, f"a{v.ndim}{v.dtype.kind}"))
        elif isinstance(v, (bool, np.bool_)):
            out.add((k, "b"))
        elif isinstance(v, (int, np.integer)):
            out.add((k, "i"))
        elif isinstance(v, (float, np.floating)):
            out.add((k, "f"))
    return out


def container(gradient: GradFunction, k: int, value, differentiated: bool):
    """A tuple, list or dict argument as the adjoint takes it (one array of
    numbers), or an UnsupportedArgumentError naming the parameter."""
    kind = type(value).__name__
    params = gradient._param_names()
    name = params[k] if k < len(params) else str(k)
    file, line = gradient._where()
    if differentiated and not isinstance(value, dict) and not any(
            isinstance(v, (np.ndarray, tuple, list, dict)) for v in value):
        differentiated = False  # numbers: read as an array, as ever (np.asarray below)
    if differentiated or isinstance(value, dict):
        what = ("srcgrad does not yet differentiate with respect to a container (tuple, "
                "list, dict)" if differentiated else
                "srcgrad does not yet take dicts (or other containers of arrays) as arguments")
        hint = "" if isinstance(value, dict) else ", or one array made with np.stack"
        raise UnsupportedArgumentError(
            f"{gradient.__name__}(): parameter '{name}' of {fn_name(gradient.fn)} got a {kind}: "
            f"{what}; pass each array as its own argument{hint}", file, line)
    try:
        array = np.asarray(value)
    except ValueError:
        array = None
    if array is None or array.dtype == object:
        raise UnsupportedArgumentError(
            f"{gradient.__name__}(): parameter '{name}' of {fn_name(gradient.fn)} got a {kind} "
            "that is not one array (its entries differ in shape or type): containers of "
            "arrays are not supported yet; pass each array as its own argument",
            file, line)
    return array


def fn_name(fn) -> str:
    """The name of the user's function under any number of gradients."""
    from .gradient import GradFunction  # the class that uses this module

    while isinstance(fn, GradFunction):
        fn = fn.fn
    return getattr(fn, "__name__", "the function")
