"""A brief's translation: coverage, empty sentences and length caps, and each sentence's
fidelity checks."""

from __future__ import annotations

from collections.abc import Sequence

from wirebrief.check.glossary import Glossary
from wirebrief.check.sentence import Context, check_sentence
from wirebrief.results import Finding, TranslatedParagraph


def check_translation(
    source_sentence_counts: Sequence[int],
    paragraphs: Sequence[TranslatedParagraph],
    *,
    source_lang: str | None = None,
    target_lang: str = "en",
    glossary: Glossary | None = None,
) -> list[Finding]:
    """Findings on a brief's translation.

    Coverage, empty sentences and length caps always; the fidelity checks of `check_sentence`
    when `source_lang` is given, since they read numbers and names the language's way.
    """
    findings: list[Finding] = []
    if len(source_sentence_counts) != len(paragraphs):
        findings.append(Finding(
            "coverage", "error",
            f"{len(source_sentence_counts)} source paragraphs but {len(paragraphs)} translated",
        ))
    context = None
    if source_lang:
        context = Context.for_article(
            (s.source for p in paragraphs for s in p.sentences),
            source_lang=source_lang, target_lang=target_lang, glossary=glossary,
        )
    for expected, paragraph in zip(source_sentence_counts, paragraphs):
        if expected != len(paragraph.sentences):
            findings.append(Finding(
                "coverage", "error",
                f"paragraph {paragraph.index}: {expected} source sentences but {len(paragraph.sentences)} translated",
                paragraph=paragraph.index,
            ))
        for number, sentence in enumerate(paragraph.sentences):
            if sentence.source.strip() and not sentence.translation.strip():
                findings.append(Finding(
                    "empty_translation", "error", "the model returned nothing for this sentence",
                    paragraph=paragraph.index, sentence=number, source=sentence.source,
                ))
                continue
            if sentence.hit_limit:
                findings.append(Finding(
                    "length_cap", "warning",
                    f"translation hit its length cap even in {sentence.parts} pieces and may be incomplete or looping",
                    paragraph=paragraph.index, sentence=number, source=sentence.source, target=sentence.translation,
                ))
            # A paragraph in another language was kept as it is on purpose (pipeline says so).
            if context is not None and getattr(paragraph, "language", None) is None:
                findings += check_sentence(
                    sentence.source, sentence.translation, context, paragraph=paragraph.index, sentence=number
                )
    return findings


def article_text(paragraphs: Sequence[TranslatedParagraph]) -> str:
    """A brief's translation as one text, for `check_summaries(article=...)`."""
    return "\n\n".join(paragraph.translation for paragraph in paragraphs)

