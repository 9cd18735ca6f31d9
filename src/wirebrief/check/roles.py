"""Role swaps: "Rusland viel Oekraïne binnen" translated as "Ukraine invaded Russia".

Only the simplest clauses are read, because telling subject from object needs a parser this
checker does not have, and a false alarm here would accuse a correct translation of saying the
opposite. A sentence is checked only when all of these hold:

- the source has exactly two different names (as the name check finds them: the packaged list,
  a glossary, capitalised words; and its first word where the translation has that word,
  capitalised, other than first), once each, and the translation has each of them, once;
- the source has exactly one verb of the `role` word lists (invade, attack, defeat, support,
  accuse ...: verbs where the order of doer and undergoer matters), and the translation has
  exactly one, the same action, standing between the two names;
- neither side has a `role_guard` word, which would let a correct sentence name the one the
  action is done to first: a passive's "door" / "by", an attribution's "volgens" /
  "according to" / "said", "from", "each other", a question word.

Dutch puts the subject before the object in such a clause whether the verb comes first
("Gisteren viel Rusland Oekraïne binnen"), second or last ("omdat Rusland Oekraïne
binnenviel"), and English in the active puts it before the verb; so in such a sentence the two
names must come in the same order on both sides. Where they do not, it is a `role_swap` error.
"""

from __future__ import annotations

import re

from wirebrief.check.glossary import Glossary, fold, target_pattern
from wirebrief.check.meaning import Flip, Lexicon
from wirebrief.check.names import Name, find_names

#: A text's first word, after any opening quotes or brackets.
_FIRST_WORD = re.compile(r"[\W\d_]*?([^\W\d_][\w'’-]*)")


def role_swap(source: str, target: str, source_words: Lexicon, target_words: Lexicon, known: Glossary) -> list[Flip]:
    """A `role_swap` finding where a simple clause's two names changed sides (see the module)."""
    verbs = source_words.find(source, "role")
    if len(verbs) != 1 or source_words.find(source, "role_guard"):
        return []
    folded = fold(target)
    their_verbs = target_words.find(folded, "role")
    if len(their_verbs) != 1 or their_verbs[0].value != verbs[0].value or target_words.find(folded, "role_guard"):
        return []
    names = _with_first_word(find_names(source, language=source_words.language, known=known), source, target)
    if len(names) != 2 or names[0].text == names[1].text:
        return []
    first, second = (_only_place(name, folded) for name in names)
    if first is None or second is None:
        return []
    verb_at = their_verbs[0].start
    if not min(first, second) < verb_at < max(first, second) or first < second:
        return []
    return [Flip(
        "role_swap", "error",
        f"the source has {names[0].text!r} before {names[1].text!r} ({verbs[0].text!r}), the translation "
        f"the other way round ({their_verbs[0].text!r}): who does what to whom may be swapped",
        at=names[0].start, target_at=second,
    )]


def _with_first_word(names: list[Name], source: str, target: str) -> list[Name]:
    """The names, and the source's first word where the translation has it, capitalised, other
    than first: the name check cannot tell "Ajax" at a sentence's start from an ordinary word
    ("Gisteren"), but a word English capitalises mid-sentence, unchanged, is a name."""
    first = _FIRST_WORD.match(source)
    if first is None or any(name.start <= first.start(1) < name.end for name in names):
        return names
    word = first.group(1)
    if not any(match.start() > _start_of(target) for match in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", target)):
        return names
    return [Name(word, first.start(1), first.end(1), (word,)), *names]


def _start_of(text: str) -> int:
    """Where a text's first word starts, after any opening quotes or brackets."""
    first = _FIRST_WORD.match(text)
    return first.start(1) if first else 0


def _only_place(name: Name, folded: str) -> int | None:
    """Where the translation has the name in one of its forms, if it has it exactly once."""
    places = {match.start() for form in name.forms for match in target_pattern(form).finditer(folded)}
    return next(iter(places)) if len(places) == 1 else None
