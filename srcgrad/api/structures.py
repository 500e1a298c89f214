"""How a gradient function reads its arguments and gives back its results.

`Structures` is a part of `GradFunction` (`api/gradient.py`): arguments
become the values the generated adjoint takes (a container of arrays, a
pytree, flattened into its leaves, per `ir/trees.py`; a list of numbers as
one array), gradients with respect to a container are gathered back into
its structure, the function's results into theirs, and `grad_ys` is read in
the structure of the function's results.
"""

from __future__ import annotations

import inspect

from ..backend.pipeline import Generated
from ..ir.trees import flatten, is_tree, object_tree, tree_of, unflatten
from .calls import as_input, container

__all__ = ["Structures"]


class Structures:
    """Arguments, gradients, results and seeds in their containers."""

    def _inputs(self, args) -> list:
        """The arguments as the adjoint takes them: a container of arrays (a
        pytree) as its leaves, a list or tuple of numbers as an array, a 0-d
        array as its scalar."""
        if self._self is not None:  # wrt="self": the method's object comes first
            args = (self._self, *args)
        trees = self._structures(args)
        values = []
        differentiated = None
        for k, value in enumerate(args):
            if k in trees:
                values += [as_input(leaf) for leaf in flatten(trees[k], value)]
                continue
            if isinstance(value, (tuple, list, dict)):
                if differentiated is None:
                    differentiated = set(self._generate().wrt_params)
                value = container(self, k, value, k in differentiated)
            values.append(as_input(value))
        return values

    def _structures(self, args) -> dict:
        """The containers of arrays among `args` (by position): the first call
        decides them; a later call must pass containers of the same structure."""
        if self.inner is not None or self.target == "cuda":
            return {}
        found = tuple((k, object_tree(v) if k == 0 and self._self is not None else tree_of(v))
                      for k, v in enumerate(args)
                      if is_tree(v) or k == 0 and self._self is not None)
        if self._trees is None:
            self._trees = found
            if found and self._generated is not None:  # generated (for .source) before
                self._refresh()
        elif found != self._trees:
            params = self._param_names()
            before, now_found = dict(self._trees), dict(found)
            for k in sorted(set(before) | set(now_found)):
                was, now = before.get(k), now_found.get(k)
                if was != now:
                    raise ValueError(
                        f"{self.__name__}(): parameter '{params[k]}' got "
                        f"{now.describe() if now else 'one value'}, but this gradient was made "
                        f"for {was.describe() if was else 'one value'} (its first call); make "
                        "a gradient function per structure")
        return dict(self._trees)

    def _param_names(self) -> list[str]:
        """The parameters of the function transformed (a method's `self`
        first, with wrt="self")."""
        if self._self is not None:
            return list(inspect.signature(self.fn.__func__).parameters)
        return list(self._signature.parameters)

    def _regroup(self, grads: list) -> list:
        """The leaves' gradients gathered into one container per `wrt` entry
        that names a container parameter."""
        if not self._trees:
            return grads
        trees = dict(self._trees)
        params = self._param_names()
        out, leaves = [], list(grads)
        for w in self.options.wrt:
            k = w if isinstance(w, int) else params.index(w) if w in params else None
            if k is not None and k < 0:
                k += len(params)
            tree = trees.get(k)
            out.append(unflatten(tree, leaves) if tree is not None else leaves.pop(0))
        return out

    def _results(self, results: list, generated: Generated):
        """The function's value (in its containers) and, with has_aux, its aux."""
        aux = None
        if generated.aux:
            results, rest = results[:len(results) - generated.aux], results[len(results) - generated.aux:]
            aux = unflatten(generated.aux_tree, rest)
        if any(generated.result_trees):
            values = [unflatten(tree, results) for tree in generated.result_trees]
            return (values[0] if generated.single_result else tuple(values)), aux
        return (results[0] if self._single_output else tuple(results)), aux

    def _seeds(self, grad_ys, generated: Generated) -> list:
        n = generated.outputs
        if grad_ys is None:
            return [None] * n
        if any(generated.result_trees):  # outputs in containers: grad_ys in the same ones
            parts = [grad_ys] if generated.single_result else list(grad_ys)
            try:
                leaves = [leaf for tree, part in zip(generated.result_trees, parts, strict=True)
                          for leaf in flatten(tree, part)]
            except (TypeError, KeyError, ValueError, AttributeError):
                leaves = []
            if len(leaves) != n:
                raise ValueError(f"grad_ys must have the structure of what {self.fn.__name__} "
                                 f"returns ({n} arrays or numbers in all)")
            return [None if g is None else as_input(g) for g in leaves]
        if self._single_output and n == 1:
            return [as_input(grad_ys)]
        if not isinstance(grad_ys, (tuple, list)) or len(grad_ys) != n:
            raise ValueError(f"grad_ys must be a tuple of {n} entries, one per output of "
                             f"{self.fn.__name__}, not {type(grad_ys).__name__}"
                             + (f" of {len(grad_ys)}" if isinstance(grad_ys, (tuple, list)) else ""))
        return [None if g is None else as_input(g) for g in grad_ys]
