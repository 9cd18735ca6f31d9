"""Meaning flips a fluent translation can hide: negation, dates, units, direction, in a sentence
and in the summary tiers (`wirebrief.check.meaning`, run by `check_sentence` and `check_summaries`)."""

from __future__ import annotations

import pytest

from wirebrief.check import Context, check_sentence, check_summaries, check_translation
from wirebrief.check.meaning import lexicon, reads_meaning
from wirebrief.results import Summaries, Tier, TranslatedParagraph, TranslatedSentence

MEANING_KINDS = {"negation", "date_mismatch", "unit_mismatch", "unit_missing", "direction_mismatch"}


def flips(source: str, target: str, context: Context | None = None) -> list[tuple[str, str, str]]:
    return [(f.kind, f.severity, f.detail) for f in check_sentence(source, target, context) if f.kind in MEANING_KINDS]


# The examples: each read fluently and said the opposite.
FLIPPED = [
    ("Het kabinet gaat niet akkoord met het voorstel.", "The cabinet agrees with the proposal.", "negation", "'niet'"),
    ("De top vindt plaats op dinsdag 18 februari.", "The summit will take place on Thursday 18 February.", "date_mismatch", "'dinsdag' (Tuesday)"),
    ("Het akkoord werd in maart 2022 gesloten.", "The agreement was concluded in May 2022.", "date_mismatch", "'maart' (March)"),
    ("De file was 30 kilometer lang.", "The traffic jam was 30 miles long.", "unit_mismatch", "'30 miles'"),
    ("De inflatie is in januari gestegen naar 3,3 procent.", "Inflation fell to 3.3 percent in January.", "direction_mismatch", "'gestegen'"),
    ("De oppositie steunt het plan.", "The opposition doesn't support the plan.", "negation", "\"doesn't\""),
    ("De minister maakte het plan gisteren bekend.", "The minister announced the plan today.", "date_mismatch", "'gisteren' (yesterday)"),
    ("Het museum is van 3 juni tot 18 juli gesloten.", "The museum is closed from 18 June to 3 July.", "date_mismatch", "(3 June)"),
    ("Het aantal asielaanvragen nam vorig jaar toe.", "The number of asylum applications decreased last year.", "direction_mismatch", "'decreased'"),
]


@pytest.mark.parametrize(("source", "target", "kind", "words"), FLIPPED)
def test_a_flipped_meaning_is_an_error_naming_its_words(source, target, kind, words):
    found = flips(source, target)
    assert [(k, s) for k, s, _ in found] == [(kind, "error")]
    assert words in found[0][2]


# The constructions that keep the meaning while losing (or gaining) the word.
KEPT = [
    ("Het gaat niet alleen om geld, maar ook om vertrouwen.", "It is about money as well as trust."),
    ("Het gaat niet alleen om geld, maar ook om vertrouwen.", "It is not only about money but also about trust."),
    ("De uitslag is geen verrassing.", "The result is no surprise."),
    ("De uitslag is geen verrassing.", "The result is unsurprising."),
    ("Het lukte de brandweer niet het vuur te blussen.", "The fire brigade failed to put out the fire."),
    ("De minister weigerde commentaar te geven.", "The minister declined to comment."),
    ("De minister weigerde commentaar te geven.", "The minister would not comment."),
    ("Er was nergens in de stad nog stroom.", "There was no power anywhere in the city."),
    ("Of het lukt, is nog niet gezegd.", "Whether it works remains to be seen."),
    ("De top vindt plaats op dinsdag 18 februari.", "The summit takes place on Tuesday, February 18."),
    ("Het gebeurde op 18 februari.", "It happened on 18 Feb."),
    ("Zondagavond brak er brand uit.", "Fire broke out on Sunday evening."),
    ("Vannacht is er een auto in brand gestoken.", "A car was set on fire overnight."),
    ("De file was 30 kilometer lang.", "The traffic jam was 30 km long."),
    ("De schade bedraagt € 4,5 miljoen.", "The damage amounts to 4.5 million euros."),
    ("Het werd vandaag 35 graden.", "It reached 35°C today."),
    ("De bijeenkomst begint om 19.30 uur.", "The meeting starts at 7.30pm."),
    ("De inflatie is in januari gestegen naar 3,3 procent.", "Inflation climbed to 3.3 percent in January."),
    ("De prijzen stegen, maar de lonen daalden.", "Prices rose, but wages fell."),
    ("De ECB verlaagt de rente.", "The ECB is cutting interest rates."),
]


@pytest.mark.parametrize(("source", "target"), KEPT)
def test_the_same_meaning_in_other_words_is_no_finding(source, target):
    assert check_sentence(source, target) == []


def test_a_converted_unit_is_a_warning_and_not_also_a_lost_number():
    [finding] = check_sentence("De file was 30 kilometer lang.", "The traffic jam was 18.6 miles long.")
    assert (finding.kind, finding.severity) == ("unit_mismatch", "warning")
    assert "'30 kilometer'" in finding.detail and "converted to '18.6 miles'" in finding.detail


def test_pounds_may_be_a_weight():
    [finding] = check_sentence("Het pakket weegt 12 kilo.", "The parcel weighs 26.5 pounds.")
    assert (finding.kind, finding.severity) == ("unit_mismatch", "warning")


def test_a_number_that_lost_its_unit_is_a_warning():
    [finding] = check_sentence("De inflatie kwam uit op 4,1 procent.", "Inflation came in at 4.1.")
    assert (finding.kind, finding.severity) == ("unit_missing", "warning") and "'4,1 procent'" in finding.detail


def test_money_in_another_currency_is_an_error():
    found = flips("De schade bedraagt 4,5 miljoen euro.", "The damage amounts to $4.5m.")
    assert [(k, s) for k, s, _ in found] == [("unit_mismatch", "error")]


def test_the_checks_need_word_lists_for_both_languages():
    assert reads_meaning("nl", "en") and lexicon("xx") is None and not reads_meaning("nl", "xx")
    context = Context(source_lang="nl", target_lang="xx")
    assert flips("Het kabinet gaat niet akkoord met het voorstel.", "Le cabinet accepte la proposition.", context) == []


def test_a_brief_gets_the_meaning_checks():
    paragraph = TranslatedParagraph(
        0, "paragraph", "De werkloosheid daalde verder.", (TranslatedSentence("De werkloosheid daalde verder.", "Unemployment rose further."),)
    )
    findings = check_translation([1], [paragraph], source_lang="nl", target_lang="en")
    assert [(f.kind, f.paragraph, f.sentence) for f in findings] == [("direction_mismatch", 0, 0)]


# --------------------------------------------------------------------------------------------
# Summary tiers against the translation

ARTICLE = (
    "The cabinet does not agree with the province's proposal for a new motorway. "
    "Unemployment fell to 3.6 percent in January, Statistics Netherlands reports. "
    "The summit takes place on Tuesday 18 February in Brussels."
)


def tier_findings(*texts: str) -> list[tuple[str, str]]:
    summaries = Summaries(tiers=tuple(Tier(f"tier{i}", text=text) for i, text in enumerate(texts)))
    return [(f.kind, f.tier) for f in check_summaries(summaries, article=ARTICLE) if f.kind.startswith("summary_")]


def test_a_tier_that_flips_its_sentence_is_an_error():
    assert tier_findings(
        "The cabinet agrees with the province's proposal.",
        "Unemployment rises to 3.6 percent in January.",
        "The Brussels summit takes place on Thursday.",
    ) == [("summary_negation", "tier0"), ("summary_direction", "tier1"), ("summary_date", "tier2")]


def test_a_tier_in_other_words_passes():
    assert tier_findings(
        "The cabinet rejects the province's motorway proposal.",
        "Unemployment drops to 3.6 percent.",
        "Brussels summit on February 18.",
        "The summit in Brussels is on Tuesday.",
    ) == []


def test_a_tier_may_leave_out_a_negated_clause():
    article = "Trump and Putin spoke by phone for an hour and a half on Wednesday, but Europe was not at the table."
    summaries = Summaries(tiers=(Tier("headline", text="Trump and Putin spoke by phone for an hour and a half."),))
    assert check_summaries(summaries, article=article) == []


# --------------------------------------------------------------------------------------------
# Role swaps (wirebrief.check.roles): simple clauses only, guarded against false alarms.


def role_findings(source: str, target: str):
    context = Context.for_article([source], source_lang="nl", target_lang="en", glossary=None)
    return [finding for finding in check_sentence(source, target, context) if finding.kind == "role_swap"]


def test_two_names_that_change_sides_of_the_verb_are_a_role_swap():
    [finding] = role_findings("Rusland viel Oekraïne binnen.", "Ukraine invaded Russia.")
    assert finding.severity == "error"
    assert "'Rusland' before 'Oekraïne'" in finding.detail and "'invaded'" in finding.detail
    # A sentence's first word is a name where English has it, capitalised, mid-sentence.
    assert role_findings("Ajax versloeg Feyenoord met 3-1.", "Feyenoord beat Ajax 3-1.")


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("Rusland viel Oekraïne binnen.", "Russia invaded Ukraine."),
        ("Rusland viel Oekraïne binnen.", "Ukraine was invaded by Russia."),
        ("Volgens Rusland viel Oekraïne Koersk aan.", "Ukraine attacked Kursk, according to Russia."),
        ("Rusland zegt dat Oekraïne de brug aanviel.", "Ukraine attacked the bridge, Russia says."),
        ("Nederland steunt Oekraïne.", "Ukraine receives support from the Netherlands."),
        # Not a simple clause: three names, or no verb of the list on one side.
        ("Nadat Irak Koeweit binnenviel, greep Amerika in.", "After Kuwait invaded Iraq, America intervened."),
        ("De aanval van Rusland op Oekraïne begon in 2022.", "The attack on Ukraine by Russia began in 2022."),
    ],
)
def test_names_that_move_for_a_good_reason_or_outside_a_simple_clause_are_not(source, target):
    assert role_findings(source, target) == []
