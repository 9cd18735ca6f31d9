"""What a brief is made of: translated paragraphs, summary tiers, findings and the brief itself.

Plain frozen data with no model code behind it, so the checker, the renderers and a reader of
saved briefs can use them without importing the translation and summary machinery.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from wirebrief.inputs.document import Metadata, ParagraphKind

Severity = Literal["error", "warning"]

#: Characters of its sentence (and of the translation) a finding carries at most. The whole
#: sentence is in the brief's paragraphs, found by the finding's indices; a copy of it in each
#: of a long sentence's many findings made the output quadratic in the sentence's length.
EXCERPT_CHARS = 300

def excerpt(text: str | None, at: int | None = None, limit: int = EXCERPT_CHARS) -> str | None:
    """`text` itself if it has at most `limit` characters; else at most `limit` characters of it
    around position `at` (from its start when None), with "…" where it was cut."""
    if text is None or len(text) <= limit:
        return text
    room = limit - 2
    # The position a third of the way in: some words before it, more after.
    start = min(max(0, (at or 0) - room // 3), len(text) - room)
    end = start + room
    # Cut between words where there is a space near the cut.
    if start:
        space = text.find(" ", start, start + 20)
        start = space + 1 if space >= 0 else start
    if end < len(text):
        space = text.rfind(" ", end - 20, end)
        end = space if space > start else end
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")



@dataclass(frozen=True)
class TranslatedSentence:
    source: str
    translation: str
    #: How many pieces the sentence was translated in (1 unless it was too long or looped).
    parts: int = 1
    #: The translation still ran into its length cap after cutting: it may be incomplete.
    hit_limit: bool = False
    output_tokens: int = 0
    #: The translation model's mean log-probability per token of `translation` given `source`
    #: (forced decoding; <= 0, nearer 0 is surer). None where the sentence was not scored.
    confidence: float | None = None
    #: `translation` translated back into the source language (`--verify back`), and its chrF
    #: against `source` (0-100, 100 where they are equal). None where not asked for.
    back_translation: str | None = None
    chrf: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The sentence in a brief's JSON: the scores and the back-translation only where set,
        so a brief made without them reads as before they existed."""
        data: dict[str, Any] = {"source": self.source, "translation": self.translation}
        for key in ("confidence", "back_translation", "chrf"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass(frozen=True)
class TranslatedParagraph:
    index: int
    kind: ParagraphKind
    source: str
    sentences: tuple[TranslatedSentence, ...]
    #: Set when the paragraph is in another language than the article and was kept as it is.
    language: str | None = None

    @property
    def translation(self) -> str:
        return " ".join(sentence.translation for sentence in self.sentences if sentence.translation)



@dataclass(frozen=True)
class Tier:
    """One tier's output. `items` is set for list tiers (key points), `text` otherwise."""

    name: str
    text: str = ""
    items: tuple[str, ...] | None = None
    #: Words removed from the model's output to keep the budget.
    trimmed_words: int = 0
    #: How many items the budget asked for at least, when the article was too short for them.
    missing_items: int = 0

    @property
    def value(self) -> str | list[str]:
        return list(self.items) if self.items is not None else self.text

    @property
    def is_empty(self) -> bool:
        return not (any(self.items) if self.items is not None else self.text.strip())


@dataclass(frozen=True)
class Summaries:
    tiers: tuple[Tier, ...]
    #: How the input was condensed before the tiers: chunks summarised, in how many rounds.
    chunks: int = 0
    rounds: int = 0

    def get(self, name: str) -> Tier | None:
        return next((tier for tier in self.tiers if tier.name == name), None)



@dataclass(frozen=True)
class Finding:
    """One thing a reader should know. `source` and `target` are the sentence and its
    translation, or an excerpt of them (see `EXCERPT_CHARS`) where they are long."""

    kind: str
    severity: Severity
    detail: str
    paragraph: int | None = None
    sentence: int | None = None
    source: str | None = None
    target: str | None = None
    tier: str | None = None

    def __post_init__(self) -> None:
        # Findings made anywhere stay bounded; `_Where` cuts around the offending words first.
        object.__setattr__(self, "source", excerpt(self.source))
        object.__setattr__(self, "target", excerpt(self.target))

    def as_dict(self) -> dict:
        return asdict(self)



@dataclass(frozen=True)
class Brief:
    """A briefed article: metadata, aligned translation, tiers, findings and provenance."""

    source_language: str
    target_language: str
    metadata: Metadata
    paragraphs: tuple[TranslatedParagraph, ...]
    summaries: Summaries | None
    findings: tuple[Finding, ...]
    provenance: dict[str, Any] = field(default_factory=dict)
    #: The detected language and its confidence, when the language was detected.
    detected: dict[str, Any] | None = None
    #: False when the text was already in the target language and was not translated.
    translated: bool = True
    #: How the brief was made: routing.Plan.as_dict() (models per step, summary input).
    route: dict[str, Any] | None = None

    @property
    def translation(self) -> str:
        return "\n\n".join(paragraph.translation for paragraph in self.paragraphs)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document: stable keys, documented in the README."""
        return {
            "source_language": self.source_language,
            "target_language": self.target_language,
            "metadata": {**self.metadata.as_dict(), "detected_language": self.detected},
            "paragraphs": [
                {
                    "index": paragraph.index,
                    "kind": paragraph.kind,
                    "source": paragraph.source,
                    "translation": paragraph.translation,
                    "language": paragraph.language,
                    "sentences": [sentence.as_dict() for sentence in paragraph.sentences],
                }
                for paragraph in self.paragraphs
            ],
            "translation": self.translation,
            "translated": self.translated,
            "route": self.route,
            "summaries": {tier.name: tier.value for tier in self.summaries.tiers} if self.summaries else {},
            "findings": [finding.as_dict() for finding in self.findings],
            "provenance": self.provenance,
        }
