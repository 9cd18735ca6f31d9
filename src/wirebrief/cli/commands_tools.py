"""The tool groups: cache, prompts, models."""

from __future__ import annotations

import click

from wirebrief.cli.group import Group, debug_option
from wirebrief.cli.options import format_option, settings_from, target_option, tiers_option
from wirebrief.cli.output import show
from wirebrief.cli.streams import out


@click.group(cls=Group)
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

    settings = settings_from(cache=cache_path)
    show(CacheView(GenerationCache(settings.cache or default_cache_path()).stats()), output_format)


@cache.command("clear")
@cache_path_option
@debug_option
def cache_clear(cache_path: str | None) -> None:
    """Remove every cached output."""
    from wirebrief.engines.cache import GenerationCache, default_cache_path

    settings = settings_from(cache=cache_path)
    path = settings.cache or default_cache_path()
    removed = GenerationCache(path).clear()
    click.echo(f"removed {removed} cached outputs from {path}", err=True)


@cache.command("merge")
@click.argument("files", metavar="FILE...", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--cache", "cache_path", type=click.Path(dir_okay=False, path_type=str), metavar="TARGET",
    help="The cache to merge into, created if missing (default: the one runs use, in the user cache folder).",
)
@debug_option
def cache_merge(files: tuple[str, ...], cache_path: str | None) -> None:
    """Fold the cache FILEs (say, one per machine of a --ray run) into one.

    Rows the target has already are kept; the FILEs are only read. Every FILE is checked
    before anything is written. Exit codes: 0 merged, 2 a FILE missing or the target itself,
    6 a file that is not a wirebrief cache.
    """
    from pathlib import Path

    from wirebrief.engines.cache import default_cache_path
    from wirebrief.engines.merge import merge_caches
    from wirebrief.words import plural

    settings = settings_from(cache=cache_path)
    report = merge_caches(Path(settings.cache or default_cache_path()), [Path(file) for file in files])
    for source, rows, new in report.sources:
        click.echo(f"{source}: {plural(rows, 'row')}, {new} new", err=True)
    click.echo(f"{report.target}: {plural(report.total, 'row')}", err=True)


@click.group(cls=Group)
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

    show(PromptsView.of(load_prompts(settings_from(prompts_dir=prompts_dir).prompts_dir)), output_format)


@prompts.command("show")
@click.argument("name")
@prompts_dir_option
@debug_option
def prompts_show(name: str, prompts_dir: str | None) -> None:
    """Print the prompt file of tier NAME."""
    from wirebrief.errors import UsageError
    from wirebrief.prompts import load_prompts

    loaded = load_prompts(settings_from(prompts_dir=prompts_dir).prompts_dir)
    if name not in loaded:
        raise UsageError(f"no prompt named {name!r}", hint=f"choose from {', '.join(sorted(loaded))}")
    out(loaded[name].path.read_text(encoding="utf-8"), nl=False)


@click.group(cls=Group)
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

    settings = settings_from(translation_model=translation_model, summary_model=summary_model)
    show(ModelsView.of(settings), output_format)


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
    settings = settings_from(translation_model=translation_model, summary_model=summary_model)
    wants_tiers = (tiers or "").strip().lower() != "none"
    found = plan_for(source_lang, target_lang, settings, tiers=wants_tiers)
    show(PlanView({"plan": describe_plan(found)}), output_format)


@models.command("pull")
@click.argument("name")
@debug_option
def models_pull(name: str) -> None:
    """Download model NAME (hub id or alias) into the Hugging Face cache."""
    from wirebrief.models import pull

    path = pull(name)
    out(str(path))
