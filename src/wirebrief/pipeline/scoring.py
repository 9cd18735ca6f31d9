"""The model's own confidence in a translation: each pair scored by a translation model.

A score is the mean natural-log probability per token of the translation given its source, by
forced decoding (`Engine.score`): <= 0, and nearer 0 where the model would have said much the
same itself. The pipeline scores every sentence it translates with the model that translated
it, and `wirebrief check --score` scores anyone's translation the same way. What counts as low
is `check.confidence`'s business; nothing here judges.

A pair is not scored (None) where there is nothing to score (an empty source or translation)
or where the source is longer than the model takes: such a sentence was translated in pieces,
and a score of the whole would be a score of text the model never saw at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from wirebrief.config import Settings
from wirebrief.engines.base import Engine, GenerationParams
from wirebrief.engines.pool import EnginePool
from wirebrief.results import TranslatedParagraph

#: Digits a confidence is rounded to in a brief: enough to rank sentences, few enough that a
#: rerun on another batch composition (float noise in the last digits) writes the same JSON.
CONFIDENCE_DIGITS = 4


def score_with(
    engine: Engine, sources: Sequence[str], translations: Sequence[str], params: GenerationParams | None = None
) -> list[float | None]:
    """Each pair's score on `engine`, rounded to CONFIDENCE_DIGITS; None where it is not scored
    (see the module's description) or the engine cannot score."""
    if len(sources) != len(translations):
        raise ValueError(f"{len(translations)} translations for {len(sources)} sources")  # a programming error
    wanted = [i for i, (source, target) in enumerate(zip(sources, translations)) if source.strip() and target.strip()]
    if wanted:
        counts = engine.count_tokens([sources[i] for i in wanted])
        wanted = [i for i, count in zip(wanted, counts) if count <= engine.max_input_tokens]
    results: list[float | None] = [None] * len(sources)
    if not wanted:
        return results
    scored = engine.score([sources[i] for i in wanted], [translations[i] for i in wanted], params)
    for index, value in zip(wanted, scored):
        results[index] = None if value is None else round(value, CONFIDENCE_DIGITS)
    return results


def score_pairs(
    sources: Sequence[str],
    translations: Sequence[str],
    settings: Settings,
    *,
    pool: EnginePool | None = None,
    source_lang: str | None = None,
    target_lang: str | None = None,
) -> list[float | None]:
    """Scores of any translation by the settings' translation model (`check --score`).

    With both languages given, the model is the one the routing table (or the settings'
    override) picks for the pair, told the languages by code where it takes them (NLLB);
    otherwise it is `settings.translation_model` as it is. A pool made here is closed here.
    """
    from wirebrief.routing import route

    model, params = None, None
    if source_lang and target_lang and source_lang != target_lang:
        found = route(source_lang, target_lang, override=settings.translation_model)
        model = found.model
        if found.source_code:
            params = GenerationParams(source_language=found.source_code, target_language=found.target_code)
    own = pool is None
    pool = pool or EnginePool(settings)
    try:
        return score_with(pool.get("translation", model), sources, translations, params)
    finally:
        if own:
            pool.close()


def score_paragraphs(
    documents: Sequence[Sequence[TranslatedParagraph]], engine: Engine, params: GenerationParams | None = None
) -> list[list[TranslatedParagraph]]:
    """The documents' paragraphs with each translated sentence's `confidence` set, all scored
    in one engine call. Paragraphs kept in their own language are not scored."""
    places = [
        (d, p, s)
        for d, paragraphs in enumerate(documents)
        for p, paragraph in enumerate(paragraphs)
        if paragraph.language is None
        for s in range(len(paragraph.sentences))
    ]
    sentences = [documents[d][p].sentences[s] for d, p, s in places]
    scores = score_with(engine, [x.source for x in sentences], [x.translation for x in sentences], params)
    result = [[list(paragraph.sentences) for paragraph in paragraphs] for paragraphs in documents]
    for (d, p, s), sentence, score in zip(places, sentences, scores):
        if score is not None:
            result[d][p][s] = replace(sentence, confidence=score)
    return [
        [replace(paragraph, sentences=tuple(sentences)) for paragraph, sentences in zip(paragraphs, rows)]
        for paragraphs, rows in zip(documents, result)
    ]
