"""Reading and structure: bytes in, a `Document` of paragraphs and sentences out.

Nothing here knows about models. The one rule that runs through the module: no character of
the input's prose is ever dropped. Line breaks inside a paragraph and runs of spaces are
formatting and are folded; everything else survives into some paragraph or into metadata.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Literal

from wirebrief.errors import InputError

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


#: The most bytes read from one input (a file, standard input, a batch record, a download's
#: body after decompression): room for a Word file with photos or a page with inline scripts.
MAX_INPUT_BYTES = 32 * 1024 * 1024
#: The most text one article may have, in UTF-8 bytes, once extracted from its page or Word
#: file. A news article is 10-50 KB; 2 MiB is about 300,000 words, a book.
MAX_ARTICLE_BYTES = 2 * 1024 * 1024


def size_text(count: int) -> str:
    """A byte count as people read it: "2.0 MiB", "512 KiB"."""
    return f"{count / 1024 / 1024:.1f} MiB" if count >= 1024 * 1024 else f"{count / 1024:.0f} KiB"


def check_input_size(size: int, name: str) -> None:
    """Refuse an input larger than MAX_INPUT_BYTES, naming its size and the limit."""
    if size > MAX_INPUT_BYTES:
        # Reading stops one byte past the limit, so that size says only "larger".
        found = "is larger than" if size == MAX_INPUT_BYTES + 1 else f"is {size:,} bytes, more than"
        raise InputError(f"{name} {found} the {size_text(MAX_INPUT_BYTES)} wirebrief reads from one input")


def check_article_size(text: str, name: str) -> None:
    """Refuse an article whose text is larger than MAX_ARTICLE_BYTES, naming both figures."""
    # Counting characters first spares encoding a short article; UTF-8 takes 1-4 bytes each.
    if len(text) * 4 <= MAX_ARTICLE_BYTES:
        return
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_ARTICLE_BYTES:
        raise InputError(
            f"{name} has {size:,} bytes of text, more than the {size_text(MAX_ARTICLE_BYTES)} "
            "wirebrief briefs as one article",
            hint="split it into articles, or brief the part you need",
        )


def read_source(source: str | Path) -> tuple[bytes, str]:
    """Read a file path, or standard input for ``-``; returns the bytes and a display name.

    At most MAX_INPUT_BYTES are read: a larger input is refused without being read whole.
    """
    name = "<stdin>" if str(source) == "-" else str(source)
    try:
        if str(source) == "-":
            if sys.stdin is None:  # started with standard input closed (`<&-`)
                raise InputError("standard input is closed: there is no article to read")
            data = _read_limited(sys.stdin.buffer)
        else:
            with Path(source).open("rb") as handle:
                # A file says its size: one over the limit is refused unread.
                check_input_size(os.fstat(handle.fileno()).st_size, name)
                data = _read_limited(handle)
    except OSError as error:
        raise _read_error(Path(source), name, error) from None
    check_input_size(len(data), name)
    return data, name


def _read_limited(stream) -> bytes:  # stream: a binary file object
    """At most one byte more than MAX_INPUT_BYTES, read in pieces: read(n) would first set
    aside n bytes (32 MiB) for a file of a few KiB."""
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_INPUT_BYTES:
        chunk = stream.read(min(256 * 1024, MAX_INPUT_BYTES + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _read_error(path: Path, name: str, error: OSError) -> InputError:
    if name == "<stdin>":
        return InputError(f"standard input cannot be read ({error.strerror or error})")
    if isinstance(error, FileNotFoundError):
        return InputError(f"{path}: no such file")
    if isinstance(error, IsADirectoryError):
        return InputError(f"{path}: is a directory, not an article file")
    if isinstance(error, PermissionError):
        return InputError(f"{path}: permission denied")
    return InputError(f"{path}: cannot be read ({error.strerror or error})")


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
        # The whole input, not a sample: a NUL anywhere is no text ("in" runs at C speed).
        if b"\x00" in data:
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


#: Control characters (Unicode category Cc) other than the layout ones text may hold.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _looks_binary(text: str) -> bool:
    """A NUL anywhere, or more than 1 in 100 characters a control character, over the whole
    text (with the regex engine, not a Python loop: a big input is checked as cheaply)."""
    if "\x00" in text:
        return True
    controls = _CONTROLS.subn("", text)[1]
    return controls > max(2, len(text) // 100)


# --------------------------------------------------------------------------------------------
# Structure


def parse(
    text: str, *, language: str = "nl", source_name: str | None = None, encoding: str = "utf-8"
) -> Document:
    """Split decoded text into paragraphs and sentences, taking metadata out of the prose."""
    # Here too, not only where inputs are read: text handed in as a string (`read_article(text=)`,
    # both sides of `wirebrief check`) reaches segmentation only through here.
    check_article_size(text, source_name or "input")
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
    check_article_size("\n\n".join(text for _, text in blocks), metadata.source_name or "input")
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


#: pysbd pairs a quote's marks only when they are alike, so a Dutch „...” or „..." reads to it
#: as a quote left open (the sentences after it run together) or closed a mark early (the ”
#: lands in the next sentence). It is shown one straight mark for all three, place for place.
_DOUBLE_MARKS = str.maketrans("„“”", '"""')
#: pysbd's abbreviation pass runs over the whole text once per abbreviation it meets, so its
#: time grows with the square of a paragraph's length (40,000 characters took 26 s). A long
#: paragraph is read in windows of this many characters instead.
_WINDOW = 3000
#: A boundary this near a window's end may depend on what follows it: the next window, which
#: starts at the last boundary before this margin, decides it.
_MARGIN = 600
#: Marks that stand before a sentence's first word: a boundary just after them moves before them.
_OPENING_MARKS = "\"'„“‘«‹([{¿¡"
_NON_SPACE = re.compile(r"\S")


def split_sentences(text: str, language: str = "nl") -> tuple[str, ...]:
    """Split a paragraph into sentences with pysbd, which knows Dutch abbreviations.

    Sentences are cut only where the paragraph has whitespace, so each keeps its own quote
    marks and brackets, and joining them with single spaces gives back a paragraph written with
    single spaces exactly. Should the segmenter lose or invent characters in a stretch of text,
    that stretch is not cut rather than altered.
    """
    starts = {_snap(text, start) for start in _boundaries(text.translate(_DOUBLE_MARKS), language)}
    cuts = sorted(starts - {0, len(text)})
    pieces = (text[a:b].strip() for a, b in zip([0, *cuts], [*cuts, len(text)]))
    return tuple(piece for piece in pieces if piece) or (text,)


def _boundaries(text: str, language: str) -> list[int]:
    """Where pysbd starts a new sentence (offsets of first characters), window by window."""
    found: list[int] = []
    start = 0
    while len(text) - start > _WINDOW:
        end = text.rfind(" ", start + _WINDOW // 2, start + _WINDOW)
        end = end if end > 0 else start + _WINDOW
        starts = [start + offset for offset in _sentence_starts(text[start:end], language)]
        sure = [boundary for boundary in starts if boundary <= end - _MARGIN]
        found += sure
        if sure:
            # From a word's start: a window opening on the closing mark pysbd gave the next
            # sentence would read as a quote opened and never closed.
            start = max(_snap(text, sure[-1]), start + 1)
        else:  # no boundary: one sentence goes on; read on from within the margin
            space = text.rfind(" ", start + _WINDOW // 4, end - _MARGIN)
            start = space + 1 if space > 0 else max(end - _MARGIN, start + _WINDOW // 4)
    return found + [start + offset for offset in _sentence_starts(text[start:], language)]


def _sentence_starts(text: str, language: str) -> list[int]:
    """The offsets in `text` at which pysbd's second, third... sentences begin."""
    pieces = _segmenter(language).segment(text)
    if "".join("".join(pieces).split()) != "".join(text.split()):
        return []
    positions = [match.start() for match in _NON_SPACE.finditer(text)]
    starts: list[int] = []
    count = 0
    for piece in pieces:
        if count and count < len(positions) and piece.strip():
            starts.append(positions[count])
        count += len("".join(piece.split()))
    return starts


def _snap(text: str, start: int) -> int:
    """A sentence start moved to a word's beginning: one inside a word (after an opening quote,
    or before a closing one that pysbd gave to the next sentence) goes to where the word starts
    if only opening marks precede it there, else to the next word."""
    if start <= 0 or text[start - 1].isspace():
        return start
    word = start
    while word > 0 and not text[word - 1].isspace():
        word -= 1
    if all(char in _OPENING_MARKS for char in text[word:start]):
        return word
    while start < len(text) and not text[start].isspace():
        start += 1
    while start < len(text) and text[start].isspace():
        start += 1
    return start


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
