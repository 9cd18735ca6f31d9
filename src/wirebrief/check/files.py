"""The files `wirebrief check` reads: a source and a translation (either may be standard
input, not both) and the glossary, so a program that checks files calls what the CLI calls."""

from __future__ import annotations

from pathlib import Path

from wirebrief.check.glossary import Glossary, load_glossary
from wirebrief.errors import UsageError
from wirebrief.inputs.document import decode, read_source


def read_pair(source: str | Path, translation: str | Path) -> tuple[str, str]:
    """The text of a source and of its translation, each a path or ``-`` for standard input.

    Standard input can be read once: both ``-`` is a UsageError, before anything is read.
    """
    if str(source) == "-" and str(translation) == "-":
        raise UsageError("standard input (-) can be read only once")
    return decode(*read_source(source))[0], decode(*read_source(translation))[0]


def read_glossary(path: str | Path | None) -> Glossary | None:
    """The glossary at `path` (TSV or TOML), or None when there is none to read."""
    return load_glossary(Path(path)) if path else None
