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

import codecs
import io
import logging
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from wirebrief.errors import FetchError, InputError, UsageError
from wirebrief.inputs.document import (
    ParagraphKind,
    check_article_size,
    check_input_size,
    decode,
    read_source,
    size_text,
)

InputFormat = Literal["text", "html", "markdown", "docx"]
INPUT_FORMATS = ("auto", "text", "html", "markdown", "docx")

#: Seconds a download may take in all: connecting, the headers and the body.
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
    # Here, not only in read_source: batch hands in what it read, and the limit is per input.
    check_input_size(len(data), name)
    kind = input_format if input_format != "auto" else sniff(data, name, content_kind)
    extracted = _extract(data, name, kind, charset=charset, url=url, origin=origin)
    check_article_size(extracted.plain_text, name)
    return extracted


def _extract(data: bytes, name: str, kind: str, *, charset: str | None, url: str | None, origin: str) -> Source:
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
    utf8 = declared is not None and declared.lower().replace("_", "-") in ("utf-8", "utf8")
    if declared and not utf8 and not _utf8_despite(declared, data):
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
    suffix = _SUFFIXES.get(Path(name).suffix.lower()) if name not in ("-", "<stdin>") else None
    head = _skip_prelude(data[:65536]).lower()
    if head.startswith((b"<!doctype html", b"<html")) or content_kind == "html":
        return "html"
    # A saved page may carry kilobytes of inline script or style before its first body tag.
    if suffix != "markdown" and _HTML_ROOT.search(head):
        return "html"
    sample = data[:65536].decode("utf-8", "replace")
    # Markdown may hold a few inline tags (links, <br>); its # headings are what HTML lacks.
    if _has_headings(sample, strict=suffix != "markdown"):
        return "markdown"
    if len(_COMMON_TAGS.findall(head[:4096])) >= 4:
        return "html"
    if content_kind == "markdown" or suffix == "markdown":
        return "markdown"
    if suffix == "html" and re.search(rb"<[a-zA-Z!/][^>]*>", head[:4096]):
        return suffix  # a name says HTML, and there are tags: a fragment
    if _looks_like_markdown(sample):
        return "markdown"
    return "text"


#: A root tag where markup starts a line: prose that mentions "<body>" mid-sentence is not a page.
_HTML_ROOT = re.compile(rb"(?m)^[ \t]*(?:<[^>\n]*>[ \t]*)*<(?:!doctype\s+html|html|body)[\s>]")
_COMMON_TAGS = re.compile(rb"</?(?:p|div|br|span|a|h[1-6]|article|body|head|section|li|ul|meta|title)\b[^>]*>")
_PRELUDE = re.compile(rb"\A(?:\s|\xef\xbb\xbf|<!--.*?-->|<\?.*?\?>)+", re.DOTALL)


def _skip_prelude(data: bytes) -> bytes:
    """The bytes from the first real markup on: pages saved by browsers or tools often open
    with a BOM, a comment ("saved from url=...") or an XML declaration before the doctype."""
    match = _PRELUDE.match(data)
    return data[match.end() :] if match else data


def _utf8_despite(declared: str, data: bytes) -> bool:
    """Whether bytes that declare a single-byte charset are UTF-8 all the same.

    A template's stale meta tag or a server's default often says latin-1 over UTF-8 text, which
    would then read "FinanciÃ«n". Text really in a single-byte charset with accented letters is
    practically never valid UTF-8, so valid UTF-8 with non-ASCII bytes settles it.
    """
    try:
        charset = codecs.lookup(declared).name
    except LookupError:
        return False
    if not re.fullmatch(r"ascii|latin-?1|iso8859-\d+|cp125\d", charset) or data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _zip_kind(data: bytes) -> str:
    """"docx" for a Word document, "zip" for another archive, "broken" for one that cannot be read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "docx" if "word/document.xml" in archive.namelist() else "zip"
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "broken"


#: An ATX heading; a line of only #s and spaces ("# # #", the end mark of a press release) is not.
_ATX_HEADING = re.compile(r"^#{1,6}[ \t]+(?![# \t\r]*$)\S", re.MULTILINE)
_MARKDOWN_SIGNS = (
    re.compile(r"^(?:[-*+]|\d+\.)[ \t]+\S", re.MULTILINE),  # list items
    re.compile(r"\[[^\]\n]+\]\([^)\s]+\)"),  # links
    re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__"),  # strong emphasis
    re.compile(r"^>[ \t]?\S", re.MULTILINE),  # block quotes
    re.compile(r"^```", re.MULTILINE),  # code fences
)


def _looks_like_markdown(text: str) -> bool:
    """ATX headings, or two different Markdown constructs: one alone is often plain text."""
    if _has_headings(text, strict=True):
        return True
    return sum(1 for sign in _MARKDOWN_SIGNS if sign.search(text)) >= 2


def _has_headings(text: str, *, strict: bool) -> bool:
    """Whether `text` has ATX headings; `strict` (an input not named .md) asks for two of them,
    or one on the first line: a single "# ..." line further down is as likely plain text."""
    headings = _ATX_HEADING.findall(text)
    if not strict or len(headings) >= 2:
        return bool(headings)
    first = next((line for line in text.lstrip("\ufeff").splitlines() if line.strip()), "")
    return bool(_ATX_HEADING.match(first))


# --------------------------------------------------------------------------------------------
# URLs


def fetch(
    url: str, *, offline: bool = False, timeout: float = FETCH_TIMEOUT, max_bytes: int = MAX_FETCH_BYTES
) -> tuple[bytes, str, str | None, str]:
    """Download a page: (bytes, input kind, declared charset, final URL after redirects).

    Refuses in offline mode, on a network failure, on an HTTP error, on a redirect away from
    http(s), on a response that is not a page of text, on one larger than `max_bytes` (after
    gzip decompression too), and when the whole exchange, headers included, takes longer than
    `timeout` seconds: each with one clear line.
    """
    import http.client

    if offline:
        raise FetchError(f"cannot fetch {url}: offline mode is on", hint="save the page and pass the file, or use --online")
    with _Deadline(timeout) as deadline:
        try:
            return _download(url, deadline, max_bytes)
        except (OSError, ValueError, http.client.HTTPException) as error:
            if deadline.expired:
                raise deadline.error(url) from None
            raise _fetch_error(url, error, timeout) from None


def _download(url: str, deadline: _Deadline, max_bytes: int) -> tuple[bytes, str, str | None, str]:
    import urllib.request

    from wirebrief import __version__

    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": f"wirebrief/{__version__} (news translation; +https://pypi.org/project/wirebrief/)",
            "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,text/markdown;q=0.9",
            "Accept-Encoding": "gzip",
        },
    )
    with _opener(deadline).open(request, timeout=deadline.seconds) as response:
        # Headers cut off by the watchdog read as complete to http.client: only headers that
        # came in time are an answer.
        deadline.answered = not deadline.expired
        content_type = response.headers.get_content_type()
        kind = _FETCHABLE.get(content_type)
        if kind is None:
            raise FetchError(f"{url} is {content_type}, not a web page or text")
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > max_bytes:
            raise FetchError(f"{url} is {size_text(int(length))}, more than the {size_text(max_bytes)} wirebrief fetches")
        body = _body(response, url, deadline, max_bytes)
        return body, kind, response.headers.get_content_charset(), response.geturl()


def _body(response, url: str, deadline: _Deadline, max_bytes: int) -> bytes:  # response: http.client's
    """The response's body, decompressed if the server gzipped it, refused past `max_bytes`
    (sent or decompressed) and past the deadline."""
    encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
        raise FetchError(f"{url} is sent encoded as {encoding}, which wirebrief cannot read")
    # 47: a gzip or a zlib header, whichever the server wrote ("deflate" is often either).
    inflater = zlib.decompressobj(47) if encoding != "identity" else None
    chunks: list[bytes] = []
    sent = received = 0
    while not deadline.expired:
        # read1 returns what has arrived, so a server that trickles bytes is still stopped at
        # the deadline; between reads the deadline's watchdog closes the connection.
        chunk = response.read1(65536)
        if not chunk:
            break
        sent += len(chunk)
        if inflater is not None:
            chunk = _inflate(inflater, chunk, max_bytes - received, url)
        received += len(chunk)
        if sent > max_bytes or received > max_bytes:
            raise FetchError(f"{url} is larger than the {size_text(max_bytes)} wirebrief fetches")
        chunks.append(chunk)
    if deadline.expired:
        raise deadline.error(url)
    if inflater is not None and not inflater.eof:
        raise FetchError(f"{url}: the compressed page was cut short")
    if inflater is not None and inflater.unused_data:  # a second gzip member: rare, never dropped
        raise FetchError(f"{url}: the page is compressed in several parts, which wirebrief cannot read")
    return b"".join(chunks)


def _inflate(inflater, chunk: bytes, room: int, url: str) -> bytes:  # inflater: zlib's
    """A chunk decompressed, never to more than one byte past `room` (what a bomb would need)."""
    try:
        return inflater.decompress(chunk, max(room, 0) + 1)
    except zlib.error as error:
        raise FetchError(f"{url}: the compressed page cannot be read ({error})") from None


def _fetch_error(url: str, error: Exception, timeout: float) -> FetchError:
    import urllib.error

    if isinstance(error, urllib.error.HTTPError):
        return FetchError(f"{url}: HTTP {error.code} {error.reason}")
    if isinstance(error, urllib.error.URLError):
        if isinstance(error.reason, TimeoutError):
            return FetchError(f"{url} did not answer within {timeout:g} s")
        return FetchError(f"cannot reach {url}: {error.reason}")
    if isinstance(error, TimeoutError):
        return FetchError(f"{url} did not answer within {timeout:g} s")
    if isinstance(error, OSError) and error.strerror:
        return FetchError(f"cannot fetch {url}: {error.strerror}")
    # A malformed URL, a broken response.
    return FetchError(f"cannot fetch {url}: {' '.join(str(error).split()) or type(error).__name__}")


class _Deadline:
    """A watchdog over one download: when its time is up it shuts every connection the
    download opened, so that no read (headers sent a byte a second) waits any longer."""

    def __init__(self, seconds: float) -> None:
        import threading

        self.seconds = seconds
        self.expired = False
        #: Whether the headers had come in: what the error then says.
        self.answered = False
        self._sockets: list = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._timer.cancel()

    def error(self, url: str) -> FetchError:
        return FetchError(f"{url} did not {'finish' if self.answered else 'answer'} within {self.seconds:g} s")

    def watch(self, sock) -> None:
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock) -> None:
    import socket

    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by the other side: nothing left to stop


def _opener(deadline: _Deadline):  # -> urllib.request.OpenerDirector
    """http(s) only (no ftp, file or data, not even by a redirect), each connection watched."""
    import urllib.request

    class Watched:
        def do_open(self, http_class, request, **kwargs):
            def connection(host, **args):
                conn = http_class(host, **args)
                create = conn._create_connection  # how http.client opens its socket, TLS or not

                def create_watched(*a, **k):
                    sock = create(*a, **k)
                    deadline.watch(sock)
                    return sock

                conn._create_connection = create_watched
                return conn

            return super().do_open(connection, request, **kwargs)

    class Plain(Watched, urllib.request.HTTPHandler):
        pass

    class Secure(Watched, urllib.request.HTTPSHandler):
        pass

    class Redirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, request, fp, code, msg, headers, newurl):
            if not is_url(newurl):
                raise FetchError(f"{request.full_url} redirects to {newurl}, not to a web address (http or https)")
            return super().redirect_request(request, fp, code, msg, headers, newurl)

    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(), urllib.request.UnknownHandler(), Plain(), Secure(), Redirects(),
        urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPErrorProcessor(),
    ):  # fmt: skip
        opener.add_handler(handler)
    return opener


# --------------------------------------------------------------------------------------------
# HTML

_CAPTIONED_FIGURE = re.compile(
    r"<figure\b[^>]*>(?:(?!</figure>).)*?<figcaption\b[^>]*>((?:(?!</figcaption>).)*)</figcaption>(?:(?!</figure>).)*?</figure>",
    re.IGNORECASE | re.DOTALL,
)
_SUPERSCRIPT = re.compile(r"<sup\b[^>]*>\s*([^<]{1,8}?)\s*</sup>", re.IGNORECASE)
#: An extraction without a block of at least this many words found menus, not an article.
_ARTICLE_MIN_WORDS = 4
#: A document with one of these tags is a page; without, a fragment (an article body).
_PAGE_TAG = re.compile(r"<(?:html|body)\b", re.IGNORECASE)
#: A line break followed by another: the gap between two paragraphs written with <br><br>.
_DOUBLE_BREAK = re.compile(r"(<br\b[^>]*>)(?=(?:\s|&nbsp;|&#160;)*<br\b)", re.IGNORECASE)
#: A private-use character that stands for that gap while trafilatura works: it drops a
#: <br> with no text after it, so <br><br> would come back as one line break.
_GAP = "\ue000"
#: Paragraphs of one block of trafilatura's XML: two line breaks in a row end one.
_BLANK_LINE = re.compile(r"\n\s*\n")


def from_html(html: str, name: str, *, url: str | None = None, encoding: str = "utf-8", origin: str = "file") -> Source:
    """The article of a web page, its structure and its metadata, via trafilatura.

    A fragment (no <html> or <body>: an article body on stdin or in a JSONL record) has no
    page furniture to remove, and trafilatura's choices would drop some of its text (a
    paragraph that is one link, a short list), so it is read block by block as it is.
    """
    if not _PAGE_TAG.search(html):
        blocks = _fragment_blocks(html, name)
        if not blocks:
            raise InputError(f"{name} is HTML without any text")
        return Source(name=name, input_format="html", encoding=encoding, blocks=tuple(blocks), url=url, origin=origin)
    extracted = _extract_html(html, name, url)
    found = _html_blocks(extracted.body) if extracted is not None and extracted.body is not None else []
    blocks = [block for block, _ in found]
    if not any(len(block.text.split()) >= _ARTICLE_MIN_WORDS and not _is_furniture(raw) for block, raw in found):
        raise InputError(
            f"{name} has no article text: only page furniture (menus, links, forms) was found",
            hint="the page may be an index or need JavaScript; save the article text and pass that",
        )
    title = _clean(extracted.title)
    if title and not _has_title(blocks, title):
        # The page's headline sits outside the extracted body: put it first, so it is briefed too.
        blocks.insert(0, Block("heading", title))
    return Source(
        name=name, input_format="html", encoding=encoding, blocks=tuple(blocks), title=title,
        author=_clean(extracted.author), date=_clean(extracted.date), site=_clean(extracted.sitename),
        url=_clean(extracted.url) or url, origin=origin,
    )


def _extract_html(html: str, name: str, url: str | None):  # -> trafilatura's Document or None
    import trafilatura

    # trafilatura drops <sup> but keeps its text, so "10<sup>6</sup>" would read "106".
    html = _SUPERSCRIPT.sub(r"^\1", html)
    # It also drops a figure's caption, which is the article's text: keep it as a paragraph.
    html = _CAPTIONED_FIGURE.sub(r"<p>\1</p>", html)
    if _GAP not in html:
        html = _DOUBLE_BREAK.sub(r"\1" + _GAP, html)
    try:
        with _libraries_quiet():
            return trafilatura.bare_extraction(
                html, url=url, with_metadata=True, include_comments=False, include_tables=True,
                include_formatting=False, include_links=False, include_images=False,
                # Only a date the page states for the article: the wider search takes any year on
                # the page, so a "© 2019" footer would date an undated article 1 January 2019.
                date_extraction_params={"extensive_search": False, "original_date": True},
            )  # fmt: skip
    except Exception as error:  # noqa: BLE001 - lxml and htmldate assert on some broken markup
        reason = " ".join(str(error).split())[:120] or type(error).__name__
        raise InputError(f"{name} cannot be read as HTML ({reason})") from None


#: The libraries that read a page for trafilatura. Their warnings ("discarding data: None") are
#: about their own choices, not the article, and wirebrief says in one line what went wrong.
_LIBRARY_LOGGERS = (
    "trafilatura", "htmldate", "courlan", "justext", "readability", "lxml_html_clean", "charset_normalizer",
)  # fmt: skip


@contextmanager
def _libraries_quiet() -> Iterator[None]:
    """Silence the HTML libraries' logging for a while, unless wirebrief's own debugging is on
    (`--debug`): then their reasons help, and they are shown."""
    if logging.getLogger("wirebrief").isEnabledFor(logging.DEBUG):
        yield
        return
    loggers = [logging.getLogger(name) for name in _LIBRARY_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


#: HTML elements that start a new block of text, and those that hold none for a reader.
_HTML_BLOCKS = frozenset({
    "p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote", "ul", "ol",
    "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "figure", "figcaption", "pre",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "address", "details", "summary", "caption", "center",
})  # fmt: skip
_HTML_SILENT = frozenset({"script", "style", "noscript", "template", "head", "title", "meta", "link"})


def _fragment_blocks(html: str, name: str) -> list[Block]:
    """Every text of an HTML fragment, in order: headings, and a paragraph per block element
    (list item, table row with its cells joined by " | ", <br><br> gaps); scripts and styles
    hold no text for a reader and are left out."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        root = lxml_html.fragment_fromstring(_SUPERSCRIPT.sub(r"^\1", html), create_parent="div")
    except (etree.ParserError, ValueError) as error:
        raise InputError(f"{name} cannot be read as HTML ({' '.join(str(error).split())[:120]})") from None
    blocks: list[Block] = []
    pending: list[str] = []

    def flush(kind: ParagraphKind = "paragraph") -> None:
        for part in _BLANK_LINE.split("".join(pending)):
            text = " ".join(part.split())
            if text:
                blocks.append(Block(kind, text))
        pending.clear()

    def walk(element) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if tag in _HTML_SILENT or not tag:  # comments and processing instructions too
            pending.append(element.tail or "")
            return
        if tag == "br":
            pending.append("\n" + (element.tail or ""))
            return
        if tag == "tr":
            flush()
            cells = [" ".join(cell.text_content().split()) for cell in element if isinstance(cell.tag, str)]
            pending.append(" | ".join(cell for cell in cells if cell))
            flush()
            pending.append(element.tail or "")
            return
        block = tag in _HTML_BLOCKS
        if block:
            flush()
        pending.append(element.text or "")
        for child in element:
            walk(child)
        if block:
            flush("heading" if re.fullmatch(r"h[1-6]", tag) else "paragraph")
        pending.append(element.tail or "")

    walk(root)
    flush()
    return blocks


#: Elements of trafilatura's XML that hold text of their own, as blocks of the article.
_BLOCK_TAGS = frozenset({"p", "head", "item", "quote", "list", "table", "row", "cell", "code"})


def _html_blocks(body) -> list[tuple[Block, str]]:  # body: lxml element in trafilatura's XML
    """Blocks in reading order, each with its raw text (line breaks kept, to spot menus)."""
    blocks: list[tuple[Block, str]] = []

    def add(kind: ParagraphKind, raw: str) -> None:
        # Paragraphs written with <br><br> inside one <p> or <div> are paragraphs on screen.
        raw = raw.replace(_GAP, "\n")
        for part in [raw] if kind == "heading" else _BLANK_LINE.split(raw):
            text = " ".join(part.split())
            if text:
                blocks.append((Block(kind, text), part))

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
    return "".join(parts).replace(_GAP, "\n")


def _is_furniture(raw: str) -> bool:
    """A block that is a column of short lines (a menu or a link list pasted into one
    paragraph, as trafilatura's fallback does on pages without an article)."""
    lines = [line for line in raw.splitlines() if line.strip()]
    short = sum(1 for line in lines if len(line.split()) <= 3)
    return len(lines) >= 4 and short >= 0.6 * len(lines)


def _clean(value: str | None) -> str | None:
    if not value:
        return None
    value = " ".join(str(value).replace(_GAP, " ").split())
    return value or None


def _has_title(blocks: list[Block], title: str) -> bool:
    """Whether the text already holds its title, as a heading or as a paragraph (a bold line,
    an HTML <h1> in Markdown), however its quotes, dashes, case or spaces are written: only
    its letters and digits are compared, so that the title is not briefed twice."""
    wanted = _letters(title)
    return bool(wanted) and any(_letters(block.text) == wanted for block in blocks)


def _letters(text: str) -> str:
    return "".join(char for char in text.casefold() if char.isalnum())


# --------------------------------------------------------------------------------------------
# Markdown

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<body>.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
#: A front matter field: `key: value`, or `key:` with its value on the lines below.
_META_FIELD = re.compile(r"(?P<key>[^\W\d][\w-]*):(?:[ \t]+(?P<value>.*?))?[ \t]*")
#: A YAML block scalar's indicator (`>` folded, `|` literal, with chomping and indentation marks).
_BLOCK_SCALAR = re.compile(r"[>|][-+0-9]*(?:[ \t]+#.*)?")


def from_markdown(text: str, name: str, *, encoding: str = "utf-8", origin: str = "file") -> Source:
    """Headings and paragraphs of a Markdown text, via markdown-it (which rich already uses).

    Inline markup is dropped and links keep their text; list items, quotes and table rows
    become paragraphs. Front matter gives title, author and date.
    """
    from markdown_it import MarkdownIt

    meta: dict[str, str] = {}
    match = _FRONT_MATTER.match(text)
    fields = _front_matter(match.group("body")) if match else None
    if match and fields is not None:
        meta, text = fields, text[match.end() :]
    blocks = _markdown_blocks(MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text))
    if not blocks:
        raise InputError(f"{name} has no text outside its Markdown markup")
    title = _clean(meta.get("title"))
    if title and not _has_title(blocks, title):
        blocks.insert(0, Block("heading", title))
    return Source(
        name=name, input_format="markdown", encoding=encoding, blocks=tuple(blocks), title=title,
        author=_clean(meta.get("author")), date=_clean(meta.get("date")), origin=origin,
    )


_META_KEYS = frozenset({
    "title", "author", "authors", "date", "description", "summary", "subtitle", "tags", "categories",
    "category", "slug", "layout", "draft", "lang", "language", "source", "url", "byline", "dateline",
})  # fmt: skip


def _front_matter(body: str) -> dict[str, str] | None:
    """The fields of a front matter block, or None when the block is no front matter.

    A document may open with a `---` rule and prose up to the next rule: that is text to keep.
    So only a block of `key: value` fields, each maybe continued on indented lines (or on
    `- item` lines, a YAML list), is front matter.
    """
    fields: list[tuple[str, str, list[str]]] = []
    for line in body.splitlines():
        field = _META_FIELD.fullmatch(line)
        if field:
            fields.append((field["key"].lower(), field["value"] or "", []))
        elif fields and (not line.strip() or line[:1] in " \t" or (line[:1] == "-" and not fields[-1][1])):
            fields[-1][2].append(line.strip())
        elif line.strip():
            return None
    found = {key: _meta_value(value, lines) for key, value, lines in fields}
    # "Amsterdam: de gemeente sluit de brug." between two rules is prose, not a field: front
    # matter names at least one of the fields such files carry.
    return found if found and _META_KEYS & set(found) else None


def _meta_value(value: str, lines: list[str]) -> str:
    """A field's whole value: a block scalar (`title: >`) or a plain value is read over its
    continuation lines, joined with spaces as a metadata field is one line; a list gives "a, b"."""
    if _BLOCK_SCALAR.fullmatch(value):
        return " ".join(" ".join(lines).split())
    items = [line for line in lines if line]
    if not value and items and all(line.startswith("-") for line in items):
        return ", ".join(_unquote(item[1:].strip()) for item in items)
    return _unquote(" ".join(" ".join([value, *lines]).split()))


def _unquote(value: str) -> str:
    """A YAML scalar's text: quotes taken off and escapes read (`"Het \\"plan\\""`, `'z''n'`);
    an unquoted value keeps every character, a leading apostrophe ('t Hoogt) too."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        import json

        try:
            return str(json.loads(value))  # YAML's double-quoted escapes include JSON's
        except ValueError:
            return value[1:-1]
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    return value


def _markdown_blocks(tokens) -> list[Block]:  # tokens: markdown-it's block tokens
    blocks: list[Block] = []
    kind: ParagraphKind = "paragraph"
    row: list[str] = []
    in_cell = False
    number = ""  # an ordered list item's number ("1. "), put before the item's first block

    def add(block_kind: ParagraphKind, content: str) -> None:
        nonlocal number
        content = " ".join(content.split())
        if content:
            blocks.append(Block(block_kind, number + content))
            number = ""

    for token in tokens:
        if token.type == "heading_open":
            kind = "heading"
        elif token.type == "heading_close":
            kind = "paragraph"
        elif token.type == "list_item_open":
            # The number is text of the article ("2. winst daalt" is referred to as point 2);
            # a bullet is only markup.
            number = f"{token.info}{token.markup} " if token.info else ""
        elif token.type == "list_item_close":
            number = ""
        elif token.type == "tr_open":
            row = []
        elif token.type in ("th_open", "td_open", "th_close", "td_close"):
            in_cell = token.type.endswith("_open")
        elif token.type == "tr_close":
            if any(row):
                add("paragraph", " | ".join(row))
        elif token.type == "inline":
            row.append(_inline_text(token)) if in_cell else add(kind, _inline_text(token))
        elif token.type in ("fence", "code_block", "html_block"):
            add("paragraph", _strip_html(token.content) if token.type == "html_block" else token.content)
    return blocks


def _inline_text(token) -> str:
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "html_inline":
            parts.append(_strip_html(child.content))
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)  # the alt text
    return " ".join("".join(parts).split())


#: HTML elements that sit inside a run of words (<b>, <a>): their tags just go.
_HTML_INLINE = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font", "i",
    "img", "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup",
    "time", "tt", "u", "var", "wbr",
})  # fmt: skip
#: Other HTML elements (<br>, <p>, <td>): their tags separate words.
_HTML_OTHER = frozenset({
    "address", "article", "aside", "audio", "blockquote", "body", "br", "caption", "center", "col",
    "colgroup", "dd", "details", "div", "dl", "dt", "embed", "fieldset", "figcaption", "figure",
    "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hr", "html", "iframe",
    "input", "label", "legend", "li", "link", "main", "meta", "nav", "noscript", "ol", "object",
    "option", "p", "picture", "pre", "script", "section", "select", "source", "style", "summary",
    "table", "tbody", "td", "template", "textarea", "tfoot", "th", "thead", "title", "tr", "track",
    "ul", "video",
})  # fmt: skip
#: A comment, a declaration, a processing instruction or a tag.
_HTML_MARKUP = re.compile(
    r"<!--.*?-->|<![^>]*>|<\?.*?\?>|</?(?P<name>[A-Za-z][\w-]*)(?:\s[^>]*)?/?>", re.DOTALL
)


def _strip_html(markup: str) -> str:
    """Markdown's HTML without its tags and comments. Text in angle brackets that is no HTML
    tag (<Philips>, <Jan Jansen>: a placeholder or a name) is the article's text and stays."""

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        if name is None:
            return ""  # a comment, doctype or processing instruction
        lower = name.lower()
        if name not in (lower, name.upper()):
            return match.group()  # HTML tags are written in one case; "Philips" is a name
        if lower in _HTML_INLINE:
            return ""
        return " " if lower in _HTML_OTHER else match.group()

    return _HTML_MARKUP.sub(replace, markup)


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
        package = _bounded_package(data, name)
        return _docx_source(docx.Document(io.BytesIO(package)), name, origin)
    except InputError:
        raise
    except (RuntimeError, NotImplementedError) as error:  # zipfile: encrypted, or an unknown compression
        reason = " ".join(str(error).split())[:120]
        raise InputError(f"{name} is a Word file wirebrief cannot unpack ({reason})") from None
    except (
        PackageNotFoundError, KeyError, ValueError, AttributeError, SyntaxError, EOFError, OSError,
        zipfile.BadZipFile, zlib.error,
    ) as error:  # fmt: skip
        # lxml's XMLSyntaxError is a SyntaxError; a wrong root element shows as AttributeError.
        reason = " ".join(str(error).split())[:120] or type(error).__name__
        raise InputError(f"{name} is not a readable Word document ({reason})") from None


#: What a Word file may unpack to: all its parts together, and its number of parts. A long
#: article's document.xml is a few MiB; photos are stored as they are, not compressed further.
MAX_DOCX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_DOCX_PARTS = 10_000
#: The most a part of 1 MiB or more may shrink when zipped. Word's XML packs about 10 to 1;
#: a zip bomb (a run of zeros) packs 1,000 to 1.
MAX_DOCX_RATIO = 100
_RATIO_FROM = 1024 * 1024


def _bounded_package(data: bytes, name: str) -> bytes:
    """The Word file's parts checked against the limits, re-packed unzipped for python-docx.

    Declared sizes and ratios are checked before anything is unpacked, and each part is read
    with a limit, so a header that lies about a part's size unpacks no more than the limit.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = archive.infolist()
        if len(parts) > MAX_DOCX_PARTS:
            raise InputError(
                f"{name} is a ZIP of {len(parts):,} parts, more than the {MAX_DOCX_PARTS:,} a Word file may have"
            )
        _check_declared(parts, name)
        names = [part.filename for part in parts]
        if len(set(names)) < len(names):
            raise InputError(f"{name} is a damaged Word file: two of its parts have the same name")
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as package:
            for part in parts:
                package.writestr(part.filename, _read_part(archive, part, name))
    return out.getvalue()


def _check_declared(parts: list[zipfile.ZipInfo], name: str) -> None:
    total = sum(part.file_size for part in parts)
    if total > MAX_DOCX_UNPACKED_BYTES:
        raise InputError(
            f"{name} unpacks to {size_text(total)}, more than the {size_text(MAX_DOCX_UNPACKED_BYTES)} "
            "wirebrief unpacks from a Word file (a zip bomb?)"
        )
    for part in parts:
        if part.file_size >= _RATIO_FROM and part.file_size > MAX_DOCX_RATIO * max(part.compress_size, 1):
            raise InputError(
                f"{name}: its part {part.filename} unpacks {part.file_size // max(part.compress_size, 1):,} "
                f"times larger than it is packed, more than the {MAX_DOCX_RATIO} a Word file has (a zip bomb?)"
            )


def _read_part(archive: zipfile.ZipFile, part: zipfile.ZipInfo, name: str) -> bytes:
    """A part's content, read up to one byte past the size its header declares (which the
    limits were checked against). A plain read() would unpack all the data the part holds,
    however much, before cutting it to that size; a lying header then ends in a CRC error."""
    with archive.open(part) as stream:
        content = stream.read(part.file_size + 1)
    if len(content) > part.file_size:
        raise InputError(f"{name}: its part {part.filename} unpacks to more than its header says (a zip bomb?)")
    return content


def _docx_source(document, name: str, origin: str) -> Source:
    # Word shows a paragraph's style by name; the XML refers to it by id ("Kop1" for "heading 1").
    styles = {style.style_id: style.name or "" for style in document.styles}
    blocks = list(_docx_blocks(document.element.body, styles))
    if not blocks:
        raise InputError(f"{name} is a Word document without text")
    # The creation date of a Word file is when its template was made, not the article's date:
    # only title and author are taken from its properties.
    properties = document.core_properties
    return Source(
        name=name, input_format="docx", encoding="utf-8", blocks=tuple(blocks), title=_clean(properties.title),
        author=_clean(properties.author), origin=origin,
    )


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
#: Text that is not in the document as it reads: tracked deletions, the old place of a moved
#: passage, and the copy of a text box that Word writes for versions before 2010.
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_DOCX_GONE = frozenset({_W + "del", _W + "moveFrom", _MC + "Fallback"})
#: Run content that stands for a character.
_DOCX_CHARACTERS = {
    _W + "tab": " ", _W + "ptab": " ", _W + "br": " ", _W + "cr": " ", _W + "noBreakHyphen": "-",
    _W + "softHyphen": "",
}  # fmt: skip
_DOCX_HEADING_STYLES = ("Heading", "Title", "Subtitle", "Kop", "Titel")


def _docx_blocks(container, styles: dict[str, str]) -> Iterator[Block]:
    """Paragraphs and table rows in reading order, read from the XML itself: python-docx's
    paragraphs leave out tracked insertions, fields and content controls, whose text is the
    article's. Any other element (a content control, custom XML) is read through."""
    for element in container:
        if element.tag == _W + "p":
            text = _docx_text(element)
            if text:
                style = element.find(f"{_W}pPr/{_W}pStyle")
                style_id = style.get(_W + "val", "") if style is not None else ""
                heading = styles.get(style_id, style_id).startswith(_DOCX_HEADING_STYLES)
                yield Block("heading" if heading else "paragraph", text)
        elif element.tag == _W + "tbl":
            for row in _docx_within(element, _W + "tr"):
                text = _docx_row(row)
                if text:
                    yield Block("paragraph", text)
        elif element.tag not in _DOCX_GONE:
            yield from _docx_blocks(element, styles)


def _docx_row(row) -> str:
    """A table row as its cells' texts joined by " | "; a cell's text includes nested tables.

    A merged cell is the same cell in every grid column it spans (and a vertically merged one
    the cell above): take it once. Neighbouring cells that merely hold the same text ("2 | 2")
    are both kept.
    """
    seen = set()  # the w:tc elements themselves: an element is equal only to itself
    cells: list[str] = []
    for cell in _docx_within(row, _W + "tc"):
        cell = _docx_merged_origin(cell)
        if cell in seen:
            continue
        seen.add(cell)
        text = _docx_text(cell)
        if text:
            cells.append(text)
    return " | ".join(cells)


def _docx_merged_origin(cell):  # cell: python-docx's CT_Tc
    """The cell whose text a vertically merged cell shows (as python-docx's row.cells gives)."""
    try:
        while cell.vMerge == "continue":
            cell = cell._tc_above
    except (ValueError, IndexError, AttributeError):
        pass  # a merge with no cell above, or one inside a content control: keep its own
    return cell


def _docx_within(element, tag: str) -> Iterator:
    """The `tag` elements of `element` (rows of a table, cells of a row), also those that a
    content control or custom XML wraps; not those of a nested table."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag not in _DOCX_GONE:
            yield from _docx_within(child, tag)


def _docx_text(element) -> str:
    """All text of a paragraph or cell in document order, with spaces for tabs and breaks.

    Every w:t counts, whatever run, hyperlink, field, insertion or content control holds it;
    deleted text (w:delText, w:del) is no longer in the document. Paragraphs inside this one
    (a text box) or a nested table's cells are kept apart by a space.
    """
    parts: list[str] = []

    def walk(node) -> None:
        for child in node:
            tag = child.tag
            if tag == _W + "t":
                # itertext, not .text: an entity reference the parser left unresolved (declared
                # in a DTD, which Word never writes) is a child node, and .text stops before it.
                # It stays as written ("&naam;"), never expanded: no external or nested entities.
                parts.append("".join(child.itertext()))
            elif tag in _DOCX_CHARACTERS:
                parts.append(_DOCX_CHARACTERS[tag])
            elif tag not in _DOCX_GONE:
                separate = tag in (_W + "p", _W + "tc")
                parts.append(" " if separate else "")
                walk(child)
                parts.append(" " if separate else "")

    walk(element)
    return " ".join("".join(parts).split())


# --------------------------------------------------------------------------------------------
# To a document


def to_document(source: Source, language: str):  # -> document.Document
    """Segment an extracted input into paragraphs and sentences in `language`."""
    from dataclasses import replace

    from wirebrief.inputs.document import Metadata, from_blocks, parse

    if source.text is not None:
        document = parse(source.text, language=language, source_name=source.name, encoding=source.encoding)
        return replace(document, metadata=replace(document.metadata, url=source.url))
    metadata = Metadata(
        source_name=source.name, date=source.date, encoding=source.encoding, input_format=source.input_format,
        title=source.title, author=source.author, site=source.site, url=source.url,
    )
    return from_blocks([(block.kind, block.text) for block in source.blocks], language=language, metadata=metadata)
