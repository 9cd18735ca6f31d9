"""Proper names in a sentence, found without a model, and whether a translation kept them.

Dutch capitalises little besides names, so a capitalised word inside a sentence is nearly always
part of a name, an acronym, or an adjective or people made from a name ("Amerikaanse",
"Russen"). That is what is read here:

- Known names first (`data/names.tsv` and the user's glossary), longest first, so "Tweede Kamer"
  is one name that may come out as "House of Representatives".
- Then runs of capitalised words, with the particles of Dutch and other surnames inside them
  ("Ursula von der Leyen", "Jan de Vries"); the capitalised parts of compounds
  ("NAVO-lidmaatschap" has "NAVO"); acronyms ("PVV", "KNMI").
- A word at the start of a sentence (or of a quote) is capitalised anyway, so it is only taken
  for a name with evidence: an acronym, a known name, a run of capitalised words that does not
  start with a function word, company ("Rutte en Macron", "Trump's"), or the same word
  capitalised inside a sentence somewhere else in the article.
- Unknown words that look like Dutch adjectives of names (ending in -se, -sche, -isch) are left
  out: they translate to something else ("Zuid-Afrikaanse" → "South African"), and the name
  list holds the ones worth checking.
- So are organisations' names made of common words around a word like "Stichting", "Raad" or
  "-autoriteit": English translates them, so only the known ones are checked.

A name is kept when the translation has it unchanged, in a known English form, or, for a run of
words, its last distinctive word ("Pete Hegseth" → "Hegseth"), possibly with an English
possessive ("Trump's" for the Dutch genitive "Trumps"); a Dutch compound on a name is kept by the
name written apart ("Nobelprijs" by "Nobel Prize").
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from wirebrief.check.glossary import Glossary, Searchable, contains_form, fold, word_list

#: Words inside names that are not capitalised: surname particles and the like.
_PARTICLES = frozenset({
    "van", "de", "der", "den", "het", "'t", "te", "ten", "ter", "op", "in", "von", "zu", "du", "da",
    "dos", "das", "di", "del", "della", "la", "le", "el", "al", "bin", "ibn", "ben",
})  # fmt: skip
#: Capitalised words that describe rather than name: "Nationale", "Noord", "Nieuwe".
_DESCRIPTIVE = frozenset({
    "nationale", "nationaal", "koninklijke", "koninklijk", "rijks", "verenigde", "noord", "zuid",
    "oost", "west", "nieuw", "nieuwe", "hoge", "hoog", "openbaar", "openbare", "algemene",
    "algemeen", "centrale", "centraal", "federale", "staat", "staten", "eerste", "tweede",
    "midden", "groot", "klein", "opper", "neder",
})  # fmt: skip
#: What an organisation is, alone or as the head of a compound ("Zorgautoriteit"). A name with
#: one of them is an organisation's, which Dutch writes in common words that English translates
#: ("Stichting Natuur en Milieu" is "the Nature and Environment Foundation"): such names are only
#: checked when they are known.
_INSTITUTIONS = (
    "ministerie", "stichting", "raad", "kamer", "hof", "rechtbank", "gemeente", "provincie",
    "universiteit", "hogeschool", "instituut", "bank", "partij", "bond", "vereniging", "dienst",
    "centrum", "commissie", "agentschap", "autoriteit", "inspectie", "bureau", "fonds",
    "ziekenhuis", "museum", "school", "college", "federatie", "unie", "orde", "planbureau",
    "organisatie",
)  # fmt: skip
#: Endings of Dutch adjectives, which a translation changes ("Forensisch" → "Forensic").
_ADJECTIVE_ENDINGS = ("se", "sche", "isch", "ische", "ale", "iele", "lijke", "ieke")
#: Lowercase words that join the parts of an organisation's name ("Raad voor de Rechtspraak").
_CONNECTORS = frozenset({"en", "voor", "van", "de", "het", "der", "op", "in", "tegen", "and", "of", "for", "the"})
#: Dutch and English suffixes after an apostrophe: "Trump's", "AOW'ers", "tv's".
_APOSTROPHE_SUFFIX = re.compile(r"['’](?:s|ers?|en|je|tje|jes|tjes)$")
_TOKEN = re.compile(r"[^\W\d_][\w'’]*(?:-[\w'’]+)*")
#: What may stand right before the first word of a sentence or a quote.
_OPENERS = "\"“„‘'«‹(:–—-•*["


@dataclass(frozen=True)
class Name:
    """A name found in a text, and the forms a translation may give it."""

    text: str
    start: int
    end: int
    #: Any one of these in a translation keeps the name.
    forms: tuple[str, ...]
    known: bool = False


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int
    initial: bool

    @property
    def capital(self) -> bool:
        return self.text[:1].isupper()

    @property
    def acronym(self) -> bool:
        letters = [char for char in self.text if char.isalpha()]
        upper = sum(char.isupper() for char in letters)
        return len(letters) >= 2 and upper >= 2 and 2 * upper >= len(letters) and self.text[:1].isupper()


def function_words(language: str) -> frozenset[str]:
    """Words that start sentences without being names, for "nl" or "en" (English otherwise)."""
    return word_list(f"function-words-{'nl' if language == 'nl' else 'en'}")


#: Abbreviations whose full stop ends no sentence: initials ("P.C. Hooft") and titles.
_ABBREVIATION = re.compile(r"(?:^|[\s.(])(?:\w|dhr|mevr|mw|mr|dr|drs|prof|ir|ing|st|jr|sr|mrs|ms)\.$", re.IGNORECASE)


_ELISION_BEFORE = re.compile(r"['’][stn]$")
#: Characters before a full stop that `_ABBREVIATION` needs to see (its `^` cannot match
#: inside a window this long, only at the text's start).
_ABBREVIATION_REACH = 8


def _is_initial(text: str, start: int) -> bool:
    """Whether a word starts a sentence, a quote or a clause after a colon."""
    # Only the few characters before the word are read: copying all of them for each word
    # made a long sentence quadratic.
    end = start
    while end and text[end - 1].isspace():
        end -= 1
    if not end or text[end - 1] in _OPENERS:
        return True
    if _ELISION_BEFORE.search(text[max(0, end - 3) : end]) and (end < 3 or not text[end - 3].isalnum()):
        # "'s Morgens", "'t Is": the word after a sentence's elided article starts it.
        return _is_initial(text, end - 2)
    before = text[max(0, end - _ABBREVIATION_REACH) : end]
    return before[-1] in ".!?…" and not _ABBREVIATION.search(before)


def _tokens(text: str) -> list[_Token]:
    """Word tokens, with the capitalised parts of compounds split off ("NAVO-lidmaatschap")."""
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(text):
        word = _APOSTROPHE_SUFFIX.sub("", match.group(0)).rstrip("'’")
        initial = _is_initial(text, match.start())
        parts = word.split("-")
        if len(parts) > 1 and parts[0].lower() in _DESCRIPTIVE and parts[1][:1].isupper():
            # "Zuid-Limburg" is Limburg to check: English writes "South Limburg".
            skip = len(parts[0]) + 1
            word, parts = word[skip:], parts[1:]
            tokens.append(_Token(word, match.start() + skip, match.start() + skip + len(word), False))
            continue
        if len(parts) == 1 or all(part[:1].isupper() for part in parts if part):
            tokens.append(_Token(word, match.start(), match.start() + len(word), initial))
            continue
        offset = match.start()
        for number, part in enumerate(parts):
            if part[:1].isupper():
                # The capitalised part of a lowercase compound is a name wherever it stands.
                tokens.append(_Token(part, offset, offset + len(part), initial and number == 0))
            elif part:
                tokens.append(_Token(part, offset, offset + len(part), False))
            offset += len(part) + 1
    return tokens


def capitalised_inside(texts: Iterable[str]) -> frozenset[str]:
    """Words capitalised somewhere other than at the start of a sentence: evidence of a name."""
    return frozenset(
        token.text for text in texts for token in _tokens(text) if token.capital and not token.initial
    )


@lru_cache(maxsize=4096)
def _is_institution(word: str) -> bool:
    lower = word.lower()
    return any(lower == head or (lower.endswith(head) and len(lower) - len(head) >= 3) for head in _INSTITUTIONS)


def _is_adjective(word: str) -> bool:
    return len(word) >= 5 and word.lower().endswith(_ADJECTIVE_ENDINGS)


def _runs(tokens: list[_Token], text: str) -> list[list[_Token]]:
    """Runs of capitalised tokens, with lowercase particles inside them ("Jan de Vries"), and
    for an organisation the words that join its name ("Stichting Natuur en Milieu")."""
    runs: list[list[_Token]] = []
    i = 0
    while i < len(tokens):
        if not tokens[i].capital:
            i += 1
            continue
        run = [tokens[i]]
        institution = _is_institution(tokens[i].text)
        j = i + 1
        while j < len(tokens):
            joining = _CONNECTORS | _PARTICLES if institution else _PARTICLES
            k = j
            while k < len(tokens) and tokens[k].text in joining and _adjacent(text, tokens[k - 1], tokens[k]):
                k += 1
            if k < len(tokens) and tokens[k].capital and not tokens[k].initial and _adjacent(text, tokens[k - 1], tokens[k]):
                run.extend(tokens[j : k + 1])
                institution = institution or any(_is_institution(t.text) for t in tokens[j : k + 1])
                j = k + 1
            else:
                break
        runs.append(run)
        i = j
    return runs


def _adjacent(text: str, left: _Token, right: _Token) -> bool:
    gap = text[left.end : right.start]
    return gap.strip() == "" or gap == "-"


#: A sentence's first word followed by "and Trump" or "'s" is a name like its company is.
_NAME_COMPANY = re.compile(r"\s+(?:and|en|or|of|&)\s+[A-Z][\w]+|['’]s\b")


def _named_by_company(text: str, end: int) -> bool:
    return _NAME_COMPANY.match(text, end) is not None


def _stems(word: str) -> list[str]:
    """The word and what it may be made from: a Dutch genitive ("Trumps"), inhabitants
    ("Amsterdammers" → "Amsterdam")."""
    stems = [word]
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        stems.append(word[:-1])
    for suffix in ("ers", "er"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            stem = word[: -len(suffix)]
            if len(stem) > 3 and stem[-1] == stem[-2]:
                stem = stem[:-1]
            stems.append(stem)
    return stems


def find_names(
    text: str,
    *,
    language: str = "nl",
    known: Glossary | None = None,
    seen: frozenset[str] = frozenset(),
) -> list[Name]:
    """The names in one sentence (see the module docstring).

    `known` gives names and their translations; `seen` the words capitalised inside sentences
    elsewhere in the article (`capitalised_inside`), which makes a sentence's first word a name.
    """
    names: list[Name] = []
    taken = _Spans()
    for match in known.find(text) if known else []:
        if not match.term.case_sensitive:
            continue
        names.append(Name(match.text, match.start, match.end, (match.term.source, *match.term.targets), known=True))
        taken.add(match.start, match.end)
    ignore = function_words(language)
    tokens = [t for t in _tokens(text) if not taken.covers(t.start)]
    # Where a name ending there would be the first words of an organisation's name.
    absorbed = _Spans()
    for run in _runs(tokens, text):
        if any(_is_institution(t.text) for t in run):
            gap = run[0].start
            while gap and text[gap - 1].isspace():
                gap -= 1
            absorbed.add(gap, run[0].start + 1)
        name = _name_from_run(run, text, ignore, seen)
        if name is not None:
            names.append(name)
    # "Nederlandse" before "Zorgautoriteit" is part of the organisation's name.
    names = [name for name in names if not absorbed.covers(name.end)]
    return sorted(names, key=lambda name: name.start)


class _Spans:
    """Half-open character spans, added left to right and not overlapping, asked whether they
    cover a position: a bisection, where a scan of all spans for each word made a long
    sentence quadratic."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, start: int, end: int) -> None:
        self.starts.append(start)
        self.ends.append(end)

    def covers(self, position: int) -> bool:
        i = bisect_right(self.starts, position) - 1
        return i >= 0 and position < self.ends[i]


def _name_from_run(run: list[_Token], text: str, ignore: frozenset[str], seen: frozenset[str]) -> Name | None:
    def ordinary(token: _Token) -> bool:
        # Capitalised function words (a sentence's first word, titles, days) are not part of a
        # name; acronyms are, even where they spell one ("US", "WHO").
        return (token.text.lower() in ignore and not token.acronym) or token.text in _PARTICLES | _CONNECTORS

    while run and ordinary(run[0]):
        run = run[1:]
    if not run:
        return None
    first = run[0]
    words = [t for t in run if not ordinary(t)]
    if not words or any(_is_institution(t.text) for t in words):
        return None
    if len(words) == 1 and first.initial and not (
        first.acronym or first.text in seen or _named_by_company(text, run[-1].end)
    ):
        return None
    distinctive = [
        t for t in words
        if t.text.lower() not in _DESCRIPTIVE and len(t.text) >= 2 and (t.acronym or not _is_adjective(t.text))
    ]
    if not distinctive:
        return None
    whole = text[first.start : run[-1].end]
    forms = dict.fromkeys([whole, *_stems(distinctive[-1].text)])
    return Name(whole, first.start, run[-1].end, tuple(forms))


#: Letters a Dutch compound adds to a name at least ("Nobel" + "prijs"); fewer is another name
#: ("Rutten" is not "Rutte").
_COMPOUND_TAIL = 3


class Translation(Searchable):
    """A translation made ready for `kept` to be asked about many names."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.capitalised = frozenset(re.findall(r"[A-Z][\w]+", self.folded))


def kept(name: Name, translation: str | Translation) -> bool:
    """Whether a translation has the name in one of its forms.

    A Dutch compound made on a name is kept when English writes the name apart: "Nobelprijs" is
    kept by "Nobel Prize", "Schipholtunnel" by "Schiphol tunnel". Pass a `Translation` to ask
    about many names.
    """
    if not isinstance(translation, Translation):
        translation = Translation(translation)
    if contains_form(translation, name.forms) is not None:
        return True
    if name.known or " " in name.text:
        return False
    word = fold(name.text)
    # The name's beginnings that leave a compound's tail, looked up among the capitalised words.
    return any(word[:length] in translation.capitalised for length in range(4, len(word) - _COMPOUND_TAIL + 1))


def new_names(
    translation: str, source: str, *, language: str = "en", known: Glossary | None = None
) -> list[str]:
    """Names in a translation that its source does not account for: what a lost name may have
    become ("Rutte" → "Schoof")."""
    source_names = find_names(source, language="nl", known=known)
    forms = _FormIndex(form for name in source_names for form in name.forms)
    folded_source = fold(source)
    found = []
    accounted: dict[str, bool] = {}
    for name in find_names(translation, language=language):
        if name.text not in accounted:
            accounted[name.text] = fold(name.text) in folded_source or forms.account_for(name.text)
        if not accounted[name.text]:
            found.append(name.text)
    return found


class _FormIndex:
    """Names' forms by their words, so a name is compared with the few forms that share a word
    with it (which every match needs) rather than with all of them."""

    def __init__(self, forms: Iterable[str]) -> None:
        self.by_first: dict[str, list[str]] = {}
        self.by_any: dict[str, list[str]] = {}
        for form in dict.fromkeys(forms):
            words = _keyed_words(form)
            if not words:
                continue
            for key in words[0]:
                self.by_first.setdefault(key, []).append(form)
            for key in set().union(*words):
                self.by_any.setdefault(key, []).append(form)

    def account_for(self, name: str) -> bool:
        """Whether `name` holds one of the forms, or one of the forms holds `name`."""
        words = _keyed_words(name)
        if not words:
            return False
        inside = dict.fromkeys(form for keys in words for key in keys for form in self.by_first.get(key, ()))
        if contains_form(name, inside):
            return True
        around = dict.fromkeys(form for key in words[0] for form in self.by_any.get(key, ()))
        return any(contains_form(form, [name]) for form in around)


def _keyed_words(text: str) -> list[frozenset[str]]:
    """Each word of a text, lowercased and folded, with what it is without an English plural
    ending ("Americans" may hold "American")."""
    keyed = []
    for word in re.findall(r"\w+", fold(text).lower()):
        keys = {word}
        if word.endswith("s"):
            keys.add(word[:-1])
        if word.endswith("es"):
            keys.add(word[:-2])
        keyed.append(frozenset(keys))
    return keyed


#: Share of a text's words after the first that are capitalised in title case.
_TITLE_CASE_SHARE = 0.7
#: Words only title case capitalises inside a sentence (not "The", which starts "The Hague").
_TITLE_CASE_TELLS = frozenset({
    "for", "on", "with", "in", "of", "to", "and", "as", "at", "by", "from", "into", "over",
    "after", "or", "but", "is", "are", "was", "voor", "op", "met", "van", "naar", "en", "bij", "na",
})  # fmt: skip


def is_title_case(text: str) -> bool:
    """A headline in title case ("Trump Calls Putin For Talks") capitalises ordinary words: a
    capitalised function word inside it, or most of its words capitalised, give it away."""
    words = re.findall(r"[^\W\d_]+", text)[1:]
    capitalised = [word for word in words if word[:1].isupper() and not word.isupper()]
    if any(word.lower() in _TITLE_CASE_TELLS for word in capitalised):
        return True
    return len(words) >= 3 and len(capitalised) >= _TITLE_CASE_SHARE * len(words)


def invented_names(
    text: str, article: Iterable[str], *, language: str = "en", seen: frozenset[str] = frozenset()
) -> list[str]:
    """Names in a summary that occur nowhere in the article (its source or translation).

    Every distinctive word of the name must occur in the article, in any case: a summary may
    write "Prime Minister" where the translation has "prime minister". A headline in title case
    capitalises every word, so there only acronyms are taken for names.
    """
    haystack = " ".join(fold(part).lower() for part in article)
    title_case = is_title_case(text)
    ignore = function_words(language)
    invented = []
    for name in find_names(text, language=language, seen=seen):
        words = [w for w in re.split(r"[\s-]+", name.text) if w.lower() not in _PARTICLES]
        words = [_APOSTROPHE_SUFFIX.sub("", w).rstrip("'’") for w in words]
        words = [w for w in words if w.lower() not in ignore or _Token(w, 0, 0, False).acronym]
        if title_case:
            words = [w for w in words if _Token(w, 0, 0, False).acronym]
        missing = [w for w in words if not _in_lowered(fold(w).lower(), haystack)]
        if missing:
            invented.append(" ".join(missing) if title_case else name.text)
    return invented


def _in_lowered(word: str, haystack: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?:'s|s|es|')?(?!\w)", haystack) is not None
