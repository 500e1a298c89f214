"""A function whose file changed after Python loaded it: the lines it was
compiled from now hold other code.  srcgrad reads a function's source from
its file (`frontend/parse.py`), so it would differentiate that other code
while Python runs the old one; it refuses, naming the file and the line."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

import srcgrad as sg
from srcgrad.errors import UnsupportedSyntaxError

BEFORE = '''
import numpy as np


def energy(x):
    return np.sum(x * x)
'''

AFTER = '''
import numpy as np


def helper(x):
    return x


def energy(x):
    return np.sum(np.sin(x))
'''


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_a_function_whose_file_changed_is_refused(tmp_path):
    path = tmp_path / "changing_module.py"
    path.write_text(BEFORE)
    module = _load(path, "changing_module")
    try:
        x = np.array([0.5, -1.0, 2.0])
        np.testing.assert_allclose(sg.grad(module.energy, target="python")(x), 2 * x)
        path.write_text(AFTER)  # line 5 now defines `helper`
        with pytest.raises(UnsupportedSyntaxError) as caught:
            sg.grad(module.energy, target="python")(x)
        message = str(caught.value)
        assert "has changed since Python loaded it" in message and "'helper'" in message
        assert "changing_module.py" in message
    finally:
        sys.modules.pop("changing_module", None)
