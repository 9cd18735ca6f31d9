"""The torch engine's batches of mixed caps: each row stops at its own cap, exactly as alone.

Every test compares an engine that may mix caps in a batch with the same engine run one text
per call (batch_size=1: one cap per call, no per-row rule at all), on the tiny models.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from wirebrief.engines.base import GenerationParams
from wirebrief.engines.torch import MIXED_CAP_RATIO, HuggingFaceEngine
from wirebrief.inputs.document import parse
from wirebrief.models import resolve
from wirebrief.translation import translation_params

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def sentences(example_path) -> list[str]:
    article = parse(example_path.read_text(encoding="utf-8"), language="nl")
    return [sentence for paragraph in article.paragraphs for sentence in paragraph.sentences][:16]


def engine(tiny_models, name: str, role: str = "translation") -> HuggingFaceEngine:
    return HuggingFaceEngine(resolve(str(tiny_models[name])), role=role, device="cpu", dtype="float32", offline=True)


def as_tuples(generations):
    return [(g.text, g.input_tokens, g.output_tokens, g.hit_limit) for g in generations]


@contextmanager
def recording_caps(model: HuggingFaceEngine, method: str) -> Iterator[list[list[int]]]:
    """The caps of every call to one of the engine's batch methods, while in the block."""
    calls: list[list[int]] = []
    real = getattr(model, method)

    def spy(batch, caps, params):
        calls.append(list(caps))
        return real(batch, caps, params)

    setattr(model, method, spy)
    try:
        yield calls
    finally:
        delattr(model, method)


def mixed_and_alone(model: HuggingFaceEngine, texts: list[str], params: GenerationParams):
    """(results in mixed batches, the caps of each generate call, results one text per call)."""
    with recording_caps(model, "_generate_rows") as calls:
        mixed = model.generate(texts, params)
    model.batch_size = 1
    try:
        alone = model.generate(texts, params)
    finally:
        model.batch_size = None
    return mixed, calls, alone


@pytest.mark.parametrize("beams", [1, 3])
def test_marian_rows_stop_at_their_own_caps_greedy_and_in_beam_search(tiny_models, sentences, beams):
    model = engine(tiny_models, "translation")
    params = translation_params(num_beams=beams)
    mixed, calls, alone = mixed_and_alone(model, sentences, params)

    assert as_tuples(mixed) == as_tuples(alone)
    assert any(len(set(caps)) > 1 for caps in calls), "some batch mixed caps"
    assert all(min(caps) >= MIXED_CAP_RATIO * max(caps) for caps in calls)
    # The random model never ends a text itself: each ran to its own cap, less the forced EOS.
    assert all(r.hit_limit and r.output_tokens == params.cap_for(r.input_tokens) - 1 for r in mixed)


def test_t5_greedy_rows_stop_at_their_own_caps(tiny_models, sentences):
    """T5 has no forced EOS: the per-row EOS comes one slot after the cap and is not counted."""
    model = engine(tiny_models, "summary", role="summary")
    params = GenerationParams(max_new_tokens=64, length_ratio=1.0)
    texts = ["summarize: " + sentence for sentence in sentences]
    mixed, calls, alone = mixed_and_alone(model, texts, params)

    assert as_tuples(mixed) == as_tuples(alone)
    assert any(len(set(caps)) > 1 for caps in calls)
    assert all(r.hit_limit and r.output_tokens == params.cap_for(r.input_tokens) for r in mixed)


def test_t5_beam_search_keeps_one_cap_per_batch(tiny_models, sentences):
    """Without a forced EOS in the model, an EOS forced per row would change how beams are
    scored, so beam search does not mix caps there."""
    model = engine(tiny_models, "summary", role="summary")
    params = GenerationParams(max_new_tokens=32, length_ratio=0.5, num_beams=2)
    texts = ["summarize: " + sentence for sentence in sentences[:8]]
    mixed, calls, alone = mixed_and_alone(model, texts, params)

    assert as_tuples(mixed) == as_tuples(alone)
    assert len({params.cap_for(r.input_tokens) for r in mixed}) > 1
    assert all(len(set(caps)) == 1 for caps in calls)


def test_nllb_rows_stop_at_their_own_caps_behind_the_forced_language_code(tiny_models, sentences):
    model = engine(tiny_models, "nllb")
    params = GenerationParams(
        max_new_tokens=96, length_ratio=1.0, source_language="nld_Latn", target_language="deu_Latn"
    )
    mixed, calls, alone = mixed_and_alone(model, sentences, params)

    assert as_tuples(mixed) == as_tuples(alone)
    assert any(len(set(caps)) > 1 for caps in calls)
    assert all(r.output_tokens == params.cap_for(r.input_tokens) for r in mixed)


def test_rows_whose_minimum_length_differs_go_in_separate_calls(tiny_models, sentences):
    """min_new_tokens counts up to a row's own cap: a planned batch with caps of 64 and 80 and a
    minimum of 70 is generated as two calls, minimum 64 and minimum 70."""
    model = engine(tiny_models, "translation")
    params = GenerationParams(max_new_tokens=96, min_new_tokens=70, length_ratio=1.0)
    with recording_caps(model, "_generate_batch") as planned:
        mixed, calls, alone = mixed_and_alone(model, sentences, params)

    assert as_tuples(mixed) == as_tuples(alone)
    straddling = [caps for caps in planned if {64, 80} <= set(caps)]
    assert straddling, f"no planned batch with caps 64 and 80: {planned}"
    minimums = [{min(params.min_new_tokens, cap) for cap in caps} for caps in calls]
    assert all(len(values) == 1 for values in minimums)
    assert {64, 70} <= {value for values in minimums for value in values}


def one_at_a_time(model: HuggingFaceEngine, texts: list[str], params: GenerationParams):
    """(results, token ids each row generated), one text per generate call."""
    rows: list[list[int]] = []
    real = model._model.generate

    def spy(**kwargs):
        sequences = real(**kwargs)
        rows.extend(sequences[:, 1:].tolist())
        return sequences

    model._model.generate = spy
    size, model.batch_size = model.batch_size, 1
    try:
        return model.generate(texts, params), rows
    finally:
        del model._model.generate
        model.batch_size = size


def split_by_an_end_token(model: HuggingFaceEngine, texts: list[str], params: GenerationParams, monkeypatch) -> int:
    """Random weights never pick EOS. This makes a token the model does pick an end token too,
    one that ends some texts before their caps and not others (each text alone), and returns it.
    Candidates are the tokens found in about half of the outputs; beam search may still end
    every text with one of them, so a few are tried."""
    from collections import Counter

    model.load()
    _, rows = one_at_a_time(model, texts, params)
    special = set(model._tokenizer.all_special_ids)
    counts = Counter(token for row in rows for token in set(row) if token not in special)
    candidates = sorted(counts, key=lambda token: (abs(counts[token] - len(rows) / 2), token))[:10]
    eos = model._tokenizer.eos_token_id
    for token in candidates:
        monkeypatch.setattr(model._model.generation_config, "eos_token_id", [eos, token])
        results, _ = one_at_a_time(model, texts, params)
        if 0 < sum(not r.hit_limit for r in results) < len(results):
            return token
    raise AssertionError(f"none of {candidates} ends some texts early and not others")


@pytest.mark.parametrize("beams", [1, 3])
def test_rows_that_end_before_their_caps_in_a_mixed_batch_match_alone(tiny_models, sentences, monkeypatch, beams):
    """Rows end early (with the end token below), are padded while the rest of their batch
    goes on, and must come out as they do alone."""
    model = engine(tiny_models, "translation")
    params = translation_params(num_beams=beams)
    split_by_an_end_token(model, sentences, params, monkeypatch)
    mixed, calls, alone = mixed_and_alone(model, sentences, params)

    assert as_tuples(mixed) == as_tuples(alone)
    early = {index for index, r in enumerate(mixed) if not r.hit_limit}
    assert 0 < len(early) < len(mixed)
    assert all(mixed[index].output_tokens < params.cap_for(mixed[index].input_tokens) - 1 for index in early)
    # A batch of mixed caps held rows that ended early beside rows that ran on.
    assert any(len(set(caps)) > 1 for caps in calls)


def test_a_forced_eos_of_several_ids_keeps_one_cap_per_batch(tiny_models, sentences, monkeypatch):
    """The model's own forced EOS may then be any of those ids, which a per-row rule would not
    reproduce; such a model gets batches of one cap, as before caps were mixed."""
    model = engine(tiny_models, "translation")
    params = translation_params()
    model.load()
    config = model._model.generation_config
    monkeypatch.setattr(config, "forced_eos_token_id", [config.forced_eos_token_id, model._tokenizer.unk_token_id])
    mixed, calls, alone = mixed_and_alone(model, sentences, params)

    assert as_tuples(mixed) == as_tuples(alone)
    assert len({params.cap_for(r.input_tokens) for r in mixed}) > 1
    assert all(len(set(caps)) == 1 for caps in calls)
