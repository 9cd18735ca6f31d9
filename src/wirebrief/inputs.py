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
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .document import ParagraphKind, decode, read_source
from .errors import FetchError, InputError, UsageError

InputFormat = Literal["text", "html", "markdown", "docx"]
INPUT_FORMATS = ("auto", "text", "html", "markdown", "docx")

#: Seconds to wait for a web server, per connection step and for the whole body.
FETCH_TIMEOUT = 20.0
#: The largest web page wirebrief downloads; news pages are well under 2 MiB.
MAX_FETCH_BYTES = 10 * 1024 * 1024
#: Response types fetched pages may have, and the input kind each gives.
_FETCHABLE = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
}
_SUFFIXES: dict[str, InputFormat] = {
    ".html": "html", ".htm": "html", ".xhtml": "html", ".md": "markdown", ".markdown": "markdown",
    ".docx": "docx", ".txt": "text",
}  # fmt: skip


@dataclass(frozen=True)
class Block:
    """One heading or paragraph of a structured input, in reading order."""

    kind: ParagraphKind
    text: str


@dataclass(frozen=True)
class Source:
    """An input read and extracted: its text (plain kind) or blocks (structured kinds)."""

    name: str
    input_format: InputFormat
    encoding: str
    #: The decoded text of a plain-text input; None for structured kinds.
    text: str | None = None
    blocks: tuple[Block, ...] = ()
    title: str | None = None
    author: str | None = None
    date: str | None = None
    site: str | None = None
    url: str | None = None
    #: How the input was obtained: "file", "stdin" or "url".
    origin: str = "file"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def plain_text(self) -> str:
        """All of the article's text, paragraphs separated by blank lines (for detection)."""
        if self.text is not None:
            return self.text
        return "\n\n".join(block.text for block in self.blocks)


def is_url(source: str) -> bool:
    return bool(re.match(r"(?i)^https?://", str(source)))


# --------------------------------------------------------------------------------------------
# Reading


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
    kind = input_format if input_format != "auto" else sniff(data, name, content_kind)
    if kind == "docx":
        return from_docx(data, name, origin=origin)
    text, encoding = _decode(data, name, charset, html=kind == "html")
    if kind == "html":
        return from_html(text, name, url=url, encoding=encoding, origin=origin)
    if kind == "markdown":
        return from_markdown(text, name, encoding=encoding, origin=origin)
    return Source(name=name, input_format="text", encoding=encoding, text=text, url=url, origin=origin)


def _decode(data: bytes, name: str, charset: str | None, *, html: bool) -> tuple[str, str]:
    """Decode with the charset the server or the page declares, else as any text file."""
    declared = charset
    if declared is None and html:
        match = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", data[:4096], re.IGNORECASE)
        declared = match.group(1).decode("ascii", "replace") if match else None
    if declared and declared.lower().replace("_", "-") not in ("utf-8", "utf8"):
        try:
            decoded = data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown declaration: fall back on reading the bytes themselves
        else:
            return decode(decoded.encode("utf-8"), name)[0], declared.lower()
    return decode(data, name)


def sniff(data: bytes, name: str = "input", content_kind: str | None = None) -> InputFormat:
    """The input's kind from its content first, then the server's type, then the file name."""
    if data.startswith(b"PK\x03\x04"):
        archive = _zip_kind(data)
        if archive == "docx":
            return "docx"
        if archive == "broken":
            raise InputError(f"{name} is a damaged ZIP file (a Word document cut short?); it cannot be opened")
        raise InputError(f"{name} is a ZIP archive, not an article (a .docx needs word/document.xml)")
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")) or (head.startswith(b"<?xml") and b"<html" in head):
        return "html"
    sample = data[:65536].decode("utf-8", "replace")
    # Markdown may hold a few inline tags (links, <br>); its # headings are what HTML lacks.
    if _ATX_HEADING.search(sample):
        return "markdown"
    tags = re.findall(rb"</?(?:p|div|br|span|a|h[1-6]|article|body|head|section|li|ul|meta|title)\b[^>]*>", head)
    if len(tags) >= 4:
        return "html"
    if content_kind in ("html", "markdown"):
        return content_kind  # type: ignore[return-value]
    suffix = _SUFFIXES.get(Path(name).suffix.lower()) if name not in ("-", "<stdin>") else None
    if suffix == "markdown":
        return suffix
    if suffix == "html" and re.search(rb"<[a-zA-Z!/][^>]*>", head):
        return suffix  # a name says HTML, and there are tags: a fragment
    if _looks_like_markdown(sample):
        return "markdown"
    return "text"


def _zip_kind(data: bytes) -> str:
    """"docx" for a Word document, "zip" for another archive, "broken" for one that cannot be read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "docx" if "word/document.xml" in archive.namelist() else "zip"
    except zipfile.BadZipFile:
        return "broken"


_ATX_HEADING = re.compile(r"^#{1,6}[ \t]+\S", re.MULTILINE)
_MARKDOWN_SIGNS = (
    re.compile(r"^(?:[-*+]|\d+\.)[ \t]+\S", re.MULTILINE),  # list items
    re.compile(r"\[[^\]\n]+\]\([^)\s]+\)"),  # links
    re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__"),  # strong emphasis
    re.compile(r"^>[ \t]?\S", re.MULTILINE),  # block quotes
    re.compile(r"^```", re.MULTILINE),  # code fences
)


def _looks_like_markdown(text: str) -> bool:
    """An ATX heading, or two different Markdown constructs: one alone is often plain text."""
    if _ATX_HEADING.search(text):
        return True
    return sum(1 for sign in _MARKDOWN_SIGNS if sign.search(text)) >= 2


# --------------------------------------------------------------------------------------------
# URLs


def fetch(
    url: str, *, offline: bool = False, timeout: float = FETCH_TIMEOUT, max_bytes: int = MAX_FETCH_BYTES
) -> tuple[bytes, str, str | None, str]:
    """Download a page: (bytes, input kind, declared charset, final URL after redirects).

    Refuses in offline mode, on a network failure or timeout, on an HTTP error, on a response
    that is not a page of text, and on one larger than `max_bytes`: each with one clear line.
    """
    import http.client
    import urllib.error
    import urllib.request

    from . import __version__

    if offline:
        raise FetchError(f"cannot fetch {url}: offline mode is on", hint="save the page and pass the file, or use --online")
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": f"wirebrief/{__version__} (news translation; +https://pypi.org/project/wirebrief/)",
            "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,text/markdown;q=0.9",
        },
    )
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content_type = response.headers.get_content_type()
            kind = _FETCHABLE.get(content_type)
            if kind is None:
                raise FetchError(f"{url} is {content_type}, not a web page or text")
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchError(f"{url} is {_size(int(length))}, more than the {_size(max_bytes)} wirebrief fetches")
            chunks: list[bytes] = []
            received = 0
            while True:
                if time.monotonic() > deadline:
                    raise FetchError(f"{url} did not finish within {timeout:g} s")
                # read1 returns what has arrived, so a server that trickles bytes is still
                # stopped at the deadline; each wait is bounded by the socket timeout.
                chunk = response.read1(65536)
                if not chunk:
                    break
                received += len(chunk)
                if received > max_bytes:
                    raise FetchError(f"{url} is larger than the {_size(max_bytes)} wirebrief fetches")
                chunks.append(chunk)
            return b"".join(chunks), kind, response.headers.get_content_charset(), response.geturl()
    except urllib.error.HTTPError as error:
        raise FetchError(f"{url}: HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError):
            raise FetchError(f"{url} did not answer within {timeout:g} s") from None
        raise FetchError(f"cannot reach {url}: {reason}") from None
    except TimeoutError:
        raise FetchError(f"{url} did not answer within {timeout:g} s") from None
    except OSError as error:
        raise FetchError(f"cannot fetch {url}: {error.strerror or error}") from None
    except (ValueError, http.client.HTTPException) as error:  # a malformed URL, a broken response
        raise FetchError(f"cannot fetch {url}: {' '.join(str(error).split()) or type(error).__name__}") from None


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MiB" if count >= 1024 * 1024 else f"{count / 1024:.0f} KiB"


# --------------------------------------------------------------------------------------------
# HTML

_SUPERSCRIPT = re.compile(r"<sup\b[^>]*>\s*([^<]{1,8}?)\s*</sup>", re.IGNORECASE)
#: An extraction without a block of at least this many words found menus, not an article.
_ARTICLE_MIN_WORDS = 4


def from_html(html: str, name: str, *, url: str | None = None, encoding: str = "utf-8", origin: str = "file") -> Source:
    """The article of a web page, its structure and its metadata, via trafilatura."""
    import trafilatura

    # trafilatura drops <sup> but keeps its text, so "10<sup>6</sup>" would read "106".
    html = _SUPERSCRIPT.sub(r"^\1", html)
    extracted = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True,
        include_formatting=False, include_links=False, include_images=False,
    )
    found = _html_blocks(extracted.body) if extracted is not None and extracted.body is not None else []
    blocks = [block for block, _ in found]
    if not any(len(block.text.split()) >= _ARTICLE_MIN_WORDS and not _is_furniture(raw) for block, raw in found):
        raise InputError(
            f"{name} has no article text: only page furniture (menus, links, forms) was found",
            hint="the page may be an index or need JavaScript; save the article text and pass that",
        )
    title = _clean(extracted.title)
    if title and not any(_same(block.text, title) for block in blocks if block.kind == "heading"):
        # The page's headline sits outside the extracted body: put it first, so it is briefed too.
        blocks.insert(0, Block("heading", title))
    return Source(
        name=name, input_format="html", encoding=encoding, blocks=tuple(blocks), title=title,
        author=_clean(extracted.author), date=_clean(extracted.date), site=_clean(extracted.sitename),
        url=_clean(extracted.url) or url, origin=origin,
    )


#: Elements of trafilatura's XML that hold text of their own, as blocks of the article.
_BLOCK_TAGS = frozenset({"p", "head", "item", "quote", "list", "table", "row", "cell", "code"})


def _html_blocks(body) -> list[tuple[Block, str]]:  # body: lxml element in trafilatura's XML
    """Blocks in reading order, each with its raw text (line breaks kept, to spot menus)."""
    blocks: list[tuple[Block, str]] = []

    def add(kind: ParagraphKind, raw: str) -> None:
        text = " ".join(raw.split())
        if text:
            blocks.append((Block(kind, text), raw))

    def walk(element) -> None:
        tag = element.tag
        if tag == "head":
            add("heading", _element_text(element))
        elif tag == "list":
            for item in element.iterchildren("item"):
                add("paragraph", _element_text(item, skip=("list",)))
                for nested in item.iterchildren("list"):
                    walk(nested)
        elif tag == "table":
            for row in element.iter("row"):
                cells = [" ".join(_element_text(cell).split()) for cell in row.iterchildren("cell")]
                add("paragraph", " | ".join(cell for cell in cells if cell))
        elif tag == "quote" and any(child.tag in _BLOCK_TAGS for child in element):
            if (element.text or "").strip():
                add("paragraph", element.text or "")
            for child in element:
                walk(child) if child.tag in _BLOCK_TAGS else add("paragraph", _element_text(child))
                if (child.tail or "").strip():
                    add("paragraph", child.tail or "")
        else:  # p, quote, code and anything trafilatura adds later: paragraphs
            add("paragraph", _element_text(element))

    for element in body:
        walk(element)
    return blocks


def _element_text(element, skip: tuple[str, ...] = ()) -> str:
    """An element's text with a space where a line break or another block stood, so that no
    two words are glued together; children whose tag is in `skip` are left out (not their tail)."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == "lb":
            parts.append("\n")
        elif child.tag not in skip:
            inner = _element_text(child, skip)
            parts.append(f"\n{inner}\n" if child.tag in _BLOCK_TAGS else inner)
        parts.append(child.tail or "")
    return "".join(parts)


def _is_furniture(raw: str) -> bool:
    """A block that is a column of short lines (a menu or a link list pasted into one
    paragraph, as trafilatura's fallback does on pages without an article)."""
    lines = [line for line in raw.splitlines() if line.strip()]
    short = sum(1 for line in lines if len(line.split()) <= 3)
    return len(lines) >= 4 and short >= 0.6 * len(lines)


def _clean(value: str | None) -> str | None:
    if not value:
        return None
    value = " ".join(str(value).split())
    return value or None


def _same(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


# --------------------------------------------------------------------------------------------
# Markdown

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<body>.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)


def from_markdown(text: str, name: str, *, encoding: str = "utf-8", origin: str = "file") -> Source:
    """Headings and paragraphs of a Markdown text, via markdown-it (which rich already uses).

    Inline markup is dropped and links keep their text; list items, quotes and table rows
    become paragraphs. Front matter gives title, author and date.
    """
    from markdown_it import MarkdownIt

    meta: dict[str, str] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        for line in match.group("body").splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip().isidentifier():
                meta[key.strip().lower()] = value.strip().strip("\"'")
        text = text[match.end() :]
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text)
    blocks: list[Block] = []
    kind: ParagraphKind = "paragraph"
    row: list[str] = []
    in_cell = False
    for token in tokens:
        if token.type == "heading_open":
            kind = "heading"
        elif token.type == "heading_close":
            kind = "paragraph"
        elif token.type == "tr_open":
            row = []
        elif token.type in ("th_open", "td_open", "th_close", "td_close"):
            in_cell = token.type.endswith("_open")
        elif token.type == "tr_close":
            if any(row):
                blocks.append(Block("paragraph", " | ".join(row)))
        elif token.type == "inline":
            inline = _inline_text(token)
            if in_cell:
                row.append(inline)
            elif inline:
                blocks.append(Block(kind, inline))
        elif token.type in ("fence", "code_block", "html_block"):
            content = re.sub(r"<[^>]+>", " ", token.content) if token.type == "html_block" else token.content
            content = " ".join(content.split())
            if content:
                blocks.append(Block("paragraph", content))
    if not blocks:
        raise InputError(f"{name} has no text outside its Markdown markup")
    title = meta.get("title") or None
    if title and not any(_same(block.text, title) for block in blocks if block.kind == "heading"):
        blocks.insert(0, Block("heading", title))
    return Source(
        name=name, input_format="markdown", encoding=encoding, blocks=tuple(blocks), title=title,
        author=meta.get("author") or None, date=meta.get("date") or None, origin=origin,
    )


def _inline_text(token) -> str:
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "html_inline":
            # A line break or block tag separates words; inline tags (<a>, <b>) do not.
            parts.append(" " if re.match(r"</?(?:br|p|div|li|tr|td)\b", child.content, re.IGNORECASE) else "")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)  # the alt text
    return " ".join("".join(parts).split())


# --------------------------------------------------------------------------------------------
# Word


def from_docx(data: bytes, name: str, *, origin: str = "file") -> Source:
    """Headings, paragraphs and table rows of a Word document, in order, via python-docx."""
    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError:  # pragma: no cover - a dependency, but say what to do if it is gone
        raise InputError(f"{name} is a Word document and python-docx is not installed", hint="pip install python-docx") from None
    try:
        return _docx_source(docx.Document(io.BytesIO(data)), name, origin)
    except InputError:
        raise
    except (PackageNotFoundError, KeyError, ValueError, AttributeError, zipfile.BadZipFile, SyntaxError) as error:
        # lxml's XMLSyntaxError is a SyntaxError; a wrong root element shows as AttributeError.
        reason = " ".join(str(error).split())[:120] or type(error).__name__
        raise InputError(f"{name} is not a readable Word document ({reason})") from None


def _docx_source(document, name: str, origin: str) -> Source:
    from docx.table import Table
    from docx.text.paragraph import Paragraph as WordParagraph

    blocks: list[Block] = []
    for item in document.iter_inner_content():
        if isinstance(item, WordParagraph):
            text = " ".join(item.text.split())
            if not text:
                continue
            style = (item.style.name if item.style is not None else "") or ""
            heading = style.startswith(("Heading", "Title", "Subtitle", "Kop", "Titel"))
            blocks.append(Block("heading" if heading else "paragraph", text))
        elif isinstance(item, Table):
            for row in item.rows:
                # A merged cell is the same cell in every grid column it spans: take it once.
                # Neighbouring cells that merely hold the same text ("2 | 2") are both kept.
                seen: set[int] = set()
                unique = []
                for cell in row.cells:
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    text = " ".join(cell.text.split())
                    if text:
                        unique.append(text)
                if unique:
                    blocks.append(Block("paragraph", " | ".join(unique)))
    if not blocks:
        raise InputError(f"{name} is a Word document without text")
    # The creation date of a Word file is when its template was made, not the article's date:
    # only title and author are taken from its properties.
    properties = document.core_properties
    return Source(
        name=name, input_format="docx", encoding="utf-8", blocks=tuple(blocks), title=_clean(properties.title),
        author=_clean(properties.author), origin=origin,
    )


# --------------------------------------------------------------------------------------------
# To a document


def to_document(source: Source, language: str):  # -> document.Document
    """Segment an extracted input into paragraphs and sentences in `language`."""
    from dataclasses import replace

    from .document import Metadata, from_blocks, parse

    if source.text is not None:
        document = parse(source.text, language=language, source_name=source.name, encoding=source.encoding)
        return replace(document, metadata=replace(document.metadata, url=source.url))
    metadata = Metadata(
        source_name=source.name, date=source.date, encoding=source.encoding, input_format=source.input_format,
        title=source.title, author=source.author, site=source.site, url=source.url,
    )
    return from_blocks([(block.kind, block.text) for block in source.blocks], language=language, metadata=metadata)
