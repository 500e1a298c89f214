"""GradBench's C++ tools (`python/gradbench/gradbench/cpp.py TOOL`), run on
binaries already built.

GradBench's launcher answers `define` by running `make -B` for the eval,
which rebuilds `tools/TOOL/bin/EVAL` in the checkout on every session.  That
writes into a checkout other sessions may be using at the same time (the
evals validate against `tools/manual/bin/EVAL`), and times nothing.  This
launcher answers `define` by checking that the binary exists, and otherwise
runs GradBench's `cpp.main()` unchanged:

    cd GRADBENCH && make -C tools/manual   # once
    cd GRADBENCH && PY bench/gradbench/cpp_prebuilt.py manual

It runs with GradBench's Python environment and imports nothing of srcgrad's.
"""

from __future__ import annotations

import os
from pathlib import Path


def define(*, args, module: str) -> dict:
    binary = Path("tools") / args.tool / "bin" / module
    if binary.is_file() and os.access(binary, os.X_OK):
        return {"success": True}
    return {"success": False,
            "error": f"{binary} is not built: make -C tools/{args.tool} bin/{module}"}


def main() -> None:
    from gradbench import cpp

    cpp.define = define
    cpp.main()


if __name__ == "__main__":
    main()
