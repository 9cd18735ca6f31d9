"""Findings: what a reader should know before trusting a brief.

This first set covers what the pipeline itself can tell: translations that ran into their
length cap, sentences that came out empty, coverage (sentences in and out), and tiers that were
trimmed to budget, came out empty or have fewer items than asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

from .summaries import Summaries
from .translation import TranslatedParagraph

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    kind: str
    severity: Severity
    detail: str
    paragraph: int | None = None
    sentence: int | None = None
    source: str | None = None
    target: str | None = None
    tier: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def check_translation(
    source_sentence_counts: Sequence[int], paragraphs: Sequence[TranslatedParagraph]
) -> list[Finding]:
    findings: list[Finding] = []
    if len(source_sentence_counts) != len(paragraphs):
        findings.append(Finding(
            "coverage", "error",
            f"{len(source_sentence_counts)} source paragraphs but {len(paragraphs)} translated",
        ))
    for expected, paragraph in zip(source_sentence_counts, paragraphs):
        if expected != len(paragraph.sentences):
            findings.append(Finding(
                "coverage", "error",
                f"paragraph {paragraph.index}: {expected} source sentences but {len(paragraph.sentences)} translated",
                paragraph=paragraph.index,
            ))
        for number, sentence in enumerate(paragraph.sentences):
            where = {"paragraph": paragraph.index, "sentence": number, "source": sentence.source}
            if sentence.source.strip() and not sentence.translation.strip():
                findings.append(Finding("empty_translation", "error", "the model returned nothing for this sentence", **where))
            elif sentence.hit_limit:
                findings.append(Finding(
                    "length_cap", "warning",
                    f"translation hit its length cap even in {sentence.parts} pieces and may be incomplete or looping",
                    target=sentence.translation, **where,
                ))
    return findings


def check_summaries(summaries: Summaries | None) -> list[Finding]:
    findings: list[Finding] = []
    for tier in summaries.tiers if summaries else ():
        if tier.is_empty:
            findings.append(Finding("empty_tier", "error", f"the {tier.name} came out empty", tier=tier.name))
        if tier.trimmed_words:
            findings.append(Finding(
                "tier_trimmed", "warning",
                f"{tier.trimmed_words} words of the model's {tier.name} were cut to keep its length budget",
                tier=tier.name,
            ))
        if tier.missing_items:
            findings.append(Finding(
                "tier_short", "warning",
                f"the article is too short for {tier.name}: {tier.missing_items} fewer items than its minimum",
                tier=tier.name,
            ))
    return findings
