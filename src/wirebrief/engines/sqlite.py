"""The cache file's format: its one table, its version, and telling it from other files.

`store.GenerationCache` opens the file; what here decides whether a file at the cache path is
a wirebrief cache (and may be written) or something else (and must be left alone).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

#: The layout this code reads and writes, kept in `PRAGMA user_version`. A file with another
#: version (a newer wirebrief's) is left alone, not migrated or overwritten.
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS generations (
    key TEXT PRIMARY KEY,
    engine TEXT NOT NULL,
    params TEXT NOT NULL,
    source TEXT NOT NULL,
    output TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    hit_limit INTEGER NOT NULL,
    created REAL NOT NULL
)
"""
_SIDE_FILES = ("-wal", "-shm", "-journal")
#: The columns of wirebrief's one table: a file with any other table is another program's.
_COLUMNS = {"key", "engine", "params", "source", "output", "input_tokens", "output_tokens", "hit_limit", "created"}


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Unusable(Exception):
    """The file cannot serve as a cache; the message says why."""


class Foreign(Unusable):
    """What is at the cache path is not a cache file, so it is not ours to delete."""


def is_transient(error: sqlite3.Error) -> bool:
    """Whether an error is another process holding a lock, which passes, not a broken file."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    message = str(error).lower()
    return "locked" in message or "busy" in message


def reason(error: BaseException) -> str:
    if isinstance(error, Unusable):
        return str(error)
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return str(error) or type(error).__name__


def storable(text: str) -> bool:
    """Whether SQLite can store the text (a lone surrogate cannot be encoded as UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")




def inspect_file(path: Path, timeout: float) -> None:
    """Refuse a file that is not a wirebrief cache before anything could change it.

    Read through a read-only connection: opening for writing would already let SQLite
    switch the journal mode or checkpoint another program's write-ahead log. A file is a
    cache when it holds wirebrief's table and nothing else; its version is checked after.
    """
    try:
        if path.stat().st_size == 0:
            return  # a new file: the schema is created in it
    except FileNotFoundError:
        return
    reader = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout)
    try:
        version = reader.execute("PRAGMA user_version").fetchone()[0]
        tables = {
            name: {row[1] for row in reader.execute(f"PRAGMA table_info({_quoted(name)})")}
            for (name,) in reader.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    finally:
        reader.close()
    if not tables and version == 0:
        return  # an empty database: the schema is created in it
    if version == SCHEMA_VERSION and tables == {"generations": _COLUMNS}:
        return
    if version > SCHEMA_VERSION and "generations" in tables:
        # A newer wirebrief's layout: not readable here, but a cache, so `clear` may renew it.
        raise Unusable(f"schema version {version}; this wirebrief reads version {SCHEMA_VERSION}")
    raise Foreign("it is an SQLite database of another program")


def check_schema(connection: sqlite3.Connection) -> None:
    """Create the table in a new file; refuse a file of another version or another program."""
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return
    if version != 0:
        raise Unusable(f"schema version {version}; this wirebrief reads version {SCHEMA_VERSION}")
    # Version 0 is a new, empty file, unless it already holds tables: then it belongs to
    # something else, and writing into it could damage that.
    connection.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have created the schema while this one waited for the lock.
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables:
                raise Foreign("it is an SQLite database of another program")
            connection.execute(_SCHEMA)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        connection.rollback()
        raise
    if version not in (0, SCHEMA_VERSION):
        raise Unusable(f"schema version {version}; this wirebrief reads version {SCHEMA_VERSION}")
