"""Tiered summaries (headline, lede, summary, key points) from prompt files, on an engine.

No tier is ever made from a cut-off text: a text longer than the summary model's input is
condensed chunk by chunk (paragraph groups, each within the input limit) until it fits, and the
tiers are made from that. Each tier's length budget is then enforced on its output.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

from wirebrief.engines.base import Engine, ProgressCallback
from wirebrief.errors import GenerationError
from wirebrief.inputs.document import split_sentences
from wirebrief.prompts import Budget, Prompt
from wirebrief.results import Summaries, Tier
from wirebrief.translation import fit_to_limit

#: A safety margin for token counts that are added up rather than measured on the whole text.
_MARGIN_TOKENS = 8
_MAX_CONDENSE_ROUNDS = 6
#: Words of article per key point when choosing how many sections to make.
_WORDS_PER_SECTION = 150


def _tokens(engine: Engine, text: str) -> int:
    return engine.count_tokens([text])[0]


def _overhead(engine: Engine, prompt: Prompt) -> int:
    """Tokens the prompt adds around the text."""
    return _tokens(engine, prompt.render(text="")) + _MARGIN_TOKENS


def _units(paragraphs: Sequence[str], engine: Engine, limit: int, language: str) -> list[str]:
    """Paragraphs, or their sentences (or clauses) where a paragraph is over `limit` tokens."""
    counts = engine.count_tokens(list(paragraphs))
    units: list[str] = []
    for paragraph, count in zip(paragraphs, counts):
        if count <= limit:
            units.append(paragraph)
        else:
            for pieces in fit_to_limit(split_sentences(paragraph, language), engine, limit):
                units.extend(pieces)
    return units


def _group(units: Sequence[str], counts: Sequence[int], limit: int) -> list[str]:
    """Consecutive units joined into chunks of at most `limit` tokens each."""
    chunks: list[list[str]] = []
    used = limit + 1
    for unit, count in zip(units, counts):
        if used + count > limit:
            chunks.append([])
            used = 0
        chunks[-1].append(unit)
        used += count
    return ["\n\n".join(chunk) for chunk in chunks]


def condense(
    paragraphs: Sequence[str],
    limit: int,
    engine: Engine,
    chunk_prompt: Prompt,
    *,
    language: str = "en",
    progress: ProgressCallback | None = None,
) -> tuple[str, int, int]:
    """The text within `limit` tokens, condensed by chunk summaries if need be.

    Returns (text, chunks summarised, rounds).
    """
    parts = [part for part in paragraphs if part.strip()]
    chunk_limit = engine.max_input_tokens - _overhead(engine, chunk_prompt)
    if chunk_limit < 16:
        raise GenerationError(f"the chunk prompt leaves no room for text in {engine.max_input_tokens} tokens")
    total_chunks = rounds = 0
    size = _tokens(engine, "\n\n".join(parts))
    while size > limit:
        rounds += 1
        if rounds > _MAX_CONDENSE_ROUNDS:
            raise GenerationError("the summary model did not condense the text to its input limit")
        units = _units(parts, engine, chunk_limit, language)
        chunks = _group(units, engine.count_tokens(units), chunk_limit)
        outputs = engine.generate([chunk_prompt.render(text=chunk) for chunk in chunks], chunk_prompt.params, progress)
        total_chunks += len(chunks)
        parts = [output.text for output in outputs if output.text.strip()]
        new_size = _tokens(engine, "\n\n".join(parts))
        if new_size >= size:
            raise GenerationError("the summary model's chunk summaries are no shorter than the text")
        size = new_size
    return "\n\n".join(parts), total_chunks, rounds


def sections(paragraphs: Sequence[str], count: int, language: str = "en") -> list[str]:
    """Split a text into `count` consecutive sections of about equal length.

    Paragraphs are the units; where there are fewer paragraphs than sections, sentences are.
    Fewer sections come back only if the text has fewer sentences than asked for.
    """
    units = [part for part in paragraphs if part.strip()]
    if len(units) < count:
        units = [sentence for part in units for sentence in split_sentences(part, language)]
    count = min(count, len(units))
    if count <= 0:
        return []
    cumulative = list(accumulate(len(unit.split()) + 1 for unit in units))
    total = cumulative[-1]
    # Cut where the running word count is nearest each k/count of the total, leaving at least
    # one unit for every section still to come.
    bounds = [0]
    for k in range(1, count):
        candidates = range(bounds[-1] + 1, len(units) - (count - k) + 1)
        bounds.append(min(candidates, key=lambda b: abs(cumulative[b - 1] - total * k / count)))
    bounds.append(len(units))
    return ["\n\n".join(units[start:end]) for start, end in zip(bounds, bounds[1:])]


def enforce_budget(text: str, budget: Budget, language: str = "en") -> tuple[str, int]:
    """The output within its sentence and word budget; returns (text, words removed)."""
    text = " ".join(text.split())
    original_words = len(text.split())
    if budget.max_sentences and text:
        text = " ".join(split_sentences(text, language)[: budget.max_sentences])
    if budget.max_words and len(text.split()) > budget.max_words:
        words = text.split()[: budget.max_words]
        cut = " ".join(words)
        # Prefer ending on a full sentence if that keeps at least half the budget.
        sentences = split_sentences(cut, language)
        whole = sentences[:-1] if len(sentences) > 1 else []
        if whole and len(" ".join(whole).split()) >= budget.max_words / 2:
            cut = " ".join(whole)
        text = cut
    return text, original_words - len(text.split())


def summarise(
    paragraphs: Sequence[str],
    tiers: Sequence[Prompt],
    engine: Engine,
    chunk_prompt: Prompt,
    *,
    language: str = "en",
    progress: ProgressCallback | None = None,
) -> Summaries:
    """Make each tier from the whole text (condensed if it is longer than the model's input)."""
    paragraphs = [part for part in paragraphs if part.strip()]
    if not paragraphs or not tiers:
        return Summaries(tiers=())
    results: dict[str, Tier] = {}
    chunks = rounds = 0

    text_tiers = [prompt for prompt in tiers if not prompt.is_list]
    if text_tiers:
        limit = engine.max_input_tokens - max(_overhead(engine, prompt) for prompt in text_tiers)
        text, chunks, rounds = condense(paragraphs, limit, engine, chunk_prompt, language=language, progress=progress)
        for prompt in text_tiers:
            [output] = engine.generate([prompt.render(text=text)], prompt.params, progress)
            kept, trimmed = enforce_budget(output.text, prompt.budget, language)
            results[prompt.name] = Tier(prompt.name, text=kept, trimmed_words=trimmed)

    for prompt in (prompt for prompt in tiers if prompt.is_list):
        budget = prompt.budget
        words = sum(len(part.split()) for part in paragraphs)
        wanted = max(budget.min_items or 1, round(words / _WORDS_PER_SECTION))
        if budget.max_items:
            wanted = min(wanted, budget.max_items)
        limit = engine.max_input_tokens - _overhead(engine, prompt)
        section_texts = []
        for section in sections(paragraphs, wanted, language):
            section_text, section_chunks, section_rounds = condense(
                [section], limit, engine, chunk_prompt, language=language, progress=progress
            )
            section_texts.append(section_text)
            chunks += section_chunks
            rounds = max(rounds, section_rounds)
        outputs = engine.generate([prompt.render(text=text) for text in section_texts], prompt.params, progress)
        items, trimmed = [], 0
        for output in outputs:
            kept, removed = enforce_budget(output.text, budget, language)
            items.append(kept)
            trimmed += removed
        missing = max(0, (budget.min_items or 0) - len(items))
        results[prompt.name] = Tier(prompt.name, items=tuple(items), trimmed_words=trimmed, missing_items=missing)

    return Summaries(tiers=tuple(results[prompt.name] for prompt in tiers), chunks=chunks, rounds=rounds)
