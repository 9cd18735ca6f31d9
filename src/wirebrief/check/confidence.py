"""Low confidence: the sentences whose translation the model itself was least sure of.

The pipeline scores each translated sentence with the model that made it: the mean
log-probability per token of the translation given the source, by forced decoding (<= 0; 0 is
certain). This module only reads those numbers; it runs no model. Its defaults are set by
reasoning, not yet measured on real models' scores: see `ConfidenceRule`.

Which sentences are "low" is judged against the article itself, because what is usual differs
by model, by language pair and by subject (a list of names scores lower than plain prose):

- relative: a score below the article's median by more than `k` robust standard deviations
  (1.4826 x the median absolute deviation, which is the standard deviation for normally
  spread scores but is not pulled by the outliers it is meant to find). Below a minimum spread
  (`min_spread`) the spread is taken as that minimum, so in an article whose sentences score
  nearly alike a hair's difference does not make an outlier.
- only with enough sentences: a median and a spread of fewer than `min_sentences` scores say
  little, so a short text gets no relative findings at all.
- absolute: a score below `floor` is low whatever the rest of the article scores, so a text
  the model did badly throughout (every sentence far from what it would have said) is flagged
  too instead of setting its own, low, standard. This also holds for a text of one sentence.

Each low sentence gets one `low_confidence` warning: a reason to check it against the source,
not a sign that it is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from wirebrief.check.findings import Where
from wirebrief.results import Finding, TranslatedParagraph

#: Scales the median absolute deviation to a standard deviation for normally spread scores.
_MAD_TO_SD = 1.4826


@dataclass(frozen=True)
class ConfidenceRule:
    """When a sentence's score is low; see the module's description."""

    #: Robust standard deviations below the article's median.
    k: float = 3.0
    #: The least spread (in log-probability) the relative rule assumes: with `k`, a score is
    #: low only 0.45 or more below the median (a factor of 1.6 in per-token probability),
    #: since a short sentence's mean over a few tokens moves that much by itself.
    min_spread: float = 0.15
    #: Scored sentences an article needs before the relative rule applies.
    min_sentences: int = 8
    #: A score below this is low in any article: a geometric mean of under 8% per token.
    floor: float = -2.5


DEFAULT_RULE = ConfidenceRule()


@dataclass(frozen=True)
class Low:
    """A low score: its index in the scores given, and why it is low."""

    index: int
    score: float
    reason: str


def low_scores(scores: Sequence[float | None], rule: ConfidenceRule = DEFAULT_RULE) -> list[Low]:
    """The low scores among `scores`, in order; None (a sentence not scored) and NaN are skipped
    and do not count towards the article's distribution."""
    known = [(i, score) for i, score in enumerate(scores) if score is not None and not math.isnan(score)]
    cut = None
    if len(known) >= rule.min_sentences:
        values = [score for _, score in known]
        middle = median(values)
        spread = max(_MAD_TO_SD * median(abs(value - middle) for value in values), rule.min_spread)
        cut = (middle - rule.k * spread, middle)
    lows = []
    for index, score in known:
        if score < rule.floor:
            lows.append(Low(index, score, f"below {rule.floor:g}, low in any article"))
        elif cut is not None and score < cut[0]:
            lows.append(Low(index, score, f"well below this article's median of {cut[1]:.2f}"))
    return lows


def check_confidence(
    paragraphs: Sequence[TranslatedParagraph], rule: ConfidenceRule = DEFAULT_RULE
) -> list[Finding]:
    """`low_confidence` warnings on a brief's sentences whose `confidence` is low."""
    places, scores = [], []
    for paragraph in paragraphs:
        for number, sentence in enumerate(paragraph.sentences):
            places.append(Where(paragraph.index, number, sentence.source, sentence.translation))
            scores.append(sentence.confidence)
    return confidence_findings(places, scores, rule)


def confidence_findings(
    places: Sequence[Where], scores: Sequence[float | None], rule: ConfidenceRule = DEFAULT_RULE
) -> list[Finding]:
    """`low_confidence` warnings for sentences given as where they are and their scores, one
    each: for a check of any translation (`check_texts`' pairs) as well as a brief's."""
    if len(places) != len(scores):
        raise ValueError(f"{len(scores)} scores for {len(places)} sentences")
    return [
        places[low.index].finding(
            "low_confidence", "warning",
            f"the model's confidence in this translation is {low.score:.2f} (mean log-probability per token), "
            f"{low.reason}: check it against the source",
        )
        for low in low_scores(scores, rule)
    ]
