"""`--verify back`: each translated sentence translated back, checked against its source.

The fake engine's back-translation of ``EN(x)`` is ``EN(EN(x))``: visibly a round trip, so
the tests can see which sentence went where. The model test runs the tiny models both ways.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from fakes import FakeEngine

from wirebrief.check.back import BACK_KINDS
from wirebrief.config import Settings
from wirebrief.inputs.document import Document, Metadata, Paragraph
from wirebrief.options import Options
from wirebrief.pipeline import make_brief

TEXT = [
    "Het kabinet gaat niet akkoord met het voorstel. De file was 30 kilometer lang.",
    "De inflatie is in januari gestegen naar 3,3 procent.",
]
BACK_NAMES = set(BACK_KINDS.values())


def _document(kept: bool = False) -> Document:
    from wirebrief.inputs.document import split_sentences

    paragraphs = tuple(
        Paragraph(index, "paragraph", text, tuple(split_sentences(text, "nl")), "de" if kept and index == 1 else None)
        for index, text in enumerate(TEXT)
    )
    return Document(paragraphs=paragraphs, metadata=Metadata(), language="nl")


def _brief(verify: str, document: Document | None = None):
    forward, back = FakeEngine(prompt_prefixes=()), FakeEngine(prompt_prefixes=())
    brief = make_brief(
        document or _document(), settings=Settings(offline=True, use_cache=False),
        options=Options(verify=verify, summarise=False), engines={"translation": forward, "back": back},
    )
    return brief, back


def test_verify_back_puts_a_back_translation_and_chrf_on_each_sentence():
    brief, back = _brief("back")
    sentences = [sentence for paragraph in brief.paragraphs for sentence in paragraph.sentences]
    assert [s.back_translation for s in sentences] == [f"EN({s.translation})" for s in sentences]
    assert all(s.chrf is not None and 0.0 <= s.chrf <= 100.0 for s in sentences)
    # One pooled call for the whole article, of the translations.
    assert len(back.calls) == 1
    assert brief.provenance["checks"]["back_translation"] is True
    assert "back" in brief.provenance["models"] and "back" in brief.provenance["generation"]
    assert brief.provenance["timings"]["back_translate_seconds"] >= 0
    assert {"back_translation", "chrf"} <= set(brief.to_dict()["paragraphs"][0]["sentences"][0])


def test_without_verify_nothing_is_translated_back():
    brief, back = _brief("none")
    assert not back.calls
    assert all(s.back_translation is None and s.chrf is None for p in brief.paragraphs for s in p.sentences)
    assert "back_translation" not in brief.provenance["checks"]
    assert "back_translation" not in brief.to_dict()["paragraphs"][0]["sentences"][0]


def test_a_paragraph_kept_in_its_own_language_is_not_translated_back():
    brief, _ = _brief("back", _document(kept=True))
    kept = brief.paragraphs[1]
    assert kept.language == "de"
    assert all(s.back_translation is None for s in kept.sentences)
    assert all(s.back_translation is not None for s in brief.paragraphs[0].sentences)


def test_a_back_translation_that_lost_a_number_is_reported_as_a_warning():
    class Forgetful(FakeEngine):
        """Translates back without the numbers."""

        def generate(self, texts, params, progress=None):
            results = super().generate(texts, params, progress)
            return [replace(r, text="".join(c for c in r.text if not c.isdigit())) for r in results]

    forward = FakeEngine(prompt_prefixes=())
    brief = make_brief(
        _document(), settings=Settings(offline=True, use_cache=False),
        options=Options(verify="back", summarise=False),
        engines={"translation": forward, "back": Forgetful(prompt_prefixes=())},
    )
    backs = [f for f in brief.findings if f.kind in BACK_NAMES]
    assert backs and all(f.severity == "warning" for f in backs)
    assert any(f.kind == "back_number" for f in backs)


@pytest.mark.model
def test_verify_back_on_the_tiny_models(tiny_settings, tiny_reverse_model):
    from wirebrief.inputs.document import parse

    # A few sentences: the random models' gibberish runs to its length cap both ways.
    document = parse("\n\n".join(TEXT), language="nl")
    settings = replace(tiny_settings, reverse_model=str(tiny_reverse_model), retries=0)
    result = make_brief(document, settings=settings, options=Options(verify="back", tiers="none"))
    translated = [s for p in result.paragraphs for s in p.sentences]
    assert all(s.back_translation is not None and s.chrf is not None for s in translated)
    assert all(s.confidence is not None for s in translated)
    assert result.provenance["models"]["back"]["model"] == str(tiny_reverse_model)
    assert result.provenance["models"]["back"]["route"]["source"] == "en"
    # Random models lose the sentences' numbers on the way back: the back checks say so.
    assert any(f.kind in BACK_NAMES for f in result.findings)
