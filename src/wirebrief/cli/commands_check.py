"""check and detect: model-free looks at a translation or an article."""

from __future__ import annotations

from typing import Any

import click

from wirebrief.cli.group import debug_on, debug_option
from wirebrief.cli.options import (
    format_option,
    input_format_option,
    quiet_option,
    scoring_model_options,
    settings_from,
    target_option,
)
from wirebrief.cli.output import exit_on_findings, show
from wirebrief.cli.streams import quiet_libraries
from wirebrief.options import FAIL_ON


def _refuse_model_options_without_score(flags: dict[str, Any]) -> None:
    given = [name for name, value in flags.items() if value is not None]
    if given:
        from wirebrief.errors import UsageError

        named = ", ".join("--" + name.replace("_", "-") for name in given)
        raise UsageError(f"{named}: the model options of check go with --score", hint="add --score, or leave them out")


def _with_confidence(result, settings, source_lang: str, target_lang: str):
    """`result` with a low_confidence warning on each aligned pair the translation model
    itself was least sure of (its score by forced decoding; see check.confidence)."""
    from dataclasses import replace

    from wirebrief.check.confidence import confidence_findings
    from wirebrief.check.findings import Where
    from wirebrief.pipeline.scoring import score_pairs

    scored = [pair for pair in result.pairs if pair.source and pair.target]  # omissions and additions have no pair
    places = [Where(pair.paragraph, pair.sentences[0] if pair.sentences else None, pair.source, pair.target)
              for pair in scored]
    scores = score_pairs([pair.source for pair in scored], [pair.target for pair in scored], settings,
                         source_lang=source_lang, target_lang=target_lang)
    return replace(result, findings=result.findings + tuple(confidence_findings(places, scores)))


@click.command()
@click.argument("source", metavar="SOURCE")
@click.argument("translation", metavar="TRANSLATION")
@click.option("--glossary", type=click.Path(dir_okay=False, path_type=str), metavar="FILE", help="Terms that must be translated a given way (TSV or TOML).")
@click.option("--source-lang", default="nl", show_default=True, help="Language of SOURCE.")
@target_option
@format_option()
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="error", show_default=True, help="Exit with code 8 when a finding reaches this severity.")
@click.option("--score", is_flag=True, help="Also score each sentence pair with the translation model and warn where it is least sure (loads the model; the checks alone need none).")
@scoring_model_options
@quiet_option
@debug_option
def check(source: str, translation: str, glossary: str | None, source_lang: str, target_lang: str,
          output_format: str, fail_on: str, score: bool, quiet: bool, **flags: Any) -> None:
    """Check TRANSLATION (by anyone) against SOURCE: numbers, names, quotes, omissions,
    additions, untranslated sentences, loops, glossary terms, coverage; with --score, also
    the translation model's confidence in each sentence.

    Either may be - for standard input. Exit codes: 0 no finding at --fail-on, 8 findings at
    --fail-on, 3 unreadable or empty input, 4 (--score) model missing, 6 bad glossary file.
    """
    from wirebrief.check import check_texts
    from wirebrief.check.files import read_glossary, read_pair
    from wirebrief.render.views import CheckView, unread_checks

    if not score:
        _refuse_model_options_without_score(flags)
    source_text, translation_text = read_pair(source, translation)
    settings = settings_from(glossary=glossary, **flags)
    terms = read_glossary(settings.glossary)
    result = check_texts(source_text, translation_text, glossary=terms, source_lang=source_lang, target_lang=target_lang)
    if score:
        quiet_libraries(debug_on(click.get_current_context()))
        result = _with_confidence(result, settings, source_lang, target_lang)
    view = CheckView(result)
    show(view, output_format)
    if not quiet and output_format != "rich":
        click.echo(f"wirebrief: check: {view.summary()}", err=True)
    note = unread_checks(source_lang, target_lang)
    if not quiet and note:
        click.echo(f"wirebrief: note: {note}", err=True)
    exit_on_findings(result.findings, fail_on)


@click.command()
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

    settings = settings_from(offline=offline)
    quiet_libraries(debug_on(click.get_current_context()))
    extracted = read_input(source, input_format=input_format, offline=settings.fetch_offline)
    found = detect_language(extracted.plain_text)
    problem = refusal(found, extracted.plain_text, extracted.name)
    others = foreign_paragraphs(to_document(extracted, found.language).paragraphs, found.language)
    show(DetectionView(extracted.name, extracted.input_format, found, others), output_format)
    if problem is not None:
        # The message without its hint: the hint is about --source-lang, which briefs take.
        click.echo(f"wirebrief: error: {' '.join(str(problem).split())}", err=True)
        click.get_current_context().exit(problem.exit_code)
