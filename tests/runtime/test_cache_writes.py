"""Numba's cache index, saved by two writers at once (`runtime/machinecode.py`).

Saving an entry reads the index, takes the first free data file and writes
both back.  Without a lock two writers that read the index before either
wrote it take the same data file, and the index then names one function's
file for the other's code: two processes compiling srcgrad's `reduce_max`
and `reduce_min` (closures of one factory, one cache file) at once left
`reduce_min` returning the maximum in every later process.  With srcgrad's
lock the second save waits for the first: each key keeps its own data."""

from __future__ import annotations

import threading

import pytest
from numba.core import caching

from srcgrad.runtime import machinecode


def _racing_saves(tmp_path, monkeypatch, name: str) -> caching.IndexDataCacheFile:
    """Two threads save a key each into one index, each made to read the
    index at the same moment as the other where nothing keeps them apart."""
    meeting = threading.Barrier(2, timeout=1.0)
    load_index = caching.IndexDataCacheFile._load_index

    def load_together(self):
        overloads = load_index(self)
        try:
            meeting.wait()  # the other writer reads the same index now (if it can)
        except threading.BrokenBarrierError:
            pass  # it could not: the lock kept it out
        return overloads

    monkeypatch.setattr(caching.IndexDataCacheFile, "_load_index", load_together)

    def writer(key):
        cache = caching.IndexDataCacheFile(str(tmp_path), name, "stamp")
        cache.save(key, f"the code of {key}")

    threads = [threading.Thread(target=writer, args=(key,)) for key in ("maximum", "minimum")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    monkeypatch.setattr(caching.IndexDataCacheFile, "_load_index", load_index)
    return caching.IndexDataCacheFile(str(tmp_path), name, "stamp")


def test_saves_into_srcgrad_caches_wait_for_each_other(tmp_path, monkeypatch):
    machinecode.serialise_cache_writes()
    cache = _racing_saves(tmp_path, monkeypatch, f"{machinecode.GENERATED_PREFIX}f.reduce-1")
    assert cache.load("maximum") == "the code of maximum"
    assert cache.load("minimum") == "the code of minimum"


def test_the_race_without_the_lock(tmp_path, monkeypatch):
    """What the lock prevents (a Numba cache that is not srcgrad's keeps
    Numba's own behaviour): one key's entry names the other's code, or is lost."""
    machinecode.serialise_cache_writes()
    cache = _racing_saves(tmp_path, monkeypatch, "users_module.reduce-1")
    loaded = {key: cache.load(key) for key in ("maximum", "minimum")}
    if loaded == {"maximum": "the code of maximum", "minimum": "the code of minimum"}:
        pytest.fail("the two unlocked saves did not collide: this test shows nothing")
