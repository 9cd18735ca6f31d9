"""The pipeline's first step: an article read, its language found, segmented (`Article`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from wirebrief.config import Settings
from wirebrief.inputs.document import Document, decode
from wirebrief.routing import check_code


@dataclass(frozen=True)
class Article:
    """A parsed article on its way into a brief, with its language detection if one was made."""

    document: Document
    detected: dict[str, Any] | None = None


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


def read_checked(
    source: str | Path, settings: Settings, source_lang: str, target_lang: str, input_format: str
) -> tuple[Article, str]:
    """Check the language codes, then read the article (fetching a URL unless offline);
    returns it with the normalised target language."""
    source_lang, target_lang = check_languages(source_lang, target_lang)
    article = read_article(source, source_lang=source_lang, input_format=input_format, offline=settings.fetch_offline)
    return article, target_lang
