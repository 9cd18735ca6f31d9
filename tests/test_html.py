"""`--format html`: one self-contained page per brief and a batch index, read back with
html.parser (the browser tests in test_browser.py check what Chromium shows)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fakes import FakeEngine, load_script

from wirebrief.check import Finding
from wirebrief.config import Settings
from wirebrief.inputs.document import load, parse
from wirebrief.pipeline import make_brief
from wirebrief.render.html import batch_index, to_html

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "article-nl-2025-02.txt"
SCRIPT = "<script>alert(1)</script>"
HOSTILE = (
    f"De minister zei {SCRIPT} in Den Haag. Daarna volgde </textarea><b>vet</b> en meer.\n\n"
    '"><img src=x onerror="window.__pwned=1"> staat hier. Klik <a href="javascript:alert(2)">hier</a>.\n\n'
    "Een link: javascript:alert(3) en <iframe src=https://example.org/x></iframe> tot slot."
)
#: The elements the renderer itself writes; anything else in a page came from the article.
OWN_ELEMENTS = {
    "html", "head", "meta", "title", "style", "body", "div", "header", "main", "footer", "section",
    "p", "h1", "h2", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "th", "td", "ol", "ul", "li",
    "span", "mark", "sup", "a", "details", "summary",
}  # fmt: skip
VOID = {"meta", "br", "img", "input", "link", "hr", "source", "embed", "wbr", "area", "base", "col", "track"}


class Page(HTMLParser):
    """A parsed page: every element with its attributes, and the text inside each id."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text_by_id: dict[str, str] = {}
        self.text = ""
        self._open: list[str | None] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag in VOID:
            return
        self._open.append(attributes.get("id"))
        if attributes.get("id"):
            self.text_by_id.setdefault(attributes["id"], "")

    def handle_endtag(self, tag):
        if tag not in VOID and self._open:
            self._open.pop()

    def handle_data(self, data):
        self.text += data
        for element_id in self._open:
            if element_id:
                self.text_by_id[element_id] += data

    def having(self, tag: str, css_class: str | None = None) -> list[dict[str, str | None]]:
        return [
            attributes for name, attributes in self.elements
            if name == tag and (css_class is None or css_class in (attributes.get("class") or "").split())
        ]  # fmt: skip


def make(document, **options):
    engine = FakeEngine(**options)
    return make_brief(document, settings=Settings(), engines={"translation": engine, "summary": engine})


@pytest.fixture(scope="module")
def troubled():
    """The example article: every sentence 'untranslated' (the fake engine), one looping."""
    return make(load(EXAMPLE), summary_words=20, loop_on={"Brussel"})


@pytest.fixture(scope="module")
def hostile():
    brief = make(parse(HOSTILE, source_name="<b>bron</b>.txt"), summary_words=12)
    metadata = replace(
        brief.metadata,
        title='Kop"><script>alert(4)</script>',
        author="<i>auteur</i>",
        url="javascript:alert(5)",
    )
    return replace(brief, metadata=metadata)


def test_a_page_is_one_self_contained_document(troubled):
    markup = to_html(troubled)
    page = Page(markup)
    assert markup.startswith("<!doctype html>")
    [csp] = [a for t, a in page.elements if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert "default-src 'none'" in csp["content"] and "script-src" not in csp["content"]
    assert page.having("style") and not page.having("link") and not page.having("script")
    assert not [a for _, a in page.elements if "src" in a]
    assert next(a for t, a in page.elements if t == "meta").get("charset") == "utf-8"


def test_a_hostile_article_shows_as_text(hostile):
    page = Page(to_html(hostile))
    assert {tag for tag, _ in page.elements} <= OWN_ELEMENTS
    assert not [name for _, attributes in page.elements for name in attributes if name.startswith("on")]
    hrefs = [attributes["href"] for attributes in page.having("a")]
    assert all(href.startswith("#") for href in hrefs), hrefs
    for text in (
        SCRIPT,
        "</textarea><b>vet</b>",
        '"><img src=x onerror="window.__pwned=1">',
        '<a href="javascript:alert(2)">hier</a>',
        "javascript:alert(3)",
        'Kop"><script>alert(4)</script>',
        "<i>auteur</i>",
        "javascript:alert(5)",
        "<b>bron</b>.txt",
    ):
        assert text in page.text, text


def test_an_article_url_is_a_link_only_when_it_is_a_web_address(hostile):
    url = 'https://example.org/nieuws?id=1&x="2"'
    page = Page(to_html(replace(hostile, metadata=replace(hostile.metadata, url=url))))
    assert [a["href"] for a in page.having("a") if not a["href"].startswith("#")] == [url]
    for address in ("javascript:alert(5)", "data:text/html,<b>x</b>", "https:nohost", " JAVASCRIPT:alert(6)"):
        page = Page(to_html(replace(hostile, metadata=replace(hostile.metadata, url=address))))
        assert all(a["href"].startswith("#") for a in page.having("a")), address
        assert address.strip() in page.text


def test_every_paragraph_and_sentence_appears_beside_its_source(troubled):
    page = Page(to_html(troubled))
    assert len(troubled.paragraphs) == 14
    for paragraph in troubled.paragraphs:
        pair = page.text_by_id[f"p{paragraph.index + 1}"]
        for number, sentence in enumerate(paragraph.sentences, start=1):
            assert page.text_by_id[f"p{paragraph.index + 1}s{number}"] == sentence.translation
            assert sentence.source in pair and sentence.translation in pair
    assert len(page.having("div", "src")) == len(page.having("div", "tgt")) == len(troubled.paragraphs)


def test_the_headline_is_the_h1_and_every_tier_is_shown(troubled):
    page = Page(to_html(troubled))
    headline = troubled.summaries.get("headline").text
    assert [a for t, a in page.elements if t == "h1"] and f"wirebrief{headline}" in page.text.replace(
        "\n", ""
    )
    for tier in troubled.summaries.tiers:
        for text in tier.items or (tier.text,):
            assert text in page.text
    assert len(page.having("ul")) == 1 and page.text_by_id["tier-key_points"].count("EN(") >= 4


def test_every_finding_is_listed_and_repeats_are_one_row_with_a_count(troubled):
    page = Page(to_html(troubled))
    groups = Counter((f.kind, f.severity, f.detail) for f in troubled.findings)
    rows = page.having("li", "error") + page.having("li", "warning")
    assert len(rows) == len(groups) < len(troubled.findings)
    # Kinds with an error first, then warnings only; rows numbered down the list.
    order = ["untranslated", "loop", "length_cap", "tier_trimmed"]
    for number, ((kind, severity, detail), count) in enumerate(
        sorted(groups.items(), key=lambda item: order.index(item[0][0])), start=1
    ):
        row = page.text_by_id[f"f{number}"]
        assert detail in row and severity in row
        assert (f"× {count}" in row) == (count > 1)
        assert detail in page.text_by_id[f"kind-{kind}"]  # in its kind's group
    untranslated = groups["untranslated", "error", "the translation is still in the source language (nl)"]
    assert untranslated == 31 and "× 31" in page.text_by_id["f1"]


def test_each_flagged_sentence_is_marked_where_it_stands(troubled):
    page = Page(to_html(troubled))
    flagged = {(f.paragraph, f.sentence) for f in troubled.findings if f.sentence is not None}
    marks = page.having("mark", "flag")
    assert len(marks) == len(flagged) == 32
    assert {mark["id"] for mark in marks} == {f"p{p + 1}s{s + 1}" for p, s in flagged}
    [looping] = [mark for mark in marks if mark["id"] == "p1s2"]
    assert "loop" in looping["title"] and "length_cap" in looping["title"] and "error" in looping["class"]
    ids = {attributes.get("id") for _, attributes in page.elements}
    assert all(a["href"][1:] in ids for a in page.having("a"))


def test_the_checks_panel_counts_by_kind_and_severity(troubled):
    page = Page(to_html(troubled))
    checks = page.text_by_id["checks"]
    assert "34 findings: 32 errors, 2 warnings, in 32 sentences" in checks
    assert "untranslated31" in checks and "length_cap1" in checks and "tier_trimmed1" in checks
    assert page.text_by_id["kind-untranslated"].startswith("untranslated 31 errors\n")
    assert [a["href"] for a in page.having("a") if a["href"].startswith("#kind-")] == [
        "#kind-untranslated",
        "#kind-loop",
        "#kind-length_cap",
        "#kind-tier_trimmed",
    ]


def test_tier_findings_are_noted_on_their_tier(troubled):
    page = Page(to_html(troubled))
    [trimmed] = [f for f in troubled.findings if f.kind == "tier_trimmed"]
    assert trimmed.tier == "headline"
    number = next(
        i
        for i, _ in enumerate(page.having("li"), start=1)
        if trimmed.detail in page.text_by_id.get(f"f{i}", "")
    )
    assert str(number) in page.text_by_id["tier-headline"]
    assert "#tier-headline" in [a["href"] for a in page.having("a")]


def test_findings_that_point_nowhere_are_still_listed(troubled):
    odd = (
        Finding("coverage", "error", "14 source paragraphs but 13 translated"),
        Finding("omission", "error", "a sentence <b>lost</b>", paragraph=99, sentence=0, source="Weg."),
        Finding("coverage", "error", "paragraph 2: 4 source sentences but 3", paragraph=1),
        Finding("summary_name", "error", "'X' is nowhere", tier="lede"),
        Finding("summary_name", "error", "'Y' is nowhere", tier="missing_tier"),
    )
    page = Page(to_html(replace(troubled, findings=odd)))
    for finding in odd:
        assert finding.detail in page.text
    assert "<b>lost</b>" in page.text and "Weg." in page.text
    # Only the two findings with a place on the page link to it, and it links back to them
    # (rows go kind by kind: coverage 1-2, omission 3, summary_name 4-5).
    places = {a["href"] for a in page.having("a") if not a["href"].startswith(("#kind-", "#translation"))}
    assert places == {"#p2", "#tier-lede", "#f2", "#f4"}
    assert not page.having("mark")
    assert "flagged" in next(a for t, a in page.elements if a.get("id") == "tier-lede")["class"]


def test_the_header_names_engine_precision_and_time_split(troubled):
    provenance = {
        **troubled.provenance,
        "models": {
            "translation": {
                "engine": "ctranslate2",
                "model": "Helsinki-NLP/opus-mt-nl-en",
                "device": "cpu",
                "compute_type": "int8",
            },
            "summary": {
                "engine": "transformers",
                "model": "google/flan-t5-large",
                "device": "cuda",
                "dtype": "bfloat16",
            },
        },
        "timings": {
            "load_seconds": 2.04,
            "translate_seconds": 8.0,
            "summarise_seconds": 3.26,
            "total_seconds": 13.3,
        },
    }
    route = {
        **troubled.route,
        "tiers_translation": {"model": "Helsinki-NLP/opus-mt-en-de"},
        "summary_input": "source",
    }
    detected = {"language": "nl", "confidence": 0.987}
    page = Page(to_html(replace(troubled, provenance=provenance, detected=detected, route=route)))
    assert "made in English from the article, then translated into en" in page.text
    assert "Helsinki-NLP/opus-mt-nl-en via CTranslate2 (cpu, int8)" in page.text
    assert "google/flan-t5-large via transformers (torch) (cuda, bfloat16)" in page.text
    assert "13.3 s (load 2.0 s, translate 8.0 s, summarise 3.3 s)" in page.text
    assert "nl (0.99)" in page.text and "None" not in page.text



def test_the_header_s_time_split_shows_scoring(troubled):
    timings = {"load_seconds": 2.04, "translate_seconds": 8.0, "score_seconds": 1.25,
               "summarise_seconds": 3.26, "total_seconds": 14.6}
    page = Page(to_html(replace(troubled, provenance={**troubled.provenance, "timings": timings})))
    assert "14.6 s (load 2.0 s, translate 8.0 s, score 1.2 s, summarise 3.3 s)" in page.text

def test_a_brief_without_tiers_or_translation_reads_as_the_article():
    document = parse(
        "Dit is al Engels? No, but the brief says so.\n\nA second paragraph here.", language="en"
    )
    engine = FakeEngine()
    brief = make_brief(
        document, settings=Settings(), engines={"summary": engine}, translate=False, summarise=False
    )
    assert brief.translated is False and not brief.summaries
    markup = to_html(brief)
    page = Page(markup)
    assert "<h1>Brief</h1>" in markup  # no headline, no title, no file name: a plain word
    assert not page.having("div", "src") and len(page.having("div", "tgt")) == 2
    assert "not translated" in page.text_by_id["translation"]
    assert "A second paragraph here." in page.text and "No findings." in page.text


def test_a_clean_brief_says_no_findings(troubled):
    page = Page(to_html(replace(troubled, findings=())))
    assert "No findings." in page.text_by_id["checks"] and not page.having("mark") and not page.having("ol")


def test_rendering_html_imports_no_model_library():
    code = "import sys, wirebrief.render.html; assert not {'torch', 'transformers'} & set(sys.modules), sys.modules.keys()"
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------------------------
# The batch index


ENTRIES = [
    {"id": "nieuws/één artikel#1?", "input": "a.jsonl:1", "status": "ok", "output": "nieuws/één artikel#1?.html",
     "error": None, "language": "nl", "findings": {"error": 2, "warning": 1}, "headline": "Kabinet <b>valt</b>"},
    {"id": "twee", "input": "b.txt", "status": "skipped", "output": "twee.html", "error": None,
     "language": "de", "findings": {"error": 0, "warning": 3}, "headline": None},
    {"id": "<script>alert(1)</script>", "input": "c.txt", "status": "failed", "output": None,
     "error": "c.txt is empty <img src=x onerror=alert(1)>", "language": None, "findings": None, "headline": None},
    {"id": "evil", "input": "d.txt", "status": "ok", "output": "//evil.example/x.html", "error": None,
     "language": "nl", "findings": {"error": 0, "warning": 0}, "headline": "javascript:alert(1)"},
]  # fmt: skip


def test_the_batch_index_links_each_page_by_a_relative_encoded_path():
    page = Page(batch_index(ENTRIES, title="run <1>"))
    hrefs = [a["href"] for a in page.having("a")]
    assert hrefs == ["nieuws/%C3%A9%C3%A9n%20artikel%231%3F.html", "twee.html", "evil.example/x.html"]
    assert page.having("h1") and "run <1>" in page.text


def test_the_batch_index_shows_headline_language_findings_and_failures():
    page = Page(batch_index(ENTRIES))
    rows = page.having("tr")[1:]
    assert [row["class"] for row in rows] == ["ok", "skipped", "failed", "ok"]
    assert {tag for tag, _ in page.elements} <= OWN_ELEMENTS
    assert not [name for _, attributes in page.elements for name in attributes if name.startswith("on")]
    for text in (
        "Kabinet <b>valt</b>",
        "nieuws/één artikel#1?",
        "twee",
        "<script>alert(1)</script>",
        "c.txt is empty <img src=x onerror=alert(1)>",
        "javascript:alert(1)",
    ):
        assert text in page.text, text
    assert "4 articles: 2 ok, 1 skipped, 1 failed; 2 errors, 4 warnings in the checks." in page.text


def test_a_batch_index_of_odd_manifest_lines_still_renders():
    odd = [
        {
            "id": "a",
            "status": "ok",
            "output": 7,
            "findings": {"error": "many", "warning": True},
            "headline": "A",
        },
        {"id": "b", "status": "ok", "output": "/", "findings": ["error"], "language": 3},
        {"status": None},
    ]
    page = Page(batch_index(odd))
    assert not page.having("a")  # no file name to link to
    assert "3 articles" in page.text and "0 errors, 0 warnings" in page.text and "many" not in page.text


def test_an_empty_batch_index_says_so():
    page = Page(batch_index([]))
    assert "0 articles: none" in page.text and len(page.having("tr")) == 1


# --------------------------------------------------------------------------------------------
# scripts/screenshot_html.py, which makes the README's images


ROOT = Path(__file__).resolve().parents[1]


def _screenshot_script():
    return load_script("screenshot_html")


def test_the_screenshot_script_writes_the_images_the_readme_shows():
    import re

    names = {name for name, _, _ in _screenshot_script().SHOTS}
    shown = set(re.findall(r"\(docs/([^)\s]+\.png)\)", (ROOT / "README.md").read_text(encoding="utf-8")))
    assert shown and shown <= names
    assert names == {path.name for path in (ROOT / "docs").glob("brief-html*.png")}


def test_the_screenshot_script_s_help_says_all_it_does():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "screenshot_html.py"), "--help"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    words = " ".join(result.stdout.split())
    assert "and take screenshots of the page in headless Chromium at a desktop and a phone width." in words


def test_the_screenshot_page_names_its_files_relative_to_the_repository(tmp_path, monkeypatch):
    import wirebrief
    from wirebrief.models import resolve

    script = _screenshot_script()
    # A repository holding the models and a copy of the example, as the real one does.
    monkeypatch.setattr(script, "REPO_ROOT", tmp_path)
    article = tmp_path / "examples" / EXAMPLE.name
    models = tmp_path / ".tiny-models"
    for folder in (article.parent, models / "translation", models / "summary"):
        folder.mkdir(parents=True)
    article.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")

    def briefed(source, *, settings):
        """What `wirebrief.brief` gives, with each model named as an engine names it."""
        assert Path.cwd() == tmp_path and not Path(source).is_absolute()
        brief = make(load(source))
        named = {role: {"engine": "torch", "model": resolve(getattr(settings, f"{role}_model")).location,
                        "device": "cpu", "dtype": "float32"} for role in ("translation", "summary")}
        return replace(brief, provenance={**brief.provenance, "models": named})

    monkeypatch.setattr(wirebrief, "brief", briefed)
    page = Page(script.render_brief(article, models))
    assert "examples/article-nl-2025-02.txt" in page.text
    assert ".tiny-models/translation via transformers (torch) (cpu, float32)" in page.text
    assert ".tiny-models/summary via transformers (torch) (cpu, float32)" in page.text
    assert str(tmp_path) not in page.text
