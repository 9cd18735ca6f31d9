"""Progress on stderr while the models work: a spinner for one article, a bar for a batch.

Both take the calls the pipeline and the batch driver make (`stage`, `advance`, and for a
batch `article` and `finish`); rich is imported when one is made, not by `--help`.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Self

import click

from wirebrief.render.views import report_rates

if TYPE_CHECKING:
    from rich.console import Console


class RichProgress:
    """A spinner on stderr with the stage and, once the model has produced some, how many
    outputs it has made ("Translating: 35 sentences (nl → en)  12 model outputs"): more than
    the sentences when long ones are cut into pieces or retried."""

    def __init__(self, console: Console) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TextColumn("[dim]{task.fields[done]}"),
            TimeElapsedColumn(), console=console, transient=True,
        )
        self._task = self._progress.add_task("Reading the article", total=None, done="")

    def __enter__(self) -> Self:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def stage(self, description: str) -> None:
        self._progress.update(self._task, description=description, completed=0, done="")

    def advance(self, count: int) -> None:
        self._progress.advance(self._task, count)
        done = self._progress.tasks[0].completed
        self._progress.update(self._task, done=f"{done:,.0f} model outputs")


class NoProgress:
    """Without a terminal, or with --quiet: the stages go to the debug log only."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def stage(self, description: str) -> None:
        logging.getLogger("wirebrief").info("%s", description)

    def advance(self, count: int) -> None:
        pass


class BatchProgress:
    """Progress of a batch run on stderr: articles done, sentences/s, target tokens/s, ETA."""

    def __init__(self, console: Console, total: int | None) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._started = time.perf_counter()
        self._sentences = 0
        self._translating = False
        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("articles"),
            TextColumn("[dim]{task.fields[rates]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=console, transient=False,
        )
        self._task = self._progress.add_task("Batch", total=total, rates="")

    def __enter__(self) -> Self:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def _rates(self, tokens: int | None = None) -> str:
        elapsed = max(time.perf_counter() - self._started, 1e-9)
        text = f"{self._sentences / elapsed:,.1f} sentences/s"
        if tokens is not None:
            text += f" · {tokens / elapsed:,.0f} target tokens/s"
        return text

    def stage(self, description: str) -> None:
        # The engine reports texts done in every stage; only translation texts are sentences.
        self._translating = description.startswith("Translating")
        self._progress.update(self._task, description=description)

    def advance(self, count: int) -> None:
        if self._translating:
            self._sentences += count
            self._progress.update(self._task, rates=self._rates())

    def article(self, entry: dict[str, Any], report) -> None:  # report: batch.Report
        self._progress.update(self._task, advance=1, rates=self._rates(report.output_tokens))

    def finish(self, report) -> None:
        """The bar's last figures are the closing table's: the run's sentences and tokens over
        its own seconds (while running, sentences count as they are translated)."""
        self._progress.update(self._task, rates=report_rates(report))


class BatchLog:
    """Without a terminal: no bar, only failures as they happen (the summary comes at the end)."""

    def __init__(self, quiet: bool) -> None:
        self._quiet = quiet

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def stage(self, description: str) -> None:
        pass

    def advance(self, count: int) -> None:
        pass

    def article(self, entry: dict[str, Any], report) -> None:
        if entry["status"] == "failed":
            click.echo(f"wirebrief: failed: {entry['id']}: {entry['error']}", err=True)

    def finish(self, report) -> None:
        pass
