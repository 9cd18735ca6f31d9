"""Tiered summaries on the fake engine: budgets, sections, condensing long input, all tiers."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import FakeEngine

from wirebrief.inputs.document import load, split_sentences
from wirebrief.errors import GenerationError
from wirebrief.prompts import CHUNK_PROMPT, Budget, load_prompts, select_tiers
from wirebrief.summaries import condense, enforce_budget, sections, summarise

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "article-nl-2025-02.txt"


def words(text: str) -> int:
    return len(text.split())


def squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def prompts():
    return load_prompts()


@pytest.fixture(scope="module")
def chunk_prompt(prompts):
    return prompts[CHUNK_PROMPT]


@pytest.fixture(scope="module")
def paragraphs():
    return [paragraph.text for paragraph in load(EXAMPLE).paragraphs]


# --------------------------------------------------------------------------------------------
# enforce_budget


def test_budget_max_words_cuts_and_counts_removed_words():
    text = " ".join(f"w{n}" for n in range(20))
    assert enforce_budget(text, Budget(max_words=5)) == ("w0 w1 w2 w3 w4", 15)


def test_budget_max_sentences():
    assert enforce_budget("One here. Two there. Three everywhere.", Budget(max_sentences=2)) == (
        "One here. Two there.",
        2,
    )


def test_budget_prefers_ending_on_a_full_sentence():
    text = "This is a full sentence here. And then another one goes on and on."
    assert enforce_budget(text, Budget(max_words=10)) == ("This is a full sentence here.", 8)


def test_budget_keeps_the_cut_when_the_full_sentence_is_too_short():
    text = "Short. Then a very long sentence that keeps going well past the limit."
    kept, removed = enforce_budget(text, Budget(max_words=10))
    assert kept == "Short. Then a very long sentence that keeps going well"
    assert removed == 3


def test_budget_leaves_text_within_budget_alone_but_folds_whitespace():
    assert enforce_budget("  Kort\n en   goed. ", Budget(max_words=14, max_sentences=1)) == (
        "Kort en goed.",
        0,
    )


# --------------------------------------------------------------------------------------------
# sections


@pytest.mark.parametrize("count", [1, 3, 4, 7])
def test_sections_cover_all_paragraphs_in_order(paragraphs, count):
    parts = sections(paragraphs, count)
    assert len(parts) == count
    assert all(part.strip() for part in parts)
    assert "\n\n".join(parts) == "\n\n".join(paragraphs)


def test_sections_are_about_equal_in_length(paragraphs):
    sizes = [words(part) for part in sections(paragraphs, 4)]
    assert max(sizes) < 2.5 * min(sizes)


def test_sections_fall_back_to_sentences_when_paragraphs_are_few():
    paragraphs = ["One fact. Two facts. Three facts.", "Four facts. Five facts."]
    parts = sections(paragraphs, 4)
    assert len(parts) == 4
    assert all(part.strip() for part in parts)
    sentences = [s for p in paragraphs for s in split_sentences(p, "en")]
    assert sum(len(split_sentences(part, "en")) for part in parts) == len(sentences)
    assert squeeze("".join(parts)) == squeeze("".join(paragraphs))


def test_sections_give_fewer_when_there_are_fewer_sentences():
    assert sections(["Only one. And two."], 5) == ["Only one.", "And two."]
    assert sections(["   "], 3) == []


# --------------------------------------------------------------------------------------------
# condense


def test_condense_leaves_a_short_text_alone(chunk_prompt):
    engine = FakeEngine()
    text, chunks, rounds = condense(["Kort stuk.", "  ", "Nog een alinea."], 100, engine, chunk_prompt)
    assert (text, chunks, rounds) == ("Kort stuk.\n\nNog een alinea.", 0, 0)
    assert engine.calls == []


def test_condense_long_text_in_chunks_within_the_input_limit(paragraphs, chunk_prompt):
    engine = FakeEngine(max_input_tokens=64, summary_words=10)
    text, chunks, rounds = condense(paragraphs, 50, engine, chunk_prompt, language="nl")

    assert engine.count_tokens([text]) <= [50]
    assert chunks >= 2 and rounds >= 1
    assert chunks == len(engine.generated_texts)
    assert len(engine.calls) == rounds
    prefix = chunk_prompt.render(text="")
    for request in engine.generated_texts:
        assert request.startswith(prefix)
        assert engine.count_tokens([request])[0] <= engine.max_input_tokens
        assert words(request) > words(prefix)
    # The first round's chunks are the whole article, in order: no text left out.
    first_round = "".join(request[len(prefix) :] for request in engine.calls[0].texts)
    assert squeeze(first_round) == squeeze("".join(paragraphs))


def test_condense_splits_a_paragraph_too_long_for_one_chunk(chunk_prompt):
    paragraph = " ".join(f"Zin nummer {n} staat hier." for n in range(40))
    engine = FakeEngine(max_input_tokens=64, summary_words=5)
    condense([paragraph], 40, engine, chunk_prompt, language="nl")
    prefix = chunk_prompt.render(text="")
    first_round = [request[len(prefix) :] for request in engine.calls[0].texts]
    assert len(first_round) > 1
    assert squeeze("".join(first_round)) == squeeze(paragraph)


def test_condense_refuses_a_model_too_small_for_the_chunk_prompt(chunk_prompt):
    with pytest.raises(GenerationError, match="no room"):
        condense(["tekst " * 50], 10, FakeEngine(max_input_tokens=25), chunk_prompt)


def test_condense_stops_when_chunk_summaries_do_not_shrink(paragraphs, chunk_prompt):
    engine = FakeEngine(max_input_tokens=64, summary_words=1_000)
    with pytest.raises(GenerationError, match="no shorter"):
        condense(paragraphs, 50, engine, chunk_prompt)


# --------------------------------------------------------------------------------------------
# summarise


def test_summarise_gives_every_tier_within_budget(paragraphs, prompts, chunk_prompt):
    tiers = select_tiers(prompts, None)
    summaries = summarise(paragraphs, tiers, FakeEngine(summary_words=50), chunk_prompt)

    assert [tier.name for tier in summaries.tiers] == ["headline", "lede", "summary", "key_points"]
    assert not any(tier.is_empty for tier in summaries.tiers)
    headline, lede, summary, key_points = summaries.tiers
    assert headline.items is None and 0 < words(headline.text) <= 14
    assert len(split_sentences(headline.text, "en")) == 1
    assert 0 < words(lede.text) <= 40 and len(split_sentences(lede.text, "en")) == 1
    assert 0 < words(summary.text) <= 120
    assert key_points.items is not None and 3 <= len(key_points.items) <= 7
    for item in key_points.items:
        assert 0 < words(item) <= 30 and len(split_sentences(item, "en")) == 1
    # The fake's outputs are 50 words: every tier but the summary had to be trimmed.
    assert headline.trimmed_words > 0 and lede.trimmed_words > 0 and key_points.trimmed_words > 0
    assert summary.trimmed_words == 0


def test_summarise_condenses_an_article_longer_than_the_input(paragraphs, prompts, chunk_prompt):
    engine = FakeEngine(max_input_tokens=128, summary_words=12)
    summaries = summarise(paragraphs, select_tiers(prompts, None), engine, chunk_prompt)
    assert summaries.chunks > 0 and summaries.rounds >= 1
    assert all(count <= 128 for count in engine.count_tokens(engine.generated_texts))
    assert len(summaries.get("key_points").items) >= 3


def test_summarise_key_points_follow_the_article_order(paragraphs, prompts, chunk_prompt):
    summaries = summarise(
        paragraphs, select_tiers(prompts, "key_points"), FakeEngine(summary_words=6), chunk_prompt
    )
    items = summaries.get("key_points").items
    article = " ".join(paragraphs)
    positions = [article.index(item) for item in items]
    assert positions == sorted(positions)
    assert items[0] == " ".join(paragraphs[0].split()[:6])


def test_summarise_only_the_requested_tiers(paragraphs, prompts, chunk_prompt):
    engine = FakeEngine()
    summaries = summarise(paragraphs, select_tiers(prompts, "summary,headline"), engine, chunk_prompt)
    assert [tier.name for tier in summaries.tiers] == ["headline", "summary"]
    assert summaries.get("lede") is None
    assert not any(text.startswith(prompts["key_points"].render(text="")) for text in engine.generated_texts)


@pytest.mark.parametrize(("paragraph_count", "expected_items"), [(2, 3), (8, 5), (30, 7)])
def test_summarise_key_points_count_follows_length_within_the_budget(
    prompts, chunk_prompt, paragraph_count, expected_items
):
    # 96 words per paragraph; one key point per 150 words, at least 3 and at most 7.
    paragraph = " ".join(f"Feit nummer {n} is belangrijk voor het verhaal." for n in range(12))
    paragraphs = [paragraph] * paragraph_count
    summaries = summarise(paragraphs, select_tiers(prompts, "key_points"), FakeEngine(), chunk_prompt)
    tier = summaries.get("key_points")
    assert len(tier.items) == expected_items
    assert tier.missing_items == 0


def test_summarise_short_article_reports_missing_key_points(prompts, chunk_prompt):
    summaries = summarise(
        ["Eén zin maar.", "En een tweede."], select_tiers(prompts, "key_points"), FakeEngine(), chunk_prompt
    )
    tier = summaries.get("key_points")
    assert tier.items == ("Eén zin maar.", "En een tweede.")
    assert tier.missing_items == 1


def test_summarise_nothing_to_summarise(prompts, chunk_prompt):
    engine = FakeEngine()
    assert summarise(["", "  "], select_tiers(prompts, None), engine, chunk_prompt).tiers == ()
    assert engine.calls == []
