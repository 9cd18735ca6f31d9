"""Low confidence (`wirebrief.check.confidence`): which sentences' scores are low, judged
against the article's own scores and an absolute floor. No model: the scores are given."""

from __future__ import annotations

import pytest

from wirebrief.check.confidence import (
    DEFAULT_RULE,
    ConfidenceRule,
    check_confidence,
    confidence_findings,
    low_scores,
)
from wirebrief.check.findings import Where
from wirebrief.results import TranslatedParagraph, TranslatedSentence

#: Ten sentences the model was about as sure of as it usually is.
USUAL = [-0.31, -0.42, -0.28, -0.55, -0.37, -0.46, -0.33, -0.51, -0.40, -0.36]


def flagged(scores, rule=DEFAULT_RULE) -> list[int]:
    return [low.index for low in low_scores(scores, rule)]


def test_one_outlier_among_usual_scores_is_flagged():
    assert flagged([*USUAL[:5], -1.6, *USUAL[5:]]) == [5]
    [low] = low_scores([*USUAL, -1.6])
    assert "median of -0.40" in low.reason


def test_usual_scores_and_a_mildly_lower_one_are_not():
    assert flagged(USUAL) == []
    assert flagged([*USUAL, -0.8]) == []


def test_all_equal_scores_flag_nothing_and_a_hair_below_them_is_no_outlier():
    assert flagged([-0.4] * 12) == []
    assert flagged([-0.4] * 12 + [-0.45]) == []
    # The minimum spread (0.15) times k (3): 0.45 below the median is where "low" starts.
    assert flagged([-0.4] * 12 + [-0.8]) == []
    assert flagged([-0.4] * 12 + [-0.9]) == [12]


def test_a_uniformly_bad_article_is_flagged_throughout():
    assert flagged([-3.1] * 12) == list(range(12))
    assert all("low in any article" in low.reason for low in low_scores([-3.1] * 12))


def test_one_sentence_is_judged_by_the_floor_alone():
    assert flagged([-0.4]) == []
    assert flagged([-2.4]) == []
    assert flagged([-2.6]) == [0]


def test_too_few_sentences_for_a_distribution_get_no_relative_findings():
    short = [*USUAL[: DEFAULT_RULE.min_sentences - 2], -1.6]
    assert len(short) == DEFAULT_RULE.min_sentences - 1 and flagged(short) == []
    enough = [*USUAL[: DEFAULT_RULE.min_sentences - 1], -1.6]
    assert flagged(enough) == [len(enough) - 1]


def test_unscored_sentences_are_skipped_and_do_not_count():
    scores = [None, *USUAL[:6], float("nan"), -1.6]
    # Seven scored sentences: too few for the relative rule, though nine are given.
    assert flagged(scores) == []
    assert flagged([None, *USUAL, None, -1.6]) == [12]


def test_the_rule_can_be_set():
    assert flagged([*USUAL, -0.8], ConfidenceRule(k=2.0)) == [10]
    assert flagged([-1.0], ConfidenceRule(floor=-0.5)) == [0]
    assert flagged([*USUAL[:4], -1.6], ConfidenceRule(min_sentences=5)) == [4]


@pytest.mark.parametrize("scores", [[], [None, None]])
def test_no_scores_flag_nothing(scores):
    assert flagged(scores) == []


def test_check_confidence_puts_a_warning_on_the_low_sentence():
    sentences = [TranslatedSentence(f"Zin {i}.", f"Sentence {i}.", confidence=score) for i, score in enumerate(USUAL)]
    paragraphs = (
        TranslatedParagraph(0, "heading", "Kop", (TranslatedSentence("Kop", "Headline"),)),
        TranslatedParagraph(1, "paragraph", "…", tuple(sentences[:5])),
        TranslatedParagraph(2, "paragraph", "…", (*sentences[5:], TranslatedSentence("Raar.", "Odd.", confidence=-2.0))),
    )
    [finding] = check_confidence(paragraphs)
    assert (finding.kind, finding.severity, finding.paragraph, finding.sentence) == ("low_confidence", "warning", 2, 5)
    assert (finding.source, finding.target) == ("Raar.", "Odd.")
    assert "-2.00" in finding.detail and "mean log-probability per token" in finding.detail
    assert check_confidence(paragraphs[:1]) == []


def test_confidence_findings_take_any_sentences_and_their_scores():
    places = [Where(None, i, f"Zin {i}.", f"Sentence {i}.") for i in range(3)]
    [finding] = confidence_findings(places, [-0.3, -2.7, None])
    assert (finding.kind, finding.sentence, finding.target) == ("low_confidence", 1, "Sentence 1.")
    with pytest.raises(ValueError, match="2 scores for 3 sentences"):
        confidence_findings(places, [-0.3, -0.4])
