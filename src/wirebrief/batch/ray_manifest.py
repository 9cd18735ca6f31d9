"""The manifest of a batch run whose --out is a URI (``s3://bucket/briefs``).

An object store has no append and no lock, so the local manifest's way (one line appended per
input, under a lock) is not open to it. Here the driver, the only writer, keeps entries as it
goes and puts them out as *parts*: ``manifest.parts/<run>-<n>.jsonl``, one every
`FLUSH_ENTRIES` entries or `FLUSH_SECONDS` seconds, each written whole. At the end of a run
(`compact`) the manifest and every part are merged into one ``manifest.jsonl`` and the parts
are deleted. A run killed part-way leaves its parts; the next run reads them after the
manifest, in the order they were written, so the last entry per id still wins, and a rerun
skips what they record. At most the entries of one unwritten part are lost with a killed
driver: their results are made again.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from wirebrief.batch import MANIFEST, json_line
from wirebrief.errors import OutputError
from wirebrief.fs import ObjectOutput

PARTS = "manifest.parts"
FLUSH_ENTRIES = 256
FLUSH_SECONDS = 30.0


@contextmanager
def object_errors(output: ObjectOutput, name: str, doing: str = "written") -> Iterator[None]:
    """An error on one of the run's own objects stops the run, naming the object."""
    try:
        yield
    except OSError as error:
        raise OutputError(f"{output.describe(name)}: cannot be {doing} ({error.strerror or error})") from error


class PartsManifest:
    """The same four operations as `batch.Manifest` (load, append, compact, write_beside)."""

    def __init__(
        self, output: ObjectOutput, *, flush_entries: int = FLUSH_ENTRIES, flush_seconds: float = FLUSH_SECONDS,
    ) -> None:
        self.output = output
        # Sorts after every earlier run's parts, whatever machine the driver runs on next.
        self._run = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        self._buffer: list[dict[str, Any]] = []
        self._parts = 0
        self._flushed = time.monotonic()
        self._flush_entries = flush_entries
        self._flush_seconds = flush_seconds

    def _lines(self, name: str) -> Iterator[dict[str, Any]]:
        with object_errors(self.output, name, "read"):
            data = self.output.read(name)
        for line in (data or b"").splitlines():
            try:
                entry = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                yield entry

    def _part_names(self) -> list[str]:
        with object_errors(self.output, PARTS, "listed"):
            return [name for name in self.output.names(PARTS) if name.endswith(".jsonl")]

    def load(self) -> dict[str, dict[str, Any]]:
        """The latest entry per id: the manifest, then every part in the order written."""
        self.flush()
        entries: dict[str, dict[str, Any]] = {}
        for name in [MANIFEST, *self._part_names()]:
            for entry in self._lines(name):
                entries[entry["id"]] = entry
        return entries

    def append(self, entry: dict[str, Any]) -> None:
        self._buffer.append(entry)
        if len(self._buffer) >= self._flush_entries or time.monotonic() - self._flushed >= self._flush_seconds:
            self.flush()

    def flush(self) -> None:
        """Put the entries kept so far out as one part."""
        self._flushed = time.monotonic()
        if not self._buffer:
            return
        self._parts += 1
        name = f"{PARTS}/{self._run}-{self._parts:06d}.jsonl"
        content = "".join(json_line(entry) for entry in self._buffer).encode("utf-8")
        with object_errors(self.output, name):
            self.output.write(name, content)
        self._buffer.clear()

    def compact(self) -> None:
        """One manifest of the latest entry per id; the parts it took in are deleted after."""
        self.flush()
        parts = self._part_names()
        entries: dict[str, dict[str, Any]] = {}
        for name in [MANIFEST, *parts]:
            for entry in self._lines(name):
                entries[entry["id"]] = entry
        with object_errors(self.output, MANIFEST):
            self.output.write(MANIFEST, "".join(json_line(entry) for entry in entries.values()).encode("utf-8"))
        for name in parts:
            with object_errors(self.output, name, "deleted"):
                self.output.delete(name)

    def write_beside(
        self, name: str, render: Callable[[list[dict[str, Any]]], str], *, errors: str = "strict",
    ) -> None:
        content = render(list(self.load().values()))
        with object_errors(self.output, name):
            self.output.write(name, content.encode("utf-8", errors))
