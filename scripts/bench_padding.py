#!/usr/bin/env python
"""What batch-invariant padding costs the CTranslate2 engine: the same sentences translated
with batches padded to their longest input (as before) and to each input's bucket ceiling.

    python scripts/bench_padding.py                 # 2 articles (70 sentences), greedy and 4 beams
    python scripts/bench_padding.py --articles 4 --beams 1 --repeats 5

The model is scripts/bench.py's opus-mt-nl-en stand-in (full size, random weights, built once
into .bench/); the sentences are bench.py's article copies. A random model never stops, so
every sentence runs to its cap and both ways do the same useful work; what differs is the
padding and the batches. The two ways take turns, and the best of --repeats runs of each is
reported, with their ratio. Also reported: how many inputs got more than one result over
several batch compositions, each way (the drift the padding is there to remove).
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bench():
    spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench"] = module
    spec.loader.exec_module(module)
    return module


def _engine(model: Path, convert_root: Path, padded: bool, threads: int):
    from wirebrief.engines.ct2 import CTranslate2Engine
    from wirebrief.models import resolve

    engine = CTranslate2Engine(resolve(str(model)), compute_type="int8", offline=True, convert_root=convert_root, threads=threads)
    if not padded:
        engine._padding = lambda: None
        engine._filler = lambda sources: None
    engine.load()
    return engine


def _timed(engine, sentences, params) -> float:
    started = time.perf_counter()
    engine.generate(sentences, params)
    return time.perf_counter() - started


def _drift(engine, sentences, params, rounds: int = 3) -> int:
    """Inputs with more than one (score, tokens) over: all at once, one by one, random thirds."""
    real = engine._translator
    seen: dict[tuple[str, ...], set] = defaultdict(set)

    class Recording:
        def translate_batch(self, source, **options):
            results = real.translate_batch(source, return_scores=True, **options)
            for tokens, result in zip(source, results):
                seen[tuple(tokens)].add((result.scores[0], tuple(result.hypotheses[0])))
            return results

    engine._translator = Recording()
    try:
        engine.generate(sentences, params)
        engine.batch_size = 1
        engine.generate(sentences, params)
        engine.batch_size = None
        chooser = random.Random(0)
        for _ in range(rounds):
            engine.generate(chooser.sample(sentences, len(sentences) // 3), params)
    finally:
        engine._translator = real
    inputs = {tuple(engine._tokens(ids)) for ids in engine._encode(sentences, None, add_special_tokens=True)["input_ids"]}
    return sum(len(seen[tokens]) > 1 for tokens in inputs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2)
    parser.add_argument("--beams", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="CTranslate2 threads (0: every core)")
    parser.add_argument("--work-dir", type=Path, default=ROOT / ".bench")
    parser.add_argument("--drift", action="store_true", help="also count inputs whose result moves with their batch")
    parser.add_argument("--pad-step", type=int, help="the smallest bucket width (default: wirebrief's PAD_STEP)")
    args = parser.parse_args()
    if args.pad_step:
        from wirebrief.engines import batching as engine_module

        engine_module.PAD_STEP = args.pad_step

    from wirebrief.inputs.document import parse
    from wirebrief.translation import translation_params

    bench = _bench()
    paths = bench.Paths(args.work_dir)
    stamp = {"version": bench.BUILD_VERSION, "seed": 0, "vocab": bench.VOCAB_SIZE}
    bench.build_once(paths.model, stamp, lambda folder: bench.build_model(folder, 0))
    sentences = [
        sentence
        for text in bench.article_copies(args.articles, 0)
        for paragraph in parse(text, language="nl").paragraphs
        for sentence in paragraph.sentences
    ]
    convert_root = args.work_dir / "ct2-padding"
    engines = {padded: _engine(paths.model, convert_root, padded, args.threads) for padded in (False, True)}
    from wirebrief.engines import batching as engine_module

    print(f"{len(sentences)} sentences, CTranslate2 int8, {engines[True].threads} threads, buckets from {engine_module.PAD_STEP} tokens")
    for beams in args.beams:
        params = translation_params(num_beams=beams)
        best = {False: float("inf"), True: float("inf")}
        for _ in range(args.repeats):
            for padded in (False, True):
                best[padded] = min(best[padded], _timed(engines[padded], sentences, params))
        print(
            f"beams {beams}: longest-member padding {best[False]:.2f} s, bucket padding {best[True]:.2f} s, "
            f"ratio {best[True] / best[False]:.2f}"
        )
        if args.drift:
            for padded in (False, True):
                moved = _drift(engines[padded], sentences, params)
                print(f"  {'bucket' if padded else 'longest-member'} padding: {moved} of {len(sentences)} inputs moved with their batch")


if __name__ == "__main__":
    main()
