"""The command line: parse options, call the library, render, map errors to exit codes.

Results go to stdout through cli.streams.out; progress, warnings and errors go to stderr,
so `wirebrief brief - --format json | jq` always works. The views are in render/.

The commands live in commands_*.py, the options they share in options.py, the error handling
in group.py; this module only gathers them. Nothing heavy is imported before a command runs.
"""

from __future__ import annotations

import click

from wirebrief.cli.commands_batch import batch
from wirebrief.cli.commands_brief import brief, summarise, translate
from wirebrief.cli.commands_check import check, detect
from wirebrief.cli.commands_tools import cache, models, prompts
from wirebrief.cli.group import Group, debug_option, version_option
from wirebrief.cli.streams import hold_closed_streams

__all__ = ["cli", "main"]


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@version_option
@debug_option
def cli() -> None:
    """Translate a news article with a local model and brief it: headline, lede, summary,
    key points and the full paragraph-aligned translation.

    SOURCE is a file (text, HTML, Markdown or .docx), an http(s) URL, or - for standard
    input. Exit codes: 0 ok, 2 usage, 3 input, 4 model missing, 5 generation failed,
    6 config/prompt file, 7 some batch inputs failed, 8 findings reached --fail-on, 9 URL could
    not be fetched, 10 output could not be written, 130 interrupted, 141 stdout closed by its
    reader.
    """


# In the order --help used to list them (click sorts by name anyway).
for _command in (brief, translate, summarise, batch, check, detect, cache, prompts, models):
    cli.add_command(_command)


def main() -> None:
    """Console-script entry point."""
    hold_closed_streams()
    cli(prog_name="wirebrief")
