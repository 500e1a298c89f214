"""Facts about values and Numba types that the run-time helpers share.

`grad_dtype` is the dtype of a cotangent: a floating value's own, float64
for an integer or boolean value.  The other functions answer questions about
the Numba types an `overload` implementation is chosen by (`is_scalar_type`,
`numba_grad_dtype`, `weak_result_dtype`, ...); they run at compile time and
are never called by generated code.

Dtypes follow NumPy 2 with its "weak" Python scalars: a scalar operand never
widens an array's floating dtype (`select(c, float32_array, 0)` is float32).
Under Numba a scalar cannot be told from a Python number, so every scalar
operand is weak there.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.np.numpy_support import as_dtype


def grad_dtype(*values) -> np.dtype:
    """The dtype of the cotangent of `x` (of the values together, where
    there are more: their result type, float64 if not floating)."""
    dtype = np.result_type(*values)
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


def numba_grad_dtype(ty) -> np.dtype:
    """`grad_dtype` of a value of the Numba type `ty`."""
    dtype = as_dtype(ty.dtype if isinstance(ty, types.Array) else ty)
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


def is_scalar_type(ty) -> bool:
    """Whether the Numba type `ty` is a number or a bool."""
    return isinstance(ty, (types.Number, types.Boolean))


def own_float_dtype(ty) -> bool:
    """Whether `ty` is a float array, whose gradient dtype is its dtype."""
    return isinstance(ty, types.Array) and isinstance(ty.dtype, types.Float)


def scalar_if_scalars(result, *inputs):
    """`result` as a scalar when no input is an array (NumPy hands back 0-d
    arrays from `np.where` and friends where Numba's twins return scalars)."""
    if isinstance(result, np.ndarray) and result.ndim == 0:
        if not any(isinstance(v, np.ndarray) for v in inputs):
            return result[()]
    return result


def is_none_type(ty) -> bool:
    """Whether a Numba argument type stands for `None` (passed or defaulted)."""
    if ty is None or isinstance(ty, types.NoneType):
        return True
    return isinstance(ty, types.Omitted) and ty.value is None


def numba_dtype(ty) -> np.dtype:
    """The NumPy dtype of a Numba scalar or array type."""
    return as_dtype(ty.dtype if isinstance(ty, types.Array) else ty)


_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
_PYTHON_SCALAR = {"b": False, "u": 0, "i": 0, "f": 0.0, "c": 0j}


def weak_result_dtype(*tys) -> np.dtype:
    """NumPy 2's result dtype of operands of Numba types `tys`, with scalars
    weak as Python numbers are: a scalar of a lower or equal kind takes the
    arrays' dtype.  Among scalars only, those of the highest kind are strong."""
    dtypes = [numba_dtype(t) for t in tys]
    strong = [isinstance(t, types.Array) for t in tys]
    if not any(strong):
        top = max(_KIND_RANK[d.kind] for d in dtypes)
        strong = [_KIND_RANK[d.kind] == top for d in dtypes]
    return np.result_type(
        *(np.empty(0, d) if s else _PYTHON_SCALAR[d.kind] for d, s in zip(dtypes, strong))
    )
