"""CTranslate2's forced-decoding scores: the same as torch's in float32 (Engine.score).

Scores are compared on the tiny Marian model (targets from its own translations and from
unrelated text) and on the tiny NLLB model, whose forced target-language code is in front of
every target but not counted.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from wirebrief.engines.base import GenerationParams
from wirebrief.engines.ct2 import CTranslate2Engine
from wirebrief.engines.torch import HuggingFaceEngine
from wirebrief.models import resolve
from wirebrief.translation import translation_params

pytest.importorskip("ctranslate2")
pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def sentences(example_path) -> list[str]:
    from wirebrief.inputs.document import parse

    article = parse(example_path.read_text(encoding="utf-8"), language="nl")
    return [sentence for paragraph in article.paragraphs for sentence in paragraph.sentences][:12]


def engines(folder, root, role="translation"):
    ref = resolve(str(folder))
    ct2 = CTranslate2Engine(ref, role=role, compute_type="float32", offline=True, convert_root=root)
    torch_engine = HuggingFaceEngine(ref, role=role, device="cpu", dtype="float32", offline=True)
    return ct2, torch_engine


def test_marian_scores_match_torch(tiny_models, tmp_path, sentences):
    ct2, torch_engine = engines(tiny_models["translation"], tmp_path)
    outputs = [g.text for g in ct2.generate(sentences, translation_params(num_beams=1))]
    targets = [*outputs[:6], *["The minister said the plan costs 4 million euros."] * 6]
    expected = torch_engine.score(sentences, targets)
    found = ct2.score(sentences, targets)
    assert all(value is not None and value <= 0 for value in found)
    # The converted Marian model has no <pad> (never generated), torch's softmax still counts
    # it: torch's log-probabilities are lower by about p(<pad>), 1/788 on random weights.
    assert found == pytest.approx(expected, abs=2e-3)
    # The same pair alone or among others: the same score.
    assert ct2.score(sentences[3:4], targets[3:4]) == pytest.approx(found[3:4], abs=1e-6)


def test_nllb_scores_skip_the_target_language_code(tiny_models, tmp_path, sentences):
    ct2, torch_engine = engines(tiny_models["nllb"], tmp_path)
    params = replace(GenerationParams(), source_language="nld_Latn", target_language="eng_Latn")
    targets = ["A short English sentence."] * 3 + sentences[:3]
    expected = torch_engine.score(sentences[:6], targets, params)
    assert ct2.score(sentences[:6], targets, params) == pytest.approx(expected, abs=1e-4)


def test_no_pairs_score_nothing_and_a_count_mismatch_is_an_error(tiny_models, tmp_path):
    ct2, _ = engines(tiny_models["translation"], tmp_path)
    assert ct2.score([], []) == []
    assert not ct2.loaded
    with pytest.raises(ValueError):
        ct2.score(["een"], [])


def test_a_scoring_call_holds_its_logits_within_the_budget(tiny_models, tmp_path, sentences, monkeypatch):
    """score_batch computes every target position's logits over the whole vocabulary at once;
    a call's rows are bounded by that (SCORE_LOGITS), and the scores do not change."""
    from wirebrief.engines import batching

    ct2, _ = engines(tiny_models["translation"], tmp_path)
    targets = ["The minister said the plan costs 4 million euros, and more."] * len(sentences)
    unbounded = ct2.score(sentences, targets)
    vocabulary = len(ct2._vocabulary)
    monkeypatch.setattr(batching, "SCORE_LOGITS", 160 * vocabulary)  # 160 tokens a call
    calls: list[tuple[int, int, int]] = []
    real = ct2._translator

    class Spy:
        def score_batch(self, sources, targets, **options):
            rows = [i for i, row in enumerate(sources) if set(row) != {"</s>"}]
            calls.append((len(rows), max(map(len, sources)), max(map(len, targets))))
            return real.score_batch(sources, targets, **options)

    monkeypatch.setattr(ct2, "_translator", Spy())
    assert ct2.score(sentences, targets) == pytest.approx(unbounded, abs=1e-5)
    assert len(calls) > 1 and sum(rows for rows, _, _ in calls) == len(sentences)
    # A row costs its call's padded input and target lengths.
    assert all(rows == 1 or rows * (source + target) <= 160 for rows, source, target in calls)
