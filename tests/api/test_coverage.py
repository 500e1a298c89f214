"""`python -m srcgrad coverage`: the registry's functions by name, beside
autograd's (installed with the test extra)."""

import numpy as np

from srcgrad.__main__ import main
from srcgrad.api.coverage import autograd_functions, qualified_name, srcgrad_functions
from srcgrad.rules import registry


def test_every_registered_function_is_listed(capsys):
    assert main(["coverage"]) == 0
    out = capsys.readouterr().out
    differentiable, constant = srcgrad_functions()
    assert f"srcgrad differentiates {len(differentiable)} " in out
    for key, primal in registry._PRIMALS.items():
        name = qualified_name(primal)
        if not name.startswith("srcgrad") and (key in registry.RULES
                                               or key in registry._EXPANSIONS):
            assert name in differentiable
    for primal in registry._NONDIFF.values():
        name = qualified_name(primal)
        assert name.startswith("srcgrad") or name in differentiable | constant
    assert {"numpy.sin", "numpy.linalg.solve", "math.exp"} <= differentiable
    assert {"numpy.floor", "numpy.argmax"} <= constant
    assert "numpy.sin" in out.split("differentiable:")[1]


def test_names_follow_the_namespace_that_holds_the_function():
    assert qualified_name(np.sin) == "numpy.sin"
    assert qualified_name(np.linalg.det) == "numpy.linalg.det"


def test_the_comparison_with_autograd():
    theirs = autograd_functions()
    assert theirs is not None, "the test extra installs autograd"
    # functions autograd differentiates by its own VJPs, and by composition
    assert {"numpy.sin", "numpy.linalg.det", "numpy.mean", "scipy.special.gammaln"} <= theirs
    assert "numpy.floor" not in theirs  # a primitive without a VJP
    out = __import__("srcgrad.api.coverage", fromlist=["report"]).report()
    missing = out.split("in autograd, not (yet) in srcgrad:")[1].split("differentiated by")[0]
    assert "numpy.sin " not in missing and "numpy.linalg.det " not in missing
