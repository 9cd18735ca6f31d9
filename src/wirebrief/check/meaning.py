"""What a fluent translation can turn into its opposite: negation, dates, units, direction.

These checks read words, not models. For each language a word list (`data/meaning-<code>.tsv`)
maps words to language-neutral values: a negation, weekday 2, month 3, yesterday, a rise, the
unit km. A sentence and its translation are compared value by value, so any two languages with
lists can be compared, and a user or a new language pair extends them by adding lines.

- negation: a negation on one side and none on the other. Words that negate or not depending on
  how they are rendered ("niet alleen", "zonder", "weigerde", "failed", "unlikely") are optional:
  a side with one of them neither needs nor lacks a negation.
- dates: a weekday, month, year, relative day (yesterday, today, tomorrow) or day-month date of
  the source replaced by another of the same sort. One only dropped or only added is not a flip.
- units: a number's unit changed (30 km as 30 miles) is an error; converted (30 km as 18.6
  miles) a warning that says so; a number that kept its value but lost its unit a warning.
- direction: a rise on one side and only a fall on the other, or the reverse.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources

from wirebrief.check.figures import digits_pattern, read_decimal, scale_factor

#: Words a form's "…" may stand for.
_GAP_WORDS = 6
#: Relative difference within which a number is taken for the conversion of another.
_CONVERSION_TOLERANCE = Decimal("0.03")
#: Quantities of one dimension compared with a number for a conversion, at most.
_CONVERSION_CANDIDATES = 20
#: Characters before a unit searched for its number.
_NUMBER_REACH = 40


@dataclass(frozen=True)
class Mention:
    """A word or phrase of a word list found in a text."""

    kind: str
    value: str
    text: str
    start: int


@dataclass(frozen=True)
class Flip:
    """A finding of these checks, placed at a position in the source."""

    kind: str
    severity: str
    detail: str
    at: int | None = None
    target_at: int | None = None


class Lexicon:
    """One language's word list, indexed by each form's first word: a text's words are looked
    up, and only the forms that can start at a word are tried there. Where forms overlap, the
    one listed first in `_order` wins (gaps, then the longest), as in a regex alternation."""

    def __init__(self, language: str, rows: Sequence[tuple[str, str, str]]) -> None:
        self.language = language
        self._kinds: dict[str, _KindIndex] = {}
        for kind, value, form in rows:
            self._kinds.setdefault(kind, _KindIndex()).add(form, value)

    def find(self, text: str, kind: str) -> list[Mention]:
        index = self._kinds.get(kind)
        if index is None:
            return []
        text = text.replace("’", "'")
        return [Mention(kind, value, text[start:end], start) for start, end, value in index.find(text)]


_TOKEN = re.compile(r"\w+|[^\w\s]")
#: Letters of a word that a form ending in "*" is indexed by.
_STEM = 3


@dataclass(frozen=True)
class _Form:
    pattern: re.Pattern[str]
    value: str
    order: tuple[bool, int]


class _KindIndex:
    def __init__(self) -> None:
        self.by_word: dict[str, list[_Form]] = {}
        self.by_stem: dict[str, list[_Form]] = {}
        self.anywhere: list[_Form] = []

    def add(self, form: str, value: str) -> None:
        entry = _Form(re.compile(_form_regex(form)), value, ("…" not in form, -len(form)))
        tokens = _TOKEN.findall(form.strip("*").strip().lower())
        if form.startswith("*"):
            self.anywhere.append(entry)
        elif len(tokens) == 1 and form.endswith("*"):
            self.by_stem.setdefault(tokens[0][:_STEM], []).append(entry)
        else:
            self.by_word.setdefault(tokens[0], []).append(entry)

    def find(self, text: str) -> list[tuple[int, int, str]]:
        found: dict[int, tuple[tuple[bool, int], int, str]] = {}

        def offer(start: int, entry: _Form) -> None:
            match = entry.pattern.match(text, start)
            if match and (start not in found or entry.order < found[start][0]):
                found[start] = (entry.order, match.end(), entry.value)

        for token in _TOKEN.finditer(text):
            word = token.group(0).lower()
            for entry in (*self.by_word.get(word, ()), *self.by_stem.get(word[:_STEM], ())):
                offer(token.start(), entry)
        for entry in self.anywhere:
            for match in entry.pattern.finditer(text):
                offer(match.start(), entry)
        mentions, reached = [], 0
        for start in sorted(found):
            _, end, value = found[start]
            if start >= reached:
                mentions.append((start, end, value))
                reached = end
        return mentions


def _form_regex(form: str) -> str:
    core = form.strip("*").strip()
    parts = [r"\s+".join(re.escape(word) for word in part.split()) for part in core.split("…")]
    body = (r"\W+(?:\w+\W+){0,%d}?" % _GAP_WORDS).join(parts)
    if form.startswith("*"):
        body = r"\w*" + body
    if form.endswith("*"):
        body += r"\w*"
    if core[:1].isalnum():
        body = r"(?<!\w)" + body
    if core[-1:].isalnum() or form.endswith("*"):
        body += r"(?!\w)"
    # A capitalised form ("May", "Monday") matches only capitalised; the rest in any case.
    return body if core[:1].isupper() else f"(?i:{body})"


@cache
def lexicon(language: str) -> Lexicon | None:
    """The language's word list, or None where wirebrief has none."""
    path = resources.files("wirebrief").joinpath(f"data/meaning-{language}.tsv")
    if not path.is_file():
        return None
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if not line.strip() or line.startswith("#") or line.startswith("kind\t"):
            continue
        kind, value, forms = line.split("\t")
        rows += [(kind, value, form.strip()) for form in forms.split("|") if form.strip()]
    return Lexicon(language, rows)


def reads_meaning(*languages: str) -> bool:
    """Whether every one of the languages has a word list."""
    return all(lexicon(language) is not None for language in languages)


@cache
def _units() -> dict[str, tuple[str, str]]:
    """Each unit's dimension and its size in that dimension's base unit (see data/units.tsv)."""
    return {unit: (dimension, factor) for unit, (dimension, factor, _) in _unit_rows().items()}


@cache
def _unit_rows() -> dict[str, tuple[str, str, str]]:
    text = resources.files("wirebrief").joinpath("data/units.tsv").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        if line.startswith("#") or line.startswith("unit\t") or not line.strip():
            continue
        unit, dimension, factor, also = (line.split("\t") + ["", "", ""])[:4]
        rows[unit] = (dimension, factor, also)
    return rows


def _readings(unit: str) -> list[str]:
    """A unit and what else its words may mean."""
    also = _unit_rows().get(unit, ("", "", ""))[2]
    return [unit, also] if also else [unit]


def quoted(mentions: Sequence[Mention]) -> str:
    words = list(dict.fromkeys(repr(mention.text) for mention in mentions))
    return ", ".join(words[:5]) + (f" and {len(words) - 5} more" if len(words) > 5 else "")


# --------------------------------------------------------------------------------------------
# Negation


@dataclass(frozen=True)
class Polarity:
    certain: tuple[Mention, ...]
    optional: tuple[Mention, ...]

    @property
    def negated(self) -> bool:
        return bool(self.certain)

    @property
    def may_be_negated(self) -> bool:
        return bool(self.certain or self.optional)


def polarity(text: str, words: Lexicon) -> Polarity:
    mentions = words.find(text, "negation")
    return Polarity(
        tuple(m for m in mentions if m.value == "certain"), tuple(m for m in mentions if m.value == "optional")
    )


def negation(source: str, target: str, source_words: Lexicon, target_words: Lexicon) -> list[Flip]:
    before, after = polarity(source, source_words), polarity(target, target_words)
    if before.negated and not after.may_be_negated:
        return [Flip(
            "negation", "error",
            f"the source negates ({quoted(before.certain)}) but the translation has no negation",
            at=before.certain[0].start,
        )]
    if after.negated and not before.may_be_negated:
        return [Flip(
            "negation", "error",
            f"the translation negates ({quoted(after.certain)}) but the source has no negation",
            target_at=after.certain[0].start,
        )]
    return []


# --------------------------------------------------------------------------------------------
# Direction


def directions(text: str, words: Lexicon) -> dict[str, list[Mention]]:
    found: dict[str, list[Mention]] = {"up": [], "down": []}
    for mention in words.find(text, "direction"):
        found.setdefault(mention.value, []).append(mention)
    return found


def one_way(found: dict[str, list[Mention]]) -> str | None:
    ways = [way for way in ("up", "down") if found.get(way)]
    return ways[0] if len(ways) == 1 else None


def direction(source: str, target: str, source_words: Lexicon, target_words: Lexicon) -> list[Flip]:
    before, after = directions(source, source_words), directions(target, target_words)
    way, other = one_way(before), one_way(after)
    if way is None or other is None or way == other:
        return []
    said = {"up": "a rise", "down": "a fall"}
    return [Flip(
        "direction_mismatch", "error",
        f"the source says {said[way]} ({quoted(before[way])}), the translation {said[other]} ({quoted(after[other])})",
        at=before[way][0].start, target_at=after[other][0].start,
    )]


# --------------------------------------------------------------------------------------------
# Dates

_DATE_KINDS = ("weekday", "month", "relative_day")
_YEAR = re.compile(r"(?<![\d.,])(1[89]\d\d|20\d\d)(?![\d]|[.,]\d)")
_DAY_BEFORE = re.compile(r"(?<![\d.,])(\d{1,2})(?:e|ste|de|st|nd|rd|th)?\s+(?:of\s+)?$")
_DAY_AFTER = re.compile(r"\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?![\d.,]\d|\d)")
_NAMES = {
    "weekday": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split(),
    "month": "January February March April May June July August September October November December".split(),
}


def dates(text: str, words: Lexicon) -> dict[str, dict[str, str]]:
    """Each sort of date in a text: its values, each with the words that said it first."""
    found: dict[str, dict[str, str]] = {kind: {} for kind in (*_DATE_KINDS, "year", "day_month")}
    for kind in _DATE_KINDS:
        for mention in words.find(text, kind):
            if mention.value != "ignore":
                found[kind].setdefault(mention.value, mention.text)
            if kind == "month":
                day = _DAY_BEFORE.search(text[max(0, mention.start - 12) : mention.start])
                day = day or _DAY_AFTER.match(text, mention.start + len(mention.text))
                if day:
                    found["day_month"].setdefault(f"{int(day.group(1))}/{mention.value}", f"{day.group(0).strip()} {mention.text}")
    for match in _YEAR.finditer(text):
        found["year"].setdefault(match.group(1), match.group(1))
    return found


def _shown(kind: str, value: str) -> str:
    if kind in _NAMES and value.isdigit():
        return _NAMES[kind][int(value) - 1]
    if kind == "relative_day":
        return {"-2": "the day before yesterday", "-1": "yesterday", "0": "today", "1": "tomorrow", "2": "the day after tomorrow"}.get(value, value)
    if kind == "day_month":
        day, month = value.split("/")
        return f"{day} {_NAMES['month'][int(month) - 1]}"
    return value


def date_said(text: str, kind: str, value: str) -> str:
    shown = _shown(kind, value)
    return repr(text) if shown.lower() == text.lower() else f"{text!r} ({shown})"


def replaced(before: dict[str, str], after: dict[str, str]) -> bool:
    """A value of one side gone and another in its place: not only dropped, not only added."""
    return bool(set(before) - set(after)) and bool(set(after) - set(before))


def date_mismatch(source: str, target: str, source_words: Lexicon, target_words: Lexicon) -> list[Flip]:
    before, after = dates(source, source_words), dates(target, target_words)
    flips = []
    for kind, values in before.items():
        if replaced(values, after[kind]):
            gone = [date_said(values[v], kind, v) for v in values if v not in after[kind]]
            came = [date_said(after[kind][v], kind, v) for v in after[kind] if v not in values]
            flips.append(Flip(
                "date_mismatch", "error",
                f"the source has {', '.join(gone)} where the translation has {', '.join(came)}",
                at=source.find(values[next(v for v in values if v not in after[kind])].split()[-1]),
            ))
    return flips


# --------------------------------------------------------------------------------------------
# Units


@dataclass(frozen=True)
class Measure:
    """A number with its unit: "30 kilometer", "€ 4,5 miljoen"."""

    value: Decimal
    unit: str
    text: str
    start: int


#: Where "uur" is a time of day, not a duration: "om 14 uur", "14.30 uur".
_CLOCK = re.compile(r"(?:\b(?:om|tot|vanaf|rond|sinds|tegen|na|voor)\s+\d{1,2}(?:[.:]\d{2})?|\d{1,2}[.:]\d{2})\s*$", re.IGNORECASE)


def measures(text: str, words: Lexicon) -> list[Measure]:
    """The numbers of a text with a unit next to them: after the number ("30 km", "4,5 miljoen
    euro") or, for a currency sign, before it ("€ 4,5 miljoen", "$3bn")."""
    language = words.language
    before_unit, after_sign = _number_patterns(language)
    found = []
    for mention in words.find(text, "unit"):
        window = text[max(0, mention.start - _NUMBER_REACH) : mention.start]
        if mention.value == "hour" and _CLOCK.search(window):
            continue
        money = _units().get(mention.value, ("", ""))[0] == "money"
        sign = money and not mention.text[-1:].isalnum()
        # A currency sign stands before its number, every other unit after it.
        match = after_sign.match(text, mention.start + len(mention.text)) if sign else before_unit.search(window)
        if match is None:
            continue
        value = read_decimal(match.group(1), language)
        factor = scale_factor(match.group(2), language, money=money) if match.group(2) else 1
        if factor is None and not sign:
            continue  # a word between the number and the unit ("30 lange kilometers")
        if value is not None:
            shown = f"{mention.text}{match.group(0).rstrip()}" if sign else f"{match.group(0).strip()} {mention.text}"
            found.append(Measure(value * (factor or 1), mention.value, shown.strip().rstrip("."), mention.start))
    return found


@cache
def _number_patterns(language: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A number (with a scale word) right before a unit, and right after a currency sign."""
    number = digits_pattern(language)
    scale = r"(?:\s*([a-zA-Z]+)\.?)?"
    return re.compile(rf"(?<![\d.,])({number}){scale}\s*$"), re.compile(rf"\s*({number})(?![\d]){scale}")


def _converted(measure: Measure, other: Measure) -> bool:
    return any(_converted_to(measure, other, reading) for reading in _readings(other.unit))


def _converted_to(measure: Measure, other: Measure, unit: str) -> bool:
    units = _units()
    dimension, factor = units.get(measure.unit, ("", ""))
    other_dimension, other_factor = units.get(unit, ("", ""))
    if dimension != other_dimension or not factor or not other_factor:
        return False
    if dimension == "temperature":
        celsius = measure.value if factor == "celsius" else (measure.value - 32) * 5 / 9
        expected = celsius if other_factor == "celsius" else celsius * 9 / 5 + 32
    else:
        expected = measure.value * Decimal(factor) / Decimal(other_factor)
    return abs(expected - other.value) <= _CONVERSION_TOLERANCE * max(abs(expected), Decimal(1))


def units(
    source: str, target: str, source_words: Lexicon, target_words: Lexicon, target_values: Sequence[Decimal] = ()
) -> tuple[list[Flip], set[Decimal]]:
    """Unit findings, and the source values the translation converted (which the number check
    must not also report as lost). `target_values` are all the translation's numbers."""
    theirs = measures(target, target_words)
    by_value: dict[Decimal, list[Measure]] = {}
    by_dimension: dict[str, list[Measure]] = {}
    for measure in theirs:
        by_value.setdefault(measure.value, []).append(measure)
        for reading in _readings(measure.unit):
            by_dimension.setdefault(_units().get(reading, ("?", ""))[0], []).append(measure)
    flips: list[Flip] = []
    converted: set[Decimal] = set()
    plain = set(target_values)
    for measure in measures(source, source_words):
        same = by_value.get(measure.value, [])
        if any(other.unit == measure.unit for other in same):
            continue
        if same:
            flips.append(Flip(
                "unit_mismatch", "error",
                f"{measure.text!r} in the source is {same[0].text!r} in the translation: another unit",
                at=measure.start, target_at=same[0].start,
            ))
            continue
        dimension = _units().get(measure.unit, ("?", ""))[0]
        conversion = next(
            (other for other in by_dimension.get(dimension, [])[:_CONVERSION_CANDIDATES] if _converted(measure, other)), None
        )
        if conversion is not None:
            converted.add(measure.value)
            flips.append(Flip(
                "unit_mismatch", "warning",
                f"{measure.text!r} in the source was converted to {conversion.text!r}: check the conversion",
                at=measure.start, target_at=conversion.start,
            ))
        elif measure.value in plain:
            flips.append(Flip(
                "unit_missing", "warning",
                f"{measure.text!r} in the source has lost its unit in the translation",
                at=measure.start,
            ))
    return flips, converted

