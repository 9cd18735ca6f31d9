"""The pipeline: read → segment → translate → summarise → check → `Brief`.

`Brief` is the one result every renderer consumes; `Brief.to_dict()` is the stable JSON shape
documented in the README.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from wirebrief import __version__
from wirebrief.check import Finding, article_text, check_summaries, check_translation, reads_numbers_and_names
from wirebrief.check.glossary import load_glossary
from wirebrief.check.meaning import reads_meaning
from wirebrief.config import Settings, resolve_settings
from wirebrief.engines.base import Engine, known_cache_key, load_engine, startup_seconds
from wirebrief.errors import GenerationError, InputError, ModelError, WirebriefError
from wirebrief.inputs.document import Document, decode
from wirebrief.models import is_present, model_status, resolve
from wirebrief.prompts import CHUNK_PROMPT, load_prompts, select_tiers
from wirebrief.render import plural
from wirebrief.results import Brief
from wirebrief.routing import Plan, Route, check_code
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


class Progress(Protocol):
    """Where the pipeline reports what it is doing; the CLI shows it on stderr."""

    def stage(self, description: str) -> None: ...

    def advance(self, count: int) -> None: ...


class _Silent:
    def stage(self, description: str) -> None:
        pass

    def advance(self, count: int) -> None:
        pass


def read_article(
    source: str | Path,
    *,
    source_lang: str = "auto",
    input_format: str = "auto",
    offline: bool = False,
    data: bytes | None = None,
    text: str | None = None,
) -> Article:
    """Read one article (path, ``-`` or URL), extract its text, find its language, segment it.

    With ``source_lang="auto"`` the language is detected, and an unsure detection is refused
    (InputError naming the best guess). `data` (raw bytes) or `text` (already decoded) stand in
    for reading `source`, which then only names the article. Paragraphs clearly in another
    language than the article are marked, so they are kept rather than mistranslated.
    """
    from wirebrief.inputs import Source, read_input, to_document
    from wirebrief.inputs.language import foreign_language, require_language

    if text is not None:
        extracted = Source(name=str(source), input_format="text", encoding="utf-8", text=decode(text.encode("utf-8"), str(source))[0])
    else:
        extracted = read_input(source, input_format=input_format, offline=offline, data=data)
    detected = None
    if source_lang == "auto":
        found = require_language(extracted.plain_text, extracted.name)
        language = found.language
        detected = {"language": found.language, "confidence": round(found.confidence, 4)}
    else:
        language = check_code(source_lang, "--source-lang")
    document = to_document(extracted, language)
    # Also in an article already in the target language: its Dutch paragraph is said to be Dutch.
    marked = tuple(
        replace(paragraph, language=foreign_language(paragraph.text, language)) if paragraph.kind == "paragraph" else paragraph
        for paragraph in document.paragraphs
    )
    document = replace(document, paragraphs=marked)
    return Article(document, detected)


def read_document(
    source: str | Path,
    *,
    source_lang: str = "auto",
    text: str | None = None,
    data: bytes | None = None,
    **options: Any,
) -> tuple[Document, dict[str, Any] | None]:
    """`read_article` as a (document, detection) pair."""
    article = read_article(source, source_lang=source_lang, text=text, data=data, **options)
    return article.document, article.detected


def check_languages(source_lang: str, target_lang: str) -> tuple[str, str]:
    """Refuse language codes that are not codes, before anything is read or loaded; returns
    them normalised ("EN " -> "en")."""
    source = source_lang if source_lang.strip().lower() == "auto" else check_code(source_lang, "--source-lang")
    return source.strip().lower(), check_code(target_lang, "--target-lang")


def plan_for(document_language: str, target_lang: str, settings: Settings, *, tiers: bool, translate: bool = True) -> Plan:
    """The routing plan for one article (see routing.plan)."""
    return make_plan(
        document_language if translate else target_lang, target_lang,
        translation_model=settings.translation_model, summary_model=settings.summary_model, tiers=tiers,
    )


#: One cache object per file per process, shared by every engine that uses it.
_CACHES: dict[Path, Any] = {}


def _engine(settings: Settings, role: str, model: str | None = None) -> Engine:
    """The engine for a role (or a routed `model`), behind the generation cache unless it is
    switched off."""
    name = model or (settings.translation_model if role == "translation" else settings.summary_model)
    ref = resolve(name)

    def make() -> Engine:
        return load_engine(
            ref, role=role, engine=settings.engine, device=settings.device, offline=settings.offline,
            max_batch_tokens=settings.max_batch_tokens, batch_size=settings.batch_size,
        )

    if not settings.use_cache:
        return make()
    from wirebrief.engines.cache import CachedEngine, DeferredEngine, GenerationCache, default_cache_path

    path = settings.cache or default_cache_path()
    cache = _CACHES.get(path)
    if cache is None:
        cache = _CACHES[path] = GenerationCache(path)
    # Where the engine's identity is known up front, it is made only if the cache cannot answer.
    key = known_cache_key(ref, settings.engine, settings.device) if ref.is_local or is_present(ref) else None
    inner = DeferredEngine(key, ref.location, make, cache) if key else make()
    return CachedEngine(inner, cache)


class _StepClock:
    """A step's time, split into `load` (making engines, loading weights) and `work` (the rest).

    Engines load lazily, inside the first generate, and a cached engine is made only when the
    cache misses; each says how long that took (`startup_seconds`), so the split is exact.
    """

    def __init__(self) -> None:
        self._started = time.perf_counter()
        self._engines: list[tuple[Any, float]] = []
        self._making = 0.0
        self.load = self.work = 0.0

    def engine(self, get: Callable[[], Engine]) -> Engine:
        """`get()`, its own time counted as loading, the engine watched until `stop`."""
        started = time.perf_counter()
        engine = get()
        self._making += time.perf_counter() - started
        self._engines.append((engine, startup_seconds(engine)))
        return engine

    def stop(self) -> None:
        elapsed = time.perf_counter() - self._started
        loaded = sum(startup_seconds(engine) - before for engine, before in self._engines)
        self.load = min(elapsed, self._making + loaded)
        self.work = elapsed - self.load


def _describe(engine: Engine) -> dict[str, Any]:
    """An engine's provenance, without counters that depend on what ran before."""
    described = engine.describe()
    if isinstance(described.get("cache"), dict):
        described["cache"] = {"path": described["cache"].get("path")}
    return described


@dataclass(frozen=True)
class Article:
    """A parsed article on its way into a brief, with its language detection if one was made."""

    document: Document
    detected: dict[str, Any] | None = None


def iter_briefs(
    articles: Sequence[Article],
    *,
    settings: Settings | None = None,
    tiers: str | None = None,
    translate: bool = True,
    summarise: bool = True,
    target_lang: str = "en",
    progress: Progress | None = None,
    engines: dict[str, Engine] | None = None,
) -> Iterator[Brief | WirebriefError]:
    """Brief many articles: the sentences of all articles in one language translated in one
    pooled, length-sorted call, then each article's tiers; yields each result, in order.

    Each article is routed by its language (routing.plan): no translation when it is already
    in the target language; for a target other than English, the tiers are made in English and
    translated. A failure that belongs to one article (no model for its language, tiers that
    could not be made) is yielded in its place as the error, so one bad article does not stop
    the others. `engines` may supply ready engines by role ("translation", "summary", and for
    other targets "pivot" and "tiers"); engines loaded here are added to it under their model,
    so a caller passing the same dict again reuses them.
    """
    settings = settings or resolve_settings()
    progress = progress or _Silent()
    engines = {} if engines is None else engines
    documents = [article.document for article in articles]
    provenance_base: dict[str, Any] = {"wirebrief_version": __version__}

    # Prompts, tiers and the glossary are read before any model loads: a typo costs no waiting.
    prompts = load_prompts(settings.prompts_dir) if summarise else {}
    chosen = select_tiers(prompts, tiers) if summarise else []
    glossary = load_glossary(settings.glossary) if settings.glossary else None

    by_language: dict[str, Plan | WirebriefError] = {}
    for language in {document.language for document in documents}:
        try:
            by_language[language] = plan_for(language, target_lang, settings, tiers=bool(chosen), translate=translate)
        except WirebriefError as error:
            by_language[language] = error
    plans = [by_language[document.language] for document in documents]
    _refuse_missing_models(plans, settings, engines, tiers=bool(chosen))

    def engine_for(role: str, route: Route | None = None) -> Engine:
        if role in engines:
            return engines[role]
        if route is None:
            key = f"{role}:{settings.summary_model}"
            if key not in engines:
                progress.stage(f"Loading {role} model")
                engines[key] = _engine(settings, role)
            return engines[key]
        key = f"translation:{route.model}"
        if key not in engines:
            progress.stage("Loading translation model")
            engines[key] = _engine(settings, _ROLE_NAMES[role], route.model)
        return engines[key]

    def params_for(route: Route):
        params = translation_params(num_beams=settings.num_beams)
        return replace(params, source_language=route.source_code, target_language=route.target_code) if route.source_code else params

    # Translation, and for other targets the English pivot: one pooled call per route.
    translated: dict[int, list[TranslatedParagraph]] = {}
    english: dict[int, list[TranslatedParagraph]] = {}
    described: dict[int, dict[str, Any]] = {index: {} for index in range(len(articles))}
    seconds: dict[int, float] = {index: 0.0 for index in range(len(articles))}
    loading: dict[int, float] = {index: 0.0 for index in range(len(articles))}
    for role, field_name, into in (("translation", "translation", translated), ("pivot", "pivot", english)):
        groups: dict[Route, list[int]] = {}
        for index, found in enumerate(plans):
            route = getattr(found, field_name, None) if isinstance(found, Plan) else None
            if route is not None:
                groups.setdefault(route, []).append(index)
        for route, indices in groups.items():
            sentences = sum(documents[index].sentence_count for index in indices)
            what = "Translating" if role == "translation" else "Translating into English for the summaries"
            clock = _StepClock()
            try:
                engine = clock.engine(lambda: engine_for(role, route))
                progress.stage(f"{what}: {plural(sentences, 'sentence')} ({route.source} → {route.target})")
                results = translate_documents(
                    [documents[index] for index in indices], engine, params_for(route), progress.advance, settings.retries
                )
            except (ModelError, GenerationError) as error:
                # One language's model missing or failing fails that language's articles only.
                for index in indices:
                    plans[index] = error
                continue
            clock.stop()
            about = {**_describe(engine), "route": route.as_dict(), "generation": {**params_for(route).as_dict(), "retries": settings.retries}}
            for index, paragraphs in zip(indices, results):
                into[index] = paragraphs
                described[index][role] = about
                # Pooled work is shared out by sentences, so per-article times add up to the whole.
                share = documents[index].sentence_count / max(1, sentences)
                seconds[index] += clock.work * share
                loading[index] += clock.load * share

    for index, article in enumerate(articles):
        found = plans[index]
        if isinstance(found, WirebriefError):
            yield found
            continue
        started = time.perf_counter()
        document = article.document
        direct = found.translation is not None
        paragraphs = translated.get(index) or kept_as_is(document)
        timings: dict[str, float] = {}
        provenance: dict[str, Any] = {**provenance_base, "route": found.as_dict(), "models": {}, "generation": {}}
        # Numbers and names are read for Dutch and English only; say when they were not checked.
        provenance["checks"] = {
            "numbers_and_names": reads_numbers_and_names(document.language, target_lang),
            "meaning": reads_meaning(document.language, target_lang),
        }
        for role, about in described[index].items():
            provenance["models"][role] = {key: value for key, value in about.items() if key != "generation"}
            provenance["generation"][role] = about["generation"]
        if direct:
            timings["translate_seconds"] = seconds[index]
        load_seconds = loading[index]
        findings = check_translation(
            [len(p.sentences) for p in document.paragraphs], paragraphs,
            source_lang=document.language, target_lang=target_lang, glossary=glossary,
        ) if direct else []
        findings += _kept_paragraph_findings(paragraphs, target_lang)
        summaries = None
        if chosen:
            if found.summary_input == "pivot":
                summary_paragraphs = english[index]
            elif found.summary_input == "translation":
                summary_paragraphs = paragraphs
            else:
                summary_paragraphs = kept_as_is(document)
            clock = _StepClock()
            engine = clock.engine(lambda: engine_for("summary"))
            progress.stage(f"Summarising: {', '.join(prompt.name for prompt in chosen)}")
            try:
                summaries = summarise_text(
                    [paragraph.translation for paragraph in summary_paragraphs], chosen, engine, prompts[CHUNK_PROMPT],
                    language="en" if found.tiers_translation else target_lang, progress=progress.advance,
                )
                clock.stop()
                timings["summarise_seconds"] = clock.work
                load_seconds += clock.load
                provenance["models"]["summary"] = _describe(engine)
            except (GenerationError, InputError) as error:
                yield error
                continue
            if found.tiers_translation is not None:
                route = found.tiers_translation
                clock = _StepClock()
                try:
                    # English into the target is the article's own pair when it is English.
                    tiers_role = "translation" if route == found.translation else "tiers"
                    tiers_engine = clock.engine(lambda: engine_for(tiers_role, route))
                    progress.stage(f"Translating the tiers ({route.source} → {route.target})")
                    summaries = _translate_tiers(summaries, tiers_engine, params_for(route), settings.retries, progress)
                except (ModelError, GenerationError) as error:
                    yield error  # the model for the tiers' language: this article's failure only
                    continue
                clock.stop()
                timings["tiers_translate_seconds"] = clock.work
                load_seconds += clock.load
                provenance["models"]["tiers"] = {**_describe(tiers_engine), "route": route.as_dict()}
                provenance["generation"]["tiers"] = {**params_for(route).as_dict(), "retries": settings.retries}
            provenance["generation"].update({prompt.name: prompt.params.as_dict() for prompt in chosen})
            provenance["prompts"] = {prompt.name: str(prompt.path) for prompt in chosen}
            provenance["summary_input"] = {
                "text": found.summary_input, "chunks_condensed": summaries.chunks, "condense_rounds": summaries.rounds,
            }
            findings += check_summaries(
                summaries, article=article_text(paragraphs), source=document.text if direct else None,
                source_lang=document.language, target_lang=target_lang, glossary=glossary,
            )
        timings["load_seconds"] = load_seconds
        timings["total_seconds"] = seconds[index] + loading[index] + time.perf_counter() - started
        provenance["timings"] = {name: round(value, 3) for name, value in timings.items()}
        yield Brief(
            source_language=document.language if translate else target_lang,
            target_language=target_lang,
            metadata=document.metadata,
            paragraphs=tuple(paragraphs),
            summaries=summaries,
            findings=tuple(findings),
            provenance=provenance,
            detected=article.detected,
            translated=direct,
            route=found.as_dict(),
        )


def _refuse_missing_models(plans: list, settings: Settings, engines: dict[str, Engine], *, tiers: bool) -> None:
    """A model not in the cache that cannot be fetched (offline, or the hub not answering one
    short probe) can never load: say so before any work is done and before torch is imported,
    rather than after translating with the models that are there. A missing (or misnamed)
    translation model fails its articles, in place in `plans`; a missing summary model fails
    the run."""
    from wirebrief.models import ensure_fetchable

    problems: dict[tuple[str, str], WirebriefError | None] = {}

    def problem(model: str, role: str) -> WirebriefError | None:
        if (model, role) not in problems:
            try:
                ensure_fetchable(resolve(model), role, offline=settings.offline)
                problems[(model, role)] = None
            except WirebriefError as error:
                problems[(model, role)] = error
        return problems[(model, role)]

    for index, found in enumerate(plans):
        if not isinstance(found, Plan):
            continue
        for role, route in found.routes().items():
            if role == "tiers" and route == found.translation:
                continue  # the article's own pair, checked as the translation
            if role in engines or f"translation:{route.model}" in engines:
                continue
            error = problem(route.model, _ROLE_NAMES[role])
            if error is not None:
                plans[index] = error
                break
    wanted = any(isinstance(found, Plan) for found in plans)
    if tiers and wanted and "summary" not in engines:
        error = problem(settings.summary_model, "summary")
        if error is not None:
            raise error


#: How each translation step is named in messages (a missing model says which step needs it).
_ROLE_NAMES = {"translation": "translation", "pivot": "English pivot translation", "tiers": "tiers translation"}


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


def make_brief(
    document: Document,
    *,
    settings: Settings | None = None,
    tiers: str | None = None,
    translate: bool = True,
    summarise: bool = True,
    detected: dict[str, Any] | None = None,
    target_lang: str = "en",
    progress: Progress | None = None,
    engines: dict[str, Engine] | None = None,
) -> Brief:
    """Translate and/or summarise a parsed document.

    `translate=False` treats the text as already in the target language (`wirebrief summarise`).
    `engines` may supply ready engines by role ("translation", "summary"), e.g. a fake in tests.
    """
    [result] = iter_briefs(
        [Article(document, detected)], settings=settings, tiers=tiers, translate=translate,
        summarise=summarise, target_lang=target_lang, progress=progress, engines=dict(engines or {}),
    )
    if isinstance(result, WirebriefError):
        raise result
    return result


def _read_checked(
    source: str | Path, settings: Settings, source_lang: str, target_lang: str, input_format: str
) -> tuple[Article, str]:
    """Check the language codes, then read the article (fetching a URL unless offline);
    returns it with the normalised target language."""
    source_lang, target_lang = check_languages(source_lang, target_lang)
    article = read_article(source, source_lang=source_lang, input_format=input_format, offline=settings.fetch_offline)
    return article, target_lang


def _from_source(
    source: str | Path,
    settings: Settings | None,
    source_lang: str,
    target_lang: str,
    progress: Progress | None,
    input_format: str = "auto",
    **options: Any,
) -> Brief:
    settings = settings or resolve_settings()
    article, target_lang = _read_checked(source, settings, source_lang, target_lang, input_format)
    return make_brief(
        article.document, settings=settings, detected=article.detected, target_lang=target_lang, progress=progress, **options
    )


def brief(
    source: str | Path,
    *,
    settings: Settings | None = None,
    tiers: str | None = None,
    source_lang: str = "auto",
    target_lang: str = "en",
    input_format: str = "auto",
    progress: Progress | None = None,
) -> Brief:
    """Translate an article (a file, ``-`` for stdin, or a URL) and make its tiers: the main job."""
    return _from_source(source, settings, source_lang, target_lang, progress, input_format, tiers=tiers)


def translate(
    source: str | Path,
    *,
    settings: Settings | None = None,
    source_lang: str = "auto",
    target_lang: str = "en",
    input_format: str = "auto",
    progress: Progress | None = None,
) -> Brief:
    """Only the translation of an article; the Brief has no summaries."""
    return _from_source(source, settings, source_lang, target_lang, progress, input_format, summarise=False)


def summarise(
    source: str | Path,
    *,
    settings: Settings | None = None,
    tiers: str | None = None,
    target_lang: str = "en",
    input_format: str = "auto",
    progress: Progress | None = None,
) -> Brief:
    """Only the tiers, of a text already in the target language."""
    settings = settings or resolve_settings()
    _, target_lang = check_languages("auto", target_lang)
    article, _ = _read_checked(source, settings, target_lang, target_lang, input_format)
    return make_brief(article.document, settings=settings, tiers=tiers, translate=False, target_lang=target_lang, progress=progress)


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
    tiers: str | None = None,
    source_lang: str = "auto",
    target_lang: str = "en",
    input_format: str = "auto",
    summarise: bool = True,
) -> dict[str, Any]:
    """What `brief` would do with `source`, without loading any model: the input's kind and
    size, its language, the models per step and whether each is present, and the tiers."""
    settings = settings or resolve_settings()
    check_languages(source_lang, target_lang)  # a bad code is refused before the prompts are read
    prompts = load_prompts(settings.prompts_dir) if summarise else {}
    chosen = select_tiers(prompts, tiers) if summarise else []
    article, target_lang = _read_checked(source, settings, source_lang, target_lang, input_format)
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
