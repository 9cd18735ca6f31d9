"""The one seam between wirebrief and a model: `Engine.generate(texts, params)`.

Translation and summaries are both built on it. This module holds what every caller and every
backend shares: the `Engine` protocol, how to decode (`GenerationParams`) and what comes back
(`Generation`). The backends are `engines.torch` (transformers) and `engines.ct2`
(CTranslate2); both read their models through `engines.files`; `engines.batching` plans the
model calls; the package's `__init__` picks and makes one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from wirebrief.engines.batching import CAP_STEP
from wirebrief.models import ModelRef, fingerprint


@dataclass(frozen=True)
class GenerationParams:
    """How to decode. Deterministic: no sampling, so a rerun gives the same text."""

    max_new_tokens: int = 256
    min_new_tokens: int = 0
    num_beams: int = 1
    no_repeat_ngram_size: int = 0
    repetition_penalty: float = 1.0
    length_penalty: float = 1.0
    #: If set, a text's own cap is ceil(length_ratio * input tokens) + length_margin (rounded up
    #: to CAP_STEP, at most max_new_tokens): a translation far longer than its source is a loop.
    length_ratio: float | None = None
    length_margin: int = 0
    #: Language codes as the model names them (NLLB: nld_Latn, eng_Latn, zho_Hans), for models
    #: that translate between many languages. The source code is put in front of the input;
    #: the target code is forced as the first output token and is not part of the text.
    source_language: str | None = None
    target_language: str | None = None

    def cap_for(self, input_tokens: int) -> int:
        if self.length_ratio is None:
            return self.max_new_tokens
        wanted = math.ceil(self.length_ratio * input_tokens) + self.length_margin
        return max(1, min(self.max_new_tokens, math.ceil(wanted / CAP_STEP) * CAP_STEP))

    def as_dict(self) -> dict[str, Any]:
        """The parameters as a dict; unset language codes are left out.

        Caches key their entries on this dict, so leaving them out keeps every entry made
        before language codes existed valid, while a set code keys apart from all others.
        """
        values = asdict(self)
        for name in _LANGUAGE_FIELDS:
            if values[name] is None:
                del values[name]
        return values


_LANGUAGE_FIELDS = ("source_language", "target_language")


@dataclass(frozen=True)
class Generation:
    """One output: its text, its size in tokens, and whether it stopped at its cap."""

    text: str
    input_tokens: int
    output_tokens: int
    hit_limit: bool


ProgressCallback = Callable[[int], None]


class Engine(Protocol):
    """What every backend implements. Callers never see a tokenizer or a tensor.

    `count_tokens`, `generate` and `describe` are required; the rest have defaults here, so a
    backend (or a test's fake) that subclasses `Engine` has them without saying anything, and
    callers never probe for them.
    """

    #: Where the model came from (local folder or hub id), for provenance.
    model: str
    #: The longest input, in tokens, the model takes; longer texts must be split by the caller.
    max_input_tokens: int
    #: Seconds spent making the engine and loading its weights so far (0 until they load).
    startup_seconds: float = 0.0

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def generate(
        self,
        texts: Sequence[str],
        params: GenerationParams,
        progress: ProgressCallback | None = None,
    ) -> list[Generation]: ...

    def describe(self) -> dict[str, Any]: ...

    @property
    def loaded(self) -> bool:
        """Whether the weights are in memory; engines that load lazily say False until then."""
        return True

    def cache_key(self) -> str | None:
        """What this engine computes (engine, precision, exact model), for caches; None: an
        engine whose outputs must not be cached."""
        return None

    def close(self) -> None:
        """Release the weights; the engine may load them again on the next `generate`."""

    def score(
        self, sources: Sequence[str], targets: Sequence[str], params: GenerationParams | None = None
    ) -> list[float | None]:
        """Each target's mean natural-log probability per token given its source, by forced
        decoding: the model's own confidence in a translation (<= 0; 0 is certain). EOS counts
        as a token; a target-language code forced in front (NLLB) does not. `params` gives
        only the language codes, for models that take them.

        An engine that cannot score (a test's fake, a backend without forced decoding) says
        None for every pair rather than failing: a score is extra information, and a brief is
        made without it.
        """
        if len(sources) != len(targets):
            raise ValueError(f"{len(targets)} targets for {len(sources)} sources")  # a programming error
        return [None] * len(sources)


#: Engines in a reader's words, as `describe()["engine"]` gives them.
TORCH_NAME = "transformers (torch)"
CTRANSLATE2_NAME = "CTranslate2"


def engine_key(kind: str, precision: str, ref: ModelRef) -> str:
    """What an engine computes, for caches: engine, precision and the exact model."""
    return f"{kind}:{precision}:{fingerprint(ref)}"


def first_line(error: BaseException) -> str:
    """An error's message as one line, for messages that must stay one line."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
