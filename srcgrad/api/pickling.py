"""Gradient functions in other processes: pickled as the recipe that made them.

A gradient function holds generated modules, Numba dispatchers and a lock,
none of which travel.  Its pickle is its recipe instead: the user's function
and the options it was made with (for `sg.grad`, also the argument kinds its
calls made the code for, so that a worker generates the same source).
Unpickled, the gradient function is made again from that.  Its first call
transforms the function again (a fraction of a second), finds the generated
module in the cache directory under the same name (a hash of its source), and
Numba loads the compiled code from its disk cache beside it: where the
workers share `SRCGRAD_CACHE_DIR` with the process that compiled, nothing is
compiled again.

How the user's function travels (`reduce_gradient`):

- a function found under its module and qualified name, in a module other
  than `__main__`: by reference, as pickle sends any function;
- a gradient function found so (`@sg.grad` on a module-level `def`): by
  reference to that module-level name;
- a function in `__main__`, a nested function or a closure, or the function
  under `@sg.grad` in `__main__`: by value, with cloudpickle, together with
  the lines of its source file, so that a worker without that file (another
  machine of a cluster, a notebook's cell) can still read its source.
  Without cloudpickle installed, a function of a script's `__main__` goes by
  reference (under `spawn` the worker runs the script's definitions again),
  and a nested function or closure raises a `pickle.PicklingError` that
  says what to do;
- anything else (a bound method, a gradient function differentiated again,
  a Numba dispatcher): as pickle sends it.

A function sent by value must be one whose source srcgrad can read in the
worker: its own file's lines travel with it, not those of other files it
calls into (a helper defined in another notebook cell).

A worker that unpickles the same gradient function again (a task queue
sends it with every task) gets the one it made before (`_remembered`, the
last few): it is transformed once per process, not once per task.
"""

from __future__ import annotations

import importlib
import linecache
import pickle
import sys
import threading
import types
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["reduce_gradient", "rebuild_gradient", "remake"]


def _cloudpickle():
    try:
        import cloudpickle
    except ImportError:
        return None
    return cloudpickle


def _module_attribute(fn: types.FunctionType):
    """What `fn`'s module holds under `fn`'s qualified name (None if nothing)."""
    obj = sys.modules.get(fn.__module__)
    for part in fn.__qualname__.split("."):
        obj = getattr(obj, part, None)
    return obj


def reduce_gradient(holder: object, fn: Callable, rebuild: Callable, *rest) -> tuple:
    """The `__reduce__` value of `holder`, made from `fn`: `rebuild(fn, *rest)`
    in the unpickling process (see the module's docstring for how `fn` travels)."""
    if isinstance(fn, types.FunctionType):
        found = _module_attribute(fn)
        main = fn.__module__ == "__main__"
        if found is fn and not main:
            pass  # by reference
        elif found is holder and not main:
            return _module_global, (fn.__module__, fn.__qualname__)
        elif _cloudpickle() is not None:
            fn = _ByValue(fn)
        elif found is fn:
            pass  # a script's __main__, by reference: spawn's workers define it again
        elif found is holder:
            return _module_global, (fn.__module__, fn.__qualname__)
        else:
            what = ("a nested function or a closure" if "<locals>" in fn.__qualname__ else
                    f"not what {fn.__module__}.{fn.__qualname__} holds")
            raise pickle.PicklingError(
                f"cannot pickle {holder!r}: {fn.__qualname__} is {what}, which pickle cannot "
                "send by reference. Install cloudpickle (srcgrad then sends the function by "
                "value, with its source), or define the function at the top level of a "
                "module that the other process imports")
    return rebuild, (fn, *rest)


def _module_global(module: str, qualname: str):
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


class _ByValue:
    """A function pickled by value with cloudpickle, with what srcgrad needs
    to read its source in a process that lacks its file.  cloudpickle (3.1
    on) names the file of every function it sends by value
    `<dynamic-code>`: the real names travel beside it, with the files' lines."""

    def __init__(self, fn: types.FunctionType):
        self.fn = fn

    def __reduce__(self):
        files = {_key(f): f.__code__.co_filename for f in _sent_by_value(self.fn)}
        sources = {file: tuple(linecache.getlines(file)) for file in set(files.values())}
        return _function_by_value, (_cloudpickle().dumps(self.fn), files, sources)


def _key(fn: types.FunctionType) -> tuple[str, str, int]:
    return fn.__module__, fn.__qualname__, fn.__code__.co_firstlineno


def _sent_by_value(fn: types.FunctionType) -> list[types.FunctionType]:
    """`fn` and the functions that cloudpickle sends by value with it: those
    of `__main__`, nested functions and closures, that it reaches through
    the globals it names and its closure."""
    found: dict[int, types.FunctionType] = {}
    stack = [fn]
    while stack:
        f = stack.pop()
        if id(f) in found:
            continue
        found[id(f)] = f
        codes, names = [f.__code__], set()
        while codes:  # the names read by the function and by the code nested in it
            code = codes.pop()
            names.update(code.co_names)
            codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
        values = [f.__globals__.get(name) for name in names]
        for cell in f.__closure__ or ():
            try:
                values.append(cell.cell_contents)
            except ValueError:  # an empty cell
                pass
        values += [getattr(v, "fn", None) for v in values]  # a gradient function's function
        stack += [v for v in values if isinstance(v, types.FunctionType)
                  and (v.__module__ == "__main__" or _module_attribute(v) is not v)]
    return list(found.values())


def _with_file(code: types.CodeType, file: str) -> types.CodeType:
    consts = tuple(_with_file(c, file) if isinstance(c, types.CodeType) else c
                   for c in code.co_consts)
    return code.replace(co_filename=file, co_consts=consts)


def _function_by_value(payload: bytes, files: dict, sources: dict):
    """The function of `payload` and those sent with it, each with its own
    file name again, the files' lines given to `linecache` (which `inspect`
    and srcgrad read sources from) where this process has another version
    of a file, or none."""
    for file, lines in sources.items():
        if lines and tuple(linecache.getlines(file)) != lines:
            # no modification time: linecache.checkcache keeps the entry as it is
            linecache.cache[file] = (sum(map(len, lines)), None, list(lines), file)
    def load():
        fn = pickle.loads(payload)
        for f in _sent_by_value(fn):
            file = files.get(_key(f))
            if file is not None and f.__code__.co_filename != file:
                f.__code__ = _with_file(f.__code__, file)
        return fn

    return _remembered(("by value", payload), load)


_REMEMBERED: OrderedDict = OrderedDict()
_REMEMBERED_LOCK = threading.Lock()
_REMEMBER = 64


def _remembered(key, make: Callable):
    """What `make()` made for `key` the last time, among the last few keys:
    the same function, or gradient function, for the same pickle."""
    try:
        hash(key)
    except TypeError:  # a bound method of an unhashable object, say
        return make()
    with _REMEMBERED_LOCK:
        if key in _REMEMBERED:
            _REMEMBERED.move_to_end(key)
            return _REMEMBERED[key]
    made = make()
    with _REMEMBERED_LOCK:
        made = _REMEMBERED.setdefault(key, made)
        while len(_REMEMBERED) > _REMEMBER:
            _REMEMBERED.popitem(last=False)
    return made


def rebuild_gradient(fn: Callable, options: dict, assumed):
    """A `GradFunction` made again in another process: `options` as given to
    `grad`, `assumed` the argument kinds its calls had made the code for."""
    from .gradient import GradFunction

    def make():
        gradient = GradFunction(fn, **options)
        if assumed is not None and gradient.target != "cuda" and gradient.inner is None:
            gradient._assumed = assumed
        return gradient

    return _remembered((fn, repr(sorted(options.items())), assumed), make)


def remake(fn: Callable, factory: Callable, *args):
    """`factory(fn, *args)` (`sg.jvp`, `sg.hvp`, ...) made again in another process."""
    return _remembered((fn, factory, repr(args)), lambda: factory(fn, *args))
