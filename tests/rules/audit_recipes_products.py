"""API-audit recipes of the products and norms family (np.kron, np.cross).
np.einsum, tensordot, inner, vdot, multi_dot and matrix_power are written
by the lowering as other operations (no rule of their own, so not in the
audited registry): tests/rules/test_product_calls.py checks them."""

from audit_recipes import A, R

RECIPES = {
    "numpy.kron": R(["np.kron(x0, x1)", "np.kron(x0[0], x1)"], A((2, 3)), A((3, 2)), cpu=True),
    "numpy.cross": R(["np.cross(x0, x1)", "np.cross(x0, x1[1])"], A((4, 3)), A((4, 3)), cpu=True),
}
