"""Fidelity checks on hand-made Dutch/English sentence pairs: correct ones pass, planted errors
are found, each by its kind."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wirebrief.check import (
    Context,
    Finding,
    check_sentence,
    check_summaries,
    check_translation,
    fails,
)
from wirebrief.check.figures import extract_numbers
from wirebrief.check.glossary import parse_tsv
from wirebrief.check.names import find_names
from wirebrief.check.quotes import find_quotes
from wirebrief.results import Summaries, Tier, TranslatedParagraph, TranslatedSentence


def kinds(source: str, target: str, context: Context | None = None) -> list[str]:
    return [finding.kind for finding in check_sentence(source, target, context)]


def values(text: str, language: str) -> list[Decimal]:
    return sorted(q.value for q in extract_numbers(text, language) if q.required)


# --------------------------------------------------------------------------------------------
# Numbers

CORRECT_NUMBERS = [
    ("Er kwamen 1.000 mensen op af.", "Some 1,000 people turned up."),
    ("De groei was 1,5 procent.", "Growth was 1.5 percent."),
    ("De inflatie kwam uit op 12,3%.", "Inflation came in at 12.3%."),
    ("Het gebeurde in 2025.", "It happened in 2025."),
    ("De schade bedraagt € 4,5 miljoen.", "The damage amounts to €4.5 million."),
    ("De schade bedraagt € 4,5 miljoen.", "The damage amounts to 4.5 million euros."),
    ("De schade bedraagt 4,5 miljoen euro.", "The damage amounts to €4.5m."),
    ("Na vier jaar is er een akkoord.", "After four years there is an agreement."),
    ("Ze belden anderhalf uur met elkaar.", "They spoke for an hour and a half."),
    ("Ze belden anderhalf uur met elkaar.", "They spoke for one and a half hours."),
    ("Hij won twee keer.", "He won twice."),
    ("Het is de eerste keer dat dit gebeurt.", "It is the first time this has happened."),
    ("Een man is aangehouden.", "A man has been arrested."),
    ("Er is één dode gevallen.", "One person died."),
    ("De prijzen stegen met 5 à 6 procent.", "Prices rose by 5 to 6 percent."),
    ("Het duurde tweeënhalf jaar.", "It took two and a half years."),
    ("Het festival trok een half miljoen bezoekers.", "The festival drew half a million visitors."),
    ("De wedstrijd begint om 14.30 uur.", "The match starts at 2.30pm."),
    ("De wedstrijd begint om 14.30.", "The match starts at 14:30."),
    ("Om half drie begon het.", "It started at half past two."),
    ("In de jaren negentig was dat anders.", "In the 1990s that was different."),
    ("In de jaren '90 was dat anders.", "In the nineties that was different."),
    ("Duizenden mensen demonstreerden.", "Thousands of people demonstrated."),
    ("Hij acht het onwaarschijnlijk.", "He considers it unlikely."),
    ("De Tweede Kamer stemt dinsdag.", "The House of Representatives votes on Tuesday."),
    ("Ajax won met 3-1 van PSV.", "Ajax beat PSV 3-1."),
    ("Twee derde van de kiezers steunt het plan.", "Two thirds of voters support the plan."),
    ("Een dozijn eieren kost € 3,50.", "A dozen eggs costs €3.50."),
    ("Ze kregen 24 F-16's.", "They received 24 F-16s."),
    ("Ten tweede is het te duur.", "Secondly, it is too expensive."),
    ("De derde ronde begint op 12 februari 2025.", "The third round starts on February 12, 2025."),
]


@pytest.mark.parametrize(("source", "target"), CORRECT_NUMBERS)
def test_correct_number_forms_give_no_finding(source, target):
    assert [k for k in kinds(source, target) if k.startswith("number")] == []


PLANTED_NUMBERS = [
    ("De groei was 1,5 procent.", "Growth was 1.8 percent.", "1,5"),
    ("Er kwamen 1.000 mensen op af.", "Some 10,000 people turned up.", "1.000"),
    ("Na vier jaar is er een akkoord.", "After five years there is an agreement.", "vier (4)"),
    ("Ze belden anderhalf uur met elkaar.", "They spoke for half an hour.", "anderhalf"),
    ("De schade bedraagt € 4,5 miljoen.", "The damage amounts to €4.5 billion.", "4,5 miljoen"),
    ("Hij won twee keer.", "He won three times.", "twee (2)"),
    ("De wedstrijd begint om 14.30 uur.", "The match starts at 4.30pm.", "14.30 uur"),
    ("Het gebeurde in 2025 en 2026.", "It happened in 2025.", "2026"),
]


@pytest.mark.parametrize(("source", "target", "shown"), PLANTED_NUMBERS)
def test_changed_or_lost_number_is_an_error(source, target, shown):
    [finding] = [f for f in check_sentence(source, target) if f.kind.startswith("number")]
    assert (finding.kind, finding.severity) == ("number_mismatch", "error")
    assert shown in finding.detail
    assert (finding.source, finding.target) == (source, target)


def test_number_kept_in_dutch_notation_is_a_format_warning():
    [finding] = check_sentence("Er kwamen 1.000 mensen op af.", "Some 1.000 people turned up.")
    assert (finding.kind, finding.severity) == ("number_format", "warning")
    assert "1.000" in finding.detail


def test_number_values_across_notations():
    assert values("€ 4,5 miljoen en 1.000.000 en 1,5", "nl") == [Decimal("1.5"), Decimal(10**6), Decimal(4_500_000)]
    assert values("€4.5m and 1,000,000 and 1.5", "en") == [Decimal("1.5"), Decimal(10**6), Decimal(4_500_000)]
    assert values("een paar mensen, één dode", "nl") == []  # "een"/"één" is never required
    assert values("veertien dagen", "nl") == [Decimal(14)]


# --------------------------------------------------------------------------------------------
# Names

CORRECT_NAMES = [
    ("De NAVO-top in Den Haag was kort.", "The NATO summit in The Hague was short."),
    ("De VS en Oekraïne spraken in Brussel.", "The US and Ukraine talked in Brussels."),
    ("Trumps beleid stuit op verzet.", "Trump's policy meets resistance."),
    ("Rutte belde met Macron.", "Rutte called Macron."),
    ("De Amerikaanse president sprak.", "The American president spoke."),
    ("Zij sprak met Ursula von der Leyen.", "She spoke with Ursula von der Leyen."),
    ("Trump wil de Nobelprijs winnen.", "Trump wants to win the Nobel Prize."),
    ("Dat zegt directeur Sie van Instituut Clingendael.", "So says director Sie of the Clingendael Institute."),
    ("Gisteren sprak Schoof in Den Haag.", "Yesterday Schoof spoke in The Hague."),
    ("Stichting Natuur en Milieu is kritisch.", "The Nature and Environment Foundation is critical."),
    ("De rechter veroordeelde de 19-jarige Amsterdammer.", "The judge sentenced the 19-year-old Amsterdammer."),
    ("Het regent in Zuid-Limburg en Oost-Oekraïne.", "It is raining in South Limburg and eastern Ukraine."),
    ("Dat schreef P.C. Hooft al.", "P.C. Hooft wrote that long ago."),
]


@pytest.mark.parametrize(("source", "target"), CORRECT_NAMES)
def test_kept_names_give_no_finding(source, target):
    assert kinds(source, target) == []


def test_lost_name_is_an_error():
    [finding] = check_sentence("De boodschap kwam in Brussel hard aan.", "The message landed hard.")
    assert (finding.kind, finding.severity) == ("name_missing", "error")
    assert "'Brussel'" in finding.detail and "'Brussels'" in finding.detail


def test_swapped_name_says_what_it_became():
    [finding] = check_sentence("Premier Schoof sprak met Macron.", "Prime Minister Schoof spoke with Merz.")
    assert finding.kind == "name_missing"
    assert "'Macron'" in finding.detail and "'Merz' instead" in finding.detail


def test_near_spelling_of_a_name_is_a_warning_to_confirm():
    [finding] = check_sentence("Hij landde in Osaka.", "He landed in Osaca.")
    assert (finding.kind, finding.severity) == ("name_missing", "warning")
    assert "'Osaca'" in finding.detail and "glossary" in finding.detail


def test_sentence_start_is_a_name_only_with_evidence():
    plain = find_names("Onderzoekers zien dat anders.")
    assert plain == []
    # Capitalised inside a sentence elsewhere in the article: the first word is a name too.
    named = find_names("Osinga ziet dat anders.", seen=frozenset({"Osinga"}))
    assert [name.text for name in named] == ["Osinga"]
    assert [name.text for name in find_names("Rutte en Macron spraken.")] == ["Rutte", "Macron"]


def test_unknown_adjective_and_organisation_names_are_not_required():
    assert find_names("De Zuid-Afrikaanse regering en de Nederlandse Zorgautoriteit.") == []


# --------------------------------------------------------------------------------------------
# Quotes

def test_quote_kept_in_any_style_gives_no_finding():
    assert kinds('Osinga: „Europa zit niet aan tafel."', "Osinga: 'Europe is not at the table.'") == []
    assert kinds("'Vance ondermijnt NAVO'", "“Vance undermines NATO”") == []


def test_lost_quote_is_an_error():
    [finding] = check_sentence(
        'Wilders zei dat de PVV „niet akkoord gaat".', "Wilders said the PVV does not agree."
    )
    assert (finding.kind, finding.severity) == ("quote_missing", "error")
    assert "niet akkoord gaat" in finding.detail


def test_apostrophes_are_not_quotes():
    assert find_quotes("Hij zei 's avonds dat z'n auto's weg waren.") == []
    assert find_quotes("Trump's team and the Joneses' house in the '90s.") == []


# --------------------------------------------------------------------------------------------
# Untranslated, loops, length

def test_sentence_left_in_dutch_is_untranslated():
    source = "Onderzoekers zeggen dat de zeespiegel sneller stijgt dan verwacht."
    assert kinds(source, source) == ["untranslated"]
    half = "The researchers zeggen dat de zeespiegel sneller stijgt dan verwacht."
    assert kinds(source, half) == ["untranslated"]


def test_identical_names_only_sentence_is_not_untranslated():
    assert kinds("Donald Trump", "Donald Trump") == []


def test_loop_is_an_error_and_not_also_an_addition():
    findings = check_sentence(
        "De storm zorgde voor veel schade in het noorden.",
        "The storm caused damage in the north of the country of the country of the country of the country.",
    )
    assert [(f.kind, f.severity) for f in findings] == [("loop", "error")]
    assert "of the country" in findings[0].detail


def test_repetition_the_source_has_is_not_a_loop():
    assert kinds("Nee, nee, nee, nee, riep hij.", "No, no, no, no, he shouted.") == []


def test_far_shorter_translation_is_an_omission():
    findings = check_sentence(
        "De burgemeester zei dat de veiligheid van de bewoners voorop staat en dat de gemeente alles zal doen.",
        "The mayor spoke.",
    )
    assert [(f.kind, f.severity) for f in findings] == [("omission", "error")]


def test_far_longer_translation_is_an_addition():
    findings = check_sentence(
        "De minister trad dinsdag af na kritiek.",
        "The minister resigned on Tuesday after criticism of her policy, which had been controversial for "
        "months among opposition parties and many voters.",
    )
    assert [(f.kind, f.severity) for f in findings] == [("addition", "warning")]


def test_short_sentences_are_not_held_to_a_ratio():
    assert kinds("Het regent.", "It is raining cats and dogs all over the country today.") == []


# --------------------------------------------------------------------------------------------
# Glossary

GLOSSARY = parse_tsv("Tweede Kamer\tHouse of Representatives\nkabinet\tcabinet | government\n", "house.tsv")


def test_glossary_term_must_use_its_target():
    context = Context(glossary=GLOSSARY)
    assert kinds("De Tweede Kamer stemde in.", "The House of Representatives agreed.", context) == []
    assert kinds("Het kabinet valt.", "The government falls.", context) == []
    [finding] = check_sentence("De Tweede Kamer stemde in.", "The lower house agreed.", context)
    assert (finding.kind, finding.severity) == ("glossary", "error")
    assert "'House of Representatives'" in finding.detail and "house.tsv:1" in finding.detail
    assert kinds("Kabinet valt.", "Executive falls.", context) == ["glossary"]


def test_a_glossary_term_is_not_also_a_name_finding():
    context = Context(glossary=GLOSSARY)
    assert kinds("De Tweede Kamer stemde.", "Parliament voted.", context) == ["glossary"]


# --------------------------------------------------------------------------------------------
# Briefs: check_translation and check_summaries


def paragraph(index: int, pairs: list[tuple[str, str]], **sentence_options) -> TranslatedParagraph:
    sentences = tuple(TranslatedSentence(s, t, **sentence_options) for s, t in pairs)
    return TranslatedParagraph(index, "paragraph", " ".join(s for s, _ in pairs), sentences)


def test_check_translation_runs_fidelity_checks_only_when_told_the_languages():
    paragraphs = [paragraph(0, [("Na vier jaar is er een akkoord.", "After five years there is a deal.")])]
    assert check_translation([1], paragraphs) == []
    [finding] = check_translation([1], paragraphs, source_lang="nl", target_lang="en")
    assert (finding.kind, finding.paragraph, finding.sentence) == ("number_mismatch", 0, 0)


def test_check_translation_uses_the_whole_article_as_name_evidence():
    paragraphs = [
        paragraph(0, [("Dat zei Osinga dinsdag.", "Osinga said so on Tuesday.")]),
        paragraph(1, [("Osinga ziet dat anders.", "Sie sees it differently.")]),
    ]
    [finding] = check_translation([1, 1], paragraphs, source_lang="nl")
    assert (finding.kind, finding.paragraph) == ("name_missing", 1)


def test_check_translation_glossary_keyword():
    paragraphs = [paragraph(0, [("De Tweede Kamer stemde in.", "The lower house agreed.")])]
    findings = check_translation([1], paragraphs, source_lang="nl", glossary=GLOSSARY)
    assert [f.kind for f in findings] == ["glossary"]


ARTICLE_NL = 'Woensdag belden Trump en Poetin anderhalf uur. Osinga: "Europa zit niet aan tafel."'
ARTICLE_EN = 'On Wednesday Trump and Putin spoke for an hour and a half. Osinga: "Europe is not at the table."'


def summary_kinds(text: str) -> list[str]:
    summaries = Summaries(tiers=(Tier("lede", text=text), Tier("key_points", items=("Europe waits.",))))
    return [f.kind for f in check_summaries(summaries, article=ARTICLE_EN, source=ARTICLE_NL)]


def test_summary_that_invents_nothing_passes():
    assert summary_kinds('Osinga says Europe "is not at the table" after Trump and Putin spoke for 1.5 hours.') == []


def test_summary_inventions_are_errors():
    assert summary_kinds("Trump and Putin spoke for two hours.") == ["summary_number"]
    assert summary_kinds("Osinga and Rutte say Europe waits.") == ["summary_name"]
    assert summary_kinds('Osinga says Europe "has no seat at the table".') == ["summary_quote"]
    summaries = Summaries(tiers=(Tier("headline", text="Macron and Trump spoke"),))
    [finding] = check_summaries(summaries, article=ARTICLE_EN, source=ARTICLE_NL)
    assert (finding.kind, finding.severity, finding.tier) == ("summary_name", "error", "headline")


def test_title_case_headline_checks_only_acronyms_for_names():
    def headline(text: str) -> list[str]:
        summaries = Summaries(tiers=(Tier("headline", text=text),))
        return [f.detail for f in check_summaries(summaries, article=ARTICLE_EN, source=ARTICLE_NL)]

    assert headline("Trump Calls Putin For Talks On Europe") == []
    assert headline("Trump Calls Putin For Talks With WHO") == ["'WHO' is not in the article"]
    assert headline("Trump calls Rutte") == ["'Rutte' is not in the article"]


def test_summary_may_use_the_english_form_of_a_source_name():
    summaries = Summaries(tiers=(Tier("lede", text="Putin waits."),))
    article = "On Wednesday Trump and Poetin spoke."
    assert check_summaries(summaries, article=article, source=ARTICLE_NL) == []


def test_check_summaries_without_the_article_keeps_its_old_checks():
    summaries = Summaries(tiers=(Tier("lede", text="Trump spoke for 99 hours."),))
    assert check_summaries(summaries) == []


# --------------------------------------------------------------------------------------------
# Exit decision


def test_fails_on_error_warning_or_never():
    warning = Finding("addition", "warning", "longer")
    error = Finding("omission", "error", "shorter")
    assert fails([error]) and not fails([warning]) and not fails([])
    assert fails([warning], "warning") and not fails([], "warning")
    assert not fails([error, warning], "never")
    with pytest.raises(ValueError, match="fail_on"):
        fails([error], "sometimes")  # type: ignore[arg-type]
