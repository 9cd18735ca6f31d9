"""Which kind an input is: from its content first (a ZIP with a Word body, a doctype or a handful
of tags, ATX headings), then from the server's type, then from the file name."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from wirebrief.errors import InputError
from wirebrief.inputs.source import InputFormat

_SUFFIXES: dict[str, InputFormat] = {
    ".html": "html", ".htm": "html", ".xhtml": "html", ".md": "markdown", ".markdown": "markdown",
    ".docx": "docx", ".txt": "text",
}  # fmt: skip


def sniff(data: bytes, name: str = "input", content_kind: str | None = None) -> InputFormat:
    """The input's kind from its content first, then the server's type, then the file name."""
    if data.startswith(b"PK\x03\x04"):
        archive = _zip_kind(data)
        if archive == "docx":
            return "docx"
        if archive == "broken":
            raise InputError(f"{name} is a damaged ZIP file (a Word document cut short?); it cannot be opened")
        raise InputError(f"{name} is a ZIP archive, not an article (a .docx needs word/document.xml)")
    suffix = _SUFFIXES.get(Path(name).suffix.lower()) if name not in ("-", "<stdin>") else None
    head = _skip_prelude(data[:65536]).lower()
    if head.startswith((b"<!doctype html", b"<html")) or content_kind == "html":
        return "html"
    # A saved page may carry kilobytes of inline script or style before its first body tag.
    if suffix != "markdown" and _HTML_ROOT.search(head):
        return "html"
    sample = data[:65536].decode("utf-8", "replace")
    # Markdown may hold a few inline tags (links, <br>); its # headings are what HTML lacks.
    if _has_headings(sample, strict=suffix != "markdown"):
        return "markdown"
    if len(_COMMON_TAGS.findall(head[:4096])) >= 4:
        return "html"
    if content_kind == "markdown" or suffix == "markdown":
        return "markdown"
    if suffix == "html" and re.search(rb"<[a-zA-Z!/][^>]*>", head[:4096]):
        return suffix  # a name says HTML, and there are tags: a fragment
    if _looks_like_markdown(sample):
        return "markdown"
    return "text"


#: A root tag where markup starts a line: prose that mentions "<body>" mid-sentence is not a page.
_HTML_ROOT = re.compile(rb"(?m)^[ \t]*(?:<[^>\n]*>[ \t]*)*<(?:!doctype\s+html|html|body)[\s>]")
_COMMON_TAGS = re.compile(rb"</?(?:p|div|br|span|a|h[1-6]|article|body|head|section|li|ul|meta|title)\b[^>]*>")
_PRELUDE = re.compile(rb"\A(?:\s|\xef\xbb\xbf|<!--.*?-->|<\?.*?\?>)+", re.DOTALL)


def _skip_prelude(data: bytes) -> bytes:
    """The bytes from the first real markup on: pages saved by browsers or tools often open
    with a BOM, a comment ("saved from url=...") or an XML declaration before the doctype."""
    match = _PRELUDE.match(data)
    return data[match.end() :] if match else data


def _zip_kind(data: bytes) -> str:
    """"docx" for a Word document, "zip" for another archive, "broken" for one that cannot be read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "docx" if "word/document.xml" in archive.namelist() else "zip"
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "broken"


#: An ATX heading; a line of only #s and spaces ("# # #", the end mark of a press release) is not.
_ATX_HEADING = re.compile(r"^#{1,6}[ \t]+(?![# \t\r]*$)\S", re.MULTILINE)
_MARKDOWN_SIGNS = (
    re.compile(r"^(?:[-*+]|\d+\.)[ \t]+\S", re.MULTILINE),  # list items
    re.compile(r"\[[^\]\n]+\]\([^)\s]+\)"),  # links
    re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__"),  # strong emphasis
    re.compile(r"^>[ \t]?\S", re.MULTILINE),  # block quotes
    re.compile(r"^```", re.MULTILINE),  # code fences
)


def _looks_like_markdown(text: str) -> bool:
    """ATX headings, or two different Markdown constructs: one alone is often plain text."""
    if _has_headings(text, strict=True):
        return True
    return sum(1 for sign in _MARKDOWN_SIGNS if sign.search(text)) >= 2


def _has_headings(text: str, *, strict: bool) -> bool:
    """Whether `text` has ATX headings; `strict` (an input not named .md) asks for two of them,
    or one on the first line: a single "# ..." line further down is as likely plain text."""
    headings = _ATX_HEADING.findall(text)
    if not strict or len(headings) >= 2:
        return bool(headings)
    first = next((line for line in text.lstrip("\ufeff").splitlines() if line.strip()), "")
    return bool(_ATX_HEADING.match(first))
