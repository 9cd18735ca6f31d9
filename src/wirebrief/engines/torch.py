"""The engine on Hugging Face transformers and torch: `HuggingFaceEngine`.

torch and transformers are imported inside functions only, so `wirebrief --help` and a run
answered from the cache never import them.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Sequence
from typing import Any

from wirebrief.engines.base import TORCH_NAME, Generation, GenerationParams, ProgressCallback, first_line
from wirebrief.engines.batching import default_batch_tokens, plan_batches, score_budget
from wirebrief.engines.files import ModelFiles, _OutOfMemory
from wirebrief.errors import GenerationError, ModelError, UsageError
from wirebrief.models import ModelRef


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

    engine_name = TORCH_NAME

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
        threads: int | None = None,
    ) -> None:
        self._set_up(
            ref, role=role, offline=offline, device=resolve_device(device), batch_size=batch_size, threads=threads
        )
        self.dtype = resolve_dtype(dtype, self.device)
        self.max_batch_tokens = max_batch_tokens or default_batch_tokens(self.device)
        self._model = None
        # Only the tokenizer and config now; the weights load on the first generate, so a run
        # whose every text is answered from the cache never loads them.
        self._read_files()

    @property
    def loaded(self) -> bool:
        """Whether the weights are in memory (they load on the first generate)."""
        return self._model is not None

    def load(self) -> None:
        """Load the weights onto the device, if not yet done."""
        if self._model is not None:
            return
        import torch
        from transformers import AutoModelForSeq2SeqLM

        started = time.perf_counter()
        # torch sizes its pool from every core of the machine, which oversubscribes a shared or
        # pinned one; the setting says how many this process should use. It holds process-wide.
        if torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)
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
            raise ModelError(f"{self.role} model {self.model} cannot be loaded: {first_line(error)}") from None
        model.to(self.device)
        model.eval()
        self._model = model
        self.load_seconds = time.perf_counter() - started

    def cache_key(self) -> str:
        """What this engine computes, for caches: engine, dtype and the exact model."""
        return self._key("transformers", str(self.dtype).removeprefix("torch."))

    def close(self) -> None:
        self._model = None

    def _description(self) -> dict[str, Any]:
        return {
            "revision": getattr(self._config, "_commit_hash", None),
            "device": self.device,
            "dtype": str(self.dtype).removeprefix("torch."),
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
            raise GenerationError(f"generation failed on {self.device}: {first_line(error)}") from None
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

    # -- scoring --------------------------------------------------------------------------------

    def score(
        self, sources: Sequence[str], targets: Sequence[str], params: GenerationParams | None = None
    ) -> list[float | None]:
        """Each target's mean log-probability per token given its source: one forward pass per
        batch with the target as the decoder's input (teacher forcing), padding masked."""
        sources, targets = list(sources), list(targets)
        if not sources and not targets:
            return []
        inputs, target_ids, target_language = self._score_inputs(sources, targets, params)
        prefix = [self.language_id(target_language)] if target_language is not None else []
        labels = [prefix + ids + [self._tokenizer.eos_token_id] for ids in target_ids]
        fits = [i for i, ids in enumerate(labels) if len(ids) <= self._decoder_positions]
        scores: list[float | None] = [None] * len(sources)
        if not fits:
            return scores
        self.load()
        budget = score_budget(self.max_batch_tokens, self._model.config.vocab_size)
        pending = [
            [fits[i] for i in batch]
            for batch in plan_batches(
                [len(inputs[i]) for i in fits], [len(labels[i]) for i in fits],
                max_batch_tokens=budget, max_batch_size=self.batch_size, cap_ratio=0.0,
            )
        ]
        while pending:
            batch = pending.pop(0)
            try:
                found = self._score_batch([inputs[i] for i in batch], [labels[i] for i in batch], len(prefix))
            except _OutOfMemory:
                if len(batch) == 1:
                    raise GenerationError(f"out of memory on {self.device} scoring one translation") from None
                half = len(batch) // 2
                pending[:0] = [batch[:half], batch[half:]]
                continue
            for index, value in zip(batch, found):
                scores[index] = value
        return scores

    def _score_batch(self, inputs: list[list[int]], labels: list[list[int]], skip: int) -> list[float]:
        """Mean log-probability of each row's labels, the first `skip` (a forced language code)
        not counted. Rows are padded on the right: a causal decoder's earlier positions never
        see the padding after them."""
        import torch

        model = self._model
        pad = model.config.pad_token_id if model.config.pad_token_id is not None else 0
        start = model.generation_config.decoder_start_token_id
        if start is None:
            start = model.config.decoder_start_token_id
        width_in, width_out = max(map(len, inputs)), max(map(len, labels))
        input_ids = torch.tensor([ids + [pad] * (width_in - len(ids)) for ids in inputs], device=self.device)
        attention = torch.tensor([[1] * len(ids) + [0] * (width_in - len(ids)) for ids in inputs], device=self.device)
        decoder = torch.tensor([[start, *ids[:-1]] + [pad] * (width_out - len(ids)) for ids in labels], device=self.device)
        target = torch.tensor([ids + [pad] * (width_out - len(ids)) for ids in labels], device=self.device)
        counted = torch.tensor(
            [[skip <= position < len(ids) for position in range(width_out)] for ids in labels], device=self.device
        )
        try:
            with torch.inference_mode():
                logits = model(input_ids=input_ids, attention_mask=attention, decoder_input_ids=decoder).logits.float()
                # log_softmax at the label only: the label's logit less the log of the row's sum.
                chosen = logits.gather(-1, target.unsqueeze(-1)).squeeze(-1) - logits.logsumexp(-1)
                totals = (chosen * counted).sum(-1) / counted.sum(-1).clamp(min=1)
        except torch.OutOfMemoryError:
            raise _OutOfMemory() from None
        except RuntimeError as error:
            if "out of memory" in str(error).lower():
                raise _OutOfMemory() from None
            raise GenerationError(f"scoring failed on {self.device}: {first_line(error)}") from None
        return [float(value) for value in totals.tolist()]
