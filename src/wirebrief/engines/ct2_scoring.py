"""Scoring translations with a CTranslate2 model: forced decoding through `Translator.score_batch`.

`Scoring` is the part of `ct2.CTranslate2Engine` that gives each target's mean natural-log
probability per token given its source, as `Engine.score` defines it and
`HuggingFaceEngine.score` computes it: EOS counted, a forced target-language code (NLLB) in
front but not counted, targets tokenized with the model's target side. Scores are over the
whole vocabulary, shortlist or not, so they mean what torch's mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wirebrief.engines.base import GenerationParams, first_line
from wirebrief.engines.batching import padded_length, plan_batches, score_budget
from wirebrief.errors import GenerationError


class Scoring:
    """Forced-decoding scores for an engine with a tokenizer, a loaded Translator (`_scorer`)
    and the batching settings of `ModelFiles`."""

    _tokenizer: Any
    max_batch_tokens: int
    max_input_tokens: int
    batch_size: int | None
    device: str
    _vocabulary: set[str]
    # And, from the engine: _score_inputs, _decoder_positions, _tokens, _scorer and load.

    def score(
        self, sources: Sequence[str], targets: Sequence[str], params: GenerationParams | None = None
    ) -> list[float | None]:
        """Each target's mean log-probability per token given its source (see `Engine.score`);
        None for a target longer than the decoder has positions for."""
        sources, targets = list(sources), list(targets)
        if not sources and not targets:
            return []
        encoded, target_ids, target_language = self._score_inputs(sources, targets, params)
        prefix = [] if target_language is None else [target_language]
        # CTranslate2 adds the decoder start and the EOS itself; the EOS counts for the limit.
        labels = [prefix + self._tokens(ids) for ids in target_ids]
        fits = [i for i, tokens in enumerate(labels) if len(tokens) + 1 <= self._decoder_positions]
        scores: list[float | None] = [None] * len(sources)
        if not fits:
            return scores
        self.load()
        inputs = [self._tokens(ids) for ids in encoded]
        for batch in self._score_plan(fits, inputs, labels):
            for index, value in zip(batch, self._score_rows(batch, inputs, labels, len(prefix))):
                scores[index] = value
        return scores

    def _score_plan(
        self, fits: list[int], inputs: list[list[str]], labels: list[list[str]]
    ) -> list[list[int]]:
        """Batches of one padding bucket on each side, within the token budget, longest first:
        every row is padded to its buckets' ceilings (a filler row), so its score does not
        depend on its batch-mates, as a translation's does not."""
        # The logits of every target position over the whole vocabulary are what a call holds
        # in memory (35 rows of an opus-mt-sized model in one call: 2 GiB), so they set the budget.
        budget = score_budget(self.max_batch_tokens, len(self._vocabulary) or len(self._tokenizer))
        groups: dict[tuple[int, int], list[int]] = {}
        for index in fits:
            key = (self._bucket(len(inputs[index])), self._bucket(len(labels[index]) + 1))
            groups.setdefault(key, []).append(index)
        batches = []
        for key in sorted(groups, reverse=True):
            members = groups[key]
            # Every row is padded to the group's ceilings, so those are what a row costs.
            rows = max(1, budget // sum(key))
            planned = plan_batches(
                [len(inputs[i]) for i in members], [len(labels[i]) + 1 for i in members],
                max_batch_tokens=budget, max_batch_size=min(rows, self.batch_size or rows), cap_ratio=0.0,
            )  # fmt: skip
            batches += [[members[i] for i in batch] for batch in planned]
        return batches

    def _bucket(self, length: int) -> int:
        return padded_length(length, self.max_input_tokens)

    def _score_rows(
        self, batch: list[int], inputs: list[list[str]], labels: list[list[str]], skip: int
    ) -> list[float]:
        """One score_batch call (halved on out-of-memory): each row's mean log-probability."""
        sources = [inputs[i] for i in batch]
        targets = [labels[i] for i in batch]
        filler = str(self._tokenizer.eos_token)
        source_ceiling = self._bucket(max(map(len, sources)))
        target_ceiling = self._bucket(max(len(tokens) + 1 for tokens in targets))
        # One row as long as the buckets' ceilings pads the batch to them; its score is discarded.
        sources.append([filler] * source_ceiling)
        targets.append([*targets[0][:skip], *[filler] * max(0, target_ceiling - 1 - skip)])
        try:
            results = self._scorer().score_batch(
                sources, targets, max_batch_size=0, max_input_length=0, offset=skip
            )
        except (MemoryError, RuntimeError) as error:
            if isinstance(error, MemoryError) or "out of memory" in str(error).lower():
                if len(batch) == 1:
                    raise GenerationError(f"out of memory on {self.device} scoring one translation") from None
                half = len(batch) // 2
                return self._score_rows(batch[:half], inputs, labels, skip) + self._score_rows(
                    batch[half:], inputs, labels, skip
                )
            raise GenerationError(f"scoring failed on {self.device}: {first_line(error)}") from None
        return [sum(result.log_probs) / max(1, len(result.log_probs)) for result in results[: len(batch)]]
