"""`wirebrief batch --ray`: the same run, briefed by a pool of Ray actors.

The driver (this process) does what the local batch does before and after the models, with
the same steps (steps.py): it lists the inputs with wirebrief's own listing (folders, files,
JSONL with broken lines recorded as failures), reads and parses each, decides the skips by
the same resume rule, and writes every result and the manifest. Only the prepared records
that need a brief go to Ray, as a Ray Data dataset of more blocks than actors, mapped by an
actor pool (`ray_worker.BriefWorker`) that loads its engines once. A run with nothing left to
brief starts no Ray at all.

Why the driver writes: one writer for --out and the manifest (as locally), so --out need only
be reachable from the driver (a folder, or a URI through pyarrow), credentials for an object
store are needed in one process, and a full disk stops the run in one place. A brief is a
few kilobytes, so sending it back costs little next to making it.

Failures: an article that fails is that article's failure, as locally. An actor that dies is
restarted by Ray and its block given again; the block is then briefed one article at a time,
and an article that kills its actor each time is recorded as failed after a bounded number of
tries (see ray_worker). Ray itself is imported only here, on ``--ray``.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import os
import pickle
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, redirect_stdout, suppress
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from wirebrief.batch.ray_output import destination
from wirebrief.batch.run import WINDOW_ARTICLES, WINDOW_SENTENCES
from wirebrief.batch.sources import check_sources
from wirebrief.batch.steps import (
    Job,
    Observer,
    Outcome,
    Prepared,
    Quiet,
    Report,
    batch_options,
    check_output,
    make_job,
    prepared_inputs,
    resume_keys,
)
from wirebrief.config import Settings
from wirebrief.errors import ConfigError, UsageError
from wirebrief.fs import shared_filesystem
from wirebrief.options import Options

log = logging.getLogger(__name__)

#: Blocks per actor at least, so that no actor idles while another works through a long one.
BLOCKS_PER_ACTOR = 4
EXTRA = "pip install 'wirebrief[ray]'"


def require_ray() -> None:
    """Refuse --ray at once without the extra, in one line, without importing ray (slow)."""
    try:
        found = importlib.util.find_spec("ray") is not None and importlib.util.find_spec("ray.data") is not None
    except (ImportError, ValueError):  # ValueError: a module set to None (how tests hide one)
        found = False
    if not found:
        raise UsageError("--ray needs Ray Data, which is not installed", hint=EXTRA)


def import_ray() -> Any:
    """ray, or a one-line error naming the extra that brings it."""
    try:
        import ray
        import ray.data
    except ImportError:
        raise UsageError("--ray needs Ray Data, which is not installed", hint=EXTRA) from None
    return ray


def run_batch_ray(
    sources: Sequence[str],
    *,
    out_dir: Path | str | None,
    settings: Settings,
    options: Options | None = None,
    force: bool = False,
    shard: tuple[int, int] = (1, 1),
    pattern: str = "*.txt",
    window_articles: int = WINDOW_ARTICLES,
    window_sentences: int = WINDOW_SENTENCES,
    observer: Observer | None = None,
    stream: TextIO | None = None,
    engines: dict[str, Any] | None = None,
    ray_address: str | None = None,
    actors: int = 1,
    actor_cpus: int = 1,
    **option_arguments: Any,
) -> Report:
    """`batch.run_batch` on a Ray cluster; the same arguments, and the same Report.

    `ray_address`: None for RAY_ADDRESS or a running cluster ("auto"), "local" for a Ray
    started on this machine for the run, or an address (``head:6379``). A Ray already
    connected in this process is used as it is. `actors` actors brief, each with `actor_cpus`
    CPUs (its engines' threads) and, with ``device="cuda"``, one GPU. `out_dir` may be a URI.
    """
    options = batch_options(options, option_arguments)
    _refuse_options(options, shard, stream, engines, actors, actor_cpus)
    require_ray()
    check_output(options.output_format, out_dir)  # type: ignore[arg-type]
    check_sources(sources)
    _refuse_shared_cache(settings)
    output = destination(out_dir)  # type: ignore[arg-type]
    job = make_job(settings, options, output.folder)  # type: ignore[arg-type]
    observer = observer or Quiet()
    report = Report()
    started = time.perf_counter()
    manifest = output.open()
    done = manifest.load()

    def finish(outcome: Outcome) -> None:
        report.add(outcome)
        manifest.append(outcome.entry)
        observer.article(outcome.entry, report)

    todo: list[Prepared] = []
    for record in prepared_inputs(sources, pattern, (1, 1), job, resume_keys(job), done, force):
        if isinstance(record, Outcome):
            finish(record)  # a failure found while reading, or a skip: no Ray needed
        else:
            todo.append(record)
    if todo:
        ray = import_ray()
        with _connected(ray, ray_address):
            _refuse_resources(ray, settings, actors, actor_cpus)
            # "Translating": the progress bar counts the sentences advanced in that stage.
            observer.stage(f"Translating on Ray ({len(todo)} articles, {actors} actors)")
            for record, result in brief_on_ray(ray, todo, job, actors, actor_cpus, window_articles, window_sentences):
                outcome = result if isinstance(result, Outcome) else output.write(record, result, job)
                observer.advance(outcome.sentences)
                finish(outcome)
    report.seconds = time.perf_counter() - started
    manifest.compact()
    if options.output_format == "html":
        output.write_index(manifest)  # type: ignore[arg-type]
    return report


def _refuse_options(
    options: Options, shard: tuple[int, int], stream: Any, engines: Any, actors: int, actor_cpus: int,
) -> None:
    if shard != (1, 1):
        raise UsageError("--shard and --ray do not go together", hint="Ray spreads the inputs over its actors itself")
    if options.output_format == "jsonl":
        raise UsageError("--format jsonl to standard output does not go with --ray", hint="write to --out")
    if engines:
        raise UsageError("engines made in this process cannot be sent to Ray actors", hint="pass settings instead")
    if actors < 1 or actor_cpus < 1:
        raise UsageError("--actors and --actor-cpus must be at least 1")


def _refuse_shared_cache(settings: Settings) -> None:
    """A cache file on a network filesystem, which SQLite's write-ahead log cannot share."""
    if not settings.use_cache:
        return
    from wirebrief.engines.cache import default_cache_path

    path = settings.cache or default_cache_path()
    kind = shared_filesystem(path)
    if kind is not None:
        raise ConfigError(
            f"the cache {path} is on {kind}: SQLite cannot share a file there between machines",
            hint="give --cache a path on each node's local disk (merge them after with `wirebrief cache merge`), "
            "or use --no-cache",
        )


@contextmanager
def _connected(ray: Any, address: str | None) -> Iterator[None]:
    """Ray connected for the run: one already connected is used and left as it is; one this
    connects to (or starts, for "local") is left again at the end."""
    # Ray prints its raylet's messages (an actor died, a task is retried) to standard output,
    # which is for results: while it runs they go to standard error with the progress.
    with redirect_stdout(sys.stderr), _session(ray, address):
        yield


@contextmanager
def _session(ray: Any, address: str | None) -> Iterator[None]:
    if ray.is_initialized():
        yield
        return
    quiet = {"log_to_driver": False, "logging_level": logging.WARNING}
    try:
        if address == "local":
            ray.init(address="local", include_dashboard=False, **quiet)
        else:
            # Plain --ray ("auto"): the cluster RAY_ADDRESS names (as `ray job submit` sets it),
            # else one running on this machine.
            named = os.environ.get("RAY_ADDRESS") if address in (None, "auto") else address
            ray.init(address=named or "auto", **quiet)
    except ConnectionError as error:
        raise ConfigError(f"no Ray cluster to connect to ({error})",
                          hint="start one with `ray start --head`, or use --ray local") from None
    try:
        yield
    finally:
        ray.shutdown()


def _refuse_resources(ray: Any, settings: Settings, actors: int, actor_cpus: int) -> None:
    """Refuse at once what Ray would wait for forever: GPUs or CPUs the cluster does not have."""
    resources = ray.cluster_resources()
    if settings.device.startswith("cuda"):
        gpus = int(resources.get("GPU", 0))
        if gpus == 0:
            raise ConfigError("--device cuda, but the Ray cluster has no GPU", hint="use --device cpu, or add GPU nodes")
        if actors > gpus:
            raise ConfigError(f"--actors {actors} with --device cuda needs {actors} GPUs; the cluster has {gpus}",
                              hint=f"use --actors {gpus}")
    cpus = int(resources.get("CPU", 0))
    if actors * actor_cpus > cpus:
        raise ConfigError(
            f"{actors} actors of {actor_cpus} CPUs need {actors * actor_cpus} CPUs; the cluster has {cpus}",
            hint="lower --actors or --actor-cpus",
        )


def brief_on_ray(
    ray: Any, todo: list[Prepared], job: Job, actors: int, actor_cpus: int, window_articles: int,
    window_sentences: int,
) -> Iterator[tuple[Prepared, Any]]:
    """Each record with its Brief or failure, as the actors finish them (not in input order).

    `todo` is emptied: its articles travel to the actors pickled, and the driver keeps each
    record without its article.
    """
    from ray.data import ActorPoolStrategy, DataContext
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    from wirebrief.batch.ray_worker import BriefWorker, Ledger

    rows = [{"index": index, "record": pickle.dumps(record)} for index, record in enumerate(todo)]
    kept = [replace(record, article=None) for record in todo]
    todo.clear()
    per_block = max(1, min(window_articles, math.ceil(len(rows) / (actors * BLOCKS_PER_ACTOR))))
    context = DataContext.get_current()
    context.enable_progress_bars = False  # progress is the driver's, on stderr, as locally
    if not logging.getLogger("wirebrief").isEnabledFor(logging.DEBUG):
        # Ray Data's own account of each execution; --debug shows it.
        logging.getLogger("ray.data").setLevel(logging.ERROR)
    here = ray.get_runtime_context().get_node_id()
    # On the driver's node, so that it lives as long as the run whatever node dies.
    ledger = Ledger.options(scheduling_strategy=NodeAffinitySchedulingStrategy(here, soft=False)).remote()
    dataset = ray.data.from_items(rows, override_num_blocks=math.ceil(len(rows) / per_block)).map_batches(
        BriefWorker,
        batch_size=per_block,
        batch_format="pyarrow",
        compute=ActorPoolStrategy(size=actors),
        num_cpus=actor_cpus,
        num_gpus=1 if job.settings.device.startswith("cuda") else None,
        fn_constructor_kwargs={
            "job": replace(job, out_dir=None), "ledger": ledger, "window_articles": window_articles,
            "window_sentences": window_sentences,
        },
    )
    warned: set[str] = set()
    try:
        for row in dataset.iter_rows():
            result, warning = pickle.loads(row["outcome"])
            if warning is not None and warning not in warned:
                warned.add(warning)
                log.warning("%s", warning)
            yield kept[row["index"]], result
    finally:
        with suppress(Exception):
            ray.kill(ledger)
