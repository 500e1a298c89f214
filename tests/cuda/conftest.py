"""Which of the CUDA target's tests run where.

- test_sim.py needs Numba's CUDA simulator, which is switched on before Numba is
  first imported, so it runs in its own pytest process:
  `NUMBA_ENABLE_CUDASIM=1 python -m pytest -q tests/cuda`, which the main run
  starts from tests/test_cuda_simulator.py.  The main run, where the simulator
  is off, does not collect it.
- test_gpu.py runs on a real GPU, and skips (saying why) without one.
- test_ptx.py compiles the device functions for a real GPU without one; it needs
  Numba-CUDA's compiler libraries (`pip install "numba-cuda[cu13]"`), and skips
  without them or under the simulator.
"""

import os
import sys

SIMULATOR = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"

collect_ignore = [] if SIMULATOR else ["test_sim.py"]

sys.path.insert(0, os.path.dirname(__file__))  # cuda_functions, with xdist too
