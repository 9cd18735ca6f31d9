"""The pipeline: read → segment → translate → summarise → check → `Brief`.

`Brief` is the one result every renderer consumes; `Brief.to_dict()` is the stable JSON shape
documented in the README.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from . import __version__
from .check import Finding, article_text, check_summaries, check_translation
from .config import DEFAULT_TRANSLATION_MODEL, Settings, resolve_settings
from .document import Document, Metadata, decode, parse, read_source
from .engine import Engine, known_cache_key, load_engine
from .errors import GenerationError, InputError, UsageError, WirebriefError
from .glossary import load_glossary
from .models import is_present, resolve
from .prompts import CHUNK_PROMPT, load_prompts, select_tiers
from .render import plural
from .summaries import Summaries
from .summaries import summarise as summarise_text
from .translation import TranslatedParagraph, TranslatedSentence, translate_documents, translation_params

#: The language pairs the default models cover. Other pairs need --translation-model.
SOURCE_LANGUAGES = ("nl",)
TARGET_LANGUAGES = ("en",)


class Progress(Protocol):
    """Where the pipeline reports what it is doing; the CLI shows it on stderr."""

    def stage(self, description: str) -> None: ...

    def advance(self, count: int) -> None: ...


class _Silent:
    def stage(self, description: str) -> None:
        pass

    def advance(self, count: int) -> None:
        pass


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
    #: False when the text was already in the target language (`summarise`).
    translated: bool = True

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
                    "sentences": [
                        {"source": sentence.source, "translation": sentence.translation}
                        for sentence in paragraph.sentences
                    ],
                }
                for paragraph in self.paragraphs
            ],
            "translation": self.translation,
            "summaries": {tier.name: tier.value for tier in self.summaries.tiers} if self.summaries else {},
            "findings": [finding.as_dict() for finding in self.findings],
            "provenance": self.provenance,
        }


def read_document(
    source: str | Path,
    *,
    source_lang: str = "auto",
    expected: str = "nl",
    text: str | None = None,
    data: bytes | None = None,
) -> tuple[Document, dict[str, Any] | None]:
    """Read and parse one article (path or ``-``), confirming its language when asked to detect.

    `data` (raw bytes) or `text` (already decoded) stand in for reading `source`, which then
    only names the article. Returns the document and the detection ({language, confidence})
    when one was made.
    """
    if data is not None:
        name = str(source)
        text, encoding = decode(data, name)
    elif text is None:
        data, name = read_source(source)
        text, encoding = decode(data, name)
    else:
        name, encoding = str(source), "utf-8"
    language = expected if source_lang == "auto" else source_lang
    document = parse(text, language=language, source_name=name, encoding=encoding)
    detected = None
    if source_lang == "auto":
        from .detect import confirm_language

        found = confirm_language(document.text, expected, name)
        detected = {"language": found.language, "confidence": round(found.confidence, 4)}
    return document, detected


def check_languages(settings: Settings, source_lang: str, target_lang: str) -> None:
    """Refuse language pairs the configured models do not cover."""
    if target_lang not in TARGET_LANGUAGES:
        raise UsageError(f"target language {target_lang!r} is not supported yet", hint="use --target-lang en")
    if source_lang not in ("auto", *SOURCE_LANGUAGES) and settings.translation_model == DEFAULT_TRANSLATION_MODEL:
        raise UsageError(
            f"the default translation model translates Dutch (nl), not {source_lang!r}",
            hint="pass --translation-model with a model for that language",
        )


#: One cache object per file per process, shared by every engine that uses it.
_CACHES: dict[Path, Any] = {}


def _engine(settings: Settings, role: str) -> Engine:
    """The engine for a role, behind the generation cache unless it is switched off."""
    name = settings.translation_model if role == "translation" else settings.summary_model
    ref = resolve(name)

    def make() -> Engine:
        return load_engine(
            ref, role=role, engine=settings.engine, device=settings.device, offline=settings.offline,
            max_batch_tokens=settings.max_batch_tokens, batch_size=settings.batch_size,
        )

    if not settings.use_cache:
        return make()
    from .cache import CachedEngine, DeferredEngine, GenerationCache, default_cache_path

    path = settings.cache or default_cache_path()
    cache = _CACHES.get(path)
    if cache is None:
        cache = _CACHES[path] = GenerationCache(path)
    # Where the engine's identity is known up front, it is made only if the cache cannot answer.
    key = known_cache_key(ref, settings.engine, settings.device) if ref.is_local or is_present(ref) else None
    inner = DeferredEngine(key, ref.location, make, cache) if key else make()
    return CachedEngine(inner, cache)


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
    """Brief many articles: all their sentences translated in one pooled, length-sorted call,
    then each article's tiers; yields each result, in order, as soon as it is done.

    A failure that belongs to one article (its tiers could not be made) is yielded in its place
    as the error, so one bad article does not stop the others. `engines` may supply ready
    engines by role ("translation", "summary"); engines loaded here are added to it, so a
    caller passing the same dict again reuses them.
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

    translate_seconds = 0.0
    translation_models: dict[str, Any] = {}
    params = translation_params(num_beams=settings.num_beams)
    if translate and documents:
        progress.stage("Loading translation model")
        if "translation" not in engines:
            engines["translation"] = _engine(settings, "translation")
        engine = engines["translation"]
        sentences = sum(document.sentence_count for document in documents)
        progress.stage(f"Translating {plural(sentences, 'sentence')}")
        step = time.perf_counter()
        translated = translate_documents(documents, engine, params, progress.advance, settings.retries)
        translate_seconds = time.perf_counter() - step
        translation_models = _describe(engine)
    else:
        translated = [
            [
                TranslatedParagraph(
                    paragraph.index, paragraph.kind, paragraph.text,
                    tuple(TranslatedSentence(sentence, sentence) for sentence in paragraph.sentences),
                )
                for paragraph in document.paragraphs
            ]
            for document in documents
        ]

    for article, paragraphs in zip(articles, translated):
        started = time.perf_counter()
        document = article.document
        timings: dict[str, float] = {}
        provenance: dict[str, Any] = {**provenance_base, "models": {}, "generation": {}}
        if translate:
            timings["translate_seconds"] = translate_seconds
            provenance["models"]["translation"] = translation_models
            provenance["generation"]["translation"] = {**params.as_dict(), "retries": settings.retries}
        findings = check_translation(
            [len(p.sentences) for p in document.paragraphs], paragraphs,
            source_lang=document.language, target_lang=target_lang, glossary=glossary,
        ) if translate else []
        summaries = None
        if chosen:
            progress.stage("Loading summary model")
            if "summary" not in engines:
                engines["summary"] = _engine(settings, "summary")
            engine = engines["summary"]
            progress.stage(f"Summarising: {', '.join(prompt.name for prompt in chosen)}")
            step = time.perf_counter()
            try:
                summaries = summarise_text(
                    [paragraph.translation for paragraph in paragraphs], chosen, engine, prompts[CHUNK_PROMPT],
                    language=target_lang, progress=progress.advance,
                )
            except (GenerationError, InputError) as error:
                yield error
                continue
            timings["summarise_seconds"] = time.perf_counter() - step
            provenance["models"]["summary"] = _describe(engine)
            provenance["generation"].update({prompt.name: prompt.params.as_dict() for prompt in chosen})
            provenance["prompts"] = {prompt.name: str(prompt.path) for prompt in chosen}
            provenance["summary_input"] = {"chunks_condensed": summaries.chunks, "condense_rounds": summaries.rounds}
            findings += check_summaries(
                summaries, article=article_text(paragraphs), source=document.text if translate else None,
                source_lang=document.language, target_lang=target_lang, glossary=glossary,
            )
        timings["total_seconds"] = translate_seconds + time.perf_counter() - started
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
            translated=translate,
        )


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


def _from_source(
    source: str | Path,
    settings: Settings | None,
    source_lang: str,
    target_lang: str,
    progress: Progress | None,
    **options: Any,
) -> Brief:
    settings = settings or resolve_settings()
    check_languages(settings, source_lang, target_lang)
    document, detected = read_document(source, source_lang=source_lang)
    return make_brief(document, settings=settings, detected=detected, target_lang=target_lang, progress=progress, **options)


def brief(
    source: str | Path,
    *,
    settings: Settings | None = None,
    tiers: str | None = None,
    source_lang: str = "auto",
    target_lang: str = "en",
    progress: Progress | None = None,
) -> Brief:
    """Translate an article file (or ``-`` for stdin) and make its tiers: the main job."""
    return _from_source(source, settings, source_lang, target_lang, progress, tiers=tiers)


def translate(
    source: str | Path,
    *,
    settings: Settings | None = None,
    source_lang: str = "auto",
    target_lang: str = "en",
    progress: Progress | None = None,
) -> Brief:
    """Only the translation of an article; the Brief has no summaries."""
    return _from_source(source, settings, source_lang, target_lang, progress, summarise=False)


def summarise(
    source: str | Path,
    *,
    settings: Settings | None = None,
    tiers: str | None = None,
    target_lang: str = "en",
    progress: Progress | None = None,
) -> Brief:
    """Only the tiers, of a text already in the target language."""
    settings = settings or resolve_settings()
    check_languages(settings, "auto", target_lang)
    document, _ = read_document(source, source_lang=target_lang)
    return make_brief(document, settings=settings, tiers=tiers, translate=False, target_lang=target_lang, progress=progress)


