"""Numbers in Dutch and English text, as values that can be compared across the two languages.

A translation must carry every number of its source with the same value, whatever the notation:
`1.000` and `1,000`, `1,5` and `1.5`, `€ 4,5 miljoen` and `4.5 million euros`, `vier jaar` and
`four years`, `anderhalf uur` and `an hour and a half`, `twee keer` and `twice`.

Digits are read with each language's separators. Number words go through text2num's
`alpha2digit`, which covers Dutch and English; what it lacks is added here by hand, and only that:

- `anderhalf(ve)`, `tweeënhalf`, `twee en een half`; `X and a half`, `an hour and a half`:
  text2num reads no fractions, and "half" alone is too often not a number ("half tien" is 9:30,
  "de helft" is a share) to count by itself.
- `twice`, `thrice`, `tweemaal`, `a dozen`, `half a dozen`: multiplicatives and the dozen are
  not number words to text2num.
- `miljoen`/`miljard`/`million`/`bn`/`m` after digits (`4,5 miljoen`): text2num scales words
  ("vijf miljoen"), not digits.
- `half a million`, `een half miljoen`.
- Decades (`jaren negentig`, `the 1990s`, `the '90s`) and clock times (`14.30 uur`, `2.30pm`),
  which are written too differently across the languages to compare digit by digit.

What is never a required number: the value 1 written as a word ("een" is mostly the article,
"one" mostly a pronoun, and "a" stands for both), vague plurals (`duizenden`, `thousands`,
`dozens`) and, in Dutch, number words inside names ("Tweede Kamer") and the verb "achten".
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

QuantityKind = Literal["number", "time", "decade"]


@dataclass(frozen=True)
class Quantity:
    """One number found in a text."""

    value: Decimal
    #: As written (digits, or the digits text2num made of the words).
    text: str
    kind: QuantityKind = "number"
    #: Written in words rather than digits.
    words: bool = False
    ordinal: bool = False

    @property
    def required(self) -> bool:
        """Whether a translation must carry it: not the word "een"/"one", and not "first"."""
        return not (self.words and self.value == 1)

    def shown(self) -> str:
        """As written, with the value where it was written in words: "vier (4)"."""
        if self.words and self.kind == "number" and not self.text[:1].isdigit():
            return f"{self.text} ({self.value.normalize():f})"
        return self.text


# --------------------------------------------------------------------------------------------
# Language conventions

_SCALES: dict[str, dict[str, int]] = {
    "nl": {
        "duizend": 10**3, "miljoen": 10**6, "mln": 10**6, "mln.": 10**6, "miljard": 10**9,
        "mld": 10**9, "mrd": 10**9, "biljoen": 10**12,
    },
    "en": {
        "thousand": 10**3, "million": 10**6, "mn": 10**6, "mln": 10**6, "billion": 10**9,
        "bn": 10**9, "bln": 10**9, "trillion": 10**12, "tn": 10**12,
    },
}  # fmt: skip
#: Scales that follow digits only in money: "€4.5m" is millions, "4.5m" alone may be metres.
_MONEY_SCALES = {"m": 10**6, "k": 10**3, "bn": 10**9}
_CURRENCY_SYMBOLS = "€$£"
_CURRENCY_WORDS = r"(?:euros?|dollars?|pounds?|pond|eur|usd|gbp)"

#: Digits with the language's thousands and decimal separators. Dutch copy sometimes writes a
#: decimal point ("1.5"), which cannot be a thousands group: it has fewer than three digits.
_DIGITS = {
    "nl": r"\d{1,3}(?:\.\d{3})+(?:,\d+)?(?!\d)|\d+,\d+|\d+\.\d{1,2}(?![\d.])|\d+",
    "en": r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+\.\d+|\d+",
}
_ORDINAL_SUFFIX = {"nl": r"(?:ste|de|e)", "en": r"(?:st|nd|rd|th)"}
_DECADE_WORDS = {
    "nl": "twintig dertig veertig vijftig zestig zeventig tachtig negentig",
    "en": "twenties thirties forties fifties sixties seventies eighties nineties",
}
#: Units that may stand between a number and "and a half": "two hours and a half".
_UNITS_EN = r"(?:(?:hour|day|week|month|year|minute|second|mile|kilometre|kilometer|metre|meter|litre|liter)s?)"
_HOUR_WORDS_NL = (
    "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien", "elf", "twaalf",
)

#: Words that look like numbers but are not counts (vague plurals) or are not numbers here.
_NOT_NUMBERS = {
    "nl": [
        r"(?i)\b(?:tien|honderd|duizend)*(?:tientallen|honderden|duizenden|miljoenen|miljarden)\b",
        r"\bin\s+acht\b(?=\s*[.,;!?]|\s+(?:te\s+)?(?:nemen|genomen|neemt|nam|namen)\b)",
        r"\bacht(?=\s+(?:het|dat|hem|haar|zich|ze|men)\b)",
        # "Ten tweede" is "secondly", no number in English.
        r"(?i)\bten\s+(?:eerste|tweede|derde|vierde)\b",
        # An ordinal that starts a name: "Tweede Kamer", "Eerste Wereldoorlog".
        r"\b(?:Eerste|Tweede|Derde|Vierde|Vijfde)(?=\s+[A-Z])",
    ],
    "en": [
        r"(?i)\b(?:tens|hundreds|thousands|millions|billions|trillions|dozens|scores)\b",
        r"(?i)\b(?:no|any|every|some)\s*one\b|\bone\s+another\b",
    ],
}


def _decimal(text: str, language: str) -> Decimal | None:
    """A digit string read with the language's separators."""
    if language == "nl":
        if re.fullmatch(r"\d+\.\d{1,2}", text):
            plain = text
        else:
            plain = text.replace(".", "").replace(",", ".")
    else:
        plain = text.replace(",", "")
    try:
        return Decimal(plain)
    except InvalidOperation:
        return None


def digits_pattern(language: str) -> str:
    """A regex for a number in digits, with the language's separators ("nl" or "en")."""
    return _DIGITS["nl" if language == "nl" else "en"]


def read_decimal(text: str, language: str) -> Decimal | None:
    """A number in digits read with the language's separators: "1.000,5" in Dutch is 1000.5."""
    return _decimal(text, "nl" if language == "nl" else "en")


def scale_factor(word: str, language: str, *, money: bool = False) -> int | None:
    """What a scale word after a number multiplies it by ("miljoen", "bn"; "m" only in money),
    or None if it is no scale word."""
    scales = _SCALES["nl" if language == "nl" else "en"]
    word = word.lower().rstrip(".")
    if word in scales:
        return scales[word]
    return _MONEY_SCALES.get(word) if money and language != "nl" else None


def _words_value(word: str, language: str) -> Decimal | None:
    """A single number word, a digit string or the article "a"/"an"/"een" as a value."""
    from text_to_num import text2num

    word = word.lower()
    if word in {"a", "an", "one", "een", "één"}:
        return Decimal(1)
    if word.replace(".", "").replace(",", "").isdigit():
        return _decimal(word, language)
    try:
        return Decimal(text2num(word, language))
    except (ValueError, IndexError):
        return None


# --------------------------------------------------------------------------------------------
# Extraction


@dataclass
class _Scan:
    """A text being read: what was found, and the text with those spans masked out."""

    text: str
    language: str
    found: list[Quantity]

    def take(self, start: int, end: int, quantity: Quantity | None) -> None:
        if quantity is not None:
            self.found.append(quantity)
        # A neutral word keeps number words on either side from being read as one number.
        self.text = self.text[:start] + " ¤ " + " " * max(0, end - start - 3) + self.text[end:]


def _scale_after(scan: _Scan, end: int, money: bool) -> tuple[int, int]:
    """The scale word right after a number (factor, characters to take), or (1, 0)."""
    rest = scan.text[end:]
    scales = _SCALES[scan.language]
    match = re.match(r"\s*([a-zA-Z]+\.?)", rest)
    if match:
        word = match.group(1).lower()
        if word in scales:
            return scales[word], match.end()
        if word.rstrip(".") in scales:
            return scales[word.rstrip(".")], match.end()
    if money and scan.language == "en":
        match = re.match(r"(m|k|bn)\b", rest)
        if match:
            return _MONEY_SCALES[match.group(1)], match.end()
    return 1, 0


#: Clock times. Dutch writes "14.30 uur", or "om 14.30"; "14.30" alone may be a decimal written
#: the English way, so it needs "uur" or a preposition of time. "half drie" is 2.30.
_TIMES = {
    "nl": [
        r"\b([01]?\d|2[0-3])[.:]([0-5]\d)\s*uur\b",
        r"\b([01]?\d|2[0-3]):([0-5]\d)\b",
        r"\b(?:om|tot|vanaf|rond|sinds|na|voor)\s+([01]?\d|2[0-3])\.([0-5]\d)\b(?![.,]\d)",
    ],
    "en": [
        r"\b(1[0-2]|0?\d)(?:[.:]([0-5]\d))?\s*([ap])\.?m\b\.?",
        r"\b([01]?\d|2[0-3]):([0-5]\d)\b",
        r"\bat\s+(1[0-2]|0?\d)[.:]([0-5]\d)\b",
    ],
}
_HALF_HOUR_NL = r"\bhalf\s+(" + "|".join(_HOUR_WORDS_NL) + r")\b"
_HALF_PAST_EN = r"\bhalf\s+past\s+(\w+)\b"


def _times(scan: _Scan) -> None:
    """Clock times, as minutes past midnight on a 12-hour dial (14.30 = 2.30pm)."""
    for pattern in _TIMES[scan.language]:
        for match in reversed(list(re.finditer(pattern, scan.text, re.IGNORECASE))):
            hour, minute = int(match.group(1)), int(match.group(2) or 0)
            if len(match.groups()) >= 3 and match.group(3).lower() == "p" and hour < 12:
                hour += 12
            time = Decimal((hour * 60 + minute) % 720)
            # From the hour on: "om"/"at" before it is only context.
            text = scan.text[match.start(1) : match.end()].strip()
            scan.take(match.start(1), match.end(), Quantity(time, text, "time"))
    if scan.language == "nl":
        for match in reversed(list(re.finditer(_HALF_HOUR_NL, scan.text, re.IGNORECASE))):
            hour = _HOUR_WORDS_NL.index(match.group(1).lower()) + 1
            time = Decimal(((hour - 1) * 60 + 30) % 720)
            scan.take(*match.span(), Quantity(time, match.group(0).strip(), "time"))
    else:
        for match in reversed(list(re.finditer(_HALF_PAST_EN, scan.text, re.IGNORECASE))):
            spoken = _words_value(match.group(1), "en")
            if spoken is not None and 1 <= spoken <= 12:
                time = Decimal((int(spoken) * 60 + 30) % 720)
                scan.take(*match.span(), Quantity(time, match.group(0).strip(), "time"))


def _decades(scan: _Scan) -> None:
    if scan.language == "nl":
        pattern = r"\bjaren\s+(?:'|’)?(\d{2}|\d{4}|" + _DECADE_WORDS["nl"].replace(" ", "|") + r")\b"
    else:
        pattern = r"(?:(?<![\w-])['’]?(\d0|\d{3}0)s\b|\b(?:nineteen[- ])?(" + _DECADE_WORDS["en"].replace(" ", "|") + r")\b)"
    for match in reversed(list(re.finditer(pattern, scan.text, re.IGNORECASE))):
        group = next(g for g in match.groups() if g)
        if group.isdigit():
            value = int(group) % 100
        else:
            value = (_DECADE_WORDS[scan.language].split().index(group.lower()) + 2) * 10
        scan.take(*match.span(), Quantity(Decimal(value), match.group(0).strip(), "decade"))


def _digits(scan: _Scan) -> None:
    """Digit numbers, with an ordinal suffix, a percent sign or a scale word after them."""
    language = scan.language
    pattern = rf"(?<!\d)(?<!\d[.,])({_DIGITS[language]})({_ORDINAL_SUFFIX[language]}\b)?"
    for match in reversed(list(re.finditer(pattern, scan.text))):
        value = _decimal(match.group(1), language)
        if value is None:
            continue
        before = scan.text[max(0, match.start() - 2) : match.start()]
        after = scan.text[match.end() : match.end() + 12].lower()
        money = any(symbol in before for symbol in _CURRENCY_SYMBOLS) or bool(
            re.match(r"\s*(?:[a-z]+\s+)?" + _CURRENCY_WORDS + r"\b", after)
        )
        factor, taken = (1, 0) if match.group(2) else _scale_after(scan, match.end(), money)
        text = scan.text[match.start() : match.end() + taken].strip()
        scan.take(match.start(), match.end() + taken, Quantity(value * factor, text, ordinal=bool(match.group(2))))


def _special_words(scan: _Scan) -> None:
    """The forms text2num does not read (see the module docstring), with any scale after them."""
    language = scan.language
    if language == "nl":
        rules: list[tuple[str, object]] = [
            (r"\banderhal(?:f|ve)\b", Decimal("1.5")),
            (r"\b(\w+?)(?:ë|e)nhalf\b", "half"),
            (r"\b(\w+)\s+en\s+een\s+half\b", "half"),
            (r"\b(?:een\s+)?half\s+(?=miljoen|miljard)", Decimal("0.5")),
            (r"\b(twee|drie|vier|vijf|zes|zeven|acht|negen|tien)maal\b", "times"),
            (r"\b(?:een\s+)?dozijn\b", Decimal(12)),
        ]
    else:
        rules = [
            (rf"\b(\w+(?:-\w+)?|\d+(?:\.\d+)?)\s+(?:{_UNITS_EN}\s+)?and\s+a\s+half\b", "half"),
            (r"\bhalf\s+an?\s+(?=million|billion)", Decimal("0.5")),
            (r"\btwice\b", Decimal(2)),
            (r"\bthrice\b", Decimal(3)),
            (r"\bhalf\s+a\s+dozen\b", Decimal(6)),
            (r"\ba\s+dozen\b", Decimal(12)),
        ]
    for pattern, rule in rules:
        for match in reversed(list(re.finditer(pattern, scan.text, re.IGNORECASE))):
            if isinstance(rule, Decimal):
                value: Decimal | None = rule
            else:
                base = _words_value(match.group(1), language)
                value = None if base is None else (base + Decimal("0.5") if rule == "half" else base)
            if value is None:
                continue
            factor, taken = _scale_after(scan, match.end(), money=False)
            text = scan.text[match.start() : match.end() + taken].strip()
            scan.take(match.start(), match.end() + taken, Quantity(value * factor, text, words=True))


def _number_words(scan: _Scan) -> None:
    """Whatever number words are left, through text2num's alpha2digit."""
    from text_to_num import alpha2digit

    for pattern in _NOT_NUMBERS[scan.language]:
        for match in reversed(list(re.finditer(pattern, scan.text))):
            scan.take(*match.span(), None)
    converted = alpha2digit(scan.text, scan.language, threshold=0)
    words = _original_words(scan.text, converted)
    # Where each token but the first starts: a number's token is found by bisection.
    token_starts = [match.end() for match in re.finditer(r"\S\s", converted)]
    # "2 3rds" is what alpha2digit makes of "two thirds".
    suffix = rf"{_ORDINAL_SUFFIX[scan.language]}s?|s"
    for match in re.finditer(rf"(?<![\w.,])(\d+(?:[.,]\d+)?)({suffix})?(?!\w)", converted):
        value = _decimal(match.group(1), scan.language)
        if value is not None:
            ordinal = bool(match.group(2)) and match.group(2) != "s"
            token = bisect_right(token_starts, match.start())
            text = words.get(token, match.group(0))
            scan.found.append(Quantity(value, text, words=True, ordinal=ordinal))


#: How far past a stretch that alpha2digit rewrote (in words of the text and of its output) the
#: two are searched for where they agree again: a number in words is seldom longer.
_REWRITTEN_WORDS = 12
_REWRITTEN_TOKENS = 4


def _original_words(before: str, after: str) -> dict[int, str]:
    """For each token of alpha2digit's output that it made from words, those words.

    The two texts are walked side by side; where they differ, they agree again a few words on.
    (A general diff of the two was quadratic in a long text's words.)
    """
    old, new = before.split(), after.split()
    made: dict[int, str] = {}
    i = j = 0
    while i < len(old) and j < len(new):
        if old[i] == new[j]:
            i, j = i + 1, j + 1
            continue
        k, n = _agree_again(old, new, i, j)
        for token in range(j, n):
            made[token] = " ".join(old[i:k]).strip(".,;:!?()\"'“”„")
        i, j = k, n
    return made


def _agree_again(old: list[str], new: list[str], i: int, j: int) -> tuple[int, int]:
    """The first (k, n) past old[i] and new[j] where a word (or the ends) agree again, fewest
    rewritten tokens first: alpha2digit makes one token of a number's words."""
    for n in range(j + 1, min(len(new), j + _REWRITTEN_TOKENS) + 1):
        for k in range(i + 1, min(len(old), i + _REWRITTEN_WORDS) + 1):
            if old[k : k + 1] == new[n : n + 1]:
                return k, n
    return i + 1, j + 1


def extract_numbers(text: str, language: str) -> list[Quantity]:
    """Every number in a text ("nl" or "en"), in no particular order."""
    if language not in _DIGITS:
        language = "en"
    scan = _Scan(text, language, [])
    _decades(scan)
    _times(scan)
    _digits(scan)
    _special_words(scan)
    _number_words(scan)
    return scan.found


# --------------------------------------------------------------------------------------------
# Comparison


def same_quantity(a: Quantity, b: Quantity) -> bool:
    """Equal values; a clock time also equals a whole hour written as a number ("om 9 uur")."""
    if a.kind == b.kind:
        return a.value == b.value
    if {a.kind, b.kind} == {"time", "number"}:
        time, number = (a, b) if a.kind == "time" else (b, a)
        return number.value == number.value.to_integral_value() and (int(number.value) % 12) * 60 == time.value
    return False


@dataclass(frozen=True)
class NumberMismatch:
    """A source number without its value in the translation."""

    missing: Quantity
    #: The translation's numbers that match nothing in the source: likely what it became.
    unmatched: tuple[Quantity, ...]
    #: The number as written in the source appears in the translation, where it reads differently
    #: ("1.000" is one thousand in Dutch and one in English).
    kept_notation: bool = False


def compare_numbers(
    source: Sequence[Quantity], target: Sequence[Quantity], target_text: str = ""
) -> list[NumberMismatch]:
    """The source's required numbers that the translation does not carry, each matched once."""
    free = _FreeNumbers(target)
    missing = []
    for quantity in sorted(source, key=lambda q: (q.words, q.ordinal)):
        if not free.take(quantity) and quantity.required:
            missing.append(quantity)
    unmatched = tuple(q for index, q in enumerate(target) if index not in free.taken and q.required)
    literals = _NotationIndex(target_text)
    return [NumberMismatch(q, unmatched, kept_notation=not q.words and literals.has(q.text)) for q in missing]


def _keys(quantity: Quantity) -> tuple[list[tuple[str, Decimal]], list[tuple[str, Decimal]]]:
    """Where a quantity is filed, and where those it equals (`same_quantity`) are filed: by
    kind and value, and a whole number by the clock time of that hour, and the other way round."""
    own = (quantity.kind, quantity.value)
    if quantity.kind == "time":
        return [own], [own, ("hour", quantity.value)]
    if quantity.kind == "number" and quantity.value == quantity.value.to_integral_value():
        hour = Decimal((int(quantity.value) % 12) * 60)
        return [own, ("hour", hour)], [own, ("time", hour)]
    return [own], [own]


class _FreeNumbers:
    """A translation's numbers, each taken at most once, the first equal one in its order: a
    lookup by key where a scan of all of them for each source number was quadratic."""

    def __init__(self, target: Sequence[Quantity]) -> None:
        self.filed: dict[tuple[str, Decimal], list[int]] = {}
        self.next: dict[tuple[str, Decimal], int] = {}
        self.taken: set[int] = set()
        for index, quantity in enumerate(target):
            for key in _keys(quantity)[0]:
                self.filed.setdefault(key, []).append(index)

    def take(self, quantity: Quantity) -> bool:
        best = None
        for key in _keys(quantity)[1]:
            indices = self.filed.get(key, [])
            position = self.next.get(key, 0)
            while position < len(indices) and indices[position] in self.taken:
                position += 1
            self.next[key] = position
            if position < len(indices) and (best is None or indices[position] < best):
                best = indices[position]
        if best is None:
            return False
        self.taken.add(best)
        return True


class _NotationIndex:
    """Whether a number as written ("1.000") stands in a text as a number of its own: the text's
    digit groups are read once, not searched again for each number."""

    #: Longer literals than this are searched for instead of indexed.
    _LONGEST = 40

    def __init__(self, text: str) -> None:
        self.text = text
        self.literals: set[str] = set()
        for match in re.finditer(r"[\d.,]+", text):
            run = match.group(0)[: self._LONGEST + 1]
            # A literal may end where no digit follows: "1.000" in "1.000." or "1.000,".
            self.literals.update(run[:k] for k in range(1, len(run) + 1) if k == len(run) or run[k] in ".,")

    def has(self, literal: str) -> bool:
        number = re.match(r"[\d.,]+", literal)
        if not number or not re.search(r"[.,]", number.group(0)):
            return False
        if len(number.group(0)) >= self._LONGEST:
            return re.search(rf"(?<![\d.,]){re.escape(number.group(0))}(?![\d])", self.text) is not None
        return number.group(0) in self.literals
