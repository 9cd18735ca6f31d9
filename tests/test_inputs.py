"""Inputs of every kind: HTML pages (saved or fetched), Markdown, Word, sniffing, the CLI.

The HTML fixtures in tests/data/inputs/ were written for these tests: a news page full of
page furniture (news-page.html), an article with headings, a list and a quote next to a
sidebar (structured-article.html) and a search page with no article (section-index.html).
Word files are built here with python-docx; URLs are served by a real HTTP server on
127.0.0.1, so the whole of `fetch` (sockets, timeouts, headers) runs as it does for a user.
"""

from __future__ import annotations

import gzip
import http.server
import io
import json
import socket
import threading
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from wirebrief.cli import cli
from wirebrief.errors import FetchError, InputError
from wirebrief.inputs import Block, read_input, sniff, to_document

DATA = Path(__file__).parent / "data" / "inputs"
NEWS_PAGE = DATA / "news-page.html"
STRUCTURED = DATA / "structured-article.html"
INDEX_PAGE = DATA / "section-index.html"

# --------------------------------------------------------------------------------------------
# What the fixtures hold

NEWS_PARAGRAPHS = [
    (
        "Woensdag liet de Amerikaanse defensieminister Pete Hegseth weten dat Rusland geen bezet Oekraïens "
        "grondgebied hoeft terug te geven. De boodschap kwam in Brussel hard aan."
    ),
    (
        "De Amerikaanse Oekraïne-gezant ging zaterdag nog een stap verder. Hij zei geen rol te zien voor Europa "
        "bij onderhandelingen over een staakt-het-vuren tussen Oekraïne en Rusland."
    ),
    (
        "Onduidelijk is met welk uitgangspunt de Amerikanen de gesprekken met de Russen aangaan. Ondertussen "
        "verwacht de VS wel dat Europa zelf opdraait voor veiligheidsgaranties voor Oekraïne."
    ),
    (
        "Premier Dick Schoof hoopt nog dat de Amerikanen militair willen bijdragen aan een wapenstilstand. "
        '"We moeten de back-up van Amerika hebben", zei hij maandag tegen verslaggevers in Den Haag.'
    ),
]
NEWS_HEADINGS = ["Europa zoekt eigen koers na Amerikaanse ommezwaai", "Lasten zonder zeggenschap"]
NEWS_FURNITURE = [
    "cookies", "Akkoord", "Instellingen", "Voorpagina", "Binnenland", "Cultuur en media",
    "Meer over dit onderwerp", "Navo-top in Den Haag", "Zeven vragen over de onderhandelingen",
    "persconferentie van Rubio", "Reacties", "Jan123", "Eindelijk zegt iemand het hardop",
    "Pietje", "Wat een onzin weer", "© 2025", "Privacy", "Cookiebeleid", "Contact", "window.analytics",
]  # fmt: skip

STRUCTURED_BLOCKS = [
    ("heading", "Waterschappen trekken aan de bel over dijkversterking"),
    ("paragraph", ("De Nederlandse waterschappen waarschuwen dat de versterking van honderden kilometers dijk "
                   "jaren vertraging oploopt. Volgens de Unie van Waterschappen ontbreekt het aan geld en aan "
                   "technici.")),
    ("heading", "Tekort aan ingenieurs"),
    ("paragraph", ("Bij de meeste waterschappen staan al maanden vacatures open voor dijkbouwkundigen. Een "
                   "woordvoerder spreekt van een structureel probleem dat niet snel is opgelost.")),
    ("paragraph", "De waterschappen noemen drie knelpunten:"),
    ("paragraph", "te weinig technisch personeel in de regio"),
    ("paragraph", "stijgende prijzen van klei en staal"),
    ("paragraph", "lange procedures voor vergunningen"),
    ("heading", "Reactie van de minister"),
    ("paragraph", ("De minister van Infrastructuur en Waterstaat erkent de problemen, maar ziet geen reden tot "
                   "paniek.")),
    ("paragraph", "Niemand in Nederland hoeft zich vandaag zorgen te maken over zijn veiligheid achter de dijk."),
    ("paragraph", ("Het Hoogwaterbeschermingsprogramma loopt volgens de planning tot 2050. De Tweede Kamer "
                   "debatteert volgende maand over extra geld.")),
]  # fmt: skip
STRUCTURED_FURNITURE = [
    "Home", "Regio", "Klimaat", "Podcasts", "Meest gelezen", "Storm Ciarán", "fietsroutes",
    "nieuwsbrief", "Regionale Media Groep", "rechten voorbehouden",
]  # fmt: skip

PLAIN_DUTCH = (
    "Kabinet stelt besluit over stikstof uit\n\n"
    "Het kabinet neemt pas na de zomer een besluit over de nieuwe stikstofregels. Dat meldt de minister "
    "van Landbouw in een brief aan de Tweede Kamer.\n\n"
    "Boerenorganisaties reageren teleurgesteld. Zij wachten al twee jaar op duidelijkheid over vergunningen.\n"
)
PLAIN_PARAGRAPHS = [" ".join(block.split()) for block in PLAIN_DUTCH.strip().split("\n\n")]

SHORT_HTML = (
    '<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8"><title>Brand in Zwolle</title></head>'
    '<body><nav><ul><li><a href="/">Voorpagina</a></li><li><a href="/sport">Sport</a></li></ul></nav>'
    "<article><h1>Brand in Zwolle</h1>"
    "<p>In een loods aan de Hanzelaan in Zwolle woedt sinds vanochtend een grote brand. De brandweer vraagt "
    "omwonenden ramen en deuren te sluiten.</p>"
    "<p>Er zijn volgens de veiligheidsregio geen gewonden gevallen. De oorzaak van de brand is nog niet "
    "bekend.</p></article><footer><p>Copyright 2025 Wiredesk</p></footer></body></html>\n"
)
SHORT_PARAGRAPHS = [
    (
        "In een loods aan de Hanzelaan in Zwolle woedt sinds vanochtend een grote brand. De brandweer vraagt "
        "omwonenden ramen en deuren te sluiten."
    ),
    "Er zijn volgens de veiligheidsregio geen gewonden gevallen. De oorzaak van de brand is nog niet bekend.",
]


def texts(source, kind: str | None = None) -> list[str]:
    return [block.text for block in source.blocks if kind is None or block.kind == kind]


def in_order(items: list[str], within: list[str]) -> bool:
    """Every item occurs in `within`, in this order (other entries may come between)."""
    position = 0
    for item in items:
        try:
            position = within.index(item, position) + 1
        except ValueError:
            return False
    return True


def make_article_html(*body: str, title: str = "Test") -> str:
    return (
        f'<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><article>{''.join(body)}</article></body></html>"
    )


# --------------------------------------------------------------------------------------------
# HTML: the article, without the page around it


def test_news_page_keeps_every_article_paragraph_in_order_and_no_furniture():
    source = read_input(NEWS_PAGE)
    assert source.input_format == "html" and source.origin == "file" and source.text is None
    paragraphs = texts(source, "paragraph")
    assert in_order(NEWS_PARAGRAPHS, paragraphs), paragraphs
    assert texts(source, "heading") == NEWS_HEADINGS
    everything = "\n".join(texts(source))
    for furniture in NEWS_FURNITURE:
        assert furniture not in everything, furniture
    # The headline comes first, the subheading between the second and third paragraph.
    assert texts(source)[0] == NEWS_HEADINGS[0]
    order = texts(source)
    assert order.index(NEWS_PARAGRAPHS[1]) < order.index(NEWS_HEADINGS[1]) < order.index(NEWS_PARAGRAPHS[2])


def test_news_page_metadata():
    source = read_input(NEWS_PAGE)
    assert source.title == "Europa zoekt eigen koers na Amerikaanse ommezwaai"  # without "| De Wiredesk"
    assert source.author == "Marieke de Vries"
    assert source.date == "2025-02-19"
    assert source.site == "De Wiredesk"
    assert source.url == "https://wiredesk.example/buitenland/europa-eigen-koers"
    assert source.encoding == "utf-8"
    # The title is a heading of the body already, so it is not added a second time.
    assert texts(source, "heading").count(source.title) == 1


def test_structured_article_keeps_headings_list_and_quote_in_order():
    source = read_input(STRUCTURED)
    assert [(block.kind, block.text) for block in source.blocks] == STRUCTURED_BLOCKS
    everything = "\n".join(texts(source))
    for furniture in STRUCTURED_FURNITURE:
        assert furniture not in everything, furniture
    assert (source.title, source.author, source.date, source.site) == (
        "Waterschappen trekken aan de bel over dijkversterking", "Sanne Bakker", "2025-03-04", "Polderpost",
    )  # fmt: skip


def test_headline_outside_the_article_body_is_put_first():
    html = (
        '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8">'
        '<meta property="og:title" content="Treinverkeer rond Utrecht urenlang plat"></head><body>'
        f"<article><p>{SHORT_PARAGRAPHS[0]}</p><p>{SHORT_PARAGRAPHS[1]}</p></article></body></html>"
    )
    source = read_input("kop.html", data=html.encode())
    assert source.blocks[0] == Block("heading", "Treinverkeer rond Utrecht urenlang plat")
    assert texts(source, "paragraph") == SHORT_PARAGRAPHS


def test_page_without_article_is_refused():
    with pytest.raises(InputError) as caught:
        read_input(INDEX_PAGE)
    message = caught.value.one_line()
    assert "section-index.html" in message and "no article text" in message
    assert "\n" not in message
    assert not isinstance(caught.value, FetchError) and caught.value.exit_code == 3


def test_page_of_only_furniture_is_refused_with_one_clear_line():
    html = (
        '<!DOCTYPE html><html lang="nl"><head><title>Menu</title></head><body>'
        '<nav><a href="/">Home</a> <a href="/a">Nieuws</a></nav><footer><p>Contact</p></footer></body></html>'
    )
    with pytest.raises(InputError) as caught:
        read_input("menu.html", data=html.encode())
    message = caught.value.one_line()
    assert message.startswith("menu.html has no article text") and "\n" not in message
    assert "save the article text" in message  # the hint says what to do


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "<p>Het kabinet is gevallen.<br>De premier biedt vanavond het ontslag aan bij de koning.</p>",
            "Het kabinet is gevallen. De premier biedt vanavond het ontslag aan bij de koning.",
            id="br-in-paragraph",
        ),
        pytest.param(
            "<blockquote><p>Wij staan voor grote opgaven in dit land.</p><p>Samen kunnen wij die aan.</p>"
            "</blockquote>",
            "Wij staan voor grote opgaven in dit land. Samen kunnen wij die aan.",
            id="quote-of-two-paragraphs",
        ),
        pytest.param(
            "<ul><li>Huurders<ul><li>de huur mag met maximaal vijf procent stijgen</li>"
            "<li>servicekosten worden beter gecontroleerd</li></ul></li></ul>",
            "Huurders de huur mag met maximaal vijf procent stijgen servicekosten worden beter gecontroleerd",
            id="nested-list",
        ),
    ],
)
def test_html_line_breaks_and_nested_blocks_keep_words_apart(body, expected):
    """Every word once, none glued to the next (split into paragraphs or not)."""
    intro = "<p>Het nieuws van vandaag in het kort, met de belangrijkste berichten uit Den Haag.</p>"
    source = read_input("pagina.html", data=make_article_html("<h1>Het nieuws</h1>", intro, body).encode())
    assert " ".join(texts(source, "paragraph")[1:]) == expected


def test_html_paragraphs_written_with_double_br_stay_apart():
    body = (
        "<p>Het kabinet is gevallen na een lang debat in de Tweede Kamer.<br><br>"
        "De premier biedt vandaag zijn ontslag aan bij de koning.</p>"
        "<div>De oppositie wil zo snel mogelijk nieuwe verkiezingen.<br/>\n<br />"
        "Die kunnen op zijn vroegst in het najaar worden gehouden.</div>"
    )
    source = read_input("val.html", data=make_article_html("<h1>Kabinet gevallen</h1>", body).encode())
    assert texts(source, "paragraph") == [
        "Het kabinet is gevallen na een lang debat in de Tweede Kamer.",
        "De premier biedt vandaag zijn ontslag aan bij de koning.",
        "De oppositie wil zo snel mogelijk nieuwe verkiezingen.",
        "Die kunnen op zijn vroegst in het najaar worden gehouden.",
    ]


FRAGMENT = (
    "<p>De uitslag van de Tweede Kamerverkiezingen is bekend, meldt het ANP vanavond.</p>"
    "<ul><li>PVV: 37</li><li>VVD: 24</li></ul>"
    '<p><a href="https://wiredesk.example/uitslag">Bekijk alle uitslagen per gemeente</a></p>'
)


@pytest.mark.parametrize("name", ["-", "records.jsonl:2"])
def test_html_fragment_keeps_its_list_items_and_link_text(name):
    """A fragment (HTML on stdin, in a JSONL record) is an article body: there is no furniture."""
    source = read_input(name, data=FRAGMENT.encode())
    assert source.input_format == "html"
    assert " ".join(texts(source, "paragraph")) == (
        "De uitslag van de Tweede Kamerverkiezingen is bekend, meldt het ANP vanavond. PVV: 37 VVD: 24 "
        "Bekijk alle uitslagen per gemeente"
    )


def test_copyright_year_is_not_the_articles_date():
    html = (
        '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>Zwembad</title></head><body>'
        f"<article><h1>Nieuw zwembad in Zwolle</h1><p>{SHORT_PARAGRAPHS[0]}</p><p>{SHORT_PARAGRAPHS[1]}</p>"
        "</article><footer><p>© 2019 Krant BV</p></footer></body></html>"
    )
    assert read_input("zwembad.html", data=html.encode()).date is None
    assert read_input(NEWS_PAGE).date == "2025-02-19"  # a date the page states is still found


def test_html_that_breaks_the_parser_is_an_input_error():
    with pytest.raises(InputError) as caught:
        read_input("kapot.html", data=b"<math><li><li><body>")
    message = caught.value.one_line()
    assert message.startswith("kapot.html cannot be read as HTML (") and "\n" not in message


# --------------------------------------------------------------------------------------------
# Sniffing: the content first, then the name


def test_html_in_a_txt_file_is_read_as_html(tmp_path):
    path = tmp_path / "artikel.txt"
    path.write_bytes(NEWS_PAGE.read_bytes())
    source = read_input(path)
    assert source.input_format == "html"
    assert in_order(NEWS_PARAGRAPHS, texts(source, "paragraph"))


def test_html_fragment_without_doctype_is_html():
    fragment = f"<h1>Brand in Zwolle</h1>\n<p>{SHORT_PARAGRAPHS[0]}</p>\n<p>{SHORT_PARAGRAPHS[1]}</p>\n"
    assert sniff(fragment.encode(), "bericht.txt") == "html"
    source = read_input("bericht.txt", data=fragment.encode())
    assert texts(source, "paragraph") == SHORT_PARAGRAPHS


def test_html_on_stdin_is_sniffed_as_html():
    source = read_input("-", data=SHORT_HTML.encode())
    assert source.input_format == "html" and source.origin == "stdin"
    assert texts(source, "paragraph") == SHORT_PARAGRAPHS
    assert "Voorpagina" not in source.plain_text


def test_html_with_bom_and_xml_declaration_is_html():
    data = b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?>\n' + SHORT_HTML.split("\n", 1)[1].encode()
    assert sniff(data, "-") == "html"


def test_saved_page_with_a_comment_and_a_long_script_first_is_html():
    """A browser's "saved from" comment before the doctype, then 10 KB of script before any tag
    that looks like a page's."""
    page = (
        "<!-- saved from url=(0045)https://wiredesk.example/binnenland/brand -->\n"
        '<!DOCTYPE html><html lang="nl"><head><script>' + "var wiredesk = window.wiredesk || {};\n" * 300
        + '</script><meta charset="utf-8"><title>Brand in Zwolle</title></head><body><article>'
        f"<h1>Brand in Zwolle</h1><p>{SHORT_PARAGRAPHS[0]}</p><p>{SHORT_PARAGRAPHS[1]}</p></article></body></html>"
    ).encode()
    assert sniff(page, "brand.txt") == "html" and sniff(page, "-") == "html"
    assert texts(read_input("brand.txt", data=page), "paragraph") == SHORT_PARAGRAPHS


def test_a_server_saying_html_wins_over_markdown_signs():
    page = b"# Brand in Zwolle\n\n## Loods\n\n<p>In een loods woedt een brand.</p>\n"
    assert sniff(page, "https://wiredesk.example/brand", content_kind="html") == "html"
    assert sniff(page, "https://wiredesk.example/brand") == "markdown"


def test_plain_text_in_html_file_is_still_read(tmp_path):
    """Content first: prose without a single tag is not HTML, whatever its name says."""
    path = tmp_path / "bericht.html"
    path.write_text(PLAIN_DUTCH, encoding="utf-8")
    source = read_input(path)
    assert [" ".join(part.split()) for part in source.plain_text.strip().split("\n\n")] == PLAIN_PARAGRAPHS


def test_markdown_with_atx_headings_is_markdown_whatever_the_name():
    text = "# Kabinet stelt besluit uit\n\nHet kabinet neemt pas na de zomer een besluit.\n"
    assert sniff(text.encode(), "bericht.txt") == "markdown"
    assert sniff(text.encode(), "-") == "markdown"


PRESS_RELEASE = (
    "PERSBERICHT\n\n"
    "Eindhoven, 3 februari 2025 - <Philips> maakt vandaag de cijfers over het vierde kwartaal bekend.\n\n"
    "De belangrijkste punten:\n\n"
    "1. omzet stijgt\n"
    "2. winst daalt\n\n"
    "Meer informatie\n"
    "---\n"
    "Afdeling communicatie, telefoon 040 123 4567.\n\n"
)


@pytest.mark.parametrize("end_mark", ["# # #", "###", "#  #  #  "])
@pytest.mark.parametrize("name", ["persbericht.txt", "-"])
def test_press_release_with_its_end_mark_is_plain_text(name, end_mark):
    text = PRESS_RELEASE + end_mark + "\n"
    assert sniff(text.encode(), name) == "text"
    source = read_input(name, data=text.encode())
    assert source.input_format == "text" and source.text == text  # <Philips>, "1." and "---" as written


def test_one_heading_further_down_is_markdown_only_in_a_md_file():
    text = "Het kabinet is gevallen.\n\n# Reacties\n\nDe oppositie wil nieuwe verkiezingen.\n"
    assert sniff(text.encode(), "bericht.txt") == "text"
    assert sniff(text.encode(), "-") == "text"
    assert sniff(text.encode(), "bericht.md") == "markdown"
    two = text + "\n## Verkiezingen\n\nDie komen er in het najaar.\n"
    assert sniff(two.encode(), "bericht.txt") == "markdown" and sniff(two.encode(), "-") == "markdown"


def test_md_name_with_plain_text_is_markdown(tmp_path):
    path = tmp_path / "bericht.md"
    path.write_text(PLAIN_DUTCH, encoding="utf-8")
    source = read_input(path)
    assert source.input_format == "markdown"
    assert texts(source) == PLAIN_PARAGRAPHS


def test_plain_dutch_text_with_one_dash_line_is_text():
    text = (
        "De gemeente maakt bekend dat de weg dicht gaat.\n\n"
        "- vanaf maandag is de Ringweg afgesloten voor al het verkeer.\n\n"
        "Omleidingen worden met gele borden aangegeven.\n"
    )
    assert sniff(text.encode(), "bericht.txt") == "text"
    source = read_input("bericht.txt", data=text.encode())
    assert source.input_format == "text" and source.text == text and source.blocks == ()


def test_two_markdown_signs_without_heading_are_markdown():
    text = "Het college krijgt **drie** opdrachten:\n\n- een verkeersplan maken\n- de kosten berekenen\n"
    assert sniff(text.encode(), "-") == "markdown"


def test_markdown_with_a_few_inline_html_links_is_still_markdown(tmp_path):
    path = tmp_path / "bericht.md"
    path.write_text(
        "# Utrecht schrapt plan voor autoluwe binnenstad\n\n"
        'De raad heeft het plan van tafel gehaald, meldt <a href="https://rtv.example">RTV Utrecht</a>.\n\n'
        "## Reacties\n\n"
        'Ondernemers zijn opgelucht, zegt <a href="https://ov.example">de ondernemersvereniging</a>.\n',
        encoding="utf-8",
    )
    source = read_input(path)
    assert source.input_format == "markdown"
    assert texts(source, "heading") == ["Utrecht schrapt plan voor autoluwe binnenstad", "Reacties"]


def test_input_format_text_keeps_html_as_it_is():
    source = read_input("pagina.html", data=SHORT_HTML.encode(), input_format="text")
    assert source.input_format == "text" and source.blocks == ()
    assert source.text == SHORT_HTML
    assert "<p>" in source.plain_text and "Voorpagina" in source.plain_text


def test_input_format_html_forces_html_on_a_txt_name():
    source = read_input("bericht.txt", data=SHORT_HTML.encode(), input_format="html")
    assert source.input_format == "html" and texts(source, "paragraph") == SHORT_PARAGRAPHS


def test_unknown_input_format_is_a_usage_error():
    from wirebrief.errors import UsageError

    with pytest.raises(UsageError, match="unknown input format 'pdf'"):
        read_input("bericht.txt", data=b"tekst", input_format="pdf")


def test_zip_that_is_not_docx_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("artikel.txt", PLAIN_DUTCH)
    with pytest.raises(InputError) as caught:
        read_input("archief.docx", data=buffer.getvalue())
    message = caught.value.one_line()
    assert "archief.docx is a ZIP archive" in message and "\n" not in message


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4, id="png"
        ),
        pytest.param(bytes(range(256)) * 8, id="every-byte"),
    ],
)
def test_binary_data_is_refused(data):
    with pytest.raises(InputError, match="binary, not text") as caught:
        read_input("foto.html", data=data)
    assert "\n" not in caught.value.one_line()


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "leeg.html"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="is empty"):
        read_input(path)


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_input(tmp_path / "bestaat-niet.html")


def test_saved_page_in_windows_1252_is_decoded_by_its_meta_charset():
    html = SHORT_HTML.replace('charset="utf-8"', 'charset="windows-1252"').replace(
        "grote brand.", "grote brand in het café. De schade is € 2 miljoen."
    )
    source = read_input("pagina.html", data=html.encode("cp1252"))
    assert "grote brand in het café. De schade is € 2 miljoen." in source.plain_text
    assert source.encoding == "windows-1252"


@pytest.mark.parametrize("declared", ["iso-8859-1", "windows-1252", "latin1", "us-ascii"])
def test_utf8_page_that_declares_a_single_byte_charset_is_read_as_utf8(declared):
    html = SHORT_HTML.replace('charset="utf-8"', f'charset="{declared}"').replace(
        "grote brand.", "grote brand. Het ministerie van Financiën stuurt experts."
    )
    source = read_input("pagina.html", data=html.encode("utf-8"))
    assert "Het ministerie van Financiën stuurt experts." in source.plain_text
    assert "Ã" not in source.plain_text and source.encoding == "utf-8"


# --------------------------------------------------------------------------------------------
# Markdown

MARKDOWN = """---
title: "Gemeente Utrecht schrapt plan voor autoluwe binnenstad"
author: Ahmed el Amrani
date: 2025-03-10
---

# Gemeente Utrecht schrapt plan voor autoluwe binnenstad

De gemeenteraad van Utrecht heeft het plan voor een **autoluwe** binnenstad *voorlopig* van tafel gehaald. \
Dat besloot de raad na een debat van [ruim zes uur](https://utrecht.example/raad/debat).

## Wat er nu gebeurt

Het college krijgt _drie_ opdrachten:

- een nieuw verkeersplan maken
- ondernemers aan de `Oudegracht` spreken
- de kosten opnieuw berekenen

| Partij | Stemmen |
| --- | --- |
| Voor | 18 |
| Tegen | 27 |

> Dit is een gemiste kans voor de stad, zei wethouder Van Dijk.
"""

MARKDOWN_BLOCKS = [
    ("heading", "Gemeente Utrecht schrapt plan voor autoluwe binnenstad"),
    ("paragraph", ("De gemeenteraad van Utrecht heeft het plan voor een autoluwe binnenstad voorlopig van tafel "
                   "gehaald. Dat besloot de raad na een debat van ruim zes uur.")),
    ("heading", "Wat er nu gebeurt"),
    ("paragraph", "Het college krijgt drie opdrachten:"),
    ("paragraph", "een nieuw verkeersplan maken"),
    ("paragraph", "ondernemers aan de Oudegracht spreken"),
    ("paragraph", "de kosten opnieuw berekenen"),
    ("paragraph", "Partij | Stemmen"),
    ("paragraph", "Voor | 18"),
    ("paragraph", "Tegen | 27"),
    ("paragraph", "Dit is een gemiste kans voor de stad, zei wethouder Van Dijk."),
]  # fmt: skip


def test_markdown_blocks_in_order_without_markup():
    source = read_input("bericht.md", data=MARKDOWN.encode())
    assert source.input_format == "markdown"
    assert [(block.kind, block.text) for block in source.blocks] == MARKDOWN_BLOCKS
    everything = "\n".join(texts(source))
    for marker in ("**", "*", "_", "`", "](", "https://", "#", "---", "|---", "> "):
        assert marker not in everything, marker
    assert "ruim zes uur" in everything  # the link's text stays, its address goes


def test_markdown_front_matter_gives_title_author_date():
    source = read_input("bericht.md", data=MARKDOWN.encode())
    assert source.title == "Gemeente Utrecht schrapt plan voor autoluwe binnenstad"  # quotes stripped
    assert source.author == "Ahmed el Amrani"
    assert source.date == "2025-03-10"
    assert "title:" not in source.plain_text and "Ahmed" not in source.plain_text


def test_markdown_title_without_heading_becomes_the_first_heading():
    text = "---\ntitle: Storm legt treinverkeer stil\n---\n\nDe NS rijdt vandaag niet in het noorden.\n"
    source = read_input("bericht.md", data=text.encode())
    assert [(block.kind, block.text) for block in source.blocks] == [
        ("heading", "Storm legt treinverkeer stil"),
        ("paragraph", "De NS rijdt vandaag niet in het noorden."),
    ]


def test_markdown_of_only_markup_is_refused():
    with pytest.raises(InputError, match="no text outside its Markdown markup"):
        read_input("leeg.md", data=b"---\ntitle: x\n---\n\n---\n\n***\n")


def test_markdown_inline_br_keeps_words_apart():
    source = read_input("gedicht.md", data=b"# Gedicht\n\nEerste regel van het gedicht<br>tweede regel.\n")
    assert texts(source, "paragraph") == ["Eerste regel van het gedicht tweede regel."]


def test_markdown_opening_rule_and_prose_is_no_front_matter():
    text = (
        "---\nDe gemeente Utrecht presenteert vandaag het nieuwe verkeersplan.\n\n"
        "Het plan kost volgens de wethouder: tien miljoen euro.\n---\n\nDe raad stemt volgende week.\n"
    )
    source = read_input("bericht.md", data=text.encode())
    assert texts(source) == [
        "De gemeente Utrecht presenteert vandaag het nieuwe verkeersplan.",
        "Het plan kost volgens de wethouder: tien miljoen euro.",
        "De raad stemt volgende week.",
    ]
    assert source.title is None


@pytest.mark.parametrize(
    "field",
    [
        pytest.param("title: >\n  Gemeente Utrecht schrapt\n  plan voor autoluwe binnenstad", id="folded"),
        pytest.param("title: >-\n  Gemeente Utrecht schrapt plan\n  voor autoluwe binnenstad", id="folded-strip"),
        pytest.param("title: |\n  Gemeente Utrecht schrapt plan voor autoluwe binnenstad", id="literal"),
        pytest.param("title: |+\n  Gemeente Utrecht schrapt plan voor autoluwe binnenstad\n", id="literal-keep"),
        pytest.param("title: Gemeente Utrecht schrapt\n  plan voor autoluwe binnenstad", id="plain-continued"),
    ],
)
def test_markdown_front_matter_value_over_several_lines(field):
    text = f"---\n{field}\nauthor: Ahmed el Amrani\n---\n\nDe gemeenteraad heeft het plan van tafel gehaald.\n"
    source = read_input("bericht.md", data=text.encode())
    assert source.title == "Gemeente Utrecht schrapt plan voor autoluwe binnenstad"
    assert source.author == "Ahmed el Amrani"
    assert [(block.kind, block.text) for block in source.blocks] == [
        ("heading", "Gemeente Utrecht schrapt plan voor autoluwe binnenstad"),
        ("paragraph", "De gemeenteraad heeft het plan van tafel gehaald."),
    ]


def test_markdown_front_matter_values_stay_as_written():
    """Front matter is YAML, read with every plain value as text: no date, number or yes/no
    conversions; a list is "a, b"; a comment is no part of a value."""
    text = (
        "---\ntitle: 1984\nauthor:\n  - Ahmed el Amrani\n  - 'Anna de Vries'\n"
        "date: 2025-03-10 14:30  # bijgewerkt\ndraft: yes\n---\n\nDe raad stemt volgende week.\n"
    )
    source = read_input("bericht.md", data=text.encode())
    assert (source.title, source.author, source.date) == ("1984", "Ahmed el Amrani, Anna de Vries", "2025-03-10 14:30")


def test_markdown_front_matter_yaml_refuses_is_read_field_by_field():
    """Written by hand, front matter is often not valid YAML (a colon in a headline): each field
    YAML can read is read, the others are taken as written, and no article text is lost."""
    text = (
        "---\ntitle: Kabinet: geen extra geld voor dijken\nauthor: \"Ahmed el Amrani\"\ndate: 2025-03-10\n---\n\n"
        "De dijken worden niet verhoogd.\n"
    )
    source = read_input("bericht.md", data=text.encode())
    assert (source.title, source.author, source.date) == (
        "Kabinet: geen extra geld voor dijken", "Ahmed el Amrani", "2025-03-10",
    )  # fmt: skip
    assert texts(source) == ["Kabinet: geen extra geld voor dijken", "De dijken worden niet verhoogd."]


def test_markdown_broken_front_matter_that_is_no_run_of_fields_stays_text():
    text = '---\ntitle: "Storm legt\nDe NS rijdt vandaag niet.\n---\n\nDe storm houdt aan.\n'
    source = read_input("bericht.md", data=text.encode())
    assert source.title is None
    assert "De NS rijdt vandaag niet." in " ".join(texts(source))
    assert texts(source)[-1] == "De storm houdt aan."


def test_markdown_ordered_list_items_keep_their_numbers():
    text = (
        "# Jaarcijfers\n\nDe belangrijkste punten:\n\n1. omzet stijgt\n2. winst daalt\n\n"
        "Verder:\n\n7) het dividend blijft gelijk\n\n- een los punt\n"
    )
    assert texts(read_input("cijfers.md", data=text.encode()), "paragraph") == [
        "De belangrijkste punten:", "1. omzet stijgt", "2. winst daalt", "Verder:", "7) het dividend blijft gelijk",
        "een los punt",
    ]  # fmt: skip


def test_markdown_keeps_text_in_angle_brackets_that_is_no_html_tag():
    text = (
        "# Bericht\n\nVolgens <Jan Jansen> gaat het <b>goed</b> met <Philips>, meldt "
        '<a href="https://krant.example">de krant</a>.<br>Einde.\n\n<Mark Rutte>\n\n<div>Slot</div>\n'
    )
    assert texts(read_input("bericht.md", data=text.encode()), "paragraph") == [
        "Volgens <Jan Jansen> gaat het goed met <Philips>, meldt de krant. Einde.", "<Mark Rutte>", "Slot",
    ]  # fmt: skip


# --------------------------------------------------------------------------------------------
# Word


def make_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = "Havenstaking legt Rotterdam plat"
    document.core_properties.author = "Femke Jansen"
    document.add_heading("Havenstaking legt Rotterdam plat", level=0)
    document.add_paragraph("Sjorders in de haven van Rotterdam leggen vrijdag opnieuw het werk neer.")
    document.add_heading("Gevolgen voor de scheepvaart", level=1)
    document.add_paragraph("Tientallen containerschepen moeten op zee wachten tot ze kunnen aanmeren.")
    table = document.add_table(rows=2, cols=3)
    for row, values in enumerate([("Terminal", "Schepen", "Wachttijd"), ("Maasvlakte", "14", "3 dagen")]):
        for column, value in enumerate(values):
            table.cell(row, column).text = value
    document.add_paragraph("   ")  # an empty paragraph is skipped
    document.add_heading("Vakbond", level=2)
    document.add_paragraph("De vakbond verwacht dat de acties tot het weekend duren.", style="List Bullet")
    document.save(path)
    return path


DOCX_BLOCKS = [
    ("heading", "Havenstaking legt Rotterdam plat"),
    ("paragraph", "Sjorders in de haven van Rotterdam leggen vrijdag opnieuw het werk neer."),
    ("heading", "Gevolgen voor de scheepvaart"),
    ("paragraph", "Tientallen containerschepen moeten op zee wachten tot ze kunnen aanmeren."),
    ("paragraph", "Terminal | Schepen | Wachttijd"),
    ("paragraph", "Maasvlakte | 14 | 3 dagen"),
    ("heading", "Vakbond"),
    ("paragraph", "De vakbond verwacht dat de acties tot het weekend duren."),
]


def test_docx_headings_paragraphs_and_table_rows_in_order(tmp_path):
    source = read_input(make_docx(tmp_path / "staking.docx"))
    assert source.input_format == "docx"
    assert [(block.kind, block.text) for block in source.blocks] == DOCX_BLOCKS
    assert (source.title, source.author, source.date) == (
        "Havenstaking legt Rotterdam plat",
        "Femke Jansen",
        None,
    )


def test_docx_is_found_by_its_content_whatever_the_name(tmp_path):
    path = make_docx(tmp_path / "staking.docx")
    renamed = tmp_path / "staking.txt"
    renamed.write_bytes(path.read_bytes())
    assert sniff(renamed.read_bytes(), str(renamed)) == "docx"
    assert read_input(renamed).input_format == "docx"
    assert read_input("-", data=path.read_bytes()).input_format == "docx"


def test_docx_to_document_keeps_kinds_and_metadata(tmp_path):
    source = read_input(make_docx(tmp_path / "staking.docx"))
    document = to_document(source, "nl")
    assert [(p.kind, p.text) for p in document.paragraphs] == DOCX_BLOCKS
    assert document.metadata.input_format == "docx"
    assert document.metadata.title == "Havenstaking legt Rotterdam plat"
    assert document.metadata.author == "Femke Jansen"


def test_docx_table_row_keeps_equal_neighbouring_cells(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("De uitslagen van de speelronde in de eredivisie van zondag.")
    table = document.add_table(rows=2, cols=3)
    for row, values in enumerate([("Wedstrijd", "Thuis", "Uit"), ("PSV - Ajax", "2", "2")]):
        for column, value in enumerate(values):
            table.cell(row, column).text = value
    document.save(tmp_path / "uitslagen.docx")
    source = read_input(tmp_path / "uitslagen.docx")
    assert texts(source)[-1] == "PSV - Ajax | 2 | 2"


def test_docx_merged_cells_are_read_once(tmp_path):
    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    for column, value in enumerate(("Partij", "Voor", "Tegen")):
        table.cell(0, column).text = value
    table.cell(1, 0).merge(table.cell(1, 2)).text = "Stemming uitgesteld tot na het reces"
    document.save(tmp_path / "stemming.docx")
    assert texts(read_input(tmp_path / "stemming.docx")) == [
        "Partij | Voor | Tegen", "Stemming uitgesteld tot na het reces",
    ]  # fmt: skip


def docx_with_body(tmp_path: Path, body: bytes) -> bytes:
    """A real .docx whose word/document.xml is replaced by `body`."""
    original = make_docx(tmp_path / "origineel.docx")
    with zipfile.ZipFile(original) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, body if name == "word/document.xml" else content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"dit is geen xml \x01\x02", id="garbage"),
        pytest.param(b'<?xml version="1.0"?><geen-word-document/>', id="wrong-root"),
    ],
)
def test_corrupt_docx_is_an_input_error(tmp_path, body):
    data = docx_with_body(tmp_path, body)
    with pytest.raises(InputError) as caught:
        read_input("kapot.docx", data=data)
    assert "kapot.docx" in caught.value.one_line() and "\n" not in caught.value.one_line()


def test_docx_without_content_types_is_an_input_error():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<<< geen xml")
    with pytest.raises(InputError, match="kapot.docx is not a readable Word document"):
        read_input("kapot.docx", data=buffer.getvalue())


def test_truncated_docx_is_an_input_error(tmp_path):
    data = make_docx(tmp_path / "staking.docx").read_bytes()
    with pytest.raises(InputError) as caught:
        read_input("afgebroken.docx", data=data[: len(data) // 2])
    assert "afgebroken.docx" in caught.value.one_line()


def test_docx_without_text_is_refused(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("")
    document.save(tmp_path / "leeg.docx")
    with pytest.raises(InputError, match="Word document without text"):
        read_input(tmp_path / "leeg.docx")


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx_with_xml(path: Path, *elements: str) -> Path:
    """A .docx from python-docx whose body holds `elements` (w:p, w:tbl, w:sdt as Word writes
    them): tracked changes, fields and content controls, which python-docx cannot add itself."""
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    body = document.element.body
    for xml in elements:
        body.sectPr.addprevious(parse_xml(xml))
    document.save(path)
    return path


def test_docx_keeps_tracked_insertions_and_leaves_deletions_out(tmp_path):
    path = docx_with_xml(
        tmp_path / "wijzigingen.docx",
        f'<w:p {W}><w:r><w:t xml:space="preserve">Het kabinet is </w:t></w:r>'
        '<w:ins w:id="1" w:author="Redactie"><w:r><w:t xml:space="preserve">dinsdagavond </w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="Redactie"><w:r><w:delText xml:space="preserve">maandag </w:delText></w:r></w:del>'
        "<w:r><w:t>gevallen.</w:t></w:r></w:p>",
        f"<w:p {W}><w:r><w:t>De Oekraïne</w:t><w:noBreakHyphen/><w:t>gezant sprak met de staats</w:t>"
        "<w:softHyphen/><w:t>secretaris.</w:t><w:tab/><w:t>Daarna</w:t><w:br/><w:t>vertrok hij.</w:t></w:r></w:p>",
    )
    assert texts(read_input(path)) == [
        "Het kabinet is dinsdagavond gevallen.",
        "De Oekraïne-gezant sprak met de staatssecretaris. Daarna vertrok hij.",
    ]


def test_docx_keeps_the_text_of_fields(tmp_path):
    path = docx_with_xml(
        tmp_path / "velden.docx",
        f'<w:p {W}><w:r><w:t xml:space="preserve">Volgens </w:t></w:r>'
        '<w:fldSimple w:instr=" DOCPROPERTY Woordvoerder "><w:r><w:t>Jan Jansen</w:t></w:r></w:fldSimple>'
        '<w:r><w:t xml:space="preserve"> en </w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> AUTHOR </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>Femke de Vries</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t xml:space="preserve"> is het akkoord rond.</w:t></w:r>'
        "</w:p>",
    )
    assert texts(read_input(path)) == ["Volgens Jan Jansen en Femke de Vries is het akkoord rond."]


def test_docx_keeps_the_text_of_content_controls(tmp_path):
    path = docx_with_xml(
        tmp_path / "sjabloon.docx",
        f'<w:sdt {W}><w:sdtPr><w:alias w:val="Kop en intro"/></w:sdtPr><w:sdtContent>'
        '<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Kabinet gevallen</w:t></w:r></w:p>'
        "<w:p><w:r><w:t>Het kabinet is dinsdagavond gevallen.</w:t></w:r></w:p></w:sdtContent></w:sdt>",
        f'<w:p {W}><w:r><w:t xml:space="preserve">Premier </w:t></w:r><w:sdt><w:sdtPr><w:alias w:val="Naam"/>'
        "</w:sdtPr><w:sdtContent><w:r><w:t>Dick Schoof</w:t></w:r></w:sdtContent></w:sdt>"
        '<w:r><w:t xml:space="preserve"> biedt zijn ontslag aan.</w:t></w:r></w:p>',
        f"<w:tbl {W}><w:tr><w:tc><w:p><w:r><w:t>Partij</w:t></w:r></w:p></w:tc>"
        "<w:tc><w:p><w:r><w:t>Zetels</w:t></w:r></w:p></w:tc></w:tr>"
        "<w:sdt><w:sdtContent><w:tr><w:tc><w:p><w:r><w:t>PVV</w:t></w:r></w:p></w:tc>"
        "<w:sdt><w:sdtContent><w:tc><w:p><w:r><w:t>37</w:t></w:r></w:p></w:tc></w:sdtContent></w:sdt>"
        "</w:tr></w:sdtContent></w:sdt></w:tbl>",
    )
    assert [(block.kind, block.text) for block in read_input(path).blocks] == [
        ("heading", "Kabinet gevallen"),
        ("paragraph", "Het kabinet is dinsdagavond gevallen."),
        ("paragraph", "Premier Dick Schoof biedt zijn ontslag aan."),
        ("paragraph", "Partij | Zetels"),
        ("paragraph", "PVV | 37"),
    ]


def test_docx_keeps_the_text_of_nested_tables(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("De uitslagen in de vier grote steden zijn binnen.")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Utrecht"
    nested = table.cell(0, 1).add_table(rows=2, cols=2)
    for row, values in enumerate([("GroenLinks-PvdA", "12"), ("D66", "8")]):
        for column, value in enumerate(values):
            nested.cell(row, column).text = value
    document.save(tmp_path / "uitslagen.docx")
    assert texts(read_input(tmp_path / "uitslagen.docx")) == [
        "De uitslagen in de vier grote steden zijn binnen.", "Utrecht | GroenLinks-PvdA 12 D66 8",
    ]  # fmt: skip


def test_docx_text_box_and_moved_text_are_read_once(tmp_path):
    """Word writes a text box twice (for Word 2010 on and, as a fallback, for older versions)
    and a moved passage at both places (the old one marked moveFrom)."""
    namespaces = (
        f'{W} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
        'xmlns:v="urn:schemas-microsoft-com:vml"'
    )
    box = "<w:txbxContent><w:p><w:r><w:t>Lees ook het commentaar op pagina 3.</w:t></w:r></w:p></w:txbxContent>"
    path = docx_with_xml(
        tmp_path / "kader.docx",
        f'<w:p {namespaces}><w:r><w:t xml:space="preserve">De Kamer debatteert vandaag.</w:t></w:r>'
        f'<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx>{box}</wps:txbx></w:drawing>'
        f"</mc:Choice><mc:Fallback><w:pict><v:textbox>{box}</v:textbox></w:pict></mc:Fallback></mc:AlternateContent>"
        '</w:r><w:moveFrom w:id="1" w:author="Redactie"><w:r><w:t xml:space="preserve">Het debat duurt lang. </w:t>'
        '</w:r></w:moveFrom><w:r><w:t>Stemmingen volgen dinsdag.</w:t></w:r><w:moveTo w:id="2" w:author="Redactie">'
        '<w:r><w:t xml:space="preserve"> Het debat duurt lang.</w:t></w:r></w:moveTo></w:p>',
    )
    assert texts(read_input(path)) == [
        (
            "De Kamer debatteert vandaag. Lees ook het commentaar op pagina 3. Stemmingen volgen dinsdag. "
            "Het debat duurt lang."
        )
    ]


# --------------------------------------------------------------------------------------------
# URLs, through a real HTTP server on 127.0.0.1

NO_CANONICAL_PAGE = STRUCTURED.read_bytes()
CP1252_PAGE = (
    '<!DOCTYPE html><html lang="nl"><head><title>Prijzen in de horeca stijgen</title></head><body><article>'
    "<h1>Prijzen in de horeca stijgen</h1>"
    "<p>Een kop koffie in een café in Amsterdam kost gemiddeld € 3,40, meldt Koninklijke Horeca Nederland.</p>"
    "<p>Ook een croissant of een broodje kroket werd het afgelopen jaar flink duurder voor de klant.</p>"
    "</article></body></html>"
).encode("cp1252")
UTF8_PAGE = SHORT_HTML.replace("grote brand.", "grote brand bij het ministerie van Financiën.").encode()


class Handler(http.server.BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format, *args):
        pass

    def send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8", length=True):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.server.requests.append(self.path)
        route = self.path.split("?")[0]
        if route == "/nieuws":
            self.send(200, NEWS_PAGE.read_bytes())
        elif route == "/artikel":
            self.send(200, NO_CANONICAL_PAGE)
        elif route == "/verhuisd":
            self.send_response(302)
            self.send_header("Location", "/artikel")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif route == "/tekst":
            self.send(200, PLAIN_DUTCH.encode(), "text/plain; charset=utf-8")
        elif route == "/html-als-tekst":
            self.send(200, SHORT_HTML.encode(), "text/plain")
        elif route == "/cp1252":
            self.send(200, CP1252_PAGE, "text/html; charset=windows-1252")
        elif route == "/utf8-als-latin1":
            self.send(200, UTF8_PAGE, "text/html; charset=iso-8859-1")
        elif route == "/binair":
            self.send(200, bytes(range(256)) * 4, "application/octet-stream")
        elif route == "/foto":
            self.send(200, b"\x89PNG\r\n\x1a\n" + bytes(1000), "image/png")
        elif route == "/groot":
            self.send(200, b"<p>" + b"x" * 4993 + b"</p>")
        elif route == "/groot-zonder-lengte":
            self.send(200, b"<p>" + b"x" * 4993 + b"</p>", length=False)
        elif route == "/traag":
            self.server.stop.wait(5)  # longer than any timeout a test passes
            if not self.server.stop.is_set():
                self.send(200, SHORT_HTML.encode())
        elif route == "/druppel":
            # Headers at once, then ten bytes every 0.05 s for 1.5 s: no single read waits long, the whole does.
            body = b"x" * 300
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for start in range(0, len(body), 10):
                if self.server.stop.wait(0.05):
                    return
                self.wfile.write(body[start : start + 10])
                self.wfile.flush()
        elif route == "/trage-kop":
            self.dribble_headers()
        elif route == "/gzip":
            self.send_encoded(gzip.compress(SHORT_HTML.encode()), "gzip")
        elif route == "/gzip-bom":
            self.send_encoded(gzip.compress(b"<p>" + bytes(24 * 1024 * 1024), compresslevel=9), "gzip")
        elif route == "/gzip-afgebroken":
            self.send_encoded(gzip.compress(SHORT_HTML.encode())[:-20], "gzip")
        elif route == "/brotli":
            self.send_encoded(b"\x8b\x03\x80geen tekst\x03", "br")
        elif route == "/naar-ftp":
            self.send_response(302)
            self.send_header("Location", f"ftp://127.0.0.1:{self.server.ftp_port}/artikel.html")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send(404, b"<h1>Niet gevonden</h1>")

    def send_encoded(self, body: bytes, encoding: str):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def dribble_headers(self):
        """A status line, then a header one byte every 0.05 s for 8 s: each read gets a byte
        in time, only the whole exchange is slow (as a server seen holding a fetch past 200 s)."""
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n")
        self.wfile.flush()
        for byte in b"X-Vulling: " + b"a" * 149:
            if self.server.stop.wait(0.05):
                return
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
        body = SHORT_HTML.encode()
        self.wfile.write(b"\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[str] = []
        self.stop = threading.Event()
        #: A port where an FTP server could be: a redirect there must never be followed.
        self.ftp_port = 0

    def handle_error(self, request, client_address):
        pass  # a client that gave up (timeout, too large) is what some tests do on purpose

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


@pytest.fixture()
def server():
    running = Server()
    thread = threading.Thread(target=running.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield running
    finally:
        running.stop.set()
        running.shutdown()
        running.server_close()
        thread.join(5)


@pytest.fixture()
def closed_port():
    """A port with nothing listening on it: bound, so no one else takes it, but not listening."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def fetch_error(url: str, **options) -> FetchError:
    with pytest.raises(FetchError) as caught:
        read_input(url, **options)
    error = caught.value
    assert error.exit_code == 9 and isinstance(error, InputError)
    assert "\n" not in error.one_line()
    return error


def test_url_gives_the_article_and_its_url(server):
    url = server.url("/artikel")
    source = read_input(url)
    assert source.input_format == "html" and source.origin == "url" and source.name == url
    assert [(block.kind, block.text) for block in source.blocks] == STRUCTURED_BLOCKS
    assert source.url == url
    assert server.requests == ["/artikel"]


def test_url_of_news_page_gives_canonical_url_and_metadata(server):
    source = read_input(server.url("/nieuws"))
    assert in_order(NEWS_PARAGRAPHS, texts(source, "paragraph"))
    assert "Cookiebeleid" not in source.plain_text and "Jan123" not in source.plain_text
    assert source.url == "https://wiredesk.example/buitenland/europa-eigen-koers"  # the page's canonical
    assert (source.author, source.date, source.site) == ("Marieke de Vries", "2025-02-19", "De Wiredesk")


def test_redirect_gives_the_final_url(server):
    source = read_input(server.url("/verhuisd"))
    assert source.url == server.url("/artikel")
    assert server.requests == ["/verhuisd", "/artikel"]


def test_text_plain_url_is_text_and_html_content_wins_over_its_type(server):
    text = read_input(server.url("/tekst"))
    assert text.input_format == "text" and text.text == PLAIN_DUTCH and text.url == server.url("/tekst")
    html = read_input(server.url("/html-als-tekst"))
    assert html.input_format == "html" and texts(html, "paragraph") == SHORT_PARAGRAPHS


def test_url_charset_from_the_server_is_used(server):
    source = read_input(server.url("/cp1252"))
    assert source.encoding == "windows-1252"
    assert texts(source, "paragraph")[0] == (
        "Een kop koffie in een café in Amsterdam kost gemiddeld € 3,40, meldt Koninklijke Horeca Nederland."
    )


def test_url_of_utf8_page_with_a_latin1_header_is_read_as_utf8(server):
    source = read_input(server.url("/utf8-als-latin1"))
    assert source.encoding == "utf-8"
    assert "grote brand bij het ministerie van Financiën." in texts(source, "paragraph")[0]


def test_http_404_is_a_fetch_error(server):
    error = fetch_error(server.url("/bestaat-niet"))
    assert "HTTP 404" in str(error) and server.url("/bestaat-niet") in str(error)


def test_slow_server_is_a_fetch_error_about_the_timeout(server):
    started = time.monotonic()
    error = fetch_error(server.url("/traag"), timeout=0.5)
    assert time.monotonic() - started < 3
    assert "did not answer within 0.5 s" in str(error)


def test_trickling_body_stops_at_the_timeout(server):
    """The timeout is for the whole body too (so says FETCH_TIMEOUT), not only per read."""
    started = time.monotonic()
    error = fetch_error(server.url("/druppel"), timeout=0.3)
    elapsed = time.monotonic() - started
    assert "0.3 s" in str(error)
    assert elapsed < 1.0, f"took {elapsed:.1f} s with a timeout of 0.3 s"


@pytest.mark.parametrize(
    ("path", "content_type"), [("/binair", "application/octet-stream"), ("/foto", "image/png")]
)
def test_binary_response_is_not_a_web_page(server, path, content_type):
    error = fetch_error(server.url(path))
    assert f"is {content_type}, not a web page" in str(error)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/groot", "is 5 KiB, more than the 1 KiB wirebrief fetches"),
        ("/groot-zonder-lengte", "is larger than the 1 KiB wirebrief fetches"),
    ],
)
def test_oversized_response_is_refused(server, path, expected):
    error = fetch_error(server.url(path), max_bytes=1000)
    assert expected in str(error)
    # The same page is fine under the default limit: a fragment, read whole.
    assert [block.text for block in read_input(server.url(path)).blocks] == ["x" * 4993]


def test_headers_sent_a_byte_at_a_time_stop_at_the_deadline(server):
    """The deadline covers the whole exchange, headers included: each read gets a byte in
    time, so only a deadline over the whole stops it (before, the fetch waited 8 s and went on)."""
    started = time.monotonic()
    error = fetch_error(server.url("/trage-kop"), timeout=1)
    assert time.monotonic() - started < 5, "a hang check, with room for a busy machine"
    assert "did not answer within 1 s" in str(error)


def test_gzip_encoded_page_is_decompressed(server):
    source = read_input(server.url("/gzip"))
    assert source.input_format == "html" and texts(source, "paragraph") == SHORT_PARAGRAPHS


def test_gzip_bomb_is_refused_at_the_size_limit(server):
    """24 MiB of zeros sent as 24 KiB of gzip: decompression stops past the 10 MiB limit."""
    error = fetch_error(server.url("/gzip-bom"))
    assert "larger than the 10.0 MiB wirebrief fetches" in str(error)


def test_gzip_cut_short_is_a_fetch_error(server):
    error = fetch_error(server.url("/gzip-afgebroken"))
    assert "compressed page" in str(error)


def test_unknown_content_encoding_is_a_fetch_error(server):
    error = fetch_error(server.url("/brotli"))
    assert "encoded as br" in str(error)


def test_redirect_to_ftp_is_refused_without_connecting(server):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.2)
    server.ftp_port = listener.getsockname()[1]
    try:
        error = fetch_error(server.url("/naar-ftp"), timeout=2)
        with pytest.raises(TimeoutError):
            listener.accept()  # nothing came: the redirect was not followed
    finally:
        listener.close()
    assert "redirects to ftp://" in str(error) and "not to a web address" in str(error)


def test_connection_refused_is_a_fetch_error(closed_port):
    url = f"http://127.0.0.1:{closed_port}/artikel"
    error = fetch_error(url, timeout=2)
    assert str(error).startswith(f"cannot reach {url}")
    assert "refused" in str(error).lower()


def test_malformed_url_is_a_fetch_error():
    error = fetch_error("http://127.0.0.1:notaport/artikel", timeout=1)
    assert "cannot" in str(error)


def test_offline_refuses_without_any_request(server):
    error = fetch_error(server.url("/artikel"), offline=True)
    assert "offline mode is on" in str(error) and "--online" in error.one_line()
    assert server.requests == []


def test_fetch_error_exit_code():
    assert FetchError.exit_code == 9 and FetchError("x").exit_code == 9
    assert issubclass(FetchError, InputError)


# --------------------------------------------------------------------------------------------
# read_article: extraction, language and segmentation together


def test_read_article_on_the_news_page():
    from wirebrief.pipeline import read_article

    source = read_input(NEWS_PAGE)
    article = read_article(NEWS_PAGE)
    document = article.document
    assert article.detected is not None and article.detected["language"] == "nl"
    assert document.language == "nl"
    assert document.metadata.input_format == "html"
    assert document.metadata.title == "Europa zoekt eigen koers na Amerikaanse ommezwaai"
    assert document.metadata.url == "https://wiredesk.example/buitenland/europa-eigen-koers"
    assert [(p.kind, p.text) for p in document.paragraphs] == [(b.kind, b.text) for b in source.blocks]
    assert all(p.language is None for p in document.paragraphs)  # nothing taken for another language
    for paragraph in document.paragraphs:
        assert "".join("".join(paragraph.sentences).split()) == "".join(paragraph.text.split())
    assert len(document.paragraphs[1].sentences) == 2


def test_read_article_takes_a_dateline_out_of_the_first_html_paragraph():
    from wirebrief.pipeline import read_article

    html = make_article_html(
        "<h1>Havenstaking legt Rotterdam plat</h1>",
        "<p>ROTTERDAM (ANP) - Sjorders in de haven leggen vrijdag opnieuw het werk neer. De vakbond eist meer "
        "loon en betere roosters voor het personeel.</p>",
        "<p>Tientallen containerschepen moeten op zee wachten tot ze kunnen aanmeren in de haven.</p>",
    )
    document = read_article("staking.html", data=html.encode()).document
    assert document.metadata.dateline == "ROTTERDAM (ANP)"
    assert document.paragraphs[1].text.startswith("Sjorders in de haven")


def test_read_article_with_a_given_language_does_not_detect(server):
    from wirebrief.pipeline import read_article

    article = read_article(server.url("/artikel"), source_lang="nl")
    assert article.detected is None and article.document.language == "nl"
    assert article.document.metadata.url == server.url("/artikel")


def test_read_article_offline_url_is_a_fetch_error(server):
    from wirebrief.pipeline import read_article

    with pytest.raises(FetchError):
        read_article(server.url("/artikel"), offline=True)
    assert server.requests == []


# --------------------------------------------------------------------------------------------
# The command line


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str, stdin: str | bytes | None = None):
    return runner.invoke(cli, list(args), input=stdin, catch_exceptions=False)


def one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("wirebrief: error: ") and "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture()
def no_models(monkeypatch):
    """Fail the test should anything try to load a model."""
    from wirebrief.engines.pool import EnginePool

    def refuse(*args, **kwargs):
        raise AssertionError("a dry run loaded a model")

    monkeypatch.setattr(EnginePool, "get", refuse)


def test_cli_detect_html_file_text_format(runner):
    result = invoke(runner, "detect", str(NEWS_PAGE), "--format", "text")
    assert result.exit_code == 0, result.stderr
    fields = result.stdout.strip().split("\t")
    assert fields[0] == "nl" and fields[-1] == "sure"


def test_cli_detect_html_file_json_format(runner):
    result = invoke(runner, "detect", str(NEWS_PAGE), "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["input_format"] == "html" and data["language"] == "nl"
    assert data["source"] == str(NEWS_PAGE) and data["other_paragraphs"] == []


def test_cli_detect_html_on_stdin(runner):
    result = invoke(runner, "detect", "-", "--format", "json", stdin=SHORT_HTML.encode())
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["input_format"] == "html"


def test_cli_brief_url_dry_run_json(runner, server, no_models):
    url = server.url("/nieuws")
    result = invoke(runner, "brief", url, "--online", "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["input"]["input_format"] == "html"
    assert data["input"]["title"] == "Europa zoekt eigen koers na Amerikaanse ommezwaai"
    assert data["input"]["source_name"] == url
    assert data["input"]["paragraphs"] == len(NEWS_PARAGRAPHS) + len(NEWS_HEADINGS)
    assert data["language"]["code"] == "nl" and data["language"]["detected"]["language"] == "nl"
    assert data["plan"] and data["tiers"]
    assert server.requests == ["/nieuws"]


def test_cli_brief_url_offline_exits_9_with_one_line(runner, server):
    result = invoke(runner, "brief", server.url("/nieuws"), "--offline", "--dry-run")
    assert result.exit_code == 9
    line = one_error_line(result)
    assert "offline mode is on" in line
    assert result.stdout == "" and server.requests == []


def test_cli_brief_url_404_exits_9_with_one_line(runner, server, no_models):
    result = invoke(runner, "brief", server.url("/weg"), "--online", "--dry-run", "--format", "json")
    assert result.exit_code == 9
    assert "HTTP 404" in one_error_line(result)
    assert result.stdout == ""


def test_cli_detect_url_404_exits_9(runner, server):
    result = invoke(runner, "detect", server.url("/weg"), "--online", "--format", "json")
    assert result.exit_code == 9 and "HTTP 404" in one_error_line(result)


def test_cli_corrupt_docx_is_an_input_error(runner, tmp_path):
    path = tmp_path / "kapot.docx"
    path.write_bytes(docx_with_body(tmp_path, b"dit is geen xml"))
    result = invoke(runner, "detect", str(path), "--format", "json")
    assert "internal error" not in result.stderr
    assert result.exit_code == 3 and "kapot.docx" in one_error_line(result)


def test_cli_html_that_breaks_the_parser_exits_3_with_one_line(runner, tmp_path):
    path = tmp_path / "kapot.html"
    path.write_bytes(b"<math><li><li><body>")
    result = invoke(runner, "detect", str(path), "--format", "json")
    assert "internal error" not in result.stderr
    assert result.exit_code == 3 and "kapot.html cannot be read as HTML" in one_error_line(result)


def test_prose_that_mentions_a_body_tag_is_still_text():
    text = (
        b"De webredactie legde uit dat elke pagina een <body> heeft en dat de <html>-code "
        b"door de browser wordt gelezen.\n\nDe nieuwe site gaat volgende week online."
    )
    assert sniff(text, "uitleg.txt") == "text"
    assert read_input("uitleg.txt", data=text).text.startswith("De webredactie legde uit")


def test_a_rule_around_a_prose_line_with_a_colon_is_no_front_matter():
    source = read_input("brug.md", data=b"---\nAmsterdam: de gemeente sluit de brug.\n---\n\nDe brug blijft dicht.\n")
    assert source.title is None
    assert [block.text for block in source.blocks] == ["Amsterdam: de gemeente sluit de brug.", "De brug blijft dicht."]


def test_an_html_fragment_is_read_whole_without_trafilatura():
    fragment = (
        b"<p>Het kabinet is gevallen. De premier biedt vanavond zijn ontslag aan.</p>"
        b"<ul><li>PVV: 37</li><li>VVD: 24</li></ul>"
        b'<p><a href="/uitslagen">Bekijk alle uitslagen per gemeente</a></p>'
        b"<p>Eerste alinea.<br><br>Tweede alinea in dezelfde p.</p>"
        b"<table><tr><td>Zetels</td><td>150</td></tr></table>"
        b"<h2>Reacties</h2>Losse tekst<script>var x = 1;</script> na het script, 10<sup>6</sup> euro."
    )
    source = read_input("-", data=fragment)
    assert source.input_format == "html"
    assert [(block.kind, block.text) for block in source.blocks] == [
        ("paragraph", "Het kabinet is gevallen. De premier biedt vanavond zijn ontslag aan."),
        ("paragraph", "PVV: 37"),
        ("paragraph", "VVD: 24"),
        ("paragraph", "Bekijk alle uitslagen per gemeente"),
        ("paragraph", "Eerste alinea."),
        ("paragraph", "Tweede alinea in dezelfde p."),
        ("paragraph", "Zetels | 150"),
        ("heading", "Reacties"),
        ("paragraph", "Losse tekst na het script, 10^6 euro."),
    ]


def test_an_html_fragment_without_text_is_refused():
    with pytest.raises(InputError, match="HTML without any text"):
        read_input("-", data=b"<div><script>var x = 1;</script><p> </p></div>")


def test_a_figure_caption_on_a_page_is_kept_in_place():
    page = (
        b"<!DOCTYPE html><html><body><article><h1>Storm in Zeeland</h1>"
        b"<p>Het KNMI heeft code oranje afgegeven voor de hele provincie Zeeland vanwege zware windstoten.</p>"
        b'<figure><img src="golven.jpg" alt="Golven"><figcaption>Hoge golven bij de boulevard van '
        b"Vlissingen, <em>dinsdagochtend</em>.</figcaption></figure>"
        b"<p>Rijkswaterstaat sluit de Oosterscheldekering voor het eerst dit jaar, meldt de woordvoerder.</p>"
        b"</article></body></html>"
    )
    source = read_input("storm.html", data=page)
    assert [block.text for block in source.blocks] == [
        "Storm in Zeeland",
        "Het KNMI heeft code oranje afgegeven voor de hele provincie Zeeland vanwege zware windstoten.",
        "Hoge golven bij de boulevard van Vlissingen, dinsdagochtend.",
        "Rijkswaterstaat sluit de Oosterscheldekering voor het eerst dit jaar, meldt de woordvoerder.",
    ]
