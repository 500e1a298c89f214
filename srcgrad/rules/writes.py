"""Calls that write into an argument: which argument, and what srcgrad makes of them.

NumPy functions that change an array in place are declared here with the
registry's `mutates` and `mutates_method`.  One that has an `update`, a
function of the old value returning the new one, is lowered to an
assignment of that function's result (`np.add.at(a, i, b)` → `a =
scatter_add(a, i, b)`), and the update's adjoint rule is beside it; every
other one is refused where it is called.  A call with `out=` needs no
declaration: it assigns its result into `out` (`np.exp(y, out=y)` is
`y[...] = np.exp(y)`), whatever the function, which then needs a rule of
its own (see `frontend/statements.py`).

`scatter_add` lives in `srcgrad.runtime.scatter`.
"""

from __future__ import annotations

import numpy as np

from ..runtime import cast_like, scatter_add, unbroadcast
from .registry import adjoint, mutates, mutates_method
from .tangents import linear


@adjoint(scatter_add)
def scatter_add_adjoint(g, ans, a, indices, b):
    return (unbroadcast(g, a), None,
            unbroadcast(cast_like(unbroadcast(g, a)[indices], b), b))
linear(scatter_add, params=("a", "b"))


mutates_method(np.add, "at", param="a", position=0, update=scatter_add)

# --- refused: no update to lower them to ------------------------------------------------------

mutates_method(np.ufunc, "at", param="a", position=0)  # np.multiply.at, np.maximum.at, ...
mutates(np.copyto, param="dst", position=0)
mutates(np.put, param="a", position=0)
mutates(np.place, param="arr", position=0)
mutates(np.putmask, param="a", position=0)
mutates(np.fill_diagonal, param="a", position=0)
mutates_method(np.random.RandomState, "shuffle", param="x", position=0)  # np.random.shuffle
mutates_method(np.random.Generator, "shuffle", param="x", position=0)
for _method in ("fill", "sort", "partition", "resize", "put", "setfield", "itemset"):
    mutates_method(np.ndarray, _method)
