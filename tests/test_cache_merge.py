"""Folding per-node caches into one: every answer kept once, sources never changed, foreign
files refused before anything is written."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from fakes import FakeEngine, filled_cache

from wirebrief.engines.base import GenerationParams
from wirebrief.engines.cache import CachedEngine, GenerationCache
from wirebrief.engines.merge import merge_caches
from wirebrief.errors import ConfigError, UsageError

PARAMS = GenerationParams(max_new_tokens=64, num_beams=4)


def filled(path: Path, texts: list[str]) -> Path:
    return filled_cache(path, texts, PARAMS)


def rows(path: Path) -> set[tuple]:
    with sqlite3.connect(path) as connection:
        return set(connection.execute("SELECT key, engine, params, source, output FROM generations"))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _NoModel(FakeEngine):
    def generate(self, texts, params, progress=None):
        raise AssertionError(f"the model was asked for {list(texts)}")


def test_two_node_caches_fold_into_a_new_file_that_answers_both(tmp_path):
    first = filled(tmp_path / "node1.sqlite3", ["Een.", "Twee.", "Drie."])
    second = filled(tmp_path / "node2.sqlite3", ["Drie.", "Vier."])
    target = tmp_path / "merged" / "all.sqlite3"

    report = merge_caches(target, [first, second])

    assert rows(target) == rows(first) | rows(second)
    assert report.sources[0][0] == first and report.sources[0][2] == report.sources[0][1]
    # "Drie." (and the engine's description beside it) were in already: only "Vier." is new.
    assert report.sources[1][2] == len(rows(second) - rows(first))
    assert report.total == len(rows(target)) and report.added == report.total
    merged = CachedEngine(_NoModel(prompt_prefixes=()), GenerationCache(target))
    expected = FakeEngine(prompt_prefixes=()).generate(["Een.", "Vier."], PARAMS)
    assert merged.generate(["Een.", "Vier."], PARAMS) == expected


def test_merging_again_adds_nothing_and_keeps_the_target_s_rows(tmp_path):
    source = filled(tmp_path / "node.sqlite3", ["Een.", "Twee."])
    target = filled(tmp_path / "target.sqlite3", ["Drie."])
    merge_caches(target, [source])
    before = rows(target)

    again = merge_caches(target, [source])

    assert again.added == 0 and rows(target) == before


def test_sources_are_only_read(tmp_path):
    source = filled(tmp_path / "node.sqlite3", ["Een."])
    before = digest(source)
    source.chmod(0o444)
    merge_caches(tmp_path / "target.sqlite3", [source])
    assert digest(source) == before


def test_a_foreign_database_stops_the_merge_before_anything_is_written(tmp_path):
    good = filled(tmp_path / "node.sqlite3", ["Een."])
    foreign = tmp_path / "other.sqlite3"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    target = tmp_path / "target.sqlite3"

    with pytest.raises(ConfigError, match="another program"):
        merge_caches(target, [good, foreign])
    assert not target.exists()


def test_a_file_that_is_not_sqlite_is_refused(tmp_path):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(ConfigError, match="cannot be merged"):
        merge_caches(tmp_path / "target.sqlite3", [junk])


def test_a_missing_source_or_the_target_itself_is_a_usage_error(tmp_path):
    target = filled(tmp_path / "target.sqlite3", ["Een."])
    with pytest.raises(UsageError, match="no such cache file"):
        merge_caches(target, [tmp_path / "absent.sqlite3"])
    with pytest.raises(UsageError, match="target itself"):
        merge_caches(target, [target])
    with pytest.raises(UsageError, match="no cache files"):
        merge_caches(target, [])
