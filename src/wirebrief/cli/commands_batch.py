"""batch: many articles, resumable, locally or (--ray) on a Ray cluster.

Ray is imported only when --ray is given: batch.ray is not imported by a plain batch or by
`--help`, and it imports ray itself only once there are articles to brief.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import click

from wirebrief.cli.group import debug_on, debug_option
from wirebrief.cli.options import (
    fail_on_option,
    input_format_option,
    model_options,
    quiet_option,
    settings_from,
    source_lang_option,
    target_option,
    tiers_option,
    verify_option,
)
from wirebrief.cli.streams import quiet_libraries, require_stdout, silence_stdout, stderr_console
from wirebrief.options import BATCH_FORMATS, Options


def batch_summary(report, console, quiet: bool) -> None:
    from wirebrief.render.views import batch_line, print_batch_table

    if quiet:
        return
    if not console.is_terminal:
        click.echo(batch_line(report), err=True)
        return
    print_batch_table(report, console)


def _batch_observer(sources: Sequence[str], pattern: str, shard: tuple[int, int], console, quiet: bool):
    """A progress bar on a terminal (its total counted first when it can be), else a log of failures."""
    from wirebrief.render.progress import BatchLog, BatchProgress

    if quiet or not console.is_terminal:
        return BatchLog(quiet)
    from wirebrief.batch import check_sources, count_inputs

    check_sources(sources)
    total = count_inputs(sources, pattern)
    if total is not None and shard[1] > 1:
        total = None  # which inputs are ours is known only as they are read
    return BatchProgress(console, total)


def _ray_arguments(ray_address: str | None, actors: int | None, actor_cpus: int | None,
                   out_dir: str | None) -> dict[str, Any] | None:
    """run_batch_ray's own arguments, or None for a local batch; refuses Ray's options without --ray."""
    from wirebrief.errors import UsageError
    from wirebrief.fs import is_uri

    if ray_address is None:
        given = [name for name, value in (("--actors", actors), ("--actor-cpus", actor_cpus)) if value is not None]
        if given:
            raise UsageError(f"{' and '.join(given)} only go with --ray", hint="add --ray, after the inputs")
        if out_dir is not None and is_uri(out_dir):
            raise UsageError(f"--out {out_dir}: a URI is for --ray runs", hint="give a folder, or add --ray")
        return None
    from wirebrief.batch.ray import require_ray

    require_ray()  # at once, before any input is read or counted
    return {"ray_address": ray_address, "actors": actors or 1, "actor_cpus": actor_cpus or 1}


def _output_folder(out_dir: str | None):
    """--out as a Path, or as given when it is a URI (only --ray gets that far with one)."""
    from pathlib import Path

    from wirebrief.fs import is_uri

    if out_dir is None or is_uri(out_dir):
        return out_dir
    return Path(out_dir)


def _terminate(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


@click.command()
@click.argument("sources", metavar="INPUT...", nargs=-1, required=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=str), metavar="FOLDER", help="Where the results and manifest.jsonl go (not with --format jsonl); with --ray also a URI (s3://..., gs://..., file:///...).")
@click.option("--format", "output_format", type=click.Choice(BATCH_FORMATS), default="json", show_default=True, help="One file per input (json, markdown, html with an index.html), or JSON lines on stdout (jsonl).")
@source_lang_option
@target_option
@tiers_option
@click.option("--force", is_flag=True, help="Redo inputs whose results are already there.")
@click.option("--shard", metavar="K/N", default="1/1", show_default=True, help="Run only the K-th of N deterministic parts of the inputs (one process per GPU).")
@click.option("--glob", "pattern", default="*.txt", show_default=True, help="Which files to take from folders, recursively (comma-separated patterns, e.g. '*.txt,*.html').")
@input_format_option
@click.option("--window", type=click.IntRange(min=1), default=128, show_default=True, help="Articles read and translated together (memory stays bounded by it).")
@fail_on_option
@verify_option
@click.option(
    "--ray", "ray_address", metavar="[ADDRESS|local|auto]", is_flag=False, flag_value="auto", default=None,
    help="Brief on a Ray cluster (pip install 'wirebrief[ray]'): auto (plain --ray) joins the cluster RAY_ADDRESS "
    "names or one running here, local starts one for the run, ADDRESS joins that head (host:6379). "
    "Put the inputs before --ray: it takes the word after it as its value.",
)
@click.option("--actors", type=click.IntRange(1, 4096), help="With --ray: actors briefing at once, each loading the models once (default 1).")
@click.option("--actor-cpus", type=click.IntRange(1, 4096), help="With --ray: CPUs per actor, its models' threads (default 1).")
@model_options
@quiet_option
@debug_option
def batch(sources: tuple[str, ...], out_dir: str | None, output_format: str, source_lang: str, target_lang: str,
          tiers: str | None, force: bool, shard: str, pattern: str, input_format: str, window: int, fail_on: str,
          verify: str, ray_address: str | None, actors: int | None, actor_cpus: int | None, quiet: bool, **flags: Any) -> None:
    """Brief many articles: files, folders (every *.txt, recursively), .jsonl files, or - for
    JSONL on stdin. One result per input in --out with a manifest.jsonl; a rerun resumes.

    Exit codes: 0 every input ok or skipped, 7 some inputs failed (the others have results),
    8 some results have findings at the --fail-on severity, others as for brief.

    With --ray (inputs first, then --ray) the articles are briefed by Ray actors; this process
    reads the inputs and writes every result and the manifest, as locally.
    """
    import signal

    from wirebrief.batch import parse_shard, run_batch
    from wirebrief.errors import EXIT_CHECKS, EXIT_PARTIAL, OutputError

    if output_format == "jsonl":
        require_stdout("the results")  # before any input is read or model loaded
    run = run_batch
    on_ray = _ray_arguments(ray_address, actors, actor_cpus, out_dir)
    if on_ray is not None:
        from wirebrief.batch.ray import run_batch_ray

        run = partial(run_batch_ray, **on_ray)
    settings = settings_from(**flags)
    options = Options(tiers=tiers, source_lang=source_lang, target_lang=target_lang, input_format=input_format,
                      output_format=output_format, fail_on=fail_on, verify=verify)
    shard_k_n = parse_shard(shard)
    quiet_libraries(debug_on(click.get_current_context()))
    signal.signal(signal.SIGTERM, _terminate)
    console = stderr_console()
    observer = _batch_observer(sources, pattern, shard_k_n, console, quiet)
    with observer:
        try:
            report = run(
                list(sources), out_dir=_output_folder(out_dir), settings=settings, options=options,
                force=force, shard=shard_k_n, pattern=pattern, window_articles=window, observer=observer,
            )
        except BrokenPipeError:
            raise
        except OSError as error:  # only JSON lines on stdout get here: run_batch owns its files' errors
            silence_stdout()
            raise OutputError(f"cannot write the results to standard output: {error.strerror or error}") from None
        observer.finish(report)
    batch_summary(report, console, quiet)
    if report.failed:
        click.get_current_context().exit(EXIT_PARTIAL)
    if report.flagged:
        click.get_current_context().exit(EXIT_CHECKS)
