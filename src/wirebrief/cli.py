"""The command line: parse options, call the library, render, map errors to exit codes.

Only this module prints. Results go to stdout; progress, warnings and errors go to stderr, so
`wirebrief brief - --format json | jq` always works.
"""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import click

from wirebrief.config import LIMITS
from wirebrief.errors import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, WirebriefError
from wirebrief.render import FINDINGS_VIEWS, FORMATS

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
        except BrokenPipeError:
            # The reader closed the pipe (`| head -1`): stop quietly. Point stdout at /dev/null
            # so that the flush at exit does not fail a second time.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(EXIT_BROKEN_PIPE)
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
    """Library logs off stderr unless debugging, and never a line twice.

    transformers' advice, download bars and the hub client's retry ladder are for --debug: a
    model that cannot be fetched is said in one line (models.ensure_fetchable).
    """
    import logging

    if not debug:
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        # Our spinner shows progress; transformers' weight-loading bars would only add noise.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        # Read when the hub client is imported; the level covers one imported already.
        os.environ.setdefault("HF_HUB_VERBOSITY", "error")
    # Set either way: a quiet run earlier in the same process must not silence a --debug one.
    logging.getLogger("huggingface_hub").setLevel(logging.INFO if debug else logging.ERROR)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if debug else logging.WARNING,
        format="wirebrief: %(levelname)s: %(message)s" if debug else "wirebrief: warning: %(message)s",
    )
    shown = _ShownOnce(debug)
    fitted = []
    for handler in logging.getLogger().handlers:
        if not any(isinstance(existing, _ShownOnce) for existing in handler.filters):
            handler.addFilter(shown)
            fitted.append(handler)

    def unfit() -> None:
        # The filter belongs to this command: a program that runs wirebrief's commands in its
        # own process (a test runner, a notebook) gets its handlers back as they were.
        for handler in fitted:
            handler.removeFilter(shown)

    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(unfit)


class _ShownOnce:
    """The root handler's filter: a record a library's own handler printed already is not
    printed again (huggingface_hub, and transformers under CI, give their loggers a handler and
    still let records propagate), and without --debug only wirebrief's warnings and libraries'
    errors pass (trafilatura's "discarding data" is not the reader's business)."""

    def __init__(self, debug: bool) -> None:
        self.debug = debug

    def filter(self, record) -> bool:
        import logging

        logger: logging.Logger | None = logging.getLogger(record.name)
        while logger is not None and logger.parent is not None:
            if logger.handlers:
                return False
            if not logger.propagate:
                break
            logger = logger.parent
        ours = record.name == "wirebrief" or record.name.startswith("wirebrief.")
        return self.debug or ours or record.levelno >= logging.ERROR


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
        click.option("--batch-size", type=click.IntRange(*LIMITS["batch_size"]), help="Most sentences in one model call."),
        click.option("--max-batch-tokens", type=click.IntRange(*LIMITS["max_batch_tokens"]), help="Padded tokens in one model call (inputs+outputs x beams)."),
        click.option("--num-beams", type=click.IntRange(*LIMITS["num_beams"]), help="Beam width for translation (default 4)."),
        click.option("--offline/--online", default=None, help="Never try to download a model (also HF_HUB_OFFLINE=1)."),
        click.option("--prompts-dir", type=click.Path(file_okay=False, path_type=str), help="A folder of prompt files that override or add tiers."),
        click.option("--engine", type=click.Choice(["auto", "torch", "ctranslate2"]), help="Inference engine (auto: CTranslate2 int8 on CPU when installed, else torch)."),
        click.option("--cache", type=click.Path(dir_okay=False, path_type=str), metavar="FILE", help="The translation cache file (default: in the user cache folder)."),
        click.option("--no-cache", is_flag=True, default=None, help="Neither read nor write the translation cache."),
        click.option("--retries", type=click.IntRange(*LIMITS["retries"]), help="Rounds of cutting and retrying a translation that hits its length cap (default 2)."),
        click.option("--glossary", type=click.Path(dir_okay=False, path_type=str), metavar="FILE", help="Terms that must be translated a given way (TSV or TOML), checked on every sentence."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _settings(**flags: Any):
    from wirebrief.config import resolve_settings

    if "no_cache" in flags:
        flags["use_cache"] = False if flags.pop("no_cache") else None
    return resolve_settings({key: value for key, value in flags.items()})


def _resolve_format(requested: str | None) -> str:
    """The format asked for, else Rich on a terminal and plain text anywhere else."""
    if requested:
        return requested
    return "rich" if sys.stdout is not None and sys.stdout.isatty() else "text"


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null, so that what is still buffered cannot fail again at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


def _out(text: str = "", *, nl: bool = True) -> None:
    """Write a result to stdout: all of it, or a clear error.

    Every result goes through here and is flushed at once, so a full disk or a closed stdout
    is an `OutputError` (exit 10) and a reader gone is a BrokenPipeError (exit 141), never a
    silent exit 0 with part of the result, and never an error at the interpreter's exit.
    """
    from wirebrief.errors import OutputError

    stream = sys.stdout
    if stream is None:  # started with fd 1 closed (`>&-`)
        raise OutputError("standard output is closed: the result cannot be written",
                          hint="redirect it to a file or a pipe")
    text = text + "\n" if nl else text
    try:
        fd = stream.fileno()
    except (OSError, ValueError):  # an in-memory stream (tests, embedding): nothing to count
        stream.write(text)
        stream.flush()
        return
    data = text.encode(stream.encoding or "utf-8", errors="backslashreplace")
    try:
        stream.flush()
        # Straight to the descriptor, counting: a buffered write into a pipe whose reader
        # left part-way reports success for what it never wrote.
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except BrokenPipeError:
        raise
    except OSError as error:
        _silence_stdout()
        raise OutputError(f"cannot write the result to standard output: {error.strerror or error}") from None


def _print_rich(*renderables: Any) -> None:
    """Rich output, rendered for this terminal (width, colours, NO_COLOR) and written by `_out`."""
    from rich.console import Console

    console = Console(file=sys.stdout if sys.stdout is not None else io.StringIO())
    with console.capture() as captured:
        for renderable in renderables:
            console.print(renderable)
    _out(captured.get(), nl=False)


class _RichProgress:
    """A spinner on stderr with the stage and, once the model has produced some, how many
    outputs it has made ("Translating: 35 sentences (nl → en)  12 model outputs"): more than
    the sentences when long ones are cut into pieces or retried."""

    def __init__(self, console) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TextColumn("[dim]{task.fields[done]}"),
            TimeElapsedColumn(), console=console, transient=True,
        )
        self._task = self._progress.add_task("Reading the article", total=None, done="")

    def __enter__(self) -> _RichProgress:
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


class _NoProgress:
    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def stage(self, description: str) -> None:
        import logging

        logging.getLogger("wirebrief").info("%s", description)

    def advance(self, count: int) -> None:
        pass


def _progress(quiet: bool):
    console = _stderr_console()
    if quiet or not console.is_terminal:
        return _NoProgress()
    return _RichProgress(console)


def _emit(brief, output_format: str, *, side_by_side: bool = False, translation_only: bool = False,
          quiet: bool = False, findings: str = "summary") -> None:
    from wirebrief import render

    if output_format == "rich":
        _print_rich(*render.to_rich(brief, side_by_side=side_by_side, findings=findings))
    elif output_format == "html":
        from wirebrief.render.html import to_html

        _out(to_html(brief), nl=False)
    elif output_format == "json":
        _out(render.to_json(brief), nl=False)
    elif output_format == "markdown":
        _out(render.to_markdown(brief, side_by_side=side_by_side), nl=False)
    else:
        _out(render.to_text(brief, translation_only=translation_only), nl=False)
    if brief.findings and not quiet and output_format != "rich":
        shown = translation_only and output_format == "text"
        where = ("not shown with --format text: see them with --format json or markdown" if shown
                 else "see the checks in the output")
        click.echo(f"wirebrief: {render.findings_title(brief.findings)}; {where}", err=True)


def _plan_rows(plan: dict[str, Any]) -> list[tuple[str, str]]:
    """A routing plan (pipeline.describe_plan) as (step, what) rows for text and Rich."""

    def model(status: dict[str, Any] | None) -> str:
        if not status:
            return "-"
        where = status.get("location") or status.get("model")
        state = "present" if status.get("present") else "missing"
        if status.get("error"):
            state = status["error"]
        codes = f" [{status['source_code']} → {status['target_code']}]" if status.get("source_code") else ""
        pair = f"{status['source']} → {status['target']}: " if status.get("source") else ""
        return f"{pair}{where}{codes} ({state})"

    rows = [("languages", f"{plan['source_language']} → {plan['target_language']}")]
    rows.append(("translation", model(plan["translation"]) if plan["translation"] else "none: already in the target language"))
    if plan["summary_input"]:
        rows.append(("summary input", {"source": "the article as it is", "translation": "the translation",
                                        "pivot": "an English translation"}[plan["summary_input"]]))
    if plan["pivot"]:
        rows.append(("english for summaries", model(plan["pivot"])))
    if plan["summary_model"]:
        rows.append(("summary model", model(plan["summary_model"])))
    if plan["tiers_translation"]:
        rows.append(("tiers translated", model(plan["tiers_translation"])))
    return rows


def _engine_words(engine: str, device: str) -> str:
    """A plan's engine and device in words, `auto` resolved as a run would, loading no model."""
    from wirebrief.engines.base import choose_engine
    from wirebrief.render import ENGINE_NAMES

    chosen = choose_engine(engine, device)
    if chosen == "ctranslate2" and engine == "auto":
        device = "cpu"  # auto picks CTranslate2 only where there is no GPU to run on
    devices = {"auto": "the best device here (CUDA, then an Apple GPU, then the CPU)", "cpu": "the CPU",
               "cuda": "a CUDA GPU", "mps": "an Apple GPU"}
    precision = (" int8" if device == "cpu" else " float16") if chosen == "ctranslate2" else (" float32" if device == "cpu" else "")
    picked = " (picked by auto)" if engine == "auto" else ""
    return f"{ENGINE_NAMES.get(chosen, chosen)}{precision} on {devices.get(device, device)}{picked}"


def _emit_plan(found: dict[str, Any], output_format: str | None) -> None:
    """Print a dry run's plan: JSON for pipes that ask for it, else lines or a Rich table."""
    import json

    from wirebrief.render import plural

    output_format = _resolve_format(output_format)
    if output_format == "json":
        _out(json.dumps(found, ensure_ascii=False, indent=2))
        return
    rows: list[tuple[str, str]] = []
    if "input" in found:
        info = found["input"]
        rows.append(("input", f"{info.get('source_name')} ({info.get('input_format')}, {plural(info['paragraphs'], 'paragraph')}, "
                              f"{plural(info['sentences'], 'sentence')}, {plural(info['words'], 'word')})"))
        for key in ("title", "author", "date", "site", "url"):
            if info.get(key):
                rows.append((key, str(info[key])))
        language = found["language"]
        detected = language.get("detected")
        how = f"detected, confidence {detected['confidence']:.2f}" if detected else "given"
        rows.append(("language", f"{language['code']} ({how})"))
        for kept in language.get("paragraphs_kept", []):
            rows.append(("kept as is", f"paragraph {kept['paragraph'] + 1} ({kept['language']})"))
    rows += _plan_rows(found["plan"])
    if "tiers" in found:
        rows.append(("tiers", ", ".join(found["tiers"]) or "none"))
        rows.append(("engine", _engine_words(found["engine"], found["device"])))
    if output_format != "rich":
        for key, value in rows:
            _out(f"{key}\t{value}")
        return
    from rich.table import Table

    table = Table(show_header=False, title="wirebrief plan (no model loaded)")
    for key, value in rows:
        table.add_row(key, escape(value))
    _print_rich(table)


def _exit_on_findings(findings, fail_on: str) -> None:
    from wirebrief.check import fails
    from wirebrief.errors import EXIT_CHECKS

    if fails(findings, fail_on):  # type: ignore[arg-type]
        click.get_current_context().exit(EXIT_CHECKS)


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

    SOURCE is a file (text, HTML, Markdown or .docx), an http(s) URL, or - for standard
    input. Exit codes: 0 ok, 2 usage, 3 input, 4 model missing, 5 generation failed,
    6 config/prompt file, 7 some batch inputs failed, 8 findings reached --fail-on, 9 URL could
    not be fetched, 130 interrupted, 141 stdout closed by its reader.
    """


source_argument = click.argument("source", metavar="SOURCE", type=str)
format_option = click.option("--format", "output_format", type=click.Choice(FORMATS), help="Output format (default: rich on a terminal, text in a pipe).")
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress or notes on stderr; errors still show.")
tiers_option = click.option("--tiers", metavar="LIST", help="Comma-separated tiers, or none (default: headline,lede,summary,key_points).")
target_option = click.option("--target-lang", default="en", show_default=True, help="Language to brief in.")
source_lang_option = click.option("--source-lang", default="auto", show_default=True, help="Language of the article (ISO 639-1 code); auto detects it and refuses when unsure.")
input_format_option = click.option(
    "--input-format", type=click.Choice(["auto", "text", "html", "markdown", "docx"]), default="auto", show_default=True,
    help="What the input is; auto tells from the content (then the file name).",
)
fail_on_option = click.option(
    "--fail-on", type=click.Choice(["error", "warning", "never"]), default="never", show_default=True,
    help="Exit with code 8 when a finding reaches this severity (the result is still written).",
)
side_option = click.option("--side-by-side", is_flag=True, help="Show each source paragraph beside its translation (rich, markdown).")
findings_option = click.option(
    "--findings", "findings_view", type=click.Choice(FINDINGS_VIEWS), default="summary", show_default=True,
    help="The Rich view's checks: counts and the most serious (summary), or every finding (all). JSON, Markdown and HTML always list all.",
)


@cli.command()
@source_argument
@source_lang_option
@target_option
@input_format_option
@tiers_option
@format_option
@side_option
@findings_option
@fail_on_option
@click.option("--dry-run", is_flag=True, help="Print the plan (input, language, models, tiers) without loading any model.")
@model_options
@quiet_option
@debug_option
def brief(source: str, source_lang: str, target_lang: str, input_format: str, tiers: str | None,
          output_format: str | None, side_by_side: bool, findings_view: str, fail_on: str, dry_run: bool,
          quiet: bool, **flags: Any) -> None:
    """Translate SOURCE and brief it at every depth."""
    from wirebrief.pipeline import brief as run_brief

    settings = _settings(**flags)
    if dry_run:
        from wirebrief.pipeline import dry_run as plan_run

        _emit_plan(plan_run(source, settings=settings, tiers=tiers, source_lang=source_lang,
                            target_lang=target_lang, input_format=input_format), output_format)
        return
    result = _run(run_brief, quiet=quiet, source=source, settings=settings, tiers=tiers,
                  source_lang=source_lang, target_lang=target_lang, input_format=input_format)
    _emit(result, _resolve_format(output_format), side_by_side=side_by_side, quiet=quiet, findings=findings_view)
    _exit_on_findings(result.findings, fail_on)


@cli.command()
@source_argument
@source_lang_option
@target_option
@input_format_option
@format_option
@side_option
@findings_option
@fail_on_option
@model_options
@quiet_option
@debug_option
def translate(source: str, source_lang: str, target_lang: str, input_format: str, output_format: str | None,
              side_by_side: bool, findings_view: str, fail_on: str, quiet: bool, **flags: Any) -> None:
    """Only translate SOURCE, paragraph by paragraph."""
    from wirebrief.pipeline import translate as run_translate

    settings = _settings(**flags)
    result = _run(run_translate, quiet=quiet, source=source, settings=settings,
                  source_lang=source_lang, target_lang=target_lang, input_format=input_format)
    _emit(result, _resolve_format(output_format), side_by_side=side_by_side, translation_only=True, quiet=quiet,
          findings=findings_view)
    _exit_on_findings(result.findings, fail_on)


@cli.command()
@source_argument
@target_option
@input_format_option
@tiers_option
@format_option
@model_options
@quiet_option
@debug_option
def summarise(source: str, target_lang: str, input_format: str, tiers: str | None, output_format: str | None,
              quiet: bool, **flags: Any) -> None:
    """Only the tiers, of SOURCE already in the target language."""
    from wirebrief.pipeline import summarise as run_summarise

    settings = _settings(**flags)
    result = _run(run_summarise, quiet=quiet, source=source, settings=settings, tiers=tiers,
                  target_lang=target_lang, input_format=input_format)
    _emit(result, _resolve_format(output_format), quiet=quiet)


class _BatchProgress:
    """Progress of a batch run on stderr: articles done, sentences/s, target tokens/s, ETA."""

    def __init__(self, console, total: int | None) -> None:
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

    def __enter__(self) -> _BatchProgress:
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

    def article(self, entry: dict[str, Any], report) -> None:
        self._progress.update(self._task, advance=1, rates=self._rates(report.output_tokens))

    def finish(self, report) -> None:
        """The bar's last figures are the closing table's: the run's sentences and tokens over
        its own seconds (while running, sentences count as they are translated)."""
        self._progress.update(self._task, rates=_report_rates(report))


class _BatchLog:
    """Without a terminal: no bar, only failures as they happen (the summary comes at the end)."""

    def __init__(self, quiet: bool) -> None:
        self._quiet = quiet

    def __enter__(self) -> _BatchLog:
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


def _report_rates(report) -> str:
    """A finished run's throughput, the one definition the bar and the closing table share."""
    seconds = report.seconds or 1e-9
    return f"{report.sentences / seconds:,.1f} sentences/s · {report.output_tokens / seconds:,.0f} target tokens/s"


def _batch_summary(report, console, quiet: bool) -> None:
    from rich.table import Table

    from wirebrief.render import plural

    rate = f" ({_report_rates(report)})" if report.seconds and report.sentences else ""
    line = (
        f"wirebrief: batch: {report.ok} ok, {report.failed} failed, {report.skipped} skipped "
        f"of {plural(report.total, 'input')} in {report.seconds:.1f} s{rate}"
    )
    if report.flagged:
        line += f"; {report.flagged} with findings at the --fail-on severity"
    if quiet:
        return
    if not console.is_terminal:
        click.echo(line, err=True)
        return
    table = Table("ok", "failed", "skipped", "total", "seconds", "throughput", title="wirebrief batch")
    table.add_row(
        str(report.ok), f"[red]{report.failed}[/red]" if report.failed else "0", str(report.skipped), str(report.total),
        f"{report.seconds:.1f}", _report_rates(report),
    )
    console.print(table)
    for identifier, error in report.failures[:20]:
        console.print(f"[red]failed[/red] {escape(identifier)}: {escape(error)}", highlight=False)
    if len(report.failures) > 20:
        console.print(f"... and {len(report.failures) - 20} more failures: see the manifest")


def escape(text: str) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def _terminate(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


@cli.command()
@click.argument("sources", metavar="INPUT...", nargs=-1, required=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=str), metavar="FOLDER", help="Where the results and manifest.jsonl go (not with --format jsonl).")
@click.option("--format", "output_format", type=click.Choice(["json", "markdown", "html", "jsonl"]), default="json", show_default=True, help="One file per input (json, markdown, html with an index.html), or JSON lines on stdout (jsonl).")
@source_lang_option
@target_option
@tiers_option
@click.option("--force", is_flag=True, help="Redo inputs whose results are already there.")
@click.option("--shard", metavar="K/N", default="1/1", show_default=True, help="Run only the K-th of N deterministic parts of the inputs (one process per GPU).")
@click.option("--glob", "pattern", default="*.txt", show_default=True, help="Which files to take from folders, recursively (comma-separated patterns, e.g. '*.txt,*.html').")
@input_format_option
@click.option("--window", type=click.IntRange(min=1), default=128, show_default=True, help="Articles read and translated together (memory stays bounded by it).")
@fail_on_option
@model_options
@quiet_option
@debug_option
def batch(sources: tuple[str, ...], out_dir: str | None, output_format: str, source_lang: str, target_lang: str,
          tiers: str | None, force: bool, shard: str, pattern: str, input_format: str, window: int, fail_on: str,
          quiet: bool, **flags: Any) -> None:
    """Brief many articles: files, folders (every *.txt, recursively), .jsonl files, or - for
    JSONL on stdin. One result per input in --out with a manifest.jsonl; a rerun resumes.

    Exit codes: 0 every input ok or skipped, 7 some inputs failed (the others have results),
    8 some results have findings at the --fail-on severity, others as for brief.
    """
    import signal
    from pathlib import Path

    from wirebrief.batch import count_inputs, parse_shard, run_batch
    from wirebrief.errors import EXIT_CHECKS, EXIT_PARTIAL, OutputError

    settings = _settings(**flags)
    shard_k_n = parse_shard(shard)
    _quiet_libraries(_debug_on(click.get_current_context()))
    signal.signal(signal.SIGTERM, _terminate)
    console = _stderr_console()
    if not quiet and console.is_terminal:
        from wirebrief.batch import check_sources

        check_sources(sources)
        total = count_inputs(sources, pattern)
        if total is not None and shard_k_n[1] > 1:
            total = None  # which inputs are ours is known only as they are read
        observer = _BatchProgress(console, total)
    else:
        observer = _BatchLog(quiet)
    with observer:
        try:
            report = run_batch(
                list(sources), out_dir=Path(out_dir) if out_dir else None, settings=settings, tiers=tiers,
                source_lang=source_lang, target_lang=target_lang, output_format=output_format, force=force,
                shard=shard_k_n, pattern=pattern, window_articles=window, observer=observer, fail_on=fail_on,
                input_format=input_format,
            )
        except BrokenPipeError:
            raise
        except OSError as error:  # only JSON lines on stdout get here: run_batch owns its files' errors
            _silence_stdout()
            raise OutputError(f"cannot write the results to standard output: {error.strerror or error}") from None
        observer.finish(report)
    _batch_summary(report, console, quiet)
    if report.failed:
        click.get_current_context().exit(EXIT_PARTIAL)
    if report.flagged:
        click.get_current_context().exit(EXIT_CHECKS)


@cli.command()
@click.argument("source", metavar="SOURCE")
@click.argument("translation", metavar="TRANSLATION")
@click.option("--glossary", type=click.Path(dir_okay=False, path_type=str), metavar="FILE", help="Terms that must be translated a given way (TSV or TOML).")
@click.option("--source-lang", default="nl", show_default=True, help="Language of SOURCE.")
@target_option
@click.option("--format", "output_format", type=click.Choice(["rich", "json", "text"]), help="Output format (default: rich on a terminal, text in a pipe).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "never"]), default="error", show_default=True, help="Exit with code 8 when a finding reaches this severity.")
@quiet_option
@debug_option
def check(source: str, translation: str, glossary: str | None, source_lang: str, target_lang: str,
          output_format: str | None, fail_on: str, quiet: bool) -> None:
    """Check TRANSLATION (by anyone) against SOURCE: numbers, names, quotes, omissions,
    additions, untranslated sentences, loops, glossary terms, coverage.

    Either may be - for standard input. Exit codes: 0 no finding at --fail-on, 8 findings at
    --fail-on, 3 unreadable or empty input, 6 bad glossary file.
    """
    import json
    from pathlib import Path

    from wirebrief import render
    from wirebrief.check import check_texts
    from wirebrief.check.glossary import load_glossary
    from wirebrief.errors import UsageError
    from wirebrief.inputs.document import decode, read_source

    if source == "-" and translation == "-":
        raise UsageError("standard input (-) can be read only once")
    texts = [decode(*read_source(name))[0] for name in (source, translation)]
    settings = _settings(glossary=glossary)
    terms = load_glossary(Path(settings.glossary)) if settings.glossary else None
    result = check_texts(texts[0], texts[1], glossary=terms, source_lang=source_lang, target_lang=target_lang)
    output_format = _resolve_format(output_format)
    errors = sum(1 for finding in result.findings if finding.severity == "error")
    summary = (
        f"{render.plural(len(result.findings), 'finding')} ({render.plural(errors, 'error')}) in "
        f"{render.plural(len(result.pairs), 'aligned sentence')}"
    )
    if output_format == "json":
        _out(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    elif output_format == "text":
        for finding in result.findings:
            _out(render.finding_line(finding))
    else:

        _print_rich(render.findings_panel(result.findings, title=f"Checks: {summary}"))
    if not quiet and output_format != "rich":
        click.echo(f"wirebrief: check: {summary}", err=True)
    from wirebrief.check import reads_numbers_and_names
    from wirebrief.check.meaning import reads_meaning

    unread = [what for what, read in (("numbers and names", reads_numbers_and_names(source_lang, target_lang)),
                                      ("meaning (negation, dates, units, direction)", reads_meaning(source_lang, target_lang)))
              if not read]
    if not quiet and unread:
        click.echo(f"wirebrief: note: {' and '.join(unread)} are checked for nl and en only, not {source_lang} → {target_lang}", err=True)
    _exit_on_findings(result.findings, fail_on)


@cli.command()
@click.argument("source", metavar="SOURCE", default="-")
@input_format_option
@click.option("--format", "output_format", type=click.Choice(["rich", "json", "text"]), help="Output format (default: rich on a terminal, text in a pipe).")
@click.option("--offline/--online", default=None, help="Never fetch a URL.")
@debug_option
def detect(source: str, input_format: str, output_format: str | None, offline: bool | None) -> None:
    """Print the language of SOURCE (file, URL or - for standard input) and its confidence.

    Paragraphs clearly in another language are listed too (text: one line each after the
    first). Exit codes: 0 sure, 3 unsure or unreadable (the guess is still printed), 9 URL
    could not be fetched.
    """
    import json

    from wirebrief.inputs import read_input, to_document
    from wirebrief.inputs.language import detect as detect_language
    from wirebrief.inputs.language import foreign_language, refusal

    settings = _settings(offline=offline)
    _quiet_libraries(_debug_on(click.get_current_context()))
    extracted = read_input(source, input_format=input_format, offline=settings.fetch_offline)
    found = detect_language(extracted.plain_text)
    problem = refusal(found, extracted.plain_text, extracted.name)
    document = to_document(extracted, found.language)
    others = [
        {"paragraph": paragraph.index, "language": language}
        for paragraph in document.paragraphs
        if paragraph.kind == "paragraph" and (language := foreign_language(paragraph.text, found.language))
    ]
    result = {"source": extracted.name, "input_format": extracted.input_format, **found.as_dict(), "other_paragraphs": others}
    output_format = _resolve_format(output_format)
    if output_format == "json":
        _out(json.dumps(result, ensure_ascii=False, indent=2))
    elif output_format == "text":
        _out(f"{found.language}\t{found.confidence:.4f}\t{found.name}\t{'sure' if found.sure else 'unsure'}")
        for other in others:
            _out(f"paragraph {other['paragraph'] + 1}\t{other['language']}")
    else:

        style = "green" if found.sure else "yellow"
        alternatives = ", ".join(f"{code} {p:.2f}" for code, p in found.candidates[1:])
        _print_rich(
            f"[{style}]{escape(found.name)}[/{style}] ({found.language}), confidence {found.confidence:.2f}"
            + ("" if found.sure else " [yellow](unsure)[/yellow]")
            + (f" [dim]- also: {escape(alternatives)}[/dim]" if alternatives else "")
        )
        for other in others:
            _print_rich(f"  paragraph {other['paragraph'] + 1} is in {other['language']}")
    if problem is not None:
        # The message without its hint: the hint is about --source-lang, which briefs take.
        click.echo(f"wirebrief: error: {' '.join(str(problem).split())}", err=True)
        click.get_current_context().exit(problem.exit_code)


@cli.group(cls=_Group)
def cache() -> None:
    """The translation cache: every sentence translated once, reused on later runs."""


@cache.command("stats")
@click.option("--cache", "cache_path", type=click.Path(dir_okay=False, path_type=str), metavar="FILE", help="The cache file (default: in the user cache folder).")
@click.option("--format", "output_format", type=click.Choice(["rich", "json", "text"]), help="Output format.")
@debug_option
def cache_stats(cache_path: str | None, output_format: str | None) -> None:
    """How many outputs the cache holds, per model, and its size."""
    import json

    from wirebrief.engines.cache import GenerationCache, default_cache_path

    settings = _settings(cache=cache_path)
    stats = GenerationCache(settings.cache or default_cache_path()).stats()
    output_format = _resolve_format(output_format)
    if output_format == "json":
        _out(json.dumps(stats, indent=2, default=str))
        return
    lines = [(key, str(value)) for key, value in stats.items() if not isinstance(value, dict)]
    per_engine = next((value for value in stats.values() if isinstance(value, dict)), {})
    if output_format == "text":
        for key, value in lines:
            _out(f"{key}\t{value}")
        for engine, count in per_engine.items():
            _out(f"entries\t{engine}\t{count}")
        return
    from rich.table import Table

    table = Table("", "", title="wirebrief cache", show_header=False)
    for key, value in lines:
        table.add_row(key, escape(value))
    for engine, count in per_engine.items():
        table.add_row(f"  {escape(engine)}", str(count))
    _print_rich(table)


@cache.command("clear")
@click.option("--cache", "cache_path", type=click.Path(dir_okay=False, path_type=str), metavar="FILE", help="The cache file (default: in the user cache folder).")
@debug_option
def cache_clear(cache_path: str | None) -> None:
    """Remove every cached output."""
    from wirebrief.engines.cache import GenerationCache, default_cache_path

    settings = _settings(cache=cache_path)
    path = settings.cache or default_cache_path()
    removed = GenerationCache(path).clear()
    click.echo(f"removed {removed} cached outputs from {path}", err=True)


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

    from wirebrief.prompts import CHUNK_PROMPT, load_prompts, tier_names

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
    output_format = _resolve_format(output_format)
    if output_format == "json":
        _out(json.dumps(rows, ensure_ascii=False, indent=2))
    elif output_format == "text":
        for row in rows:
            budget = ", ".join(f"{k}={v}" for k, v in row["budget"].items()) or "-"
            _out(f"{row['name']}\t{budget}\t{row['description']}\t{row['path']}")
    else:
        from rich.table import Table
        from rich.text import Text

        table = Table("Tier", "Budget", "Description", "File")
        for row in rows:
            budget = ", ".join(f"{k}={v}" for k, v in row["budget"].items()) or "-"
            name = Text(row["name"]) if row["tier"] else Text(f"{row['name']} (chunks)", style="dim")
            table.add_row(name, budget, Text(row["description"]), Text(row["path"]))
        _print_rich(table)


@prompts.command("show")
@click.argument("name")
@click.option("--prompts-dir", type=click.Path(file_okay=False, path_type=str), help="A folder of prompt files that override or add tiers.")
@debug_option
def prompts_show(name: str, prompts_dir: str | None) -> None:
    """Print the prompt file of tier NAME."""
    from wirebrief.errors import UsageError
    from wirebrief.prompts import load_prompts

    loaded = load_prompts(_settings(prompts_dir=prompts_dir).prompts_dir)
    if name not in loaded:
        raise UsageError(f"no prompt named {name!r}", hint=f"choose from {', '.join(sorted(loaded))}")
    _out(loaded[name].path.read_text(encoding="utf-8"), nl=False)


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

    from wirebrief.models import hub_cache_dir, model_status

    settings = _settings(translation_model=translation_model, summary_model=summary_model)
    rows = []
    for role, name in (("translation", settings.translation_model), ("summary", settings.summary_model)):
        status = model_status(name)
        location = status["location"] or f"({status['error']})"
        rows.append({"role": role, "name": name, "location": location, "present": status["present"],
                     "from": settings.origins.get(f"{role}_model", "default")})
    output_format = _resolve_format(output_format)
    if output_format == "json":
        _out(json.dumps({"cache": hub_cache_dir(), "models": rows}, indent=2))
    elif output_format == "text":
        for row in rows:
            _out(f"{row['role']}\t{row['location']}\t{'present' if row['present'] else 'missing'}\t{row['from']}")
    else:
        from rich.table import Table

        table = Table("Role", "Model", "Present", "Set by", caption=f"Hugging Face cache: {hub_cache_dir()}")
        for row in rows:
            present = "[green]yes[/green]" if row["present"] else "[red]no[/red]"
            table.add_row(row["role"], row["location"], present, row["from"])
        _print_rich(table)


@models.command("plan")
@click.option("--source-lang", required=True, help="Language of the articles (ISO 639-1 code).")
@target_option
@tiers_option
@click.option("--translation-model", metavar="NAME|PATH", help="Override the model for the direct pair.")
@click.option("--summary-model", metavar="NAME|PATH", help="The English summary model.")
@click.option("--format", "output_format", type=click.Choice(["rich", "json", "text"]), help="Output format.")
@debug_option
def models_plan(source_lang: str, target_lang: str, tiers: str | None, translation_model: str | None,
                summary_model: str | None, output_format: str | None) -> None:
    """Which models a brief from SOURCE-LANG into TARGET-LANG uses, and whether each is
    present locally. Loads nothing."""
    from wirebrief.pipeline import check_languages, describe_plan, plan_for
    from wirebrief.routing import check_code

    source_lang, target_lang = check_languages(check_code(source_lang, "--source-lang"), target_lang)
    settings = _settings(translation_model=translation_model, summary_model=summary_model)
    wants_tiers = (tiers or "").strip().lower() != "none"
    found = plan_for(source_lang, target_lang, settings, tiers=wants_tiers)
    _emit_plan({"plan": describe_plan(found)}, _resolve_format(output_format))


@models.command("pull")
@click.argument("name")
@debug_option
def models_pull(name: str) -> None:
    """Download model NAME (hub id or alias) into the Hugging Face cache."""
    from wirebrief.models import pull

    path = pull(name)
    _out(str(path))


def _hold_closed_streams() -> None:
    """Hold a closed fd 0, 1 or 2 on /dev/null.

    Otherwise the next file opened (the cache, a result) would get that number, and anything
    printed would land in it. `sys.stdout` stays None for a closed stdout, so `_out` still
    refuses to drop a result there.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            devnull = os.open(os.devnull, os.O_RDWR)
            if devnull != fd:
                os.dup2(devnull, fd)
                os.close(devnull)


def main() -> None:
    """Console-script entry point."""
    _hold_closed_streams()
    cli(prog_name="wirebrief")


