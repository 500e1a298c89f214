"""What generated adjoints call at run time: the one namespace they import.

Every function here is a plain NumPy function (what `target="python"` runs)
with a Numba implementation chosen by the argument types (`target="cpu"`);
both return the same values, for scalars and arrays alike.  A generated
module imports all it uses in one line, `from srcgrad.runtime import ...`,
under each function's own `__name__`; `__all__` lists them.  The rules
(`srcgrad.rules`) register the adjoints of these functions and refer to
them from here; nothing here imports the rules.

The modules, by job:

- `cotangents`: the seed, zero and first cotangents (`seed`, `seed_row`,
  `seed_entry`, `zeros_like`, `new_cotangent`, `take_cotangent`);
- `broadcast`: summing a cotangent back to a shape (`unbroadcast`, `sum_to`);
- `tangents`: tangents (forward mode) of their primal's type (`broadcast_like`);
- `stacks`: saved shapes (`push_shape`, `pop_shape`), room in a stack of numbers (`reserve`);
- `guards`: copies of saved values, refusals of aliased in-place updates;
- `scatter`: writes and reads through index arrays (`add_at`, `last_writes`);
- `tiling`, `ordering`: reads at flat positions (`gather`) and where they
  read from, for tiles, pads, rotations, takes, splits, sorts;
- `elementwise`, `steps`, `spectral`, `reductions`, `prod`, `shapes`, `joins`,
  `rearrange`, `ranges`, `linalg`, `matrices`, `norms`, `matrix_norms`,
  `decompositions`, `triangular`, `lu`, `lapack`, `sylvester`, `products`, `kron`, `powers`: the
  replacements of NumPy functions Numba cannot compile as written, and the
  helpers their rules call;
- `statistics`, `orderstats`, `cumulative`, `extremes`, `signals`, `convolution`,
  `interpolation`, `polynomials`: NaN-aware reductions, quantiles, `cumprod`,
  running maxima and minima, differences, convolutions, interpolation and
  polynomials, with the helpers of their rules;
- `lists`: lists grown in a loop of unknown length, and `np.ndindex` of a
  shape known when the function runs;
- `vecmath`: vectorised `exp`, `log`, `tanh`, `sin`, `cos`;
- `decisions`: the builtins `max` and `min` of two numbers with their comparison kept in a
  byte (`order`, `max_by`, `min_by`, `order_share`: `adjoint/decisions.py`);
- `densities`: the constant parts of log-sum-exp and of `scipy.stats`'
  log-densities (the shift, supports);
- `special`: SciPy's special functions (`gammaln`, `psi`, `erf`, ...), compiled
  with SciPy's own kernels;
- `dtypes`, `axes`, `arrays`, `groups`: what the implementations share
  (never called by generated code);
- `lists`: lists that grow in a loop of unknown length (`acc.append(v)`);
- `machinecode`: the on-disk cache of all of these, compiled.
"""

from .broadcast import shape_of, sum_to, unbroadcast
from .convolution import (
    centred_index,
    convolve,
    convolve_grad,
    correlate,
    correlate_grad,
    correlate_v_grad,
)
from .cotangents import new_cotangent, seed, seed_entry, seed_row, take_cotangent, zeros_like
from .cumulative import cumprod, cumprod_curvature, cumprod_grad, cumprod_jvp, cumprod_second
from .decisions import max_by, min_by, order, order_share
from .decompositions import (
    eigh_values,
    eigh_vectors,
    gap_product,
    lstsq_rank,
    lstsq_residuals,
    lstsq_solution,
    pinv,
    qr_q,
    qr_r,
    singular_reciprocal,
    svd_s,
    svd_u,
    svd_vt,
)
from .densities import (
    counts,
    covariance_dimension,
    dirichlet_points,
    gaussian_dimension,
    invalid_mean,
    invalid_scale,
    logsumexp_shift,
    nonnegative,
    unit_interval,
)
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
from .extremes import accumulate_extreme, accumulate_extreme_grad, accumulate_extreme_jvp
from .guards import copy_value, refuse_inplace_alias, refuse_shared, stop_gradient
from .indices import nonneg_index
from .interpolation import interp, interp_mask, knot, knot_grad, unless_given
from .joins import concat_pad, concat_part, concatenate, stack, stack_pad, stack_part
from .kron import cross, kron, kron_grad_left, kron_grad_right
from .lapack import (
    factored_inverse_t,
    factored_logabsdet,
    factored_sign,
    factored_solve,
    factored_solve_t,
    lu_factors,
)
from .linalg import (
    add_dot_grad_left,
    add_dot_grad_right,
    dot,
    dot_grad_left,
    dot_grad_right,
    matmul,
    product,
)
from .lists import (
    list_append,
    list_index,
    list_length,
    list_zeros,
    merged_shape,
    new_list,
    shape_size,
    stack_list,
    unravel,
)
from .lu import lu_matrix, lu_pivots, pivot_rows, unpivot_rows
from .matrices import (
    as_columns,
    cholesky,
    det,
    fold_lower,
    from_columns,
    half_lower,
    inv,
    logabsdet,
    matrix_inner,
    matrix_scale,
    mirror_lower,
    single_matrix,
    slogdet_sign,
    solve,
)
from .matrix_norms import (
    count_nonzero_norm,
    kept_shape,
    matrix_view,
    singular_values,
    singular_values_grad,
    singular_values_jvp,
)
from .norms import norm, trace_grad, vector_operand
from .ordering import partition_index, sort_index
from .orderstats import (
    quantile,
    quantile_grad,
    quantile_jvp,
    quantile_q_grad,
)
from .polynomials import poly_derivative, poly_derivative_grad, polyval, polyval_p_grad
from .powers import matrix_power, matrix_power_grad, matrix_power_grad2
from .prod import prod_others, prod_others_vjp, prod_others_vjp2
from .products import (
    eye_last,
    fold_head,
    fold_tail,
    identity_like,
    joined_shape,
    operand_of_rank,
)
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
    rollaxis_destination,
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
from .scatter import add_at, add_into, last_writes, scatter_add, store_last
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
from .special import (
    beta,
    betainc,
    betaincc,
    betaln,
    entr,
    erf,
    erfc,
    erfcinv,
    erfinv,
    exp1,
    expit,
    expn,
    gamma,
    gamma_pole,
    gammainc,
    gammaincc,
    gammaln,
    gammasgn,
    i0,
    i0e,
    i1,
    i1e,
    iv,
    ive,
    j0,
    j1,
    jv,
    kv,
    log_expit,
    log_ndtr,
    logit,
    ndtr,
    ndtri,
    pdtr,
    pdtrc,
    polygamma,
    psi,
    rgamma,
    stdtr,
    xlog1py,
    xlogy,
    y0,
    y1,
    yn,
    yv,
)
from .spectral import fftfreq, fftshift, ifftshift, rfftfreq
from .stacks import (
    checkpoint_every,
    pop_shape,
    push_shape,
    reserve,
    restore_state,
    value_bytes,
)
from .statistics import (
    highest_like,
    lowest_like,
    valid_count,
    variables_result,
    weights_shape,
)
from .steps import fill_cotangent, fmod, heaviside, imag_part_grad, real_part_grad
from .sums import accumulate
from .sylvester import sqrtm, sylvester
from .tangents import basis_like, broadcast_like, jacobian_shaped
from .tiling import (
    broadcast_index,
    column_shape,
    fortran_index,
    gather,
    gather_grad,
    gather_view,
    pad_index,
    repeat_index,
    rot90_index,
    scatter_subtract,
    split_index,
    take_along_index,
    take_index,
    tile_index,
)
from .transforms import (
    fft_part,
    fft_part_adjoint,
    irfft_adjoint,
    irfft_of,
    rfft_part,
    rfft_part_adjoint,
)
from .triangular import (
    banded_matrix,
    banded_matrix_grad,
    keep_triangle,
    lower_factor,
    lower_factor_grad,
    triangular_solve,
)
from .vecmath import cos, exp, exp_in_loop, log, log_in_loop, sin, tanh, tanh_in_loop

__all__ = [
    # cotangents, broadcasting, saved shapes, guards, scatter
    "zeros_like", "seed", "seed_row", "seed_entry", "unbroadcast", "new_cotangent", "take_cotangent", "push_shape",
    "pop_shape", "reserve", "checkpoint_every", "value_bytes", "restore_state", "accumulate", "nonneg_index", "copy_value", "stop_gradient", "grad_dtype", "refuse_inplace_alias", "refuse_shared",
    "shape_of", "broadcast_like", "basis_like", "jacobian_shaped", "add_at", "add_into", "last_writes", "store_last", "scatter_add", "sum_to",
    # elementwise
    "cast_like", "cast_grad", "cast_grad_as", "select", "greater_share", "safe_reciprocal",
    "order", "max_by", "min_by", "order_share",
    "absolute", "log_base", "float32", "float64", "clip", "heaviside", "fmod", "fill_cotangent",
    "real_part_grad", "imag_part_grad",
    "exp", "log", "tanh", "sin", "cos", "exp_in_loop", "log_in_loop", "tanh_in_loop",
    # reductions
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "sum_grad",
    "reduced_size", "degrees_of_freedom", "tie_weights", "cumsum_grad", "prod_others", "prod_others_vjp",
    "prod_others_vjp2",
    # shapes
    "reshape", "ravel", "reshape_grad", "squeeze", "squeezed_shape", "expand_dims",
    "expanded_shape", "transpose_grad", "array", "ndim", "concatenate", "stack",
    "concat_part", "concat_pad", "stack_part", "stack_pad", "linspace", "linspace_grad",
    "linspace_spread", "arange_start_grad", "arange_step_grad", "atleast_1d", "atleast_2d",
    "atleast_3d", "flip", "roll", "diagonal", "diag_grad", "hstack_axis", "rollaxis_destination", "hstack_part",
    "vstack_part",
    # reads at flat positions (tiling, ordering)
    "gather", "gather_view", "gather_grad", "tile_index", "repeat_index", "pad_index",
    "rot90_index", "broadcast_index", "fortran_index", "take_index", "take_along_index",
    "split_index", "sort_index", "partition_index", "column_shape", "scatter_subtract",
    # linear algebra
    "dot", "matmul", "product", "dot_grad_left", "dot_grad_right", "add_dot_grad_left",
    "add_dot_grad_right", "trace_grad", "norm",
    "vector_argument", "vector_operand", "det", "slogdet_sign", "logabsdet", "inv", "solve", "cholesky",
    "half_lower", "mirror_lower", "fold_lower", "matrix_scale", "matrix_inner", "as_columns",
    "from_columns", "single_matrix", "lu_factors", "factored_solve", "factored_solve_t",
    "factored_logabsdet", "factored_sign", "factored_inverse_t",
    # lists that grow in a loop
    "new_list", "list_append", "list_length", "list_index", "stack_list", "list_zeros",
    "shape_size", "unravel", "merged_shape",
    # np.fft's real-valued functions
    "fftshift", "ifftshift", "fftfreq", "rfftfreq", "fft_part", "fft_part_adjoint", "rfft_part",
    "rfft_part_adjoint", "irfft_of", "irfft_adjoint",
    # special functions
    "gammaln", "psi", "polygamma", "gamma", "beta", "betaln", "erf", "erfc", "erfinv",
    "erfcinv", "ndtr", "log_ndtr", "ndtri", "i0", "i1", "i0e", "i1e", "exp1", "expn", "expit",
    "logit", "log_expit", "xlogy", "xlog1py", "entr", "gammainc", "gammaincc", "rgamma",
    "gammasgn", "gamma_pole", "jv", "yv", "iv", "kv", "j0", "j1", "y0", "y1", "yn", "ive",
    "betainc", "betaincc", "stdtr", "pdtr", "pdtrc",
    "logsumexp_shift", "invalid_scale", "invalid_mean", "nonnegative",
    "unit_interval", "counts", "gaussian_dimension", "covariance_dimension", "dirichlet_points",
    # decompositions (decompositions, triangular)
    "eigh_values", "eigh_vectors", "gap_product", "singular_reciprocal", "svd_u", "svd_s", "svd_vt", "qr_q", "qr_r",
    "pinv", "lstsq_solution", "lstsq_residuals", "lstsq_rank", "triangular_solve", "keep_triangle",
    "lower_factor", "lower_factor_grad", "banded_matrix", "banded_matrix_grad", "lu_matrix", "lu_pivots", "pivot_rows", "unpivot_rows",
    # products (einsum, tensordot)
    "operand_of_rank", "eye_last", "fold_tail", "fold_head", "joined_shape", "identity_like",
    "kron", "kron_grad_left", "kron_grad_right", "cross",
    "matrix_power", "matrix_power_grad", "matrix_power_grad2",
    # matrix norms
    "singular_values", "singular_values_grad", "singular_values_jvp", "matrix_view", "kept_shape",
    "count_nonzero_norm",
    # statistics and signals
    "valid_count", "lowest_like", "highest_like", "weights_shape", "variables_result",
    "quantile", "quantile_grad",
    "quantile_jvp", "quantile_q_grad", "cumprod", "cumprod_grad",
    "cumprod_jvp", "cumprod_curvature", "cumprod_second", "accumulate_extreme",
    "accumulate_extreme_grad", "accumulate_extreme_jvp", "diff", "diff_grad", "pair_mean",
    "pair_mean_grad",
    "gradient_along", "gradient_along_grad", "uniform_spacing", "convolve", "convolve_grad",
    "correlate", "correlate_grad", "correlate_v_grad", "polyval", "poly_derivative",
    "poly_derivative_grad", "polyval_p_grad", "interp", "knot", "knot_grad", "interp_mask",
    "unless_given", "centred_index", "sylvester", "sqrtm",
]
