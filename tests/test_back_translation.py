"""Back-translation checks (`wirebrief.check.back`): a source sentence against its translation
translated back into the source language, with hand-written Dutch pairs and no model."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from wirebrief.check.back import (
    BACK_KINDS,
    BackSentence,
    back_context,
    check_back_sentence,
    check_back_translation,
    check_back_translations,
    chrf,
    with_back_translations,
)
from wirebrief.inputs.document import Metadata
from wirebrief.results import Brief, TranslatedParagraph, TranslatedSentence


def back_findings(source: str, back: str):
    return check_back_sentence(source, back, back_context([source], "nl"), paragraph=0, sentence=0)


def kinds(source: str, back: str) -> list[str]:
    return [finding.kind for finding in back_findings(source, back)]


def test_a_back_translation_that_drops_niet_is_flagged():
    source = "Het kabinet gaat niet akkoord met het voorstel."
    [finding] = back_findings(source, "Het kabinet gaat akkoord met het voorstel.")
    assert finding.kind == "back_negation" and finding.severity == "warning"
    assert "'niet'" in finding.detail and "the back-translation has no negation" in finding.detail
    assert (finding.paragraph, finding.sentence) == (0, 0)
    assert finding.source == source and finding.target == "Het kabinet gaat akkoord met het voorstel."


def test_an_equal_back_translation_has_no_findings_and_a_chrf_of_100():
    source = "Het kabinet gaat op dinsdag 18 februari niet akkoord met 3,3 procent, zei Schoof."
    assert back_findings(source, source) == []
    assert chrf(source, source) == 100.0


@pytest.mark.parametrize(
    ("source", "back", "kind"),
    [
        ("De inflatie is gestegen naar 3,3 procent.", "De inflatie is gestegen naar 3,5 procent.", "back_number"),
        ("De top vindt plaats op dinsdag.", "De top vindt plaats op donderdag.", "back_date"),
        ("Het akkoord werd in maart 2022 gesloten.", "Het akkoord werd in mei 2022 gesloten.", "back_date"),
        ("De file was 30 kilometer lang.", "De file was 30 meter lang.", "back_unit"),
        ("De inflatie is in januari gestegen.", "De inflatie is in januari gedaald.", "back_direction"),
        ("Premier Schoof sprak in Brussel met Rutte.", "De premier sprak in Brussel met de NAVO-chef.", "back_name"),
        ("Niemand wist ervan.", "Iedereen wist ervan.", "back_negation"),
    ],
)
def test_a_back_translation_that_changes_what_the_source_says_is_flagged(source, back, kind):
    found = back_findings(source, back)
    assert kind in [finding.kind for finding in found], found
    assert all(finding.severity == "warning" for finding in found)
    assert all("the translation" not in finding.detail for finding in found)


@pytest.mark.parametrize(
    ("source", "back"),
    [
        # The same negation in other words: both are negations in the one Dutch list.
        ("Er is geen akkoord.", "Er is nog niet een akkoord."),
        ("Het kabinet gaat niet akkoord.", "Het kabinet is het er niet mee eens."),
        # The same rise in other words, the same date written otherwise.
        ("De prijzen stegen fors.", "De prijzen namen sterk toe."),
        ("De top is op 18 februari.", "De top is op 18 februari 2025."),
        # The same measure written otherwise.
        ("De file was 30 kilometer lang.", "De file was 30 km lang."),
        ("Het kost € 4,5 miljoen.", "Het kost 4,5 miljoen euro."),
        # A name the back-translation spells the English way is still that name.
        ("Poetin belde met Trump.", "Putin belde met Trump."),
    ],
)
def test_a_back_translation_that_says_the_same_in_other_words_is_not_flagged(source, back):
    assert back_findings(source, back) == []


def test_only_the_content_checks_run_on_a_back_translation():
    """Length, loops, quotes and language are the forward translation's business."""
    source = "„We laten ons niet intimideren,” zei Zelensky in een lange toespraak voor het parlement."
    assert kinds(source, "Zelensky zei niet niet niet niet niet.") == []
    assert set(BACK_KINDS.values()) == {
        "back_number", "back_name", "back_negation", "back_date", "back_unit", "back_direction"
    }


def test_chrf_is_lower_the_further_the_round_trip_strayed():
    source = "Het kabinet gaat niet akkoord met het voorstel."
    close = chrf(source, "Het kabinet gaat niet akkoord met dat voorstel.")
    far = chrf(source, "De regering steunt het plan volledig.")
    assert 100.0 > close > far >= 0.0
    assert chrf(source, "") == 0.0 and chrf("", "") == 100.0


def test_check_back_translations_returns_findings_and_a_chrf_per_sentence():
    sentences = [
        BackSentence("Het kabinet gaat niet akkoord.", "Het kabinet gaat akkoord.", paragraph=0, sentence=0),
        BackSentence("De top is op dinsdag.", "De top is op dinsdag.", paragraph=1, sentence=0),
    ]
    result = check_back_translations(sentences, source_lang="nl")
    assert [(f.kind, f.paragraph, f.sentence) for f in result.findings] == [("back_negation", 0, 0)]
    assert len(result.chrf) == 2 and result.chrf[1] == 100.0 and result.chrf[0] < 100.0


def paragraphs() -> tuple[TranslatedParagraph, ...]:
    return (
        TranslatedParagraph(0, "heading", "Kabinet niet akkoord", (
            TranslatedSentence("Kabinet niet akkoord", "Cabinet agrees"),
        )),
        TranslatedParagraph(1, "paragraph", "De inflatie steeg. Dat zei het CBS.", (
            TranslatedSentence("De inflatie steeg.", "Inflation fell."),
            TranslatedSentence("Dat zei het CBS.", ""),
        )),
    )  # fmt: skip


def test_with_back_translations_sets_each_sentence_and_the_brief_checks_them():
    briefed = with_back_translations(paragraphs(), [["Kabinet akkoord"], ["De inflatie daalde.", None]])
    first, second, skipped = (s for p in briefed for s in p.sentences)
    assert first.back_translation == "Kabinet akkoord" and first.chrf is not None and first.chrf < 100
    assert second.back_translation == "De inflatie daalde."
    assert skipped.back_translation is None and skipped.chrf is None
    found = check_back_translation(briefed, source_lang="nl")
    assert [(f.kind, f.paragraph, f.sentence) for f in found] == [("back_negation", 0, 0), ("back_direction", 1, 0)]


def test_with_back_translations_refuses_lists_that_do_not_fit():
    with pytest.raises(ValueError, match="paragraphs"):
        with_back_translations(paragraphs(), [["x"]])
    with pytest.raises(ValueError, match="paragraph 1"):
        with_back_translations(paragraphs(), [["x"], ["y"]])


def brief(paragraphs_: tuple[TranslatedParagraph, ...]) -> Brief:
    return Brief("nl", "en", Metadata(), paragraphs_, None, ())


def test_json_has_the_new_sentence_keys_only_when_they_are_set():
    plain = brief(paragraphs()).to_dict()
    assert plain["paragraphs"][0]["sentences"] == [{"source": "Kabinet niet akkoord", "translation": "Cabinet agrees"}]
    scored = TranslatedParagraph(0, "heading", "Kabinet niet akkoord", (
        TranslatedSentence("Kabinet niet akkoord", "Cabinet agrees", confidence=-1.25),
    ))  # fmt: skip
    assert brief((scored,)).to_dict()["paragraphs"][0]["sentences"] == [
        {"source": "Kabinet niet akkoord", "translation": "Cabinet agrees", "confidence": -1.25}
    ]
    back = brief(with_back_translations(paragraphs(), [["Kabinet akkoord"], [None, None]])).to_dict()
    assert set(back["paragraphs"][0]["sentences"][0]) == {"source", "translation", "back_translation", "chrf"}
    assert set(back["paragraphs"][1]["sentences"][0]) == {"source", "translation"}


def test_the_schema_describes_the_new_sentence_keys():
    schema = json.loads((resources.files("wirebrief") / "brief.schema.json").read_text())
    sentence = schema["properties"]["paragraphs"]["items"]["properties"]["sentences"]["items"]
    assert {"confidence", "back_translation", "chrf"} <= set(sentence["properties"])
    assert set(sentence["required"]) == {"source", "translation"}
    validator = jsonschema.Draft202012Validator(sentence)
    validator.validate({"source": "a", "translation": "b", "confidence": -0.5, "back_translation": "a", "chrf": 100.0})
    assert not validator.is_valid({"source": "a", "translation": "b", "confidence": 0.5})
    assert not validator.is_valid({"source": "a", "translation": "b", "chrf": 101})


def test_sacrebleu_is_imported_only_when_a_chrf_is_computed():
    import subprocess
    import sys

    code = (
        "import sys, wirebrief.check.back as back; assert 'sacrebleu' not in sys.modules; "
        "back.chrf('a b', 'a c'); assert 'sacrebleu' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
