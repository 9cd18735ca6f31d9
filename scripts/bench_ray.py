#!/usr/bin/env python
"""The same feed through `wirebrief batch` and through `--ray local`, with the same threads.

    python scripts/bench_ray.py                              # 24 articles, 2 actors x 1 CPU
    python scripts/bench_ray.py --articles 200 --actors 4 --actor-cpus 2 --json ray.json

Both lines brief one feed (copies of examples/article-nl-2025-02.txt, each sentence of copy k
marked " (k)" so that nothing repeats) with the same models and no cache. The local line runs
`batch.run_batch` in this process with --threads = actors x actor CPUs; the Ray line starts a
local Ray with that many CPUs and runs `batch.ray.run_batch_ray` on it. Ray's fixed cost, the
time to start Ray itself, is printed apart from the run; the actors' start-up (a process each,
and loading its engines) is part of the run, as it is of every real one. Models default to the
tiny test models (scripts/make_tiny_models.py), so the figures say what the machinery costs,
not what a real model's work costs; pass --translation-model and --summary-model for that.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "article-nl-2025-02.txt"


def feed(folder: Path, count: int) -> Path:
    """`count` articles, every sentence of copy k > 0 marked " (k)" before its full stop."""
    text = EXAMPLE.read_text(encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    for copy in range(count):
        marked = text if copy == 0 else re.sub(r"([.!?])(\s|$)", rf" ({copy})\1\2", text)
        (folder / f"article-{copy:05d}.txt").write_text(marked, encoding="utf-8")
    return folder


def models(args: argparse.Namespace) -> tuple[str, str]:
    if args.translation_model and args.summary_model:
        return args.translation_model, args.summary_model
    tiny = ROOT / ".tiny-models"
    if not (tiny / "translation").exists():
        sys.path.insert(0, str(ROOT / "scripts"))
        import make_tiny_models

        make_tiny_models.build(tiny, seed=0)
    return str(tiny / "translation"), str(tiny / "summary")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=24)
    parser.add_argument("--actors", type=int, default=2)
    parser.add_argument("--actor-cpus", type=int, default=1)
    parser.add_argument("--tiers", default="none")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--translation-model")
    parser.add_argument("--summary-model")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from wirebrief.batch import run_batch
    from wirebrief.batch.ray import run_batch_ray
    from wirebrief.config import Settings

    threads = args.actors * args.actor_cpus
    translation, summary = models(args)
    settings = Settings(
        translation_model=translation, summary_model=summary, device=args.device, offline=True, use_cache=False,
        threads=threads,
    )
    work = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    try:
        sources = [str(feed(work / "feed", args.articles))]
        started = time.perf_counter()
        local = run_batch(sources, out_dir=work / "local", settings=settings, tiers=args.tiers)
        local_seconds = time.perf_counter() - started

        import ray

        started = time.perf_counter()
        ray.init(address="local", num_cpus=threads, include_dashboard=False, log_to_driver=False,
                 _temp_dir=str(work / "ray"))
        startup = time.perf_counter() - started
        started = time.perf_counter()
        on_ray = run_batch_ray(
            sources, out_dir=work / "ray-out", settings=replace(settings, threads=args.actor_cpus),
            tiers=args.tiers, actors=args.actors, actor_cpus=args.actor_cpus,
        )
        ray_seconds = time.perf_counter() - started
        ray.shutdown()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rows = [
        ("wirebrief batch", local.ok, local_seconds, None, f"--threads {threads}"),
        ("wirebrief batch --ray local", on_ray.ok, ray_seconds, startup, f"{args.actors} actors x {args.actor_cpus} CPUs"),
    ]
    print(f"{args.articles} articles, tiers {args.tiers}, {threads} threads in all, {os.cpu_count()} cores here")
    print(f"{'line':30} {'ok':>5} {'run s':>8} {'articles/s':>11} {'Ray start s':>12}  setup")
    for name, ok, seconds, start, setup in rows:
        started_text = f"{start:12.1f}" if start is not None else f"{'':12}"
        print(f"{name:30} {ok:5d} {seconds:8.1f} {ok / seconds:11.2f} {started_text}  {setup}")
    if args.json:
        args.json.write_text(json.dumps([
            {"line": name, "ok": ok, "seconds": seconds, "ray_start_seconds": start, "setup": setup}
            for name, ok, seconds, start, setup in rows
        ], indent=2))


if __name__ == "__main__":
    main()
