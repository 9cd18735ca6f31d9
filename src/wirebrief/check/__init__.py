"""Findings: what a reader should know before trusting a brief, or any translation.

Two kinds of checks. What the pipeline itself can tell: translations that ran into their length
cap, sentences that came out empty, coverage (sentences in and out), tiers that were trimmed to
budget, came out empty or have fewer items than asked for. And fidelity: whether a translation
says what its source says, checked sentence by sentence without loading any model:

==================  ========  ==============================================================
kind                severity  what it means
==================  ========  ==============================================================
coverage            error     sentences or paragraphs in and out differ in number, or a
                              paragraph has no counterpart (warning: two were joined)
empty_translation   error     a sentence came out empty
length_cap          warning   the model ran into its length cap: incomplete or looping
untranslated        error     the translation is still in the source language
loop                error     the translation repeats a phrase over and over
omission            error     the translation is far shorter than its source, or a source
                              sentence has no translation at all
addition            warning   the translation is far longer than its source, or has a
                              sentence with no source
number_mismatch     error     a number of the source is not in the translation (changed or
                              lost)
number_format       warning   a number kept its Dutch notation and reads differently in
                              English ("1.000" is one)
name_missing        error     a name of the source is not in the translation in any known form
                              (warning: the translation spells it nearly the same)
quote_missing       error     a quote in the source is not a quote in the translation
glossary            error     a glossary term is not translated as the glossary requires
negation            error     a negation on one side and none on the other
date_mismatch       error     a weekday, month, year, relative day or date replaced by another
unit_mismatch       error     a number's unit changed (warning: converted, 30 km as 18.6 miles)
unit_missing        warning   a number kept its value but lost its unit
direction_mismatch  error     a rise on one side, a fall on the other
role_swap           error     two names changed sides of a verb such as invade, attack or
                              support, in a simple clause (see `wirebrief.check.roles`)
low_confidence      warning   the translation model was far less sure of this sentence than
                              of the article's others, or unsure in any article
back_number         warning   the back-translation (--verify back) lacks a number of the source
back_name           warning   the back-translation lacks a name of the source
back_negation       warning   a negation in the source or the back-translation but not both
back_date           warning   the back-translation has another date than the source
back_unit           warning   the back-translation has another unit, or none, for a number
back_direction      warning   a rise in the source, a fall in the back-translation, or the reverse
summary_number      error     a tier has a number that is nowhere in the article
summary_name        error     a tier has a name that is nowhere in the article
summary_quote       error     a tier quotes words that are not in the translation
summary_negation    error     a tier negates what the sentence it draws on does not, or the reverse
summary_direction   error     a tier has a rise where the sentence it draws on has a fall, or the reverse
summary_date        error     a tier has a date that is nowhere in the article, where its sentence has another
empty_tier          error     a tier came out empty
tier_trimmed        warning   a tier was cut to its length budget
tier_short          warning   a list tier has fewer items than its minimum
==================  ========  ==============================================================

A finding's `source` and `target` are its sentence and translation, cut to an excerpt of at most
`EXCERPT_CHARS` around the words it is about where they are longer; a sentence's findings of one
kind beyond `FINDINGS_PER_KIND` are counted in one more. The meaning checks (negation, dates,
units, direction) read word lists per language (`wirebrief.check.meaning`). The back_* kinds are
those checks between the source and its back-translation, both in the source language
(`wirebrief.check.back`); low_confidence reads the scores the model gave its own translations
(`wirebrief.check.confidence`). Neither runs a model: the pipeline hands in what they read.

`check_texts` checks a translation made anywhere against its source; `check_translation` and
`check_summaries` check a brief; `fails` turns findings into a pass or fail.

Where each lives: `sentence` (one sentence and its translation), `translation` (a brief's
translation), `summaries` (its tiers), `texts` (any translation, aligned with `align`),
`findings` (what they share), `back` and `confidence` (see above); the readers of numbers (`figures`), names, quotes, glossary
terms and meaning below them. A new check of a sentence is a function in `sentence` called from
`check_sentence`, with its kind in the table above; the checks import nothing that runs a model.
"""

from __future__ import annotations

from wirebrief.check.back import (
    BackCheck,
    BackSentence,
    check_back_translation,
    check_back_translations,
    with_back_translations,
)
from wirebrief.check.confidence import ConfidenceRule, check_confidence, confidence_findings, low_scores
from wirebrief.check.findings import (
    FAIL_ON,
    FINDINGS_PER_KIND,
    NUMBERS_AND_NAMES,
    FailOn,
    fails,
    reads_numbers_and_names,
)
from wirebrief.check.sentence import Context, check_sentence
from wirebrief.check.summaries import check_summaries
from wirebrief.check.texts import SentencePair, TextCheck, check_texts
from wirebrief.check.translation import article_text, check_translation
from wirebrief.results import EXCERPT_CHARS, Finding, Severity

__all__ = [
    "EXCERPT_CHARS", "FAIL_ON", "FINDINGS_PER_KIND", "NUMBERS_AND_NAMES", "BackCheck", "BackSentence",
    "ConfidenceRule", "Context", "FailOn", "Finding", "SentencePair", "Severity", "TextCheck", "article_text",
    "check_back_translation", "check_back_translations", "check_confidence", "check_sentence",
    "check_summaries", "check_texts", "check_translation", "confidence_findings", "fails", "low_scores",
    "reads_numbers_and_names", "with_back_translations",
]  # fmt: skip
