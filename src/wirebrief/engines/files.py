"""What both backends read from a Hugging Face model, and how both run their batches.

`ModelFiles` is the part the torch and CTranslate2 engines share: the constructor's set-up,
the tokenizer and config (read before any weights, so a missing or broken model gives the same
one-line error whichever engine is asked for), language codes, the description, and running
texts through planned batches, halving a batch that runs out of memory.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from wirebrief.config import available_cpus
from wirebrief.engines.base import (
    Engine,
    Generation,
    GenerationParams,
    ProgressCallback,
    engine_key,
    first_line,
)
from wirebrief.engines.batching import plan_batches
from wirebrief.errors import GenerationError, ModelError
from wirebrief.models import ModelRef, ensure_fetchable, is_present, missing_model_error

log = logging.getLogger(__name__)


class _OutOfMemory(Exception):
    """Raised by an engine's batch call to have the batch halved; never leaves the engine."""


class ModelFiles(Engine):
    """What every engine reads before any weights: the tokenizer and the model's config.

    Shared by the torch and CTranslate2 engines, so a missing or broken model gives the same
    one-line error whichever engine is asked for. Subclasses set `ref`, `model`, `role` and
    `offline` first.
    """

    ref: ModelRef
    model: str
    role: str
    offline: bool
    device: str
    max_batch_tokens: int
    batch_size: int | None
    max_input_tokens: int
    #: At most this many hypotheses (texts x beams) in one batch where `batch_size` is not set;
    #: None: the token budget alone decides.
    max_hypotheses: int | None = None
    #: CPU threads the engine computes with (see config.Settings.threads).
    threads: int = 1
    #: Seconds the weights took to load; None until they have.
    load_seconds: float | None = None
    #: The engine's name in a reader's words (base.TORCH_NAME, base.CTRANSLATE2_NAME).
    engine_name: str = ""
    _cache_key: str | None = None

    def _set_up(
        self, ref: ModelRef, *, role: str, offline: bool, device: str, batch_size: int | None, threads: int | None
    ) -> None:
        """What every engine's constructor does first; `device` is already resolved."""
        self.ref = ref
        self.model = ref.location
        self.role = role
        self.offline = offline
        self.device = device
        self.batch_size = batch_size
        self.threads = threads or available_cpus()
        self.load_seconds = None

    def _read_files(self) -> None:
        """The tokenizer and config (no weights): the input limit and how to decode follow."""
        self._tokenizer, self._config = self._load_tokenizer()
        self.max_input_tokens = self._input_limit()
        # Marian's tokenizer decodes with the source-language sentencepiece model unless told
        # otherwise (transformers 5); its output is in the target language.
        self._decode_options = {"use_source_tokenizer": False} if hasattr(self._tokenizer, "spm_target") else {}

    @property
    def local_only(self) -> bool:
        return self.offline or self.ref.is_local

    @property
    def startup_seconds(self) -> float:  # type: ignore[override]
        """Seconds this engine spent loading weights so far (0 until they load)."""
        return self.load_seconds or 0.0

    def _key(self, kind: str, precision: str) -> str:
        """`engine_key`, worked out once per engine: it reads the model's files."""
        if self._cache_key is None:
            self._cache_key = engine_key(kind, precision, self.ref)
        return self._cache_key

    def describe(self) -> dict[str, Any]:
        config = self._config
        return {
            "engine": self.engine_name,
            "model": self.model,
            "architecture": (config.architectures or [config.model_type])[0],
            **self._description(),
            "load_seconds": None if self.load_seconds is None else round(self.load_seconds, 3),
        }

    def _description(self) -> dict[str, Any]:
        """The engine's own part of `describe`: device and precision, at least."""
        raise NotImplementedError

    def _load_tokenizer(self):  # -> (tokenizer, config)
        from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError
        from transformers import AutoConfig, AutoTokenizer

        # A folder that vanished since it was resolved (transformers would take its path for
        # a hub id), or a hub model neither here nor reachable: one line now, not a minute of
        # the hub client's retries.
        ensure_fetchable(self.ref, self.role, offline=self.offline)
        try:
            config = AutoConfig.from_pretrained(self.ref.location, local_files_only=self.local_only)
            tokenizer = AutoTokenizer.from_pretrained(self.ref.location, local_files_only=self.local_only)
        except (LocalEntryNotFoundError, HFValidationError):
            raise missing_model_error(self.ref, self.role, offline=self.offline) from None
        except OSError as error:
            if not self.ref.is_local and not is_present(self.ref):
                raise missing_model_error(self.ref, self.role, offline=self.offline) from None
            raise ModelError(f"{self.role} model {self.model} cannot be loaded: {first_line(error)}") from None
        except ValueError as error:
            raise ModelError(f"{self.role} model {self.model} cannot be loaded: {first_line(error)}") from None
        if not getattr(config, "is_encoder_decoder", False):
            raise ModelError(f"{self.role} model {self.model} is not an encoder-decoder (seq2seq) model")
        # Multilingual tokenizers (NLLB, mBART-50) hold the source language as state; one call's
        # code must not leak into another's encoding, so each sets it, under a lock, and None
        # means the tokenizer's own default again.
        self._default_source_language = getattr(tokenizer, "src_lang", None)
        self._tokenizer_lock = threading.Lock()
        self._language_ids: dict[str, int] = {}
        return tokenizer, config

    def _input_limit(self) -> int:
        limit = getattr(self._tokenizer, "model_max_length", None)
        if not limit or limit > 100_000:  # transformers' "no limit" sentinel is ~1e30
            limit = getattr(self._config, "max_position_embeddings", None) or 512
        return int(limit)

    def count_tokens(self, texts: Sequence[str], source_language: str | None = None) -> list[int]:
        """Input tokens per text as the model gets them: special and language tokens included.

        An NLLB language code is always one token, so a count without `source_language` (the
        tokenizer's default code) equals the count with any other code.
        """
        if not texts:
            return []
        encoded = self._encode(texts, source_language, add_special_tokens=True, truncation=False)
        return [len(ids) for ids in encoded["input_ids"]]

    def _encode(self, texts: Sequence[str], source_language: str | None, **options: Any):
        """The tokenizer's output for `texts`, with `source_language` (or the default) applied."""
        tokenizer = self._tokenizer
        if source_language is None and not hasattr(tokenizer, "src_lang"):
            return tokenizer(list(texts), **options)
        with self._tokenizer_lock:
            self._set_source_language(source_language)
            return tokenizer(list(texts), **options)

    def _set_source_language(self, code: str | None) -> None:
        tokenizer = self._tokenizer
        if code is None:
            code = self._default_source_language
            if code is None:
                return
        elif not hasattr(tokenizer, "src_lang"):
            raise ModelError(
                f"{self.role} model {self.model} takes no source language code, but {code!r} was given"
            )
        else:
            self.language_id(code)
        if tokenizer.src_lang != code:
            # NllbTokenizer's setter rebuilds the post-processor template ([code] ... </s>).
            tokenizer.src_lang = code

    def language_id(self, code: str) -> int:
        """The token id of a language code; a ModelError if the model does not know the code.

        The code must be one of the tokenizer's special tokens: an ordinary piece that happens
        to be spelled like a code ("en") would be accepted by the model and mean nothing.
        """
        known = self._language_ids.get(code)
        if known is not None:
            return known
        tokenizer = self._tokenizer
        token_id = tokenizer.convert_tokens_to_ids(code)
        special = code in set(getattr(tokenizer, "all_special_tokens", ()))
        if not isinstance(token_id, int) or token_id == tokenizer.unk_token_id or not special:
            example = self._default_source_language
            raise ModelError(
                f"{self.role} model {self.model} has no language code {code!r}",
                hint=f"its codes look like {example}" if example else "this model takes no language codes",
            )
        self._language_ids[code] = token_id
        return token_id

    def _score_inputs(
        self, sources: list[str], targets: list[str], params: GenerationParams | None
    ) -> tuple[list[list[int]], list[list[int]], str | None]:
        """What both engines' `score` starts from: each source's input ids (an over-long one
        refused), each target's ids as the model writes them, and the target language code."""
        if len(sources) != len(targets):
            raise ValueError(f"{len(targets)} targets for {len(sources)} sources")  # a programming error
        source_language = params.source_language if params is not None else None
        target_language = params.target_language if params is not None else None
        inputs = self._encode(sources, source_language, add_special_tokens=True, truncation=False)["input_ids"]
        self._refuse_overlong(sources, [len(ids) for ids in inputs])
        if target_language is not None:
            self.language_id(target_language)
        return inputs, self._target_ids(targets), target_language

    def _target_ids(self, targets: list[str]) -> list[list[int]]:
        """The targets' token ids as the model writes them (Marian: with its target-side
        vocabulary), without special tokens."""
        with self._tokenizer_lock:  # target mode is tokenizer state, as the source language is
            return self._tokenizer(text_target=targets, add_special_tokens=False)["input_ids"]

    @property
    def _decoder_positions(self) -> int:
        """The longest target (EOS included) the decoder has positions for: a longer one, as a
        text translated in pieces and joined can be, is not scored."""
        return getattr(self._config, "max_position_embeddings", None) or self.max_input_tokens

    def _refuse_overlong(self, texts: Sequence[str], lengths: Sequence[int]) -> None:
        for text, length in zip(texts, lengths):
            if length > self.max_input_tokens:
                # Callers split long texts first; reaching this would mean silent truncation.
                raise GenerationError(
                    f"an input of {length} tokens exceeds the {self.max_input_tokens}-token limit "
                    f"of {self.model}: {text[:60]!r}..."
                )

    def _run_batches(
        self, inputs: list[Any], lengths: Sequence[int], params: GenerationParams, progress: ProgressCallback | None
    ) -> list[Generation]:
        """Every input through `_generate_batch` in planned batches, results in input order.

        Batches come from `plan_batches` (within the token budget; caps mixed as far as
        `_cap_ratio` allows). On out-of-memory a batch is halved and retried, and the smaller
        budget kept for the rest.
        """
        caps = [params.cap_for(length) for length in lengths]
        results: list[Generation | None] = [None] * len(inputs)
        rows = self.batch_size
        if rows is None and self.max_hypotheses is not None:
            rows = max(1, self.max_hypotheses // params.num_beams)
        pending = plan_batches(
            lengths, caps, max_batch_tokens=self.max_batch_tokens,
            num_beams=params.num_beams, max_batch_size=rows, cap_ratio=self._cap_ratio(params),
            padded=self._padding(),
        )
        # Batches are submitted ahead of the one being collected, up to `_in_flight` at a time,
        # for an engine that can decode several side by side; results land by index.
        in_flight: deque[tuple[list[int], Callable[[], list[tuple[str, int, bool]]]]] = deque()
        depth = max(1, self._in_flight(params))
        while pending or in_flight:
            while pending and len(in_flight) < depth:
                batch = pending.pop(0)
                in_flight.append((batch, self._start_batch([inputs[i] for i in batch], [caps[i] for i in batch], params)))
            batch, collect = in_flight.popleft()
            try:
                outputs = collect()
            except _OutOfMemory:
                if len(batch) == 1:
                    raise GenerationError(
                        f"out of memory on {self.device} generating one text of {lengths[batch[0]]} tokens"
                    ) from None
                self.max_batch_tokens = max(1, self.max_batch_tokens // 2)
                log.warning("out of memory on %s; batch budget lowered to %d tokens", self.device, self.max_batch_tokens)
                half = len(batch) // 2
                pending[:0] = [batch[:half], batch[half:]]
                continue
            for index, (text, produced, finished) in zip(batch, outputs):
                results[index] = Generation(
                    text=text, input_tokens=lengths[index], output_tokens=produced, hit_limit=not finished,
                )
            if progress is not None:
                progress(len(batch))
        return [result for result in results if result is not None]

    def _cap_ratio(self, params: GenerationParams) -> float:
        """How far apart the caps in one batch may be (see plan_batches); 1.0: not at all."""
        return 1.0

    def _padding(self) -> Callable[[int], int] | None:
        """The padded length of an input in a batch-invariant engine (see plan_batches); None
        where batches are padded to their longest member."""
        return None

    def _in_flight(self, params: GenerationParams) -> int:
        """How many batches the engine decodes side by side (see `_submit_batch`); 1: one at a time."""
        return 1

    def _start_batch(
        self, inputs: list[Any], caps: list[int], params: GenerationParams
    ) -> Callable[[], list[tuple[str, int, bool]]]:
        """`_submit_batch`, with an out-of-memory error at the start raised when the batch is
        collected, where the batch is halved."""
        try:
            return self._submit_batch(inputs, caps, params)
        except _OutOfMemory:

            def out_of_memory() -> list[tuple[str, int, bool]]:
                raise _OutOfMemory()

            return out_of_memory

    def _submit_batch(
        self, inputs: list[Any], caps: list[int], params: GenerationParams
    ) -> Callable[[], list[tuple[str, int, bool]]]:
        """Start one batch and return what collects its outputs. An engine that decodes
        several batches at once starts it here; by default it runs when collected."""
        return lambda: self._generate_batch(inputs, caps, params)

    def _generate_batch(self, inputs: list[Any], caps: list[int], params: GenerationParams) -> list[tuple[str, int, bool]]:
        """(text, tokens produced, finished before its cap) for each input of one batch."""
        raise NotImplementedError
