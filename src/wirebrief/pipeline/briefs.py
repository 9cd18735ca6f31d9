"""Articles into briefs: plan → translate, pooled per route → summarise one → check → assemble.

`iter_briefs` is the one orchestration; `pipeline.make_brief`, `brief`, the batch driver and
the CLI all go through it. Each article travels as one `_Work` record; a run's fixed parts
(settings, options, prompts, glossary, engines) travel as one `_Run`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from wirebrief import __version__
from wirebrief.check import (
    Finding,
    article_text,
    check_confidence,
    check_summaries,
    check_translation,
    reads_numbers_and_names,
)
from wirebrief.check.glossary import load_glossary
from wirebrief.check.meaning import reads_meaning
from wirebrief.config import Settings, resolve_settings
from wirebrief.engines.base import Engine
from wirebrief.engines.pool import ROLE_NAMES, EnginePool
from wirebrief.errors import GenerationError, InputError, ModelError, WirebriefError
from wirebrief.options import Options
from wirebrief.pipeline.clock import StepClock, describe_engine
from wirebrief.pipeline.reading import Article
from wirebrief.pipeline.scoring import score_paragraphs
from wirebrief.pipeline.verify import Backs, apply_backs, back_sentence_count, back_translate, reverse_route
from wirebrief.prompts import CHUNK_PROMPT, load_prompts, select_tiers
from wirebrief.results import Brief
from wirebrief.routing import Plan, Route
from wirebrief.routing import plan as make_plan
from wirebrief.summaries import Summaries
from wirebrief.summaries import summarise as summarise_text
from wirebrief.translation import (
    TranslatedParagraph,
    kept_as_is,
    translate_documents,
    translate_sentences,
    translation_params,
)
from wirebrief.words import plural


class Progress(Protocol):
    """Where the pipeline reports what it is doing; the CLI shows it on stderr."""

    def stage(self, description: str) -> None: ...

    def advance(self, count: int) -> None: ...


class _Silent:
    def stage(self, description: str) -> None:
        pass

    def advance(self, count: int) -> None:
        pass


def plan_for(document_language: str, target_lang: str, settings: Settings, *, tiers: bool, translate: bool = True) -> Plan:
    """The routing plan for one article (see routing.plan)."""
    return make_plan(
        document_language if translate else target_lang, target_lang,
        translation_model=settings.translation_model, summary_model=settings.summary_model, tiers=tiers,
    )


class _ArticleFailed(Exception):
    """A step failed in a way that fails its article only: the article's result is `error`."""

    def __init__(self, error: WirebriefError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class _Work:
    """One article on its way through a run: its plan (or the error that ended it), its
    pooled translations, and its share of the pooled steps' time."""

    article: Article
    plan: Plan | WirebriefError
    #: Paragraphs by step: "translation" (into the target), "pivot" (into English).
    paragraphs: dict[str, list[TranslatedParagraph]] = field(default_factory=dict)
    #: Each pooled step's engine, route and decoding, by step.
    described: dict[str, dict[str, Any]] = field(default_factory=dict)
    seconds: float = 0.0
    loading: float = 0.0
    #: The article's share of the time spent scoring its translation (`scoring.score_paragraphs`).
    scoring: float = 0.0
    #: `--verify back`: the translation translated back, per paragraph and sentence, and the
    #: article's share of the time that took.
    backs: Backs | None = None
    back_seconds: float = 0.0

    @property
    def document(self):  # -> Document
        return self.article.document


@dataclass
class _Run:
    """What every article of a run shares."""

    settings: Settings
    options: Options
    pool: EnginePool
    progress: Progress
    prompts: dict[str, Any]
    chosen: list[Any]
    glossary: Any

    def engine(self, role: str, model: str | None = None) -> Engine:
        """The engine of a step (a routed translation's model, or the summary model)."""
        what = "summary" if role == "summary" else "translation"
        return self.pool.get(role, model, announce=lambda: self.progress.stage(f"Loading {what} model"))

    def params_for(self, route: Route):  # -> GenerationParams
        params = translation_params(num_beams=self.settings.num_beams)
        if not route.source_code:
            return params
        return replace(params, source_language=route.source_code, target_language=route.target_code)


def iter_briefs(
    articles: Sequence[Article],
    *,
    settings: Settings | None = None,
    options: Options | None = None,
    pool: EnginePool | None = None,
    progress: Progress | None = None,
    engines: dict[str, Engine] | None = None,
    tiers: str | None = None,
    translate: bool | None = None,
    summarise: bool | None = None,
    target_lang: str | None = None,
) -> Iterator[Brief | WirebriefError]:
    """Brief many articles: the sentences of all articles in one language translated in one
    pooled, length-sorted call, then each article's tiers; yields each result, in order.

    Each article is routed by its language (routing.plan): no translation when it is already
    in the target language; for a target other than English, the tiers are made in English and
    translated. A failure that belongs to one article (no model for its language, tiers that
    could not be made) is yielded in its place as the error, so one bad article does not stop
    the others. Engines come from `pool` (one made and closed here if none is given).

    `tiers`, `translate`, `summarise` and `target_lang` are the older spelling of `options`
    (and override it where given). `engines`, the older spelling of `pool`, supplies ready
    engines by role ("translation", "summary", "pivot", "tiers") or by model
    ("translation:{model}"); engines made here are added to it under their model, so a caller
    passing the same dict again reuses them.
    """
    settings = settings or resolve_settings()
    options = (options or Options()).updated(
        tiers=tiers, translate=translate, summarise=summarise, target_lang=target_lang
    )
    own = pool is None
    if pool is None:
        pool = EnginePool(settings, supplied=engines)
    try:
        yield from _briefs(articles, settings, options, pool, progress or _Silent())
    finally:
        if own and engines is not None:
            engines.update({f"{role}:{model}": engine for role, model, engine in pool.engines()})
        elif own:
            pool.close()


def _briefs(
    articles: Sequence[Article], settings: Settings, options: Options, pool: EnginePool, progress: Progress
) -> Iterator[Brief | WirebriefError]:
    # Prompts, tiers and the glossary are read before any model loads: a typo costs no waiting.
    prompts = load_prompts(settings.prompts_dir) if options.summarise else {}
    run = _Run(
        settings, options, pool, progress, prompts,
        chosen=select_tiers(prompts, options.tiers) if options.summarise else [],
        glossary=load_glossary(settings.glossary) if settings.glossary else None,
    )
    works = _plan(articles, run)
    # Translation, and for other targets the English pivot: one pooled call per route.
    for step in ("translation", "pivot"):
        for route, group in _by_route(works, step).items():
            _translate_pooled(route, group, step, run)
    if options.verify == "back":
        for route, group in _by_reverse_route(works, run).items():
            _back_translate_pooled(route, group, run)
    for work in works:
        if isinstance(work.plan, WirebriefError):
            yield work.plan
            continue
        try:
            yield _brief_one(work, work.plan, run)
        except _ArticleFailed as failed:
            yield failed.error


def _plan(articles: Sequence[Article], run: _Run) -> list[_Work]:
    """Each article's routing plan (or why it has none), one plan per language; a model that
    can never load fails its articles, or the run for the summary model, before any work."""
    plans: dict[str, Plan | WirebriefError] = {}
    for language in {article.document.language for article in articles}:
        try:
            plans[language] = plan_for(
                language, run.options.target_lang, run.settings, tiers=bool(run.chosen), translate=run.options.translate
            )
        except WirebriefError as error:
            plans[language] = error
    works = [_Work(article, plans[article.document.language]) for article in articles]
    _refuse_missing_models(works, run.settings, run.pool, tiers=bool(run.chosen), verify=run.options.verify == "back")
    return works


def _by_route(works: Sequence[_Work], step: str) -> dict[Route, list[_Work]]:
    """The articles that take a translation step, by route, in order of first appearance."""
    groups: dict[Route, list[_Work]] = {}
    for work in works:
        route = getattr(work.plan, step, None) if isinstance(work.plan, Plan) else None
        if route is not None:
            groups.setdefault(route, []).append(work)
    return groups


def _by_reverse_route(works: Sequence[_Work], run: _Run) -> dict[Route, list[_Work]]:
    """The translated articles by the route of their back-translation (`--verify back`)."""
    groups: dict[Route, list[_Work]] = {}
    for work in works:
        if not isinstance(work.plan, Plan) or "translation" not in work.paragraphs:
            continue
        try:
            route = reverse_route(work.plan, run.settings)
        except WirebriefError as error:
            work.plan = error
            continue
        if route is not None:
            groups.setdefault(route, []).append(work)
    return groups


def _back_translate_pooled(route: Route, group: list[_Work], run: _Run) -> None:
    """The translations of every article of `group` translated back, in one pooled call."""
    documents = [work.paragraphs["translation"] for work in group]
    params = run.params_for(route)
    clock = StepClock()
    try:
        engine = clock.engine(lambda: run.engine("back", route.model))
        sentences = back_sentence_count(documents)
        run.progress.stage(f"Translating back to check: {plural(sentences, 'sentence')} ({route.source} → {route.target})")
        backs = back_translate(documents, engine, params, run.progress.advance, run.settings.retries)
    except (ModelError, GenerationError) as error:
        for work in group:
            work.plan = error
        return
    clock.stop()
    about = {**describe_engine(engine), "route": route.as_dict(), "generation": {**params.as_dict(), "retries": run.settings.retries}}
    for work, article_backs in zip(group, backs):
        work.backs = article_backs
        work.described["back"] = about
        share = work.document.sentence_count / max(1, sum(w.document.sentence_count for w in group))
        work.back_seconds += clock.work * share
        work.loading += clock.load * share


def _translate_pooled(route: Route, group: list[_Work], step: str, run: _Run) -> None:
    """One pooled translation call for every article of `group`; a failure fails them all."""
    sentences = sum(work.document.sentence_count for work in group)
    what = "Translating" if step == "translation" else "Translating into English for the summaries"
    params = run.params_for(route)
    clock = StepClock()
    try:
        engine = clock.engine(lambda: run.engine(step, route.model))
        run.progress.stage(f"{what}: {plural(sentences, 'sentence')} ({route.source} → {route.target})")
        results = translate_documents(
            [work.document for work in group], engine, params, run.progress.advance, run.settings.retries
        )
        clock.stop()
        scored = StepClock()
        scored.engine(lambda: engine)  # a cache made before scores existed loads the model here
        if step == "translation":
            # The model's own confidence in each sentence (the pivot only feeds the summaries).
            results = score_paragraphs(results, engine, params)
        scored.stop()
    except (ModelError, GenerationError) as error:
        # One language's model missing or failing fails that language's articles only.
        for work in group:
            work.plan = error
        return
    about = {**describe_engine(engine), "route": route.as_dict(), "generation": {**params.as_dict(), "retries": run.settings.retries}}
    for work, paragraphs in zip(group, results):
        work.paragraphs[step] = paragraphs
        work.described[step] = about
        # Pooled work is shared out by sentences, so per-article times add up to the whole.
        share = work.document.sentence_count / max(1, sentences)
        work.seconds += clock.work * share
        work.loading += (clock.load + scored.load) * share
        work.scoring += scored.work * share


def _brief_one(work: _Work, found: Plan, run: _Run) -> Brief:
    """The article's tiers and checks, assembled with its pooled translation into a `Brief`."""
    started = time.perf_counter()
    document, target_lang = work.document, run.options.target_lang
    direct = found.translation is not None
    paragraphs = work.paragraphs.get("translation") or kept_as_is(document)
    provenance: dict[str, Any] = {"wirebrief_version": __version__, "route": found.as_dict(), "models": {}, "generation": {}}
    # Numbers and names are read for Dutch and English only; say when they were not checked.
    provenance["checks"] = {
        "numbers_and_names": reads_numbers_and_names(document.language, target_lang),
        "meaning": reads_meaning(document.language, target_lang),
    }
    for step, about in work.described.items():
        provenance["models"][step] = {key: value for key, value in about.items() if key != "generation"}
        provenance["generation"][step] = about["generation"]
    timings: dict[str, float] = {"translate_seconds": work.seconds, "score_seconds": work.scoring} if direct else {}
    findings = check_translation(
        [len(p.sentences) for p in document.paragraphs], paragraphs,
        source_lang=document.language, target_lang=target_lang, glossary=run.glossary,
    ) + check_confidence(paragraphs) if direct else []
    if work.backs is not None:
        paragraphs, back_findings = apply_backs(paragraphs, work.backs, source_lang=document.language)
        findings += back_findings
        provenance["checks"]["back_translation"] = True
        timings["back_translate_seconds"] = work.back_seconds
    findings += _kept_paragraph_findings(paragraphs, target_lang)
    summaries = None
    load_seconds = work.loading
    if run.chosen:
        summaries, load_seconds = _summarise_one(work, found, paragraphs, run, provenance, timings)
        findings += check_summaries(
            summaries, article=article_text(paragraphs), source=document.text if direct else None,
            source_lang=document.language, target_lang=target_lang, glossary=run.glossary,
        )
    timings["load_seconds"] = load_seconds
    timings["total_seconds"] = (
        work.seconds + work.scoring + work.back_seconds + work.loading + time.perf_counter() - started
    )
    provenance["timings"] = {name: round(value, 3) for name, value in timings.items()}
    return Brief(
        source_language=document.language if run.options.translate else target_lang,
        target_language=target_lang,
        metadata=document.metadata,
        paragraphs=tuple(paragraphs),
        summaries=summaries,
        findings=tuple(findings),
        provenance=provenance,
        detected=work.article.detected,
        translated=direct,
        route=found.as_dict(),
    )


def _summarise_one(
    work: _Work, found: Plan, paragraphs: list[TranslatedParagraph], run: _Run,
    provenance: dict[str, Any], timings: dict[str, float],
) -> tuple[Summaries, float]:
    """The article's tiers (translated into the target where they are made in English), with
    their provenance and timings filled in; returns them and the article's loading seconds."""
    if found.summary_input == "pivot":
        summary_paragraphs = work.paragraphs["pivot"]
    elif found.summary_input == "translation":
        summary_paragraphs = paragraphs
    else:
        summary_paragraphs = kept_as_is(work.document)
    load_seconds = work.loading
    clock = StepClock()
    engine = clock.engine(lambda: run.engine("summary"))
    run.progress.stage(f"Summarising: {', '.join(prompt.name for prompt in run.chosen)}")
    try:
        summaries = summarise_text(
            [paragraph.translation for paragraph in summary_paragraphs], run.chosen, engine, run.prompts[CHUNK_PROMPT],
            language="en" if found.tiers_translation else run.options.target_lang, progress=run.progress.advance,
        )
    except (GenerationError, InputError) as error:
        raise _ArticleFailed(error) from None
    clock.stop()
    timings["summarise_seconds"] = clock.work
    load_seconds += clock.load
    provenance["models"]["summary"] = describe_engine(engine)
    if found.tiers_translation is not None:
        route = found.tiers_translation
        clock = StepClock()
        try:
            # English into the target is the article's own pair when it is English.
            role = "translation" if route == found.translation else "tiers"
            tiers_engine = clock.engine(lambda: run.engine(role, route.model))
            run.progress.stage(f"Translating the tiers ({route.source} → {route.target})")
            summaries = _translate_tiers(summaries, tiers_engine, run.params_for(route), run.settings.retries, run.progress)
        except (ModelError, GenerationError) as error:
            raise _ArticleFailed(error) from None  # the model for the tiers' language
        clock.stop()
        timings["tiers_translate_seconds"] = clock.work
        load_seconds += clock.load
        provenance["models"]["tiers"] = {**describe_engine(tiers_engine), "route": route.as_dict()}
        provenance["generation"]["tiers"] = {**run.params_for(route).as_dict(), "retries": run.settings.retries}
    provenance["generation"].update({prompt.name: prompt.params.as_dict() for prompt in run.chosen})
    provenance["prompts"] = {prompt.name: str(prompt.path) for prompt in run.chosen}
    provenance["summary_input"] = {
        "text": found.summary_input, "chunks_condensed": summaries.chunks, "condense_rounds": summaries.rounds,
    }
    return summaries, load_seconds


def _refuse_missing_models(
    works: list[_Work], settings: Settings, pool: EnginePool, *, tiers: bool, verify: bool = False
) -> None:
    """A model not in the cache that cannot be fetched (offline, or the hub not answering one
    short probe) can never load: say so before any work is done and before torch is imported,
    rather than after translating with the models that are there. A missing (or misnamed)
    translation model fails its articles, in place; a missing summary model fails the run."""
    from wirebrief.models import ensure_fetchable, resolve

    problems: dict[tuple[str, str], WirebriefError | None] = {}

    def problem(model: str, role: str) -> WirebriefError | None:
        if (model, role) not in problems:
            try:
                ensure_fetchable(resolve(model), role, offline=settings.offline)
                problems[(model, role)] = None
            except WirebriefError as error:
                problems[(model, role)] = error
        return problems[(model, role)]

    for work in works:
        found = work.plan
        if not isinstance(found, Plan):
            continue
        routes = found.routes()
        if verify and found.translation is not None:
            try:
                routes["back"] = reverse_route(found, settings)
            except WirebriefError as error:
                work.plan = error
                continue
        for role, route in routes.items():
            if role == "tiers" and route == found.translation:
                continue  # the article's own pair, checked as the translation
            if pool.has(role, route.model):
                continue
            error = problem(route.model, ROLE_NAMES[role])
            if error is not None:
                work.plan = error
                break
    wanted = any(isinstance(work.plan, Plan) for work in works)
    if tiers and wanted and not pool.has("summary"):
        error = problem(settings.summary_model, "summary")
        if error is not None:
            raise error


def _translate_tiers(summaries: Summaries, engine: Engine, params, retries: int, progress: Progress) -> Summaries:
    """The English tiers in the target language, sentence by sentence, in one engine call."""
    from wirebrief.inputs.document import split_sentences

    texts = [list(tier.items) if tier.items is not None else [tier.text] for tier in summaries.tiers]
    pieces = [[split_sentences(text, "en") if text.strip() else () for text in tier] for tier in texts]
    flat = [sentence for tier in pieces for text in tier for sentence in text]
    done = iter(translate_sentences(flat, engine, params, progress.advance, retries))
    tiers = []
    for tier, tier_pieces in zip(summaries.tiers, pieces):
        values = [" ".join(next(done).translation for _ in text) for text in tier_pieces]
        if tier.items is not None:
            tiers.append(replace(tier, items=tuple(values)))
        else:
            tiers.append(replace(tier, text=values[0] if values else ""))
    return replace(summaries, tiers=tuple(tiers))


def _kept_paragraph_findings(paragraphs: Sequence[TranslatedParagraph], target_lang: str) -> list[Finding]:
    """Say where a paragraph in another language was kept as it is. Even in the target language
    it is worth a line: the article's own words around a quote may stand in it untranslated."""
    from wirebrief.inputs.language import language_name

    findings = []
    for paragraph in paragraphs:
        if paragraph.language is None:
            continue
        where = " (the target language)" if paragraph.language == target_lang else ", not translated"
        findings.append(Finding(
            "kept_language", "warning",
            f"paragraph {paragraph.index + 1} is in {language_name(paragraph.language)} and was kept as it is{where}",
            paragraph=paragraph.index, source=paragraph.source,
        ))
    return findings

