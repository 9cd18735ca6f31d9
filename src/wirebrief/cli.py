"""The command line: parse options, call the library, render, map errors to exit codes.

Only this module prints. Results go to stdout; progress, warnings and errors go to stderr, so
`wirebrief brief - --format json | jq` always works.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from .errors import EXIT_INTERRUPTED, WirebriefError
from .render import FORMATS
_DEBUG_ENV = "WIREBRIEF_DEBUG"


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def _debug_on(ctx: click.Context) -> bool:
    root = ctx.find_root()
    return bool((root.obj or {}).get("debug")) or os.environ.get(_DEBUG_ENV, "") not in ("", "0")


class _Group(click.Group):
    """Maps library errors to one line on stderr and their exit code (tracebacks with --debug)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except WirebriefError as error:
            if _debug_on(ctx):
                raise
            click.echo(f"wirebrief: error: {error.one_line()}", err=True)
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:
            if _debug_on(ctx):
                raise
            click.echo("wirebrief: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except Exception as error:  # a bug: one line, and the way to see more
            if _debug_on(ctx):
                raise
            message = " ".join(str(error).split()) or type(error).__name__
            click.echo(
                f"wirebrief: internal error: {type(error).__name__}: {message} (rerun with --debug for the traceback)",
                err=True,
            )
            ctx.exit(1)


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.find_root().ensure_object(dict)["debug"] = True
    return value


def _quiet_libraries(debug: bool) -> None:
    """Keep transformers' advice and download bars off stderr unless debugging."""
    if not debug:
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        # Our spinner shows progress; transformers' weight-loading bars would only add noise.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if debug else logging.WARNING,
        format="wirebrief: %(levelname)s: %(message)s" if debug else "wirebrief: warning: %(message)s",
    )


debug_option = click.option(
    "--debug", is_flag=True, expose_value=False, is_eager=True, callback=_set_debug,
    help=f"Show tracebacks and library logs (also {_DEBUG_ENV}=1).",
)


def model_options(command: Callable) -> Callable:
    """Options that choose and run the models, shared by every command that loads one."""
    options = [
        click.option("--translation-model", metavar="NAME|PATH", help="Translation model: hub id, alias or local folder [env WIREBRIEF_TRANSLATION_MODEL]."),
        click.option("--summary-model", metavar="NAME|PATH", help="Summary model: hub id, alias or local folder [env WIREBRIEF_SUMMARY_MODEL]."),
        click.option("--device", type=click.Choice(["auto", "cpu", "cuda", "mps"]), help="Where to run the models (auto: cuda > mps > cpu)."),
        click.option("--batch-size", type=click.IntRange(min=1), help="Most sentences in one model call."),
        click.option("--max-batch-tokens", type=click.IntRange(min=1), help="Padded tokens in one model call (inputs+outputs x beams)."),
        click.option("--num-beams", type=click.IntRange(min=1), help="Beam width for translation (default 4)."),
        click.option("--offline/--online", default=None, help="Never try to download a model (also HF_HUB_OFFLINE=1)."),
        click.option("--prompts-dir", type=click.Path(file_okay=False, path_type=str), help="A folder of prompt files that override or add tiers."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _settings(**flags: Any):
    from .config import resolve_settings

    return resolve_settings({key: value for key, value in flags.items()})


def _resolve_format(requested: str | None) -> str:
    if requested:
        return requested
    return "rich" if sys.stdout.isatty() else "text"


class _RichProgress:
    """A spinner on stderr with the stage and how many texts the model has produced."""

    def __init__(self, console) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TextColumn("[dim]{task.completed} texts"),
            TimeElapsedColumn(), console=console, transient=True,
        )
        self._task = self._progress.add_task("Starting", total=None)

    def __enter__(self) -> _RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def stage(self, description: str) -> None:
        self._progress.update(self._task, description=description, completed=0)

    def advance(self, count: int) -> None:
        self._progress.advance(self._task, count)


class _NoProgress:
    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def stage(self, description: str) -> None:
        logging.getLogger("wirebrief").info("%s", description)

    def advance(self, count: int) -> None:
        pass


def _progress(quiet: bool):
    console = _stderr_console()
    if quiet or not console.is_terminal:
        return _NoProgress()
    return _RichProgress(console)


def _emit(brief, output_format: str, *, side_by_side: bool = False, translation_only: bool = False, quiet: bool = False) -> None:
    from . import render

    if output_format == "rich":
        from rich.console import Console

        console = Console()
        for part in render.to_rich(brief, side_by_side=side_by_side):
            console.print(part)
        return
    if output_format == "json":
        text = render.to_json(brief)
    elif output_format == "markdown":
        text = render.to_markdown(brief, side_by_side=side_by_side)
    else:
        text = render.to_text(brief, translation_only=translation_only)
    click.echo(text, nl=False)
    if brief.findings and not quiet:
        errors = sum(1 for finding in brief.findings if finding.severity == "error")
        click.echo(
            f"wirebrief: {render.plural(len(brief.findings), 'finding')} ({render.plural(errors, 'error')}); "
            "see the checks in the output",
            err=True,
        )


def _run(pipeline: Callable, *, quiet: bool, **kwargs: Any):
    _quiet_libraries(_debug_on(click.get_current_context()))
    with _progress(quiet) as progress:
        return pipeline(progress=progress, **kwargs)


# --------------------------------------------------------------------------------------------
# Commands


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wirebrief", prog_name="wirebrief")
@debug_option
def cli() -> None:
    """Translate a news article with a local model and brief it: headline, lede, summary,
    key points and the full paragraph-aligned translation.

    SOURCE is a text file, or - for standard input. Exit codes: 0 ok, 2 usage, 3 input,
    4 model missing, 5 generation failed, 6 config/prompt file, 130 interrupted.
    """


source_argument = click.argument("source", metavar="SOURCE", type=str)
format_option = click.option("--format", "output_format", type=click.Choice(FORMATS), help="Output format (default: rich on a terminal, text in a pipe).")
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress or notes on stderr; errors still show.")
tiers_option = click.option("--tiers", metavar="LIST", help="Comma-separated tiers (default: headline,lede,summary,key_points).")
target_option = click.option("--target-lang", default="en", show_default=True, help="Language to brief in.")
source_lang_option = click.option("--source-lang", default="auto", show_default=True, help="Language of the article; auto detects and confirms Dutch.")
side_option = click.option("--side-by-side", is_flag=True, help="Show each source paragraph beside its translation (rich, markdown).")


@cli.command()
@source_argument
@source_lang_option
@target_option
@tiers_option
@format_option
@side_option
@model_options
@quiet_option
@debug_option
def brief(source: str, source_lang: str, target_lang: str, tiers: str | None, output_format: str | None,
          side_by_side: bool, quiet: bool, **flags: Any) -> None:
    """Translate SOURCE and brief it at every depth."""
    from .pipeline import brief as run_brief

    settings = _settings(**flags)
    result = _run(run_brief, quiet=quiet, source=source, settings=settings, tiers=tiers,
                  source_lang=source_lang, target_lang=target_lang)
    _emit(result, _resolve_format(output_format), side_by_side=side_by_side, quiet=quiet)


@cli.command()
@source_argument
@source_lang_option
@target_option
@format_option
@side_option
@model_options
@quiet_option
@debug_option
def translate(source: str, source_lang: str, target_lang: str, output_format: str | None,
              side_by_side: bool, quiet: bool, **flags: Any) -> None:
    """Only translate SOURCE, paragraph by paragraph."""
    from .pipeline import translate as run_translate

    settings = _settings(**flags)
    result = _run(run_translate, quiet=quiet, source=source, settings=settings,
                  source_lang=source_lang, target_lang=target_lang)
    _emit(result, _resolve_format(output_format), side_by_side=side_by_side, translation_only=True, quiet=quiet)


@cli.command()
@source_argument
@target_option
@tiers_option
@format_option
@model_options
@quiet_option
@debug_option
def summarise(source: str, target_lang: str, tiers: str | None, output_format: str | None, quiet: bool, **flags: Any) -> None:
    """Only the tiers, of SOURCE already in the target language."""
    from .pipeline import summarise as run_summarise

    settings = _settings(**flags)
    result = _run(run_summarise, quiet=quiet, source=source, settings=settings, tiers=tiers, target_lang=target_lang)
    _emit(result, _resolve_format(output_format), quiet=quiet)


@cli.group(cls=_Group)
def prompts() -> None:
    """The prompt files behind the tiers."""


@prompts.command("list")
@click.option("--prompts-dir", type=click.Path(file_okay=False, path_type=str), help="A folder of prompt files that override or add tiers.")
@click.option("--format", "output_format", type=click.Choice(["rich", "json", "text"]), help="Output format.")
@debug_option
def prompts_list(prompts_dir: str | None, output_format: str | None) -> None:
    """List the tiers and their prompts, shortest first."""
    import json

    from .prompts import CHUNK_PROMPT, load_prompts, tier_names

    settings = _settings(prompts_dir=prompts_dir)
    loaded = load_prompts(settings.prompts_dir)
    names = tier_names(loaded) + [CHUNK_PROMPT]
    rows = [
        {
            "name": name,
            "tier": name != CHUNK_PROMPT,
            "mode": loaded[name].mode,
            "budget": loaded[name].budget.as_dict(),
            "description": loaded[name].description,
            "path": str(loaded[name].path),
        }
        for name in names
    ]
    output_format = output_format or ("rich" if sys.stdout.isatty() else "text")
    if output_format == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif output_format == "text":
        for row in rows:
            budget = ", ".join(f"{k}={v}" for k, v in row["budget"].items()) or "-"
            click.echo(f"{row['name']}\t{budget}\t{row['description']}\t{row['path']}")
    else:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table("Tier", "Budget", "Description", "File")
        for row in rows:
            budget = ", ".join(f"{k}={v}" for k, v in row["budget"].items()) or "-"
            name = Text(row["name"]) if row["tier"] else Text(f"{row['name']} (chunks)", style="dim")
            table.add_row(name, budget, Text(row["description"]), Text(row["path"]))
        Console().print(table)


@prompts.command("show")
@click.argument("name")
@click.option("--prompts-dir", type=click.Path(file_okay=False, path_type=str), help="A folder of prompt files that override or add tiers.")
@debug_option
def prompts_show(name: str, prompts_dir: str | None) -> None:
    """Print the prompt file of tier NAME."""
    from .errors import UsageError
    from .prompts import load_prompts

    loaded = load_prompts(_settings(prompts_dir=prompts_dir).prompts_dir)
    if name not in loaded:
        raise UsageError(f"no prompt named {name!r}", hint=f"choose from {', '.join(sorted(loaded))}")
    click.echo(loaded[name].path.read_text(encoding="utf-8"), nl=False)


@cli.group(cls=_Group)
def models() -> None:
    """The models wirebrief uses, and fetching them."""


@models.command("list")
@click.option("--translation-model", metavar="NAME|PATH", help="Translation model to check.")
@click.option("--summary-model", metavar="NAME|PATH", help="Summary model to check.")
@click.option("--format", "output_format", type=click.Choice(["rich", "json", "text"]), help="Output format.")
@debug_option
def models_list(translation_model: str | None, summary_model: str | None, output_format: str | None) -> None:
    """Show the configured models, where each setting came from, and whether each is present."""
    import json

    from .errors import WirebriefError as _Error
    from .models import hub_cache_dir, is_present, resolve

    settings = _settings(translation_model=translation_model, summary_model=summary_model)
    rows = []
    for role, name in (("translation", settings.translation_model), ("summary", settings.summary_model)):
        try:
            ref = resolve(name)
            location, present = ref.location, is_present(ref)
        except _Error as error:
            location, present = f"({error.one_line()})", False
        rows.append({"role": role, "name": name, "location": location, "present": present,
                     "from": settings.origins.get(f"{role}_model", "default")})
    output_format = output_format or ("rich" if sys.stdout.isatty() else "text")
    if output_format == "json":
        click.echo(json.dumps({"cache": hub_cache_dir(), "models": rows}, indent=2))
    elif output_format == "text":
        for row in rows:
            click.echo(f"{row['role']}\t{row['location']}\t{'present' if row['present'] else 'missing'}\t{row['from']}")
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table("Role", "Model", "Present", "Set by", caption=f"Hugging Face cache: {hub_cache_dir()}")
        for row in rows:
            present = "[green]yes[/green]" if row["present"] else "[red]no[/red]"
            table.add_row(row["role"], row["location"], present, row["from"])
        Console().print(table)


@models.command("pull")
@click.argument("name")
@debug_option
def models_pull(name: str) -> None:
    """Download model NAME (hub id or alias) into the Hugging Face cache."""
    from .models import pull

    path = pull(name)
    click.echo(str(path))


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="wirebrief")


