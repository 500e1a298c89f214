"""Forward mode by source transformation: the tangent function of a function.

The modules, in the order the pipeline runs them:

- `build`: the pipeline (`transform_tangent`): the reverse mode's front end
  and activity analysis, the tangent sweep, cleanup and printing;
- `forward`: the tangent sweep, each statement followed by its tangent;
- `rules`: the tangent of one operation, from the declarations of
  `srcgrad/rules/tangents.py` and the elementwise adjoint rules.
"""

from .build import transform_tangent
from .rules import NoTangentError

__all__ = ["transform_tangent", "NoTangentError"]
