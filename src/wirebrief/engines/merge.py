"""Fold several generation caches into one: `wirebrief cache merge [--cache TARGET] FILE...`.

A run spread over several machines gives each machine a cache file on its own disk (SQLite's
locking is not safe on a network filesystem, so one shared file is no option). Afterwards the
files can be folded into one, to seed the next run or to keep.

A row's key is a hash of everything that decides its output (engine, decoding parameters,
source text), and decoding never samples, so two files holding one key hold the same answer:
merging cannot conflict. A row already in the target is kept as it is.

Every file is checked before anything is written: a source that is not a wirebrief cache
(another program's database, a newer wirebrief's schema, not SQLite at all) stops the merge
with its reason, and a source is only ever read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wirebrief.engines.base import GenerationParams
from wirebrief.engines.cache import GenerationCache
from wirebrief.errors import ConfigError, UsageError

#: How long to wait for a run that holds the target's write lock.
BUSY_TIMEOUT_S = 30.0

#: The columns copied, in the table's order.
_COLUMNS = "key, engine, params, source, output, input_tokens, output_tokens, hit_limit, created"


@dataclass
class MergeReport:
    """What a merge did: rows added per source, and the target's size after."""

    target: Path
    #: (source, rows it had, rows new to the target), in the order merged.
    sources: list[tuple[Path, int, int]] = field(default_factory=list)
    #: Rows in the target once every source is in.
    total: int = 0

    @property
    def added(self) -> int:
        return sum(new for _, _, new in self.sources)


def merge_caches(target: Path, sources: Sequence[Path]) -> MergeReport:
    """Copy every row of `sources` that `target` lacks into `target` (created if missing).

    Raises UsageError for a source that is not there or is the target itself, and ConfigError
    for a file that is not a usable wirebrief cache; nothing is written before every file
    has been checked.
    """
    target = Path(target)
    if not sources:
        raise UsageError("no cache files to merge", hint="name the per-node cache files after the target")
    for source in sources:
        _check_source(Path(source), target)
    _open_target(target)
    report = MergeReport(target)
    # uri=True: so that a source can be attached read-only (`?mode=ro`).
    connection = sqlite3.connect(target.resolve().as_uri(), uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        for source in sources:
            report.sources.append(_merge_one(connection, Path(source)))
        report.total = connection.execute("SELECT count(*) FROM generations").fetchone()[0]
    except sqlite3.Error as error:
        raise ConfigError(f"cache {target}: merge stopped ({error})", hint="sources merged before it are kept") from None
    finally:
        connection.close()
    return report


def _check_source(source: Path, target: Path) -> None:
    if not source.is_file():
        raise UsageError(f"{source}: no such cache file")
    if target.exists() and source.resolve() == target.resolve():
        raise UsageError(f"{source} is the target itself", hint="name the target with --cache, and only the files to fold in after it")
    _usable_or_refuse(source)


def _usable_or_refuse(path: Path) -> None:
    """The cache's own checks (read-only until the file is known to be a wirebrief cache)."""
    cache = GenerationCache(path)
    try:
        stats = cache.stats()
    finally:
        cache.close()
    if not stats["usable"]:
        raise ConfigError(f"{path} cannot be merged: {stats.get('reason', 'it is not a wirebrief cache')}")


def _open_target(target: Path) -> None:
    """Check an existing target, or create a new one with the cache's own schema."""
    if target.exists():
        _usable_or_refuse(target)
        return
    cache = GenerationCache(target)
    try:
        # A lookup opens the file, which creates the table in a new one; it changes no entry.
        cache.get_many("wirebrief-merge", GenerationParams(), ["create"])
        usable = cache.usable
    finally:
        cache.close()
    if not usable:
        _usable_or_refuse(target)  # raises with the reason
        raise ConfigError(f"{target}: cannot be created")


def _merge_one(connection: sqlite3.Connection, source: Path) -> tuple[Path, int, int]:
    # Read-only: a source on a read-only disk (or someone else's) is never changed.
    connection.execute("ATTACH DATABASE ? AS source", (f"{source.resolve().as_uri()}?mode=ro",))
    try:
        rows = connection.execute("SELECT count(*) FROM source.generations").fetchone()[0]
        connection.execute("BEGIN IMMEDIATE")
        try:
            before = connection.total_changes
            connection.execute(
                f"INSERT OR IGNORE INTO main.generations ({_COLUMNS}) SELECT {_COLUMNS} FROM source.generations"
            )
            added = connection.total_changes - before
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.rollback()
            raise
    finally:
        connection.execute("DETACH DATABASE source")
    return source, int(rows), int(added)
