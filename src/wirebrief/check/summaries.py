"""A brief's tiers: empty, trimmed or short, and whether they invent (a number, name or quote
the article lacks) or say the opposite of the article sentence they draw on (negation,
direction, dates: read with `wirebrief.check.meaning`'s word lists)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from wirebrief.check.figures import Quantity, extract_numbers, same_quantity
from wirebrief.check.findings import known_with, reads_numbers_and_names, shorten
from wirebrief.check.glossary import Glossary
from wirebrief.check.meaning import (
    Flip,
    Lexicon,
    date_said,
    dates,
    directions,
    lexicon,
    one_way,
    polarity,
    quoted,
    reads_meaning,
)
from wirebrief.check.names import capitalised_inside, find_names, function_words, invented_names
from wirebrief.check.quotes import find_quotes, normalise_quote
from wirebrief.results import Finding, Summaries


def check_summaries(
    summaries: Summaries | None,
    *,
    article: str | None = None,
    source: str | None = None,
    source_lang: str = "nl",
    target_lang: str = "en",
    glossary: Glossary | None = None,
) -> list[Finding]:
    """Findings on a brief's tiers.

    Empty, trimmed and short tiers always. With `article` (the text the tiers were made from:
    the translation) a tier must also not invent: each of its numbers and names must be in the
    article or its `source`, and each quote must be verbatim from the article.
    """
    findings: list[Finding] = []
    for tier in summaries.tiers if summaries else ():
        if tier.is_empty:
            findings.append(Finding("empty_tier", "error", f"the {tier.name} came out empty", tier=tier.name))
        if tier.trimmed_words:
            findings.append(Finding(
                "tier_trimmed", "warning",
                f"{tier.trimmed_words} words of the model's {tier.name} were cut to keep its length budget",
                tier=tier.name,
            ))
        if tier.missing_items:
            findings.append(Finding(
                "tier_short", "warning",
                f"the article is too short for {tier.name}: {tier.missing_items} fewer items than its minimum",
                tier=tier.name,
            ))
    languages = (target_lang, source_lang) if source is not None else (target_lang,)
    if article is not None and summaries and reads_numbers_and_names(*languages):
        findings += _inventions(summaries, article, source, source_lang, target_lang, known_with(glossary))
    if article is not None and summaries and reads_meaning(target_lang):
        findings += _summary_flips(summaries, article, target_lang)
    return findings


def _summary_flips(summaries: Summaries, article: str, language: str) -> list[Finding]:
    """A tier that says the opposite of the translation: negation, direction, dates."""
    words = lexicon(language)
    assert words is not None
    read = Article.read(article, words, function_words(language))
    findings = []
    for tier in summaries.tiers:
        for piece in tier.items if tier.items is not None else (tier.text,):
            if piece.strip():
                findings += [
                    Finding(flip.kind, flip.severity, flip.detail, tier=tier.name, target=piece)  # type: ignore[arg-type]
                    for flip in summary_flips(piece, read)
                ]
    return findings


@dataclass(frozen=True)
class _Article:
    """What a tier may draw on: the article's numbers, words and quotable text."""

    numbers: tuple[Quantity, ...]
    texts: tuple[str, ...]
    quotable: str
    seen: frozenset[str]


def _numbers_by_paragraph(text: str, language: str) -> list:
    return [number for block in re.split(r"\n\s*\n", text) if block.strip() for number in extract_numbers(block, language)]


def _inventions(
    summaries: Summaries, article: str, source: str | None, source_lang: str, target_lang: str, known: Glossary
) -> list[Finding]:
    # Paragraph by paragraph: a number never spans paragraphs, and matching number words back
    # to their text costs more than linear time on one long string.
    numbers = _numbers_by_paragraph(article, target_lang)
    texts = [article]
    if source:
        numbers += _numbers_by_paragraph(source, source_lang)
        # A name the tier spells the English way while the translation kept the Dutch one.
        texts.append(source)
        texts += [" ".join(n.forms) for n in find_names(source, language=source_lang, known=known) if n.known]
    pieces = [(tier.name, piece) for tier in summaries.tiers for piece in (tier.items if tier.items is not None else (tier.text,))]
    context = _Article(
        tuple(numbers), tuple(texts), normalise_quote(article),
        capitalised_inside([article, *(piece for _, piece in pieces)]),
    )
    findings = []
    for name, piece in pieces:
        if piece.strip():
            findings += _tier_inventions(name, piece, context, target_lang)
    return findings


def _tier_inventions(tier: str, text: str, article: _Article, language: str) -> list[Finding]:
    findings = []
    for number in extract_numbers(text, language):
        if number.required and not number.ordinal and not any(same_quantity(number, q) for q in article.numbers):
            findings.append(Finding(
                "summary_number", "error", f"{number.shown()} is not in the article", tier=tier, target=text
            ))
    for name in invented_names(text, article.texts, language=language, seen=article.seen):
        findings.append(Finding("summary_name", "error", f"{name!r} is not in the article", tier=tier, target=text))
    for quote in find_quotes(text):
        pieces = [normalise_quote(piece) for piece in re.split(r"\.\.\.|…|\[\.\.\.\]", quote.text)]
        if not all(piece in article.quotable for piece in pieces if piece):
            findings.append(Finding(
                "summary_quote", "error",
                f"the quote „{shorten(quote.text)}” is not verbatim in the translation", tier=tier, target=text,
            ))
    return findings


# --------------------------------------------------------------------------------------------
# A summary against the article it was made from (both in one language)

#: A tier sentence draws on an article sentence sharing this many of its content words, and
#: this share of them, at least.
_CLOSE_WORDS = 2
_CLOSE_SHARE = 0.4
#: A clause restated without its negation shares this share of its content words with the tier.
_RESTATED_SHARE = 0.6
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’']?\s+(?=[\"“„‘'(]?[A-Z0-9])")
_CLAUSE_END = re.compile(r"[,;:–—]\s+|\s+(?:but|while|whereas|although|though|and|maar|terwijl|hoewel|en)\s+", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    """A text's sentences, roughly: enough to match a summary's sentence to its sources."""
    return [s for block in re.split(r"\n\s*\n", text) for s in _SENTENCE_END.split(block.strip()) if s.strip()]


def content_words(text: str, ignore: frozenset[str]) -> frozenset[str]:
    words = (word.lower() for word in re.findall(r"[^\W\d_]{3,}", text))
    return frozenset(word[:-1] if word.endswith("s") and len(word) > 4 else word for word in words if word not in ignore)


@dataclass(frozen=True)
class _Source:
    text: str
    words: frozenset[str]


@dataclass(frozen=True)
class Article:
    """An article's sentences and dates, read once for all its tiers."""

    sentences: tuple[_Source, ...]
    dates: dict[str, dict[str, str]]
    words: Lexicon
    ignore: frozenset[str]

    @classmethod
    def read(cls, text: str, words: Lexicon, ignore: frozenset[str]) -> Article:
        """`ignore` are the language's function words, which say nothing of what a sentence is about."""
        prepared = tuple(_Source(sentence, content_words(sentence, ignore)) for sentence in sentences(text))
        return cls(prepared, dates(text, words), words, ignore)


def summary_flips(tier: str, article: Article) -> list[Flip]:
    """Where a tier's sentence says the opposite of the article sentence it draws on (the one
    sharing most of its content words): `summary_negation`, `summary_direction`, `summary_date`."""
    article_sentences, article_dates, words, ignore = article.sentences, article.dates, article.words, article.ignore
    flips: list[Flip] = []
    for sentence in sentences(tier):
        mine = content_words(sentence, ignore)
        scored = sorted(
            ((len(mine & source.words), -i) for i, source in enumerate(article_sentences)), reverse=True
        )
        close = [
            article_sentences[-i] for shared, i in scored if shared >= max(_CLOSE_WORDS, _CLOSE_SHARE * len(mine))
        ]
        if close:
            flips += _summary_negation(sentence, mine, close, words, ignore)
            flips += _summary_direction(sentence, close, words)
            flips += _summary_date(sentence, close[0], article_dates, words)
    return flips


def _summary_negation(
    sentence: str, mine: frozenset[str], close: list[_Source], words: Lexicon, ignore: frozenset[str]
) -> list[Flip]:
    said = polarity(sentence, words)
    if said.negated and not any(polarity(source.text, words).may_be_negated for source in close):
        return [Flip(
            "summary_negation", "error",
            f"it negates ({quoted(said.certain)}) what the article sentence it draws on does not: {_excerpt(close[0].text)!r}",
        )]
    if said.may_be_negated:
        return []
    for source in close:
        for clause in _CLAUSE_END.split(source.text):
            negated = polarity(clause, words)
            clause_words = content_words(clause, ignore)
            if negated.negated and clause_words and len(clause_words & mine) >= max(
                _CLOSE_WORDS, _RESTATED_SHARE * len(clause_words)
            ):
                return [Flip(
                    "summary_negation", "error",
                    f"it drops the negation ({quoted(negated.certain)}) of the article's {_excerpt(clause)!r}",
                )]
    return []


def _summary_direction(sentence: str, close: list[_Source], words: Lexicon) -> list[Flip]:
    way = one_way(said := directions(sentence, words))
    if way is None or any(directions(source.text, words).get(way) for source in close):
        return []
    theirs = directions(close[0].text, words)
    other = one_way(theirs)
    if other is None:
        return []
    return [Flip(
        "summary_direction", "error",
        f"it says {quoted(said[way])} where the article says {quoted(theirs[other])}: {_excerpt(close[0].text)!r}",
    )]


def _summary_date(sentence: str, source: _Source, article_dates: dict[str, dict[str, str]], words: Lexicon) -> list[Flip]:
    mine, theirs = dates(sentence, words), dates(source.text, words)
    flips = []
    for kind, values in mine.items():
        invented = [value for value in values if value not in article_dates[kind]]
        if invented and theirs[kind]:
            flips.append(Flip(
                "summary_date", "error",
                f"it has {date_said(values[invented[0]], kind, invented[0])}, which is nowhere in the article; the sentence it "
                f"draws on has {', '.join(date_said(text, kind, value) for value, text in theirs[kind].items())}",
            ))
    return flips


def _excerpt(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
