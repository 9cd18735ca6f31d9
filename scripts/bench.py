#!/usr/bin/env python
"""Translation throughput: wirebrief beside the usual ways of running opus-mt-nl-en.

One run puts every line on the same work and prints the figures side by side::

    python scripts/bench.py                     # CPU: 1 article, greedy and 4 beams, ~16 min on 2 cores
    python scripts/bench.py --articles 8 --json bench.json          # 280 sentences: ~1.5 h on 2 cores
    python scripts/bench.py --lines ct2,wirebrief-auto --beams 4    # a quick comparison
    python scripts/bench.py --device cuda --articles 64 --skip-loop # a large batch on a GPU

The model
    Helsinki-NLP/opus-mt-nl-en cannot be downloaded here, so the benchmark builds a stand-in
    with exactly its architecture and size (MarianMT: d_model 512, 6+6 layers, 8 heads, FFN
    2048, 67,028 shared and tied embeddings, static sinusoidal positions, swish,
    scale_embedding, <pad> = decoder start and last id, forced EOS, <pad> banned) and seeded
    random weights. The sentencepiece models come from scripts/make_tiny_models.py (trained on
    local text); the joint vocabulary is padded with filler pieces to 67,028 ids so that every
    id the model can emit decodes. Per token it costs what the real model costs; what it
    cannot do is decide to stop, which is why the lengths are fixed (below). Everything is
    built once into --work-dir (default .bench/) and reused while its build stamp matches.

The work
    --articles copies (default 1 on CPU, where the per-sentence loop at 4 beams alone runs
    about 16 target tokens/s on 2 cores; 8 on CUDA) of examples/article-nl-2025-02.txt (35
    sentences), each with its paragraphs in a seeded
    order; in copy k > 0 every sentence carries " (k)" before its closing punctuation, so no
    sentence repeats and no engine can win by de-duplicating. The copies are written as files
    and segmented with wirebrief.inputs.document, so every line translates exactly the sentences
    `wirebrief batch` reads from the same folder. The sentencepiece vocabulary trained on a
    few hundred sentences splits Dutch finer than the real one (about 2.1 pieces a word
    against roughly 1.3-1.5), so a sentence's token counts run higher than with opus-mt, for
    every line alike.

Identical work
    Each sentence of n source tokens (EOS included) decodes f(n) target tokens, where f is
    wirebrief's own cap: translation_params().cap_for(n) (2n + 16 rounded up to 16, at most
    512). A random model practically never emits EOS, so a real engine runs every row to that
    cap; the benchmark makes it exact:

    * transformers lines use ExactLengths, a logits processor that bans EOS before step f(n)
      and forces it at step f(n): f(n) decoder steps, the last one EOS, exactly what Marian's
      forced EOS does at a cap. Rows of a batch that end early are still computed until the
      batch's longest row ends, as `generate` does with real per-row stopping.
    * CTranslate2 gets min_decoding_length = max_decoding_length = f(n). CT2 counts decoded
      tokens without the start token and does not force EOS at the limit, so it returns f(n)
      tokens, none of them EOS: the same f(n) decoder steps. Those limits hold for a whole
      call, so its sentences are grouped by f(n), one translate_batch call per group. The
      converter drops <pad> from CT2's vocabulary, which is what bad_words_ids does in HF.
    * `wirebrief batch` runs with --retries 0 (no cutting and retrying of capped sentences,
      which every random-model sentence would trigger) and reports text tokens per article
      in manifest.jsonl: f(n) - 1 for a sentence that ran to its cap, whose EOS slot the check
      adds back. Its torch engine takes the forced-EOS step like the other transformers lines;
      its CTranslate2 engine stops after the f(n) - 1 text tokens (no forced EOS to compute),
      one decoder step a sentence (about 1%) less than the CTranslate2 line here.
    * The useful target tokens are sum f(n). Every line reports how many tokens each sentence
      (for wirebrief: all sentences together) actually got, and the "work check" column
      compares them with f(n).

Lines
    1 loop      one model.generate per sentence, as a model card shows it.
    2 pipeline  transformers.pipeline("translation", batch_size=16), inputs in input order.
                transformers 5 removed that task; there the line runs what the v4 pipeline
                did: batches of 16 in input order, one generate each, then decoding.
    3 sorted    EasyNMT's recipe in plain transformers: sort by length (characters, longest
                first), batches of 16, generate, unsort.
    4 ct2       CTranslate2 called directly: TransformersConverter int8 (float16 on CUDA),
                intra_threads = cores, translate_batch(max_batch_size=32, beam_size).
    5 wirebrief `wirebrief batch ARTICLES --format json --tiers none --retries 0 --no-cache`
                as a subprocess, once per engine it offers (torch, ctranslate2, auto). Its
                CTranslate2 conversion is made (untimed) before the lines run, as line 4's is.
    On CUDA torch runs in bfloat16, batches hold 256 sentences (CTranslate2: 1024), and the
    aim is wirebrief (auto) at 25,000 target tokens/s or more.

Fairness
    Every line runs in a fresh process (this script re-invoked with --only), so peak memory
    (VmHWM; for a wirebrief subprocess its maximum RSS; on CUDA also the GPU peak) is that
    line's alone. torch runs with as many threads as there are cores (--threads), and so do
    CT2 and OMP_NUM_THREADS; config and cache folders point into the work dir. The "others"
    column is the share of the cores that other processes used while a line ran: on a shared
    machine torch suffers most (its threads wait for each other), so such figures are noise.
    "load" is reading the model onto the device; "work" is everything from the sentences to
    decoded English (tokenizing, generating, decoding); nobody gets a warm-up run. For the
    wirebrief lines the work time is the translate time wirebrief reports in its JSON (its
    load_seconds, making the engine and loading the weights, apart, as every line's load is),
    or failing that the whole subprocess (start, imports and load included), which only
    favours the baselines. "total" is the line's process from start to exit. Throughput is sum f(n)
    over the work time; "vs best" divides by the fastest of the baselines (lines 1-4).

Also measured: `wirebrief --help` beside a bare `python -c "import click, rich"` (median of
several runs) and a cached rerun of `wirebrief brief` beside its first run; then the targets,
PASS or FAIL as measured in this run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import functools
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    import torch

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "article-nl-2025-02.txt"
if importlib.util.find_spec("wirebrief") is None:  # run from a checkout without installing
    sys.path.insert(0, str(REPO / "src"))

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_ceiling beside this script

from bench_ceiling import Ceiling, ceiling_share, measure_ceiling, ops_per_target_token

from wirebrief.inputs.document import load as load_document
from wirebrief.translation import translation_params

#: Helsinki-NLP/opus-mt-nl-en's config.json, less what MarianConfig already defaults to.
OPUS_MT_NL_EN: dict[str, Any] = {
    "d_model": 512,
    "encoder_layers": 6,
    "decoder_layers": 6,
    "encoder_attention_heads": 8,
    "decoder_attention_heads": 8,
    "encoder_ffn_dim": 2048,
    "decoder_ffn_dim": 2048,
    "max_position_embeddings": 512,
    "activation_function": "swish",
    "scale_embedding": True,
    "static_position_embeddings": True,
    "share_encoder_decoder_embeddings": True,
    "tie_word_embeddings": True,
    "normalize_embedding": False,
}
VOCAB_SIZE = 67_028
#: Bump when anything about the built model, its conversion or the articles changes.
BUILD_VERSION = 1
STAMP = "bench-stamp.json"
FILLER = "▁filler{}"

BASELINES = ("loop", "pipeline", "sorted", "ct2")
WIREBRIEF_ENGINES = ("torch", "ctranslate2", "auto")
LINE_NAMES = (*BASELINES, *(f"wirebrief-{engine}" for engine in WIREBRIEF_ENGINES))
LINE_LABELS = {
    "loop": "1 per-sentence generate",
    "pipeline": "2 transformers pipeline",
    "sorted": "3 sorted batches (EasyNMT)",
    "ct2": "4 CTranslate2 direct",
    "wirebrief-torch": "5 wirebrief batch torch",
    "wirebrief-ctranslate2": "5 wirebrief batch ct2",
    "wirebrief-auto": "5 wirebrief batch auto",
}
#: The wirebrief batch flags the benchmark relies on.
BATCH_FLAGS = (
    "--out",
    "--format",
    "--tiers",
    "--engine",
    "--translation-model",
    "--num-beams",
    "--retries",
    "--no-cache",
    "--quiet",
    "--device",
)
HELP_RUNS = 15


# --------------------------------------------------------------------------------------------
# Small utilities


def cpu_cores() -> int:
    """Cores this process may run on (the affinity mask, not the whole machine)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@functools.cache
def tiny_models() -> ModuleType:
    """scripts/make_tiny_models.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "make_tiny_models", REPO / "scripts" / "make_tiny_models.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def peak_rss_bytes() -> int | None:
    """This process's peak resident memory (VmHWM)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def machine_busy_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot, all processes together."""
    try:
        ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """CPU seconds of this process's finished children (and the children they waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wirebrief_command() -> list[str]:
    """How to run the `wirebrief` console script of this environment."""
    script = Path(sys.executable).with_name("wirebrief")
    return [str(script)] if script.exists() else [sys.executable, "-m", "wirebrief"]


def child_env(work_dir: Path, threads: int) -> dict[str, str]:
    """The environment of every process the benchmark starts: offline, quiet, `threads` OpenMP
    threads, no WIREBRIEF_* settings, and config and cache folders inside the work dir."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("WIREBRIEF_")}
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_VERBOSITY="error",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        TOKENIZERS_PARALLELISM="false",
        OMP_NUM_THREADS=str(threads),
        XDG_CONFIG_HOME=str(work_dir / "config-home"),
        XDG_CACHE_HOME=str(work_dir / "cache-home"),
    )
    return env


# --------------------------------------------------------------------------------------------
# Building: the model, its CTranslate2 conversion, the tiny summary model, the articles


@dataclass(frozen=True)
class Paths:
    work: Path

    @property
    def model(self) -> Path:
        return self.work / "opus-mt-nl-en-random"

    def ct2(self, quantization: str) -> Path:
        return self.work / f"ct2-{quantization}"

    @property
    def tiny(self) -> Path:
        return self.work / "tiny"

    def articles(self, count: int, seed: int) -> Path:
        return self.work / f"articles-{count}-seed{seed}"


def build_once(folder: Path, stamp: dict[str, Any], build: Callable[[Path], None]) -> None:
    """Run `build(folder)` unless the folder holds a build with this exact stamp."""
    try:
        if json.loads((folder / STAMP).read_text(encoding="utf-8")) == stamp:
            return
    except (OSError, ValueError):
        pass
    log(f"building {folder} ...")
    started = time.perf_counter()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    build(folder)
    (folder / STAMP).write_text(json.dumps(stamp, sort_keys=True), encoding="utf-8")
    log(f"  built in {time.perf_counter() - started:.1f}s")


def pad_vocab(vocab: dict[str, int], size: int, pad: str) -> dict[str, int]:
    """The vocabulary with filler pieces inserted before `pad`, which stays last, up to `size` ids."""
    pieces = [piece for piece, _ in sorted(vocab.items(), key=lambda item: item[1]) if piece != pad]
    pieces += [FILLER.format(index) for index in range(len(pieces), size - 1)]
    pieces.append(pad)
    padded = {piece: index for index, piece in enumerate(pieces)}
    if len(padded) != size:
        raise RuntimeError(f"padded vocabulary has {len(padded)} ids, expected {size}")
    return padded


def build_tokenizer(folder: Path) -> dict[str, int]:
    """make_tiny_models' sentencepiece models and joint vocabulary, padded to opus-mt's size."""
    from transformers import MarianTokenizer

    tiny = tiny_models()
    # Marian's spm models have no pad/bos; </s> and <unk> must be real pieces.
    spm_ids = {"unk_id": 0, "eos_id": 1, "bos_id": -1, "pad_id": -1}
    source = tiny.train_sentencepiece(tiny.dutch_training_lines(), tiny.DEFAULT_VOCAB_SIZE, **spm_ids)
    target = tiny.train_sentencepiece(tiny.ENGLISH_SENTENCES, tiny.DEFAULT_VOCAB_SIZE, **spm_ids)
    vocab = tiny.marian_vocab(tiny.load_sentencepiece(source), tiny.load_sentencepiece(target))
    vocab = pad_vocab(vocab, VOCAB_SIZE, tiny.MARIAN_PAD)
    # MarianTokenizer reads files only; save_pretrained then writes the canonical set.
    with tempfile.TemporaryDirectory(prefix="wirebrief-bench-") as staging_name:
        staging = Path(staging_name)
        (staging / "source.spm").write_bytes(source)
        (staging / "target.spm").write_bytes(target)
        (staging / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        MarianTokenizer(
            source_spm=str(staging / "source.spm"),
            target_spm=str(staging / "target.spm"),
            vocab=str(staging / "vocab.json"),
            source_lang="nl",
            target_lang="en",
            model_max_length=tiny.MODEL_MAX_LENGTH,
        ).save_pretrained(folder)
    return vocab


def build_model(folder: Path, seed: int) -> None:
    """The opus-mt-nl-en stand-in: full-size MarianMT, seeded random weights, padded vocabulary."""
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

    tiny = tiny_models()
    vocab = build_tokenizer(folder)
    pad_id, eos_id = vocab[tiny.MARIAN_PAD], vocab[tiny.MARIAN_EOS]
    special = {
        "pad_token_id": pad_id,
        "eos_token_id": eos_id,
        "decoder_start_token_id": pad_id,
        "forced_eos_token_id": eos_id,
        "bos_token_id": eos_id,
    }
    config = MarianConfig(vocab_size=VOCAB_SIZE, decoder_vocab_size=VOCAB_SIZE, **OPUS_MT_NL_EN, **special)
    # opus-mt's generation_config.json: beams 4, 512 tokens at most, <pad> never generated.
    generation = GenerationConfig(**special, bad_words_ids=[[pad_id]], max_length=512, num_beams=4)
    tiny.save_random_model(MarianMTModel, config, generation, folder, seed)
    tiny.self_check(folder, [tiny.SELF_CHECK_DUTCH])
    check_every_id_decodes(folder)


def check_every_id_decodes(folder: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    if len(tokenizer) != VOCAB_SIZE:
        raise RuntimeError(f"tokenizer has {len(tokenizer)} ids, expected {VOCAB_SIZE}")
    chunks = [list(range(start, min(start + 4096, VOCAB_SIZE))) for start in range(0, VOCAB_SIZE, 4096)]
    decoded = tokenizer.batch_decode(chunks, skip_special_tokens=True)
    if not all(isinstance(text, str) and text for text in decoded):
        raise RuntimeError("some token ids of the padded vocabulary do not decode")


def convert_ct2(model_dir: Path, folder: Path, quantization: str) -> None:
    from ctranslate2.converters import TransformersConverter

    TransformersConverter(str(model_dir)).convert(str(folder), quantization=quantization, force=True)


# Article copies -------------------------------------------------------------------------------

#: What closes a sentence: final punctuation and closing quotes or brackets, with spaces.
_CLOSING = re.compile(r"[\s.!?…:;,\"'”’»)\]]*\Z")


def mark_sentence(sentence: str, copy: int) -> str:
    """Copy 0 keeps the sentence; copy k puts " (k)" before its closing punctuation."""
    if copy == 0:
        return sentence
    match = _CLOSING.search(sentence)
    end = match.start() if match and match.start() > 0 else len(sentence)
    return f"{sentence[:end]} ({copy}){sentence[end:]}"


def article_copies(count: int, seed: int) -> list[str]:
    """`count` versions of the example article: paragraphs in seeded orders, sentences marked."""
    source = load_document(EXAMPLE)
    header = f"date {source.metadata.date}\n\n" if source.metadata.date else ""
    texts = []
    for copy in range(count):
        paragraphs = list(source.paragraphs)
        if copy:
            random.Random(f"{seed}:{copy}").shuffle(paragraphs)
        blocks = [" ".join(mark_sentence(s, copy) for s in paragraph.sentences) for paragraph in paragraphs]
        texts.append(header + "\n\n".join(blocks) + "\n")
    return texts


def write_articles(folder: Path, count: int, seed: int) -> None:
    expected = load_document(EXAMPLE).sentence_count
    for copy, text in enumerate(article_copies(count, seed)):
        path = folder / f"article-{copy + 1:03d}.txt"
        path.write_text(text, encoding="utf-8")
        found = load_document(path).sentence_count
        if found != expected:
            raise RuntimeError(f"{path} segments into {found} sentences, the example into {expected}")


# The work -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Work:
    """The sentences every line translates, their source lengths n and target lengths f(n)."""

    articles: int
    sentences: tuple[str, ...]
    source_tokens: tuple[int, ...]
    targets: tuple[int, ...]

    @property
    def unique(self) -> int:
        return len(set(self.sentences))

    @property
    def target_tokens(self) -> int:
        return sum(self.targets)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), ensure_ascii=False), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Work:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["articles"], *(tuple(data[key]) for key in ("sentences", "source_tokens", "targets")))


def article_sentences(folder: Path) -> list[str]:
    """Every sentence of every article in the folder, segmented the way wirebrief does it."""
    return [
        sentence
        for path in sorted(folder.glob("article-*.txt"))
        for paragraph in load_document(path).paragraphs
        for sentence in paragraph.sentences
    ]


def measure_work(folder: Path, model_dir: Path, articles: int) -> Work:
    from transformers import AutoTokenizer

    sentences = article_sentences(folder)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    lengths = [len(ids) for ids in tokenizer(sentences)["input_ids"]]  # EOS included, as wirebrief counts
    # The cap does not depend on the beam width.
    params = translation_params()
    return Work(articles, tuple(sentences), tuple(lengths), tuple(params.cap_for(n) for n in lengths))


def prepare(args: argparse.Namespace, paths: Paths) -> Work:
    """Build (or reuse) the model, the CT2 conversion, the tiny summary model and the work."""
    paths.work.mkdir(parents=True, exist_ok=True)
    # The default work dir is inside the repository: keep git away from its gigabyte.
    (paths.work / ".gitignore").write_text("*\n", encoding="utf-8")
    model_stamp = {"version": BUILD_VERSION, "seed": args.seed, "vocab": VOCAB_SIZE, **OPUS_MT_NL_EN}
    build_once(paths.model, model_stamp, lambda folder: build_model(folder, args.seed))
    wants_ct2 = "ct2" in args.lines or any(name.startswith("wirebrief") for name in args.lines)
    if wants_ct2 and importlib.util.find_spec("ctranslate2") is not None:
        quantization = ct2_compute_type(args.device)
        build_once(
            paths.ct2(quantization),
            {**model_stamp, "quantization": quantization},
            lambda folder: convert_ct2(paths.model, folder, quantization),
        )
    if args.extras or any(name.startswith("wirebrief") for name in args.lines):
        build_once(
            paths.tiny,
            {"version": BUILD_VERSION, "seed": args.seed},
            lambda folder: tiny_models().build(folder, seed=args.seed),
        )
    articles = paths.articles(args.articles, args.seed)
    build_once(
        articles,
        {
            "version": BUILD_VERSION,
            "count": args.articles,
            "seed": args.seed,
            "model": model_stamp,
            "example": EXAMPLE.read_text(encoding="utf-8"),
        },
        lambda folder: build_work(folder, paths.model, args),
    )
    return Work.read(articles / "work.json")


def build_work(folder: Path, model_dir: Path, args: argparse.Namespace) -> None:
    write_articles(folder, args.articles, args.seed)
    measure_work(folder, model_dir, args.articles).save(folder / "work.json")


# --------------------------------------------------------------------------------------------
# The lines (each runs in its own process)


@dataclass
class Outcome:
    """What one line reports about itself."""

    load_s: float | None
    work_s: float
    #: Target tokens each sentence got, in sentence order; None when the line cannot tell.
    produced: list[int] | None
    translated: int
    note: str = ""
    #: Target tokens of all sentences together, for a line that reports only a total.
    produced_total: int | None = None
    #: Whether work_s is the whole subprocess rather than the translation alone.
    end_to_end: bool = False
    peak_rss: int | None = None
    gpu_peak: int | None = None


@dataclass(frozen=True)
class LineSetup:
    name: str
    beams: int
    device: str
    batch_size: int
    ct2_batch_size: int
    threads: int
    paths: Paths
    work: Work
    articles_dir: Path


def ct2_compute_type(device: str) -> str:
    return "float16" if device == "cuda" else "int8"


class ExactLengths:
    """A logits processor that ends every row of a generate call at its own target length.

    `batches` gives, in the order of the generate calls, the target length of each row. EOS is
    banned before a row's last step and forced at it, so a row of target f takes f decoder
    steps, the last one EOS. Duck-typed: generate only calls it with (input_ids, scores).
    """

    def __init__(self, batches: Iterable[Sequence[int]], eos_id: int, num_beams: int) -> None:
        self._batches = iter(batches)
        self._eos = eos_id
        self._beams = num_beams
        self._targets: torch.Tensor | None = None

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        import torch

        step = input_ids.shape[1] - 1  # decoder input = start token + tokens generated so far
        if step == 0:
            targets = torch.tensor(next(self._batches), device=scores.device)
            self._targets = targets.repeat_interleave(self._beams)
        assert self._targets is not None
        if self._targets.shape[0] != scores.shape[0]:
            raise RuntimeError(f"batch plan has {self._targets.shape[0]} rows, generate {scores.shape[0]}")
        scores[self._targets - 1 > step, self._eos] = -math.inf
        last = self._targets - 1 == step
        if bool(last.any()):
            scores[last] = -math.inf
            scores[last, self._eos] = 0.0
        return scores


def count_until_eos(row: Sequence[int], eos_id: int) -> int:
    """Tokens a generated row holds, its EOS included (the decoder start token excluded)."""
    return row.index(eos_id) + 1 if eos_id in row else len(row)


def torch_device_setup(device: str, threads: int) -> Any:  # -> torch.dtype
    import torch

    torch.set_num_threads(threads)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
        return torch.bfloat16
    return torch.float32


def load_transformers(setup: LineSetup) -> tuple[Any, Any, float]:
    """Tokenizer and model on the device, and the seconds that took."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    dtype = torch_device_setup(setup.device, setup.threads)
    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(setup.paths.model)
    model = AutoModelForSeq2SeqLM.from_pretrained(setup.paths.model, dtype=dtype).to(setup.device).eval()
    if setup.device == "cuda":
        torch.cuda.synchronize()
    return tokenizer, model, time.perf_counter() - started


def generate_plan(tokenizer: Any, model: Any, setup: LineSetup, plan: list[list[int]]) -> list[int]:
    """One generate call per batch of the plan; returns the tokens each sentence got."""
    import torch
    from transformers import LogitsProcessorList

    work, eos = setup.work, model.config.eos_token_id
    processor = ExactLengths(([work.targets[i] for i in batch] for batch in plan), eos, setup.beams)
    produced = [0] * len(work.sentences)
    for batch in plan:
        inputs = tokenizer([work.sentences[i] for i in batch], return_tensors="pt", padding=True)
        with torch.inference_mode():
            output = model.generate(
                **inputs.to(setup.device),
                num_beams=setup.beams,
                do_sample=False,
                max_new_tokens=max(work.targets[i] for i in batch),
                logits_processor=LogitsProcessorList([processor]),
            )
        tokenizer.batch_decode(output, skip_special_tokens=True)  # the text itself is not needed
        for index, row in zip(batch, output[:, 1:].tolist()):
            produced[index] = count_until_eos(row, eos)
    return produced


def chunks(indices: Sequence[int], size: int) -> list[list[int]]:
    return [list(indices[start : start + size]) for start in range(0, len(indices), size)]


def run_hf_plan(setup: LineSetup, plan: list[list[int]], note: str = "") -> Outcome:
    tokenizer, model, load_s = load_transformers(setup)
    started = time.perf_counter()
    produced = generate_plan(tokenizer, model, setup, plan)
    return Outcome(load_s, time.perf_counter() - started, produced, len(setup.work.sentences), note)


def line_loop(setup: LineSetup) -> Outcome:
    """The model card's loop: tokenizer([sentence]), generate, decode, one sentence at a time."""
    return run_hf_plan(setup, [[index] for index in range(len(setup.work.sentences))])


def line_sorted(setup: LineSetup) -> Outcome:
    """EasyNMT: longest sentences (in characters) first, fixed-size batches, then unsorted."""
    order = sorted(range(len(setup.work.sentences)), key=lambda i: -len(setup.work.sentences[i]))
    return run_hf_plan(setup, chunks(order, setup.batch_size))


def has_translation_pipeline() -> bool:
    from transformers.pipelines import SUPPORTED_TASKS

    return "translation" in SUPPORTED_TASKS


def line_pipeline(setup: LineSetup) -> Outcome:
    """transformers.pipeline("translation"), or what it did, where transformers removed it."""
    from transformers import __version__

    plan = chunks(range(len(setup.work.sentences)), setup.batch_size)
    if not has_translation_pipeline():
        note = f"transformers {__version__} removed the translation pipeline: ran what v4's did (in-order batches)"
        return run_hf_plan(setup, plan, note)
    from transformers import LogitsProcessorList, pipeline

    tokenizer, model, load_s = load_transformers(setup)
    translate = pipeline("translation", model=model, tokenizer=tokenizer, device=setup.device)
    started = time.perf_counter()
    work, eos = setup.work, model.config.eos_token_id
    processor = ExactLengths(([work.targets[i] for i in batch] for batch in plan), eos, setup.beams)
    outputs = translate(
        list(work.sentences),
        batch_size=setup.batch_size,
        num_beams=setup.beams,
        do_sample=False,
        max_new_tokens=max(work.targets),
        logits_processor=LogitsProcessorList([processor]),
        return_tensors=True,
    )
    produced = [count_until_eos(list(out["translation_token_ids"][1:]), eos) for out in outputs]
    for out in outputs:
        tokenizer.decode(out["translation_token_ids"], skip_special_tokens=True)
    return Outcome(load_s, time.perf_counter() - started, produced, len(outputs))


def line_ct2(setup: LineSetup) -> Outcome:
    """CTranslate2 directly, grouped by target length so min = max decoding length = f(n)."""
    import ctranslate2
    from transformers import AutoTokenizer

    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(setup.paths.model)
    compute_type = ct2_compute_type(setup.device)
    translator = ctranslate2.Translator(
        str(setup.paths.ct2(compute_type)),
        device=setup.device,
        compute_type=compute_type,
        inter_threads=1,
        intra_threads=setup.threads if setup.device == "cpu" else 0,
    )
    load_s = time.perf_counter() - started

    started = time.perf_counter()
    work = setup.work
    tokens = [tokenizer.convert_ids_to_tokens(ids) for ids in tokenizer(list(work.sentences))["input_ids"]]
    groups: dict[int, list[int]] = {}
    for index, target in enumerate(work.targets):
        groups.setdefault(target, []).append(index)
    produced = [0] * len(work.sentences)
    for target, indices in sorted(groups.items()):
        results = translator.translate_batch(
            [tokens[i] for i in indices],
            max_batch_size=setup.ct2_batch_size,
            beam_size=setup.beams,
            min_decoding_length=target,
            max_decoding_length=target,
            return_end_token=True,
        )
        for index, result in zip(indices, results):
            hypothesis = result.hypotheses[0]
            produced[index] = len(hypothesis)
            tokenizer.decode(tokenizer.convert_tokens_to_ids(hypothesis), skip_special_tokens=True)
    return Outcome(load_s, time.perf_counter() - started, produced, len(work.sentences))


# wirebrief batch -------------------------------------------------------------------------------


@functools.cache
def batch_help() -> tuple[str | None, str]:
    """(`wirebrief batch --help` text, or None) and why it is missing."""
    try:
        done = subprocess.run(
            [*wirebrief_command(), "batch", "--help"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, str(error)
    if done.returncode != 0:
        return None, last_line(done.stderr or done.stdout)
    return done.stdout, ""


def wirebrief_unavailable(engine: str) -> str | None:
    """Why `wirebrief batch --engine ENGINE` cannot run, or None if it can."""
    help_text, reason = batch_help()
    if help_text is None:
        return f"wirebrief batch not available: {reason}"
    missing = [flag for flag in BATCH_FLAGS if flag not in help_text]
    if missing:
        return f"wirebrief batch not available: no {', '.join(missing)}"
    match = re.search(r"--engine\s+\[([^\]]+)\]", help_text)
    if match and engine not in match.group(1).split("|"):
        return f"wirebrief batch has no engine {engine!r} (offers {match.group(1)})"
    return None


def options(pairs: dict[str, str]) -> list[str]:
    """{"--flag": "value"} as command-line arguments."""
    return [item for flag, value in pairs.items() for item in (flag, value)]


def batch_command(
    paths: Paths, device: str, engine: str, inputs: Path, out: Path, beams: int, threads: int | None = None
) -> list[str]:
    help_text, _ = batch_help()
    flags = {
        "--out": str(out), "--format": "json", "--tiers": "none", "--engine": engine,
        "--translation-model": str(paths.model), "--num-beams": str(beams), "--retries": "0", "--device": device,
    }  # fmt: skip
    if help_text and "--summary-model" in help_text:
        # Not used with --tiers none; named so that no default hub model is ever looked up.
        flags["--summary-model"] = str(paths.tiny / "summary")
    if threads is not None and help_text and "--threads" in help_text:
        # The same threads as every other line (without it: the CPUs this process may use).
        flags["--threads"] = str(threads)
    return [*wirebrief_command(), "batch", str(inputs), *options(flags), "--no-cache", "--quiet"]


@dataclass(frozen=True)
class BatchFigures:
    """What `wirebrief batch` says about its run, from manifest.jsonl and the result files."""

    articles: int
    sentences: int
    #: Text tokens: a sentence that ran to its cap of f(n) reports f(n) - 1 (the EOS is not text).
    output_tokens: int
    load_s: float | None
    translate_s: float | None
    engine: str | None


def read_batch_output(out: Path) -> BatchFigures:
    manifest = [
        json.loads(line)
        for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    failed = [entry for entry in manifest if entry.get("status") != "ok"]
    if failed:
        raise LineFailed(f"{len(failed)} articles not ok, first: {failed[0].get('error')}")
    briefs = [json.loads((out / entry["output"]).read_text(encoding="utf-8")) for entry in manifest]
    models = [brief["provenance"]["models"]["translation"] for brief in briefs]
    timings = [brief["provenance"]["timings"] for brief in briefs]
    # A pooled translate call's time is shared out among its articles by sentences, and so is
    # the time of making the engine and loading its weights: per-article figures add up.
    translate = [t["translate_seconds"] for t in timings if "translate_seconds" in t]
    loads = [t["load_seconds"] for t in timings if "load_seconds" in t]
    if not loads:  # a wirebrief from before load_seconds: the weights' own load time
        loads = [model["load_seconds"] for model in models if model.get("load_seconds") is not None][:1]
    return BatchFigures(
        articles=len(manifest),
        sentences=sum(int(entry["sentences"]) for entry in manifest),
        output_tokens=sum(int(entry["output_tokens"]) for entry in manifest),
        load_s=sum(loads) if loads else None,
        translate_s=sum(translate) if translate else None,
        engine=next((model.get("engine") for model in models), None),
    )


def line_wirebrief(setup: LineSetup, engine: str) -> Outcome:
    """`wirebrief batch` end to end in a subprocess; its peak memory is that subprocess's."""
    with tempfile.TemporaryDirectory(prefix="wirebrief-bench-out-") as scratch:
        out = Path(scratch) / "out"
        command = batch_command(
            setup.paths, setup.device, engine, setup.articles_dir, out, setup.beams, setup.threads
        )
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise LineFailed(
                f"wirebrief batch exit {done.returncode}: {last_line(done.stderr or done.stdout)}"
            )
        figures = read_batch_output(out)
    notes = [f"engine {figures.engine}"] if figures.engine else []
    if figures.translate_s is None:
        notes.append("no translate time in the JSON: work = whole subprocess")
    return Outcome(
        load_s=figures.load_s,
        work_s=figures.translate_s if figures.translate_s is not None else elapsed,
        produced=None,
        # The cap's EOS slot is counted as every other line counts it: one per sentence.
        produced_total=figures.output_tokens + figures.sentences,
        translated=figures.sentences,
        note="; ".join(notes),
        end_to_end=figures.translate_s is None,
        peak_rss=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
    )


def warm_wirebrief(paths: Paths, device: str, engines: Sequence[str]) -> None:
    """Let wirebrief convert the model for CTranslate2 before any timing (baselines get theirs built).

    The conversion goes to wirebrief's cache folder, which child_env points into the work dir.
    """
    warm = paths.work / "warm-up"
    warm.mkdir(parents=True, exist_ok=True)
    (warm / "warm-up.txt").write_text(
        "Het kabinet heeft dinsdag een nieuw pakket gepresenteerd.\n", encoding="utf-8"
    )
    for engine in engines:
        log(f"warming up wirebrief --engine {engine} (its CTranslate2 conversion) ...")
        with tempfile.TemporaryDirectory(prefix="wirebrief-bench-warm-") as scratch:
            command = batch_command(paths, device, engine, warm, Path(scratch) / "out", 1)
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                log(f"  warming wirebrief --engine {engine} failed: {last_line(done.stderr or done.stdout)}")


class LineFailed(Exception):
    """A line could not produce figures; the message says why."""


LINES: dict[str, Callable[[LineSetup], Outcome]] = {
    "loop": line_loop,
    "pipeline": line_pipeline,
    "sorted": line_sorted,
    "ct2": line_ct2,
    **{
        f"wirebrief-{engine}": functools.partial(line_wirebrief, engine=engine)
        for engine in WIREBRIEF_ENGINES
    },
}


class GpuSampler:
    """Peak GPU memory in use while a block runs, sampled with nvidia-smi (for non-torch lines)."""

    def __init__(self) -> None:
        self.peak: int | None = None
        self._process: subprocess.Popen[str] | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        if shutil.which("nvidia-smi"):
            self._process = subprocess.Popen(
                [
                    "nvidia-smi",
                    "--query-gpu=memory.used",
                    "--format=csv,noheader,nounits",
                    "-i",
                    "0",
                    "-lms",
                    "100",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            self._thread = threading.Thread(target=self._read, daemon=True)
            self._thread.start()
        return self

    def _read(self) -> None:
        assert self._process and self._process.stdout
        for line in self._process.stdout:
            if line.strip().isdigit():
                self.peak = max(self.peak or 0, int(line) * 1024 * 1024)

    def __exit__(self, *exc: object) -> None:
        if self._process:
            self._process.terminate()
            self._process.wait()


def run_line(setup: LineSetup) -> Outcome:
    """Run one line in this process and add its peak memory."""
    sampler = GpuSampler() if setup.device == "cuda" else None
    with sampler or contextlib.nullcontext():
        outcome = LINES[setup.name](setup)
    if outcome.peak_rss is None:
        outcome.peak_rss = peak_rss_bytes()
    if sampler is not None:
        outcome.gpu_peak = torch_gpu_peak() or sampler.peak
    return outcome


def torch_gpu_peak() -> int | None:
    if "torch" not in sys.modules:
        return None
    import torch

    peak = torch.cuda.max_memory_allocated() if torch.cuda.is_initialized() else 0
    return peak or None


# --------------------------------------------------------------------------------------------
# The parent: one child process per line and beam width


@dataclass
class LineResult:
    name: str
    beams: int
    status: str  # "ok", "n/a" or "failed"
    reason: str = ""
    total_s: float | None = None
    outcome: Outcome | None = None
    work_check: str = ""
    #: Share of all cores that other processes kept busy while the line ran.
    others_busy: float | None = None

    def throughput(self, work: Work) -> float | None:
        if self.outcome is None or self.outcome.work_s <= 0:
            return None
        return work.target_tokens / self.outcome.work_s


def child_command(args: argparse.Namespace, name: str, beams: int, result: Path) -> list[str]:
    """This script again, running one line with the parent's settings."""
    flags = {
        "--only": name, "--beams": str(beams), "--articles": str(args.articles), "--seed": str(args.seed),
        "--device": args.device, "--work-dir": str(args.work_dir), "--batch-size": str(args.batch_size),
        "--ct2-batch-size": str(args.ct2_batch_size), "--threads": str(args.threads), "--result": str(result),
    }  # fmt: skip
    return [sys.executable, str(Path(__file__).resolve()), *options(flags)]


def line_unavailable(name: str) -> str | None:
    if name.startswith("wirebrief-"):
        return wirebrief_unavailable(name.removeprefix("wirebrief-"))
    if name == "ct2" and importlib.util.find_spec("ctranslate2") is None:
        return "ctranslate2 is not installed (pip install 'ctranslate2>=4.5')"
    return None


def check_work(outcome: Outcome, work: Work) -> str:
    """Whether each sentence got exactly its f(n) target tokens."""
    if outcome.translated != len(work.sentences):
        return f"FAIL {outcome.translated} of {len(work.sentences)} sentences"
    if outcome.produced is not None:
        produced = sum(outcome.produced)
        if list(outcome.produced) == list(work.targets):
            return f"ok {produced:,}"
        wrong = sum(1 for got, want in zip(outcome.produced, work.targets) if got != want)
        return f"FAIL {produced:,} ({wrong} sentences off)"
    if outcome.produced_total is not None:
        verdict = "ok" if outcome.produced_total == work.target_tokens else "FAIL"
        return f"{verdict} {outcome.produced_total:,} (total)"
    return "unverified"


def run_child(args: argparse.Namespace, name: str, beams: int, work: Work) -> LineResult:
    reason = line_unavailable(name)
    if reason:
        return LineResult(name, beams, "n/a", reason)
    log(f"  {LINE_LABELS[name]}, {beam_label(beams)} ...")
    with tempfile.TemporaryDirectory(prefix="wirebrief-bench-") as scratch:
        result = Path(scratch) / "result.json"
        busy, children = machine_busy_seconds(), children_cpu_seconds()
        started = time.perf_counter()
        try:
            done = subprocess.run(
                child_command(args, name, beams, result),
                capture_output=True,
                text=True,
                check=False,
                timeout=args.line_timeout,
            )
        except subprocess.TimeoutExpired:
            return LineResult(name, beams, "failed", f"over the {args.line_timeout}s line timeout")
        total = time.perf_counter() - started
        others = others_busy(busy, children, total)
        if done.returncode != 0 or not result.exists():
            return LineResult(name, beams, "failed", last_line(done.stderr or done.stdout), total)
        outcome = Outcome(**json.loads(result.read_text(encoding="utf-8")))
    line = LineResult(
        name,
        beams,
        "ok",
        total_s=total,
        outcome=outcome,
        work_check=check_work(outcome, work),
        others_busy=others,
    )
    log(f"    {outcome.work_s:.1f}s work, {total:.1f}s total, work check {line.work_check}")
    return line


def others_busy(busy_before: float | None, children_before: float, seconds: float) -> float | None:
    """Share of the machine's cores that processes other than the line's kept busy meanwhile."""
    busy_after = machine_busy_seconds()
    if busy_before is None or busy_after is None or seconds <= 0:
        return None
    mine = children_cpu_seconds() - children_before
    return max(0.0, (busy_after - busy_before - mine) / (seconds * (os.cpu_count() or 1)))


# --------------------------------------------------------------------------------------------
# `wirebrief --help` and the cached rerun


def median_seconds(
    commands: Sequence[Sequence[str]], runs: int, env: dict[str, str] | None = None
) -> list[float]:
    """Each command's median time over `runs` rounds, the commands taking turns within a round
    (so a slow spell of the machine falls on all of them), after one round not counted."""
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs + 1):
        for command, taken in zip(commands, times):
            started = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True, env=env)
            taken.append(time.perf_counter() - started)
    return [statistics.median(taken[1:]) for taken in times]


def measure_help() -> dict[str, float]:
    """Both commands with Python's bytecode cache, as an installed program runs: pip compiles
    a wheel's modules when it installs them, and Python caches an editable install's on first
    import. Where PYTHONDONTWRITEBYTECODE is set (as on some CI machines) it is lifted for
    these runs: otherwise click and rich, compiled by pip, would be timed against wirebrief's
    own sources compiled anew on every run, which no user's `wirebrief --help` pays."""
    log("timing `wirebrief --help` and `import click, rich` ...")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    bare, helped = median_seconds(
        [[sys.executable, "-c", "import click, rich"], [*wirebrief_command(), "--help"]], HELP_RUNS, env
    )
    return {"help_s": helped, "import_s": bare, "ratio": helped / bare}


def measure_cached_rerun(args: argparse.Namespace, paths: Paths) -> dict[str, Any]:
    """`wirebrief brief` twice on one fresh cache file: the first run fills it, the second reads it."""
    done = subprocess.run(
        [*wirebrief_command(), "brief", "--help"], capture_output=True, text=True, check=False
    )
    if "--cache" not in done.stdout:
        return {"status": "n/a", "reason": "wirebrief brief has no --cache option"}
    log("timing `wirebrief brief` with a fresh cache, then again ...")
    with tempfile.TemporaryDirectory(prefix="wirebrief-bench-cache-") as scratch:
        command = [
            *wirebrief_command(),
            "brief",
            str(EXAMPLE),
            "--translation-model",
            str(paths.model),
            "--summary-model",
            str(paths.tiny / "summary"),
            "--cache",
            str(Path(scratch) / "cache.sqlite"),
            "--format",
            "json",
            "--device",
            args.device,
            "--quiet",
        ]
        if "--retries" in done.stdout:
            command += ["--retries", "0"]  # a random model hits every cap; a real one would not retry
        runs = []
        for _ in range(2):
            started = time.perf_counter()
            run = subprocess.run(command, capture_output=True, text=True, check=False)
            runs.append((time.perf_counter() - started, run))
    (first_s, first), (second_s, second) = runs
    for run in (first, second):
        if run.returncode != 0:
            return {"status": "failed", "reason": f"exit {run.returncode}: {last_line(run.stderr)}"}
    same = _brief_text(first.stdout) == _brief_text(second.stdout)
    return {
        "status": "ok",
        "first_s": first_s,
        "second_s": second_s,
        "speedup": first_s / second_s,
        "same_output": same,
    }


def _brief_text(stdout: str) -> Any:
    try:
        brief = json.loads(stdout)
    except ValueError:
        return None
    return [brief.get("translation"), brief.get("summaries")]


# --------------------------------------------------------------------------------------------
# Reporting


def beam_label(beams: int) -> str:
    return "greedy" if beams == 1 else f"{beams} beams"


def size(value: int | None) -> str:
    if value is None:
        return "-"
    return f"{value / 2**30:.2f} GiB" if value >= 2**30 else f"{value / 2**20:.0f} MiB"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def seconds(value: float | None, mark: str = "") -> str:
    return "-" if value is None else f"{value:.1f}{mark}"


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine_info(device: str) -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    memory = None
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        cpu = next(
            (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")),
            cpu,
        )
        meminfo = Path("/proc/meminfo").read_text().split()
        memory = int(meminfo[meminfo.index("MemTotal:") + 1]) * 1024
    except (OSError, ValueError):
        pass
    info: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": cpu_cores(),
        "memory": size(memory),
        "python": platform.python_version(),
        **{name: package_version(name) for name in ("torch", "transformers", "ctranslate2", "wirebrief")},
    }
    if device == "cuda":
        import torch

        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def print_header(info: dict[str, Any], work: Work, args: argparse.Namespace) -> None:
    print(f"wirebrief benchmark, {info['date']}")
    print(
        f"  machine: {info['cpu']}, {info['cores']} cores, {info['memory']}"
        + (f", {info['gpu']}" if "gpu" in info else "")
    )
    print(
        f"  python {info['python']}, torch {info['torch']}, transformers {info['transformers']},"
        f" ctranslate2 {info['ctranslate2']}, wirebrief {info['wirebrief']}"
    )
    print(
        f"  model: opus-mt-nl-en architecture, random weights (seed {args.seed}), device {args.device},"
        f" {'bfloat16' if args.device == 'cuda' else 'float32'} torch, CTranslate2 {ct2_compute_type(args.device)}"
    )
    print(
        f"  work: {work.articles} articles, {len(work.sentences)} sentences ({work.unique} unique),"
        f" {sum(work.source_tokens):,} source tokens, {work.target_tokens:,} target tokens = sum f(n)"
    )
    print(
        f"  batches: {args.batch_size} sentences (pipeline, sorted), CTranslate2 max_batch_size"
        f" {args.ct2_batch_size}; {args.threads} threads (torch, CTranslate2, OMP_NUM_THREADS)"
    )


def fastest_baseline(results: list[LineResult], work: Work) -> float | None:
    rates = [r.throughput(work) for r in results if r.name in BASELINES and r.status == "ok"]
    rates = [rate for rate in rates if rate]
    return max(rates) if rates else None


def work_per_token(work: Work, beams: int) -> float:
    """Matrix operations per useful target token of the benchmark model (see bench_ceiling)."""
    return ops_per_target_token(OPUS_MT_NL_EN, VOCAB_SIZE, sum(work.source_tokens), work.target_tokens, beams)


def print_table(results: list[LineResult], work: Work, beams: int, ceiling: Ceiling | None = None) -> None:
    best = fastest_baseline(results, work)
    per_token = work_per_token(work, beams)
    header = (
        f"{'line':<28}{'load s':>8}{'work s':>9}{'total s':>9}{'tok/s':>9}{'sent/s':>8}{'peak mem':>11}"
        f"{'vs best':>9}{'others':>8}{'ceiling':>9}  work check"
    )
    print(f"\n{beam_label(beams)} ({work.target_tokens:,} target tokens, {len(work.sentences)} sentences)")
    print(
        f"  {per_token / 1e6:,.0f} M matrix operations per target token (all {VOCAB_SIZE:,} logits per step)"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        label = LINE_LABELS[result.name]
        if result.status != "ok" or result.outcome is None:
            print(f"{label:<28}{result.status} ({result.reason})")
            continue
        outcome = result.outcome
        rate = result.throughput(work) or 0.0
        memory = size(outcome.peak_rss) + (f" / GPU {size(outcome.gpu_peak)}" if outcome.gpu_peak else "")
        print(
            f"{label:<28}{seconds(outcome.load_s):>8}{seconds(outcome.work_s, '*' if outcome.end_to_end else ''):>9}"
            f"{seconds(result.total_s):>9}{rate:>9.0f}{len(work.sentences) / outcome.work_s:>8.2f}"
            f"{memory:>11}{(f'{rate / best:.2f}x' if best else '-'):>9}{percent(result.others_busy):>8}"
            f"{percent(ceiling_share(rate, per_token, ceiling)):>9}  {result.work_check}"
        )
        if outcome.note:
            print(f"{'':<28}  note: {outcome.note}")
    if any(r.outcome and r.outcome.end_to_end for r in results):
        print(
            "* whole subprocess (start, imports, load and translation): wirebrief reported no translate time"
        )
    busiest = max((r.others_busy or 0.0 for r in results), default=0.0)
    if busiest > 0.1:
        print(
            f"! other processes kept up to {percent(busiest)} of the cores busy during a line ('others'):"
            " those figures are slowed down, torch's most (its threads wait for each other)"
        )


@dataclass
class Target:
    description: str
    measured: str
    passed: bool | None
    note: str = ""

    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "n/a"}[self.passed]


def ratio_target(
    description: str, results: list[LineResult], work: Work, line: str, other: str, factor: float
) -> Target:
    """`line` must reach `factor` times the throughput of `other`."""
    by_name = {result.name: result for result in results}
    mine, theirs = by_name.get(line), by_name.get(other)
    if not mine or not theirs or mine.status != "ok" or theirs.status != "ok":
        missing = next(r for r in (mine, theirs) if not r or r.status != "ok") if (mine or theirs) else None
        return Target(description, "-", None, missing.reason if missing else "not run")
    ratio = (mine.throughput(work) or 0) / (theirs.throughput(work) or math.inf)
    note = ", ".join(
        f"{LINE_LABELS[r.name]}: work {r.work_check}"
        for r in (mine, theirs)
        if not r.work_check.startswith("ok")
    )
    invalid = any(r.work_check.startswith("FAIL") for r in (mine, theirs))
    return Target(description, f"{ratio:.3f}x", None if invalid else ratio >= factor, note)


def collect_targets(
    results: dict[int, list[LineResult]],
    work: Work,
    help_times: dict[str, float] | None,
    cache: dict[str, Any] | None,
    device: str,
) -> list[Target]:
    targets = []
    for beams, lines in results.items():
        label = beam_label(beams)
        targets += [
            ratio_target(
                f"wirebrief batch (auto) >= CTranslate2 int8 direct, {label}",
                lines,
                work,
                "wirebrief-auto",
                "ct2",
                1.0,
            ),
            ratio_target(
                f"wirebrief batch (auto) >= 15x per-sentence loop, {label}",
                lines,
                work,
                "wirebrief-auto",
                "loop",
                15.0,
            ),
            ratio_target(
                f"wirebrief torch engine >= 1.5x pipeline, {label}",
                lines,
                work,
                "wirebrief-torch",
                "pipeline",
                1.5,
            ),
        ]
    if device == "cuda":
        for beams, lines in results.items():
            auto = next((r for r in lines if r.name == "wirebrief-auto" and r.status == "ok"), None)
            rate = auto.throughput(work) if auto else None
            targets.append(
                Target(
                    f"wirebrief batch (auto) >= 25,000 target tokens/s on CUDA, {beam_label(beams)}",
                    "-" if rate is None else f"{rate:,.0f} tok/s",
                    None if rate is None else rate >= 25_000,
                )
            )
    if cache is not None:
        if cache["status"] == "ok":
            note = "" if cache["same_output"] else "the rerun's output differs from the first run's"
            targets.append(
                Target(
                    "cached rerun >= 10x faster than the first run",
                    f"{cache['speedup']:.1f}x ({cache['first_s']:.1f}s -> {cache['second_s']:.2f}s)",
                    cache["speedup"] >= 10 and cache["same_output"],
                    note,
                )
            )
        else:
            targets.append(
                Target("cached rerun >= 10x faster than the first run", "-", None, cache["reason"])
            )
    if help_times is not None:
        targets.append(
            Target(
                "`wirebrief --help` <= 1.5x `import click, rich`",
                f"{help_times['ratio']:.2f}x ({help_times['help_s'] * 1000:.0f} ms vs"
                f" {help_times['import_s'] * 1000:.0f} ms)",
                help_times["ratio"] <= 1.5,
            )
        )
    return targets


def print_targets(targets: list[Target]) -> None:
    print("\nTargets (measured in this run)")
    for target in targets:
        print(f"  {target.verdict():<5}{target.description:<62}{target.measured}")
        if target.note:
            print(f"       {target.note}")


def write_json(
    path: Path,
    info: dict[str, Any],
    work: Work,
    args: argparse.Namespace,
    results: dict[int, list[LineResult]],
    help_times: dict[str, float] | None,
    cache: dict[str, Any] | None,
    targets: list[Target],
    ceiling: Ceiling | None = None,
) -> None:
    lines = []
    for beams, beam_results in results.items():
        for result in beam_results:
            entry = {k: v for k, v in asdict(result).items() if k != "outcome"}
            if result.outcome:
                entry.update({k: v for k, v in asdict(result.outcome).items() if k != "produced"})
                rate = result.throughput(work)
                entry.update(tokens_per_s=rate, sentences_per_s=len(work.sentences) / result.outcome.work_s)
                entry["ceiling_share"] = ceiling_share(rate, work_per_token(work, beams), ceiling)
            lines.append(entry)
    report = {
        "machine": info,
        "settings": {
            "device": args.device,
            "articles": args.articles,
            "seed": args.seed,
            "beams": args.beams,
            "batch_size": args.batch_size,
            "ct2_batch_size": args.ct2_batch_size,
        },
        "work": {
            "articles": work.articles,
            "sentences": len(work.sentences),
            "unique": work.unique,
            "source_tokens": sum(work.source_tokens),
            "target_tokens": work.target_tokens,
        },
        "lines": lines,
        "help": help_times,
        "cached_rerun": cache,
        "targets": [{**asdict(t), "verdict": t.verdict()} for t in targets],
        "ceiling": None if ceiling is None else {"ops_per_s": ceiling.ops_per_s, "kind": ceiling.kind},
    }
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Entry points


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument(
        "--articles",
        type=int,
        help="copies of the example article (default 1 on cpu, about 16 minutes on 2 idle cores; 8 on cuda)",
    )
    parser.add_argument("--beams", default="1,4", help="beam widths to run, comma-separated (default 1,4)")
    parser.add_argument(
        "--lines", default=",".join(LINE_NAMES), help=f"lines to run (default all: {','.join(LINE_NAMES)})"
    )
    parser.add_argument("--skip-loop", action="store_true", help="leave out the slow per-sentence loop")
    parser.add_argument(
        "--no-extras",
        dest="extras",
        action="store_false",
        help="leave out the --help timing and the cached rerun",
    )
    parser.add_argument(
        "--work-dir", type=Path, default=REPO / ".bench", help="cache of built models and articles"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--batch-size", type=int, help="sentences per batch, pipeline and sorted (16; 256 on cuda)"
    )
    parser.add_argument("--ct2-batch-size", type=int, help="CTranslate2 max_batch_size (32; 1024 on cuda)")
    parser.add_argument(
        "--threads",
        type=int,
        default=cpu_cores(),
        help=f"threads for torch, CTranslate2 and OpenMP (default: the {cpu_cores()} cores)",
    )
    parser.add_argument("--line-timeout", type=int, default=3600, help="seconds one line may take")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--only", choices=LINE_NAMES, help="run one line in this process (how the script calls itself)"
    )
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.work_dir = args.work_dir.resolve()
    args.beams = [int(value) for value in str(args.beams).split(",") if value.strip()]
    args.lines = [name for name in args.lines.split(",") if name] if not args.only else [args.only]
    unknown = set(args.lines) - set(LINE_NAMES)
    if unknown:
        parser.error(f"unknown line(s): {', '.join(sorted(unknown))}")
    if args.skip_loop:
        args.lines = [name for name in args.lines if name != "loop"]
    args.articles = args.articles or (8 if args.device == "cuda" else 1)
    args.batch_size = args.batch_size or (256 if args.device == "cuda" else 16)
    args.ct2_batch_size = args.ct2_batch_size or (1024 if args.device == "cuda" else 32)
    args.extras = args.extras and not args.only
    return args


def child_main(args: argparse.Namespace) -> int:
    """--only NAME: run one line here and write its Outcome as JSON (or print it)."""
    paths = Paths(args.work_dir)
    work = prepare(args, paths)
    setup = LineSetup(
        args.only,
        args.beams[0],
        args.device,
        args.batch_size,
        args.ct2_batch_size,
        args.threads,
        paths,
        work,
        paths.articles(args.articles, args.seed),
    )
    outcome = run_line(setup)
    text = json.dumps(asdict(outcome))
    if args.result:
        args.result.write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


def print_extras(help_times: dict[str, float] | None, cache: dict[str, Any] | None) -> None:
    if help_times:
        print(
            f"\n`wirebrief --help`: {help_times['help_s'] * 1000:.0f} ms; bare `import click, rich`:"
            f" {help_times['import_s'] * 1000:.0f} ms (medians of {HELP_RUNS} runs)"
        )
    if cache and cache["status"] == "ok":
        print(
            f"`wirebrief brief` on a fresh cache file: {cache['first_s']:.1f}s; rerun: {cache['second_s']:.2f}s"
            f" (same output: {'yes' if cache['same_output'] else 'NO'})"
        )
    elif cache:
        print(f"`wirebrief brief` cached rerun: {cache['status']} ({cache['reason']})")


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    if "--ray" in given:
        # The cluster comparison has its own figures (the same feed through `wirebrief batch` and
        # `--ray local`, Ray's start-up apart): scripts/bench_ray.py, given the other arguments.
        given.remove("--ray")
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import bench_ray

        sys.argv = [str(Path(bench_ray.__file__)), *given]
        bench_ray.main()
        return 0
    args = parse_args(argv)
    # Every process started from here on inherits this environment.
    os.environ.update(child_env(args.work_dir, args.threads))
    if args.only:
        return child_main(args)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    paths = Paths(args.work_dir)
    work = prepare(args, paths)
    converting = [
        e for e in ("ctranslate2", "auto") if f"wirebrief-{e}" in args.lines and not wirebrief_unavailable(e)
    ]
    warm_wirebrief(paths, args.device, converting)
    info = machine_info(args.device)
    print_header(info, work, args)
    # Measured in this process before the lines start, with the lines' thread count.
    ceiling = measure_ceiling(args.device, args.threads)
    print(f"  ceiling: {ceiling.describe() if ceiling else 'not measured (no torch quantized engine)'}")
    results: dict[int, list[LineResult]] = {}
    for beams in args.beams:
        log(f"{beam_label(beams)}:")
        results[beams] = [run_child(args, name, beams, work) for name in args.lines]
        print_table(results[beams], work, beams, ceiling)
    help_times = measure_help() if args.extras else None
    cache = measure_cached_rerun(args, paths) if args.extras else None
    print_extras(help_times, cache)
    targets = collect_targets(results, work, help_times, cache, args.device)
    print_targets(targets)
    if args.json:
        write_json(args.json, info, work, args, results, help_times, cache, targets, ceiling)
    return 0


if __name__ == "__main__":
    sys.exit(main())
