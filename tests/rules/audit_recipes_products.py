"""API-audit recipes of the products and norms family (np.kron, np.cross,
np.linalg.matrix_power).  np.einsum, tensordot, inner, vdot and multi_dot are written
by the lowering as other operations (no rule of their own, so not in the
audited registry): tests/rules/test_product_calls.py checks them."""

from audit_recipes import A, R

RECIPES = {
    "numpy.kron": R(["np.kron(x0, x1)", "np.kron(x0[0], x1)"], A((2, 3)), A((3, 2)), cpu=True),
    "numpy.cross": R(["np.cross(x0, x1)", "np.cross(x0, x1[1])"], A((4, 3)), A((4, 3)), cpu=True),
    "numpy.linalg.matrix_power": R(["np.linalg.matrix_power(x0, 3)",
                                    "np.linalg.matrix_power(x0, 0) * x0"], A((3, 3)), cpu=True),
}
