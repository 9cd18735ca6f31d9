"""Languages through the pipeline (fake engines): English input is not translated, a paragraph
in another language is kept, other targets get every tier through English, and a batch routes
each article by its own language."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from fakes import FakeEngine, fake_translation

from wirebrief.batch import run_batch
from wirebrief.config import Settings
from wirebrief.errors import ModelNotFoundError
from wirebrief.pipeline import iter_briefs, make_brief, read_article

DATA = Path(__file__).parent / "data" / "languages"
SCHEMA = json.loads(resources.files("wirebrief").joinpath("brief.schema.json").read_text(encoding="utf-8"))

DUTCH = (
    "Het kabinet heeft dinsdag besloten om de accijns op brandstof volgend jaar niet te verhogen.\n\n"
    "Volgens de minister van Financiën kost die maatregel de schatkist ruim een miljard euro per jaar.\n\n"
    "De oppositie noemt het besluit onverantwoord en wil dat de Tweede Kamer er snel over debatteert."
)
ENGLISH_QUOTE = (
    '"We are deeply concerned about the decision and we will raise it with our partners in Brussels '
    'next week," the European Commission said in a statement.'
)
GERMAN_QUOTE = (
    "Die Bundesregierung in Berlin erklärte am Abend, sie werde die Entscheidung der niederländischen "
    "Regierung sorgfältig prüfen und sich mit den Partnern abstimmen."
)


class TaggedEngine(FakeEngine):
    """A fake whose 'translations' carry its own tag, so a test can tell engines apart."""

    def __init__(self, tag: str, **options) -> None:
        super().__init__(model=f"fake/{tag}", **options)
        self.tag = tag

    def _output(self, text: str) -> str:
        output = super()._output(text)
        return output if self.is_summary_request(text) else f"{self.tag}({text})"


def article(text: str, name: str = "artikel.txt", **options):
    return read_article(name, text=text, **options)


def test_english_input_is_briefed_without_translation():
    translator, summariser = FakeEngine(model="fake/translation"), FakeEngine(model="fake/summary")
    english = (DATA / "en-long.txt").read_text(encoding="utf-8")
    found = article(english)
    assert found.detected["language"] == "en"
    result = make_brief(
        found.document, detected=found.detected, settings=Settings(), tiers="headline",
        engines={"translation": translator, "summary": summariser},
    )
    assert translator.calls == []  # the translation model was never asked
    assert result.translated is False and result.source_language == "en"
    assert [p.translation for p in result.paragraphs] == [p.source for p in result.paragraphs]
    assert result.summaries.get("headline").text
    data = result.to_dict()
    assert data["translated"] is False and data["route"]["translation"] is None
    assert data["route"]["summary_input"] == "source"
    jsonschema.validate(data, SCHEMA)


def test_a_quote_in_english_inside_a_dutch_story_is_kept_as_it_is():
    engine = FakeEngine()
    parts = DUTCH.split("\n\n")
    text = "\n\n".join([parts[0], ENGLISH_QUOTE, *parts[1:]])
    found = article(text)
    assert found.document.language == "nl"
    assert [p.language for p in found.document.paragraphs] == [None, "en", None, None]
    result = make_brief(found.document, settings=Settings(), tiers="none", engines={"translation": engine})
    quote = result.paragraphs[1]
    assert quote.translation == ENGLISH_QUOTE and quote.language == "en"
    assert not any("concerned" in text for text in engine.generated_texts)  # never sent to the nl model
    assert result.paragraphs[0].translation == fake_translation(parts[0])
    # Kept: said in one warning (the words around a quote may be untranslated), and no
    # "untranslated" error. (The fake's EN(...) "translations" of the Dutch paragraphs are
    # rightly called untranslated.)
    [kept] = [f for f in result.findings if f.paragraph == 1]
    assert (kept.kind, kept.severity) == ("kept_language", "warning")
    assert "English" in kept.detail and "target language" in kept.detail
    assert {f.kind for f in result.findings} == {"untranslated", "kept_language"}
    assert result.to_dict()["paragraphs"][1]["language"] == "en"


def test_a_paragraph_in_a_third_language_is_kept_and_reported():
    parts = DUTCH.split("\n\n")
    found = article("\n\n".join([parts[0], GERMAN_QUOTE, parts[1]]))
    assert [p.language for p in found.document.paragraphs] == [None, "de", None]
    result = make_brief(found.document, settings=Settings(), tiers="none", engines={"translation": FakeEngine()})
    assert result.paragraphs[1].translation == GERMAN_QUOTE
    [finding] = [f for f in result.findings if f.paragraph == 1]
    assert (finding.kind, finding.severity, finding.paragraph) == ("kept_language", "warning", 1)
    assert "German" in finding.detail


def test_short_paragraphs_and_close_relatives_are_never_called_foreign():
    # One-line Dutch paragraphs are what detection gets wrong most; they must be translated.
    text = "Brand in Zwolle.\n\nNiemand raakte gewond.\n\n" + DUTCH
    found = article(text)
    assert all(p.language is None for p in found.document.paragraphs)


def test_a_non_english_target_gets_every_tier_made_in_english_and_translated():
    direct, pivot, tiers = TaggedEngine("DE"), TaggedEngine("EN"), TaggedEngine("TIER")
    summariser = FakeEngine(summary_words=12)
    found = article(DUTCH)
    result = make_brief(
        found.document, detected=found.detected, settings=Settings(), target_lang="de",
        engines={"translation": direct, "pivot": pivot, "tiers": tiers, "summary": summariser},
    )
    # The article is translated straight into German ...
    assert all(s.translation == f"DE({s.source})" for p in result.paragraphs for s in p.sentences)
    # ... the summary model reads the English pivot, never the German ...
    summary_inputs = " ".join(summariser.generated_texts)
    assert "EN(" in summary_inputs and "DE(" not in summary_inputs
    # ... and every tier comes back through the English -> German engine.
    names = [tier.name for tier in result.summaries.tiers]
    assert names == ["headline", "lede", "summary", "key_points"]
    for tier in result.summaries.tiers:
        values = tier.items if tier.items is not None else (tier.text,)
        assert values and all(value.startswith("TIER(") for value in values), tier
    assert tiers.generated_texts and all(not text.startswith("TIER(") for text in tiers.generated_texts)
    data = result.to_dict()
    assert data["route"]["summary_input"] == "pivot"
    assert data["route"]["translation"]["family"] == "nllb"  # no opus-mt-nl-de
    assert data["route"]["tiers_translation"]["model"] == "Helsinki-NLP/opus-mt-en-de"
    assert set(data["provenance"]["models"]) == {"translation", "pivot", "summary", "tiers"}
    jsonschema.validate(data, SCHEMA)


def test_nllb_routes_carry_the_language_codes_to_the_engine():
    direct = TaggedEngine("DE")
    found = article(DUTCH)
    make_brief(found.document, settings=Settings(), target_lang="de", tiers="none", engines={"translation": direct})
    params = {call.params for call in direct.calls}
    assert {(p.source_language, p.target_language) for p in params} == {("nld_Latn", "deu_Latn")}


def test_english_into_another_language_summarises_the_source_itself():
    direct, tiers = TaggedEngine("FR"), TaggedEngine("TIER")
    summariser = FakeEngine()
    english = (DATA / "en-long.txt").read_text(encoding="utf-8")
    found = article(english)
    result = make_brief(
        found.document, settings=Settings(), target_lang="fr", tiers="headline",
        engines={"translation": direct, "tiers": tiers, "summary": summariser},
    )
    assert result.translated and result.route["pivot"] is None
    assert not any(text.startswith(("EN(", "FR(")) for text in summariser.generated_texts)
    # English -> French is the article's own pair: its engine translates the tiers too.
    assert result.summaries.get("headline").text.startswith("FR(")
    assert tiers.calls == []


def test_a_batch_routes_each_article_by_its_own_language(tmp_path):
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "nl.txt").write_text(DUTCH, encoding="utf-8")
    (feed / "en.txt").write_text((DATA / "en-long.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (feed / "de.txt").write_text((DATA / "de-long.txt").read_text(encoding="utf-8"), encoding="utf-8")
    engines = {"summary": FakeEngine()}
    nl_engine, de_engine = TaggedEngine("NL"), TaggedEngine("DEU")
    engines["translation:Helsinki-NLP/opus-mt-nl-en"] = nl_engine
    engines["translation:Helsinki-NLP/opus-mt-de-en"] = de_engine
    out = tmp_path / "out"
    report = run_batch([str(feed)], out_dir=out, settings=Settings(), tiers="headline", engines=engines)
    assert (report.ok, report.failed) == (3, 0)
    results = {name: json.loads((out / f"{name}.txt.json").read_text(encoding="utf-8")) for name in ("nl", "en", "de")}
    assert results["en"]["translated"] is False
    assert results["nl"]["route"]["translation"]["model"] == "Helsinki-NLP/opus-mt-nl-en"
    assert results["de"]["route"]["translation"]["model"] == "Helsinki-NLP/opus-mt-de-en"
    assert all(text.startswith("NL(") for text in [s["translation"] for p in results["nl"]["paragraphs"] for s in p["sentences"]])
    assert all(text.startswith("DEU(") for text in [s["translation"] for p in results["de"]["paragraphs"] for s in p["sentences"]])
    # Each engine saw only its own language's sentences.
    assert not any("kabinet" in text for text in de_engine.generated_texts)


@pytest.mark.parametrize("code", ["fy"])
def test_an_article_in_a_language_without_a_model_fails_alone_in_a_batch(code):
    from wirebrief.inputs.document import parse
    from wirebrief.pipeline import Article

    good = article(DUTCH)
    stranded = Article(parse("Dit is in feite Fries, zo is afgesproken.", language=code))
    results = list(
        iter_briefs([good, stranded], settings=Settings(), tiers="none", engines={"translation": FakeEngine()})
    )
    assert results[0].translated
    assert "no translation model is known for Frisian (fy)" in results[1].one_line()


def test_a_dutch_paragraph_in_an_english_article_is_marked_too():
    english = (DATA / "en-long.txt").read_text(encoding="utf-8").strip()
    found = article(english + "\n\n" + DUTCH.split("\n\n")[1])
    assert found.document.language == "en"
    assert found.document.paragraphs[-1].language == "nl"
    result = make_brief(found.document, settings=Settings(), tiers="none", engines={"translation": FakeEngine()})
    [kept] = [f for f in result.findings if f.kind == "kept_language"]
    assert "Dutch" in kept.detail and "not translated" in kept.detail


class MissingModel(FakeEngine):
    """An engine whose model is not there: it fails on the first generate, as a real one does."""

    def generate(self, texts, params, progress=None):
        from wirebrief.errors import ModelNotFoundError

        raise ModelNotFoundError(f"translation model {self.model} is not in the Hugging Face cache")


def test_a_missing_model_fails_only_its_own_languages_articles_in_a_batch(tmp_path):
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "nl.txt").write_text(DUTCH, encoding="utf-8")
    (feed / "de.txt").write_text((DATA / "de-long.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (feed / "en.txt").write_text((DATA / "en-long.txt").read_text(encoding="utf-8"), encoding="utf-8")
    engines = {
        "summary": FakeEngine(),
        "translation:Helsinki-NLP/opus-mt-nl-en": TaggedEngine("NL"),
        "translation:Helsinki-NLP/opus-mt-de-en": MissingModel(model="Helsinki-NLP/opus-mt-de-en"),
    }
    out = tmp_path / "out"
    report = run_batch([str(feed)], out_dir=out, settings=Settings(), tiers="headline", engines=engines)
    assert (report.ok, report.failed) == (2, 1)
    [(identifier, error)] = report.failures
    assert identifier == "de.txt" and "opus-mt-de-en is not in the Hugging Face cache" in error
    assert (out / "nl.txt.json").is_file() and (out / "en.txt.json").is_file()


def test_numbers_and_names_are_checked_only_where_the_checker_reads_the_language():
    german = (DATA / "de-long.txt").read_text(encoding="utf-8")
    found = article(german)
    result = make_brief(found.document, settings=Settings(), tiers="none", engines={"translation": FakeEngine()})
    assert result.provenance["checks"] == {"numbers_and_names": False, "meaning": False}
    assert not {f.kind for f in result.findings} & {"number_mismatch", "name_missing", "number_format"}
    dutch = make_brief(article(DUTCH).document, settings=Settings(), tiers="none", engines={"translation": FakeEngine()})
    assert dutch.provenance["checks"] == {"numbers_and_names": True, "meaning": True}


def test_offline_a_missing_tiers_model_is_refused_before_any_translation():
    direct = TaggedEngine("DE")
    english = (DATA / "en-long.txt").read_text(encoding="utf-8")
    found = article(english)
    settings = Settings(offline=True, translation_model="Helsinki-NLP/opus-mt-en-de")
    with pytest.raises(ModelNotFoundError) as caught:
        # The translation engine is supplied; the summary model is not in the (empty) cache.
        make_brief(found.document, settings=settings, target_lang="de", engines={"translation": direct})
    assert "summary model google/flan-t5-large is not in the Hugging Face cache" in str(caught.value)
    assert direct.calls == []  # nothing was translated first


def test_offline_a_missing_pivot_model_fails_before_translating():
    direct, summariser = TaggedEngine("DE"), FakeEngine()
    found = article(DUTCH)
    with pytest.raises(ModelNotFoundError) as caught:
        make_brief(
            found.document, settings=Settings(offline=True), target_lang="de",
            engines={"translation": direct, "summary": summariser},
        )
    assert "English pivot translation model Helsinki-NLP/opus-mt-nl-en is not in the Hugging Face cache" in str(caught.value)
    assert "wirebrief models pull Helsinki-NLP/opus-mt-nl-en" in caught.value.one_line()
    assert direct.calls == []


# --------------------------------------------------------------------------------------------
# Timings: loading a model is not translating


class SlowToLoadEngine(FakeEngine):
    """Loads its "weights" on the first generate, as the real engines do, and says how long."""

    LOAD, WORK = 0.3, 0.05

    def __init__(self) -> None:
        super().__init__()
        self.startup_seconds = 0.0

    def generate(self, texts, params, progress=None):
        import time

        if not self.startup_seconds:
            time.sleep(self.LOAD)
            self.startup_seconds = self.LOAD
        time.sleep(self.WORK)
        return super().generate(texts, params, progress)


def test_loading_the_models_is_timed_apart_from_translating_and_summarising():
    found = article(DUTCH)
    translator, summariser = SlowToLoadEngine(), SlowToLoadEngine()
    result = make_brief(
        found.document, settings=Settings(), tiers="headline",
        engines={"translation": translator, "summary": summariser},
    )
    timings = result.provenance["timings"]
    load = SlowToLoadEngine.LOAD
    assert 2 * load <= timings["load_seconds"] < 2 * load + 0.25
    assert SlowToLoadEngine.WORK <= timings["translate_seconds"] < load
    assert SlowToLoadEngine.WORK <= timings["summarise_seconds"] < load
    parts = timings["load_seconds"] + timings["translate_seconds"] + timings["summarise_seconds"]
    assert parts <= timings["total_seconds"] + 0.002
