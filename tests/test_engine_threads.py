"""The `threads` setting reaches both engines: CTranslate2's intra_threads, torch's thread pool.

Both libraries otherwise size themselves from every core of the machine, which oversubscribes
a shared or pinned one.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

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


def test_one_thread_reaches_ctranslate2(tiny_settings, tmp_path, monkeypatch):
    import ctranslate2

    real = ctranslate2.Translator
    seen: list[dict] = []

    def spy(*args, **options):
        seen.append(options)
        return real(*args, **options)

    monkeypatch.setattr(ctranslate2, "Translator", spy)
    settings = replace(tiny_settings, engine="ctranslate2", device="cpu", threads=1, use_cache=False)
    with EnginePool(settings) as pool:
        engine = pool.get("translation")
        assert engine.generate(["Een korte zin."], translation_params(num_beams=1))
    assert [options["intra_threads"] for options in seen] == [1]


def test_one_thread_reaches_torch(tiny_settings, torch_threads):
    torch_threads.set_num_threads(2)
    settings = replace(tiny_settings, engine="torch", device="cpu", threads=1, use_cache=False)
    with EnginePool(settings) as pool:
        engine = pool.get("translation")
        assert engine.generate(["Een korte zin."], translation_params(num_beams=1))
        assert engine.loaded
    assert torch_threads.get_num_threads() == 1
