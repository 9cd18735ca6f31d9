"""Plain text: bytes decoded with the charset a server or a page declares, when it is right,
else as any text file is (`document.decode`)."""

from __future__ import annotations

import codecs
import re

from wirebrief.inputs.document import decode


def decode_declared(data: bytes, name: str, charset: str | None, *, html: bool) -> tuple[str, str]:
    """Decode with the charset the server or the page declares, else as any text file."""
    declared = charset
    if declared is None and html:
        match = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", data[:4096], re.IGNORECASE)
        declared = match.group(1).decode("ascii", "replace") if match else None
    utf8 = declared is not None and declared.lower().replace("_", "-") in ("utf-8", "utf8")
    if declared and not utf8 and not _utf8_despite(declared, data):
        try:
            decoded = data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown declaration: fall back on reading the bytes themselves
        else:
            return decode(decoded.encode("utf-8"), name)[0], declared.lower()
    return decode(data, name)


def _utf8_despite(declared: str, data: bytes) -> bool:
    """Whether bytes that declare a single-byte charset are UTF-8 all the same.

    A template's stale meta tag or a server's default often says latin-1 over UTF-8 text, which
    would then read "FinanciÃ«n". Text really in a single-byte charset with accented letters is
    practically never valid UTF-8, so valid UTF-8 with non-ASCII bytes settles it.
    """
    try:
        charset = codecs.lookup(declared).name
    except LookupError:
        return False
    if not re.fullmatch(r"ascii|latin-?1|iso8859-\d+|cp125\d", charset) or data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
