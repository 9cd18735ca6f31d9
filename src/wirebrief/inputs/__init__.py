"""Inputs of every kind: plain text, HTML (a saved page, or fetched from a URL), Markdown and
Word (.docx), each turned into text blocks and metadata before segmentation.

The kind is found from the content (a ZIP with a Word body is .docx, a doctype or a handful of
tags is HTML, ATX headings are Markdown) and only then from the file name; `--input-format`
forces it. Plain text keeps the reading rules of `document.parse`. The structured kinds give
headings and paragraphs explicitly, so their structure survives exactly.

HTML goes through trafilatura, the maintained extraction library most used for news pages: it
keeps the article and drops page furniture (navigation, cookie banners, related links,
comments) and reads title, author, date and site. That furniture is the one thing wirebrief
leaves out on purpose; `--input-format text` keeps a page as it is.

One module per step: `sniff` tells the kind, `fetch` downloads a URL, `text`, `webpage`,
`markdown` and `word` read one kind each into a `source.Source`; `document` segments it. A new
kind is a module here that returns a `Source`, a branch in `_extract` and its signs in `sniff`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from wirebrief.errors import UsageError
from wirebrief.inputs.document import (
    Document,
    Metadata,
    check_article_size,
    check_input_size,
    from_blocks,
    parse,
    read_source,
)
from wirebrief.inputs.fetch import FETCH_TIMEOUT, MAX_FETCH_BYTES, fetch, is_url
from wirebrief.inputs.markdown import from_markdown
from wirebrief.inputs.sniff import sniff
from wirebrief.inputs.source import INPUT_FORMATS, Block, InputFormat, Source
from wirebrief.inputs.text import decode_declared
from wirebrief.inputs.webpage import from_html
from wirebrief.inputs.word import MAX_DOCX_PARTS, MAX_DOCX_RATIO, MAX_DOCX_UNPACKED_BYTES, from_docx

__all__ = [
    "FETCH_TIMEOUT", "INPUT_FORMATS", "MAX_DOCX_PARTS", "MAX_DOCX_RATIO", "MAX_DOCX_UNPACKED_BYTES",
    "MAX_FETCH_BYTES", "Block", "InputFormat", "Source", "fetch", "from_docx", "from_html", "from_markdown",
    "is_url", "read_input", "sniff", "to_document",
]  # fmt: skip


def read_input(
    source: str | Path,
    *,
    input_format: str = "auto",
    offline: bool = False,
    data: bytes | None = None,
    timeout: float = FETCH_TIMEOUT,
    max_bytes: int = MAX_FETCH_BYTES,
) -> Source:
    """Read a file, ``-`` (stdin) or an http(s) URL and extract its article text.

    `data` stands in for reading `source`, which then only names the input.
    """
    if input_format not in INPUT_FORMATS:
        raise UsageError(f"unknown input format {input_format!r}", hint=f"choose from {', '.join(INPUT_FORMATS)}")
    source = str(source)
    content_kind: str | None = None
    charset: str | None = None
    url: str | None = None
    origin = "stdin" if source == "-" else "file"
    if data is not None:
        name = source
    elif is_url(source):
        data, content_kind, charset, url = fetch(source, offline=offline, timeout=timeout, max_bytes=max_bytes)
        name, origin = source, "url"
    else:
        data, name = read_source(source)
    # Here, not only in read_source: batch hands in what it read, and the limit is per input.
    check_input_size(len(data), name)
    kind = input_format if input_format != "auto" else sniff(data, name, content_kind)
    extracted = _extract(data, name, kind, charset=charset, url=url, origin=origin)
    check_article_size(extracted.plain_text, name)
    return extracted


def _extract(data: bytes, name: str, kind: str, *, charset: str | None, url: str | None, origin: str) -> Source:
    if kind == "docx":
        return from_docx(data, name, origin=origin)
    text, encoding = decode_declared(data, name, charset, html=kind == "html")
    if kind == "html":
        return from_html(text, name, url=url, encoding=encoding, origin=origin)
    if kind == "markdown":
        return from_markdown(text, name, encoding=encoding, origin=origin)
    return Source(name=name, input_format="text", encoding=encoding, text=text, url=url, origin=origin)


def to_document(source: Source, language: str) -> Document:
    """Segment an extracted input into paragraphs and sentences in `language`."""
    if source.text is not None:
        document = parse(source.text, language=language, source_name=source.name, encoding=source.encoding)
        return replace(document, metadata=replace(document.metadata, url=source.url))
    metadata = Metadata(
        source_name=source.name, date=source.date, encoding=source.encoding, input_format=source.input_format,
        title=source.title, author=source.author, site=source.site, url=source.url,
    )
    return from_blocks([(block.kind, block.text) for block in source.blocks], language=language, metadata=metadata)
