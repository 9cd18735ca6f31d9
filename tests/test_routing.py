"""Model routing: one table of language pairs, NLLB-200 for the rest, plans per target."""

from __future__ import annotations

import json

import pytest

from wirebrief.config import DEFAULT_SUMMARY_MODEL, DEFAULT_TRANSLATION_MODEL
from wirebrief.errors import UsageError
from wirebrief.routing import NLLB_CODES, NLLB_MODEL, OPUS_MT, check_code, covers, looks_multilingual, plan, route

#: The languages the issue names, to and from English.
NEWSROOM = ("de", "fr", "es", "it", "pt", "nl", "sv", "da", "pl", "ru", "uk", "ar", "zh", "ja")


@pytest.mark.parametrize(("pair", "model"), sorted(OPUS_MT.items()), ids=[f"{s}-{t}" for s, t in sorted(OPUS_MT)])
def test_every_pair_in_the_table_routes_to_its_opus_mt_model(pair, model):
    source, target = pair
    found = route(source, target)
    assert found.model == model == f"Helsinki-NLP/opus-mt-{source}-{target}"
    assert found.family == "opus-mt"
    assert (found.source_code, found.target_code) == (None, None)


@pytest.mark.parametrize("language", NEWSROOM)
@pytest.mark.parametrize("direction", ["to English", "from English"])
def test_every_newsroom_language_has_a_route_to_and_from_english(language, direction):
    source, target = (language, "en") if direction == "to English" else ("en", language)
    found = route(source, target)
    if (source, target) in OPUS_MT:
        assert found.family == "opus-mt"
    else:
        # No single-pair model published: the multilingual model, told both languages by code.
        assert found.family == "nllb" and found.model == NLLB_MODEL
        assert (found.source_code, found.target_code) == (NLLB_CODES[source], NLLB_CODES[target])


@pytest.mark.parametrize(
    ("source", "target"),
    # No opus-mt model of these names exists on the hub (or only a Bible-trained or
    # multi-target one), so the table must not send users to a 404.
    [("pt", "en"), ("en", "pt"), ("en", "pl"), ("en", "ja"), ("nl", "de"), ("fr", "nl"), ("en", "ar"), ("en", "zh")],
)
def test_pairs_without_a_usable_opus_mt_model_go_to_nllb(source, target):
    assert (source, target) not in OPUS_MT
    found = route(source, target)
    assert found.family == "nllb"
    assert found.target_code == NLLB_CODES[target]


def test_nllb_codes_have_the_flores_shape():
    for code in NLLB_CODES.values():
        language, script = code.split("_")
        assert len(language) == 3 and language.islower() and script.istitle() and len(script) == 4
    assert NLLB_CODES["nl"] == "nld_Latn" and NLLB_CODES["zh"] == "zho_Hans" and NLLB_CODES["uk"] == "ukr_Cyrl"


def test_a_language_no_model_knows_is_a_usage_error():
    with pytest.raises(UsageError) as caught:
        route("fy", "en")  # Frisian: no opus-mt model, and NLLB-200 has no Frisian
    assert "no translation model is known for Frisian (fy)" in caught.value.one_line()
    assert "--translation-model" in caught.value.one_line()


@pytest.mark.parametrize("code", ["Dutch", "n1", "", "e"])
def test_check_code_refuses_what_is_not_a_code(code):
    with pytest.raises(UsageError):
        check_code(code)


def test_check_code_normalises_case_and_space():
    assert check_code(" NL ") == "nl"


def test_an_override_replaces_the_direct_pair_only():
    found = plan("de", "fr", translation_model="my-org/de-fr-news")
    assert found.translation.model == "my-org/de-fr-news" and found.translation.family == "custom"
    assert found.pivot.model == "Helsinki-NLP/opus-mt-de-en"
    assert found.tiers_translation.model == "Helsinki-NLP/opus-mt-en-fr"


def test_the_default_translation_model_setting_does_not_pin_other_languages():
    found = plan("de", "en", translation_model=DEFAULT_TRANSLATION_MODEL)
    assert found.translation.model == "Helsinki-NLP/opus-mt-de-en"
    assert plan("nl", "en", translation_model=DEFAULT_TRANSLATION_MODEL).translation.family == "opus-mt"


def test_a_multilingual_override_gets_language_codes(tmp_path):
    assert route("nl", "de", override="facebook/nllb-200-1.3B").source_code == "nld_Latn"
    folder = tmp_path / "newsroom-model"  # known by its tokenizer, not its name
    folder.mkdir()
    (folder / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "NllbTokenizer"}))
    assert looks_multilingual(str(folder))
    found = route("de", "nl", override=str(folder))
    assert (found.family, found.source_code, found.target_code) == ("nllb", "deu_Latn", "nld_Latn")
    (folder / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "MarianTokenizer"}))
    assert not looks_multilingual(str(folder))


def test_plan_into_english_summarises_the_translation():
    found = plan("nl", "en", summary_model=DEFAULT_SUMMARY_MODEL)
    assert found.translation.model == "Helsinki-NLP/opus-mt-nl-en"
    assert found.summary_input == "translation"
    assert found.pivot is None and found.tiers_translation is None
    assert set(found.routes()) == {"translation"}


def test_english_into_english_translates_nothing():
    found = plan("en", "en")
    assert found.translation is None and found.summary_input == "source"
    assert found.as_dict()["translated"] is False


def test_plan_into_another_language_makes_tiers_in_english_then_translates_them():
    found = plan("nl", "de")
    assert found.translation.family == "nllb"  # there is no opus-mt-nl-de
    assert found.summary_input == "pivot"
    assert found.pivot.model == "Helsinki-NLP/opus-mt-nl-en"
    assert found.tiers_translation.model == "Helsinki-NLP/opus-mt-en-de"
    assert set(found.routes()) == {"translation", "pivot", "tiers"}


def test_english_into_another_language_summarises_the_source():
    found = plan("en", "fr")
    assert found.translation.model == "Helsinki-NLP/opus-mt-en-fr"
    assert found.summary_input == "source" and found.pivot is None
    assert found.tiers_translation.model == "Helsinki-NLP/opus-mt-en-fr"


def test_a_text_already_in_a_non_english_target_still_gets_all_tiers():
    found = plan("de", "de")
    assert found.translation is None
    assert found.summary_input == "pivot" and found.tiers_translation.target == "de"


def test_without_tiers_only_the_translation_is_planned():
    found = plan("nl", "de", tiers=False)
    assert found.translation is not None
    assert (found.summary_input, found.pivot, found.tiers_translation) == (None, None, None)


@pytest.mark.parametrize("override", ["Helsinki-NLP/opus-mt-nl-en", "opus-mt-nl-en", "/models/opus-mt-nl-en/"])
def test_a_model_named_for_one_pair_is_not_used_for_another(override):
    assert covers(override) == ("nl", "en")
    # A German article still goes to the German model, whatever the configured Dutch one.
    assert plan("de", "en", translation_model=override).translation.model == "Helsinki-NLP/opus-mt-de-en"
    assert plan("nl", "en", translation_model=override).translation.model == override


def test_a_model_whose_name_says_nothing_overrides_any_pair():
    assert covers("/models/newsroom-v3") is None
    assert plan("de", "en", translation_model="/models/newsroom-v3").translation.model == "/models/newsroom-v3"


def test_an_english_article_into_german_uses_the_override_for_the_tiers_too():
    found = plan("en", "de", translation_model="/models/en-de-local")
    assert found.translation.model == found.tiers_translation.model == "/models/en-de-local"


def test_every_nllb_code_is_one_the_model_knows():
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

    unknown = {code: value for code, value in NLLB_CODES.items() if value not in FAIRSEQ_LANGUAGE_CODES}
    assert not unknown


def test_most_languages_the_detector_names_have_a_route_to_english():
    from pathlib import Path

    from py3langid import langid

    detectable = set(langid.LanguageIdentifier.from_modelpath(Path(langid.MODEL_DIR) / langid.MODEL_FILE).nb_classes)
    routed = {code for code in detectable if (code, "en") in OPUS_MT or code in NLLB_CODES}
    # Regional and historical varieties (ace, grc, hbo, vo, zxx, ...) are left out on purpose.
    assert len(routed) >= 90, sorted(detectable - routed)
