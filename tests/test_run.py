"""`tests/run.py`'s parts hold every test file once: run in parts, the
suite is the whole suite."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _parts():
    spec = importlib.util.spec_from_file_location("suite_runner", ROOT / "tests" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PARTS


def _files(paths: list[str]) -> set[Path]:
    """The test files pytest collects for these paths and --ignore options."""
    ignored = [ROOT / p.split("=", 1)[1] for p in paths if p.startswith("--ignore=")]
    found = set()
    for path in (ROOT / p for p in paths if not p.startswith("--")):
        candidates = [path] if path.is_file() else path.rglob("test_*.py")
        for file in candidates:
            if not any(file == i or i in file.parents for i in ignored):
                found.add(file)
    return found


def test_the_parts_hold_every_test_file_once():
    everything = set((ROOT / "tests").rglob("test_*.py"))
    seen: dict[Path, str] = {}
    for what, paths in _parts():
        for file in _files(paths):
            assert file not in seen, f"{file} is in both {seen[file]!r} and {what!r}"
            seen[file] = what
    assert set(seen) == everything, sorted(map(str, everything - set(seen)))
