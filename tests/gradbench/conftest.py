"""The eval modules' own `numba.njit(cache=True)` functions call srcgrad's
generated modules, which live in srcgrad's cache directory: Numba's cache of
such a function, loaded in a process with another srcgrad cache (a second
test run with a new `SRCGRAD_CACHE_DIR`), imports a generated module that
is not there (a known srcgrad limit, issue 20).  So the eval modules are
imported here with Numba's cache directory beside srcgrad's (Numba reads
it when it decorates a function), and the setting put back for every other
test."""

import importlib
import pkgutil

import numba

import bench.gradbench
from srcgrad.backend.compile import cache_dir

_saved = numba.config.CACHE_DIR
numba.config.CACHE_DIR = str(cache_dir() / "numba-bench")
try:
    for _module in pkgutil.iter_modules(bench.gradbench.__path__):
        if _module.name not in ("__main__", "compare", "session", "jax_blocking", "cpp_prebuilt"):
            importlib.import_module(f"bench.gradbench.{_module.name}")
finally:
    numba.config.CACHE_DIR = _saved
