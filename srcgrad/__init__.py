"""srcgrad: ahead-of-time reverse-mode differentiation of NumPy/`math` Python
by source transformation, compiled with Numba.

    import srcgrad as sg

    @sg.grad
    def f(x):
        ...

    f(x)          # the gradient, computed by generated code compiled with Numba
    print(f.source)
"""

__version__ = "0.1.0"

from . import rules  # noqa: E402,F401  (registers the adjoint rules)
from .api import nopython  # noqa: E402,F401  (gradient functions callable from @njit code)
from .api.elementwise import vectorize  # noqa: E402
from .api.gradient import GradFunction, grad, stop_gradient, value_and_grad  # noqa: E402
from .api.higher import hessian, hvp, jacobian, jvp  # noqa: E402
from .errors import (  # noqa: E402
    CompileError,
    LoopLimitError,
    NoAdjointError,
    OutOfMemoryError,
    SrcGradError,
    UnsupportedArgumentError,
    UnsupportedSyntaxError,
)
from .rules.registry import adjoint  # noqa: E402

__all__ = [
    "grad",
    "value_and_grad",
    "stop_gradient",
    "hvp",
    "hessian",
    "jvp",
    "jacobian",
    "vectorize",
    "adjoint",
    "GradFunction",
    "SrcGradError",
    "UnsupportedSyntaxError",
    "NoAdjointError",
    "CompileError",
    "OutOfMemoryError",
    "LoopLimitError",
    "UnsupportedArgumentError",
    "__version__",
]
