"""What every input reader hands on: a `Source` (the text of a plain input, or the headings and
paragraphs of a structured one) and its metadata, and the helpers the readers share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from wirebrief.inputs.document import ParagraphKind

InputFormat = Literal["text", "html", "markdown", "docx"]
INPUT_FORMATS = ("auto", "text", "html", "markdown", "docx")

#: A private-use character the HTML reader puts where <br><br> left a gap between paragraphs
#: while trafilatura works (it drops a <br> with no text after it); never part of a value.
GAP = "\ue000"


@dataclass(frozen=True)
class Block:
    """One heading or paragraph of a structured input, in reading order."""

    kind: ParagraphKind
    text: str


@dataclass(frozen=True)
class Source:
    """An input read and extracted: its text (plain kind) or blocks (structured kinds)."""

    name: str
    input_format: InputFormat
    encoding: str
    #: The decoded text of a plain-text input; None for structured kinds.
    text: str | None = None
    blocks: tuple[Block, ...] = ()
    title: str | None = None
    author: str | None = None
    date: str | None = None
    site: str | None = None
    url: str | None = None
    #: How the input was obtained: "file", "stdin" or "url".
    origin: str = "file"

    @property
    def plain_text(self) -> str:
        """All of the article's text, paragraphs separated by blank lines (for detection)."""
        if self.text is not None:
            return self.text
        return "\n\n".join(block.text for block in self.blocks)


def clean(value: str | None) -> str | None:
    """A metadata value on one line, or None when it holds no text."""
    if not value:
        return None
    value = " ".join(str(value).replace(GAP, " ").split())
    return value or None


def has_title(blocks: list[Block], title: str) -> bool:
    """Whether the text already holds its title, as a heading or as a paragraph (a bold line,
    an HTML <h1> in Markdown), however its quotes, dashes, case or spaces are written: only
    its letters and digits are compared, so that the title is not briefed twice."""
    wanted = _letters(title)
    return bool(wanted) and any(_letters(block.text) == wanted for block in blocks)


def _letters(text: str) -> str:
    return "".join(char for char in text.casefold() if char.isalnum())
