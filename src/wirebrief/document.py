"""Reading and structure: bytes in, a `Document` of paragraphs and sentences out.

Nothing here knows about models. The one rule that runs through the module: no character of
the input's prose is ever dropped. Line breaks inside a paragraph and runs of spaces are
formatting and are folded; everything else survives into some paragraph or into metadata.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Literal

from .errors import InputError

ParagraphKind = Literal["heading", "paragraph"]

#: A leading marker such as `date 2025-02` or `date 2025-02-19` (how the wire desk tags copy).
_DATE_MARKER = re.compile(
    r"\A\s*date\s+(?P<date>\d{4}-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)(?=\s|\Z)\s*",
    re.IGNORECASE,
)
#: A dateline opening the first paragraph: `DEN HAAG (ANP) - `, `BRUSSEL, 12 februari - `.
_DATELINE = re.compile(
    r"\A(?P<dateline>[A-ZÀ-Ý][A-ZÀ-Ý'’.\-]+(?:\s[A-ZÀ-Ý][A-ZÀ-Ý'’.\-]+){0,3}"
    r"(?:,\s*[^()\n–—-]{1,30}?)?(?:\s*\([^()\n]{1,30}\))?)\s*[-–—]\s+(?=\S)"
)
_BLANK_LINES = re.compile(r"\n[ \t\f\v]*\n\s*")
#: Characters that end a sentence or clause; a short line ending otherwise may be a heading.
_FINAL_PUNCTUATION = ".!?…:;,"
_CLOSING_MARKS = "\"'”’»)]"
_HEADING_MAX_WORDS = 12
_HEADING_MAX_CHARS = 100


@dataclass(frozen=True)
class Metadata:
    """What the input says about itself, kept out of the text to translate."""

    source_name: str | None = None
    date: str | None = None
    dateline: str | None = None
    encoding: str = "utf-8"
    #: What the input was: text, html, markdown or docx.
    input_format: str = "text"
    #: From a web page, Markdown front matter or Word properties, where they say it.
    title: str | None = None
    author: str | None = None
    site: str | None = None
    url: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "source_name": self.source_name,
            "input_format": self.input_format,
            "title": self.title,
            "author": self.author,
            "date": self.date,
            "site": self.site,
            "url": self.url,
            "dateline": self.dateline,
            "encoding": self.encoding,
        }


@dataclass(frozen=True)
class Paragraph:
    """One blank-line separated block of the source, with its sentences in order."""

    index: int
    kind: ParagraphKind
    text: str
    sentences: tuple[str, ...]
    #: Set when this paragraph is in another language than the article (a quote in English in
    #: a Dutch story); such a paragraph is kept as it is, not put through the wrong model.
    language: str | None = None


@dataclass(frozen=True)
class Document:
    """An article ready to translate: its paragraphs and the metadata taken from it."""

    paragraphs: tuple[Paragraph, ...]
    metadata: Metadata = field(default_factory=Metadata)
    language: str = "nl"

    @property
    def text(self) -> str:
        return "\n\n".join(paragraph.text for paragraph in self.paragraphs)

    @property
    def sentence_count(self) -> int:
        return sum(len(paragraph.sentences) for paragraph in self.paragraphs)


# --------------------------------------------------------------------------------------------
# Reading


def read_source(source: str | Path) -> tuple[bytes, str]:
    """Read a file path, or standard input for ``-``; returns the bytes and a display name."""
    if str(source) == "-":
        return sys.stdin.buffer.read(), "<stdin>"
    path = Path(source)
    try:
        return path.read_bytes(), str(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not an article file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror or error})") from None


def decode(data: bytes, name: str = "input") -> tuple[str, str]:
    """Decode article bytes to text with normalised newlines; returns (text, encoding).

    UTF-8 (with or without BOM) and UTF-16 with BOM are taken as they are; anything that is not
    valid UTF-8 is read as cp1252, the encoding of Dutch text saved on Windows, which is a
    superset of latin-1 for every printable character.
    """
    if not data:
        raise InputError(f"{name} is empty")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            text, encoding = data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise InputError(f"{name} starts with a UTF-8 byte order mark but is not valid UTF-8") from None
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text, encoding = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise InputError(f"{name} looks like UTF-16 but does not decode") from None
    else:
        if b"\x00" in data[:8192]:
            raise InputError(f"{name} is binary, not text")
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            # cp1252 leaves five bytes undefined; latin-1 maps them to C1 controls, which the
            # binary check below then refuses if there are many of them.
            try:
                text, encoding = data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                text, encoding = data.decode("latin-1"), "latin-1"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _looks_binary(text):
        raise InputError(f"{name} is binary, not text")
    text = unicodedata.normalize("NFC", text)
    if not text.strip():
        raise InputError(f"{name} contains only whitespace")
    return text, encoding


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    controls = sum(
        1 for char in sample if unicodedata.category(char) == "Cc" and char not in "\n\t\f\v"
    )
    return "\x00" in sample or controls > max(2, len(sample) // 100)


# --------------------------------------------------------------------------------------------
# Structure


def parse(
    text: str, *, language: str = "nl", source_name: str | None = None, encoding: str = "utf-8"
) -> Document:
    """Split decoded text into paragraphs and sentences, taking metadata out of the prose."""
    text = text.strip()
    date = None
    match = _DATE_MARKER.match(text)
    if match:
        date = match.group("date")
        text = text[match.end() :]
    dateline = None
    match = _DATELINE.match(text)
    if match:
        dateline = match.group("dateline").strip()
        text = text[match.end() :]
    if not text.strip():
        raise InputError(f"{source_name or 'input'} has metadata but no text")

    blocks = [" ".join(block.split()) for block in _BLANK_LINES.split(text.strip())]
    blocks = [block for block in blocks if block]
    paragraphs = []
    for index, block in enumerate(blocks):
        is_last = index == len(blocks) - 1
        if _is_heading(block) and not is_last:
            paragraphs.append(Paragraph(index, "heading", block, (block,)))
        else:
            paragraphs.append(Paragraph(index, "paragraph", block, split_sentences(block, language)))
    metadata = Metadata(source_name=source_name, date=date, dateline=dateline, encoding=encoding)
    return Document(tuple(paragraphs), metadata, language)


def from_blocks(
    blocks: Sequence[tuple[ParagraphKind, str]], *, language: str = "nl", metadata: Metadata | None = None
) -> Document:
    """A document from blocks whose kinds are known (HTML, Markdown, Word): no guessing of
    headings; a dateline opening the first paragraph is still taken out as metadata."""
    metadata = metadata or Metadata()
    paragraphs: list[Paragraph] = []
    for kind, text in blocks:
        text = " ".join(text.split())
        if not text:
            continue
        if kind == "paragraph" and metadata.dateline is None and not any(p.kind == "paragraph" for p in paragraphs):
            match = _DATELINE.match(text)
            if match:
                metadata = replace(metadata, dateline=match.group("dateline").strip())
                text = text[match.end() :]
        index = len(paragraphs)
        if kind == "heading":
            paragraphs.append(Paragraph(index, "heading", text, (text,)))
        else:
            paragraphs.append(Paragraph(index, "paragraph", text, split_sentences(text, language)))
    if not paragraphs:
        raise InputError(f"{metadata.source_name or 'input'} has no text")
    return Document(tuple(paragraphs), metadata, language)


def load(source: str | Path, *, language: str = "nl") -> Document:
    """Read, decode and parse one article from a path or ``-`` for stdin."""
    data, name = read_source(source)
    text, encoding = decode(data, name)
    return parse(text, language=language, source_name=name, encoding=encoding)


def _is_heading(block: str) -> bool:
    stripped = block.rstrip(_CLOSING_MARKS + " ")
    return (
        bool(stripped)
        and len(block) <= _HEADING_MAX_CHARS
        and len(block.split()) <= _HEADING_MAX_WORDS
        and stripped[-1] not in _FINAL_PUNCTUATION
        and any(char.isalpha() for char in block)
    )


# --------------------------------------------------------------------------------------------
# Sentences

#: Titles that stand before a capitalised name ("Dhr. Jansen"). pysbd's Dutch rules list most
#: Dutch abbreviations but no prepositive ones, so "Dhr. Jansen" would end a sentence at "Dhr.".
_DUTCH_TITLES = (
    "dhr", "mw", "mevr", "mej", "mr", "dr", "drs", "prof", "ir", "ing", "jhr", "ds", "mgr",
    "st", "gen", "kol", "lt", "sgt", "burg", "wethr",
)  # fmt: skip


@lru_cache(maxsize=None)
def _segmenter(language: str):  # -> pysbd.Segmenter
    import pysbd  # imported here: ~50 ms we do not want on `wirebrief --help`

    segmenter = pysbd.Segmenter(language=language if language in _PYSBD_LANGUAGES else "en")
    if language == "nl":
        from pysbd.lang.dutch import Dutch

        class DutchNews(Dutch):
            class Abbreviation(Dutch.Abbreviation):
                ABBREVIATIONS = sorted({*Dutch.Abbreviation.ABBREVIATIONS, *_DUTCH_TITLES})
                PREPOSITIVE_ABBREVIATIONS = list(_DUTCH_TITLES)

        segmenter.language_module = DutchNews
    return segmenter


_PYSBD_LANGUAGES = frozenset(
    "en hi mr zh es am ar hy bg ur ru pl fa nl da fr my el it ja de kk sk".split()
)


def split_sentences(text: str, language: str = "nl") -> tuple[str, ...]:
    """Split a paragraph into sentences with pysbd, which knows Dutch abbreviations.

    The pieces are checked to cover the paragraph exactly (ignoring whitespace); should the
    segmenter ever lose or invent characters, the paragraph is kept whole rather than altered.
    """
    pieces = [piece.strip() for piece in _segmenter(language).segment(text)]
    pieces = [piece for piece in pieces if piece]
    if "".join("".join(pieces).split()) != "".join(text.split()):
        return (text,)
    return tuple(pieces)


#: Clause boundaries, strongest first: a long sentence is cut at the strongest boundary nearest
#: its middle, so each half stays a readable unit for the model.
_CLAUSE_BOUNDARIES = (
    re.compile(r"(?<=[;:])\s+"),
    re.compile(r"(?<=[,)–—])\s+|\s+(?=[(–—])"),
    re.compile(r"\s+(?=(?:en|maar|of|want|dus|omdat|terwijl|hoewel|and|but|or|because|while)\s)"),
    re.compile(r"\s+"),
)


def split_clause(text: str) -> tuple[str, str] | None:
    """Cut a text in two at the clause boundary nearest its middle; None for a single character.

    Used for sentences too long for the model. The two halves joined by a space give back the
    text (up to the whitespace at the cut), so nothing is lost.
    """
    middle = len(text) / 2
    for boundary in _CLAUSE_BOUNDARIES:
        cuts = [m for m in boundary.finditer(text) if 0 < m.start() and m.end() < len(text)]
        if cuts:
            best = min(cuts, key=lambda m: abs(m.start() - middle))
            return text[: best.start()], text[best.end() :]
    if len(text) < 2:
        return None
    # A single enormous token (a URL, a table row without spaces): cut it in the middle.
    cut = len(text) // 2
    return text[:cut], text[cut:]
