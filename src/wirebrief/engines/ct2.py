"""A second engine on CTranslate2: the same `Engine.generate` contract, several times faster on a CPU.

CTranslate2 runs a converted copy of the Hugging Face model. The copy is made once per model
and storage type, kept under the user cache folder, and reused by every later run. The Hugging
Face tokenizer stays the source of truth for tokens in and text out, so both engines see the
same input tokens and decode the same way; only the network runs elsewhere.

Outputs are meant to be interchangeable: in float32 greedy decoding this engine gives the same
text, token counts and `hit_limit` as `HuggingFaceEngine`, which the tests check sentence by
sentence. Lengths are mapped with care for that (see `CTranslate2Engine._decoding_length`).

Nothing heavy is imported at module level: ctranslate2, torch and transformers load inside
functions, so `wirebrief --help` stays instant and a missing ctranslate2 only matters to runs
that ask for this engine.
"""

from __future__ import annotations

import atexit
import logging
import time
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from wirebrief.config import user_cache_dir
from wirebrief.engines.base import (
    CTRANSLATE2_NAME,
    Generation,
    GenerationParams,
    ProgressCallback,
    first_line,
)
from wirebrief.engines.batching import DEFAULT_BATCH_TOKENS, padded_length
from wirebrief.engines.ct2_convert import (
    INSTALL_HINT,
    Converting,
    _read_vocabulary,
    import_ctranslate2,
    safe_name,
    storage_quantization,
)
from wirebrief.engines.ct2_device import (
    COMPUTE_TYPES,
    precision_name,
    resolve_compute_type,
    resolve_device,
)
from wirebrief.engines.ct2_scoring import Scoring
from wirebrief.engines.ct2_shortlist import has_target_vocabulary, keyed_precision, target_shortlist
from wirebrief.engines.files import ModelFiles, _OutOfMemory
from wirebrief.errors import GenerationError, ModelError, UsageError
from wirebrief.models import ModelRef

log = logging.getLogger(__name__)

__all__ = [
    "COMPUTE_TYPES", "INSTALL_HINT", "CTranslate2Engine", "import_ctranslate2", "precision_name", "resolve_compute_type",
    "resolve_device", "safe_name", "storage_quantization",
]

#: On a CPU, batches of at most this many hypotheses (texts x beams) unless --batch-size says
#: otherwise. Each decoding step scores the whole vocabulary for every hypothesis (67,028
#: logits for opus-mt); a batch of 140 texts x 4 beams, which the token budget allows for short
#: texts, spills those out of the cache. Measured on 2 cores (AMD EPYC, 280 sentences,
#: scripts/bench.py's model): 4 beams 364 tok/s with the budget alone, 450 with 32 texts (128
#: hypotheses), 426 with 16; greedy 1,834, 1,743 and 1,783 tok/s with none, 128 and 64 rows.
CPU_MAX_HYPOTHESES = 128

#: On a CPU, beam-search batches are decoded this many at a time, each on its share of the
#: threads (CTranslate2's inter_threads), while a greedy call keeps every thread. Beam batches
#: keep one length cap each (see `CTranslate2Engine._cap_ratio`), so an article gives several
#: small calls that leave cores idle between their steps. Measured on 2 cores (AMD EPYC,
#: scripts/bench.py's opus-mt-sized model, 4 beams): 1.18x on one article's calls of one cap
#: each, 1.28x on 140 sentences, identical outputs. Greedy: two half batches side by side, one
#: thread each, ran 0.75–0.91x one call on both threads, so greedy stays one call.
CPU_BEAM_WORKERS = 2

#: Engines holding a loaded CTranslate2 model, released at exit (see `_release_models`).
_LOADED_ENGINES: weakref.WeakSet[CTranslate2Engine] = weakref.WeakSet()


@atexit.register
def _release_models() -> None:
    """Free every loaded CTranslate2 model while the interpreter is still whole.

    A Translator that has run a greedy call with a step callback, and is left for Python's
    final teardown, now and then aborts the process there ("terminate called without an
    active exception", exit status 134) after all its output is written: with CTranslate2
    4.8.5, 10 of 40 runs of a script that keeps its Translator in a global; 0 of 40 with the
    Translator freed by an atexit hook like this one. A pipeline must see wirebrief's own exit
    code, never that abort.
    """
    for engine in list(_LOADED_ENGINES):
        engine.close()


class CTranslate2Engine(Converting, Scoring, ModelFiles):
    """A seq2seq model (Marian, T5, ...) converted to and run by CTranslate2."""

    engine_name = CTRANSLATE2_NAME

    def __init__(
        self,
        ref: ModelRef,
        *,
        role: str = "translation",
        device: str = "cpu",
        compute_type: str = "auto",
        offline: bool = False,
        max_batch_tokens: int | None = None,
        batch_size: int | None = None,
        threads: int | None = None,
        convert_root: Path | None = None,
        shortlist: bool = False,
    ) -> None:
        if compute_type != "auto" and compute_type not in COMPUTE_TYPES:
            # Checked first, so a typo is reported as such even where ctranslate2 is missing.
            raise UsageError(
                f"unknown compute type {compute_type!r}",
                hint=f"use auto or one of {', '.join(COMPUTE_TYPES)}",
            )
        self._set_up(
            ref, role=role, offline=offline, device=resolve_device(device), batch_size=batch_size, threads=threads
        )
        # Only the tokenizer and configs now; conversion and weights wait for the first generate,
        # so a run whose every text is answered from the cache never pays for them.
        self._read_files()
        self._generation_config = self._load_generation_config()
        # Decided from the model's files, so the cache key is known before any conversion.
        self.shortlist = target_shortlist(self._tokenizer) if shortlist and has_target_vocabulary(ref) else None
        self.compute_type = resolve_compute_type(
            compute_type, self.device, getattr(self._config, "model_type", None)
        )
        self.max_batch_tokens = max_batch_tokens or DEFAULT_BATCH_TOKENS.get(self.device, 24_576)
        if self.device == "cpu":
            self.max_hypotheses = CPU_MAX_HYPOTHESES
        self.convert_root = (
            Path(convert_root) if convert_root is not None else user_cache_dir() / "ctranslate2"
        )
        self.converted_path: Path | None = None
        # Two Translators of one model, each loaded when first needed (see `_workers`): one
        # call at a time on every thread, and CPU_BEAM_WORKERS calls side by side.
        self._translator: Any = None
        self._parallel: Any = None
        # Set by load() from the converted vocabulary: what ends a text and what is never generated.
        self._end_tokens: list[str] = []
        self._suppress: list[list[str]] = []
        self._vocabulary: set[str] = set()
        # Marian forces EOS into the last slot; see _decoding_length.
        self._forced_eos = getattr(self._generation_config, "forced_eos_token_id", None) is not None
        if getattr(self._generation_config, "forced_bos_token_id", None) is not None:
            # A model whose own config forces a first token (a one-direction mBART) would need
            # that token as a target prefix on every call; only a target_language passes one.
            # NLLB forces nothing by itself: its target code comes with each call's params.
            raise ModelError(
                f"{role} model {self.model} forces a first output token, which the ctranslate2 "
                "engine does not support yet",
                hint="use --engine torch for this model",
            )

    # ----------------------------------------------------------------------------------------
    # Tokenizer and configuration (no weights)

    def _load_generation_config(self):  # -> transformers.GenerationConfig
        """The decoding rules transformers would apply (forced EOS, banned tokens): from
        generation_config.json where the model has one, else derived from config.json."""
        from transformers import GenerationConfig

        try:
            return GenerationConfig.from_pretrained(self.ref.location, local_files_only=self.local_only)
        except (OSError, ValueError):
            return GenerationConfig.from_model_config(self._config)

    def cache_key(self) -> str:
        """What this engine computes, for caches: engine, compute type (and shortlist, which
        changes outputs) and the exact model."""
        return self._key("ctranslate2", keyed_precision(self.compute_type, self.shortlist is not None))

    def _description(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "dtype": precision_name(self.compute_type),
            "compute_type": self.compute_type,
            "converted_path": None if self.converted_path is None else str(self.converted_path),
            # Tokens the output is restricted to (see ct2_shortlist); None: the whole vocabulary.
            "shortlist": None if self.shortlist is None else len(self.shortlist),
        }

    # ----------------------------------------------------------------------------------------
    # Conversion and loading

    @property
    def loaded(self) -> bool:
        """Whether the converted weights are in memory (they load on the first generate)."""
        return self._translator is not None or self._parallel is not None

    def close(self) -> None:
        self._translator = self._parallel = None

    def _scorer(self) -> Any:
        """The Translator forced decoding runs on: whichever is loaded, one call at a time first."""
        return self._translator if self._translator is not None else self._parallel

    def _workers(self, params: GenerationParams) -> int:
        """Batches decoded side by side for these params: CPU_BEAM_WORKERS for beam search on a
        CPU with threads for each, else 1 (greedy calls, GPUs)."""
        if self.device == "cpu" and params.num_beams > 1 and self.threads >= CPU_BEAM_WORKERS:
            return CPU_BEAM_WORKERS
        return 1

    def load(self, workers: int | None = None) -> None:
        """Convert the model if no earlier run did, and load it onto the device: for `workers`
        batches side by side, each on its share of the threads (None: any layout loaded, else 1)."""
        if workers is None:
            if self.loaded:
                return
            workers = 1
        if (self._translator if workers == 1 else self._parallel) is not None:
            return
        ctranslate2 = import_ctranslate2()
        started = time.perf_counter()
        path = self.convert()
        try:
            translator = ctranslate2.Translator(
                str(path),
                device=self.device,
                compute_type=self.compute_type,
                inter_threads=workers,
                # CTranslate2 sizes itself from every core of the machine (or 4): the setting
                # says how many this process should use, shared among the workers.
                intra_threads=max(1, self.threads // workers),
            )
        except (RuntimeError, ValueError) as error:
            raise ModelError(
                f"{self.role} model {self.model} cannot be loaded by CTranslate2 from {path}: "
                f"{first_line(error)}"
            ) from None
        if not self.loaded:
            vocabulary = _read_vocabulary(path)
            self._set_decoding_rules(vocabulary)
            self._vocabulary = vocabulary
        if workers == 1:
            self._translator = translator
        else:
            self._parallel = translator
        _LOADED_ENGINES.add(self)
        self.converted_path = path
        self.load_seconds = (self.load_seconds or 0.0) + time.perf_counter() - started

    def _set_decoding_rules(self, vocabulary: set[str]) -> None:
        """End tokens and banned tokens as transformers' generation config has them.

        Token ids are turned into the converted vocabulary's token strings. Tokens the
        conversion dropped are left out: Marian's <pad> is removed from the vocabulary (it
        only starts the decoder), so it cannot be generated and needs no ban; passing it
        anyway would ban <unk>, the token CTranslate2 maps unknown strings to.
        """
        config = self._generation_config
        eos = config.eos_token_id if config.eos_token_id is not None else self._config.eos_token_id
        eos_ids = eos if isinstance(eos, list) else [eos] if eos is not None else []
        self._end_tokens = [token for token in self._tokens(eos_ids) if token in vocabulary]
        banned = [list(sequence) for sequence in (config.bad_words_ids or [])]
        banned += [[token_id] for token_id in (getattr(config, "suppress_tokens", None) or [])]
        self._suppress = [
            tokens
            for tokens in (self._tokens(sequence) for sequence in banned)
            if tokens and all(token in vocabulary for token in tokens)
        ]

    def _tokens(self, ids: Sequence[int]) -> list[str]:
        return [str(token) for token in self._tokenizer.convert_ids_to_tokens(list(ids))]

    # ----------------------------------------------------------------------------------------
    # Generation

    def generate(
        self,
        texts: Sequence[str],
        params: GenerationParams,
        progress: ProgressCallback | None = None,
    ) -> list[Generation]:
        if not texts:
            return []
        encoded = self._encode(texts, params.source_language, add_special_tokens=True, truncation=False)
        encoded = encoded["input_ids"]
        lengths = [len(ids) for ids in encoded]
        if params.target_language is not None:
            self.language_id(params.target_language)
        self._refuse_overlong(texts, lengths)
        # The model takes token strings; they include the EOS (and the source language code)
        # the tokenizer adds, which the converted models expect (their configs say not to add
        # one themselves).
        sources = [self._tokens(ids) for ids in encoded]
        self.load(self._workers(params))
        for code in (params.source_language, params.target_language):
            if code is not None and code not in self._vocabulary:
                # CTranslate2 would read it as <unk> and translate into no language at all.
                raise ModelError(
                    f"{self.role} model {self.model} lost language code {code!r} in its CTranslate2 "
                    f"conversion at {self.converted_path}",
                    hint=f"delete {self.converted_path} to convert again",
                )
        return self._run_batches(sources, lengths, params, progress)

    def _decoding_length(self, cap: int) -> int:
        """CTranslate2's max_decoding_length for a cap, so lengths mean what they mean in torch.

        In transformers a cap of N new tokens with Marian's forced EOS yields at most N-1
        text tokens, then the forced EOS in slot N-1. CTranslate2 has no forced EOS; it
        simply stops after max_decoding_length tokens. So Marian-like models decode at most
        N-1 tokens and models without a forced EOS (T5) N, and an EOS counts as finishing
        only before slot N-1, exactly as HuggingFaceEngine counts it.
        """
        return cap - 1 if self._forced_eos else cap

    def _cap_ratio(self, params: GenerationParams) -> float:
        """Greedy decoding stops each row at its own cap (a step callback), so one batch may mix
        any caps: batches grow and CTranslate2 drops rows from the batch as they end. Beam
        search has no such callback; its batches keep one cap each.

        A shared cap does not give the same beams even for rows that end well before their own
        limit: a row stops when its top beam ends, which may be a step after its limit while
        the hypothesis it returns ended earlier, and at its limit the capped call would have
        ranked the unfinished beams too. Measured on the tiny Marian model with an EOS bias
        (2 beams, the example's 35 sentences, one call at the largest cap): 8 rows ended
        before their own limit, 3 of them differently from one call per cap. The result does
        not tell where a row stopped, so such rows cannot be picked out and kept."""
        return 0.0 if params.num_beams == 1 else 1.0

    def _padding(self) -> Callable[[int], int]:
        """Every input is padded to its bucket's ceiling, so its output never depends on what
        else is in its batch (see `padded_length`)."""
        return lambda length: padded_length(length, self.max_input_tokens)

    def _filler(self, sources: list[list[str]]) -> list[str] | None:
        """A row of the batch's padded length where no input has it, else None: CTranslate2
        pads a batch to its longest row. Its content only affects its own, discarded, output."""
        ceiling = padded_length(max(len(source) for source in sources), self.max_input_tokens)
        if any(len(source) >= ceiling for source in sources):
            return None
        return [str(self._tokenizer.eos_token)] * ceiling

    def _in_flight(self, params: GenerationParams) -> int:
        return self._workers(params)

    def _generate_batch(
        self, sources: list[list[str]], caps: list[int], params: GenerationParams
    ) -> list[tuple[str, int, bool]]:
        return self._submit_batch(sources, caps, params)()

    def _submit_batch(
        self, sources: list[list[str]], caps: list[int], params: GenerationParams
    ) -> Callable[[], list[tuple[str, int, bool]]]:
        limits = [self._decoding_length(cap) for cap in caps]
        outputs: list[tuple[str, int, bool] | None] = [None] * len(sources)
        # Rows decode in one call per minimum length (almost always a single call); a cap of 1
        # with a forced EOS leaves nothing to decode: transformers emits only that EOS.
        calls: dict[int, list[int]] = {}
        for row, limit in enumerate(limits):
            if limit < 1:
                outputs[row] = ("", 0, False)
            else:
                calls.setdefault(min(params.min_new_tokens, limit), []).append(row)
        started = [
            (rows, self._translate([sources[row] for row in rows], [caps[row] for row in rows], minimum, params))
            for minimum, rows in calls.items()
        ]

        def collect() -> list[tuple[str, int, bool]]:
            for rows, results in started:
                for row, output in zip(rows, results()):
                    outputs[row] = output
            return [output for output in outputs if output is not None]

        return collect

    def _translate(
        self, sources: list[list[str]], caps: list[int], minimum: int, params: GenerationParams
    ) -> Callable[[], list[tuple[str, int, bool]]]:
        """Start one translate_batch call (row i stops at its cap, and decodes at least `minimum`
        tokens) on the translator for these params; what it returns collects the outputs."""
        limits = [self._decoding_length(cap) for cap in caps]
        # The target language code goes first, as transformers' forced_bos_token_id puts it.
        # CTranslate2 counts a prefix in both length limits and returns it in the hypothesis,
        # so the limits grow by its length and it is cut off before counting and decoding.
        prefix = [] if params.target_language is None else [params.target_language]
        ends = [limit + len(prefix) for limit in limits]
        filler = self._filler(sources)
        if filler is not None:
            # Greedy rows stop at their own ends, so the filler costs one step; a beam batch
            # keeps one length for all, the filler's included.
            sources = [*sources, filler]
            ends.append(1 + len(prefix) if params.num_beams == 1 else max(ends))
        callback = None
        if len(set(ends)) > 1:
            # max_decoding_length holds for the whole call; the callback ends each row at its
            # own limit instead. It sees every decoded token (prefix included), step 0 first,
            # and a row it stops keeps the token of that step: exactly max_decoding_length's cut.
            def callback(step) -> bool:
                return step.step + 1 >= ends[step.batch_id]

        asynchronous = self._workers(params) > 1
        translator = self._parallel if asynchronous else self._translator
        try:
            results = translator.translate_batch(
                sources,
                target_prefix=[prefix for _ in sources] if prefix else None,
                beam_size=params.num_beams,
                patience=1,
                length_penalty=params.length_penalty,
                repetition_penalty=params.repetition_penalty,
                no_repeat_ngram_size=params.no_repeat_ngram_size,
                # CTranslate2's default of 1 would forbid an immediate EOS that torch allows.
                min_decoding_length=minimum + len(prefix),
                max_decoding_length=max(ends),
                # 0: never truncate; over-long inputs were refused above.
                max_input_length=0,
                # One call is one planned batch; CTranslate2 must not re-split or re-sort it.
                max_batch_size=0,
                end_token=self._end_tokens or None,
                suppress_sequences=self._suppress or None,
                # With the EOS kept, a finished text is told from one cut at the cap, and beam
                # scores are normalised by a length that counts the EOS, as in transformers.
                return_end_token=True,
                sampling_topk=1,
                use_vmap=self.shortlist is not None,
                callback=callback,
                # Several workers: the call is queued for the next free one and returns at once.
                asynchronous=asynchronous,
            )
        except (MemoryError, RuntimeError) as error:
            raise self._failure(error) from None

        def collect() -> list[tuple[str, int, bool]]:
            try:
                done = [result.result() for result in results] if asynchronous else results
            except (MemoryError, RuntimeError) as error:
                raise self._failure(error) from None
            return self._outputs(done[: len(caps)], caps, limits, prefix)

        return collect

    def _failure(self, error: Exception) -> Exception:
        """What a failed translate_batch call raises: out of memory halves the batch."""
        if isinstance(error, MemoryError) or "out of memory" in str(error).lower():
            return _OutOfMemory()
        return GenerationError(f"generation failed on {self.device}: {first_line(error)}")

    def _outputs(
        self, results: list[Any], caps: list[int], limits: list[int], prefix: list[str]
    ) -> list[tuple[str, int, bool]]:
        """(text, tokens produced, finished before its cap) from each row's best hypothesis."""
        end_tokens = set(self._end_tokens)
        outputs = []
        # strict: the caller has cut off the filler's result, if any.
        for result, cap, limit in zip(results, caps, limits, strict=True):
            tokens = result.hypotheses[0]
            if prefix:
                if tokens[: len(prefix)] != prefix:
                    raise GenerationError(
                        f"CTranslate2 did not start the output with {prefix[0]}: {tokens[:2]}"
                    )
                tokens = tokens[len(prefix) :]
            if len(tokens) > limit:
                # A row that ran past its limit would be a longer text than its cap allows.
                raise GenerationError(f"CTranslate2 decoded {len(tokens)} tokens where {limit} were allowed")
            produced, finished = len(tokens), False
            if tokens and tokens[-1] in end_tokens:
                produced = len(tokens) - 1
                finished = produced < cap - 1
            ids = self._tokenizer.convert_tokens_to_ids(tokens[:produced])
            text = self._tokenizer.decode(ids, skip_special_tokens=True, **self._decode_options)
            outputs.append((text.strip(), produced, finished))
        return outputs
