"""The generation cache: reruns never reach the model, and a broken cache never breaks a run.

Most tests put a `FakeEngine` behind `CachedEngine` and look at what reached it (`calls`). The
failure tests damage the file in the ways users manage to (garbage, a folder, permissions, a
newer wirebrief's schema) and expect the right results, one warning and no exception.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import random
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from fakes import FakeEngine, fake_translation

from wirebrief.engines import store as cache_module
from wirebrief.engines.base import Generation, GenerationParams
from wirebrief.engines.cache import (
    QUERY_CHUNK,
    SCHEMA_VERSION,
    CachedEngine,
    DeferredEngine,
    GenerationCache,
    canonical_params,
    default_cache_path,
    entry_key,
)
from wirebrief.errors import ConfigError, GenerationError

PARAMS = GenerationParams(max_new_tokens=64, num_beams=4)
TEXTS = ["De minister sprak.", "Hij zei niets.", "Europa moet meer doen.", "Den Haag reageerde."]
WARNING = "is unusable"


def fake(**options) -> FakeEngine:
    """A fake that treats every text as one to translate (no summary prompts)."""
    return FakeEngine(prompt_prefixes=(), **options)


def expected(texts: list[str], params: GenerationParams = PARAMS) -> list[Generation]:
    """What the model itself says, without any cache."""
    return fake().generate(texts, params)


def cache_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        record for record in caplog.records
        if record.name == "wirebrief.engines.store" and record.levelno == logging.WARNING
    ]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "generations.sqlite3"


class _NoModel(FakeEngine):
    """An engine whose model must not be touched: generating (loading) fails the test."""

    def generate(self, texts, params, progress=None):
        raise AssertionError(f"the model was asked for {list(texts)}")


# -- the round trip ----------------------------------------------------------------------------


def test_default_path_is_in_the_user_cache_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_path() == tmp_path / "wirebrief" / "generations.sqlite3"


def test_a_rerun_is_answered_from_the_cache_without_calling_the_model(path):
    first = CachedEngine(fake(), GenerationCache(path))
    results = first.generate(TEXTS, PARAMS)
    assert results == expected(TEXTS)
    assert (first.hits, first.misses) == (0, len(TEXTS))
    assert path.is_file()

    # A new process, in effect: a fresh cache object and a fresh engine.
    again = fake()
    second = CachedEngine(again, GenerationCache(path))
    assert second.generate(TEXTS, PARAMS) == results
    assert again.calls == []
    assert (second.hits, second.misses) == (len(TEXTS), 0)


def test_a_fully_cached_run_never_touches_the_model(path):
    CachedEngine(fake(), GenerationCache(path)).generate(TEXTS, PARAMS)
    engine = CachedEngine(_NoModel(prompt_prefixes=()), GenerationCache(path))
    # Everything but generate passes through, without asking the model for anything.
    assert engine.model == "fake/engine"
    assert engine.max_input_tokens == 512
    assert engine.count_tokens(["a b c"]) == [4]
    assert engine.cache_key() == "fake:fake/engine"
    assert engine.inner.model == "fake/engine"
    assert engine.generate(TEXTS, PARAMS) == expected(TEXTS)


def test_describe_adds_the_cache_and_its_counters(path):
    engine = CachedEngine(fake(), GenerationCache(path))
    engine.generate(TEXTS[:2], PARAMS)
    engine.generate(TEXTS[:3], PARAMS)
    described = engine.describe()
    assert described["engine"] == "fake"
    assert described["cache"] == {"path": str(path), "hits": 2, "misses": 3}


def test_no_texts_asks_nothing(path):
    inner = fake()
    assert CachedEngine(inner, GenerationCache(path)).generate([], PARAMS) == []
    assert inner.calls == []
    assert not path.exists()


def test_other_params_or_another_engine_are_misses(path):
    cache = GenerationCache(path)
    CachedEngine(fake(), cache).generate(TEXTS, PARAMS)

    other_params = GenerationParams(max_new_tokens=64, num_beams=1)
    inner = fake()
    assert CachedEngine(inner, cache).generate(TEXTS, other_params) == expected(TEXTS, other_params)
    assert inner.generated_texts == TEXTS

    other_model = fake(model="other/model")
    CachedEngine(other_model, cache).generate(TEXTS, PARAMS)
    assert other_model.generated_texts == TEXTS


def test_identical_texts_in_one_call_are_generated_once(path):
    inner = fake()
    engine = CachedEngine(inner, GenerationCache(path))
    texts = ["a b", "c d", "a b", "a b", "c d"]
    assert engine.generate(texts, PARAMS) == expected(texts)
    assert [call.texts for call in inner.calls] == [("a b", "c d")]
    assert (engine.hits, engine.misses) == (3, 2)


def test_hits_and_misses_mixed_keep_input_order(path):
    cache = GenerationCache(path)
    CachedEngine(fake(), cache).generate([TEXTS[1], TEXTS[3]], PARAMS)
    inner = fake()
    results = CachedEngine(inner, cache).generate(TEXTS, PARAMS)
    assert results == expected(TEXTS)
    assert [result.text for result in results] == [fake_translation(text) for text in TEXTS]
    assert inner.generated_texts == [TEXTS[0], TEXTS[2]]


def test_progress_counts_every_input_once_hits_first(path):
    cache = GenerationCache(path)
    CachedEngine(fake(), cache).generate(TEXTS[:2], PARAMS)
    reported: list[int] = []
    texts = [*TEXTS, TEXTS[3], TEXTS[0], "new", "new"]
    CachedEngine(fake(), cache).generate(texts, PARAMS, progress=reported.append)
    assert sum(reported) == len(texts)
    assert reported[0] == 3  # TEXTS[0] twice and TEXTS[1], before the model starts


def test_results_with_hit_limit_round_trip(path):
    texts = ["een twee drie loop vier vijf"]
    first = CachedEngine(fake(loop_on=["loop"]), GenerationCache(path)).generate(texts, PARAMS)
    assert first[0].hit_limit is True
    second = CachedEngine(_NoModel(prompt_prefixes=()), GenerationCache(path)).generate(texts, PARAMS)
    assert second == first


def test_an_engine_failure_stores_nothing_of_that_call(path):
    cache = GenerationCache(path)
    engine = CachedEngine(fake(max_input_tokens=4), cache)
    engine.generate(["kort"], PARAMS)
    with pytest.raises(GenerationError):
        engine.generate(["ook kort", "deze zin is veel te lang voor het model"], PARAMS)
    assert cache.get_many("fake:fake/engine", PARAMS, ["ook kort"]) == {}
    assert set(cache.get_many("fake:fake/engine", PARAMS, ["kort"])) == {0}


def test_a_huge_lookup_stays_under_the_variable_limit(path):
    cache = GenerationCache(path)
    texts = [f"zin nummer {number}" for number in range(2 * QUERY_CHUNK + 7)]
    cache.put_many("k", PARAMS, [(text, Generation(text.upper(), 3, 3, False)) for text in texts])
    # The lowest limit SQLite has shipped with: one query for all keys would fail.
    cache._open().setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    found = cache.get_many("k", PARAMS, texts)
    assert len(found) == len(texts)
    assert found[len(texts) - 1].text == texts[-1].upper()
    assert cache.usable


def test_text_sqlite_cannot_store_is_generated_and_not_cached(path, caplog):
    text = "kapot \udcff teken"
    inner = fake()
    engine = CachedEngine(inner, GenerationCache(path))
    assert engine.generate([text, TEXTS[0]], PARAMS) == expected([text, TEXTS[0]])
    assert engine.generate([text], PARAMS) == expected([text])
    assert inner.generated_texts == [text, TEXTS[0], text]
    assert cache_warnings(caplog) == []


# -- never a wrong answer ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "column, value",
    [
        ("source", "Een heel andere zin."),
        ("engine", "fake:another/model"),
        ("params", canonical_params(GenerationParams())),
        ("hit_limit", 7),
        ("output_tokens", "veel"),
    ],
)
def test_a_row_that_does_not_answer_the_request_is_not_returned(path, column, value):
    cache = GenerationCache(path)
    CachedEngine(fake(), cache).generate(TEXTS, PARAMS)
    key = entry_key("fake:fake/engine", canonical_params(PARAMS), TEXTS[0])
    with sqlite3.connect(path) as connection:
        changed = connection.execute(f"UPDATE generations SET {column} = ? WHERE key = ?", (value, key))
        assert changed.rowcount == 1
    connection.close()

    assert set(cache.get_many("fake:fake/engine", PARAMS, TEXTS)) == {1, 2, 3}
    inner = fake()
    engine = CachedEngine(inner, cache)
    assert engine.generate(TEXTS, PARAMS) == expected(TEXTS)
    assert inner.generated_texts == [TEXTS[0]]
    # The regenerated result replaced the damaged row.
    assert set(cache.get_many("fake:fake/engine", PARAMS, TEXTS)) == {0, 1, 2, 3}


# -- several processes at once -----------------------------------------------------------------


def _write_entries(path: str, worker: int, count: int, barrier) -> None:
    """Put `count` entries in small transactions, starting when the other writer starts."""
    cache = GenerationCache(Path(path))
    barrier.wait(timeout=60)
    for start in range(0, count, 4):
        items = [
            (f"worker {worker} zin {number}", Generation(f"w{worker} s{number}", number, number + 1, False))
            for number in range(start, min(count, start + 4))
        ]
        cache.put_many("fake:shared", PARAMS, items)
        # Interleave reads, as a shard run does.
        cache.get_many("fake:shared", PARAMS, [items[0][0]])
    if not cache.usable:
        raise SystemExit(f"cache switched off in worker {worker}")


def test_two_processes_writing_at_once_lose_nothing(path):
    count = 400
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    workers = [
        context.Process(target=_write_entries, args=(str(path), worker, count, barrier)) for worker in (1, 2)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=180)
    assert [process.exitcode for process in workers] == [0, 0]

    cache = GenerationCache(path)
    texts = [f"worker {worker} zin {number}" for worker in (1, 2) for number in range(count)]
    found = cache.get_many("fake:shared", PARAMS, texts)
    assert len(found) == 2 * count
    assert found[count + 5] == Generation("w2 s5", 5, 6, False)
    assert cache.stats()["entries"] == 2 * count


def test_a_held_lock_skips_one_store_and_keeps_the_cache(path, monkeypatch, caplog):
    monkeypatch.setattr(cache_module, "BUSY_TIMEOUT_S", 0.2)
    cache = GenerationCache(path)
    cache.put_many("k", PARAMS, [("een", Generation("one", 2, 2, False))])
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        cache.put_many("k", PARAMS, [("twee", Generation("two", 2, 2, False))])
        # In WAL mode a writer does not block readers.
        assert set(cache.get_many("k", PARAMS, ["een", "twee"])) == {0}
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert cache.usable
    assert cache_warnings(caplog) == []
    cache.put_many("k", PARAMS, [("twee", Generation("two", 2, 2, False))])
    assert set(cache.get_many("k", PARAMS, ["een", "twee"])) == {0, 1}


# -- a broken cache never breaks a run ---------------------------------------------------------


def _garbage(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(random.Random(0).randbytes(8192))


def _folder(path: Path) -> None:
    path.mkdir(parents=True)


def _future_schema(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE generations (key TEXT PRIMARY KEY, something_new BLOB)")
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.commit()
    connection.close()


def _foreign_database(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE notes (body TEXT)")
    connection.execute("INSERT INTO notes VALUES ('keep me')")
    connection.commit()
    connection.close()


def _damaged_pages(path: Path) -> None:
    """A real cache whose header survives but whose data pages are overwritten."""
    cache = GenerationCache(path)
    cache.put_many("k", PARAMS, [(f"zin {n}", Generation("x" * 200, 1, 1, False)) for n in range(200)])
    cache.close()  # the last connection folds the write-ahead log into the file
    assert not Path(f"{path}-wal").exists()
    with path.open("r+b") as handle:
        handle.seek(4096)
        handle.write(random.Random(1).randbytes(path.stat().st_size - 4096))


BROKEN = {
    "garbage": _garbage,
    "folder": _folder,
    "future schema": _future_schema,
    "foreign database": _foreign_database,
    "damaged pages": _damaged_pages,
}


@pytest.mark.parametrize("breakage", list(BROKEN))
def test_a_broken_cache_warns_once_and_the_run_goes_on(path, breakage, caplog):
    BROKEN[breakage](path)
    caplog.set_level(logging.WARNING, logger="wirebrief.engines.store")
    inner = fake()
    engine = CachedEngine(inner, GenerationCache(path))
    texts = [*TEXTS, "zin 3"]
    assert engine.generate(texts, PARAMS) == expected(texts)
    assert engine.generate(texts, PARAMS) == expected(texts)
    assert len(inner.calls) == 2  # nothing was cached: the cache is bypassed
    warnings = cache_warnings(caplog)
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert str(path) in message and WARNING in message and "continuing without it" in message
    assert "\n" not in message

    stats = GenerationCache(path).stats()
    assert stats["usable"] is False
    assert stats["reason"]
    assert engine.cache.stats()["usable"] is False


def _foreign_version_one(path: Path, *, table: str = "CREATE TABLE notes (body TEXT)") -> bytes:
    """Another program's database that happens to set user_version = 1, as ours does; its bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    connection.execute(table)
    connection.execute("INSERT INTO notes VALUES ('keep me')" if "notes" in table else "SELECT 1")
    connection.execute("PRAGMA user_version = 1")
    connection.commit()
    connection.close()
    return path.read_bytes()


@pytest.mark.parametrize("table", [
    "CREATE TABLE notes (body TEXT)",
    # Our table's name with other columns is still not ours.
    "CREATE TABLE generations (key TEXT PRIMARY KEY, body TEXT)",
])
def test_a_foreign_database_with_our_version_is_never_changed(path, table, caplog):
    before = _foreign_version_one(path, table=table)
    caplog.set_level(logging.WARNING, logger="wirebrief.engines.store")
    cache = GenerationCache(path)
    engine = CachedEngine(fake(), cache)

    assert engine.generate(TEXTS, PARAMS) == expected(TEXTS)
    assert engine.generate(TEXTS, PARAMS) == expected(TEXTS)
    cache.close()
    # Not one byte: not even the journal mode in its header (WAL would set bytes 18 and 19).
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()
    [warning] = cache_warnings(caplog)
    assert "another program" in warning.getMessage()
    with pytest.raises(ConfigError, match="another program"):
        GenerationCache(path).clear()
    assert path.read_bytes() == before


def test_a_cache_under_a_file_is_bypassed(tmp_path, caplog):
    (tmp_path / "plain-file").write_text("not a folder")
    path = tmp_path / "plain-file" / "generations.sqlite3"
    engine = CachedEngine(fake(), GenerationCache(path))
    assert engine.generate(TEXTS, PARAMS) == expected(TEXTS)
    assert len(cache_warnings(caplog)) == 1
    assert GenerationCache(path).stats()["usable"] is False


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes through permissions")
@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_an_unwritable_folder_is_bypassed(tmp_path, caplog):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        path = folder / "generations.sqlite3"
        engine = CachedEngine(fake(), GenerationCache(path))
        assert engine.generate(TEXTS, PARAMS) == expected(TEXTS)
        assert engine.generate(TEXTS, PARAMS) == expected(TEXTS)
        assert len(cache_warnings(caplog)) == 1
        assert GenerationCache(path).stats()["usable"] is False
    finally:
        folder.chmod(0o700)


@pytest.mark.parametrize("breakage", ["garbage", "future schema", "damaged pages"])
def test_clear_repairs_a_broken_cache(path, breakage, caplog):
    BROKEN[breakage](path)
    cache = GenerationCache(path)
    assert cache.get_many("fake:fake/engine", PARAMS, TEXTS) == {}
    assert not cache.usable
    assert cache.clear() == 0
    assert cache.usable
    stats = cache.stats()
    assert (stats["usable"], stats["entries"]) == (True, 0)

    CachedEngine(fake(), cache).generate(TEXTS, PARAMS)
    inner = fake()
    assert CachedEngine(inner, GenerationCache(path)).generate(TEXTS, PARAMS) == expected(TEXTS)
    assert inner.calls == []


def test_clear_never_deletes_what_is_not_a_cache(path, tmp_path):
    _folder(path)
    (path / "precious.txt").write_text("mine")
    with pytest.raises(ConfigError, match="folder"):
        GenerationCache(path).clear()
    assert (path / "precious.txt").read_text() == "mine"

    other = tmp_path / "notes.sqlite3"
    _foreign_database(other)
    with pytest.raises(ConfigError, match="another program"):
        GenerationCache(other).clear()
    with sqlite3.connect(other) as connection:
        assert connection.execute("SELECT body FROM notes").fetchall() == [("keep me",)]
    connection.close()


# -- stats and clear ---------------------------------------------------------------------------


def test_stats_of_a_missing_file_do_not_create_it(path):
    stats = GenerationCache(path).stats()
    assert stats == {
        "path": str(path), "exists": False, "size_bytes": 0, "entries": 0, "engines": {},
        "oldest": None, "newest": None, "usable": True,
    }
    assert not path.exists()


def test_stats_count_entries_per_engine_and_clear_empties(path):
    cache = GenerationCache(path)
    CachedEngine(fake(), cache).generate(TEXTS, PARAMS)
    CachedEngine(fake(model="other/model"), cache).generate(TEXTS[:2], PARAMS)
    big = [(f"lange zin {n} " + "woord " * 50, Generation("word " * 50, 52, 50, False)) for n in range(300)]
    cache.put_many("bulk", PARAMS, big)

    stats = GenerationCache(path).stats()
    assert stats["usable"] is True and stats["exists"] is True
    # Models by name, engine and precision (from the description kept beside their outputs);
    # a key with no description says what it can.
    assert stats["engines"] == {"bulk": 300, "fake/engine (fake, none)": 4, "other/model (fake, none)": 2}
    assert stats["entries"] == 306
    assert "reason" not in stats
    oldest, newest = datetime.fromisoformat(stats["oldest"]), datetime.fromisoformat(stats["newest"])
    assert oldest <= newest
    assert stats["size_bytes"] > 100_000

    assert cache.clear() == 306
    after = cache.stats()
    assert (after["entries"], after["engines"], after["oldest"]) == (0, {}, None)
    assert after["size_bytes"] < stats["size_bytes"] / 4
    inner = fake()
    CachedEngine(inner, cache).generate(TEXTS, PARAMS)
    assert inner.generated_texts == TEXTS
    assert cache.clear() == 4


def test_stats_name_a_model_by_its_key_where_nothing_describes_it(path):
    cache = GenerationCache(path)
    cache.put_many("ctranslate2:int8:hub:Helsinki-NLP/opus-mt-nl-en@0123abcd", PARAMS, [("zin", Generation("x", 1, 1, False))])
    cache.put_many("transformers:float32:local:9f8e7d6c5b4a", PARAMS, [("zin", Generation("x", 1, 1, False))])
    cache.put_many("transformers:float32:local:9f8e7d6c5b4a#tokens", PARAMS, [("zin", Generation("", 3, 0, False))])

    assert cache.stats()["engines"] == {
        "Helsinki-NLP/opus-mt-nl-en (CTranslate2, int8)": 1,
        "a local model (9f8e7d6c) (transformers (torch), float32)": 1,
    }
    assert cache.clear() == 2, "token counts are not outputs"


# -- the real engine ---------------------------------------------------------------------------


@pytest.mark.model
def test_a_cached_rerun_never_loads_the_real_model(path, tiny_models, test_device):
    from wirebrief.engines.torch import HuggingFaceEngine
    from wirebrief.models import resolve

    ref = resolve(str(tiny_models["translation"]))
    texts = ["De minister sprak woensdag in Brussel.", "Hij zei niets."]
    first = HuggingFaceEngine(ref, device=test_device, offline=True)
    results = CachedEngine(first, GenerationCache(path)).generate(texts, PARAMS)
    assert first.loaded

    fresh = HuggingFaceEngine(ref, device=test_device, offline=True)
    engine = CachedEngine(fresh, GenerationCache(path))
    assert engine.max_input_tokens == first.max_input_tokens
    assert engine.count_tokens(texts) == first.count_tokens(texts)
    assert engine.generate(texts, PARAMS) == results
    assert not fresh.loaded


# --------------------------------------------------------------------------------------------
# DeferredEngine: no engine at all when the cache can answer


def test_deferred_engine_is_made_only_for_what_the_cache_lacks(path):
    made: list[FakeEngine] = []

    def factory() -> FakeEngine:
        made.append(fake())
        return made[-1]

    cache = GenerationCache(path)
    first = CachedEngine(DeferredEngine("fake:fake/engine", "fake/engine", factory, cache), cache)
    counts = first.count_tokens(TEXTS)
    results = first.generate(TEXTS, PARAMS)
    assert len(made) == 1 and first.max_input_tokens == made[0].max_input_tokens

    again = CachedEngine(DeferredEngine("fake:fake/engine", "fake/engine", factory, cache), cache)
    assert again.count_tokens(TEXTS) == counts
    assert again.generate(TEXTS, PARAMS) == results
    assert again.max_input_tokens == made[0].max_input_tokens
    assert again.describe()["engine"] == "fake"
    assert len(made) == 1, "everything was in the cache; no engine should have been made"
    # Something new needs the engine, and gets it.
    again.count_tokens(["een nieuwe zin"])
    assert len(made) == 2


def test_deferred_engine_counts_only_the_start_up_it_caused(path):
    """One engine per process: a second wrapper around an engine that already loaded its
    weights must not report that load again (the pipeline books it as load, not as work)."""
    shared = fake()
    shared.startup_seconds = 0.0

    def load_once(texts, params, progress=None, _generate=shared.generate):
        if not shared.startup_seconds:
            shared.startup_seconds = 5.0  # its weights, loaded by the first caller
        return _generate(texts, params, progress)

    shared.generate = load_once
    cache = GenerationCache(path)
    first = DeferredEngine("fake:fake/engine", "fake/engine", lambda: shared, cache)
    first.engine.generate(TEXTS, PARAMS)
    assert first.startup_seconds >= 5.0

    second = DeferredEngine("fake:fake/engine", "fake/engine", lambda: shared, cache)
    second.engine.generate(["een nieuwe zin"], PARAMS)
    assert second.startup_seconds < 1.0, "the load happened for the first wrapper"


def test_deferred_engine_takes_the_engine_key_when_the_guess_was_wrong(path, caplog):
    cache = GenerationCache(path)
    engine = CachedEngine(DeferredEngine("fake:wrong", "fake/engine", fake, cache), cache)
    engine.generate(TEXTS, PARAMS)
    assert engine.cache_key() == "fake:fake/engine"
    assert any("using the engine's" in record.getMessage() for record in caplog.records)
    # Stored under the engine's real key, so a correct guess finds it.
    assert len(cache.get_many("fake:fake/engine", PARAMS, TEXTS)) == len(TEXTS)


@pytest.mark.model
def test_a_cached_rerun_imports_neither_transformers_nor_torch(tmp_path, tiny_models, example_path):
    import subprocess
    import sys

    args = [
        "translate", str(example_path), "--format", "json", "--translation-model", str(tiny_models["translation"]),
        "--device", "cpu", "--engine", "torch", "--num-beams", "1", "--retries", "0", "--offline",
        "--cache", str(tmp_path / "cache.sqlite3"),
    ]
    script = (
        "import json, sys\n"
        "from click.testing import CliRunner\n"
        "from wirebrief.cli import cli\n"
        f"result = CliRunner().invoke(cli, {args!r})\n"
        "assert result.exit_code == 0, result.output\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers'))\n"
        "print(json.dumps({'heavy': heavy[:3], 'translation': json.loads(result.stdout)['translation']}))\n"
    )
    runs = [
        json.loads(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout)
        for _ in range(2)
    ]
    assert runs[0]["heavy"], "the first run must load the model"
    assert runs[1]["heavy"] == [], f"the cached rerun imported {runs[1]['heavy']}"
    assert runs[1]["translation"] == runs[0]["translation"]
