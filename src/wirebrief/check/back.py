"""Back-translation: each translated sentence translated back into the source language, and the
back-translation checked against the source (`--verify back`).

A translation that says the opposite can read fluently; translated back, "The cabinet agrees"
becomes "Het kabinet gaat akkoord", which lacks the source's "niet" in the source's own
language. So the checks that compare what a sentence says (numbers, names, negation, dates,
units, direction; `check_content`) run once more, source against back-translation, with the
source language on both sides: numbers are read one way on both, and negations, dates and
trend words go through the same word list, so "niet" and "geen" still count alike.

Their kinds say where they come from (`back_negation` next to `negation`), and they are all
warnings: the reverse model makes mistakes of its own, so a back-translation that differs
from the source says "look here", not "this is wrong". The forward checks still report what
they find directly, at their own severity.

Each sentence also gets its chrF against the source (sacrebleu's, 0-100, 100 where the two
are equal): a low one marks a sentence whose round trip came back as something else.

Nothing here runs a model: the pipeline makes the back-translations and hands them in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache

from wirebrief.check.findings import Where
from wirebrief.check.sentence import Context, check_content
from wirebrief.results import Finding, TranslatedParagraph

#: The forward kinds a back-translation is checked for, and what they are called then.
BACK_KINDS = {
    "number_mismatch": "back_number",
    "name_missing": "back_name",
    "negation": "back_negation",
    "date_mismatch": "back_date",
    "unit_mismatch": "back_unit",
    "unit_missing": "back_unit",
    "direction_mismatch": "back_direction",
}
#: Digits a chrF is rounded to: enough to rank sentences, few enough for stable JSON.
CHRF_DIGITS = 1
_TRANSLATION = re.compile(r"\bthe translation\b")


@dataclass(frozen=True)
class BackSentence:
    """A source sentence, its back-translation and where it is in the brief."""

    source: str
    back_translation: str
    paragraph: int | None = None
    sentence: int | None = None


@dataclass(frozen=True)
class BackCheck:
    """What the back-translations say: the findings, and each sentence's chrF in input order."""

    findings: list[Finding]
    chrf: list[float]


def chrf(source: str, back_translation: str) -> float:
    """The back-translation's chrF against the source: 100 where they are equal, 0 where one
    of them is empty."""
    if not source.strip() or not back_translation.strip():
        return 100.0 if source.strip() == back_translation.strip() else 0.0
    score = _chrf_metric().sentence_score(back_translation, [source]).score
    return round(score, CHRF_DIGITS)


@cache
def _chrf_metric():
    # sacrebleu pulls in its tokenisers; only --verify back needs it.
    from sacrebleu.metrics import CHRF

    return CHRF()


def check_back_sentence(
    source: str,
    back_translation: str,
    context: Context,
    *,
    paragraph: int | None = None,
    sentence: int | None = None,
) -> list[Finding]:
    """The `back_*` findings of one sentence. `context` has the source language on both sides
    (see `back_context`)."""
    if not source.strip() or not back_translation.strip():
        return []
    where = Where(paragraph, sentence, source, back_translation)
    return [
        replace(
            finding,
            kind=BACK_KINDS[finding.kind],
            severity="warning",
            detail=_TRANSLATION.sub("the back-translation", finding.detail),
        )
        for finding in check_content(source, back_translation, context, where)
        if finding.kind in BACK_KINDS
    ]


def back_context(sources: Iterable[str], source_lang: str) -> Context:
    """The checks' context for back-translations of an article written in `source_lang`."""
    return Context.for_article(sources, source_lang=source_lang, target_lang=source_lang, glossary=None)


def check_back_translations(sentences: Sequence[BackSentence], *, source_lang: str) -> BackCheck:
    """Findings and chrF for each source sentence and its back-translation."""
    context = back_context((s.source for s in sentences), source_lang)
    findings: list[Finding] = []
    for item in sentences:
        findings += check_back_sentence(
            item.source, item.back_translation, context, paragraph=item.paragraph, sentence=item.sentence
        )
    return BackCheck(findings, [chrf(item.source, item.back_translation) for item in sentences])


def with_back_translations(
    paragraphs: Sequence[TranslatedParagraph], back_translations: Sequence[Sequence[str | None]]
) -> tuple[TranslatedParagraph, ...]:
    """The paragraphs with each sentence's back-translation and its chrF set.

    `back_translations` has a list per paragraph, one entry per sentence; None (a paragraph kept
    in its own language, a sentence that came out empty) leaves the sentence as it is.
    """
    if len(back_translations) != len(paragraphs):
        raise ValueError(f"{len(back_translations)} lists of back-translations for {len(paragraphs)} paragraphs")
    result = []
    for paragraph, backs in zip(paragraphs, back_translations):
        if len(backs) != len(paragraph.sentences):
            raise ValueError(
                f"paragraph {paragraph.index}: {len(backs)} back-translations for {len(paragraph.sentences)} sentences"
            )
        sentences = tuple(
            sentence if back is None else replace(sentence, back_translation=back, chrf=chrf(sentence.source, back))
            for sentence, back in zip(paragraph.sentences, backs)
        )
        result.append(replace(paragraph, sentences=sentences))
    return tuple(result)


def check_back_translation(paragraphs: Sequence[TranslatedParagraph], *, source_lang: str) -> list[Finding]:
    """The `back_*` findings of a brief's sentences that have a back-translation."""
    context = back_context((s.source for p in paragraphs for s in p.sentences), source_lang)
    findings: list[Finding] = []
    for paragraph in paragraphs:
        for number, sentence in enumerate(paragraph.sentences):
            if sentence.back_translation is not None:
                findings += check_back_sentence(
                    sentence.source, sentence.back_translation, context, paragraph=paragraph.index, sentence=number
                )
    return findings
