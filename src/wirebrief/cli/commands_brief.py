"""brief, translate, summarise: one article through the pipeline, rendered."""

from __future__ import annotations

from typing import Any

import click

from wirebrief.cli.group import debug_option
from wirebrief.cli.options import (
    fail_on_option,
    findings_option,
    format_option,
    input_format_option,
    model_options,
    quiet_option,
    settings_from,
    side_option,
    source_argument,
    source_lang_option,
    target_option,
    tiers_option,
    verify_option,
)
from wirebrief.cli.output import emit, exit_on_findings, run_with_progress, show
from wirebrief.options import FORMATS, Options


@click.command()
@source_argument
@source_lang_option
@target_option
@input_format_option
@tiers_option
@format_option(FORMATS)
@side_option
@findings_option
@fail_on_option
@verify_option
@click.option("--dry-run", is_flag=True, help="Print the plan (input, language, models, tiers) without loading any model.")
@model_options
@quiet_option
@debug_option
def brief(source: str, source_lang: str, target_lang: str, input_format: str, tiers: str | None,
          output_format: str, side_by_side: bool, findings_view: str, fail_on: str, verify: str, dry_run: bool,
          quiet: bool, **flags: Any) -> None:
    """Translate SOURCE and brief it at every depth."""
    from wirebrief.pipeline import brief as run_brief

    settings = settings_from(**flags)
    options = Options(tiers=tiers, source_lang=source_lang, target_lang=target_lang, input_format=input_format,
                      output_format=output_format, fail_on=fail_on, findings=findings_view, verify=verify)
    if dry_run:
        from wirebrief.pipeline import dry_run as plan_run
        from wirebrief.render.views import PlanView

        show(PlanView(plan_run(source, settings=settings, options=options)), output_format)
        return
    result = run_with_progress(run_brief, quiet=quiet, source=source, settings=settings, options=options)
    emit(result, options, side_by_side=side_by_side, quiet=quiet)
    exit_on_findings(result.findings, fail_on)


@click.command()
@source_argument
@source_lang_option
@target_option
@input_format_option
@format_option(FORMATS)
@side_option
@findings_option
@fail_on_option
@verify_option
@model_options
@quiet_option
@debug_option
def translate(source: str, source_lang: str, target_lang: str, input_format: str, output_format: str,
              side_by_side: bool, findings_view: str, fail_on: str, verify: str, quiet: bool, **flags: Any) -> None:
    """Only translate SOURCE, paragraph by paragraph."""
    from wirebrief.pipeline import translate as run_translate

    settings = settings_from(**flags)
    options = Options(source_lang=source_lang, target_lang=target_lang, input_format=input_format,
                      output_format=output_format, summarise=False, fail_on=fail_on, findings=findings_view,
                      verify=verify)
    result = run_with_progress(run_translate, quiet=quiet, source=source, settings=settings, options=options)
    emit(result, options, side_by_side=side_by_side, quiet=quiet)
    exit_on_findings(result.findings, fail_on)


@click.command()
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

    settings = settings_from(**flags)
    options = Options(tiers=tiers, target_lang=target_lang, input_format=input_format, output_format=output_format,
                      translate=False)
    result = run_with_progress(run_summarise, quiet=quiet, source=source, settings=settings, options=options)
    emit(result, options, quiet=quiet)
