"""The batch resume key: made from Options and the model settings, the same string as before."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from fakes import FakeEngine

from wirebrief.batch import MANIFEST, ResumeKeys, run_batch, settings_key
from wirebrief.batch import keys as keys_module
from wirebrief.config import Settings
from wirebrief.engines.pool import EnginePool
from wirebrief.options import Options

#: Keys computed by the code before the options object (wirebrief 0.0.0-pin stands in for the
#: version, which is part of every key). An upgrade that changed them would redo every result
#: of every existing batch output.
DEFAULT_KEY = "814785e87c3cf78ad6c090049a08e10e"
CHANGED_KEY = "6183a726114650e6a47a8efa1631ef70"
ARTICLE_KEY_EN = "7a3e58eff793c9650001c25bd0306a1d"
ARTICLE_KEY_DE = "500a499d3e05a25638cae59493024f29"


class Identified:
    def __init__(self, identity: str) -> None:
        self.identity = identity

    def cache_key(self) -> str:
        return self.identity


@pytest.fixture()
def pinned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    monkeypatch.setattr(keys_module, "__version__", "0.0.0-pin")
    (tmp_path / "headline.toml").write_text("x = 1\n")
    (tmp_path / "lede.toml").write_text("y = 2\n")
    (tmp_path / "g.tsv").write_text("a\tb\n")
    tiers = [SimpleNamespace(name=name, path=tmp_path / f"{name}.toml") for name in ("headline", "lede")]
    settings = Settings(
        translation_model="t-model", summary_model="s-model", engine="ctranslate2", device="cpu", num_beams=2,
        retries=1, glossary=tmp_path / "g.tsv", batch_size=8,
    )
    options = Options(source_lang="nl", target_lang="de", output_format="markdown", input_format="html")
    return SimpleNamespace(tiers=tiers, settings=settings, options=options)


def test_an_unchanged_run_keeps_the_key_it_had_before_options(pinned):
    assert settings_key(Settings(), Options(tiers="none"), []) == DEFAULT_KEY
    assert settings_key(pinned.settings, pinned.options, pinned.tiers) == CHANGED_KEY
    # What does not change a result does not change the key.
    quiet = Options(source_lang="nl", target_lang="de", output_format="markdown", input_format="html",
                    fail_on="warning", findings="all", tiers="headline")
    assert settings_key(pinned.settings, quiet, pinned.tiers) == CHANGED_KEY
    faster = Settings(**{**vars(pinned.settings), "batch_size": 64, "max_batch_tokens": 2048, "use_cache": False})
    assert settings_key(faster, pinned.options, pinned.tiers) == CHANGED_KEY


def test_an_articles_key_is_the_same_string_as_before(pinned):
    article = SimpleNamespace(document=SimpleNamespace(language="nl"))
    engines = {"translation": Identified("T-ID"), "summary": Identified("S-ID")}
    pool = EnginePool(Settings(), supplied=engines)
    assert ResumeKeys(CHANGED_KEY, Settings(), "en", True, pool).for_article(article) == ARTICLE_KEY_EN
    engines = {
        "translation": Identified("T-ID"), "summary": Identified("S-ID"), "pivot": Identified("P-ID"),
        "translation:Helsinki-NLP/opus-mt-en-de": Identified("R-ID"),
    }
    pool = EnginePool(Settings(), supplied=engines)
    assert ResumeKeys(CHANGED_KEY, Settings(), "de", True, pool).for_article(article) == ARTICLE_KEY_DE


def test_every_option_and_setting_counts_unless_it_says_it_does_not(pinned):
    base = settings_key(pinned.settings, pinned.options, pinned.tiers)
    for changed in (
        {"source_lang": "fr"}, {"target_lang": "en"}, {"output_format": "json"}, {"input_format": "text"},
        {"translate": False}, {"summarise": False},
    ):
        options = Options(**{**vars(pinned.options), **changed})
        assert settings_key(pinned.settings, options, pinned.tiers) != base, changed
    for changed in (
        {"translation_model": "other"}, {"summary_model": "other"}, {"engine": "torch"}, {"device": "cuda"},
        {"num_beams": 3}, {"retries": 0}, {"glossary": None},
    ):
        settings = Settings(**{**vars(pinned.settings), **changed})
        assert settings_key(settings, pinned.options, pinned.tiers) != base, changed
    assert settings_key(pinned.settings, pinned.options, pinned.tiers[:1]) != base


def test_an_option_or_setting_added_later_counts_once_it_is_set(pinned):
    @dataclass(frozen=True)
    class LaterOptions(Options):
        style: str = "plain"

    @dataclass(frozen=True)
    class LaterSettings(Settings):
        temperature: float = 0.0

    fields = vars(pinned.options)
    assert settings_key(pinned.settings, LaterOptions(**fields), pinned.tiers) == CHANGED_KEY
    assert settings_key(pinned.settings, LaterOptions(**fields, style="terse"), pinned.tiers) != CHANGED_KEY
    settings = vars(pinned.settings)
    assert settings_key(LaterSettings(**settings), pinned.options, pinned.tiers) == CHANGED_KEY
    assert settings_key(LaterSettings(**settings, temperature=0.7), pinned.options, pinned.tiers) != CHANGED_KEY


def _run(tmp_path: Path, out: str, **arguments) -> dict:
    records = tmp_path / "in.jsonl"
    records.write_text(json.dumps({"id": "a", "text": "Een korte zin over het weer in Utrecht."}) + "\n")
    engine = FakeEngine()
    engines = {"translation": engine, "summary": engine}
    run_batch([str(records)], out_dir=tmp_path / out, settings=Settings(), engines=engines, **arguments)
    return json.loads((tmp_path / out / MANIFEST).read_text())


def test_options_and_the_old_keyword_arguments_make_the_same_run(tmp_path: Path):
    old = _run(tmp_path, "old", tiers="none", source_lang="nl", output_format="markdown")
    new = _run(tmp_path, "new", options=Options(tiers="none", source_lang="nl", output_format="markdown"))
    assert old["settings_key"] == new["settings_key"]
    assert (old["status"], old["output"]) == (new["status"], new["output"]) == ("ok", "a.md")


def test_options_and_keyword_arguments_beside_them_are_refused(tmp_path: Path):
    with pytest.raises(TypeError, match="source_lang"):
        _run(tmp_path, "both", options=Options(tiers="none"), source_lang="nl")
    with pytest.raises(TypeError, match="tier"):
        _run(tmp_path, "typo", tier="none")
