"""The one seam between wirebrief and a model: `Engine.generate(texts, params)`.

Translation and summaries are both built on it. Everything model-specific lives here: loading
(lazily importing torch and transformers), device and dtype, tokenising, length-sorted batches
packed by a token budget, and giving results back in input order.
"""

from __future__ import annotations

import copy
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from wirebrief.config import ENGINES
from wirebrief.errors import GenerationError, ModelError, UsageError
from wirebrief.models import ModelRef, ensure_fetchable, fingerprint, is_present, missing_model_error

log = logging.getLogger(__name__)

#: Output lengths are rounded up to this step, so that texts of similar length share a batch
#: and a text gets the same cap, hence the same output, whatever batch it lands in.
CAP_STEP = 16
#: Default padded-token budget of one model call (inputs + outputs, times beams).
DEFAULT_BATCH_TOKENS = {"cpu": 24_576, "mps": 65_536, "cuda": 262_144}
#: On CUDA the budget follows the card: padded tokens per GiB of free memory. An opus-mt-sized
#: model in bfloat16 needs well under 256 KiB per padded token (cache and logits), so this
#: leaves room; an out-of-memory error halves it anyway.
CUDA_TOKENS_PER_GIB = 4_096


#: Batch-invariant engines pad every input to its bucket's ceiling (see `padded_length`):
#: buckets are PAD_STEP tokens wide up to 256 tokens, then an eighth of the next power of two.
#: Wider buckets pad more but batch more: 70 sentences greedy on opus-mt's size (2 cores) took
#: 1.16x the time of batches padded to their longest member with 32, 1.69x with 8.
PAD_STEP = 32


def padded_length(tokens: int, limit: int) -> int:
    """The length an input of `tokens` tokens is padded to, whatever else is in its batch.

    Under int8, CTranslate2's output for a text moves with how far its batch pads it, and,
    measured on an opus-mt-sized model, with nothing else: not with its batch-mates' contents,
    their number or their caps (32 of 47 sentences moved between batch compositions padded to
    their longest member, 0 padded to their bucket's ceiling; greedy and 4 beams, and the same
    for a flan-t5-sized model). So a batch holds one bucket and is padded to its ceiling, and a
    text gets one output alone, in a pooled window, or beside cache hits. Ceilings: 32, 64, 96,
    ..., 256, 320, 384, 448, 512, then an eighth of the next power of two apart.
    """
    step = max(PAD_STEP, 1 << max(0, (max(1, tokens) - 1).bit_length() - 3))
    return min(limit, -(-max(1, tokens) // step) * step)


def cuda_batch_tokens(free_bytes: int) -> int:
    """The default token budget for a CUDA card with `free_bytes` of free memory."""
    return max(16_384, int(free_bytes / 2**30 * CUDA_TOKENS_PER_GIB))


def default_batch_tokens(device: str) -> int:
    if device == "cuda":
        import torch

        free, _total = torch.cuda.mem_get_info()
        return cuda_batch_tokens(free)
    return DEFAULT_BATCH_TOKENS.get(device, DEFAULT_BATCH_TOKENS["cpu"])


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
    """What every backend implements. Callers never see a tokenizer or a tensor."""

    #: Where the model came from (local folder or hub id), for provenance.
    model: str
    #: The longest input, in tokens, the model takes; longer texts must be split by the caller.
    max_input_tokens: int

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def generate(
        self,
        texts: Sequence[str],
        params: GenerationParams,
        progress: ProgressCallback | None = None,
    ) -> list[Generation]: ...

    def describe(self) -> dict[str, Any]: ...


def plan_batches(
    lengths: Sequence[int],
    caps: Sequence[int],
    *,
    max_batch_tokens: int,
    num_beams: int = 1,
    max_batch_size: int | None = None,
    cap_ratio: float = 1.0,
    padded: Callable[[int], int] | None = None,
) -> list[list[int]]:
    """Group text indices into batches: larger caps first, longest first, within budget.

    A batch costs (longest input + largest cap) x size x beams padded tokens. Sorting by length
    keeps padding small; a text alone is always a batch even if it is over the budget. A text
    joins a batch only if its cap is at least `cap_ratio` times the batch's largest: 1.0 keeps
    one cap per batch; lower values are for engines that stop each row at its own cap (0.0
    for one that also drops finished rows from the batch, so mixing wastes nothing).
    With `padded` (a length's padded length, see `padded_length`), a batch holds texts of one
    padded length only, and that length is what it costs.
    """
    pad = padded or (lambda length: length)
    buckets = [pad(length) if padded else 0 for length in lengths]
    order = sorted(range(len(lengths)), key=lambda i: (-buckets[i], -caps[i], -lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for index in order:
        candidate_longest = max(longest, pad(lengths[index]))
        cap = caps[current[0]] if current else caps[index]  # the batch's largest: caps come sorted
        cost = (candidate_longest + cap) * (len(current) + 1) * num_beams
        full = (
            not current
            or buckets[index] != buckets[current[0]]
            or caps[index] < cap_ratio * caps[current[0]]
            or cost > max_batch_tokens
            or (max_batch_size is not None and len(current) >= max_batch_size)
        )
        if full and current:
            batches.append(current)
            current, candidate_longest = [], pad(lengths[index])
        current.append(index)
        longest = candidate_longest
    if current:
        batches.append(current)
    return batches


# --------------------------------------------------------------------------------------------
# Hugging Face transformers + torch


def resolve_device(requested: str) -> str:
    import torch

    if requested == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda was asked for, but torch sees no CUDA device")
    if requested == "mps" and not torch.backends.mps.is_available():
        raise UsageError("--device mps was asked for, but torch sees no Apple GPU")
    return requested


def resolve_dtype(requested: str, device: str):  # -> torch.dtype
    import torch

    if requested == "auto":
        # bf16 halves memory and doubles speed on modern GPUs; fp16 is never chosen because
        # T5 activations overflow it. On CPU and MPS float32 is the safe and fast choice.
        if device == "cuda" and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32
    try:
        return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[requested]
    except KeyError:
        raise UsageError(f"unknown dtype {requested!r}; use auto, float32, bfloat16 or float16") from None


#: Engines in a reader's words, as `describe()["engine"]` gives them.
TORCH_NAME = "transformers (torch)"
CTRANSLATE2_NAME = "CTranslate2"


def startup_seconds(engine: object) -> float:
    """Seconds any engine or wrapper says it spent making itself and loading weights (0 if it
    does not say)."""
    return float(getattr(engine, "startup_seconds", 0.0) or 0.0)


def engine_key(kind: str, precision: str, ref: ModelRef) -> str:
    """What an engine computes, for caches: engine, precision and the exact model."""
    return f"{kind}:{precision}:{fingerprint(ref)}"


class ModelFiles:
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

    @property
    def local_only(self) -> bool:
        return self.offline or self.ref.is_local

    @property
    def startup_seconds(self) -> float:
        """Seconds this engine spent loading weights so far (0 until they load)."""
        return getattr(self, "load_seconds", None) or 0.0

    def _key(self, kind: str, precision: str) -> str:
        """`engine_key`, worked out once per engine: it reads the model's files."""
        if getattr(self, "_cache_key", None) is None:
            self._cache_key = engine_key(kind, precision, self.ref)
        return self._cache_key

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
            raise ModelError(f"{self.role} model {self.model} cannot be loaded: {_first_line(error)}") from None
        except ValueError as error:
            raise ModelError(f"{self.role} model {self.model} cannot be loaded: {_first_line(error)}") from None
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
        while pending:
            batch = pending.pop(0)
            try:
                outputs = self._generate_batch([inputs[i] for i in batch], [caps[i] for i in batch], params)
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

    def _generate_batch(self, inputs: list[Any], caps: list[int], params: GenerationParams) -> list[tuple[str, int, bool]]:
        """(text, tokens produced, finished before its cap) for each input of one batch."""
        raise NotImplementedError


class _OutOfMemory(Exception):
    """Raised by an engine's batch call to have the batch halved; never leaves the engine."""


#: How far below a batch's largest cap the torch engine takes a row (see plan_batches): lower
#: gives larger batches but more steps spent on rows that already ended. On an opus-mt-sized
#: model on 2 CPU cores, 0.7 decoded the example article's sentences 1.2x as fast as one cap
#: per batch; 0.5 and 0.8 were no faster than that.
MIXED_CAP_RATIO = 0.7


class _RowCaps:
    """A logits processor that forces EOS for each row at its own step (`ends`, counted in
    generated tokens, 0 first), as Marian's forced EOS does for all rows at max_length.

    Duck-typed: generate calls it with (input_ids, scores); rows are batch x beams.
    """

    def __init__(self, ends: list[int], eos_id: int, num_beams: int) -> None:
        self._ends = ends
        self._eos = eos_id
        self._beams = num_beams
        self._rows: Any = None

    def __call__(self, input_ids, scores):
        import torch

        if self._rows is None:
            self._rows = torch.tensor(self._ends, device=scores.device).repeat_interleave(self._beams)
        step = input_ids.shape[1] - 1  # the decoder start token is not a generated token
        last = self._rows == step
        if bool(last.any()):
            scores[last] = -math.inf
            scores[last, self._eos] = 0.0
        return scores


class HuggingFaceEngine(ModelFiles):
    """A seq2seq model (Marian, T5, ...) through `AutoModelForSeq2SeqLM`."""

    def __init__(
        self,
        ref: ModelRef,
        *,
        role: str = "translation",
        device: str = "auto",
        dtype: str = "auto",
        offline: bool = False,
        max_batch_tokens: int | None = None,
        batch_size: int | None = None,
    ) -> None:
        self.ref = ref
        self.model = ref.location
        self.role = role
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype, self.device)
        self.max_batch_tokens = max_batch_tokens or default_batch_tokens(self.device)
        self.batch_size = batch_size
        self.offline = offline
        self._model = None
        self.load_seconds: float | None = None
        # Only the tokenizer and config now; the weights load on the first generate, so a run
        # whose every text is answered from the cache never loads them.
        self._tokenizer, self._config = self._load_tokenizer()
        self.max_input_tokens = self._input_limit()
        # Marian's tokenizer decodes with the source-language sentencepiece model unless told
        # otherwise (transformers 5); its output is in the target language.
        self._decode_options = {"use_source_tokenizer": False} if hasattr(self._tokenizer, "spm_target") else {}

    @property
    def loaded(self) -> bool:
        """Whether the weights are in memory (they load on the first generate)."""
        return self._model is not None

    def load(self) -> None:
        """Load the weights onto the device, if not yet done."""
        if self._model is not None:
            return
        from transformers import AutoModelForSeq2SeqLM

        started = time.perf_counter()
        options = {"local_files_only": self.local_only, "dtype": self.dtype}
        try:
            try:
                model = AutoModelForSeq2SeqLM.from_pretrained(self.ref.location, use_safetensors=True, **options)
            except OSError as error:
                if "safetensors" not in str(error):
                    raise
                # Older repositories ship only pytorch_model.bin; torch loads it weights-only.
                model = AutoModelForSeq2SeqLM.from_pretrained(self.ref.location, **options)
        except (OSError, ValueError) as error:
            raise ModelError(f"{self.role} model {self.model} cannot be loaded: {_first_line(error)}") from None
        model.to(self.device)
        model.eval()
        self._model = model
        self.load_seconds = time.perf_counter() - started

    def cache_key(self) -> str:
        """What this engine computes, for caches: engine, dtype and the exact model."""
        return self._key("transformers", str(self.dtype).removeprefix("torch."))

    def describe(self) -> dict[str, Any]:
        config = self._config
        return {
            "engine": TORCH_NAME,
            "model": self.model,
            "architecture": (config.architectures or [config.model_type])[0],
            "revision": getattr(config, "_commit_hash", None),
            "device": self.device,
            "dtype": str(self.dtype).removeprefix("torch."),
            "load_seconds": None if self.load_seconds is None else round(self.load_seconds, 3),
        }

    def generate(
        self,
        texts: Sequence[str],
        params: GenerationParams,
        progress: ProgressCallback | None = None,
    ) -> list[Generation]:
        lengths = self.count_tokens(texts, params.source_language)
        if params.target_language is not None:
            self.language_id(params.target_language)
        self._refuse_overlong(texts, lengths)
        if texts:
            self.load()
        return self._run_batches(list(texts), lengths, params, progress)

    def _cap_ratio(self, params: GenerationParams) -> float:
        """Rows of one batch may have caps down to MIXED_CAP_RATIO of the largest: each row gets
        its EOS forced at its own cap (`_RowCaps`). That is exact for greedy decoding, and for
        beam search on models whose own config forces an EOS at the cap (Marian), since it is
        the same rule. generate keeps computing rows that ended, hence a ratio, not all caps."""
        forced = self._forced_eos_ids()
        if len(forced) > 1:
            return 1.0  # the model's own forced EOS may be any of several ids: not copied per row
        if params.num_beams == 1 or forced:
            return MIXED_CAP_RATIO
        return 1.0

    def _forced_eos_ids(self) -> list[int]:
        """The EOS ids the model's generation config forces at the last slot (Marian), if any."""
        forced = getattr(getattr(self._model, "generation_config", None), "forced_eos_token_id", None)
        if forced is None:
            return []
        return list(forced) if isinstance(forced, list) else [forced]

    def _generate_batch(self, texts: list[str], caps: list[int], params: GenerationParams) -> list[tuple[str, int, bool]]:
        # A minimum length counts up to a row's own cap: rows whose minimums differ (caps below
        # min_new_tokens) go in separate calls, which is rare.
        minimums = [min(params.min_new_tokens, cap) for cap in caps]
        if len(set(minimums)) > 1:
            outputs: list[tuple[str, int, bool] | None] = [None] * len(texts)
            for minimum in sorted(set(minimums)):
                rows = [row for row, value in enumerate(minimums) if value == minimum]
                results = self._generate_batch([texts[row] for row in rows], [caps[row] for row in rows], params)
                for row, result in zip(rows, results):
                    outputs[row] = result
            return [output for output in outputs if output is not None]
        return self._generate_rows(texts, caps, params)

    def _generate_rows(self, texts: list[str], caps: list[int], params: GenerationParams) -> list[tuple[str, int, bool]]:
        import torch
        from transformers import LogitsProcessorList

        cap = max(caps)
        encoded = self._encode(
            texts, params.source_language, return_tensors="pt", padding=True, truncation=False
        ).to(self.device)
        config = copy.deepcopy(self._model.generation_config)
        # A forced target-language token takes one generated slot; the cap counts text tokens,
        # so the model gets one more, and the token is dropped from the output below.
        forced = 0
        if params.target_language is not None:
            config.forced_bos_token_id = self.language_id(params.target_language)
            forced = 1
        processors = LogitsProcessorList()
        extra = 0
        if len(set(caps)) > 1:
            # Each row ends at its own cap: its EOS is forced where Marian's own forced EOS
            # would put it at that cap, or, for models without one (T5, NLLB), one slot after
            # the cap's last token; that EOS is not counted (below) and the text is the same.
            forced_eos = self._forced_eos_ids()  # one id at most: see _cap_ratio
            if forced_eos:
                eos_id = forced_eos[0]
            else:
                eos = self._model.generation_config.eos_token_id
                eos_id = eos[0] if isinstance(eos, list) else eos
                extra = 1
            ends = [cap_ - 1 + extra + forced for cap_ in caps]
            processors.append(_RowCaps(ends, eos_id, params.num_beams))
        config.update(
            max_new_tokens=cap + forced + extra,
            max_length=None,
            min_new_tokens=min(params.min_new_tokens, cap) + forced,
            num_beams=params.num_beams,
            no_repeat_ngram_size=params.no_repeat_ngram_size,
            repetition_penalty=params.repetition_penalty,
            length_penalty=params.length_penalty,
            early_stopping=params.num_beams > 1,
            do_sample=False,
        )
        try:
            with torch.inference_mode():
                sequences = self._model.generate(**encoded, generation_config=config, logits_processor=processors)
        except torch.OutOfMemoryError:
            raise _OutOfMemory() from None
        except RuntimeError as error:
            if "out of memory" in str(error).lower():
                raise _OutOfMemory() from None
            raise GenerationError(f"generation failed on {self.device}: {_first_line(error)}") from None
        eos = config.eos_token_id if config.eos_token_id is not None else self._model.config.eos_token_id
        eos_ids = set(eos) if isinstance(eos, list) else {eos}
        pad = config.pad_token_id if config.pad_token_id is not None else self._model.config.pad_token_id
        outputs = []
        # Generated rows start with the decoder start token (and the forced language token, if
        # any); after EOS they are padded. Models with a forced EOS (Marian) put one in the last
        # slot when they run out of room, so an EOS there does not count as finishing.
        for row, row_cap in zip(sequences[:, 1 + forced :].tolist(), caps):
            produced, finished = len(row), False
            for position, token in enumerate(row):
                if token in eos_ids:
                    produced, finished = position, position < row_cap - 1
                    break
            if produced == len(row):
                while produced and row[produced - 1] == pad:
                    produced -= 1
            text = self._tokenizer.decode(row[:produced], skip_special_tokens=True, **self._decode_options)
            outputs.append((text.strip(), produced, finished))
        return outputs


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def ctranslate2_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("ctranslate2") is not None


def choose_engine(engine: str, device: str) -> str:
    """The engine `auto` stands for: CTranslate2 int8 on a CPU when it is installed, else torch.

    On a GPU torch (bfloat16) is chosen: it is the path measured on CUDA so far; CTranslate2
    float16 is there with ``--engine ctranslate2``.
    """
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}", hint=f"use one of {', '.join(ENGINES)}")
    if engine != "auto":
        return engine
    if not ctranslate2_installed():
        return "torch"
    if device == "cpu":
        return "ctranslate2"
    if device == "auto":
        # Asked of CTranslate2, not torch: importing torch alone takes seconds, and a run
        # answered from the cache need never import it.
        import platform

        import ctranslate2

        if ctranslate2.get_cuda_device_count() > 0:
            return "torch"
        if platform.system() == "Darwin" and platform.machine() == "arm64":
            import torch

            return "torch" if torch.backends.mps.is_available() else "ctranslate2"
        return "ctranslate2"
    return "torch"


def known_cache_key(ref: ModelRef, engine: str, device: str) -> str | None:
    """The `cache_key()` the engine `load_engine` would make will have, where that is certain
    without making it (on a CPU); None otherwise. Lets a cache answer before any engine exists.
    """
    kind = choose_engine(engine, device)
    if kind == "ctranslate2":
        from wirebrief.engines.ct2 import resolve_device as ct2_device

        if ct2_device(device) == "cpu":
            return engine_key("ctranslate2", "int8", ref)  # what compute type "auto" is on a CPU
        return None
    if device == "cpu":
        return engine_key("transformers", "float32", ref)
    return None


_LOADED: dict[tuple[Any, ...], Engine] = {}


def load_engine(
    ref: ModelRef,
    *,
    role: str,
    engine: str = "torch",
    device: str = "auto",
    dtype: str = "auto",
    offline: bool = False,
    max_batch_tokens: int | None = None,
    batch_size: int | None = None,
) -> Engine:
    """Make an engine once per process; later calls with the same settings reuse it.

    Engines load their weights on the first generate, so this is cheap until then.
    """
    kind = choose_engine(engine, device)
    key = (kind, ref.location, device, dtype)
    loaded = _LOADED.get(key)
    if loaded is None:
        if kind == "ctranslate2":
            if device == "mps":
                raise UsageError("CTranslate2 does not run on Apple GPUs", hint="use --engine torch or --device cpu")
            from wirebrief.engines.ct2 import CTranslate2Engine

            loaded = CTranslate2Engine(ref, role=role, device=device, compute_type=dtype, offline=offline)
        else:
            loaded = HuggingFaceEngine(ref, role=role, device=device, dtype=dtype, offline=offline)
        _LOADED[key] = loaded
    loaded.role = role  # type: ignore[attr-defined]
    loaded.batch_size = batch_size  # type: ignore[attr-defined]
    if max_batch_tokens:
        loaded.max_batch_tokens = max_batch_tokens  # type: ignore[attr-defined]
    return loaded
