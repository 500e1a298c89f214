"""The adjoint rules of the primitives srcgrad differentiates.

Importing this package registers every rule, grouped by family:

- `unary`: one-argument elementwise functions (`np.sin`, `math.exp`, `abs`, casts);
- `binary`: broadcasting arithmetic and friends (`+`, `np.power`, `np.maximum`, `np.clip`);
- `elementwise_more`: inverse hyperbolic functions, `sinc`, angle conversions,
  `copysign`, `heaviside`, `fmod`, `nan_to_num`, `real`/`imag`/`conj`, and
  `math.hypot`/`math.dist`/`math.prod` of several values;
- `reductions`: `np.sum`, `mean`, `max`, `min`, `prod`, `cumsum`, `var`, `std`;
- `shapes`: reshapes, transposes, `concatenate`, `stack`, copies, fills;
- `rearrange`: flips, rolls, triangles, diagonals, at-least ranks, `swapaxes`,
  `moveaxis`, `hstack`, `vstack`;
- `linalg`: `np.dot`, `@`, `np.outer`, `np.trace`, `np.linalg.norm`, and
  `det`, `slogdet`, `inv`, `solve`, `cholesky` of a matrix or a stack of them;
- `spectral`: `np.fft.fftshift`, `ifftshift`, `fftfreq`, `rfftfreq`, and the
  transforms on complex values split into parts (`frontend/complexes.py`);
- `special`: SciPy's special functions (`gammaln`, `psi`, `erf`, `expit`, ...)
  and `math.gamma`, `math.lgamma`;
- `distributions`: log-densities of `scipy.stats` (`norm`, `t`, `gamma`, `beta`,
  `poisson`, `multivariate_normal`), written as operations with rules;
- `decompositions`: `np.linalg.eigh`, `eigvalsh`, `svd`, `qr`, `pinv`, `lstsq`;
- `scipy_linalg`: `scipy.linalg`'s `solve`, `inv`, `det`, `cholesky`, `eigh`,
  `solve_triangular`, `cho_factor`, `cho_solve`, `lu_factor` and `lu_solve`,
  written with NumPy's and substitutions;
- `matrix_functions`: `scipy.linalg.solve_sylvester` and `sqrtm`;
- `einsum`: `np.einsum` of constant subscripts, written as the operations above;
- `products`: `tensordot`, `inner`, `vdot`, `multi_dot`, `matrix_power`, `kron`, `cross`;
- `norms`: `np.linalg.norm`'s orders other than 2 and 'fro', written as operations;
- `helpers`: the rules of the run-time helpers themselves (`select`, `cast_like`,
  `unbroadcast`, ...), so that gradients can be differentiated again;
- `lists`: lists grown in a loop of unknown length (`acc.append(v)`, `np.array(acc)`);
- `tiling`: `tile`, `repeat`, `pad`, `rot90`, `broadcast_to`, `take`,
  `take_along_axis`, `ravel(order='F')`, as reads at flat positions (`gather`);
- `pieces`: `split`, `array_split`, `dstack`, `column_stack`, `append`;
- `ordering`: `sort`, `partition`, `select` (`np.piecewise`: `frontend/piecewise.py`);
- `statistics`: `logaddexp`, `ptp`, `average`, the NaN-aware reductions, `cumprod`;
- `orderstats`: `median`, `quantile`, `percentile`;
- `signals`: `diff`, `gradient`, `trapezoid`;
- `convolution`: `convolve`, `correlate` of two vectors, NumPy's and `scipy.signal`'s;
- `polynomials`: `polyval`;
- `interpolation`: `interp` (in `x`, `xp`, `fp`, `left` and `right`);
- `ufunc_methods`: `reduce` and `accumulate` of `np.add`, `multiply`, `maximum`,
  `minimum` (the running maximum and minimum), `np.logaddexp.reduce`;
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
    decompositions,
    distributions,
    einsum,
    elementwise_more,
    helpers,
    interpolation,
    linalg,
    lists,
    matrix_functions,
    norms,
    ordering,
    orderstats,
    pieces,
    polynomials,
    products,
    rearrange,
    reductions,
    scipy_linalg,
    shapes,
    signals,
    special,
    spectral,
    statistics,
    tiling,
    ufunc_methods,
    unary,
    writes,
)
from .registry import adjoint, is_nondifferentiable, lookup, nondifferentiable, replacement

__all__ = ["adjoint", "lookup", "is_nondifferentiable", "nondifferentiable", "replacement"]
