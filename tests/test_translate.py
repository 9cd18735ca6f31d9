"""Document translation on the fake engine: alignment, long sentences, split-and-retry, batching."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import FakeEngine, fake_translation, untranslate

from wirebrief.inputs.document import load, parse
from wirebrief.translation import (
    MAX_RETRY_ROUNDS,
    fit_to_limit,
    translate_documents,
    translate_sentences,
    translation_params,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "article-nl-2025-02.txt"
PARAMS = translation_params(num_beams=4)


def squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def example():
    return load(EXAMPLE)


def all_sentences(document) -> list[str]:
    return [sentence for paragraph in document.paragraphs for sentence in paragraph.sentences]


# --------------------------------------------------------------------------------------------
# Alignment


def test_one_translation_per_paragraph_and_sentence_in_order(example):
    engine = FakeEngine()
    [paragraphs] = translate_documents([example], engine, PARAMS)

    assert len(paragraphs) == len(example.paragraphs) == 14
    for source, translated in zip(example.paragraphs, paragraphs, strict=True):
        assert (translated.index, translated.kind, translated.source) == (
            source.index,
            source.kind,
            source.text,
        )
        assert [s.source for s in translated.sentences] == list(source.sentences)
        for sentence in translated.sentences:
            assert sentence.translation == fake_translation(sentence.source)
            assert (sentence.parts, sentence.hit_limit) == (1, False)
            assert sentence.output_tokens == len(sentence.source.split())
        assert translated.translation == " ".join(fake_translation(s) for s in source.sentences)


def test_all_sentences_go_to_the_engine_in_one_call(example):
    engine = FakeEngine()
    translate_documents([example], engine, PARAMS)
    assert len(engine.calls) == 1
    assert engine.calls[0].texts == tuple(all_sentences(example))
    assert engine.calls[0].params == PARAMS


def test_several_documents_share_one_call_and_come_back_apart(example):
    other = parse("Tweede artikel.\n\nTussenkop\n\nMet nog een zin. En nog een.")
    engine = FakeEngine()
    first, second = translate_documents([example, other], engine, PARAMS)

    assert len(engine.calls) == 1
    assert engine.calls[0].texts == tuple(all_sentences(example) + all_sentences(other))
    assert len(first) == 14
    assert [p.translation for p in second] == [
        "EN(Tweede artikel.)",
        "EN(Tussenkop)",
        "EN(Met nog een zin.) EN(En nog een.)",
    ]


def test_progress_counts_every_text_generated(example):
    seen: list[int] = []
    translate_documents([example], FakeEngine(), PARAMS, progress=seen.append)
    assert sum(seen) == example.sentence_count


def test_translation_params_cap_relative_to_the_source():
    assert PARAMS.num_beams == 4
    assert PARAMS.length_ratio is not None and PARAMS.length_ratio > 1
    # A short sentence gets a short cap, a long one a longer cap, never above max_new_tokens.
    assert PARAMS.cap_for(5) < PARAMS.cap_for(100) <= PARAMS.max_new_tokens


# --------------------------------------------------------------------------------------------
# Sentences longer than the model's input


def test_fit_to_limit_cuts_only_what_is_too_long():
    engine = FakeEngine()
    short = "Kort en klaar."
    long = "Een twee drie vier, vijf zes zeven acht; negen tien elf twaalf dertien veertien vijftien."
    fitted = fit_to_limit([short, long], engine, limit=5)
    assert fitted[0] == [short]
    assert len(fitted[1]) > 1
    assert all(count <= 5 for count in engine.count_tokens(fitted[1]))
    assert squeeze("".join(fitted[1])) == squeeze(long)


def test_sentence_over_the_input_limit_is_split_translated_and_rejoined(example):
    engine = FakeEngine(max_input_tokens=8)
    [paragraphs] = translate_documents([example], engine, PARAMS)

    # The fake refuses oversize input, so getting here already means nothing was truncated.
    assert all(count <= 8 for count in engine.count_tokens(engine.generated_texts))
    sentences = [s for p in paragraphs for s in p.sentences]
    assert len(sentences) == example.sentence_count
    long_ones = [s for s in sentences if len(s.source.split()) + 1 > 8]
    assert long_ones, "the example has sentences over 8 tokens"
    for sentence in sentences:
        assert untranslate(sentence.translation) == sentence.source
        assert sentence.hit_limit is False
        assert (sentence.parts > 1) == (sentence in long_ones)
    assert len(engine.calls) == 1


def test_single_long_sentence_pieces_are_in_order():
    sentence = " ".join(f"woord{n}" for n in range(30)) + "."
    [result] = translate_sentences([sentence], FakeEngine(max_input_tokens=10), PARAMS)
    assert result.parts >= 4
    assert untranslate(result.translation) == sentence


# --------------------------------------------------------------------------------------------
# Split and retry when a translation runs into its cap


def test_looping_sentence_is_split_and_retried():
    sentences = ["Het begon rustig.", "Hij keek links, rechts en weer terug.", "Toen ging hij."]
    engine = FakeEngine(loop_on={"links, rechts"})
    results = translate_sentences(sentences, engine, PARAMS)

    looped = results[1]
    assert (looped.parts, looped.hit_limit) == (2, False)
    assert looped.translation == "EN(Hij keek links,) EN(rechts en weer terug.)"
    assert [(r.parts, r.hit_limit) for r in (results[0], results[2])] == [(1, False), (1, False)]
    # One call for everything, one more for the two halves of the looping sentence only.
    assert [call.texts for call in engine.calls] == [
        tuple(sentences),
        ("Hij keek links,", "rechts en weer terug."),
    ]


def test_sentence_that_keeps_looping_is_marked_hit_limit():
    sentences = ["De boodschap kwam in Brussel keihard aan bij de ministers.", "Dat was te verwachten."]
    engine = FakeEngine(loop_on={"Brussel"})
    looped, fine = translate_sentences(sentences, engine, PARAMS)

    assert looped.hit_limit is True
    assert looped.parts > 1
    assert looped.source == sentences[0]
    assert (fine.parts, fine.hit_limit, fine.translation) == (1, False, "EN(Dat was te verwachten.)")
    assert len(engine.calls) == 1 + MAX_RETRY_ROUNDS
    # Each retry sends only the piece that still loops, cut again.
    assert all("Dat was te verwachten." not in call.texts for call in engine.calls[1:])


def test_one_word_that_loops_is_not_split():
    engine = FakeEngine(loop_on={"Afschrikkingsmacht"})
    [result] = translate_sentences(["Afschrikkingsmacht"], engine, PARAMS)
    assert (result.parts, result.hit_limit) == (1, True)
    assert len(engine.calls) == 1
