"""API-audit recipes of the operations written as reads at flat positions
(srcgrad/rules/tiling.py, ordering.py)."""

from __future__ import annotations

from audit_recipes import A, R

M, T = (3, 4), (2, 3, 4)

RECIPES = {
    "numpy.tile": R(["np.tile(x0, (2, 1))", "np.tile(x0, 3)"], A(M), cpu=True),
    "numpy.repeat": R(["np.repeat(x0, 2, axis=0)", "np.repeat(x0, np.array([1, 0, 2, 1]), axis=1)",
                       "np.repeat(x0, 2)"], A(M)),
    "numpy.rot90": R(["np.rot90(x0)", "np.rot90(x0, -1, axes=(1, 2))"], A(T), cpu=True),
    "numpy.broadcast_to": R("np.broadcast_to(x0, (2, 3, 4)) * np.arange(24.0).reshape(2, 3, 4)",
                            A((3, 1))),
    "numpy.take": R(["np.take(x0, np.array([2, 0, 2]), axis=1)", "np.take(x0, np.array([5, 5]))"],
                    A(M)),
    "numpy.take_along_axis": R("np.take_along_axis(x0, np.array([[1, 1], [0, 3], [2, 2]]), 1)",
                               A(M)),
    "numpy.pad": R(["np.pad(x0, 1, mode='wrap')", "np.pad(x0, ((0, 2), (1, 1)), 'reflect')",
                    "np.pad(x0, (1, 2), constant_values=x1)", "np.pad(x0, 2, 'edge')"],
                   A(M), A(), cpu=True),
    "numpy.sort": R(["np.sort(x0)", "np.sort(x0, axis=0)", "np.sort(x0, axis=None)"], A(M),
                    cpu=True),
    "numpy.partition": R(["np.partition(x0, 1)", "np.partition(x0, (0, 2), axis=0)"], A(M)),
}
