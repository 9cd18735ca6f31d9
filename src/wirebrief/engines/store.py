"""A cache of model generations in one SQLite file (`GenerationCache`).

The engine that consults it first is in `engines.cache`.

Wire copy repeats itself: the same sentence comes back in the next version of a story, in a
sister article, in a rerun. A sentence seen before is never translated twice, and a rerun of an
article already briefed never loads the model: engines load their weights on the first
`generate`, and `CachedEngine` only calls `generate` for texts the cache cannot answer.

An entry is keyed by what determines the output: the engine's `cache_key()` (model, engine,
dtype or quantisation), the decoding parameters, and the source text. Decoding is greedy or
beam search, never sampling, so the stored output is what the model would say again.

The cache is an optimisation, never a source of failure: a damaged, foreign or unreadable file
is reported once and then bypassed, and a row is only returned after checking that it answers
exactly the question asked.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from wirebrief.config import user_cache_dir
from wirebrief.engines.base import Generation, GenerationParams
from wirebrief.engines.sqlite import (
    _SIDE_FILES,
    Foreign,
    Unusable,
    check_schema,
    inspect_file,
    is_transient,
    iso,
    reason,
    storable,
)
from wirebrief.errors import ConfigError

log = logging.getLogger(__name__)

#: How long to wait for another process's write lock before giving up on one operation.
BUSY_TIMEOUT_S = 10.0
#: Keys per lookup query: under SQLite's bound-variable limit (999 before SQLite 3.32).
QUERY_CHUNK = 500
#: Entries kept beside an engine's outputs, under its key with this suffix: its token counts
#: and its description (see cache.DeferredEngine), and its scores of translations (see
#: cache.CachedEngine.score). None of them is a model output `stats` counts.
_TOKENS, _ABOUT, _SCORES = "#tokens", "#about", "#scores"
_SIDE_SUFFIXES = (_ABOUT, _TOKENS, _SCORES)


def default_cache_path() -> Path:
    """Where the cache lives unless a setting says otherwise."""
    return user_cache_dir() / "generations.sqlite3"


def canonical_params(params: GenerationParams) -> str:
    """The decoding parameters as one stable string: sorted keys, no whitespace."""
    return json.dumps(params.as_dict(), sort_keys=True, separators=(",", ":"))


def entry_key(engine_key: str, params_json: str, source: str) -> str:
    """The row key: sha256 of the three parts, JSON-encoded so no two triples share a preimage.

    JSON's ASCII escaping also makes any Python string hashable, even one with lone surrogates.
    """
    payload = json.dumps([engine_key, params_json, source], ensure_ascii=True)
    return hashlib.sha256(payload.encode("ascii")).hexdigest()


class GenerationCache:
    """Generations in a SQLite file, shared safely by every process that opens it.

    The file opens on first use, so building a cache costs nothing when nothing is asked of it.
    It runs in WAL mode (readers never block the writer), waits up to `BUSY_TIMEOUT_S` for
    another process's lock, and writes each `put_many` in one short transaction, so shard runs
    on one machine can share a file. `synchronous=NORMAL` may lose the last writes on a power
    cut, never the file: a lost entry only costs a retranslation.

    Any error other than a passing lock (a damaged file, a folder at the path, no permission, a
    schema this code does not know) is logged once as a warning, and from then on this object
    answers nothing and stores nothing.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._connection: sqlite3.Connection | None = None
        #: Why the cache is bypassed, once it is.
        self._unusable: str | None = None
        # The pipeline calls from one thread, but a lock makes sharing the object harmless.
        self._lock = threading.RLock()

    @property
    def usable(self) -> bool:
        """False once an error has switched the cache off for this process."""
        return self._unusable is None

    # -- opening ------------------------------------------------------------------------------

    def _open(self, *, create: bool = True) -> sqlite3.Connection:
        """The connection, opened and checked on first call; raises `Unusable` or sqlite3 errors."""
        if self._unusable is not None:
            raise Unusable(self._unusable)
        if self._connection is not None:
            return self._connection
        if self.path.is_dir():
            raise Foreign("it is a folder, not a file")
        if not create and not self.path.exists():
            raise FileNotFoundError(str(self.path))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise Unusable(f"its folder cannot be created: {reason(error)}") from None
        inspect_file(self.path, BUSY_TIMEOUT_S)
        # isolation_level=None: no implicit transactions; writes use explicit BEGIN IMMEDIATE.
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            check_schema(connection)
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.debug("translation cache %s runs in %s mode, not WAL", self.path, mode)
            connection.execute("PRAGMA synchronous = NORMAL")
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        return connection

    def _close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except sqlite3.Error:
                pass
            self._connection = None

    def close(self) -> None:
        """Close the file; the next use opens it again."""
        with self._lock:
            self._close()

    def _disable(self, error: BaseException) -> None:
        self._close()
        if self._unusable is None:
            self._unusable = reason(error)
            log.warning(
                "translation cache %s is unusable (%s); continuing without it", self.path, self._unusable
            )

    @contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        """Turn every failure into "bypass the cache": a lock skips one call, anything else all."""
        try:
            yield
        except sqlite3.Error as error:
            if is_transient(error):
                # Another process held the lock for the whole timeout: skip this one operation.
                log.debug("translation cache %s busy during %s (%s); skipped", self.path, what, error)
                return
            self._disable(error)
        except (Unusable, OSError) as error:
            self._disable(error)

    # -- lookups and stores -------------------------------------------------------------------

    def get_many(
        self, engine_key: str, params: GenerationParams, texts: Sequence[str]
    ) -> dict[int, Generation]:
        """The cached generation of each text that has one, by its index in `texts`.

        A row only counts if its stored engine, parameters and source equal the request, so a
        hash collision or a damaged row is a miss, never a wrong answer.
        """
        if not texts or self._unusable is not None:
            return {}
        params_json = canonical_params(params)
        wanted: dict[str, list[int]] = {}
        for index, text in enumerate(texts):
            wanted.setdefault(entry_key(engine_key, params_json, text), []).append(index)
        found: dict[int, Generation] = {}
        with self._lock, self._guard("lookup"):
            connection = self._open()
            keys = list(wanted)
            for start in range(0, len(keys), QUERY_CHUNK):
                chunk = keys[start : start + QUERY_CHUNK]
                rows = connection.execute(
                    "SELECT key, engine, params, source, output, input_tokens, output_tokens, hit_limit "
                    f"FROM generations WHERE key IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
                for key, engine, stored_params, source, output, input_tokens, output_tokens, hit_limit in rows:
                    if engine != engine_key or stored_params != params_json:
                        continue
                    generation = _generation(output, input_tokens, output_tokens, hit_limit)
                    if generation is None:
                        continue
                    for index in wanted.get(key, ()):
                        # Compared per index: texts that collide on the hash share a key.
                        if texts[index] == source:
                            found[index] = generation
            return found
        # Reached only when the guard swallowed an error: answer nothing, not half.
        return {}

    def put_many(
        self, engine_key: str, params: GenerationParams, items: Sequence[tuple[str, Generation]]
    ) -> None:
        """Store generations (source text, result) in one transaction; replaces any old row.

        Replacing rather than ignoring lets a damaged row heal on the next store.
        """
        if not items or self._unusable is not None:
            return
        params_json = canonical_params(params)
        now = time.time()
        rows = [
            (
                entry_key(engine_key, params_json, source), engine_key, params_json, source,
                generation.text, int(generation.input_tokens), int(generation.output_tokens),
                int(bool(generation.hit_limit)), now,
            )
            for source, generation in items
            if storable(source) and storable(generation.text) and storable(engine_key)
        ]
        if not rows:
            return
        with self._lock, self._guard("store"):
            connection = self._open()
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.executemany(
                    "INSERT OR REPLACE INTO generations (key, engine, params, source, output, "
                    "input_tokens, output_tokens, hit_limit, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.rollback()
                raise

    # -- maintenance --------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """What is in the cache, for `wirebrief cache`; never raises.

        Returns path, exists, size_bytes (the file and its write-ahead log), entries (model
        outputs; token counts and descriptions kept beside them are not counted), engines
        (outputs per model in a reader's words: "Helsinki-NLP/opus-mt-nl-en (CTranslate2,
        int8)"), oldest and newest (ISO 8601, UTC), usable, and reason only when not usable.
        A missing file is not created: it reports usable with no entries.
        """
        with self._lock:
            result: dict[str, Any] = {
                "path": str(self.path),
                "exists": self.path.exists(),
                "size_bytes": self._size_bytes(),
                "entries": 0,
                "engines": {},
                "oldest": None,
                "newest": None,
                "usable": True,
            }
            if self._unusable is not None:
                result.update(usable=False, reason=self._unusable, entries=None)
                return result
            if not result["exists"]:
                problem = self._cannot_create()
                if problem:
                    result.update(usable=False, reason=problem, entries=None)
                return result
            try:
                connection = self._open(create=False)
                counts = connection.execute(
                    "SELECT engine, count(*) FROM generations GROUP BY engine ORDER BY engine"
                ).fetchall()
                about = connection.execute(
                    "SELECT engine, output FROM generations WHERE engine LIKE ?", (f"%{_ABOUT}",)
                ).fetchall()
                oldest, newest = connection.execute(
                    "SELECT min(created), max(created) FROM generations"
                ).fetchone()
            except (sqlite3.Error, Unusable, OSError) as error:
                # Reported, not disabled: a later lookup still warns once, as it would have.
                self._close()
                result.update(usable=False, reason=reason(error), entries=None)
                return result
            engines = _engine_names(counts, about)
            result.update(
                engines=engines,
                entries=sum(engines.values()),
                oldest=iso(oldest),
                newest=iso(newest),
                size_bytes=self._size_bytes(),
            )
            return result

    def clear(self) -> int:
        """Remove every entry and return how many model outputs there were; the file shrinks.

        This is also how a user repairs a broken cache: a file that is not a readable SQLite
        database, or one with a schema version this wirebrief does not know, is deleted (with
        its -wal and -shm files) and created afresh, and 0 is returned. A folder at the path or
        another program's SQLite database is never deleted: that raises `ConfigError`, as does
        a file that stays locked or cannot be written.
        """
        with self._lock:
            self._unusable = None
            self._close()
            try:
                return self._clear_entries()
            except Foreign as error:
                raise ConfigError(
                    f"translation cache {self.path} cannot be cleared: {error}",
                    hint="point the cache setting at a file of its own",
                ) from None
            except sqlite3.Error as error:
                if is_transient(error):
                    raise ConfigError(
                        f"translation cache {self.path} cannot be cleared: it is locked by another process",
                        hint="try again when other wirebrief runs have finished",
                    ) from None
                broken: BaseException = error
            except Unusable as error:
                broken = error
            except OSError as error:
                raise ConfigError(f"translation cache {self.path} cannot be cleared: {reason(error)}") from None
            log.info("translation cache %s is unusable (%s); deleting it", self.path, reason(broken))
            self._close()
            try:
                for path in (self.path, *(Path(f"{self.path}{suffix}") for suffix in _SIDE_FILES)):
                    path.unlink(missing_ok=True)
                self._unusable = None
                self._open()
            except (sqlite3.Error, Unusable, OSError) as error:
                self._close()
                self._unusable = None
                raise ConfigError(f"translation cache {self.path} cannot be recreated: {reason(error)}") from None
            return 0

    def _clear_entries(self) -> int:
        connection = self._open()
        connection.execute("BEGIN IMMEDIATE")
        try:
            count = connection.execute(
                "SELECT count(*) FROM generations WHERE " + " AND ".join(["engine NOT LIKE ?"] * len(_SIDE_SUFFIXES)),
                [f"%{suffix}" for suffix in _SIDE_SUFFIXES],
            ).fetchone()[0]
            connection.execute("DELETE FROM generations")
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.rollback()
            raise
        try:
            connection.execute("VACUUM")
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as error:
            # The entries are gone; the file shrinks on a later clear.
            log.debug("translation cache %s not compacted: %s", self.path, error)
        return int(count)

    def _cannot_create(self) -> str | None:
        """Why the missing file could not be created, judged without creating anything."""
        folder = self.path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not folder.is_dir():
            return f"its folder cannot be created: {folder} is not a folder"
        if not os.access(folder, os.W_OK | os.X_OK):
            return f"it cannot be created: no permission to write in {folder}"
        return None

    def _size_bytes(self) -> int:
        total = 0
        for path in (self.path, Path(f"{self.path}-wal")):
            try:
                if path.is_file():
                    total += path.stat().st_size
            except OSError:
                pass
        return total


_KIND_NAMES = {"ctranslate2": "CTranslate2", "transformers": "transformers (torch)"}


def _engine_names(counts: Sequence[tuple[str, int]], about: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Outputs per engine key, each key named as a reader knows its model: the description
    stored beside it where there is one, else what the key itself says (kind:precision:model)."""
    described: dict[str, str] = {}
    for key, text in about:
        with suppress(ValueError, TypeError, KeyError):
            info = json.loads(text)["describe"]
            described[key.removesuffix(_ABOUT)] = f"{info['model']} ({info['engine']}, {info['dtype']})"
    names: dict[str, int] = {}
    for key, count in counts:
        if key.endswith(_SIDE_SUFFIXES):
            continue
        name = described.get(key) or _name_from_key(key)
        if name in names:  # one model rebuilt in place: its older outputs apart
            name = f"{name} [{key.rsplit('@', 1)[-1].rsplit(':', 1)[-1][:8]}]"
        names[name] = names.get(name, 0) + count
    return names


def _name_from_key(key: str) -> str:
    kind, _, rest = key.partition(":")
    precision, _, identity = rest.partition(":")
    origin, _, model = identity.partition(":")
    if origin == "hub":
        model = model.rsplit("@", 1)[0]
    else:
        model = f"a local model ({model[:8]})" if model else key
    return f"{model} ({_KIND_NAMES.get(kind, kind)}, {precision})" if precision else model


def _generation(output: Any, input_tokens: Any, output_tokens: Any, hit_limit: Any) -> Generation | None:
    """A Generation from a row, or None if the row's values are not of the stored types."""
    if not isinstance(output, str) or hit_limit not in (0, 1):
        return None
    if not isinstance(input_tokens, int) or not isinstance(output_tokens, int):
        return None
    if input_tokens < 0 or output_tokens < 0:
        return None
    return Generation(
        text=output, input_tokens=input_tokens, output_tokens=output_tokens, hit_limit=bool(hit_limit)
    )
