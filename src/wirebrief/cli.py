"""The command line: parse options, call the library, render, map errors to exit codes.

Results go to stdout through render.streams.out; progress, warnings and errors go to stderr,
so `wirebrief brief - --format json | jq` always works. The views are in render/.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

from wirebrief.config import DEVICES, ENGINES, LIMITS
from wirebrief.errors import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, WirebriefError
from wirebrief.options import BATCH_FORMATS, FAIL_ON, INPUT_FORMATS, Options
from wirebrief.render import FINDINGS_VIEWS, FORMATS, VIEW_FORMATS
from wirebrief.render.streams import (
    hold_closed_streams,
    out,
    print_rich,
    quiet_libraries,
    silence_stdout,
    stderr_console,
)

_DEBUG_ENV = "WIREBRIEF_DEBUG"


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


debug_option = click.option(
    "--debug", is_flag=True, expose_value=False, is_eager=True, callback=_set_debug,
    help=f"Show tracebacks and library logs (also {_DEBUG_ENV}=1).",
)


def model_options(command: Callable) -> Callable:
    """Options that choose and run the models, shared by every command that loads one."""
    options = [
        click.option("--translation-model", metavar="NAME|PATH", help="Translation model: hub id, alias or local folder [env WIREBRIEF_TRANSLATION_MODEL]."),
        click.option("--summary-model", metavar="NAME|PATH", help="Summary model: hub id, alias or local folder [env WIREBRIEF_SUMMARY_MODEL]."),
        click.option("--device", type=click.Choice(DEVICES), help="Where to run the models (auto: cuda > mps > cpu)."),
        click.option("--batch-size", type=click.IntRange(*LIMITS["batch_size"]), help="Most sentences in one model call."),
        click.option("--max-batch-tokens", type=click.IntRange(*LIMITS["max_batch_tokens"]), help="Padded tokens in one model call (inputs+outputs x beams)."),
        click.option("--num-beams", type=click.IntRange(*LIMITS["num_beams"]), help="Beam width for translation (default 4)."),
        click.option("--offline/--online", default=None, help="Never try to download a model (also HF_HUB_OFFLINE=1)."),
        click.option("--prompts-dir", type=click.Path(file_okay=False, path_type=str), help="A folder of prompt files that override or add tiers."),
        click.option("--engine", type=click.Choice(ENGINES), help="Inference engine (auto: CTranslate2 int8 on CPU when installed, else torch)."),
        click.option("--cache", type=click.Path(dir_okay=False, path_type=str), metavar="FILE", help="The translation cache file (default: in the user cache folder)."),
        click.option("--no-cache", is_flag=True, default=None, help="Neither read nor write the translation cache."),
        click.option("--threads", type=click.IntRange(*LIMITS["threads"]), help="CPU threads the models compute with (default: the CPUs this process may use) [env WIREBRIEF_THREADS]."),
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


def _format_default(_ctx: click.Context, _param: click.Parameter, requested: str | None) -> str:
    """The one place a missing --format is decided: Rich on a terminal, plain text anywhere else."""
    if requested:
        return requested
    return "rich" if sys.stdout is not None and sys.stdout.isatty() else "text"


def format_option(choices: Sequence[str] = VIEW_FORMATS) -> Callable:
    return click.option("--format", "output_format", type=click.Choice(choices), callback=_format_default,
                        help="Output format (default: rich on a terminal, text in a pipe).")


def _show(view: Any, output_format: str) -> None:
    """A view from render.views: JSON, Rich, or its plain-text lines for any other format."""
    if output_format == "json":
        out(view.json())
    elif output_format == "rich":
        print_rich(*view.rich())
    else:
        for line in view.lines():
            out(line)


def _progress(quiet: bool):
    from wirebrief.render.progress import NoProgress, RichProgress

    console = stderr_console()
    if quiet or not console.is_terminal:
        return NoProgress()
    return RichProgress(console)


def _emit(brief, options: Options, *, side_by_side: bool = False, quiet: bool = False) -> None:
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


def _exit_on_findings(findings, fail_on: str) -> None:
    from wirebrief.check import fails
    from wirebrief.errors import EXIT_CHECKS

    if fails(findings, fail_on):  # type: ignore[arg-type]
        click.get_current_context().exit(EXIT_CHECKS)


def _run(pipeline: Callable, *, quiet: bool, **kwargs: Any):
    quiet_libraries(_debug_on(click.get_current_context()))
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
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress or notes on stderr; errors still show.")
tiers_option = click.option("--tiers", metavar="LIST", help="Comma-separated tiers, or none (default: headline,lede,summary,key_points).")
target_option = click.option("--target-lang", default="en", show_default=True, help="Language to brief in.")
source_lang_option = click.option("--source-lang", default="auto", show_default=True, help="Language of the article (ISO 639-1 code); auto detects it and refuses when unsure.")
input_format_option = click.option(
    "--input-format", type=click.Choice(INPUT_FORMATS), default="auto", show_default=True,
    help="What the input is; auto tells from the content (then the file name).",
)
fail_on_option = click.option(
    "--fail-on", type=click.Choice(FAIL_ON), default="never", show_default=True,
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
@format_option(FORMATS)
@side_option
@findings_option
@fail_on_option
@click.option("--dry-run", is_flag=True, help="Print the plan (input, language, models, tiers) without loading any model.")
@model_options
@quiet_option
@debug_option
def brief(source: str, source_lang: str, target_lang: str, input_format: str, tiers: str | None,
          output_format: str, side_by_side: bool, findings_view: str, fail_on: str, dry_run: bool,
          quiet: bool, **flags: Any) -> None:
    """Translate SOURCE and brief it at every depth."""
    from wirebrief.pipeline import brief as run_brief

    settings = _settings(**flags)
    options = Options(tiers=tiers, source_lang=source_lang, target_lang=target_lang, input_format=input_format,
                      output_format=output_format, fail_on=fail_on, findings=findings_view)
    if dry_run:
        from wirebrief.pipeline import dry_run as plan_run
        from wirebrief.render.views import PlanView

        _show(PlanView(plan_run(source, settings=settings, options=options)), output_format)
        return
    result = _run(run_brief, quiet=quiet, source=source, settings=settings, options=options)
    _emit(result, options, side_by_side=side_by_side, quiet=quiet)
    _exit_on_findings(result.findings, fail_on)


@cli.command()
@source_argument
@source_lang_option
@target_option
@input_format_option
@format_option(FORMATS)
@side_option
@findings_option
@fail_on_option
@model_options
@quiet_option
@debug_option
def translate(source: str, source_lang: str, target_lang: str, input_format: str, output_format: str,
              side_by_side: bool, findings_view: str, fail_on: str, quiet: bool, **flags: Any) -> None:
    """Only translate SOURCE, paragraph by paragraph."""
    from wirebrief.pipeline import translate as run_translate

    settings = _settings(**flags)
    options = Options(source_lang=source_lang, target_lang=target_lang, input_format=input_format,
                      output_format=output_format, summarise=False, fail_on=fail_on, findings=findings_view)
    result = _run(run_translate, quiet=quiet, source=source, settings=settings, options=options)
    _emit(result, options, side_by_side=side_by_side, quiet=quiet)
    _exit_on_findings(result.findings, fail_on)


@cli.command()
@source_argument
@target_option
@input_format_option
@tiers_option
@format_option(FORMATS)
@model_options
@quiet_option
@debug_option
def summarise(source: str, target_lang: str, input_format: str, tiers: str | None, output_format: str,
              quiet: bool, **flags: Any) -> None:
    """Only the tiers, of SOURCE already in the target language."""
    from wirebrief.pipeline import summarise as run_summarise

    settings = _settings(**flags)
    options = Options(tiers=tiers, target_lang=target_lang, input_format=input_format, output_format=output_format,
                      translate=False)
    result = _run(run_summarise, quiet=quiet, source=source, settings=settings, options=options)
    _emit(result, options, quiet=quiet)


def _batch_summary(report, console, quiet: bool) -> None:
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


def _terminate(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


@cli.command()
@click.argument("sources", metavar="INPUT...", nargs=-1, required=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=str), metavar="FOLDER", help="Where the results and manifest.jsonl go (not with --format jsonl).")
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

    from wirebrief.batch import parse_shard, run_batch
    from wirebrief.errors import EXIT_CHECKS, EXIT_PARTIAL, OutputError

    settings = _settings(**flags)
    options = Options(tiers=tiers, source_lang=source_lang, target_lang=target_lang, input_format=input_format,
                      output_format=output_format, fail_on=fail_on)
    shard_k_n = parse_shard(shard)
    quiet_libraries(_debug_on(click.get_current_context()))
    signal.signal(signal.SIGTERM, _terminate)
    console = stderr_console()
    observer = _batch_observer(sources, pattern, shard_k_n, console, quiet)
    with observer:
        try:
            report = run_batch(
                list(sources), out_dir=Path(out_dir) if out_dir else None, settings=settings, options=options,
                force=force, shard=shard_k_n, pattern=pattern, window_articles=window, observer=observer,
            )
        except BrokenPipeError:
            raise
        except OSError as error:  # only JSON lines on stdout get here: run_batch owns its files' errors
            silence_stdout()
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
@format_option()
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="error", show_default=True, help="Exit with code 8 when a finding reaches this severity.")
@quiet_option
@debug_option
def check(source: str, translation: str, glossary: str | None, source_lang: str, target_lang: str,
          output_format: str, fail_on: str, quiet: bool) -> None:
    """Check TRANSLATION (by anyone) against SOURCE: numbers, names, quotes, omissions,
    additions, untranslated sentences, loops, glossary terms, coverage.

    Either may be - for standard input. Exit codes: 0 no finding at --fail-on, 8 findings at
    --fail-on, 3 unreadable or empty input, 6 bad glossary file.
    """
    from wirebrief.check import check_texts
    from wirebrief.check.files import read_glossary, read_pair
    from wirebrief.render.views import CheckView, unread_checks

    source_text, translation_text = read_pair(source, translation)
    terms = read_glossary(_settings(glossary=glossary).glossary)
    result = check_texts(source_text, translation_text, glossary=terms, source_lang=source_lang, target_lang=target_lang)
    view = CheckView(result)
    _show(view, output_format)
    if not quiet and output_format != "rich":
        click.echo(f"wirebrief: check: {view.summary()}", err=True)
    note = unread_checks(source_lang, target_lang)
    if not quiet and note:
        click.echo(f"wirebrief: note: {note}", err=True)
    _exit_on_findings(result.findings, fail_on)


@cli.command()
@click.argument("source", metavar="SOURCE", default="-")
@input_format_option
@format_option()
@click.option("--offline/--online", default=None, help="Never fetch a URL.")
@debug_option
def detect(source: str, input_format: str, output_format: str, offline: bool | None) -> None:
    """Print the language of SOURCE (file, URL or - for standard input) and its confidence.

    Paragraphs clearly in another language are listed too (text: one line each after the
    first). Exit codes: 0 sure, 3 unsure or unreadable (the guess is still printed), 9 URL
    could not be fetched.
    """
    from wirebrief.inputs import read_input, to_document
    from wirebrief.inputs.language import detect as detect_language
    from wirebrief.inputs.language import foreign_paragraphs, refusal
    from wirebrief.render.views import DetectionView

    settings = _settings(offline=offline)
    quiet_libraries(_debug_on(click.get_current_context()))
    extracted = read_input(source, input_format=input_format, offline=settings.fetch_offline)
    found = detect_language(extracted.plain_text)
    problem = refusal(found, extracted.plain_text, extracted.name)
    others = foreign_paragraphs(to_document(extracted, found.language).paragraphs, found.language)
    _show(DetectionView(extracted.name, extracted.input_format, found, others), output_format)
    if problem is not None:
        # The message without its hint: the hint is about --source-lang, which briefs take.
        click.echo(f"wirebrief: error: {' '.join(str(problem).split())}", err=True)
        click.get_current_context().exit(problem.exit_code)


@cli.group(cls=_Group)
def cache() -> None:
    """The translation cache: every sentence translated once, reused on later runs."""


cache_path_option = click.option(
    "--cache", "cache_path", type=click.Path(dir_okay=False, path_type=str), metavar="FILE",
    help="The cache file (default: in the user cache folder).",
)


@cache.command("stats")
@cache_path_option
@format_option()
@debug_option
def cache_stats(cache_path: str | None, output_format: str) -> None:
    """How many outputs the cache holds, per model, and its size."""
    from wirebrief.engines.cache import GenerationCache, default_cache_path
    from wirebrief.render.views import CacheView

    settings = _settings(cache=cache_path)
    _show(CacheView(GenerationCache(settings.cache or default_cache_path()).stats()), output_format)


@cache.command("clear")
@cache_path_option
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


prompts_dir_option = click.option(
    "--prompts-dir", type=click.Path(file_okay=False, path_type=str), help="A folder of prompt files that override or add tiers.",
)


@prompts.command("list")
@prompts_dir_option
@format_option()
@debug_option
def prompts_list(prompts_dir: str | None, output_format: str) -> None:
    """List the tiers and their prompts, shortest first."""
    from wirebrief.prompts import load_prompts
    from wirebrief.render.views import PromptsView

    _show(PromptsView.of(load_prompts(_settings(prompts_dir=prompts_dir).prompts_dir)), output_format)


@prompts.command("show")
@click.argument("name")
@prompts_dir_option
@debug_option
def prompts_show(name: str, prompts_dir: str | None) -> None:
    """Print the prompt file of tier NAME."""
    from wirebrief.errors import UsageError
    from wirebrief.prompts import load_prompts

    loaded = load_prompts(_settings(prompts_dir=prompts_dir).prompts_dir)
    if name not in loaded:
        raise UsageError(f"no prompt named {name!r}", hint=f"choose from {', '.join(sorted(loaded))}")
    out(loaded[name].path.read_text(encoding="utf-8"), nl=False)


@cli.group(cls=_Group)
def models() -> None:
    """The models wirebrief uses, and fetching them."""


@models.command("list")
@click.option("--translation-model", metavar="NAME|PATH", help="Translation model to check.")
@click.option("--summary-model", metavar="NAME|PATH", help="Summary model to check.")
@format_option()
@debug_option
def models_list(translation_model: str | None, summary_model: str | None, output_format: str) -> None:
    """Show the configured models, where each setting came from, and whether each is present."""
    from wirebrief.render.views import ModelsView

    settings = _settings(translation_model=translation_model, summary_model=summary_model)
    _show(ModelsView.of(settings), output_format)


@models.command("plan")
@click.option("--source-lang", required=True, help="Language of the articles (ISO 639-1 code).")
@target_option
@tiers_option
@click.option("--translation-model", metavar="NAME|PATH", help="Override the model for the direct pair.")
@click.option("--summary-model", metavar="NAME|PATH", help="The English summary model.")
@format_option()
@debug_option
def models_plan(source_lang: str, target_lang: str, tiers: str | None, translation_model: str | None,
                summary_model: str | None, output_format: str) -> None:
    """Which models a brief from SOURCE-LANG into TARGET-LANG uses, and whether each is
    present locally. Loads nothing."""
    from wirebrief.pipeline import check_languages, describe_plan, plan_for
    from wirebrief.render.views import PlanView
    from wirebrief.routing import check_code

    source_lang, target_lang = check_languages(check_code(source_lang, "--source-lang"), target_lang)
    settings = _settings(translation_model=translation_model, summary_model=summary_model)
    wants_tiers = (tiers or "").strip().lower() != "none"
    found = plan_for(source_lang, target_lang, settings, tiers=wants_tiers)
    _show(PlanView({"plan": describe_plan(found)}), output_format)


@models.command("pull")
@click.argument("name")
@debug_option
def models_pull(name: str) -> None:
    """Download model NAME (hub id or alias) into the Hugging Face cache."""
    from wirebrief.models import pull

    path = pull(name)
    out(str(path))


def main() -> None:
    """Console-script entry point."""
    hold_closed_streams()
    cli(prog_name="wirebrief")


