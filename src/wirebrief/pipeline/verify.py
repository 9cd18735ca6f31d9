"""`--verify back`: each translated sentence translated back into the source language.

The back-translations run as one more pooled translation pass, on the model the routing table
gives the reverse pair (opus-mt-en-nl for a Dutch article), or `Settings.reverse_model`. What
they are checked for, and each sentence's chrF, is `check.back`'s business; this module makes
them and puts them in their places.
"""

from __future__ import annotations

from collections.abc import Sequence

from wirebrief.check.back import check_back_translation, with_back_translations
from wirebrief.config import Settings
from wirebrief.engines.base import Engine, GenerationParams, ProgressCallback
from wirebrief.results import Finding, TranslatedParagraph
from wirebrief.routing import Plan, Route, route
from wirebrief.translation import translate_sentences

#: What a paragraph's back-translations are: one entry per sentence, None where a sentence has
#: none (a paragraph kept in its own language, an empty translation).
Backs = list[list[str | None]]


def reverse_route(found: Plan, settings: Settings) -> Route | None:
    """The route back from the article's translation into its source language; None where the
    article is not translated."""
    forward = found.translation
    if forward is None:
        return None
    return route(forward.target, forward.source, override=settings.reverse_model)


def _wanted(paragraph: TranslatedParagraph) -> list[bool]:
    return [paragraph.language is None and bool(s.translation.strip()) for s in paragraph.sentences]


def back_translate(
    documents: Sequence[Sequence[TranslatedParagraph]],
    engine: Engine,
    params: GenerationParams,
    progress: ProgressCallback | None = None,
    retries: int = 0,
) -> list[Backs]:
    """Every translated sentence of every document translated back, in one engine call."""
    texts = [
        sentence.translation
        for paragraphs in documents
        for paragraph in paragraphs
        for sentence, wanted in zip(paragraph.sentences, _wanted(paragraph))
        if wanted
    ]
    done = iter(translate_sentences(texts, engine, params, progress, retries))
    return [
        [
            [next(done).translation if wanted else None for wanted in _wanted(paragraph)]
            for paragraph in paragraphs
        ]
        for paragraphs in documents
    ]


def back_sentence_count(documents: Sequence[Sequence[TranslatedParagraph]]) -> int:
    """How many sentences `back_translate` translates: for the progress line."""
    return sum(sum(_wanted(paragraph)) for paragraphs in documents for paragraph in paragraphs)


def apply_backs(
    paragraphs: Sequence[TranslatedParagraph], backs: Backs, *, source_lang: str
) -> tuple[list[TranslatedParagraph], list[Finding]]:
    """The paragraphs with their back-translations and chrF set, and the `back_*` findings."""
    checked = list(with_back_translations(paragraphs, backs))
    return checked, check_back_translation(checked, source_lang=source_lang)
