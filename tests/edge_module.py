"""A module whose attributes a function in test_api_edges.py reads as `edge_module.NAME`."""

import numpy as np

OFFSET = 1.5
WEIGHTS = np.array([0.5, -1.0, 2.0])
