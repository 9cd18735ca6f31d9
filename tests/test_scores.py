"""The model's own confidence: `Engine.score`, forced decoding of a translation given its source.

On the tiny random models the scores mean nothing about quality, but they are real
log-probabilities: the model's own greedy output is likelier to it than a shuffle of the same
tokens, a score is the same whatever batch it is in, and a cached rerun answers without the
model.
"""

from __future__ import annotations

import math
import random

import pytest
from fakes import FakeEngine

from wirebrief.engines.base import GenerationParams
from wirebrief.engines.cache import CachedEngine, GenerationCache
from wirebrief.translation import translation_params

SOURCES = [
    "Het kabinet gaat niet akkoord met het voorstel.",
    "De top vindt plaats op dinsdag 18 februari.",
    "De file was 30 kilometer lang.",
    "De inflatie is in januari gestegen naar 3,3 procent.",
]
GREEDY = translation_params(num_beams=1)


def test_an_engine_that_cannot_score_says_none_for_each_pair():
    engine = FakeEngine(prompt_prefixes=())
    assert engine.score(["a", "b"], ["x", "y"]) == [None, None]
    assert engine.score([], []) == []
    with pytest.raises(ValueError):
        engine.score(["a"], [])


def test_a_cache_in_front_of_an_engine_that_cannot_score_says_none_and_counts_no_outputs(tmp_path):
    cache = GenerationCache(tmp_path / "cache.sqlite3")
    engine = CachedEngine(FakeEngine(prompt_prefixes=()), cache)
    assert engine.score(["a"], ["x"]) == [None]
    assert engine.score(["a"], ["x"]) == [None]
    assert cache.stats()["entries"] == 0


def test_an_unscored_pair_is_remembered_so_a_rerun_does_not_ask_again(tmp_path):
    class Counting(FakeEngine):
        asked = 0

        def score(self, sources, targets, params=None):
            Counting.asked += len(sources)
            return [None if "long" in target else -0.5 for target in targets]

    cache = GenerationCache(tmp_path / "cache.sqlite3")
    first = CachedEngine(Counting(prompt_prefixes=()), cache).score(["a", "b"], ["long one", "short"])
    assert first == [None, -0.5] and Counting.asked == 2
    assert CachedEngine(Counting(prompt_prefixes=()), cache).score(["a", "b"], ["long one", "short"]) == first
    assert Counting.asked == 2


def _torch(tiny_models, test_device, name="translation"):
    from wirebrief.engines.torch import HuggingFaceEngine
    from wirebrief.models import resolve

    return HuggingFaceEngine(resolve(str(tiny_models[name])), device=test_device, offline=True)


def _shuffled(engine, text: str, seed: int) -> str:
    """The text with its target-side tokens in another order."""
    tokenizer = engine._tokenizer
    pieces = tokenizer.convert_ids_to_tokens(engine._target_ids([text])[0])
    shuffled = list(pieces)
    generator = random.Random(seed)
    while shuffled == pieces and len(set(pieces)) > 1:
        generator.shuffle(shuffled)
    return tokenizer.convert_tokens_to_string(shuffled)


@pytest.mark.model
def test_the_models_own_greedy_output_scores_higher_than_its_tokens_shuffled(tiny_models, test_device):
    engine = _torch(tiny_models, test_device)
    outputs = [generation.text for generation in engine.generate(SOURCES, GREEDY)]
    own = engine.score(SOURCES, outputs)
    shuffled = engine.score(SOURCES, [_shuffled(engine, text, seed) for seed, text in enumerate(outputs)])
    assert all(isinstance(value, float) and value <= 0.0 for value in own)
    for mine, other in zip(own, shuffled):
        assert mine > other


@pytest.mark.model
def test_a_score_is_the_same_alone_and_in_a_batch(tiny_models, test_device):
    engine = _torch(tiny_models, test_device)
    outputs = [generation.text for generation in engine.generate(SOURCES, GREEDY)]
    together = engine.score(SOURCES, outputs)
    alone = [engine.score([source], [output])[0] for source, output in zip(SOURCES, outputs)]
    assert together == pytest.approx(alone, abs=1e-4)


@pytest.mark.model
def test_scoring_does_not_change_the_translation(tiny_models, test_device):
    engine = _torch(tiny_models, test_device)
    before = engine.generate(SOURCES, GREEDY)
    engine.score(SOURCES, [generation.text for generation in before])
    assert engine.generate(SOURCES, GREEDY) == before


@pytest.mark.model
def test_the_score_is_the_models_own_loss(tiny_models, test_device):
    """One pair: the mean log-probability per token is minus transformers' own loss."""
    import torch

    engine = _torch(tiny_models, test_device)
    target = "The cabinet does not agree with the proposal."
    [score] = engine.score(SOURCES[:1], [target])
    inputs = engine._encode(SOURCES[:1], None, return_tensors="pt").to(engine.device)
    labels = torch.tensor([[*engine._target_ids([target])[0], engine._tokenizer.eos_token_id]], device=engine.device)
    with torch.inference_mode():
        loss = engine._model(**inputs, labels=labels).loss
    assert score == pytest.approx(-float(loss), abs=1e-5)


@pytest.mark.model
def test_nllb_scores_leave_the_forced_language_code_out(tiny_models, test_device):
    engine = _torch(tiny_models, test_device, "nllb")
    params = GenerationParams(source_language="nld_Latn", target_language="eng_Latn")
    [score] = engine.score(SOURCES[:1], ["The cabinet does not agree."], params)
    assert isinstance(score, float) and math.isfinite(score) and score <= 0.0


@pytest.mark.model
def test_a_cached_rerun_loads_no_model_for_scores(tmp_path, tiny_models, test_device):
    path = tmp_path / "cache.sqlite3"
    targets = ["The cabinet does not agree.", "The summit is on Tuesday.", "30 km.", "Inflation rose."]
    first = _torch(tiny_models, test_device)
    scores = CachedEngine(first, GenerationCache(path)).score(SOURCES, targets)
    assert first.loaded

    fresh = _torch(tiny_models, test_device)
    assert CachedEngine(fresh, GenerationCache(path)).score(SOURCES, targets) == scores
    assert not fresh.loaded
    # Scores are side entries: they are not counted as model outputs.
    assert GenerationCache(path).stats()["entries"] == 0


@pytest.mark.model
def test_a_target_longer_than_the_decoder_takes_is_not_scored(tiny_models, test_device):
    engine = _torch(tiny_models, test_device)
    long = " ".join(["word"] * 2 * engine.max_input_tokens)
    scores = engine.score(SOURCES[:2], [long, "The summit is on Tuesday."])
    assert scores[0] is None and isinstance(scores[1], float)
