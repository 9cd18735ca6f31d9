"""Limits and hostile inputs: article size, binary bytes anywhere, Word files that are zip
bombs or carry entity references, library warnings, and a title that must not come twice."""

from __future__ import annotations

import io
import logging
import struct
import tracemalloc
import zipfile

import pytest

from wirebrief.errors import InputError
from wirebrief.inputs import MAX_DOCX_RATIO, MAX_DOCX_UNPACKED_BYTES, document, read_input
from wirebrief.inputs.document import MAX_ARTICLE_BYTES, MAX_INPUT_BYTES, decode, load, read_source

SENTENCE = "De gemeenteraad van Utrecht heeft het plan voor een autoluwe binnenstad van tafel gehaald. "


def refused(match: str, source, **options) -> InputError:
    with pytest.raises(InputError, match=match) as caught:
        read_input(source, **options)
    assert caught.value.exit_code == 3 and "\n" not in caught.value.one_line()
    return caught.value


# --------------------------------------------------------------------------------------------
# Binary bytes anywhere


def test_nul_after_the_first_8_kib_is_binary():
    data = (SENTENCE * 200).encode() + b"\x00\x01\x02 rest van het bestand"
    assert len(data) > 8192
    with pytest.raises(InputError, match="is binary, not text"):
        decode(data, "bijlage.txt")


def test_control_characters_after_the_first_8_kib_are_binary():
    data = (SENTENCE * 100).encode() + bytes(range(1, 9)) * 400
    with pytest.raises(InputError, match="is binary, not text"):
        decode(data, "bijlage.txt")


def test_a_long_text_with_a_few_stray_controls_is_still_text():
    text, _ = decode((SENTENCE * 300 + "\x07" * 3).encode())
    assert text.startswith(SENTENCE)


# --------------------------------------------------------------------------------------------
# Size limits


def test_article_text_over_the_limit_is_refused_with_both_figures(tmp_path):
    path = tmp_path / "boek.txt"
    path.write_text(SENTENCE * (MAX_ARTICLE_BYTES // len(SENTENCE) + 100), encoding="utf-8")
    size = len(path.read_bytes())
    error = refused(f"boek.txt has {size:,} bytes of text, more than the 2.0 MiB wirebrief briefs as one article", path)
    assert "split it" in error.one_line()
    with pytest.raises(InputError, match="more than the 2.0 MiB"):
        load(path)


def test_article_text_just_under_the_limit_is_read():
    text = (SENTENCE * (MAX_ARTICLE_BYTES // len(SENTENCE)))[: MAX_ARTICLE_BYTES - 10]
    assert read_input("lang.txt", data=text.encode()).text == text


def test_the_article_limit_counts_the_extracted_text_not_the_markup():
    """A page may carry megabytes of markup around a short article; an article past the
    limit inside a page is refused all the same."""
    paragraphs = "".join(f"<p>{SENTENCE}</p>" for _ in range(MAX_ARTICLE_BYTES // len(SENTENCE) + 10))
    refused("more than the 2.0 MiB wirebrief briefs", "pagina.html", data=f"<article>{paragraphs}</article>".encode())
    padded = "<article><p>" + SENTENCE + "</p></article>" + "<!-- opvulling -->" * 150_000
    assert len(padded) > MAX_ARTICLE_BYTES
    assert read_input("pagina.html", data=padded.encode()).plain_text == SENTENCE.strip()


def test_file_over_the_byte_limit_is_refused_unread(tmp_path):
    path = tmp_path / "enorm.txt"
    with path.open("wb") as handle:
        handle.truncate(MAX_INPUT_BYTES + 4096)  # sparse: costs no disk
    tracemalloc.start()
    try:
        refused(f"enorm.txt is {MAX_INPUT_BYTES + 4096:,} bytes, more than the 32.0 MiB wirebrief reads from one", path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024


def test_data_handed_in_is_held_to_the_same_limits(monkeypatch):
    """batch reads each input itself and hands the bytes to read_article: the limits apply
    per input there as well, through read_input."""
    from wirebrief.pipeline import read_article

    data = SENTENCE.encode() * 150  # 13,650 bytes
    monkeypatch.setattr(document, "MAX_INPUT_BYTES", 10 * 1024)
    with pytest.raises(InputError, match="batch/een.txt is 13,650 bytes, more than the 10 KiB wirebrief reads"):
        read_article("batch/een.txt", data=data, source_lang="nl")
    monkeypatch.setattr(document, "MAX_INPUT_BYTES", MAX_INPUT_BYTES)
    monkeypatch.setattr(document, "MAX_ARTICLE_BYTES", 10 * 1024)
    with pytest.raises(InputError, match="batch/twee.md has 13,654 bytes of text, more than the 10 KiB"):
        read_article("batch/twee.md", data=b"# Kop\n\n" + data, source_lang="nl")


def test_stdin_over_the_byte_limit_is_refused(monkeypatch):
    monkeypatch.setattr(document, "MAX_INPUT_BYTES", 10 * 1024)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(SENTENCE.encode() * 150)))
    with pytest.raises(InputError, match="<stdin> is larger than the 10 KiB"):
        read_source("-")


def test_an_unreadable_path_is_an_input_error_not_a_crash(tmp_path):
    looping = tmp_path / "lus.txt"
    looping.symlink_to(looping)
    with pytest.raises(InputError, match="lus.txt: cannot be read"):
        read_source(looping)


def varied_article(size: int) -> str:
    """About `size` bytes of news text whose sentences all differ, with numbers, names and quotes
    for the checks to work on (the example article's paragraphs, numbered round by round)."""
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "examples" / "article-nl-2025-02.txt"
    paragraphs = [block for block in example.read_text(encoding="utf-8").split("\n\n")[1:] if block.strip()]
    blocks: list[str] = []
    total = round_number = 0
    while total < size:
        for paragraph in paragraphs:
            block = f"Ronde {round_number}: " + paragraph.replace(". ", f" in ronde {round_number}. ")
            blocks.append(block)
            total += len(block.encode()) + 2
        round_number += 1
    return "\n\n".join(blocks).encode()[:size].decode("utf-8", errors="ignore")


def peak_bytes(work) -> int:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_per_byte_of_article_text_stays_small():
    """The audit's 30 MB article reached 10.2 GB (about 700 bytes per input byte). Splitting a
    256 KiB article took about 7 bytes per byte at the audit, checking it against itself about 17
    (both sides parsed, aligned and checked); these bounds leave room, not a quadratic term."""
    from wirebrief.check import check_texts

    text = varied_article(256 * 1024)
    warm = varied_article(4096)  # imports, compiled patterns and tables are not the article's cost
    document.parse(warm, language="nl")
    check_texts(warm, warm)
    size = len(text.encode())
    parse_peak = peak_bytes(lambda: document.parse(text, language="nl"))
    assert parse_peak < 16 * size, f"parse: {parse_peak / size:.1f} bytes per byte"
    check_peak = peak_bytes(lambda: check_texts(text, text))
    assert check_peak < 40 * size, f"check_texts: {check_peak / size:.1f} bytes per byte"


# --------------------------------------------------------------------------------------------
# Word files

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx_parts(**extra: bytes) -> dict[str, bytes]:
    """The parts of a real Word file made by python-docx, plus `extra` ones."""
    import docx

    buffer = io.BytesIO()
    made = docx.Document()
    made.add_paragraph("De raad vergadert dinsdag over de begroting van volgend jaar.")
    made.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    return {**parts, **extra}


def zipped(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def with_body(xml: str) -> bytes:
    return zipped(docx_parts(**{"word/document.xml": xml.encode()}))


def declare_size(data: bytes, name: str, size: int) -> bytes:
    """The archive with the central directory saying `name` unpacks to `size` bytes."""
    raw = bytearray(data)
    at = raw.find(b"PK\x01\x02")
    while at >= 0:
        length = struct.unpack_from("<H", raw, at + 28)[0]
        if raw[at + 46 : at + 46 + length] == name.encode():
            struct.pack_into("<I", raw, at + 24, size)
            return bytes(raw)
        at = raw.find(b"PK\x01\x02", at + 4)
    raise AssertionError(f"{name} not in the archive")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Jansen &amp; Zonen openen een caf&#233; aan de gracht.", "Jansen & Zonen openen een café aan de gracht.", id="predefined"),
        pytest.param("Jansen &firma; openen een café aan de gracht.", "Jansen &firma; openen een café aan de gracht.", id="declared"),
    ],
)  # fmt: skip
def test_docx_entity_reference_keeps_the_rest_of_its_run(text, expected):
    doctype = '<!DOCTYPE w:document [<!ENTITY firma "en Zonen">]>'
    body = f'<?xml version="1.0"?>{doctype}<w:document {W}><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>'
    source = read_input("zaak.docx", data=with_body(body))
    assert [block.text for block in source.blocks] == [expected]


def bomb_body(padding: int) -> bytes:
    """A document.xml of one short paragraph and `padding` spaces: XML that zips 1,000 to 1."""
    return (
        f'<?xml version="1.0"?><w:document {W}><w:body><w:p><w:r><w:t>De raad vergadert.</w:t></w:r></w:p>'
        + " " * padding + "</w:body></w:document>"
    ).encode()


def test_docx_zip_bomb_is_refused_by_its_ratio():
    """50 MB of XML in a 50 KB part: refused from the header, before anything is unpacked
    (before, python-docx unpacked and parsed it all)."""
    data = zipped(docx_parts(**{"word/document.xml": bomb_body(50 * 1000 * 1000)}))
    assert len(data) < 200_000
    tracemalloc.start()
    try:
        error = refused(f"more than the {MAX_DOCX_RATIO} a Word file has", "bom.docx", data=data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "word/document.xml" in str(error) and "zip bomb" in str(error)
    assert peak < 10 * 1024 * 1024


def test_docx_declaring_more_than_the_unpacked_limit_is_refused():
    data = declare_size(zipped(docx_parts()), "word/document.xml", 2**31)
    refused(f"unpacks to 2048.[0-9] MiB, more than the {MAX_DOCX_UNPACKED_BYTES // 2**20}.0 MiB", "groot.docx", data=data)


def test_docx_part_that_unpacks_to_more_than_its_header_says_is_refused():
    """A header that says 1 KB over 20 MB: reading stops at what it says. (zipfile's read()
    of a whole part unpacks all the data it holds before cutting it to the header's size.)"""
    data = declare_size(zipped(docx_parts(**{"word/document.xml": bomb_body(20 * 1000 * 1000)})), "word/document.xml", 1000)
    tracemalloc.start()
    try:
        refused("leugen.docx", "leugen.docx", data=data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 1024 * 1024


def test_docx_of_too_many_parts_is_refused():
    parts = docx_parts(**{f"word/media/stukje{i}.bin": b"" for i in range(10_001)})
    refused("more than the 10,000 a Word file may have", "veel.docx", data=zipped(parts))


def test_docx_with_a_damaged_part_is_an_input_error():
    """Garbage where the compressed body should be: zlib's own error, once a crash (exit 1)."""
    data = bytearray(zipped(docx_parts()))
    name = b"word/document.xml"
    at = data.find(b"PK\x03\x04")
    while data[at + 30 : at + 30 + len(name)] != name:
        at = data.find(b"PK\x03\x04", at + 4)
    start = at + 30 + len(name) + struct.unpack_from("<H", data, at + 28)[0]
    data[start : start + 40] = b"\xff" * 40
    refused("kapot.docx", "kapot.docx", data=bytes(data))


# --------------------------------------------------------------------------------------------
# Library warnings

PAGE_WITHOUT_ARTICLE = b"<html><body><div><p>Een</p></div></body></html>"


# Both set wirebrief's own level: a command run in this process before may have left it anywhere.
def test_html_libraries_are_quiet_unless_debugging(caplog):
    caplog.set_level(logging.WARNING)
    caplog.set_level(logging.INFO, logger="wirebrief")
    with pytest.raises(InputError, match="no article text"):
        read_input("leeg.html", data=PAGE_WITHOUT_ARTICLE)
    assert [record.getMessage() for record in caplog.records if not record.name.startswith("wirebrief")] == []
    assert logging.getLogger("trafilatura").level == logging.NOTSET  # put back as it was


def test_html_libraries_speak_when_debugging(caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="wirebrief")
    with pytest.raises(InputError):
        read_input("leeg.html", data=PAGE_WITHOUT_ARTICLE)
    assert any(record.name.startswith("trafilatura") for record in caplog.records)


# --------------------------------------------------------------------------------------------
# A title once


@pytest.mark.parametrize(
    ("front", "body", "title"),
    [
        pytest.param('title: "Het \\"nieuwe\\" plan van Utrecht"', '# Het "nieuwe" plan van Utrecht', 'Het "nieuwe" plan van Utrecht', id="escaped-quotes"),
        pytest.param("title: 'Kabinet: ''geen geld'' voor dijken'", "# Kabinet: ‘geen geld’ voor dijken", "Kabinet: 'geen geld' voor dijken", id="curly-quotes"),
        pytest.param("title: Storm legt treinverkeer stil", "**Storm legt treinverkeer stil**", "Storm legt treinverkeer stil", id="bold-line"),
        pytest.param("title: Storm legt treinverkeer stil", "<h1>Storm legt treinverkeer stil</h1>", "Storm legt treinverkeer stil", id="html-heading"),
        pytest.param("title: Brand in Zwolle - update", "# Brand in Zwolle – update", "Brand in Zwolle - update", id="dash"),
    ],
)  # fmt: skip
def test_markdown_front_matter_title_is_not_briefed_twice(front, body, title):
    text = f"---\n{front}\n---\n\n{body}\n\nDe NS rijdt vandaag niet in het noorden van het land.\n"
    source = read_input("bericht.md", data=text.encode())
    assert source.title == title
    assert len(source.blocks) == 2, [block.text for block in source.blocks]


def test_markdown_title_with_a_leading_apostrophe_keeps_it():
    text = "---\ntitle: 't Hoogt verkocht aan projectontwikkelaar\n---\n\nHet filmhuis sluit in juni.\n"
    source = read_input("bericht.md", data=text.encode())
    assert source.title == "'t Hoogt verkocht aan projectontwikkelaar"
    assert source.blocks[0].text == source.title


def test_markdown_title_missing_from_the_text_is_still_put_first():
    text = "---\ntitle: Storm legt treinverkeer stil\n---\n\nDe NS rijdt vandaag niet in het noorden.\n"
    assert [block.text for block in read_input("bericht.md", data=text.encode()).blocks] == [
        "Storm legt treinverkeer stil", "De NS rijdt vandaag niet in het noorden.",
    ]  # fmt: skip


def test_closed_standard_input_is_an_input_error(monkeypatch):
    monkeypatch.setattr("sys.stdin", None)
    with pytest.raises(InputError, match="standard input is closed"):
        read_source("-")


def test_reading_a_small_file_sets_aside_no_more_than_it_needs(tmp_path):
    """Reading up to the limit must not reserve the limit: read(32 MiB + 1) did, per input."""
    path = tmp_path / "artikel.txt"
    path.write_bytes(SENTENCE.encode() * 2000)  # 182 KB
    tracemalloc.start()
    try:
        data, _ = read_source(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert data == path.read_bytes()
    assert peak < 4 * len(data)


def test_text_handed_in_as_a_string_is_held_to_the_article_limit(monkeypatch):
    """read_article(text=...) and both sides of `wirebrief check` come in as strings, past
    read_input: segmentation itself refuses an article over the limit."""
    from wirebrief.check import check_texts
    from wirebrief.pipeline import read_article

    monkeypatch.setattr(document, "MAX_ARTICLE_BYTES", 10 * 1024)
    long = SENTENCE * 150
    with pytest.raises(InputError, match="more than the 10 KiB wirebrief briefs"):
        read_article("record-7", text=long, source_lang="nl")
    with pytest.raises(InputError, match="translation has .* bytes of text, more than the 10 KiB"):
        check_texts(SENTENCE, long)
