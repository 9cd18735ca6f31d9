"""The real transformers path end to end, on the tiny models (see conftest.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from importlib import resources

import jsonschema
import pytest

from wirebrief.engines import make_engine as load_engine
from wirebrief.inputs.document import load
from wirebrief.models import resolve
from wirebrief.pipeline import make_brief, read_document
from wirebrief.prompts import load_prompts
from wirebrief.translation import translate_documents, translation_params

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def example_brief(tiny_settings, example_path):
    document, detected = read_document(example_path)
    return make_brief(document, settings=tiny_settings, detected=detected)


def test_one_translated_paragraph_per_source_paragraph(example_brief, example_path):
    source = load(example_path)
    assert [p.index for p in example_brief.paragraphs] == [p.index for p in source.paragraphs]
    assert [p.kind for p in example_brief.paragraphs] == [p.kind for p in source.paragraphs]
    assert [p.source for p in example_brief.paragraphs] == [p.text for p in source.paragraphs]
    assert all(p.translation.strip() for p in example_brief.paragraphs)


def test_every_source_sentence_is_present(example_brief, example_path):
    source = load(example_path)
    expected = [s for p in source.paragraphs for s in p.sentences]
    got = [s.source for p in example_brief.paragraphs for s in p.sentences]
    assert got == expected
    assert all(s.translation for p in example_brief.paragraphs for s in p.sentences)


def test_date_marker_is_metadata_not_prose(example_brief):
    assert example_brief.metadata.date == "2025-02"
    assert not example_brief.paragraphs[0].source.startswith("date")


def test_default_tiers_are_present_and_within_budget(example_brief):
    prompts = load_prompts()
    tiers = {tier.name: tier for tier in example_brief.summaries.tiers}
    assert list(tiers) == ["headline", "lede", "summary", "key_points"]
    for name in ("headline", "lede", "summary"):
        assert tiers[name].text.strip(), name
        assert len(tiers[name].text.split()) <= prompts[name].budget.max_words, name
    points = tiers["key_points"].items
    assert 3 <= len(points) <= 7
    assert all(point.strip() for point in points)
    assert all(len(point.split()) <= prompts["key_points"].budget.max_words for point in points)


def test_long_input_was_condensed_in_chunks_not_cut(example_brief):
    # The gibberish translation is far longer than T5's 512-token input: it must have been
    # condensed chunk by chunk, which provenance records.
    assert example_brief.provenance["summary_input"]["chunks_condensed"] > 1


def test_provenance_names_models_device_and_version(example_brief, tiny_models, test_device):
    models = example_brief.provenance["models"]
    assert models["translation"]["model"] == str(tiny_models["translation"].resolve())
    assert models["translation"]["architecture"] == "MarianMTModel"
    assert models["summary"]["architecture"] == "T5ForConditionalGeneration"
    # bf16 on a GPU (T5 overflows fp16), float32 on the CPU.
    expected_dtype = "bfloat16" if test_device == "cuda" else "float32"
    for role in ("translation", "summary"):
        assert models[role]["device"] == test_device and models[role]["dtype"] == expected_dtype
    assert example_brief.provenance["generation"]["translation"]["num_beams"] == 1
    assert example_brief.provenance["timings"]["total_seconds"] > 0


def test_json_validates_against_the_documented_schema(example_brief):
    from wirebrief.render import to_json

    schema = json.loads((resources.files("wirebrief") / "brief.schema.json").read_text())
    jsonschema.validate(json.loads(to_json(example_brief)), schema)


def test_random_model_loops_are_reported_not_hidden(example_brief):
    # A random-weight model never stops by itself, so every sentence runs into its cap: the
    # pipeline must split and retry, then say so in the findings rather than pass it off.
    looped = [s for p in example_brief.paragraphs for s in p.sentences if s.hit_limit]
    findings = [f for f in example_brief.findings if f.kind == "length_cap"]
    assert looped and len(findings) == len(looped)
    assert all(s.parts > 1 for s in looped if len(s.source.split()) > 1)


def test_batching_does_not_change_translations(tiny_settings, example_path):
    document = load(example_path)
    document = replace(document, paragraphs=document.paragraphs[:2])
    params = translation_params(num_beams=1)

    def run(**batching):
        engine = load_engine(resolve(tiny_settings.translation_model), role="translation", device=tiny_settings.device, **batching)
        [paragraphs] = translate_documents([document], engine, params)
        return [s.translation for p in paragraphs for s in p.sentences]

    assert run(batch_size=1) == run(batch_size=None)


def test_beam_search_translates_too(tiny_settings, example_path):
    document = load(example_path)
    document = replace(document, paragraphs=document.paragraphs[4:5])
    engine = load_engine(resolve(tiny_settings.translation_model), role="translation", device=tiny_settings.device)
    [paragraphs] = translate_documents([document], engine, translation_params(num_beams=4))
    assert paragraphs[0].kind == "heading"
    assert paragraphs[0].translation.strip()


def test_a_pool_makes_each_engine_once(tiny_settings):
    from wirebrief.engines.pool import EnginePool

    with EnginePool(tiny_settings) as pool:
        first = pool.get("translation")
        assert pool.get("translation") is first and pool.get("pivot", tiny_settings.translation_model) is first
        assert [(role, model) for role, model, _ in pool.engines()] == [("translation", tiny_settings.translation_model)]
    with EnginePool(tiny_settings) as other:
        assert other.get("translation") is not first, "pools share nothing"


def test_engine_never_truncates_an_overlong_input(tiny_settings):
    from wirebrief.errors import GenerationError

    engine = load_engine(resolve(tiny_settings.translation_model), role="translation", device=tiny_settings.device)
    too_long = " ".join(["Oekraïne"] * (engine.max_input_tokens + 10))
    with pytest.raises(GenerationError, match="exceeds"):
        engine.generate([too_long], translation_params(num_beams=1))


def test_a_sentence_longer_than_the_model_input_is_split_and_kept_whole(tiny_settings):
    from wirebrief.translation import translate_sentences

    engine = load_engine(resolve(tiny_settings.translation_model), role="translation", device=tiny_settings.device)
    clause = "de Amerikaanse gezant sprak in Brussel met Europese leiders over Oekraïne"
    long_sentence = ", ".join([clause] * 60) + "."
    assert engine.count_tokens([long_sentence])[0] > engine.max_input_tokens
    [result] = translate_sentences([long_sentence], engine, translation_params(num_beams=1))
    assert result.source == long_sentence
    assert result.parts >= 2 and result.translation


@pytest.mark.model
def test_an_engine_loads_its_weights_only_when_it_first_generates(tiny_settings):
    from wirebrief.engines.torch import HuggingFaceEngine

    engine = HuggingFaceEngine(resolve(tiny_settings.translation_model), device=tiny_settings.device)
    assert not engine.loaded
    assert engine.count_tokens(["Een korte zin."])[0] > 1 and engine.max_input_tokens > 0
    described = engine.describe()
    assert described["architecture"] == "MarianMTModel" and described["load_seconds"] is None
    key = engine.cache_key()
    assert key.startswith("transformers:float32:local:")
    [generation] = engine.generate(["Een korte zin."], translation_params(num_beams=1))
    assert engine.loaded and engine.describe()["load_seconds"] is not None
    assert generation.output_tokens > 0
    assert engine.cache_key() == key


@pytest.mark.model
@pytest.mark.parametrize("kind", ["torch", "ctranslate2"])
def test_the_cache_key_known_up_front_is_the_engines_own(tiny_settings, kind):
    from wirebrief.engines import known_cache_key

    ref = resolve(tiny_settings.translation_model)
    engine = load_engine(ref, role="translation", engine=kind, device="cpu")
    assert known_cache_key(ref, kind, "cpu") == engine.cache_key()


@pytest.mark.parametrize("engine", ["ctranslate2", "torch"])
def test_json_of_each_engine_and_of_a_cached_rerun_validates(tiny_settings, example_path, tmp_path, engine):
    """The CTranslate2 engine describes itself by compute type; a rerun answered from the cache
    loads no weights, so it knows no dtype: both must still match the schema."""
    from wirebrief.render import to_json

    schema = json.loads((resources.files("wirebrief") / "brief.schema.json").read_text())
    settings = replace(tiny_settings, engine=engine, use_cache=True, cache=tmp_path / "cache.sqlite3")
    document, detected = read_document(example_path)
    for _ in range(2):  # the second run is served by the cache
        result = make_brief(document, settings=settings, detected=detected, tiers="headline")
        jsonschema.validate(json.loads(to_json(result)), schema)
    # The engine in a reader's words and its real precision, cached rerun or not.
    translation = result.provenance["models"]["translation"]
    if engine == "ctranslate2":
        assert (translation["engine"], translation["dtype"], translation["device"]) == ("CTranslate2", "int8", "cpu")
    else:
        assert (translation["engine"], translation["dtype"], translation["device"]) == ("transformers (torch)", "float32", "cpu")
