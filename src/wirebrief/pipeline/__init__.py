"""The pipeline: read → segment → translate → summarise → check → `Brief`.

    reading.py  an article read, its language found, segmented (`Article`)
    briefs.py   articles into briefs: plan, translate pooled per route, summarise, assemble
    scoring.py  the translation model's own confidence in each sentence (`score_pairs`)
    verify.py   `--verify back`: the translation translated back and checked against the source
    clock.py    a step's time, split into loading and work

`Brief` (results.py) is the one result every renderer consumes; `Brief.to_dict()` is the
stable JSON shape documented in the README. What the reader asked for travels as one
`Options`; the older keyword arguments (tiers, source_lang, target_lang, input_format,
translate, summarise) still work and override it where given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wirebrief.config import Settings, resolve_settings
from wirebrief.engines.base import Engine
from wirebrief.engines.pool import EnginePool
from wirebrief.errors import WirebriefError
from wirebrief.inputs.document import Document
from wirebrief.models import model_status
from wirebrief.options import Options
from wirebrief.pipeline.briefs import Progress, iter_briefs, plan_for
from wirebrief.pipeline.reading import Article, check_languages, read_article, read_checked, read_document
from wirebrief.prompts import load_prompts, select_tiers
from wirebrief.results import Brief
from wirebrief.routing import Plan

__all__ = [
    "Article", "EnginePool", "Options", "Progress", "brief", "check_languages", "describe_plan", "dry_run",
    "iter_briefs", "make_brief", "plan_for", "read_article", "read_document", "summarise", "translate",
]

def make_brief(
    document: Document,
    *,
    settings: Settings | None = None,
    options: Options | None = None,
    pool: EnginePool | None = None,
    detected: dict[str, Any] | None = None,
    progress: Progress | None = None,
    engines: dict[str, Engine] | None = None,
    tiers: str | None = None,
    translate: bool | None = None,
    summarise: bool | None = None,
    target_lang: str | None = None,
) -> Brief:
    """Translate and/or summarise a parsed document.

    `options.translate=False` treats the text as already in the target language (`wirebrief
    summarise`). `engines` may supply ready engines by role ("translation", "summary"), e.g. a
    fake in tests; it is not changed.
    """
    options = (options or Options()).updated(tiers=tiers, translate=translate, summarise=summarise, target_lang=target_lang)
    [result] = iter_briefs(
        [Article(document, detected)], settings=settings, options=options, pool=pool, progress=progress,
        engines=None if pool is not None else dict(engines or {}),
    )
    if isinstance(result, WirebriefError):
        raise result
    return result


def _from_source(
    source: str | Path, settings: Settings | None, options: Options, progress: Progress | None, pool: EnginePool | None
) -> Brief:
    settings = settings or resolve_settings()
    if not options.translate:
        # The text is in the target language already: that is its language, not a detection.
        _, target_lang = check_languages("auto", options.target_lang)
        article, _ = read_checked(source, settings, target_lang, target_lang, options.input_format)
        return make_brief(
            article.document, settings=settings, options=options.updated(target_lang=target_lang), pool=pool,
            progress=progress,
        )
    article, target_lang = read_checked(source, settings, options.source_lang, options.target_lang, options.input_format)
    return make_brief(
        article.document, settings=settings, options=options.updated(target_lang=target_lang), pool=pool,
        detected=article.detected, progress=progress,
    )


def brief(
    source: str | Path,
    *,
    settings: Settings | None = None,
    options: Options | None = None,
    pool: EnginePool | None = None,
    progress: Progress | None = None,
    tiers: str | None = None,
    source_lang: str | None = None,
    target_lang: str | None = None,
    input_format: str | None = None,
) -> Brief:
    """Translate an article (a file, ``-`` for stdin, or a URL) and make its tiers: the main job."""
    options = (options or Options()).updated(
        tiers=tiers, source_lang=source_lang, target_lang=target_lang, input_format=input_format
    )
    return _from_source(source, settings, options, progress, pool)


def translate(
    source: str | Path,
    *,
    settings: Settings | None = None,
    options: Options | None = None,
    pool: EnginePool | None = None,
    progress: Progress | None = None,
    source_lang: str | None = None,
    target_lang: str | None = None,
    input_format: str | None = None,
) -> Brief:
    """Only the translation of an article; the Brief has no summaries."""
    options = (options or Options()).updated(
        source_lang=source_lang, target_lang=target_lang, input_format=input_format, summarise=False
    )
    return _from_source(source, settings, options, progress, pool)


def summarise(
    source: str | Path,
    *,
    settings: Settings | None = None,
    options: Options | None = None,
    pool: EnginePool | None = None,
    progress: Progress | None = None,
    tiers: str | None = None,
    target_lang: str | None = None,
    input_format: str | None = None,
) -> Brief:
    """Only the tiers, of a text already in the target language."""
    options = (options or Options()).updated(
        tiers=tiers, target_lang=target_lang, input_format=input_format, translate=False
    )
    return _from_source(source, settings, options, progress, pool)


def describe_plan(found: Plan) -> dict[str, Any]:
    """A plan with each model's location and presence, for `--dry-run` and `models plan`."""
    described = found.as_dict()
    for role, route in found.routes().items():
        key = "tiers_translation" if role == "tiers" else role
        described[key] = {**route.as_dict(), **model_status(route.model)}
    if found.summary_model:
        described["summary_model"] = model_status(found.summary_model)
    return described


def dry_run(
    source: str | Path,
    *,
    settings: Settings | None = None,
    options: Options | None = None,
    tiers: str | None = None,
    source_lang: str | None = None,
    target_lang: str | None = None,
    input_format: str | None = None,
    summarise: bool | None = None,
) -> dict[str, Any]:
    """What `brief` would do with `source`, without loading any model: the input's kind and
    size, its language, the models per step and whether each is present, and the tiers."""
    settings = settings or resolve_settings()
    options = (options or Options()).updated(
        tiers=tiers, source_lang=source_lang, target_lang=target_lang, input_format=input_format, summarise=summarise
    )
    check_languages(options.source_lang, options.target_lang)  # a bad code is refused before the prompts are read
    prompts = load_prompts(settings.prompts_dir) if options.summarise else {}
    chosen = select_tiers(prompts, options.tiers) if options.summarise else []
    article, target_lang = read_checked(source, settings, options.source_lang, options.target_lang, options.input_format)
    document = article.document
    found = plan_for(document.language, target_lang, settings, tiers=bool(chosen))
    kept = [
        {"paragraph": paragraph.index, "language": paragraph.language}
        for paragraph in document.paragraphs if paragraph.language is not None
    ]
    return {
        "input": {
            **{key: value for key, value in document.metadata.as_dict().items() if value is not None},
            "paragraphs": len(document.paragraphs),
            "sentences": document.sentence_count,
            "words": len(document.text.split()),
        },
        "language": {"code": document.language, "detected": article.detected, "paragraphs_kept": kept},
        "plan": describe_plan(found),
        "tiers": [prompt.name for prompt in chosen],
        "engine": settings.engine,
        "device": settings.device,
    }
