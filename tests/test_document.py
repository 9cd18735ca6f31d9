"""Reading, decoding and structure: bytes in, paragraphs and sentences out, nothing lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from wirebrief.inputs.document import decode, load, parse, read_source, split_clause, split_sentences
from wirebrief.errors import InputError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "article-nl-2025-02.txt"
HEADINGS = ("'Vance ondermijnt NAVO'", "Afschrikkingsmacht")


def squeeze(text: str) -> str:
    """The text without any whitespace: what "equal modulo whitespace" compares."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def example():
    return load(EXAMPLE)


# --------------------------------------------------------------------------------------------
# Decoding


def test_decode_utf8():
    text, encoding = decode("Oekraïne kost € 4,5 miljoen".encode())
    assert (text, encoding) == ("Oekraïne kost € 4,5 miljoen", "utf-8")


def test_decode_utf8_with_bom_drops_the_bom():
    text, encoding = decode(b"\xef\xbb\xbf" + "Oekraïne".encode())
    assert (text, encoding) == ("Oekraïne", "utf-8-sig")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"Oekra\xefne", "Oekraïne"),
        (b"\x80 4,5 miljoen", "€ 4,5 miljoen"),
        (b"w\xe9l \x93zo\x94", "wél “zo”"),
    ],
)
def test_decode_falls_back_to_cp1252(data, expected):
    assert decode(data) == (expected, "cp1252")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_decode_utf16_with_bom(codec):
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[codec]
    text, encoding = decode(bom + "Oekraïne\nzegt nee".encode(codec))
    assert (text, encoding) == ("Oekraïne\nzegt nee", "utf-16")


def test_decode_composes_unicode_to_nfc():
    text, _ = decode("Oekrai\u0308ne".encode())
    assert text == "Oekra\u00efne"


@pytest.mark.parametrize(
    ("data", "newline_free"),
    [(b"een\r\ntwee\r\n\r\ndrie", "een\ntwee\n\ndrie"), (b"een\rtwee\r\rdrie", "een\ntwee\n\ndrie")],
)
def test_decode_normalises_newlines(data, newline_free):
    text, _ = decode(data)
    assert text == newline_free


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b" \n\t \r\n  ", "whitespace"),
        (b"Oekra\x00ne\x00\x00 tekst", "binary"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "binary"),
        (b"tekst \x01\x02\x03\x04\x05\x06 meer tekst", "binary"),
    ],
    ids=["empty", "whitespace-only", "nul-bytes", "png-header", "control-chars"],
)
def test_decode_refuses_what_is_not_an_article(data, reason):
    with pytest.raises(InputError, match=reason) as caught:
        decode(data, "artikel.txt")
    assert "artikel.txt" in str(caught.value)
    assert caught.value.exit_code == 3


def test_decode_tolerates_a_stray_control_character_in_real_text():
    prose = "Dit is gewone tekst. " * 20 + "Met een verdwaald teken \x07 erin."
    text, _ = decode(prose.encode())
    assert text == prose


def test_decode_bom_followed_by_invalid_utf8_is_an_input_error():
    with pytest.raises(InputError):
        decode(b"\xef\xbb\xbfOekra\xefne", "artikel.txt")


def test_read_source_returns_bytes_and_name(tmp_path):
    path = tmp_path / "artikel.txt"
    path.write_bytes(b"Oekra\xefne")
    assert read_source(path) == (b"Oekra\xefne", str(path))


def test_read_source_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_source(tmp_path / "bestaat-niet.txt")


def test_read_source_directory(tmp_path):
    with pytest.raises(InputError, match="is a directory"):
        read_source(tmp_path)


def test_load_reads_cp1252_file_and_records_encoding(tmp_path):
    path = tmp_path / "artikel.txt"
    path.write_bytes(b"De steun voor Oekra\xefne kost \x80 4,5 miljoen.\r\n\r\nDat zegt het kabinet.")
    document = load(path)
    assert [p.text for p in document.paragraphs] == [
        "De steun voor Oekraïne kost € 4,5 miljoen.",
        "Dat zegt het kabinet.",
    ]
    assert document.metadata.encoding == "cp1252"
    assert document.metadata.source_name == str(path)


# --------------------------------------------------------------------------------------------
# Structure


def test_example_has_fourteen_paragraphs_in_order(example):
    assert len(example.paragraphs) == 14
    assert [p.index for p in example.paragraphs] == list(range(14))


def test_example_headings_are_exactly_the_two_headings(example):
    headings = [p for p in example.paragraphs if p.kind == "heading"]
    assert tuple(p.text for p in headings) == HEADINGS
    assert [p.index for p in headings] == [4, 10]
    assert all(p.sentences == (p.text,) for p in headings)
    assert all(p.kind == "paragraph" for p in example.paragraphs if p.text not in HEADINGS)


def test_example_date_marker_is_metadata_not_text(example):
    assert example.metadata.date == "2025-02"
    assert example.metadata.dateline is None
    assert example.paragraphs[0].text.startswith("Woensdag liet de Amerikaanse")
    assert "2025-02" not in example.text


def test_example_loses_no_character_but_the_marker(example):
    source = EXAMPLE.read_text(encoding="utf-8")
    assert squeeze(source) == squeeze("date 2025-02" + example.text)


def test_full_date_marker():
    document = parse("date 2025-02-19\nHet kabinet is gevallen.")
    assert document.metadata.date == "2025-02-19"
    assert document.text == "Het kabinet is gevallen."


def test_dateline_is_metadata():
    document = parse("DEN HAAG (ANP) - Het kabinet is gevallen. Dat meldt het ANP.\n\nTweede alinea.")
    assert document.metadata.dateline == "DEN HAAG (ANP)"
    assert document.paragraphs[0].text == "Het kabinet is gevallen. Dat meldt het ANP."
    assert document.paragraphs[0].sentences == ("Het kabinet is gevallen.", "Dat meldt het ANP.")


def test_date_marker_and_dateline_together():
    document = parse("date 2025-02\n\nBRUSSEL, 12 februari - De top begint.")
    assert (document.metadata.date, document.metadata.dateline) == ("2025-02", "BRUSSEL, 12 februari")
    assert document.text == "De top begint."


def test_metadata_without_text_is_refused():
    with pytest.raises(InputError, match="no text"):
        parse("date 2025-02\n\n", source_name="leeg.txt")


def test_short_line_in_the_middle_is_a_heading_but_at_the_end_a_paragraph():
    document = parse("Eerste alinea van het stuk.\n\nTussenkop\n\nTweede alinea.\n\nMet dank aan Reuters")
    assert [p.kind for p in document.paragraphs] == ["paragraph", "heading", "paragraph", "paragraph"]
    assert document.paragraphs[-1].text == "Met dank aan Reuters"
    assert document.paragraphs[-1].sentences == ("Met dank aan Reuters",)


def test_short_line_ending_in_punctuation_is_not_a_heading():
    document = parse("Eerste alinea.\n\nKort maar af.\n\nLaatste alinea.")
    assert [p.kind for p in document.paragraphs] == ["paragraph"] * 3


def test_hard_wrapped_lines_in_a_block_are_joined():
    document = parse(
        "Het kabinet is\ngevallen   na een\n  lange nacht.\n\nDe Kamer   \n\t\nvergadert morgen."
    )
    assert [p.text for p in document.paragraphs] == [
        "Het kabinet is gevallen na een lange nacht.",
        "De Kamer",
        "vergadert morgen.",
    ]
    assert document.paragraphs[0].sentences == ("Het kabinet is gevallen na een lange nacht.",)


# --------------------------------------------------------------------------------------------
# Sentences


@pytest.mark.parametrize(
    "first",
    [
        "Er zijn o.a. boeren en vissers boos.",
        "Neem bijv. de boeren in Friesland.",
        "Dat is d.w.z. een groot probleem.",
        "Er waren ca. 300 mensen op het plein.",
        "Volgens dhr. Jansen klopt het niet.",
        "Dhr. Jansen zei dat het niet klopt.",
        "Mw. De Vries is het daar niet mee eens.",
        "Volgens prof. Osinga is het zo.",
        "Het kost 1.000,50 euro per persoon.",
        "De groei is 12,3% dit jaar.",
    ],
)
def test_abbreviations_and_numbers_do_not_end_a_sentence(first):
    assert split_sentences(f"{first} Daarna ging het verder.") == (first, "Daarna ging het verder.")


def test_quote_stays_with_its_sentence():
    text = 'Hij zei: "Dit klopt niet. Echt niet." Daarna ging hij weg. Osinga: "Klaar."'
    assert split_sentences(text) == (
        'Hij zei: "Dit klopt niet. Echt niet."',
        "Daarna ging hij weg.",
        'Osinga: "Klaar."',
    )


def test_example_sentences_keep_their_quotes_whole(example):
    sentences = [s for p in example.paragraphs for s in p.sentences]
    assert len(sentences) == 35
    unbalanced = [s for s in sentences if s.count('"') % 2]
    assert unbalanced == []


def test_example_sentences_cover_each_paragraph_exactly(example):
    for paragraph in example.paragraphs:
        assert all(sentence.strip() == sentence and sentence for sentence in paragraph.sentences)
        assert squeeze("".join(paragraph.sentences)) == squeeze(paragraph.text), paragraph.index


# --------------------------------------------------------------------------------------------
# Clause splitting


@pytest.mark.parametrize(
    "text",
    [
        "Dit is een lange zin, met een komma in het midden; en een puntkomma hier ergens.",
        "Een twee drie vier vijf zes zeven acht negen tien",
        "Hij zei dat het klopte en zij zei dat het niet klopte maar niemand luisterde.",
        "https://example.com/een/heel/lang/pad/zonder/spaties",
        "ab",
    ],
)
def test_split_clause_halves_are_non_empty_and_rejoin(text):
    halves = split_clause(text)
    assert halves is not None
    first, second = halves
    assert first.strip() and second.strip()
    assert first == first.rstrip() and second == second.lstrip()
    assert squeeze(first + second) == squeeze(text)
    assert text.startswith(first) and text.endswith(second)


def test_split_clause_prefers_semicolon_over_commas():
    text = "Het kabinet, dat al weken wankelde, viel gisteren; de oppositie, verrast, reageerde kalm."
    assert split_clause(text) == (
        "Het kabinet, dat al weken wankelde, viel gisteren;",
        "de oppositie, verrast, reageerde kalm.",
    )


def test_split_clause_takes_the_comma_nearest_the_middle():
    text = "Eerst, toen het nog rustig was in de stad en op het plein, kwam de burgemeester, later de rest."
    first, second = split_clause(text)
    assert first == "Eerst, toen het nog rustig was in de stad en op het plein,"
    assert second == "kwam de burgemeester, later de rest."


def test_split_clause_cuts_one_long_token_in_the_middle():
    token = "x" * 40 + "y" * 40
    assert split_clause(token) == ("x" * 40, "y" * 40)


@pytest.mark.parametrize("text", ["a", ""])
def test_split_clause_cannot_split_a_single_character(text):
    assert split_clause(text) is None


# --------------------------------------------------------------------------------------------
# Quote marks as the source wrote them, and sentences that join back to their paragraph

HEINEN = (
    'Het kabinet wil snel duidelijkheid. „We kunnen dit niet alleen regelen", zei Heinen. '
    '„Dit is geen luxe, maar noodzaak." Daarna vertrok hij naar Brussel.'
)


@pytest.mark.parametrize("closing", ['"', "”", "“"])
def test_dutch_quote_opened_low_keeps_its_marks(closing):
    text = HEINEN.replace('"', closing)
    assert split_sentences(text) == (
        "Het kabinet wil snel duidelijkheid.",
        f"„We kunnen dit niet alleen regelen{closing}, zei Heinen.",
        f"„Dit is geen luxe, maar noodzaak.{closing}",
        "Daarna vertrok hij naar Brussel.",
    )


def test_dutch_quotes_split_like_their_translation_so_check_finds_no_coverage_gap():
    """`wirebrief check` counts sentences on both sides: a „..." quote read as one sentence
    with the next gave a coverage error against a correct translation."""
    from wirebrief.check import check_texts

    translation = (
        'The cabinet wants clarity soon. "We cannot arrange this alone," said Heinen. '
        '"This is not a luxury, but a necessity." Then he left for Brussels.'
    )
    result = check_texts(HEINEN, translation, source_lang="nl", target_lang="en")
    assert [finding for finding in result.findings if finding.kind == "coverage"] == []


def test_a_quote_mark_pysbd_gives_the_next_sentence_stays_with_its_own():
    assert split_sentences("Hij zei: „Nee.” Zij zei: „Ja!” Einde.") == ("Hij zei: „Nee.”", "Zij zei: „Ja!”", "Einde.")


def test_example_sentences_join_back_to_each_paragraph_exactly(example):
    for paragraph in example.paragraphs:
        assert " ".join(paragraph.sentences) == paragraph.text, paragraph.index
    for text in (HEINEN, HEINEN.replace('"', "”")):
        assert " ".join(split_sentences(text)) == text


def test_no_sentence_is_cut_inside_a_word():
    text = "Het kostte 3.5 mln.Daarna niets meer. (Zie ook pagina 3.) Einde."
    sentences = split_sentences(text)
    assert " ".join(sentences) == text
    assert all(not piece.startswith(("”", ")", ".")) for piece in sentences)


def test_a_long_paragraph_is_read_in_windows_with_the_same_sentences(example, monkeypatch):
    """pysbd's time grows with the square of a paragraph's length: long ones are read in
    windows. Small windows here, so that many window edges fall inside sentences and quotes."""
    import wirebrief.inputs.document as module

    text = " ".join(p.text for p in example.paragraphs if p.kind == "paragraph")
    whole = split_sentences(text)
    monkeypatch.setattr(module, "_WINDOW", 900)
    monkeypatch.setattr(module, "_MARGIN", 450)
    windowed = split_sentences(text)
    assert len(text) > 4 * 900
    assert windowed == whole
    assert " ".join(windowed) == text


def test_a_long_sentence_without_punctuation_stays_one_sentence(monkeypatch):
    import wirebrief.inputs.document as module

    monkeypatch.setattr(module, "_WINDOW", 300)
    monkeypatch.setattr(module, "_MARGIN", 60)
    text = " ".join(f"woord{i}" for i in range(400))
    assert split_sentences(text) == (text,)
