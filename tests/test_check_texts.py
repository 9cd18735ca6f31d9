"""`check_texts`: a translation made elsewhere, aligned with its source and checked; and the
evaluation set's aims, so CI keeps them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fakes import load_script

from wirebrief.check import check_texts
from wirebrief.check.align import align
from wirebrief.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SOURCE = (ROOT / "examples" / "article-nl-2025-02.txt").read_text(encoding="utf-8")
TARGET = (ROOT / "tests" / "data" / "checks" / "article-en-2025-02.txt").read_text(encoding="utf-8")
PARAGRAPHS = TARGET.split("\n\n")


def summary(result) -> list[tuple[str, str, int | None, int | None]]:
    return [(f.kind, f.severity, f.paragraph, f.sentence) for f in result.findings]


def covered(result) -> tuple[list[tuple[int, int]], str]:
    """Every source sentence the alignment holds, and all its target text: nothing dropped."""
    sentences = [(pair.paragraph, s) for pair in result.pairs if pair.paragraph is not None for s in pair.sentences]
    return sentences, " ".join(pair.target for pair in result.pairs if pair.target)


def test_correct_translation_of_the_example_has_no_findings():
    result = check_texts(SOURCE, TARGET)
    assert result.findings == ()
    assert (result.source_paragraphs, result.target_paragraphs) == (14, 14)
    assert len(result.pairs) == 35 and not result.fails("warning")
    data = result.as_dict()
    assert data["findings"] == [] and len(data["alignment"]) == 35
    assert data["alignment"][0]["paragraph"] == 0 and data["alignment"][0]["target"].startswith("On Wednesday")


def test_a_changed_number_is_found_where_it_is():
    result = check_texts(SOURCE, TARGET.replace("after four years", "after five years"))
    [finding] = result.findings
    assert (finding.kind, finding.paragraph, finding.sentence) == ("number_mismatch", 13, 4)
    assert "vier (4)" in finding.detail and finding.target.endswith("has his Nobel Prize.\"")
    assert result.fails("error")


def test_a_dropped_paragraph_is_reported_and_the_rest_still_aligned():
    result = check_texts(SOURCE, "\n\n".join(PARAGRAPHS[:5] + PARAGRAPHS[6:]))
    assert summary(result) == [("coverage", "error", None, None), ("coverage", "error", 5, None)]
    assert "14 paragraphs, the translation 13" in result.findings[0].detail
    assert result.findings[1].detail == "paragraph 6 of the source has no translation"
    sentences, text = covered(result)
    expected = " ".join(PARAGRAPHS[:5] + PARAGRAPHS[6:]).removeprefix("date 2025-02")
    assert len(sentences) == 35 and "".join(text.split()) == "".join(expected.split())


def test_merged_paragraphs_are_a_warning_and_lose_nothing():
    merged = PARAGRAPHS[:1] + [PARAGRAPHS[1] + " " + PARAGRAPHS[2]] + PARAGRAPHS[3:]
    result = check_texts(SOURCE, "\n\n".join(merged))
    assert summary(result) == [("coverage", "error", None, None), ("coverage", "warning", 1, None)]
    assert result.findings[1].detail == "source paragraphs 2-3 are translation paragraphs 2"


def test_a_dropped_sentence_is_an_omission():
    dropped = TARGET.replace("He said he saw no role for Europe in negotiations on a ceasefire between Ukraine and Russia. ", "")
    result = check_texts(SOURCE, dropped)
    assert summary(result) == [("coverage", "error", 1, None), ("omission", "error", 1, 1)]
    assert result.findings[1].source.startswith("Hij zei geen rol te zien voor Europa")


def test_an_added_paragraph_is_reported():
    added = PARAGRAPHS[:3] + ["The translator added this paragraph about the markets, which the source never had."] + PARAGRAPHS[3:]
    result = check_texts(SOURCE, "\n\n".join(added))
    kinds = [f.kind for f in result.findings]
    assert kinds[0] == "coverage" and "addition" in kinds
    _, text = covered(result)
    assert "The translator added this paragraph" in text


def test_glossary_applies_to_check_texts(tmp_path):
    from wirebrief.check.glossary import parse_tsv

    glossary = parse_tsv("Monika Sie\tMonika Sie\n")
    assert check_texts(SOURCE, TARGET, glossary=glossary).findings == ()
    result = check_texts(SOURCE, TARGET.replace("Monika Sie", "Ms Sie"), glossary=glossary)
    assert [(f.kind, f.paragraph) for f in result.findings] == [("glossary", 6)]


def test_empty_translation_is_an_input_error():
    with pytest.raises(InputError):
        check_texts(SOURCE, "  \n")


def test_align_pairs_equal_counts_in_order_and_covers_every_unit():
    assert align(["a", "b"], ["x", "y"]) == [((0,), (0,)), ((1,), (1,))]
    beads = align(["Een.", "Twee mannen in Rotterdam.", "Drie."], ["One.", "Three."])
    assert [i for s, _ in beads for i in s] == [0, 1, 2]
    assert [j for _, t in beads for j in t] == [0, 1]


# --------------------------------------------------------------------------------------------
# The evaluation set (tests/data/checks): the aims the issue sets, kept by CI.


def test_evaluation_meets_its_aims():
    module = load_script("eval_checks")
    report = module.evaluate()
    assert report.correct >= 60 and sum(report.planted.values()) >= 40
    assert set(report.planted) >= {
        "number_mismatch", "number_format", "name_missing", "quote_missing", "untranslated", "loop",
        "omission", "addition", "glossary", "summary_number", "summary_name", "summary_quote",
        "negation", "date_mismatch", "unit_mismatch", "unit_missing", "direction_mismatch",
        "summary_negation", "summary_direction", "summary_date",
    }
    # The meaning checks' cases: at least 80, as many correct ones as planted errors per kind.
    meaning = [case for case in module.read_cases(ROOT / "tests" / "data" / "checks" / "meaning.tsv", 3)]
    meaning += module.read_cases(ROOT / "tests" / "data" / "checks" / "meaning-summaries.tsv", 4)
    assert len(meaning) >= 80 and sum(not case.expected for case in meaning) >= sum(bool(case.expected) for case in meaning)
    missed = [(case.where, kind) for case, kind, _ in report.misses]
    assert missed == [], "every planted error is found"
    assert report.false_positive_rate <= 1 / 20, [case.where for case, _ in report.false_positives]
    assert report.false_error_rate <= 1 / 20, [case.where for case, _ in report.false_errors]
    # The held-out set is measured and reported (README), never tuned on, so no aim is kept here.
    heldout = module.evaluate(ROOT / "tests" / "data" / "checks" / "heldout")
    assert heldout.correct + sum(heldout.planted.values()) >= 40


# --------------------------------------------------------------------------------------------
# Bounded output: one very long sentence (no full stop in 50 KB) must not make the findings
# quadratic. Each name finding carried the whole sentence and its translation: a 20 KB sentence
# gave 46 MB of JSON, 50 KB some 245 MB.


def _unpunctuated(words: str, size: int) -> str:
    parts = words.split()
    return " ".join(parts[i % len(parts)] for i in range(size // 5 + len(parts)))[:size].rsplit(" ", 1)[0]


def test_a_50_kb_sentence_without_punctuation_gives_bounded_findings():
    import json

    from wirebrief.check import EXCERPT_CHARS, FINDINGS_PER_KIND

    source = _unpunctuated("de minister Jansen sprak met Pietersen en Van Dijk over 12 miljoen euro in Groningen drie keer", 50_000)
    garbled = _unpunctuated("the minister spoke with someone about 13 million euros in a town and the the the", 50_000)
    result = check_texts(source, garbled)
    data = json.dumps(result.as_dict())
    assert len(source) > 49_000 and len(data) < 1_000_000
    by_kind: dict[str, list] = {}
    for finding in result.findings:
        by_kind.setdefault(finding.kind, []).append(finding)
        assert len(finding.source or "") <= EXCERPT_CHARS and len(finding.target or "") <= EXCERPT_CHARS
    # Thousands of lost names and numbers: the first ones one by one, the rest counted.
    names = by_kind["name_missing"]
    assert len(names) == FINDINGS_PER_KIND + 1
    count = int(names[-1].detail.split()[0])
    assert count > 2000 and "more names of the source are not in the translation, 4 different" in names[-1].detail
    assert len(by_kind["number_mismatch"]) == FINDINGS_PER_KIND + 1
    # The whole sentence is still in the alignment, once.
    assert data.count("Pietersen en Van Dijk") >= 500


def test_an_excerpt_is_bounded_and_shows_the_lost_name():
    from wirebrief.check import EXCERPT_CHARS, check_sentence

    filler = "het gebeurde op een dag in de stad waar niemand het zag aankomen en " * 30
    source = filler + "toen sprak Hegseth met de pers " + filler
    target = ("it happened one day in the city where nobody saw it coming and " * 30) + "then he spoke to the press " + (
        "it happened one day in the city where nobody saw it coming and " * 30
    )
    [finding] = [f for f in check_sentence(source, target) if f.kind == "name_missing"]
    assert len(source) > 4000 and len(finding.source) <= EXCERPT_CHARS and len(finding.target) <= EXCERPT_CHARS
    assert "Hegseth" in finding.source and finding.source.startswith("…") and finding.source.endswith("…")
    # The translation's excerpt is cut at the same place in it, near where the name went.
    assert "then he spoke to the press" in finding.target


def test_a_short_sentence_is_carried_whole():
    from wirebrief.check import check_sentence

    source, target = "Premier Schoof sprak met Macron.", "The prime minister spoke with Macron."
    [finding] = check_sentence(source, target)
    assert (finding.kind, finding.source, finding.target) == ("name_missing", source, target)


def test_a_long_loop_is_found_in_linear_time():
    from wirebrief.check import check_sentence

    findings = check_sentence("Hij zei het nog eens.", "He said it " + "again and " * 20_000)
    assert [f.kind for f in findings] == ["loop"] and "'again and'" in findings[0].detail


def test_the_checker_and_the_readers_import_nothing_that_runs_a_model():
    """`wirebrief check` and the input readers stand on their own: no engine, no translation or
    summary stage, no pipeline, CLI, views or batch, and no torch or transformers."""
    import subprocess

    code = (
        "import sys, wirebrief.check, wirebrief.inputs\n"
        "stages = ('engines', 'translation', 'summaries', 'pipeline', 'cli', 'render', 'batch')\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers', 'ctranslate2')\n"
        "                or (m.startswith('wirebrief.') and m.split('.')[1] in stages))\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
