"""HTML: a saved or fetched web page through trafilatura, which keeps the article and drops
page furniture (navigation, cookie banners, related links, comments) and reads title, author,
date and site; a fragment (an article body without <html> or <body>) block by block as it is."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

from wirebrief.errors import InputError
from wirebrief.inputs.document import ParagraphKind
from wirebrief.inputs.source import GAP, Block, Source, clean, has_title

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
    title = clean(extracted.title)
    if title and not has_title(blocks, title):
        # The page's headline sits outside the extracted body: put it first, so it is briefed too.
        blocks.insert(0, Block("heading", title))
    return Source(
        name=name, input_format="html", encoding=encoding, blocks=tuple(blocks), title=title,
        author=clean(extracted.author), date=clean(extracted.date), site=clean(extracted.sitename),
        url=clean(extracted.url) or url, origin=origin,
    )


def _extract_html(html: str, name: str, url: str | None):  # -> trafilatura's Document or None
    import trafilatura

    # trafilatura drops <sup> but keeps its text, so "10<sup>6</sup>" would read "106".
    html = _SUPERSCRIPT.sub(r"^\1", html)
    # It also drops a figure's caption, which is the article's text: keep it as a paragraph.
    html = _CAPTIONED_FIGURE.sub(r"<p>\1</p>", html)
    if GAP not in html:
        html = _DOUBLE_BREAK.sub(r"\1" + GAP, html)
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
        raw = raw.replace(GAP, "\n")
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
    return "".join(parts).replace(GAP, "\n")


def _is_furniture(raw: str) -> bool:
    """A block that is a column of short lines (a menu or a link list pasted into one
    paragraph, as trafilatura's fallback does on pages without an article)."""
    lines = [line for line in raw.splitlines() if line.strip()]
    short = sum(1 for line in lines if len(line.split()) <= 3)
    return len(lines) >= 4 and short >= 0.6 * len(lines)
