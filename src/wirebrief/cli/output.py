"""What the commands print: results to stdout, progress and notes to stderr, and the exit code
findings decide."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from wirebrief.cli.group import debug_on
from wirebrief.cli.streams import out, print_rich, quiet_libraries, stderr_console
from wirebrief.options import Options


def show(view: Any, output_format: str) -> None:
    """A view from render.views: JSON, Rich, or its plain-text lines for any other format."""
    if output_format == "json":
        out(view.json())
    elif output_format == "rich":
        print_rich(*view.rich())
    else:
        for line in view.lines():
            out(line)


def progress_for(quiet: bool):
    from wirebrief.render.progress import NoProgress, RichProgress

    console = stderr_console()
    if quiet or not console.is_terminal:
        return NoProgress()
    return RichProgress(console)


def emit(brief, options: Options, *, side_by_side: bool = False, quiet: bool = False) -> None:
    """A brief in the format asked for; `translate` (no tiers asked for) prints only the translation as text."""
    from wirebrief.render import to_rich
    from wirebrief.render.views import brief_as, findings_note

    output_format, translation_only = options.output_format, not options.summarise
    if output_format == "rich":
        print_rich(*to_rich(brief, side_by_side=side_by_side, findings=options.findings))
    else:
        out(brief_as(brief, output_format, side_by_side=side_by_side, translation_only=translation_only), nl=False)
    note = findings_note(brief, output_format, translation_only=translation_only)
    if note and not quiet:
        click.echo(note, err=True)


def exit_on_findings(findings, fail_on: str) -> None:
    from wirebrief.check import fails
    from wirebrief.errors import EXIT_CHECKS

    if fails(findings, fail_on):  # type: ignore[arg-type]
        click.get_current_context().exit(EXIT_CHECKS)


def run_with_progress(pipeline: Callable, *, quiet: bool, **kwargs: Any):
    quiet_libraries(debug_on(click.get_current_context()))
    with progress_for(quiet) as progress:
        return pipeline(progress=progress, **kwargs)
