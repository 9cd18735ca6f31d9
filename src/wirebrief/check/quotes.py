"""Quoted spans: „...", “...”, "...", ‘...’, '...' and «...», told apart from apostrophes.

A quote is the one place a translation must stay a quote: reported speech in the source that
comes out as paraphrase has lost what makes it news. Quotes often run over several sentences,
so a sentence may hold only the opening or only the closing mark of one; either counts as a
quote of that sentence.

Straight single quotes are also apostrophes ("z'n", "'s avonds", "auto's", "Trump's", "'90"),
so a `'` opens a quote only after a space or an opening bracket and before a letter that does
not start an elision, and closes one only if one is open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DOUBLE_OPEN = "„“«‹"
_DOUBLE_CLOSE = "”»›"
#: Dutch elisions after an apostrophe: 's (des), 't (het), 'n (een), 'k (ik), 'r.
_ELISION = re.compile(r"['‘’](?:s|t|n|k|r|m|em|er|ie)\b|['‘’]\d")
_WORD = re.compile(r"\S+")
_MARKS = re.compile("[\"'“”„«»‹›‘’]")
#: What may stand before an opening quote.
_BEFORE_OPENING = "([:-–—"


@dataclass(frozen=True)
class Quote:
    text: str
    start: int
    end: int


def find_quotes(text: str) -> list[Quote]:
    """The quoted spans of a text, including one cut off by the end or start of the text."""
    quotes: list[Quote] = []
    for family in ("double", "single"):
        quotes.extend(_scan(text, family))
    return sorted(quotes, key=lambda quote: quote.start)


def _opens(text: str, i: int, family: str) -> bool | None:
    """True if the mark at `i` opens a quote, False if it closes one, None if it is no mark."""
    char = text[i]
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    at_start = not i or before.isspace() or before in _BEFORE_OPENING
    if family == "double":
        if char in '"“':
            # Straight quotes, and “ (which German-style „...“ also uses to close), open after a
            # space and close after anything else.
            return at_start
        if char in _DOUBLE_OPEN:
            return True
        if char in _DOUBLE_CLOSE:
            return False
        return None
    if char == "‘":
        return True
    if char not in "'’":
        return None
    if (at_start or before in "„“\"") and (after.isalnum() or after in "„“\"") and not _ELISION.match(text, i):
        return True
    if not before.isspace() and not after.isalnum():
        return False
    return None


def _scan(text: str, family: str) -> list[Quote]:
    quotes: list[Quote] = []
    open_at: int | None = None
    # Only quote marks can open or close a quote: the rest of the text is skipped over.
    for mark in _MARKS.finditer(text):
        i = mark.start()
        role = _opens(text, i, family)
        if role is None:
            continue
        if role and open_at is None:
            open_at = i
        elif role and open_at is not None and text[i] in '"“':
            # A straight quote after an open one closes it, whatever stands before it.
            quotes.append(Quote(text[open_at + 1 : i], open_at, i + 1))
            open_at = None
        elif not role and open_at is not None:
            quotes.append(Quote(text[open_at + 1 : i], open_at, i + 1))
            open_at = None
        elif not role and open_at is None and family == "double" and not quotes:
            # The closing half of a quote that began in an earlier sentence.
            quotes.append(Quote(text[:i], 0, i + 1))
        elif not role and open_at is None and family == "single" and not quotes and _closes_long_span(text, i):
            quotes.append(Quote(text[:i], 0, i + 1))
    if open_at is not None:
        quotes.append(Quote(text[open_at + 1 :], open_at, len(text)))
    return [quote for quote in quotes if quote.text.strip()]


def _closes_long_span(text: str, i: int) -> bool:
    """A lone closing single quote counts only after a sentence's worth of words (not "Jones'")."""
    return text[i - 1] in ".!?," and _words_before(text, i, 4) >= 4


def _words_before(text: str, i: int, enough: int) -> int:
    """How many words stand before position `i`, counting no further than `enough` (a lone
    quote mark repeated along a long text must not count its words again each time)."""
    count = 0
    for _ in _WORD.finditer(text, 0, i):
        count += 1
        if count >= enough:
            break
    return count


def normalise_quote(text: str) -> str:
    """Quote text for comparing: plain apostrophes, single spaces, no edge punctuation, lowercase."""
    text = text.replace("’", "'").replace("‘", "'")
    text = " ".join(text.split())
    return text.strip(" .,;:!?…'\"“”„").lower()
