"""Aligning a translation with its source, paragraph by paragraph and sentence by sentence.

A translation made elsewhere need not keep the source's paragraphs or sentences: a paragraph
may be dropped or split, two sentences joined. When the counts agree the units are paired in
order; otherwise a dynamic programme in the manner of Gale and Church pairs them one to one, two
to one, one to two, or leaves one unpaired, at the least total cost. The cost of a pair is how
far its length ratio (in characters: English and Dutch run about even) is from one, plus how
little its anchors agree: numbers (by value, across
notations) and names (in any known form), which survive translation where words do not. Nothing
is dropped: every unit is in exactly one bead, paired or not.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from wirebrief.check.figures import extract_numbers
from wirebrief.check.glossary import fold, known_names
from wirebrief.check.names import find_names, function_words

#: A bead: the source units and target units it pairs (either may be empty).
Bead = tuple[tuple[int, ...], tuple[int, ...]]

#: Cost of leaving a unit unpaired, and the extra cost of joining two units in one bead. A
#: pair is preferred to a skip unless its lengths differ by a factor of about e² with nothing
#: in common, so an unpaired unit is only reported where it really has no counterpart.
_SKIP = 2.0
_JOIN = 0.6
#: Weight of the length ratio: a pair half or twice as long as expected costs about a skip.
_LENGTH_WEIGHT = 3.0
#: Cost of each source number or name that the target lacks.
_LOST_ANCHOR = 0.4
_BEADS = ((1, 1), (1, 0), (0, 1), (2, 1), (1, 2))


@dataclass(frozen=True)
class _Features:
    length: int
    numbers: Counter[Decimal]
    #: Source: the alternatives (lowercased, folded words) each name may appear as.
    names: tuple[frozenset[str], ...]
    #: Target: its lowercased, folded words, and how many of them are capitalised name words.
    words: frozenset[str]
    capitals: int


@lru_cache(maxsize=4096)
def _features(text: str, language: str, side: str) -> _Features:
    numbers = Counter(q.value for q in extract_numbers(text, language) if q.required)
    words = frozenset(re.findall(r"\w+", fold(text).lower()))
    names: tuple[frozenset[str], ...] = ()
    capitals = 0
    if side == "source":
        names = tuple(
            frozenset(fold(form).lower() for form in name.forms)
            for name in find_names(text, language=language, known=known_names())
        )
    else:
        ignore = function_words(language)
        capitals = len({w for w in re.findall(r"(?<=\s)[A-Z][\w]+", text) if w.lower() not in ignore})
    return _Features(len(text), numbers, names, words, capitals)


def _name_found(forms: frozenset[str], words: frozenset[str]) -> bool:
    return any(all(part in words for part in re.findall(r"\w+", form)) for form in forms)


def pair_cost(source: str, target: str, source_lang: str = "nl", target_lang: str = "en") -> float:
    """How unlikely it is that `target` translates `source` (0 is a perfect pair)."""
    s = _features(source, source_lang, "source")
    t = _features(target, target_lang, "target")
    length_cost = _LENGTH_WEIGHT * abs(math.log((t.length + 20) / (s.length + 20)))
    anchors = sum(s.numbers.values()) + len(s.names) + sum(t.numbers.values()) + t.capitals
    if not anchors:
        return length_cost + 0.5
    shared_numbers = sum((s.numbers & t.numbers).values())
    shared_names = sum(1 for forms in s.names if _name_found(forms, t.words))
    dice = 2 * (shared_numbers + shared_names) / anchors
    # Each number or name of the source that the target lacks is evidence on its own: joining a
    # dropped heading to the next paragraph must not come cheap because the heading is short.
    lost = sum(s.numbers.values()) - shared_numbers + len(s.names) - shared_names
    return length_cost + (1 - min(1.0, dice)) + _LOST_ANCHOR * lost


def align(
    sources: Sequence[str], targets: Sequence[str], *, source_lang: str = "nl", target_lang: str = "en"
) -> list[Bead]:
    """Beads covering every source and target unit once, in order (see the module docstring)."""
    n, m = len(sources), len(targets)
    if n == m:
        return [((i,), (i,)) for i in range(n)]
    inf = float("inf")
    best = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if best[i][j] == inf:
                continue
            for di, dj in _BEADS:
                if i + di > n or j + dj > m:
                    continue
                cost = best[i][j] + _bead_cost(sources[i : i + di], targets[j : j + dj], source_lang, target_lang)
                if cost < best[i + di][j + dj]:
                    best[i + di][j + dj] = cost
                    back[i + di][j + dj] = (di, dj)
    beads: list[Bead] = []
    i, j = n, m
    while i or j:
        step = back[i][j]
        assert step is not None
        di, dj = step
        beads.append((tuple(range(i - di, i)), tuple(range(j - dj, j))))
        i, j = i - di, j - dj
    return beads[::-1]


def _bead_cost(sources: Sequence[str], targets: Sequence[str], source_lang: str, target_lang: str) -> float:
    if not sources or not targets:
        return _SKIP
    cost = pair_cost(" ".join(sources), " ".join(targets), source_lang, target_lang)
    return cost + (_JOIN if len(sources) + len(targets) > 2 else 0.0)

