"""The `threads` setting reaches both engines: CTranslate2's intra_threads, torch's thread pool.

Both libraries otherwise size themselves from every core of the machine, which oversubscribes
a shared or pinned one.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from wirebrief.engines.base import GenerationParams
from wirebrief.engines.pool import EnginePool
from wirebrief.translation import translation_params

pytestmark = pytest.mark.model


@pytest.fixture
def torch_threads():
    """torch's thread count is process-wide: put it back for the tests that follow."""
    import torch

    before = torch.get_num_threads()
    yield torch
    torch.set_num_threads(before)


@pytest.fixture
def translators(monkeypatch) -> list[dict]:
    """The options of every CTranslate2 Translator made while the test runs."""
    import ctranslate2

    real = ctranslate2.Translator
    made: list[dict] = []

    def spy(*args, **options):
        made.append(options)
        return real(*args, **options)

    monkeypatch.setattr(ctranslate2, "Translator", spy)
    return made


def test_one_thread_reaches_ctranslate2(tiny_settings, translators):
    settings = replace(tiny_settings, engine="ctranslate2", device="cpu", threads=1, use_cache=False)
    with EnginePool(settings) as pool:
        engine = pool.get("translation")
        assert engine.generate(["Een korte zin."], translation_params(num_beams=1))
    assert [options["intra_threads"] for options in translators] == [1]


def test_one_thread_reaches_torch(tiny_settings, torch_threads):
    torch_threads.set_num_threads(2)
    settings = replace(tiny_settings, engine="torch", device="cpu", threads=1, use_cache=False)
    with EnginePool(settings) as pool:
        engine = pool.get("translation")
        assert engine.generate(["Een korte zin."], translation_params(num_beams=1))
        assert engine.loaded
    assert torch_threads.get_num_threads() == 1


def test_beam_batches_run_side_by_side_on_a_cpu_and_greedy_keeps_every_thread(
    tiny_settings, translators, example_path
):
    """Beam search on two threads: two workers of one thread each, and two batches in flight
    at once; greedy: one worker on both threads. The workers give the outputs one thread gives
    one batch at a time."""
    from wirebrief.inputs.document import parse

    sentences = [s for p in parse(example_path.read_text(), language="nl").paragraphs for s in p.sentences]
    beams = translation_params(num_beams=3)
    settings = replace(tiny_settings, engine="ctranslate2", device="cpu", use_cache=False)
    with EnginePool(replace(settings, threads=1)) as pool:
        alone = pool.get("translation").generate(sentences, beams)
    assert [(o["inter_threads"], o["intra_threads"]) for o in translators] == [(1, 1)]

    in_flight, most = [0], [0]
    with EnginePool(replace(settings, threads=2)) as pool:
        engine = pool.get("translation")
        submit = engine._submit_batch

        def counting(inputs, caps, params):
            collect = submit(inputs, caps, params)
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])

            def collected():
                in_flight[0] -= 1
                return collect()

            return collected

        engine._submit_batch = counting
        side_by_side = engine.generate(sentences, beams)
        del engine._submit_batch
        assert [(o["inter_threads"], o["intra_threads"]) for o in translators[1:]] == [(2, 1)]
        greedy = engine.generate(sentences[:3], translation_params(num_beams=1))
        assert [(o["inter_threads"], o["intra_threads"]) for o in translators[1:]] == [(2, 1), (1, 2)]
        assert engine.loaded and greedy[0].output_tokens > 0
    assert most[0] == 2
    assert [(r.text, r.output_tokens, r.hit_limit) for r in side_by_side] == [
        (r.text, r.output_tokens, r.hit_limit) for r in alone
    ]


def test_a_batch_side_by_side_that_runs_out_of_memory_is_halved(tiny_settings, example_path, monkeypatch):
    """An out-of-memory error comes when a side-by-side batch is collected, not when it is
    started: it halves that batch as it does one at a time, and the outputs keep their order."""
    from wirebrief.engines import batching
    from wirebrief.inputs.document import parse

    sentences = [s for p in parse(example_path.read_text(), language="nl").paragraphs for s in p.sentences][:12]
    # One cap and one padding bucket for all: the texts are planned as one batch of 12.
    monkeypatch.setattr(batching, "PAD_STEP", 128)
    beams = GenerationParams(max_new_tokens=24, num_beams=2)
    settings = replace(tiny_settings, engine="ctranslate2", device="cpu", use_cache=False)
    with EnginePool(replace(settings, threads=1)) as pool:
        expected = pool.get("translation").generate(sentences, beams)
    with EnginePool(replace(settings, threads=2)) as pool:
        engine = pool.get("translation")
        engine.load(2)
        real, sizes = engine._parallel, []

        class Failing:
            def __init__(self, result, fail: bool) -> None:
                self._result, self._fail = result, fail

            def result(self):
                if self._fail:
                    raise RuntimeError("out of memory allocating the beams")
                return self._result.result()

        class SmallMachine:
            def translate_batch(self, source, **options):
                assert options["asynchronous"] is True
                rows = sum(1 for row in source if set(row) != {"</s>"})
                if rows <= 3:
                    sizes.append(rows)
                return [Failing(r, rows > 3) for r in real.translate_batch(source, **options)]

        engine._parallel = SmallMachine()
        budget = engine.max_batch_tokens
        results = engine.generate(sentences, beams)
        engine._parallel = real
    assert [(r.text, r.output_tokens) for r in results] == [(r.text, r.output_tokens) for r in expected]
    assert max(sizes) <= 3 and sum(sizes) == len(sentences)
    assert engine.max_batch_tokens < budget
