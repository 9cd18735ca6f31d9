"""Glossaries: source terms and the target forms a translation must use for them.

One format serves two purposes. A user's glossary (`--glossary FILE`) is house style: each term
found in a source sentence must appear in its translation as one of its target forms. The known
name equivalents that ship with wirebrief (`data/names.tsv`: `NAVO` → `NATO`, `Brussel` →
`Brussels`) use the same format, and a user's glossary extends them.

TSV: one term a line, the source term, a tab, then its target forms separated by `|`; blank
lines and lines starting with `#` are skipped, as is a first line `source<TAB>target`:

    # source	target
    Tweede Kamer	House of Representatives
    VS	US | United States

TOML: strings or lists of strings, at the top level or in a `[terms]` table:

    [terms]
    "Tweede Kamer" = "House of Representatives"
    VS = ["US", "United States"]
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from importlib import resources
from pathlib import Path

from wirebrief.errors import ConfigError

_ALTERNATIVES = "|"


@dataclass(frozen=True)
class Term:
    """One glossary entry: a source term and the target forms that translate it."""

    source: str
    targets: tuple[str, ...]
    #: Where it was defined, for messages: "names.tsv:12".
    origin: str = ""

    @property
    def case_sensitive(self) -> bool:
        """An all-lowercase term ("kabinet") also matches capitalised at a sentence start."""
        return self.source != self.source.lower()


@dataclass(frozen=True)
class TermMatch:
    term: Term
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Glossary:
    """Terms, searched longest first so that "Tweede Kamer" wins over "Kamer"."""

    terms: tuple[Term, ...] = ()
    name: str = ""
    _index: dict[str, Term] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update({term.source: term for term in self.terms})

    def __len__(self) -> int:
        return len(self.terms)

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms)

    def get(self, source: str) -> Term | None:
        return self._index.get(source)

    def merged(self, other: Glossary | None) -> Glossary:
        """This glossary with `other`'s terms added; `other` wins where both define a term."""
        if not other:
            return self
        kept = [term for term in self.terms if other.get(term.source) is None]
        return Glossary((*kept, *other.terms), name=other.name or self.name)

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        if not self.terms:
            return None
        ordered = sorted(self.terms, key=lambda term: len(term.source), reverse=True)
        alternatives = [
            (term_regex(term.source) if term.case_sensitive else f"(?i:{term_regex(term.source)})")
            for term in ordered
        ]
        return re.compile(r"(?<![\w])(?:" + "|".join(alternatives) + r")(?![\w])")

    def find(self, text: str) -> list[TermMatch]:
        """The terms in a text, left to right, never overlapping (the longest term wins)."""
        if self._pattern is None:
            return []
        matches = []
        for match in self._pattern.finditer(text):
            term = self._lookup(match.group(0))
            if term is not None:
                matches.append(TermMatch(term, match.start(), match.end(), match.group(0)))
        return matches

    def _lookup(self, found: str) -> Term | None:
        normal = " ".join(found.split())
        term = self._index.get(normal)
        if term is not None:
            return term
        return next(
            (t for t in self.terms if not t.case_sensitive and t.source.lower() == normal.lower()), None
        )


def term_regex(text: str) -> str:
    """A regex for a term as written, with any run of whitespace inside it."""
    return r"\s+".join(re.escape(part) for part in text.split())


def fold(text: str) -> str:
    """Text without diacritics and with plain apostrophes: "Erdoğan's" → "Erdogan's"."""
    text = text.replace("’", "'").replace("‘", "'")
    if text.isascii():
        return text  # nothing to decompose: the common case, and long texts are mostly ASCII
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class Searchable:
    """A text made ready to be searched for many forms (`contains_form`): folded once, with the
    set of its words, so a form whose first word it lacks is ruled out without a regex search.
    Searching a long sentence for each of its many names would otherwise fold it once a name."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.folded = fold(text)
        self.words = frozenset(_WORD.findall(self.folded.lower()))

    def may_contain(self, form: str) -> bool:
        """False only where `target_pattern(form)` cannot match: its first word (or that word
        with an English plural) is not a word of the text."""
        word = _first_word(form)
        return word is None or word in self.words or f"{word}s" in self.words or f"{word}es" in self.words


_WORD = re.compile(r"\w+")


@lru_cache(maxsize=4096)
def _first_word(form: str) -> str | None:
    first = _WORD.search(fold(form).lower())
    return first.group(0) if first else None


def target_pattern(form: str) -> re.Pattern[str]:
    """How a target form is found in a translation (folded, see `fold`).

    The first letter may change case ("the Hague" in running text), an acronym may be written
    in any case ("Nato"), hyphens and spaces are interchangeable inside it ("Willem Alexander"),
    and English may add a possessive or plural ("NATO's", "Americans").
    """
    form = fold(form.strip())
    parts = [re.escape(part) for part in re.split(r"[\s-]+", form) if part]
    body = r"[\s-]+".join(parts)
    flags = re.IGNORECASE if len(form) >= 2 and form.isupper() else re.NOFLAG
    if not flags:
        first = form[:1]
        if first.isalpha():
            body = f"[{first.upper()}{first.lower()}]" + body[len(re.escape(first)) :]
    return re.compile(rf"(?<![\w]){body}(?:'s|s|es|')?(?!\w)", flags)


@lru_cache(maxsize=4096)
def _compiled(form: str) -> re.Pattern[str]:
    return target_pattern(form)


def contains_form(text: str | Searchable, forms: Iterable[str]) -> str | None:
    """The first of `forms` found in `text` (see `target_pattern`), or None. Pass a
    `Searchable` to search one text for many forms."""
    if isinstance(text, Searchable):
        searchable: Searchable | None = text
        folded = text.folded
    else:
        searchable, folded = None, fold(text)
    for form in forms:
        if not form.strip() or (searchable is not None and not searchable.may_contain(form)):
            continue
        if _compiled(form).search(folded):
            return form
    return None


# --------------------------------------------------------------------------------------------
# Loading


def load_glossary(path: str | Path) -> Glossary:
    """Read a glossary file: TOML if it ends in `.toml`, else TSV (see the module docstring).

    Raises ConfigError, with the line number where there is one, on a malformed file.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"glossary file {path} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"glossary {path} is a directory, not a file") from None
    except OSError as error:
        raise ConfigError(f"glossary file {path} cannot be read: {error.strerror or error}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: glossary is not UTF-8 text") from None
    if path.suffix.lower() == ".toml":
        return parse_toml(text, str(path))
    return parse_tsv(text, str(path))


def parse_tsv(text: str, name: str = "glossary") -> Glossary:
    terms: list[Term] = []
    seen: dict[str, int] = {}
    first = True
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        columns = line.split("\t")
        if first and [c.strip().lower() for c in columns] == ["source", "target"]:
            first = False
            continue
        first = False
        if len(columns) != 2:
            found = "no tab" if len(columns) == 1 else f"{len(columns)} tab-separated columns"
            raise ConfigError(
                f"{name}:{number}: expected a source term, a tab and its target form, found {found}: {line.strip()!r}",
                hint="separate the term and its translation with one tab; list alternatives with |",
            )
        terms.append(_term(columns[0], columns[1].split(_ALTERNATIVES), f"{name}:{number}", seen))
    return Glossary(tuple(terms), name=name)


def parse_toml(text: str, name: str = "glossary") -> Glossary:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{name}: glossary is not valid TOML: {error}") from None
    table = data.get("terms", data) if set(data) <= {"terms"} else data
    if not isinstance(table, dict):
        raise ConfigError(f"{name}: `terms` must be a table of source term = target form")
    terms: list[Term] = []
    seen: dict[str, int] = {}
    for source, value in table.items():
        line = _line_of(text, source)
        where = f"{name}:{line}" if line else name
        if isinstance(value, str):
            targets = value.split(_ALTERNATIVES)
        elif isinstance(value, list) and value and all(isinstance(item, str) for item in value):
            targets = value
        else:
            raise ConfigError(
                f"{where}: term {source!r} must map to a string or a list of strings, not {value!r}"
            )
        terms.append(_term(source, targets, where, seen))
    return Glossary(tuple(terms), name=name)


def _term(source: str, targets: Iterable[str], where: str, seen: dict[str, int]) -> Term:
    source = " ".join(source.split())
    cleaned = tuple(" ".join(target.split()) for target in targets)
    if not source:
        raise ConfigError(f"{where}: the source term is empty")
    if not all(cleaned):
        raise ConfigError(f"{where}: {source!r} has an empty target form")
    if source in seen:
        raise ConfigError(f"{where}: {source!r} is defined twice (first at line {seen[source]})")
    seen[source] = int(where.rsplit(":", 1)[-1]) if where.rsplit(":", 1)[-1].isdigit() else 0
    return Term(source, cleaned, where)


def _line_of(text: str, key: str) -> int | None:
    """The line that defines a TOML key, for messages (TOML values carry no positions)."""
    pattern = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*=", re.MULTILINE)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


@lru_cache(maxsize=1)
def known_names() -> Glossary:
    """The name equivalents shipped with wirebrief (`data/names.tsv`)."""
    text = resources.files("wirebrief").joinpath("data/names.tsv").read_text(encoding="utf-8")
    return parse_tsv(text, "names.tsv")


@cache
def word_list(name: str) -> frozenset[str]:
    """A packaged list of words, one a line (`data/<name>.txt`), lowercased."""
    text = resources.files("wirebrief").joinpath(f"data/{name}.txt").read_text(encoding="utf-8")
    return frozenset(
        word.strip().lower() for line in text.splitlines() if not line.startswith("#") for word in line.split()
    )
