"""The local batch driver: a short loop over the steps (steps.py), in one process."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from wirebrief.batch.manifest import Manifest
from wirebrief.batch.outputs import INDEX, json_line, remove_stale_temporaries, run_file
from wirebrief.batch.sources import check_sources
from wirebrief.batch.steps import (
    Job,
    Observer,
    Outcome,
    Prepared,
    Quiet,
    Report,
    batch_options,
    brief_window,
    check_output,
    finished,
    make_job,
    prepared_inputs,
    resume_keys,
    windows,
    write_result,
)
from wirebrief.config import Settings
from wirebrief.errors import OutputError
from wirebrief.options import Options

if TYPE_CHECKING:
    from wirebrief.engines.pool import EnginePool

#: Default window: articles read and translated together, and the sentences they may hold.
WINDOW_ARTICLES = 128
WINDOW_SENTENCES = 4096


def run_batch(
    sources: Sequence[str],
    *,
    out_dir: Path | None,
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
    **option_arguments: Any,
) -> Report:
    """Brief every input; see the package docstring. Returns what happened.

    `options` says what to make (tiers, languages, formats, fail-on); the keyword arguments
    `tiers`, `source_lang`, `target_lang`, `output_format`, `fail_on` and `input_format` may
    be given instead. `engines` may supply ready engines by role or model (as for
    `engines.pool.EnginePool`); the run's own engines are released at its end, unless
    `engines` was given: then they are added to it, so passing it again reuses them. With
    ``output_format="jsonl"`` results go to `stream` (one JSON object per input, in input
    order) and `out_dir` must be None: there is no manifest, so nothing to resume.
    """
    options = batch_options(options, option_arguments)
    check_output(options.output_format, out_dir)
    stream = stream or sys.stdout
    if stream is None and options.output_format == "jsonl":  # started with fd 1 closed (`>&-`)
        raise OutputError("standard output is closed: the results cannot be written",
                          hint="redirect it to a file or a pipe, or pass a stream")
    check_sources(sources)
    job = make_job(settings, options, out_dir)
    from wirebrief.engines.pool import EnginePool

    pool = EnginePool(settings, supplied=engines)
    try:
        return _run(sources, job, pool, force, shard, pattern, (window_articles, window_sentences),
                    observer or Quiet(), stream)
    finally:
        if engines is not None:
            # As pipeline.iter_briefs: a caller passing the same dict again reuses the engines.
            engines.update({f"{role}:{model}": engine for role, model, engine in pool.engines()})
        else:
            pool.close()


def _run(sources: Sequence[str], job: Job, pool: EnginePool, force: bool, shard: tuple[int, int], pattern: str,
         window: tuple[int, int], observer: Observer, stream: TextIO) -> Report:
    keys = resume_keys(job, pool)
    report = Report()
    started = time.perf_counter()
    manifest = _open(job.out_dir)
    done = manifest.load() if manifest is not None else {}
    records = prepared_inputs(sources, pattern, shard, job, keys, done, force)
    for records_of_window in windows(records, *window):
        for outcome in _outcomes(records_of_window, job, pool, observer, stream):
            report.add(outcome)
            _record(outcome, manifest, job, stream)
            observer.article(outcome.entry, report)
    report.seconds = time.perf_counter() - started
    if manifest is not None:
        _close(manifest, job, shard)
    return report


def _open(out_dir: Path | None) -> Manifest | None:
    """--out made and cleaned of killed runs' temporaries, and its manifest; None for a stream."""
    if out_dir is None:
        return None
    with run_file(out_dir, "created"):
        out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out_dir)
    return Manifest(out_dir)


def _outcomes(window: list[Prepared | Outcome], job: Job, pool: EnginePool, observer: Observer,
              stream: TextIO) -> Iterator[Outcome]:
    """Each input of a window's outcome, in input order, each as soon as it is known."""
    briefs = brief_window(
        [record for record in window if isinstance(record, Prepared)], job, pool=pool, progress=observer,
    )
    for record in window:
        if isinstance(record, Outcome):
            yield record
            continue
        brief = next(briefs)
        if isinstance(brief, Outcome):
            yield brief
        elif job.out_dir is None:
            # Write errors (a reader gone, a full disk) are the caller's: nothing here catches them.
            stream.write(json_line({"id": record.item.id, "status": "ok", "brief": brief.to_dict()}))
            stream.flush()
            yield finished(record, brief, job)
        else:
            yield write_result(record, brief, job)


def _record(outcome: Outcome, manifest: Manifest | None, job: Job, stream: TextIO) -> None:
    """An outcome in the manifest, or a failure in the stream of JSON lines."""
    entry = outcome.entry
    if manifest is not None:
        manifest.append(entry)
    elif job.options.output_format == "jsonl" and outcome.status == "failed":
        stream.write(json_line({"id": entry["id"], "status": "failed", "error": entry["error"]}))
        stream.flush()


def _close(manifest: Manifest, job: Job, shard: tuple[int, int]) -> None:
    """A run without shards rewrites its manifest compactly; --format html writes the index."""
    if shard[1] == 1:
        manifest.compact()
    if job.options.output_format == "html":
        write_index(manifest)


def write_index(manifest: Manifest) -> None:
    """``index.html`` beside the manifest: every input of the run, from its latest entries."""
    from wirebrief.render.html import batch_index

    title = f"wirebrief batch: {manifest.path.parent.resolve().name}"
    # An id with a lone surrogate shows as \ud800 on the page rather than stopping the run.
    manifest.write_beside(INDEX, lambda entries: batch_index(entries, title=title), errors="backslashreplace")
