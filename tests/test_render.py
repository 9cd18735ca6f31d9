"""Renderers and checks on a Brief of the example article, made with the fake engine."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from fakes import FakeEngine
from rich.console import Console

from wirebrief.check import check_summaries, check_translation
from wirebrief.config import Settings
from wirebrief.inputs.document import load
from wirebrief.pipeline import make_brief
from wirebrief.render import to_json, to_markdown, to_rich, to_text
from wirebrief.summaries import Summaries, Tier
from wirebrief.translation import TranslatedParagraph, TranslatedSentence

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "article-nl-2025-02.txt"
TOP_LEVEL_KEYS = {
    "source_language", "target_language", "metadata", "paragraphs",
    "translation", "translated", "route", "summaries", "findings", "provenance",
}  # fmt: skip
HEADING = "'Vance ondermijnt NAVO'"


def make(engine: FakeEngine, **options):
    return make_brief(
        load(EXAMPLE), settings=Settings(), engines={"translation": engine, "summary": engine}, **options
    )


@pytest.fixture(scope="module")
def raw_brief():
    return make(FakeEngine(summary_words=10))


@pytest.fixture(scope="module")
def brief(raw_brief):
    """A clean brief: short fake summaries (nothing trimmed), nothing looping.

    The fake engine's "translation" is the Dutch text in EN(...), which the fidelity checks
    rightly call untranslated; these tests are about rendering, so those findings are left out.
    """
    return replace(raw_brief, findings=tuple(f for f in raw_brief.findings if f.kind != "untranslated"))


def test_the_fake_translation_is_caught_as_untranslated(raw_brief):
    kinds = {finding.kind for finding in raw_brief.findings}
    assert kinds == {"untranslated"}
    assert all(finding.severity == "error" and finding.source for finding in raw_brief.findings)


@pytest.fixture(scope="module")
def troubled():
    """A brief with one sentence that keeps looping and a headline the budget had to trim."""
    return make(FakeEngine(summary_words=20, loop_on={"Brussel"}))


def render_rich(brief, **options) -> str:
    console = Console(file=io.StringIO(), width=100)
    console.print(*to_rich(brief, **options))
    return console.file.getvalue()


# --------------------------------------------------------------------------------------------
# The Brief itself


def test_brief_is_clean_and_complete(brief):
    assert brief.findings == ()
    assert [tier.name for tier in brief.summaries.tiers] == ["headline", "lede", "summary", "key_points"]
    assert brief.summaries.get("headline").text.startswith("EN(Woensdag")
    assert brief.provenance["models"]["translation"]["model"] == "fake/engine"
    assert brief.provenance["generation"]["translation"]["length_ratio"] is not None


# --------------------------------------------------------------------------------------------
# JSON


def test_json_has_exactly_the_documented_top_level_keys(brief):
    data = json.loads(to_json(brief))
    assert set(data) == TOP_LEVEL_KEYS
    assert (data["source_language"], data["target_language"]) == ("nl", "en")
    assert data["translated"] is True and data["route"]["summary_input"] == "translation"
    assert data["metadata"]["date"] == "2025-02" and data["metadata"]["input_format"] == "text"
    assert data["metadata"]["source_name"] == str(EXAMPLE)


def test_json_paragraphs_are_aligned(brief):
    data = json.loads(to_json(brief))
    document = load(EXAMPLE)
    assert len(data["paragraphs"]) == 14
    for paragraph, source in zip(data["paragraphs"], document.paragraphs, strict=True):
        assert set(paragraph) == {"index", "kind", "source", "translation", "language", "sentences"}
        assert paragraph["language"] is None  # every paragraph of the example is Dutch
        assert (paragraph["index"], paragraph["kind"], paragraph["source"]) == (
            source.index,
            source.kind,
            source.text,
        )
        assert [s["source"] for s in paragraph["sentences"]] == list(source.sentences)
        assert all(set(s) == {"source", "translation"} for s in paragraph["sentences"])
        assert paragraph["translation"] == " ".join(s["translation"] for s in paragraph["sentences"])
    assert data["translation"] == "\n\n".join(p["translation"] for p in data["paragraphs"])


def test_json_summaries_and_findings(brief, troubled):
    data = json.loads(to_json(brief))
    assert list(data["summaries"]) == ["headline", "lede", "summary", "key_points"]
    assert isinstance(data["summaries"]["headline"], str)
    assert isinstance(data["summaries"]["key_points"], list) and len(data["summaries"]["key_points"]) >= 3
    assert data["findings"] == []
    kinds = {finding["kind"] for finding in json.loads(to_json(troubled))["findings"]}
    assert {"length_cap", "tier_trimmed"} <= kinds


def test_json_keeps_non_ascii_characters(brief):
    assert "Oekraïne" in to_json(brief)


# --------------------------------------------------------------------------------------------
# Plain text and Markdown


def test_text_translation_only_is_just_the_paragraphs(brief):
    expected = "\n\n".join(paragraph.translation for paragraph in brief.paragraphs) + "\n"
    assert to_text(brief, translation_only=True) == expected
    assert len(expected.strip().split("\n\n")) == 14


def test_text_shows_tiers_then_translation(brief):
    text = to_text(brief)
    headline = brief.summaries.get("headline").text
    assert f"HEADLINE\n{headline}\n" in text
    titles = ["HEADLINE\n", "LEDE\n", "SUMMARY\n", "KEY POINTS\n", "TRANSLATION\n"]
    positions = [text.index(title) for title in titles]
    assert positions == sorted(positions)
    for item in brief.summaries.get("key_points").items:
        assert f"- {item}\n" in text
    assert text.endswith(brief.translation + "\n")
    assert "CHECKS" not in text


def test_text_lists_checks(troubled):
    text = to_text(troubled)
    assert "CHECKS\n" in text
    assert "warning: length_cap [paragraph 1, sentence 2]:" in text
    assert "warning: tier_trimmed [headline]:" in text


def test_markdown_title_is_the_headline(brief):
    markdown = to_markdown(brief)
    assert markdown.splitlines()[0] == f"# {brief.summaries.get('headline').text}"
    assert "\n## Translation\n" in markdown
    assert "\n## Key points\n" in markdown
    assert "- **Date:** 2025-02" in markdown
    assert f"\n### EN({HEADING})\n" in markdown
    assert markdown.rstrip().endswith(brief.paragraphs[-1].translation)


def test_markdown_side_by_side_quotes_the_source(brief):
    markdown = to_markdown(brief, side_by_side=True)
    assert f"> {HEADING}\n" in markdown
    assert f"> {brief.paragraphs[0].source}\n" in markdown


# --------------------------------------------------------------------------------------------
# Rich


def test_rich_view_has_headline_and_translated_heading(brief):
    output = render_rich(brief)
    assert brief.summaries.get("headline").text in output
    assert f"EN({HEADING})" in output
    assert "Translation" in output and "no findings" in output


def test_rich_view_shows_findings(troubled):
    output = render_rich(troubled)
    assert f"Checks: {len(troubled.findings)} findings" in output
    assert "¶1 s2" in output and "hit its length cap" in output
    # Every finding with its sentence: --findings all.
    assert "De boodschap kwam in Brussel hard aan." in render_rich(troubled, findings="all")


def test_rich_side_by_side_shows_the_source(brief):
    output = render_rich(brief, side_by_side=True)
    assert HEADING in output and f"EN({HEADING})" in output
    assert "Source (nl)" in output


# --------------------------------------------------------------------------------------------
# Checks


def test_looping_sentence_gives_a_length_cap_finding(troubled):
    [finding] = [f for f in troubled.findings if f.kind == "length_cap"]
    assert finding.severity == "warning"
    assert (finding.paragraph, finding.sentence) == (0, 1)
    assert finding.source == "De boodschap kwam in Brussel hard aan."
    # A bounded excerpt of the translation: the whole sentence is in the paragraphs.
    translation = troubled.paragraphs[0].sentences[1].translation
    assert finding.target == translation or (finding.target.endswith("…") and translation.startswith(finding.target[:-1]))


def test_trimmed_headline_gives_a_tier_trimmed_finding(troubled):
    [finding] = [f for f in troubled.findings if f.kind == "tier_trimmed" and f.tier == "headline"]
    assert finding.detail.startswith("6 words of the model's headline were cut")


def test_check_translation_reports_coverage_and_empty_sentences():
    paragraphs = [
        TranslatedParagraph(
            0,
            "paragraph",
            "Een. Twee.",
            (TranslatedSentence("Een.", "One."), TranslatedSentence("Twee.", "")),
        ),
    ]
    findings = check_translation([3, 1], paragraphs)
    assert [(f.kind, f.severity, f.paragraph, f.sentence) for f in findings] == [
        ("coverage", "error", None, None),
        ("coverage", "error", 0, None),
        ("empty_translation", "error", 0, 1),
    ]
    assert [f.kind for f in check_translation([2], paragraphs)] == ["empty_translation"]


def test_check_summaries_reports_empty_trimmed_and_short_tiers():
    summaries = Summaries(tiers=(
        Tier("headline", text="Kort", trimmed_words=3),
        Tier("lede", text="  "),
        Tier("key_points", items=("Eén",), missing_items=2),
    ))  # fmt: skip
    findings = check_summaries(summaries)
    assert [(f.kind, f.tier) for f in findings] == [
        ("tier_trimmed", "headline"),
        ("empty_tier", "lede"),
        ("tier_short", "key_points"),
    ]
    assert check_summaries(None) == []


def test_rich_prints_an_articles_square_brackets_literally():
    from wirebrief.inputs.document import parse

    document = parse("De minister [red.] sprak in Brussel. Dat was [bold]nieuw[/bold] voor haar.")
    result = make_brief(
        document, settings=Settings(), summarise=False,
        engines={"translation": FakeEngine(loop_on={"Brussel"})},
    )
    output = render_rich(result)
    assert "[bold]nieuw[/bold]" in output and "[red.]" in output


# --------------------------------------------------------------------------------------------
# The Rich view leads with what matters


def _repeated(brief, copies: int = 5):
    """The brief with `copies` findings that say the same thing and one that stands alone."""
    from wirebrief.check import Finding

    same = [Finding("number_missing", "error", "`3` is not in the translation", 1, number % 2) for number in range(copies)]
    alone = Finding("name_missing", "warning", "Hegseth is not in the translation", 2, 0)
    return replace(brief, findings=(*same, alone))


def test_rich_overview_collapses_repeats_into_one_row_with_a_count(brief):
    output = render_rich(_repeated(brief))
    assert output.count("`3` is not in the translation") == 1
    assert "×5" in output
    assert "Checks: 6 findings (5 errors, 1 warning)" in output
    assert "Hegseth is not in the translation" in output
    # The counts by kind and severity: a row per kind, errors then warnings, most errors first.
    assert re.search(r"Kind\s+Errors\s+Warnings", output)
    rows = re.findall(r"^│\s+(\w+)\s+(\d+)\s+(\d+)\s+│$", output, flags=re.MULTILINE)
    assert rows == [("number_missing", "5", "0"), ("name_missing", "0", "1")]


def test_markdown_and_json_list_every_repeat(brief):
    """Only the Rich overview collapses repeats: the files list each finding where it is."""
    repeated = _repeated(brief)
    markdown = to_markdown(repeated)
    assert markdown.count("`3` is not in the translation") == 5
    assert markdown.count("Hegseth is not in the translation") == 1
    assert "×" not in markdown
    findings = json.loads(to_json(repeated))["findings"]
    assert len(findings) == len(repeated.findings) == 6
    assert [(f["kind"], f["paragraph"], f["sentence"]) for f in findings] == [
        (f.kind, f.paragraph, f.sentence) for f in repeated.findings
    ]


def test_rich_overview_shows_the_most_serious_first_and_points_at_the_rest(brief):
    from wirebrief.check import Finding
    from wirebrief.render import TOP_FINDINGS

    warnings = [Finding("tier_trimmed", "warning", f"warning number {n}", tier="summary") for n in range(TOP_FINDINGS)]
    error = Finding("number_missing", "error", "the one error", 0, 0)
    output = render_rich(replace(brief, findings=(*warnings, error)))
    assert output.index("the one error") < output.index("warning number 0")
    assert f"warning number {TOP_FINDINGS - 1}" not in output  # past the few shown
    assert "--findings all" in output


def test_rich_overview_puts_a_meaning_flip_before_more_frequent_missing_names(brief):
    from wirebrief.check import Finding

    names = [Finding("name_missing", "error", "'Trump' is not in the translation", n, 0) for n in range(8)]
    flip = Finding("negation", "error", "'niet' has no negation in the translation", 3, 1)
    output = render_rich(replace(brief, findings=(*names, flip)))
    assert output.index("'niet' has no negation") < output.index("'Trump' is not in the translation")


def test_rich_findings_all_lists_every_finding(brief):
    from wirebrief.check import Finding

    findings = tuple(Finding("tier_trimmed", "warning", f"warning number {n}", tier="summary") for n in range(12))
    output = render_rich(replace(brief, findings=findings), findings="all")
    assert all(f"warning number {n}" in output for n in range(12))


def test_rich_view_reaches_the_translation_early_however_many_findings(brief):
    from wirebrief.check import Finding

    findings = tuple(
        Finding("number_missing", "error", f"`{n}` is not in the translation", n % 14, 0, "bron", "doel")
        for n in range(500)
    )
    lines = render_rich(replace(brief, findings=findings)).splitlines()
    translation_starts = next(number for number, line in enumerate(lines) if "Translation" in line)
    assert translation_starts < 80, translation_starts


def test_rich_translation_marks_flagged_sentences_where_they_stand(troubled):
    from wirebrief.render import flagged_sentences

    flagged = flagged_sentences(troubled.findings)
    assert flagged  # the looping sentence
    (paragraph, sentence), severity = next(iter(flagged.items()))
    text = troubled.paragraphs[paragraph].sentences[sentence].translation
    output = render_rich(troubled)
    mark = "◆" if severity == "error" else "◇"
    assert "flagged by the checks" in output
    # The mark follows the flagged sentence's last words (wrapping may split the sentence).
    tail = text.split()[-1]
    assert any(tail in line and mark in line for line in output.splitlines()), output


def test_rich_translation_of_a_clean_brief_has_no_marks(brief):
    output = render_rich(brief)
    assert "◆" not in output and "◇" not in output


def test_header_names_engine_precision_and_time_split(brief):
    provenance = {
        **brief.provenance,
        "models": {"translation": {"engine": "ctranslate2", "model": "opus", "device": "cpu", "compute_type": "int8"},
                   "summary": {"engine": "torch", "model": "flan", "device": "cuda", "dtype": "bfloat16"}},
        "timings": {"load_seconds": 2.5, "translate_seconds": 6.25, "summarise_seconds": 3.0, "total_seconds": 12.0},
    }
    output = render_rich(replace(brief, provenance=provenance))
    assert "opus via CTranslate2 (cpu, int8)" in output
    assert "flan via transformers (torch) (cuda, bfloat16)" in output
    assert "12.0 s (load 2.5 s, translate 6.2 s, summarise 3.0 s)" in output
    assert "None" not in output



def test_the_time_split_shows_scoring_and_back_translation_where_they_took_time(brief):
    from wirebrief.render import time_split

    timings = {"load_seconds": 2.5, "translate_seconds": 6.25, "score_seconds": 0.8,
               "back_translate_seconds": 4.0, "summarise_seconds": 3.0, "total_seconds": 16.8}
    split = "16.8 s (load 2.5 s, translate 6.2 s, score 0.8 s, back-translate 4.0 s, summarise 3.0 s)"
    assert time_split(timings) == split
    timed = replace(brief, provenance={**brief.provenance, "timings": timings})
    console = Console(file=io.StringIO(), width=200)  # the split on one line
    console.print(*to_rich(timed))
    assert split in console.file.getvalue() and f"- **Time:** {split}" in to_markdown(timed)
    # Scores from the cache (or an engine that cannot score) took no time: not worth a part.
    unscored = {**timings, "score_seconds": 0.0}
    del unscored["back_translate_seconds"]
    assert time_split(unscored) == "16.8 s (load 2.5 s, translate 6.2 s, summarise 3.0 s)"

def test_back_translation_and_confidence_kinds_rank_after_the_forward_ones():
    from wirebrief.check.back import BACK_KINDS
    from wirebrief.render import KIND_RANK, plural
    from wirebrief.words import plural as words_plural

    assert plural is words_plural  # still importable from render, where it used to live
    for kind in (*BACK_KINDS.values(), "low_confidence"):
        assert KIND_RANK[kind] > KIND_RANK["quote_missing"]
    assert KIND_RANK["back_negation"] < KIND_RANK["back_number"] < KIND_RANK["low_confidence"]
