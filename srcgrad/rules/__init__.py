"""The adjoint rules of the primitives srcgrad differentiates.

Importing this package registers every rule, grouped by family:

- `unary`: one-argument elementwise functions (`np.sin`, `math.exp`, `abs`, casts);
- `binary`: broadcasting arithmetic and friends (`+`, `np.power`, `np.maximum`, `np.clip`);
- `reductions`: `np.sum`, `mean`, `max`, `min`, `prod`, `cumsum`, `var`, `std`;
- `shapes`: reshapes, transposes, `concatenate`, `stack`, copies, fills;
- `rearrange`: flips, rolls, triangles, diagonals, at-least ranks, `swapaxes`,
  `moveaxis`, `hstack`, `vstack`;
- `linalg`: `np.dot`, `@`, `np.outer`, `np.trace`, `np.linalg.norm`, and
  `det`, `slogdet`, `inv`, `solve`, `cholesky` of one matrix;
- `helpers`: the rules of the run-time helpers themselves (`select`, `cast_like`,
  `unbroadcast`, ...), so that gradients can be differentiated again;
- `statistics`: `logaddexp`, `ptp`, `average`, the NaN-aware reductions, `cumprod`;
- `orderstats`: `median`, `quantile`, `percentile`;
- `signals`: `diff`, `gradient`, `trapezoid`;
- `convolution`: `convolve`, `correlate` of two vectors;
- `polynomials`: `polyval`;
- `writes`: calls that write into an argument (`np.add.at`, `np.copyto`, `x.sort()`).

`registry` holds the contract (`adjoint`, `nondifferentiable`, `replace`) and
the look-ups the transformer uses.  The modules here hold registrations only:
the functions a rule calls, and the replacements of NumPy functions, are in
`srcgrad.runtime` (which never imports the rules).
"""

from __future__ import annotations

from . import (  # noqa: F401  (registers)
    binary,
    convolution,
    helpers,
    linalg,
    orderstats,
    polynomials,
    rearrange,
    reductions,
    shapes,
    signals,
    statistics,
    unary,
    writes,
)
from .registry import adjoint, is_nondifferentiable, lookup, nondifferentiable, replacement

__all__ = ["adjoint", "lookup", "is_nondifferentiable", "nondifferentiable", "replacement"]
