"""Language codes through the engine seam: NLLB-200 style models on both engines.

The tiny `nllb` model of scripts/make_tiny_models.py is an M2M100 with an NllbTokenizer that
knows every NLLB language code. Its weights are random, so outputs are gibberish and never end
before their cap; what is checked is where the codes go: the source code first in the input,
the target code forced as the first output token and kept out of the text and the counts, on
torch and CTranslate2 alike, and in the cache key only when set.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields, replace
from pathlib import Path

import pytest
from fakes import FakeEngine

from wirebrief.engines.base import GenerationParams
from wirebrief.engines.cache import CachedEngine, GenerationCache, canonical_params, entry_key
from wirebrief.engines.torch import HuggingFaceEngine
from wirebrief.errors import ModelError
from wirebrief.inputs.document import parse
from wirebrief.models import resolve
from wirebrief.translation import translation_params

NLD, ENG, DEU = "nld_Latn", "eng_Latn", "deu_Latn"
GREEDY = translation_params(num_beams=1)


def with_codes(params: GenerationParams, source: str | None = NLD, target: str | None = ENG):
    return replace(params, source_language=source, target_language=target)


def as_tuples(generations):
    return [(g.text, g.input_tokens, g.output_tokens, g.hit_limit) for g in generations]


# --------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def sentences(example_path) -> list[str]:
    article = parse(example_path.read_text(encoding="utf-8"), language="nl")
    return [sentence for paragraph in article.paragraphs for sentence in paragraph.sentences]


@pytest.fixture(scope="module")
def nllb_torch(tiny_models) -> HuggingFaceEngine:
    return HuggingFaceEngine(resolve(str(tiny_models["nllb"])), device="cpu", dtype="float32", offline=True)


@pytest.fixture(scope="module")
def convert_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ct2-nllb")


@pytest.fixture(scope="module")
def nllb_ct2(tiny_models, convert_root):
    from wirebrief.engines.ct2 import CTranslate2Engine

    return CTranslate2Engine(
        resolve(str(tiny_models["nllb"])), compute_type="float32", offline=True, convert_root=convert_root
    )


@pytest.fixture
def generate_spy(nllb_torch, monkeypatch):
    """Records (input_ids, generation_config, sequences) of every model.generate call."""
    nllb_torch.load()
    model = nllb_torch._model
    real = model.generate
    calls: list[tuple] = []

    def spy(**kwargs):
        sequences = real(**kwargs)
        calls.append((kwargs["input_ids"], kwargs["generation_config"], sequences))
        return sequences

    monkeypatch.setattr(model, "generate", spy)
    return calls


# --------------------------------------------------------------------------------------------
# The tiny model is a real NLLB look-alike


@pytest.mark.model
def test_tiny_nllb_loads_as_nllb_with_every_language_code(tiny_models):
    from transformers import AutoConfig, AutoTokenizer, GenerationConfig
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

    folder = tiny_models["nllb"]
    tokenizer = AutoTokenizer.from_pretrained(folder)
    config = AutoConfig.from_pretrained(folder)
    generation = GenerationConfig.from_pretrained(folder)

    assert type(tokenizer).__name__ == "NllbTokenizer"
    assert config.model_type == "m2m_100" and config.architectures == ["M2M100ForConditionalGeneration"]
    assert len(tokenizer) == config.vocab_size
    ids = tokenizer.convert_tokens_to_ids(list(FAIRSEQ_LANGUAGE_CODES))
    assert len(set(ids)) == len(FAIRSEQ_LANGUAGE_CODES) == 202
    assert tokenizer.unk_token_id not in ids
    assert set(FAIRSEQ_LANGUAGE_CODES) <= set(tokenizer.all_special_tokens)
    # As in nllb-200: </s> starts the decoder, and no target language is fixed in the config.
    assert generation.decoder_start_token_id == tokenizer.eos_token_id == 2
    assert generation.forced_bos_token_id is None


def test_the_script_keeps_the_marian_and_t5_models_and_adds_nllb(tiny_models):
    assert sorted(tiny_models) == ["nllb", "summary", "translation"]
    assert (tiny_models["nllb"] / "sentencepiece.bpe.model").is_file()
    assert (tiny_models["translation"] / "source.spm").is_file()
    assert (tiny_models["summary"] / "spiece.model").is_file()


# --------------------------------------------------------------------------------------------
# Source language: first input token, counted


@pytest.mark.model
@pytest.mark.parametrize("code", [NLD, DEU, "zho_Hans"])
def test_the_source_code_leads_the_input_and_is_counted(nllb_torch, sentences, code):
    text = sentences[0]
    ids = nllb_torch._encode([text], code, add_special_tokens=True)["input_ids"][0]
    pieces = nllb_torch._tokenizer(text, add_special_tokens=False)["input_ids"]

    assert ids == [nllb_torch.language_id(code), *pieces, nllb_torch._tokenizer.eos_token_id]
    assert nllb_torch.count_tokens([text], code) == [len(pieces) + 2]


@pytest.mark.model
def test_no_source_code_means_the_tokenizer_default_not_the_last_code_used(nllb_torch, sentences):
    nllb_torch.count_tokens(sentences[:1], DEU)
    ids = nllb_torch._encode(sentences[:1], None, add_special_tokens=True)["input_ids"][0]
    assert ids[0] == nllb_torch.language_id(ENG)  # NllbTokenizer's own default source language


@pytest.mark.model
def test_concurrent_calls_never_encode_with_another_calls_source_code(nllb_torch, sentences):
    codes = [NLD, DEU, "fra_Latn", "spa_Latn", None]
    expected = {code: nllb_torch.language_id(code or ENG) for code in codes}
    start = threading.Barrier(8)

    def first_ids(worker: int) -> list[tuple[str | None, int]]:
        start.wait()
        seen = []
        for step in range(60):
            code = codes[(worker + step) % len(codes)]
            encoded = nllb_torch._encode(sentences[:3], code, add_special_tokens=True)["input_ids"]
            seen += [(code, ids[0]) for ids in encoded]
        return seen

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [pair for seen in pool.map(first_ids, range(8)) for pair in seen]
    assert len(results) == 8 * 60 * 3
    assert all(first == expected[code] for code, first in results)


@pytest.mark.model
def test_the_source_code_reaches_the_model(nllb_torch, generate_spy, sentences):
    for code in (NLD, DEU):
        nllb_torch.generate(sentences[:2], with_codes(GenerationParams(max_new_tokens=4), source=code))
        input_ids = generate_spy[-1][0]
        assert input_ids[:, 0].tolist() == [nllb_torch.language_id(code)] * 2


# --------------------------------------------------------------------------------------------
# Target language: forced first output token, not in the text, not counted


@pytest.mark.model
@pytest.mark.parametrize("target", [ENG, DEU])
def test_the_target_code_is_forced_first_and_left_out(nllb_torch, generate_spy, sentences, target):
    texts = sentences[:3]
    params = with_codes(GenerationParams(max_new_tokens=8), target=target)
    results = nllb_torch.generate(texts, params)

    [(_, config, sequences)] = generate_spy
    code_id = nllb_torch.language_id(target)
    assert config.forced_bos_token_id == code_id
    assert sequences[:, 0].tolist() == [nllb_torch._tokenizer.eos_token_id] * 3  # decoder start
    assert sequences[:, 1].tolist() == [code_id] * 3
    # The cap counts text tokens: the model got one slot more, for the code.
    assert sequences.shape[1] == 2 + 8
    tokenizer = nllb_torch._tokenizer
    for result, row in zip(results, sequences.tolist(), strict=True):
        assert (result.output_tokens, result.hit_limit) == (8, True)
        assert result.text == tokenizer.decode(row[2:], skip_special_tokens=True).strip()
        assert target not in result.text


@pytest.mark.model
def test_without_codes_nothing_is_forced(nllb_torch, generate_spy, sentences):
    results = nllb_torch.generate(sentences[:2], GenerationParams(max_new_tokens=6))
    [(input_ids, config, sequences)] = generate_spy
    assert config.forced_bos_token_id is None
    assert input_ids[:, 0].tolist() == [nllb_torch.language_id(ENG)] * 2
    assert sequences.shape[1] == 1 + 6
    assert [r.output_tokens for r in results] == [6, 6]


# --------------------------------------------------------------------------------------------
# Codes a model does not know


@pytest.mark.model
@pytest.mark.parametrize("field", ["source_language", "target_language"])
@pytest.mark.parametrize("code", ["xxx_Latn", "nl", "en"])  # "en" is an ordinary piece of the vocabulary
def test_an_unknown_code_is_a_one_line_model_error_before_any_weights_load(
    tiny_models, convert_root, field, code
):
    from wirebrief.engines.ct2 import CTranslate2Engine

    ref = resolve(str(tiny_models["nllb"]))
    params = replace(GenerationParams(max_new_tokens=4), **{field: code})
    engines = [
        HuggingFaceEngine(ref, device="cpu", dtype="float32", offline=True),
        CTranslate2Engine(ref, compute_type="float32", offline=True, convert_root=convert_root),
    ]
    for engine in engines:
        with pytest.raises(ModelError) as error:
            engine.generate(["Een zin."], params)
        line = error.value.one_line()
        assert repr(code) in line and str(tiny_models["nllb"]) in line
        assert "\n" not in line
        assert not engine.loaded


@pytest.mark.model
def test_a_model_without_language_codes_refuses_them(tiny_models):
    marian = HuggingFaceEngine(
        resolve(str(tiny_models["translation"])), device="cpu", dtype="float32", offline=True
    )
    with pytest.raises(ModelError, match="takes no source language code, but 'nld_Latn' was given"):
        marian.generate(["Een zin."], GenerationParams(source_language=NLD))
    with pytest.raises(ModelError, match="has no language code 'eng_Latn'"):
        marian.generate(["Een zin."], GenerationParams(target_language=ENG))
    assert not marian.loaded


# --------------------------------------------------------------------------------------------
# CTranslate2: the same outputs as torch


@pytest.mark.model
@pytest.mark.parametrize(
    ("source", "target"), [(NLD, ENG), (NLD, DEU), ("fra_Latn", "zho_Hans"), (None, None)]
)
def test_ct2_float32_greedy_matches_torch_with_language_codes(
    nllb_torch, nllb_ct2, sentences, source, target
):
    params = with_codes(GREEDY, source=source, target=target)
    expected = nllb_torch.generate(sentences, params)
    results = nllb_ct2.generate(sentences, params)

    assert as_tuples(results) == as_tuples(expected)
    # Caps differ, so CTranslate2 ran its mixed-cap call: the callback's ends count the prefix.
    assert len({params.cap_for(r.input_tokens) for r in results}) > 1
    assert nllb_ct2.count_tokens(sentences, source) == nllb_torch.count_tokens(sentences, source)
    assert [r.input_tokens for r in results] == nllb_torch.count_tokens(sentences, source)
    # No forced EOS in NLLB, and the language token is not counted: every text has its full cap.
    assert all(r.hit_limit and r.output_tokens == params.cap_for(r.input_tokens) for r in results)
    assert all(r.text for r in results)


@pytest.mark.model
@pytest.mark.parametrize("cap", [1, 2, 5])
def test_ct2_matches_torch_at_the_smallest_caps(nllb_torch, nllb_ct2, sentences, cap):
    params = with_codes(GenerationParams(max_new_tokens=cap), target=DEU)
    results = nllb_ct2.generate(sentences[:4], params)
    assert as_tuples(results) == as_tuples(nllb_torch.generate(sentences[:4], params))
    assert [r.output_tokens for r in results] == [cap] * 4


@pytest.mark.model
@pytest.mark.parametrize("min_new_tokens", [0, 1, 3])
def test_ct2_matches_torch_when_texts_end_before_their_cap(
    nllb_torch, nllb_ct2, generate_spy, sentences, monkeypatch, min_new_tokens
):
    """Random weights never pick </s>, so every other test runs into the cap. Here the token
    torch picks first for the first text is made an end token too: then texts end early, and
    both engines must agree on where, on min_new_tokens with the forced code in front, and on
    counting an early end as finished."""
    texts = sentences[:4]
    nllb_torch.generate(texts[:1], with_codes(GenerationParams(max_new_tokens=1), target=DEU))
    end_id = generate_spy[-1][2][0, 2].item()
    end_token = nllb_torch._tokenizer.convert_ids_to_tokens(end_id)
    eos = nllb_torch._tokenizer.eos_token_id
    monkeypatch.setattr(nllb_torch._model.generation_config, "eos_token_id", [eos, end_id])
    nllb_ct2.load()
    monkeypatch.setattr(nllb_ct2, "_end_tokens", ["</s>", end_token])

    params = with_codes(GenerationParams(max_new_tokens=12, min_new_tokens=min_new_tokens), target=DEU)
    expected = nllb_torch.generate(texts, params)
    assert as_tuples(nllb_ct2.generate(texts, params)) == as_tuples(expected)
    if min_new_tokens == 0:
        assert (expected[0].output_tokens, expected[0].hit_limit, expected[0].text) == (0, False, "")
    assert all(r.output_tokens >= min_new_tokens for r in expected)


@pytest.mark.model
def test_ct2_beam_search_matches_torch_with_language_codes(nllb_torch, nllb_ct2, sentences):
    params = with_codes(GenerationParams(max_new_tokens=24, num_beams=4), target=DEU)
    assert as_tuples(nllb_ct2.generate(sentences[:6], params)) == as_tuples(
        nllb_torch.generate(sentences[:6], params)
    )


@pytest.mark.model
def test_ct2_gets_the_source_code_in_the_input_and_the_target_code_as_prefix(nllb_ct2, sentences):
    nllb_ct2.load()
    real = nllb_ct2._translator
    calls: list[tuple[list[list[str]], dict]] = []

    class Spy:
        def translate_batch(self, source, **options):
            calls.append((source, options))
            return real.translate_batch(source, **options)

    nllb_ct2._translator = Spy()
    try:
        params = with_codes(GenerationParams(max_new_tokens=7), target=DEU)
        results = nllb_ct2.generate(sentences[:3], params)
    finally:
        nllb_ct2._translator = real

    # Inputs of different length buckets go in separate calls, each perhaps with a filler row
    # (nothing but end tokens) that pads it to its bucket's ceiling.
    assert calls
    rows = [tokens for source, _ in calls for tokens in source if set(tokens) != {"</s>"}]
    assert [tokens[0] for tokens in rows] == [NLD] * 3
    assert [tokens[-1] for tokens in rows] == ["</s>"] * 3
    for source, options in calls:
        assert options["target_prefix"] == [[DEU]] * len(source)
        assert options["max_decoding_length"] == 7 + 1  # CTranslate2 counts the prefix
    assert all(DEU not in r.text and r.output_tokens == 7 for r in results)


# --------------------------------------------------------------------------------------------
# Cache keys


def test_unset_language_codes_keep_the_old_cache_key():
    """The exact JSON wirebrief keyed cache entries on before language codes existed."""
    old_fields = [f.name for f in fields(GenerationParams) if not f.name.endswith("_language")]
    assert sorted(GenerationParams().as_dict()) == sorted(old_fields)
    assert canonical_params(GenerationParams()) == (
        '{"length_margin":0,"length_penalty":1.0,"length_ratio":null,"max_new_tokens":256,'
        '"min_new_tokens":0,"no_repeat_ngram_size":0,"num_beams":1,"repetition_penalty":1.0}'
    )
    params = GenerationParams(max_new_tokens=512, num_beams=4, length_ratio=2.0, length_margin=16)
    assert canonical_params(params) == (
        '{"length_margin":16,"length_penalty":1.0,"length_ratio":2.0,"max_new_tokens":512,'
        '"min_new_tokens":0,"no_repeat_ngram_size":0,"num_beams":4,"repetition_penalty":1.0}'
    )


def test_set_language_codes_are_part_of_the_cache_key():
    base = GenerationParams()
    variants = [
        base,
        replace(base, target_language=ENG),
        replace(base, target_language=DEU),
        replace(base, source_language=NLD),
        replace(base, source_language=NLD, target_language=ENG),
        replace(base, source_language=NLD, target_language=DEU),
    ]
    keys = [canonical_params(params) for params in variants]
    assert len(set(keys)) == len(variants)
    assert len({entry_key("engine", key, "Een zin.") for key in keys}) == len(variants)
    decoded = json.loads(keys[-1])
    assert (decoded["source_language"], decoded["target_language"]) == (NLD, DEU)
    assert "source_language" not in json.loads(keys[2])


def test_a_cached_translation_is_never_served_for_another_target_language(tmp_path):
    cache = GenerationCache(tmp_path / "generations.sqlite3")
    texts = ["De minister sprak.", "Hij zei niets."]
    english = with_codes(GenerationParams(max_new_tokens=32), target=ENG)
    german = with_codes(GenerationParams(max_new_tokens=32), target=DEU)
    CachedEngine(FakeEngine(prompt_prefixes=()), cache).generate(texts, english)

    other_language = FakeEngine(prompt_prefixes=())
    CachedEngine(other_language, cache).generate(texts, german)
    assert [call.texts for call in other_language.calls] == [tuple(texts)]

    same_language = FakeEngine(prompt_prefixes=())
    CachedEngine(same_language, cache).generate(texts, english)
    assert same_language.calls == []
