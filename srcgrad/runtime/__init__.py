"""What generated adjoints call at run time, as NumPy (`target="python"`) and
as Numba implementations (`target="cpu"`): cotangent helpers (`core`), the
vectorised math functions (`vecmath`), and the cache of srcgrad's own compiled
code (`machinecode`).
"""

from .core import (  # noqa: F401
    add_at,
    copy_value,
    grad_dtype,
    last_writes,
    new_cotangent,
    pop_shape,
    push_shape,
    refuse_inplace_alias,
    refuse_shared,
    seed,
    shape_of,
    store_last,
    take_cotangent,
    unbroadcast,
    zeros_like,
)

__all__ = [
    "zeros_like",
    "seed",
    "unbroadcast",
    "new_cotangent",
    "take_cotangent",
    "push_shape",
    "pop_shape",
    "copy_value",
    "grad_dtype",
    "refuse_inplace_alias",
    "refuse_shared",
    "shape_of",
    "add_at",
    "last_writes",
    "store_last",
]
