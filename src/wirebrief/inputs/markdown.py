"""Markdown: headings and paragraphs via markdown-it (which rich already uses), metadata from a
YAML front matter block via PyYAML's safe loader."""

from __future__ import annotations

import re
from functools import cache
from typing import ClassVar

from wirebrief.errors import InputError
from wirebrief.inputs.document import ParagraphKind
from wirebrief.inputs.source import Block, Source, clean, has_title

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<body>.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
#: The line a top-level field starts on: `key: value`, or `key:` with its value below.
_FIELD_START = re.compile(r"(?P<key>[^\W\d][\w-]*):(?:[ \t]|$)")
#: Fields that front matter carries: a block between two rules names at least one of them.
_META_KEYS = frozenset({
    "title", "author", "authors", "date", "description", "summary", "subtitle", "tags", "categories",
    "category", "slug", "layout", "draft", "lang", "language", "source", "url", "byline", "dateline",
})  # fmt: skip


def from_markdown(text: str, name: str, *, encoding: str = "utf-8", origin: str = "file") -> Source:
    """Headings and paragraphs of a Markdown text, via markdown-it.

    Inline markup is dropped and links keep their text; list items, quotes and table rows
    become paragraphs. Front matter gives title, author and date.
    """
    from markdown_it import MarkdownIt

    meta: dict[str, str] = {}
    match = _FRONT_MATTER.match(text)
    fields = front_matter(match.group("body")) if match else None
    if match and fields is not None:
        meta, text = fields, text[match.end() :]
    blocks = _markdown_blocks(MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text))
    if not blocks:
        raise InputError(f"{name} has no text outside its Markdown markup")
    title = clean(meta.get("title"))
    if title and not has_title(blocks, title):
        blocks.insert(0, Block("heading", title))
    return Source(
        name=name, input_format="markdown", encoding=encoding, blocks=tuple(blocks), title=title,
        author=clean(meta.get("author")), date=clean(meta.get("date")), origin=origin,
    )


def front_matter(body: str) -> dict[str, str] | None:
    """The fields of a front matter block (lower-case keys, each value one line of text), or
    None when the block is no front matter.

    A document may open with a `---` rule and prose up to the next rule: that is text to keep.
    So only a YAML mapping that names at least one field such files carry is front matter
    ("Amsterdam: de gemeente sluit de brug." between two rules is prose).

    Front matter is often written by hand, not by a tool that checks it: `title: Kabinet: geen
    geld` and `title: 't Hoogt verkocht` are not valid YAML, yet their writer's meaning is
    plain. A block YAML refuses is read field by field, and a value YAML refuses is taken as
    written; a block that is not a run of `key: value` fields stays text.
    """
    import yaml

    try:
        loaded = yaml.load(body, Loader=_text_loader())
    except yaml.YAMLError:
        fields = _fields_one_by_one(body)
    else:
        fields = _as_text(loaded) if isinstance(loaded, dict) else None
    return fields if fields and _META_KEYS & set(fields) else None


@cache
def _text_loader() -> type:
    """PyYAML's safe loader, reading every plain scalar as text: a date stays as it is written
    ("2025-03-10T14:30+01:00", not a datetime) and so do "yes", "010" and "1_000"."""
    import yaml

    class TextLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        yaml_implicit_resolvers: ClassVar[dict] = {}  # no implicit types: plain scalars are text

    return TextLoader


def _as_text(mapping: dict) -> dict[str, str]:
    """A loaded mapping's fields as text: a scalar as it is, a list of scalars as "a, b". Other
    values (a nested mapping) are no metadata wirebrief reads, and are left out."""
    fields: dict[str, str] = {}
    for key, value in mapping.items():
        if isinstance(value, list):
            fields[str(key).lower()] = ", ".join(str(item) for item in value if isinstance(item, str))
        elif isinstance(value, str) or value is None:
            fields[str(key).lower()] = value or ""
    return fields


def _fields_one_by_one(body: str) -> dict[str, str] | None:
    """A block that is not valid YAML as a whole, read one top-level field at a time; None when
    a line is neither a field's start nor part of one (indented, blank, or a `- item`). Only
    the fields front matter is known by are read (of a key given twice, the last, as YAML)."""
    import yaml

    found: dict[str, list[str]] = {}
    lines: list[str] = []
    for line in body.splitlines():
        start = _FIELD_START.match(line)
        if start:
            lines = [line]
            found[start["key"].lower()] = lines
        elif lines and (not line.strip() or line[:1] in " \t" or (line[:1] == "-" and _opens_list(lines[0]))):
            lines.append(line)
        elif line.strip():
            return None
    fields: dict[str, str] = {}
    for key, field in found.items():
        if key not in _META_KEYS:
            continue
        try:
            loaded = yaml.load("\n".join(field), Loader=_text_loader())
        except yaml.YAMLError:
            loaded = None
        if isinstance(loaded, dict) and len(loaded) == 1:
            fields.update(_as_text(loaded))
        else:  # taken as written: what its writer meant
            fields[key] = " ".join("\n".join(field).partition(":")[2].split())
    return fields


def _opens_list(line: str) -> bool:
    """Whether a field's first line leaves its value to the lines below (`tags:`), where
    `- item` lines may follow unindented."""
    return not line.partition(":")[2].strip()


def _markdown_blocks(tokens) -> list[Block]:  # tokens: markdown-it's block tokens
    blocks: list[Block] = []
    kind: ParagraphKind = "paragraph"
    row: list[str] = []
    in_cell = False
    number = ""  # an ordered list item's number ("1. "), put before the item's first block

    def add(block_kind: ParagraphKind, content: str) -> None:
        nonlocal number
        content = " ".join(content.split())
        if content:
            blocks.append(Block(block_kind, number + content))
            number = ""

    for token in tokens:
        if token.type == "heading_open":
            kind = "heading"
        elif token.type == "heading_close":
            kind = "paragraph"
        elif token.type == "list_item_open":
            # The number is text of the article ("2. winst daalt" is referred to as point 2);
            # a bullet is only markup.
            number = f"{token.info}{token.markup} " if token.info else ""
        elif token.type == "list_item_close":
            number = ""
        elif token.type == "tr_open":
            row = []
        elif token.type in ("th_open", "td_open", "th_close", "td_close"):
            in_cell = token.type.endswith("_open")
        elif token.type == "tr_close":
            if any(row):
                add("paragraph", " | ".join(row))
        elif token.type == "inline":
            row.append(_inline_text(token)) if in_cell else add(kind, _inline_text(token))
        elif token.type in ("fence", "code_block", "html_block"):
            add("paragraph", _strip_html(token.content) if token.type == "html_block" else token.content)
    return blocks


def _inline_text(token) -> str:
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "html_inline":
            parts.append(_strip_html(child.content))
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)  # the alt text
    return " ".join("".join(parts).split())


#: HTML elements that sit inside a run of words (<b>, <a>): their tags just go.
_HTML_INLINE = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font", "i",
    "img", "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup",
    "time", "tt", "u", "var", "wbr",
})  # fmt: skip
#: Other HTML elements (<br>, <p>, <td>): their tags separate words.
_HTML_OTHER = frozenset({
    "address", "article", "aside", "audio", "blockquote", "body", "br", "caption", "center", "col",
    "colgroup", "dd", "details", "div", "dl", "dt", "embed", "fieldset", "figcaption", "figure",
    "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hr", "html", "iframe",
    "input", "label", "legend", "li", "link", "main", "meta", "nav", "noscript", "ol", "object",
    "option", "p", "picture", "pre", "script", "section", "select", "source", "style", "summary",
    "table", "tbody", "td", "template", "textarea", "tfoot", "th", "thead", "title", "tr", "track",
    "ul", "video",
})  # fmt: skip
#: A comment, a declaration, a processing instruction or a tag.
_HTML_MARKUP = re.compile(
    r"<!--.*?-->|<![^>]*>|<\?.*?\?>|</?(?P<name>[A-Za-z][\w-]*)(?:\s[^>]*)?/?>", re.DOTALL
)


def _strip_html(markup: str) -> str:
    """Markdown's HTML without its tags and comments. Text in angle brackets that is no HTML
    tag (<Philips>, <Jan Jansen>: a placeholder or a name) is the article's text and stays."""

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        if name is None:
            return ""  # a comment, doctype or processing instruction
        lower = name.lower()
        if name not in (lower, name.upper()):
            return match.group()  # HTML tags are written in one case; "Philips" is a name
        if lower in _HTML_INLINE:
            return ""
        return " " if lower in _HTML_OTHER else match.group()

    return _HTML_MARKUP.sub(replace, markup)
