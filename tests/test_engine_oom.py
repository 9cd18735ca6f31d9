"""Out-of-memory handling in the Hugging Face engine, without a GPU or a model.

The engine's batch call is replaced by one that "runs out of memory" above a batch size, the
way a card would; the engine must halve, keep the smaller budget, and still return every
result in input order.
"""

from __future__ import annotations

import pytest

from wirebrief.engines.base import GenerationParams
from wirebrief.engines.files import _OutOfMemory
from wirebrief.engines.torch import HuggingFaceEngine
from wirebrief.errors import GenerationError


class _Tokenizer:
    def __call__(self, texts, **_):
        return {"input_ids": [[0] * (len(text.split()) + 1) for text in texts]}


def engine_that_fits(most: int) -> HuggingFaceEngine:
    engine = object.__new__(HuggingFaceEngine)  # no model: only the batching logic runs
    engine.model, engine.device, engine.batch_size = "test", "cuda", None
    engine.max_batch_tokens, engine.max_input_tokens = 10_000, 512
    engine._tokenizer = _Tokenizer()
    engine._model = object()  # "loaded": generate must not try to load weights
    engine.batches = []

    def generate_batch(texts, cap, params):
        if len(texts) > most:
            raise _OutOfMemory()
        engine.batches.append(len(texts))
        return [(text.upper(), 3, True) for text in texts]

    engine._generate_batch = generate_batch
    return engine


def test_out_of_memory_halves_the_batch_and_keeps_order():
    engine = engine_that_fits(most=3)
    texts = [f"zin nummer {i}" for i in range(10)]
    results = engine.generate(texts, GenerationParams(max_new_tokens=8))
    assert [r.text for r in results] == [t.upper() for t in texts]
    assert max(engine.batches) <= 3 and sum(engine.batches) == 10
    assert engine.max_batch_tokens < 10_000  # the smaller budget is kept for later batches


def test_out_of_memory_on_a_single_text_is_a_generation_error():
    engine = engine_that_fits(most=0)
    with pytest.raises(GenerationError, match="out of memory on cuda"):
        engine.generate(["een zin"], GenerationParams(max_new_tokens=8))
