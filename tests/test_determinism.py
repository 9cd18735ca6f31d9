"""One article, one brief: the same result with no cache, a fresh cache, a warm cache, a cache
cleared halfway, and inside a batch of other articles, on the default CPU engine (CTranslate2
int8) and on torch.

Under int8 a text's output moves with how far its batch pads it (measured on an opus-mt-sized
model: 32 of 47 texts changed with their batch-mates, 0 once every input is padded to its
bucket's ceiling). The tiny test models are too small to show that drift in their text, so
beside comparing results the CTranslate2 tests record every translate_batch call and check
the cause itself: each input was always padded to one length, whatever shared its batch.
"""

from __future__ import annotations

import io
import json
import logging
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import pytest
from test_cache import BROKEN

from wirebrief.batch import run_batch
from wirebrief.engines.batching import padded_length
from wirebrief.engines.cache import GenerationCache
from wirebrief.inputs.document import parse
from wirebrief.pipeline import Article, iter_briefs

pytestmark = pytest.mark.model

#: One tier keeps the tests short; it is made from chunk summaries (several rows a call), as
#: every tier is from the tiny models' long gibberish.
TIERS = "headline"


@pytest.fixture
def recorded(monkeypatch) -> dict[tuple[str, ...], set[int]]:
    """Each input's padded lengths (its call's longest input), by its tokens, over every
    translate_batch call of fresh engines (none reused from other tests)."""
    import ctranslate2

    real = ctranslate2.Translator
    padded: dict[tuple[str, ...], set[int]] = defaultdict(set)

    class Recording:
        def __init__(self, *args, **options) -> None:
            self._translator = real(*args, **options)

        def translate_batch(self, source, **options):
            longest = max(len(tokens) for tokens in source)
            for tokens in source:
                padded[tuple(tokens)].add(longest)
            return self._translator.translate_batch(source, **options)

        def __getattr__(self, name: str):
            # Everything else (score_batch for confidence scores) goes to the real translator.
            return getattr(self._translator, name)

    monkeypatch.setattr(ctranslate2, "Translator", Recording)
    return padded


@pytest.fixture(scope="module")
def texts(example_path) -> dict[str, str]:
    """The example article and two others whose sentences are longer than any of its own, so
    that pooled with them its sentences would be padded further than alone."""
    article = example_path.read_text(encoding="utf-8")
    paragraphs = [part for part in article.split("\n\n") if part.strip()]
    sentences = [s for p in parse(article, language="nl").paragraphs for s in p.sentences]
    longest = sorted(sentences, key=len)[-3:]
    long_sentence = ", en ".join(part.rstrip(".") for part in longest) + "."
    return {
        "article": "\n\n".join(paragraphs[:3]),
        "before": "\n\n".join([long_sentence, paragraphs[4]]),
        "after": "\n\n".join([paragraphs[5], long_sentence.upper()]),
    }


def _article(text: str) -> Article:
    return Article(parse(text, language="nl"))


def _result(brief) -> dict:
    """What a brief says, without what may differ honestly (timings, cache counters)."""
    data = brief.to_dict()
    return {key: data[key] for key in ("paragraphs", "translation", "summaries", "findings")}


def _alone(settings, text: str) -> dict:
    [brief] = iter_briefs([_article(text)], settings=settings, tiers=TIERS)
    return _result(brief)


def _in_a_batch(settings, texts: dict[str, str]) -> dict:
    briefs = list(iter_briefs([_article(texts[name]) for name in ("before", "article", "after")], settings=settings, tiers=TIERS))
    return _result(briefs[1])


def _every_way(settings, texts: dict[str, str], tmp_path: Path) -> dict[str, dict]:
    cached = replace(settings, use_cache=True, cache=tmp_path / "cache.sqlite3")
    shared = replace(settings, use_cache=True, cache=tmp_path / "shared.sqlite3")
    results = {
        "no cache": _alone(settings, texts["article"]),
        "fresh cache": _alone(cached, texts["article"]),
        "warm cache": _alone(cached, texts["article"]),
        "in a batch": _in_a_batch(settings, texts),
    }
    # A cache that already holds another article: some of the batch is answered, the rest not.
    _alone(shared, texts["before"])
    results["in a batch, cache half warm"] = _in_a_batch(shared, texts)
    return results


def _assert_one_result(results: dict[str, dict]) -> None:
    reference = results["no cache"]
    assert reference["summaries"]["headline"] and reference["translation"]
    for way, result in results.items():
        for part in reference:
            assert result[part] == reference[part], f"{part} differs {way}"


def test_ctranslate2_int8_gives_one_brief_whatever_the_cache_or_the_batch(tiny_settings, texts, tmp_path, recorded):
    settings = replace(tiny_settings, engine="ctranslate2", device="cpu")
    results = _every_way(settings, texts, tmp_path)

    _assert_one_result(results)
    assert recorded, "the CTranslate2 engine ran"
    # The cause, checked directly: every input was padded to one length in every call, and
    # that length is its bucket's ceiling.
    limit = 512
    varying = {tokens: lengths for tokens, lengths in recorded.items() if len(lengths) > 1}
    assert not varying, f"{len(varying)} inputs were padded to different lengths"
    for tokens, (length,) in recorded.items():
        assert length == padded_length(len(tokens), limit)


def test_torch_gives_one_brief_whatever_the_cache_or_the_batch(tiny_settings, texts, tmp_path, monkeypatch):
    settings = replace(tiny_settings, engine="torch", device="cpu")
    _assert_one_result(_every_way(settings, texts, tmp_path))


class _ClearsTheCache:
    """A batch observer that clears the cache once, after the first article is written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cleared = 0

    def stage(self, description: str) -> None:
        pass

    def advance(self, count: int) -> None:
        pass

    def article(self, entry, report) -> None:
        if not self.cleared:
            self.cleared = GenerationCache(self.path).clear()


def _batch(settings, folder: Path, observer=None, window: int = 1) -> list[dict]:
    stream = io.StringIO()
    run_batch(
        [str(folder)], out_dir=None, settings=settings, tiers=TIERS, source_lang="nl",
        output_format="jsonl", stream=stream, window_articles=window, observer=observer,
    )
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert all(record["status"] == "ok" for record in records)
    return [{key: record["brief"][key] for key in ("paragraphs", "summaries", "findings")} for record in records]


class _CorruptsTheCache(_ClearsTheCache):
    """A batch observer that overwrites the cache file with garbage once, after the first
    article is written, while the run's engines hold it open."""

    def article(self, entry, report) -> None:
        if not self.cleared:
            BROKEN["garbage"](self.path)
            self.cleared = 1


def _articles(tmp_path: Path, texts: dict[str, str]) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def test_a_cache_cleared_between_windows_changes_nothing(tiny_settings, texts, tmp_path, recorded):
    folder = _articles(tmp_path, texts)
    settings = replace(tiny_settings, engine="ctranslate2", device="cpu")
    path = tmp_path / "cache.sqlite3"
    cached = replace(settings, use_cache=True, cache=path)
    # The cache holds every article when the batch starts, and loses all after the first.
    _batch(cached, folder)
    observer = _ClearsTheCache(path)
    cleared = _batch(cached, folder, observer)

    assert observer.cleared > 0, "the cache held outputs when it was cleared"
    # Compared with no cache at all, every article in one window.
    assert cleared == _batch(settings, folder, window=len(texts))
    assert all(len(lengths) == 1 for lengths in recorded.values())


def test_a_cache_corrupted_between_windows_changes_nothing(tiny_settings, texts, tmp_path, recorded, caplog):
    caplog.set_level(logging.WARNING, logger="wirebrief.engines.store")
    folder = _articles(tmp_path, texts)
    settings = replace(tiny_settings, engine="ctranslate2", device="cpu")
    path = tmp_path / "cache.sqlite3"
    cached = replace(settings, use_cache=True, cache=path)
    # The cache holds every article when the batch starts, and is garbage after the first.
    _batch(cached, folder)
    observer = _CorruptsTheCache(path)
    corrupted = _batch(cached, folder, observer)

    assert observer.cleared, "the cache was corrupted during the run"
    # The garbage was noticed (the run went on without the cache), not served around.
    noticed = [record.getMessage() for record in caplog.records if "is unusable" in record.getMessage()]
    assert len(noticed) == 1 and "continuing without it" in noticed[0]
    assert corrupted == _batch(settings, folder, window=len(texts))
    assert all(len(lengths) == 1 for lengths in recorded.values())
