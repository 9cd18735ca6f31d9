"""The inputs of a batch run: folders, files and JSONL records, listed lazily with unique ids.

A broken JSONL line is listed too, as an input that fails (with its line number), so that one
bad line costs that line and not the run. `in_shard` says which inputs are one process's.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import count
from pathlib import Path

from wirebrief.errors import UsageError

#: A lone surrogate: not Unicode text (a file system cannot store it, UTF-8 cannot hold it).
SURROGATE = re.compile(r"[\ud800-\udfff]")


@dataclass(frozen=True)
class Item:
    """One input article: where it came from and what the run calls it."""

    id: str
    #: What the manifest calls the input: a path, or ``file.jsonl:LINE``.
    origin: str
    path: Path | None = None
    #: The text of a JSONL record.
    text: str | None = None
    #: Why the input cannot be used at all (a broken JSONL line), found while listing.
    error: str | None = None


def _jsonl_items(lines: Iterable[bytes], origin: str, stem: str) -> Iterator[Item]:
    for number, raw in enumerate(lines, start=1):
        where = f"{origin}:{number}"
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            yield Item(f"{stem}-{number}", where, error=f"line {number} is not valid JSON ({error})")
            continue
        if not isinstance(record, dict):
            yield Item(f"{stem}-{number}", where, error=f"line {number} is not a JSON object")
            continue
        identifier = record.get("id")
        identifier = f"{stem}-{number}" if identifier is None or str(identifier).strip() == "" else str(identifier)
        text = record.get("text")
        if not isinstance(text, str):
            yield Item(identifier, where, error=f'line {number} has no "text" string')
            continue
        lone = SURROGATE.search(text)
        if lone:
            yield Item(identifier, where, error=(
                f"line {number}: the text holds a lone surrogate (U+{ord(lone.group()):04X}) at character "
                f"{lone.start() + 1}, which is not Unicode text"
            ))
            continue
        yield Item(identifier, where, text=text)


def _stdin_lines() -> Iterator[bytes]:
    yield from sys.stdin.buffer


def _jsonl_file(path: Path) -> Iterator[Item]:
    """The records of a .jsonl file; one that cannot be opened (a symlink loop) is a failed input."""
    try:
        handle = path.open("rb")
    except OSError as error:
        yield Item(path.stem, str(path), error=f"{path}: cannot be read ({error.strerror or error})")
        return
    with handle:
        yield from _jsonl_items(handle, str(path), path.stem)


def check_sources(sources: Sequence[str]) -> None:
    """Refuse, before anything runs, arguments that name nothing (a typo is a usage error)."""
    if not sources:
        raise UsageError("no inputs given", hint="pass files, folders, a .jsonl file, or - for JSONL on stdin")
    if list(sources).count("-") > 1:
        raise UsageError("standard input (-) can be read only once")
    for source in sources:
        # A broken symlink is named on purpose: it is an input, and it fails as one.
        if source != "-" and not (Path(source).exists() or Path(source).is_symlink()):
            raise UsageError(f"{source}: no such file or folder")


def collect(sources: Sequence[str], pattern: str = "*.txt") -> Iterator[Item]:
    """Every input named by `sources`, lazily, in a stable order, each with a unique id.

    A folder gives every file matching `pattern` under it, recursively (id: the path relative
    to the folder); a ``.jsonl`` file or ``-`` gives one article per line (``{"id", "text"}``;
    id: the record's ``id``, else ``<name>-<line>``); any other file is one article (id: its
    name). An id taken before gets ``~2``, ``~3``... (the first of them not taken), so no input
    is silently dropped; an id given later that an earlier repeat took is itself renamed.
    """
    taken: set[str] = set()
    repeats: dict[str, int] = {}
    for item in _raw_items(sources, pattern):
        if item.id in taken:
            number = next(n for n in count(repeats.get(item.id, 1) + 1) if f"{item.id}~{n}" not in taken)
            repeats[item.id] = number
            item = replace(item, id=f"{item.id}~{number}")
        taken.add(item.id)
        yield item


def _raw_items(sources: Sequence[str], pattern: str) -> Iterator[Item]:
    for source in sources:
        if source == "-":
            yield from _jsonl_items(_stdin_lines(), "<stdin>", "stdin")
            continue
        path = Path(source)
        if path.is_dir():
            for found in _matching(path, pattern):
                yield Item(found.relative_to(path).as_posix(), str(found), path=found)
        elif path.suffix.lower() == ".jsonl":
            yield from _jsonl_file(path)
        else:
            yield Item(path.name, str(path), path=path)


def _matching(folder: Path, pattern: str) -> list[Path]:
    """Files under `folder` matching any of the comma-separated glob patterns, once each, sorted."""
    patterns = [part.strip() for part in pattern.split(",") if part.strip()] or ["*"]
    return sorted({
        found for part in patterns for found in folder.rglob(part) if found.is_file() or _broken_link(found)
    })


def _broken_link(path: Path) -> bool:
    """A symlink that loops or leads nowhere: listed, so that it fails as an input, not in silence."""
    return path.is_symlink() and not path.exists()


def count_inputs(sources: Sequence[str], pattern: str = "*.txt") -> int | None:
    """How many inputs there are, cheaply (None when standard input is one of them)."""
    if "-" in sources:
        return None
    total = 0
    for source in sources:
        path = Path(source)
        if path.is_dir():
            total += len(_matching(path, pattern))
        elif path.suffix.lower() == ".jsonl":
            total += _count_records(path)
        else:
            total += 1
    return total


def _count_records(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    except OSError:
        return 1  # it will be one failed input


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` → (K, N), 1 <= K <= N."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise UsageError(f"--shard {text!r} is not K/N", hint="e.g. --shard 1/4 for the first of four processes")
    k, n = int(match.group(1)), int(match.group(2))
    if n < 1 or not 1 <= k <= n:
        raise UsageError(f"--shard {text}: K must be between 1 and N")
    return k, n


def in_shard(identifier: str, shard: tuple[int, int]) -> bool:
    """Whether an input belongs to shard K of N: a hash of its id, so every process agrees."""
    k, n = shard
    if n == 1:
        return True
    digest = hashlib.sha256(identifier.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % n == k - 1
