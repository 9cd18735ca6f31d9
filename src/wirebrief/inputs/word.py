"""Word (.docx): headings, paragraphs and table rows read from the document's XML, after its
ZIP has been checked against the limits that keep a zip bomb out."""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator

from wirebrief.errors import InputError
from wirebrief.inputs.document import size_text
from wirebrief.inputs.source import Block, Source, clean


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
        name=name, input_format="docx", encoding="utf-8", blocks=tuple(blocks), title=clean(properties.title),
        author=clean(properties.author), origin=origin,
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
