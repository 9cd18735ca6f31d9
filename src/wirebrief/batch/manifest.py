"""``manifest.jsonl``: one line per input as it finishes; the last line for an id is its state."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from filelock import FileLock

from wirebrief.batch.outputs import LOCK, MANIFEST, json_line, run_file, write_atomic


class Manifest:
    """``manifest.jsonl``: appended one line at a time under a lock; the last line per id wins.

    Its lines are valid UTF-8 whatever the ids hold (see `json_line`). Any OS error on it or
    its lock is an OutputError naming the file.
    """

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / MANIFEST
        self._lock_path = out_dir / LOCK
        # Several processes (shards) may append to one manifest: each line is written under an
        # exclusive lock on a file beside it, which filelock takes on POSIX and Windows alike.
        self._lock = FileLock(self._lock_path)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with run_file(self._lock_path, "locked"):
            self._lock.acquire()
        try:
            yield
        finally:
            self._lock.release()

    def load(self) -> dict[str, dict[str, Any]]:
        """The latest entry per id. A line cut short by a killed run is ignored."""
        entries: dict[str, dict[str, Any]] = {}
        with run_file(self.path, "read"):
            try:
                handle = self.path.open("rb")
            except FileNotFoundError:
                return entries
            with handle:
                for line in handle:
                    try:
                        entry = json.loads(line)
                    except (json.JSONDecodeError, UnicodeDecodeError):
                        continue
                    if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                        entries[entry["id"]] = entry
        return entries

    def append(self, entry: dict[str, Any]) -> None:
        line = json_line(entry).encode("utf-8")
        # A line a killed writer left unfinished must not swallow this one.
        with self._locked(), run_file(self.path), self.path.open("ab") as handle:
            if handle.tell() and not _ends_with_newline(self.path):
                handle.write(b"\n")
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def compact(self) -> None:
        """Rewrite the manifest with one line per id (the latest), atomically."""
        with self._locked():
            entries = self.load()
            with run_file(self.path):
                write_atomic(self.path, "".join(json_line(entry) for entry in entries.values()))

    def write_beside(
        self, name: str, render: Callable[[list[dict[str, Any]]], str], *, errors: str = "strict",
    ) -> None:
        """Write a file beside the manifest made from its latest entries, under its lock, so that
        of several shards the last to finish writes what all of them did."""
        path = self.path.with_name(name)
        with self._locked():
            content = render(list(self.load().values()))
            with run_file(path):
                write_atomic(path, content, errors=errors)


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"
