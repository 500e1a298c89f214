"""What generated adjoints call at run time: the one namespace they import.

Every function here is a plain NumPy function (what `target="python"` runs)
with a Numba implementation chosen by the argument types (`target="cpu"`);
both return the same values, for scalars and arrays alike.  A generated
module imports all it uses in one line, `from srcgrad.runtime import ...`,
under each function's own `__name__`; `__all__` lists them.  The rules
(`srcgrad.rules`) register the adjoints of these functions and refer to
them from here; nothing here imports the rules.

The modules, by job:

- `cotangents`: the seed, zero and first cotangents (`seed`, `zeros_like`,
  `new_cotangent`, `take_cotangent`);
- `broadcast`: summing a cotangent back to a shape (`unbroadcast`, `sum_to`);
- `stacks`: saved shapes (`push_shape`, `pop_shape`);
- `guards`: copies of saved values, refusals of aliased in-place updates;
- `scatter`: writes and reads through index arrays (`add_at`, `last_writes`);
- `elementwise`, `reductions`, `prod`, `shapes`, `joins`, `rearrange`, `ranges`,
  `linalg`, `matrices`, `norms`: the replacements of NumPy functions Numba cannot
  compile as written, and the helpers their rules call;
- `vecmath`: vectorised `exp`, `log`, `tanh`, `sin`, `cos`;
- `dtypes`, `axes`, `arrays`, `groups`: what the implementations share
  (never called by generated code);
- `machinecode`: the on-disk cache of all of these, compiled.
"""

from .broadcast import shape_of, sum_to, unbroadcast
from .convolution import (
    convolve,
    convolve_grad,
    correlate,
    correlate_grad,
    correlate_v_grad,
)
from .cotangents import new_cotangent, seed, take_cotangent, zeros_like
from .cumulative import cumprod, cumprod_curvature, cumprod_grad, cumprod_jvp
from .dtypes import grad_dtype
from .elementwise import (
    absolute,
    cast_grad,
    cast_grad_as,
    cast_like,
    clip,
    float32,
    float64,
    greater_share,
    log_base,
    safe_reciprocal,
    select,
)
from .guards import copy_value, refuse_inplace_alias, refuse_shared, stop_gradient
from .joins import concat_pad, concat_part, concatenate, stack, stack_pad, stack_part
from .linalg import dot, dot_grad_left, dot_grad_right, matmul, product
from .matrices import (
    cholesky,
    det,
    fold_lower,
    half_lower,
    inv,
    logabsdet,
    mirror_lower,
    slogdet_sign,
    solve,
)
from .norms import norm, trace_grad, vector_operand
from .orderstats import (
    quantile,
    quantile_grad,
    quantile_jvp,
    quantile_q_grad,
)
from .polynomials import poly_derivative, poly_derivative_grad, polyval, polyval_p_grad
from .prod import prod_others, prod_others_vjp, prod_others_vjp2
from .ranges import arange_start_grad, arange_step_grad, linspace, linspace_grad, linspace_spread
from .rearrange import (
    atleast_1d,
    atleast_2d,
    atleast_3d,
    diag_grad,
    diagonal,
    flip,
    hstack_axis,
    hstack_part,
    roll,
    vstack_part,
)
from .reductions import (
    cumsum_grad,
    degrees_of_freedom,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_sum,
    reduced_size,
    sum_grad,
    tie_weights,
    vector_argument,
)
from .scatter import add_at, last_writes, scatter_add, store_last
from .shapes import (
    array,
    expand_dims,
    expanded_shape,
    ndim,
    ravel,
    reshape,
    reshape_grad,
    squeeze,
    squeezed_shape,
    transpose_grad,
)
from .signals import (
    diff,
    diff_grad,
    gradient_along,
    gradient_along_grad,
    pair_mean,
    pair_mean_grad,
    uniform_spacing,
)
from .stacks import pop_shape, push_shape
from .statistics import highest_like, lowest_like, valid_count, weights_shape
from .vecmath import cos, exp, log, sin, tanh

__all__ = [
    # cotangents, broadcasting, saved shapes, guards, scatter
    "zeros_like", "seed", "unbroadcast", "new_cotangent", "take_cotangent", "push_shape",
    "pop_shape", "copy_value", "stop_gradient", "grad_dtype", "refuse_inplace_alias", "refuse_shared",
    "shape_of", "add_at", "last_writes", "store_last", "scatter_add", "sum_to",
    # elementwise
    "cast_like", "cast_grad", "cast_grad_as", "select", "greater_share", "safe_reciprocal",
    "absolute", "log_base", "float32", "float64", "clip",
    "exp", "log", "tanh", "sin", "cos",
    # reductions
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "sum_grad",
    "reduced_size", "degrees_of_freedom", "tie_weights", "cumsum_grad", "prod_others", "prod_others_vjp",
    "prod_others_vjp2",
    # shapes
    "reshape", "ravel", "reshape_grad", "squeeze", "squeezed_shape", "expand_dims",
    "expanded_shape", "transpose_grad", "array", "ndim", "concatenate", "stack",
    "concat_part", "concat_pad", "stack_part", "stack_pad", "linspace", "linspace_grad",
    "linspace_spread", "arange_start_grad", "arange_step_grad", "atleast_1d", "atleast_2d",
    "atleast_3d", "flip", "roll", "diagonal", "diag_grad", "hstack_axis", "hstack_part",
    "vstack_part",
    # linear algebra
    "dot", "matmul", "product", "dot_grad_left", "dot_grad_right", "trace_grad", "norm",
    "vector_argument", "vector_operand", "det", "slogdet_sign", "logabsdet", "inv", "solve", "cholesky",
    "half_lower", "mirror_lower", "fold_lower",
    # statistics and signals
    "valid_count", "lowest_like", "highest_like", "weights_shape", "quantile", "quantile_grad",
    "quantile_jvp", "quantile_q_grad", "cumprod", "cumprod_grad",
    "cumprod_jvp", "cumprod_curvature", "diff", "diff_grad", "pair_mean", "pair_mean_grad",
    "gradient_along", "gradient_along_grad", "uniform_spacing", "convolve", "convolve_grad",
    "correlate", "correlate_grad", "correlate_v_grad", "polyval", "poly_derivative",
    "poly_derivative_grad", "polyval_p_grad",
]
