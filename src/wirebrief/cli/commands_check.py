"""check and detect: model-free looks at a translation or an article."""

from __future__ import annotations

import click

from wirebrief.cli.group import debug_on, debug_option
from wirebrief.cli.options import (
    format_option,
    input_format_option,
    quiet_option,
    settings_from,
    target_option,
)
from wirebrief.cli.output import exit_on_findings, show
from wirebrief.options import FAIL_ON
from wirebrief.render.streams import quiet_libraries


@click.command()
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
    terms = read_glossary(settings_from(glossary=glossary).glossary)
    result = check_texts(source_text, translation_text, glossary=terms, source_lang=source_lang, target_lang=target_lang)
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
