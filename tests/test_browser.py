"""`--format html` in a real browser: Debian's headless Chromium, driven by Playwright.

What a reader sees must be what the JSON says, nothing may leave the page, a hostile article
must show as text, and a phone width must read in one column. Without Chromium or Playwright
these tests skip, except under CI (the CI variable set), where a missing browser is a failure.
"""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest
from fakes import load_script
from test_html import EXAMPLE, HOSTILE, make

from wirebrief.inputs.document import load, parse
from wirebrief.render.html import batch_index, to_html

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
PWNED = "<script>window.__pwned = 1</script>"


def _screenshot_script():
    """scripts/screenshot_html.py, whose `launch` the screenshots and these tests share."""
    return load_script("screenshot_html")


def _missing(chromium: str) -> str | None:
    if not Path(chromium).is_file():
        return f"{chromium} is missing (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install playwright)"
    return None


@pytest.fixture(scope="module")
def browser():
    script = _screenshot_script()
    problem = _missing(script.CHROMIUM)
    if problem and os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run under CI: {problem}")
    if problem:
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = script.launch(playwright)
        yield chromium
        chromium.close()


class Opened:
    """A page loaded from a file:// URL, with every request it made and every console line."""

    def __init__(self, browser, path: Path, width: int, media: str = "screen") -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.requests: list[str] = []
        self.console: list[str] = []
        # Anything that is not the local file is stopped, so a leak is recorded and never sent.
        self.context.route(re.compile(r"^(?!file:).*"), lambda route: route.abort())
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda message: self.console.append(message.text))
        self.page.emulate_media(media=media)
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_load_state("load")

    def eval(self, script: str, argument=None):
        return self.page.evaluate(script, argument)

    def left_the_page(self) -> list[str]:
        """Requests for anything but the page's own file: none is allowed."""
        own = self.page.url
        return [url for url in self.requests if url != own]


@pytest.fixture
def opened(browser, tmp_path):
    pages: list[Opened] = []

    def open_page(
        markup: str, *, width: int = 1280, media: str = "screen", name: str = "brief.html"
    ) -> Opened:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(markup, encoding="utf-8")
        pages.append(Opened(browser, path, width, media))
        return pages[-1]

    yield open_page
    for page in pages:
        page.context.close()


@pytest.fixture(scope="module")
def troubled():
    return make(load(EXAMPLE), summary_words=20, loop_on={"Brussel"})


@pytest.fixture(scope="module")
def hostile():
    brief = make(parse(HOSTILE + "\n\n" + f"Tot slot {PWNED} hier.", source_name=PWNED), summary_words=12)
    return replace(brief, metadata=replace(brief.metadata, title=PWNED, url="javascript:window.__pwned=2"))


# A sentence's or paragraph's translation as shown: without the footnote marks beside it.
SHOWN = """(selector) => [...document.querySelectorAll(selector)].map(element => {
    const copy = element.cloneNode(true);
    copy.querySelectorAll('sup.fn, .kept, .num').forEach(note => note.remove());
    document.body.appendChild(copy);
    const text = copy.innerText;
    copy.remove();
    return text.replace(/\\s+/g, ' ').trim();
})"""


def test_the_recorder_sees_a_request_that_leaves(opened):
    # Without this, "no request left" below could pass because nothing was ever recorded.
    page = opened('<!doctype html><img src="https://example.org/pixel.png"><p>x</p>')
    assert page.left_the_page() == ["https://example.org/pixel.png"]


def test_what_the_page_shows_is_what_the_json_says(opened, troubled):
    data = troubled.to_dict()
    page = opened(to_html(troubled))
    assert page.eval("document.querySelector('h1').innerText") == data["summaries"]["headline"]
    for name in ("lede", "summary"):
        assert data["summaries"][name] in page.eval(f"document.querySelector('#tier-{name}').innerText")
    items = page.eval("[...document.querySelectorAll('#tier-key_points li')].map(item => item.innerText)")
    assert items == data["summaries"]["key_points"]
    shown = page.eval(SHOWN, ".pair:not(.cols) .tgt")
    assert shown == [
        re.sub(r"\s+", " ", paragraph["translation"]).strip() for paragraph in data["paragraphs"]
    ]
    sources = page.eval(SHOWN, ".pair:not(.cols) .src")
    assert sources == [
        re.sub(r"\s+", " ", " ".join(s["source"] for s in paragraph["sentences"])).strip()
        for paragraph in data["paragraphs"]
    ]
    assert page.left_the_page() == [] and not [
        line for line in page.console if "Content Security Policy" in line
    ]


def test_every_flagged_sentence_is_highlighted_once(opened, troubled):
    data = troubled.to_dict()
    flagged = {(f["paragraph"], f["sentence"]) for f in data["findings"] if f["sentence"] is not None}
    page = opened(to_html(troubled))
    marks = page.eval("""[...document.querySelectorAll('.tgt mark.flag')].map(mark => ({
        id: mark.id, text: mark.innerText, background: getComputedStyle(mark).backgroundColor}))""")
    assert len(marks) == len(flagged) == 32
    for mark in marks:
        paragraph, sentence = (int(n) - 1 for n in re.fullmatch(r"p(\d+)s(\d+)", mark["id"]).groups())
        assert (paragraph, sentence) in flagged
        assert mark["text"] == data["paragraphs"][paragraph]["sentences"][sentence]["translation"]
        assert mark["background"] not in ("rgba(0, 0, 0, 0)", "transparent")
    rows = page.eval("document.querySelectorAll('#checks ol.findings > li').length")
    assert rows == len({(f["severity"], f["kind"], f["detail"]) for f in data["findings"]})


def test_a_hostile_article_shows_its_markup_as_text(opened, hostile):
    page = opened(to_html(hostile))
    text = page.eval("document.body.innerText")
    for shown in (
        "<script>alert(1)</script>",
        "</textarea><b>vet</b>",
        '"><img src=x onerror="window.__pwned=1">',
        '<a href="javascript:alert(2)">hier</a>',
        PWNED,
        "javascript:window.__pwned=2",
    ):
        assert shown in text, shown
    assert page.eval("typeof window.__pwned") == "undefined"
    assert (
        page.eval("document.querySelectorAll('script, img, iframe, textarea, b, i, object, embed').length")
        == 0
    )
    assert (
        page.eval(
            "[...document.querySelectorAll('a')].filter(a => !a.getAttribute('href').startsWith('#')).length"
        )
        == 0
    )
    assert page.eval("document.title") == hostile.summaries.get("headline").text
    assert "<script>alert(1)</script>" in page.eval("document.title")
    assert page.left_the_page() == []


@pytest.mark.parametrize("width", [390, 320])
def test_a_phone_width_reads_in_one_column(opened, troubled, width):
    page = opened(to_html(troubled), width=width)
    assert page.eval("document.documentElement.scrollWidth") <= width
    boxes = page.eval("""[...document.querySelectorAll('.pair:not(.cols)')].slice(0, 3).map(pair => [
        pair.querySelector('.src').getBoundingClientRect().toJSON(),
        pair.querySelector('.tgt').getBoundingClientRect().toJSON()])""")
    for source, translation in boxes:
        assert translation["top"] >= source["bottom"] - 1  # the translation under its source
        assert abs(translation["left"] - source["left"]) < 12


def test_a_desktop_width_shows_source_and_translation_side_by_side(opened, troubled):
    page = opened(to_html(troubled), width=1280)
    source, translation = page.eval("""(() => { const pair = document.querySelector('#p2');
        return [pair.querySelector('.src').getBoundingClientRect().toJSON(),
                pair.querySelector('.tgt').getBoundingClientRect().toJSON()]; })()""")
    assert translation["left"] >= source["right"] and abs(translation["top"] - source["top"]) < 2
    assert page.eval("document.documentElement.scrollWidth") <= 1280


def test_printed_the_page_keeps_its_marks_and_fits_the_paper(opened, troubled):
    page = opened(to_html(troubled), width=794, media="print")  # A4 at 96 dpi
    assert page.eval("document.documentElement.scrollWidth") <= 794
    mark = page.eval("""(() => { const style = getComputedStyle(document.querySelector('mark.flag'));
        return [style.borderBottomStyle, style.printColorAdjust]; })()""")
    assert mark == ["solid", "exact"]
    pdf = page.page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and page.left_the_page() == []


def test_a_not_translated_brief_without_tiers_reads_as_the_article(opened):
    document = parse(
        "Already English here. Still English.\n\nA second paragraph.", language="en", source_name="x.txt"
    )
    brief = make(document)
    brief = replace(brief, translated=False, summaries=None, findings=())
    page = opened(to_html(brief), width=390)
    assert page.eval("document.querySelector('h1').innerText") == "x.txt"
    assert page.eval(SHOWN, ".pair .tgt") == ["Already English here. Still English.", "A second paragraph."]
    assert page.eval("document.querySelectorAll('.src').length") == 0
    assert page.eval("document.documentElement.scrollWidth") <= 390


def test_the_batch_index_links_resolve_to_the_pages(opened, troubled, hostile, tmp_path):
    pages = {"nieuws/één artikel#1?.html": troubled, "twee (2).html": hostile}
    for name, brief in pages.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(to_html(brief), encoding="utf-8")
    entries = [
        {"id": name.removesuffix(".html"), "input": f"{name}.txt", "status": "ok", "output": name, "error": None,
         "language": "nl", "findings": {"error": 1, "warning": 0}, "headline": brief.summaries.get("headline").text}
        for name, brief in pages.items()
    ] + [{"id": "leeg", "input": "leeg.txt", "status": "failed", "output": None, "error": "leeg.txt is empty",
          "language": None, "findings": None, "headline": None}]  # fmt: skip
    index = opened(batch_index(entries), name="index.html")
    links = index.eval("[...document.querySelectorAll('a')].map(a => [a.innerText, a.href])")
    assert [href for _, href in links] == [(tmp_path / name).resolve().as_uri() for name in pages]
    assert "leeg.txt is empty" in index.eval("document.body.innerText")
    for number, ((label, _), (name, brief)) in enumerate(zip(links, pages.items())):
        assert label == brief.summaries.get("headline").text
        index.page.locator("a").nth(number).click()
        index.page.wait_for_load_state("load")
        assert index.page.url == (tmp_path / name).resolve().as_uri()
        assert index.eval("document.querySelector('h1').innerText") == label
        index.page.go_back()
    assert not [url for url in index.requests if not url.startswith("file:")]


def test_the_batch_index_reads_on_a_phone(opened):
    entries = [
        {"id": f"artikel-{number}", "input": f"{number}.txt", "status": "ok", "output": f"artikel-{number}.html",
         "error": None, "language": "nl", "findings": {"error": number, "warning": 1},
         "headline": "Een kop die lang genoeg is om over twee regels te lopen op een telefoon " * 2}
        for number in range(3)
    ]  # fmt: skip
    page = opened(batch_index(entries), width=390, name="index.html")
    assert page.eval("document.documentElement.scrollWidth") <= 390
    # Without the table's header on a phone, each count says what it counts.
    cells = (
        "[...document.querySelector('tbody tr').cells].filter(c => c.checkVisibility()).map(c => c.innerText)"
    )
    assert page.eval(cells)[1:] == ["nl", "0 errors", "1 warning", "ok"]
    desktop = opened(batch_index(entries), width=1280, name="desktop/index.html")
    assert desktop.eval(cells)[2:] == ["nl", "0", "1", "ok"]
